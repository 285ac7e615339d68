//! `.kvq` files: an index's configuration and codes, checked end to end.
//!
//! The layout (all integers little-endian) is specified in FORMAT.md beside this crate's
//! workspace; in short: a 56-byte fixed header (magic, versions, variant, rotation, part
//! count, codebook kind, dimension, count, seed, code length, part widths, flags, outlier count),
//! the outlier channel list, a calibration's shifts and scales where the flags say there is
//! one, an XXH64 of everything before it, then `count` codes of `code_len` bytes and an XXH64 of
//! the codes. Nothing random is stored: the rotations and the QJL matrix are regenerated from
//! the seed by the frozen algorithms of [`ALGORITHM_VERSION`].
//!
//! Reading checks every field before it allocates in proportion to a claim, verifies the
//! header check before trusting the header, and the code check before returning an index.

use std::io::{Read, Write};

use xxhash_rust::xxh64::{Xxh64, xxh64};

use crate::Error;
use crate::index::Index;
use crate::quantizer::{Calibration, CodebookKind, Config, MAX_DIM, Quantizer, Variant};
use crate::rotation::RotationKind;

/// The first eight bytes of every `.kvq` file.
pub const MAGIC: [u8; 8] = *b"\x89KVQ\r\n\x1a\n";
/// The newest layout version. Version 2 added the flags byte and the calibration; a file
/// without a calibration is written as version 1, which every reader of `.kvq` files reads.
pub const FORMAT_VERSION: u16 = 2;
/// The version of everything that turns a seed and a configuration into codes: SplitMix64
/// streams, the randomized Hadamard transform (4 rounds), the QJL matrix, the codebook
/// solvers. Version 2 added pair codebooks (header byte 15); a file whose codes use none is
/// written as version 1, which every reader of `.kvq` files reads.
pub const ALGORITHM_VERSION: u16 = 2;

const FIXED_HEADER: usize = 56;
/// Header byte 42, bit 0: a calibration follows the outlier channels.
const CALIBRATED: u8 = 1;
const CHECKSUM_SEED: u64 = 0;

/// Writes `index` as a `.kvq` file.
pub fn write_index(index: &Index, mut out: impl Write) -> Result<(), Error> {
    let quantizer = index.quantizer();
    let config = quantizer.config();
    let parts: Vec<(&[u32], u8)> = quantizer.parts().collect();
    let outliers: &[u32] = if parts.len() == 2 { parts[0].0 } else { &[] };
    let calibration = config.calibration();
    let mut header = Vec::with_capacity(FIXED_HEADER + 4 * outliers.len() + 8);
    header.extend_from_slice(&MAGIC);
    header.extend_from_slice(&(if calibration.is_some() { FORMAT_VERSION } else { 1 }).to_le_bytes());
    let pairs = config.codebook() == CodebookKind::Pair;
    header.extend_from_slice(&(if pairs { ALGORITHM_VERSION } else { 1 }).to_le_bytes());
    header.push(Variant::ALL.iter().position(|&v| v == config.variant()).expect("a known variant") as u8);
    header.push(match config.rotation() {
        RotationKind::Hadamard => 0,
        RotationKind::Haar => 1,
    });
    header.push(parts.len() as u8);
    header.push(CodebookKind::ALL.iter().position(|&kind| kind == config.codebook()).expect("a known kind") as u8);
    header.extend_from_slice(&(quantizer.dim() as u32).to_le_bytes());
    header.extend_from_slice(&(index.len() as u64).to_le_bytes());
    header.extend_from_slice(&config.seed().to_le_bytes());
    header.extend_from_slice(&(quantizer.code_len() as u32).to_le_bytes());
    header.push(parts[0].1);
    header.push(parts.get(1).map_or(0, |part| part.1));
    header.extend_from_slice(&[if calibration.is_some() { CALIBRATED } else { 0 }, 0]);
    header.extend_from_slice(&(outliers.len() as u32).to_le_bytes());
    header.extend_from_slice(&[0; 8]);
    debug_assert_eq!(header.len(), FIXED_HEADER);
    for &channel in outliers {
        header.extend_from_slice(&channel.to_le_bytes());
    }
    if let Some(calibration) = calibration {
        for &value in calibration.shift().iter().chain(calibration.scale()) {
            header.extend_from_slice(&value.to_le_bytes());
        }
    }
    let check = xxh64(&header, CHECKSUM_SEED);
    header.extend_from_slice(&check.to_le_bytes());
    out.write_all(&header)?;
    out.write_all(index.codes())?;
    out.write_all(&xxh64(index.codes(), CHECKSUM_SEED).to_le_bytes())?;
    out.flush()?;
    Ok(())
}

/// Reads a `.kvq` file written by [`write_index`].
pub fn read_index(mut input: impl Read) -> Result<Index, Error> {
    let mut fixed = [0u8; FIXED_HEADER];
    read_exact(&mut input, &mut fixed, "header")?;
    if fixed[..8] != MAGIC {
        return Err(Error::NotKvq);
    }
    let u16_at = |at: usize| u16::from_le_bytes(fixed[at..at + 2].try_into().expect("2 bytes"));
    let u32_at = |at: usize| u32::from_le_bytes(fixed[at..at + 4].try_into().expect("4 bytes"));
    let u64_at = |at: usize| u64::from_le_bytes(fixed[at..at + 8].try_into().expect("8 bytes"));
    let (format, algorithm) = (u16_at(8), u16_at(10));
    if !(1..=FORMAT_VERSION).contains(&format) || !(1..=ALGORITHM_VERSION).contains(&algorithm) {
        return Err(Error::Unsupported(format!(
            "format version {format}, algorithm version {algorithm} (this kolm reads 1 to {FORMAT_VERSION} and 1 to {ALGORITHM_VERSION})"
        )));
    }
    let flags = fixed[42];
    if flags & !CALIBRATED != 0 || (format < 2 && flags != 0) {
        return Err(Error::Unsupported(format!("header flags {flags:#04x} in format version {format}")));
    }
    let dim = u32_at(16) as usize;
    if dim > MAX_DIM {
        return Err(Error::Corrupt(format!("{dim} dimensions is more than kolm-vq supports ({MAX_DIM})")));
    }
    let outlier_count = u32_at(44) as usize;
    if outlier_count >= dim.max(1) {
        return Err(Error::Corrupt(format!("{outlier_count} outlier channels in {dim} dimensions")));
    }
    let calibration_len = if flags & CALIBRATED != 0 { 8 * dim } else { 0 };
    let mut rest = vec![0u8; 4 * outlier_count + calibration_len + 8];
    read_exact(&mut input, &mut rest, "header")?;
    let (listed, check) = rest.split_at(rest.len() - 8);
    let mut hasher = Xxh64::new(CHECKSUM_SEED);
    hasher.update(&fixed);
    hasher.update(listed);
    if hasher.digest().to_le_bytes() != check {
        return Err(Error::Corrupt("the header check does not match (damaged header)".into()));
    }
    let (channel_bytes, calibration_bytes) = listed.split_at(4 * outlier_count);
    let variant = *Variant::ALL
        .get(usize::from(fixed[12]))
        .ok_or_else(|| Error::Unsupported(format!("variant {}", fixed[12])))?;
    let rotation = match fixed[13] {
        0 => RotationKind::Hadamard,
        1 => RotationKind::Haar,
        other => return Err(Error::Unsupported(format!("rotation kind {other}"))),
    };
    let part_count = fixed[14];
    let codebook = match (algorithm, fixed[15]) {
        (_, 0) => CodebookKind::Scalar,
        (2.., 1) => CodebookKind::Pair,
        (_, other) => {
            return Err(Error::Unsupported(format!("codebook kind {other} in algorithm version {algorithm}")));
        }
    };
    let (first_bits, second_bits) = (fixed[40], fixed[41]);
    let bits = match part_count {
        1 if outlier_count == 0 && second_bits == 0 => f64::from(first_bits),
        2 if outlier_count > 0 && second_bits.checked_add(1) == Some(first_bits) => {
            f64::from(second_bits) + outlier_count as f64 / dim as f64
        }
        _ => {
            return Err(Error::Corrupt(format!(
                "inconsistent parts: {part_count} with widths {first_bits}, {second_bits}"
            )));
        }
    };
    let channels: Vec<u32> =
        channel_bytes.chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes"))).collect();
    let mut config = Config::new(dim, bits)
        .with_variant(variant)
        .with_rotation(rotation)
        .with_codebook(codebook)
        .with_seed(u64_at(28));
    if outlier_count > 0 {
        config = config.with_outliers(channels);
    }
    if calibration_len > 0 {
        let values: Vec<f32> =
            calibration_bytes.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes"))).collect();
        let (shift, scale) = values.split_at(dim);
        let calibration = Calibration::new(shift.to_vec(), scale.to_vec())
            .map_err(|error| Error::Corrupt(format!("impossible calibration: {error}")))?;
        config = config.with_calibration(calibration);
    }
    let quantizer =
        Quantizer::new(config).map_err(|error| Error::Corrupt(format!("impossible configuration: {error}")))?;
    if quantizer.config().codebook() != codebook {
        return Err(Error::Corrupt("a pair codebook where no part can use one".into()));
    }
    let code_len = quantizer.code_len();
    if quantizer.parts().count() != usize::from(part_count) || u32_at(36) as usize != code_len {
        return Err(Error::Corrupt(format!("code length {} where the configuration gives {code_len}", u32_at(36))));
    }
    let count = u64_at(20);
    let total = count
        .checked_mul(code_len as u64)
        .filter(|&total| total < isize::MAX as u64)
        .ok_or_else(|| Error::Corrupt(format!("{count} codes of {code_len} bytes is impossibly large")))?;
    // Grows only as data arrives, so a false count cannot allocate more than the file holds.
    let mut codes = Vec::new();
    input.by_ref().take(total).read_to_end(&mut codes)?;
    if codes.len() as u64 != total {
        return Err(Error::Corrupt(format!(
            "the file ends after {} of {count} codes (truncated)",
            codes.len() / code_len
        )));
    }
    let mut check = [0u8; 8];
    read_exact(&mut input, &mut check, "code check")?;
    if xxh64(&codes, CHECKSUM_SEED).to_le_bytes() != check {
        return Err(Error::Corrupt("the code check does not match (damaged codes)".into()));
    }
    if input.read(&mut [0u8; 1])? != 0 {
        return Err(Error::Corrupt("unexpected data after the end of the index".into()));
    }
    let mut index = Index::new(quantizer);
    index.add_codes(&codes)?;
    Ok(index)
}

fn read_exact(input: &mut impl Read, buffer: &mut [u8], what: &str) -> Result<(), Error> {
    input.read_exact(buffer).map_err(|error| match error.kind() {
        std::io::ErrorKind::UnexpectedEof => Error::Corrupt(format!("the file ends inside the {what} (truncated)")),
        _ => Error::Io(error),
    })
}
