//! Integration tests of `kolm-vq`: the theory the quantizers must reproduce, search on real
//! embeddings, determinism, and `.kvq` files under damage. One binary, one module per theme.

mod files;
mod search;
mod theory;

use kolm_vq::prng::SplitMix64;

/// `rows` vectors of `dim` independent standard normal coordinates, from `seed`.
pub fn gaussian_vectors(rows: usize, dim: usize, seed: u64) -> Vec<f32> {
    let mut rng = SplitMix64::new(seed);
    (0..rows * dim).map(|_| rng.normal() as f32).collect()
}

/// `rows` uniformly random unit vectors.
pub fn unit_vectors(rows: usize, dim: usize, seed: u64) -> Vec<f32> {
    let mut vectors = gaussian_vectors(rows, dim, seed);
    for row in vectors.chunks_exact_mut(dim) {
        let norm = row.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>().sqrt();
        row.iter_mut().for_each(|v| *v = (f64::from(*v) / norm) as f32);
    }
    vectors
}

/// `rows` Gaussian vectors around a common mean of length 8, with coordinates of unequal
/// spread (standard deviations from 0.5 to 1.5): data a calibration has something to fit.
pub fn anisotropic_vectors(rows: usize, dim: usize, seed: u64) -> Vec<f32> {
    let mut vectors = gaussian_vectors(rows, dim, seed);
    let mean = unit_vectors(1, dim, seed ^ 0x5EED);
    for row in vectors.chunks_exact_mut(dim) {
        for (j, (value, mu)) in row.iter_mut().zip(&mean).enumerate() {
            *value = *value * (0.5 + j as f32 / dim as f32) + 8.0 * mu;
        }
    }
    vectors
}

pub fn dot(a: &[f32], b: &[f32]) -> f64 {
    a.iter().zip(b).map(|(x, y)| f64::from(*x) * f64::from(*y)).sum()
}

/// A file of the repository's `testdata/vectors`.
pub fn testdata(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/vectors").join(name)
}
