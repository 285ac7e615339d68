//! Monte Carlo checks of TurboQuant's theory (turboquant-spec.md §12), seeded and small
//! enough for CI: distortion per width and rotation, the inner-product shrink of `mse`, the
//! unbiasedness of `mse-unbiased` and `prod`, and `prod`'s error variance.

use kolm_vq::{CodebookKind, Config, Quantizer, RotationKind, Variant};

use crate::{dot, unit_vectors};

/// Mean `‖u − ũ‖²` over `rows` random unit vectors quantized by `quantizer`.
fn measured_distortion(quantizer: &Quantizer, rows: usize, seed: u64) -> f64 {
    let dim = quantizer.dim();
    let vectors = unit_vectors(rows, dim, seed);
    let codes = quantizer.encode_batch(&vectors).unwrap();
    let mut decoded = vec![0.0f32; dim];
    let mut total = 0.0;
    for (vector, code) in vectors.chunks_exact(dim).zip(codes.chunks_exact(quantizer.code_len())) {
        quantizer.decode(code, &mut decoded);
        total += vector.iter().zip(&decoded).map(|(a, b)| f64::from(a - b).powi(2)).sum::<f64>();
    }
    total / rows as f64
}

/// D_mse at d = 1536 for b = 1…4: within 2 % of the published values with a Haar rotation
/// and within 3 % with the randomized Hadamard transform; always between the bounds 4^−b and
/// (√3·π/2)·4^−b.
#[test]
fn distortion_at_1536_dimensions_matches_the_theory() {
    let published = [0.3632, 0.1174, 0.0345, 0.00949];
    for (rotation, tolerance, rows) in [(RotationKind::Haar, 0.02, 150), (RotationKind::Hadamard, 0.03, 1000)] {
        for (bits, &want) in (1..=4).zip(&published) {
            let config = Config::new(1536, f64::from(bits))
                .with_variant(Variant::Mse)
                .with_codebook(CodebookKind::Scalar)
                .with_rotation(rotation)
                .with_seed(7);
            let quantizer = Quantizer::new(config).unwrap();
            let got = measured_distortion(&quantizer, rows, bits as u64);
            let deviation = (got - want).abs() / want;
            eprintln!(
                "{rotation:?} b={bits}: D_mse {got:.5} (published {want}, {:+.2} %)",
                (got - want) / want * 100.0
            );
            assert!(
                deviation < tolerance,
                "{rotation:?} b={bits}: D_mse {got:.5} vs {want} ({:.2} %)",
                deviation * 100.0
            );
            let lower = 0.25f64.powi(bits);
            assert!(lower < got && got < 3f64.sqrt() * std::f64::consts::PI / 2.0 * lower);
        }
    }
}

/// The pair codebook at 2 bits: the measured D_mse at d = 1536 within 2 % of what its solver
/// predicts (0.1074), and at least 7 % below the scalar codebook's on the same vectors.
#[test]
fn pair_codebooks_cut_the_distortion_at_two_bits() {
    for rotation in [RotationKind::Haar, RotationKind::Hadamard] {
        let measure = |codebook| {
            let config =
                Config::new(1536, 2.0).with_variant(Variant::Mse).with_codebook(codebook).with_rotation(rotation);
            let quantizer = Quantizer::new(config).unwrap();
            (measured_distortion(&quantizer, 300, 5), quantizer.theoretical_distortion().unwrap())
        };
        let ((pair, predicted), (scalar, _)) = (measure(CodebookKind::Pair), measure(CodebookKind::Scalar));
        eprintln!("{rotation:?}: pair D_mse {pair:.5} (solver {predicted:.5}), scalar {scalar:.5}");
        assert!((pair - predicted).abs() < 0.02 * predicted, "{rotation:?}: {pair} vs {predicted}");
        assert!(pair < 0.93 * scalar, "{rotation:?}: pair {pair} vs scalar {scalar}");
    }
}

/// Pairs of a unit vector `x` and `y = c·x + √(1−c²)·n` for a random unit `n`: the true
/// and the estimated inner products.
fn estimates(config: Config, pairs: usize, seed: u64, c: f32) -> Vec<(f64, f64)> {
    let dim = config.dim();
    let quantizer = Quantizer::new(config.with_seed(seed)).unwrap();
    let xs = unit_vectors(pairs, dim, seed + 1);
    let noise = unit_vectors(pairs, dim, seed + 2);
    let mut index = kolm_vq::Index::new(quantizer);
    index.add(&xs).unwrap();
    let mut out = Vec::with_capacity(pairs);
    for i in 0..pairs {
        let x = &xs[i * dim..(i + 1) * dim];
        let y: Vec<f32> =
            x.iter().zip(&noise[i * dim..(i + 1) * dim]).map(|(a, b)| c * a + (1.0 - c * c).sqrt() * b).collect();
        let estimate = f64::from(index.estimate(&y, i as u64).unwrap());
        out.push((dot(x, &y), estimate));
    }
    out
}

fn mean_ratio(pairs: &[(f64, f64)]) -> f64 {
    let (truth, estimate) = pairs.iter().fold((0.0, 0.0), |(t, e), (a, b)| (t + a, e + b));
    estimate / truth
}

/// `mse` shrinks inner products by `1 − D_mse(b)`: 0.637 / 0.882 / 0.966 / 0.990 with scalar
/// codebooks, 0.893 with the pair codebook at 2 bits; the length correction of `mse-unbiased`
/// brings the ratio to 1.
#[test]
fn mse_shrinks_inner_products_and_the_correction_unbiases_them() {
    let scalar = [(1.0, 0.637), (2.0, 0.882), (3.0, 0.966), (4.0, 0.990)].map(|row| (row, CodebookKind::Scalar));
    for ((bits, want), codebook) in scalar.into_iter().chain([((2.0, 0.893), CodebookKind::Pair)]) {
        let config = |variant| Config::new(512, bits).with_variant(variant).with_codebook(codebook);
        let shrink = mean_ratio(&estimates(config(Variant::Mse), 1500, 11, 0.6));
        assert!((shrink - want).abs() < 0.01, "mse b={bits} {codebook:?}: ratio {shrink:.4} vs {want}");
        let corrected = mean_ratio(&estimates(config(Variant::MseUnbiased), 1500, 12, 0.6));
        eprintln!("b={bits} {codebook:?}: mse ratio {shrink:.4} (theory {want}), mse-unbiased ratio {corrected:.4}");
        assert!((corrected - 1.0).abs() < 0.01, "mse-unbiased b={bits} {codebook:?}: ratio {corrected:.4}");
    }
}

/// `prod` is unbiased (mean error within 3σ/√n) and its error variance, `d·Var/‖y‖²`, is
/// `π/2·D_mse(b−1)`: 1.571 / 0.571 / 0.185 / 0.054 for a Gaussian QJL matrix (±10 %), for
/// queries independent of the vectors (a QJL row's variance is `π/2·‖y‖²‖r‖² − ⟨y, r⟩²`, so
/// correlated pairs at one bit, where `r = x`, would come out lower).
#[test]
fn prod_is_unbiased_with_the_predicted_variance() {
    let dim = 256;
    for (bits, want) in [(1.0, 1.571), (2.0, 0.571), (3.0, 0.185), (4.0, 0.054)] {
        let config = Config::new(dim, bits).with_variant(Variant::Prod).with_codebook(CodebookKind::Scalar);
        let pairs = estimates(config, 3000, 21 + bits as u64, 0.0);
        let errors: Vec<f64> = pairs.iter().map(|(truth, estimate)| estimate - truth).collect();
        let n = errors.len() as f64;
        let mean = errors.iter().sum::<f64>() / n;
        let variance = errors.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / (n - 1.0);
        assert!(
            mean.abs() < 3.0 * (variance / n).sqrt(),
            "prod b={bits}: mean error {mean:.5}, sd {:.5}",
            variance.sqrt()
        );
        let scaled = dim as f64 * variance;
        eprintln!("prod b={bits}: mean error {mean:+.5}, d·Var {scaled:.4} (theory {want})");
        assert!((scaled - want).abs() < 0.1 * want, "prod b={bits}: d·Var {scaled:.4} vs {want}");
    }
}
