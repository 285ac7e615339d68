//! What kolm refuses, keeps and cleans up.

use std::fs;
use std::process::Command;
use std::time::{Duration, Instant};

use predicates::prelude::*;
use tempfile::TempDir;

use crate::{kolm, listing, with_suffix, workspace};

#[test]
fn rm_removes_the_source_only_after_success() {
    let (dir, input) = workspace();
    kolm().args(["--rm", "-v"]).arg(&input).assert().success().stderr(predicate::str::contains("alice.txt.kolm"));
    assert_eq!(listing(dir.path()), ["alice.txt.kolm"]);
    kolm().args(["-d", "--rm"]).arg(with_suffix(&input, ".kolm")).assert().success();
    assert_eq!(listing(dir.path()), ["alice.txt"]);
    // -k after --rm wins, as the last flag does.
    kolm().args(["--rm", "-k"]).arg(&input).assert().success();
    assert_eq!(listing(dir.path()), ["alice.txt", "alice.txt.kolm"]);

    // A failure keeps the source.
    let bad = dir.path().join("bad.kolm");
    fs::write(&bad, &fs::read(with_suffix(&input, ".kolm")).unwrap()[..30]).unwrap();
    kolm().args(["-d", "--rm"]).arg(&bad).assert().code(1);
    assert!(bad.exists());
    assert_eq!(listing(dir.path()), ["alice.txt", "alice.txt.kolm", "bad.kolm"]);
}

#[test]
fn never_overwrites_without_force() {
    let (dir, input) = workspace();
    let target = with_suffix(&input, ".kolm");
    fs::write(&target, b"precious").unwrap();
    kolm().arg(&input).assert().code(1).stderr(predicate::str::contains("already exists; use -f"));
    assert_eq!(fs::read(&target).unwrap(), b"precious");
    kolm().arg("-f").arg(&input).assert().success();
    assert!(kolm::decompress(&fs::read(&target).unwrap()).unwrap() == fs::read(&input).unwrap());
    assert_eq!(listing(dir.path()), ["alice.txt", "alice.txt.kolm"]);
}

#[test]
fn keeps_permissions_and_modification_time() {
    use std::os::unix::fs::PermissionsExt;
    let (_dir, input) = workspace();
    fs::set_permissions(&input, fs::Permissions::from_mode(0o640)).unwrap();
    let old = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    fs::File::options().write(true).open(&input).unwrap().set_modified(old).unwrap();
    kolm().arg(&input).assert().success();
    let meta = fs::metadata(with_suffix(&input, ".kolm")).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o640);
    assert_eq!(meta.modified().unwrap(), old);
}

/// Runs kolm under `script`, which gives it a terminal for standard input and output.
fn on_a_terminal(args: &str) -> std::process::Output {
    let kolm = assert_cmd::cargo::cargo_bin!("kolm");
    Command::new("script")
        .args(["-qec", &format!("{} {args}", kolm.display()), "/dev/null"])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("the `script` command (util-linux) runs kolm on a pseudo-terminal")
}

#[test]
fn refuses_compressed_data_on_a_terminal() {
    let (_dir, input) = workspace();
    let output = on_a_terminal(&format!("-c {}", input.display()));
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(shown.contains("refusing to write compressed data to a terminal"), "{shown}");
    assert_eq!(output.status.code(), Some(1));
    let output = on_a_terminal("-d");
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(shown.contains("refusing to read compressed data from a terminal"), "{shown}");
    assert_eq!(output.status.code(), Some(1));
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
