//! Hand-computed fixtures for time: day boundaries in the configured
//! `utc_offset_minutes`, the window's edges, and point-in-time snapshots (calls after
//! D are ignored, so a snapshot of an earlier day equals a snapshot of an engine that
//! only got the earlier calls).
use crate::common::*;
use pulsecheck::{
    AccountId, Alias, AnonymousId, Call, Config, Engine, Group, Identify, Milestone, Track, Usage,
    Value,
};

/// "Report Run" weight 1, default 30-day window, the given offset.
fn at_offset(minutes: i32) -> Config {
    Config::builder()
        .score_event("Report Run", 1)
        .utc_offset_minutes(minutes)
        .build()
        .unwrap()
}

#[test]
fn an_event_at_23_30z_belongs_to_the_next_day_at_plus_60() {
    let calls = || -> Vec<Call> {
        vec![
            track("u1", "Report Run", "2026-10-30T12:00:00Z").into(),
            // 23:30Z + 1 h = 2026-11-01T00:30 local
            track("u1", "Report Run", "2026-10-31T23:30:00Z").into(),
        ]
    };
    let plus_60 = engine_with(at_offset(60), calls());
    let oct31 = snap(&plus_60, "2026-10-31");
    let u1 = user(&oct31, "u1");
    assert_eq!(prop(u1, "event_count"), &int(1)); // the 23:30Z event is on Nov 1
    assert_eq!(prop(u1, "last_seen_at"), &datetime("2026-10-30T12:00:00Z"));
    let nov1 = snap(&plus_60, "2026-11-01");
    let u1 = user(&nov1, "u1");
    assert_eq!(prop(u1, "event_count"), &int(2));
    assert_eq!(prop(u1, "last_seen_at"), &datetime("2026-10-31T23:30:00Z"));
    assert_eq!(prop(u1, "days_since_last_seen"), &int(0)); // seen on local Nov 1

    // at UTC the same event is on Oct 31
    let utc = snap(&engine_with(at_offset(0), calls()), "2026-10-31");
    assert_eq!(prop(user(&utc, "u1"), "event_count"), &int(2));
}

#[test]
fn the_window_starts_at_local_midnight() {
    // as of 10-31 the 30-day window starts 10-02 00:00 local = 10-01T23:00Z at +60
    let calls = || -> Vec<Call> {
        vec![
            track("u1", "Report Run", "2026-10-01T22:30:00Z").into(), // 23:30 10-01 local
            track("u1", "Report Run", "2026-10-01T23:30:00Z").into(), // 00:30 10-02 local
            track("u1", "Report Run", "2026-10-30T12:00:00Z").into(),
        ]
    };
    let plus_60 = snap(&engine_with(at_offset(60), calls()), D);
    assert_eq!(prop(user(&plus_60, "u1"), "raw_score"), &int(2)); // 10-01T23:30Z + 10-30
    let utc = snap(&engine_with(at_offset(0), calls()), D);
    assert_eq!(prop(user(&utc, "u1"), "raw_score"), &int(1)); // only 10-30
}

#[test]
fn active_days_are_counted_in_local_days() {
    let calls = || -> Vec<Call> {
        vec![
            track("u1", "Report Run", "2026-10-30T22:30:00Z").into(),
            track("u1", "Report Run", "2026-10-30T23:30:00Z").into(),
        ]
    };
    // UTC: both on 10-30 → 1 day
    let utc = snap(&engine_with(at_offset(0), calls()), D);
    assert_eq!(prop(user(&utc, "u1"), "active_days"), &int(1));
    // +60: 10-30 23:30 and 10-31 00:30 local → 2 days
    let plus_60 = snap(&engine_with(at_offset(60), calls()), D);
    assert_eq!(prop(user(&plus_60, "u1"), "active_days"), &int(2));
}

#[test]
fn a_negative_offset_moves_the_boundary_the_other_way() {
    // −300 min (UTC−5)
    let calls: Vec<Call> = vec![
        // 2026-10-31 22:00 local → on D
        track("late", "Report Run", "2026-11-01T03:00:00Z").into(),
        // 2026-10-30 22:00 local → the day before D
        track("early", "Report Run", "2026-10-31T03:00:00Z").into(),
    ];
    let s = snap(&engine_with(at_offset(-300), calls), D);
    let late = user(&s, "late");
    assert_eq!(prop(late, "event_count"), &int(1));
    assert_eq!(prop(late, "days_since_last_seen"), &int(0));
    assert_eq!(prop(user(&s, "early"), "days_since_last_seen"), &int(1)); // 10-31 − 10-30
}

#[test]
fn tenure_counts_local_days() {
    let calls = || -> Vec<Call> {
        vec![
            Identify::new(uid("u1"), ts("2026-10-01T00:00:00Z"))
                .with_trait("created_at", "2026-10-20T23:30:00Z")
                .into(),
        ]
    };
    // UTC: created 10-20 → 10-31 − 10-20 = 11
    let utc = snap(&engine_with(at_offset(0), calls()), D);
    assert_eq!(prop(user(&utc, "u1"), "tenure_days"), &int(11));
    // +60: created 10-21 00:30 local → 10
    let plus_60 = snap(&engine_with(at_offset(60), calls()), D);
    assert_eq!(prop(user(&plus_60, "u1"), "tenure_days"), &int(10));
}

/// A stream that runs past D = 2026-10-31 (offset +60, so D ends at 10-31T23:00Z):
/// after D come a new email, a move to another account, the identify that would
/// merge an anonymous history, a new user, a new account, a third report that would
/// meet a milestone, usage, and a call at 23:30Z on 10-31 (already Nov 1 locally).
fn long_stream() -> Vec<Call> {
    let mut calls: Vec<Call> = vec![
        Identify::new(uid("u1"), ts("2026-10-01T08:00:00Z"))
            .with_trait("email", "old@acme.com")
            .into(),
        Group::new(
            uid("u1"),
            AccountId::from("acme"),
            ts("2026-10-01T08:00:00Z"),
        )
        .with_trait("seats", 5)
        .into(),
        Group::new(
            uid("u2"),
            AccountId::from("acme"),
            ts("2026-10-01T08:00:00Z"),
        )
        .into(),
        track("u1", "Report Run", "2026-10-05T09:00:00Z")
            .with_message_id("r1")
            .into(),
        track("u1", "Report Run", "2026-10-25T09:00:00Z")
            .with_message_id("r2")
            .into(),
        track("u1", "API Called", "2026-10-26T09:00:00Z").into(),
        track("u2", "Report Run", "2026-10-25T09:00:00Z").into(),
        Track::with_actor(
            AnonymousId::from("anon-9"),
            "Report Run",
            ts("2026-10-20T09:00:00Z"),
        )
        .into(),
        // 10-31T23:30Z is 2026-11-01 00:30 local: after D
        track("u1", "Report Run", "2026-10-31T23:30:00Z")
            .with_message_id("r3")
            .into(),
        Identify::new(uid("u1"), ts("2026-11-02T08:00:00Z"))
            .with_trait("email", "new@acme.com")
            .into(),
        Group::new(
            uid("u1"),
            AccountId::from("globex"),
            ts("2026-11-03T08:00:00Z"),
        )
        .into(),
        Identify::new(uid("u2"), ts("2026-11-02T08:00:00Z"))
            .with_anonymous_id("anon-9")
            .into(),
        Alias::new("anon-10", uid("u2"), ts("2026-11-02T09:00:00Z")).into(),
        track("u3", "Report Run", "2026-11-05T09:00:00Z").into(),
        Group::account_only(AccountId::from("late"), ts("2026-11-04T08:00:00Z")).into(),
        track("u1", "API Called", "2026-11-06T09:00:00Z").into(),
        track("u2", "Report Run", "2026-11-10T09:00:00Z")
            .with_device_type("mobile")
            .into(),
    ];
    calls.extend(repeat("u2", "Report Run", "2026-11-08T09:00:00Z", 5));
    calls
}

fn long_config() -> Config {
    Config::builder()
        .utc_offset_minutes(60)
        .score_event("Report Run", 1)
        .user_milestone(Milestone::event("three_reports", "Report Run").with_min_count(3))
        .usage("api_calls", Usage::count("API Called"))
        .build()
        .unwrap()
}

#[test]
fn a_snapshot_of_d_equals_the_snapshot_of_an_engine_that_only_got_calls_up_to_d() {
    let mut full = engine_with(long_config(), long_stream());
    full.record_contact(&uid("u1"), ts("2026-11-02T10:00:00Z"), "after D");
    // the end of D = 2026-11-01 00:00 local = 2026-10-31T23:00Z
    let end_of_d = ts("2026-10-31T23:00:00Z");
    let up_to_d = engine_with(
        long_config(),
        long_stream()
            .into_iter()
            .filter(|c| c.timestamp() < end_of_d),
    );
    assert_eq!(snap(&full, D), snap(&up_to_d, D));
}

#[test]
fn calls_after_d_are_ignored_by_the_snapshot_of_d() {
    let mut engine = engine_with(long_config(), long_stream());
    engine.record_contact(&uid("u1"), ts("2026-11-02T10:00:00Z"), "after D");
    let s = snap(&engine, D);

    let u1 = user(&s, "u1");
    assert_eq!(prop(u1, "email"), &text("old@acme.com")); // new@ is sent 11-02
    assert_eq!(prop(u1, "event_count"), &int(3)); // r1, r2, API Called; not r3 (local 11-01)
    assert_eq!(prop(u1, "milestones_completed"), &list(&[])); // 2 runs by D, not 3
    assert_eq!(prop(u1, "api_calls"), &dec("1"));
    assert_eq!(prop(u1, "last_contacted_at"), &Value::Null);
    // u2: the anonymous history joins on 11-02, after D
    assert_eq!(prop(user(&s, "u2"), "event_count"), &int(1));
    // u3 and the account "late" first appear after D
    assert!(s.user("u3").is_none());
    assert!(s.account("late").is_none());
    // u1 moves to globex on 11-03: on D, u1's activity is still acme's
    let acme = account(&s, "acme");
    assert_eq!(prop(acme, "total_users"), &int(2)); // u1, u2
    assert_eq!(prop(acme, "event_count"), &int(4)); // u1 3 + u2 1

    // and the later calls were really ingested: as of 11-10 they all count
    let later = snap(&engine, "2026-11-10");
    let u1 = user(&later, "u1");
    assert_eq!(prop(u1, "email"), &text("new@acme.com"));
    assert_eq!(prop(u1, "milestones_completed"), &list(&["three_reports"]));
    // third run r3 at 10-31T23:30Z
    assert_eq!(prop(u1, "activated_at"), &datetime("2026-10-31T23:30:00Z"));
    assert_eq!(prop(u1, "last_contact_purpose"), &text("after D"));
    // u2: own 1 + 5 + 1 runs, plus anon-9's run
    assert_eq!(prop(user(&later, "u2"), "event_count"), &int(8));
    assert!(later.user("u3").is_some());
    assert!(later.account("late").is_some());
}

#[test]
fn ingest_order_does_not_change_the_fixture() {
    let forward = engine_with(long_config(), long_stream());
    let backward = engine_with(long_config(), long_stream().into_iter().rev());
    for d in ["2026-10-20", D, "2026-11-10"] {
        assert_eq!(snap(&forward, d), snap(&backward, d), "{d}");
    }
}

#[test]
fn a_snapshot_of_an_earlier_day_does_not_see_later_days_traits_or_groups() {
    // an engine that learned everything can still answer for 10-10
    let engine: Engine = engine_with(long_config(), long_stream());
    let s = snap(&engine, "2026-10-10");
    let u1 = user(&s, "u1");
    // window as of 10-10 (30 days, local): 09-11 ..= 10-10 → only r1
    assert_eq!(prop(u1, "event_count"), &int(1));
    assert_eq!(prop(u1, "last_seen_at"), &datetime("2026-10-05T09:00:00Z"));
    assert_eq!(prop(u1, "days_since_last_seen"), &int(5)); // 10-10 − 10-05
    // u2 exists (its group call is on 10-01) but has no activity yet
    let u2 = user(&s, "u2");
    assert_eq!(prop(u2, "event_count"), &int(0));
    assert_eq!(prop(u2, "first_seen_at"), &Value::Null);
    assert_eq!(prop(account(&s, "acme"), "total_users"), &int(1)); // u1 only
}
