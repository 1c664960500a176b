//! Hand-computed fixtures for the portfolio: every figure of `Engine::portfolio`
//! on a small stream, each expected value worked out in the comments.
//!
//! D = 2026-10-31, a Saturday: its week starts on Monday 2026-10-26. The default
//! window is 30 days (2026-10-02 ..= 2026-10-31), the previous window 2026-09-02
//! ..= 2026-10-01, and the default `revenue_days` R = 30, so m0 = mrr as of the end
//! of 2026-10-01.
#![cfg(feature = "json")]
use crate::common::*;
use pulsecheck::config::Health;
use pulsecheck::{AccountId, Call, Config, Engine, Group, Identify, Portfolio, Usage, Value};
use rust_decimal::Decimal;

fn active(user: &str, day: &str) -> Call {
    track(user, "Report Run", &format!("{day}T12:00:00Z")).into()
}

/// The portfolio of D, which must be the same for the calls reversed.
fn portfolio(config: Config, calls: Vec<Call>) -> Portfolio {
    let forward = engine_with(config.clone(), calls.clone()).portfolio(day(D));
    let backward = engine_with(config, calls.into_iter().rev()).portfolio(day(D));
    assert_eq!(forward, backward, "ingest order changed the portfolio");
    forward
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

#[test]
fn active_users_stickiness_and_user_retention() {
    let calls = vec![
        // a: D, D − 1, D − 2.
        active("a", "2026-10-31"),
        active("a", "2026-10-30"),
        active("a", "2026-10-29"),
        // b: D − 6, the first day of the week of `wau`.
        active("b", "2026-10-25"),
        // c: D − 29, the first day of `mau`, which is also in the window; and in
        // the previous window.
        active("c", "2026-10-02"),
        active("c", "2026-09-20"),
        // d: D − 30 (outside `mau`, the previous window's last day) and 09-15.
        active("d", "2026-10-01"),
        active("d", "2026-09-15"),
        // e: long ago only; f: only after D (no record).
        active("e", "2026-08-01"),
        active("f", "2026-11-01"),
    ];
    let p = portfolio(Config::default(), calls);
    assert_eq!(p.users(), 5); // a, b, c, d, e
    assert_eq!(p.dau(), 1); // a
    assert_eq!(p.wau(), 2); // a, b
    assert_eq!(p.mau(), 3); // a, b, c
    // Active user-days in the 30 days: a 3 + b 1 + c 1 = 5; mean DAU 5/30;
    // 100 · (5/30) / 3 = 5.555… → 5.6.
    assert_eq!(p.stickiness_pct(), Some(5.6));
    // Previous window: c and d; of them, in the window too: c. 100 · 1/2 = 50.
    assert_eq!(p.user_retention_pct(), Some(50.0));
    // No accounts, no revenue, no NPS: ratios over nothing are None.
    assert_eq!(p.accounts(), 0);
    assert_eq!(p.net_revenue_retention_pct(), None);
    assert_eq!(p.gross_revenue_retention_pct(), None);
    assert_eq!(p.logo_churn_pct(), None);
    assert_eq!(p.nps(), None);
    assert_eq!(p.revenue_days(), None);
}

#[test]
fn nobody_active_means_no_stickiness() {
    let p = portfolio(Config::default(), vec![active("e", "2026-08-01")]);
    assert_eq!((p.dau(), p.wau(), p.mau()), (0, 0, 0));
    assert_eq!(p.stickiness_pct(), None);
    assert_eq!(p.user_retention_pct(), None);
}

fn signed_up(user: &str, created: &str) -> Call {
    Identify::new(uid(user), ts(&format!("{created}T08:00:00Z")))
        .with_trait("createdAt", format!("{created}T08:00:00Z"))
        .into()
}

#[test]
fn weekly_signup_cohorts() {
    let calls = vec![
        // u1: created Monday 10-12; active 10-13 (week 0) and 10-27 (week 2).
        signed_up("u1", "2026-10-12"),
        active("u1", "2026-10-13"),
        active("u1", "2026-10-27"),
        // u2: created Sunday 10-18, so also of the week of 10-12; active 10-19
        // (week 1) and on D (week 2).
        signed_up("u2", "2026-10-18"),
        active("u2", "2026-10-19"),
        active("u2", "2026-10-31"),
        // u3: created in D's week; active on D, and after D (not counted).
        signed_up("u3", "2026-10-26"),
        active("u3", "2026-10-31"),
        active("u3", "2026-11-01"),
        // u4: created Sunday 08-09, the week of 08-03: twelve weeks back, too old.
        signed_up("u4", "2026-08-09"),
        active("u4", "2026-10-31"),
        // u5: created Monday 08-10, the oldest cohort; never active.
        signed_up("u5", "2026-08-10"),
    ];
    let p = portfolio(Config::default(), calls);
    let cohorts = p.cohorts();
    assert_eq!(cohorts.len(), 12);
    // Oldest first: 08-10, 08-17, …, 10-26, a week apart.
    assert_eq!(cohorts[0].week_start, day("2026-08-10"));
    assert_eq!(cohorts[9].week_start, day("2026-10-12"));
    assert_eq!(cohorts[11].week_start, day("2026-10-26"));
    // 08-10: u5 alone, never active: 0 % in each of its 12 weeks (0 ..= 11).
    assert_eq!(cohorts[0].users, 1);
    assert_eq!(cohorts[0].retention_pct, vec![Some(0.0); 12]);
    // 10-12: u1 and u2. Week 0 (10-12 ..= 10-18): u1 → 50 %; week 1 (10-19 ..=
    // 10-25): u2 → 50 %; week 2 (10-26 ..= D): both → 100 %.
    assert_eq!(cohorts[9].users, 2);
    assert_eq!(
        cohorts[9].retention_pct,
        vec![Some(50.0), Some(50.0), Some(100.0)]
    );
    // 10-19: nobody; its two weeks are ratios over nothing.
    assert_eq!(cohorts[10].users, 0);
    assert_eq!(cohorts[10].retention_pct, vec![None, None]);
    // 10-26: u3, active on D: 100 %.
    assert_eq!(cohorts[11].users, 1);
    assert_eq!(cohorts[11].retention_pct, vec![Some(100.0)]);
    // Every other cohort is empty.
    let empty: u64 = [1, 2, 3, 4, 5, 6, 7, 8]
        .iter()
        .map(|&i| cohorts[i].users)
        .sum();
    assert_eq!(empty, 0);
}

#[test]
fn a_cohort_s_week_is_that_of_the_local_day() {
    // 2026-10-25T23:30Z is Sunday in UTC (the week of 10-19) but Monday 10-26 at
    // UTC+01:00 (D's week).
    let calls = vec![
        Identify::new(uid("u"), ts("2026-10-25T23:30:00Z"))
            .with_trait("createdAt", "2026-10-25T23:30:00Z")
            .into(),
    ];
    let utc = portfolio(Config::default(), calls.clone());
    assert_eq!((utc.cohorts()[10].users, utc.cohorts()[11].users), (1, 0));
    let plus_one = Config::builder().utc_offset_minutes(60).build().unwrap();
    let p = portfolio(plus_one, calls);
    assert_eq!((p.cohorts()[10].users, p.cohorts()[11].users), (0, 1));
}

fn revenue_calls() -> Vec<Call> {
    vec![
        // n: never paid, then 100 on 10-10 → new (+100).
        mrr("n", "2026-09-01T00:00:00Z", 0),
        mrr("n", "2026-10-10T00:00:00Z", 100),
        // r: paid 50, stopped 09-15, back at 80 on 10-15 → reactivated (+80).
        mrr("r", "2026-09-01T00:00:00Z", 50),
        mrr("r", "2026-09-15T00:00:00Z", 0),
        mrr("r", "2026-10-15T00:00:00Z", 80),
        // e: 200 → 300: expansion (+100).
        mrr("e", "2026-09-01T00:00:00Z", 200),
        mrr("e", "2026-10-20T00:00:00Z", 300),
        // c: 400 → 250: contraction (−150).
        mrr("c", "2026-09-01T00:00:00Z", 400),
        mrr("c", "2026-10-20T00:00:00Z", 250),
        // x: 100 → 0: churned (−100).
        mrr("x", "2026-09-01T00:00:00Z", 100),
        mrr("x", "2026-10-20T00:00:00Z", 0),
        // f: 500 all along: flat.
        mrr("f", "2026-09-01T00:00:00Z", 500),
        // z: no mrr at all: none.
        Group::account_only(AccountId::from("z"), ts("2026-09-01T00:00:00Z"))
            .with_trait("plan", "free")
            .into(),
    ]
}

#[test]
fn revenue_retention_churn_and_movements() {
    let config = Config::builder().health(Health::new()).build().unwrap();
    let p = portfolio(config, revenue_calls());
    assert_eq!(p.accounts(), 7);
    assert_eq!(p.revenue_days(), Some(30));
    // Paying on D: n 100, r 80, e 300, c 250, f 500 → 5 accounts, 1230.
    assert_eq!(p.paying_accounts(), 5);
    assert_eq!(p.mrr(), dec("1230"));
    let m = p.mrr_movements();
    assert_eq!(
        (m.new, m.reactivated, m.expansion, m.contraction, m.churned),
        (dec("100"), dec("80"), dec("100"), dec("150"), dec("100"))
    );
    // m0 > 0: e 200, c 400, x 100, f 500 (Σ 1200); their m1: 300, 250, 0, 500.
    // Logo churn: x alone of 4 → 25 %.
    assert_eq!(p.logo_churn_pct(), Some(25.0));
    // GRR: Σ min(m0, m1) = 200 + 250 + 0 + 500 = 950; 100 · 950 / 1200 = 79.166… → 79.2.
    assert_eq!(p.gross_revenue_retention_pct(), Some(79.2));
    // NRR: Σ m1 = 300 + 250 + 0 + 500 = 1050; 100 · 1050 / 1200 = 87.5.
    assert_eq!(p.net_revenue_retention_pct(), Some(87.5));
}

#[test]
fn without_health_only_the_mrr_on_d_is_reported() {
    let p = portfolio(Config::default(), revenue_calls());
    // The `mrr` trait is still read; movements need the health section.
    assert_eq!(p.paying_accounts(), 5);
    assert_eq!(p.mrr(), dec("1230"));
    assert_eq!(p.mrr_movements().expansion, Decimal::ZERO);
    assert_eq!(p.net_revenue_retention_pct(), None);
    assert_eq!(p.logo_churn_pct(), None);
}

#[test]
fn nps_health_labels_and_segments() {
    // Health from the NPS component alone: a user's score is 10 · nps_score; the
    // account's is (nps + 100) / 2. Red below 40, green from 70.
    let config = Config::builder()
        .health(nps_only_health())
        .user_segment("fans", "nps_score >= 9")
        .account_segment("crowd", "total_users >= 7")
        .build()
        .unwrap();
    let mut calls = Vec::new();
    for (user, score) in [
        ("u1", 10),
        ("u2", 9),
        ("u3", 9),
        ("u4", 7),
        ("u5", 5),
        ("u6", 3),
    ] {
        calls.push(group(user, "acme", "2026-10-01T00:00:00Z").into());
        calls.push(nps(user, "2026-10-20T10:00:00Z", score));
    }
    // u7 does not answer; `empty` has no members.
    calls.push(group("u7", "acme", "2026-10-01T00:00:00Z").into());
    calls.push(active("u7", "2026-10-20"));
    calls.push(
        Group::account_only(AccountId::from("empty"), ts("2026-10-01T00:00:00Z"))
            .with_trait("plan", "free")
            .into(),
    );
    let p = portfolio(config, calls);
    // Promoters 10, 9, 9; passive 7; detractors 5, 3: 100 · (3 − 2) / 6 = 16.7 → 17.
    assert_eq!((p.promoters(), p.passives(), p.detractors()), (3, 1, 2));
    assert_eq!(p.nps(), Some(17));
    // Users: 100, 90, 90, 70 green; 50 yellow; 30 red; u7 has no score.
    let users = p.health().user();
    assert_eq!((users.red, users.yellow, users.green), (1, 1, 4));
    // acme: nps 17 → (17 + 100) / 2 = 58.5 → 59: yellow. `empty`: no NPS, no label.
    let accounts = p.health().account();
    assert_eq!((accounts.red, accounts.yellow, accounts.green), (0, 1, 0));
    // fans: u1, u2, u3. crowd: acme (7 members active in the lookback).
    assert_eq!(p.segments().user().get("fans"), Some(&3));
    assert_eq!(p.segments().account().get("crowd"), Some(&1));
    assert_eq!(p.accounts(), 2);
}

#[test]
fn champions_make_half_the_usage() {
    let config = Config::builder()
        .usage("api", Usage::count("API Called"))
        .build()
        .unwrap();
    // API calls per account: a1 30, a2 20, a3 20, a4 15, a5 15 (total 100).
    let mut calls = Vec::new();
    for (account, n) in [("a1", 30), ("a2", 20), ("a3", 20), ("a4", 15), ("a5", 15)] {
        let user = format!("{account}-user");
        calls.push(group(&user, account, "2026-10-01T00:00:00Z").into());
        calls.extend(repeat(&user, "API Called", "2026-10-20T10:00:00Z", n));
    }
    calls.push(
        Group::account_only(AccountId::from("a6"), ts("2026-10-01T00:00:00Z"))
            .with_trait("name", "Idle <Co>")
            .into(),
    );
    let p = portfolio(config, calls);
    let api = &p.champions()["api"];
    assert_eq!(api.total, dec("100"));
    // Largest first, ties by id: a1 30 (30 %), a2 20 (50 %) ≤ 50; a3 reaches 70 %.
    let ids: Vec<&str> = api.accounts.iter().map(|c| c.account_id.as_str()).collect();
    assert_eq!(ids, ["a1", "a2"]);
    assert_eq!(api.accounts[1].share_pct, 20.0);
    assert_eq!(api.accounts[1].cumulative_share_pct, 50.0);
    assert_eq!(api.accounts[0].usage, dec("30"));
    // The curve: every account count from 0 to 6 (a6 has no usage).
    let curve: Vec<(u64, f64)> = api
        .curve
        .iter()
        .map(|c| (c.accounts, c.cumulative_share_pct))
        .collect();
    assert_eq!(
        curve,
        [
            (0, 0.0),
            (1, 30.0),
            (2, 50.0),
            (3, 70.0),
            (4, 85.0),
            (5, 100.0),
            (6, 100.0)
        ]
    );
}

#[test]
fn the_portfolio_agrees_with_the_snapshot() {
    use pulsecheck::sample::{self, Sample};
    let sample = Sample::new().health(true);
    let mut engine = Engine::new(sample::health_config()).unwrap();
    for call in sample.calls() {
        engine.ingest(&call).unwrap();
    }
    for d in ["2026-10-31", "2026-10-15", "2026-09-01"] {
        let s = engine.snapshot(day(d));
        let p = engine.portfolio(day(d));
        assert_eq!(p.users() as usize, s.users().len());
        assert_eq!(p.accounts() as usize, s.accounts().len());
        let label = |records: &[pulsecheck::Record], l: &str| {
            records
                .iter()
                .filter(|r| r.get("health_label") == Some(&Value::from(l)))
                .count() as u64
        };
        let users = p.health().user();
        assert_eq!(
            (users.red, users.yellow, users.green),
            (
                label(s.users(), "red"),
                label(s.users(), "yellow"),
                label(s.users(), "green")
            )
        );
        let at_risk = s
            .users()
            .iter()
            .filter(|r| sorted_strings(prop(r, "segments")).contains(&"at_risk".to_owned()))
            .count() as u64;
        assert_eq!(p.segments().user()["at_risk"], at_risk);
        let responses = s
            .users()
            .iter()
            .filter(|r| !prop(r, "nps_score").is_null())
            .count() as u64;
        assert_eq!(p.promoters() + p.passives() + p.detractors(), responses);
        // Several threads give the same portfolio.
        let mut threaded = engine.clone();
        threaded.set_snapshot_threads(3);
        assert_eq!(threaded.portfolio(day(d)), p);
    }
}

#[test]
fn the_portfolio_round_trips_through_json() {
    let config = Config::builder().health(Health::new()).build().unwrap();
    let p = portfolio(config, revenue_calls());
    let json = serde_json::to_value(&p).unwrap();
    // Money and percentages are JSON numbers, missing ratios null.
    assert_eq!(json["mrr"], serde_json::json!(1230.0));
    assert_eq!(json["gross_revenue_retention_pct"], serde_json::json!(79.2));
    assert_eq!(json["stickiness_pct"], serde_json::Value::Null);
    assert_eq!(
        json["mrr_movements"]["contraction"],
        serde_json::json!(150.0)
    );
    assert_eq!(json["cohorts"].as_array().map(Vec::len), Some(12));
    let back: Portfolio = serde_json::from_value(json).unwrap();
    assert_eq!(back, p);
}

#[cfg(feature = "report")]
#[test]
fn the_page_escapes_names_and_loads_nothing() {
    let config = Config::builder()
        .usage("api", Usage::count("API Called"))
        .build()
        .unwrap();
    let calls = vec![
        Group::new(
            uid("u"),
            AccountId::from("<b>id</b>"),
            ts("2026-10-01T00:00:00Z"),
        )
        .with_trait("name", "<script>alert('x')</script> & Co")
        .into(),
        track("u", "API Called", "2026-10-20T10:00:00Z").into(),
        // An account as large: the first one, by id, makes 50 %, a champion.
        group("v", "zz", "2026-10-01T00:00:00Z").into(),
        track("v", "API Called", "2026-10-20T10:00:00Z").into(),
    ];
    let page = engine_with(config, calls).portfolio(day(D)).to_html();
    assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co"));
    assert!(page.contains("&lt;b&gt;id&lt;/b&gt;"));
    assert!(!page.contains("<script"));
    assert!(!page.contains("<b>id"));
    assert!(!page.contains("http"));
    assert!(!page.contains(" src="));
    assert!(!page.contains("@import"));
    assert!(page.contains("Net revenue retention"));
}

#[test]
fn segments_reading_any_property_count_as_in_the_snapshot() {
    // The portfolio works out only what the user rules read: each of these reads a
    // part it would otherwise skip (names, devices, contacts, usage, custom traits).
    let config = Config::builder()
        .usage("api", Usage::count("API Called"))
        .user_segment("acme_mail", "email ends_with \"@acme.com\"")
        .user_segment("mobile", "primary_device = \"mobile\"")
        .user_segment("contacted", "last_contacted_at is set")
        .user_segment("api_users", "api >= 2")
        .user_segment("admins", "traits.role = \"admin\"")
        .build()
        .unwrap();
    let calls: Vec<Call> = vec![
        Identify::new(uid("u1"), ts("2026-10-01T00:00:00Z"))
            .with_trait("email", "ana@acme.com")
            .with_trait("role", "admin")
            .into(),
        Identify::new(uid("u2"), ts("2026-10-01T00:00:00Z"))
            .with_trait("email", "bo@globex.com")
            .into(),
        track("u1", "API Called", "2026-10-20T10:00:00Z")
            .with_device_type("mobile")
            .into(),
        track("u1", "API Called", "2026-10-21T10:00:00Z").into(),
        track("u2", "API Called", "2026-10-21T10:00:00Z")
            .with_device_type("desktop")
            .into(),
    ];
    let mut engine = engine_with(config, calls);
    engine.record_contact(&uid("u2"), ts("2026-10-25T10:00:00Z"), "onboarding");
    let p = engine.portfolio(day(D));
    // u1: acme mail, mobile, 2 API calls, admin; u2: contacted.
    let expected: Vec<(&str, u64)> = vec![
        ("acme_mail", 1),
        ("mobile", 1),
        ("contacted", 1),
        ("api_users", 1),
        ("admins", 1),
    ];
    let got: Vec<(&str, u64)> = p
        .segments()
        .user()
        .iter()
        .map(|(n, c)| (n.as_str(), *c))
        .collect();
    assert_eq!(got, expected);
}
