//! Hand-computed fixtures for the user (Contact) properties, other than
//! the score itself (see `fixtures_score.rs`): frequency, activity counts, features
//! and adoption, milestones and activation, lifecycle, devices, names, tenure and
//! recency, identity stitching, duplicates and the outreach log.
//!
//! Unless a test says otherwise the snapshot day is D = 2026-10-31 with the default
//! 30-day window: the window is 2026-10-02 ..= 2026-10-31, the previous window
//! 2026-09-02 ..= 2026-10-01.
use crate::common::*;
use pulsecheck::{
    Alias, AnonymousId, Call, Config, ConfigBuilder, Group, Identify, Milestone, Outcome, Page,
    Screen, Track, Value,
};

/// The configuration example's scoring and features:
/// Report Run 5, Task Created 2, Board Viewed 1; features
/// reporting = [Report Run], planning = [Task Created, Board Viewed],
/// integrations = [API Called] (an unscored event).
fn product() -> ConfigBuilder {
    Config::builder()
        .score_event("Report Run", 5)
        .score_event("Task Created", 2)
        .score_event("Board Viewed", 1)
        .feature("reporting", ["Report Run"])
        .feature("planning", ["Task Created", "Board Viewed"])
        .feature("integrations", ["API Called"])
}

fn identify(user: &str, at: &str) -> Identify {
    Identify::new(uid(user), ts(at))
}

fn anon_track(anonymous: &str, event: &str, at: &str) -> Call {
    Track::with_actor(AnonymousId::from(anonymous), event, ts(at)).into()
}

// ---------------------------------------------------------------- frequency, counts

/// u1's stream for the frequency and count fixtures.
fn frequency_calls() -> Vec<Call> {
    vec![
        track("u1", "Report Run", "2026-10-31T10:00:00Z").into(), // D, scored (5)
        track("u1", "Report Run", "2026-10-31T11:00:00Z").into(), // D again (5)
        track("u1", "Task Created", "2026-10-30T09:00:00Z").into(), // 10-30 (2)
        track("u1", "Board Viewed", "2026-10-02T00:00:00Z").into(), // first window day (1)
        track("u1", "Settings Opened", "2026-10-20T09:00:00Z").into(), // unscored
        track("u1", "Report Run", "2026-10-01T12:00:00Z").into(), // before the window
    ]
}

#[test]
fn active_days_counts_days_in_the_window_with_a_scored_event() {
    let s = snap(
        &engine_with(product().build().unwrap(), frequency_calls()),
        D,
    );
    let u1 = user(&s, "u1");
    // scored days in the window: 10-31, 10-30, 10-02 = 3
    // (10-20 has only an unscored event; 10-01 is before the window)
    assert_eq!(prop(u1, "active_days"), &int(3));
    // raw: 5 + 5 + 2 + 1 = 13 (the 10-01 run is out of the window)
    assert_eq!(prop(u1, "raw_score"), &int(13));
}

#[test]
fn event_count_counts_every_activity_in_the_window_but_not_identify_group_or_alias() {
    let mut calls = frequency_calls();
    calls.extend([
        Page::new(uid("u1"), ts("2026-10-10T09:00:00Z")).into(),
        Screen::new(uid("u1"), ts("2026-10-11T09:00:00Z")).into(),
        identify("u1", "2026-10-12T09:00:00Z")
            .with_trait("email", "u1@acme.com")
            .into(),
        Group::new(uid("u1"), "acme".into(), ts("2026-10-13T09:00:00Z")).into(),
        Alias::new("anon-x", uid("u1"), ts("2026-10-14T09:00:00Z")).into(),
    ]);
    let s = snap(&engine_with(product().build().unwrap(), calls), D);
    let u1 = user(&s, "u1");
    // 2 Report Run + Task Created + Board Viewed + Settings Opened + page + screen = 7
    // (identify, group and alias are not activity; the 10-01 run is out of the window)
    assert_eq!(prop(u1, "event_count"), &int(7));
    // page and screen are not scored here, so still 3 scored days
    assert_eq!(prop(u1, "active_days"), &int(3));
}

#[test]
fn identify_and_group_alone_make_no_activity() {
    let calls: Vec<Call> = vec![
        identify("quiet", "2026-10-20T09:00:00Z")
            .with_trait("email", "quiet@acme.com")
            .into(),
        Group::new(uid("quiet"), "acme".into(), ts("2026-10-21T09:00:00Z")).into(),
    ];
    let s = snap(&engine_with(product().build().unwrap(), calls), D);
    let quiet = user(&s, "quiet");
    assert_eq!(prop(quiet, "event_count"), &int(0));
    assert_eq!(prop(quiet, "first_seen_at"), &Value::Null); // no activity
    assert_eq!(prop(quiet, "last_seen_at"), &Value::Null);
    assert_eq!(prop(quiet, "days_since_last_seen"), &Value::Null);
    assert_eq!(prop(quiet, "engagement_score"), &int(0));
}

// ---------------------------------------------------------------- features, adoption

#[test]
fn features_used_lists_key_features_with_an_event_in_the_window_in_config_order() {
    let calls: Vec<Call> = vec![
        track("u1", "Board Viewed", "2026-10-20T09:00:00Z").into(), // planning
        track("u1", "API Called", "2026-10-21T09:00:00Z").into(),   // integrations (unscored)
        track("u1", "Report Run", "2026-09-15T09:00:00Z").into(),   // reporting, before the window
        track("u2", "Report Run", "2026-09-15T09:00:00Z").into(),   // reporting, before the window
    ];
    let s = snap(&engine_with(product().build().unwrap(), calls), D);

    let u1 = user(&s, "u1");
    assert_eq!(
        prop(u1, "features_used"),
        &list(&["planning", "integrations"])
    );
    // 100 · 2 / 3 = 66.67 → 67
    assert_eq!(prop(u1, "adoption_rate"), &int(67));
    // lifetime: reporting, planning, integrations = 3 of 3 → 100
    assert_eq!(prop(u1, "adoption_rate_lifetime"), &int(100));

    let u2 = user(&s, "u2");
    assert_eq!(prop(u2, "features_used"), &list(&[]));
    assert_eq!(prop(u2, "adoption_rate"), &int(0)); // 0 of 3
    // 100 · 1 / 3 = 33.33 → 33
    assert_eq!(prop(u2, "adoption_rate_lifetime"), &int(33));
}

#[test]
fn adoption_rates_round_half_away_from_zero() {
    // eight features f1..f8, one event each (E1..E8)
    let mut builder = Config::builder().score_event("E1", 1);
    for i in 1..=8 {
        builder = builder.feature(format!("f{i}"), [format!("E{i}")]);
    }
    let calls: Vec<Call> = vec![
        track("u1", "E1", "2026-10-30T09:00:00Z").into(),
        track("u1", "E2", "2026-09-10T09:00:00Z").into(),
        track("u1", "E3", "2026-08-10T09:00:00Z").into(),
    ];
    let s = snap(&engine_with(builder.build().unwrap(), calls), D);
    let u1 = user(&s, "u1");
    assert_eq!(prop(u1, "adoption_rate"), &int(13)); // 100 · 1 / 8 = 12.5 → 13
    assert_eq!(prop(u1, "adoption_rate_lifetime"), &int(38)); // 100 · 3 / 8 = 37.5 → 38
}

#[test]
fn without_named_features_each_scored_event_is_its_own_feature() {
    let config = Config::builder()
        .score_event("Report Run", 5)
        .score_event("Task Created", 2)
        .build()
        .unwrap();
    let calls: Vec<Call> = vec![track("u1", "Report Run", "2026-10-30T09:00:00Z").into()];
    let s = snap(&engine_with(config, calls), D);
    let u1 = user(&s, "u1");
    assert_eq!(prop(u1, "features_used"), &list(&["Report Run"]));
    assert_eq!(prop(u1, "adoption_rate"), &int(50)); // 100 · 1 / 2
}

// ---------------------------------------------------------------- milestones

/// first_task: one "Task Created"; five_reports: five "Report Run" before
/// created_at + 14 × 24 h.
fn milestones() -> Config {
    product()
        .user_milestone(Milestone::event("first_task", "Task Created"))
        .user_milestone(
            Milestone::event("five_reports", "Report Run")
                .with_min_count(5)
                .with_within_days(14),
        )
        .build()
        .unwrap()
}

/// created_at 2026-10-01T00:00Z → the five_reports deadline is 2026-10-15T00:00Z
/// (exclusive); `fifth` is the time of the fifth Report Run.
fn milestone_calls(fifth: &str) -> Vec<Call> {
    vec![
        identify("u1", "2026-10-01T00:00:00Z")
            .with_trait("created_at", "2026-10-01T00:00:00Z")
            .into(),
        track("u1", "Task Created", "2026-10-03T10:00:00Z").into(),
        track("u1", "Report Run", "2026-10-02T09:00:00Z").into(),
        track("u1", "Report Run", "2026-10-03T09:00:00Z").into(),
        track("u1", "Report Run", "2026-10-05T09:00:00Z").into(),
        track("u1", "Report Run", "2026-10-08T09:00:00Z").into(),
        track("u1", "Report Run", fifth).into(),
        track("u1", "Report Run", "2026-10-20T09:00:00Z").into(), // 6th, after the deadline
    ]
}

#[test]
fn a_min_count_milestone_is_met_at_its_min_count_th_event() {
    let s = snap(
        &engine_with(milestones(), milestone_calls("2026-10-14T23:59:59Z")),
        D,
    );
    let u1 = user(&s, "u1");
    assert_eq!(
        prop(u1, "milestones_completed"),
        &list(&["first_task", "five_reports"])
    );
    assert_eq!(prop(u1, "activation_rate"), &int(100)); // 2 of 2
    assert_eq!(prop(u1, "activated"), &Value::Bool(true));
    // first_task met 10-03T10:00, five_reports at the 5th run 10-14T23:59:59 (not the
    // 6th on 10-20): the later of the two
    assert_eq!(prop(u1, "activated_at"), &datetime("2026-10-14T23:59:59Z"));
}

#[test]
fn within_days_ignores_events_at_or_after_created_at_plus_the_days() {
    // the 5th run lands exactly on created_at + 14 × 24 h = 10-15T00:00Z: not counted,
    // and neither is the 6th (10-20) → only 4 counted
    let s = snap(
        &engine_with(milestones(), milestone_calls("2026-10-15T00:00:00Z")),
        D,
    );
    let u1 = user(&s, "u1");
    assert_eq!(prop(u1, "milestones_completed"), &list(&["first_task"]));
    assert_eq!(prop(u1, "activation_rate"), &int(50)); // 100 · 1 / 2
    assert_eq!(prop(u1, "activated"), &Value::Bool(false));
    assert_eq!(prop(u1, "activated_at"), &Value::Null);
}

#[test]
fn milestones_count_only_events_on_or_before_d() {
    let engine = engine_with(milestones(), milestone_calls("2026-10-14T23:59:59Z"));
    // as of 10-13 only 4 runs have happened
    let before = snap(&engine, "2026-10-13");
    let u1 = user(&before, "u1");
    assert_eq!(prop(u1, "milestones_completed"), &list(&["first_task"]));
    assert_eq!(prop(u1, "activated"), &Value::Bool(false));
    assert_eq!(prop(u1, "activated_at"), &Value::Null);
    // as of 10-14 the 5th (23:59:59) is in
    let on = snap(&engine, "2026-10-14");
    assert_eq!(
        prop(user(&on, "u1"), "activated_at"),
        &datetime("2026-10-14T23:59:59Z")
    );
}

#[test]
fn activated_at_is_when_the_last_milestone_was_met() {
    let mut calls = repeat("u1", "Report Run", "2026-10-02T09:00:00Z", 5); // 5th at 09:00:04
    calls.push(track("u1", "Task Created", "2026-10-20T15:00:00Z").into());
    let s = snap(&engine_with(milestones(), calls), D);
    let u1 = user(&s, "u1");
    assert_eq!(prop(u1, "activated"), &Value::Bool(true));
    // five_reports met 10-02T09:00:04, first_task 10-20T15:00 → the later one
    assert_eq!(prop(u1, "activated_at"), &datetime("2026-10-20T15:00:00Z"));
}

#[test]
fn within_days_counts_from_first_seen_at_when_there_is_no_created_at_trait() {
    // no created_at trait: created_at = first_seen_at = 10-01T06:00Z (the first
    // activity), so the deadline is 10-15T06:00Z
    let calls_for = |id: &str, fifth: &str| -> Vec<Call> {
        let mut calls: Vec<Call> = vec![track(id, "Task Created", "2026-10-01T06:00:00Z").into()];
        calls.extend(repeat(id, "Report Run", "2026-10-02T09:00:00Z", 4));
        calls.push(track(id, "Report Run", fifth).into());
        calls
    };
    let mut calls = calls_for("early", "2026-10-15T05:59:59Z");
    calls.extend(calls_for("late", "2026-10-15T06:00:00Z"));
    let s = snap(&engine_with(milestones(), calls), D);

    let early = user(&s, "early");
    assert_eq!(prop(early, "created_at"), &datetime("2026-10-01T06:00:00Z"));
    // 10-15T05:59:59 < 10-15T06:00 → 5 counted, met at the 5th
    assert_eq!(
        prop(early, "milestones_completed"),
        &list(&["first_task", "five_reports"])
    );
    assert_eq!(
        prop(early, "activated_at"),
        &datetime("2026-10-15T05:59:59Z")
    );
    // 10-15T06:00 is not before the deadline → 4 counted
    assert_eq!(
        prop(user(&s, "late"), "milestones_completed"),
        &list(&["first_task"])
    );
}

#[test]
fn a_milestone_without_within_days_counts_events_of_all_time_up_to_d() {
    let config = product()
        .user_milestone(Milestone::event("three_reports", "Report Run").with_min_count(3))
        .build()
        .unwrap();
    let calls: Vec<Call> = vec![
        track("u1", "Report Run", "2026-07-01T09:00:00Z").into(),
        track("u1", "Report Run", "2026-07-02T09:00:00Z").into(),
        track("u1", "Report Run", "2026-07-03T09:00:00Z").into(),
        track("u1", "Report Run", "2026-10-30T09:00:00Z").into(),
    ];
    let s = snap(&engine_with(config, calls), D);
    let u1 = user(&s, "u1");
    assert_eq!(prop(u1, "milestones_completed"), &list(&["three_reports"]));
    // the 3rd run, long before the window
    assert_eq!(prop(u1, "activated_at"), &datetime("2026-07-03T09:00:00Z"));
}

#[test]
fn activation_rate_is_the_rounded_share_of_milestones_met() {
    let config = product()
        .user_milestone(Milestone::event("first_task", "Task Created"))
        .user_milestone(Milestone::event("first_board", "Board Viewed"))
        .user_milestone(Milestone::event("first_report", "Report Run"))
        .build()
        .unwrap();
    let calls: Vec<Call> = vec![
        track("one", "Task Created", "2026-10-20T09:00:00Z").into(),
        track("two", "Task Created", "2026-10-20T09:00:00Z").into(),
        track("two", "Board Viewed", "2026-10-21T09:00:00Z").into(),
    ];
    let s = snap(&engine_with(config, calls), D);
    let one = user(&s, "one");
    assert_eq!(prop(one, "milestones_completed"), &list(&["first_task"]));
    assert_eq!(prop(one, "activation_rate"), &int(33)); // 100 · 1 / 3 = 33.3 → 33
    let two = user(&s, "two");
    assert_eq!(
        prop(two, "milestones_completed"),
        &list(&["first_task", "first_board"])
    );
    assert_eq!(prop(two, "activation_rate"), &int(67)); // 100 · 2 / 3 = 66.7 → 67
    assert_eq!(prop(two, "activated"), &Value::Bool(false));
}

// ---------------------------------------------------------------- lifecycle

#[test]
fn lifecycle_stages_follow_creation_and_activity_in_the_two_windows() {
    // N = 10: window 10-22 ..= 10-31, previous window 10-12 ..= 10-21.
    let config = product().window_days(10).build().unwrap();
    let created = |id: &str, at: &str| -> Call {
        identify(id, "2026-08-01T00:00:00Z")
            .with_trait("created_at", at)
            .into()
    };
    let old = "2026-09-01T00:00:00Z";
    let calls: Vec<Call> = vec![
        // created in the window (trait) → new
        created("new_by_trait", "2026-10-25T00:00:00Z"),
        track("new_by_trait", "Report Run", "2026-10-26T09:00:00Z").into(),
        // no trait, first seen on the first window day → new
        track("new_by_first_seen", "Report Run", "2026-10-22T00:00:00Z").into(),
        // both windows → active
        created("active", old),
        track("active", "Report Run", "2026-10-15T09:00:00Z").into(),
        track("active", "Report Run", "2026-10-30T09:00:00Z").into(),
        // unscored activity counts too → active
        created("active_unscored", old),
        track("active_unscored", "Settings Opened", "2026-10-15T09:00:00Z").into(),
        track("active_unscored", "Settings Opened", "2026-10-30T09:00:00Z").into(),
        // window only (older activity is before both windows) → resurrected
        created("resurrected", old),
        track("resurrected", "Report Run", "2026-09-05T09:00:00Z").into(),
        track("resurrected", "Report Run", "2026-10-30T09:00:00Z").into(),
        // the trait says created long ago, although first seen in the window → resurrected
        created("old_trait", old),
        track("old_trait", "Report Run", "2026-10-30T09:00:00Z").into(),
        // previous window only → dormant
        created("dormant", old),
        track("dormant", "Report Run", "2026-10-15T09:00:00Z").into(),
        // neither window → inactive
        created("inactive", old),
        track("inactive", "Report Run", "2026-09-05T09:00:00Z").into(),
        // no trait, first seen on 10-21 (last day before the window) → not new → active
        track("edge", "Report Run", "2026-10-21T23:59:59Z").into(),
        track("edge", "Report Run", "2026-10-25T09:00:00Z").into(),
    ];
    let s = snap(&engine_with(config, calls), D);
    for (id, stage) in [
        ("new_by_trait", "new"),
        ("new_by_first_seen", "new"),
        ("active", "active"),
        ("active_unscored", "active"),
        ("resurrected", "resurrected"),
        ("old_trait", "resurrected"),
        ("dormant", "dormant"),
        ("inactive", "inactive"),
        ("edge", "active"),
    ] {
        assert_eq!(prop(user(&s, id), "lifecycle_stage"), &text(stage), "{id}");
    }
}

// ---------------------------------------------------------------- devices

#[test]
fn primary_device_is_the_most_frequent_in_the_window_ties_alphabetical_first() {
    let with_device = |user: &str, device: &str, at: &str| -> Call {
        track(user, "Report Run", at)
            .with_device_type(device)
            .into()
    };
    let calls: Vec<Call> = vec![
        with_device("u1", "mobile", "2026-10-30T09:00:00Z"),
        with_device("u1", "mobile", "2026-10-30T10:00:00Z"),
        with_device("u1", "desktop", "2026-10-29T09:00:00Z"),
        with_device("u1", "desktop", "2026-10-29T10:00:00Z"),
        with_device("u1", "tablet", "2026-10-28T09:00:00Z"),
        // before the window: would win otherwise
        with_device("u1", "tv", "2026-09-15T09:00:00Z"),
        with_device("u1", "tv", "2026-09-15T10:00:00Z"),
        with_device("u1", "tv", "2026-09-15T11:00:00Z"),
        // no device type: not counted
        track("u1", "Report Run", "2026-10-27T09:00:00Z").into(),
        track("u1", "Report Run", "2026-10-27T10:00:00Z").into(),
        track("u1", "Report Run", "2026-10-27T11:00:00Z").into(),
    ];
    let s = snap(&engine_with(product().build().unwrap(), calls), D);
    let u1 = user(&s, "u1");
    // mobile 2, desktop 2, tablet 1 → tie between desktop and mobile → "desktop"
    assert_eq!(prop(u1, "primary_device"), &text("desktop"));
    // distinct in the window (order not specified: compared sorted); no "tv"
    assert_eq!(
        sorted_strings(prop(u1, "device_types")),
        ["desktop", "mobile", "tablet"]
    );
}

#[test]
fn primary_device_prefers_the_higher_count_over_the_alphabet() {
    let calls: Vec<Call> = vec![
        track("u2", "Report Run", "2026-10-30T09:00:00Z")
            .with_device_type("mobile")
            .into(),
        track("u2", "Report Run", "2026-10-30T10:00:00Z")
            .with_device_type("mobile")
            .into(),
        track("u2", "Report Run", "2026-10-30T11:00:00Z")
            .with_device_type("desktop")
            .into(),
        track("u3", "Report Run", "2026-10-30T11:00:00Z").into(),
    ];
    let s = snap(&engine_with(product().build().unwrap(), calls), D);
    // mobile 2 > desktop 1
    assert_eq!(prop(user(&s, "u2"), "primary_device"), &text("mobile"));
    // u3 never sent a device type
    assert_eq!(prop(user(&s, "u3"), "primary_device"), &Value::Null);
    assert!(sorted_strings(prop(user(&s, "u3"), "device_types")).is_empty());
}

// ---------------------------------------------------------------- names and traits

#[test]
fn greeting_name_prefers_preferred_name_then_first_name_then_first_word_of_name() {
    let at = "2026-10-01T09:00:00Z";
    let calls: Vec<Call> = vec![
        identify("all_three", at)
            .with_trait("preferred_name", "Emi")
            .with_trait("first_name", "Emilio")
            .with_trait("name", "Emilio Sánchez")
            .into(),
        identify("first_and_name", at)
            .with_trait("first_name", "Emilio")
            .with_trait("name", "Someone Else")
            .into(),
        identify("name_only", at)
            .with_trait("name", "María José Pérez")
            .into(),
        identify("nothing", at)
            .with_trait("email", "x@acme.com")
            .into(),
    ];
    let s = snap(&engine_with(product().build().unwrap(), calls), D);
    assert_eq!(prop(user(&s, "all_three"), "greeting_name"), &text("Emi"));
    assert_eq!(
        prop(user(&s, "first_and_name"), "greeting_name"),
        &text("Emilio")
    );
    assert_eq!(prop(user(&s, "name_only"), "greeting_name"), &text("María"));
    assert_eq!(prop(user(&s, "nothing"), "greeting_name"), &Value::Null);
}

#[test]
fn camel_case_traits_are_read_like_snake_case() {
    let calls: Vec<Call> = vec![
        identify("camel", "2026-10-01T09:00:00Z")
            .with_trait("email", "emilia@acme.com")
            .with_trait("firstName", "Emilia")
            .with_trait("lastName", "Ruiz")
            .with_trait("preferredName", "Mimi")
            .with_trait("createdAt", "2026-01-15T10:00:00Z")
            .into(),
        identify("camel_first", "2026-10-01T09:00:00Z")
            .with_trait("firstName", "Emilia")
            .into(),
    ];
    let s = snap(&engine_with(product().build().unwrap(), calls), D);
    let camel = user(&s, "camel");
    assert_eq!(prop(camel, "email"), &text("emilia@acme.com"));
    assert_eq!(prop(camel, "first_name"), &text("Emilia"));
    assert_eq!(prop(camel, "last_name"), &text("Ruiz"));
    assert_eq!(prop(camel, "greeting_name"), &text("Mimi"));
    assert_eq!(prop(camel, "created_at"), &datetime("2026-01-15T10:00:00Z"));
    // 2026-01-15 → 2026-10-31: 16 + 28 + 31 + 30 + 31 + 30 + 31 + 31 + 30 + 31 = 289
    assert_eq!(prop(camel, "tenure_days"), &int(289));
    assert_eq!(
        prop(user(&s, "camel_first"), "greeting_name"),
        &text("Emilia")
    );
}

#[test]
fn other_identify_traits_pass_through_as_sent() {
    let calls: Vec<Call> = vec![
        identify("u1", "2026-10-01T09:00:00Z")
            .with_trait("role", "admin")
            .with_trait("seats_managed", 3)
            .into(),
    ];
    let s = snap(&engine_with(product().build().unwrap(), calls), D);
    let u1 = user(&s, "u1");
    assert_eq!(prop(u1, "role"), &text("admin"));
    assert_eq!(prop(u1, "seats_managed"), &int(3));
}

// ---------------------------------------------------------------- tenure and recency

#[test]
fn created_at_comes_from_the_trait_else_first_seen_at() {
    let calls: Vec<Call> = vec![
        identify("with_trait", "2026-09-01T00:00:00Z")
            .with_trait("created_at", "2026-01-15T10:00:00Z")
            .into(),
        track("with_trait", "Report Run", "2026-10-10T08:00:00Z").into(),
        // an identify before the first activity does not make it "seen"
        identify("no_trait", "2026-09-01T00:00:00Z")
            .with_trait("email", "n@acme.com")
            .into(),
        track("no_trait", "Report Run", "2026-10-10T08:00:00Z").into(),
        track("no_trait", "Task Created", "2026-10-20T23:00:00Z").into(),
    ];
    let s = snap(&engine_with(product().build().unwrap(), calls), D);

    let with_trait = user(&s, "with_trait");
    assert_eq!(
        prop(with_trait, "created_at"),
        &datetime("2026-01-15T10:00:00Z")
    );
    assert_eq!(prop(with_trait, "tenure_days"), &int(289)); // 10-31 − 01-15
    assert_eq!(
        prop(with_trait, "first_seen_at"),
        &datetime("2026-10-10T08:00:00Z")
    );

    let no_trait = user(&s, "no_trait");
    assert_eq!(
        prop(no_trait, "created_at"),
        &datetime("2026-10-10T08:00:00Z")
    );
    assert_eq!(prop(no_trait, "tenure_days"), &int(21)); // 10-31 − 10-10
    assert_eq!(
        prop(no_trait, "first_seen_at"),
        &datetime("2026-10-10T08:00:00Z")
    );
    assert_eq!(
        prop(no_trait, "last_seen_at"),
        &datetime("2026-10-20T23:00:00Z")
    );
    assert_eq!(prop(no_trait, "days_since_last_seen"), &int(11)); // 10-31 − 10-20
}

#[test]
fn first_seen_at_is_the_earliest_activity_of_all_time_not_of_the_window() {
    let calls: Vec<Call> = vec![
        track("u1", "Report Run", "2026-06-01T07:30:00Z").into(),
        track("u1", "Report Run", "2026-10-30T09:00:00Z").into(),
        track("u1", "Settings Opened", "2026-10-31T18:45:00Z").into(), // unscored activity
    ];
    let s = snap(&engine_with(product().build().unwrap(), calls), D);
    let u1 = user(&s, "u1");
    assert_eq!(prop(u1, "first_seen_at"), &datetime("2026-06-01T07:30:00Z"));
    assert_eq!(prop(u1, "last_seen_at"), &datetime("2026-10-31T18:45:00Z"));
    assert_eq!(prop(u1, "days_since_last_seen"), &int(0)); // seen on D
    // 10-31 − 06-01 = 30 + 31 + 31 + 30 + 30 = 152
    assert_eq!(prop(u1, "tenure_days"), &int(152));
}

// ---------------------------------------------------------------- identity

#[test]
fn anonymous_events_before_identify_belong_to_the_user() {
    let config = product()
        .user_milestone(Milestone::event("first_task", "Task Created"))
        .build()
        .unwrap();
    let calls: Vec<Call> = vec![
        anon_track("anon-1", "Report Run", "2026-10-05T09:00:00Z"),
        anon_track("anon-1", "Task Created", "2026-10-06T09:00:00Z"),
        identify("u1", "2026-10-07T09:00:00Z")
            .with_anonymous_id("anon-1")
            .into(),
        track("u1", "Report Run", "2026-10-08T09:00:00Z").into(),
    ];
    let s = snap(&engine_with(config, calls), D);
    let u1 = user(&s, "u1");
    // as if all three events carried userId u1
    assert_eq!(prop(u1, "event_count"), &int(3));
    assert_eq!(prop(u1, "raw_score"), &int(12)); // 5 + 2 + 5
    assert_eq!(prop(u1, "active_days"), &int(3)); // 10-05, 10-06, 10-08
    assert_eq!(prop(u1, "first_seen_at"), &datetime("2026-10-05T09:00:00Z"));
    assert_eq!(prop(u1, "milestones_completed"), &list(&["first_task"]));
    assert_eq!(prop(u1, "activated_at"), &datetime("2026-10-06T09:00:00Z"));
    // the anonymous id is not a contact of its own
    assert!(s.user("anon-1").is_none());
    assert_eq!(s.users().len(), 1);
}

#[test]
fn alias_merges_the_previous_id_history_into_the_user() {
    let calls: Vec<Call> = vec![
        anon_track("anon-2", "Task Created", "2026-10-05T09:00:00Z"),
        Alias::new("anon-2", uid("u2"), ts("2026-10-06T09:00:00Z")).into(),
        track("u2", "Task Created", "2026-10-07T09:00:00Z").into(),
        // an earlier user id, aliased to u3
        track("temp-7", "Report Run", "2026-10-05T09:00:00Z").into(),
        Alias::new("temp-7", uid("u3"), ts("2026-10-06T09:00:00Z")).into(),
        track("u3", "Report Run", "2026-10-07T09:00:00Z").into(),
    ];
    let s = snap(&engine_with(product().build().unwrap(), calls), D);
    let u2 = user(&s, "u2");
    assert_eq!(prop(u2, "event_count"), &int(2));
    assert_eq!(prop(u2, "raw_score"), &int(4)); // 2 + 2
    assert_eq!(prop(u2, "first_seen_at"), &datetime("2026-10-05T09:00:00Z"));
    let u3 = user(&s, "u3");
    assert_eq!(prop(u3, "event_count"), &int(2));
    assert_eq!(prop(u3, "raw_score"), &int(10)); // 5 + 5
    assert_eq!(prop(u3, "first_seen_at"), &datetime("2026-10-05T09:00:00Z"));
    // every metric as if the events had carried u3: no separate temp-7 contact
    assert!(s.user("temp-7").is_none());
    assert!(s.user("anon-2").is_none());
}

#[test]
fn alias_chains_resolve_to_the_last_user() {
    let calls: Vec<Call> = vec![
        anon_track("anon-a", "Report Run", "2026-10-03T09:00:00Z"),
        Alias::new("anon-a", uid("temp-1"), ts("2026-10-04T09:00:00Z")).into(),
        track("temp-1", "Report Run", "2026-10-05T09:00:00Z").into(),
        Alias::new("temp-1", uid("u9"), ts("2026-10-06T09:00:00Z")).into(),
        track("u9", "Report Run", "2026-10-07T09:00:00Z").into(),
    ];
    let s = snap(&engine_with(product().build().unwrap(), calls), D);
    let u9 = user(&s, "u9");
    assert_eq!(prop(u9, "event_count"), &int(3)); // anon-a → temp-1 → u9
    assert_eq!(prop(u9, "raw_score"), &int(15)); // 3 · 5
    assert_eq!(prop(u9, "first_seen_at"), &datetime("2026-10-03T09:00:00Z"));
    assert_eq!(s.users().len(), 1);
}

// ---------------------------------------------------------------- duplicates

#[test]
fn a_message_id_seen_again_is_ignored_whatever_its_content() {
    let mut engine = pulsecheck::Engine::new(product().build().unwrap()).unwrap();
    let first: Call = track("u1", "Report Run", "2026-10-30T09:00:00Z")
        .with_message_id("m1")
        .into();
    let same_id_other_event: Call = track("u1", "Task Created", "2026-10-30T10:00:00Z")
        .with_message_id("m1")
        .into();
    let other: Call = track("u1", "Task Created", "2026-10-30T11:00:00Z")
        .with_message_id("m2")
        .into();
    assert_eq!(engine.ingest(&first), Ok(Outcome::Accepted));
    assert_eq!(engine.ingest(&first), Ok(Outcome::Duplicate));
    assert_eq!(engine.ingest(&same_id_other_event), Ok(Outcome::Duplicate));
    assert_eq!(engine.ingest(&other), Ok(Outcome::Accepted));
    let s = snap(&engine, D);
    let u1 = user(&s, "u1");
    assert_eq!(prop(u1, "event_count"), &int(2)); // m1 once + m2
    assert_eq!(prop(u1, "raw_score"), &int(7)); // 5 + 2
}

#[test]
fn calls_without_a_message_id_are_never_deduplicated() {
    let call: Call = track("u1", "Report Run", "2026-10-30T09:00:00Z").into();
    let s = snap(
        &engine_with(product().build().unwrap(), [call.clone(), call]),
        D,
    );
    assert_eq!(prop(user(&s, "u1"), "event_count"), &int(2));
}

// ---------------------------------------------------------------- outreach log

/// Activity of four users around a contact on 2026-10-10T12:00Z (effect window
/// 7 days: 10-10T12:00 → 10-17T12:00; "before" window 10-03T12:00 → 10-10T12:00).
fn contact_engine(effect_days: u32) -> pulsecheck::Engine {
    let config = product().contact_effect_days(effect_days).build().unwrap();
    let calls: Vec<Call> = vec![
        // quiet before, active 2 days after → effective
        track("worked", "Report Run", "2026-09-20T09:00:00Z").into(),
        track("worked", "Report Run", "2026-10-12T09:00:00Z").into(),
        // nothing after → not effective
        track("ignored", "Report Run", "2026-09-20T09:00:00Z").into(),
        // active in the 7 days before → not effective although active after
        track("already_active", "Report Run", "2026-10-08T09:00:00Z").into(),
        track("already_active", "Report Run", "2026-10-12T09:00:00Z").into(),
        // active 5 days after
        track("slow", "Report Run", "2026-10-15T09:00:00Z").into(),
        track("never_contacted", "Report Run", "2026-10-12T09:00:00Z").into(),
    ];
    let mut engine = engine_with(config, calls);
    let at = ts("2026-10-10T12:00:00Z");
    for id in ["worked", "ignored", "already_active", "slow"] {
        engine.record_contact(&uid(id), at, "webinar invite");
    }
    engine
}

#[test]
fn contact_fields_report_the_last_contact() {
    let s = snap(&contact_engine(7), D);
    let worked = user(&s, "worked");
    assert_eq!(
        prop(worked, "last_contacted_at"),
        &datetime("2026-10-10T12:00:00Z")
    );
    assert_eq!(
        prop(worked, "last_contact_purpose"),
        &text("webinar invite")
    );
    assert_eq!(prop(worked, "days_since_last_contact"), &int(21)); // 10-31 − 10-10

    let never = user(&s, "never_contacted");
    assert_eq!(prop(never, "last_contacted_at"), &Value::Null);
    assert_eq!(prop(never, "last_contact_purpose"), &Value::Null);
    assert_eq!(prop(never, "days_since_last_contact"), &Value::Null);
    assert_eq!(prop(never, "contact_effective"), &Value::Null);
}

#[test]
fn contact_effective_needs_activity_after_and_none_in_the_7_days_before() {
    let s = snap(&contact_engine(7), D);
    // quiet 10-03..10-10, active 10-12 (within 7 days after) → true
    assert_eq!(
        prop(user(&s, "worked"), "contact_effective"),
        &Value::Bool(true)
    );
    // no activity after → false
    assert_eq!(
        prop(user(&s, "ignored"), "contact_effective"),
        &Value::Bool(false)
    );
    // active 10-08, inside the 7 days before → false
    assert_eq!(
        prop(user(&s, "already_active"), "contact_effective"),
        &Value::Bool(false)
    );
    // active 10-15, 5 days after → true with 7 effect days
    assert_eq!(
        prop(user(&s, "slow"), "contact_effective"),
        &Value::Bool(true)
    );
}

#[test]
fn contact_effect_days_sets_how_long_the_contact_has_to_work() {
    // with 3 effect days the window ends 10-13T12:00: "slow" (10-15) missed it
    let s = snap(&contact_engine(3), D);
    assert_eq!(
        prop(user(&s, "slow"), "contact_effective"),
        &Value::Bool(false)
    );
    assert_eq!(
        prop(user(&s, "worked"), "contact_effective"),
        &Value::Bool(true)
    );
}

#[test]
fn contact_effective_is_null_until_the_effect_days_have_passed() {
    let engine = contact_engine(7);
    // as of 10-16 the 7 days (until 10-17T12:00) have not passed: null, even though
    // "worked" was already active on 10-12
    let during = snap(&engine, "2026-10-16");
    let worked = user(&during, "worked");
    assert_eq!(prop(worked, "contact_effective"), &Value::Null);
    assert_eq!(prop(worked, "days_since_last_contact"), &int(6)); // 10-16 − 10-10
    // as of 10-18 they have
    let after = snap(&engine, "2026-10-18");
    assert_eq!(
        prop(user(&after, "worked"), "contact_effective"),
        &Value::Bool(true)
    );
}

#[test]
fn the_latest_contact_on_or_before_d_wins() {
    let mut engine = engine_with(
        product().build().unwrap(),
        [track("u1", "Report Run", "2026-09-20T09:00:00Z").into()],
    );
    engine.record_contact(&uid("u1"), ts("2026-10-01T09:00:00Z"), "onboarding");
    engine.record_contact(&uid("u1"), ts("2026-10-10T12:00:00Z"), "webinar invite");
    let s = snap(&engine, D);
    assert_eq!(
        prop(user(&s, "u1"), "last_contact_purpose"),
        &text("webinar invite")
    );
    // as of 10-05 the 10-10 contact has not happened yet
    let early = snap(&engine, "2026-10-05");
    let u1 = user(&early, "u1");
    assert_eq!(prop(u1, "last_contact_purpose"), &text("onboarding"));
    assert_eq!(
        prop(u1, "last_contacted_at"),
        &datetime("2026-10-01T09:00:00Z")
    );
    assert_eq!(prop(u1, "days_since_last_contact"), &int(4)); // 10-05 − 10-01
}

// ---------------------------------------------------------------- the example JSON config

#[test]
fn the_spec_example_configuration_read_from_json() {
    // The configuration example, without the rule-based parts (segments, actions, the
    // account rule milestone), which belong to the rule-language issue.
    let config: Config = serde_json::from_str(
        r#"{
          "window_days": 28,
          "lookback_days": 90,
          "trend_threshold": 10,
          "scoring": {"events": {"Report Run": 5, "Task Created": 2, "Board Viewed": 1},
                      "percentile": 90, "curve": "log"},
          "features": {"reporting": ["Report Run"], "planning": ["Task Created", "Board Viewed"]},
          "activation": {
            "user": [{"name": "first_task", "event": "Task Created"},
                     {"name": "five_reports", "event": "Report Run", "min_count": 5, "within_days": 14}]
          },
          "usage": {"api_calls": {"event": "API Called"},
                    "storage_mb": {"event": "File Uploaded", "property": "megabytes"}}
        }"#,
    )
    .unwrap();
    // window 28 as of 10-31: 10-04 ..= 10-31
    let mut calls: Vec<Call> = vec![
        identify("u1", "2026-10-01T00:00:00Z")
            .with_trait("created_at", "2026-10-01T00:00:00Z")
            .into(),
        track("u1", "Task Created", "2026-10-02T10:00:00Z").into(), // before the window
        track("u1", "Board Viewed", "2026-10-20T09:00:00Z").into(),
        track("u1", "File Uploaded", "2026-10-21T09:00:00Z")
            .with_property("megabytes", 12.5)
            .into(),
    ];
    calls.extend(repeat("u1", "Report Run", "2026-10-05T09:00:00Z", 5)); // 09:00:00 … 09:00:04
    calls.extend(repeat("u1", "API Called", "2026-10-22T09:00:00Z", 3));
    let s = snap(&engine_with(config, calls), D);
    let u1 = user(&s, "u1");
    assert_eq!(prop(u1, "raw_score"), &int(26)); // 5 · 5 + 1 (Task Created is before the window)
    assert_eq!(prop(u1, "event_count"), &int(10)); // 5 RR + BV + upload + 3 API calls
    assert_eq!(prop(u1, "active_days"), &int(2)); // 10-05, 10-20
    assert_eq!(prop(u1, "engagement_score"), &int(100)); // the only user is the benchmark
    assert_eq!(prop(u1, "features_used"), &list(&["reporting", "planning"]));
    assert_eq!(prop(u1, "adoption_rate"), &int(100)); // 2 of 2
    assert_eq!(
        prop(u1, "milestones_completed"),
        &list(&["first_task", "five_reports"])
    );
    // first_task 10-02T10:00; five_reports at the 5th run 10-05T09:00:04 (< 10-15)
    assert_eq!(prop(u1, "activated_at"), &datetime("2026-10-05T09:00:04Z"));
    assert_eq!(prop(u1, "api_calls"), &dec("3"));
    assert_eq!(prop(u1, "storage_mb"), &dec("12.5"));
    // created 10-01, before the window (not new); activity in the window and in the
    // previous window 09-06 ..= 10-03 (Task Created 10-02) → active
    assert_eq!(prop(u1, "lifecycle_stage"), &text("active"));
}
