//! `kolm-bench`: kolm beside the other compressors, measured in one run on one machine.
//!
//! ```text
//! bash bench/install-peers.sh                      # xz, zstd, brotli, bzip3, 7z, zpaq, …
//! cargo run --release -p kolm-bench -- run ../shared/corpus
//! ```
//!
//! writes `bench/results/corpus.{md,svg,csv,json}`: a report with a table per file, totals, a
//! compute-normalised score and a plot of size against speed with kolm's Pareto frontier.
//!
//! Code map: [`tools`] knows the peers and their command lines; [`run`] measures every file ×
//! preset in a scratch directory and verifies each round trip, using [`measure`] for one child
//! process's time and memory; [`compute`] counts instructions per byte for the score;
//! [`record`] holds the results and their JSON/CSV forms; [`report`] and [`plot`] render them;
//! [`pareto`] finds frontiers; [`machine`] describes the machine; [`ablation`] measures what
//! each model of an engine is worth. The kolm program measured is this binary's own copy
//! (`kolm-bench` run as `kolm`, see [`AS_KOLM`]), so it is always the code just built.

mod ablation;
mod compute;
mod machine;
mod measure;
mod pareto;
mod plot;
mod record;
mod report;
mod run;
mod tools;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};

use record::{File, Results, Settings};
use tools::Program;

/// Given as the first argument, makes this binary act as the `kolm` program.
pub const AS_KOLM: &str = "--as-kolm";

#[derive(Debug, Parser)]
#[command(
    name = "kolm-bench",
    version,
    about = "Measure kolm beside other compressors: sizes, speeds, memory, verified round trips",
    after_help = "Examples:
  bash bench/install-peers.sh                  install the peers from Debian's packages
  kolm-bench peers                             show which peers are installed
  kolm-bench run ../shared/corpus              everything installed, kolm levels 1, 5 and 9
  kolm-bench run --peers xz,zstd-19 --levels 1-3 -o /tmp/out notes.txt
  kolm-bench report bench/results/corpus.json  re-render a report from saved results
  kolm-bench ablation ../shared/corpus/alice29.txt",
    max_term_width = 100
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Compress, decompress and verify every file with every tool; write the report
    Run(RunArgs),
    /// Write the Markdown report, CSV and plot again from a saved JSON file
    Report(ReportArgs),
    /// List the peers the harness knows and which of them are installed
    Peers(PeerArgs),
    /// Size of each file with each part of kolm's engine switched off in turn
    Ablation(AblationArgs),
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Files, or directories whose files (recursively) are measured
    #[arg(required = true, value_name = "FILES/DIRS")]
    paths: Vec<PathBuf>,

    /// Peers to run: all (every one installed), none, or a list of names (xz, xz-9e, zpaq, …)
    #[arg(long, default_value = "all", value_name = "LIST")]
    peers: String,

    /// kolm levels to run: a level, a range such as 1-5, or a list such as 1,5,9
    #[arg(long, default_value = "1,2,9", value_parser = kolm_cli::parse_levels, value_name = "LEVELS")]
    levels: kolm_cli::LevelList,

    /// Also run kolm's MDC7 format (kolm -F mdc), a byte-exact Midicoth
    #[arg(long)]
    mdc: bool,

    /// Measure this kolm program instead of the one built into kolm-bench
    #[arg(long, value_name = "PATH")]
    kolm: Option<PathBuf>,

    /// Extra directory to look for peers in, before PATH (lpaq1, bsc, paq8px, cmix, mdc, …)
    #[arg(long, value_name = "DIR")]
    peer_dir: Vec<PathBuf>,

    /// Skip files whose name matches this pattern (* matches anything); may repeat
    #[arg(long, value_name = "PATTERN")]
    exclude: Vec<String>,

    /// Runs per file and tool; times are the median
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100), value_name = "N")]
    runs: u32,

    /// Stop repeating a file and tool once its runs have taken this long
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    repeat_limit: f64,

    /// Skip a file and tool predicted to take, or taking, longer than this in all
    #[arg(long, default_value_t = 600.0, value_name = "SECONDS")]
    budget: f64,

    /// Threads for the tools that can use several (kolm, xz, zstd, bzip3, 7z, zpaq)
    #[arg(short = 'T', long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1024))]
    threads: u32,

    /// Count compute by wall time instead of running callgrind for the score
    #[arg(long)]
    no_callgrind: bool,

    /// Size of the sample compressed under callgrind (the start of every file)
    #[arg(long, default_value_t = 256 * 1024, value_name = "BYTES")]
    sample_bytes: u64,

    /// Longest time one tool may take under callgrind
    #[arg(long, default_value_t = 300.0, value_name = "SECONDS")]
    callgrind_limit: f64,

    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Debug, Args)]
struct OutputArgs {
    /// Name of the report and its files (default: the directory's name, or "files")
    #[arg(long)]
    name: Option<String>,

    /// Directory for the report, plot, CSV and JSON
    #[arg(short, long, default_value = "bench/results", value_name = "DIR")]
    out: PathBuf,
}

#[derive(Debug, Args)]
struct ReportArgs {
    /// A JSON file written by kolm-bench run
    results: PathBuf,

    /// Directory for the report, plot and CSV (default: beside the JSON file)
    #[arg(short, long, value_name = "DIR")]
    out: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct PeerArgs {
    /// Extra directory to look for peers in, before PATH
    #[arg(long, value_name = "DIR")]
    peer_dir: Vec<PathBuf>,
}

#[derive(Debug, Args)]
struct AblationArgs {
    /// Files, or directories whose files (recursively) are measured
    #[arg(required = true, value_name = "FILES/DIRS")]
    paths: Vec<PathBuf>,

    /// Skip files whose name matches this pattern (* matches anything); may repeat
    #[arg(long, value_name = "PATTERN")]
    exclude: Vec<String>,

    /// Level of kolm's native engine whose parts are measured
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u8).range(1..=9))]
    level: u8,

    /// Measure the stages of Midicoth's MDC7 pipeline instead
    #[arg(long)]
    mdc: bool,

    /// Configurations measured at once (default: every core)
    #[arg(short = 'T', long)]
    threads: Option<usize>,

    #[command(flatten)]
    output: OutputArgs,
}

fn main() -> ExitCode {
    let mut args = std::env::args_os();
    if std::env::args_os().nth(1).is_some_and(|first| first == AS_KOLM) {
        let program = args.next().unwrap_or_default();
        return kolm_cli::main(std::iter::once(program).chain(args.skip(1)));
    }
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Run(args) => run_command(&args),
        Command::Report(args) => report_command(&args),
        Command::Peers(args) => peers_command(&args),
        Command::Ablation(args) => ablation_command(&args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("kolm-bench: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run_command(args: &RunArgs) -> Result<()> {
    for (value, name) in
        [(args.repeat_limit, "--repeat-limit"), (args.budget, "--budget"), (args.callgrind_limit, "--callgrind-limit")]
    {
        if !(value.is_finite() && value > 0.0) {
            bail!("{name} must be a positive number of seconds, not {value}");
        }
    }
    let inputs = collect_inputs(&args.paths, &args.exclude)?;
    let kolm = match &args.kolm {
        Some(path) => {
            let path =
                path.canonicalize().with_context(|| format!("cannot find the kolm program {}", path.display()))?;
            Program { path, leading_args: Vec::new() }
        }
        None => Program::embedded_kolm().context("cannot find this program's own executable")?,
    };
    let mut presets = tools::kolm_presets(&kolm, &args.levels.0, args.mdc);
    presets.extend(tools::select_peers(&args.peers, tools::peers(&args.peer_dir)).map_err(anyhow::Error::msg)?);
    if presets.is_empty() {
        bail!("nothing to run: no kolm levels and no peers");
    }
    let name = report_name(&args.output, &args.paths);
    let out_dir = prepare_output(&args.output.out)?;
    let settings = Settings {
        runs: args.runs,
        repeat_limit_s: args.repeat_limit,
        budget_s: args.budget,
        threads: args.threads,
        sample_bytes: args.sample_bytes,
    };
    let compute = run::ComputeSettings {
        valgrind: if args.no_callgrind { None } else { tools::find_program("valgrind", &[]) },
        sample_bytes: args.sample_bytes,
        limit: Duration::from_secs_f64(args.callgrind_limit),
    };
    let scratch =
        tempfile::Builder::new().prefix("kolm-bench-").tempdir().context("cannot make a scratch directory")?;
    let scratch_path = scratch.path().to_owned();
    // Interrupted: the children got the signal too; take the scratch copies with us.
    let _ = ctrlc::set_handler(move || {
        let _ = std::fs::remove_dir_all(&scratch_path);
        eprintln!("kolm-bench: interrupted");
        std::process::exit(130);
    });
    eprintln!(
        "kolm-bench: {} files, {} tools: {}",
        inputs.len(),
        presets.len(),
        presets.iter().map(|preset| preset.id.as_str()).collect::<Vec<_>>().join(", ")
    );
    let results = run::run(&name, inputs, &presets, &settings, &compute, scratch.path())?;
    write_outputs(&results, &out_dir, true)
}

fn report_command(args: &ReportArgs) -> Result<()> {
    let text =
        std::fs::read_to_string(&args.results).with_context(|| format!("cannot read {}", args.results.display()))?;
    let results = Results::from_json(&text)
        .with_context(|| format!("{} is not a results file written by kolm-bench run", args.results.display()))?;
    let out = match &args.out {
        Some(dir) => prepare_output(dir)?,
        None => args.results.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf),
    };
    write_outputs(&results, &out, false)
}

fn peers_command(args: &PeerArgs) -> Result<()> {
    println!("{:<10} {:<28} program", "peer", "setting");
    for peer in tools::peers(&args.peer_dir) {
        let status = match &peer.found {
            Some(preset) => format!("{} ({})", preset.program.path.display(), preset.version),
            None => format!("missing: '{}', {}", peer.program, peer.source.hint()),
        };
        println!("{:<10} {:<28} {status}", peer.id, peer.label);
    }
    Ok(())
}

fn ablation_command(args: &AblationArgs) -> Result<()> {
    let inputs = collect_inputs(&args.paths, &args.exclude)?;
    let mut files = Vec::new();
    for input in &inputs {
        let data = std::fs::read(&input.path).with_context(|| format!("cannot read {}", input.path.display()))?;
        files.push((input.file.name.clone(), data));
    }
    files.sort_by_key(|(_, data)| data.len());
    let threads = args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    let engine = if args.mdc {
        ablation::Engine::Mdc7
    } else {
        ablation::Engine::Native(kolm::Level::new(args.level).expect("clap checks the range"))
    };
    let sizes = ablation::measure(engine, &files, threads, &|line| eprintln!("{line}"))?;
    let name = format!("{}-ablation", report_name(&args.output, &args.paths));
    let table = ablation::render(&name, engine, &files, &sizes);
    let out_dir = prepare_output(&args.output.out)?;
    let path = out_dir.join(format!("{name}.md"));
    std::fs::write(&path, &table).with_context(|| format!("cannot write {}", path.display()))?;
    println!("{table}");
    eprintln!("kolm-bench: wrote {}", path.display());
    Ok(())
}

/// Writes `NAME.md`, `NAME.svg`, `NAME.csv` and, for a new run, `NAME.json`.
fn write_outputs(results: &Results, dir: &Path, with_json: bool) -> Result<()> {
    let path = |extension: &str| dir.join(format!("{}.{extension}", results.name));
    let mut written = Vec::new();
    let mut write = |path: PathBuf, text: &str| -> Result<()> {
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path.display().to_string());
        Ok(())
    };
    if with_json {
        write(path("json"), &results.to_json())?;
    }
    write(path("csv"), &results.to_csv())?;
    let plot = plot::render(results);
    let plot_name = format!("{}.svg", results.name);
    if let Some(svg) = &plot {
        write(path("svg"), svg)?;
    }
    write(path("md"), &report::render(results, plot.as_ref().map(|_| plot_name.as_str())))?;
    eprintln!("kolm-bench: wrote {}", written.join(", "));
    Ok(())
}

fn prepare_output(dir: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create the output directory {}", dir.display()))?;
    Ok(dir.to_path_buf())
}

/// `--name`, or the name of the one directory measured, or "files".
fn report_name(output: &OutputArgs, paths: &[PathBuf]) -> String {
    if let Some(name) = &output.name {
        return name.clone();
    }
    match paths {
        [one] if one.is_dir() => one
            .canonicalize()
            .ok()
            .and_then(|path| path.file_name().map(|name| name.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "files".to_owned()),
        _ => "files".to_owned(),
    }
}

/// The regular files named or found under the directories named, minus exclusions and hidden
/// files. Each is reported under its file name, which must therefore be unique.
fn collect_inputs(paths: &[PathBuf], exclude: &[String]) -> Result<Vec<run::Input>> {
    let mut found = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
        if meta.is_dir() {
            walk(path, &mut found)?;
        } else if meta.is_file() {
            found.push(path.clone());
        } else {
            bail!("{} is neither a file nor a directory", path.display());
        }
    }
    let mut inputs: Vec<run::Input> = Vec::new();
    for path in found {
        let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
        if exclude.iter().any(|pattern| matches(pattern, &name)) {
            continue;
        }
        if inputs.iter().any(|input| input.file.name == name) {
            bail!("two inputs are called {name}: the report names files by name, so measure them separately");
        }
        let bytes = std::fs::metadata(&path).with_context(|| format!("cannot read {}", path.display()))?.len();
        inputs.push(run::Input { path, file: File { name, bytes } });
    }
    if inputs.is_empty() {
        bail!("no files to measure");
    }
    Ok(inputs)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .map(|entry| entry.map(|entry| entry.path()))
        .collect::<Result<_, _>>()
        .with_context(|| format!("cannot list {}", dir.display()))?;
    entries.sort();
    for entry in entries {
        if entry.file_name().is_some_and(|name| name.to_string_lossy().starts_with('.')) {
            continue;
        }
        if entry.is_dir() {
            walk(&entry, found)?;
        } else if entry.is_file() {
            found.push(entry);
        }
    }
    Ok(())
}

/// Glob matching with `*` only: `*.md`, `SOURCES*`, `a*b`.
fn matches(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((prefix, rest)) => {
            let Some(tail) = name.strip_prefix(prefix) else { return false };
            (0..=tail.len()).filter(|&at| tail.is_char_boundary(at)).any(|at| matches(rest, &tail[at..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn patterns() {
        assert!(matches("SOURCES.md", "SOURCES.md"));
        assert!(!matches("SOURCES.md", "SOURCES.md.bak"));
        assert!(matches("*.md", "README.md"));
        assert!(!matches("*.md", "README.mdx"));
        assert!(matches("a*b*c", "aXXbYc"));
        assert!(!matches("a*b*c", "aXXcYb"));
        assert!(matches("*", ""));
    }
}
