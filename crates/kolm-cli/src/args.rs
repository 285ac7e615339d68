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
0.5-1.7 MB/s per thread at levels 2-5 and 0.15-0.21 MB/s at levels 6-9 (one
core of an AMD EPYC server; it varies with the machine); level 1 sorts large
blocks first (Burrows-Wheeler) and runs at 5-8 MB/s on them. -T0 codes blocks on every
core, with output identical to -T1. A progress bar shows on a terminal.

Level 1 sorts blocks of 512KiB and more and codes them with a small fast model.
Level 2, the default, is smaller than zpaq -m4 and lpaq1 at their speed; levels
3-5 add models; 6-9 add models for binary structure (sparse, record and indirect
contexts: machine code, tables), 1-bit images (fax pages) and text (words two
back, columns, line lengths, brackets), and use larger tables and blocks; 8-9 add
character-class contexts and a mixer gate by them.
Levels 2-9 sort a large block too where a trial on samples of it finds the models
no better (noisy data such as scanned images), several times faster:
  level      1      2      3      4      5      6      7      8      9
  block  16MiB  16MiB  16MiB  16MiB  16MiB  16MiB  32MiB  64MiB  64MiB
  memory   145    145    490    554    625   2302   3390   3861   3861  MiB per thread, at most
Files smaller than the block need less: the block shrinks to fit them.";

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
  kolm vq encode vectors.npy -b 4  compress embeddings (see kolm vq --help)

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

    /// Compress embedding vectors (TurboQuant) and search them
    #[command(subcommand, long_about = VQ_ABOUT, after_help = VQ_AFTER_HELP)]
    Vq(VqCommand),
}

const VQ_ABOUT: &str = "\
Compress embedding vectors to a few bits per coordinate and search them
without decompressing (TurboQuant: a seeded random rotation, then an optimal
scalar quantizer per coordinate; no training). Codes are the same bytes on
every machine and thread count.

Vector files: .npy (float32 or float16, 2-D), .fvecs, .fbin.
Ground truth: .npy (int32/int64), .ivecs, .ibin.

Variants: mse keeps the best reconstruction (inner products shrink a little);
mse-unbiased adds a per-vector length correction, unbiased inner products at
the same speed (the default); prod spends one bit per coordinate on a QJL
sketch of the residual, unbiased on average. Fractional widths such as 2.5
give one extra bit to the channels with the most energy.

Codebooks: at 2 bits kolm quantizes coordinate pairs jointly with a 16-point
codebook (8.5% less error than the scalar one, same size and speed; the
default); --codebook scalar gives the paper's scalar quantizer.

Calibration: --calibrate fits a shift and a scale per rotated coordinate to
the input (from up to 16,384 rows) and stores them in the index, so that the
codebook fits data that share a mean direction, as most embeddings do (on
MiniLM sentence embeddings at 2 bits, recall@1 rises by about 0.007).";

const VQ_AFTER_HELP: &str = "\
Examples:
  kolm vq encode base.npy -b 4 -o base.kvq
  kolm vq search base.kvq queries.npy -k 10 > hits.tsv
  kolm vq eval base.npy queries.npy --gt gt.npy -b 2,4 --variant all
  kolm vq info base.kvq";

#[derive(Debug, Subcommand)]
pub(crate) enum VqCommand {
    /// Encode vectors into a .kvq index
    Encode(VqEncodeArgs),
    /// Find the nearest stored vectors for each query
    Search(VqSearchArgs),
    /// Measure recall, inner-product error, distortion and speed on a dataset
    Eval(VqEvalArgs),
    /// Describe a .kvq index
    Info {
        /// The index
        #[arg(value_name = "INDEX.kvq")]
        index: PathBuf,
    },
}

/// How inner products are estimated (see `kolm vq --help`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum VqVariant {
    Mse,
    MseUnbiased,
    Prod,
}

impl VqVariant {
    pub(crate) fn library(self) -> kolm_vq::Variant {
        match self {
            VqVariant::Mse => kolm_vq::Variant::Mse,
            VqVariant::MseUnbiased => kolm_vq::Variant::MseUnbiased,
            VqVariant::Prod => kolm_vq::Variant::Prod,
        }
    }
}

/// How rotated coordinates become indices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum VqCodebook {
    /// One Lloyd–Max codebook per coordinate (the TurboQuant paper's)
    Scalar,
    /// Coordinate pairs quantized jointly at 2 bits (8.5% less error); scalar at other widths
    Pair,
}

impl VqCodebook {
    pub(crate) fn library(self) -> kolm_vq::CodebookKind {
        match self {
            VqCodebook::Scalar => kolm_vq::CodebookKind::Scalar,
            VqCodebook::Pair => kolm_vq::CodebookKind::Pair,
        }
    }
}

/// Whether an index fits a calibration to its vectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum VqCalibration {
    /// None: plain TurboQuant, the codes depend on the vector and the seed alone
    None,
    /// A shift and a scale per rotated coordinate, fitted to the base vectors
    Fitted,
}

impl VqCalibration {
    /// The name used on the command line and in reports.
    pub(crate) fn name(self) -> &'static str {
        match self {
            VqCalibration::None => "none",
            VqCalibration::Fitted => "fitted",
        }
    }
}

/// The ranking of search results.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum VqMetric {
    /// Largest inner product first (cosine for unit vectors)
    Ip,
    /// Smallest squared Euclidean distance first
    L2,
}

impl VqMetric {
    pub(crate) fn library(self) -> kolm_vq::Metric {
        match self {
            VqMetric::Ip => kolm_vq::Metric::InnerProduct,
            VqMetric::L2 => kolm_vq::Metric::L2,
        }
    }
}

/// The random rotation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum VqRotation {
    /// Randomized Hadamard transform, O(d log d)
    Hadamard,
    /// Dense Haar-random matrix, O(d²); for validation
    Dense,
}

impl VqRotation {
    pub(crate) fn library(self) -> kolm_vq::RotationKind {
        match self {
            VqRotation::Hadamard => kolm_vq::RotationKind::Hadamard,
            VqRotation::Dense => kolm_vq::RotationKind::Haar,
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct VqEncodeArgs {
    /// Vectors to encode (.npy, .fvecs or .fbin)
    #[arg(value_name = "VECTORS")]
    pub(crate) input: PathBuf,

    /// Bits per coordinate, 1 to 8; fractional such as 2.5 allowed
    #[arg(short = 'b', long, value_name = "BITS", value_parser = parse_bits)]
    pub(crate) bits: f64,

    /// How inner products are estimated
    #[arg(long, value_enum, default_value_t = VqVariant::MseUnbiased)]
    pub(crate) variant: VqVariant,

    /// How coordinates become indices
    #[arg(long, value_enum, default_value_t = VqCodebook::Pair)]
    pub(crate) codebook: VqCodebook,

    /// The random rotation
    #[arg(long, value_enum, default_value_t = VqRotation::Hadamard)]
    pub(crate) rotation: VqRotation,

    /// Fit a shift and a scale per rotated coordinate to VECTORS and store them in the index
    #[arg(long)]
    pub(crate) calibrate: bool,

    /// Seed of the rotation (and QJL matrix); stored in the index
    #[arg(long, default_value_t = 42)]
    pub(crate) seed: u64,

    /// The index to write (default: VECTORS with .kvq in place of its extension)
    #[arg(short = 'o', long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,

    /// Overwrite an existing output
    #[arg(short = 'f', long)]
    pub(crate) force: bool,

    /// Threads (0: one per core)
    #[arg(short = 'T', long, value_name = "N", default_value_t = 0)]
    pub(crate) threads: usize,

    /// No messages or progress bar
    #[arg(short = 'q', long)]
    pub(crate) quiet: bool,
}

#[derive(Debug, Args)]
pub(crate) struct VqSearchArgs {
    /// The index (.kvq)
    #[arg(value_name = "INDEX.kvq")]
    pub(crate) index: PathBuf,

    /// Query vectors (.npy, .fvecs or .fbin)
    #[arg(value_name = "QUERIES")]
    pub(crate) queries: PathBuf,

    /// Neighbours per query
    #[arg(short = 'k', long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub(crate) k: u64,

    /// Ranking
    #[arg(long, value_enum, default_value_t = VqMetric::Ip)]
    pub(crate) metric: VqMetric,

    /// Vectors the first pass of a two-stage search keeps for the second (4-bit indexes of 256
    /// or more dimensions; default: 4·(k + 16), at least 256); larger is slower and closer to a
    /// one-pass scan
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) shortlist: Option<u64>,

    /// Write ids to this .npy (int64, queries × k) instead of TSV on standard output
    #[arg(long, value_name = "FILE.npy", requires = "scores")]
    pub(crate) ids: Option<PathBuf>,

    /// Write scores to this .npy (float32, queries × k)
    #[arg(long, value_name = "FILE.npy", requires = "ids")]
    pub(crate) scores: Option<PathBuf>,

    /// Overwrite existing outputs
    #[arg(short = 'f', long)]
    pub(crate) force: bool,

    /// Threads (0: one per core)
    #[arg(short = 'T', long, value_name = "N", default_value_t = 0)]
    pub(crate) threads: usize,
}

#[derive(Debug, Args)]
pub(crate) struct VqEvalArgs {
    /// Vectors to index (.npy, .fvecs or .fbin)
    #[arg(value_name = "BASE")]
    pub(crate) base: PathBuf,

    /// Query vectors
    #[arg(value_name = "QUERIES")]
    pub(crate) queries: PathBuf,

    /// Exact neighbours of each query, best first (computed exactly when absent)
    #[arg(long, value_name = "FILE")]
    pub(crate) gt: Option<PathBuf>,

    /// Bits per coordinate to try, such as 2,4 or 2.5,3.5
    #[arg(short = 'b', long, value_name = "BITS", value_delimiter = ',', default_value = "2,4", value_parser = parse_bits)]
    pub(crate) bits: Vec<f64>,

    /// Variants to try, comma-separated, or all
    #[arg(long, value_name = "VARIANTS", default_value = "mse-unbiased", value_parser = parse_variants)]
    pub(crate) variant: VariantList,

    /// Codebooks to try, comma-separated (pair differs from scalar only at 2 bits)
    #[arg(long, value_name = "KINDS", value_enum, value_delimiter = ',', default_value = "pair")]
    pub(crate) codebook: Vec<VqCodebook>,

    /// Calibrations to try, comma-separated: none, fitted (to the base vectors, per seed)
    #[arg(long, value_name = "KINDS", value_enum, value_delimiter = ',', default_value = "none")]
    pub(crate) calibration: Vec<VqCalibration>,

    /// Ranking (and ground truth when computed)
    #[arg(long, value_enum, default_value_t = VqMetric::Ip)]
    pub(crate) metric: VqMetric,

    /// The random rotation
    #[arg(long, value_enum, default_value_t = VqRotation::Hadamard)]
    pub(crate) rotation: VqRotation,

    /// Seed of the rotation (and QJL matrix)
    #[arg(long, default_value_t = 42)]
    pub(crate) seed: u64,

    /// Vectors the first pass of a two-stage search keeps for the second (4-bit indexes of 256
    /// or more dimensions; default: 4·(k + 16), at least 256)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) shortlist: Option<u64>,

    /// Repeat with this many seeds (SEED, SEED+1, …) and report means: one rotation's luck
    /// moves recall@1 by about ±0.01
    #[arg(long, default_value_t = 1, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=100))]
    pub(crate) seeds: u64,

    /// Threads (0: one per core); query timings are per query on these threads
    #[arg(short = 'T', long, value_name = "N", default_value_t = 0)]
    pub(crate) threads: usize,

    /// Print one JSON object instead of a table
    #[arg(long)]
    pub(crate) json: bool,

    /// No progress bar
    #[arg(short = 'q', long)]
    pub(crate) quiet: bool,
}

/// A list of variants from `--variant`.
#[derive(Clone, Debug)]
pub(crate) struct VariantList(pub(crate) Vec<VqVariant>);

fn parse_variants(text: &str) -> Result<VariantList, String> {
    if text == "all" {
        return Ok(VariantList(vec![VqVariant::Mse, VqVariant::MseUnbiased, VqVariant::Prod]));
    }
    text.split(',')
        .map(|name| {
            VqVariant::from_str(name.trim(), true)
                .map_err(|_| format!("unknown variant '{name}' (mse, mse-unbiased, prod or all)"))
        })
        .collect::<Result<_, _>>()
        .map(VariantList)
}

fn parse_bits(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(bits) if (1.0..=8.0).contains(&bits) => Ok(bits),
        _ => Err(format!("'{text}' is not a width from 1 to 8 bits per coordinate")),
    }
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
    #[arg(long, value_name = "LEVELS", default_value = "2", value_parser = parse_levels)]
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

    /// Compression level, 1 (fastest) to 9 (strongest), default 2; also written -1 ... -9
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

    /// The help's table of memory per level is what the library estimates.
    #[test]
    fn help_states_each_levels_memory() {
        let row = LONG_ABOUT.lines().find(|line| line.trim_start().starts_with("memory")).unwrap();
        let stated: Vec<u64> = row.split_whitespace().filter_map(|word| word.parse().ok()).collect();
        let estimated: Vec<u64> =
            (1..=9).map(|level| kolm::Level::new(level).unwrap().memory_per_thread() >> 20).collect();
        assert_eq!(stated, estimated, "{row}");
    }

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
