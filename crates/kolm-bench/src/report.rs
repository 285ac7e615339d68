//! The Markdown report: a summary across files, the compute-normalised score, a table per
//! file, and the setting behind every number (machine, date, versions, command lines).
//!
//! Totals only count presets that finished every file: a total over fewer files is not
//! comparable, so such presets are listed apart with what stopped them.

use std::fmt::Write as _;

use crate::compute;
use crate::pareto;
use crate::record::{Record, Results, Status, bits_per_byte};

/// A preset's results over the whole corpus.
#[derive(Clone, Debug)]
pub struct Summary {
    pub tool: String,
    pub label: String,
    pub is_kolm: bool,
    /// Files it compressed and verified, out of all files.
    pub files_ok: usize,
    pub original: u64,
    pub compressed: u64,
    pub compress_s: f64,
    pub decompress_s: f64,
    pub peak_rss: u64,
}

impl Summary {
    pub fn bpb(&self) -> f64 {
        bits_per_byte(self.compressed, self.original)
    }

    pub fn compress_mbps(&self) -> f64 {
        mbps(self.original, self.compress_s)
    }

    pub fn decompress_mbps(&self) -> f64 {
        mbps(self.original, self.decompress_s)
    }
}

fn mbps(bytes: u64, seconds: f64) -> f64 {
    bytes as f64 / seconds.max(1e-9) / 1e6
}

/// One summary per preset, complete presets first, each group smallest first.
pub fn summarize(results: &Results) -> Vec<Summary> {
    let mut summaries: Vec<Summary> = results
        .tools
        .iter()
        .map(|tool| {
            let ok: Vec<&Record> =
                results.records.iter().filter(|record| record.tool == tool.id && record.status == Status::Ok).collect();
            Summary {
                tool: tool.id.clone(),
                label: tool.label.clone(),
                is_kolm: tool.is_kolm,
                files_ok: ok.len(),
                original: ok.iter().map(|record| record.original).sum(),
                compressed: ok.iter().filter_map(|record| record.compressed).sum(),
                compress_s: ok.iter().filter_map(|record| record.compress_s).sum(),
                decompress_s: ok.iter().filter_map(|record| record.decompress_s).sum(),
                peak_rss: ok
                    .iter()
                    .flat_map(|record| [record.compress_rss, record.decompress_rss])
                    .flatten()
                    .max()
                    .unwrap_or(0),
            }
        })
        .collect();
    let files = results.files.len();
    summaries.sort_by(|a, b| {
        (a.files_ok < files).cmp(&(b.files_ok < files)).then(a.bpb().total_cmp(&b.bpb())).then(a.label.cmp(&b.label))
    });
    summaries
}

/// The presets that finished every file.
pub fn complete(results: &Results) -> Vec<Summary> {
    summarize(results).into_iter().filter(|summary| summary.files_ok == results.files.len()).collect()
}

/// The whole report; `plot` is the SVG's file name, linked from the summary.
pub fn render(results: &Results, plot: Option<&str>) -> String {
    let mut out = String::new();
    let total: u64 = results.files.iter().map(|file| file.bytes).sum();
    let settings = &results.settings;
    let _ = writeln!(out, "# kolm-bench: {}\n", results.name);
    let _ = writeln!(
        out,
        "Measured {} on {}. {} files, {} bytes. Each tool ran as a child process on a private copy \
         of each file; every round trip was verified byte for byte. Times are the median of up to \
         {} runs (fewer once a pair's runs passed {:.0} s) and include process start-up; speeds are \
         MB/s of original data (10^6 bytes); peak RSS is the larger of compression and \
         decompression. Multi-threaded tools were given {} thread{}. A pair predicted to take, or \
         taking, over {:.0} s was skipped.\n",
        results.date,
        results.machine.describe(),
        results.files.len(),
        group(total),
        settings.runs,
        settings.repeat_limit_s,
        settings.threads,
        if settings.threads == 1 { "" } else { "s" },
        settings.budget_s,
    );
    summary_section(&mut out, results, plot);
    score_section(&mut out, results);
    bpb_matrix(&mut out, results);
    file_sections(&mut out, results);
    tools_section(&mut out, results);
    out
}

fn summary_section(out: &mut String, results: &Results, plot: Option<&str>) {
    let summaries = summarize(results);
    let files = results.files.len();
    let complete: Vec<&Summary> = summaries.iter().filter(|summary| summary.files_ok == files).collect();
    let points: Vec<(f64, f64)> = complete.iter().map(|summary| (summary.compress_mbps(), summary.bpb())).collect();
    let frontier = pareto::frontier(&points);
    let _ = writeln!(out, "## Summary over all files\n");
    if let Some(plot) = plot {
        let _ = writeln!(out, "![bits per byte against compression speed]({plot})\n");
    }
    let _ = writeln!(
        out,
        "| tool | bytes | bpb | compress MB/s | decompress MB/s | peak RSS MB | compress s | decompress s |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|");
    for (index, summary) in complete.iter().enumerate() {
        let mark = if frontier.contains(&index) { " ◆" } else { "" };
        let name = if summary.is_kolm { format!("**{}**", summary.label) } else { summary.label.clone() };
        let _ = writeln!(
            out,
            "| {name}{mark} | {} | {:.3} | {} | {} | {:.0} | {:.1} | {:.1} |",
            group(summary.compressed),
            summary.bpb(),
            speed(summary.compress_mbps()),
            speed(summary.decompress_mbps()),
            summary.peak_rss as f64 / 1e6,
            summary.compress_s,
            summary.decompress_s,
        );
    }
    let _ = writeln!(
        out,
        "\n◆ on the Pareto frontier of size against compression speed: nothing else is both smaller and faster.\n"
    );
    let incomplete: Vec<&Summary> = summaries.iter().filter(|summary| summary.files_ok < files).collect();
    if !incomplete.is_empty() {
        let _ = writeln!(out, "Not in the totals, for not finishing every file:\n");
        for summary in incomplete {
            let (followers, problems): (Vec<&Record>, Vec<&Record>) = results
                .records
                .iter()
                .filter(|record| record.tool == summary.tool && record.status != Status::Ok)
                .partition(|record| record.note.ends_with(", a smaller file"));
            let mut problems: Vec<String> = problems
                .iter()
                .map(|record| format!("{} {} ({})", record.file, status_word(record.status), record.note))
                .collect();
            if !followers.is_empty() {
                let names: Vec<&str> = followers.iter().map(|record| record.file.as_str()).collect();
                problems.push(format!("so not tried on the larger {}", names.join(", ")));
            }
            let _ = writeln!(out, "- {}: {}/{} files; {}", summary.label, summary.files_ok, files, problems.join("; "));
        }
        let _ = writeln!(out);
    }
}

fn score_section(out: &mut String, results: &Results) {
    let complete = complete(results);
    let mut rows: Vec<(f64, String)> = Vec::new();
    for summary in &complete {
        let Some(entry) = results.compute.iter().find(|entry| entry.tool == summary.tool) else { continue };
        let score = compute::score(summary.bpb(), entry.per_byte);
        let note = if entry.note.is_empty() { String::new() } else { format!(" ({})", entry.note) };
        rows.push((
            score.unwrap_or(f64::NEG_INFINITY),
            format!(
                "| {} | {:.3} | {:.3} | {} | {}{} | {} |",
                summary.label,
                summary.bpb(),
                8.0 - summary.bpb(),
                group(entry.per_byte.round() as u64),
                entry.method.unit(),
                note,
                score.map_or("–".to_owned(), |score| format!("{score:.3}")),
            ),
        ));
    }
    if rows.is_empty() {
        return;
    }
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    let _ = writeln!(out, "## Compute-normalised score\n");
    let _ = writeln!(
        out,
        "score = (8 − bpb) / log2(compute per byte): bits saved per byte for each doubling of the work \
         spent. Instructions per byte are counted by callgrind compressing a sample of up to {} bytes \
         made of the start of every file; where that was not possible, wall nanoseconds per byte of \
         the measured compressions stand in (a different scale: compare such rows only with each \
         other).\n",
        group(results.settings.sample_bytes)
    );
    let _ = writeln!(out, "| tool | bpb | bits saved/byte | compute per byte | unit | score |");
    let _ = writeln!(out, "|---|---:|---:|---:|---|---:|");
    for (_, row) in rows {
        let _ = writeln!(out, "{row}");
    }
    let _ = writeln!(out);
}

fn bpb_matrix(out: &mut String, results: &Results) {
    let summaries = summarize(results);
    let _ = writeln!(out, "## Bits per byte by file\n");
    let header: Vec<&str> = summaries.iter().map(|summary| summary.label.as_str()).collect();
    let _ = writeln!(out, "| file | bytes | {} |", header.join(" | "));
    let _ = writeln!(out, "|---|---:|{}", "---:|".repeat(header.len()));
    for file in &results.files {
        let cells: Vec<String> = summaries
            .iter()
            .map(|summary| {
                find(results, &file.name, &summary.tool)
                    .and_then(Record::bpb)
                    .map_or("–".to_owned(), |bpb| format!("{bpb:.3}"))
            })
            .collect();
        let _ = writeln!(out, "| {} | {} | {} |", file.name, group(file.bytes), cells.join(" | "));
    }
    let _ = writeln!(out, "\n– not measured: see the file's table.\n");
}

fn file_sections(out: &mut String, results: &Results) {
    let _ = writeln!(out, "## Each file\n");
    for file in &results.files {
        let _ = writeln!(out, "### {} ({} bytes)\n", file.name, group(file.bytes));
        let _ = writeln!(out, "| tool | bytes | bpb | compress MB/s | decompress MB/s | peak RSS MB c/d | runs |");
        let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
        let mut records: Vec<&Record> = results.records.iter().filter(|record| record.file == file.name).collect();
        records.sort_by(|a, b| match (a.compressed, b.compressed) {
            (Some(x), Some(y)) => x.cmp(&y),
            (x, y) => y.is_some().cmp(&x.is_some()),
        });
        for record in records {
            let label = label(results, &record.tool);
            match (record.status, record.compressed, record.compress_s, record.decompress_s) {
                (Status::Ok, Some(size), Some(compress), Some(decompress)) => {
                    let _ = writeln!(
                        out,
                        "| {label} | {} | {:.3} | {} | {} | {:.0} / {:.0} | {} |",
                        group(size),
                        record.bpb().unwrap_or(0.0),
                        speed(mbps(record.original, compress)),
                        speed(mbps(record.original, decompress)),
                        record.compress_rss.unwrap_or(0) as f64 / 1e6,
                        record.decompress_rss.unwrap_or(0) as f64 / 1e6,
                        record.runs,
                    );
                }
                (status, ..) => {
                    let _ = writeln!(out, "| {label} | {}: {} | | | | | |", status_word(status), record.note);
                }
            }
        }
        let _ = writeln!(out);
    }
}

fn tools_section(out: &mut String, results: &Results) {
    let _ = writeln!(out, "## Tools\n");
    let _ = writeln!(out, "| tool | version | compress | decompress |");
    let _ = writeln!(out, "|---|---|---|---|");
    for tool in &results.tools {
        let _ = writeln!(
            out,
            "| {} | {} | `{}` | `{}` |",
            tool.label,
            tool.version.replace('|', "\\|"),
            tool.compress,
            tool.decompress
        );
    }
    let _ = writeln!(out, "\nCommands run in a scratch directory where `data` is a copy of the file.");
}

fn find<'a>(results: &'a Results, file: &str, tool: &str) -> Option<&'a Record> {
    results.records.iter().find(|record| record.file == file && record.tool == tool)
}

fn label<'a>(results: &'a Results, tool: &'a str) -> &'a str {
    results.tools.iter().find(|entry| entry.id == tool).map_or(tool, |entry| &entry.label)
}

fn status_word(status: Status) -> &'static str {
    match status {
        Status::Ok => "ok",
        Status::Failed => "FAILED",
        Status::Skipped => "skipped",
    }
}

/// Speeds with three significant digits: 0.0123, 1.23, 123.
fn speed(mbps: f64) -> String {
    match mbps {
        x if x >= 100.0 => format!("{x:.0}"),
        x if x >= 10.0 => format!("{x:.1}"),
        x if x >= 1.0 => format!("{x:.2}"),
        x if x >= 0.1 => format!("{x:.3}"),
        x => format!("{x:.4}"),
    }
}

/// 12345678 → "12,345,678".
pub fn group(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::{Compute, Method};
    use crate::record::tests::sample;

    #[test]
    fn summaries_total_complete_presets_and_set_incomplete_ones_apart() {
        let summaries = summarize(&sample());
        let order: Vec<(&str, usize)> = summaries.iter().map(|s| (s.tool.as_str(), s.files_ok)).collect();
        assert_eq!(order, [("kolm-5", 2), ("xz-9e", 2), ("broken", 1)]);
        let kolm = &summaries[0];
        assert_eq!((kolm.original, kolm.compressed), (4000, 850));
        assert!((kolm.bpb() - 1.7).abs() < 1e-12);
        assert!((kolm.compress_mbps() - 0.1).abs() < 1e-9);
        assert_eq!(complete(&sample()).len(), 2);
    }

    #[test]
    fn report_states_context_totals_failures_and_every_file() {
        let mut results = sample();
        results.compute = vec![
            Compute { tool: "kolm-5".into(), method: Method::Instructions, per_byte: 4096.0, note: String::new() },
            Compute { tool: "xz-9e".into(), method: Method::Instructions, per_byte: 256.0, note: String::new() },
        ];
        let report = render(&results, Some("sample.svg"));
        for expected in [
            "# kolm-bench: sample",
            "Measured 2026-11-27 on Test CPU, 2 cores, 8 GiB, Test OS. 2 files, 4,000 bytes.",
            "![bits per byte against compression speed](sample.svg)",
            "| **kolm -5** ◆ | 850 | 1.700 | 0.100 | 0.200 | 10 | 0.0 | 0.0 |",
            "| xz -9e ◆ | 1,300 | 2.600 | 1.33 | 2.67 | 10 | 0.0 | 0.0 |",
            "- broken: 1/2 files; b, \"q\".bin FAILED (round trip changed the data)",
            // (8 − 2.6) / 8 = 0.675 ranks above (8 − 1.7) / 12 = 0.525.
            "| xz -9e | 2.600 | 5.400 | 256 | instructions/byte | 0.675 |\n| kolm -5 | 1.700 | 6.300 | 4,096 | instructions/byte | 0.525 |",
            "| file | bytes | kolm -5 | xz -9e | broken |",
            "| b, \"q\".bin | 3,000 | 1.600 | 2.400 | – |",
            "### a.txt (1,000 bytes)",
            "| broken | 100 | 0.800 | 1.00 | 2.00 | 10 / 5 | 3 |",
            "| broken | FAILED: round trip changed the data | | | | | |",
            "| xz -9e | xz-9e 1.0 | `xz-9e -c data > data.x` | `xz-9e -d -c data.x > restored/data` |",
        ] {
            assert!(report.contains(expected), "missing {expected:?} in\n{report}");
        }
        // The failed file is never shown with a size, and the sum of the broken tool is not a total.
        assert!(!report.contains("| broken ◆"));
    }

    #[test]
    fn numbers_are_grouped_and_speeds_keep_three_digits() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
        assert_eq!(group(43_968_970), "43,968,970");
        assert_eq!(speed(196.29), "196");
        assert_eq!(speed(39.58), "39.6");
        assert_eq!(speed(1.412), "1.41");
        assert_eq!(speed(0.291), "0.291");
        assert_eq!(speed(0.0254), "0.0254");
    }
}
