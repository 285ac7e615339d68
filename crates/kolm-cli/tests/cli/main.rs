//! The `kolm` command as a user meets it: names, refusals, exit codes, formats, and files
//! that appear only when complete.

mod files;
mod formats;
mod safety;
mod vq;

use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata").join(name)
}

/// A scratch directory holding `alice.txt`, the first 1000 bytes of alice29.txt.
fn workspace() -> (TempDir, PathBuf) {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("alice.txt");
    fs::copy(testdata("mdc7/inputs/alice29.1000"), &path).unwrap();
    (dir, path)
}

fn kolm() -> assert_cmd::Command {
    assert_cmd::cargo::cargo_bin_cmd!("kolm")
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

/// Names in `dir`, sorted, to check that nothing stray was left behind.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    names
}

fn stdout_of(assert: assert_cmd::assert::Assert) -> String {
    String::from_utf8(assert.get_output().stdout.clone()).unwrap()
}
