//! Hand-computed fixtures for the account (Company) properties: members,
//! active and total users, the mean score, seats, attribution of activity, usage
//! sums, growth and (cumulative) shares, account milestones, lifecycle and trend.
//!
//! Unless a test says otherwise the snapshot day is D = 2026-10-31 with the default
//! 30-day window (2026-10-02 ..= 2026-10-31) and the default 90-day lookback
//! (2026-08-03 ..= 2026-10-31).
use crate::common::*;
use pulsecheck::{
    AccountId, Call, Config, ConfigBuilder, Curve, Group, Milestone, Outcome, Usage, Value, Warning,
};

/// Only "Report Run" scores (weight 1), log curve.
fn reports() -> ConfigBuilder {
    Config::builder().score_event("Report Run", 1)
}

/// acme: a1 (raw 1), a5 (raw 2), a2 (unscored activity only), a3 (activity in the
/// lookback but not the window), a4 (activity before the lookback).
/// globex: g1 (raw 3). initech: traits only, no members.
fn members_calls() -> Vec<Call> {
    let mut calls: Vec<Call> = vec![
        group("a1", "acme", "2026-09-01T00:00:00Z")
            .with_trait("name", "Acme Inc")
            .with_trait("domain", "acme.com")
            .with_trait("plan", "pro")
            .with_trait("seats", 10)
            .with_trait("mrr", "1250.50")
            .into(),
        group("a5", "acme", "2026-09-01T00:00:00Z").into(),
        group("a2", "acme", "2026-09-01T00:00:00Z").into(),
        group("a3", "acme", "2026-09-01T00:00:00Z").into(),
        group("a4", "acme", "2026-06-01T00:00:00Z").into(),
        group("g1", "globex", "2026-09-01T00:00:00Z")
            .with_trait("seats", 4)
            .into(),
        Group::account_only(AccountId::from("initech"), ts("2026-09-01T00:00:00Z"))
            .with_trait("seats", 5)
            .into(),
        track("a1", "Report Run", "2026-10-30T15:00:00Z").into(),
        track("a2", "Settings Opened", "2026-10-28T09:00:00Z").into(),
        track("a3", "Report Run", "2026-09-01T10:00:00Z").into(),
        track("a4", "Report Run", "2026-07-01T09:00:00Z").into(),
    ];
    calls.extend(repeat("a5", "Report Run", "2026-10-29T09:00:00Z", 2));
    calls.extend(repeat("g1", "Report Run", "2026-10-30T09:00:00Z", 3));
    calls
}

#[test]
fn user_scores_of_the_members_fixture() {
    let s = snap(&engine_with(reports().build().unwrap(), members_calls()), D);
    // positive raws in the window: a1 1, a5 2, g1 3 → h = 2 · 0.9 = 1.8,
    // b = 2 + 0.8 · (3 − 2) = 2.8; f(b) = ln 3.8 = 1.335001
    // a1: 100 · ln 2 / 1.335001 = 100 · 0.693147 / 1.335001 = 51.92 → 52
    assert_eq!(prop(user(&s, "a1"), "engagement_score"), &int(52));
    // a5: 100 · ln 3 / 1.335001 = 100 · 1.098612 / 1.335001 = 82.29 → 82
    assert_eq!(prop(user(&s, "a5"), "engagement_score"), &int(82));
    // g1: 100 · ln 4 / 1.335001 = 103.8 → clamp 100
    assert_eq!(prop(user(&s, "g1"), "engagement_score"), &int(100));
    // a2, a3, a4: raw 0 in the window → 0
    for id in ["a2", "a3", "a4"] {
        assert_eq!(prop(user(&s, id), "engagement_score"), &int(0), "{id}");
    }
}

#[test]
fn total_users_are_members_active_in_the_lookback_and_active_users_those_scoring_in_the_window() {
    let s = snap(&engine_with(reports().build().unwrap(), members_calls()), D);
    let acme = account(&s, "acme");
    // total: a1, a5, a2 (unscored activity counts), a3 (09-01 is inside the lookback
    // 08-03 ..= 10-31); a4 (07-01) is not → 4
    assert_eq!(prop(acme, "total_users"), &int(4));
    // active: a1 and a5 have a scored event in the window; a2 only unscored → 2
    assert_eq!(prop(acme, "active_users"), &int(2));
    assert_eq!(prop(acme, "active_user_pct"), &int(50)); // 100 · 2 / 4
    assert_eq!(prop(acme, "seat_utilization_pct"), &int(20)); // 100 · 2 / 10 seats

    let globex = account(&s, "globex");
    assert_eq!(prop(globex, "total_users"), &int(1));
    assert_eq!(prop(globex, "active_users"), &int(1));
    assert_eq!(prop(globex, "active_user_pct"), &int(100)); // 100 · 1 / 1
    assert_eq!(prop(globex, "seat_utilization_pct"), &int(25)); // 100 · 1 / 4 seats
}

#[test]
fn account_score_is_the_mean_of_its_total_users_scores_rounded_half_away() {
    let s = snap(&engine_with(reports().build().unwrap(), members_calls()), D);
    // acme: total users a1 52, a5 82, a2 0, a3 0 (a4 is not a total user)
    // → (52 + 82 + 0 + 0) / 4 = 33.5 → 34
    assert_eq!(prop(account(&s, "acme"), "engagement_score"), &int(34));
    // globex: g1 alone → 100
    assert_eq!(prop(account(&s, "globex"), "engagement_score"), &int(100));
}

#[test]
fn an_account_without_active_members_has_null_active_user_pct_and_score_zero() {
    let s = snap(&engine_with(reports().build().unwrap(), members_calls()), D);
    let initech = account(&s, "initech");
    assert_eq!(prop(initech, "total_users"), &int(0));
    assert_eq!(prop(initech, "active_users"), &int(0));
    assert_eq!(prop(initech, "active_user_pct"), &Value::Null); // total is 0
    assert_eq!(prop(initech, "seat_utilization_pct"), &int(0)); // 100 · 0 / 5
    assert_eq!(prop(initech, "engagement_score"), &int(0)); // no total users
}

#[test]
fn seat_utilization_is_null_without_a_seats_trait() {
    let calls: Vec<Call> = vec![
        group("u1", "noseats", "2026-10-01T00:00:00Z").into(),
        track("u1", "Report Run", "2026-10-30T09:00:00Z").into(),
    ];
    let s = snap(&engine_with(reports().build().unwrap(), calls), D);
    let r = account(&s, "noseats");
    assert_eq!(prop(r, "seats"), &Value::Null);
    assert_eq!(prop(r, "seat_utilization_pct"), &Value::Null);
    assert_eq!(prop(r, "active_user_pct"), &int(100)); // 1 of 1
}

#[test]
fn account_activity_sums_over_its_members() {
    let s = snap(&engine_with(reports().build().unwrap(), members_calls()), D);
    let acme = account(&s, "acme");
    // window raws: a1 1 + a5 2 = 3
    assert_eq!(prop(acme, "raw_score"), &int(3));
    // window activity: a1 1 + a5 2 + a2 1 (unscored) = 4; a3, a4 are before the window
    assert_eq!(prop(acme, "event_count"), &int(4));
    // scored days: 10-30 (a1), 10-29 (a5) = 2; 10-28 has only a2's unscored event
    assert_eq!(prop(acme, "active_days"), &int(2));
    // earliest attributed activity: a4 on 07-01 (all time, not the lookback)
    assert_eq!(
        prop(acme, "first_seen_at"),
        &datetime("2026-07-01T09:00:00Z")
    );
    assert_eq!(
        prop(acme, "last_seen_at"),
        &datetime("2026-10-30T15:00:00Z")
    );
    assert_eq!(prop(acme, "days_since_last_seen"), &int(1)); // 10-31 − 10-30
}

#[test]
fn group_traits_become_account_properties_with_money_as_decimal() {
    let s = snap(&engine_with(reports().build().unwrap(), members_calls()), D);
    let acme = account(&s, "acme");
    assert_eq!(prop(acme, "account_id"), &text("acme"));
    assert_eq!(prop(acme, "name"), &text("Acme Inc"));
    assert_eq!(prop(acme, "domain"), &text("acme.com"));
    assert_eq!(prop(acme, "plan"), &text("pro"));
    assert_eq!(prop(acme, "seats"), &int(10));
    assert_eq!(prop(acme, "mrr"), &dec("1250.50")); // "1250.50" → Decimal 1250.5
}

#[test]
fn account_created_at_comes_from_the_trait_else_first_seen_at() {
    let calls: Vec<Call> = vec![
        group("u1", "acme", "2026-09-01T00:00:00Z")
            .with_trait("created_at", "2025-10-31T12:00:00Z")
            .into(),
        track("u1", "Report Run", "2026-10-01T09:00:00Z").into(),
        group("u2", "globex", "2026-09-01T00:00:00Z").into(),
        track("u2", "Report Run", "2026-10-21T09:00:00Z").into(),
    ];
    let s = snap(&engine_with(reports().build().unwrap(), calls), D);
    let acme = account(&s, "acme");
    assert_eq!(prop(acme, "created_at"), &datetime("2025-10-31T12:00:00Z"));
    assert_eq!(prop(acme, "tenure_days"), &int(365)); // 2025-10-31 → 2026-10-31
    let globex = account(&s, "globex");
    assert_eq!(
        prop(globex, "created_at"),
        &datetime("2026-10-21T09:00:00Z")
    );
    assert_eq!(prop(globex, "tenure_days"), &int(10)); // 10-31 − 10-21
}

// ---------------------------------------------------------------- attribution

#[test]
fn context_group_id_wins_over_the_users_group_call() {
    let calls: Vec<Call> = vec![
        group("u1", "acme", "2026-10-01T00:00:00Z").into(),
        // no context.groupId → the group call's account, acme
        track("u1", "Report Run", "2026-10-20T09:00:00Z").into(),
        // context.groupId → globex, whatever the group call says
        track("u1", "Report Run", "2026-10-21T09:00:00Z")
            .with_group_id("globex")
            .into(),
        track("u1", "Report Run", "2026-10-22T09:00:00Z")
            .with_group_id("globex")
            .into(),
    ];
    let s = snap(&engine_with(reports().build().unwrap(), calls), D);
    let acme = account(&s, "acme");
    assert_eq!(prop(acme, "event_count"), &int(1));
    assert_eq!(prop(acme, "total_users"), &int(1));
    let globex = account(&s, "globex");
    assert_eq!(prop(globex, "event_count"), &int(2));
    assert_eq!(prop(globex, "raw_score"), &int(2));
    // u1 has activity for globex too, so it is one of globex's users
    assert_eq!(prop(globex, "total_users"), &int(1));
    assert_eq!(prop(globex, "active_users"), &int(1));
}

#[test]
fn the_latest_group_call_by_timestamp_decides_not_the_ingest_order() {
    // both group calls precede the activity; globex's is the later one, but is
    // ingested first
    let calls: Vec<Call> = vec![
        group("u1", "globex", "2026-10-05T00:00:00Z").into(),
        group("u1", "acme", "2026-10-01T00:00:00Z").into(),
        track("u1", "Report Run", "2026-10-20T09:00:00Z").into(),
    ];
    let s = snap(&engine_with(reports().build().unwrap(), calls), D);
    assert_eq!(prop(account(&s, "globex"), "event_count"), &int(1));
    assert_eq!(prop(account(&s, "acme"), "event_count"), &int(0));
    assert_eq!(prop(account(&s, "acme"), "total_users"), &int(0));
}

#[test]
fn without_context_group_id_or_a_group_call_an_event_has_no_account() {
    // "The account of an activity event is context.groupId when present,
    // otherwise the account of the user's latest group call". u1 never sends a
    // group call, so its second event belongs to no account.
    let calls: Vec<Call> = vec![
        track("u1", "Report Run", "2026-10-20T09:00:00Z")
            .with_group_id("acme")
            .into(),
        track("u1", "Report Run", "2026-10-22T09:00:00Z").into(),
    ];
    let s = snap(&engine_with(reports().build().unwrap(), calls), D);
    let acme = account(&s, "acme");
    assert_eq!(prop(acme, "event_count"), &int(1)); // only the event naming acme
    assert_eq!(prop(acme, "raw_score"), &int(1));
    assert_eq!(
        prop(acme, "last_seen_at"),
        &datetime("2026-10-20T09:00:00Z")
    );
    // the user's own metrics count both
    assert_eq!(prop(user(&s, "u1"), "event_count"), &int(2));
}

// ---------------------------------------------------------------- usage

/// N = 10 days: window 10-22 ..= 10-31, previous window 10-12 ..= 10-21.
/// `api_calls` counts "API Called"; `storage_mb` sums "File Uploaded".megabytes.
fn usage_config() -> Config {
    Config::builder()
        .window_days(10)
        .score_event("Report Run", 1)
        .usage("api_calls", Usage::count("API Called"))
        .usage("storage_mb", Usage::sum("File Uploaded", "megabytes"))
        .build()
        .unwrap()
}

/// API calls (window, previous window): acme (ua) 10, 4; globex (ug) 6, 0;
/// initech (ui) 4, 3; hooli (uh) 0, 0 (only other activity).
fn usage_calls() -> Vec<Call> {
    let mut calls: Vec<Call> = Vec::new();
    for (u, a, now, previous) in [
        ("ua", "acme", 10, 4),
        ("ug", "globex", 6, 0),
        ("ui", "initech", 4, 3),
        ("uh", "hooli", 0, 0),
    ] {
        calls.push(group(u, a, "2026-10-01T00:00:00Z").into());
        calls.extend(repeat(u, "API Called", "2026-10-25T09:00:00Z", now));
        calls.extend(repeat(u, "API Called", "2026-10-15T09:00:00Z", previous));
        calls.push(track(u, "Report Run", "2026-10-26T09:00:00Z").into());
    }
    calls
}

#[test]
fn usage_sums_the_window_and_the_previous_window_with_growth_to_one_decimal() {
    let s = snap(&engine_with(usage_config(), usage_calls()), D);
    let acme = account(&s, "acme");
    assert_eq!(prop(acme, "api_calls"), &dec("10"));
    assert_eq!(prop(acme, "api_calls_previous"), &dec("4"));
    assert_eq!(prop(acme, "api_calls_growth_pct"), &dec("150.0")); // (10 − 4) / 4 · 100
    let initech = account(&s, "initech");
    // (4 − 3) / 3 · 100 = 33.333… → 33.3
    assert_eq!(prop(initech, "api_calls_growth_pct"), &dec("33.3"));
    let globex = account(&s, "globex");
    assert_eq!(prop(globex, "api_calls_previous"), &dec("0"));
    assert_eq!(prop(globex, "api_calls_growth_pct"), &Value::Null); // previous is 0
}

#[test]
fn user_usage_has_the_same_sums_and_growth() {
    let s = snap(&engine_with(usage_config(), usage_calls()), D);
    let ua = user(&s, "ua");
    assert_eq!(prop(ua, "api_calls"), &dec("10"));
    assert_eq!(prop(ua, "api_calls_previous"), &dec("4"));
    assert_eq!(prop(ua, "api_calls_growth_pct"), &dec("150.0"));
    let ug = user(&s, "ug");
    assert_eq!(prop(ug, "api_calls_growth_pct"), &Value::Null);
}

#[test]
fn usage_share_and_cumulative_share_sort_accounts_by_usage_descending() {
    let s = snap(&engine_with(usage_config(), usage_calls()), D);
    // all accounts' window usage: 10 + 6 + 4 + 0 = 20
    // by usage descending: acme 10, globex 6, initech 4, hooli 0
    let expected = [
        // (account, share, cumulative share)
        ("acme", "50", "50"),     // 10 / 20; running 10 / 20
        ("globex", "30", "80"),   // 6 / 20; running 16 / 20
        ("initech", "20", "100"), // 4 / 20; running 20 / 20
        ("hooli", "0", "100"),    // 0 / 20; running 20 / 20
    ];
    for (id, share, cumulative) in expected {
        let r = account(&s, id);
        assert_eq!(prop(r, "api_calls_share_pct"), &dec(share), "{id}");
        assert_eq!(
            prop(r, "api_calls_cumulative_share_pct"),
            &dec(cumulative),
            "{id}"
        );
    }
}

#[test]
fn a_property_usage_sums_numbers_and_numeric_strings_and_rounds_growth_half_away() {
    let upload = |mb: Value, at: &str| -> Call {
        track("u1", "File Uploaded", at)
            .with_property("megabytes", mb)
            .into()
    };
    let calls: Vec<Call> = vec![
        group("u1", "acme", "2026-10-01T00:00:00Z").into(),
        upload(Value::Number(1.5), "2026-10-25T09:00:00Z"),
        upload(Value::from("2.25"), "2026-10-26T09:00:00Z"),
        upload(Value::from(11.25), "2026-10-27T09:00:00Z"),
        upload(Value::Int(16), "2026-10-15T09:00:00Z"), // previous window
    ];
    let s = snap(&engine_with(usage_config(), calls), D);
    let u1 = user(&s, "u1");
    assert_eq!(prop(u1, "storage_mb"), &dec("15")); // 1.5 + 2.25 + 11.25
    assert_eq!(prop(u1, "storage_mb_previous"), &dec("16"));
    // (15 − 16) / 16 · 100 = −6.25 → −6.3 (half away from zero)
    assert_eq!(prop(u1, "storage_mb_growth_pct"), &dec("-6.3"));
    assert_eq!(
        prop(account(&s, "acme"), "storage_mb_growth_pct"),
        &dec("-6.3")
    );
}

#[test]
fn a_non_numeric_usage_value_warns_but_the_event_still_counts_as_activity() {
    let mut engine = pulsecheck::Engine::new(usage_config()).unwrap();
    let good: Call = track("u1", "File Uploaded", "2026-10-25T09:00:00Z")
        .with_property("megabytes", 4)
        .into();
    let bad: Call = track("u1", "File Uploaded", "2026-10-26T09:00:00Z")
        .with_property("megabytes", "lots")
        .into();
    assert_eq!(engine.ingest(&good), Ok(Outcome::Accepted));
    match engine.ingest(&bad) {
        Ok(Outcome::AcceptedWithWarnings(warnings)) => {
            assert_eq!(warnings.len(), 1);
            assert_eq!(warnings[0].code(), "non_numeric_usage");
            match &warnings[0] {
                Warning::NonNumericUsage {
                    usage, property, ..
                } => {
                    assert_eq!(usage, "storage_mb");
                    assert_eq!(property, "megabytes");
                }
                other => panic!("unexpected warning {other:?}"),
            }
        }
        other => panic!("expected a warning, got {other:?}"),
    }
    let s = snap(&engine, D);
    let u1 = user(&s, "u1");
    assert_eq!(prop(u1, "event_count"), &int(2)); // both uploads are activity
    assert_eq!(prop(u1, "storage_mb"), &dec("4")); // only the numeric one sums
    assert_eq!(prop(u1, "last_seen_at"), &datetime("2026-10-26T09:00:00Z"));
}

// ---------------------------------------------------------------- milestones

#[test]
fn account_milestones_count_events_over_all_members() {
    let config = reports()
        .account_milestone(Milestone::event("three_reports", "Report Run").with_min_count(3))
        .account_milestone(Milestone::event("first_task", "Task Created"))
        .build()
        .unwrap();
    let calls: Vec<Call> = vec![
        group("u1", "acme", "2026-10-01T00:00:00Z").into(),
        group("u2", "acme", "2026-10-01T00:00:00Z").into(),
        group("u3", "globex", "2026-10-01T00:00:00Z").into(),
        track("u1", "Report Run", "2026-10-05T09:00:00Z").into(),
        track("u2", "Report Run", "2026-10-06T09:00:00Z").into(),
        track("u1", "Report Run", "2026-10-07T09:00:00Z").into(), // acme's 3rd
        track("u2", "Report Run", "2026-10-20T09:00:00Z").into(),
        track("u2", "Task Created", "2026-10-09T09:00:00Z").into(),
        track("u3", "Report Run", "2026-10-05T09:00:00Z").into(),
        track("u3", "Report Run", "2026-10-06T09:00:00Z").into(),
        track("u3", "Report Run", "2026-10-07T09:00:00Z").into(),
    ];
    let s = snap(&engine_with(config, calls), D);
    let acme = account(&s, "acme");
    assert_eq!(
        prop(acme, "milestones_completed"),
        &list(&["three_reports", "first_task"])
    );
    assert_eq!(prop(acme, "activation_rate"), &int(100));
    assert_eq!(prop(acme, "activated"), &Value::Bool(true));
    // three_reports at the 3rd run over members (10-07), first_task 10-09 → later
    assert_eq!(
        prop(acme, "activated_at"),
        &datetime("2026-10-09T09:00:00Z")
    );
    let globex = account(&s, "globex");
    assert_eq!(
        prop(globex, "milestones_completed"),
        &list(&["three_reports"])
    );
    assert_eq!(prop(globex, "activation_rate"), &int(50)); // 1 of 2
    assert_eq!(prop(globex, "activated_at"), &Value::Null);
}

// ---------------------------------------------------------------- lifecycle, trend

#[test]
fn account_lifecycle_and_trend_follow_the_attributed_activity() {
    // N = 10: window 10-22 ..= 10-31, previous 10-12 ..= 10-21; linear curve.
    let config = reports()
        .window_days(10)
        .curve(Curve::Linear)
        .build()
        .unwrap();
    let mut calls: Vec<Call> = vec![
        group("x", "acme", "2026-08-01T00:00:00Z")
            .with_trait("created_at", "2026-01-01T00:00:00Z")
            .into(),
        group("y", "globex", "2026-08-01T00:00:00Z")
            .with_trait("created_at", "2026-01-01T00:00:00Z")
            .into(),
        group("z", "initech", "2026-08-01T00:00:00Z")
            .with_trait("created_at", "2026-01-01T00:00:00Z")
            .into(),
    ];
    // x (acme): previous 4 runs, window 1; y (globex): previous 1, window 4;
    // z (initech): previous 2, window none
    calls.extend(repeat("x", "Report Run", "2026-10-15T09:00:00Z", 4));
    calls.extend(repeat("x", "Report Run", "2026-10-25T09:00:00Z", 1));
    calls.extend(repeat("y", "Report Run", "2026-10-15T09:00:00Z", 1));
    calls.extend(repeat("y", "Report Run", "2026-10-25T09:00:00Z", 4));
    calls.extend(repeat("z", "Report Run", "2026-10-15T09:00:00Z", 2));
    let s = snap(&engine_with(config, calls), D);

    // As of D: positive raws [1, 4] → b = 1 + 0.9 · 3 = 3.7;
    // x: 100 · 1 / 3.7 = 27.03 → 27; y: 108.1 → 100; z: 0.
    // As of 10-21: raws [4, 1, 2] → sorted 1, 2, 4: h = 1.8, b = 2 + 0.8 · 2 = 3.6;
    // x: 111.1 → 100; y: 100 · 1 / 3.6 = 27.8 → 28; z: 100 · 2 / 3.6 = 55.6 → 56.
    // Each account has one total user, so its score is that user's.
    let expected = [
        // (account, stage, score, previous, trend, label)
        ("acme", "active", 27, 100, -73, "falling"),
        ("globex", "active", 100, 28, 72, "rising"),
        ("initech", "dormant", 0, 56, -56, "falling"),
    ];
    for (id, stage, score, previous, trend, label) in expected {
        let r = account(&s, id);
        assert_eq!(prop(r, "lifecycle_stage"), &text(stage), "{id}");
        assert_eq!(prop(r, "engagement_score"), &int(score), "{id}");
        assert_eq!(prop(r, "engagement_score_previous"), &int(previous), "{id}");
        assert_eq!(prop(r, "engagement_trend"), &int(trend), "{id}");
        assert_eq!(prop(r, "engagement_trend_label"), &text(label), "{id}");
    }
}
