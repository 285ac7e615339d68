//! `kolm-bench run`: every file × preset, compressed, decompressed and verified.
//!
//! Each measurement happens in a scratch directory holding a fresh copy of the input, so no
//! tool can touch the original or see another tool's files. A run compresses, decompresses and
//! compares the result with the original byte for byte; any failure (an exit status, a missing
//! output, a difference) makes the record a failure, never a result. Times are medians over
//! `--runs` runs; a pair stops repeating once its runs have taken `--repeat-limit` seconds.
//!
//! The time budget keeps slow tools from stalling a run: files go smallest first, each
//! preset's speed on the last file predicts its time on the next, and a pair predicted to take
//! longer than `--budget` is skipped, as is one that runs past it (its process is killed). A
//! preset skipped on one file is skipped on every larger one. Skips are reported as such.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::compute::{self, Compute, Method};
use crate::measure::{self, Outcome, Usage};
use crate::record::{File, Record, Results, Settings, Status, Tool};
use crate::tools::{Direction, INPUT_NAME, Preset, Program, RESTORED_DIR};

/// Where a step's standard error goes, inside the scratch directory.
pub const STDERR_NAME: &str = "stderr.txt";

/// How to count compute per byte for the score.
pub struct ComputeSettings {
    /// valgrind, when it is to be used.
    pub valgrind: Option<PathBuf>,
    /// Size of the sample compressed under callgrind.
    pub sample_bytes: u64,
    /// Time allowed for one preset under callgrind.
    pub limit: Duration,
}

/// callgrind runs a program about this many times slower than it runs natively; a preset whose
/// predicted time under it passes the limit is counted by wall time instead.
const CALLGRIND_SLOWDOWN: f64 = 60.0;

/// An input file and where it lives.
pub struct Input {
    pub path: PathBuf,
    pub file: File,
}

pub fn run(
    name: &str,
    mut inputs: Vec<Input>,
    presets: &[Preset],
    settings: &Settings,
    compute_settings: &ComputeSettings,
    scratch_root: &Path,
) -> io::Result<Results> {
    inputs.sort_by(|a, b| a.file.bytes.cmp(&b.file.bytes).then_with(|| a.file.name.cmp(&b.file.name)));
    let scratch = scratch_root.join("pair");
    let progress = Progress::new((inputs.len() * presets.len()) as u64);
    let budget = Duration::from_secs_f64(settings.budget_s);
    // Seconds per byte (compress + decompress) of each preset on the last file it finished.
    let mut pace: HashMap<&str, (f64, String)> = HashMap::new();
    let mut records = Vec::new();
    for input in &inputs {
        for preset in presets {
            progress.start(&format!("{} · {}", input.file.name, preset.label));
            let (record, measured) = match pace.get(preset.id.as_str()) {
                Some((seconds_per_byte, basis)) if seconds_per_byte * input.file.bytes as f64 > settings.budget_s => {
                    let skipped = Record::without_result(
                        &input.file,
                        &preset.id,
                        Status::Skipped,
                        if seconds_per_byte.is_infinite() {
                            format!("ran past the {:.0} s budget on {basis}, a smaller file", settings.budget_s)
                        } else {
                            format!(
                                "predicted {:.0} s from its speed on {basis}, over the {:.0} s budget",
                                seconds_per_byte * input.file.bytes as f64,
                                settings.budget_s
                            )
                        },
                    );
                    (skipped, false)
                }
                _ => (measure_pair(preset, &input.file, &input.path, &scratch, settings, budget), true),
            };
            if measured {
                match record.status {
                    Status::Ok => {
                        let seconds = record.compress_s.unwrap_or(0.0) + record.decompress_s.unwrap_or(0.0);
                        pace.insert(&preset.id, (seconds / input.file.bytes.max(1) as f64, input.file.name.clone()));
                    }
                    // It ran past the budget: never try a larger file again.
                    Status::Skipped => {
                        pace.insert(&preset.id, (f64::INFINITY, input.file.name.clone()));
                    }
                    Status::Failed => {}
                }
            }
            progress.finish_pair(&describe(&record, &preset.label));
            records.push(record);
        }
    }
    let compute =
        count_compute(&inputs, presets, &records, settings.threads, compute_settings, scratch_root, &progress);
    progress.clear();
    let _ = fs::remove_dir_all(&scratch);
    Ok(Results {
        name: name.to_owned(),
        date: crate::machine::today(),
        machine: crate::machine::Machine::detect(),
        settings: settings.clone(),
        tools: presets
            .iter()
            .map(|preset| Tool {
                id: preset.id.clone(),
                label: preset.label.clone(),
                is_kolm: preset.is_kolm,
                version: preset.version.clone(),
                compress: preset.command_line(Direction::Compress, settings.threads),
                decompress: preset.command_line(Direction::Decompress, settings.threads),
            })
            .collect(),
        files: inputs.into_iter().map(|input| input.file).collect(),
        records,
        compute,
    })
}

/// Compresses, decompresses and verifies `source` with `preset`, up to `settings.runs` times.
pub fn measure_pair(
    preset: &Preset,
    file: &File,
    source: &Path,
    scratch: &Path,
    settings: &Settings,
    budget: Duration,
) -> Record {
    let give_up = |status, note: String| Record::without_result(file, &preset.id, status, note);
    if let Err(error) = prepare_scratch(scratch, source) {
        return give_up(Status::Failed, format!("cannot copy the input to {}: {error}", scratch.display()));
    }
    let repeat_limit = Duration::from_secs_f64(settings.repeat_limit_s);
    let mut spent = Duration::ZERO;
    let mut compressions: Vec<Usage> = Vec::new();
    let mut decompressions: Vec<Usage> = Vec::new();
    let mut compressed = None;
    let mut note = String::new();
    for run in 1..=settings.runs.max(1) {
        let mut usages = [Duration::ZERO; 2];
        for (slot, direction) in [Direction::Compress, Direction::Decompress].into_iter().enumerate() {
            let verb = if direction == Direction::Compress { "compressing" } else { "decompressing" };
            let usage = match run_step(preset, direction, scratch, settings.threads, budget.saturating_sub(spent), None)
            {
                StepOutcome::Done(usage) => usage,
                StepOutcome::TimedOut => {
                    return give_up(
                        Status::Skipped,
                        format!("ran past the {:.0} s budget while {verb} (run {run})", budget.as_secs_f64()),
                    );
                }
                StepOutcome::Failed(why) => return give_up(Status::Failed, format!("{verb} failed: {why}")),
            };
            spent += usage.wall;
            usages[slot] = usage.wall;
            if direction == Direction::Compress {
                let size = fs::metadata(scratch.join(preset.output_name(direction))).map_or(0, |meta| meta.len());
                match compressed {
                    None => compressed = Some(size),
                    Some(first) if first != size => note = format!("sizes differ between runs ({first} and {size})"),
                    Some(_) => {}
                }
                compressions.push(usage);
            } else {
                decompressions.push(usage);
            }
        }
        match first_difference(&scratch.join(INPUT_NAME), &scratch.join(preset.output_name(Direction::Decompress))) {
            Ok(None) => {}
            Ok(Some(difference)) => {
                return give_up(Status::Failed, format!("the round trip changed the data: {difference}"));
            }
            Err(error) => return give_up(Status::Failed, format!("cannot compare the round trip: {error}")),
        }
        if spent + usages[0] + usages[1] > repeat_limit {
            break;
        }
    }
    let median = |usages: &[Usage], part: fn(&Usage) -> Duration| {
        let mut values: Vec<Duration> = usages.iter().map(part).collect();
        values.sort();
        Some(values[values.len() / 2].as_secs_f64())
    };
    let peak = |usages: &[Usage]| usages.iter().map(|usage| usage.peak_rss).max();
    Record {
        file: file.name.clone(),
        original: file.bytes,
        tool: preset.id.clone(),
        status: Status::Ok,
        note,
        runs: compressions.len() as u32,
        compressed,
        compress_s: median(&compressions, |usage| usage.wall),
        decompress_s: median(&decompressions, |usage| usage.wall),
        compress_cpu_s: median(&compressions, |usage| usage.cpu),
        decompress_cpu_s: median(&decompressions, |usage| usage.cpu),
        compress_rss: peak(&compressions),
        decompress_rss: peak(&decompressions),
    }
}

/// Empties `scratch` and puts a copy of `source` in it under the name the presets expect.
pub fn prepare_scratch(scratch: &Path, source: &Path) -> io::Result<()> {
    if scratch.exists() {
        fs::remove_dir_all(scratch)?;
    }
    fs::create_dir_all(scratch)?;
    fs::copy(source, scratch.join(INPUT_NAME))?;
    Ok(())
}

/// How one step ended.
pub enum StepOutcome {
    Done(Usage),
    TimedOut,
    /// What went wrong, for the report.
    Failed(String),
}

/// Runs one step of `preset` in `scratch`, optionally under `wrapper` (valgrind), and checks
/// that it produced its output file.
pub fn run_step(
    preset: &Preset,
    direction: Direction,
    scratch: &Path,
    threads: u32,
    limit: Duration,
    wrapper: Option<&Program>,
) -> StepOutcome {
    let output = scratch.join(preset.output_name(direction));
    let prepared = (|| -> io::Result<std::process::Command> {
        let _ = fs::remove_file(&output);
        if direction == Direction::Decompress {
            let restored = scratch.join(RESTORED_DIR);
            if restored.exists() {
                fs::remove_dir_all(&restored)?;
            }
            fs::create_dir(&restored)?;
        }
        let mut command = match wrapper {
            Some(wrapper) => {
                let mut command = wrapper.command();
                command.arg(&preset.program.path).args(&preset.program.leading_args);
                command
            }
            None => preset.program.command(),
        };
        command
            .args(preset.arguments(direction, threads))
            .current_dir(scratch)
            .stdin(Stdio::null())
            .stderr(fs::File::create(scratch.join(STDERR_NAME))?);
        if preset.step(direction).to_stdout {
            command.stdout(fs::File::create(&output)?);
        } else {
            command.stdout(Stdio::null());
        }
        Ok(command)
    })();
    let mut command = match prepared {
        Ok(command) => command,
        Err(error) => return StepOutcome::Failed(format!("cannot prepare the scratch directory: {error}")),
    };
    match measure::run(&mut command, limit) {
        Err(error) => StepOutcome::Failed(format!("cannot start {}: {error}", preset.program.path.display())),
        Ok(Outcome::TimedOut) => StepOutcome::TimedOut,
        Ok(Outcome::Exited { code: Some(0), usage, .. }) => {
            if output.is_file() {
                StepOutcome::Done(usage)
            } else {
                StepOutcome::Failed(format!("exited normally but wrote no {}", preset.output_name(direction)))
            }
        }
        Ok(Outcome::Exited { code, signal, .. }) => {
            let status = match (code, signal) {
                (Some(code), _) => format!("exit status {code}"),
                (None, Some(signal)) => format!("killed by signal {signal}"),
                (None, None) => "ended abnormally".to_owned(),
            };
            let stderr = fs::read_to_string(scratch.join(STDERR_NAME)).unwrap_or_default();
            match stderr.lines().map(str::trim).rfind(|line| !line.is_empty()) {
                Some(line) => StepOutcome::Failed(format!("{status}: {}", line.chars().take(200).collect::<String>())),
                None => StepOutcome::Failed(status),
            }
        }
    }
}

/// Where two files first differ, or `None` if they are identical.
pub fn first_difference(expected: &Path, actual: &Path) -> io::Result<Option<String>> {
    let (expected_len, actual_len) = (fs::metadata(expected)?.len(), fs::metadata(actual)?.len());
    let mut expected = io::BufReader::new(fs::File::open(expected)?);
    let mut actual = io::BufReader::new(fs::File::open(actual)?);
    let (mut left, mut right) = (vec![0; 1 << 16], vec![0; 1 << 16]);
    let mut offset = 0u64;
    loop {
        let got = read_full(&mut expected, &mut left)?;
        let other = read_full(&mut actual, &mut right)?;
        let common = got.min(other);
        if let Some(index) = left[..common].iter().zip(&right[..common]).position(|(a, b)| a != b) {
            return Ok(Some(format!("first difference at byte {}", offset + index as u64)));
        }
        if got != other {
            return Ok(Some(format!("{actual_len} bytes came back for {expected_len}")));
        }
        if got == 0 {
            return Ok(None);
        }
        offset += got as u64;
    }
}

fn read_full(reader: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

/// Compute per byte of every preset that finished every file.
fn count_compute(
    inputs: &[Input],
    presets: &[Preset],
    records: &[Record],
    threads: u32,
    settings: &ComputeSettings,
    scratch_root: &Path,
    progress: &Progress,
) -> Vec<Compute> {
    let sample_path = scratch_root.join("sample");
    let sample_bytes = settings.valgrind.as_ref().and_then(|_| {
        let paths: Vec<PathBuf> = inputs.iter().map(|input| input.path.clone()).collect();
        compute::sample(&paths, settings.sample_bytes, &sample_path).ok().filter(|&bytes| bytes > 0)
    });
    let mut compute = Vec::new();
    for preset in presets {
        let mine: Vec<&Record> = records.iter().filter(|record| record.tool == preset.id).collect();
        if mine.is_empty() || mine.iter().any(|record| record.status != Status::Ok) {
            continue;
        }
        let bytes: u64 = mine.iter().map(|record| record.original).sum();
        let seconds: f64 = mine.iter().filter_map(|record| record.compress_s).sum();
        let wall_per_byte = seconds / bytes.max(1) as f64;
        let wall = |note: String| Compute {
            tool: preset.id.clone(),
            method: Method::WallNanoseconds,
            per_byte: wall_per_byte * 1e9,
            note,
        };
        let entry = match (&settings.valgrind, sample_bytes) {
            (None, _) => wall("no callgrind: --no-callgrind, or valgrind not found".to_owned()),
            (Some(_), None) => wall("no sample to count instructions on".to_owned()),
            (Some(_), Some(sample))
                if wall_per_byte * sample as f64 * CALLGRIND_SLOWDOWN > settings.limit.as_secs_f64() =>
            {
                wall(format!("too slow for callgrind within {} s", settings.limit.as_secs()))
            }
            (Some(valgrind), Some(sample)) => {
                progress.start(&format!("counting instructions · {}", preset.label));
                let counted = compute::count_instructions(
                    preset,
                    valgrind,
                    &sample_path,
                    &scratch_root.join("pair"),
                    threads,
                    settings.limit,
                );
                match counted {
                    Ok(instructions) => Compute {
                        tool: preset.id.clone(),
                        method: Method::Instructions,
                        per_byte: instructions as f64 / sample as f64,
                        note: String::new(),
                    },
                    Err(why) => wall(why),
                }
            }
        };
        progress.line(&format!("  {:<28} {:>14.0} {}", preset.label, entry.per_byte, entry.method.unit()));
        compute.push(entry);
    }
    compute
}

/// One line per finished pair, for the terminal.
fn describe(record: &Record, label: &str) -> String {
    let head = format!("{:<22} {:<28}", record.file, label);
    match (record.status, record.compressed, record.compress_s, record.decompress_s) {
        (Status::Ok, Some(size), Some(compress), Some(decompress)) => format!(
            "{head} {size:>12} B {:>7.3} bpb {:>9.3} MB/s {:>9.3} MB/s",
            record.bpb().unwrap_or(0.0),
            record.original as f64 / compress.max(1e-9) / 1e6,
            record.original as f64 / decompress.max(1e-9) / 1e6,
        ),
        (status, ..) => format!("{head} {}: {}", format!("{status:?}").to_lowercase(), record.note),
    }
}

/// A progress bar on a terminal; plain lines elsewhere.
struct Progress {
    bar: ProgressBar,
}

impl Progress {
    fn new(pairs: u64) -> Progress {
        let bar = ProgressBar::new(pairs);
        bar.set_style(
            ProgressStyle::with_template("[{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
                .expect("template is valid")
                .progress_chars("=> "),
        );
        bar.enable_steady_tick(Duration::from_millis(250));
        Progress { bar }
    }

    fn start(&self, what: &str) {
        self.bar.set_message(what.to_owned());
    }

    fn line(&self, text: &str) {
        if self.bar.is_hidden() {
            eprintln!("{text}");
        } else {
            self.bar.println(text);
        }
    }

    fn finish_pair(&self, text: &str) {
        self.line(text);
        self.bar.inc(1);
    }

    fn clear(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::Step;

    /// A preset whose two steps are shell scripts, written to `dir`, reading `$1`.
    fn shell_preset(dir: &Path, compress: &str, decompress: &str) -> Preset {
        let script = |name: &str, body: &str| {
            let path = dir.join(name);
            fs::write(&path, body).unwrap();
            format!("{} {}", path.display(), if name == "compress.sh" { "{in}" } else { "{packed}" })
        };
        Preset {
            id: "test".into(),
            label: "test".into(),
            is_kolm: false,
            program: Program { path: "/bin/sh".into(), leading_args: Vec::new() },
            extension: "x".into(),
            compress: Step { template: script("compress.sh", compress), to_stdout: true },
            decompress: Step { template: script("decompress.sh", decompress), to_stdout: true },
            version: String::new(),
        }
    }

    fn settings() -> Settings {
        Settings { runs: 3, repeat_limit_s: 30.0, budget_s: 60.0, threads: 1, sample_bytes: 0 }
    }

    fn measure_with(compress: &str, decompress: &str, budget: Duration) -> Record {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("input");
        fs::write(&source, b"hello, hello, hello world\n".repeat(100)).unwrap();
        let file = File { name: "input".into(), bytes: 2600 };
        let preset = shell_preset(dir.path(), compress, decompress);
        measure_pair(&preset, &file, &source, &dir.path().join("scratch"), &settings(), budget)
    }

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn a_faithful_round_trip_is_a_result() {
        let record = measure_with("gzip < \"$1\"", "gzip -d < \"$1\"", MINUTE);
        assert_eq!(record.status, Status::Ok, "{}", record.note);
        assert_eq!(record.runs, 3);
        assert!(record.compressed.unwrap() < 2600);
        assert!(record.compress_s.unwrap() > 0.0 && record.decompress_rss.unwrap() > 0);
    }

    #[test]
    fn a_changed_byte_is_a_failure() {
        let record = measure_with("cat \"$1\"", "sed s/world/World/ \"$1\"", MINUTE);
        assert_eq!(record.status, Status::Failed);
        assert_eq!(record.note, "the round trip changed the data: first difference at byte 20");
        assert_eq!(record.compressed, None);
    }

    #[test]
    fn a_lost_tail_is_a_failure() {
        let record = measure_with("cat \"$1\"", "head -c 2599 \"$1\"", MINUTE);
        assert_eq!(record.status, Status::Failed);
        assert_eq!(record.note, "the round trip changed the data: 2599 bytes came back for 2600");
    }

    #[test]
    fn a_failing_tool_is_a_failure_with_its_message() {
        let record = measure_with("echo out of memory >&2; exit 3", "cat \"$1\"", MINUTE);
        assert_eq!(record.status, Status::Failed);
        assert_eq!(record.note, "compressing failed: exit status 3: out of memory");
    }

    #[test]
    fn a_slow_tool_is_skipped_not_failed() {
        let record = measure_with("sleep 5; cat \"$1\"", "cat \"$1\"", Duration::from_millis(300));
        assert_eq!(record.status, Status::Skipped);
        assert!(record.note.starts_with("ran past the 0 s budget while compressing"), "{}", record.note);
    }

    #[test]
    fn a_tool_past_the_budget_is_not_tried_on_larger_files() {
        let dir = tempfile::tempdir().unwrap();
        let input = |name: &str, bytes: usize| {
            let path = dir.path().join(name);
            fs::write(&path, vec![b'x'; bytes]).unwrap();
            Input { path, file: File { name: name.into(), bytes: bytes as u64 } }
        };
        let inputs = vec![input("large", 300), input("small", 100), input("medium", 200)];
        // Sleeps on anything over 150 bytes.
        let preset = shell_preset(dir.path(), "[ $(wc -c < \"$1\") -gt 150 ] && sleep 5; cat \"$1\"", "cat \"$1\"");
        let settings = Settings { budget_s: 1.0, runs: 1, ..settings() };
        let compute = ComputeSettings { valgrind: None, sample_bytes: 0, limit: MINUTE };
        let results = run("t", inputs, &[preset], &settings, &compute, &dir.path().join("scratch")).unwrap();
        let outcome: Vec<(&str, Status, &str)> =
            results.records.iter().map(|r| (r.file.as_str(), r.status, r.note.as_str())).collect();
        assert_eq!(outcome[0], ("small", Status::Ok, ""));
        assert_eq!(outcome[1].1, Status::Skipped);
        assert!(outcome[1].2.starts_with("ran past the 1 s budget while compressing"), "{}", outcome[1].2);
        assert_eq!(outcome[2], ("large", Status::Skipped, "ran past the 1 s budget on medium, a smaller file"));
        assert_eq!(results.files.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["small", "medium", "large"]);
    }

    #[test]
    fn a_missing_output_is_a_failure() {
        let record = measure_with("cat \"$1\"", "rm -r restored", MINUTE);
        assert_eq!(record.status, Status::Failed);
        assert_eq!(record.note, "decompressing failed: exited normally but wrote no restored/data");
    }

    #[test]
    fn differences_are_located() {
        let dir = tempfile::tempdir().unwrap();
        let path = |name: &str| dir.path().join(name);
        let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let mut changed = big.clone();
        changed[150_001] ^= 1;
        fs::write(path("a"), &big).unwrap();
        fs::write(path("b"), &big).unwrap();
        fs::write(path("c"), &changed).unwrap();
        fs::write(path("d"), &big[..100]).unwrap();
        assert_eq!(first_difference(&path("a"), &path("b")).unwrap(), None);
        assert_eq!(first_difference(&path("a"), &path("c")).unwrap().unwrap(), "first difference at byte 150001");
        assert_eq!(first_difference(&path("a"), &path("d")).unwrap().unwrap(), "100 bytes came back for 200000");
    }
}
