//! # kolm: lossless compression by prediction
//!
//! Compression is prediction plus coding: a model assigns probabilities to what comes
//! next, and an arithmetic coder spends `−log₂ p` bits on what actually came. This crate
//! holds kolm's byte compressors.
//!
//! * [`mdc7`] reproduces the Midicoth compressor byte for byte (format MDC7): PPM, match,
//!   word and high-order models blended linearly, then a binary-tree Tweedie calibration.
//!   It is slow (tens of KB/s) and strong on text, and it is the baseline the native
//!   engine is measured against.
//!
//! The native `.kolm` format (blocks, checksums, threads, levels) is being built; see the
//! repository's FORMAT.md.
//!
//! The codecs do no terminal I/O and never panic on bad input: damaged or hostile data
//! gives an [`Error`].

#![deny(missing_docs)]

mod error;
pub mod mdc7;

pub use error::Error;
