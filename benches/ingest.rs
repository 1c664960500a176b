//! Ingest throughput: typed calls and Segment JSON lines, events per second.

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use pulsecheck::sample::{self, Sample};
use pulsecheck::{Call, Engine};

fn ingest(c: &mut Criterion) {
    let mut group = c.benchmark_group("ingest");
    group.sample_size(10);
    for accounts in [100usize, 1_000] {
        let sample = Sample::new().accounts(accounts);
        let calls: Vec<Call> = sample.calls().collect();
        let lines: Vec<String> = calls.iter().map(Call::to_json).collect();
        let empty = Engine::new(sample::config()).expect("valid config");
        group.throughput(Throughput::Elements(calls.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("typed", sample.user_count()),
            &calls,
            |b, calls| {
                b.iter_batched(
                    || empty.clone(),
                    |mut engine| {
                        for call in calls {
                            let _ = engine.ingest(call);
                        }
                        engine
                    },
                    BatchSize::LargeInput,
                )
            },
        );
        group.bench_with_input(
            BenchmarkId::new("json", sample.user_count()),
            &lines,
            |b, lines| {
                b.iter_batched(
                    || empty.clone(),
                    |mut engine| {
                        for line in lines {
                            let _ = engine.ingest_json(line);
                        }
                        engine
                    },
                    BatchSize::LargeInput,
                )
            },
        );
        group.bench_with_input(
            BenchmarkId::new("serde_json_value_only", sample.user_count()),
            &lines,
            |b, lines| {
                b.iter(|| {
                    lines
                        .iter()
                        .filter(|l| serde_json::from_str::<serde_json::Value>(l).is_ok())
                        .count()
                })
            },
        );
    }
    group.finish();
}

/// Typed calls at the size: 100 k users (about 9.5 M calls).
fn typed_at_scale(c: &mut Criterion) {
    let mut group = c.benchmark_group("ingest_100k_users");
    group.sample_size(10);
    let sample = Sample::new().accounts(10_000);
    let calls: Vec<Call> = sample.calls().collect();
    let empty = Engine::new(sample::config()).expect("valid config");
    group.throughput(Throughput::Elements(calls.len() as u64));
    group.bench_function(BenchmarkId::new("typed", sample.user_count()), |b| {
        b.iter_batched(
            || empty.clone(),
            |mut engine| {
                for call in &calls {
                    let _ = engine.ingest(call);
                }
                engine
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, ingest, typed_at_scale);
criterion_main!(benches);
