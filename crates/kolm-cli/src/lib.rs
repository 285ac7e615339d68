//! `kolm`, the command-line compressor, as a library with one entry point.
//!
//! This crate owns everything the `kolm` library deliberately leaves out: argument parsing,
//! file names and permissions, progress bars, messages and exit codes. It is a library so that
//! the `kolm` binary and the benchmark harness (`kolm-bench`, which runs this exact program as
//! a child process beside the other compressors) share one build of it.

mod args;
mod bench;
mod files;
mod list;
mod output;
mod progress;
mod vq;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};
pub use args::{LevelList, parse_levels};
use files::{Mode, Settings};

/// Runs the `kolm` program on `args` (the first being the program name, as in
/// [`std::env::args_os`]) and returns its exit status.
pub fn main(args: impl IntoIterator<Item = std::ffi::OsString>) -> ExitCode {
    // On Ctrl-C, SIGTERM or SIGHUP, delete the half-written output before leaving.
    let _ = ctrlc::set_handler(|| {
        output::remove_in_progress();
        eprintln!("kolm: interrupted");
        std::process::exit(130);
    });

    let cli = Cli::parse_from(args::normalize_levels(args));
    if let Some(command) = &cli.command {
        let (name, outcome) = match command {
            Command::Bench(bench) => ("kolm bench", bench::run(bench)),
            Command::Vq(vq) => ("kolm vq", vq::run(vq)),
        };
        return match outcome {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) if files::is_broken_pipe(&error) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("{name}: {error:#}");
                ExitCode::FAILURE
            }
        };
    }
    let args = &cli.files;
    let verbosity = 1 + i32::from(args.verbose) - i32::from(args.quiet);
    if args.list {
        return ExitCode::from(list::run(&args.files, args.force, verbosity).exit_code());
    }
    let mode = if args.test {
        Mode::Test
    } else if args.decompress {
        Mode::Decompress
    } else {
        Mode::Compress
    };
    let level = match (args.fast, args.best, args.level) {
        (true, _, _) => 1,
        (_, true, _) => 9,
        (_, _, level) => level.unwrap_or(kolm::Level::DEFAULT.get()),
    };
    let mut options =
        kolm::Options::new().level(kolm::Level::new(level).expect("clap checks the range")).threads(args.threads);
    if let Some(size) = args.block_size {
        options = options.block_size(size);
    }
    if let Some(limit) = args.memory {
        options = options.memory_limit(limit);
    }
    let settings = Settings {
        mode,
        format: args.format,
        options,
        memory_limit: args.memory,
        to_stdout: args.stdout,
        output: args.output.clone(),
        force: args.force,
        remove_source: args.rm && !args.stdout,
        verbosity,
        progress: !args.no_progress && verbosity >= 1,
    };
    ExitCode::from(files::run(&settings, &args.files).exit_code())
}
