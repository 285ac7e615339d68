//! The `kolm-bench` program end to end, with kolm and gzip (present on every Debian system)
//! as the tools measured, so no peer needs installing.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/corpus").join(name)
}

fn bench() -> Command {
    Command::cargo_bin("kolm-bench").unwrap()
}

fn has_valgrind() -> bool {
    std::process::Command::new("valgrind").arg("--version").output().is_ok_and(|out| out.status.success())
}

#[test]
fn run_writes_a_verified_report_csv_json_and_plot() {
    let out = tempfile::tempdir().unwrap();
    bench()
        .args(["run", "--peers", "gzip-9", "--levels", "1", "--runs", "2", "--sample-bytes", "8192", "-o"])
        .arg(out.path())
        .arg(corpus("fields.c"))
        .arg(corpus("cp.html"))
        .assert()
        .success()
        .stderr(predicate::str::contains("kolm-bench: 2 files, 2 tools: kolm-1, gzip-9"));
    let read = |name: &str| std::fs::read_to_string(out.path().join(name)).unwrap();

    // The CSV's sizes are what the programs really write (gzip stores the name, "data").
    let csv = read("files.csv");
    let scratch = tempfile::tempdir().unwrap();
    let rows: Vec<Vec<&str>> = csv.lines().skip(1).map(|line| line.split(',').collect()).collect();
    assert_eq!(rows.len(), 4, "{csv}");
    for file in ["fields.c", "cp.html"] {
        let kolm = bench().args(["--as-kolm", "-1", "-c"]).arg(corpus(file)).output().unwrap().stdout.len();
        std::fs::copy(corpus(file), scratch.path().join("data")).unwrap();
        let gzip = std::process::Command::new("gzip").args(["-9", "-c", "data"]).current_dir(scratch.path()).output();
        let gzip = gzip.unwrap().stdout.len();
        for (tool, size) in [("kolm-1", kolm), ("gzip-9", gzip)] {
            let row = rows.iter().find(|row| row[0] == file && row[2] == tool).unwrap();
            assert_eq!((row[4], row[6]), ("ok", size.to_string().as_str()), "{file} {tool}");
        }
    }

    let report = read("files.md");
    for expected in [
        "# kolm-bench: files",
        "![bits per byte against compression speed](files.svg)",
        "| **kolm -1**",
        "| gzip -9",
        "### fields.c (11,150 bytes)",
    ] {
        assert!(report.contains(expected), "missing {expected:?}:\n{report}");
    }
    let json: serde_json::Value = serde_json::from_str(&read("files.json")).unwrap();
    let method = json["compute"][0]["method"].as_str().unwrap().to_owned();
    assert_eq!(method, if has_valgrind() { "instructions" } else { "wall-nanoseconds" });
    assert!(read("files.svg").contains("compression speed, MB/s (log scale)"));

    // The report can be written again from the JSON alone.
    std::fs::remove_file(out.path().join("files.md")).unwrap();
    bench().arg("report").arg(out.path().join("files.json")).assert().success();
    assert_eq!(read("files.md"), report);
}

#[test]
fn directories_are_walked_and_exclusions_honoured() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("set")).unwrap();
    std::fs::write(dir.path().join("set/a.txt"), "abc abc abc\n").unwrap();
    std::fs::write(dir.path().join("set/NOTES.md"), "skip me").unwrap();
    std::fs::write(dir.path().join("set/.hidden"), "skip me too").unwrap();
    let out = dir.path().join("out");
    bench()
        .args(["run", "--peers", "none", "--levels", "1", "--runs", "1", "--no-callgrind", "--exclude", "*.md", "-o"])
        .arg(&out)
        .arg(dir.path().join("set"))
        .assert()
        .success()
        .stderr(predicate::str::contains("1 files, 1 tools"));
    // Named after the directory.
    let csv = std::fs::read_to_string(out.join("set.csv")).unwrap();
    assert_eq!(csv.lines().count(), 2);
    assert!(csv.lines().nth(1).unwrap().starts_with("a.txt,12,kolm-1,kolm -1,ok,1,"));
}

#[test]
fn mistakes_get_clear_errors() {
    bench()
        .args(["run", "--peers", "lzma-9", "--no-callgrind"])
        .arg(corpus("fields.c"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("unknown peer 'lzma-9'; known peers: gzip-9, lz4"));
    bench()
        .args(["run", "/no/such/file"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("cannot read /no/such/file"));
    bench()
        .args(["run", "--budget", "0"])
        .arg(corpus("fields.c"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("--budget must be a positive number of seconds"));
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("results.json");
    std::fs::write(&bogus, "{\"name\": 3}").unwrap();
    bench()
        .arg("report")
        .arg(&bogus)
        .assert()
        .failure()
        .stderr(predicate::str::contains("is not a results file written by kolm-bench run"));
    let twice = dir.path().join("again");
    std::fs::create_dir(&twice).unwrap();
    std::fs::copy(corpus("sum"), twice.join("sum")).unwrap();
    bench()
        .args(["run", "--no-callgrind"])
        .arg(corpus("sum"))
        .arg(twice.join("sum"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("two inputs are called sum"));
}

#[test]
fn peers_lists_what_is_installed_and_how_to_get_the_rest() {
    bench()
        .args(["peers", "--peer-dir", "/nonexistent"])
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"gzip-9 +gzip -9 +/\S*gzip \(gzip \d").unwrap())
        .stdout(predicate::str::contains("build it from its public sources").or(predicate::str::contains("(lpaq1")));
}

#[test]
fn the_embedded_kolm_is_the_kolm_program() {
    bench().args(["--as-kolm", "--version"]).assert().success().stdout(predicate::str::starts_with("kolm "));
    let packed = bench().args(["--as-kolm", "-c"]).arg(corpus("fields.c")).output().unwrap().stdout;
    let unpacked = bench().args(["--as-kolm", "-d", "-c"]).write_stdin(packed).output().unwrap().stdout;
    assert_eq!(unpacked, std::fs::read(corpus("fields.c")).unwrap());
}

#[test]
fn ablation_writes_its_table() {
    let out = tempfile::tempdir().unwrap();
    bench()
        .args(["ablation", "--name", "t", "-o"])
        .arg(out.path())
        .arg(corpus("fields.c"))
        .assert()
        .success()
        .stdout(predicate::str::contains("| fields.c | 11,150 |"));
    assert!(std::fs::read_to_string(out.path().join("t-ablation.md")).unwrap().contains("no match model"));
    bench().args(["ablation", "--mdc", "--name", "m", "-o"]).arg(out.path()).arg(corpus("fields.c")).assert().success();
    assert!(std::fs::read_to_string(out.path().join("m-ablation.md")).unwrap().contains("no Tweedie calibration"));
}
