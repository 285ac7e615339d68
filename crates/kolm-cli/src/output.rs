//! Output files that appear only when complete.
//!
//! Results are written to a hidden temporary file in the target's directory, flushed to
//! disk, given the source's permissions and modification time, and renamed into place:
//! a crash, an error or Ctrl-C never leaves a partial file under the real name. Without
//! `-f` the final rename refuses to replace a file, even one created while kolm worked.
//!
//! The path of the temporary file being written is registered so the Ctrl-C handler can
//! delete it before the process exits.

use std::fs::{self, File, Metadata};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result, bail};
use tempfile::NamedTempFile;

/// The temporary file being written, for the interrupt handler.
static IN_PROGRESS: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Deletes the temporary file being written, if any. Called on Ctrl-C.
pub(crate) fn remove_in_progress() {
    let path = IN_PROGRESS.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
    if let Some(path) = path {
        let _ = fs::remove_file(path);
    }
}

fn register(path: Option<PathBuf>) {
    *IN_PROGRESS.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = path;
}

/// Keeps a temporary file registered for the interrupt handler while it lives.
struct Registration;

impl Registration {
    fn new(path: &Path) -> Self {
        register(Some(path.to_owned()));
        Registration
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        register(None);
    }
}

/// A file being written under a temporary name, renamed to `target` by [`SafeFile::commit`].
/// Dropping it without committing deletes it.
pub(crate) struct SafeFile {
    writer: BufWriter<NamedTempFile>,
    target: PathBuf,
    _registration: Registration,
}

impl SafeFile {
    /// Prepares to write `target`, failing early if it exists and `overwrite` is false.
    pub(crate) fn create(target: &Path, overwrite: bool) -> Result<Self> {
        if !overwrite && fs::symlink_metadata(target).is_ok() {
            bail!("{} already exists; use -f to overwrite it", target.display());
        }
        let dir = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let temp = tempfile::Builder::new()
            .prefix(".kolm-")
            .suffix(".tmp")
            .tempfile_in(dir)
            .with_context(|| format!("cannot create a file in {}", dir.display()))?;
        let registration = Registration::new(temp.path());
        Ok(SafeFile {
            writer: BufWriter::with_capacity(1 << 16, temp),
            target: target.to_owned(),
            _registration: registration,
        })
    }

    /// Flushes the data to disk, copies `source`'s permissions and times, and moves the
    /// file to its real name.
    pub(crate) fn commit(self, source: Option<&Metadata>, overwrite: bool) -> Result<()> {
        let target = self.target;
        let temp = self.writer.into_inner().map_err(|e| e.into_error()).context("cannot write the output")?;
        temp.as_file().sync_all().context("cannot flush the output to disk")?;
        if let Some(source) = source {
            copy_metadata(temp.as_file(), source)?;
        }
        let persisted = if overwrite { temp.persist(&target) } else { temp.persist_noclobber(&target) };
        persisted.map_err(|e| {
            if e.error.kind() == io::ErrorKind::AlreadyExists {
                anyhow::anyhow!("{} already exists; use -f to overwrite it", target.display())
            } else {
                anyhow::Error::new(e.error).context(format!("cannot create {}", target.display()))
            }
        })?;
        Ok(())
    }
}

impl Write for SafeFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

fn copy_metadata(file: &File, source: &Metadata) -> Result<()> {
    file.set_permissions(source.permissions()).context("cannot copy the source's permissions")?;
    let mut times = fs::FileTimes::new();
    if let Ok(modified) = source.modified() {
        times = times.set_modified(modified);
    }
    if let Ok(accessed) = source.accessed() {
        times = times.set_accessed(accessed);
    }
    file.set_times(times).context("cannot copy the source's modification time")
}
