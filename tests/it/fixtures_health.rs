//! Hand-computed fixtures for customer health: NPS, revenue movement, churn,
//! retention and the health score.
//!
//! Unless a test says otherwise the snapshot day is D = 2026-10-31 with the default
//! 30-day window (2026-10-02 ..= 2026-10-31), previous window (2026-09-02 ..=
//! 2026-10-01) and 90-day lookback, and the default `revenue_days` R = 30, so
//! mrr(D − R) is the `mrr` as of the end of 2026-10-01.
use crate::common::*;
use pulsecheck::config::{Health, Nps};
use pulsecheck::{
    AccountId, Call, Config, ConfigBuilder, Curve, Engine, Group, Milestone, Outcome, Value,
    Warning,
};

fn with_nps(lookback: u32) -> ConfigBuilder {
    Config::builder().health(Health::new().with_nps(Nps::default().with_lookback_days(lookback)))
}

/// Ingests the calls in the given order and reversed; both snapshots of `d` must
/// agree (order independence), and the first is returned.
fn both_orders(config: Config, calls: Vec<Call>, d: &str) -> pulsecheck::Snapshot {
    let forward = snap(&engine_with(config.clone(), calls.clone()), d);
    let backward = snap(&engine_with(config, calls.into_iter().rev()), d);
    assert_eq!(forward, backward, "ingest order changed the snapshot");
    forward
}

// ---------------------------------------------------------------- NPS

/// NPS lookback NL = 10 days: responses count with day in 2026-10-22 ..= 2026-10-31.
fn nps_calls() -> Vec<Call> {
    let mut calls = vec![
        group("u1", "acme", "2026-09-01T00:00:00Z").into(),
        group("u2", "acme", "2026-09-01T00:00:00Z").into(),
        group("u3", "acme", "2026-09-01T00:00:00Z").into(),
        group("u4", "acme", "2026-09-01T00:00:00Z").into(),
        group("u5", "acme", "2026-09-01T00:00:00Z").into(),
        group("g1", "globex", "2026-09-01T00:00:00Z").into(),
        group("g2", "globex", "2026-09-01T00:00:00Z").into(),
        group("g3", "globex", "2026-09-01T00:00:00Z").into(),
        group("i1", "initech", "2026-09-01T00:00:00Z").into(),
        track("i1", "Report Run", "2026-10-30T09:00:00Z").into(),
        // u1: a 3 before the lookback (10-20), then a 9 inside it.
        nps("u1", "2026-10-20T10:00:00Z", 3),
        nps("u1", "2026-10-25T10:00:00Z", 9),
        // u2: an 8 and a 6 at the very same millisecond: the lower, 6, counts.
        nps("u2", "2026-10-30T12:00:00Z", 8),
        nps("u2", "2026-10-30T12:00:00Z", 6),
        // u3: on the first day of the lookback, at midnight: inside.
        nps("u3", "2026-10-22T00:00:00Z", 7),
        // u4: the last second of the day before the lookback: outside.
        nps("u4", "2026-10-21T23:59:59Z", 10),
        // u5: a 10, then four non-responses, then a response after D.
        nps("u5", "2026-10-26T10:00:00Z", 10),
        nps("u5", "2026-10-28T10:00:00Z", 11),
        nps("u5", "2026-10-29T10:00:00Z", 7.5),
        nps("u5", "2026-10-30T10:00:00Z", "9"),
        track("u5", "NPS Submitted", "2026-10-31T10:00:00Z").into(),
        nps("u5", "2026-11-01T10:00:00Z", 0),
        // globex: a 0, an 8 and a 7.0 (a whole number sent as a float).
        nps("g1", "2026-10-30T10:00:00Z", 0),
        nps("g2", "2026-10-30T10:00:00Z", 8),
        nps("g3", "2026-10-30T10:00:00Z", 7.0),
    ];
    calls.push(track("u1", "Report Run", "2026-10-30T09:00:00Z").into());
    calls
}

#[test]
fn a_user_s_score_is_the_latest_response_in_the_lookback() {
    let s = both_orders(with_nps(10).build().unwrap(), nps_calls(), D);
    let u1 = user(&s, "u1");
    // The 10-20 response is before 10-22; the 10-25 one is the latest inside.
    assert_eq!(prop(u1, "nps_score"), &int(9));
    assert_eq!(prop(u1, "nps_category"), &text("promoter"));
    assert_eq!(
        prop(u1, "nps_responded_at"),
        &datetime("2026-10-25T10:00:00Z")
    );
}

#[test]
fn equal_timestamps_take_the_lower_score() {
    let s = both_orders(with_nps(10).build().unwrap(), nps_calls(), D);
    let u2 = user(&s, "u2");
    // 8 and 6 at 2026-10-30T12:00:00Z: 6, a detractor (0–6).
    assert_eq!(prop(u2, "nps_score"), &int(6));
    assert_eq!(prop(u2, "nps_category"), &text("detractor"));
    assert_eq!(
        prop(u2, "nps_responded_at"),
        &datetime("2026-10-30T12:00:00Z")
    );
}

#[test]
fn the_lookback_starts_at_midnight_of_its_first_day() {
    let s = both_orders(with_nps(10).build().unwrap(), nps_calls(), D);
    // D − NL + 1 = 10-22: a response at 10-22T00:00:00Z counts, one at
    // 10-21T23:59:59Z does not.
    assert_eq!(prop(user(&s, "u3"), "nps_score"), &int(7));
    assert_eq!(prop(user(&s, "u3"), "nps_category"), &text("passive"));
    let u4 = user(&s, "u4");
    assert_eq!(prop(u4, "nps_score"), &Value::Null);
    assert_eq!(prop(u4, "nps_category"), &Value::Null);
    assert_eq!(prop(u4, "nps_responded_at"), &Value::Null);
    // As of 10-30 the lookback is 10-21 ..= 10-30: u4's 10 counts.
    let earlier = snap(
        &engine_with(with_nps(10).build().unwrap(), nps_calls()),
        "2026-10-30",
    );
    assert_eq!(prop(user(&earlier, "u4"), "nps_score"), &int(10));
}

#[test]
fn bad_scores_are_warnings_not_responses_but_still_activity() {
    let mut engine = Engine::new(with_nps(10).build().unwrap()).unwrap();
    let mut warnings = Vec::new();
    for call in nps_calls() {
        if let Ok(Outcome::AcceptedWithWarnings(w)) = engine.ingest(&call) {
            warnings.extend(w);
        }
    }
    // 11, 7.5, "9" and a missing score: four warnings (7.0 is a whole number).
    let values: Vec<String> = warnings
        .iter()
        .map(|w| match w {
            Warning::BadNpsScore { value, .. } => value.clone(),
            other => panic!("unexpected warning {other:?}"),
        })
        .collect();
    assert_eq!(values.len(), 4, "{values:?}");
    assert!(values[0].starts_with("11"), "{values:?}");
    assert!(values[1].starts_with("7.5"), "{values:?}");
    assert_eq!(values[2], "\"9\"");
    assert_eq!(values[3], "missing");
    assert!(warnings.iter().all(|w| w.code() == "bad_nps_score"));
    let s = snap(&engine, D);
    let u5 = user(&s, "u5");
    // The 10 of 10-26 stays the latest response (the 0 of 11-01 is after D).
    assert_eq!(prop(u5, "nps_score"), &int(10));
    // Activity: the 10 and the four bad ones in the window (11-01 is after D) → 5.
    assert_eq!(prop(u5, "event_count"), &int(5));
    assert_eq!(prop(u5, "last_seen_at"), &datetime("2026-10-31T10:00:00Z"));
}

#[cfg(feature = "json")]
#[test]
fn bad_scores_in_json_are_counted_with_their_line_numbers() {
    let mut engine = Engine::new(with_nps(10).build().unwrap()).unwrap();
    let lines = [
        r#"{"type":"track","userId":"u1","event":"NPS Submitted","properties":{"score":9},"timestamp":"2026-10-30T10:00:00Z","messageId":"a"}"#,
        r#"{"type":"track","userId":"u1","event":"NPS Submitted","properties":{"score":11},"timestamp":"2026-10-30T10:01:00Z","messageId":"b"}"#,
        r#"{"type":"track","userId":"u1","event":"NPS Submitted","properties":{"score":7.5},"timestamp":"2026-10-30T10:02:00Z","messageId":"c"}"#,
        r#"{"type":"track","userId":"u1","event":"NPS Submitted","properties":{"score":"9"},"timestamp":"2026-10-30T10:03:00Z","messageId":"d"}"#,
        r#"{"type":"track","userId":"u1","event":"NPS Submitted","properties":{},"timestamp":"2026-10-30T10:04:00Z","messageId":"e"}"#,
        r#"{"type":"track","userId":"u2","event":"NPS Submitted","properties":{"score":10},"timestamp":"2026-10-30T10:05:00Z","messageId":"f"}"#,
    ];
    let mut report = pulsecheck::IngestReport::default();
    engine.ingest_ndjson(&lines.join("\n"), 1, &mut report);
    assert_eq!(report.accepted(), 6);
    assert_eq!(report.warning_count(), 4);
    let lines: Vec<Option<u64>> = report.warnings().iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [Some(2), Some(3), Some(4), Some(5)]);
    let s = snap(&engine, D);
    assert_eq!(prop(user(&s, "u1"), "nps_score"), &int(9));
    assert_eq!(prop(user(&s, "u2"), "nps_score"), &int(10));
}

#[test]
fn an_account_s_nps_counts_its_members_responses() {
    let s = both_orders(with_nps(10).build().unwrap(), nps_calls(), D);
    let acme = account(&s, "acme");
    // u1 9 (promoter), u2 6 (detractor), u3 7 (passive), u5 10 (promoter); u4 none.
    // 4 responses: 100 · (2 − 1) / 4 = 25.
    assert_eq!(prop(acme, "nps_responses"), &int(4));
    assert_eq!(prop(acme, "nps"), &int(25));
    // globex: 0 (detractor), 8 and 7 (passives): 100 · (0 − 1) / 3 = −33.3 → −33.
    let globex = account(&s, "globex");
    assert_eq!(prop(globex, "nps_responses"), &int(3));
    assert_eq!(prop(globex, "nps"), &int(-33));
    // initech: a member, no response: 0 responses, NPS null.
    let initech = account(&s, "initech");
    assert_eq!(prop(initech, "nps_responses"), &int(0));
    assert_eq!(prop(initech, "nps"), &Value::Null);
}

#[test]
fn without_nps_there_are_no_nps_properties() {
    let config = Config::builder().health(Health::new()).build().unwrap();
    let s = snap(&engine_with(config, nps_calls()), D);
    assert!(user(&s, "u1").get("nps_score").is_none());
    assert!(account(&s, "acme").get("nps").is_none());
    assert!(account(&s, "acme").get("revenue_movement").is_some());
    // Without `health`, none of the health properties exist.
    let s = snap(&engine_with(Config::default(), nps_calls()), D);
    for name in ["nps_score", "health_score", "health_label"] {
        assert!(user(&s, "u1").get(name).is_none(), "{name}");
    }
    for name in [
        "nps",
        "mrr_previous",
        "revenue_movement",
        "churned",
        "retained_users_pct",
    ] {
        assert!(account(&s, "acme").get(name).is_none(), "{name}");
    }
}

// ---------------------------------------------------------------- revenue

fn health() -> Config {
    Config::builder().health(Health::new()).build().unwrap()
}

fn revenue_calls() -> Vec<Call> {
    vec![
        // newco: free (0) since 09-01, pays 49 from 10-15.
        mrr("newco", "2026-09-01T08:00:00Z", "0"),
        mrr("newco", "2026-10-15T08:00:00Z", "49"),
        // fresh: no mrr at all until 10-15.
        Group::account_only(AccountId::from("fresh"), ts("2026-09-01T08:00:00Z"))
            .with_trait("plan", "free")
            .into(),
        mrr("fresh", "2026-10-15T08:00:00Z", "100"),
        // back: paid 100, churned on 09-10, came back with 120 on 10-20.
        mrr("back", "2026-08-01T08:00:00Z", "100"),
        mrr("back", "2026-09-10T08:00:00Z", "0"),
        mrr("back", "2026-10-20T08:00:00Z", "120"),
        // grow: 100 → 150.
        mrr("grow", "2026-09-01T08:00:00Z", "100"),
        mrr("grow", "2026-10-10T08:00:00Z", "150"),
        // shrink: 200 → 150.50.
        mrr("shrink", "2026-09-01T08:00:00Z", "200"),
        mrr("shrink", "2026-10-10T08:00:00Z", "150.50"),
        // gone: 300, then 0 on 10-05 and 0 again on 10-06.
        mrr("gone", "2026-09-01T08:00:00Z", "300"),
        mrr("gone", "2026-10-05T10:00:00Z", "0"),
        mrr("gone", "2026-10-06T10:00:00Z", "0"),
        // steady: 80, then 80 again.
        mrr("steady", "2026-09-01T08:00:00Z", "80"),
        mrr("steady", "2026-10-10T08:00:00Z", "80"),
        // free: 0 all along.
        mrr("free", "2026-09-01T08:00:00Z", "0"),
        // day: within one day (10-25) 50, 0, 70, 0 and 0.
        mrr("day", "2026-10-25T09:00:00Z", "50"),
        mrr("day", "2026-10-25T10:00:00Z", "0"),
        mrr("day", "2026-10-25T10:30:00Z", "70"),
        mrr("day", "2026-10-25T11:00:00Z", "0"),
        mrr("day", "2026-10-25T12:00:00Z", "0"),
    ]
}

/// `(mrr_previous, mrr_change, revenue_movement, churned, churned_at)`.
fn revenue(s: &pulsecheck::Snapshot, id: &str) -> (Value, Value, Value, Value, Value) {
    let a = account(s, id);
    (
        prop(a, "mrr_previous").clone(),
        prop(a, "mrr_change").clone(),
        prop(a, "revenue_movement").clone(),
        prop(a, "churned").clone(),
        prop(a, "churned_at").clone(),
    )
}

#[test]
fn every_revenue_movement() {
    let s = both_orders(health(), revenue_calls(), D);
    let no = Value::Bool(false);
    // newco: m0 = mrr(10-01) = 0, m1 = 49, never above 0 by 10-01 → new; +49.
    assert_eq!(
        revenue(&s, "newco"),
        (dec("0"), dec("49"), text("new"), no.clone(), Value::Null)
    );
    // fresh: no mrr on 10-01 (previous null, counts as 0), m1 = 100 → new; +100.
    assert_eq!(
        revenue(&s, "fresh"),
        (
            Value::Null,
            dec("100"),
            text("new"),
            no.clone(),
            Value::Null
        )
    );
    // back: m0 = 0 (since 09-10), m1 = 120, but 100 was paid by 10-01 → reactivated.
    assert_eq!(
        revenue(&s, "back"),
        (
            dec("0"),
            dec("120"),
            text("reactivated"),
            no.clone(),
            Value::Null
        )
    );
    // grow: 100 → 150: expansion, +50.
    assert_eq!(
        revenue(&s, "grow"),
        (
            dec("100"),
            dec("50"),
            text("expansion"),
            no.clone(),
            Value::Null
        )
    );
    // shrink: 200 → 150.50: contraction, −49.50.
    assert_eq!(
        revenue(&s, "shrink"),
        (
            dec("200"),
            dec("-49.5"),
            text("contraction"),
            no.clone(),
            Value::Null
        )
    );
    // gone: 300 → 0: churned, −300, churned since the first 0 after the 300 (10-05).
    assert_eq!(
        revenue(&s, "gone"),
        (
            dec("300"),
            dec("-300"),
            text("churned"),
            Value::Bool(true),
            datetime("2026-10-05T10:00:00Z")
        )
    );
    // steady: 80 → 80: flat, 0.
    assert_eq!(
        revenue(&s, "steady"),
        (dec("80"), dec("0"), text("flat"), no.clone(), Value::Null)
    );
    // free: 0 → 0: none, never paid so not churned.
    assert_eq!(
        revenue(&s, "free"),
        (dec("0"), dec("0"), text("none"), no, Value::Null)
    );
}

#[test]
fn churn_within_a_day_is_the_first_zero_after_the_last_positive_call() {
    // day: 50 @09:00, 0 @10:00, 70 @10:30, 0 @11:00, 0 @12:00. m0 = mrr(10-01):
    // none, m1 = 0 → none; but a call set mrr above 0 and it is 0 now → churned,
    // at the first 0 after the latest positive call (70 @10:30): 11:00.
    let s = both_orders(health(), revenue_calls(), D);
    assert_eq!(
        revenue(&s, "day"),
        (
            Value::Null,
            dec("0"),
            text("none"),
            Value::Bool(true),
            datetime("2026-10-25T11:00:00Z")
        )
    );
    // Without the 70 the first 0 after the 50 (10:00) is the churn.
    let calls: Vec<Call> = revenue_calls()
        .into_iter()
        .filter(|c| c.timestamp() != ts("2026-10-25T10:30:00Z"))
        .collect();
    let s = both_orders(health(), calls, D);
    assert_eq!(
        prop(account(&s, "day"), "churned_at"),
        &datetime("2026-10-25T10:00:00Z")
    );
}

#[test]
fn an_account_that_churns_and_comes_back_point_in_time() {
    let engine = engine_with(health(), revenue_calls());
    // As of 09-20: m0 = mrr(08-21) = 100, m1 = 0 (since 09-10) → churned at 09-10.
    let s = snap(&engine, "2026-09-20");
    assert_eq!(
        revenue(&s, "back"),
        (
            dec("100"),
            dec("-100"),
            text("churned"),
            Value::Bool(true),
            datetime("2026-09-10T08:00:00Z")
        )
    );
    // As of 10-15: m0 = mrr(09-15) = 0, m1 = 0 → none, still churned.
    let s = snap(&engine, "2026-10-15");
    assert_eq!(prop(account(&s, "back"), "revenue_movement"), &text("none"));
    assert_eq!(prop(account(&s, "back"), "churned"), &Value::Bool(true));
    // As of D it came back (above): reactivated, no longer churned.
    // gone as of 10-04: m0 = mrr(09-04) = 300 = m1 → flat, not churned yet.
    let s = snap(&engine, "2026-10-04");
    assert_eq!(
        revenue(&s, "gone"),
        (
            dec("300"),
            dec("0"),
            text("flat"),
            Value::Bool(false),
            Value::Null
        )
    );
}

#[test]
fn revenue_days_moves_the_comparison_day() {
    // R = 60: m0 = mrr(09-01). grow: 100 (set 09-01 08:00, on or before the end of
    // 09-01) → 150: expansion. back: mrr(09-01) = 100, m1 = 120 → expansion too.
    let config = Config::builder()
        .health(Health::new().with_revenue_days(60))
        .build()
        .unwrap();
    let s = snap(&engine_with(config, revenue_calls()), D);
    assert_eq!(prop(account(&s, "grow"), "mrr_previous"), &dec("100"));
    assert_eq!(
        prop(account(&s, "back"), "revenue_movement"),
        &text("expansion")
    );
    assert_eq!(prop(account(&s, "back"), "mrr_change"), &dec("20"));
}

// ---------------------------------------------------------------- retention

#[test]
fn retained_users_are_previous_window_members_still_active() {
    let calls: Vec<Call> = vec![
        group("r1", "acme", "2026-08-01T00:00:00Z").into(),
        group("r2", "acme", "2026-08-01T00:00:00Z").into(),
        group("r3", "acme", "2026-08-01T00:00:00Z").into(),
        group("r4", "acme", "2026-08-01T00:00:00Z").into(),
        group("r5", "acme", "2026-08-01T00:00:00Z").into(),
        group("r6", "acme", "2026-08-01T00:00:00Z").into(),
        group("g1", "globex", "2026-08-01T00:00:00Z").into(),
        // r1: previous window and window → retained.
        track("r1", "Settings Opened", "2026-09-15T10:00:00Z").into(),
        track("r1", "Settings Opened", "2026-10-20T10:00:00Z").into(),
        // r2: previous window only → lost.
        track("r2", "Settings Opened", "2026-09-15T10:00:00Z").into(),
        // r3: window only → not counted.
        track("r3", "Settings Opened", "2026-10-20T10:00:00Z").into(),
        // r4: before the previous window only → not counted.
        track("r4", "Settings Opened", "2026-08-15T10:00:00Z").into(),
        // r5: the previous window's first instant, and D → retained.
        track("r5", "Settings Opened", "2026-09-02T00:00:00Z").into(),
        track("r5", "Settings Opened", "2026-10-31T23:59:59Z").into(),
        // r6: the last second before the previous window, and the window → not counted.
        track("r6", "Settings Opened", "2026-09-01T23:59:59Z").into(),
        track("r6", "Settings Opened", "2026-10-10T10:00:00Z").into(),
        // globex: g1 in the window only.
        track("g1", "Settings Opened", "2026-10-20T10:00:00Z").into(),
    ];
    let s = both_orders(health(), calls, D);
    // Previous window 09-02 ..= 10-01: r1, r2, r5; of them r1 and r5 are active in
    // the window: 100 · 2 / 3 = 66.7 → 67.
    assert_eq!(prop(account(&s, "acme"), "retained_users_pct"), &int(67));
    // globex: nobody was active in the previous window → null.
    assert_eq!(
        prop(account(&s, "globex"), "retained_users_pct"),
        &Value::Null
    );
}

// ---------------------------------------------------------------- health score

/// All events score (so there are no key features: adoption is null), linear
/// curve, no milestones (activation null), no NPS: a user's components are
/// engagement, trend and recency (weights 40, 10, 10).
///
/// As of D (window 10-02 ..= 10-31): p raw 1 (10-02), q raw 4 (10-30). Positive
/// raws [1, 4]: p90 = 1 + 0.9 · 3 = 3.7. p: 100 · 1 / 3.7 = 27.03 → 27; q: 108 → 100.
/// As of D − 30 (window 09-02 ..= 10-01): p raw 4 (09-20), q 0: p 100, q 0.
fn score_calls() -> Vec<Call> {
    let mut calls = vec![track("p", "Task Created", "2026-10-02T10:00:00Z").into()];
    calls.extend(repeat("p", "Task Created", "2026-09-20T10:00:00Z", 4));
    calls.extend(repeat("q", "Task Created", "2026-10-30T10:00:00Z", 4));
    calls
}

fn linear(health: Health) -> Config {
    Config::builder()
        .curve(Curve::Linear)
        .health(health)
        .build()
        .unwrap()
}

#[test]
fn health_score_is_the_weighted_mean_of_the_components_that_are_not_null() {
    let s = both_orders(linear(Health::new()), score_calls(), D);
    let p = user(&s, "p");
    assert_eq!(prop(p, "engagement_score"), &int(27));
    assert_eq!(prop(p, "engagement_trend"), &int(-73));
    // engagement 27; trend 50 − 73 / 2 = 13.5; recency: last seen 10-02, 29 days,
    // 100 · (1 − 29 / 90) = 67.78; activation, adoption, seats, NPS null.
    // (40 · 27 + 10 · 13.5 + 10 · 67.78) / 60 = (1080 + 135 + 677.78) / 60 = 31.55 → 32.
    assert_eq!(prop(p, "health_score"), &int(32));
    assert_eq!(prop(p, "health_label"), &text("red"));
    // q: engagement 100; trend +100 → 100; recency 1 day: 100 · 89 / 90 = 98.89.
    // (4000 + 1000 + 988.89) / 60 = 99.81 → 100.
    let q = user(&s, "q");
    assert_eq!(prop(q, "health_score"), &int(100));
    assert_eq!(prop(q, "health_label"), &text("green"));
}

#[test]
fn health_scores_round_half_away_from_zero() {
    // Only the trend counts: p's 13.5 → 14, q's 100.
    let mut h = Health::new();
    for c in [
        "engagement",
        "activation",
        "adoption",
        "recency",
        "seats",
        "nps",
    ] {
        h = h.with_weight(c, 0);
    }
    let s = snap(
        &engine_with(linear(h.with_weight("trend", 1)), score_calls()),
        D,
    );
    assert_eq!(prop(user(&s, "p"), "health_score"), &int(14));
    assert_eq!(prop(user(&s, "q"), "health_score"), &int(100));
}

#[test]
fn labels_follow_the_thresholds() {
    // p 32, q 100 (above). red below 30 / green from 100: p yellow, q green.
    let s = snap(
        &engine_with(
            linear(Health::new().with_red_below(30).with_green_from(100)),
            score_calls(),
        ),
        D,
    );
    assert_eq!(prop(user(&s, "p"), "health_label"), &text("yellow"));
    assert_eq!(prop(user(&s, "q"), "health_label"), &text("green"));
    // red below 33: 32 is red. green from 32: 32 is green (from, inclusive).
    let s = snap(
        &engine_with(linear(Health::new().with_red_below(33)), score_calls()),
        D,
    );
    assert_eq!(prop(user(&s, "p"), "health_label"), &text("red"));
    let s = snap(
        &engine_with(
            linear(Health::new().with_red_below(32).with_green_from(32)),
            score_calls(),
        ),
        D,
    );
    assert_eq!(prop(user(&s, "p"), "health_label"), &text("green"));
}

#[test]
fn no_component_no_score() {
    // Only NPS counts, and nobody answered: score and label null.
    let s = snap(&engine_with(linear(nps_only_health()), score_calls()), D);
    assert_eq!(prop(user(&s, "p"), "health_score"), &Value::Null);
    assert_eq!(prop(user(&s, "p"), "health_label"), &Value::Null);
}

/// Scores "Report Run" (linear), so "Report Run" is the only key feature; one
/// account milestone; NPS; acme has 4 seats and mrr 1500.
///
/// a1: 2 Report Runs on 10-30 (raw 2); a2: one NPS response of 9 on 10-20 (not
/// scored, but activity). Positive raws [2] → a1 100, a2 0. Nothing before 10-02.
fn account_config(red_below: i64) -> Config {
    Config::builder()
        .curve(Curve::Linear)
        .score_event("Report Run", 1)
        .account_milestone(Milestone::event("first_report", "Report Run"))
        .health(
            Health::new()
                .with_nps(Nps::default())
                .with_red_below(red_below)
                .with_green_from(90),
        )
        .account_action(
            "health_label = \"red\" and mrr >= 1000",
            "personal_outreach",
        )
        .account_action("health_label = \"red\"", "automated_email")
        .user_segment(
            "unhappy",
            "health_label = \"red\" and nps_category = \"promoter\"",
        )
        .build()
        .unwrap()
}

fn account_calls() -> Vec<Call> {
    let mut calls: Vec<Call> = vec![
        group("a1", "acme", "2026-10-02T00:00:00Z")
            .with_trait("seats", 4)
            .with_trait("mrr", 1500)
            .into(),
        group("a2", "acme", "2026-10-02T00:00:00Z").into(),
        nps("a2", "2026-10-20T10:00:00Z", 9),
    ];
    calls.extend(repeat("a1", "Report Run", "2026-10-30T10:00:00Z", 2));
    calls
}

#[test]
fn an_account_s_health_reads_seats_and_nps() {
    let s = both_orders(account_config(40), account_calls(), D);
    let acme = account(&s, "acme");
    // engagement: mean of a1 100 and a2 0 = 50; trend 50 − 0 → 50 + 25 = 75;
    // activation 100 (first_report met); adoption 100 (reporting used); recency:
    // last seen 10-30, 1 day → 98.89; seats: 1 active of 4 = 25; NPS: one promoter
    // → 100 → (100 + 100) / 2 = 100.
    // (40·50 + 10·75 + 15·100 + 15·100 + 10·98.89 + 5·25 + 5·100) / 100
    //   = (2000 + 750 + 1500 + 1500 + 988.89 + 125 + 500) / 100 = 73.64 → 74.
    assert_eq!(prop(acme, "seat_utilization_pct"), &int(25));
    assert_eq!(prop(acme, "nps"), &int(100));
    assert_eq!(prop(acme, "health_score"), &int(74));
    assert_eq!(prop(acme, "health_label"), &text("yellow"));
    // a2: engagement 0; trend 0 → 50; activation null (no user milestones);
    // adoption 0; recency 11 days → 100 · 79 / 90 = 87.78; NPS 10 · 9 = 90.
    // (0 + 10·50 + 15·0 + 10·87.78 + 5·90) / (40 + 10 + 15 + 10 + 5)
    //   = (500 + 877.78 + 450) / 80 = 22.85 → 23.
    let a2 = user(&s, "a2");
    assert_eq!(prop(a2, "health_score"), &int(23));
    assert_eq!(prop(a2, "health_label"), &text("red"));
    // a1: engagement 100, trend 100, adoption 100, recency 98.89; NPS null.
    // (4000 + 1000 + 1500 + 988.89) / 75 = 99.85 → 100.
    assert_eq!(prop(user(&s, "a1"), "health_score"), &int(100));
}

#[test]
fn rules_segments_and_actions_read_health_properties() {
    // acme scores 74: with red below 80 it is red, and its mrr is 1500.
    let s = snap(&engine_with(account_config(80), account_calls()), D);
    let acme = account(&s, "acme");
    assert_eq!(prop(acme, "health_label"), &text("red"));
    assert_eq!(prop(acme, "next_action"), &text("personal_outreach"));
    // a2 is red (23) and a promoter (9).
    assert_eq!(
        sorted_strings(prop(user(&s, "a2"), "segments")),
        ["unhappy"]
    );
    assert_eq!(
        sorted_strings(prop(user(&s, "a1"), "segments")),
        Vec::<String>::new()
    );
    // With red below 40 acme (74) is not red: no action.
    let s = snap(&engine_with(account_config(40), account_calls()), D);
    assert_eq!(prop(account(&s, "acme"), "next_action"), &Value::Null);
    // A typo is a compile error with a suggestion.
    let errors = Config::builder()
        .health(Health::new())
        .account_segment("x", "helth_score < 40")
        .build()
        .unwrap_err();
    assert!(errors.to_string().contains("health_score"), "{errors}");
    // Without `health` the properties are unknown.
    let errors = Config::builder()
        .account_segment("x", "health_score < 40")
        .build()
        .unwrap_err();
    assert!(errors.to_string().contains("health_score"), "{errors}");
}

// ---------------------------------------------------------------- state

#[test]
fn health_state_survives_save_load_merge_and_eviction() {
    let config = with_nps(180).build().unwrap();
    let mut calls = nps_calls();
    calls.extend(revenue_calls());
    calls.extend(account_calls());
    let whole = engine_with(config.clone(), calls.clone());
    let expected = snap(&whole, D);
    // Save and load.
    let saved = serde_json::to_string(&whole).unwrap();
    let loaded: Engine = serde_json::from_str(&saved).unwrap();
    assert_eq!(snap(&loaded, D), expected);
    // Split by position, merged.
    let (left, right) = calls.split_at(calls.len() / 2);
    let mut merged = engine_with(config.clone(), left.to_vec());
    merged
        .merge(engine_with(config.clone(), right.to_vec()))
        .unwrap();
    assert_eq!(snap(&merged, D), expected);
    // Evicting what D no longer reads (history_days = max(60, 120, 180) = 180).
    assert_eq!(config.history_days(), 180);
    let mut evicted = whole.clone();
    evicted.evict_before(day("2026-05-05"));
    assert_eq!(snap(&evicted, D), expected);
}

#[test]
fn day_numbers_near_the_ends_of_time_do_not_overflow() {
    let config = Config::builder()
        .health(
            Health::new()
                .with_nps(Nps::default().with_lookback_days(3_650))
                .with_revenue_days(3_650),
        )
        .build()
        .unwrap();
    let engine = engine_with(config, account_calls());
    for d in [chrono::NaiveDate::MIN, chrono::NaiveDate::MAX] {
        let s = engine.snapshot(d);
        let _ = s.accounts().len();
    }
}
