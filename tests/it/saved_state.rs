//! Saved engine state across formats: the committed files in `tests/data` load
//! as the engine they were saved from, an engine loaded from an older format saves
//! in the current one, and formats this version does not read are refused with a
//! message that says what to do.
//!
//! `engine-state-v2.json` was written by the code before format 3 (commit
//! 6292c12) from [`input`]; it never changes. `engine-state-v3.json` is what this
//! version writes from the same input, but for the 8 bits of each `messageId`
//! key that the engine stopped keeping (see [`with_40_bit_messages`]): the file
//! stays as written, with them. If the saved format changes, do not
//! rewrite the v3 file in place: add a new format number, keep this file as the
//! test that the old format still loads (or refuse it on purpose, with a
//! CHANGELOG entry), and write the new format's file with
//! `cargo test --test saved_state -- --ignored write_current_format_file`
//! after renaming the file it writes.
use crate::common::cases_or;
use chrono::{Days, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use pulsecheck::sample::{self, Sample};
use pulsecheck::{
    AccountId, Config, Engine, Group, Milestone, Outcome, Snapshot, Track, Usage, UserId,
};
use serde_json::Value;

const V2: &str = include_str!("../data/engine-state-v2.json");
const V3: &str = include_str!("../data/engine-state-v3.json");

/// The input both committed files were saved from: every kind of list the state
/// holds (NPS and `mrr` with health, an extra NPS response after the eviction
/// day, a contact, and evicted history so that folded facts are present).
fn input() -> (Engine, Sample) {
    let sample = Sample::new()
        .accounts(1)
        .users_per_account(4)
        .days(30)
        .health(true);
    let mut engine = Engine::new(sample::health_config()).unwrap();
    for call in sample.calls() {
        engine.ingest(&call).unwrap();
    }
    let at = Utc.with_ymd_and_hms(2026, 10, 29, 9, 30, 0).unwrap();
    let nps = Track::new(UserId::from("user_000001"), "NPS Submitted", at)
        .with_property("score", 9)
        .with_message_id("nps-extra");
    engine.ingest(&nps.into()).unwrap();
    engine.record_contact(&UserId::from("user_000000"), at, "onboarding call");
    engine.evict_before(sample.end() - Days::new(10));
    (engine, sample)
}

/// Snapshots of the days a saved state could differ on: the end, the first
/// retained day, and a day after the end.
fn snapshots(engine: &Engine, sample: &Sample) -> Vec<Snapshot> {
    let end = sample.end();
    [
        end,
        engine.retained_from().unwrap(),
        end + Days::new(40),
        NaiveDate::from_ymd_opt(2026, 10, 25).unwrap(),
    ]
    .into_iter()
    .map(|day| engine.snapshot(day))
    .collect()
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// A saved state's text as this version writes the same state: its `messageId`
/// keys with the 8 fingerprint bits above the 40 the engine keeps set to 0
/// (and so sorted again). The committed files were written when 48 bits were
/// kept; they stay as written, as the test that such files still load.
/// Edited as text, line by line, for the reason given at [`with_format`].
fn with_40_bit_messages(text: &str) -> String {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        out.push(line.to_owned());
        if !line.trim_end().ends_with("\"messages\": [") {
            continue;
        }
        let mut keys = Vec::new();
        let mut indent = "";
        for item in lines.by_ref() {
            if item.trim_start().starts_with(']') {
                let dropped = 0xFFu64 << 40;
                let mut masked: Vec<u64> = keys.iter().map(|k| k & !dropped).collect();
                masked.sort_unstable();
                masked.dedup();
                let last = masked.len().saturating_sub(1);
                for (i, k) in masked.iter().enumerate() {
                    out.push(format!("{indent}{k}{}", if i < last { "," } else { "" }));
                }
                out.push(item.to_owned());
                break;
            }
            indent = &item[..item.len() - item.trim_start().len()];
            keys.push(item.trim().trim_end_matches(',').parse::<u64>().unwrap());
        }
    }
    out.join("\n") + if text.ends_with('\n') { "\n" } else { "" }
}

#[test]
fn files_written_with_48_bit_message_keys_still_catch_copies() {
    let v3_40 = with_40_bit_messages(V3);
    assert_ne!(v3_40, V3, "the file holds keys with 48 fingerprint bits");
    let (fresh, sample) = input();
    for text in [V2, V3] {
        let mut loaded: Engine = serde_json::from_str(text).unwrap();
        assert_eq!(loaded.message_count(), fresh.message_count());
        let mut copies = 0;
        for call in sample.calls() {
            let kept = call.timestamp().date_naive() >= fresh.retained_from().unwrap();
            if kept && call.message_id().is_some() {
                assert_eq!(loaded.ingest(&call).unwrap(), Outcome::Duplicate);
                copies += 1;
            }
        }
        assert!(copies > 0);
        assert_eq!(loaded.message_count(), fresh.message_count());
    }
}

#[test]
fn a_format_2_file_loads_as_the_engine_it_was_saved_from() {
    let (fresh, sample) = input();
    let loaded: Engine = serde_json::from_str(V2).unwrap();
    assert_eq!(snapshots(&loaded, &sample), snapshots(&fresh, &sample));
    assert_eq!(loaded.user_count(), fresh.user_count());
    assert_eq!(loaded.message_count(), fresh.message_count());
    assert_eq!(loaded.retained_from(), fresh.retained_from());
}

#[test]
fn a_format_2_engine_saves_in_format_3() {
    let loaded: Engine = serde_json::from_str(V2).unwrap();
    let saved = serde_json::to_string_pretty(&loaded).unwrap() + "\n";
    assert_eq!(json(&saved)["format"], 3);
    assert!(
        saved == with_40_bit_messages(V3),
        "a format-2 engine saves as the format-3 file"
    );
    // Format 3 kept format 2's shape and added the order of the configured
    // things the state refers to by position.
    let (mut v3, v2) = (json(V3), json(V2));
    let order = v3["state"].as_object_mut().unwrap().remove("order");
    assert_eq!(v3["state"], v2["state"]);
    assert_eq!(v3["config"], v2["config"]);
    assert!(order.is_some_and(|o| o["features"].as_array().is_some_and(|f| !f.is_empty())));
}

#[test]
fn the_format_3_file_is_what_this_version_writes() {
    let (fresh, sample) = input();
    let saved = serde_json::to_string_pretty(&fresh).unwrap() + "\n";
    assert!(
        saved == with_40_bit_messages(V3),
        "the saved format changed: see this file's docs before regenerating \
         tests/data/engine-state-v3.json"
    );
    let loaded: Engine = serde_json::from_str(V3).unwrap();
    assert_eq!(snapshots(&loaded, &sample), snapshots(&fresh, &sample));
}

#[test]
fn format_3_round_trips() {
    let (fresh, sample) = input();
    let loaded: Engine = serde_json::from_str(V3).unwrap();
    let again = serde_json::to_string(&loaded).unwrap();
    assert_eq!(again, serde_json::to_string(&fresh).unwrap());
    let reloaded: Engine = serde_json::from_str(&again).unwrap();
    assert_eq!(snapshots(&reloaded, &sample), snapshots(&fresh, &sample));
    assert_eq!(serde_json::to_string(&reloaded).unwrap(), again);
}

/// `text` with another format number. Edited as text: a round trip through
/// `serde_json::Value` would sort the configuration's named maps (the key
/// features among them), whose order a format-2 state cannot restore.
fn with_format(text: &str, format: u32) -> String {
    let at = text.find("\"format\":").unwrap() + "\"format\":".len();
    let digits = text[at..].trim_start();
    let start = text.len() - digits.len();
    let end = start + digits.find(|c: char| !c.is_ascii_digit()).unwrap();
    format!("{}{format}{}", &text[..start], &text[end..])
}

#[test]
fn format_1_and_unknown_formats_are_refused_with_what_to_do() {
    for text in [V2, V3] {
        let old = serde_json::from_str::<Engine>(&with_format(text, 1))
            .unwrap_err()
            .to_string();
        assert!(old.contains("engine state format 1 "), "{old}");
        assert!(old.contains("reads formats 2 to 3"), "{old}");
        assert!(old.contains("rebuild the engine"), "{old}");
        let newer = serde_json::from_str::<Engine>(&with_format(text, 99))
            .unwrap_err()
            .to_string();
        assert!(newer.contains("engine state format 99 "), "{newer}");
        assert!(newer.contains("reads formats 2 to 3"), "{newer}");
        assert!(newer.contains("newer version of pulsecheck"), "{newer}");
    }
}

#[test]
fn the_format_must_come_before_the_state() {
    let v = json(V3);
    let text = format!(
        r#"{{"state":{},"format":3,"config":{}}}"#,
        v["state"], v["config"]
    );
    let err = serde_json::from_str::<Engine>(&text)
        .unwrap_err()
        .to_string();
    assert!(err.contains("format must come before the state"), "{err}");
    let ordered = format!(
        r#"{{"format":3,"config":{},"state":{}}}"#,
        v["config"], v["state"]
    );
    serde_json::from_str::<Engine>(&ordered).unwrap();
}

/// Edits the first actor (or account) of the v3 file that has two or more items
/// in `list`. (Through `serde_json::Value`, the configuration's named maps come
/// out sorted; loading puts them back in the order the state records.)
fn corrupt(kind: &str, list: &str, edit: impl FnOnce(&mut Vec<Value>)) -> String {
    let mut v = json(V3);
    let items = v["state"][kind].as_array_mut().unwrap();
    let item = items
        .iter_mut()
        .find(|a| a[list].as_array().is_some_and(|l| l.len() >= 2))
        .unwrap_or_else(|| panic!("no {kind} with two {list}"));
    edit(item[list].as_array_mut().unwrap());
    v.to_string()
}

fn refused(text: &str) -> String {
    serde_json::from_str::<Engine>(text)
        .map(|_| ())
        .unwrap_err()
        .to_string()
}

#[test]
fn corrupt_states_are_refused() {
    // Out of order: two cells swapped.
    let err = refused(&corrupt("actors", "cells", |l| l.swap(0, 1)));
    assert!(err.contains("cells"), "{err}");
    // A duplicated message key.
    let err = refused(&corrupt("actors", "messages", |l| {
        let first = l[0].clone();
        l.insert(0, first);
    }));
    assert!(err.contains("message ids"), "{err}");
    // A name given twice.
    let mut v = json(V3);
    let names = v["state"]["actor_ids"].as_array_mut().unwrap();
    names[1] = names[0].clone();
    let err = refused(&v.to_string());
    assert!(err.contains("appears twice"), "{err}");
    // A milestone's times out of order.
    let mut v = json(V3);
    let times = v["state"]["actors"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .filter_map(|a| a.get_mut("milestones").and_then(Value::as_array_mut))
        .flatten()
        .map(|m| &mut m["times"])
        .find(|t| t.as_array().is_some_and(|t| t.len() >= 2 && t[0] != t[1]))
        .expect("a milestone with two times");
    times.as_array_mut().unwrap().swap(0, 1);
    let err = refused(&v.to_string());
    assert!(err.contains("milestones"), "{err}");
    // An `mrr` call above 0 after another call of its day (the kept list never
    // holds one: it would load as a different list).
    let mut v = json(V3);
    let mrr = v["state"]["accounts"][0]["mrr"].as_array_mut().unwrap();
    let mut later = mrr[0].clone();
    later["stamp"]["ms"] = (later["stamp"]["ms"].as_i64().unwrap() + 1).into();
    later["positive"] = true.into();
    mrr[0]["positive"] = false.into();
    mrr.insert(1, later);
    let err = refused(&v.to_string());
    assert!(err.contains("mrr calls"), "{err}");
}

/// A configuration whose key features, usage metrics and milestones are not
/// written in sorted order, so that a store sorting object keys moves them.
fn unsorted_config() -> Config {
    config_in_order(&[0, 1, 2], &[0, 1], &[0, 1], &[0, 1], &[0, 1])
}

/// [`unsorted_config`] with its key features, usage metrics, user and account
/// milestones and user segments in the order of the given permutations.
fn config_in_order(
    features: &[usize],
    usage: &[usize],
    user: &[usize],
    account: &[usize],
    segments: &[usize],
) -> Config {
    let all_features = [
        ("reporting", "Report Run"),
        ("planning", "Plan Created"),
        ("exports", "Export Done"),
    ];
    let all_usage = [
        ("seats_added", Usage::sum("Seat Added", "seats")),
        ("api_calls", Usage::count("API Call")),
    ];
    let all_user = [
        Milestone::event("second_report", "Report Run").with_min_count(2),
        Milestone::event("first_plan", "Plan Created"),
    ];
    let all_account = [
        Milestone::event("team_export", "Export Done"),
        Milestone::event("api_user", "API Call"),
    ];
    let mut b = Config::builder();
    for &i in features {
        b = b.feature(all_features[i].0, [all_features[i].1]);
    }
    for &i in usage {
        b = b.usage(all_usage[i].0, all_usage[i].1.clone());
    }
    for &i in user {
        b = b.user_milestone(all_user[i].clone());
    }
    for &i in account {
        b = b.account_milestone(all_account[i].clone());
    }
    // Segments hold no position in the state, but a snapshot lists a record's
    // segments in their configured order.
    let all_segments = [
        ("regulars", "event_count >= 1"),
        ("everyone", "event_count >= 0"),
    ];
    for &i in segments {
        b = b.user_segment(all_segments[i].0, all_segments[i].1);
    }
    b.build().unwrap()
}

/// An engine on [`unsorted_config`] where each user uses a different mix of
/// features, metrics and milestones, with some history evicted (folded
/// features).
fn unsorted_engine() -> Engine {
    let mut engine = Engine::new(unsorted_config()).unwrap();
    let day0 = Utc.with_ymd_and_hms(2026, 10, 1, 9, 0, 0).unwrap();
    let acme = || AccountId::from("acme");
    for (user, events) in [
        ("ada", &["Report Run", "Report Run", "API Call"][..]),
        ("bob", &["Plan Created", "Seat Added", "Export Done"][..]),
        ("cy", &["Export Done", "API Call", "Report Run"][..]),
    ] {
        engine
            .ingest(&Group::new(UserId::from(user), acme(), day0).into())
            .unwrap();
        for (day, event) in events.iter().enumerate() {
            let at = day0 + chrono::Duration::days(3 * day as i64 + 1);
            let call = Track::new(UserId::from(user), *event, at)
                .with_group_id(acme())
                .with_property("seats", 2 + day as i64);
            engine.ingest(&call.into()).unwrap();
        }
    }
    engine.evict_before(NaiveDate::from_ymd_opt(2026, 10, 5).unwrap());
    engine
}

fn unsorted_snapshots(engine: &Engine) -> Vec<Snapshot> {
    [(2026, 10, 6), (2026, 10, 12), (2026, 11, 20)]
        .into_iter()
        .map(|(y, m, d)| engine.snapshot(NaiveDate::from_ymd_opt(y, m, d).unwrap()))
        .collect()
}

#[test]
fn a_state_loads_as_itself_after_a_store_sorts_its_object_keys() {
    let engine = unsorted_engine();
    let saved = serde_json::to_string(&engine).unwrap();
    // What a store keeping JSON without its key order (PostgreSQL `jsonb`,
    // `serde_json::Value` without `preserve_order`) gives back.
    let stored = json(&saved).to_string();
    assert_ne!(
        stored, saved,
        "the store reordered nothing: the test tests nothing"
    );
    let loaded: Engine = serde_json::from_str(&stored).unwrap();
    assert_eq!(unsorted_snapshots(&loaded), unsorted_snapshots(&engine));
    // The configuration is back in its saved order, not just the state.
    assert_eq!(serde_json::to_string(&loaded).unwrap(), saved);
}

/// `saved` with its configuration replaced by `config`.
fn with_config(saved: &str, config: &Config) -> String {
    let v = json(saved);
    format!(
        r#"{{"format":{},"config":{},"state":{}}}"#,
        v["format"],
        serde_json::to_string(config).unwrap(),
        v["state"]
    )
}

#[test]
fn a_state_whose_configured_names_differ_is_refused_with_both_lists() {
    let saved = serde_json::to_string(&unsorted_engine()).unwrap();
    let mut v = json(&saved);
    v["state"]["order"]["usage"][1] = "api_requests".into();
    let err = refused(&v.to_string());
    assert!(err.contains("usage metrics"), "{err}");
    assert!(err.contains(r#"["seats_added", "api_requests"]"#), "{err}");
    // (Through `serde_json::Value`: the configuration's usage metrics sorted.)
    assert!(err.contains(r#"["api_calls", "seats_added"]"#), "{err}");
    assert!(err.contains("rebuild"), "{err}");
    // A milestone missing from the configuration.
    let fewer = Config::builder()
        .feature("reporting", ["Report Run"])
        .feature("planning", ["Plan Created"])
        .feature("exports", ["Export Done"])
        .usage("seats_added", Usage::sum("Seat Added", "seats"))
        .usage("api_calls", Usage::count("API Call"))
        .user_milestone(Milestone::event("second_report", "Report Run").with_min_count(2))
        .account_milestone(Milestone::event("team_export", "Export Done"))
        .account_milestone(Milestone::event("api_user", "API Call"))
        .build()
        .unwrap();
    let err = refused(&with_config(&saved, &fewer));
    assert!(err.contains("user milestones"), "{err}");
    // The order is part of format 3: a state without it is refused, not read
    // with the configuration's order.
    let mut v = json(&saved);
    v["state"].as_object_mut().unwrap().remove("order");
    let err = refused(&v.to_string());
    assert!(err.contains("missing field `order`"), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases_or(16), failure_persistence: None, ..ProptestConfig::default() })]

    /// Any sample state saves and loads as itself, and read as format 2 (the
    /// same shape, whose reader ignores the order) it loads as the same engine.
    #[test]
    fn any_state_round_trips_through_both_formats(
        accounts in 1usize..3,
        users in 1usize..4,
        days in 1u32..45,
        seed in any::<u64>(),
        health in any::<bool>(),
        evict in proptest::option::of(0u64..45),
    ) {
        let sample = Sample::new().accounts(accounts).users_per_account(users).days(days).seed(seed).health(health);
        let config = if health { sample::health_config() } else { sample::config() };
        let mut engine = Engine::new(config).unwrap();
        for call in sample.calls() {
            engine.ingest(&call).unwrap();
        }
        if let Some(back) = evict {
            engine.evict_before(sample.end() - Days::new(back));
        }
        let saved = serde_json::to_string(&engine).unwrap();
        let expected = engine.snapshot(sample.end());
        for format in [3, 2] {
            let loaded: Engine = serde_json::from_str(&with_format(&saved, format)).unwrap();
            prop_assert_eq!(&loaded.snapshot(sample.end()), &expected);
            prop_assert_eq!(&serde_json::to_string(&loaded).unwrap(), &saved);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases_or(24), failure_persistence: None, ..ProptestConfig::default() })]

    /// Whatever order the saved configuration's key features, usage metrics
    /// and milestones come back in, the engine loads as the one saved.
    #[test]
    fn any_reordering_of_the_configuration_loads_as_the_saved_engine(
        features in Just(vec![0usize, 1, 2]).prop_shuffle(),
        usage in Just(vec![0usize, 1]).prop_shuffle(),
        user in Just(vec![0usize, 1]).prop_shuffle(),
        account in Just(vec![0usize, 1]).prop_shuffle(),
        segments in Just(vec![0usize, 1]).prop_shuffle(),
    ) {
        let engine = unsorted_engine();
        let saved = serde_json::to_string(&engine).unwrap();
        let stored = with_config(&saved, &config_in_order(&features, &usage, &user, &account, &segments));
        let loaded: Engine = serde_json::from_str(&stored).unwrap();
        prop_assert_eq!(unsorted_snapshots(&loaded), unsorted_snapshots(&engine));
        prop_assert_eq!(serde_json::to_string(&loaded).unwrap(), saved);
    }
}

/// Writes `tests/data/engine-state-v3.json` (see the module docs before running).
#[test]
#[ignore = "writes the committed state file"]
fn write_current_format_file() {
    let (engine, _) = input();
    let text = serde_json::to_string_pretty(&engine).unwrap() + "\n";
    std::fs::write(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/engine-state-v3.json"
        ),
        text,
    )
    .unwrap();
}
