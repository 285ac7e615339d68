//! `kolm vq`: encode vectors into `.kvq` indexes, search them, and measure the quantizers.
//!
//! `encode` reads a vector file, encodes it in chunks (a progress bar on a terminal) and
//! writes the index through a temporary file, so a failed run leaves nothing behind.
//! `search` prints TSV (`query rank id score`) or writes `.npy` arrays. `eval` builds an
//! index per width and variant, searches every query, and reports recall against exact
//! ground truth (computed in `f64` when no `--gt` file is given), the error of the estimated
//! inner products, the reconstruction error beside the codebook's theoretical value, and
//! encode and query speed.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use kolm_vq::io::{Matrix, read_ids, read_vectors, write_npy_f32, write_npy_i64};
use kolm_vq::{Config, Index, Quantizer, SearchParams};
use rayon::prelude::*;

use crate::args::{VqCalibration, VqCommand, VqEncodeArgs, VqEvalArgs, VqMetric, VqSearchArgs};
use crate::output::SafeFile;
use crate::progress::Progress;

/// Rows encoded between progress updates.
const CHUNK_ROWS: usize = 8192;
/// The `k` values of recall@1@k.
const RECALL_DEPTHS: [usize; 7] = [1, 2, 4, 8, 16, 32, 64];
/// Queries (at most) whose estimates against every base vector measure the inner-product error.
const ERROR_QUERIES: usize = 100;
/// Base vectors (at most) decoded to measure the reconstruction error.
const DISTORTION_VECTORS: usize = 2000;
/// Timed runs of the batch search per evaluation; the median is reported.
const QUERY_RUNS: usize = 3;

pub(crate) fn run(command: &VqCommand) -> Result<()> {
    match command {
        VqCommand::Encode(args) => with_threads(args.threads, || encode(args)),
        VqCommand::Search(args) => with_threads(args.threads, || search(args)),
        VqCommand::Eval(args) => with_threads(args.threads, || eval(args)),
        VqCommand::Info { index } => info(index),
    }
}

fn with_threads(threads: usize, work: impl FnOnce() -> Result<()> + Send) -> Result<()> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().context("cannot start threads")?;
    pool.install(work)
}

fn load_vectors(path: &Path) -> Result<Matrix<f32>> {
    let matrix = read_vectors(path)?;
    if matrix.rows == 0 || matrix.cols == 0 {
        bail!("{}: no vectors", path.display());
    }
    Ok(matrix)
}

/// Encodes `vectors` into a new index, in chunks, advancing `progress`.
fn build_index(quantizer: Quantizer, vectors: &Matrix<f32>, progress: &Progress) -> Result<Index> {
    let mut index = Index::new(quantizer);
    for (chunk_number, chunk) in vectors.data.chunks(CHUNK_ROWS * vectors.cols).enumerate() {
        index.add(chunk).map_err(|error| match error {
            kolm_vq::Error::NonFinite { row, column, value } => anyhow::anyhow!(
                "row {}: coordinate {column} is {value}; vectors must be finite",
                chunk_number * CHUNK_ROWS + row
            ),
            other => other.into(),
        })?;
        progress.advance(std::mem::size_of_val(chunk));
    }
    Ok(index)
}

fn encode(args: &VqEncodeArgs) -> Result<()> {
    let vectors = load_vectors(&args.input)?;
    // From here on is encoding, the calibration's fit included.
    let started = Instant::now();
    let config = Config::new(vectors.cols, args.bits)
        .with_variant(args.variant.library())
        .with_codebook(args.codebook.library())
        .with_rotation(args.rotation.library())
        .with_seed(args.seed)
        .with_outliers_from(&vectors.data);
    let config = if args.calibrate { config.with_calibration_from(&vectors.data)? } else { config };
    let quantizer = Quantizer::new(config)?;
    let output = args.output.clone().unwrap_or_else(|| args.input.with_extension("kvq"));
    if output == args.input {
        bail!("{} would be replaced by its own index; name another with -o", args.input.display());
    }
    let mut file = SafeFile::create(&output, args.force)?;
    let progress = Progress::new(!args.quiet, "encoding", Some((vectors.data.len() * 4) as u64));
    let index = build_index(quantizer, &vectors, &progress)?;
    drop(progress);
    kolm_vq::write_index(&index, &mut file).with_context(|| format!("cannot write {}", output.display()))?;
    file.commit(None, args.force)?;
    if !args.quiet {
        let raw = vectors.data.len() * 4;
        let stored = index.codes().len();
        eprintln!(
            "{}: {} vectors × {} → {} ({} bytes per vector, {:.1}× smaller than float32{}) in {:.2} s",
            output.display(),
            vectors.rows,
            vectors.cols,
            human_bytes(stored),
            index.quantizer().code_len(),
            raw as f64 / stored as f64,
            if index.quantizer().config().calibration().is_some() { ", calibrated" } else { "" },
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

fn open_index(path: &Path) -> Result<Index> {
    let file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    kolm_vq::read_index(std::io::BufReader::new(file)).with_context(|| format!("cannot read {}", path.display()))
}

fn search(args: &VqSearchArgs) -> Result<()> {
    let index = open_index(&args.index)?;
    let queries = load_vectors(&args.queries)?;
    if queries.cols != index.quantizer().dim() {
        bail!(
            "{} has {}-dimensional vectors but {} indexes {} dimensions",
            args.queries.display(),
            queries.cols,
            args.index.display(),
            index.quantizer().dim()
        );
    }
    let k = args.k as usize;
    let mut params = SearchParams::top(k).metric(args.metric.library());
    params.shortlist = args.shortlist.map(|shortlist| shortlist as usize);
    let results = index.search_batch(&queries.data, &params)?;
    if let (Some(ids_path), Some(scores_path)) = (&args.ids, &args.scores) {
        let width = k.min(index.len());
        let mut ids = Vec::with_capacity(results.len() * width);
        let mut scores = Vec::with_capacity(results.len() * width);
        for hits in &results {
            ids.extend(hits.iter().map(|hit| hit.id as i64));
            scores.extend(hits.iter().map(|hit| hit.score));
        }
        write_output(ids_path, args.force, |out| Ok(write_npy_i64(out, results.len(), width, &ids)?))?;
        write_output(scores_path, args.force, |out| Ok(write_npy_f32(out, results.len(), width, &scores)?))?;
    } else {
        let stdout = std::io::stdout();
        let mut out = BufWriter::new(stdout.lock());
        writeln!(out, "query\trank\tid\tscore")?;
        for (query, hits) in results.iter().enumerate() {
            for (rank, hit) in hits.iter().enumerate() {
                writeln!(out, "{query}\t{}\t{}\t{}", rank + 1, hit.id, hit.score)?;
            }
        }
        out.flush()?;
    }
    Ok(())
}

fn write_output(path: &Path, force: bool, write: impl FnOnce(&mut SafeFile) -> Result<()>) -> Result<()> {
    let mut file = SafeFile::create(path, force)?;
    write(&mut file).with_context(|| format!("cannot write {}", path.display()))?;
    file.commit(None, force)
}

fn info(path: &Path) -> Result<()> {
    let index = open_index(path)?;
    let quantizer = index.quantizer();
    let config = quantizer.config();
    println!("{}", path.display());
    println!("  vectors        {}", index.len());
    println!("  dimension      {}", quantizer.dim());
    println!("  bits           {} per coordinate (norms excluded)", quantizer.code_bits());
    for (number, (channels, bits)) in quantizer.parts().enumerate() {
        println!("  part {number}         {} channels at {bits} bits", channels.len());
    }
    println!("  variant        {}", config.variant().name());
    println!("  codebook       {}", config.codebook().name());
    println!("  calibration    {}", if config.calibration().is_some() { "fitted" } else { "none" });
    println!("  rotation       {:?}, seed {}", config.rotation(), config.seed());
    println!("  code           {} bytes per vector, {} in all", quantizer.code_len(), human_bytes(index.codes().len()));
    Ok(())
}

/// One evaluated configuration (the mean over seeds).
struct Evaluation {
    /// Recall@1@1 of each seed's run.
    recall_at_1_per_seed: Vec<f64>,
    variant: &'static str,
    codebook: &'static str,
    calibration: VqCalibration,
    bits: f64,
    code_bytes: usize,
    recall_at_1: Vec<f64>,
    recall_10_at_10: f64,
    ip_error_mean: f64,
    ip_error_std: f64,
    distortion: f64,
    theory: Option<f64>,
    encode_seconds: f64,
    query_ms: f64,
}

fn eval(args: &VqEvalArgs) -> Result<()> {
    let base = load_vectors(&args.base)?;
    let queries = load_vectors(&args.queries)?;
    if queries.cols != base.cols {
        bail!("the queries have {} dimensions, the base vectors {}", queries.cols, base.cols);
    }
    let depth = *RECALL_DEPTHS.last().expect("depths");
    let truth = match &args.gt {
        Some(path) => {
            let gt = read_ids(path)?;
            if gt.rows != queries.rows || gt.cols < 10.min(base.rows) {
                bail!(
                    "{}: {} rows of {} ids, need {} rows of at least 10",
                    path.display(),
                    gt.rows,
                    gt.cols,
                    queries.rows
                );
            }
            if let Some(&bad) = gt.data.iter().find(|&&id| id < 0 || id as usize >= base.rows) {
                bail!("{}: id {bad} is not a row of the base ({} rows)", path.display(), base.rows);
            }
            gt
        }
        None => exact_neighbors(&base, &queries, args.metric, 10),
    };
    let threads = rayon::current_num_threads();
    let mut evaluations = Vec::new();
    let configurations = args.bits.iter().flat_map(|&bits| {
        args.variant.0.iter().flat_map(move |variant| {
            args.codebook.iter().flat_map(move |codebook| {
                args.calibration.iter().map(move |&calibration| (bits, variant, codebook, calibration))
            })
        })
    });
    for (bits, variant, codebook, calibration) in configurations {
        // The outlier channels of a fractional width depend on the data alone, not the seed.
        let config = Config::new(base.cols, bits)
            .with_variant(variant.library())
            .with_codebook(codebook.library())
            .with_rotation(args.rotation.library())
            .with_outliers_from(&base.data);
        let config_for = |seed: u64| config.clone().with_seed(seed);
        // Where pairs do not apply, a pair codebook is the scalar one: evaluated once.
        let used = Quantizer::new(config_for(args.seed))?.config().codebook().name();
        if evaluations.iter().any(|done: &Evaluation| {
            done.bits == bits
                && done.variant == variant.library().name()
                && done.codebook == used
                && done.calibration == calibration
        }) {
            continue;
        }
        let mut runs = Vec::with_capacity(args.seeds as usize);
        for seed in (0..args.seeds).map(|offset| args.seed.wrapping_add(offset)) {
            let label = format!("{} bits {} {used} seed {seed}", bits, variant.library().name());
            let progress = Progress::new(!args.quiet && !args.json, &label, Some((base.data.len() * 4) as u64));
            // The calibration's fit is part of building the index, and timed with it.
            let started = Instant::now();
            let config = match calibration {
                VqCalibration::None => config_for(seed),
                VqCalibration::Fitted => config_for(seed).with_calibration_from(&base.data)?,
            };
            let index = build_index(Quantizer::new(config)?, &base, &progress)?;
            let encode_seconds = started.elapsed().as_secs_f64();
            drop(progress);
            let mut params = SearchParams::top(depth).metric(args.metric.library());
            params.shortlist = args.shortlist.map(|shortlist| shortlist as usize);
            // The median of three timed runs, as the benchmark times its peers.
            let mut times = Vec::with_capacity(QUERY_RUNS);
            let mut results = Vec::new();
            for _ in 0..QUERY_RUNS {
                let started = Instant::now();
                results = index.search_batch(&queries.data, &params)?;
                times.push(started.elapsed().as_secs_f64());
            }
            times.sort_by(f64::total_cmp);
            let query_ms = times[QUERY_RUNS / 2] * 1e3 * threads as f64 / queries.rows as f64;
            runs.push(measure(&index, &base, &queries, &truth, &results, bits, encode_seconds, query_ms));
        }
        evaluations.push(Evaluation::mean(runs));
    }
    if args.json {
        print_json(args, &base, &queries, threads, &evaluations);
    } else {
        print_table(args, &base, &queries, threads, &evaluations);
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn measure(
    index: &Index,
    base: &Matrix<f32>,
    queries: &Matrix<f32>,
    truth: &Matrix<i64>,
    results: &[Vec<kolm_vq::Neighbor>],
    bits: f64,
    encode_seconds: f64,
    query_ms: f64,
) -> Evaluation {
    let recall_at_1: Vec<f64> = RECALL_DEPTHS
        .iter()
        .map(|&k| {
            let found = results
                .iter()
                .enumerate()
                .filter(|(q, hits)| hits.iter().take(k).any(|hit| hit.id as i64 == truth.row(*q)[0]))
                .count();
            found as f64 / results.len() as f64
        })
        .collect();
    let recall_10_at_10 = results
        .iter()
        .enumerate()
        .map(|(q, hits)| {
            let wanted = &truth.row(q)[..10.min(truth.cols)];
            hits.iter().take(10).filter(|hit| wanted.contains(&(hit.id as i64))).count() as f64 / wanted.len() as f64
        })
        .sum::<f64>()
        / results.len() as f64;
    // Inner-product error over every base vector for the first queries.
    let errors: Vec<(f64, f64)> = (0..queries.rows.min(ERROR_QUERIES))
        .into_par_iter()
        .map(|q| {
            let query = queries.row(q);
            let estimates = index.estimates(query).expect("queries were checked");
            estimates.iter().enumerate().fold((0.0, 0.0), |(sum, squares), (id, &estimate)| {
                let error = f64::from(estimate) - dot(query, base.row(id));
                (sum + error, squares + error * error)
            })
        })
        .collect();
    let pairs = (queries.rows.min(ERROR_QUERIES) * base.rows) as f64;
    let (sum, squares) = errors.iter().fold((0.0, 0.0), |(s, q), (a, b)| (s + a, q + b));
    let ip_error_mean = sum / pairs;
    let ip_error_std = (squares / pairs - ip_error_mean * ip_error_mean).max(0.0).sqrt();
    let quantizer = index.quantizer();
    let sample = base.rows.min(DISTORTION_VECTORS);
    let code_len = quantizer.code_len();
    let distortion = (0..sample)
        .into_par_iter()
        .map(|id| {
            let original = base.row(id);
            let mut decoded = vec![0.0f32; base.cols];
            quantizer.decode(&index.codes()[id * code_len..(id + 1) * code_len], &mut decoded);
            let norm = dot(original, original);
            let error: f64 = original.iter().zip(&decoded).map(|(a, b)| f64::from(a - b).powi(2)).sum();
            if norm > 0.0 { error / norm } else { 0.0 }
        })
        .sum::<f64>()
        / sample as f64;
    let variant = quantizer.config().variant();
    Evaluation {
        recall_at_1_per_seed: vec![recall_at_1[0]],
        variant: variant.name(),
        codebook: quantizer.config().codebook().name(),
        calibration: if quantizer.config().calibration().is_some() {
            VqCalibration::Fitted
        } else {
            VqCalibration::None
        },
        bits,
        code_bytes: code_len,
        recall_at_1,
        recall_10_at_10,
        ip_error_mean,
        ip_error_std,
        distortion,
        theory: if variant == kolm_vq::Variant::Mse { quantizer.theoretical_distortion() } else { None },
        encode_seconds,
        query_ms,
    }
}

impl Evaluation {
    /// The mean of runs of one configuration with different seeds (times too).
    fn mean(runs: Vec<Evaluation>) -> Evaluation {
        let n = runs.len() as f64;
        let average = |value: fn(&Evaluation) -> f64| runs.iter().map(value).sum::<f64>() / n;
        Evaluation {
            recall_at_1_per_seed: runs.iter().flat_map(|run| run.recall_at_1_per_seed.iter().copied()).collect(),
            variant: runs[0].variant,
            codebook: runs[0].codebook,
            calibration: runs[0].calibration,
            bits: runs[0].bits,
            code_bytes: runs[0].code_bytes,
            recall_at_1: (0..RECALL_DEPTHS.len())
                .map(|i| runs.iter().map(|run| run.recall_at_1[i]).sum::<f64>() / n)
                .collect(),
            recall_10_at_10: average(|run| run.recall_10_at_10),
            ip_error_mean: average(|run| run.ip_error_mean),
            ip_error_std: average(|run| run.ip_error_std),
            distortion: average(|run| run.distortion),
            theory: runs[0].theory,
            encode_seconds: average(|run| run.encode_seconds),
            query_ms: average(|run| run.query_ms),
        }
    }
}

fn dot(a: &[f32], b: &[f32]) -> f64 {
    a.iter().zip(b).map(|(x, y)| f64::from(*x) * f64::from(*y)).sum()
}

/// The `count` best base rows for each query, exactly (scores in `f64`, ties to the lower id).
fn exact_neighbors(base: &Matrix<f32>, queries: &Matrix<f32>, metric: VqMetric, count: usize) -> Matrix<i64> {
    let count = count.min(base.rows);
    let data = (0..queries.rows)
        .into_par_iter()
        .flat_map_iter(|q| {
            let query = queries.row(q);
            let mut scored: Vec<(f64, usize)> = (0..base.rows)
                .map(|id| {
                    let row = base.row(id);
                    let score = match metric {
                        VqMetric::Ip => dot(query, row),
                        VqMetric::L2 => {
                            -query.iter().zip(row).map(|(a, b)| (f64::from(*a) - f64::from(*b)).powi(2)).sum::<f64>()
                        }
                    };
                    (score, id)
                })
                .collect();
            scored.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            scored.into_iter().take(count).map(|(_, id)| id as i64).collect::<Vec<_>>()
        })
        .collect();
    Matrix { rows: queries.rows, cols: count, data }
}

fn print_table(args: &VqEvalArgs, base: &Matrix<f32>, queries: &Matrix<f32>, threads: usize, rows: &[Evaluation]) {
    println!(
        "{}: {} vectors × {}; {}: {} queries; metric {:?}; {} thread(s)",
        args.base.display(),
        base.rows,
        base.cols,
        args.queries.display(),
        queries.rows,
        args.metric,
        threads
    );
    let depths: Vec<String> = RECALL_DEPTHS.iter().map(|k| format!("@{k}")).collect();
    println!(
        "{:<13} {:<8} {:<11} {:>5} {:>6} {} {:>7} {:>16} {:>17} {:>9} {:>9}",
        "variant",
        "codebook",
        "calibration",
        "bits",
        "bytes",
        depths.iter().map(|d| format!("{d:>6}")).collect::<String>(),
        "R10@10",
        "ip error mean/sd",
        "distortion/theory",
        "encode s",
        "query ms"
    );
    for row in rows {
        let recall: String = row.recall_at_1.iter().map(|r| format!("{r:>6.3}")).collect();
        let theory = row.theory.map_or("—".to_owned(), |t| format!("{t:.4}"));
        println!(
            "{:<13} {:<8} {:<11} {:>5} {:>6} {recall} {:>7.3} {:>+8.4}/{:<7.4} {:>9.4}/{:<7} {:>9.3} {:>9.3}",
            row.variant,
            row.codebook,
            row.calibration.name(),
            row.bits,
            row.code_bytes,
            row.recall_10_at_10,
            row.ip_error_mean,
            row.ip_error_std,
            row.distortion,
            theory,
            row.encode_seconds,
            row.query_ms
        );
    }
    println!(
        "recall@1@k: the exact best vector among the first k results; query ms: per query per thread (k = 64, median of 3 runs)"
    );
    if args.seeds > 1 {
        println!("means over seeds {} to {}", args.seed, args.seed.wrapping_add(args.seeds - 1));
    }
}

fn print_json(args: &VqEvalArgs, base: &Matrix<f32>, queries: &Matrix<f32>, threads: usize, rows: &[Evaluation]) {
    let metric = match args.metric {
        VqMetric::Ip => "ip",
        VqMetric::L2 => "l2",
    };
    let results: Vec<String> = rows
        .iter()
        .map(|row| {
            let recall: Vec<String> =
                RECALL_DEPTHS.iter().zip(&row.recall_at_1).map(|(k, r)| format!("\"{k}\": {r}")).collect();
            format!(
                concat!(
                    "{{\"variant\": \"{}\", \"codebook\": \"{}\", \"calibration\": \"{}\", \"bits\": {}, ",
                    "\"code_bytes_per_vector\": {}, ",
                    "\"recall_at_1_at_k\": {{{}}}, \"recall_10_at_10\": {}, \"ip_error_mean\": {}, ",
                    "\"ip_error_std\": {}, \"distortion\": {}, \"theoretical_distortion\": {}, ",
                    "\"encode_seconds\": {}, \"query_ms_per_query\": {}, \"recall_at_1_at_1_per_seed\": [{}]}}"
                ),
                row.variant,
                row.codebook,
                row.calibration.name(),
                row.bits,
                row.code_bytes,
                recall.join(", "),
                row.recall_10_at_10,
                row.ip_error_mean,
                row.ip_error_std,
                row.distortion,
                row.theory.map_or("null".to_owned(), |t| t.to_string()),
                row.encode_seconds,
                row.query_ms,
                row.recall_at_1_per_seed.iter().map(f64::to_string).collect::<Vec<_>>().join(", ")
            )
        })
        .collect();
    println!(
        "{{\"n\": {}, \"d\": {}, \"queries\": {}, \"metric\": \"{metric}\", \"threads\": {threads}, \"seeds\": {}, \"results\": [{}]}}",
        base.rows,
        base.cols,
        queries.rows,
        args.seeds,
        results.join(", ")
    );
}

fn human_bytes(bytes: usize) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{:.1} KiB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MiB", bytes as f64 / 1_048_576.0),
    }
}
