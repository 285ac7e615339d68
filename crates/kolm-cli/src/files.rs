//! What kolm does with each file: choose the output name, refuse what would lose or
//! garble data, code the bytes, and tidy up.
//!
//! Every input is handled on its own: a failure is reported with the file's name and the
//! next file is processed; the exit status is the worst seen (1 for an error, 2 for a
//! skipped file, 0 otherwise). Decompression recognises the format from the first bytes.

use std::fs::{self, File, Metadata};
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use anyhow::{Context, Result, bail};
use kolm::mdc7;

use crate::args::Format;
use crate::output::SafeFile;
use crate::progress::Progress;

/// Suffixes of the formats kolm reads.
const KNOWN_SUFFIXES: [&str; 2] = [".kolm", ".mdc"];

/// Bytes moved between reader and coder at a time.
const CHUNK: usize = 64 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Compress,
    Decompress,
    Test,
}

pub(crate) struct Settings {
    pub(crate) mode: Mode,
    pub(crate) format: Format,
    /// Level, threads, block size and memory limit for the codecs.
    pub(crate) options: kolm::Options,
    pub(crate) memory_limit: Option<u64>,
    pub(crate) to_stdout: bool,
    pub(crate) output: Option<PathBuf>,
    pub(crate) force: bool,
    pub(crate) remove_source: bool,
    /// 0: errors only, 1: warnings too (the default), 2: a summary per file.
    pub(crate) verbosity: i32,
    pub(crate) progress: bool,
}

/// How a run went, from best to worst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Status {
    Success,
    Warning,
    Error,
}

impl Status {
    pub(crate) fn worst(self, other: Status) -> Status {
        self.max(other)
    }

    /// The process exit code: 0, 2 for a warning, 1 for an error (as xz and gzip do).
    pub(crate) fn exit_code(self) -> u8 {
        match self {
            Status::Success => 0,
            Status::Warning => 2,
            Status::Error => 1,
        }
    }
}

pub(crate) enum Input {
    Stdin,
    File(PathBuf),
}

impl Input {
    pub(crate) fn from_args(files: &[PathBuf]) -> Vec<Input> {
        if files.is_empty() {
            return vec![Input::Stdin];
        }
        files.iter().map(|f| if f.as_os_str() == "-" { Input::Stdin } else { Input::File(f.clone()) }).collect()
    }

    pub(crate) fn name(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".to_owned(),
            Input::File(path) => path.display().to_string(),
        }
    }

    /// Opens the input, with a file's metadata. Compressed data is refused from a terminal
    /// unless forced.
    pub(crate) fn open(&self, compressed: bool, force: bool) -> Result<(Box<dyn Read>, Option<Metadata>)> {
        match self {
            Input::Stdin => {
                if compressed && io::stdin().is_terminal() && !force {
                    bail!("refusing to read compressed data from a terminal; redirect the input, or use -f");
                }
                Ok((Box::new(io::stdin().lock()), None))
            }
            Input::File(path) => {
                let metadata = fs::metadata(path)?;
                if metadata.is_dir() {
                    bail!("is a directory");
                }
                if !metadata.is_file() && !force {
                    bail!("is not a regular file; use -f to read it anyway");
                }
                Ok((Box::new(File::open(path)?), Some(metadata)))
            }
        }
    }
}

enum Destination {
    Stdout,
    File(PathBuf),
    Discard,
}

/// Why a file was left alone (a warning, not an error).
struct Skip(String);

/// Processes every input and returns the exit status.
pub(crate) fn run(settings: &Settings, files: &[PathBuf]) -> Status {
    let inputs = Input::from_args(files);
    if let Err(message) = check_combination(settings, &inputs) {
        report(settings.verbosity, Status::Error, &message);
        return Status::Error;
    }
    let mut status = Status::Success;
    for input in &inputs {
        match process(settings, input) {
            Ok(None) => {}
            Ok(Some(Skip(reason))) => {
                report(settings.verbosity, Status::Warning, &format!("{}: {reason}", input.name()));
                status = status.worst(Status::Warning);
            }
            Err(error) if is_broken_pipe(&error) => return status,
            Err(error) => {
                report(settings.verbosity, Status::Error, &format!("{}: {error:#}", input.name()));
                status = status.worst(Status::Error);
            }
        }
    }
    status
}

fn check_combination(settings: &Settings, inputs: &[Input]) -> Result<(), String> {
    if settings.output.is_some() && inputs.len() > 1 {
        return Err("-o names one output file, but several inputs were given".to_owned());
    }
    if inputs.iter().filter(|i| matches!(i, Input::Stdin)).count() > 1 {
        return Err("standard input can be read only once".to_owned());
    }
    let to_stdout = settings.to_stdout || inputs.iter().any(|i| matches!(i, Input::Stdin));
    if settings.mode == Mode::Compress && settings.format == Format::Mdc && to_stdout && inputs.len() > 1 {
        return Err(
            "MDC7 streams cannot be concatenated (they have no end marker): compress one input at a time".to_owned()
        );
    }
    Ok(())
}

/// Prints `message` if the verbosity allows messages of this kind.
pub(crate) fn report(verbosity: i32, kind: Status, message: &str) {
    let needed = match kind {
        Status::Error => 0,
        Status::Warning => 1,
        Status::Success => 2,
    };
    if verbosity >= needed {
        eprintln!("kolm: {message}");
    }
}

pub(crate) fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| cause.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe))
}

fn destination(settings: &Settings, input: &Input) -> Result<Destination, Skip> {
    if settings.mode == Mode::Test {
        return Ok(Destination::Discard);
    }
    if let Some(output) = &settings.output {
        return Ok(if output.as_os_str() == "-" { Destination::Stdout } else { Destination::File(output.clone()) });
    }
    let path = match input {
        _ if settings.to_stdout => return Ok(Destination::Stdout),
        Input::Stdin => return Ok(Destination::Stdout),
        Input::File(path) => path,
    };
    let name = path.as_os_str().to_string_lossy();
    let known_suffix = KNOWN_SUFFIXES.iter().find(|suffix| name.len() > suffix.len() && name.ends_with(*suffix));
    match (settings.mode, known_suffix) {
        (Mode::Compress, Some(suffix)) => Err(Skip(format!("already has the {suffix} suffix; skipped"))),
        (Mode::Compress, None) => {
            let mut target = path.clone().into_os_string();
            target.push(settings.format.suffix());
            Ok(Destination::File(target.into()))
        }
        (_, Some(suffix)) => Ok(Destination::File(PathBuf::from(&name[..name.len() - suffix.len()]))),
        (_, None) => Err(Skip(format!(
            "unknown suffix (expected {}); skipped. Use -c or -o to decompress it anyway",
            KNOWN_SUFFIXES.join(" or ")
        ))),
    }
}

/// Where the result goes while it is being written.
enum Sink {
    File(SafeFile),
    Stdout(BufWriter<io::StdoutLock<'static>>),
    Discard(io::Sink),
}

impl Sink {
    fn writer(&mut self) -> &mut dyn Write {
        match self {
            Sink::File(file) => file,
            Sink::Stdout(stdout) => stdout,
            Sink::Discard(sink) => sink,
        }
    }

    fn finish(self, source: Option<&Metadata>, overwrite: bool) -> Result<()> {
        match self {
            Sink::File(file) => file.commit(source, overwrite),
            Sink::Stdout(mut stdout) => Ok(stdout.flush()?),
            Sink::Discard(_) => Ok(()),
        }
    }
}

/// Counts what passes through a writer.
struct Counting<W> {
    inner: W,
    count: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn process(settings: &Settings, input: &Input) -> Result<Option<Skip>> {
    let compressing = settings.mode == Mode::Compress;
    let (reader, metadata) = input.open(!compressing, settings.force)?;
    let destination = match destination(settings, input) {
        Ok(destination) => destination,
        Err(skip) => return Ok(Some(skip)),
    };
    if let (Input::File(source), Destination::File(target)) = (input, &destination) {
        refuse_same_file(source, target)?;
    }
    let mut sink = match &destination {
        Destination::File(target) => Sink::File(SafeFile::create(target, settings.force)?),
        Destination::Stdout => {
            if compressing && io::stdout().is_terminal() && !settings.force {
                bail!("refusing to write compressed data to a terminal; redirect the output, or use -f");
            }
            Sink::Stdout(BufWriter::with_capacity(1 << 16, io::stdout().lock()))
        }
        Destination::Discard => Sink::Discard(io::sink()),
    };
    let label = match input {
        Input::Stdin => "<stdin>".to_owned(),
        Input::File(path) => path.file_name().map_or_else(|| input.name(), |n| n.to_string_lossy().into_owned()),
    };
    let mut counted = Counting { inner: sink.writer(), count: 0 };
    let (bytes_in, format) = if compressing {
        let len = metadata.as_ref().map(Metadata::len);
        (compress(settings, reader, len, &mut counted, &label)?, settings.format)
    } else {
        decompress(settings, reader, &mut counted, &label)?
    };
    let bytes_out = counted.count;
    sink.finish(metadata.as_ref(), settings.force)?;

    if let (Input::File(source), Destination::File(_)) = (input, &destination)
        && settings.remove_source
    {
        fs::remove_file(source)
            .with_context(|| format!("the output is complete, but cannot remove {}", source.display()))?;
    }
    let summary = summary(settings.mode, format, input, &destination, bytes_in, bytes_out);
    report(settings.verbosity, Status::Success, &summary);
    Ok(None)
}

fn refuse_same_file(source: &Path, target: &Path) -> Result<()> {
    if let (Ok(a), Ok(b)) = (fs::canonicalize(source), fs::canonicalize(target))
        && a == b
    {
        bail!("refusing to overwrite the input file with its own output");
    }
    Ok(())
}

/// Fails if MDC7 would need more memory than the limit for `content_len` bytes.
fn check_mdc7_memory(memory_limit: Option<u64>, content_len: u64) -> Result<()> {
    let needed = mdc7::memory_needed(content_len);
    if let Some(limit) = memory_limit
        && needed > limit
    {
        return Err(kolm::Error::MemoryLimit { needed, limit }.into());
    }
    Ok(())
}

/// Copies `reader` into `writer` in chunks, reporting each chunk to `progress` if given.
fn pump(reader: &mut dyn Read, writer: &mut dyn Write, progress: Option<&Progress>) -> Result<u64> {
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(describe_read_error(e)),
        };
        writer.write_all(&buf[..n]).map_err(|e| match kolm::Error::from_io(e) {
            kolm::Error::Io(e) => anyhow::Error::new(e),
            coding => coding.into(),
        })?;
        total += n as u64;
        if let Some(progress) = progress {
            progress.advance(n);
        }
    }
}

/// A read error, unwrapped from `io::Error` when it is a decoding error.
fn describe_read_error(error: io::Error) -> anyhow::Error {
    match kolm::Error::from_io(error) {
        kolm::Error::Io(e) => anyhow::Error::new(e).context("cannot read the input"),
        decoding => describe_format_error(decoding),
    }
}

/// Compresses everything `reader` yields; returns the number of bytes read.
fn compress(
    settings: &Settings,
    reader: Box<dyn Read>,
    len: Option<u64>,
    out: &mut dyn Write,
    label: &str,
) -> Result<u64> {
    let result = match settings.format {
        Format::Kolm => {
            let progress = Progress::new(settings.progress, label, len);
            let mut options = settings.options.clone().progress(progress.counter());
            if let Some(len) = len {
                options = options.content_size(len);
            }
            let mut encoder = kolm::write::Encoder::with_options(out, &options)?;
            pump(&mut BufReader::with_capacity(CHUNK, reader), &mut encoder, None)
                .and_then(|consumed| Ok(encoder.finish().map(|_| consumed)?))
        }
        Format::Mdc => {
            // MDC7 writes the length first: a stream of unknown length is read whole.
            let (len, mut reader): (u64, Box<dyn Read>) = match len {
                Some(len) => (len, Box::new(BufReader::with_capacity(CHUNK, reader))),
                None => {
                    let mut data = Vec::new();
                    let mut reader = reader;
                    reader.read_to_end(&mut data).context("cannot read the input")?;
                    (data.len() as u64, Box::new(io::Cursor::new(data)))
                }
            };
            check_mdc7_memory(settings.memory_limit, len)?;
            let progress = Progress::new(settings.progress, label, Some(len));
            let mut encoder = mdc7::Encoder::new(out, len)?;
            pump(&mut reader, &mut encoder, Some(&progress))
                .and_then(|consumed| Ok(encoder.finish().map(|_| consumed)?))
        }
    };
    result.map_err(|error| {
        let resized = error
            .chain()
            .any(|cause| matches!(cause.downcast_ref::<kolm::Error>(), Some(kolm::Error::LengthMismatch { .. })));
        if resized { anyhow::anyhow!("the input changed size while it was being compressed") } else { error }
    })
}

/// Decompresses `reader` into `out`, recognising the format; returns the number of
/// compressed bytes read and the format.
fn decompress(settings: &Settings, reader: Box<dyn Read>, out: &mut dyn Write, label: &str) -> Result<(u64, Format)> {
    let mut counted = CountingReader { inner: BufReader::with_capacity(CHUNK, reader), count: 0 };
    let format = sniff(&mut counted.inner)?;
    match format {
        Format::Kolm => {
            let counter = Arc::new(AtomicU64::new(0));
            let options = settings.options.clone().progress(Arc::clone(&counter));
            let mut decoder =
                kolm::read::Decoder::with_options(&mut counted, &options).map_err(describe_format_error)?;
            let _progress = Progress::watching(counter, settings.progress, label, decoder.content_size());
            pump(&mut decoder, out, None)?;
        }
        Format::Mdc => {
            let mut decoder = mdc7::Decoder::new(&mut counted).map_err(describe_format_error)?;
            check_mdc7_memory(settings.memory_limit, decoder.content_len())?;
            let progress = Progress::new(settings.progress, label, Some(decoder.content_len()));
            pump(&mut decoder, out, Some(&progress))?;
        }
    }
    Ok((counted.count, format))
}

/// The format of a compressed stream, from its first bytes (left in the reader).
pub(crate) fn sniff(reader: &mut impl BufRead) -> Result<Format> {
    let head = reader.fill_buf().context("cannot read the input")?;
    // A pipe may deliver fewer than four bytes at first: match what is there.
    let starts = |magic: &[u8]| !head.is_empty() && magic.starts_with(&head[..head.len().min(magic.len())]);
    if starts(&kolm::MAGIC) {
        Ok(Format::Kolm)
    } else if starts(&mdc7::MAGIC) {
        Ok(Format::Mdc)
    } else {
        Err(describe_format_error(kolm::Error::BadMagic { format: "", found: head[..head.len().min(4)].to_vec() }))
    }
}

fn describe_format_error(error: kolm::Error) -> anyhow::Error {
    match error {
        kolm::Error::BadMagic { found, .. } => {
            let hex: Vec<String> = found.iter().map(|b| format!("{b:02x}")).collect();
            anyhow::anyhow!(
                "not in a format kolm reads (it starts with {}; .kolm files start with 89 4b 4c 4d, MDC7 files with \"MDC7\")",
                if hex.is_empty() { "nothing: it is empty".to_owned() } else { format!("bytes {}", hex.join(" ")) }
            )
        }
        other => other.into(),
    }
}

struct CountingReader<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for CountingReader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.count += amount as u64;
        self.inner.consume(amount);
    }
}

fn summary(
    mode: Mode,
    format: Format,
    input: &Input,
    destination: &Destination,
    bytes_in: u64,
    bytes_out: u64,
) -> String {
    let name = input.name();
    let target = match destination {
        Destination::Stdout => "<stdout>".to_owned(),
        Destination::File(path) => path.display().to_string(),
        Destination::Discard => String::new(),
    };
    match mode {
        Mode::Compress => {
            let percent = if bytes_in == 0 { 0.0 } else { 100.0 * bytes_out as f64 / bytes_in as f64 };
            let bpb = if bytes_in == 0 { 0.0 } else { 8.0 * bytes_out as f64 / bytes_in as f64 };
            format!("{name}: {percent:.2}% ({bytes_in} => {bytes_out} bytes, {bpb:.3} bits/byte, {target})")
        }
        Mode::Decompress => format!("{name}: {bytes_in} => {bytes_out} bytes ({target}, {})", format.name()),
        Mode::Test => format!("{name}: OK ({bytes_in} => {bytes_out} bytes, {})", format.name()),
    }
}
