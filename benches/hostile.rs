//! What senders can choose costs what ordinary input does.
//!
//! - `crafted_ids`: 4 000 user ids searched so that the hash of the engine's id
//!   table, under a known seed, puts them all in two of its buckets, 5 calls each,
//!   against as many ordinary ids. With that seed (`known_seed`) they collide; with
//!   the random seed every engine gets by default (`random_seed`) they cost what
//!   ordinary ids do.
//! - `one_sender`: 600 000 calls of one user over 90 days, oldest first and newest
//!   first (a warehouse export `ORDER BY timestamp DESC`).
//! - `one_sender_distinct_days`: 100 000 calls of one user, each on its own day:
//!   every call adds a day to the user's daily lists.
//!
//! Each `one_sender` group runs the calls oldest first, newest first, and in a
//! fixed shuffle.

use std::hash::BuildHasher;

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use foldhash::SharedSeed;
use foldhash::fast::SeedableRandomState;
use pulsecheck::{Call, Config, Engine, Track, UserId};

const SEED: u64 = 0x5eed;

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 31, 12, 0, 0).unwrap()
}

/// `n` user ids whose hashes under the actor table's hash with `seed` agree in
/// their low `bits` bits (how `Engine::with_hash_seed` seeds that table).
fn crafted_ids(seed: u64, bits: u32, n: usize) -> Vec<String> {
    let hasher = SeedableRandomState::with_seed(seed, SharedSeed::global_fixed());
    let mask = (1u64 << bits) - 1;
    let target = hasher.hash_one("user-0") & mask;
    let mut name = String::new();
    let mut found = Vec::with_capacity(n);
    for i in 0u64.. {
        name.clear();
        std::fmt::Write::write_fmt(&mut name, format_args!("user-{i}")).unwrap();
        if hasher.hash_one(name.as_str()) & mask == target {
            found.push(name.clone());
            if found.len() == n {
                break;
            }
        }
    }
    found
}

fn calls_of(ids: &[String], per_id: usize) -> Vec<Call> {
    let mut calls = Vec::with_capacity(ids.len() * per_id);
    for round in 0..per_id {
        for (i, id) in ids.iter().enumerate() {
            let at = base() - Duration::minutes((round * ids.len() + i) as i64);
            calls.push(
                Track::new(UserId::from(id.as_str()), "Report Run", at)
                    .with_message_id(format!("{id}-{round}"))
                    .into(),
            );
        }
    }
    calls
}

fn ingest_all(engine: &Engine, calls: &[Call]) -> Engine {
    let mut engine = engine.clone();
    for call in calls {
        let _ = engine.ingest(call);
    }
    engine
}

fn crafted(c: &mut Criterion) {
    let mut group = c.benchmark_group("crafted_ids");
    group.sample_size(10);
    let n = 4_000;
    // 4 000 ids fill a table of 8 192 buckets: 12 equal low bits put them in two.
    let crafted = calls_of(&crafted_ids(SEED, 12, n), 5);
    let ordinary: Vec<String> = (0..n).map(|i| format!("user-{:x}", i * 7919)).collect();
    let ordinary = calls_of(&ordinary, 5);
    let known = Engine::with_hash_seed(Config::default(), SEED).unwrap();
    let random = Engine::new(Config::default()).unwrap();
    group.throughput(Throughput::Elements(crafted.len() as u64));
    for (name, engine, calls) in [
        ("ordinary/random_seed", &random, &ordinary),
        ("crafted/random_seed", &random, &crafted),
        ("ordinary/known_seed", &known, &ordinary),
        ("crafted/known_seed", &known, &crafted),
    ] {
        group.bench_function(name, |b| {
            b.iter_batched(|| (), |()| ingest_all(engine, calls), BatchSize::LargeInput)
        });
    }
    group.finish();
}

/// One user's calls, `step` apart, oldest first.
fn one_user(n: usize, step: Duration) -> Vec<Call> {
    let user = UserId::from("heavy-user");
    (0..n)
        .map(|i| {
            let at = base() - step * (n - i) as i32;
            Track::new(user.clone(), "Report Run", at)
                .with_message_id(format!("m-{i}"))
                .into()
        })
        .collect()
}

fn orders(c: &mut Criterion, group_name: &str, calls: Vec<Call>) {
    let mut group = c.benchmark_group(group_name);
    group.sample_size(10);
    group.throughput(Throughput::Elements(calls.len() as u64));
    let engine = Engine::new(Config::default()).unwrap();
    let mut newest_first = calls.clone();
    newest_first.reverse();
    // A fixed shuffle: each call's place is a hash of its index.
    let mut shuffled: Vec<(u64, Call)> = calls
        .iter()
        .enumerate()
        .map(|(i, c)| {
            (
                (i as u64)
                    .wrapping_mul(0x9e37_79b9_7f4a_7c15)
                    .rotate_left(29),
                c.clone(),
            )
        })
        .collect();
    shuffled.sort_unstable_by_key(|(key, _)| *key);
    let shuffled: Vec<Call> = shuffled.into_iter().map(|(_, c)| c).collect();
    for (order, calls) in [
        ("oldest_first", &calls),
        ("newest_first", &newest_first),
        ("shuffled", &shuffled),
    ] {
        group.bench_with_input(BenchmarkId::new(order, calls.len()), calls, |b, calls| {
            b.iter_batched(
                || (),
                |()| ingest_all(&engine, calls),
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

fn one_sender(c: &mut Criterion) {
    let n = 600_000;
    let step = Duration::milliseconds(90 * 86_400_000 / n as i64);
    orders(c, "one_sender", one_user(n, step));
}

fn one_sender_distinct_days(c: &mut Criterion) {
    orders(
        c,
        "one_sender_distinct_days",
        one_user(100_000, Duration::days(1)),
    );
}

criterion_group!(benches, crafted, one_sender, one_sender_distinct_days);
criterion_main!(benches);
