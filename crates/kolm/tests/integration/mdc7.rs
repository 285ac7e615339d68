//! MDC7 against the reference program's own output, plus round trips and bad input.
//!
//! Golden files live in `testdata/mdc7/` (written by the Midicoth program built without
//! FMA; see `testdata/README.md`). Their inputs are the prefixes and extra files in
//! `testdata/mdc7/inputs/` and the corpus files in `testdata/corpus/`.

use std::io::{Read, Write};
use std::path::PathBuf;

use kolm::Error;
use kolm::mdc7::{self, Decoder, Encoder, Stages};
use md5::{Digest, Md5};
use proptest::prelude::*;

use crate::{corpus_dir, read, read_in_odd_pieces, repo_root};

fn testdata(name: &str) -> PathBuf {
    repo_root().join("testdata/mdc7").join(name)
}

/// The original of golden file `<name>.mdc`.
pub(crate) fn original_of(name: &str) -> Vec<u8> {
    let local = testdata("inputs").join(name);
    if local.exists() { read(&local) } else { read(&corpus_dir().join(name)) }
}

fn check_golden(name: &str) {
    let original = original_of(name);
    let golden = read(&testdata(&format!("{name}.mdc")));
    let packed = mdc7::compress(&original).unwrap();
    if packed != golden {
        let first = packed.iter().zip(&golden).position(|(a, b)| a != b);
        panic!(
            "{name}: wrote {} bytes, the reference wrote {}; first difference at byte {first:?}",
            packed.len(),
            golden.len()
        );
    }
    assert!(mdc7::decompress(&golden).unwrap() == original, "{name}: the golden file does not decode to its input");
}

macro_rules! golden_tests {
    ($($test:ident => $name:literal,)*) => {
        $(#[test] fn $test() { check_golden($name) })*

        const GOLDEN_NAMES: &[&str] = &[$($name),*];
    };
}

golden_tests! {
    golden_empty => "empty",
    golden_alice29_prefix_1 => "alice29.1",
    golden_alice29_prefix_16 => "alice29.16",
    golden_alice29_prefix_100 => "alice29.100",
    golden_alice29_prefix_1000 => "alice29.1000",
    golden_alice29_prefix_10000 => "alice29.10000",
    golden_alice29_prefix_50000 => "alice29.50000",
    golden_alice29 => "alice29.txt",
    golden_asyoulik => "asyoulik.txt",
    golden_cp_html => "cp.html",
    golden_eid2025 => "eid2025.txt",
    golden_fields_c => "fields.c",
    golden_kennedy_xls => "kennedy.xls",
    golden_lcet10 => "lcet10.txt",
    golden_ptt5 => "ptt5",
    golden_sum => "sum",
}

#[test]
fn every_golden_file_is_tested() {
    let mut on_disk: Vec<String> = std::fs::read_dir(testdata(""))
        .unwrap()
        .filter_map(|e| e.unwrap().file_name().into_string().ok())
        .filter_map(|name| name.strip_suffix(".mdc").map(str::to_owned))
        .collect();
    on_disk.sort();
    let mut tested: Vec<&str> = GOLDEN_NAMES.to_vec();
    tested.sort();
    assert_eq!(on_disk, tested);
}

/// The specification's MD5 sums of the reference's output for prefixes of alice29.txt.
#[test]
fn matches_the_specification_hashes() {
    let alice = read(&corpus_dir().join("alice29.txt"));
    let cases: [(usize, usize, &str); 6] = [
        (1, 14, "ad64c0e06f574d45bb74226c0020bab0"),
        (16, 18, "2fcefd008f75ea21e5bfdc880f80563b"),
        (100, 66, "13d072716036335db0525fe24ea937ac"),
        (1000, 530, "cbc36859714843f9b423bf61fcd96eea"),
        (10000, 3816, "d5aa8dfc4b8ecc5f0099a9a6159f6021"),
        (50000, 15374, "c03c233371f9625511c1619700ed90a8"),
    ];
    for (prefix, size, md5) in cases {
        let packed = mdc7::compress(&alice[..prefix]).unwrap();
        assert_eq!(packed.len(), size, "prefix {prefix}");
        let digest: String = Md5::digest(&packed).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(digest, md5, "prefix {prefix}");
    }
    assert_eq!(mdc7::compress(b"").unwrap(), b"MDC7\0\0\0\0\0\0\0\0");
}

/// Every corpus file (those up to 1 MiB are in testdata) round-trips. All of them have
/// golden files today, which check more; this test keeps coverage if the set grows.
#[test]
fn corpus_files_up_to_a_mebibyte_round_trip() {
    let mut covered = 0;
    for entry in std::fs::read_dir(corpus_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        covered += 1;
        if GOLDEN_NAMES.contains(&name.as_str()) {
            continue;
        }
        let data = read(&path);
        assert!(mdc7::decompress(&mdc7::compress(&data).unwrap()).unwrap() == data, "{name}");
    }
    assert_eq!(covered, 8, "testdata/corpus should hold the 8 corpus files up to 1 MiB");
}

/// The reference's ablation driver on alice29.txt (payload bytes, without the header).
#[test]
fn ablation_ladder_reproduces_the_reference_sizes() {
    let alice = read(&corpus_dir().join("alice29.txt"));
    let expected = [42_672, 42_429, 41_980, 41_350, 40_262];
    for ((label, stages), payload) in Stages::ABLATION.iter().zip(expected) {
        let packed = mdc7::compress_with(&alice, *stages).unwrap();
        assert_eq!(packed.len() - mdc7::HEADER_LEN, payload, "{label}");
        assert!(mdc7::decompress_with(&packed, *stages).unwrap() == alice, "{label} round trip");
    }
}

#[test]
fn streaming_encoder_and_decoder_agree_with_one_shot() {
    let original = original_of("alice29.10000");
    let golden = read(&testdata("alice29.10000.mdc"));
    let mut encoder = Encoder::new(Vec::new(), original.len() as u64).unwrap();
    for (i, piece) in original.chunks(997).enumerate() {
        encoder.write_all(piece).unwrap();
        if i % 3 == 0 {
            encoder.flush().unwrap();
        }
    }
    assert_eq!(encoder.bytes_in(), original.len() as u64);
    assert!(encoder.finish().unwrap() == golden);

    let mut decoder = Decoder::new(&golden[..]).unwrap();
    assert_eq!(decoder.content_len(), 10_000);
    assert!(read_in_odd_pieces(&mut decoder, 13) == original);
    assert_eq!(decoder.bytes_out(), 10_000);
}

#[test]
fn encoder_insists_on_the_declared_length() {
    let mut short = Encoder::new(Vec::new(), 10).unwrap();
    short.write_all(b"12345").unwrap();
    assert!(matches!(short.finish(), Err(Error::LengthMismatch { declared: 10, actual: 5 })));

    let mut long = Encoder::new(Vec::new(), 3).unwrap();
    let error = long.write_all(b"12345").unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);

    assert!(matches!(Encoder::new(Vec::new(), 1 << 31), Err(Error::TooLarge { .. })));
}

#[test]
fn rejects_data_that_is_not_mdc7() {
    for bad in [&b"MDC6\0\0\0\0\0\0\0\0"[..], b"PK\x03\x04 zip", b"\x28\xb5\x2f\xfd", b"X", b"MDCX"] {
        let error = mdc7::decompress(bad).unwrap_err();
        assert!(matches!(error, Error::BadMagic { .. }), "{bad:?}: {error}");
        assert!(error.to_string().starts_with("not MDC7 data"), "{error}");
    }
}

#[test]
fn rejects_headers_cut_short() {
    let golden = read(&testdata("alice29.100.mdc"));
    for len in 0..mdc7::HEADER_LEN {
        let error = mdc7::decompress(&golden[..len]).unwrap_err();
        assert!(matches!(error, Error::Corrupt(_)), "{len} bytes: {error}");
        assert!(error.to_string().contains("shorter than the 12-byte MDC7 header"), "{error}");
    }
}

#[test]
fn rejects_impossible_lengths_without_allocating_for_them() {
    let mut stream = b"MDC7".to_vec();
    stream.extend_from_slice(&(1u64 << 60).to_le_bytes());
    stream.extend_from_slice(&[0x55; 100]);
    let error = mdc7::decompress(&stream).unwrap_err();
    assert!(error.to_string().starts_with("truncated or corrupt"), "{error}");

    // A length MDC7 allows but far more than 100 payload bytes can code: refused up front
    // by the one-shot function, and by the streaming decoder once the payload runs dry.
    stream[4..12].copy_from_slice(&1_000_000_000u64.to_le_bytes());
    let error = mdc7::decompress(&stream).unwrap_err();
    assert!(error.to_string().starts_with("truncated or corrupt"), "{error}");
    let mut decoder = Decoder::new(&stream[..]).unwrap();
    let mut sink = Vec::new();
    let error = decoder.read_to_end(&mut sink).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidData);
    assert!(error.to_string().contains("ran out"), "{error}");
    assert!(sink.len() < 100 * 400, "decoded {} bytes from 100", sink.len());
    // Once failed, the decoder stays failed.
    assert!(decoder.read(&mut [0u8; 16]).is_err());
}

#[test]
fn truncated_payloads_are_detected() {
    let golden = read(&testdata("alice29.1000.mdc"));
    // Without a checksum, losing only the last byte or two can go unnoticed: the final
    // symbols may still fall within reach of the zeros a decoder reads past the end.
    for cut in mdc7::HEADER_LEN..golden.len() - 2 {
        let result = mdc7::decompress(&golden[..cut]);
        assert!(
            matches!(&result, Err(Error::Corrupt(_))),
            "cut at {cut} of {}: {:?}",
            golden.len(),
            result.map(|v| v.len())
        );
    }
}

#[test]
fn flipped_bits_never_panic() {
    // MDC7 has no checksum: damage gives wrong bytes or, if the stream runs dry, an error.
    let golden = read(&testdata("alice29.1000.mdc"));
    let original = original_of("alice29.1000");
    let mut wrong = 0;
    for byte in mdc7::HEADER_LEN..golden.len() {
        for bit in [0, 3, 7] {
            let mut damaged = golden.clone();
            damaged[byte] ^= 1 << bit;
            match mdc7::decompress(&damaged) {
                Ok(decoded) => {
                    assert_eq!(decoded.len(), original.len());
                    wrong += usize::from(decoded != original);
                }
                Err(error) => assert!(matches!(error, Error::Corrupt(_)), "{error}"),
            }
        }
    }
    assert!(wrong > 0, "no flip changed the output");
}

fn round_trip(data: &[u8]) {
    let packed = mdc7::compress(data).unwrap();
    assert_eq!(packed[..4], mdc7::MAGIC);
    assert_eq!(u64::from_le_bytes(packed[4..12].try_into().unwrap()), data.len() as u64);
    assert!(mdc7::decompress(&packed).unwrap() == data);
}

#[test]
fn round_trips_edge_cases() {
    round_trip(b"");
    round_trip(b"a");
    round_trip(&[0u8; 5000]);
    round_trip(&[0xFFu8; 5000]);
    round_trip(&(0..=255u8).cycle().take(3000).collect::<Vec<_>>());
    // A word longer than the word model's 255-byte limit.
    round_trip(&[b'w'; 600].iter().chain(b" w ww www").copied().collect::<Vec<_>>());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn round_trips_random_bytes(data in proptest::collection::vec(any::<u8>(), 0..1500)) {
        round_trip(&data);
    }

    #[test]
    fn round_trips_repetitive_text(
        words in proptest::collection::vec(prop_oneof!["the", "cat", "sat", "on", "mat", ", ", "\n", "x1-y2"], 0..400)
    ) {
        round_trip(words.concat().as_bytes());
    }

    #[test]
    fn round_trips_runs(runs in proptest::collection::vec((any::<u8>(), 1usize..200), 0..30)) {
        let data: Vec<u8> = runs.iter().flat_map(|&(byte, len)| std::iter::repeat_n(byte, len)).collect();
        round_trip(&data);
    }
}
