//! Ingest throughput: typed calls and Segment JSON lines, events per second.
//!
//! `json` and `serde_json_value_only` read the same lines (the sample stream as
//! `Call::to_json` writes it, about 160 bytes a line): the goal of issue 5 is that
//! ingesting a line costs at most half of merely parsing it into a
//! `serde_json::Value`. The `_rich` pair does the same on the lines an SDK such as
//! analytics.js really sends (about 800 bytes: library, page, user agent, locale,
//! integrations, several timestamps), where most of the line is skipped.
//!
//! `intern` times the id table alone (the crate's private `Interner`, compiled
//! into this bench from its source) at 1 M names in a random order: `hit` looks up
//! names all present, `new` fills an empty table (growth included), `absent` looks
//! up names never interned. `short` names are like `user_0000123` (12 bytes),
//! `uuid` ones are 36 bytes.

use criterion::measurement::WallTime;
use criterion::{
    BatchSize, BenchmarkGroup, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main,
};
use pulsecheck::sample::{self, Sample};
use pulsecheck::{Call, Engine, JsonScratch};

// Not every method of the table is timed here.
#[allow(dead_code)]
#[path = "../src/intern.rs"]
mod intern;

fn ingest(c: &mut Criterion) {
    let mut group = c.benchmark_group("ingest");
    group.sample_size(10);
    for accounts in [100usize, 1_000] {
        let sample = Sample::new().accounts(accounts);
        let users = sample.user_count();
        let calls: Vec<Call> = sample.calls().collect();
        let lines: Vec<String> = calls.iter().map(Call::to_json).collect();
        let empty = Engine::new(sample::config()).expect("valid config");
        group.throughput(Throughput::Elements(calls.len() as u64));
        into_fresh_engines(&mut group, ("typed", users), &empty, &calls, |e, call| {
            let _ = e.ingest(call);
        });
        // `ingest_json` starts from an empty scratch at every line; `json_scratch`
        // keeps one across the lines, as a loop over a stream should.
        into_fresh_engines(&mut group, ("json", users), &empty, &lines, |e, line| {
            let _ = e.ingest_json(line);
        });
        let mut scratch = JsonScratch::new();
        into_fresh_engines(
            &mut group,
            ("json_scratch", users),
            &empty,
            &lines,
            |e, line| {
                let _ = e.ingest_json_with(line, &mut scratch);
            },
        );
        value_parse(&mut group, ("serde_json_value_only", users), &lines);
        if accounts == 100 {
            let rich: Vec<String> = lines.iter().map(|l| enrich(l)).collect();
            into_fresh_engines(
                &mut group,
                ("json_rich", users),
                &empty,
                &rich,
                |e, line| {
                    let _ = e.ingest_json(line);
                },
            );
            into_fresh_engines(
                &mut group,
                ("json_rich_scratch", users),
                &empty,
                &rich,
                |e, line| {
                    let _ = e.ingest_json_with(line, &mut scratch);
                },
            );
            value_parse(&mut group, ("serde_json_value_only_rich", users), &rich);
        }
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
    let id = ("typed", sample.user_count());
    into_fresh_engines(&mut group, id, &empty, &calls, |e, call| {
        let _ = e.ingest(call);
    });
    group.finish();
}

/// Times feeding every item to a clone of `empty` (the clone is made untimed).
fn into_fresh_engines<T>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    (name, users): (&str, impl std::fmt::Display),
    empty: &Engine,
    items: &[T],
    mut ingest: impl FnMut(&mut Engine, &T),
) {
    group.bench_with_input(BenchmarkId::new(name, users), items, |b, items| {
        b.iter_batched(
            || empty.clone(),
            |mut engine| {
                for item in items {
                    ingest(&mut engine, item);
                }
                engine
            },
            BatchSize::LargeInput,
        )
    });
}

/// Times merely parsing every line into a `serde_json::Value`: the baseline the
/// JSON ingest is held to.
fn value_parse(
    group: &mut BenchmarkGroup<'_, WallTime>,
    (name, users): (&str, usize),
    lines: &[String],
) {
    group.bench_with_input(BenchmarkId::new(name, users), lines, |b, lines| {
        b.iter(|| {
            lines
                .iter()
                .filter(|l| serde_json::from_str::<serde_json::Value>(l).is_ok())
                .count()
        })
    });
}

/// A sample line with what analytics.js adds to every call.
fn enrich(line: &str) -> String {
    use serde_json::{Value, json};
    let mut call: Value = serde_json::from_str(line).expect("sample lines are JSON");
    let Some(obj) = call.as_object_mut() else {
        return line.to_owned();
    };
    let timestamp = obj.get("timestamp").cloned().unwrap_or(Value::Null);
    for key in ["originalTimestamp", "sentAt", "receivedAt"] {
        obj.insert(key.into(), timestamp.clone());
    }
    obj.insert("integrations".into(), json!({}));
    obj.insert("version".into(), json!(2));
    obj.insert("channel".into(), json!("client"));
    if obj.get("type").and_then(Value::as_str) == Some("track") {
        let props = obj.entry("properties").or_insert_with(|| json!({}));
        if let Some(props) = props.as_object_mut() {
            props.insert("source".into(), json!("web"));
            props.insert("plan".into(), json!("pro"));
        }
    }
    let context = obj.entry("context").or_insert_with(|| json!({}));
    if let Some(context) = context.as_object_mut() {
        let extra = json!({
            "ip": "203.0.113.7",
            "library": {"name": "analytics.js", "version": "next-1.72.0"},
            "locale": "es-ES",
            "os": {"name": "Mac OS X", "version": "10.15.7"},
            "page": {
                "path": "/reports",
                "referrer": "https://app.example.com/home",
                "search": "",
                "title": "Reports · Example",
                "url": "https://app.example.com/reports"
            },
            "timezone": "Europe/Madrid",
            "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36"
        });
        if let Value::Object(extra) = extra {
            context.extend(extra);
        }
    }
    call.to_string()
}

/// The hand-written reader against the serde-derive reader, on the same lines:
/// `read_*` only reads and checks each line (no state touched), `ingest_*` feeds
/// every line to a fresh engine. `sample` is the sample stream (about 160 bytes a
/// line), `rich` the same calls as analytics.js sends them (about 800 bytes).
/// `read_*` leaves out the `alias` lines, which the hand-written reader hands
/// over to the full path.
fn json_reader(c: &mut Criterion) {
    use pulsecheck::readers;
    let mut group = c.benchmark_group("json_reader");
    group.sample_size(20);
    group.warm_up_time(std::time::Duration::from_millis(500));
    group.measurement_time(std::time::Duration::from_secs(2));
    let sample = Sample::new().accounts(100);
    let empty = Engine::new(sample::config()).expect("valid config");
    let lines: Vec<String> = sample.calls().map(|c| c.to_json()).collect();
    let rich: Vec<String> = lines.iter().map(|l| enrich(l)).collect();
    for (kind, lines) in [("sample", &lines), ("rich", &rich)] {
        let bytes: usize = lines.iter().map(String::len).sum();
        eprintln!(
            "{kind}: {} lines, {} bytes a line",
            lines.len(),
            bytes / lines.len()
        );
        let mut scratch = JsonScratch::new();
        let readable: Vec<&String> = lines
            .iter()
            .filter(|l| readers::read_fast(&empty, l, &mut scratch))
            .collect();
        group.throughput(Throughput::Elements(readable.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("read_fast", kind),
            &readable,
            |b, lines| {
                b.iter(|| {
                    lines
                        .iter()
                        .filter(|l| readers::read_fast(&empty, l, &mut scratch))
                        .count()
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("read_serde", kind),
            &readable,
            |b, lines| {
                b.iter(|| {
                    lines
                        .iter()
                        .filter(|l| readers::read_serde(&empty, l).is_ok())
                        .count()
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("serde_ignored_any", kind),
            &readable,
            |b, lines| {
                b.iter(|| {
                    lines
                        .iter()
                        .filter(|l| serde_json::from_str::<serde::de::IgnoredAny>(l).is_ok())
                        .count()
                })
            },
        );
        group.throughput(Throughput::Elements(lines.len() as u64));
        into_fresh_engines(
            &mut group,
            ("ingest_fast", kind),
            &empty,
            lines,
            |e, line| {
                let _ = e.ingest_json_with(line, &mut scratch);
            },
        );
        into_fresh_engines(
            &mut group,
            ("ingest_serde", kind),
            &empty,
            lines,
            |e, line| {
                let _ = readers::ingest_serde(e, line);
            },
        );
    }
    group.finish();
}

/// `n` names of one shape, in an order shuffled with a fixed seed.
fn shuffled_names(n: usize, shape: fn(u64) -> String, salt: u64) -> Vec<String> {
    let mut names: Vec<String> = (0..n as u64).map(|i| shape(i ^ salt)).collect();
    let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ salt;
    for i in (1..names.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        names.swap(i, (state % (i as u64 + 1)) as usize);
    }
    names
}

fn interner(c: &mut Criterion) {
    use intern::Interner;
    const N: usize = 1_000_000;
    const SEED: u64 = 0x5eed;
    let mut group = c.benchmark_group("intern");
    group.sample_size(10);
    group.throughput(Throughput::Elements(N as u64));
    let short: fn(u64) -> String = |i| format!("user_{i:07}");
    let uuid: fn(u64) -> String = |i| {
        let h = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        format!(
            "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
            h >> 32,
            (h >> 16) & 0xFFFF,
            h & 0xFFF,
            i & 0xFFF,
            i & 0xFFFF_FFFF_FFFF
        )
    };
    for (shape_name, shape) in [("short", short), ("uuid", uuid)] {
        let names = shuffled_names(N, shape, 0);
        let mut full = Interner::with_seed(SEED);
        for name in &names {
            full.intern(name);
        }
        let lookups = shuffled_names(N, shape, 0);
        let lookups: Vec<&String> = {
            // The same names in another order than they were interned in.
            let mut order: Vec<&String> = lookups.iter().collect();
            order.reverse();
            order
        };
        let absent = shuffled_names(N, shape, 1 << 40);
        group.bench_function(BenchmarkId::new("hit", shape_name), |b| {
            b.iter(|| {
                for name in &lookups {
                    std::hint::black_box(full.intern(name));
                }
            })
        });
        group.bench_function(BenchmarkId::new("new", shape_name), |b| {
            b.iter(|| {
                let mut table = Interner::with_seed(SEED);
                for name in &names {
                    std::hint::black_box(table.intern(name));
                }
                table
            })
        });
        group.bench_function(BenchmarkId::new("absent", shape_name), |b| {
            b.iter(|| {
                for name in &absent {
                    std::hint::black_box(full.get(name));
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, ingest, typed_at_scale, json_reader, interner);
criterion_main!(benches);
