//! Helpers shared by the integration tests: instants and days from text, calls,
//! engines fed a stream, properties read from a snapshot, and proptest case counts.
#![allow(dead_code)]

use chrono::{DateTime, Duration, NaiveDate, Utc};
use pulsecheck::{
    AccountId, Call, Config, Engine, Group, Outcome, Record, Snapshot, Track, UserId, Value,
};
use rust_decimal::Decimal;

/// The day most fixtures are computed as of.
pub const D: &str = "2026-10-31";

/// An RFC 3339 instant: `ts("2026-10-31T12:00:00Z")`.
pub fn ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("bad fixture timestamp {s:?}: {e}"))
        .with_timezone(&Utc)
}

/// A calendar day: `day("2026-10-31")`.
pub fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .unwrap_or_else(|e| panic!("bad fixture day {s:?}: {e}"))
}

/// A user id.
pub fn uid(s: &str) -> UserId {
    UserId::from(s)
}

/// A `track` call by a known user.
pub fn track(user: &str, event: &str, at: &str) -> Track {
    Track::new(uid(user), event, ts(at))
}

/// `account`'s `group` call for `user` at an RFC 3339 instant.
pub fn group(user: &str, account: &str, at: &str) -> Group {
    Group::new(uid(user), AccountId::from(account), ts(at))
}

/// A `group` call without a user setting the account's `mrr` (text or a number).
pub fn mrr(account: &str, at: &str, amount: impl Into<Value>) -> Call {
    Group::account_only(AccountId::from(account), ts(at))
        .with_trait("mrr", amount)
        .into()
}

/// An NPS survey answer: the `NPS Submitted` event with its `score` property.
pub fn nps(user: &str, at: &str, score: impl Into<Value>) -> Call {
    track(user, "NPS Submitted", at)
        .with_property("score", score)
        .into()
}

/// `n` `track` calls of one event, one second apart starting at `at`.
pub fn repeat(user: &str, event: &str, at: &str, n: usize) -> Vec<Call> {
    let start = ts(at);
    (0..n)
        .map(|i| Track::new(uid(user), event, start + Duration::seconds(i as i64)).into())
        .collect()
}

/// An engine over `config` that has ingested every call (each must be accepted,
/// with or without warnings).
pub fn engine_with(config: Config, calls: impl IntoIterator<Item = Call>) -> Engine {
    let mut engine = Engine::new(config).expect("fixture config is valid");
    feed(&mut engine, calls);
    engine
}

/// Ingests every call; each must be accepted (warnings allowed).
pub fn feed(engine: &mut Engine, calls: impl IntoIterator<Item = Call>) {
    for call in calls {
        match engine.ingest(&call) {
            Ok(Outcome::Accepted | Outcome::AcceptedWithWarnings(_)) => {}
            other => panic!("fixture call not accepted: {other:?} for {call:?}"),
        }
    }
}

/// The snapshot of `engine` as of `d` (a `YYYY-MM-DD` day).
pub fn snap(engine: &Engine, d: &str) -> Snapshot {
    engine.snapshot(day(d))
}

/// A user's record, which must exist.
pub fn user<'a>(snapshot: &'a Snapshot, id: &str) -> &'a Record {
    snapshot
        .user(id)
        .unwrap_or_else(|| panic!("no user record {id:?} on {}", snapshot.day()))
}

/// An account's record, which must exist.
pub fn account<'a>(snapshot: &'a Snapshot, id: &str) -> &'a Record {
    snapshot
        .account(id)
        .unwrap_or_else(|| panic!("no account record {id:?} on {}", snapshot.day()))
}

/// A property of a record, which the record must have (possibly null).
pub fn prop<'a>(record: &'a Record, name: &str) -> &'a Value {
    record
        .get(name)
        .unwrap_or_else(|| panic!("record {:?} has no property {name:?}", record.id()))
}

/// `Value::Int`.
pub fn int(n: i64) -> Value {
    Value::Int(n)
}

/// `Value::String`.
pub fn text(s: &str) -> Value {
    Value::String(s.into())
}

/// `Value::Decimal` from its text (`dec("58.3")`); compared numerically.
pub fn dec(s: &str) -> Value {
    Value::Decimal(
        s.parse::<Decimal>()
            .unwrap_or_else(|e| panic!("bad fixture decimal {s:?}: {e}")),
    )
}

/// `Value::DateTime` from RFC 3339 text.
pub fn datetime(s: &str) -> Value {
    Value::DateTime(ts(s))
}

/// A list of strings, in the given order.
pub fn list(items: &[&str]) -> Value {
    Value::string_list(items.iter().copied())
}

/// A list property's strings, sorted (for lists whose order the crate leaves open).
pub fn sorted_strings(value: &Value) -> Vec<String> {
    let items = value
        .as_list()
        .unwrap_or_else(|| panic!("expected a list, got {value:?}"));
    let mut out: Vec<String> = items
        .iter()
        .map(|v| {
            v.as_str()
                .unwrap_or_else(|| panic!("expected strings, got {v:?}"))
                .to_owned()
        })
        .collect();
    out.sort();
    out
}

/// A `health` section where only the NPS component weighs (with NPS on, its
/// default lookback): a user's score is then 10 · `nps_score`.
pub fn nps_only_health() -> pulsecheck::config::Health {
    let mut h = pulsecheck::config::Health::new().with_nps(pulsecheck::config::Nps::default());
    for c in [
        "engagement",
        "trend",
        "activation",
        "adoption",
        "recency",
        "seats",
    ] {
        h = h.with_weight(c, 0);
    }
    h
}

/// The number of cases a property test runs: `default`, or `PROPTEST_CASES` when
/// set (for longer runs; the seed is fixed in `.cargo/config.toml`).
pub fn cases_or(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
