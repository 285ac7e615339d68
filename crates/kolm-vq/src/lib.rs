//! Vector compression and nearest-neighbour search with TurboQuant.
//!
//! Embeddings are stored as a few bits per coordinate and searched without decompressing.
//! The method (Zandieh, Daliri, Hadian and Mirrokni, *TurboQuant: Online Vector Quantization
//! with Near-optimal Distortion Rate*, ICLR 2026) needs no training: a seeded random rotation
//! makes every coordinate of a unit vector follow one known distribution, so one fixed optimal
//! scalar quantizer (a Lloyd–Max codebook) serves every coordinate of every vector, within a
//! factor of about 2.7 of the best any quantizer can do. A vector's code depends only on the
//! vector, the configuration and the seed: vectors can be added one at a time, forever, and
//! encode to the same bytes on every machine.
//!
//! The pieces, one module each:
//! - [`prng`]: SplitMix64, the frozen generator behind every seeded object.
//! - [`rotation`]: the randomized Hadamard transform (default) and a dense Haar rotation.
//! - [`codebook`]: Lloyd–Max centroids for the rotated-coordinate distribution, 1–8 bits, and
//!   the 16-point codebook of a coordinate pair (2 bits per coordinate, 8.5 % less error).
//! - [`qjl`]: the 1-bit Gaussian sign sketch of `TurboQuant_prod`.
//! - [`quantizer`]: the variants (`mse`, `mse-unbiased`, `prod`), fractional widths, optional
//!   calibrations fitted to the data (a shift and a scale per rotated coordinate), the code
//!   layout, encoding and decoding.
//! - [`pack`]: dense `b`-bit packing.
//! - [`index`]: the flat index, search by lookup tables with a reranking pass; [`scan`]: its
//!   scalar, AVX2 and AVX-512 kernels, which agree bit for bit.
//! - [`file`](mod@file): `.kvq` index files; [`io`]: `.npy`, `.fvecs`/`.ivecs`, `.fbin`/`.ibin`.
//!
//! ```
//! use kolm_vq::{Config, Index, Quantizer, SearchParams};
//!
//! let dim = 64;
//! let vectors: Vec<f32> = (0..100 * dim).map(|i| ((i * 37 % 101) as f32 - 50.0) / 50.0).collect();
//! let mut index = Index::new(Quantizer::new(Config::new(dim, 4.0))?);
//! index.add(&vectors)?;
//! let hits = index.search(&vectors[5 * dim..6 * dim], &SearchParams::top(3))?;
//! assert_eq!(hits[0].id, 5);
//! # Ok::<(), kolm_vq::Error>(())
//! ```

pub mod codebook;
pub mod file;
pub mod index;
pub mod io;
pub mod pack;
pub mod prng;
pub mod qjl;
pub mod quantizer;
pub mod rotation;
pub mod scan;

pub use file::{read_index, write_index};
pub use index::{Index, Metric, Neighbor, SearchParams};
pub use quantizer::{Calibration, CodebookKind, Config, Quantizer, Variant};
pub use rotation::RotationKind;
pub use scan::Kernel;

/// The dot product in a fixed order of `f32` operations: eight running sums (element `i`
/// goes to sum `i mod 8`), combined pairwise. The order is part of the format (it decides QJL
/// signs and Haar rotations), and eight independent sums let the compiler use SIMD registers
/// without changing a single bit of the result.
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    let mut sums = [0.0f32; 8];
    let (a_chunks, b_chunks) = (a.chunks_exact(8), b.chunks_exact(8));
    let (a_rest, b_rest) = (a_chunks.remainder(), b_chunks.remainder());
    for (x, y) in a_chunks.zip(b_chunks) {
        for lane in 0..8 {
            sums[lane] += x[lane] * y[lane];
        }
    }
    for (lane, (x, y)) in a_rest.iter().zip(b_rest).enumerate() {
        sums[lane] += x * y;
    }
    ((sums[0] + sums[1]) + (sums[2] + sums[3])) + ((sums[4] + sums[5]) + (sums[6] + sums[7]))
}

/// Everything that can go wrong in `kolm-vq`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter is out of range; the message says which and why.
    #[error("{0}")]
    InvalidArgument(String),
    /// A vector has the wrong number of coordinates.
    #[error("dimension mismatch: expected {expected} coordinates, found {found}")]
    DimensionMismatch { expected: usize, found: usize },
    /// A vector has a NaN or infinite coordinate.
    #[error("row {row}: coordinate {column} is {value}; vectors must be finite")]
    NonFinite { row: usize, column: usize, value: f32 },
    /// The input is not a `.kvq` file.
    #[error("not a .kvq file (wrong magic bytes)")]
    NotKvq,
    /// A `.kvq` file uses something this version cannot read.
    #[error("unsupported .kvq file: {0}")]
    Unsupported(String),
    /// A `.kvq` file is damaged; the message says where.
    #[error("corrupt .kvq file: {0}")]
    Corrupt(String),
    /// A vector or id file cannot be used; the message says why.
    #[error("{0}")]
    Input(String),
    /// Reading or writing failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl Error {
    /// The error with the file it came from prefixed to its message.
    pub fn in_file(self, path: &std::path::Path) -> Error {
        match self {
            Error::Input(message) => Error::Input(format!("{}: {message}", path.display())),
            Error::Corrupt(message) => Error::Corrupt(format!("{}: {message}", path.display())),
            other => other,
        }
    }
}
