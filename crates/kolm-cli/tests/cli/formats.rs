//! Levels, threads, block sizes, memory limits, listing, testing, and damaged files.

use std::fs;
use std::io::Read;
use std::process::{Command, Stdio};

use predicates::prelude::*;

use crate::{kolm, listing, stdout_of, testdata, with_suffix, workspace};

/// The level recorded in a .kolm file.
fn level_of(path: &std::path::Path) -> u8 {
    kolm::inspect(fs::File::open(path).unwrap()).unwrap()[0].level.get()
}

#[test]
fn levels_are_chosen_by_digit_name_or_alias() {
    let (dir, input) = workspace();
    let cases: [(&[&str], u8); 7] = [
        (&[], 2),
        (&["-1"], 1),
        (&["-3"], 3),
        (&["-7", "-4"], 4),
        (&["--level", "8"], 8),
        (&["--fast"], 1),
        (&["--best"], 9),
    ];
    for (flags, expected) in cases {
        let out = dir.path().join(format!("level{expected}.kolm"));
        kolm().args(flags).arg(&input).arg("-fo").arg(&out).assert().success();
        assert_eq!(level_of(&out), expected, "{flags:?}");
    }
    kolm().arg("-0").arg(&input).assert().code(2).stderr(predicate::str::contains("0 is not in 1..=9"));
    kolm().arg("-10").arg(&input).assert().code(2).stderr(predicate::str::contains("10 is not in 1..=9"));
    kolm().args(["--fast", "--best"]).arg(&input).assert().code(2);
}

#[test]
fn thread_count_does_not_change_the_output() {
    let (dir, _) = workspace();
    let input = dir.path().join("kennedy.part");
    fs::write(&input, &fs::read(testdata("corpus/kennedy.xls")).unwrap()[..200_000]).unwrap();
    let mut outputs = Vec::new();
    for threads in ["1", "2", "0"] {
        let out = dir.path().join(format!("t{threads}.kolm"));
        kolm().args(["-1", "-B", "64K", "-T", threads]).arg(&input).arg("-o").arg(&out).assert().success();
        outputs.push(fs::read(&out).unwrap());
    }
    assert!(outputs.iter().all(|o| *o == outputs[0]));
    let frame = &kolm::inspect(&outputs[0][..]).unwrap()[0];
    assert_eq!((frame.block_size, frame.blocks.len()), (1 << 16, 4));
    kolm().args(["-d", "-T2", "-c"]).arg(dir.path().join("t1.kolm")).assert().success();
}

#[test]
fn block_size_must_be_a_power_of_two_in_range() {
    let (_dir, input) = workspace();
    for bad in ["1000", "32K", "2G", "lots"] {
        kolm()
            .args(["-B", bad])
            .arg(&input)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("block size").or(predicate::str::contains("size")));
    }
}

#[test]
fn memory_limit_lowers_threads_or_refuses() {
    let (dir, input) = workspace();
    kolm()
        .args(["-5", "-M", "100M"])
        .arg(&input)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("more than the 100 MiB limit"));
    assert_eq!(listing(dir.path()), ["alice.txt"]);
    kolm().args(["-5", "-T4", "-M", "1G"]).arg(&input).assert().success();
    // Decompression checks the file's needs against the limit too, for both formats.
    kolm()
        .args(["-dc", "-M", "100M"])
        .arg(with_suffix(&input, ".kolm"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("limit"));
    let mdc = dir.path().join("x.mdc");
    fs::copy(testdata("mdc7/alice29.1000.mdc"), &mdc).unwrap();
    kolm().args(["-dc", "-M", "10M"]).arg(&mdc).assert().code(1).stderr(predicate::str::contains("10 MiB limit"));
    kolm().args(["-F", "mdc", "-c", "-M", "10M"]).arg(&input).assert().code(1);
}

#[test]
fn list_shows_frames_blocks_and_checks() {
    let (dir, input) = workspace();
    let mdc = dir.path().join("ref.mdc");
    fs::copy(testdata("mdc7/alice29.1000.mdc"), &mdc).unwrap();
    kolm().arg("-3").arg(&input).assert().success();
    let packed = with_suffix(&input, ".kolm");
    let size = fs::metadata(&packed).unwrap().len();
    let text = stdout_of(kolm().arg("-l").arg(&packed).arg(&mdc).assert().success());
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].contains("Frames") && lines[0].contains("Ratio"), "{text}");
    assert!(lines[1].contains(&format!(" {size} ")) && lines[1].contains(" 1000 "), "{text}");
    assert!(lines[1].contains("XXH64") && lines[1].contains(".kolm level 3"), "{text}");
    assert!(lines[2].contains(" 530 ") && lines[2].contains("none") && lines[2].contains("MDC7"), "{text}");
    assert!(lines[3].contains("2 files") && lines[3].contains(" 2000 "), "{text}");

    let detail = stdout_of(kolm().args(["-l", "-v"]).arg(&packed).assert().success());
    assert!(detail.contains("frame 1: codec cm17, level 3"), "{detail}");
    assert!(detail.contains("coded") && detail.contains("1000 bytes declared"), "{detail}");

    kolm().arg("-l").arg(&input).assert().code(1).stderr(predicate::str::contains("not in a format kolm reads"));
}

#[test]
fn test_mode_reports_damage_and_writes_nothing() {
    let (dir, input) = workspace();
    kolm().arg(&input).assert().success();
    let packed = fs::read(with_suffix(&input, ".kolm")).unwrap();
    let damaged = dir.path().join("damaged.kolm");
    let mut bytes = packed.clone();
    bytes[packed.len() / 2] ^= 0x04;
    fs::write(&damaged, &bytes).unwrap();
    kolm().arg("-t").arg(&damaged).assert().code(1).stderr(predicate::str::contains("block 0 is damaged"));
    kolm().arg("-d").arg(&damaged).assert().code(1);
    let cut = dir.path().join("cut.kolm");
    fs::write(&cut, &packed[..packed.len() - 3]).unwrap();
    kolm().arg("-t").arg(&cut).assert().code(1).stderr(predicate::str::contains("truncated or corrupt"));
    let trailing = dir.path().join("trailing.kolm");
    fs::write(&trailing, [&packed[..], b"junk"].concat()).unwrap();
    kolm().arg("-t").arg(&trailing).assert().code(1).stderr(predicate::str::contains("unexpected data after"));
    assert_eq!(listing(dir.path()), ["alice.txt", "alice.txt.kolm", "cut.kolm", "damaged.kolm", "trailing.kolm"]);
}

#[test]
fn bad_input_gives_a_clear_error_and_no_output() {
    let (dir, _) = workspace();
    let cases: [(&str, &[u8], &str); 5] = [
        ("zip.kolm", b"PK\x03\x04 not ours", "not in a format kolm reads (it starts with bytes 50 4b 03 04"),
        ("short.mdc", b"MDC7\x01\x02", "shorter than the 12-byte MDC7 header"),
        ("empty.kolm", b"", "it starts with nothing: it is empty"),
        ("huge.mdc", b"MDC7\0\0\0\0\0\0\0\x10payload", "truncated or corrupt"),
        ("version.kolm", b"\x89KLM\x07\x01\x05\x15\x00\0\0\0\0", "version 7 is not supported"),
    ];
    for (name, bytes, message) in cases {
        let path = dir.path().join(name);
        fs::write(&path, bytes).unwrap();
        kolm().arg("-d").arg(&path).assert().code(1).stderr(predicate::str::contains(message));
    }
    let mut expected = vec!["alice.txt", "empty.kolm", "huge.mdc", "short.mdc", "version.kolm", "zip.kolm"];
    expected.sort();
    assert_eq!(listing(dir.path()), expected);
    kolm().arg(dir.path().join("missing.txt")).assert().code(1).stderr(predicate::str::contains("missing.txt"));
    kolm().arg(dir.path()).assert().code(1).stderr(predicate::str::contains("is a directory"));
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let dir = tempfile::TempDir::new().unwrap();
    let packed = dir.path().join("big.kolm");
    fs::write(&packed, kolm::compress(&vec![b'z'; 3_000_000], kolm::Level::FASTEST)).unwrap();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin!("kolm"))
        .arg("-dc")
        .arg(&packed)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut head = [0u8; 10];
    child.stdout.take().unwrap().read_exact(&mut head).unwrap();
    // The reader is gone now.
    let output = child.wait_with_output().unwrap();
    assert_eq!(head, [b'z'; 10]);
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn bench_measures_levels_and_ablation() {
    let input = testdata("mdc7/inputs/alice29.1000");
    let text = stdout_of(kolm().args(["bench", "--levels", "1,2"]).arg(&input).assert().success());
    let rows: Vec<&str> = text.lines().filter(|l| l.trim_start().starts_with(".kolm")).collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert!(rows.iter().all(|r| r.contains("/s") && r.contains("MB")), "{text}");
    let mdc = stdout_of(kolm().args(["bench", "-F", "mdc"]).arg(&input).assert().success());
    assert!(mdc.contains(" 530 "), "{mdc}");
    let ablation = stdout_of(kolm().args(["bench", "--ablation"]).arg(&input).assert().success());
    for stage in ["PPM", "+ match", "+ word", "+ high-order", "+ Tweedie"] {
        assert!(ablation.contains(stage), "{ablation}");
    }
    // The full pipeline's payload is the golden file without its header.
    assert!(ablation.contains(&format!(" {} ", 530 - 12)), "{ablation}");
}
