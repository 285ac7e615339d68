//! `kolm bench`: kolm's own measurements, like `zstd -b`.
//!
//! For each file and level it compresses, decompresses and compares, and reports the
//! compressed size, bits per byte, speeds (the median of `-i` runs) and the peak resident
//! memory of each direction. With `--ablation` it instead builds the MDC7 pipeline up one
//! stage at a time and reports what each stage gains, verifying every round trip.
//! Comparisons with other compressors belong to the separate `kolm-bench` harness.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use kolm::mdc7::{self, Stages};
use kolm::{Level, Options};

use crate::args::{BenchArgs, Format};

pub(crate) fn run(args: &BenchArgs) -> Result<()> {
    for path in &args.files {
        let data = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let name = path.display().to_string();
        if args.ablation {
            ablation(&name, &data, args.iterations)?;
        } else {
            speed(args, &name, &data)?;
        }
    }
    Ok(())
}

fn speed(args: &BenchArgs, name: &str, data: &[u8]) -> Result<()> {
    println!("{name}: {} bytes", data.len());
    println!(
        "  {:<7} {:>5} {:>12} {:>9} {:>13} {:>13} {:>17}",
        "format", "level", "compressed", "bits/byte", "compress", "decompress", "peak memory c/d"
    );
    let levels: Vec<Option<u8>> = match args.format {
        Format::Kolm => args.levels.0.iter().copied().map(Some).collect(),
        Format::Mdc => vec![None],
    };
    for level in levels {
        let options = level.map(|level| {
            let mut options =
                Options::new().level(Level::new(level).expect("levels are checked")).threads(args.threads);
            if let Some(size) = args.block_size {
                options = options.block_size(size);
            }
            options
        });
        reset_peak_memory();
        let (packed, compress_time) = timed(args.iterations, || match &options {
            Some(options) => kolm::compress_with(data, options),
            None => mdc7::compress(data),
        })?;
        let compress_peak = peak_memory();
        reset_peak_memory();
        let (unpacked, decompress_time) = timed(args.iterations, || match &options {
            Some(options) => kolm::decompress_with(&packed, options),
            None => mdc7::decompress(&packed),
        })?;
        let decompress_peak = peak_memory();
        if unpacked != data {
            bail!("{name}: the round trip changed the data");
        }
        println!(
            "  {:<7} {:>5} {:>12} {:>9.3} {:>13} {:>13} {:>17}",
            args.format.name(),
            level.map_or("-".to_owned(), |l| l.to_string()),
            packed.len(),
            bits_per_byte(packed.len(), data.len()),
            rate(data.len(), compress_time),
            rate(data.len(), decompress_time),
            format!("{} / {}", memory_text(compress_peak), memory_text(decompress_peak)),
        );
    }
    Ok(())
}

fn ablation(name: &str, data: &[u8], iterations: u32) -> Result<()> {
    println!(
        "{name}: {} bytes, MDC7 stages added one at a time (payload bytes, without the 12-byte header)",
        data.len()
    );
    println!("  {:<14} {:>10} {:>9} {:>9} {:>9} {:>10}", "stage", "bytes", "bits/byte", "gain", "total", "time");
    let mut first_and_previous: Option<(usize, usize)> = None;
    for (label, stages) in Stages::ABLATION {
        let (packed, time) = timed(iterations, || mdc7::compress_with(data, stages))?;
        if mdc7::decompress_with(&packed, stages)? != data {
            bail!("{name}: the round trip with stages {label} changed the data");
        }
        let payload = packed.len() - mdc7::HEADER_LEN;
        let (gain, total) = match first_and_previous {
            None => (String::new(), String::new()),
            Some((first, previous)) => (percent_smaller(previous, payload), percent_smaller(first, payload)),
        };
        println!(
            "  {label:<14} {payload:>10} {:>9.3} {gain:>9} {total:>9} {:>9.2}s",
            bits_per_byte(payload, data.len()),
            time.as_secs_f64()
        );
        first_and_previous = Some((first_and_previous.map_or(payload, |(first, _)| first), payload));
    }
    Ok(())
}

/// Runs `operation` `iterations` times; returns its result and the median time.
fn timed<T>(iterations: u32, mut operation: impl FnMut() -> Result<T, kolm::Error>) -> Result<(T, Duration)> {
    let mut times = Vec::new();
    let mut result = None;
    for _ in 0..iterations {
        let start = Instant::now();
        result = Some(operation()?);
        times.push(start.elapsed());
    }
    times.sort();
    Ok((result.expect("at least one iteration"), times[times.len() / 2]))
}

fn bits_per_byte(compressed: usize, original: usize) -> f64 {
    if original == 0 { 0.0 } else { 8.0 * compressed as f64 / original as f64 }
}

fn percent_smaller(before: usize, after: usize) -> String {
    format!("{:+.2}%", 100.0 * (before as f64 - after as f64) / before as f64)
}

fn rate(bytes: usize, time: Duration) -> String {
    let per_second = bytes as f64 / time.as_secs_f64().max(1e-9);
    if per_second >= 1e6 { format!("{:.2} MB/s", per_second / 1e6) } else { format!("{:.1} KB/s", per_second / 1e3) }
}

fn memory_text(peak: Option<u64>) -> String {
    peak.map_or_else(|| "?".to_owned(), |bytes| format!("{:.0} MB", bytes as f64 / 1e6))
}

/// Restarts the kernel's peak-RSS counter for this process (Linux; elsewhere a no-op).
fn reset_peak_memory() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident memory since the last reset, where the system reports it.
fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
