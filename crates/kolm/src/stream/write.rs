//! `Write` adapters.

use std::io::{self, Write};

use xxhash_rust::xxh64::Xxh64;

use crate::Error;
use crate::codec::BlockCoder;
use crate::frame::{self, BlockHeader, FrameHeader};
use crate::pipeline::Pipeline;
use crate::stream::Options;

/// A block coded by a worker, ready to be written.
struct CodedBlock {
    header: BlockHeader,
    payload: Vec<u8>,
}

/// Compresses what is written to it into a `.kolm` frame written to `W`.
///
/// Data is cut into blocks; full blocks are coded (on worker threads if
/// [`Options::threads`] asks for them) and written in order. Call [`Encoder::finish`] at
/// the end: it codes the last block and writes the frame's trailer. An encoder dropped
/// without `finish` leaves a truncated frame, which decoders reject.
///
/// ```
/// use std::io::Write;
/// let mut encoder = kolm::write::Encoder::new(Vec::new(), kolm::Level::FASTEST)?;
/// encoder.write_all(b"streamed ")?;
/// encoder.write_all(b"in pieces")?;
/// let packed = encoder.finish()?;
/// assert_eq!(kolm::decompress(&packed)?, b"streamed in pieces");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Encoder<W: Write> {
    inner: W,
    coder: BlockCoder,
    block_size: usize,
    block: Vec<u8>,
    pipeline: Pipeline<CodedBlock>,
    threads: usize,
    content_check: Xxh64,
    consumed: u64,
    declared: Option<u64>,
    options: Options,
}

impl<W: Write> Encoder<W> {
    /// An encoder at `level` with the other options at their defaults; writes the header.
    pub fn new(inner: W, level: crate::Level) -> Result<Self, Error> {
        Self::with_options(inner, &Options::new().level(level))
    }

    /// An encoder with the given options; writes the frame header.
    pub fn with_options(mut inner: W, options: &Options) -> Result<Self, Error> {
        let coder = BlockCoder::for_level(options.level);
        let header = FrameHeader { coder, block_log: options.block_log(), content_size: options.content_size };
        let threads = options.threads_within_limit(coder, header.block_size())?;
        inner.write_all(&header.to_bytes())?;
        let block_size = header.block_size() as usize;
        Ok(Encoder {
            inner,
            coder,
            block_size,
            block: Vec::new(),
            pipeline: Pipeline::new(threads),
            threads,
            content_check: Xxh64::new(0),
            consumed: 0,
            declared: options.content_size,
            options: options.clone(),
        })
    }

    /// Bytes given to the encoder so far.
    pub fn bytes_in(&self) -> u64 {
        self.consumed
    }

    /// Threads the encoder codes blocks on (after any memory limit).
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// The inner writer.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// The inner writer. Writing to it directly corrupts the stream.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// Codes the last block, writes the frame trailer, and returns the inner writer.
    pub fn finish(mut self) -> Result<W, Error> {
        if !self.block.is_empty() {
            self.submit_block()?;
        }
        while self.pipeline.in_flight() > 0 {
            self.write_oldest()?;
        }
        if let Some(declared) = self.declared
            && declared != self.consumed
        {
            return Err(Error::LengthMismatch { declared, actual: self.consumed });
        }
        self.inner.write_all(&[0])?;
        self.inner.write_all(&self.content_check.digest().to_le_bytes())?;
        self.inner.flush()?;
        Ok(self.inner)
    }

    fn submit_block(&mut self) -> Result<(), Error> {
        let data = std::mem::take(&mut self.block);
        let coder = self.coder;
        let mut progress = self.options.progress_reporter();
        self.pipeline.submit(move || {
            let check = frame::block_check(&data);
            let (kind, payload) = coder.encode(&data, &mut progress);
            let header = BlockHeader {
                kind,
                size: data.len() as u32,
                payload_len: payload.len() as u32,
                check,
                record_check: 0,
            };
            CodedBlock { header, payload }
        });
        while self.pipeline.in_flight() >= self.threads {
            self.write_oldest()?;
        }
        Ok(())
    }

    fn write_oldest(&mut self) -> Result<(), Error> {
        let block = self.pipeline.next().expect("a block is in flight");
        self.inner.write_all(&block.header.to_bytes(&block.payload))?;
        self.inner.write_all(&block.payload)?;
        Ok(())
    }
}

impl<W: Write> Write for Encoder<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(declared) = self.declared
            && self.consumed + buf.len() as u64 > declared
        {
            return Err(Error::LengthMismatch { declared, actual: self.consumed + buf.len() as u64 }.into());
        }
        let take = buf.len().min(self.block_size - self.block.len());
        if self.block.capacity() == 0 {
            self.block.reserve_exact(self.block_size.min(buf.len().max(1 << 16)));
        }
        self.block.extend_from_slice(&buf[..take]);
        self.content_check.update(&buf[..take]);
        self.consumed += take as u64;
        if self.block.len() == self.block_size {
            self.submit_block()?;
        }
        Ok(take)
    }

    /// Passes on the blocks coded so far. Bytes of an incomplete block stay buffered: a
    /// block is coded only once full, or at `finish`.
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
