//! Lloyd–Max codebooks for one coordinate of a randomly rotated unit vector.
//!
//! After a uniformly random rotation, every coordinate `t` of a unit vector in `d` dimensions
//! has the density `f_d(t) ∝ (1 − t²)^((d−3)/2)` on [−1, 1] (a shifted Beta((d−1)/2, (d−1)/2)),
//! with variance exactly `1/d`; as `d` grows it tends to the normal N(0, 1/d). The best scalar
//! quantizer with `2^b` levels for that density (the Lloyd–Max quantizer) minimizes the
//! expected squared error; TurboQuant uses it for every coordinate.
//!
//! The solver works in the scaled variable `s = t·√d` (unit variance at every `d`). It lays a
//! fine grid of 2¹⁸ cells over the support, integrates the density and its first two moments
//! into prefix sums, and runs Lloyd's iteration (boundaries at the midpoints of neighbouring
//! centroids, each centroid the conditional mean of its cell) from the quantiles until no
//! centroid moves by more than 1e-13, reading partial cells by linear interpolation, and
//! finally makes the codebook exactly symmetric, as the density is. The
//! exact density is used at every `d ≥ 2` (beyond `d` ≈ 1000 it agrees with the Gaussian
//! limit to 1e-3); [`Codebook::gaussian`] gives the limit itself.
//!
//! Determinism: the computation is a fixed sequence of IEEE operations plus `libm` calls (pure
//! Rust), so the centroids are the same bits everywhere. The quantizer then rounds centroids to
//! `f32` and takes the decision boundaries as the `f32` midpoints *of the rounded centroids*, so
//! a code is a pure function of `f32` comparisons.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Grid cells over the support of the density.
const GRID_CELLS: usize = 1 << 18;
/// The grid's half-width in units of the standard deviation, where the support is wider.
const GRID_HALF_WIDTH: f64 = 16.0;
const MAX_ITERATIONS: usize = 100_000;
const TOLERANCE: f64 = 1e-13;

/// Which coordinate distribution a codebook is solved for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Density {
    /// The exact marginal of a uniform point on the sphere S^(d−1), `d ≥ 2`.
    Sphere(usize),
    /// The `d → ∞` limit, the standard normal (in units of `1/√d`).
    Gaussian,
}

/// The optimal `2^bits`-level scalar quantizer of one rotated coordinate, in units of the
/// coordinate's standard deviation `1/√d` (multiply by `1/√d` for unit vectors).
#[derive(Clone, Debug)]
pub struct Codebook {
    bits: u8,
    /// Centroids, increasing, in units of `1/√d`, as solved (f64).
    centroids: Vec<f64>,
    /// Expected squared error per coordinate in units of `1/d`: for a unit vector this is the
    /// whole vector's expected squared error `D_mse`.
    distortion: f64,
    /// Entropy of the index in bits, a lower bound for entropy-coding the codes.
    entropy: f64,
}

impl Codebook {
    /// The Lloyd–Max codebook for the exact sphere marginal in `dim` dimensions (`dim ≥ 2`,
    /// `1 ≤ bits ≤ 8`). Solved once per process for each pair and then shared.
    pub fn sphere(dim: usize, bits: u8) -> Arc<Codebook> {
        assert!(dim >= 2, "a codebook needs at least two dimensions");
        cached(Density::Sphere(dim), bits)
    }

    /// The Lloyd–Max codebook for the Gaussian limit (`1 ≤ bits ≤ 8`).
    pub fn gaussian(bits: u8) -> Arc<Codebook> {
        cached(Density::Gaussian, bits)
    }

    /// Bits per index.
    pub fn bits(&self) -> u8 {
        self.bits
    }

    /// The centroids in units of `1/√d`, increasing.
    pub fn centroids(&self) -> &[f64] {
        &self.centroids
    }

    /// The expected squared error for a unit vector, `D_mse = d · E[(t − c(t))²]`.
    pub fn distortion(&self) -> f64 {
        self.distortion
    }

    /// The entropy of the index distribution in bits.
    pub fn entropy(&self) -> f64 {
        self.entropy
    }

    /// The centroids for unit vectors in `dim` dimensions, rounded to `f32`.
    pub fn scaled_centroids(&self, dim: usize) -> Vec<f32> {
        let scale = 1.0 / (dim as f64).sqrt();
        self.centroids.iter().map(|&c| (c * scale) as f32).collect()
    }
}

fn cached(density: Density, bits: u8) -> Arc<Codebook> {
    assert!((1..=8).contains(&bits), "codebooks have 1 to 8 bits");
    type Solved = HashMap<(Density, u8), Arc<Codebook>>;
    static CACHE: OnceLock<Mutex<Solved>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(found) = cache.lock().expect("codebook cache").get(&(density, bits)) {
        return Arc::clone(found);
    }
    // Solved outside the lock: two threads may both solve, with identical results.
    let solved = Arc::new(solve(density, bits));
    Arc::clone(cache.lock().expect("codebook cache").entry((density, bits)).or_insert(solved))
}

/// The density, its first and second moments, integrated cell by cell.
struct Grid {
    low: f64,
    cell: f64,
    /// `moments[k][i]`: the integral of `s^k f(s)` over cells `0..i`, normalized to total mass 1.
    moments: [Vec<f64>; 3],
}

impl Grid {
    fn new(density: Density) -> Grid {
        let (half_width, log_density): (f64, Box<dyn Fn(f64) -> f64>) = match density {
            Density::Gaussian => (GRID_HALF_WIDTH, Box::new(|s: f64| -0.5 * s * s)),
            Density::Sphere(dim) => {
                let d = dim as f64;
                let exponent = (d - 3.0) / 2.0;
                (d.sqrt().min(GRID_HALF_WIDTH), Box::new(move |s: f64| exponent * libm::log1p(-s * s / d)))
            }
        };
        let cell = 2.0 * half_width / GRID_CELLS as f64;
        let mut moments = [vec![0.0; GRID_CELLS + 1], vec![0.0; GRID_CELLS + 1], vec![0.0; GRID_CELLS + 1]];
        for i in 0..GRID_CELLS {
            let s = -half_width + (i as f64 + 0.5) * cell;
            let mass = libm::exp(log_density(s)) * cell;
            moments[0][i + 1] = moments[0][i] + mass;
            moments[1][i + 1] = moments[1][i] + mass * s;
            moments[2][i + 1] = moments[2][i] + mass * s * s;
        }
        let total = moments[0][GRID_CELLS];
        for moment in &mut moments {
            moment.iter_mut().for_each(|value| *value /= total);
        }
        Grid { low: -half_width, cell, moments }
    }

    /// The integral of `s^k f(s)` from the lower end to `at`, linear inside a cell.
    fn below(&self, k: usize, at: f64) -> f64 {
        let position = ((at - self.low) / self.cell).clamp(0.0, GRID_CELLS as f64);
        let index = (position as usize).min(GRID_CELLS - 1);
        let fraction = position - index as f64;
        let table = &self.moments[k];
        table[index] + fraction * (table[index + 1] - table[index])
    }

    /// The value below which a fraction `p` of the mass lies.
    fn quantile(&self, p: f64) -> f64 {
        let table = &self.moments[0];
        let index = table.partition_point(|&mass| mass < p).clamp(1, GRID_CELLS);
        let (before, after) = (table[index - 1], table[index]);
        let fraction = if after > before { (p - before) / (after - before) } else { 0.5 };
        self.low + (index as f64 - 1.0 + fraction) * self.cell
    }
}

fn solve(density: Density, bits: u8) -> Codebook {
    let grid = Grid::new(density);
    let levels = 1usize << bits;
    let mut centroids: Vec<f64> = (0..levels).map(|i| grid.quantile((i as f64 + 0.5) / levels as f64)).collect();
    let mut edges = vec![0.0; levels + 1];
    edges[0] = f64::NEG_INFINITY;
    edges[levels] = f64::INFINITY;
    for _ in 0..MAX_ITERATIONS {
        for i in 1..levels {
            edges[i] = 0.5 * (centroids[i - 1] + centroids[i]);
        }
        let mut largest_step: f64 = 0.0;
        for i in 0..levels {
            let mass = grid.below(0, edges[i + 1]) - grid.below(0, edges[i]);
            if mass > 0.0 {
                let mean = (grid.below(1, edges[i + 1]) - grid.below(1, edges[i])) / mass;
                largest_step = largest_step.max((mean - centroids[i]).abs());
                centroids[i] = mean;
            }
        }
        if largest_step < TOLERANCE {
            break;
        }
    }
    // Both densities are even; rounding in the prefix sums must not make the codebook lopsided.
    for i in 0..levels / 2 {
        let magnitude = 0.5 * (centroids[levels - 1 - i] - centroids[i]);
        centroids[i] = -magnitude;
        centroids[levels - 1 - i] = magnitude;
    }
    for i in 1..levels {
        edges[i] = 0.5 * (centroids[i - 1] + centroids[i]);
    }
    let (mut distortion, mut entropy) = (0.0, 0.0);
    for (i, &c) in centroids.iter().enumerate() {
        let part = |k: usize| grid.below(k, edges[i + 1]) - grid.below(k, edges[i]);
        let (mass, first, second) = (part(0), part(1), part(2));
        distortion += second - 2.0 * c * first + c * c * mass;
        if mass > 0.0 {
            entropy -= mass * libm::log2(mass);
        }
    }
    Codebook { bits, centroids, distortion, entropy }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn positive_half(codebook: &Codebook) -> Vec<f64> {
        codebook.centroids()[codebook.centroids().len() / 2..].to_vec()
    }

    fn assert_close(got: &[f64], want: &[f64], tolerance: f64) {
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() <= tolerance, "got {got:?}, want {want:?}");
        }
    }

    /// Gaussian-limit centroids and distortions, turboquant-spec.md §2.4 (Max's 1960 table).
    #[test]
    fn gaussian_limit_matches_the_published_table() {
        let table: [(u8, &[f64], f64); 4] = [
            (1, &[0.79788], 0.36338),
            (2, &[0.45278, 1.51042], 0.11748),
            (3, &[0.24509, 0.75601, 1.34391, 2.15195], 0.03455),
            (4, &[0.12840, 0.38805, 0.65676, 0.94234, 1.25623, 1.61805, 2.06902, 2.73259], 0.00950),
        ];
        for (bits, centroids, distortion) in table {
            let codebook = Codebook::gaussian(bits);
            assert_close(&positive_half(&codebook), centroids, 1e-4);
            assert!((codebook.distortion() - distortion).abs() < 2e-5, "b={bits}: {}", codebook.distortion());
        }
        assert!((Codebook::gaussian(5).distortion() - 0.002505).abs() < 2e-6);
        assert!((positive_half(&Codebook::gaussian(1))[0] - (2.0 / std::f64::consts::PI).sqrt()).abs() < 1e-6);
    }

    /// Exact sphere-marginal centroids and distortions, turboquant-spec.md §2.4.
    #[test]
    fn sphere_marginal_matches_the_published_table() {
        // (dimension, positive centroids for b = 1…3, D_mse for b = 1…4)
        type Row = (usize, [&'static [f64]; 3], [f64; 4]);
        let table: [Row; 3] = [
            (
                32,
                [&[0.80414], &[0.45143, 1.48956], &[0.2424, 0.74533, 1.315, 2.07193]],
                [0.35336, 0.11160, 0.03226, 0.00877],
            ),
            (
                128,
                [&[0.79944], &[0.45245, 1.50519], &[0.24442, 0.75333, 1.3366, 2.13147]],
                [0.36089, 0.11600, 0.03397, 0.00931],
            ),
            (
                1536,
                [&[0.79801], &[0.45275, 1.50998], &[0.24504, 0.75578, 1.3433, 2.15023]],
                [0.36317, 0.11736, 0.03450, 0.00949],
            ),
        ];
        for (dim, centroids, distortions) in table {
            for (bits, want) in (1..=3).zip(centroids) {
                assert_close(&positive_half(&Codebook::sphere(dim, bits)), want, 1e-4);
            }
            for (bits, want) in (1..=4).zip(distortions) {
                let got = Codebook::sphere(dim, bits).distortion();
                assert!((got - want).abs() < 1e-5 + 1e-3 * want, "d={dim} b={bits}: {got} vs {want}");
            }
        }
        let four_bits_128 = [0.12787, 0.38638, 0.65362, 0.9371, 1.24777, 1.60434, 2.04593, 2.68886];
        assert_close(&positive_half(&Codebook::sphere(128, 4)), &four_bits_128, 1e-4);
        // The b = 1 centroid has a closed form: E|s| = √d·Γ(d/2)/(√π·Γ((d+1)/2)).
        let d = 64.0f64;
        let exact =
            d.sqrt() * libm::exp(libm::lgamma(d / 2.0) - libm::lgamma((d + 1.0) / 2.0)) / std::f64::consts::PI.sqrt();
        assert!((positive_half(&Codebook::sphere(64, 1))[0] - exact).abs() < 1e-6);
    }

    #[test]
    fn index_entropy_matches_the_published_values() {
        for (bits, want) in [(2, 1.911), (3, 2.825), (4, 3.765)] {
            let got = Codebook::gaussian(bits).entropy();
            assert!((got - want).abs() < 0.02, "b={bits}: {got}");
        }
    }

    #[test]
    fn distortion_lies_between_the_bounds_at_every_width() {
        for bits in 1..=8u8 {
            let lower = 0.25f64.powi(bits.into());
            let upper = 3f64.sqrt() * std::f64::consts::PI / 2.0 * lower;
            let got = Codebook::sphere(384, bits).distortion();
            assert!(lower < got && got < upper, "b={bits}: {got} not in ({lower}, {upper})");
            let centroids = Codebook::sphere(384, bits).centroids().to_vec();
            assert!(centroids.windows(2).all(|pair| pair[0] < pair[1]), "b={bits} centroids not increasing");
            assert!(
                centroids.iter().zip(centroids.iter().rev()).all(|(a, b)| (a + b) == 0.0),
                "b={bits} not symmetric"
            );
        }
    }

    #[test]
    fn tiny_dimensions_have_codebooks_inside_the_support() {
        for dim in [2, 3, 4, 5] {
            for bits in 1..=4 {
                let codebook = Codebook::sphere(dim, bits);
                let limit = (dim as f64).sqrt();
                assert!(codebook.centroids().iter().all(|c| c.abs() < limit));
                assert!(codebook.distortion() > 0.0 && codebook.distortion() < 1.0);
            }
        }
    }
}
