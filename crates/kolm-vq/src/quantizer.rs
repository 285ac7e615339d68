//! TurboQuant quantizers: the configuration, the code layout, encoding and estimation.
//!
//! A [`Quantizer`] is a pure function of its [`Config`] (dimension, bits, variant, rotation,
//! seed, and for fractional widths the outlier channels): nothing is trained, so vectors can be
//! encoded one at a time, online, on any machine, to the same bytes.
//!
//! **Parts.** An integer width `b` quantizes the whole vector as one *part*. A fractional width
//! `b + f` (2.5, 3.5, …) splits the channels in two, as the TurboQuant paper does for KV caches:
//! `round(f·d)` *outlier* channels (by default those with the largest energy in the data) get
//! `b + 1` bits and the rest `b` bits. Each part is a TurboQuant instance of its own: its own
//! norm, its own rotation, and a codebook solved for *its* dimension (the paper's released code
//! scales both parts' codebooks for the full dimension, too narrow for the smaller part).
//!
//! **Variants**, for a part `x` of dimension `d` with `u = x/‖x‖`, `y = Π·u`, `ŷ` = the nearest
//! centroids and `q' = Π·q` for a query part `q`:
//! - [`Variant::Mse`] stores `‖x‖` and `b`-bit indices; estimates `⟨q, x⟩ ≈ ‖x‖·⟨q', ŷ⟩`. Best
//!   reconstruction, but inner products shrink by about `1 − D_mse` (2/π at one bit).
//! - [`Variant::MseUnbiased`] also stores `1/⟨y, ŷ⟩` (generalized under a calibration, below)
//!   and multiplies by it (the EDEN / RaBitQ length correction): each estimate is unbiased in
//!   the direction of `x`, at no search cost.
//! - [`Variant::Prod`] (the paper's `TurboQuant_prod`): `b − 1` bits of MSE indices plus one QJL
//!   sign per coordinate for the residual `r = y − ŷ` and its length `γ`; estimates
//!   `‖x‖·(⟨q', ŷ⟩ + √(π/2)/d·γ·⟨S·q', z⟩)`, unbiased in expectation over the seed.
//!
//! **Codebooks.** Indices come from the Lloyd–Max codebook of one coordinate
//! ([`CodebookKind::Scalar`], the paper's quantizer), or, where a part has 2-bit MSE indices
//! and an even dimension, from the 16-point codebook of a coordinate *pair*
//! ([`CodebookKind::Pair`], the default; [`PairCodebook`]): coordinates `2i` and `2i + 1` are
//! quantized together, with 8.5 % less squared error at the same bits. The pair's point
//! number `k` is stored as the two coordinates' 2-bit indices `k mod 4` and `k div 4`, so the
//! layout, packing and scan are the same as for scalar codes.
//!
//! **Code layout** (one record per vector, [`Quantizer::code_len`] bytes, parts in order):
//! `norm: f32 LE`, then `1/⟨y, ŷ⟩` or `γ` as `f32 LE` (not for `Mse`), then the indices packed
//! [`crate::pack`]-style, then (for `Prod`) the `d` sign bits packed the same way.
//!
//! **Calibration** (optional, [`Config::with_calibration_from`]). The rotation makes every
//! coordinate of a *random* unit vector follow the codebook's distribution, but real
//! embeddings are not random: they share a mean direction and spread unevenly, so after the
//! rotation coordinate `j` centres on some `μ_j` with its own spread. A calibration, fitted once
//! from a sample, stores per rotated coordinate a shift `μ_j` and a scale `ρ_j` (the
//! coordinate's standard deviation over the codebook's, about 1 for isotropic data); a vector
//! is then quantized as `z = (y − μ)/ρ` and reconstructed as `ŷ = μ + ρ·ĉ`. The codebook sees the
//! distribution it was solved for, and the part of every vector that the shared mean explains
//! is kept exactly. Searching costs nothing more: `⟨q', ŷ⟩ = ⟨q', μ⟩ + ⟨ρ·q', ĉ⟩`, a constant per
//! query (weighted by each vector's norm) plus the usual tables of the scaled query. For
//! [`Variant::MseUnbiased`] the length correction then applies to the quantized part alone,
//! `(1 − ⟨y, μ⟩)/⟨y, ρ·ĉ⟩`, which keeps estimates exact in the direction of `x` without
//! inflating the exact `μ` (with `1/⟨y, ŷ⟩` instead, estimates on MiniLM embeddings were biased
//! by +0.007). RaBitQ gains the same way by coding vectors relative to their cluster's
//! centroid; turbovec's TQ+ fits a shift and a scale per coordinate from quantiles. A
//! calibration makes the codes depend on the sample it was fitted to, so it is off unless
//! asked for.
//!
//! **Edge cases.** Vectors with a NaN or infinite coordinate are refused. A zero vector (or a
//! zero part) encodes with norm 0 and all other scalars 0, so every estimate involving it is
//! exactly 0.

use std::sync::Arc;

use crate::Error;
use crate::codebook::{Codebook, PairCodebook};
use crate::pack;
use crate::prng::SplitMix64;
use crate::qjl::Sketch;
use crate::rotation::{Rotation, RotationKind};

const PART_STREAM: u64 = 0x5041_5254; // "PART"

/// The largest dimension accepted.
pub const MAX_DIM: usize = 1 << 16;
/// The largest dimension for the dense rotation and the `Prod` variant (a `d × d` matrix of
/// `f32`, 256 MiB at this size).
pub const MAX_DENSE_DIM: usize = 1 << 13;

/// How a vector's code estimates inner products; see the [module docs](self).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Variant {
    /// `TurboQuant_mse`: indices and the norm.
    Mse,
    /// `TurboQuant_mse` with a per-vector length correction making estimates unbiased.
    MseUnbiased,
    /// `TurboQuant_prod`: `b − 1` MSE bits plus a 1-bit QJL sketch of the residual.
    Prod,
}

impl Variant {
    /// All variants, in file-format order.
    pub const ALL: [Variant; 3] = [Variant::Mse, Variant::MseUnbiased, Variant::Prod];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Mse => "mse",
            Variant::MseUnbiased => "mse-unbiased",
            Variant::Prod => "prod",
        }
    }

    /// The variant called `name`.
    pub fn from_name(name: &str) -> Option<Variant> {
        Variant::ALL.into_iter().find(|variant| variant.name() == name)
    }

    fn has_aux(self) -> bool {
        self != Variant::Mse
    }
}

/// Which codebook turns rotated coordinates into indices; see the [module docs](self).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CodebookKind {
    /// Each coordinate on its own: the Lloyd–Max codebook of TurboQuant.
    Scalar,
    /// Coordinate pairs jointly where a part has 2-bit indices and an even dimension; scalar
    /// elsewhere.
    Pair,
}

impl CodebookKind {
    /// Both kinds, in file-format order.
    pub const ALL: [CodebookKind; 2] = [CodebookKind::Scalar, CodebookKind::Pair];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            CodebookKind::Scalar => "scalar",
            CodebookKind::Pair => "pair",
        }
    }
}

/// What a quantizer is: everything its codes depend on.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    dim: usize,
    bits: f64,
    variant: Variant,
    rotation: RotationKind,
    codebook: CodebookKind,
    seed: u64,
    outliers: Option<Vec<u32>>,
    calibration: Option<Calibration>,
}

/// Rows of a sample [`Config::with_calibration_from`] fits on, at most: enough that the fit
/// is within noise of one on the whole set (turbovec finds about 2,000 rows enough), and a
/// bounded cost on large inputs.
pub const CALIBRATION_ROWS: usize = 1 << 14;

/// Per rotated coordinate, a shift and a scale; see the [module docs](self).
///
/// Coordinates are those of the rotated parts, the parts in order (for one part: the rotated
/// vector's coordinates), so both vectors have the quantizer's dimension.
#[derive(Clone, Debug, PartialEq)]
pub struct Calibration {
    shift: Vec<f32>,
    scale: Vec<f32>,
}

impl Calibration {
    /// A calibration of `shift`s and `scale`s (as many of each; shifts finite, scales finite
    /// and positive), or an error naming the first bad value.
    pub fn new(shift: Vec<f32>, scale: Vec<f32>) -> Result<Calibration, Error> {
        if shift.len() != scale.len() {
            return Err(Error::InvalidArgument(format!(
                "a calibration needs as many scales as shifts, not {} and {}",
                scale.len(),
                shift.len()
            )));
        }
        if let Some(at) = shift.iter().position(|v| !v.is_finite()) {
            return Err(Error::InvalidArgument(format!("calibration shift {at} is {}", shift[at])));
        }
        if let Some(at) = scale.iter().position(|v| !(v.is_finite() && *v > 0.0)) {
            return Err(Error::InvalidArgument(format!(
                "calibration scale {at} is {}; scales must be finite and positive",
                scale[at]
            )));
        }
        Ok(Calibration { shift, scale })
    }

    /// The shift `μ_j` of each rotated coordinate.
    pub fn shift(&self) -> &[f32] {
        &self.shift
    }

    /// The scale `ρ_j` of each rotated coordinate, relative to the codebook's.
    pub fn scale(&self) -> &[f32] {
        &self.scale
    }
}

impl Config {
    /// A configuration for `dim`-dimensional vectors at `bits` bits per coordinate (1 to 8;
    /// fractional widths such as 2.5 split the channels, see [`Config::with_outliers`]). The variant
    /// is [`Variant::MseUnbiased`], the codebook [`CodebookKind::Pair`], the rotation
    /// randomized Hadamard, the seed 42.
    pub fn new(dim: usize, bits: f64) -> Config {
        Config {
            dim,
            bits,
            variant: Variant::MseUnbiased,
            rotation: RotationKind::Hadamard,
            codebook: CodebookKind::Pair,
            seed: 42,
            outliers: None,
            calibration: None,
        }
    }

    /// Sets the codebook kind. [`Quantizer::new`] records [`CodebookKind::Scalar`] in its
    /// configuration when no part can use pairs, since the codes are then the same.
    pub fn with_codebook(mut self, codebook: CodebookKind) -> Config {
        self.codebook = codebook;
        self
    }

    /// Sets the variant.
    pub fn with_variant(mut self, variant: Variant) -> Config {
        self.variant = variant;
        self
    }

    /// Sets the rotation kind.
    pub fn with_rotation(mut self, rotation: RotationKind) -> Config {
        self.rotation = rotation;
        self
    }

    /// Sets the seed of every random object (rotations, QJL matrix).
    pub fn with_seed(mut self, seed: u64) -> Config {
        self.seed = seed;
        self
    }

    /// Sets the channels that get the extra bit under a fractional width (any order; the count
    /// must be `round(f·d)`). Without it, a fractional width takes the first channels; prefer
    /// [`Config::with_outliers_from`].
    pub fn with_outliers(mut self, mut channels: Vec<u32>) -> Config {
        channels.sort_unstable();
        self.outliers = Some(channels);
        self
    }

    /// Picks the outlier channels of a fractional width from data: the `round(f·d)` channels
    /// with the largest sum of squares over `vectors` (row-major, `dim` per row), as the
    /// TurboQuant paper picks a KV head's outlier channels from the prefill. No effect for
    /// integer widths.
    pub fn with_outliers_from(self, vectors: &[f32]) -> Config {
        let count = self.outlier_count();
        if count == 0 || self.dim == 0 {
            return self;
        }
        let mut energy = vec![0.0f64; self.dim];
        for row in vectors.chunks_exact(self.dim) {
            energy.iter_mut().zip(row).for_each(|(sum, &v)| *sum += f64::from(v) * f64::from(v));
        }
        let mut order: Vec<u32> = (0..self.dim as u32).collect();
        order.sort_by(|&a, &b| energy[b as usize].total_cmp(&energy[a as usize]).then(a.cmp(&b)));
        order.truncate(count);
        self.with_outliers(order)
    }

    /// Sets the calibration (see the [module docs](self)); it must have the dimension's
    /// length, which [`Quantizer::new`] checks.
    pub fn with_calibration(mut self, calibration: Calibration) -> Config {
        self.calibration = Some(calibration);
        self
    }

    /// Fits a calibration to row-major `vectors` (`dim` values a row) under this
    /// configuration's rotation: each rotated coordinate's mean and standard deviation over
    /// the rows' unit vectors, from at most [`CALIBRATION_ROWS`] rows evenly spaced through
    /// the input (zero rows skipped), summed in row order in `f64`, so the fit is the same on
    /// every machine. A part that is zero in every row sampled keeps the identity (shift 0,
    /// scale 1); no rows at all is an error. Set the seed and the outliers first: the fit
    /// depends on them.
    pub fn with_calibration_from(self, vectors: &[f32]) -> Result<Config, Error> {
        let uncalibrated = Quantizer::new(Config { calibration: None, ..self.clone() })?;
        let rows = uncalibrated.row_count(vectors)?;
        if rows == 0 {
            return Err(Error::InvalidArgument("a calibration needs at least one vector to fit".into()));
        }
        let stride = rows.div_ceil(CALIBRATION_ROWS).max(1);
        // Per part: the rows that were not zero there, and per coordinate Σy and Σy².
        let mut moments: Vec<(u32, Vec<(f64, f64)>)> =
            uncalibrated.parts.iter().map(|part| (0, vec![(0.0, 0.0); part.dim()])).collect();
        for (row, vector) in vectors.chunks_exact(uncalibrated.dim()).enumerate().step_by(stride) {
            uncalibrated.check_vector(vector, row)?;
            for (part, (count, sums)) in uncalibrated.parts.iter().zip(&mut moments) {
                let Some(y) = part.rotated_unit(vector) else { continue };
                *count += 1;
                for ((sum, square), &value) in sums.iter_mut().zip(&y) {
                    *sum += f64::from(value);
                    *square += f64::from(value) * f64::from(value);
                }
            }
        }
        let (mut shift, mut scale) = (Vec::with_capacity(uncalibrated.dim()), Vec::with_capacity(uncalibrated.dim()));
        for (part, (count, sums)) in uncalibrated.parts.iter().zip(moments) {
            if count == 0 {
                shift.extend(std::iter::repeat_n(0.0, part.dim()));
                scale.extend(std::iter::repeat_n(1.0, part.dim()));
                continue;
            }
            let n = f64::from(count);
            for (sum, square) in sums {
                let mean = sum / n;
                let variance = (square / n - mean * mean).max(0.0);
                shift.push(mean as f32);
                // Relative to the codebook's spread, 1/√d; a coordinate that never varies
                // keeps a small positive scale (any would do: its values are all μ).
                scale.push(((variance * part.dim() as f64).sqrt() as f32).max(1.0 / 1024.0));
            }
        }
        Ok(self.with_calibration(Calibration::new(shift, scale)?))
    }

    /// The dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Bits per coordinate, as configured.
    pub fn bits(&self) -> f64 {
        self.bits
    }

    /// The variant.
    pub fn variant(&self) -> Variant {
        self.variant
    }

    /// The rotation kind.
    pub fn rotation(&self) -> RotationKind {
        self.rotation
    }

    /// The codebook kind.
    pub fn codebook(&self) -> CodebookKind {
        self.codebook
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The calibration, if any.
    pub fn calibration(&self) -> Option<&Calibration> {
        self.calibration.as_ref()
    }

    fn outlier_count(&self) -> usize {
        let fraction = self.bits - self.bits.floor();
        (fraction * self.dim as f64).round() as usize
    }
}

/// One part of a quantizer: a channel subset quantized as a TurboQuant instance of its own.
#[derive(Clone, Debug)]
pub(crate) struct Part {
    /// The channels of the full vector in this part, increasing.
    pub channels: Vec<u32>,
    /// Bits per coordinate including the QJL bit.
    pub bits: u8,
    /// Bits per coordinate of the MSE indices (`bits − 1` for `Prod`, may be 0).
    pub mse_bits: u8,
    pub rotation: Rotation,
    /// Centroids for unit vectors of this part's dimension (empty when `mse_bits` is 0).
    pub centroids: Vec<f32>,
    /// Decision boundaries: midpoints of neighbouring `f32` centroids.
    boundaries: Vec<f32>,
    pub codebook: Option<Arc<Codebook>>,
    /// The pair codebook's points for unit vectors of this part's dimension, when the part
    /// quantizes coordinate pairs (then `centroids` is unused).
    pub pair_points: Option<[[f32; 2]; 16]>,
    pair_codebook: Option<Arc<PairCodebook>>,
    pub sketch: Option<Sketch>,
    /// The part's shifts `μ` and scales `ρ`, when the quantizer is calibrated.
    pub calibration: Option<(Vec<f32>, Vec<f32>)>,
    /// Byte offset of this part's record inside the vector's record.
    pub offset: usize,
}

impl Part {
    pub fn dim(&self) -> usize {
        self.channels.len()
    }

    fn scalars(&self, variant: Variant) -> usize {
        if variant.has_aux() { 8 } else { 4 }
    }

    /// The part of `vector` as a rotated unit vector, or `None` where it is zero.
    fn rotated_unit(&self, vector: &[f32]) -> Option<Vec<f32>> {
        let (y, norm) = self.rotated_unit_and_norm(vector);
        (norm > 0.0).then_some(y)
    }

    /// The part of `vector` divided by its norm (unless 0) and rotated, and the norm.
    fn rotated_unit_and_norm(&self, vector: &[f32]) -> (Vec<f32>, f64) {
        let mut y: Vec<f32> = self.channels.iter().map(|&c| vector[c as usize]).collect();
        let norm = y.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>().sqrt();
        if norm > 0.0 {
            y.iter_mut().for_each(|v| *v = (f64::from(*v) / norm) as f32);
        }
        self.rotation.apply(&mut y);
        (y, norm)
    }

    /// The index of the centroid nearest `value`: the number of boundaries below it. Counted
    /// outright for small codebooks (no branches to mispredict), by binary search for large.
    fn index_of(&self, value: f32) -> u8 {
        if self.boundaries.len() <= 15 {
            self.boundaries.iter().map(|&edge| u8::from(edge < value)).sum()
        } else {
            self.boundaries.partition_point(|&edge| edge < value) as u8
        }
    }

    /// The indices of the rotated unit vector `y`, one per coordinate: the nearest centroid's,
    /// or for pairs the nearest point's number `k` split into `k mod 4` and `k div 4` (the
    /// lowest number among equally near points).
    fn quantize(&self, y: &[f32]) -> Vec<u8> {
        match &self.pair_points {
            None => y.iter().map(|&v| self.index_of(v)).collect(),
            Some(points) => {
                let mut indices = Vec::with_capacity(y.len());
                for pair in y.chunks_exact(2) {
                    let mut best = (f32::INFINITY, 0u8);
                    for (k, point) in points.iter().enumerate() {
                        let (dx, dy) = (pair[0] - point[0], pair[1] - point[1]);
                        let distance = dx * dx + dy * dy;
                        if distance < best.0 {
                            best = (distance, k as u8);
                        }
                    }
                    indices.extend([best.1 & 3, best.1 >> 2]);
                }
                indices
            }
        }
    }

    /// Writes into `out` (one value per index) the codebook's points `ĉ` that `indices` stand
    /// for, for unit vectors (before any calibration's scale and shift).
    pub fn reconstruct(&self, indices: &[u8], out: &mut [f32]) {
        debug_assert_eq!(indices.len(), out.len());
        match &self.pair_points {
            None => out.iter_mut().zip(indices).for_each(|(value, &index)| *value = self.centroids[usize::from(index)]),
            Some(points) => {
                for (values, pair) in out.chunks_exact_mut(2).zip(indices.chunks_exact(2)) {
                    values.copy_from_slice(&points[usize::from(pair[0] | pair[1] << 2)]);
                }
            }
        }
    }

    pub fn indices_offset(&self, variant: Variant) -> usize {
        self.offset + self.scalars(variant)
    }

    pub fn indices_len(&self) -> usize {
        pack::packed_len(self.dim(), self.mse_bits)
    }

    pub fn signs_offset(&self, variant: Variant) -> usize {
        self.indices_offset(variant) + self.indices_len()
    }

    fn record_len(&self, variant: Variant) -> usize {
        self.scalars(variant) + self.indices_len() + if self.sketch.is_some() { self.dim().div_ceil(8) } else { 0 }
    }
}

/// A TurboQuant quantizer; see the [module docs](self).
#[derive(Clone, Debug)]
pub struct Quantizer {
    config: Config,
    pub(crate) parts: Vec<Part>,
    code_len: usize,
}

/// The scalars of one part of one code.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct PartScalars {
    pub norm: f32,
    /// The length correction (MseUnbiased: `1/⟨y, ŷ⟩`, or `(1 − ⟨y, μ⟩)/⟨y, ρ·ĉ⟩` under a
    /// calibration), `γ` (Prod) or 0.
    pub aux: f32,
}

impl PartScalars {
    /// The factor of `⟨q', ŷ⟩` (of `⟨ρ·q', ĉ⟩` under a calibration) in the estimate: the
    /// norm, times the length correction for `MseUnbiased`. (A calibration's `⟨q', μ⟩` is
    /// weighted by the norm alone.)
    pub fn indices_weight(self, variant: Variant) -> f32 {
        if variant == Variant::MseUnbiased { self.norm * self.aux } else { self.norm }
    }

    /// The factor of `⟨S·q', z⟩` in a `Prod` estimate: `‖x‖·γ·√(π/2)/d`.
    pub fn signs_weight(self, sketch: &Sketch) -> f32 {
        self.norm * self.aux * sketch.scale()
    }
}

impl Quantizer {
    /// The quantizer for `config`, or an error naming what is wrong with it.
    pub fn new(config: Config) -> Result<Quantizer, Error> {
        let dim = config.dim;
        if dim < 2 {
            return Err(Error::InvalidArgument(format!("vectors need at least 2 dimensions, not {dim}")));
        }
        if dim > MAX_DIM {
            return Err(Error::InvalidArgument(format!("{dim} dimensions is more than kolm-vq supports ({MAX_DIM})")));
        }
        let dense = config.rotation == RotationKind::Haar || config.variant == Variant::Prod;
        if dense && dim > MAX_DENSE_DIM {
            return Err(Error::InvalidArgument(format!(
                "the dense rotation and the prod variant keep a d×d matrix; {dim} dimensions is over their limit of {MAX_DENSE_DIM}"
            )));
        }
        if !(1.0..=8.0).contains(&config.bits) {
            return Err(Error::InvalidArgument(format!(
                "bits per coordinate must be between 1 and 8, not {}",
                config.bits
            )));
        }
        let whole = config.bits.floor() as u8;
        let extra = config.outlier_count();
        let outliers: Vec<u32> = match (&config.outliers, extra) {
            (_, 0) => Vec::new(),
            (Some(channels), _) => {
                let distinct = channels.windows(2).all(|pair| pair[0] < pair[1]);
                if channels.len() != extra || !distinct || channels.iter().any(|&c| c as usize >= dim) {
                    return Err(Error::InvalidArgument(format!(
                        "{} bits in {dim} dimensions needs {extra} distinct outlier channels below {dim}",
                        config.bits
                    )));
                }
                channels.clone()
            }
            (None, _) => (0..extra as u32).collect(),
        };
        let mut groups: Vec<(Vec<u32>, u8)> = Vec::new();
        if extra == dim {
            groups.push(((0..dim as u32).collect(), whole + 1));
        } else if extra == 0 {
            groups.push(((0..dim as u32).collect(), whole));
        } else {
            let regular: Vec<u32> = (0..dim as u32).filter(|c| outliers.binary_search(c).is_err()).collect();
            groups.push((outliers, whole + 1));
            groups.push((regular, whole));
        }
        if let Some(calibration) = &config.calibration
            && calibration.shift.len() != dim
        {
            return Err(Error::InvalidArgument(format!(
                "a calibration of {} coordinates does not fit {dim}-dimensional vectors",
                calibration.shift.len()
            )));
        }
        let mut parts = Vec::with_capacity(groups.len());
        let mut offset = 0;
        let mut calibrated = 0;
        for (index, (channels, bits)) in groups.into_iter().enumerate() {
            if channels.len() < 2 {
                return Err(Error::InvalidArgument(format!(
                    "{} bits in {dim} dimensions leaves a part of {} channel(s); each part needs at least 2",
                    config.bits,
                    channels.len()
                )));
            }
            let calibration = config.calibration.as_ref().map(|calibration| {
                let range = calibrated..calibrated + channels.len();
                (calibration.shift[range.clone()].to_vec(), calibration.scale[range].to_vec())
            });
            calibrated += channels.len();
            let part = Part::new(&config, index as u64, channels, bits, offset, calibration);
            offset += part.record_len(config.variant);
            parts.push(part);
        }
        let mut config = config;
        if parts.iter().all(|part| part.pair_points.is_none()) {
            config.codebook = CodebookKind::Scalar;
        }
        Ok(Quantizer { config, parts, code_len: offset })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The dimension of the vectors.
    pub fn dim(&self) -> usize {
        self.config.dim
    }

    /// The bytes of one vector's code.
    pub fn code_len(&self) -> usize {
        self.code_len
    }

    /// Bits per coordinate actually spent on indices and signs (norms excluded).
    pub fn code_bits(&self) -> f64 {
        let total: usize = self.parts.iter().map(|part| part.dim() * usize::from(part.bits)).sum();
        total as f64 / self.dim() as f64
    }

    /// For each part: its channels and bits per coordinate (one part unless the width is
    /// fractional).
    pub fn parts(&self) -> impl Iterator<Item = (&[u32], u8)> {
        self.parts.iter().map(|part| (part.channels.as_slice(), part.bits))
    }

    /// The expected squared error of the MSE stage for a unit vector, as solved by the
    /// codebook, when the quantizer is a single part; `None` for fractional widths or `Prod` at
    /// one bit.
    pub fn theoretical_distortion(&self) -> Option<f64> {
        match self.parts.as_slice() {
            [part] => match (&part.pair_codebook, &part.codebook) {
                (Some(pairs), _) => Some(pairs.distortion()),
                (None, codebook) => codebook.as_ref().map(|codebook| codebook.distortion()),
            },
            _ => None,
        }
    }

    /// Encodes `vector` (`dim` finite values) into `out` (`code_len` bytes).
    pub fn encode(&self, vector: &[f32], out: &mut [u8]) -> Result<(), Error> {
        self.check_vector(vector, 0)?;
        self.encode_checked(vector, out);
        Ok(())
    }

    /// Encodes row-major `vectors` (a multiple of `dim` values) in parallel; the codes are the
    /// same bytes whatever the thread count. An error names the first bad row.
    pub fn encode_batch(&self, vectors: &[f32]) -> Result<Vec<u8>, Error> {
        use rayon::prelude::*;
        self.row_count(vectors)?;
        for (row, vector) in vectors.chunks_exact(self.dim()).enumerate() {
            self.check_vector(vector, row)?;
        }
        let mut codes = vec![0u8; vectors.len() / self.dim() * self.code_len];
        codes
            .par_chunks_exact_mut(self.code_len)
            .zip(vectors.par_chunks_exact(self.dim()))
            .with_min_len(64)
            .for_each(|(out, vector)| self.encode_checked(vector, out));
        Ok(codes)
    }

    /// Reconstructs the vector whose inner products are this code's estimates (for `Mse`, the
    /// least-squares reconstruction; for the others, the unbiased estimator).
    ///
    /// # Panics
    ///
    /// If `code` is not [`Quantizer::code_len`] bytes or `out` not [`Quantizer::dim`] values.
    pub fn decode(&self, code: &[u8], out: &mut [f32]) {
        assert_eq!(code.len(), self.code_len);
        assert_eq!(out.len(), self.dim());
        for part in &self.parts {
            let scalars = self.scalars(part, code);
            let mut y = vec![0.0f32; part.dim()];
            if part.mse_bits > 0 {
                let mut indices = vec![0u8; part.dim()];
                self.unpack_indices(part, code, &mut indices);
                part.reconstruct(&indices, &mut y);
            }
            let weight = scalars.indices_weight(self.config.variant);
            match &part.calibration {
                None => y.iter_mut().for_each(|value| *value *= weight),
                Some((shift, scale)) => {
                    for ((value, &mu), &rho) in y.iter_mut().zip(shift).zip(scale) {
                        *value = scalars.norm * mu + weight * (rho * *value);
                    }
                }
            }
            if let Some(sketch) = &part.sketch {
                let signs = &code[part.signs_offset(self.config.variant)..][..part.dim().div_ceil(8)];
                let lift = sketch.lift(signs);
                let factor = scalars.signs_weight(sketch);
                y.iter_mut().zip(lift).for_each(|(value, l)| *value += factor * l);
            }
            part.rotation.apply_inverse(&mut y);
            for (&channel, value) in part.channels.iter().zip(y) {
                out[channel as usize] = value;
            }
        }
    }

    pub(crate) fn scalars(&self, part: &Part, code: &[u8]) -> PartScalars {
        let read = |at: usize| f32::from_le_bytes(code[at..at + 4].try_into().expect("four bytes"));
        let norm = read(part.offset);
        let aux = if self.config.variant.has_aux() { read(part.offset + 4) } else { 0.0 };
        PartScalars { norm, aux }
    }

    pub(crate) fn unpack_indices(&self, part: &Part, code: &[u8], out: &mut [u8]) {
        let start = part.indices_offset(self.config.variant);
        pack::unpack(&code[start..start + part.indices_len()], part.mse_bits, out);
    }

    /// How many vectors row-major `vectors` holds, or an error if not a whole number.
    fn row_count(&self, vectors: &[f32]) -> Result<usize, Error> {
        if !vectors.len().is_multiple_of(self.dim()) {
            return Err(Error::InvalidArgument(format!(
                "{} values are not a whole number of {}-dimensional vectors",
                vectors.len(),
                self.dim()
            )));
        }
        Ok(vectors.len() / self.dim())
    }

    pub(crate) fn check_vector(&self, vector: &[f32], row: usize) -> Result<(), Error> {
        if vector.len() != self.dim() {
            return Err(Error::DimensionMismatch { expected: self.dim(), found: vector.len() });
        }
        match vector.iter().position(|v| !v.is_finite()) {
            Some(column) => Err(Error::NonFinite { row, column, value: vector[column] }),
            None => Ok(()),
        }
    }

    fn encode_checked(&self, vector: &[f32], out: &mut [u8]) {
        debug_assert_eq!(out.len(), self.code_len);
        let variant = self.config.variant;
        for part in &self.parts {
            let (y, norm) = part.rotated_unit_and_norm(vector);
            // The quantized spread ρ·ĉ (ĉ without a calibration), and the shift μ, if any.
            let mut spread = vec![0.0f32; part.dim()];
            let indices = if part.mse_bits > 0 {
                let indices = match &part.calibration {
                    None => part.quantize(&y),
                    Some((shift, scale)) => {
                        let z: Vec<f32> =
                            y.iter().zip(shift).zip(scale).map(|((&v, &mu), &rho)| (v - mu) / rho).collect();
                        part.quantize(&z)
                    }
                };
                part.reconstruct(&indices, &mut spread);
                if let Some((_, scale)) = &part.calibration {
                    spread.iter_mut().zip(scale).for_each(|(value, &rho)| *value *= rho);
                }
                indices
            } else {
                vec![0; part.dim()]
            };
            let shift = part.calibration.as_ref().map(|(shift, _)| shift);
            let aux = match variant {
                Variant::Mse => 0.0,
                Variant::MseUnbiased => {
                    let dot: f64 = y.iter().zip(&spread).map(|(&v, &c)| f64::from(v) * f64::from(c)).sum();
                    // What the spread must carry for the estimate to be exact along y: all of
                    // it, or what the shift leaves.
                    let wanted = shift.map_or(1.0, |shift| {
                        1.0 - y.iter().zip(shift).map(|(&v, &mu)| f64::from(v) * f64::from(mu)).sum::<f64>()
                    });
                    if norm > 0.0 && dot > 0.0 { (wanted / dot) as f32 } else { 0.0 }
                }
                Variant::Prod => {
                    let reconstruction: Vec<f32> = match shift {
                        None => spread,
                        Some(shift) => spread.iter().zip(shift).map(|(&c, &mu)| mu + c).collect(),
                    };
                    let residual: Vec<f32> = if norm > 0.0 {
                        y.iter().zip(&reconstruction).map(|(&v, &c)| v - c).collect()
                    } else {
                        vec![0.0; part.dim()]
                    };
                    let signs = &mut out[part.signs_offset(variant)..][..part.dim().div_ceil(8)];
                    part.sketch.as_ref().expect("prod parts have a sketch").signs(&residual, signs);
                    residual.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>().sqrt() as f32
                }
            };
            out[part.offset..part.offset + 4].copy_from_slice(&(norm as f32).to_le_bytes());
            if variant.has_aux() {
                out[part.offset + 4..part.offset + 8].copy_from_slice(&aux.to_le_bytes());
            }
            if part.mse_bits > 0 {
                let start = part.indices_offset(variant);
                pack::pack(&indices, part.mse_bits, &mut out[start..start + part.indices_len()]);
            }
        }
    }
}

impl Part {
    fn new(
        config: &Config,
        index: u64,
        channels: Vec<u32>,
        bits: u8,
        offset: usize,
        calibration: Option<(Vec<f32>, Vec<f32>)>,
    ) -> Part {
        let seed = SplitMix64::stream(config.seed, PART_STREAM + index).next_u64();
        let dim = channels.len();
        let mse_bits = if config.variant == Variant::Prod { bits - 1 } else { bits };
        let codebook = (mse_bits > 0).then(|| Codebook::sphere(dim, mse_bits));
        let centroids = codebook.as_ref().map_or_else(Vec::new, |codebook| codebook.scaled_centroids(dim));
        let pairs = config.codebook == CodebookKind::Pair && mse_bits == 2 && dim.is_multiple_of(2);
        let pair_codebook = pairs.then(|| PairCodebook::sphere(dim));
        let boundaries = centroids.windows(2).map(|pair| (pair[0] + pair[1]) * 0.5).collect();
        Part {
            channels,
            bits,
            mse_bits,
            rotation: Rotation::new(config.rotation, dim, seed),
            centroids,
            boundaries,
            codebook,
            pair_points: pair_codebook.as_ref().map(|pairs| pairs.scaled_points(dim)),
            pair_codebook,
            sketch: (config.variant == Variant::Prod).then(|| Sketch::new(dim, seed)),
            calibration,
            offset,
        }
    }
}
