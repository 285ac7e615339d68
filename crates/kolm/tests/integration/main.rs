//! The kolm library's integration tests: one binary, one module per format.

mod format;
mod mdc7;

use std::path::{Path, PathBuf};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The corpus files up to 1 MiB (see testdata/README.md).
fn corpus_dir() -> PathBuf {
    repo_root().join("testdata/corpus")
}

/// Reads `reader` to its end in pieces of 1, 2, … `largest` bytes and back to 1, to
/// exercise every way a caller's buffer can split the output.
fn read_in_odd_pieces(mut reader: impl std::io::Read, largest: usize) -> Vec<u8> {
    let mut output = Vec::new();
    let mut buf = vec![0u8; largest];
    for size in (1..=largest).cycle() {
        match reader.read(&mut buf[..size]).unwrap() {
            0 => return output,
            n => output.extend_from_slice(&buf[..n]),
        }
    }
    unreachable!("the cycle never ends")
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
