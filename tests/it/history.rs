//! Bounded history: `Engine::evict_before` forgets daily detail the snapshots of
//! later days do not read, and changes none of them.
use crate::common::cases_or;

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use pulsecheck::sample::{self, Sample};
use pulsecheck::{Call, Engine, Outcome};

/// 200 days of the sample: older than the 118 days its configuration reads.
fn long_sample() -> Sample {
    Sample::new().accounts(4).days(200)
}

fn engine_with(calls: &[Call]) -> Engine {
    let mut engine = Engine::new(sample::config()).unwrap();
    for call in calls {
        engine.ingest(call).unwrap();
    }
    engine
}

/// The first day a snapshot of `day` reads.
fn first_needed(engine: &Engine, day: NaiveDate) -> NaiveDate {
    day - Days::new(u64::from(engine.config().history_days()) - 1)
}

#[test]
fn history_days_covers_the_previous_window_and_its_lookback() {
    let config = sample::config(); // window 28, lookback 90
    assert_eq!(config.history_days(), 118);
    let short = pulsecheck::Config::builder()
        .window_days(60)
        .lookback_days(30)
        .build()
        .unwrap();
    assert_eq!(short.history_days(), 120);
}

#[test]
fn snapshots_of_retained_days_are_unchanged() {
    let sample = long_sample();
    let calls: Vec<Call> = sample.calls().collect();
    let mut engine = engine_with(&calls);
    let end = sample.end();
    let days = [end, end - Days::new(5)];
    let before: Vec<_> = days.iter().map(|&d| engine.snapshot(d)).collect();
    let messages = engine.message_count();
    let bytes = serde_json::to_vec(&engine).unwrap().len();

    let from = first_needed(&engine, end - Days::new(5));
    let eviction = engine.evict_before(from);
    assert!(eviction.folded_days() > 500, "{eviction:?}");
    assert!(eviction.forgotten_messages() > 1_000, "{eviction:?}");
    assert_eq!(engine.retained_from(), Some(from));
    for (d, expected) in days.iter().zip(&before) {
        assert_eq!(&engine.snapshot(*d), expected, "snapshot of {d}");
    }
    assert_eq!(
        engine.message_count() as u64,
        messages as u64 - eviction.forgotten_messages()
    );
    let after = serde_json::to_vec(&engine).unwrap().len();
    assert!(after < bytes * 3 / 4, "state {bytes} -> {after} bytes");

    // Evicting an earlier day again changes nothing.
    assert_eq!(engine.evict_before(from - Days::new(10)).folded_days(), 0);
    assert_eq!(engine.retained_from(), Some(from));
}

#[test]
fn evicting_too_much_changes_the_window_sums() {
    let sample = long_sample();
    let mut engine = engine_with(&sample.calls().collect::<Vec<_>>());
    let before = engine.snapshot(sample.end());
    engine.evict_before(sample.end() - Days::new(10));
    assert_ne!(engine.snapshot(sample.end()), before);
}

#[test]
fn replaying_the_stream_after_eviction_changes_nothing() {
    let sample = long_sample();
    let calls: Vec<Call> = sample.calls().collect();
    let mut engine = engine_with(&calls);
    engine.evict_before(first_needed(&engine, sample.end()));
    let snapshot = engine.snapshot(sample.end());
    let mut duplicates = 0;
    for call in &calls {
        if engine.ingest(call).unwrap() == Outcome::Duplicate {
            duplicates += 1;
        }
    }
    // Calls of retained days are recognised; those of forgotten days are folded again.
    assert!(duplicates > 0 && duplicates < calls.len());
    assert_eq!(engine.snapshot(sample.end()), snapshot);
}

#[test]
fn the_saved_state_keeps_the_eviction() {
    let sample = long_sample();
    let mut engine = engine_with(&sample.calls().collect::<Vec<_>>());
    engine.evict_before(first_needed(&engine, sample.end()));
    let loaded: Engine = serde_json::from_str(&serde_json::to_string(&engine).unwrap()).unwrap();
    assert_eq!(loaded.retained_from(), engine.retained_from());
    assert_eq!(loaded.snapshot(sample.end()), engine.snapshot(sample.end()));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases_or(12)))]

    /// Where the eviction falls in the stream, and how the stream is split between
    /// merged engines, does not matter.
    #[test]
    fn eviction_is_order_free(seed in any::<u64>(), split in 0.0f64..1.0, evict_at in 0.0f64..1.0) {
        let sample = Sample::new().accounts(2).days(160);
        let mut calls: Vec<Call> = sample.calls().collect();
        // A deterministic shuffle from the seed.
        let mut state = seed | 1;
        for i in (1..calls.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            calls.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let end = sample.end();
        let reference = {
            let mut e = engine_with(&calls);
            let from = first_needed(&e, end);
            e.evict_before(from);
            e.snapshot(end)
        };
        let cut = (calls.len() as f64 * split) as usize;
        let at = (calls.len() as f64 * evict_at) as usize;
        // One engine: evict somewhere in the middle of the stream.
        let mut one = Engine::new(sample::config()).unwrap();
        let from = first_needed(&one, end);
        for (i, call) in calls.iter().enumerate() {
            if i == at {
                one.evict_before(from);
            }
            one.ingest(call).unwrap();
        }
        one.evict_before(from);
        prop_assert_eq!(&one.snapshot(end), &reference);
        // Two engines, only one of which evicted, merged.
        let mut left = engine_with(&calls[..cut]);
        left.evict_before(from);
        let right = engine_with(&calls[cut..]);
        left.merge(right).unwrap();
        prop_assert_eq!(left.retained_from(), Some(from));
        prop_assert_eq!(&left.snapshot(end), &reference);
    }
}
