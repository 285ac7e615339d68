//! What a benchmark run produces: one [`Record`] per file × preset, plus the context needed
//! to read them (machine, date, settings, tools), saved as JSON (complete, reloadable by
//! `kolm-bench report`) and CSV (one row per record, for spreadsheets and scripts).

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// Everything one `kolm-bench run` measured.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Results {
    /// Names the report and its files: `corpus` → `corpus.md`, `corpus.svg`, …
    pub name: String,
    /// UTC date of the run, `YYYY-MM-DD`.
    pub date: String,
    pub machine: crate::machine::Machine,
    pub settings: Settings,
    pub tools: Vec<Tool>,
    pub files: Vec<File>,
    pub records: Vec<Record>,
    /// Compute per byte for the compute-normalised score, one entry per preset measured.
    pub compute: Vec<crate::compute::Compute>,
}

/// The run's settings, stated in the report.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Settings {
    pub runs: u32,
    pub repeat_limit_s: f64,
    pub budget_s: f64,
    pub threads: u32,
    /// Size of the sample whose compression callgrind counted, when it did.
    pub sample_bytes: u64,
}

/// A preset as the report describes it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Tool {
    pub id: String,
    pub label: String,
    pub is_kolm: bool,
    pub version: String,
    pub compress: String,
    pub decompress: String,
}

/// An input file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct File {
    pub name: String,
    pub bytes: u64,
}

/// How a file × preset measurement ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Compressed, decompressed and verified byte for byte.
    Ok,
    /// The tool failed, or its round trip did not give back the input: never a result.
    Failed,
    /// Not measured within the time budget.
    Skipped,
}

/// One file × preset measurement. Times are medians over `runs`; memory is the peak over them.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Record {
    pub file: String,
    pub original: u64,
    pub tool: String,
    pub status: Status,
    /// Why a measurement failed or was skipped, or a remark on a good one.
    pub note: String,
    pub runs: u32,
    pub compressed: Option<u64>,
    pub compress_s: Option<f64>,
    pub decompress_s: Option<f64>,
    pub compress_cpu_s: Option<f64>,
    pub decompress_cpu_s: Option<f64>,
    pub compress_rss: Option<u64>,
    pub decompress_rss: Option<u64>,
}

impl Record {
    /// A record for a measurement that produced no result.
    pub fn without_result(file: &File, tool: &str, status: Status, note: String) -> Record {
        Record {
            file: file.name.clone(),
            original: file.bytes,
            tool: tool.to_owned(),
            status,
            note,
            runs: 0,
            compressed: None,
            compress_s: None,
            decompress_s: None,
            compress_cpu_s: None,
            decompress_cpu_s: None,
            compress_rss: None,
            decompress_rss: None,
        }
    }

    /// Bits per byte of the original; `None` without a result.
    pub fn bpb(&self) -> Option<f64> {
        Some(bits_per_byte(self.compressed?, self.original))
    }
}

pub fn bits_per_byte(compressed: u64, original: u64) -> f64 {
    if original == 0 { 0.0 } else { 8.0 * compressed as f64 / original as f64 }
}

impl Results {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("results serialize")
    }

    pub fn from_json(text: &str) -> Result<Results, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// One CSV row per record, with a header; fields quoted where they need it.
    pub fn to_csv(&self) -> String {
        let mut csv = String::from(
            "file,original_bytes,tool,label,status,runs,compressed_bytes,bpb,compress_s,decompress_s,\
             compress_cpu_s,decompress_cpu_s,compress_peak_rss_bytes,decompress_peak_rss_bytes,note\n",
        );
        for record in &self.records {
            let label = self.tools.iter().find(|tool| tool.id == record.tool).map_or("", |tool| &tool.label);
            let number = |value: Option<f64>| value.map_or(String::new(), |value| format!("{value:.6}"));
            let count = |value: Option<u64>| value.map_or(String::new(), |value| value.to_string());
            let fields = [
                csv_field(&record.file),
                record.original.to_string(),
                csv_field(&record.tool),
                csv_field(label),
                format!("{:?}", record.status).to_lowercase(),
                record.runs.to_string(),
                count(record.compressed),
                number(record.bpb()),
                number(record.compress_s),
                number(record.decompress_s),
                number(record.compress_cpu_s),
                number(record.decompress_cpu_s),
                count(record.compress_rss),
                count(record.decompress_rss),
                csv_field(&record.note),
            ];
            let _ = writeln!(csv, "{}", fields.join(","));
        }
        csv
    }
}

/// A CSV field, quoted (RFC 4180) when it holds a comma, quote or line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_owned() }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small set of results for the report tests: two files, a kolm level and two peers,
    /// one of which failed on one file.
    pub(crate) fn sample() -> Results {
        let tool = |id: &str, label: &str, is_kolm: bool| Tool {
            id: id.into(),
            label: label.into(),
            is_kolm,
            version: format!("{id} 1.0"),
            compress: format!("{id} -c data > data.x"),
            decompress: format!("{id} -d -c data.x > restored/data"),
        };
        let files = vec![File { name: "a.txt".into(), bytes: 1000 }, File { name: "b, \"q\".bin".into(), bytes: 3000 }];
        let ok = |file: &File, tool: &str, compressed: u64, seconds: f64| Record {
            file: file.name.clone(),
            original: file.bytes,
            tool: tool.into(),
            status: Status::Ok,
            note: String::new(),
            runs: 3,
            compressed: Some(compressed),
            compress_s: Some(seconds),
            decompress_s: Some(seconds / 2.0),
            compress_cpu_s: Some(seconds),
            decompress_cpu_s: Some(seconds / 2.0),
            compress_rss: Some(10 << 20),
            decompress_rss: Some(5 << 20),
        };
        let records = vec![
            ok(&files[0], "kolm-5", 250, 0.01),
            ok(&files[1], "kolm-5", 600, 0.03),
            ok(&files[0], "xz-9e", 400, 0.001),
            ok(&files[1], "xz-9e", 900, 0.002),
            ok(&files[0], "broken", 100, 0.001),
            Record::without_result(&files[1], "broken", Status::Failed, "round trip changed the data".into()),
        ];
        Results {
            name: "sample".into(),
            date: "2026-11-27".into(),
            machine: crate::machine::Machine {
                cpu: "Test CPU".into(),
                cores: 2,
                memory_bytes: 8 << 30,
                os: "Test OS".into(),
            },
            settings: Settings { runs: 3, repeat_limit_s: 30.0, budget_s: 600.0, threads: 1, sample_bytes: 262_144 },
            tools: vec![
                tool("kolm-5", "kolm -5", true),
                tool("xz-9e", "xz -9e", false),
                tool("broken", "broken", false),
            ],
            files,
            records,
            compute: Vec::new(),
        }
    }

    #[test]
    fn json_round_trips() {
        let results = sample();
        let again = Results::from_json(&results.to_json()).unwrap();
        assert_eq!(again.to_json(), results.to_json());
    }

    #[test]
    fn csv_has_a_row_per_record_and_quotes_awkward_names() {
        let csv = sample().to_csv();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 1 + sample().records.len());
        assert!(lines[0].starts_with("file,original_bytes,tool,label,status"));
        assert!(lines[1].starts_with("a.txt,1000,kolm-5,kolm -5,ok,3,250,2.000000,"), "{}", lines[1]);
        assert!(lines[2].starts_with("\"b, \"\"q\"\".bin\",3000,kolm-5"), "{}", lines[2]);
        assert!(
            lines[6].contains(",failed,0,,,") && lines[6].ends_with(",round trip changed the data"),
            "{}",
            lines[6]
        );
    }
}
