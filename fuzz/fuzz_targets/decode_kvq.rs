//! `.kvq` files with arbitrary contents but correct checks: the header fields (format and
//! algorithm versions 1 or 2), outlier list, calibration and codes come from the fuzzer, and the two XXH64 checks are recomputed so that reading
//! gets past them. Reading, then searching what was read, must fail cleanly or work; never
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xxhash_rust::xxh64::xxh64;

const FIXED_HEADER: usize = 56;

fuzz_target!(|data: &[u8]| {
    if data.len() < FIXED_HEADER {
        let _ = kolm_vq::read_index(data);
        return;
    }
    let mut file = data[..FIXED_HEADER].to_vec();
    file[..8].copy_from_slice(&kolm_vq::file::MAGIC);
    file[8..10].copy_from_slice(&(1 + u16::from(data[8] & 1)).to_le_bytes());
    file[10..12].copy_from_slice(&(1 + u16::from(data[10] & 1)).to_le_bytes());
    // Keep dimensions and outlier lists small enough to explore quickly.
    let dim = u32::from_le_bytes(file[16..20].try_into().unwrap()) % 300;
    file[16..20].copy_from_slice(&dim.to_le_bytes());
    let outliers = u32::from_le_bytes(file[44..48].try_into().unwrap()) % 300;
    file[44..48].copy_from_slice(&outliers.to_le_bytes());
    let rest = &data[FIXED_HEADER..];
    // The outlier channels, then a calibration (two values per dimension) where flagged.
    let calibration = if file[42] & 1 != 0 { 8 * dim as usize } else { 0 };
    let listed = (4 * outliers as usize + calibration).min(rest.len());
    file.extend_from_slice(&rest[..listed]);
    let header_check = xxh64(&file, 0);
    file.extend_from_slice(&header_check.to_le_bytes());
    let codes = &rest[listed..];
    file.extend_from_slice(codes);
    file.extend_from_slice(&xxh64(codes, 0).to_le_bytes());
    if let Ok(index) = kolm_vq::read_index(file.as_slice()) {
        let query = vec![0.5f32; index.quantizer().dim()];
        let _ = index.search(&query, &kolm_vq::SearchParams::top(3));
        // The smallest shortlist, so that 4-bit indexes of 256+ dimensions take the two-stage
        // search from 76 vectors on (run with -max_len of 16 KiB or more to reach it).
        let _ = index.search(&query, &kolm_vq::SearchParams::top(3).shortlist(1));
    }
});
