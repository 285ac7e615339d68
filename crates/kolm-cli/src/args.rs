//! Command-line syntax: what the user can ask for, and the help text that teaches it.
//!
//! The flags follow zstd and xz: `-d`, `-t`, `-c`, `-o`, `-k`/`--rm`, `-f`, `-q`/`-v`, and
//! `-` for standard input or output. Subcommands (`kolm bench`) sit beside the file
//! arguments; a file that happens to be called `bench` can be named `./bench`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const ABOUT: &str = "Compress or decompress files by prediction.";

const LONG_ABOUT: &str = "\
Compress or decompress files by prediction.

With no FILE, or when FILE is -, read standard input and write standard output.
Compressing FILE writes FILE.mdc beside it; decompressing FILE.mdc writes FILE.
The source file is kept unless --rm is given, and an existing output is never
replaced unless -f is given. Output files appear only once complete.

kolm currently writes the MDC7 format: a byte-exact reproduction of the Midicoth
compressor (PPM, match, word and high-order models with Tweedie calibration).
It compresses text well but slowly, around 0.05-0.1 MB/s, so a progress bar
shows on a terminal for inputs of a few hundred kilobytes and more.";

const AFTER_HELP: &str = "\
Examples:
  kolm notes.txt                 write notes.txt.mdc, keep notes.txt
  kolm -d notes.txt.mdc          write notes.txt
  kolm -dc notes.txt.mdc | less  decompress to standard output
  kolm -t notes.txt.mdc          check that the file decompresses
  tar c dir | kolm > dir.tar.mdc compress a stream
  kolm bench --ablation alice29.txt

Exit status: 0 if all went well, 1 if an error occurred, 2 if a file was
skipped with a warning.";

#[derive(Debug, Parser)]
#[command(
    name = "kolm",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = AFTER_HELP,
    args_conflicts_with_subcommands = true,
    max_term_width = 100
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Option<Command>,

    #[command(flatten)]
    pub(crate) files: FileArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Measure kolm on files: size, bits per byte, speed and peak memory
    #[command(long_about = "\
Measure kolm on files: compressed size, bits per byte, compression and
decompression speed, and peak memory. Every result is decompressed and
compared with the original.

With --ablation, compress each file with the MDC7 pipeline built up one
stage at a time (PPM, + match, + word, + high-order, + Tweedie) and print
what each stage gains.")]
    Bench(BenchArgs),
}

#[derive(Debug, Args)]
pub(crate) struct BenchArgs {
    /// Show the contribution of each MDC7 stage instead of speed
    #[arg(long)]
    pub(crate) ablation: bool,

    /// Time each operation this many times and report the median
    #[arg(short = 'i', long, default_value_t = 1, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) iterations: u32,

    /// Files to measure
    #[arg(required = true, value_name = "FILE")]
    pub(crate) files: Vec<PathBuf>,
}

/// The compressed format to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// MDC7, Midicoth's format (suffix .mdc). It has no checksum: damage is not detected
    Mdc,
}

impl Format {
    pub(crate) fn suffix(self) -> &'static str {
        match self {
            Format::Mdc => ".mdc",
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct FileArgs {
    /// Compress (the default)
    #[arg(short = 'z', long, overrides_with_all = ["decompress", "test"])]
    pub(crate) compress: bool,

    /// Decompress
    #[arg(short = 'd', long, visible_alias = "uncompress", overrides_with_all = ["compress", "test"])]
    pub(crate) decompress: bool,

    /// Test: decompress and discard the result, reporting any error
    #[arg(short = 't', long, overrides_with_all = ["compress", "decompress"])]
    pub(crate) test: bool,

    /// Write to standard output; keep the input files
    #[arg(short = 'c', long, visible_alias = "to-stdout")]
    pub(crate) stdout: bool,

    /// Write the result to FILE (only with a single input)
    #[arg(short = 'o', long, value_name = "FILE", conflicts_with = "stdout")]
    pub(crate) output: Option<PathBuf>,

    /// Keep the input files (the default)
    #[arg(short = 'k', long, overrides_with = "rm")]
    pub(crate) keep: bool,

    /// Remove each input file once its output is complete
    #[arg(long, overrides_with = "keep")]
    pub(crate) rm: bool,

    /// Overwrite existing files, and read or write compressed data on a terminal
    #[arg(short = 'f', long)]
    pub(crate) force: bool,

    /// Format to compress to; decompression recognises the format by itself
    #[arg(short = 'F', long, value_enum, default_value_t = Format::Mdc, value_name = "FORMAT")]
    pub(crate) format: Format,

    /// Print less: once hides warnings, twice hides errors too
    #[arg(short = 'q', long, action = clap::ArgAction::Count)]
    pub(crate) quiet: u8,

    /// Print a line per file with its sizes and ratio
    #[arg(short = 'v', long, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,

    /// Never show a progress bar
    #[arg(long)]
    pub(crate) no_progress: bool,

    /// Files to process; - means standard input
    #[arg(value_name = "FILE")]
    pub(crate) files: Vec<PathBuf>,
}
