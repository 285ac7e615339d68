//! # kolm: lossless compression by prediction
//!
//! Compression is prediction plus coding: a model assigns probabilities to what comes
//! next, and an arithmetic coder spends `−log₂ p` bits on what actually came. This crate
//! holds kolm's byte compressors.
//!
//! * The `.kolm` format: a stream of frames of independently coded blocks, each with a
//!   checksum, so that damage is always detected and blocks code on many threads with
//!   identical output. [`compress`] and [`decompress`] work on slices;
//!   [`write::Encoder`] and [`read::Decoder`] are the streaming `Write`/`Read` adapters;
//!   [`Options`] sets the [`Level`], threads, block size and memory limit; [`inspect`]
//!   lists a stream's frames and blocks. The byte layout is in the repository's FORMAT.md.
//!   Its blocks are coded by kolm's native engine: bitwise context mixing of order-0 to
//!   order-8, word and match models in integer arithmetic, the same bytes on every machine;
//!   at level 1, large blocks are first sorted by the Burrows–Wheeler transform and coded by
//!   a small model several times faster.
//!   [`ablation`] measures what each of the engine's parts is worth.
//! * [`mdc7`] reproduces the Midicoth compressor byte for byte (format MDC7): PPM, match,
//!   word and high-order models blended linearly, then a binary-tree Tweedie calibration.
//!   It is slow (tens of KB/s), strong on text, and has no checksum. It is the baseline
//!   the native engine is measured against; `.kolm` files written before the native engine
//!   used it (repaired) as their block codec and still decode.
//!
//! ```
//! use std::io::{Read, Write};
//! use kolm::{Level, Options};
//!
//! let text = b"It was the best of times, it was the worst of times".repeat(20);
//! let packed = kolm::compress(&text, Level::DEFAULT);
//! assert!(packed.len() < text.len() / 5);
//! assert_eq!(kolm::decompress(&packed)?, text);
//!
//! // The same through the streaming adapters, on two threads.
//! let options = Options::new().level(Level::FASTEST).threads(2);
//! let mut encoder = kolm::write::Encoder::with_options(Vec::new(), &options)?;
//! encoder.write_all(&text)?;
//! let packed = encoder.finish()?;
//! let mut decoder = kolm::read::Decoder::with_options(&packed[..], &options)?;
//! let mut unpacked = Vec::new();
//! decoder.read_to_end(&mut unpacked)?;
//! assert_eq!(unpacked, text);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The codecs do no terminal I/O and never panic on bad input: damaged or hostile data
//! gives an [`Error`].

#![deny(missing_docs)]

pub mod ablation;
mod bwt;
mod cm;
mod codec;
mod error;
mod frame;
mod level;
pub mod mdc7;
mod pipeline;
mod simd;
mod stream;
mod x86;

pub use codec::BlockKind;
pub use error::Error;
pub use frame::{BlockInfo, FrameInfo, MAGIC, VERSION, inspect};
pub use level::Level;
pub use stream::{Options, compress, compress_with, decompress, decompress_with, read, write};
