//! Seeded random rotations: the randomized Hadamard transform, and a dense Haar rotation.
//!
//! TurboQuant needs `Π·x` to look like a uniformly random point on the sphere, so that every
//! coordinate follows the known marginal the codebook is solved for. A dense Haar rotation
//! does that exactly but costs `d²` multiply-adds per vector and `d²` floats of state; the
//! randomized Hadamard transform costs `O(d log d)` and a few bytes of state, and is what
//! kolm uses by default.
//!
//! **Randomized Hadamard ([`RotationKind::Hadamard`]).** [`HADAMARD_ROUNDS`] rounds, each: a
//! random permutation of the `d` coordinates, a random sign per coordinate, then a normalized
//! Walsh–Hadamard transform (`×1/√B`) on the first `B` coordinates, where `B` is the largest
//! power of two `≤ d`, and, when `B < d`, a second one on the *last* `B` coordinates. The two
//! blocks overlap, so every coordinate is mixed in every round and no padding is needed: a
//! 384-dimensional vector stays 384 coordinates (zero-padding to 512 would store 33 % more
//! bits). Every step is orthogonal, so the whole map is a rotation.
//!
//! **Dense Haar ([`RotationKind::Haar`]).** The product of `d − 1` Householder reflections built
//! from Gaussian vectors of decreasing length, with a sign per coordinate (Stewart, 1980): the
//! `Q` of the QR decomposition of a Gaussian matrix with `R`'s diagonal made positive, which is
//! exactly Haar-distributed, without forming the matrix. For tests and validation.
//!
//! Both are drawn from [`SplitMix64`] streams of the seed and use only IEEE additions,
//! multiplications and square roots in a fixed order (no fused multiply-add), so a vector
//! rotates to the same bits on every machine.

use crate::prng::SplitMix64;

/// Rounds of the randomized Hadamard transform.
pub const HADAMARD_ROUNDS: usize = 4;

const HADAMARD_STREAM: u64 = 0x5248_5400; // "RHT"
const HAAR_STREAM: u64 = 0x4841_4152; // "HAAR"

/// Which random rotation a quantizer uses (stored in `.kvq` headers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RotationKind {
    /// The randomized Hadamard transform: `O(d log d)` per vector, the default.
    Hadamard,
    /// A dense Haar-random orthogonal matrix: `O(d²)` per vector, for validation.
    Haar,
}

/// A seeded rotation of `R^dim`.
#[derive(Clone, Debug)]
pub struct Rotation {
    dim: usize,
    plan: Plan,
}

#[derive(Clone, Debug)]
enum Plan {
    Hadamard { block: usize, rounds: Vec<HadamardRound> },
    Haar { reflectors: Vec<Vec<f32>>, signs: Vec<f32> },
}

#[derive(Clone, Debug)]
struct HadamardRound {
    permutation: Vec<u32>,
    signs: Vec<f32>,
}

impl Rotation {
    /// The rotation of kind `kind` drawn from `seed` (`dim ≥ 1`).
    pub fn new(kind: RotationKind, dim: usize, seed: u64) -> Rotation {
        assert!(dim >= 1, "a rotation needs at least one dimension");
        let plan = match kind {
            RotationKind::Hadamard => {
                let mut rng = SplitMix64::stream(seed, HADAMARD_STREAM);
                let rounds = (0..HADAMARD_ROUNDS)
                    .map(|_| HadamardRound {
                        permutation: rng.permutation(dim),
                        signs: (0..dim).map(|_| if rng.next_u64() >> 63 == 0 { 1.0 } else { -1.0 }).collect(),
                    })
                    .collect();
                Plan::Hadamard { block: 1 << dim.ilog2(), rounds }
            }
            RotationKind::Haar => {
                let mut rng = SplitMix64::stream(seed, HAAR_STREAM);
                let mut reflectors = Vec::with_capacity(dim.saturating_sub(1));
                let mut signs = Vec::with_capacity(dim);
                for length in (2..=dim).rev() {
                    let mut v: Vec<f64> = (0..length).map(|_| rng.normal()).collect();
                    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
                    let sign = if v[0] >= 0.0 { 1.0 } else { -1.0 };
                    // H maps v to −sign(v₀)‖v‖e₁, so R's diagonal entry has sign −sign(v₀).
                    signs.push(-sign as f32);
                    v[0] += sign * norm;
                    let u_norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
                    reflectors.push(v.iter().map(|x| (x / u_norm) as f32).collect());
                }
                signs.push(if rng.normal() >= 0.0 { 1.0 } else { -1.0 });
                Plan::Haar { reflectors, signs }
            }
        };
        Rotation { dim, plan }
    }

    /// The dimension rotated.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Rotates `x` in place: `x ← Π·x`.
    pub fn apply(&self, x: &mut [f32]) {
        assert_eq!(x.len(), self.dim);
        match &self.plan {
            Plan::Hadamard { block, rounds } => {
                let mut scratch = vec![0.0f32; self.dim];
                for round in rounds {
                    for (out, (&from, &sign)) in scratch.iter_mut().zip(round.permutation.iter().zip(&round.signs)) {
                        *out = x[from as usize] * sign;
                    }
                    x.copy_from_slice(&scratch);
                    walsh_hadamard(&mut x[..*block]);
                    if *block < self.dim {
                        walsh_hadamard(&mut x[self.dim - block..]);
                    }
                }
            }
            Plan::Haar { reflectors, signs } => {
                x.iter_mut().zip(signs).for_each(|(value, sign)| *value *= sign);
                for (offset, u) in reflectors.iter().enumerate().rev() {
                    reflect(&mut x[offset..], u);
                }
            }
        }
    }

    /// Rotates back in place: `x ← Πᵀ·x`.
    pub fn apply_inverse(&self, x: &mut [f32]) {
        assert_eq!(x.len(), self.dim);
        match &self.plan {
            Plan::Hadamard { block, rounds } => {
                let mut scratch = vec![0.0f32; self.dim];
                for round in rounds.iter().rev() {
                    if *block < self.dim {
                        walsh_hadamard(&mut x[self.dim - block..]);
                    }
                    walsh_hadamard(&mut x[..*block]);
                    for (i, (&from, &sign)) in round.permutation.iter().zip(&round.signs).enumerate() {
                        scratch[from as usize] = x[i] * sign;
                    }
                    x.copy_from_slice(&scratch);
                }
            }
            Plan::Haar { reflectors, signs } => {
                for (offset, u) in reflectors.iter().enumerate() {
                    reflect(&mut x[offset..], u);
                }
                x.iter_mut().zip(signs).for_each(|(value, sign)| *value *= sign);
            }
        }
    }
}

/// The normalized Walsh–Hadamard transform of a power-of-two-long slice, in place.
///
/// The butterflies `(a, b) → (a + b, a − b)` of half-widths 1 and 2 are done together, four
/// values at a time; every butterfly is the same operation on the same operands as in the
/// plain level-by-level loop, so the result is bit-identical to it.
fn walsh_hadamard(x: &mut [f32]) {
    let n = x.len();
    debug_assert!(n.is_power_of_two());
    let mut half = 1;
    if n >= 4 {
        for quad in x.chunks_exact_mut(4) {
            let (s0, d0, s1, d1) = (quad[0] + quad[1], quad[0] - quad[1], quad[2] + quad[3], quad[2] - quad[3]);
            quad[0] = s0 + s1;
            quad[1] = d0 + d1;
            quad[2] = s0 - s1;
            quad[3] = d0 - d1;
        }
        half = 4;
    }
    while half < n {
        for start in (0..n).step_by(2 * half) {
            let (low, high) = x[start..start + 2 * half].split_at_mut(half);
            for (a, b) in low.iter_mut().zip(high.iter_mut()) {
                let (sum, difference) = (*a + *b, *a - *b);
                *a = sum;
                *b = difference;
            }
        }
        half *= 2;
    }
    let scale = 1.0 / (n as f32).sqrt();
    x.iter_mut().for_each(|value| *value *= scale);
}

/// `x ← (I − 2uuᵀ)·x` for a unit vector `u`.
fn reflect(x: &mut [f32], u: &[f32]) {
    let twice = 2.0 * crate::dot(x, u);
    x.iter_mut().zip(u).for_each(|(value, &component)| *value -= twice * component);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn random_vector(dim: usize, seed: u64) -> Vec<f32> {
        let mut rng = SplitMix64::new(seed);
        (0..dim).map(|_| rng.normal() as f32).collect()
    }

    fn norm(x: &[f32]) -> f64 {
        x.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>().sqrt()
    }

    #[test]
    fn rotations_keep_lengths_and_invert() {
        for kind in [RotationKind::Hadamard, RotationKind::Haar] {
            for dim in [1, 2, 3, 7, 50, 64, 100, 384] {
                let rotation = Rotation::new(kind, dim, 42);
                let original = random_vector(dim, dim as u64);
                let mut x = original.clone();
                rotation.apply(&mut x);
                assert!((norm(&x) - norm(&original)).abs() < 1e-4 * norm(&original), "{kind:?} d={dim}");
                rotation.apply_inverse(&mut x);
                for (a, b) in x.iter().zip(&original) {
                    assert!((a - b).abs() < 1e-4, "{kind:?} d={dim}: {a} vs {b}");
                }
            }
        }
    }

    #[test]
    fn rotations_preserve_inner_products() {
        for kind in [RotationKind::Hadamard, RotationKind::Haar] {
            let rotation = Rotation::new(kind, 200, 9);
            let (mut a, mut b) = (random_vector(200, 1), random_vector(200, 2));
            let before: f64 = a.iter().zip(&b).map(|(x, y)| f64::from(x * y)).sum();
            rotation.apply(&mut a);
            rotation.apply(&mut b);
            let after: f64 = a.iter().zip(&b).map(|(x, y)| f64::from(x * y)).sum();
            assert!((before - after).abs() < 1e-3, "{kind:?}: {before} vs {after}");
        }
    }

    /// A basis vector must come out spread like a random unit vector: coordinate variance
    /// `1/d`, Gaussian-like kurtosis, whatever the seed (checked over many seeds).
    #[test]
    fn rotated_basis_vectors_look_uniform_on_the_sphere() {
        for kind in [RotationKind::Hadamard, RotationKind::Haar] {
            for dim in [50, 384] {
                let (mut second, mut fourth, mut count) = (0.0, 0.0, 0.0);
                for seed in 0..200 {
                    let rotation = Rotation::new(kind, dim, seed);
                    let mut x = vec![0.0; dim];
                    x[(seed as usize * 7) % dim] = 1.0;
                    rotation.apply(&mut x);
                    for &v in &x {
                        let v = f64::from(v);
                        second += v * v;
                        fourth += v * v * v * v;
                        count += 1.0;
                    }
                }
                let variance = second / count;
                let kurtosis = fourth / count / (variance * variance);
                assert!((variance * dim as f64 - 1.0).abs() < 1e-3, "{kind:?} d={dim}: variance {variance}");
                // A uniform point on S^(d-1) has coordinate kurtosis 3d/(d+2).
                let want = 3.0 * dim as f64 / (dim as f64 + 2.0);
                assert!((kurtosis - want).abs() < 0.15, "{kind:?} d={dim}: kurtosis {kurtosis} vs {want}");
            }
        }
    }

    #[test]
    fn the_seed_decides_the_rotation() {
        let x = random_vector(64, 5);
        let rotate = |seed| {
            let mut y = x.clone();
            Rotation::new(RotationKind::Hadamard, 64, seed).apply(&mut y);
            y
        };
        assert_eq!(rotate(1), rotate(1));
        assert_ne!(rotate(1), rotate(2));
    }
}
