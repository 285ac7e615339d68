//! Command-line syntax: what the user can ask for, and the help text that teaches it.
//!
//! The flags follow zstd and xz: `-d`, `-t`, `-l`, `-c`, `-o`, `-k`/`--rm`, `-f`, `-1`…`-9`,
//! `-T`, `-M`, `-q`/`-v`, and `-` for standard input or output. Subcommands (`kolm bench`)
//! sit beside the file arguments; a file that happens to be called `bench` can be named
//! `./bench`.
//!
//! clap would read `-19` as `-1 -9`, so [`normalize_levels`] first rewrites every argument
//! that is a dash and digits into `--level=N`: a level must be an argument of its own.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const ABOUT: &str = "Compress or decompress files by prediction.";

const LONG_ABOUT: &str = "\
Compress or decompress files by prediction.

With no FILE, or when FILE is -, read standard input and write standard output.
Compressing FILE writes FILE.kolm beside it; decompressing FILE.kolm (or
FILE.mdc) writes FILE. The source file is kept unless --rm is given, an existing
output is never replaced unless -f is given, and output files appear only once
complete.

kolm predicts each byte bit by bit, mixing order-0 to order-8 context models, a
word model and a match model, and codes it with an arithmetic coder. It compresses
text and structured data far better than general-purpose tools, at about
0.3-0.6 MB/s per thread. -T0 codes blocks on every core, with output identical
to -T1. A progress bar shows on a terminal.

Levels 1-5 add models; 6-9 use larger blocks and tables (more context, more memory):
  level     1     2     3     4     5     6     7     8     9
  block  2MiB  2MiB  2MiB  2MiB  2MiB  4MiB  8MiB 16MiB 32MiB
  memory   64   156   412   476   540  1060  2100  2132  2196  MiB per thread, at most";

const AFTER_HELP: &str = "\
Examples:
  kolm notes.txt                  write notes.txt.kolm, keep notes.txt
  kolm -d notes.txt.kolm          write notes.txt
  kolm -dc notes.txt.kolm | less  decompress to standard output
  kolm -t notes.txt.kolm          check that the file decompresses intact
  kolm -l -v notes.txt.kolm       show its frames, blocks and checks
  kolm -9 -T0 --rm big.log        strongest level, all cores, remove big.log
  tar c dir | kolm > dir.tar.kolm compress a stream
  kolm bench --levels 1-5 notes.txt

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
    args_override_self = true,
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
decompression speed, and peak memory, for each level asked for. Every result
is decompressed and compared with the original. Comparisons with other
compressors are the job of the separate kolm-bench tool.

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

    /// Format to measure
    #[arg(short = 'F', long, value_enum, default_value_t = Format::Kolm, value_name = "FORMAT")]
    pub(crate) format: Format,

    /// Levels to measure: a level, a range such as 1-5, or a list such as 1,5,9
    #[arg(long, value_name = "LEVELS", default_value = "5", value_parser = parse_levels)]
    pub(crate) levels: LevelList,

    /// Threads for the .kolm format (0: one per core)
    #[arg(short = 'T', long, value_name = "N", default_value_t = 1)]
    pub(crate) threads: usize,

    /// Block size for the .kolm format, a power of two from 64KiB to 1GiB
    #[arg(short = 'B', long, value_name = "SIZE", value_parser = parse_block_size)]
    pub(crate) block_size: Option<u64>,

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
    /// kolm's own format (suffix .kolm): checksummed blocks, levels, threads
    Kolm,
    /// MDC7, Midicoth's format (suffix .mdc). It has no checksum: damage is not detected.
    /// No levels, one thread
    Mdc,
}

impl Format {
    pub(crate) fn suffix(self) -> &'static str {
        match self {
            Format::Kolm => ".kolm",
            Format::Mdc => ".mdc",
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Format::Kolm => ".kolm",
            Format::Mdc => "MDC7",
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

    /// List the compressed files' sizes, ratio, format and checks; with -v, every block
    #[arg(short = 'l', long, conflicts_with_all = ["compress", "decompress", "test", "stdout", "output"])]
    pub(crate) list: bool,

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

    /// Compression level, 1 (fastest) to 9 (strongest); also written -1 ... -9
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=9))]
    pub(crate) level: Option<u8>,

    /// Level 1
    #[arg(long, conflicts_with_all = ["level", "best"])]
    pub(crate) fast: bool,

    /// Level 9
    #[arg(long, conflicts_with_all = ["level", "fast"])]
    pub(crate) best: bool,

    /// Threads to code blocks on; 0 means one per core. The output does not depend on it
    #[arg(short = 'T', long, value_name = "N", default_value_t = 1)]
    pub(crate) threads: usize,

    /// Limit memory use, e.g. 800MiB or 2G: fewer threads are used to stay within it, and
    /// kolm refuses if one thread would not fit
    #[arg(short = 'M', long = "memory", value_name = "SIZE", value_parser = parse_size)]
    pub(crate) memory: Option<u64>,

    /// Block size, a power of two from 64KiB to 1GiB (default: set by the level). Smaller
    /// blocks use less memory and allow more threads; larger ones compress better
    #[arg(short = 'B', long, value_name = "SIZE", value_parser = parse_block_size)]
    pub(crate) block_size: Option<u64>,

    /// Format to compress to; decompression recognises the format by itself
    #[arg(short = 'F', long, value_enum, default_value_t = Format::Kolm, value_name = "FORMAT")]
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

/// Rewrites each argument made of a dash and digits (`-9`) into `--level=9`, up to `--`.
pub(crate) fn normalize_levels(args: impl IntoIterator<Item = std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let mut options_ended = false;
    args.into_iter()
        .map(|arg| {
            let text = arg.to_str().unwrap_or_default();
            options_ended |= text == "--";
            match text.strip_prefix('-') {
                Some(digits) if !options_ended && !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
                    format!("--level={digits}").into()
                }
                _ => arg,
            }
        })
        .collect()
}

/// Parses a size such as `1500`, `64K`, `800MiB` or `2G` (K, M, G are powers of 1024).
pub(crate) fn parse_size(text: &str) -> Result<u64, String> {
    let digits = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, suffix) = text.split_at(digits);
    let number: u64 = number.parse().map_err(|_| format!("'{text}' is not a size such as 800MiB or 2G"))?;
    let shift = match suffix.to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return Err(format!("unknown unit '{suffix}' in '{text}' (use K, M, G or T)")),
    };
    number.checked_mul(1 << shift).ok_or_else(|| format!("'{text}' is too large"))
}

/// Parses a block size: a power of two from 64 KiB to 1 GiB.
pub(crate) fn parse_block_size(text: &str) -> Result<u64, String> {
    let size = parse_size(text)?;
    if !size.is_power_of_two() || !(1 << 16..=1 << 30).contains(&size) {
        return Err(format!("the block size must be a power of two from 64KiB to 1GiB, not {text}"));
    }
    Ok(size)
}

/// Levels to measure, in the order given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LevelList(pub Vec<u8>);

/// Parses `5`, `1-5` or `1,5,9` into levels.
pub fn parse_levels(text: &str) -> Result<LevelList, String> {
    let level = |t: &str| match t.trim().parse::<u8>() {
        Ok(n @ 1..=9) => Ok(n),
        _ => Err(format!("'{t}' is not a level from 1 to 9")),
    };
    let mut levels = Vec::new();
    for part in text.split(',') {
        match part.split_once('-') {
            Some((low, high)) => levels.extend(level(low)?..=level(high)?),
            None => levels.push(level(part)?),
        }
    }
    Ok(LevelList(levels))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_arguments_become_levels() {
        let args = ["kolm", "-9", "-k", "-19", "--", "-5"].map(std::ffi::OsString::from);
        let normalized = normalize_levels(args);
        assert_eq!(normalized, ["kolm", "--level=9", "-k", "--level=19", "--", "-5"]);
    }

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse_size("1500"), Ok(1500));
        assert_eq!(parse_size("64K"), Ok(65536));
        assert_eq!(parse_size("800MiB"), Ok(800 << 20));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        assert!(parse_size("2X").is_err() && parse_size("MiB").is_err() && parse_size("99999999999T").is_err());
        assert_eq!(parse_block_size("1M"), Ok(1 << 20));
        assert!(parse_block_size("1000K").is_err() && parse_block_size("32K").is_err());
    }

    #[test]
    fn level_lists_parse() {
        assert_eq!(parse_levels("5"), Ok(LevelList(vec![5])));
        assert_eq!(parse_levels("1-3,9"), Ok(LevelList(vec![1, 2, 3, 9])));
        assert!(parse_levels("0-3").is_err() && parse_levels("x").is_err());
    }
}
