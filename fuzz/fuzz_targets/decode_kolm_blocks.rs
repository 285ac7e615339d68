//! Arbitrary payloads inside a well-formed frame, so that they reach the block decoder
//! (in arbitrary bytes the record check rejects almost every payload first).
//!
//! Input: codec and level (1 byte `c`: level `c mod 9 + 1`, codec `(c div 9) mod 17 + 1`), claimed
//! block size (3 bytes, little-endian, at most 1 MiB, so that level 1 of codec 4 sorts blocks
//! of 512 KiB and more, and levels 2–9 of codec 6 read their method byte), block kind (1 byte, modulo 3: stored, coded, or coded after the x86
//! filter), then the payload.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xxhash_rust::xxh64::xxh64;

fuzz_target!(|data: &[u8]| {
    let [level, low, middle, high, kind, payload @ ..] = data else { return };
    let size = (u32::from_le_bytes([*low, *middle, *high, 0]) % (1 << 20)).max(1);
    let mut stream = kolm::MAGIC.to_vec();
    let codec = (level / 9) % 20 + 1;
    stream.extend_from_slice(&[1, codec, level % 9 + 1, 20, 0]);
    let check = xxh64(&stream, 0) as u32;
    stream.extend_from_slice(&check.to_le_bytes());
    let mut record = vec![1 + kind % 3];
    record.extend_from_slice(&size.to_le_bytes());
    record.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    record.extend_from_slice(&0u32.to_le_bytes());
    let record_check = xxh64(&[&record[..], payload].concat(), 0) as u32;
    record.extend_from_slice(&record_check.to_le_bytes());
    stream.extend_from_slice(&record);
    stream.extend_from_slice(payload);
    stream.push(0);
    stream.extend_from_slice(&0u64.to_le_bytes());
    let _ = kolm::decompress(&stream);
});
