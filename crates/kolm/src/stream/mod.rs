//! Reading and writing `.kolm` streams: one-shot functions, and `Read`/`Write` adapters.
//!
//! Both adapters cut the data into blocks and hand each block to a [`Pipeline`] job: the
//! encoder's job codes a block and computes its check, the decoder's job decodes a block
//! and verifies its check. The frame structure (headers, block records, trailer, content
//! check) is read and written in order on the caller's thread, so the bytes of a stream
//! never depend on the number of threads.
//!
//! [`Pipeline`]: crate::pipeline::Pipeline

pub mod read;
pub mod write;

use std::io::{Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::Error;
use crate::codec::BlockCoder;
use crate::frame::{MAX_BLOCK_LOG, MIN_BLOCK_LOG};
use crate::level::Level;

/// Settings for compression and decompression.
///
/// Built by chaining: `Options::new().level(Level::BEST).threads(0)`. Decoders use only
/// [`threads`](Options::threads), [`memory_limit`](Options::memory_limit) and
/// [`progress`](Options::progress); everything else is read from the stream.
///
/// ```
/// use kolm::{Level, Options};
/// let options = Options::new().level(Level::FASTEST).threads(2).block_size(1 << 16);
/// let packed = kolm::compress_with(&[7u8; 200_000], &options)?;
/// assert_eq!(kolm::inspect(&packed[..])?[0].blocks.len(), 4);
/// # Ok::<(), kolm::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Options {
    level: Level,
    threads: usize,
    block_log: Option<u8>,
    memory_limit: Option<u64>,
    content_size: Option<u64>,
    progress: Option<Arc<AtomicU64>>,
}

impl Options {
    /// The defaults: [`Level::DEFAULT`], one thread, the level's block size, no memory limit.
    pub fn new() -> Self {
        Options {
            level: Level::DEFAULT,
            threads: 1,
            block_log: None,
            memory_limit: None,
            content_size: None,
            progress: None,
        }
    }

    /// The compression level.
    pub fn level(mut self, level: Level) -> Self {
        self.level = level;
        self
    }

    /// Threads to code blocks on; 0 means one per available core. The output does not
    /// depend on it.
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// The largest block, in bytes: rounded up to a power of two between 64 KiB and 1 GiB.
    /// Smaller blocks let more threads work on a file and need less memory; larger blocks
    /// give the model more context. The default depends on the level.
    pub fn block_size(mut self, bytes: u64) -> Self {
        let log = bytes.max(1).next_power_of_two().trailing_zeros();
        self.block_log = Some((log as u8).clamp(MIN_BLOCK_LOG, MAX_BLOCK_LOG));
        self
    }

    /// The most memory the work may use, in bytes. Fewer threads are used if that fits the
    /// limit; if even one thread does not fit, the operation fails with
    /// [`Error::MemoryLimit`] before doing anything.
    pub fn memory_limit(mut self, bytes: u64) -> Self {
        self.memory_limit = Some(bytes);
        self
    }

    /// Records the input's length in the frame header (shown by `kolm --list`). The encoder
    /// then fails at [`finish`](write::Encoder::finish) if it was given another number of bytes.
    pub fn content_size(mut self, bytes: u64) -> Self {
        self.content_size = Some(bytes);
        self
    }

    /// A counter the coder advances by the number of bytes it has compressed or produced,
    /// as it goes (for progress bars).
    pub fn progress(mut self, counter: Arc<AtomicU64>) -> Self {
        self.progress = Some(counter);
        self
    }

    /// The block size exponent: as set, or the level's, lowered for an input known to be
    /// smaller (the same blocks, but the header then states what decoding really needs, which
    /// memory limits are checked against).
    pub(crate) fn block_log(&self) -> u8 {
        self.block_log.unwrap_or_else(|| {
            let default = self.level.default_block_log();
            match self.content_size {
                Some(bytes) => default.min(bytes.next_power_of_two().ilog2().max(MIN_BLOCK_LOG.into()) as u8),
                None => default,
            }
        })
    }

    /// The threads asked for, with 0 resolved to the number of cores.
    pub(crate) fn resolved_threads(&self) -> usize {
        match self.threads {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n,
        }
    }

    /// Threads to use for blocks of `block_size` bytes coded by `coder`, within the limit.
    pub(crate) fn threads_within_limit(&self, coder: BlockCoder, block_size: u64) -> Result<usize, Error> {
        let wanted = self.resolved_threads();
        let Some(limit) = self.memory_limit else { return Ok(wanted) };
        let needed = coder.memory_per_thread(block_size);
        match limit / needed {
            0 => Err(Error::MemoryLimit { needed, limit }),
            fit => Ok(wanted.min(fit as usize)),
        }
    }

    /// A callback adding to the progress counter, if there is one.
    pub(crate) fn progress_reporter(&self) -> impl FnMut(u64) + Send + 'static {
        let counter = self.progress.clone();
        move |bytes| {
            if let Some(counter) = &counter {
                counter.fetch_add(bytes, Ordering::Relaxed);
            }
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Options::new()
    }
}

/// Compresses `data` into one `.kolm` frame at `level`.
///
/// ```
/// let packed = kolm::compress(b"hello hello hello hello", kolm::Level::DEFAULT);
/// assert_eq!(kolm::decompress(&packed)?, b"hello hello hello hello");
/// # Ok::<(), kolm::Error>(())
/// ```
pub fn compress(data: &[u8], level: Level) -> Vec<u8> {
    compress_with(data, &Options::new().level(level)).expect("writing to memory with no limit cannot fail")
}

/// Compresses `data` with the given options.
pub fn compress_with(data: &[u8], options: &Options) -> Result<Vec<u8>, Error> {
    let options = options.clone().content_size(data.len() as u64);
    let mut encoder = write::Encoder::with_options(Vec::with_capacity(data.len() / 3 + 64), &options)?;
    encoder.write_all(data)?;
    encoder.finish()
}

/// Decompresses a `.kolm` stream (one frame or several, concatenated), verifying every check.
///
/// ```
/// let mut two = kolm::compress(b"first ", kolm::Level::FASTEST);
/// two.extend(kolm::compress(b"second", kolm::Level::DEFAULT));
/// assert_eq!(kolm::decompress(&two)?, b"first second");
/// # Ok::<(), kolm::Error>(())
/// ```
pub fn decompress(data: &[u8]) -> Result<Vec<u8>, Error> {
    decompress_with(data, &Options::new())
}

/// Decompresses with the given options (threads, memory limit, progress).
///
/// ```
/// let packed = kolm::compress(b"limited", kolm::Level::new(5).unwrap());
/// let tight = kolm::Options::new().memory_limit(64 << 20);
/// assert!(matches!(kolm::decompress_with(&packed, &tight), Err(kolm::Error::MemoryLimit { .. })));
/// let roomy = kolm::Options::new().memory_limit(1 << 30).threads(2);
/// assert_eq!(kolm::decompress_with(&packed, &roomy)?, b"limited");
/// # Ok::<(), kolm::Error>(())
/// ```
pub fn decompress_with(data: &[u8], options: &Options) -> Result<Vec<u8>, Error> {
    let mut decoder = read::Decoder::with_options(data, options)?;
    let mut output = Vec::new();
    decoder.read_to_end(&mut output).map_err(Error::from_io)?;
    Ok(output)
}
