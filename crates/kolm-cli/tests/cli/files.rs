//! Names, streams and the one-line summaries.

use std::fs;

use predicates::prelude::*;

use crate::{kolm, listing, testdata, with_suffix, workspace};

#[test]
fn compresses_beside_the_input_and_keeps_it() {
    let (dir, input) = workspace();
    kolm().arg(&input).assert().success().stdout("").stderr("");
    assert_eq!(listing(dir.path()), ["alice.txt", "alice.txt.kolm"]);
    let packed = fs::read(with_suffix(&input, ".kolm")).unwrap();
    assert_eq!(packed[..4], kolm::MAGIC);
    assert!(kolm::decompress(&packed).unwrap() == fs::read(&input).unwrap());
}

#[test]
fn decompresses_beside_the_input() {
    let (dir, input) = workspace();
    kolm().arg("--rm").arg(&input).assert().success();
    kolm().arg("-d").arg(with_suffix(&input, ".kolm")).assert().success();
    assert_eq!(listing(dir.path()), ["alice.txt", "alice.txt.kolm"]);
    assert!(fs::read(&input).unwrap() == fs::read(testdata("mdc7/inputs/alice29.1000")).unwrap());
}

#[test]
fn mdc_format_writes_the_reference_bytes() {
    let (dir, input) = workspace();
    kolm().args(["--format", "mdc"]).arg(&input).assert().success();
    let packed = fs::read(with_suffix(&input, ".mdc")).unwrap();
    assert!(packed == fs::read(testdata("mdc7/alice29.1000.mdc")).unwrap());
    fs::remove_file(&input).unwrap();
    kolm().arg("-d").arg(with_suffix(&input, ".mdc")).assert().success();
    assert!(fs::read(&input).unwrap() == fs::read(testdata("mdc7/inputs/alice29.1000")).unwrap());
    assert_eq!(listing(dir.path()), ["alice.txt", "alice.txt.mdc"]);
}

#[test]
fn decompression_recognises_the_format_not_the_suffix() {
    let (dir, input) = workspace();
    let kolm_as_mdc = dir.path().join("really-kolm.mdc");
    kolm().arg(&input).arg("-o").arg(&kolm_as_mdc).assert().success();
    let mdc_as_kolm = dir.path().join("really-mdc.kolm");
    fs::copy(testdata("mdc7/alice29.1000.mdc"), &mdc_as_kolm).unwrap();
    for packed in [kolm_as_mdc, mdc_as_kolm] {
        let out = kolm().arg("-dc").arg(&packed).assert().success().get_output().stdout.clone();
        assert!(out == fs::read(&input).unwrap(), "{}", packed.display());
    }
}

#[test]
fn streams_through_standard_input_and_output() {
    let original = fs::read(testdata("mdc7/inputs/alice29.1000")).unwrap();
    for format in ["kolm", "mdc"] {
        let packed =
            kolm().args(["-F", format]).write_stdin(original.clone()).assert().success().get_output().stdout.clone();
        let unpacked = kolm().args(["-d", "-"]).write_stdin(packed).assert().success().get_output().stdout.clone();
        assert!(unpacked == original, "{format}");
    }
    let (dir, input) = workspace();
    let to_stdout = kolm().arg("-c").arg(&input).assert().success().get_output().stdout.clone();
    assert!(kolm::decompress(&to_stdout).unwrap() == original);
    assert_eq!(listing(dir.path()), ["alice.txt"]);
}

#[test]
fn several_files_in_one_call() {
    let (dir, input) = workspace();
    let second = dir.path().join("second.txt");
    fs::write(&second, b"a second, shorter file").unwrap();
    kolm().arg("-v").arg(&input).arg(&second).assert().success().stderr(predicate::str::contains("second.txt.kolm"));
    assert_eq!(listing(dir.path()), ["alice.txt", "alice.txt.kolm", "second.txt", "second.txt.kolm"]);
    // To standard output, .kolm frames concatenate and decode as one stream.
    let joined = kolm().arg("-c").arg(&input).arg(&second).assert().success().get_output().stdout.clone();
    let expected = [fs::read(&input).unwrap(), fs::read(&second).unwrap()].concat();
    assert!(kolm::decompress(&joined).unwrap() == expected);
    let unpacked = kolm().arg("-d").write_stdin(joined).assert().success().get_output().stdout.clone();
    assert!(unpacked == expected);
    // MDC7 cannot be concatenated, so kolm refuses to.
    kolm()
        .args(["-F", "mdc", "-c"])
        .arg(&input)
        .arg(&second)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot be concatenated"));
}

#[test]
fn output_flag_names_the_result() {
    let (dir, input) = workspace();
    let out = dir.path().join("elsewhere.bin");
    kolm().arg(&input).arg("-o").arg(&out).assert().success();
    kolm().arg("-d").arg(&out).arg("-o").arg(dir.path().join("again.txt")).assert().success();
    assert!(fs::read(dir.path().join("again.txt")).unwrap() == fs::read(&input).unwrap());
    kolm()
        .arg(&input)
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("several inputs"));
    kolm()
        .arg("-f")
        .arg(&input)
        .arg("-o")
        .arg(&input)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("refusing to overwrite the input"));
    assert!(fs::read(&input).unwrap() == fs::read(testdata("mdc7/inputs/alice29.1000")).unwrap());
}

#[test]
fn suffix_mismatches_are_skipped_with_a_warning() {
    let (dir, input) = workspace();
    kolm().arg("-d").arg(&input).assert().code(2).stderr(predicate::str::contains("unknown suffix"));
    kolm().arg("-dq").arg(&input).assert().code(2).stderr("");
    let packed = dir.path().join("x.kolm");
    fs::write(&packed, kolm::compress(b"x", kolm::Level::FASTEST)).unwrap();
    kolm().arg(&packed).assert().code(2).stderr(predicate::str::contains("already has the .kolm suffix"));
    // Errors outrank warnings when several files are given.
    kolm().arg("-d").arg(&input).arg(dir.path().join("nope.kolm")).assert().code(1);
    kolm().arg("-qq").arg(dir.path().join("nope.txt")).assert().code(1).stderr("");
    assert_eq!(listing(dir.path()), ["alice.txt", "x.kolm"]);
}

#[test]
fn verbose_summaries() {
    let (_dir, input) = workspace();
    kolm().arg("-v").arg(&input).assert().success().stderr(
        predicate::str::is_match(
            r"alice\.txt: \d+\.\d\d% \(1000 => \d+ bytes, \d\.\d{3} bits/byte, .*alice\.txt\.kolm\)",
        )
        .unwrap(),
    );
    kolm().arg("-tv").arg(with_suffix(&input, ".kolm")).assert().success().stderr(predicate::str::contains("OK ("));
}

#[test]
fn help_and_version_teach() {
    kolm()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("no checksum"))
        .stdout(predicate::str::contains("Examples:"))
        .stdout(predicate::str::contains("MiB per thread"));
    kolm().arg("-V").assert().success().stdout(predicate::str::starts_with("kolm "));
}
