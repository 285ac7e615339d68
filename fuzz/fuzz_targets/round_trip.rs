//! Whatever is compressed decompresses to itself, at the level the first byte picks.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&level, data)) = data.split_first() else { return };
    let level = kolm::Level::new(level % 9 + 1).unwrap();
    let packed = kolm::compress(data, level);
    assert_eq!(kolm::decompress(&packed).unwrap(), data);
});
