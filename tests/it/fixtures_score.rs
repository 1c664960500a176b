//! Hand-computed fixtures for the engagement score: the percentile
//! benchmark, the `log` and `linear` curves, `max(1, …)`, weights, and the trend
//! across windows.
//!
//! Unless a test says otherwise the snapshot day is D = 2026-10-31 with the default
//! 30-day window, so "the window" is 2026-10-02 ..= 2026-10-31.
use crate::common::*;
use pulsecheck::{Call, Config, Curve, Engine};

/// The raw scores of the example: sorted they are
/// 1, 2, 3, 7, 9, 13, 21, 37, 89, 101, 149, 223, 475 (n = 13).
/// p90: h = (n − 1) · 0.9 = 10.8 → between ranks 10 and 11 (0-based): 149 and 223,
/// b = 149 + 0.8 · (223 − 149) = 149 + 59.2 = 208.2.
const RAWS: [usize; 13] = [475, 89, 101, 7, 3, 21, 2, 149, 223, 1, 13, 9, 37];

/// Thirteen users `u01` … `u13`; user `u{i+1}` runs "Report Run" (weight 1)
/// `RAWS[i]` times on 2026-10-20, so its raw score is exactly `RAWS[i]`.
fn benchmark_engine(curve: Curve) -> Engine {
    let config = Config::builder()
        .score_event("Report Run", 1)
        .curve(curve)
        .build()
        .unwrap();
    let calls: Vec<Call> = RAWS
        .iter()
        .enumerate()
        .flat_map(|(i, &raw)| {
            repeat(
                &format!("u{:02}", i + 1),
                "Report Run",
                "2026-10-20T08:00:00Z",
                raw,
            )
        })
        .collect();
    engine_with(config, calls)
}

/// The user whose raw score is `raw`.
fn user_with_raw(raw: usize) -> String {
    let i = RAWS.iter().position(|&r| r == raw).unwrap();
    format!("u{:02}", i + 1)
}

#[test]
fn raw_score_is_the_sum_of_weights_of_scored_events_in_the_window() {
    let s = snap(&benchmark_engine(Curve::Log), D);
    for raw in RAWS {
        // `raw` events of weight 1 → raw_score = raw
        assert_eq!(
            prop(user(&s, &user_with_raw(raw)), "raw_score"),
            &int(raw as i64),
            "raw {raw}"
        );
    }
}

#[test]
fn log_curve_scores_against_the_interpolated_p90_benchmark() {
    let s = snap(&benchmark_engine(Curve::Log), D);
    // f(b) = ln(1 + 208.2) = ln 209.2 = 5.343291
    // score = max(1, round(100 · ln(1 + raw) / 5.343291)), clamped to 100
    let expected = [
        (475, 100), // 100 · ln 476 / 5.343291 = 100 · 6.165418 / 5.343291 = 115.39 → clamp 100
        (223, 100), // 100 · ln 224 = 100 · 5.411646 / 5.343291 = 101.28 → clamp 100
        (149, 94),  // 100 · 5.010635 / 5.343291 = 93.77 → 94
        (101, 87),  // 100 · 4.624973 / 5.343291 = 86.56 → 87
        (89, 84),   // 100 · 4.499810 / 5.343291 = 84.21 → 84
        (37, 68),   // 100 · 3.637586 / 5.343291 = 68.08 → 68
        (21, 58),   // 100 · 3.091042 / 5.343291 = 57.85 → 58
        (13, 49),   // 100 · 2.639057 / 5.343291 = 49.39 → 49
        (9, 43),    // 100 · 2.302585 / 5.343291 = 43.09 → 43
        (7, 39),    // 100 · 2.079442 / 5.343291 = 38.92 → 39
        (3, 26),    // 100 · 1.386294 / 5.343291 = 25.94 → 26
        (2, 21),    // 100 · 1.098612 / 5.343291 = 20.56 → 21
        (1, 13),    // 100 · 0.693147 / 5.343291 = 12.97 → 13
    ];
    for (raw, score) in expected {
        assert_eq!(
            prop(user(&s, &user_with_raw(raw)), "engagement_score"),
            &int(score),
            "raw {raw}"
        );
    }
}

#[test]
fn linear_curve_scores_against_the_interpolated_p90_benchmark() {
    let s = snap(&benchmark_engine(Curve::Linear), D);
    // score = max(1, round(100 · raw / 208.2)), clamped to 100
    let expected = [
        (475, 100), // 100 · 475 / 208.2 = 228.15 → clamp 100
        (223, 100), // 107.11 → clamp 100
        (149, 72),  // 71.57 → 72
        (101, 49),  // 48.511 → 49 (a benchmark of 208.25 or more would give 48)
        (89, 43),   // 42.75 → 43
        (37, 18),   // 17.77 → 18
        (21, 10),   // 10.09 → 10
        (13, 6),    // 6.24 → 6
        (9, 4),     // 4.32 → 4
        (7, 3),     // 3.36 → 3
        (3, 1),     // 1.44 → 1
        (2, 1),     // 0.96 → 1
        (1, 1),     // 0.48 → round 0 → max(1, 0) = 1
    ];
    for (raw, score) in expected {
        assert_eq!(
            prop(user(&s, &user_with_raw(raw)), "engagement_score"),
            &int(score),
            "raw {raw}"
        );
    }
}

#[test]
fn any_positive_raw_scores_at_least_one() {
    // linear; raws: big 300, small 1 → p90 of [1, 300]: h = 0.9,
    // b = 1 + 0.9 · 299 = 270.1
    let config = Config::builder()
        .score_event("Report Run", 1)
        .curve(Curve::Linear)
        .build()
        .unwrap();
    let mut calls = repeat("big", "Report Run", "2026-10-30T09:00:00Z", 300);
    calls.push(track("small", "Report Run", "2026-10-30T09:00:00Z").into());
    let s = snap(&engine_with(config, calls), D);
    // small: 100 · 1 / 270.1 = 0.37 → round 0 → max(1, 0) = 1
    assert_eq!(prop(user(&s, "small"), "engagement_score"), &int(1));
    // big: 100 · 300 / 270.1 = 111.07 → clamp 100
    assert_eq!(prop(user(&s, "big"), "engagement_score"), &int(100));
}

#[test]
fn no_scored_events_in_the_window_scores_zero_and_stays_out_of_the_benchmark() {
    // Only "Report Run" scores (weight 1), linear curve.
    let config = Config::builder()
        .score_event("Report Run", 1)
        .curve(Curve::Linear)
        .build()
        .unwrap();
    let mut calls = repeat("ten", "Report Run", "2026-10-30T09:00:00Z", 10);
    calls.extend(repeat("twenty", "Report Run", "2026-10-30T09:00:00Z", 20));
    // "idle" is active, but only with unscored events.
    calls.push(track("idle", "Settings Opened", "2026-10-30T09:00:00Z").into());
    calls.push(track("idle", "Help Viewed", "2026-10-30T10:00:00Z").into());
    let s = snap(&engine_with(config, calls), D);

    let idle = user(&s, "idle");
    assert_eq!(prop(idle, "raw_score"), &int(0)); // no scored event
    assert_eq!(prop(idle, "engagement_score"), &int(0)); // raw 0 → 0, not max(1, …)
    assert_eq!(prop(idle, "event_count"), &int(2)); // still two activity events

    // Benchmark over the positive raws only: [10, 20] → b = 10 + 0.9 · 10 = 19.
    // ten: 100 · 10 / 19 = 52.63 → 53 (with idle's 0 included, b would be
    // 10 + 0.8 · 10 = 18 and the score 55.6 → 56)
    assert_eq!(prop(user(&s, "ten"), "engagement_score"), &int(53));
    // twenty: 100 · 20 / 19 = 105.3 → clamp 100
    assert_eq!(prop(user(&s, "twenty"), "engagement_score"), &int(100));
}

#[test]
fn weights_multiply_each_scored_event_and_unlisted_events_weigh_nothing() {
    let config = Config::builder()
        .score_event("Report Run", 5)
        .score_event("Task Created", 2)
        .build()
        .unwrap();
    let mut calls = repeat("w", "Report Run", "2026-10-30T09:00:00Z", 2);
    calls.extend(repeat("w", "Task Created", "2026-10-30T10:00:00Z", 3));
    calls.push(track("w", "Settings Opened", "2026-10-30T11:00:00Z").into());
    calls.extend(repeat("v", "Task Created", "2026-10-29T10:00:00Z", 2));
    let s = snap(&engine_with(config, calls), D);

    // w: 2 · 5 + 3 · 2 + 1 · 0 = 16
    assert_eq!(prop(user(&s, "w"), "raw_score"), &int(16));
    // v: 2 · 2 = 4
    assert_eq!(prop(user(&s, "v"), "raw_score"), &int(4));
    // b = p90 of [4, 16] = 4 + 0.9 · 12 = 14.8; log curve, f(b) = ln 15.8 = 2.760010
    // w: 100 · ln 17 / 2.760010 = 100 · 2.833213 / 2.760010 = 102.65 → clamp 100
    assert_eq!(prop(user(&s, "w"), "engagement_score"), &int(100));
    // v: 100 · ln 5 / 2.760010 = 100 · 1.609438 / 2.760010 = 58.31 → 58
    assert_eq!(prop(user(&s, "v"), "engagement_score"), &int(58));
}

#[test]
fn by_default_every_activity_scores_weight_one() {
    // Config::default(): every event, weight 1 (pages and screens included).
    let calls: Vec<Call> = vec![
        track("u1", "Report Run", "2026-10-30T09:00:00Z").into(),
        track("u1", "Anything At All", "2026-10-30T10:00:00Z").into(),
        pulsecheck::Page::new(uid("u1"), ts("2026-10-30T11:00:00Z")).into(),
        pulsecheck::Screen::new(uid("u1"), ts("2026-10-30T12:00:00Z")).into(),
    ];
    let s = snap(&engine_with(Config::default(), calls), D);
    // 4 events · weight 1 = 4
    assert_eq!(prop(user(&s, "u1"), "raw_score"), &int(4));
    // the only positive raw is the benchmark: 100 · ln 5 / ln 5 = 100
    assert_eq!(prop(user(&s, "u1"), "engagement_score"), &int(100));
}

#[test]
fn the_percentile_setting_moves_the_benchmark() {
    // p = 50 over raws [1, 2, 3, 4]: h = 3 · 0.5 = 1.5 → b = 2 + 0.5 · (3 − 2) = 2.5
    let config = Config::builder()
        .score_event("Report Run", 1)
        .percentile(50.0)
        .curve(Curve::Linear)
        .build()
        .unwrap();
    let mut calls = Vec::new();
    for (id, n) in [("r1", 1), ("r2", 2), ("r3", 3), ("r4", 4)] {
        calls.extend(repeat(id, "Report Run", "2026-10-30T09:00:00Z", n));
    }
    let s = snap(&engine_with(config, calls), D);
    assert_eq!(prop(user(&s, "r1"), "engagement_score"), &int(40)); // 100 · 1 / 2.5 = 40
    assert_eq!(prop(user(&s, "r2"), "engagement_score"), &int(80)); // 100 · 2 / 2.5 = 80
    assert_eq!(prop(user(&s, "r3"), "engagement_score"), &int(100)); // 120 → clamp 100
    assert_eq!(prop(user(&s, "r4"), "engagement_score"), &int(100)); // 160 → clamp 100
}

#[test]
fn events_before_the_window_do_not_score() {
    // window 30 as of 2026-10-31 starts 2026-10-02 00:00Z
    let config = Config::builder()
        .score_event("Report Run", 1)
        .build()
        .unwrap();
    let calls: Vec<Call> = vec![
        track("u1", "Report Run", "2026-10-01T23:59:59Z").into(), // day before the window
        track("u1", "Report Run", "2026-10-02T00:00:00Z").into(), // first moment of the window
        track("u1", "Report Run", "2026-10-31T23:59:59Z").into(), // last moment of D
    ];
    let s = snap(&engine_with(config, calls), D);
    assert_eq!(prop(user(&s, "u1"), "raw_score"), &int(2)); // 1 + 1; the Oct 1 event is out
}

/// Window N = 10 days, linear curve, "Report Run" weight 1. As of D = 2026-10-31 the
/// window is 10-22 ..= 10-31 and the previous window is 10-12 ..= 10-21 (= the window
/// as of D − N = 2026-10-21).
///
/// | user | raw in previous window | raw in window |
/// | --- | --- | --- |
/// | a | 10 | 2 |
/// | b | 2 | 10 |
/// | c | 5 | 5 |
fn trend_engine(threshold: u32) -> Engine {
    let config = Config::builder()
        .window_days(10)
        .score_event("Report Run", 1)
        .curve(Curve::Linear)
        .trend_threshold(threshold)
        .build()
        .unwrap();
    let mut calls = Vec::new();
    for (id, previous, now) in [("a", 10, 2), ("b", 2, 10), ("c", 5, 5)] {
        calls.extend(repeat(id, "Report Run", "2026-10-15T09:00:00Z", previous));
        calls.extend(repeat(id, "Report Run", "2026-10-25T09:00:00Z", now));
    }
    engine_with(config, calls)
}

#[test]
fn previous_score_is_the_score_as_of_d_minus_n_and_trend_is_the_difference() {
    let s = snap(&trend_engine(10), D);
    // As of D: raws a 2, b 10, c 5 → sorted 2, 5, 10; h = 2 · 0.9 = 1.8
    // → b = 5 + 0.8 · (10 − 5) = 9.
    // a: 100 · 2 / 9 = 22.2 → 22; b: 111.1 → 100; c: 100 · 5 / 9 = 55.6 → 56.
    // As of D − 10 = 10-21: raws a 10, b 2, c 5 → same benchmark 9
    // → a 100, b 22, c 56.
    let expected = [
        // (user, score, previous, trend, label) with threshold 10
        ("a", 22, 100, -78, "falling"), // 22 − 100 = −78 ≤ −10
        ("b", 100, 22, 78, "rising"),   // 100 − 22 = 78 ≥ 10
        ("c", 56, 56, 0, "steady"),     // 56 − 56 = 0
    ];
    for (id, score, previous, trend, label) in expected {
        let r = user(&s, id);
        assert_eq!(prop(r, "engagement_score"), &int(score), "{id}");
        assert_eq!(prop(r, "engagement_score_previous"), &int(previous), "{id}");
        assert_eq!(prop(r, "engagement_trend"), &int(trend), "{id}");
        assert_eq!(prop(r, "engagement_trend_label"), &text(label), "{id}");
    }
}

#[test]
fn previous_score_equals_the_score_of_the_snapshot_of_d_minus_n() {
    let engine = trend_engine(10);
    let now = snap(&engine, D);
    let then = snap(&engine, "2026-10-21"); // D − N
    for id in ["a", "b", "c"] {
        assert_eq!(
            prop(user(&now, id), "engagement_score_previous"),
            prop(user(&then, id), "engagement_score"),
            "{id}"
        );
    }
}

#[test]
fn trend_label_thresholds_are_inclusive() {
    // trends are a −78, b +78 (see above)
    let at_threshold = snap(&trend_engine(78), D);
    // −78 ≤ −78 → falling; 78 ≥ 78 → rising
    assert_eq!(
        prop(user(&at_threshold, "a"), "engagement_trend_label"),
        &text("falling")
    );
    assert_eq!(
        prop(user(&at_threshold, "b"), "engagement_trend_label"),
        &text("rising")
    );
    let above = snap(&trend_engine(79), D);
    // |78| < 79 → steady
    assert_eq!(
        prop(user(&above, "a"), "engagement_trend_label"),
        &text("steady")
    );
    assert_eq!(
        prop(user(&above, "b"), "engagement_trend_label"),
        &text("steady")
    );
}

#[test]
fn a_user_with_no_previous_activity_has_previous_score_zero() {
    // window 10; "fresh" only acts in the current window.
    let config = Config::builder()
        .window_days(10)
        .score_event("Report Run", 1)
        .build()
        .unwrap();
    let calls = repeat("fresh", "Report Run", "2026-10-30T09:00:00Z", 3);
    let s = snap(&engine_with(config, calls), D);
    let r = user(&s, "fresh");
    // only positive raw → benchmark = 3 → 100; previous: raw 0 → 0
    assert_eq!(prop(r, "engagement_score"), &int(100));
    assert_eq!(prop(r, "engagement_score_previous"), &int(0));
    assert_eq!(prop(r, "engagement_trend"), &int(100)); // 100 − 0
    assert_eq!(prop(r, "engagement_trend_label"), &text("rising"));
}

#[test]
fn scores_round_half_away_from_zero() {
    // p = 100 → b = the largest raw = 8; linear
    let config = Config::builder()
        .score_event("Report Run", 1)
        .percentile(100.0)
        .curve(Curve::Linear)
        .build()
        .unwrap();
    let mut calls = repeat("one", "Report Run", "2026-10-30T09:00:00Z", 1);
    calls.extend(repeat("eight", "Report Run", "2026-10-30T09:00:00Z", 8));
    let s = snap(&engine_with(config, calls), D);
    // 100 · 1 / 8 = 12.5 → 13
    assert_eq!(prop(user(&s, "one"), "engagement_score"), &int(13));
    assert_eq!(prop(user(&s, "eight"), "engagement_score"), &int(100)); // 100 · 8 / 8
}
