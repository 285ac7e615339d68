//! Arbitrary bytes as a `.kolm` stream: listing and decoding must fail cleanly, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kolm::inspect(data);
    let _ = kolm::decompress(data);
});
