//! Arbitrary bytes as an MDC7 stream: decoding must fail cleanly or return the claimed
//! length, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(decoded) = kolm::mdc7::decompress(data) {
        let claimed = u64::from_le_bytes(data[4..12].try_into().unwrap());
        assert_eq!(decoded.len() as u64, claimed);
    }
});
