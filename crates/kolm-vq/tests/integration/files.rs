//! `.kvq` files: round trips, golden bytes that pin the algorithm, and damage detection.

use kolm_vq::{
    CodebookKind, Config, Error, Index, Quantizer, RotationKind, SearchParams, Variant, read_index, write_index,
};

use crate::{anisotropic_vectors, gaussian_vectors};

fn sample_index(config: Config) -> Index {
    let base = gaussian_vectors(70, config.dim(), 3);
    let mut index = Index::new(Quantizer::new(config.with_outliers_from(&base)).unwrap());
    index.add(&base).unwrap();
    index
}

/// [`sample_index`] of vectors sharing a mean, calibrated to them.
fn calibrated_index(config: Config) -> Index {
    let base = anisotropic_vectors(70, config.dim(), 3);
    let config = config.with_outliers_from(&base).with_calibration_from(&base).unwrap();
    let mut index = Index::new(Quantizer::new(config).unwrap());
    index.add(&base).unwrap();
    index
}

/// Rewrites the header check of `bytes`, a `.kvq` file's, after its header was changed.
fn recheck(bytes: &mut [u8]) {
    let outliers = u32::from_le_bytes(bytes[44..48].try_into().unwrap()) as usize;
    let dim = u32::from_le_bytes(bytes[16..20].try_into().unwrap()) as usize;
    let calibration = if bytes[42] & 1 != 0 { 8 * dim } else { 0 };
    let end = 56 + 4 * outliers + calibration;
    let check = xxhash_rust::xxh64::xxh64(&bytes[..end], 0);
    bytes[end..end + 8].copy_from_slice(&check.to_le_bytes());
}

fn to_bytes(index: &Index) -> Vec<u8> {
    let mut bytes = Vec::new();
    write_index(index, &mut bytes).unwrap();
    bytes
}

#[test]
fn indexes_round_trip_through_files() {
    for (variant, codebook) in Variant::ALL.into_iter().flat_map(|v| CodebookKind::ALL.map(|c| (v, c))) {
        for rotation in [RotationKind::Hadamard, RotationKind::Haar] {
            for bits in [1.0, 2.0, 2.5, 3.0, 4.0, 7.0] {
                let config =
                    Config::new(40, bits).with_variant(variant).with_codebook(codebook).with_rotation(rotation);
                let index = sample_index(config.with_seed(99));
                let back = read_index(to_bytes(&index).as_slice()).unwrap();
                assert_eq!(back.codes(), index.codes());
                assert_eq!(back.quantizer().config(), index.quantizer().config());
                let query = gaussian_vectors(1, 40, 8);
                let params = SearchParams::top(5);
                assert_eq!(back.search(&query, &params).unwrap(), index.search(&query, &params).unwrap());
            }
        }
    }
    // Calibrated indexes are written as format version 2, with the flag; others as 1.
    for variant in Variant::ALL {
        for bits in [2.0, 2.5, 4.0] {
            let index = calibrated_index(Config::new(40, bits).with_variant(variant));
            let bytes = to_bytes(&index);
            assert_eq!((&bytes[8..10], bytes[42]), (&[2, 0][..], 1));
            let back = read_index(bytes.as_slice()).unwrap();
            assert_eq!(back.codes(), index.codes());
            assert_eq!(back.quantizer().config(), index.quantizer().config());
            let query = anisotropic_vectors(1, 40, 8);
            let params = SearchParams::top(5);
            assert_eq!(back.search(&query, &params).unwrap(), index.search(&query, &params).unwrap());
        }
    }
    assert_eq!(to_bytes(&sample_index(Config::new(40, 2.0)))[8..10], [1, 0]);
}

/// The exact bytes of small indexes: any change to the PRNG, rotation, codebooks, QJL matrix
/// or layout changes them, and needs a new algorithm or format version. Rewrite with
/// `KOLM_VQ_BLESS=1 cargo test` only for such a versioned change.
#[test]
fn golden_files_pin_the_codes() {
    let scalar = |config: Config| config.with_codebook(CodebookKind::Scalar);
    let cases = [
        ("d40-b2-mse.kvq", scalar(Config::new(40, 2.0).with_variant(Variant::Mse))),
        ("d40-b2.5-mse-unbiased.kvq", scalar(Config::new(40, 2.5))),
        ("d40-b3-prod.kvq", scalar(Config::new(40, 3.0).with_variant(Variant::Prod))),
        ("d40-b4-haar.kvq", Config::new(40, 4.0).with_rotation(RotationKind::Haar)),
        ("d40-b2-pair.kvq", Config::new(40, 2.0)),
        ("d40-b3-prod-pair.kvq", Config::new(40, 3.0).with_variant(Variant::Prod)),
    ];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/kvq");
    let indexes = cases.into_iter().map(|(name, config)| (name, sample_index(config)));
    // The calibration's fit is pinned too.
    let calibrated = ("d40-b2-pair-calibrated.kvq", calibrated_index(Config::new(40, 2.0)));
    for (name, index) in indexes.chain([calibrated]) {
        let bytes = to_bytes(&index);
        let path = dir.join(name);
        if std::env::var_os("KOLM_VQ_BLESS").is_some() {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &bytes).unwrap();
        }
        let golden = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(bytes == golden, "{name}: the codes changed");
    }
}

#[test]
fn every_damaged_byte_and_every_truncation_is_detected() {
    let calibrated = to_bytes(&calibrated_index(Config::new(12, 2.0)));
    for at in 0..calibrated.len() {
        let mut damaged = calibrated.clone();
        damaged[at] ^= 1 << (at % 8);
        assert!(read_index(damaged.as_slice()).is_err(), "calibrated: flip at byte {at} not detected");
    }
    let bytes = to_bytes(&sample_index(Config::new(12, 2.5).with_variant(Variant::Prod)));
    for at in 0..bytes.len() {
        for bit in [0, 3, 7] {
            let mut damaged = bytes.clone();
            damaged[at] ^= 1 << bit;
            assert!(read_index(damaged.as_slice()).is_err(), "flip of bit {bit} at byte {at} not detected");
        }
    }
    for length in 0..bytes.len() {
        let error = read_index(&bytes[..length]).unwrap_err();
        assert!(matches!(error, Error::Corrupt(_) | Error::NotKvq), "cut at {length}: {error}");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(read_index(longer.as_slice()).unwrap_err().to_string().contains("after the end"));
    assert!(matches!(
        read_index(&b"PK\x03\x04 not an index at all......................................."[..]),
        Err(Error::NotKvq)
    ));
}

/// Headers whose checks are right but whose fields are not (as a forger or a bug would write
/// them) are refused with an error. Part widths of 255 once overflowed (found by fuzzing).
#[test]
fn impossible_headers_with_valid_checks_are_refused() {
    let bytes = to_bytes(&sample_index(Config::new(12, 2.5)));
    let mutations: [(usize, &[u8]); 9] = [
        (40, &[0]),          // part 0 width 0
        (41, &[255]),        // part 1 width 255
        (40, &[9]),          // part 0 width 9
        (12, &[3]),          // variant 3
        (13, &[2]),          // rotation kind 2
        (16, &[1, 0, 0, 0]), // dimension 1
        (15, &[2]),          // codebook kind 2
        (10, &[1, 0]),       // a pair codebook in algorithm version 1
        (10, &[3, 0]),       // algorithm version 3
    ];
    for (at, value) in mutations {
        let mut damaged = bytes.clone();
        damaged[at..at + value.len()].copy_from_slice(value);
        recheck(&mut damaged);
        assert!(read_index(damaged.as_slice()).is_err(), "byte {at} set to {value:?} accepted");
    }
    // Flags: an unknown one, or any in format version 1; a calibration's scale of 0, or a
    // shift that is not finite.
    let calibrated = to_bytes(&calibrated_index(Config::new(12, 2.0)));
    let scales = 56 + 4 * 12;
    let mutations: [(usize, &[u8]); 4] =
        [(42, &[3]), (8, &[1, 0]), (scales + 8, &0.0f32.to_le_bytes()), (60, &f32::INFINITY.to_le_bytes())];
    for (at, value) in mutations {
        let mut damaged = calibrated.clone();
        damaged[at..at + value.len()].copy_from_slice(value);
        recheck(&mut damaged);
        let error = read_index(damaged.as_slice()).unwrap_err().to_string();
        assert!(!error.contains("check"), "byte {at} set to {value:?}: {error}");
    }
}

/// A header claiming 2⁶⁰ codes (with a valid header check) fails when the data runs out,
/// without reserving memory for the claim.
#[test]
fn huge_claims_fail_without_allocating() {
    let mut bytes = to_bytes(&sample_index(Config::new(12, 2.0)));
    bytes[20..28].copy_from_slice(&(1u64 << 60).to_le_bytes());
    let check = xxhash_rust::xxh64::xxh64(&bytes[..56], 0);
    bytes[56..64].copy_from_slice(&check.to_le_bytes());
    let error = read_index(bytes.as_slice()).unwrap_err().to_string();
    assert!(error.contains("truncated") || error.contains("impossibly"), "{error}");
}

/// Codes with a non-finite norm (possible only in a forged file) are refused, naming the
/// code, and nothing of the batch is added.
#[test]
fn codes_with_a_non_finite_norm_are_refused_whole() {
    let index = sample_index(Config::new(12, 2.0));
    let code_len = index.quantizer().code_len();
    let mut codes = index.codes().to_vec();
    codes[5 * code_len..5 * code_len + 4].copy_from_slice(&f32::NAN.to_le_bytes());
    let mut fresh = Index::new(index.quantizer().clone());
    let error = fresh.add_codes(&codes).unwrap_err().to_string();
    assert!(error.contains("code 5"), "{error}");
    assert!(fresh.is_empty() && fresh.codes().is_empty());
    assert!(fresh.add_codes(&codes[..code_len * 3 + 1]).is_err());
    fresh.add_codes(&codes[..5 * code_len]).unwrap();
    assert_eq!(fresh.len(), 5);
}
