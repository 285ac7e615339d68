//! Throughput of the coding engines on their hot paths, so that speed regressions show:
//! `cargo bench -p kolm`. Each measurement codes real corpus text on one thread, as one
//! block, in both directions.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kolm::{Level, Options};

fn corpus(name: &str, len: usize) -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/corpus/");
    let mut data = std::fs::read(format!("{path}{name}")).expect("testdata is present");
    data.truncate(len);
    data
}

fn native_engine(c: &mut Criterion) {
    let mut group = c.benchmark_group("native");
    group.sample_size(10);
    for (name, file) in [("text", "alice29.txt"), ("binary", "kennedy.xls")] {
        let data = corpus(file, 128 << 10);
        group.throughput(Throughput::Bytes(data.len() as u64));
        // The levels issue 5's targets name: the fastest, the default and the best.
        for level in [Level::FASTEST, Level::DEFAULT, Level::BEST] {
            let options = Options::new().level(level).threads(1);
            let packed = kolm::compress_with(&data, &options).unwrap();
            group.bench_function(format!("compress/{name}/level{level}"), |b| {
                b.iter(|| kolm::compress_with(&data, &options).unwrap())
            });
            group.bench_function(format!("decompress/{name}/level{level}"), |b| {
                b.iter(|| kolm::decompress_with(&packed, &options).unwrap())
            });
        }
    }
    group.finish();
}

/// Level 1's fast path: blocks of 512 KiB and more are sorted and coded by the small model.
fn sorted_path(c: &mut Criterion) {
    let mut group = c.benchmark_group("sorted");
    group.sample_size(10);
    let text = [corpus("lcet10.txt", usize::MAX), corpus("alice29.txt", usize::MAX)].concat();
    for (name, data) in [("text", text), ("binary", corpus("kennedy.xls", 600 << 10))] {
        group.throughput(Throughput::Bytes(data.len() as u64));
        let options = Options::new().level(Level::FASTEST).threads(1);
        let packed = kolm::compress_with(&data, &options).unwrap();
        group.bench_function(format!("compress/{name}"), |b| b.iter(|| kolm::compress_with(&data, &options).unwrap()));
        group.bench_function(format!("decompress/{name}"), |b| {
            b.iter(|| kolm::decompress_with(&packed, &options).unwrap())
        });
    }
    group.finish();
}

fn midicoth(c: &mut Criterion) {
    let mut group = c.benchmark_group("mdc7");
    group.sample_size(10);
    let data = corpus("alice29.txt", 16 << 10);
    group.throughput(Throughput::Bytes(data.len() as u64));
    let packed = kolm::mdc7::compress(&data).unwrap();
    group.bench_function("compress/text", |b| b.iter(|| kolm::mdc7::compress(&data).unwrap()));
    group.bench_function("decompress/text", |b| b.iter(|| kolm::mdc7::decompress(&packed).unwrap()));
    group.finish();
}

criterion_group!(benches, native_engine, sorted_path, midicoth);
criterion_main!(benches);
