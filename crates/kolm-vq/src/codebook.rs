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
    static CACHE: Cache<(Density, u8), Codebook> = OnceLock::new();
    solved_once(&CACHE, (density, bits), || solve(density, bits))
}

type Cache<K, V> = OnceLock<Mutex<HashMap<K, Arc<V>>>>;

/// The value for `key`, solved on first use and then shared.
fn solved_once<K: Eq + std::hash::Hash, V>(cache: &Cache<K, V>, key: K, solve: impl FnOnce() -> V) -> Arc<V> {
    let cache = cache.get_or_init(Default::default);
    if let Some(found) = cache.lock().expect("codebook cache").get(&key) {
        return Arc::clone(found);
    }
    // Solved outside the lock: two threads may both solve, with identical results.
    let solved = Arc::new(solve());
    Arc::clone(cache.lock().expect("codebook cache").entry(key).or_insert(solved))
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

/// Radial strata of the pair solver's point set (equal probability each).
const PAIR_RADII: usize = 192;
/// Angles of the pair solver's point set; a multiple of 8, so that the set has the square's
/// symmetries.
const PAIR_ANGLES: usize = 192;
const PAIR_MAX_ITERATIONS: usize = 10_000;
/// Lloyd's starting arrangements for pairs: rings of (points, radius / √2), from the centre.
/// Within 0.3 % of each other for the Gaussian; 1 + 6 + 9 wins there.
const PAIR_STARTS: [[(usize, f64); 3]; 3] =
    [[(1, 0.0), (6, 0.7), (9, 1.4)], [(1, 0.0), (5, 0.7), (10, 1.4)], [(0, 0.0), (5, 0.5), (11, 1.35)]];

/// The optimal 16-point quantizer of a *pair* of rotated coordinates, 2 bits per coordinate.
///
/// Two coordinates quantized jointly can place their 16 points where the pair's mass is (the
/// pair's density is round, not square), which no product of two scalar codebooks can: for
/// the Gaussian limit the mean squared error drops from 0.1175 to 0.1075 per coordinate
/// (−8.5 %), at the same 4 bits per pair. The best arrangement is a point at the centre, a ring
/// of 6 and a ring of 9. A pair's index is a nibble, so the search scans pair codes exactly as
/// it scans scalar 2-bit codes, through one 16-entry table per pair.
///
/// **Solver.** The density of a pair `(s₁, s₂)` (units of `1/√d`, as [`Codebook`]) is round,
/// so it is sampled on a polar point set: 192 equal-mass strata of the squared
/// radius, each at its root-mean-square radius (closed forms: for the sphere marginal
/// `r²/d ~ Beta(1, (d−2)/2)`, for the Gaussian limit `r² ~ χ²₂`), times 192
/// equally spaced angles, every point of equal weight. Lloyd's iteration runs until no point
/// changes cell, from each of three starts (a centre and rings of 6 and 9; a centre and rings
/// of 5 and 10; rings of 5 and 11; radii in units of the pair's RMS radius `√2`, drawn in at
/// most to 90 % of the support), and the start that ends
/// with the least error wins (the first among equals). Points are numbered ring by ring from
/// the centre, counter-clockwise from the positive first axis within a ring.
#[derive(Clone, Debug)]
pub struct PairCodebook {
    /// The points' coordinates in units of `1/√d`.
    points: [[f64; 2]; 16],
    /// Expected squared error per coordinate in units of `1/d` (`D_mse` for a unit vector), as
    /// measured on the solver's point set.
    distortion: f64,
}

impl PairCodebook {
    /// The pair codebook for the exact sphere marginal in `dim ≥ 2` dimensions, solved once per
    /// process and then shared.
    pub fn sphere(dim: usize) -> Arc<PairCodebook> {
        assert!(dim >= 2, "a codebook needs at least two dimensions");
        static CACHE: Cache<Density, PairCodebook> = OnceLock::new();
        solved_once(&CACHE, Density::Sphere(dim), || solve_pairs(Density::Sphere(dim)))
    }

    /// The pair codebook for the Gaussian limit.
    pub fn gaussian() -> Arc<PairCodebook> {
        static CACHE: Cache<Density, PairCodebook> = OnceLock::new();
        solved_once(&CACHE, Density::Gaussian, || solve_pairs(Density::Gaussian))
    }

    /// The 16 points in units of `1/√d`.
    pub fn points(&self) -> &[[f64; 2]; 16] {
        &self.points
    }

    /// The expected squared error for a unit vector, per coordinate as [`Codebook::distortion`].
    pub fn distortion(&self) -> f64 {
        self.distortion
    }

    /// The points for unit vectors in `dim` dimensions, rounded to `f32`.
    pub fn scaled_points(&self, dim: usize) -> [[f32; 2]; 16] {
        let scale = 1.0 / (dim as f64).sqrt();
        self.points.map(|point| point.map(|c| (c * scale) as f32))
    }
}

/// The solver's point set: equal-mass radial strata times equally spaced angles. Each
/// stratum's radius is its root-mean-square radius, so that the set has the density's second
/// moment exactly and the outermost stratum stands for the whole tail.
fn pair_sample(density: Density) -> Vec<[f64; 2]> {
    // ∫₀ᵖ Q(u) du for the quantile function Q of the squared radius.
    let integrated_quantile = |p: f64| match density {
        // Q(u) = −2·ln(1 − u); the whole integral is 2 (where (1 − p)·ln(1 − p) would be 0·∞).
        Density::Gaussian if p >= 1.0 => 2.0,
        Density::Gaussian => 2.0 * ((1.0 - p) * (libm::log1p(-p) - 1.0) + 1.0),
        Density::Sphere(2) => 2.0 * p,
        // Q(u) = d·(1 − (1 − u)^α), α = 2/(d − 2)
        Density::Sphere(dim) => {
            let (d, power) = (dim as f64, 2.0 / (dim as f64 - 2.0) + 1.0);
            d * (p + libm::expm1(power * libm::log1p(-p)) / power)
        }
    };
    let mut sample = Vec::with_capacity(PAIR_RADII * PAIR_ANGLES);
    for i in 0..PAIR_RADII {
        let (low, high) = (i as f64 / PAIR_RADII as f64, (i + 1) as f64 / PAIR_RADII as f64);
        let radius = ((integrated_quantile(high) - integrated_quantile(low)) * PAIR_RADII as f64).sqrt();
        for j in 0..PAIR_ANGLES {
            let angle = 2.0 * std::f64::consts::PI * (j as f64 + 0.5) / PAIR_ANGLES as f64;
            sample.push([radius * libm::cos(angle), radius * libm::sin(angle)]);
        }
    }
    sample
}

/// The index of the point nearest `target` (the lowest index among equals) and its squared
/// distance.
fn nearest(points: &[[f64; 2]; 16], target: [f64; 2]) -> (usize, f64) {
    let mut best = (f64::INFINITY, 0);
    for (index, point) in points.iter().enumerate() {
        let (dx, dy) = (target[0] - point[0], target[1] - point[1]);
        let distance = dx * dx + dy * dy;
        if distance < best.0 {
            best = (distance, index);
        }
    }
    (best.1, best.0)
}

fn solve_pairs(density: Density) -> PairCodebook {
    let sample = pair_sample(density);
    let support = match density {
        Density::Sphere(dim) => (dim as f64).sqrt(),
        Density::Gaussian => f64::INFINITY,
    };
    let mut best: Option<PairCodebook> = None;
    for rings in PAIR_STARTS {
        let mut start = Vec::with_capacity(16);
        for (count, radius) in rings {
            let radius = (radius * std::f64::consts::SQRT_2).min(0.9 * support);
            for k in 0..count {
                let angle = 2.0 * std::f64::consts::PI * k as f64 / count as f64;
                start.push([radius * libm::cos(angle), radius * libm::sin(angle)]);
            }
        }
        let solved = lloyd_pairs(&sample, start.try_into().expect("16 starting points"));
        if best.as_ref().is_none_or(|best| solved.distortion < best.distortion) {
            best = Some(solved);
        }
    }
    best.expect("at least one start")
}

/// Lloyd's iteration on the point set from `points`, until no point of the set changes cell.
fn lloyd_pairs(sample: &[[f64; 2]], mut points: [[f64; 2]; 16]) -> PairCodebook {
    let mut cells = vec![u8::MAX; sample.len()];
    let mut total = 0.0;
    for _ in 0..PAIR_MAX_ITERATIONS {
        let mut changed = false;
        let mut sums = [[0.0f64; 3]; 16];
        total = 0.0;
        for (cell, &target) in cells.iter_mut().zip(sample) {
            let (index, distance) = nearest(&points, target);
            changed |= usize::from(*cell) != index;
            *cell = index as u8;
            total += distance;
            let sum = &mut sums[index];
            sum[0] += target[0];
            sum[1] += target[1];
            sum[2] += 1.0;
        }
        if !changed {
            break;
        }
        for (point, sum) in points.iter_mut().zip(&sums) {
            if sum[2] > 0.0 {
                *point = [sum[0] / sum[2], sum[1] / sum[2]];
            }
        }
    }
    PairCodebook { points, distortion: total / (2 * sample.len()) as f64 }
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
    fn pair_codebooks_beat_the_scalar_product() {
        let gaussian = PairCodebook::gaussian();
        // Lloyd from the 1 + 6 + 9 start on 10⁶ normal pairs (numpy): 0.1075.
        assert!((gaussian.distortion() - 0.1075).abs() < 3e-4, "{}", gaussian.distortion());
        for dim in [2, 3, 4, 50, 384, 1536] {
            let pairs = PairCodebook::sphere(dim);
            let scalar = Codebook::sphere(dim, 2).distortion();
            assert!(pairs.distortion() < 0.95 * scalar, "d={dim}: {} vs {scalar}", pairs.distortion());
            let limit = (dim as f64).sqrt();
            assert!(pairs.points().iter().all(|p| p[0].hypot(p[1]) <= limit + 1e-9), "d={dim}");
        }
        let (large, limit) = (PairCodebook::sphere(1536), PairCodebook::gaussian());
        for (a, b) in large.points().iter().zip(limit.points()) {
            assert!((a[0] - b[0]).abs() < 2e-3 && (a[1] - b[1]).abs() < 2e-3, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn pair_codebooks_are_a_centre_and_two_rings_with_threefold_symmetry() {
        for codebook in [PairCodebook::gaussian(), PairCodebook::sphere(50)] {
            let points = codebook.points();
            let radius = |p: &[f64; 2]| p[0].hypot(p[1]);
            assert!(radius(&points[0]) < 1e-9, "{points:?}");
            assert!(points[1..7].iter().all(|p| (0.8..1.1).contains(&radius(p))), "{points:?}");
            assert!(points[7..].iter().all(|p| (1.7..2.2).contains(&radius(p))), "{points:?}");
            let (cos, sin) = (-0.5, 3f64.sqrt() / 2.0);
            for &[x, y] in points {
                for image in [[cos * x - sin * y, sin * x + cos * y], [x, -y]] {
                    let nearest = points.iter().map(|p| (p[0] - image[0]).hypot(p[1] - image[1])).fold(1.0, f64::min);
                    assert!(nearest < 1e-9, "no point near {image:?} in {points:?}");
                }
            }
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
