//! `kolm vq`: encode, search, eval and info on real embeddings, and the errors a user meets.

use std::fs;

use predicates::prelude::*;
use tempfile::TempDir;

use crate::{kolm, listing, stdout_of, testdata};

fn vectors(name: &str) -> std::path::PathBuf {
    testdata(&format!("vectors/{name}"))
}

#[test]
fn encode_search_and_info() {
    let dir = TempDir::new().unwrap();
    let index = dir.path().join("base.kvq");
    kolm()
        .args(["vq", "encode", "-q", "-b", "2.5", "-o"])
        .arg(&index)
        .arg(vectors("minilm384_base1000_f16.npy"))
        .assert()
        .success();
    let info = stdout_of(kolm().args(["vq", "info"]).arg(&index).assert().success());
    assert!(info.contains("vectors        1000") && info.contains("dimension      384"), "{info}");
    assert!(info.contains("192 channels at 3 bits") && info.contains("mse-unbiased"), "{info}");

    // Search the base with its own first rows: each finds itself first.
    let queries = dir.path().join("queries.npy");
    let base = kolm_vq::io::read_vectors(&vectors("minilm384_base1000_f16.npy")).unwrap();
    kolm_vq::io::write_npy_f32(fs::File::create(&queries).unwrap(), 3, 384, &base.data[..3 * 384]).unwrap();
    let tsv = stdout_of(kolm().args(["vq", "search", "-k", "2"]).arg(&index).arg(&queries).assert().success());
    let lines: Vec<&str> = tsv.lines().collect();
    assert_eq!(lines[0], "query\trank\tid\tscore");
    assert_eq!(lines.len(), 1 + 3 * 2);
    for q in 0..3 {
        let fields: Vec<&str> = lines[1 + 2 * q].split('\t').collect();
        assert_eq!(&fields[..3], &[q.to_string().as_str(), "1", q.to_string().as_str()]);
    }

    // The same as .npy arrays.
    let (ids, scores) = (dir.path().join("ids.npy"), dir.path().join("scores.npy"));
    kolm()
        .args(["vq", "search", "-k", "2", "--ids"])
        .arg(&ids)
        .arg("--scores")
        .arg(&scores)
        .arg(&index)
        .arg(&queries)
        .assert()
        .success();
    let ids = kolm_vq::io::read_ids(&ids).unwrap();
    assert_eq!((ids.rows, ids.cols, ids.data[0], ids.data[2], ids.data[4]), (3, 2, 0, 1, 2));
    assert_eq!(kolm_vq::io::read_vectors(&scores).unwrap().rows, 3);

    // A calibrated index says so, and its rows still find themselves.
    let calibrated = dir.path().join("calibrated.kvq");
    kolm()
        .args(["vq", "encode", "-q", "-b", "2", "--calibrate", "-o"])
        .arg(&calibrated)
        .arg(vectors("minilm384_base1000_f16.npy"))
        .assert()
        .success();
    let info = stdout_of(kolm().args(["vq", "info"]).arg(&calibrated).assert().success());
    assert!(info.contains("calibration    fitted"), "{info}");
    assert!(stdout_of(kolm().args(["vq", "info"]).arg(&index).assert().success()).contains("calibration    none"));
    let tsv = stdout_of(kolm().args(["vq", "search", "-k", "1"]).arg(&calibrated).arg(&queries).assert().success());
    let found: Vec<&str> = tsv.lines().skip(1).map(|line| line.split('\t').nth(2).unwrap()).collect();
    assert_eq!(found, ["0", "1", "2"], "{tsv}");

    // An existing index is not replaced without -f.
    kolm()
        .args(["vq", "encode", "-q", "-b", "2", "-o"])
        .arg(&index)
        .arg(vectors("minilm384_base1000_f16.npy"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("already exists"));
}

#[test]
fn eval_reports_recall_and_json() {
    let eval = |options: &[&str], base: &str, queries: &str| {
        stdout_of(
            kolm().args(["vq", "eval", "-q"]).args(options).arg(vectors(base)).arg(vectors(queries)).assert().success(),
        )
    };
    let (minilm, minilm_queries) = ("minilm384_base1000_f16.npy", "minilm384_queries50_f16.npy");
    let json = eval(&["-b", "4", "--variant", "mse,prod", "--json", "-T", "1"], minilm, minilm_queries);
    assert!(json.starts_with("{\"n\": 1000, \"d\": 384, \"queries\": 50, \"metric\": \"ip\""), "{json}");
    assert!(json.contains("\"variant\": \"mse\"") && json.contains("\"variant\": \"prod\""), "{json}");
    let at1 = json.split("\"1\": ").nth(1).unwrap().split(',').next().unwrap().parse::<f64>().unwrap();
    assert!(at1 >= 0.9, "4-bit mse recall@1@1 {at1}");
    let table = eval(&["-b", "2", "--metric", "l2"], "glove50_base2000.npy", "glove50_queries50.npy");
    assert!(table.contains("mse-unbiased") && table.contains("R10@10"), "{table}");
    // Both calibrations, one row each, named in the JSON.
    let json = eval(&["-b", "2", "--calibration", "none,fitted", "--json", "-T", "1"], minilm, minilm_queries);
    assert!(json.contains("\"calibration\": \"none\"") && json.contains("\"calibration\": \"fitted\""), "{json}");
}

#[test]
fn bad_inputs_get_clear_errors() {
    let dir = TempDir::new().unwrap();
    let index = dir.path().join("glove.kvq");
    kolm()
        .args(["vq", "encode", "-q", "-b", "3", "-o"])
        .arg(&index)
        .arg(vectors("glove50_base2000.npy"))
        .assert()
        .success();
    // Queries of the wrong dimension.
    kolm()
        .args(["vq", "search"])
        .arg(&index)
        .arg(vectors("minilm384_queries50_f16.npy"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("384-dimensional").and(predicate::str::contains("50 dimensions")));
    // A damaged index.
    let mut bytes = fs::read(&index).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x10;
    fs::write(&index, &bytes).unwrap();
    kolm()
        .args(["vq", "search"])
        .arg(&index)
        .arg(vectors("glove50_queries50.npy"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("code check does not match"));
    // A NaN in the input names its row; nothing is written.
    let bad = dir.path().join("bad.npy");
    let mut data = vec![0.5f32; 4 * 8];
    data[2 * 8 + 5] = f32::NAN;
    kolm_vq::io::write_npy_f32(fs::File::create(&bad).unwrap(), 4, 8, &data).unwrap();
    kolm()
        .args(["vq", "encode", "-b", "2"])
        .arg(&bad)
        .assert()
        .failure()
        .stderr(predicate::str::contains("row 2: coordinate 5 is NaN"));
    // A file of the wrong type, a width out of range.
    kolm()
        .args(["vq", "encode", "-b", "2"])
        .arg(testdata("mdc7/inputs/alice29.1000"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("unknown vector file type"));
    kolm()
        .args(["vq", "encode", "-b", "9"])
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a width from 1 to 8"));
    assert_eq!(listing(dir.path()), vec!["bad.npy", "glove.kvq"]);
}

#[test]
fn empty_inputs_are_refused() {
    let dir = TempDir::new().unwrap();
    let empty = dir.path().join("empty.npy");
    kolm_vq::io::write_npy_f32(fs::File::create(&empty).unwrap(), 0, 16, &[]).unwrap();
    kolm()
        .args(["vq", "encode", "-q", "-b", "2"])
        .arg(&empty)
        .assert()
        .failure()
        .stderr(predicate::str::contains("no vectors"));
    assert_eq!(listing(dir.path()), vec!["empty.npy"]);
}
