//! The compute-normalised score: how much a tool saves per unit of work, on one axis.
//!
//! Following the Information Capacity idea (a model's compression gain set against the
//! logarithm of the compute it spends), the score of a preset over a corpus is
//!
//! ```text
//!            8 − bpb                     bits saved per input byte
//! score = ────────────────────  =  ───────────────────────────────────
//!         log2(compute / byte)      log2(work spent per input byte)
//! ```
//!
//! so a model that is twice as slow must save a constant amount more per byte to keep its
//! score, which is how returns diminish in practice. Compute is counted, where possible, as
//! instructions per byte under `valgrind --tool=callgrind` while compressing a sample of the
//! corpus (the first part of each file, [`sample`]): repeatable and blind to machine load.
//! Where valgrind is missing or a preset would take too long under it, the wall time per byte
//! of the measured compressions (in nanoseconds) stands in, and the report says which method
//! each row used: the two scales are not comparable.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::run::{self, StepOutcome};
use crate::tools::{Direction, Preset, Program};

/// How compute was counted for a preset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Instructions per byte compressing the sample, from callgrind.
    Instructions,
    /// Wall-clock nanoseconds per byte of the corpus compressions.
    WallNanoseconds,
}

impl Method {
    pub fn unit(self) -> &'static str {
        match self {
            Method::Instructions => "instructions/byte",
            Method::WallNanoseconds => "ns/byte (wall)",
        }
    }
}

/// Compute per byte of one preset.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Compute {
    pub tool: String,
    pub method: Method,
    pub per_byte: f64,
    /// Why the fallback method was used, if it was.
    pub note: String,
}

/// The compute-normalised score; `None` when it is undefined (no work counted).
pub fn score(bpb: f64, per_byte: f64) -> Option<f64> {
    let log = per_byte.log2();
    (log.is_finite() && log > 0.0).then(|| (8.0 - bpb) / log)
}

/// Writes the sample that callgrind compresses: the first `total / files` bytes of each file,
/// concatenated, so every kind of data in the corpus is represented. Returns its length.
pub fn sample(files: &[PathBuf], total: u64, destination: &Path) -> std::io::Result<u64> {
    use std::io::{Read, Write};
    let share = total / files.len().max(1) as u64;
    let mut out = std::fs::File::create(destination)?;
    let mut written = 0;
    for file in files {
        written += std::io::copy(&mut std::fs::File::open(file)?.take(share), &mut out)?;
    }
    out.flush()?;
    Ok(written)
}

/// Counts the instructions `preset` spends compressing the file `input` (in `scratch`, named as
/// the presets expect). Errors say why the count could not be had.
pub fn count_instructions(
    preset: &Preset,
    valgrind: &Path,
    input: &Path,
    scratch: &Path,
    threads: u32,
    limit: Duration,
) -> Result<u64, String> {
    run::prepare_scratch(scratch, input).map_err(|error| format!("cannot prepare the sample: {error}"))?;
    let wrapper = Program {
        path: valgrind.to_owned(),
        leading_args: ["--tool=callgrind", "--callgrind-out-file=/dev/null", "--trace-children=yes", "--"]
            .map(OsString::from)
            .to_vec(),
    };
    match run::run_step(preset, Direction::Compress, scratch, threads, limit, Some(&wrapper)) {
        StepOutcome::Done(_) => {
            let log = std::fs::read_to_string(scratch.join(run::STDERR_NAME)).unwrap_or_default();
            collected_instructions(&log).ok_or_else(|| "callgrind reported no instruction count".to_owned())
        }
        StepOutcome::TimedOut => Err(format!("callgrind took over {} s", limit.as_secs())),
        StepOutcome::Failed(why) => Err(format!("under callgrind: {why}")),
    }
}

/// The sum of callgrind's `Collected : N` lines (one per traced process).
fn collected_instructions(log: &str) -> Option<u64> {
    let counts: Vec<u64> = log
        .lines()
        .filter_map(|line| line.split_once("Collected :").and_then(|(_, count)| count.trim().parse().ok()))
        .collect();
    (!counts.is_empty()).then(|| counts.iter().sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_callgrind_totals() {
        let log = "==12== Callgrind, a call-graph generating cache profiler\n==12== Events    : Ir\n\
                   ==12== Collected : 123456789\n==12==\n==12== I   refs:      123,456,789\n\
                   ==13== Collected : 1000\n";
        assert_eq!(collected_instructions(log), Some(123_457_789));
        assert_eq!(collected_instructions("==12== Events    : Ir\n"), None);
    }

    #[test]
    fn score_rewards_savings_and_discounts_work_logarithmically() {
        // Saving 6 bits per byte at 2^10 instructions per byte scores 0.6.
        assert_eq!(score(2.0, 1024.0), Some(0.6));
        // Twice the work costs about a tenth of the score here; saving more can make up for it.
        assert!(score(2.0, 2048.0).unwrap() < score(2.0, 1024.0).unwrap());
        assert!(score(1.0, 2048.0).unwrap() > score(2.0, 1024.0).unwrap());
        assert_eq!(score(2.0, 1.0), None);
        assert_eq!(score(2.0, 0.0), None);
    }

    #[test]
    fn sample_takes_the_start_of_every_file() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        std::fs::write(&a, b"aaaaaaaaaa").unwrap();
        std::fs::write(&b, b"bb").unwrap();
        let out = dir.path().join("sample");
        assert_eq!(sample(&[a, b], 8, &out).unwrap(), 6);
        assert_eq!(std::fs::read(&out).unwrap(), b"aaaabb");
    }
}
