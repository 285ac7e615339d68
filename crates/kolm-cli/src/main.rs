//! `kolm`, the command-line compressor.
//!
//! This binary owns everything the libraries deliberately leave out: argument parsing,
//! file names and permissions, progress bars, messages and exit codes.

mod args;
mod bench;
mod files;
mod output;
mod progress;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};
use files::{Mode, Settings};

fn main() -> ExitCode {
    // On Ctrl-C, SIGTERM or SIGHUP, delete the half-written output before leaving.
    let _ = ctrlc::set_handler(|| {
        output::remove_in_progress();
        eprintln!("kolm: interrupted");
        std::process::exit(130);
    });

    let cli = Cli::parse();
    if let Some(Command::Bench(bench)) = &cli.command {
        return match bench::run(bench) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("kolm bench: {error:#}");
                ExitCode::FAILURE
            }
        };
    }
    let args = &cli.files;
    let mode = if args.test {
        Mode::Test
    } else if args.decompress {
        Mode::Decompress
    } else {
        Mode::Compress
    };
    let verbosity = 1 + i32::from(args.verbose) - i32::from(args.quiet);
    let settings = Settings {
        mode,
        format: args.format,
        to_stdout: args.stdout,
        output: args.output.clone(),
        force: args.force,
        remove_source: args.rm && !args.stdout,
        verbosity,
        progress: !args.no_progress && verbosity >= 1,
    };
    ExitCode::from(files::run(&settings, &args.files).exit_code())
}
