//! The QJL sketch: one sign bit per row of a Gaussian matrix, for unbiased inner products.
//!
//! `TurboQuant_prod` spends its last bit per coordinate on the residual `r` left by the MSE
//! stage: it stores `z = sign(S·r)` for a matrix `S` with `m = d` rows of independent N(0, 1)
//! entries, and `γ = ‖r‖`. For one Gaussian row `s`, `E[(sᵀy)·sign(sᵀr)] = √(2/π)·⟨y, r⟩/‖r‖`,
//! so `√(π/2)/m · γ · ⟨S·y, z⟩` estimates `⟨y, r⟩` without bias (QJL, Zandieh et al. 2024), with
//! variance at most `π/(2m)·‖y‖²·‖r‖²`.
//!
//! kolm applies `S` to the residual *after* rotation (`r = Πx − ŷ`); since `Π` is orthogonal,
//! `S·Π` is again an i.i.d. Gaussian matrix, so this is the paper's estimator. `S` is never
//! stored: it is regenerated from the seed (stream "QJL" of [`SplitMix64`], row by row, each
//! entry a polar-method normal rounded to `f32`). A sign of exactly zero counts as `+1`.

use crate::prng::SplitMix64;

const QJL_STREAM: u64 = 0x514A_4C00; // "QJL"

/// Row `row`'s sign, ±1, from signs packed by [`Sketch::signs`].
pub(crate) fn sign(signs: &[u8], row: usize) -> f32 {
    if signs[row / 8] >> (row % 8) & 1 == 1 { 1.0 } else { -1.0 }
}

/// The Gaussian sign sketch of `R^dim` (`dim` rows).
#[derive(Clone, Debug)]
pub struct Sketch {
    dim: usize,
    /// Row-major `dim × dim`.
    matrix: Vec<f32>,
}

impl Sketch {
    /// The sketch drawn from `seed`.
    pub fn new(dim: usize, seed: u64) -> Sketch {
        let mut rng = SplitMix64::stream(seed, QJL_STREAM);
        Sketch { dim, matrix: (0..dim * dim).map(|_| rng.normal() as f32).collect() }
    }

    /// `√(π/2)/m`, the factor that makes the estimate unbiased.
    pub fn scale(&self) -> f32 {
        ((std::f64::consts::PI / 2.0).sqrt() / self.dim as f64) as f32
    }

    /// `S·v`.
    pub fn project(&self, v: &[f32]) -> Vec<f32> {
        self.matrix.chunks_exact(self.dim).map(|row| crate::dot(row, v)).collect()
    }

    /// The signs of `S·r` packed one bit per row (1 for `+1`), least significant bit first.
    pub fn signs(&self, residual: &[f32], out: &mut [u8]) {
        out.fill(0);
        for (i, value) in self.project(residual).into_iter().enumerate() {
            if value >= 0.0 {
                out[i / 8] |= 1 << (i % 8);
            }
        }
    }

    /// `Sᵀ·z` for packed signs `z`, the direction of the residual's reconstruction.
    pub fn lift(&self, signs: &[u8]) -> Vec<f32> {
        let mut out = vec![0.0f32; self.dim];
        for (i, row) in self.matrix.chunks_exact(self.dim).enumerate() {
            let sign = sign(signs, i);
            out.iter_mut().zip(row).for_each(|(value, &entry)| *value += sign * entry);
        }
        out
    }
}
