//! serde round trips: calls, snapshots and changesets read back equal to what was
//! written.

use std::sync::Arc;

use chrono::{Days, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use pulsecheck::crm::{ContactKey, DiffOptions, SyncState, diff};
use pulsecheck::rule::Memberships;
use pulsecheck::sample::{self, Sample};
use pulsecheck::{
    AccountId, Actor, Alias, AnonymousId, Call, Changeset, Engine, Group, Identify, Page,
    PropertyType, Record, RecordKind, Schema, Screen, Snapshot, Track, UserId, Value,
};
use rust_decimal::Decimal;

fn round_trip<T>(value: &T) -> T
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    let text = serde_json::to_string(value).expect("serializes");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Every variant of `Value`, so a property or trait of each kind is carried.
fn values() -> Vec<(&'static str, Value)> {
    let day = NaiveDate::from_ymd_opt(2026, 10, 5).unwrap();
    vec![
        ("null", Value::Null),
        ("bool", Value::Bool(true)),
        ("int", Value::Int(-7)),
        ("number", Value::Number(0.1 + 0.2)),
        ("decimal", Value::Decimal(Decimal::new(12_345, 2))),
        ("string", Value::from("Ana")),
        ("date", Value::Date(day)),
        (
            "datetime",
            Value::DateTime(Utc.with_ymd_and_hms(2026, 10, 5, 8, 0, 1).unwrap()),
        ),
        ("list", Value::string_list(["a", "b"])),
    ]
}

#[test]
fn every_call_kind_round_trips_through_json() {
    let at = Utc.with_ymd_and_hms(2026, 10, 31, 9, 30, 0).unwrap();
    let u = || UserId::from("u1");
    let with_props = |mut t: Track| {
        for (k, v) in values() {
            t = t.with_property(k, v);
        }
        t
    };
    let mut identify = Identify::new(u(), at).with_anonymous_id("anon-1");
    let mut group = Group::new(u(), AccountId::from("acme"), at);
    for (k, v) in values() {
        identify = identify.with_trait(k, v.clone());
        group = group.with_trait(k, v);
    }
    let calls: Vec<Call> = vec![
        with_props(Track::new(u(), "Report Run", at))
            .with_message_id("m-1")
            .with_anonymous_id("anon-1")
            .with_group_id("acme")
            .with_device_type("mobile")
            .with_os_name("iOS")
            .into(),
        Track::with_actor(AnonymousId::from("anon-2"), "Visited", at).into(),
        Page::new(u(), at).with_message_id("m-2").into(),
        Screen::with_actor(Actor::anonymous(AnonymousId::from("a")), "Home", at).into(),
        identify.with_message_id("m-3").into(),
        group.into(),
        Group::account_only(AccountId::from("globex"), at)
            .with_trait("plan", "pro")
            .into(),
        Alias::new("anon-1", u(), at).with_message_id("m-4").into(),
    ];
    let mut kinds: Vec<&str> = calls.iter().map(Call::type_name).collect();
    kinds.dedup();
    assert_eq!(
        kinds,
        ["track", "page", "screen", "identify", "group", "alias"]
    );
    for call in &calls {
        assert_eq!(&round_trip(call), call);
    }
    for call in Sample::new().accounts(3).calls() {
        assert_eq!(round_trip(&call), call);
    }
}

#[test]
fn a_call_that_is_not_one_is_refused() {
    let line = r#"{"type":"track","actor":{"userId":"u"},"event":"x","timestamp":"2026-10-31T09:30:00Z","bogus":1}"#;
    assert!(serde_json::from_str::<Call>(line).is_err());
    let line = r#"{"type":"teleport","timestamp":"2026-10-31T09:30:00Z"}"#;
    assert!(serde_json::from_str::<Call>(line).is_err());
}

fn sample_engine() -> (Engine, NaiveDate) {
    let sample = Sample::new().accounts(4).health(true);
    let mut engine = Engine::new(sample::health_config()).unwrap();
    for call in sample.calls() {
        let _ = engine.ingest(&call);
    }
    (engine, sample.end())
}

#[test]
fn a_snapshot_round_trips() {
    let (engine, end) = sample_engine();
    let snapshot = engine.snapshot(end);
    assert!(!snapshot.users().is_empty() && !snapshot.accounts().is_empty());
    assert_eq!(round_trip(&snapshot), snapshot);

    // With segment transitions, and the lookups still work after the trip.
    let mut memberships = Memberships::new();
    engine.snapshot_tracked(end - Days::new(7), &mut memberships);
    let tracked = engine.snapshot_tracked(end, &mut memberships);
    let back = round_trip(&tracked);
    assert_eq!(back, tracked);
    let first = &tracked.users()[0];
    assert_eq!(back.user(first.id()), Some(first));

    let empty = Engine::new(sample::config()).unwrap().snapshot(end);
    assert_eq!(round_trip(&empty), empty);
}

#[test]
fn a_snapshot_with_records_out_of_order_is_refused() {
    let (engine, end) = sample_engine();
    let mut json: serde_json::Value = serde_json::to_value(engine.snapshot(end)).unwrap();
    json["users"].as_array_mut().unwrap().reverse();
    let err = serde_json::from_value::<Snapshot>(json).unwrap_err();
    assert!(err.to_string().contains("not sorted"), "{err}");
}

#[test]
fn changesets_of_real_diffs_round_trip() {
    let (engine, end) = sample_engine();
    let before = engine.snapshot(end - Days::new(3));
    let after = engine.snapshot(end);
    for options in [
        DiffOptions::new(),
        DiffOptions::new()
            .with_contact_key(ContactKey::Email)
            .with_send_nulls(true),
    ] {
        let first = diff(before.records(), &SyncState::new(), &options);
        assert!(!first.is_empty());
        assert_eq!(round_trip(&first), first);
        let mut state = SyncState::new();
        state.confirm(&first);
        let second = diff(after.records(), &state, &options);
        assert_eq!(round_trip(&second), second);
        // Read back, it is still the changeset its requests confirm against.
        let mut copy = state.clone();
        copy.confirm(&round_trip(&second));
        state.confirm(&second);
        assert_eq!(copy, state);
    }
}

fn number_record(id: usize, x: f64) -> Record {
    let schema = Arc::new(
        Schema::new(RecordKind::User)
            .with("user_id", PropertyType::String)
            .with("raw_score", PropertyType::Number),
    );
    let mut r = Record::new(schema, format!("u{id}"));
    r.set("user_id", format!("u{id}"));
    r.set("raw_score", x);
    r
}

proptest! {
    #[test]
    fn changesets_with_any_finite_number_round_trip(
        xs in proptest::collection::vec(any::<f64>().prop_filter("finite", |x| x.is_finite()), 1..20),
    ) {
        let records: Vec<Record> = xs.iter().enumerate().map(|(i, &x)| number_record(i, x)).collect();
        let changes: Changeset = diff(&records, &SyncState::new(), &DiffOptions::new());
        prop_assert_eq!(round_trip(&changes), changes);
    }
}
