//! The compressors the harness knows, and how to find and call them.
//!
//! A *preset* is one tool at one setting (`xz -9e`, `zpaq -m5`, `kolm -5`): the unit that gets
//! a row in every table and a point in the plot. Each preset is a pair of command templates run
//! in a scratch directory holding the input as `data`:
//!
//! | placeholder      | becomes                                                    |
//! |------------------|------------------------------------------------------------|
//! | `{in}`           | `data`, a copy of the input file                           |
//! | `{packed}`       | `data.EXT`, where the compressed file must end up          |
//! | `{restored}`     | `restored/data`, where the decompressed file must end up   |
//! | `{restored_dir}` | `restored`                                                 |
//! | `{threads}`      | the `--threads` setting (tools without one run single-threaded) |
//!
//! A step marked *stdout* has its standard output written to the file it must produce, for
//! tools that work best as filters. kolm itself is a preset like any other: the harness runs
//! the `kolm` program as a child process (its own embedded copy, or `--kolm PATH`), so kolm pays
//! the same process and file costs as its peers.
//!
//! Debian's packages supply most peers (`bench/install-peers.sh`); the rest are programs users
//! build themselves and are picked up from `--peer-dir` or `PATH` when present.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::measure;

/// Where a peer comes from, for the message shown when it is missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// A Debian package installed by `bench/install-peers.sh`.
    Debian(&'static str),
    /// A program the user builds from its public sources.
    UserBuilt,
}

/// One command of a preset: an argument template and whether its standard output is the file
/// it produces.
#[derive(Clone, Debug)]
pub struct Step {
    pub template: String,
    pub to_stdout: bool,
}

/// A peer preset as written in [`PEERS`].
struct PeerSpec {
    id: &'static str,
    program: &'static str,
    label: &'static str,
    extension: &'static str,
    compress: &'static str,
    decompress: &'static str,
    /// Whether the compress and the decompress step are filters writing standard output.
    stdout: (bool, bool),
    version_args: &'static [&'static str],
    source: Source,
}

/// Peers at the settings users compare: the strongest common levels, plus a few fast ones that
/// show where the speed/size frontier runs. `--peers` selects by `id` or by program name.
const PEERS: &[PeerSpec] = &[
    filter("gzip-9", "gzip", "gzip -9", "gz", "-9 -c {in}", "-d -c {packed}", &["--version"], "gzip"),
    filter("lz4", "lz4", "lz4", "lz4", "-1 -c {in}", "-d -c {packed}", &["--version"], "lz4"),
    filter("lz4-9", "lz4", "lz4 -9", "lz4", "-9 -c {in}", "-d -c {packed}", &["--version"], "lz4"),
    filter(
        "zstd-3",
        "zstd",
        "zstd -3",
        "zst",
        "-3 -T{threads} -q -c {in}",
        "-d -q -c {packed}",
        &["--version"],
        "zstd",
    ),
    filter(
        "zstd-19",
        "zstd",
        "zstd -19",
        "zst",
        "-19 -T{threads} -q -c {in}",
        "-d -q -c {packed}",
        &["--version"],
        "zstd",
    ),
    filter(
        "zstd-22",
        "zstd",
        "zstd --ultra -22 --long=27",
        "zst",
        "--ultra -22 --long=27 -T{threads} -q -c {in}",
        "-d --long=27 -q -c {packed}",
        &["--version"],
        "zstd",
    ),
    filter("xz-6", "xz", "xz -6", "xz", "-6 -T{threads} -c {in}", "-d -c {packed}", &["--version"], "xz-utils"),
    filter("xz-9e", "xz", "xz -9e", "xz", "-9e -T{threads} -c {in}", "-d -c {packed}", &["--version"], "xz-utils"),
    filter("lzip-9", "lzip", "lzip -9", "lz", "-9 -c {in}", "-d -c {packed}", &["--version"], "lzip"),
    filter(
        "brotli-11",
        "brotli",
        "brotli -q 11 -w 24",
        "br",
        "-q 11 -w 24 -c {in}",
        "-d -c {packed}",
        &["--version"],
        "brotli",
    ),
    filter("bzip2-9", "bzip2", "bzip2 -9", "bz2", "-9 -c {in}", "-d -c {packed}", &["--version"], "bzip2"),
    filter(
        "bzip3",
        "bzip3",
        "bzip3 -b 511",
        "bz3",
        "-e -b 511 -j {threads} -c {in}",
        "-d -j {threads} -c {packed}",
        &["--version"],
        "bzip3",
    ),
    PeerSpec {
        id: "7z-ppmd",
        program: "7z",
        label: "7z PPMd o=32 mem=1g",
        extension: "7z",
        compress: "a -t7z -m0=PPMd:mem=1g:o=32 -mmt={threads} -bd -bso0 -bsp0 {packed} {in}",
        decompress: "e -so {packed}",
        stdout: (false, true),
        version_args: &[],
        source: Source::Debian("p7zip-full"),
    },
    zpaq("zpaq-4", "zpaq -m4", "a {packed} {in} -m4 -t{threads}"),
    zpaq("zpaq-5", "zpaq -m5", "a {packed} {in} -m5 -t{threads}"),
    user_built("lpaq1-9", "lpaq1", "lpaq1 9", "lpaq1", "9 {in} {packed}", "d {packed} {restored}", &[]),
    user_built("bsc", "bsc", "bsc -b2047 -e2", "bsc", "e {in} {packed} -b2047 -e2 -T", "d {packed} {restored} -T", &[]),
    user_built("paq8px-8", "paq8px", "paq8px -8", "paq8px", "-8 {in} {packed}", "-d {packed} {restored}", &[]),
    user_built("cmix", "cmix", "cmix", "cmix", "-c {in} {packed}", "-d {packed} {restored}", &[]),
    user_built(
        "midicoth",
        "mdc",
        "Midicoth (reference)",
        "mdc",
        "compress {in} {packed}",
        "decompress {packed} {restored}",
        &[],
    ),
];

#[allow(clippy::too_many_arguments)]
const fn filter(
    id: &'static str,
    program: &'static str,
    label: &'static str,
    extension: &'static str,
    compress: &'static str,
    decompress: &'static str,
    version_args: &'static [&'static str],
    package: &'static str,
) -> PeerSpec {
    PeerSpec {
        id,
        program,
        label,
        extension,
        compress,
        decompress,
        stdout: (true, true),
        version_args,
        source: Source::Debian(package),
    }
}

const fn zpaq(id: &'static str, label: &'static str, compress: &'static str) -> PeerSpec {
    PeerSpec {
        id,
        program: "zpaq",
        label,
        extension: "zpaq",
        compress,
        decompress: "x {packed} -to {restored_dir} -t{threads}",
        stdout: (false, false),
        version_args: &[],
        source: Source::Debian("zpaq"),
    }
}

const fn user_built(
    id: &'static str,
    program: &'static str,
    label: &'static str,
    extension: &'static str,
    compress: &'static str,
    decompress: &'static str,
    version_args: &'static [&'static str],
) -> PeerSpec {
    PeerSpec {
        id,
        program,
        label,
        extension,
        compress,
        decompress,
        stdout: (false, false),
        version_args,
        source: Source::UserBuilt,
    }
}

/// How to start a program: its path and the arguments that always come first.
#[derive(Clone, Debug)]
pub struct Program {
    pub path: PathBuf,
    pub leading_args: Vec<OsString>,
}

impl Program {
    /// The kolm program this harness embeds: its own executable, told to act as `kolm`.
    pub fn embedded_kolm() -> std::io::Result<Program> {
        Ok(Program { path: std::env::current_exe()?, leading_args: vec![crate::AS_KOLM.into()] })
    }

    pub fn command(&self) -> Command {
        let mut command = Command::new(&self.path);
        command.args(&self.leading_args);
        command
    }
}

/// A tool at one setting, ready to run.
#[derive(Clone, Debug)]
pub struct Preset {
    /// Short name for `--peers` and file names: `xz-9e`, `kolm-5`.
    pub id: String,
    /// How reports name it: `xz -9e`, `kolm -5`.
    pub label: String,
    pub is_kolm: bool,
    pub program: Program,
    pub extension: String,
    pub compress: Step,
    pub decompress: Step,
    /// The tool's own account of its version, when it gives one.
    pub version: String,
}

/// Which way a step goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Compress,
    Decompress,
}

/// Where the files of one measurement live, relative to its scratch directory.
pub const INPUT_NAME: &str = "data";
pub const RESTORED_DIR: &str = "restored";

impl Preset {
    pub fn step(&self, direction: Direction) -> &Step {
        match direction {
            Direction::Compress => &self.compress,
            Direction::Decompress => &self.decompress,
        }
    }

    /// The file a step must produce, relative to the scratch directory.
    pub fn output_name(&self, direction: Direction) -> String {
        match direction {
            Direction::Compress => format!("{INPUT_NAME}.{}", self.extension),
            Direction::Decompress => format!("{RESTORED_DIR}/{INPUT_NAME}"),
        }
    }

    /// The step's arguments with the placeholders filled in.
    pub fn arguments(&self, direction: Direction, threads: u32) -> Vec<String> {
        self.step(direction)
            .template
            .split_whitespace()
            .map(|word| {
                word.replace("{in}", INPUT_NAME)
                    .replace("{packed}", &self.output_name(Direction::Compress))
                    .replace("{restored_dir}", RESTORED_DIR)
                    .replace("{restored}", &self.output_name(Direction::Decompress))
                    .replace("{threads}", &threads.to_string())
            })
            .collect()
    }

    /// The command line a person would type, for the report.
    pub fn command_line(&self, direction: Direction, threads: u32) -> String {
        let name = if self.is_kolm {
            "kolm".to_owned()
        } else {
            self.program.path.file_name().unwrap_or_default().to_string_lossy().into_owned()
        };
        let mut line = std::iter::once(name).chain(self.arguments(direction, threads)).collect::<Vec<_>>().join(" ");
        if self.step(direction).to_stdout {
            line.push_str(&format!(" > {}", self.output_name(direction)));
        }
        line
    }
}

/// kolm's presets: one per level of the `.kolm` format, and the MDC7 format.
pub fn kolm_presets(program: &Program, levels: &[u8], mdc: bool) -> Vec<Preset> {
    let version = format!("kolm {}", kolm_version(program));
    let preset = |id: String, label: String, extension: &str, compress: String| Preset {
        id,
        label,
        is_kolm: true,
        program: program.clone(),
        extension: extension.to_owned(),
        compress: Step { template: compress, to_stdout: true },
        decompress: Step { template: "-d -q -c {packed}".to_owned(), to_stdout: true },
        version: version.clone(),
    };
    let mut presets: Vec<Preset> = levels
        .iter()
        .map(|level| {
            preset(
                format!("kolm-{level}"),
                format!("kolm -{level}"),
                "kolm",
                format!("-{level} -T{{threads}} -q -c {{in}}"),
            )
        })
        .collect();
    if mdc {
        presets.push(preset("kolm-mdc".into(), "kolm -F mdc".into(), "mdc", "-F mdc -q -c {in}".into()));
    }
    presets
}

fn kolm_version(program: &Program) -> String {
    let version = first_line_of(program, &["--version"]);
    version.strip_prefix("kolm ").map(str::to_owned).unwrap_or(version)
}

/// A peer and whether it can run here.
pub struct PeerStatus {
    pub id: &'static str,
    pub label: &'static str,
    pub program: &'static str,
    pub found: Option<Preset>,
    pub source: Source,
}

/// Every known peer, looked up in `peer_dirs` first, then on `PATH`.
pub fn peers(peer_dirs: &[PathBuf]) -> Vec<PeerStatus> {
    PEERS
        .iter()
        .map(|spec| {
            let found = find_program(spec.program, peer_dirs).map(|path| {
                let program = Program { path, leading_args: Vec::new() };
                let version = first_line_of(&program, spec.version_args);
                Preset {
                    id: spec.id.to_owned(),
                    label: spec.label.to_owned(),
                    is_kolm: false,
                    program,
                    extension: spec.extension.to_owned(),
                    compress: Step { template: spec.compress.to_owned(), to_stdout: spec.stdout.0 },
                    decompress: Step { template: spec.decompress.to_owned(), to_stdout: spec.stdout.1 },
                    version,
                }
            });
            PeerStatus { id: spec.id, label: spec.label, program: spec.program, found, source: spec.source }
        })
        .collect()
}

/// The peers a `--peers` list names: `all` (every peer found), `none`, or a comma-separated
/// list of preset ids and program names. Naming a peer that is not installed is an error.
pub fn select_peers(list: &str, peers: Vec<PeerStatus>) -> Result<Vec<Preset>, String> {
    let wanted: Vec<&str> = list.split(',').map(str::trim).filter(|name| !name.is_empty()).collect();
    if wanted == ["none"] {
        return Ok(Vec::new());
    }
    if wanted == ["all"] {
        return Ok(peers.into_iter().filter_map(|peer| peer.found).collect());
    }
    for name in &wanted {
        if !peers.iter().any(|peer| peer.id == *name || peer.program == *name) {
            let known: Vec<&str> = peers.iter().map(|peer| peer.id).collect();
            return Err(format!("unknown peer '{name}'; known peers: {}", known.join(", ")));
        }
    }
    let mut selected = Vec::new();
    for peer in peers {
        if !wanted.iter().any(|name| peer.id == *name || peer.program == *name) {
            continue;
        }
        match peer.found {
            Some(preset) => selected.push(preset),
            None => {
                return Err(format!("peer '{}' needs the program '{}', {}", peer.id, peer.program, peer.source.hint()));
            }
        }
    }
    Ok(selected)
}

impl Source {
    /// How to get a missing program.
    pub fn hint(self) -> String {
        match self {
            Source::Debian(package) => {
                format!("which is not installed (Debian package {package}; bash bench/install-peers.sh installs it)")
            }
            Source::UserBuilt => {
                "which was not found on PATH or in a --peer-dir (build it from its public sources)".to_owned()
            }
        }
    }
}

/// The first executable file called `name` in `dirs`, then on `PATH`.
pub fn find_program(name: &str, dirs: &[PathBuf]) -> Option<PathBuf> {
    let path_dirs: Vec<PathBuf> =
        std::env::var_os("PATH").map(|paths| std::env::split_paths(&paths).collect()).unwrap_or_default();
    dirs.iter().chain(&path_dirs).map(|dir| dir.join(name)).find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata().is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// The first line mentioning a digit that `program args` prints (on either stream), which for
/// most tools is their name and version. Tools without a version flag print it in their usage
/// text when run with no arguments.
fn first_line_of(program: &Program, args: &[&str]) -> String {
    let output = tempfile::tempfile().and_then(|file| {
        let mut command = program.command();
        command.args(args).stdin(Stdio::null()).stdout(file.try_clone()?).stderr(file.try_clone()?);
        measure::run(&mut command, Duration::from_secs(10))?;
        let mut file = file;
        let mut text = String::new();
        use std::io::{Read, Seek};
        file.rewind()?;
        file.take(64 * 1024).read_to_string(&mut text).ok();
        Ok(text)
    });
    let text = output.unwrap_or_default();
    let line = text
        .lines()
        .map(|line| line.trim_matches(|c: char| c == '*' || c.is_whitespace()))
        .find(|line| line.bytes().any(|b| b.is_ascii_digit()))
        .unwrap_or("version unknown")
        .to_owned();
    line.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_peers() -> Vec<PeerStatus> {
        let program = Program { path: "/bin/true".into(), leading_args: Vec::new() };
        let found = |id: &str| {
            Some(Preset {
                id: id.to_owned(),
                label: id.to_owned(),
                is_kolm: false,
                program: program.clone(),
                extension: "x".into(),
                compress: Step { template: "-c {in}".into(), to_stdout: true },
                decompress: Step { template: "-d {packed} {restored}".into(), to_stdout: false },
                version: String::new(),
            })
        };
        vec![
            PeerStatus {
                id: "xz-6",
                label: "xz -6",
                program: "xz",
                found: found("xz-6"),
                source: Source::Debian("xz-utils"),
            },
            PeerStatus {
                id: "xz-9e",
                label: "xz -9e",
                program: "xz",
                found: found("xz-9e"),
                source: Source::Debian("xz-utils"),
            },
            PeerStatus {
                id: "zpaq-5",
                label: "zpaq -m5",
                program: "zpaq",
                found: None,
                source: Source::Debian("zpaq"),
            },
        ]
    }

    fn ids(presets: &[Preset]) -> Vec<&str> {
        presets.iter().map(|preset| preset.id.as_str()).collect()
    }

    #[test]
    fn peer_lists_select_by_id_or_program() {
        assert_eq!(ids(&select_peers("all", fake_peers()).unwrap()), ["xz-6", "xz-9e"]);
        assert!(select_peers("none", fake_peers()).unwrap().is_empty());
        assert_eq!(ids(&select_peers("xz", fake_peers()).unwrap()), ["xz-6", "xz-9e"]);
        assert_eq!(ids(&select_peers(" xz-9e ,", fake_peers()).unwrap()), ["xz-9e"]);
    }

    #[test]
    fn peer_lists_name_what_is_wrong() {
        let error = select_peers("xz,lzma", fake_peers()).unwrap_err();
        assert!(error.contains("unknown peer 'lzma'") && error.contains("xz-9e"), "{error}");
        let error = select_peers("zpaq-5", fake_peers()).unwrap_err();
        assert!(error.contains("Debian package zpaq") && error.contains("install-peers.sh"), "{error}");
    }

    #[test]
    fn templates_fill_in_the_scratch_names() {
        let preset = &fake_peers()[0].found.take().unwrap();
        assert_eq!(preset.arguments(Direction::Compress, 2), ["-c", "data"]);
        assert_eq!(preset.arguments(Direction::Decompress, 2), ["-d", "data.x", "restored/data"]);
        assert_eq!(preset.command_line(Direction::Compress, 1), "true -c data > data.x");
        assert_eq!(preset.command_line(Direction::Decompress, 1), "true -d data.x restored/data");
    }

    #[test]
    fn every_peer_has_a_unique_id_and_well_formed_templates() {
        let mut ids: Vec<&str> = PEERS.iter().map(|spec| spec.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), PEERS.len());
        for spec in PEERS {
            assert!(spec.compress.contains("{in}"), "{} compress reads no input", spec.id);
            assert!(spec.decompress.contains("{packed}"), "{} decompress reads no input", spec.id);
            assert!(spec.stdout.0 || spec.compress.contains("{packed}"), "{} compress writes nowhere", spec.id);
            assert!(spec.stdout.1 || spec.decompress.contains("{restored"), "{} decompress writes nowhere", spec.id);
        }
    }
}
