//! `kolm-bench ablation`: what each model of an engine is worth, file by file.
//!
//! Each configuration switches one model off (leave-one-out), so a column shows how much
//! bigger the output gets without that model: a model whose column is near zero, or negative,
//! does not pay its way. Sizes are exact and machine-independent, so this runs in-process on
//! the library (several configurations at once, one per thread) and every output is decoded
//! again and compared before it counts.
//!
//! The engine ablated today is Midicoth's (MDC7) pipeline; the native engine's models join
//! the same table as they land.

use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Result, bail};
use kolm::mdc7::{self, Stages};

use crate::record::bits_per_byte;
use crate::report::group;

/// Leave-one-out configurations of the MDC7 pipeline: everything, then each stage switched off.
pub fn configurations() -> Vec<(&'static str, Stages)> {
    let all = Stages::ALL;
    vec![
        ("all stages", all),
        ("no match model", Stages { matcher: false, ..all }),
        ("no word model", Stages { word: false, ..all }),
        ("no high-order model", Stages { high_order: false, ..all }),
        ("no Tweedie calibration", Stages { tweedie: false, ..all }),
    ]
}

/// Compressed payload sizes: `sizes[file][configuration]`.
pub fn measure(files: &[(String, Vec<u8>)], threads: usize, progress: &(dyn Fn(&str) + Sync)) -> Result<Vec<Vec<u64>>> {
    let configurations = configurations();
    let jobs: Vec<(usize, usize)> =
        (0..files.len()).flat_map(|file| (0..configurations.len()).map(move |config| (file, config))).collect();
    let sizes = Mutex::new(vec![vec![0u64; configurations.len()]; files.len()]);
    let failure = Mutex::new(None);
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, jobs.len().max(1)) {
            scope.spawn(|| {
                while let Some(&(file, config)) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let (name, data) = &files[file];
                    let (label, stages) = configurations[config];
                    let outcome = mdc7::compress_with(data, stages).and_then(|packed| {
                        let back = mdc7::decompress_with(&packed, stages)?;
                        Ok((packed.len() - mdc7::HEADER_LEN, back == *data))
                    });
                    match outcome {
                        Ok((payload, true)) => {
                            sizes.lock().expect("no panics while locked")[file][config] = payload as u64;
                            progress(&format!("{name:<24} {label:<24} {payload:>12}"));
                        }
                        Ok((_, false)) => {
                            *failure.lock().expect("no panics while locked") =
                                Some(format!("{name}: the round trip with {label} changed the data"));
                        }
                        Err(error) => {
                            *failure.lock().expect("no panics while locked") = Some(format!("{name}: {error}"))
                        }
                    }
                }
            });
        }
    });
    if let Some(why) = failure.into_inner().expect("no panics while locked") {
        bail!(why);
    }
    Ok(sizes.into_inner().expect("no panics while locked"))
}

/// The ablation table in Markdown: payload bytes with everything on, and for each stage the
/// growth without it.
pub fn render(name: &str, files: &[(String, Vec<u8>)], sizes: &[Vec<u64>]) -> String {
    let configurations = configurations();
    let mut out = format!(
        "# kolm-bench ablation: {name}\n\nMidicoth (MDC7) pipeline, one stage switched off at a time. \
         First columns: payload bytes and bits per byte with every stage; then how much larger the \
         output is without each stage (a positive number is what the stage gains).\n\n"
    );
    let headers: Vec<&str> = configurations[1..].iter().map(|(label, _)| *label).collect();
    let _ = writeln!(out, "| file | bytes | all stages | bpb | {} |", headers.join(" | "));
    let _ = writeln!(out, "|---|---:|---:|---:|{}", "---:|".repeat(headers.len()));
    let mut totals = vec![0u64; configurations.len()];
    let mut total_bytes = 0;
    for ((file, data), row) in files.iter().zip(sizes) {
        total_bytes += data.len() as u64;
        totals.iter_mut().zip(row).for_each(|(total, size)| *total += size);
        let _ = writeln!(out, "{}", row_text(file, data.len() as u64, row));
    }
    if files.len() > 1 {
        let _ = writeln!(out, "{}", row_text("**total**", total_bytes, &totals));
    }
    out
}

fn row_text(name: &str, original: u64, row: &[u64]) -> String {
    let all = row[0];
    let growth: Vec<String> = row[1..]
        .iter()
        .map(|&size| format!("{:+.2}%", 100.0 * (size as f64 - all as f64) / (all.max(1)) as f64))
        .collect();
    format!(
        "| {name} | {} | {} | {:.3} | {} |",
        group(original),
        group(all),
        bits_per_byte(all, original),
        growth.join(" | ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_each_configuration_and_tabulates_growth() {
        let text = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/corpus/fields.c")).unwrap();
        let files = vec![("fields.c".to_owned(), text.clone()), ("tiny".to_owned(), b"abcabcabc".to_vec())];
        let sizes = measure(&files, 2, &|_| {}).unwrap();
        assert_eq!(sizes.len(), 2);
        // Everything on is the MDC7 codec itself; each configuration is what its stages give.
        assert_eq!(sizes[0][0], (mdc7::compress(&text).unwrap().len() - mdc7::HEADER_LEN) as u64);
        for (config, (label, stages)) in configurations().into_iter().enumerate() {
            let expected = mdc7::compress_with(&text, stages).unwrap().len() - mdc7::HEADER_LEN;
            assert_eq!(sizes[0][config], expected as u64, "{label}");
        }
        let table = render("test", &files, &sizes);
        assert!(table.contains("| file | bytes | all stages | bpb | no match model | no word model |"), "{table}");
        let growth = 100.0 * (sizes[0][1] as f64 - sizes[0][0] as f64) / sizes[0][0] as f64;
        let row = format!(
            "| fields.c | 11,150 | {} | {:.3} | {growth:+.2}% |",
            group(sizes[0][0]),
            8.0 * sizes[0][0] as f64 / 11150.0
        );
        assert!(table.contains(&row), "{row} not in {table}");
        assert!(table.contains("| **total** | 11,159 |"), "{table}");
    }
}
