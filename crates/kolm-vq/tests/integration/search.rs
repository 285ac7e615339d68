//! Search: recall on real embeddings (MiniLM, GloVe), agreement between kernels and with
//! exhaustive scoring, determinism across thread counts, metrics and edge cases.

use kolm_vq::io::read_vectors;
use kolm_vq::{CodebookKind, Config, Index, Kernel, Metric, Quantizer, SearchParams, Variant};

use crate::{dot, gaussian_vectors, testdata};

/// Every variant at integer and fractional widths, with both codebooks where they differ, for
/// the agreement tests.
fn configurations(dim: usize) -> Vec<Config> {
    let mut configs = Vec::new();
    for variant in Variant::ALL {
        for bits in [1.0, 2.0, 2.5, 3.0, 3.5, 4.0, 6.0] {
            let config = Config::new(dim, bits).with_variant(variant);
            if Quantizer::new(config.clone()).unwrap().config().codebook() == CodebookKind::Pair {
                configs.push(config.clone().with_codebook(CodebookKind::Scalar));
            }
            configs.push(config);
        }
    }
    configs
}

fn exact_top1(base: &[f32], query: &[f32], dim: usize) -> usize {
    let scores: Vec<f64> = base.chunks_exact(dim).map(|row| dot(row, query)).collect();
    (0..scores.len()).max_by(|&a, &b| scores[a].total_cmp(&scores[b]).then(b.cmp(&a))).unwrap()
}

/// Recall@1@k on 1,000 MiniLM sentence embeddings (float16 file) with 50 held-out queries.
#[test]
fn minilm_recall_at_two_and_four_bits() {
    let base = read_vectors(&testdata("minilm384_base1000_f16.npy")).unwrap();
    let queries = read_vectors(&testdata("minilm384_queries50_f16.npy")).unwrap();
    assert_eq!((base.rows, base.cols, queries.rows), (1000, 384, 50));
    // (bits, variant, least recall@1@1, least recall@1@4)
    let floors = [
        (2.0, Variant::MseUnbiased, 0.75, 0.95),
        (2.0, Variant::Mse, 0.7, 0.95),
        (2.0, Variant::Prod, 0.55, 0.85),
        (4.0, Variant::MseUnbiased, 0.9, 1.0),
        (3.5, Variant::MseUnbiased, 0.85, 1.0),
    ];
    for (bits, variant, at1, at4) in floors {
        let config = Config::new(384, bits).with_variant(variant).with_outliers_from(&base.data);
        let mut index = Index::new(Quantizer::new(config).unwrap());
        index.add(&base.data).unwrap();
        let (mut hits1, mut hits4) = (0, 0);
        for q in 0..queries.rows {
            let query = queries.row(q);
            let want = exact_top1(&base.data, query, 384) as u64;
            let found = index.search(query, &SearchParams::top(4)).unwrap();
            hits1 += usize::from(found[0].id == want);
            hits4 += usize::from(found.iter().any(|hit| hit.id == want));
        }
        let (r1, r4) = (hits1 as f64 / 50.0, hits4 as f64 / 50.0);
        assert!(r1 >= at1 && r4 >= at4, "{bits} bits {}: recall@1 {r1}, @4 {r4}", variant.name());
    }
}

/// L2 search on raw GloVe vectors (norms 1.7 to 14): the reported squared distances are
/// `‖q‖² + ‖x‖² − 2·estimate`, and the true nearest neighbour is usually found.
#[test]
fn glove_l2_search_reports_squared_distances() {
    let base = read_vectors(&testdata("glove50_base2000.npy")).unwrap();
    let queries = read_vectors(&testdata("glove50_queries50.npy")).unwrap();
    let mut index = Index::new(Quantizer::new(Config::new(50, 4.0)).unwrap());
    index.add(&base.data).unwrap();
    let mut found_nearest = 0;
    for q in 0..queries.rows {
        let query = queries.row(q);
        let distances: Vec<f64> = (0..base.rows)
            .map(|id| base.row(id).iter().zip(query).map(|(a, b)| f64::from(a - b).powi(2)).sum())
            .collect();
        let nearest = (0..base.rows).min_by(|&a, &b| distances[a].total_cmp(&distances[b])).unwrap() as u64;
        let hits = index.search(query, &SearchParams::top(8).metric(Metric::L2)).unwrap();
        found_nearest += usize::from(hits.iter().any(|hit| hit.id == nearest));
        assert!(hits.windows(2).all(|pair| pair[0].score <= pair[1].score), "not nearest first");
        for hit in &hits {
            let x = base.row(hit.id as usize);
            let expected = dot(query, query) + dot(x, x) - 2.0 * f64::from(index.estimate(query, hit.id).unwrap());
            assert!((f64::from(hit.score) - expected).abs() < 1e-3 * expected.max(1.0), "{} vs {expected}", hit.score);
        }
    }
    assert!(found_nearest >= 45, "nearest neighbour among the first 8 for only {found_nearest} of 50 queries");
}

/// Every kernel (scalar, AVX2, AVX-512) returns identical results, and both return exactly the best
/// `k` of the exhaustive exact estimates (the reranking pass is exact; the scan only has to
/// keep the true best among its candidates, which a margin of 16 does here).
#[test]
fn kernels_agree_and_match_exhaustive_scoring() {
    let dim = 96;
    let base = gaussian_vectors(700, dim, 1);
    let queries = gaussian_vectors(12, dim, 2);
    for config in configurations(dim) {
        let config = config.with_outliers_from(&base);
        let label = format!("{} bits {} {}", config.bits(), config.variant().name(), config.codebook().name());
        let mut index = Index::new(Quantizer::new(config).unwrap());
        index.add(&base).unwrap();
        for metric in [Metric::InnerProduct, Metric::L2] {
            for query in queries.chunks_exact(dim) {
                let fast = index.search(query, &SearchParams::top(10).metric(metric)).unwrap();
                for kernel in [Kernel::Scalar, Kernel::Avx2, Kernel::Avx512].into_iter().filter(|k| k.is_available()) {
                    let other = index.search(query, &SearchParams::top(10).metric(metric).kernel(kernel)).unwrap();
                    assert_eq!(other, fast, "{label} {metric:?} {kernel:?}");
                }
                if metric == Metric::InnerProduct {
                    let estimates = index.estimates(query).unwrap();
                    let mut order: Vec<usize> = (0..estimates.len()).collect();
                    order.sort_by(|&a, &b| estimates[b].total_cmp(&estimates[a]).then(a.cmp(&b)));
                    let want: Vec<u64> = order[..10].iter().map(|&id| id as u64).collect();
                    let got: Vec<u64> = fast.iter().map(|hit| hit.id).collect();
                    assert_eq!(got, want, "{label}");
                    assert_eq!(fast[0].score, estimates[order[0]], "{label}");
                }
            }
        }
    }
}

/// The two-stage search of 4-bit indexes (a first pass over the signs of the indices, then
/// the packed codes of a shortlist) returns what the one-pass scan returns: on real embeddings
/// with a shortlist of 4·(k + 16), the same first result for every query and the same ten for
/// nearly all. A shortlist drawn at random instead would keep a query's ten best with
/// probability (104/1000)¹⁰.
#[test]
fn two_stage_search_returns_the_one_pass_results() {
    let base = read_vectors(&testdata("minilm384_base1000_f16.npy")).unwrap();
    let queries = read_vectors(&testdata("minilm384_queries50_f16.npy")).unwrap();
    for variant in [Variant::Mse, Variant::MseUnbiased] {
        let mut index = Index::new(Quantizer::new(Config::new(384, 4.0).with_variant(variant)).unwrap());
        index.add(&base.data).unwrap();
        let two_stage = SearchParams::top(10).shortlist(4 * 26);
        let one_pass = SearchParams::top(10).shortlist(1000);
        let (mut same_first, mut same_ten) = (0, 0);
        for q in 0..queries.rows {
            let (got, want) =
                (index.search(queries.row(q), &two_stage).unwrap(), index.search(queries.row(q), &one_pass).unwrap());
            same_first += usize::from(got[0] == want[0]);
            same_ten += usize::from(got == want);
        }
        assert_eq!(same_first, 50, "{}", variant.name());
        assert!(same_ten >= 48, "{}: the same ten results for {same_ten} of 50 queries", variant.name());
    }
}

/// The two-stage search (4-bit indexes of at least 256 dimensions, here with a shortlist of
/// 100 of 1,200 vectors) gives identical results with every kernel, for both metrics, and
/// with one thread or four.
#[test]
fn two_stage_kernels_agree() {
    let dim = 256;
    let base = gaussian_vectors(1200, dim, 11);
    let queries = gaussian_vectors(8, dim, 12);
    for variant in [Variant::Mse, Variant::MseUnbiased] {
        let mut index = Index::new(Quantizer::new(Config::new(dim, 4.0).with_variant(variant)).unwrap());
        index.add(&base).unwrap();
        for metric in [Metric::InnerProduct, Metric::L2] {
            let params = SearchParams::top(10).metric(metric).shortlist(100);
            for query in queries.chunks_exact(dim) {
                let scalar = index.search(query, &params.kernel(Kernel::Scalar)).unwrap();
                for kernel in [Kernel::Avx2, Kernel::Avx512].into_iter().filter(|k| k.is_available()) {
                    assert_eq!(
                        index.search(query, &params.kernel(kernel)).unwrap(),
                        scalar,
                        "{variant:?} {metric:?} {kernel:?}"
                    );
                }
            }
            let batch = |threads: usize| {
                let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
                pool.install(|| index.search_batch(&queries, &params).unwrap())
            };
            assert_eq!(batch(1), batch(4), "{variant:?} {metric:?}");
        }
    }
}

/// Codes and search results are the same bytes with one thread and with four.
#[test]
fn codes_and_results_do_not_depend_on_threads() {
    let dim = 128;
    let base = gaussian_vectors(3000, dim, 5);
    let queries = gaussian_vectors(40, dim, 6);
    for variant in Variant::ALL {
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| {
                let mut index = Index::new(
                    Quantizer::new(Config::new(dim, 2.5).with_variant(variant).with_outliers_from(&base)).unwrap(),
                );
                index.add(&base).unwrap();
                let results = index.search_batch(&queries, &SearchParams::top(5)).unwrap();
                (index.codes().to_vec(), results)
            })
        };
        let (codes_one, results_one) = run(1);
        let (codes_four, results_four) = run(4);
        assert!(codes_one == codes_four, "{} codes differ between 1 and 4 threads", variant.name());
        assert_eq!(results_one, results_four);
        // Adding in pieces gives the same index as adding at once.
        let mut pieces =
            Index::new(Quantizer::new(Config::new(dim, 2.5).with_variant(variant).with_outliers_from(&base)).unwrap());
        for chunk in base.chunks(dim * 1000) {
            pieces.add(chunk).unwrap();
        }
        assert!(pieces.codes() == codes_one.as_slice());
    }
}

#[test]
fn bad_vectors_are_refused_with_the_row() {
    let quantizer = Quantizer::new(Config::new(8, 2.0)).unwrap();
    let mut vectors = gaussian_vectors(5, 8, 1);
    vectors[3 * 8 + 2] = f32::NAN;
    let error = quantizer.encode_batch(&vectors).unwrap_err().to_string();
    assert!(error.contains("row 3") && error.contains("coordinate 2"), "{error}");
    vectors[3 * 8 + 2] = f32::INFINITY;
    assert!(quantizer.encode_batch(&vectors).unwrap_err().to_string().contains("inf"));
    assert!(quantizer.encode_batch(&vectors[..7]).is_err());

    let mut index = Index::new(quantizer);
    assert!(index.add(&vectors).is_err());
    assert!(index.is_empty(), "a failed add must add nothing");
    assert!(index.search(&[0.0; 8], &SearchParams::top(3)).unwrap().is_empty());
    assert!(index.search(&[0.0; 7], &SearchParams::top(3)).is_err());

    for (dim, bits) in [(1, 2.0), (8, 0.5), (8, 9.0), (8, f64::NAN), (2, 1.5)] {
        assert!(Quantizer::new(Config::new(dim, bits)).is_err(), "d={dim} b={bits} accepted");
    }
}

/// A zero vector is stored with norm 0 and scores exactly 0 against every query.
#[test]
fn zero_vectors_score_zero() {
    for variant in Variant::ALL {
        let mut index = Index::new(Quantizer::new(Config::new(16, 3.0).with_variant(variant)).unwrap());
        let mut vectors = gaussian_vectors(3, 16, 9);
        vectors[16..32].fill(0.0);
        index.add(&vectors).unwrap();
        let query = gaussian_vectors(1, 16, 10);
        assert_eq!(index.estimate(&query, 1).unwrap(), 0.0, "{}", variant.name());
        let mut decoded = vec![1.0f32; 16];
        index
            .quantizer()
            .decode(&index.codes()[index.quantizer().code_len()..2 * index.quantizer().code_len()], &mut decoded);
        assert!(decoded.iter().all(|&v| v == 0.0));
    }
}
