//! The time and merge invariants, checked on random inputs: order independence,
//! merge = single engine, serialization round trip, no panics on any input.
#![cfg(feature = "json")]
use crate::common::cases_or;

use chrono::{Duration, NaiveDate};
use proptest::prelude::*;
use pulsecheck::sample::{self, Sample};
use pulsecheck::{Call, Engine, IngestReport, Snapshot};

fn calls() -> Vec<Call> {
    Sample::new()
        .accounts(3)
        .users_per_account(5)
        .days(60)
        .seed(7)
        .calls()
        .collect()
}

fn engine_of<'a>(calls: impl IntoIterator<Item = &'a Call>) -> Engine {
    let mut engine = Engine::new(sample::config()).unwrap();
    for call in calls {
        engine.ingest(call).unwrap();
    }
    engine
}

/// Track and identify calls of three users over a few days, for any of three
/// accounts, devices and trait keys; each with its own `messageId` (two different
/// calls under one id would make the first one seen win, by design).
fn mixed_calls() -> impl Strategy<Value = Vec<Call>> {
    let call = (
        0..3u8,
        0..4i64,
        0..86_400i64,
        0..3u8,
        0..3u8,
        0..4u8,
        0..100i64,
    );
    proptest::collection::vec(call, 1..120).prop_map(|calls| {
        calls
            .into_iter()
            .enumerate()
            .map(|(i, (user, day, second, account, device, kind, amount))| {
                mixed_call(i, user, day, second, account, device, kind, amount)
            })
            .collect()
    })
}

#[allow(clippy::too_many_arguments)]
fn mixed_call(
    i: usize,
    user: u8,
    day: i64,
    second: i64,
    account: u8,
    device: u8,
    kind: u8,
    amount: i64,
) -> Call {
    use pulsecheck::{Identify, Track, UserId};
    let end = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
    let at = (end - Duration::days(day))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        + Duration::seconds(second);
    let user = UserId::from(format!("u{user}"));
    let message = format!("m{i}");
    match kind {
        0 => Identify::new(user, at)
            .with_trait(format!("key_{device}"), i64::from(account))
            .with_trait(format!("key_{account}"), "x")
            .with_message_id(message)
            .into(),
        1 => Track::new(user, "File Uploaded", at)
            .with_property("megabytes", amount)
            .with_group_id(format!("acc_{account}"))
            .with_device_type(format!("device_{device}"))
            .with_message_id(message)
            .into(),
        2 => Track::new(user, "Report Run", at)
            .with_group_id(format!("acc_{account}"))
            .with_device_type(format!("device_{device}"))
            .with_message_id(message)
            .into(),
        _ => Track::new(user, "Task Created", at)
            .with_device_type(format!("device_{device}"))
            .with_message_id(message)
            .into(),
    }
}

/// The id a call is de-duplicated under.
fn sender(call: &Call) -> String {
    let of = |actor: &pulsecheck::Actor| {
        actor
            .user_id()
            .map(|u| u.as_str().to_owned())
            .or_else(|| actor.anonymous_id().map(|a| a.as_str().to_owned()))
    };
    let id = match call {
        Call::Identify(i) => of(i.actor()),
        Call::Group(g) => of(g.actor()).or_else(|| Some(g.group_id().as_str().to_owned())),
        Call::Alias(a) => Some(a.user_id().as_str().to_owned()),
        other => other.activity().and_then(|a| of(a.actor())),
    };
    id.unwrap_or_default()
}

/// Snapshots on a few days, so point-in-time answers are compared too.
/// An engine given the calls before `split`, shrunk, given the rest, and shrunk
/// again.
fn shrunk_midway(calls: &[Call], split: usize) -> Engine {
    let mut engine = engine_of(&calls[..split]);
    engine.shrink_to_fit();
    for call in &calls[split..] {
        engine.ingest(call).unwrap();
    }
    engine.shrink_to_fit();
    engine
}

fn snapshots(engine: &Engine) -> Vec<Snapshot> {
    let end = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
    [0, 3, 17]
        .iter()
        .map(|d| engine.snapshot(end - Duration::days(*d)))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases_or(24)))]

    #[test]
    fn any_permutation_gives_the_same_snapshot(shuffled in Just(calls()).prop_shuffle()) {
        let (whole, shuffled) = (engine_of(&calls()), engine_of(&shuffled));
        prop_assert_eq!(snapshots(&shuffled), snapshots(&whole));
        prop_assert_eq!(portfolios(&shuffled), portfolios(&whole));
    }

    #[test]
    fn split_and_merge_equals_one_engine(parts in proptest::collection::vec(0..3usize, 2000)) {
        let all = calls();
        let expected = snapshots(&engine_of(&all));
        let mut engines: Vec<Engine> = (0..3).map(|_| engine_of(&[])).collect();
        for (i, call) in all.iter().enumerate() {
            engines[parts[i % parts.len()]].ingest(call).unwrap();
        }
        let mut merged = engines.remove(0);
        for other in engines {
            let stats = merged.merge(other).unwrap();
            prop_assert_eq!(stats.overlapping_messages(), 0);
        }
        prop_assert_eq!(snapshots(&merged), expected);
        prop_assert_eq!(portfolios(&merged), portfolios(&engine_of(&all)));
    }

    /// What `batch` does: each engine gets whole senders (so most actors are new to
    /// the engine they are merged into and move over whole, with their ids
    /// rewritten), and the merged engine then goes on ingesting.
    #[test]
    fn merge_by_sender_then_ingest_equals_one_engine(
        shuffled in Just(calls()).prop_shuffle(),
        route in proptest::collection::vec(0..3usize, 16),
        cut in 0..=100usize,
    ) {
        let expected = snapshots(&engine_of(&calls()));
        let split = shuffled.len() * cut / 100;
        let mut engines: Vec<Engine> = (0..3).map(|_| engine_of(&[])).collect();
        for call in &shuffled[..split] {
            let sender = sender(call);
            let part = route[sender.bytes().map(usize::from).sum::<usize>() % route.len()];
            engines[part].ingest(call).unwrap();
        }
        let mut merged = engines.remove(0);
        for other in engines {
            let stats = merged.merge(other).unwrap();
            prop_assert_eq!(stats.overlapping_messages(), 0);
        }
        for call in &shuffled[split..] {
            merged.ingest(call).unwrap();
        }
        prop_assert_eq!(snapshots(&merged), expected);
    }

    #[test]
    fn mixed_calls_in_any_order_give_the_same_snapshot(
        (calls, shuffled) in mixed_calls().prop_flat_map(|c| (Just(c.clone()), Just(c).prop_shuffle())),
    ) {
        prop_assert_eq!(snapshots(&engine_of(&shuffled)), snapshots(&engine_of(&calls)));
    }

    /// Like the test above, on calls made so that ids sort differently in every
    /// engine: users active for several accounts and devices on one day, usage on
    /// several accounts, and trait keys first seen in any order.
    #[test]
    fn merge_rewrites_ids_and_keeps_every_list_in_order(
        calls in mixed_calls(),
        route in proptest::collection::vec(0..3usize, 8),
        cut in 0..=100usize,
    ) {
        let expected = snapshots(&engine_of(&calls));
        let split = calls.len() * cut / 100;
        let mut engines: Vec<Engine> = (0..3).map(|_| engine_of(&[])).collect();
        for call in &calls[..split] {
            let part = route[sender(call).bytes().map(usize::from).sum::<usize>() % route.len()];
            engines[part].ingest(call).unwrap();
        }
        let mut merged = engines.remove(0);
        for other in engines {
            merged.merge(other).unwrap();
        }
        for call in &calls[split..] {
            merged.ingest(call).unwrap();
        }
        prop_assert_eq!(&snapshots(&merged), &expected);
        // Loading checks that every list is in key order (the snapshot alone would
        // not notice two cells of one day out of order).
        let saved = serde_json::to_string(&merged).unwrap();
        let loaded: Engine = serde_json::from_str(&saved).unwrap();
        prop_assert_eq!(snapshots(&loaded), expected);
    }

    /// Giving back spare capacity changes no answer, and ingest goes on after it.
    #[test]
    fn shrink_to_fit_changes_nothing(calls in mixed_calls(), cut in 0..=100usize) {
        let expected = engine_of(&calls);
        let engine = shrunk_midway(&calls, calls.len() * cut / 100);
        prop_assert_eq!(snapshots(&engine), snapshots(&expected));
        prop_assert_eq!(
            serde_json::to_string(&engine).unwrap(),
            serde_json::to_string(&expected).unwrap()
        );
    }

    #[test]
    fn duplicates_in_any_order_change_nothing(shuffled in Just(calls()).prop_shuffle(), every in 2..7usize) {
        let expected = snapshots(&engine_of(&calls()));
        let mut engine = engine_of(&[]);
        let mut report = IngestReport::default();
        for (i, call) in shuffled.iter().enumerate() {
            report.record(None, engine.ingest(call));
            if i % every == 0 {
                report.record(None, engine.ingest(call));
            }
        }
        prop_assert_eq!(report.rejected(), 0);
        prop_assert_eq!(report.duplicates() as usize, shuffled.len().div_ceil(every));
        prop_assert_eq!(snapshots(&engine), expected);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut engine = engine_of(&[]);
        let mut report = IngestReport::default();
        engine.ingest_ndjson_bytes(&bytes, 1, &mut report);
        let _ = snapshots(&engine);
        prop_assert_eq!(report.total() as usize, bytes.split(|&b| b == b'\n').filter(|l| !String::from_utf8_lossy(l).trim().is_empty()).count());
    }

    #[test]
    fn arbitrary_json_calls_never_panic(line in json_call()) {
        let mut engine = engine_of(&calls()[..50]);
        let _ = engine.ingest_json(&line);
        let _ = snapshots(&engine);
    }
}

/// JSON objects built from the real field names with random values of every JSON
/// type, so the parser's every branch meets wrong types, empty ids and odd timestamps.
fn json_call() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        prop_oneof![
            Just("track".to_owned()),
            Just("identify".to_owned()),
            Just("group".to_owned()),
            Just("alias".to_owned()),
            Just("page".to_owned()),
            Just("2026-10-30T10:00:00Z".to_owned()),
            Just("0000-01-01T00:00:00Z".to_owned()),
            Just("9999-12-31T23:59:59.999Z".to_owned()),
            Just("".to_owned()),
            ".{0,12}",
        ]
        .prop_map(serde_json::Value::from),
    ];
    let value = leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("groupId".to_owned()),
                    Just("device".to_owned()),
                    Just("type".to_owned()),
                    Just("megabytes".to_owned()),
                    "[a-z]{1,6}"
                ],
                inner,
                0..4
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    });
    let field = prop_oneof![
        Just("type"),
        Just("userId"),
        Just("anonymousId"),
        Just("previousId"),
        Just("groupId"),
        Just("event"),
        Just("name"),
        Just("properties"),
        Just("traits"),
        Just("timestamp"),
        Just("originalTimestamp"),
        Just("messageId"),
        Just("context"),
    ];
    proptest::collection::vec((field, value), 0..8).prop_map(|fields| {
        let map: serde_json::Map<String, serde_json::Value> =
            fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        serde_json::Value::Object(map).to_string()
    })
}

#[test]
fn state_survives_a_serde_round_trip() {
    let engine = engine_of(&calls());
    let saved = serde_json::to_string(&engine).unwrap();
    let loaded: Engine = serde_json::from_str(&saved).unwrap();
    assert_eq!(snapshots(&loaded), snapshots(&engine));
    assert_eq!(serde_json::to_string(&loaded).unwrap(), saved);
}

#[test]
fn corrupt_or_newer_state_is_an_error_not_a_panic() {
    let saved = serde_json::to_string(&engine_of(&calls()[..100])).unwrap();
    let newer = saved.replacen("\"format\":3", "\"format\":4", 1);
    let err = serde_json::from_str::<Engine>(&newer).unwrap_err();
    assert!(err.to_string().contains("format 4"), "{err}");
    for cut in [1, saved.len() / 3, saved.len() / 2, saved.len() - 1] {
        assert!(serde_json::from_str::<Engine>(&saved[..cut]).is_err());
    }
    // A cell pointing at an account that does not exist.
    let bad = saved.replacen("\"account\":4294967295", "\"account\":99999", 1);
    assert_ne!(bad, saved);
    assert!(serde_json::from_str::<Engine>(&bad).is_err());
}

#[test]
fn events_after_the_day_are_ignored() {
    let all = calls();
    let day = NaiveDate::from_ymd_opt(2026, 10, 20).unwrap();
    let end_of_day = day
        .succ_opt()
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    let early: Vec<&Call> = all.iter().filter(|c| c.timestamp() < end_of_day).collect();
    assert!(early.len() < all.len());
    assert_eq!(
        engine_of(&all).snapshot(day),
        engine_of(early).snapshot(day)
    );
}

/// `shrink_to_fit` copies users' lists a batch at a time: with more users than one
/// batch (1 024), every batch must land back on its own users.
#[test]
fn shrink_to_fit_over_several_batches_changes_nothing() {
    let sample = Sample::new().accounts(120).days(40);
    let calls: Vec<Call> = sample.calls().collect();
    let expected = engine_of(&calls);
    assert!(
        expected.user_count() > 1_024,
        "{} users",
        expected.user_count()
    );
    let engine = shrunk_midway(&calls, calls.len() / 2);
    assert_eq!(snapshots(&engine), snapshots(&expected));
    assert_eq!(
        serde_json::to_string(&engine).unwrap(),
        serde_json::to_string(&expected).unwrap()
    );
}

/// A configuration with `health`, and windows, NPS lookback and revenue days
/// short enough for the week of [`health_calls`] to cross their boundaries (and
/// for eviction to forget some of it: `history_days` is 5).
fn health_config() -> pulsecheck::Config {
    use pulsecheck::config::{Health, Nps};
    pulsecheck::Config::builder()
        .window_days(2)
        .lookback_days(2)
        .score_event("Report Run", 2)
        .score_event("Task Created", 1)
        .health(
            Health::new()
                .with_nps(Nps::default().with_lookback_days(5))
                .with_revenue_days(2),
        )
        .build()
        .unwrap()
}

fn health_engine_of<'a>(calls: impl IntoIterator<Item = &'a Call>) -> Engine {
    let mut engine = Engine::new(health_config()).unwrap();
    for call in calls {
        engine.ingest(call).unwrap();
    }
    engine
}

/// NPS responses (valid, out of range, fractional, text; several at one instant),
/// `group` calls setting `mrr` (above 0 or 0, with and without a user, several a
/// day) and activity, for three users and three accounts over a week.
fn health_calls() -> impl Strategy<Value = Vec<Call>> {
    let call = (0..6u8, 0..3u8, 0..7i64, 0..4i64, 0..3u8, -1..13i64);
    proptest::collection::vec(call, 1..100).prop_map(|calls| {
        calls
            .into_iter()
            .enumerate()
            .map(|(i, (kind, user, day, hour, account, n))| {
                health_call(i, kind, user, day, hour, account, n)
            })
            .collect()
    })
}

fn health_call(i: usize, kind: u8, user: u8, day: i64, hour: i64, account: u8, n: i64) -> Call {
    use pulsecheck::{AccountId, Group, Track, UserId, Value};
    let end = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
    let at = (end - Duration::days(day))
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        + Duration::hours(hour * 6);
    let user = UserId::from(format!("u{user}"));
    let account = AccountId::from(format!("acc_{account}"));
    let message = format!("h{i}");
    let mrr = Value::Int((n.rem_euclid(3)) * 100);
    match kind {
        0 => Track::new(user, "NPS Submitted", at)
            .with_property("score", n)
            .with_message_id(message)
            .into(),
        1 => {
            let score = match n % 3 {
                0 => Value::Number(n as f64 + 0.5),
                1 => Value::from(n.to_string()),
                _ => Value::Number(n as f64),
            };
            Track::new(user, "NPS Submitted", at)
                .with_property("score", score)
                .with_message_id(message)
                .into()
        }
        2 => Group::new(user, account, at)
            .with_trait("mrr", mrr)
            .with_trait("seats", 2)
            .with_message_id(message)
            .into(),
        3 => Group::account_only(account, at)
            .with_trait("mrr", mrr)
            .with_message_id(message)
            .into(),
        4 => Track::new(user, "Report Run", at)
            .with_group_id(account)
            .with_message_id(message)
            .into(),
        _ => Track::new(user, "Task Created", at)
            .with_message_id(message)
            .into(),
    }
}

fn health_snapshots(engine: &Engine) -> Vec<Snapshot> {
    let end = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
    [0, 2, 4, 9]
        .iter()
        .map(|d| engine.snapshot(end - Duration::days(*d)))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases_or(32)))]

    /// With `health` configured, NPS responses and `mrr` calls in any order give
    /// the same snapshots.
    #[test]
    fn health_calls_in_any_order_give_the_same_snapshot(
        (calls, shuffled) in health_calls().prop_flat_map(|c| (Just(c.clone()), Just(c).prop_shuffle())),
    ) {
        let (whole, shuffled) = (health_engine_of(&calls), health_engine_of(&shuffled));
        prop_assert_eq!(health_snapshots(&shuffled), health_snapshots(&whole));
        prop_assert_eq!(portfolios(&shuffled), portfolios(&whole));
    }

    /// Split any way, merged, then fed the rest: the engine that ingested it all;
    /// also after a save and load, and after evicting what the days no longer read.
    #[test]
    fn health_split_and_merge_equals_one_engine(
        calls in health_calls(),
        route in proptest::collection::vec(0..3usize, 8),
        cut in 0..=100usize,
    ) {
        let whole = health_engine_of(&calls);
        let expected = health_snapshots(&whole);
        let split = calls.len() * cut / 100;
        let mut engines: Vec<Engine> = (0..3).map(|_| health_engine_of(&[])).collect();
        for (i, call) in calls[..split].iter().enumerate() {
            engines[route[i % route.len()]].ingest(call).unwrap();
        }
        let mut merged = engines.remove(0);
        for other in engines {
            merged.merge(other).unwrap();
        }
        for call in &calls[split..] {
            merged.ingest(call).unwrap();
        }
        prop_assert_eq!(&health_snapshots(&merged), &expected);
        prop_assert_eq!(portfolios(&merged), portfolios(&whole));
        let saved = serde_json::to_string(&merged).unwrap();
        let loaded: Engine = serde_json::from_str(&saved).unwrap();
        prop_assert_eq!(&health_snapshots(&loaded), &expected);
        // The latest day's snapshot reads back history_days (5) days.
        let mut evicted = whole.clone();
        let keep = u64::from(evicted.config().history_days());
        prop_assert_eq!(keep, 5);
        let end = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
        evicted.evict_before(end - chrono::Days::new(keep - 1));
        prop_assert_eq!(&evicted.snapshot(end), &expected[0]);
    }
}

/// The portfolios of a few days, from the latest back past the cohorts' twelve
/// weeks.
fn portfolios(engine: &Engine) -> Vec<pulsecheck::Portfolio> {
    let end = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
    [0, 2, 4, 9, 40]
        .iter()
        .map(|d| engine.portfolio(end - Duration::days(*d)))
        .collect()
}
