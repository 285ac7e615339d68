//! `kolm-bench ablation`: what each part of an engine is worth, file by file.
//!
//! Each configuration switches one part off (leave-one-out), so a column shows how much
//! bigger the output gets without that part: a part whose column is near zero, or negative,
//! does not pay its way. Sizes are exact and machine-independent, so this runs in-process on
//! the library (several configurations at once, one per thread) and every output is decoded
//! again and compared before it counts. The engines: kolm's native engine at a level (each
//! file coded as one block), or Midicoth's MDC7 pipeline (`--mdc`).

use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Result, bail};
use kolm::Level;
use kolm::ablation::Component;
use kolm::mdc7::{self, Stages};

use crate::record::bits_per_byte;
use crate::report::group;

/// The engine whose parts are switched off in turn.
#[derive(Clone, Copy, Debug)]
pub enum Engine {
    Native(Level),
    Mdc7,
}

/// One configuration of an engine: everything, or everything but one part.
#[derive(Clone, Copy, Debug)]
enum Configuration {
    Native(Level, Option<Component>),
    Mdc7(Stages),
}

impl Configuration {
    /// The payload size for `data`, verified by decoding it again.
    fn coded_len(self, data: &[u8]) -> Result<u64> {
        match self {
            Configuration::Native(level, without) => Ok(kolm::ablation::coded_len(data, level, without)? as u64),
            Configuration::Mdc7(stages) => {
                let packed = mdc7::compress_with(data, stages)?;
                if mdc7::decompress_with(&packed, stages)? != data {
                    bail!("the round trip changed the data");
                }
                Ok((packed.len() - mdc7::HEADER_LEN) as u64)
            }
        }
    }
}

/// Everything first, then each part switched off.
fn configurations(engine: Engine) -> Vec<(String, Configuration)> {
    match engine {
        Engine::Native(level) => std::iter::once(("everything".to_owned(), Configuration::Native(level, None)))
            .chain(
                kolm::ablation::components(level)
                    .into_iter()
                    .map(|part| (format!("no {part}"), Configuration::Native(level, Some(part)))),
            )
            .collect(),
        Engine::Mdc7 => {
            let all = Stages::ALL;
            [
                ("everything", all),
                ("no match model", Stages { matcher: false, ..all }),
                ("no word model", Stages { word: false, ..all }),
                ("no high-order model", Stages { high_order: false, ..all }),
                ("no Tweedie calibration", Stages { tweedie: false, ..all }),
            ]
            .into_iter()
            .map(|(label, stages)| (label.to_owned(), Configuration::Mdc7(stages)))
            .collect()
        }
    }
}

/// Compressed payload sizes: `sizes[file][configuration]`.
pub fn measure(
    engine: Engine,
    files: &[(String, Vec<u8>)],
    threads: usize,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Vec<Vec<u64>>> {
    let configurations = configurations(engine);
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
                    let (label, configuration) = &configurations[config];
                    match configuration.coded_len(data) {
                        Ok(payload) => {
                            sizes.lock().expect("no panics while locked")[file][config] = payload;
                            progress(&format!("{name:<24} {label:<24} {payload:>12}"));
                        }
                        Err(error) => {
                            *failure.lock().expect("no panics while locked") =
                                Some(format!("{name}, {label}: {error:#}"));
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

/// The ablation table in Markdown: payload bytes with everything on, and for each part the
/// growth without it.
pub fn render(name: &str, engine: Engine, files: &[(String, Vec<u8>)], sizes: &[Vec<u64>]) -> String {
    let configurations = configurations(engine);
    let engine_name = match engine {
        Engine::Native(level) => format!("kolm's native engine at level {level}, each file coded as one block"),
        Engine::Mdc7 => "Midicoth's MDC7 pipeline".to_owned(),
    };
    let mut out = format!(
        "# kolm-bench ablation: {name}\n\n{engine_name}, one part switched off at a time. First \
         columns: payload bytes and bits per byte with everything on; then how much larger the \
         output is without each part (a positive number is what the part gains).\n\n"
    );
    let headers: Vec<&str> = configurations[1..].iter().map(|(label, _)| label.as_str()).collect();
    let _ = writeln!(out, "| file | bytes | everything | bpb | {} |", headers.join(" | "));
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

    fn fields() -> Vec<u8> {
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/corpus/fields.c")).unwrap()
    }

    #[test]
    fn measures_each_mdc7_configuration_and_tabulates_growth() {
        let text = fields();
        let files = vec![("fields.c".to_owned(), text.clone()), ("tiny".to_owned(), b"abcabcabc".to_vec())];
        let sizes = measure(Engine::Mdc7, &files, 2, &|_| {}).unwrap();
        assert_eq!(sizes.len(), 2);
        // Everything on is the MDC7 codec itself; each configuration is what its stages give.
        assert_eq!(sizes[0][0], (mdc7::compress(&text).unwrap().len() - mdc7::HEADER_LEN) as u64);
        for (config, (label, configuration)) in configurations(Engine::Mdc7).into_iter().enumerate() {
            assert_eq!(sizes[0][config], configuration.coded_len(&text).unwrap(), "{label}");
        }
        let table = render("test", Engine::Mdc7, &files, &sizes);
        assert!(table.contains("| file | bytes | everything | bpb | no match model | no word model |"), "{table}");
        let growth = 100.0 * (sizes[0][1] as f64 - sizes[0][0] as f64) / sizes[0][0] as f64;
        let bpb = 8.0 * sizes[0][0] as f64 / 11150.0;
        let row = format!("| fields.c | 11,150 | {} | {bpb:.3} | {growth:+.2}% |", group(sizes[0][0]));
        assert!(table.contains(&row), "{row} not in {table}");
        assert!(table.contains("| **total** | 11,159 |"), "{table}");
    }

    #[test]
    fn native_engine_parts_are_listed_and_measured() {
        let text = fields();
        let level = Level::new(3).unwrap();
        let labels: Vec<String> = configurations(Engine::Native(level)).into_iter().map(|(label, _)| label).collect();
        let expected = [
            "everything",
            "no order 2",
            "no order 3",
            "no order 4",
            "no order 6",
            "no word model",
            "no mixer warm-up",
            "no sorted fast path",
            "no match model",
            "no long match model",
            "no confidence maps",
            "no counters' last bits",
            "no byte gate",
            "no APMs",
            "no x86 filter",
        ];
        assert_eq!(labels, expected);
        let files = vec![("fields.c".to_owned(), text.clone())];
        let sizes = measure(Engine::Native(level), &files, 2, &|_| {}).unwrap();
        // Everything on, as one block, is what the .kolm format stores for this file.
        let frame = kolm::compress(&text, level);
        let block = &kolm::inspect(&frame[..]).unwrap()[0].blocks[0];
        assert_eq!(sizes[0][0], u64::from(block.payload_len));
        // On source code, the match and word models clearly pay their way.
        for part in ["no match model", "no word model"] {
            let index = expected.iter().position(|label| *label == part).unwrap();
            assert!(sizes[0][index] > sizes[0][0], "{part}: {:?}", sizes[0]);
        }
        // Source code is not machine code: the x86 filter is not applied, so it changes nothing.
        assert_eq!(sizes[0][expected.len() - 1], sizes[0][0]);
        let table = render("t", Engine::Native(level), &files, &sizes);
        assert!(table.contains("kolm's native engine at level 3"), "{table}");
    }
}
