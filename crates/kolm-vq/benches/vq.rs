//! Criterion benchmarks of kolm-vq's hot paths: encoding (rotation, quantization, the QJL
//! sketch) and search (table building, the scan kernels, reranking), on seeded Gaussian
//! vectors in 384 dimensions (the width of MiniLM embeddings).
//!
//! `cargo bench -p kolm-vq`

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use kolm_vq::prng::SplitMix64;
use kolm_vq::{Config, Index, Kernel, Quantizer, SearchParams, Variant};

const DIM: usize = 384;

fn vectors(rows: usize, seed: u64) -> Vec<f32> {
    let mut rng = SplitMix64::new(seed);
    (0..rows * DIM).map(|_| rng.normal() as f32).collect()
}

fn encode(c: &mut Criterion) {
    let data = vectors(1000, 1);
    let mut group = c.benchmark_group("encode");
    group.throughput(Throughput::Elements(1000));
    for (bits, variant) in [(2.0, Variant::MseUnbiased), (4.0, Variant::MseUnbiased), (4.0, Variant::Prod)] {
        let quantizer = Quantizer::new(Config::new(DIM, bits).with_variant(variant)).unwrap();
        let name = format!("{bits}b-{}", variant.name());
        group.bench_function(BenchmarkId::new("d384", name), |b| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
            b.iter(|| pool.install(|| quantizer.encode_batch(&data).unwrap()))
        });
    }
    group.finish();
}

fn search(c: &mut Criterion) {
    let base = vectors(50_000, 2);
    let query = vectors(1, 3);
    let mut group = c.benchmark_group("search-50k");
    for bits in [2.0, 4.0] {
        let mut index = Index::new(Quantizer::new(Config::new(DIM, bits)).unwrap());
        index.add(&base).unwrap();
        for kernel in [Kernel::Scalar, Kernel::Avx2, Kernel::Avx512].into_iter().filter(|k| k.is_available()) {
            let params = SearchParams::top(64).kernel(kernel);
            group.bench_function(BenchmarkId::new(format!("{bits}b"), format!("{kernel:?}")), |b| {
                b.iter(|| index.search(&query, &params).unwrap())
            });
        }
    }
    group.finish();
}

/// The scan kernels alone on one block (in cache): 384 units (384 coordinates at 4 bits)
/// for one and four queries; throughput in table lookups.
fn kernels(c: &mut Criterion) {
    let units = 384;
    let mut rng = SplitMix64::new(4);
    let tables: Vec<Vec<u8>> = (0..4).map(|_| (0..units * 16).map(|_| rng.next_u64() as u8 & 127).collect()).collect();
    let block: Vec<u8> = (0..units * 16).map(|_| rng.next_u64() as u8).collect();
    let mut group = c.benchmark_group("kernel-block");
    for queries in [1, 4] {
        group.throughput(Throughput::Elements((units * 32 * queries) as u64));
        let refs: Vec<&[u8]> = tables[..queries].iter().map(Vec::as_slice).collect();
        for kernel in [Kernel::Scalar, Kernel::Avx2, Kernel::Avx512].into_iter().filter(|k| k.is_available()) {
            let mut sums = vec![[0u32; 32]; queries];
            group.bench_function(BenchmarkId::new(format!("{queries}q"), format!("{kernel:?}")), |b| {
                b.iter(|| kernel.block_sums(&refs, &block, &mut sums))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, encode, search, kernels);
criterion_main!(benches);
