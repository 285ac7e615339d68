//! A byte-exact reproduction of the Midicoth compressor, format MDC7.
//!
//! Midicoth (Roberto Tacconelli, 2026; Apache-2.0) codes each byte as one 256-way symbol.
//! Its model is a pipeline of fixed-formula stages:
//!
//! 1. `ppm`: PPM over orders 0–4 with method-C escapes and full exclusion;
//! 2. `matcher`: the continuation of the most recent long repeat (contexts of 4–16 bytes);
//! 3. `word`: completion of the current word from a trie, or the next word's first letter;
//! 4. `highctx`: byte counts after contexts of 5–8 bytes;
//! 5. `tweedie`: a three-step binary-tree calibration with James–Stein shrinkage,
//!
//! mixed linearly in `predictor` and coded by a 32-bit arithmetic `coder`. Everything is
//! `f64`, and the output depends on every rounding: this module performs the same
//! operations in the same order as the reference program compiled without floating-point
//! contraction (`-ffp-contract=off`), and writes exactly the bytes it writes. The golden
//! files in `testdata/mdc7/` come from that program.
//!
//! # Format
//!
//! | bytes | content |
//! |---|---|
//! | 0–3 | `MDC7` |
//! | 4–11 | original length, unsigned 64-bit little-endian |
//! | 12– | arithmetic-coded payload (absent for an empty input) |
//!
//! There is no checksum: a damaged payload decodes to wrong bytes without an error. The one
//! thing a decoder can detect is a stream that ends before the symbols its header claims
//! (reported as "truncated or corrupt"). Use the `.kolm` format to have damage detected.
//!
//! # Stages
//!
//! [`Stages`] switches the match, word, high-order and Tweedie stages off for ablation
//! studies. The header does not record them, so a stream written with some stages off is
//! readable only by a decoder given the same stages; the reference program always uses all.
//!
//! # Example
//!
//! ```
//! let text = b"so she went on, half hoping that she would not be heard";
//! let packed = kolm::mdc7::compress(text)?;
//! assert_eq!(&packed[..4], b"MDC7");
//! assert_eq!(kolm::mdc7::decompress(&packed)?, text);
//! # Ok::<(), kolm::Error>(())
//! ```

mod coder;
mod fastmath;
mod highctx;
mod matcher;
mod ppm;
mod predictor;
mod table;
mod tweedie;
mod word;

use std::io::{self, Read, Write};

use crate::Error;
use coder::{ByteSource, DecodeError};
use predictor::Predictor;
pub(crate) use predictor::clamp_normalize;

/// The four bytes every MDC7 stream starts with.
pub const MAGIC: [u8; 4] = *b"MDC7";

/// Length of the MDC7 header: magic and original length.
pub const HEADER_LEN: usize = 12;

/// The largest input MDC7 handles: the reference indexes its history with a C `int`.
pub const MAX_CONTENT_LEN: u64 = i32::MAX as u64;

/// Symbols a payload of `n` bytes can code at most, rounded up generously. The largest
/// probability MDC7 can give a byte is 16384/16639, so a symbol costs at least 0.0223
/// bits and `8n` bits hold fewer than `359n` symbols.
fn max_symbols_for_payload(payload_len: u64) -> u64 {
    payload_len.saturating_add(1).saturating_mul(360)
}

/// Which optional stages of the MDC7 pipeline run. PPM always does.
///
/// ```
/// use kolm::mdc7::{self, Stages};
/// let text = b"the cat sat on the mat; the cat sat on the hat".repeat(4);
/// let sizes: Vec<usize> = Stages::ABLATION.iter().map(|(_, s)| mdc7::compress_with(&text, *s).unwrap().len()).collect();
/// assert!(sizes[4] < sizes[0], "the full pipeline beats PPM alone: {sizes:?}");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Stages {
    /// The match model.
    pub matcher: bool,
    /// The word model.
    pub word: bool,
    /// The high-order (5–8) context model.
    pub high_order: bool,
    /// Tweedie calibration.
    pub tweedie: bool,
}

impl Stages {
    /// The full pipeline: what the MDC7 format means.
    pub const ALL: Stages = Stages { matcher: true, word: true, high_order: true, tweedie: true };

    /// PPM alone.
    pub const PPM_ONLY: Stages = Stages { matcher: false, word: false, high_order: false, tweedie: false };

    /// The reference's ablation ladder: each configuration adds one stage to the previous.
    pub const ABLATION: [(&'static str, Stages); 5] = [
        ("PPM", Stages::PPM_ONLY),
        ("+ match", Stages { matcher: true, ..Stages::PPM_ONLY }),
        ("+ word", Stages { matcher: true, word: true, ..Stages::PPM_ONLY }),
        ("+ high-order", Stages { tweedie: false, ..Stages::ALL }),
        ("+ Tweedie", Stages::ALL),
    ];
}

impl Default for Stages {
    fn default() -> Self {
        Stages::ALL
    }
}

/// A variant of the Midicoth model: its stages, and whether two known defects are repaired.
///
/// MDC7 quantises probabilities to 2^14, which costs at least 0.02 bits on a byte predicted
/// with certainty and rounds small probabilities coarsely; and Tweedie's steps 1 and 2 read
/// their table with the shape after the previous step but update it with step 0's. The
/// repaired variant quantises to 2^18 (the coder's range never falls below 2^30, so any
/// scale up to about 2^22 is safe) and updates each step with the shape it read with.
/// `.kolm` block codec 1 uses it.
///
/// Measured on single blocks (level 5): the shape repair alone saves 0.15 % on alice29.txt
/// and 11 % on kennedy.xls; the 2^18 scale then saves another 0.65 % and 2.8 %. Scales of
/// 2^16, 2^20 and 2^22 did slightly worse in total; a larger scale costs more on surprises
/// (sum, a binary, loses 0.6 % to 2^14).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Model {
    pub(crate) stages: Stages,
    /// Probabilities are quantised to integer frequencies out of about `2^scale_bits`.
    pub(crate) scale_bits: u32,
    /// Each Tweedie step updates with its own lookup shape rather than step 0's.
    pub(crate) per_step_shape: bool,
}

impl Model {
    /// The model of the MDC7 format, quirks included.
    pub(crate) const fn mdc7(stages: Stages) -> Model {
        Model { stages, scale_bits: 14, per_step_shape: false }
    }

    /// The model with both defects repaired.
    pub(crate) const fn repaired(stages: Stages) -> Model {
        Model { stages, scale_bits: 18, per_step_shape: true }
    }
}

/// An upper estimate of the memory, in bytes, that compressing or decompressing
/// `content_len` bytes as MDC7 needs. MDC7 keeps one model for the whole input, so this
/// grows with it: the same estimate as a `.kolm` Midicoth block of that size with every
/// stage running.
///
/// ```
/// assert!(kolm::mdc7::memory_needed(1 << 20) < kolm::mdc7::memory_needed(1 << 24));
/// ```
pub fn memory_needed(content_len: u64) -> u64 {
    let coder = crate::codec::BlockCoder { codec: crate::codec::Codec::MidicothRepaired, level: crate::Level::BEST };
    coder.memory_per_thread(content_len)
}

/// Reports coding progress every this many bytes.
const PROGRESS_STEP: usize = 1 << 14;

/// Codes `data` as a bare payload (no header) with `model`, calling `progress` with the
/// number of bytes coded since its last call as it goes.
pub(crate) fn encode_payload(data: &[u8], model: Model, progress: &mut dyn FnMut(u64)) -> Vec<u8> {
    let mut predictor = Predictor::new(model);
    let mut coder = coder::Encoder::new();
    for chunk in data.chunks(PROGRESS_STEP) {
        for &byte in chunk {
            predictor.encode(&mut coder, byte);
        }
        progress(chunk.len() as u64);
    }
    if data.is_empty() { Vec::new() } else { coder.finish() }
}

/// Decodes `len` bytes from a bare payload written by [`encode_payload`] with `model`.
pub(crate) fn decode_payload(
    payload: &[u8],
    len: usize,
    model: Model,
    progress: &mut dyn FnMut(u64),
) -> Result<Vec<u8>, Error> {
    let mut predictor = Predictor::new(model);
    let mut coder = coder::Decoder::new(coder::SliceSource::new(payload)).map_err(|e| truncated(e, len as u64, 0))?;
    // The output grows as it is decoded: a damaged length cannot make it allocate more
    // than the payload really codes.
    let mut output = Vec::with_capacity(len.min(1 << 20));
    while output.len() < len {
        let chunk = (len - output.len()).min(PROGRESS_STEP);
        for _ in 0..chunk {
            let byte = predictor.decode(&mut coder).map_err(|e| truncated(e, len as u64, output.len() as u64))?;
            output.push(byte);
        }
        progress(chunk as u64);
    }
    Ok(output)
}

/// Compresses `data` into an MDC7 stream.
///
/// Fails only for inputs longer than [`MAX_CONTENT_LEN`].
///
/// ```
/// let packed = kolm::mdc7::compress(b"")?;
/// assert_eq!(packed, b"MDC7\0\0\0\0\0\0\0\0");
/// # Ok::<(), kolm::Error>(())
/// ```
pub fn compress(data: &[u8]) -> Result<Vec<u8>, Error> {
    compress_with(data, Stages::ALL)
}

/// Compresses `data` with only the given stages (see [`Stages`]).
///
/// ```
/// use kolm::mdc7::{self, Stages};
/// let text = b"abracadabra abracadabra abracadabra";
/// let ppm_only = mdc7::compress_with(text, Stages::PPM_ONLY)?;
/// assert_eq!(mdc7::decompress_with(&ppm_only, Stages::PPM_ONLY)?, text);
/// # Ok::<(), kolm::Error>(())
/// ```
pub fn compress_with(data: &[u8], stages: Stages) -> Result<Vec<u8>, Error> {
    let mut encoder = Encoder::with_stages(Vec::with_capacity(data.len() / 3 + 64), data.len() as u64, stages)?;
    encoder.write_all(data)?;
    encoder.finish()
}

/// Decompresses a whole MDC7 stream.
///
/// ```
/// assert!(kolm::mdc7::decompress(b"not an MDC7 file").is_err());
/// ```
pub fn decompress(stream: &[u8]) -> Result<Vec<u8>, Error> {
    decompress_with(stream, Stages::ALL)
}

/// Decompresses a stream written with the given stages (see [`Stages`]).
///
/// ```
/// use kolm::mdc7::{self, Stages};
/// let packed = mdc7::compress_with(b"no Tweedie here", Stages::ABLATION[3].1)?;
/// assert_eq!(mdc7::decompress_with(&packed, Stages::ABLATION[3].1)?, b"no Tweedie here");
/// # Ok::<(), kolm::Error>(())
/// ```
pub fn decompress_with(stream: &[u8], stages: Stages) -> Result<Vec<u8>, Error> {
    let content_len = parse_header(stream)?;
    let payload_len = (stream.len() - HEADER_LEN) as u64;
    let most = max_symbols_for_payload(payload_len);
    if content_len > most {
        return Err(Error::Corrupt(format!(
            "the MDC7 header claims {content_len} bytes, more than its {payload_len}-byte payload can hold"
        )));
    }
    let mut decoder = Decoder::with_stages(stream, stages)?;
    let mut output = Vec::with_capacity(content_len as usize);
    decoder.read_to_end(&mut output).map_err(Error::from_io)?;
    Ok(output)
}

/// Checks the magic and returns the claimed original length.
fn parse_header(stream: &[u8]) -> Result<u64, Error> {
    let magic_len = stream.len().min(MAGIC.len());
    if stream[..magic_len] != MAGIC[..magic_len] {
        return Err(Error::BadMagic { format: "MDC7", found: stream[..magic_len].to_vec() });
    }
    let Some(length) = stream.get(4..HEADER_LEN) else {
        return Err(Error::Corrupt(format!(
            "the stream is {} bytes long, shorter than the {HEADER_LEN}-byte MDC7 header",
            stream.len()
        )));
    };
    let content_len = u64::from_le_bytes(length.try_into().expect("8 bytes"));
    if content_len > MAX_CONTENT_LEN {
        return Err(Error::Corrupt(format!(
            "the MDC7 header claims {content_len} bytes; MDC7 streams hold at most {MAX_CONTENT_LEN}"
        )));
    }
    Ok(content_len)
}

/// Flush coded bytes to the inner writer once this many have accumulated.
const OUTPUT_CHUNK: usize = 1 << 16;

/// Compresses into an MDC7 stream written to `W`.
///
/// MDC7 records the original length before the payload, so the encoder must be told it up
/// front and must then be given exactly that many bytes. Call [`Encoder::finish`] at the
/// end: it codes the final bits, and it reports an error if fewer bytes came than declared.
///
/// ```
/// use std::io::Write;
/// let text = b"the quick brown fox jumps over the lazy dog";
/// let mut encoder = kolm::mdc7::Encoder::new(Vec::new(), text.len() as u64)?;
/// encoder.write_all(text)?;
/// let packed = encoder.finish()?;
/// assert_eq!(kolm::mdc7::decompress(&packed)?, text);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Encoder<W: Write> {
    inner: W,
    predictor: Box<Predictor>,
    coder: coder::Encoder,
    content_len: u64,
    consumed: u64,
}

impl<W: Write> Encoder<W> {
    /// Starts a stream of `content_len` bytes and writes its header.
    pub fn new(inner: W, content_len: u64) -> Result<Self, Error> {
        Self::with_stages(inner, content_len, Stages::ALL)
    }

    /// Starts a stream with only the given stages (see [`Stages`]).
    pub fn with_stages(mut inner: W, content_len: u64, stages: Stages) -> Result<Self, Error> {
        if content_len > MAX_CONTENT_LEN {
            return Err(Error::TooLarge { len: content_len, max: MAX_CONTENT_LEN, format: "MDC7" });
        }
        inner.write_all(&MAGIC)?;
        inner.write_all(&content_len.to_le_bytes())?;
        Ok(Encoder {
            inner,
            predictor: Box::new(Predictor::new(Model::mdc7(stages))),
            coder: coder::Encoder::new(),
            content_len,
            consumed: 0,
        })
    }

    /// Bytes compressed so far.
    pub fn bytes_in(&self) -> u64 {
        self.consumed
    }

    /// The inner writer.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// The inner writer. Writing to it directly corrupts the stream.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// Codes the final bits, writes everything out and returns the inner writer.
    pub fn finish(mut self) -> Result<W, Error> {
        if self.consumed != self.content_len {
            return Err(Error::LengthMismatch { declared: self.content_len, actual: self.consumed });
        }
        // The reference writes nothing after the header of an empty input.
        if self.content_len > 0 {
            let tail = self.coder.finish();
            self.inner.write_all(&tail)?;
        }
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for Encoder<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let room = self.content_len - self.consumed;
        if buf.len() as u64 > room {
            return Err(
                Error::LengthMismatch { declared: self.content_len, actual: self.consumed + buf.len() as u64 }.into()
            );
        }
        for &byte in buf {
            self.predictor.encode(&mut self.coder, byte);
        }
        self.consumed += buf.len() as u64;
        if self.coder.output_len() >= OUTPUT_CHUNK {
            self.inner.write_all(&self.coder.take_output())?;
        }
        Ok(buf.len())
    }

    /// Passes completed bytes on. The last few bits stay in the coder until `finish`.
    fn flush(&mut self) -> io::Result<()> {
        self.inner.write_all(&self.coder.take_output())?;
        self.inner.flush()
    }
}

/// Buffers the coded payload from a reader.
struct ReaderSource<R> {
    inner: R,
    buffer: Box<[u8]>,
    start: usize,
    end: usize,
}

impl<R: Read> ByteSource for ReaderSource<R> {
    #[inline]
    fn next_byte(&mut self) -> io::Result<Option<u8>> {
        if self.start == self.end {
            self.start = 0;
            self.end = loop {
                match self.inner.read(&mut self.buffer) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            };
            if self.end == 0 {
                return Ok(None);
            }
        }
        let byte = self.buffer[self.start];
        self.start += 1;
        Ok(Some(byte))
    }
}

/// Decompresses an MDC7 stream read from `R`, as an [`io::Read`].
///
/// The payload runs to the end of `R` (MDC7 has no end marker), so give the decoder a reader
/// that ends where the stream does. Damage is not detected except when the stream ends
/// before its claimed length; then reading fails with [`io::ErrorKind::InvalidData`].
///
/// ```
/// use std::io::Read;
/// let packed = kolm::mdc7::compress(b"hello, hello, hello")?;
/// let mut decoder = kolm::mdc7::Decoder::new(&packed[..])?;
/// assert_eq!(decoder.content_len(), 19);
/// let mut text = String::new();
/// decoder.read_to_string(&mut text)?;
/// assert_eq!(text, "hello, hello, hello");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Decoder<R: Read> {
    predictor: Box<Predictor>,
    coder: coder::Decoder<ReaderSource<R>>,
    content_len: u64,
    produced: u64,
    /// Set once decoding failed: the coder's state is then meaningless.
    failed: bool,
}

impl<R: Read> Decoder<R> {
    /// Reads the header and prepares to decode.
    pub fn new(inner: R) -> Result<Self, Error> {
        Self::with_stages(inner, Stages::ALL)
    }

    /// Prepares to decode a stream written with the given stages (see [`Stages`]).
    pub fn with_stages(mut inner: R, stages: Stages) -> Result<Self, Error> {
        let mut header = [0u8; HEADER_LEN];
        let got = crate::frame::read_up_to(&mut inner, &mut header)?;
        let content_len = parse_header(&header[..got])?;
        let source = ReaderSource { inner, buffer: vec![0; 1 << 16].into_boxed_slice(), start: 0, end: 0 };
        let coder = coder::Decoder::new(source).map_err(|e| truncated(e, content_len, 0))?;
        let predictor = Box::new(Predictor::new(Model::mdc7(stages)));
        Ok(Decoder { predictor, coder, content_len, produced: 0, failed: false })
    }

    /// The original length the header records.
    pub fn content_len(&self) -> u64 {
        self.content_len
    }

    /// Bytes decompressed so far.
    pub fn bytes_out(&self) -> u64 {
        self.produced
    }
}

fn truncated(error: DecodeError, content_len: u64, produced: u64) -> Error {
    match error {
        DecodeError::Io(e) => Error::Io(e),
        DecodeError::PastEnd => {
            Error::Corrupt(format!("the payload ran out after {produced} of the {content_len} bytes its header claims"))
        }
    }
}

impl<R: Read> Read for Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.failed {
            return Err(io::Error::other("an earlier error left the MDC7 decoder unusable"));
        }
        let wanted = (self.content_len - self.produced).min(buf.len() as u64) as usize;
        for (i, slot) in buf[..wanted].iter_mut().enumerate() {
            let byte = self.predictor.decode(&mut self.coder).map_err(|e| {
                self.failed = true;
                io::Error::from(truncated(e, self.content_len, self.produced + i as u64))
            })?;
            *slot = byte;
        }
        self.produced += wanted as u64;
        Ok(wanted)
    }
}
