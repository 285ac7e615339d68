//! The `kolm` command as a user meets it: names, refusals, exit codes, and files that
//! appear only when complete.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use assert_cmd::cargo::cargo_bin_cmd;
use predicates::prelude::*;
use tempfile::TempDir;

fn testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/mdc7").join(name)
}

/// A scratch directory holding `alice.txt`, the first 1000 bytes of alice29.txt.
fn workspace() -> (TempDir, PathBuf) {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("alice.txt");
    fs::copy(testdata("inputs/alice29.1000"), &path).unwrap();
    (dir, path)
}

fn kolm() -> assert_cmd::Command {
    cargo_bin_cmd!("kolm")
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

#[test]
fn compresses_to_the_reference_bytes_and_keeps_the_source() {
    let (dir, input) = workspace();
    kolm().arg(&input).assert().success().stdout("").stderr("");
    let packed = fs::read(with_suffix(&input, ".mdc")).unwrap();
    assert!(packed == fs::read(testdata("alice29.1000.mdc")).unwrap());
    assert_eq!(listing(dir.path()), ["alice.txt", "alice.txt.mdc"]);
}

#[test]
fn decompresses_beside_the_input() {
    let (dir, _) = workspace();
    let packed = dir.path().join("story.mdc");
    fs::copy(testdata("alice29.1000.mdc"), &packed).unwrap();
    kolm().arg("-d").arg(&packed).assert().success();
    assert!(fs::read(dir.path().join("story")).unwrap() == fs::read(testdata("inputs/alice29.1000")).unwrap());
    assert!(packed.exists());
}

#[test]
fn rm_removes_the_source_only_after_success() {
    let (dir, input) = workspace();
    kolm().args(["--rm", "-v"]).arg(&input).assert().success().stderr(predicate::str::contains("alice.txt.mdc"));
    assert_eq!(listing(dir.path()), ["alice.txt.mdc"]);
    kolm().args(["-d", "--rm"]).arg(with_suffix(&input, ".mdc")).assert().success();
    assert_eq!(listing(dir.path()), ["alice.txt"]);

    // A failure keeps the source.
    let bad = dir.path().join("bad.mdc");
    fs::write(&bad, b"MDC7\x10\0\0\0\0\0\0\0").unwrap();
    kolm().args(["-d", "--rm"]).arg(&bad).assert().code(1);
    assert!(bad.exists());
    assert_eq!(listing(dir.path()), ["alice.txt", "bad.mdc"]);
}

#[test]
fn never_overwrites_without_force() {
    let (dir, input) = workspace();
    let target = with_suffix(&input, ".mdc");
    fs::write(&target, b"precious").unwrap();
    kolm().arg(&input).assert().code(1).stderr(predicate::str::contains("already exists; use -f"));
    assert_eq!(fs::read(&target).unwrap(), b"precious");
    kolm().arg("-f").arg(&input).assert().success();
    assert!(fs::read(&target).unwrap() == fs::read(testdata("alice29.1000.mdc")).unwrap());
    assert_eq!(listing(dir.path()), ["alice.txt", "alice.txt.mdc"]);
}

#[test]
fn streams_through_standard_input_and_output() {
    let original = fs::read(testdata("inputs/alice29.1000")).unwrap();
    let packed = kolm().write_stdin(original.clone()).assert().success().get_output().stdout.clone();
    assert!(packed == fs::read(testdata("alice29.1000.mdc")).unwrap());
    let unpacked = kolm().args(["-d", "-"]).write_stdin(packed).assert().success().get_output().stdout.clone();
    assert!(unpacked == original);

    let (dir, input) = workspace();
    let to_stdout = kolm().arg("-c").arg(&input).assert().success().get_output().stdout.clone();
    assert!(to_stdout == fs::read(testdata("alice29.1000.mdc")).unwrap());
    assert_eq!(listing(dir.path()), ["alice.txt"]);
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
    assert!(fs::read(&input).unwrap() == fs::read(testdata("inputs/alice29.1000")).unwrap());
}

#[test]
fn test_mode_checks_without_writing() {
    let (dir, _) = workspace();
    let good = dir.path().join("good.mdc");
    fs::copy(testdata("alice29.1000.mdc"), &good).unwrap();
    kolm().arg("-tv").arg(&good).assert().success().stderr(predicate::str::contains("OK"));

    let cut = dir.path().join("cut.mdc");
    let bytes = fs::read(&good).unwrap();
    fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    kolm().arg("-t").arg(&cut).assert().code(1).stderr(predicate::str::contains("truncated or corrupt"));
    assert_eq!(listing(dir.path()), ["alice.txt", "cut.mdc", "good.mdc"]);
}

#[test]
fn bad_input_gives_a_clear_error_and_no_output() {
    let (dir, _) = workspace();
    let cases: [(&str, &[u8], &str); 4] = [
        ("zip.mdc", b"PK\x03\x04 not ours", "not in a format kolm reads (it starts with bytes 50 4b 03 04"),
        ("short.mdc", b"MDC7\x01\x02", "shorter than the 12-byte MDC7 header"),
        ("empty.mdc", b"", "the stream is 0 bytes long"),
        ("huge.mdc", b"MDC7\0\0\0\0\0\0\0\x10payload", "truncated or corrupt"),
    ];
    for (name, bytes, message) in cases {
        let path = dir.path().join(name);
        fs::write(&path, bytes).unwrap();
        kolm().arg("-d").arg(&path).assert().code(1).stderr(predicate::str::contains(message));
    }
    let mut expected = vec!["alice.txt", "empty.mdc", "huge.mdc", "short.mdc", "zip.mdc"];
    expected.sort();
    assert_eq!(listing(dir.path()), expected);

    kolm().arg(dir.path().join("missing.txt")).assert().code(1).stderr(predicate::str::contains("missing.txt"));
    kolm().arg(dir.path()).assert().code(1).stderr(predicate::str::contains("is a directory"));
}

#[test]
fn suffix_mismatches_are_skipped_with_a_warning() {
    let (dir, input) = workspace();
    kolm().arg("-d").arg(&input).assert().code(2).stderr(predicate::str::contains("unknown suffix"));
    kolm().arg("-dq").arg(&input).assert().code(2).stderr("");
    let packed = dir.path().join("x.mdc");
    fs::copy(testdata("alice29.1000.mdc"), &packed).unwrap();
    kolm().arg(&packed).assert().code(2).stderr(predicate::str::contains("already has the .mdc suffix"));
    // Errors outrank warnings when several files are given.
    kolm().arg("-d").arg(&input).arg(dir.path().join("nope.mdc")).assert().code(1);
    assert_eq!(listing(dir.path()), ["alice.txt", "x.mdc"]);
}

#[test]
fn keeps_permissions_and_modification_time() {
    use std::os::unix::fs::PermissionsExt;
    let (_dir, input) = workspace();
    fs::set_permissions(&input, fs::Permissions::from_mode(0o640)).unwrap();
    let old = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    fs::File::options().write(true).open(&input).unwrap().set_modified(old).unwrap();
    kolm().arg(&input).assert().success();
    let meta = fs::metadata(with_suffix(&input, ".mdc")).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o640);
    assert_eq!(meta.modified().unwrap(), old);
}

#[test]
fn help_teaches_the_format_limits() {
    kolm()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("no checksum"))
        .stdout(predicate::str::contains("Examples:"));
}

#[test]
fn bench_ablation_prints_each_stage() {
    let output = kolm()
        .args(["bench", "--ablation"])
        .arg(testdata("inputs/alice29.1000"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(output).unwrap();
    for stage in ["PPM", "+ match", "+ word", "+ high-order", "+ Tweedie"] {
        assert!(text.contains(stage), "{text}");
    }
    // The full pipeline's payload is the golden file without its header.
    assert!(text.contains(&format!(" {} ", 530 - 12)), "{text}");
}

#[test]
fn bench_reports_speed_and_memory() {
    kolm()
        .arg("bench")
        .arg(testdata("inputs/alice29.1000"))
        .assert()
        .success()
        .stdout(predicate::str::contains("530 bytes"))
        .stdout(predicate::str::contains("compress").and(predicate::str::contains("peak")));
}

#[test]
fn interrupt_leaves_no_partial_file() {
    let dir = TempDir::new().unwrap();
    let input = dir.path().join("big.bin");
    // Incompressible bytes that take kolm many seconds to code.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let data: Vec<u8> = (0..4_000_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    fs::write(&input, data).unwrap();
    let child = Command::new(assert_cmd::cargo::cargo_bin!("kolm"))
        .arg(&input)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !listing(dir.path()).iter().any(|name| name.starts_with(".kolm-")) {
        assert!(Instant::now() < deadline, "no temporary file appeared");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    let killed = Command::new("kill").arg("-INT").arg(child.id().to_string()).status().unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "kolm: interrupted\n");
    assert_eq!(listing(dir.path()), ["big.bin"]);
}
