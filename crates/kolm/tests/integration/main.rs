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

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
