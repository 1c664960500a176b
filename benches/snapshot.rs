//! Snapshot cost: every property of every user and account, users per second, at
//! 10 k, 100 k and 1 M users (the sizes; the 1 M engine takes about a
//! minute and several GB to build before the first sample), and at 100 k users on
//! two threads (`Engine::set_snapshot_threads`); at 100 k users also without the
//! time it takes to drop the snapshot, on one thread and on two; at 100 k and 1 M
//! users also after `Engine::shrink_to_fit`, which packs each user's lists.
//!
//! `health/…`: the same 10 k-user stream (with NPS answers and revenue changes)
//! snapshotted without and with the `health` section, to see what the customer
//! health properties cost (`cargo bench --bench snapshot -- health`).
//!
//! `portfolio/…`: on that stream with `health`, the snapshot of the last day next
//! to the portfolio of the same day, which must cost less
//! (`cargo bench --bench snapshot -- portfolio`).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use pulsecheck::Engine;
use pulsecheck::sample::{self, Sample};

fn snapshot(c: &mut Criterion) {
    let mut group = c.benchmark_group("snapshot");
    group.sample_size(10);
    for accounts in [1_000usize, 10_000, 100_000] {
        let sample = Sample::new().accounts(accounts);
        let mut engine = Engine::new(sample::config()).expect("valid config");
        for call in sample.calls() {
            let _ = engine.ingest(&call);
        }
        group.throughput(Throughput::Elements(sample.user_count() as u64));
        group.bench_with_input(
            BenchmarkId::new("users", sample.user_count()),
            &engine,
            |b, engine| b.iter(|| engine.snapshot(sample.end())),
        );
        if accounts == 10_000 {
            // The same snapshot on both of the reference machine's cores, with and
            // without the drop (which stays on the calling thread).
            for threads in [1, 2] {
                engine.set_snapshot_threads(threads);
                if threads == 2 {
                    group.bench_with_input(
                        BenchmarkId::new("users_2_threads", sample.user_count()),
                        &engine,
                        |b, engine| b.iter(|| engine.snapshot(sample.end())),
                    );
                }
                group.bench_with_input(
                    BenchmarkId::new(
                        format!("without_drop_{threads}_threads"),
                        sample.user_count(),
                    ),
                    &engine,
                    |b, engine| b.iter_with_large_drop(|| engine.snapshot(sample.end())),
                );
            }
            engine.set_snapshot_threads(1);
        }
        if accounts >= 10_000 {
            // As a host would after a bulk load: lists exact-size and packed.
            engine.shrink_to_fit();
            group.bench_with_input(
                BenchmarkId::new("users_after_shrink_to_fit", sample.user_count()),
                &engine,
                |b, engine| b.iter(|| engine.snapshot(sample.end())),
            );
        }
    }
    group.finish();
}

fn health(c: &mut Criterion) {
    let mut group = c.benchmark_group("health");
    group.sample_size(20);
    let sample = Sample::new().accounts(1_000).health(true);
    group.throughput(Throughput::Elements(sample.user_count() as u64));
    for (name, config) in [
        ("without", sample::config()),
        ("with", sample::health_config()),
    ] {
        let mut engine = Engine::new(config).expect("valid config");
        for call in sample.calls() {
            let _ = engine.ingest(&call);
        }
        group.bench_with_input(
            BenchmarkId::new(name, sample.user_count()),
            &engine,
            |b, engine| b.iter(|| engine.snapshot(sample.end())),
        );
    }
    group.finish();
}

fn portfolio(c: &mut Criterion) {
    let mut group = c.benchmark_group("portfolio");
    group.sample_size(20);
    let sample = Sample::new().accounts(1_000).health(true);
    group.throughput(Throughput::Elements(sample.user_count() as u64));
    let mut engine = Engine::new(sample::health_config()).expect("valid config");
    for call in sample.calls() {
        let _ = engine.ingest(&call);
    }
    group.bench_with_input(
        BenchmarkId::new("snapshot", sample.user_count()),
        &engine,
        |b, engine| b.iter(|| engine.snapshot(sample.end())),
    );
    group.bench_with_input(
        BenchmarkId::new("portfolio", sample.user_count()),
        &engine,
        |b, engine| b.iter(|| engine.portfolio(sample.end())),
    );
    group.finish();
}

criterion_group!(benches, health, snapshot, portfolio);
criterion_main!(benches);
