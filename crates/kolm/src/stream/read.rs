//! `Read` adapters.

use std::io::{self, BufRead, Read};

use xxhash_rust::xxh64::Xxh64;

use crate::Error;
use crate::frame::{self, Counting, FrameHeader, Record};
use crate::pipeline::Pipeline;
use crate::stream::Options;

/// The frame being read.
struct Frame {
    header: FrameHeader,
    /// Blocks read so far (their index for messages).
    blocks_read: u64,
    /// Blocks may be decoded ahead, up to this many at once (a memory limit may lower it).
    threads: usize,
    content_check: Xxh64,
    produced: u64,
    /// The trailer's check, once the trailer has been read.
    trailer: Option<u64>,
}

/// Decompresses a `.kolm` stream read from `R`, as an [`io::Read`].
///
/// Concatenated frames are read as one stream, as zstd and xz do; anything after the last
/// frame that is not another frame is an error. Every block's check is verified before its
/// bytes are returned, and each frame's content check and declared size at its end. The
/// decoder reads exactly the stream's bytes from `R` (nothing beyond a frame when
/// [`Decoder::single_frame`] is set).
///
/// Errors come back as [`io::Error`]s wrapping a [`crate::Error`]; recover it with
/// [`Error::from_io`]. After an error the decoder is unusable.
///
/// ```
/// use std::io::Read;
/// let packed = kolm::compress(b"read me back", kolm::Level::FASTEST);
/// let mut decoder = kolm::read::Decoder::new(&packed[..])?;
/// let mut text = String::new();
/// decoder.read_to_string(&mut text)?;
/// assert_eq!(text, "read me back");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Decoder<R: BufRead> {
    inner: Counting<R>,
    options: Options,
    pipeline: Pipeline<Result<Vec<u8>, Error>>,
    frame: Option<Frame>,
    frames_done: u64,
    output: Vec<u8>,
    output_pos: usize,
    single_frame: bool,
    failed: bool,
}

impl<R: BufRead> Decoder<R> {
    /// Reads the first frame's header and prepares to decode with default options.
    pub fn new(inner: R) -> Result<Self, Error> {
        Self::with_options(inner, &Options::new())
    }

    /// Reads the first frame's header and prepares to decode with the given threads,
    /// memory limit and progress counter.
    pub fn with_options(inner: R, options: &Options) -> Result<Self, Error> {
        let mut decoder = Decoder {
            inner: Counting { inner, count: 0 },
            options: options.clone(),
            pipeline: Pipeline::new(options.resolved_threads()),
            frame: None,
            frames_done: 0,
            output: Vec::new(),
            output_pos: 0,
            single_frame: false,
            failed: false,
        };
        decoder.start_frame()?;
        Ok(decoder)
    }

    /// Stops after the first frame instead of reading concatenated ones, leaving whatever
    /// follows it unread in the inner reader.
    ///
    /// ```
    /// use std::io::Read;
    /// let mut stream = kolm::compress(b"frame one", kolm::Level::FASTEST);
    /// stream.extend_from_slice(b"not kolm data");
    /// let mut rest = &stream[..];
    /// let mut first = String::new();
    /// kolm::read::Decoder::new(&mut rest)?.single_frame().read_to_string(&mut first)?;
    /// assert_eq!((first.as_str(), rest), ("frame one", &b"not kolm data"[..]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn single_frame(mut self) -> Self {
        self.single_frame = true;
        self
    }

    /// The original size the current frame's header declares, if the encoder recorded it.
    pub fn content_size(&self) -> Option<u64> {
        self.frame.as_ref().and_then(|f| f.header.content_size)
    }

    /// Compressed bytes read from the inner reader so far.
    pub fn bytes_in(&self) -> u64 {
        self.inner.count
    }

    /// The inner reader.
    pub fn get_ref(&self) -> &R {
        &self.inner.inner
    }

    /// Starts the next frame; `false` at a clean end of the stream.
    fn start_frame(&mut self) -> Result<bool, Error> {
        let first = self.frames_done == 0;
        let offset = self.inner.count;
        let Some(header) = frame::read_frame_start(&mut self.inner, first, offset)? else {
            return Ok(false);
        };
        let threads = self.options.threads_within_limit(header.coder, header.block_size())?;
        self.frame =
            Some(Frame { header, blocks_read: 0, threads, content_check: Xxh64::new(0), produced: 0, trailer: None });
        Ok(true)
    }

    /// Reads block records and queues their decoding until enough are in flight or the
    /// frame's trailer is reached.
    fn read_ahead(&mut self) -> Result<(), Error> {
        let frame = self.frame.as_mut().expect("a frame is open");
        while frame.trailer.is_none() && self.pipeline.in_flight() < frame.threads {
            let index = frame.blocks_read;
            match frame::read_record(&mut self.inner, frame.header.block_size(), index)? {
                Record::End { content_check } => frame.trailer = Some(content_check),
                Record::Block(block) => {
                    let mut payload = Vec::new();
                    (&mut self.inner).take(u64::from(block.payload_len)).read_to_end(&mut payload)?;
                    if payload.len() != block.payload_len as usize {
                        return Err(Error::Corrupt(format!("the stream ends inside block {index}")));
                    }
                    block.verify_record(&payload, index)?;
                    let coder = frame.header.coder;
                    let mut progress = self.options.progress_reporter();
                    self.pipeline.submit(move || {
                        let data = coder.decode(block.kind, &payload, block.size as usize, &mut progress).map_err(
                            |e| match e {
                                Error::Corrupt(message) => Error::Corrupt(format!("block {index}: {message}")),
                                other => other,
                            },
                        )?;
                        // The record was intact, so a mismatch here means the codec decoded
                        // it differently from how it was encoded.
                        if frame::block_check(&data) != block.check {
                            return Err(Error::ChecksumMismatch { block: Some(index) });
                        }
                        Ok(data)
                    });
                    frame.blocks_read += 1;
                }
            }
        }
        Ok(())
    }

    /// Makes the next decoded bytes available in `output`; `false` at the end of the stream.
    fn refill(&mut self) -> Result<bool, Error> {
        loop {
            if self.frame.is_none() && (self.single_frame && self.frames_done > 0 || !self.start_frame()?) {
                return Ok(false);
            }
            self.read_ahead()?;
            let frame = self.frame.as_mut().expect("a frame is open");
            if let Some(data) = self.pipeline.next() {
                let data = data?;
                frame.content_check.update(&data);
                frame.produced += data.len() as u64;
                self.output = data;
                self.output_pos = 0;
                return Ok(true);
            }
            let trailer = frame.trailer.expect("nothing in flight and the frame read to its end");
            if frame.content_check.digest() != trailer {
                return Err(Error::ChecksumMismatch { block: None });
            }
            if let Some(declared) = frame.header.content_size
                && declared != frame.produced
            {
                return Err(Error::Corrupt(format!(
                    "the frame declares {declared} bytes but its blocks hold {}",
                    frame.produced
                )));
            }
            self.frame = None;
            self.frames_done += 1;
        }
    }
}

impl<R: BufRead> Read for Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.failed {
            return Err(io::Error::other("an earlier error left the decoder unusable"));
        }
        if self.output_pos == self.output.len() {
            match self.refill() {
                Ok(true) => {}
                Ok(false) => return Ok(0),
                Err(error) => {
                    self.failed = true;
                    return Err(error.into());
                }
            }
        }
        let n = buf.len().min(self.output.len() - self.output_pos);
        buf[..n].copy_from_slice(&self.output[self.output_pos..self.output_pos + n]);
        self.output_pos += n;
        Ok(n)
    }
}
