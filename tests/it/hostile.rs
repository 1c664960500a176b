//! Hostile input, bounded resources and durable state (issue 6).
//!
//! Every test feeds something a firehose can deliver — garbage bytes, invalid UTF-8,
//! huge or deeply nested lines, odd numbers and timestamps, huge ids, floods of
//! distinct names, replays, corrupted state files — and checks that each call ends
//! counted (accepted, duplicate or rejected with a typed reason), that nothing
//! panics, and that the engine's state stays bounded (measured as the length of its
//! serialized form).
//!
//! The `fuzz_*` proptests are the bounded-time versions of the cargo-fuzz targets in
//! `fuzz/fuzz_targets/` (same property, fewer cases), so CI runs them on every change.
#![cfg(feature = "json")]
use crate::common::cases_or;

use std::panic::{AssertUnwindSafe, catch_unwind};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use pulsecheck::config::Limits;
use pulsecheck::rule::{EvalInput, Rule, RuleContext};
use pulsecheck::sample::{self, Sample};
use pulsecheck::{
    AccountId, Call, Config, Engine, Group, Identify, IngestReport, Outcome, Rejection, Snapshot,
    Track, Usage, UserId, Value,
};

const TS: &str = "2026-10-30T10:00:00Z";

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 10, 31).unwrap()
}

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 30, 10, 0, 0).unwrap()
}

fn engine() -> Engine {
    Engine::new(sample::config()).unwrap()
}

fn engine_with(limits: Limits) -> Engine {
    Engine::new(Config::builder().limits(limits).build().unwrap()).unwrap()
}

fn state_len(engine: &Engine) -> usize {
    serde_json::to_string(engine).unwrap().len()
}

fn sample_calls() -> Vec<Call> {
    Sample::new()
        .accounts(3)
        .users_per_account(4)
        .days(40)
        .seed(11)
        .calls()
        .collect()
}

fn snapshots(engine: &Engine) -> Vec<Snapshot> {
    [0, 9, 30]
        .iter()
        .map(|d| engine.snapshot(day() - Duration::days(*d)))
        .collect()
}

fn track_line(user: &str, extra: &str) -> String {
    format!(
        r#"{{"type":"track","userId":"{user}","event":"Report Run","timestamp":"{TS}"{extra}}}"#
    )
}

fn code(r: &Result<Outcome, Rejection>) -> &'static str {
    match r {
        Ok(Outcome::Duplicate) => "duplicate",
        Ok(_) => "accepted",
        Err(e) => e.code(),
    }
}

/// Non-blank lines of NDJSON bytes: what a report must count.
fn non_blank_lines(bytes: &[u8]) -> u64 {
    bytes
        .split(|&b| b == b'\n')
        .filter(|l| !String::from_utf8_lossy(l).trim().is_empty())
        .count() as u64
}

// ---------------------------------------------------------------------------
// Bytes, UTF-8, sizes, nesting

#[test]
fn every_byte_value_as_a_line_is_counted() {
    let mut engine = engine();
    let mut report = IngestReport::default();
    let mut bytes = Vec::new();
    for b in 0..=255u8 {
        bytes.push(b);
        bytes.push(b'\n');
    }
    engine.ingest_ndjson_bytes(&bytes, 1, &mut report);
    assert_eq!(report.total(), non_blank_lines(&bytes));
    assert_eq!(report.accepted(), 0);
    assert_eq!(report.rejected(), report.total());
    // Every rejection is "not JSON" (or a bare number/string, which is JSON of the wrong shape).
    for code in report.rejected_by_code().keys() {
        assert!(
            ["not_json", "wrong_type"].contains(&code.as_str()),
            "{code}"
        );
    }
}

#[test]
fn every_byte_value_inside_json_strings_is_counted() {
    let mut engine = engine();
    let mut report = IngestReport::default();
    let mut bytes = Vec::new();
    for b in 0..=255u8 {
        if b == b'\n' {
            continue;
        }
        // Raw inside the user id, the event name and a property value.
        for field in ["userId", "event", "p"] {
            let mut line =
                format!(r#"{{"type":"track","timestamp":"{TS}","messageId":"m{b}-{field}","#)
                    .into_bytes();
            let (user, event, prop): (&[u8], &[u8], &[u8]) = match field {
                "userId" => (&[b'u', b], b"e", b"x"),
                "event" => (b"u", &[b'e', b], b"x"),
                _ => (b"u", b"e", &[b'x', b]),
            };
            line.extend_from_slice(b"\"userId\":\"");
            line.extend_from_slice(user);
            line.extend_from_slice(b"\",\"event\":\"");
            line.extend_from_slice(event);
            line.extend_from_slice(b"\",\"properties\":{\"p\":\"");
            line.extend_from_slice(prop);
            line.extend_from_slice(b"\"}}\n");
            bytes.extend_from_slice(&line);
        }
        // Escaped: every code point 0..=255 as \u00XX is valid JSON and accepted.
        bytes.extend_from_slice(
            format!(
                "{{\"type\":\"track\",\"timestamp\":\"{TS}\",\"userId\":\"u\\u{b:04x}\",\"event\":\"e\\u{b:04x}\",\"properties\":{{\"p\":\"\\u{b:04x}\"}}}}\n"
            )
            .as_bytes(),
        );
    }
    engine.ingest_ndjson_bytes(&bytes, 1, &mut report);
    assert_eq!(report.total(), non_blank_lines(&bytes));
    // 255 escaped lines are accepted; raw printable ASCII except `"` and `\` too.
    let printable = (0x20u8..0x7f).filter(|b| *b != b'"' && *b != b'\\').count() as u64;
    assert!(report.accepted() >= 255 + 3 * printable, "{report}");
    let snap = engine.snapshot(day());
    assert!(!snap.users().is_empty());
}

#[test]
fn invalid_utf8_lines_are_rejected_and_the_rest_go_on() {
    let mut engine = engine();
    let mut report = IngestReport::default();
    let good = track_line("u1", r#","messageId":"m1""#);
    let mut bytes = Vec::new();
    for bad in [
        &b"\xff\xfe"[..],
        b"{\"type\":\"track\",\"userId\":\"\xc3\x28\"}",
        b"\xed\xa0\x80",
        b"\xf4\x90\x80\x80",
        b"\x80",
    ] {
        bytes.extend_from_slice(bad);
        bytes.push(b'\n');
        bytes.extend_from_slice(good.as_bytes());
        bytes.push(b'\n');
    }
    engine.ingest_ndjson_bytes(&bytes, 1, &mut report);
    assert_eq!(report.total(), 10);
    assert_eq!(report.rejected_by_code().get("not_json"), Some(&5));
    assert_eq!((report.accepted(), report.duplicates()), (1, 4));
    assert_eq!(
        report
            .rejections()
            .iter()
            .map(|(l, _)| l.unwrap())
            .collect::<Vec<_>>(),
        [1, 3, 5, 7, 9]
    );
    assert!(
        report.rejections()[0]
            .1
            .to_string()
            .contains("invalid UTF-8")
    );
}

#[test]
fn a_1mb_line_is_rejected_before_parsing() {
    let mut engine = engine();
    let before = state_len(&engine);
    let big = "x".repeat(1 << 20);
    let line = track_line("u1", &format!(r#","properties":{{"note":"{big}"}}"#));
    let err = engine.ingest_json(&line).unwrap_err();
    assert_eq!(err.code(), "call_too_large");
    let Rejection::CallTooLarge { bytes, limit, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!((*bytes, *limit), (line.len(), 32 * 1024));
    assert!(err.to_string().contains("limits.max_call_bytes"), "{err}");
    // Not even valid JSON: the size is checked first.
    let garbage = "[".repeat(1 << 20);
    assert_eq!(
        engine.ingest_json(&garbage).unwrap_err().code(),
        "call_too_large"
    );
    // Invalid UTF-8 that large is too large, too.
    let mut report = IngestReport::default();
    engine.ingest_ndjson_bytes(&vec![0xffu8; 1 << 20], 1, &mut report);
    assert_eq!(report.rejected_by_code().get("call_too_large"), Some(&1));
    assert_eq!(state_len(&engine), before);

    // Raising the line limit lets the line parse; the value limit still holds.
    let mut roomy = engine_with(Limits::default().with_max_call_bytes(2 << 20));
    assert_eq!(
        roomy.ingest_json(&line).unwrap_err().code(),
        "value_too_long"
    );
    let mut roomier = engine_with(
        Limits::default()
            .with_max_call_bytes(2 << 20)
            .with_max_string_bytes(2 << 20),
    );
    assert_eq!(roomier.ingest_json(&line), Ok(Outcome::Accepted));
}

#[test]
fn deeply_nested_json_is_rejected_without_overflowing_the_stack() {
    let depth = 100_000;
    let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let objects = format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
    for nested in [&arrays, &objects] {
        // As a whole line, and as the value of `properties` / `traits`.
        let in_props = track_line("u1", &format!(r#","properties":{{"p":{nested}}}"#));
        let in_traits = format!(
            r#"{{"type":"identify","userId":"u1","timestamp":"{TS}","traits":{{"t":{nested}}}}}"#
        );
        for line in [nested.as_str(), &in_props, &in_traits] {
            // The parser alone (no size limit) refuses it: serde_json stops at 128
            // levels (and skips unknown fields without recursing: `missing_type`).
            let err = Call::from_json(line).unwrap_err();
            assert!(
                ["not_json", "wrong_type", "missing_type"].contains(&err.code()),
                "{err}"
            );
            let mut engine = engine();
            assert_eq!(
                engine.ingest_json(line).unwrap_err().code(),
                "call_too_large"
            );
            let mut roomy = engine_with(Limits::default().with_max_call_bytes(usize::MAX));
            let err = roomy.ingest_json(line).unwrap_err();
            assert!(
                ["not_json", "wrong_type", "missing_type"].contains(&err.code()),
                "{err}"
            );
            let fresh = engine_with(Limits::default().with_max_call_bytes(usize::MAX));
            assert_eq!(state_len(&roomy), state_len(&fresh));
        }
    }
    // Nesting the parser accepts (40 levels) but deeper than `max_value_depth` (32).
    let mut engine = engine();
    let forty = format!("{}{}", "[".repeat(40), "]".repeat(40));
    let line = track_line("u1", &format!(r#","properties":{{"p":{forty}}}"#));
    let err = engine.ingest_json(&line).unwrap_err();
    assert_eq!(err.code(), "value_too_deep");
    assert!(err.to_string().contains("properties.p"), "{err}");
    let thirty_two = format!("{}{}", "[".repeat(32), "]".repeat(32));
    let line = track_line("u1", &format!(r#","properties":{{"p":{thirty_two}}}"#));
    assert_eq!(engine.ingest_json(&line), Ok(Outcome::Accepted));
}

#[test]
fn odd_numbers_are_rejected_or_kept_as_sent() {
    let config = Config::builder()
        .usage("storage_mb", Usage::sum("File Uploaded", "megabytes"))
        .build()
        .unwrap();
    let mut engine = Engine::new(config).unwrap();
    let line = |v: &str| {
        format!(
            r#"{{"type":"track","userId":"u1","event":"File Uploaded","timestamp":"{TS}","properties":{{"megabytes":{v}}}}}"#
        )
    };
    let cases = [
        ("1e400", "non_finite_number"),
        ("-1e400", "non_finite_number"),
        ("[1, 2e999]", "non_finite_number"),
        ("{\"x\": 1e309}", "non_finite_number"),
        ("-0", "accepted"),
        ("-0.0", "accepted"),
        ("1e-400", "accepted"),
        ("123456789012345678901234567890", "accepted"),
        ("NaN", "not_json"),
        ("Infinity", "not_json"),
        ("\"NaN\"", "accepted"),
        ("\"Infinity\"", "accepted"),
        ("\"-Infinity\"", "accepted"),
        ("\"1e400\"", "accepted"),
    ];
    let mut warned = 0;
    for (v, expected) in cases {
        let r = engine.ingest_json(&line(v));
        assert_eq!(code(&r), expected, "{v}: {r:?}");
        if let Ok(Outcome::AcceptedWithWarnings(w)) = &r {
            assert_eq!(w[0].code(), "non_numeric_usage", "{v}");
            warned += 1;
        }
    }
    // The non-numeric strings warn ("1e400" as a string is not a finite number
    // either), and so does 1.2e29, which is beyond an exact decimal (±7.9e28).
    assert_eq!(warned, 5);
    let user = engine.snapshot(day());
    let usage = user.user("u1").unwrap().get("storage_mb").unwrap().clone();
    assert!(!usage.is_null(), "{usage:?}");
    // Typed calls: NaN and infinities are rejected the same way.
    for f in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let call: Call = Track::new(UserId::from("u1"), "File Uploaded", at())
            .with_property("megabytes", f)
            .into();
        assert_eq!(
            engine.ingest(&call).unwrap_err().code(),
            "non_finite_number"
        );
        let call: Call = Identify::new(UserId::from("u1"), at())
            .with_trait("x", Value::List(vec![Value::Number(f)]))
            .into();
        assert_eq!(
            engine.ingest(&call).unwrap_err().code(),
            "non_finite_number"
        );
    }
}

#[test]
fn timestamps_from_year_0_to_9999_and_beyond() {
    let mut engine = engine();
    let mut report = IngestReport::default();
    let mut text = String::new();
    for year in [0, 1, 999, 1000, 1969, 1970, 2026, 9998, 9999] {
        for (m, d) in [(1, 1), (2, 29), (12, 31)] {
            let ts = format!("{year:04}-{m:02}-{d:02}T23:59:59.999Z");
            text.push_str(&format!(
                r#"{{"type":"track","userId":"u{year}","event":"Report Run","timestamp":"{ts}"}}"#
            ));
            text.push('\n');
        }
    }
    // Of these years only year 0 is a leap year (divisible by 400; 1000 is not), so
    // the other 8 February 29ths are bad timestamps.
    engine.ingest_ndjson(&text, 1, &mut report);
    assert_eq!(report.total(), 27);
    assert_eq!(report.accepted(), 19, "{report}");
    assert_eq!(report.rejected_by_code().get("bad_timestamp"), Some(&8));
    for bad in [
        "10000-01-01T00:00:00Z",
        "+10000-01-01T00:00:00Z",
        "-0001-01-01T00:00:00Z",
        "-1-01-01T00:00:00Z",
        "9999-12-31T24:00:01Z",
        "2026-13-01T00:00:00Z",
        "2026-10-31T00:00:00+99:00",
        "",
        " ",
        "1793473490",
    ] {
        let line = format!(r#"{{"type":"track","userId":"u","event":"e","timestamp":"{bad}"}}"#);
        assert_eq!(
            engine.ingest_json(&line).unwrap_err().code(),
            "bad_timestamp",
            "{bad}"
        );
    }
    let numeric = r#"{"type":"track","userId":"u","event":"e","timestamp":1793473490}"#;
    assert_eq!(
        engine.ingest_json(numeric).unwrap_err().code(),
        "wrong_type"
    );
    // Typed calls may carry any instant chrono holds, even beyond year 9999.
    for ts in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
        let call: Call = Track::new(UserId::from("edge"), "Report Run", ts)
            .with_group_id("g")
            .into();
        assert_eq!(engine.ingest(&call), Ok(Outcome::Accepted));
        let call: Call = Identify::new(UserId::from("edge"), ts)
            .with_trait("created_at", "0000-01-01")
            .into();
        assert_eq!(engine.ingest(&call), Ok(Outcome::Accepted));
    }
    // Snapshots on any day, at the edges too, do not panic.
    for d in [
        NaiveDate::MIN,
        NaiveDate::from_ymd_opt(0, 1, 1).unwrap(),
        day(),
        NaiveDate::from_ymd_opt(9999, 12, 31).unwrap(),
        NaiveDate::MAX,
    ] {
        let snap = engine.snapshot(d);
        assert!(snap.users().len() <= 10);
    }
    // And with a clock set, far-future timestamps are refused.
    engine.set_clock(at());
    let far: Call = Track::new(UserId::from("u"), "Report Run", DateTime::<Utc>::MAX_UTC).into();
    assert_eq!(engine.ingest(&far).unwrap_err().code(), "future_timestamp");
}

#[test]
fn ids_of_10_kb_are_rejected_naming_the_field() {
    let mut engine = engine();
    let before = state_len(&engine);
    let id = "i".repeat(10 * 1024);
    let lines = [
        (track_line(&id, ""), "userId"),
        (
            format!(r#"{{"type":"page","anonymousId":"{id}","timestamp":"{TS}"}}"#),
            "anonymousId",
        ),
        (
            track_line("u", &format!(r#","messageId":"{id}""#)),
            "messageId",
        ),
        (
            track_line("u", &format!(r#","context":{{"groupId":"{id}"}}"#)),
            "context.groupId",
        ),
        (
            format!(r#"{{"type":"group","userId":"u","groupId":"{id}","timestamp":"{TS}"}}"#),
            "groupId",
        ),
        (
            format!(r#"{{"type":"alias","userId":"u","previousId":"{id}","timestamp":"{TS}"}}"#),
            "previousId",
        ),
    ];
    for (line, field) in &lines {
        let err = engine.ingest_json(line).unwrap_err();
        assert!(
            matches!(
                &err,
                Rejection::IdTooLong { field: f, bytes: 10240, limit: 1024, .. } if f == field
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("limits.max_id_bytes"), "{err}");
    }
    assert_eq!(state_len(&engine), before);
    // Raised, they are accepted.
    let mut roomy = engine_with(Limits::default().with_max_id_bytes(16 * 1024));
    for (line, _) in &lines {
        assert!(roomy.ingest_json(line).is_ok(), "{line:.80}");
    }
}

#[test]
fn every_rejection_code_is_counted_with_its_line() {
    let limits = Limits::default()
        .with_max_call_bytes(2048)
        .with_max_properties(2)
        .with_max_string_bytes(64)
        .with_max_list_len(3)
        .with_max_value_depth(2)
        .with_max_id_bytes(32)
        .with_max_name_bytes(16)
        .with_max_trait_keys(1)
        .with_max_device_types(1);
    let mut engine = engine_with(limits);
    engine.set_clock(at());
    let t = |extra: &str| track_line("u1", extra);
    let long = "x".repeat(100);
    let lines = [
        ("not_json", "{oops".to_owned()),
        ("missing_type", r#"{"userId":"u"}"#.to_owned()),
        ("unknown_type", r#"{"type":"trak"}"#.to_owned()),
        (
            "no_usable_id",
            format!(r#"{{"type":"track","event":"e","timestamp":"{TS}"}}"#),
        ),
        (
            "missing_field",
            format!(r#"{{"type":"track","userId":"u","timestamp":"{TS}"}}"#),
        ),
        (
            "wrong_type",
            format!(
                r#"{{"type":"track","userId":"u","event":"e","timestamp":"{TS}","properties":7}}"#
            ),
        ),
        (
            "missing_timestamp",
            r#"{"type":"track","userId":"u","event":"e"}"#.to_owned(),
        ),
        (
            "bad_timestamp",
            r#"{"type":"track","userId":"u","event":"e","timestamp":"soon"}"#.to_owned(),
        ),
        (
            "future_timestamp",
            r#"{"type":"track","userId":"u","event":"e","timestamp":"2027-01-01T00:00:00Z"}"#
                .to_owned(),
        ),
        ("non_finite_number", t(r#","properties":{"x":1e400}"#)),
        (
            "call_too_large",
            t(&format!(r#","properties":{{"x":"{}"}}"#, "x".repeat(3000))),
        ),
        (
            "too_many_properties",
            t(r#","properties":{"a":1,"b":2,"c":3}"#),
        ),
        (
            "value_too_long",
            t(&format!(r#","properties":{{"x":"{long}"}}"#)),
        ),
        ("list_too_long", t(r#","properties":{"x":[1,2,3,4]}"#)),
        ("value_too_deep", t(r#","properties":{"x":[[[1]]]}"#)),
        ("id_too_long", track_line(&long, "")),
        (
            "name_too_long",
            t(r#","properties":{"a_very_long_property_name":1}"#),
        ),
        (
            "too_many_trait_keys",
            format!(
                r#"{{"type":"identify","userId":"u1","timestamp":"{TS}","traits":{{"a":1,"b":2}}}}"#
            ),
        ),
        (
            "too_many_device_types",
            t(r#","context":{"device":{"type":"ios"}}"#),
        ),
    ];
    let mut report = IngestReport::default();
    // One accepted call first, so the device table holds one entry.
    let seed = t(r#","messageId":"seed","context":{"device":{"type":"web"}}"#);
    let text: String = std::iter::once(seed.clone())
        .chain(lines.iter().map(|(_, l)| l.clone()))
        .chain(std::iter::once(seed))
        .map(|l| l + "\n")
        .collect();
    engine.ingest_ndjson(&text, 1, &mut report);
    assert_eq!(report.total() as usize, lines.len() + 2, "{report}");
    assert_eq!((report.accepted(), report.duplicates()), (1, 1), "{report}");
    for (i, (code, line)) in lines.iter().enumerate() {
        let (line_no, rejection) = &report.rejections()[i];
        assert_eq!(rejection.code(), *code, "{line:.100}: {rejection}");
        assert_eq!(*line_no, Some(i as u64 + 2));
    }
    assert!(
        report.rejected_by_code().values().all(|n| *n == 1),
        "{report}"
    );
    assert_eq!(report.rejected_by_code().len(), lines.len());
}

#[test]
fn engines_with_different_configs_refuse_to_merge() {
    let mut a = engine();
    let b = engine_with(Limits::default());
    let err = a.merge(b).unwrap_err();
    assert!(
        err.to_string().contains("different configurations"),
        "{err}"
    );
    let c = engine_with(Limits::default().with_max_trait_keys(5));
    let mut d = engine_with(Limits::default());
    assert!(d.merge(c).is_err());
}

// ---------------------------------------------------------------------------
// Limits on sizes and on what the engine interns

#[test]
fn each_value_limit_is_a_typed_rejection() {
    let limits = Limits::default()
        .with_max_properties(3)
        .with_max_string_bytes(10)
        .with_max_list_len(4)
        .with_max_value_depth(2)
        .with_max_name_bytes(8);
    let mut engine = engine_with(limits);
    let u = || UserId::from("u1");
    let track = |props: &[(&str, Value)]| -> Call {
        props
            .iter()
            .fold(Track::new(u(), "Run", at()), |t, (k, v)| {
                t.with_property(*k, v.clone())
            })
            .into()
    };
    let s = |n: usize| Value::from("s".repeat(n));
    let list = |n: usize| Value::List(vec![Value::Int(1); n]);
    let cases: Vec<(Call, &str)> = vec![
        (track(&[("a", s(1)), ("b", s(1)), ("c", s(1))]), "accepted"),
        (
            track(&[("a", s(1)), ("b", s(1)), ("c", s(1)), ("d", s(1))]),
            "too_many_properties",
        ),
        (track(&[("a", s(10))]), "accepted"),
        (track(&[("a", s(11))]), "value_too_long"),
        (track(&[("a", Value::List(vec![s(11)]))]), "value_too_long"),
        (track(&[("a", list(4))]), "accepted"),
        (track(&[("a", list(5))]), "list_too_long"),
        (track(&[("a", Value::List(vec![list(1)]))]), "accepted"),
        (
            track(&[("a", Value::List(vec![Value::List(vec![list(1)])]))]),
            "value_too_deep",
        ),
        (track(&[("abcdefgh", s(1))]), "accepted"),
        (track(&[("abcdefghi", s(1))]), "name_too_long"),
        (
            Track::new(u(), "a_long_event", at()).into(),
            "name_too_long",
        ),
        (
            Track::new(u(), "Run", at())
                .with_device_type("a_long_device")
                .into(),
            "name_too_long",
        ),
        (
            Track::new(u(), "Run", at())
                .with_os_name("a_long_os_name")
                .into(),
            "name_too_long",
        ),
        (
            Identify::new(u(), at())
                .with_trait("a", 1)
                .with_trait("b", 1)
                .with_trait("c", 1)
                .with_trait("d", 1)
                .into(),
            "too_many_properties",
        ),
        (
            Group::new(u(), "acme".into(), at())
                .with_trait("plan", s(11))
                .into(),
            "value_too_long",
        ),
    ];
    let before = state_len(&engine);
    for (i, (call, expected)) in cases.iter().enumerate() {
        let r = engine.ingest(call);
        assert_eq!(code(&r), *expected, "case {i}: {r:?}");
        if let Err(e) = &r {
            assert!(e.to_string().contains("limits.max_"), "{e}");
        }
    }
    assert!(state_len(&engine) > before);
    // The messages name the field and the value.
    let err = engine.ingest(&cases[3].0).unwrap_err();
    assert!(
        matches!(
            &err,
            Rejection::ValueTooLong { field, bytes: 11, limit: 10, .. } if field == "properties.a"
        ),
        "{err:?}"
    );
}

#[test]
fn typed_calls_are_held_to_the_call_size_limit() {
    let mut engine = engine_with(Limits::default().with_max_call_bytes(100));
    let call: Call = Track::new(UserId::from("u1"), "Run", at())
        .with_property("a", "x".repeat(60))
        .into();
    assert_eq!(engine.ingest(&call), Ok(Outcome::Accepted));
    let call: Call = Track::new(UserId::from("u1"), "Run", at())
        .with_property("a", "x".repeat(60))
        .with_property("b", "x".repeat(60))
        .into();
    assert_eq!(engine.ingest(&call).unwrap_err().code(), "call_too_large");
    // A JSON line under the limit always passes the typed size check too.
    let line = track_line("u1", r#","properties":{"a":"xxxxxxxx"}"#);
    let mut tight = engine_with(Limits::default().with_max_call_bytes(line.len()));
    assert_eq!(tight.ingest_json(&line), Ok(Outcome::Accepted));
    assert_eq!(
        tight.ingest_json(&format!("{line} ")).unwrap_err().code(),
        "call_too_large"
    );
}

#[test]
fn distinct_trait_keys_are_bounded() {
    let limit = 1_000;
    let mut engine = engine_with(Limits::default().with_max_trait_keys(limit));
    let mut report = IngestReport::default();
    for i in 0..5_000 {
        let call: Call = Identify::new(UserId::from("u1"), at())
            .with_trait(format!("key_{i}"), i)
            .with_message_id(format!("m{i}"))
            .into();
        report.record(None, engine.ingest(&call));
    }
    assert_eq!(report.accepted(), limit as u64);
    assert_eq!(
        report.rejected_by_code().get("too_many_trait_keys"),
        Some(&4_000)
    );
    let full = state_len(&engine);
    // Known keys still pass, new ones do not, and a refused call stores nothing
    // (not even its messageId: it can be re-sent once the limit is raised).
    let known: Call = Identify::new(UserId::from("u2"), at())
        .with_trait("key_7", 1)
        .into();
    assert_eq!(engine.ingest(&known), Ok(Outcome::Accepted));
    let mixed: Call = Identify::new(UserId::from("u2"), at())
        .with_trait("key_7", 2)
        .with_trait("brand_new", 1)
        .with_message_id("mixed")
        .into();
    let err = engine.ingest(&mixed).unwrap_err();
    assert!(
        matches!(
            &err,
            Rejection::TooManyTraitKeys { key, limit: l, .. } if key == "brand_new" && *l == limit
        ),
        "{err:?}"
    );
    let on_group: Call = Group::new(UserId::from("u2"), "acme".into(), at())
        .with_trait("fresh", 1)
        .into();
    assert_eq!(
        engine.ingest(&on_group).unwrap_err().code(),
        "too_many_trait_keys"
    );
    // camelCase names count as their snake_case key.
    let mut small = engine_with(Limits::default().with_max_trait_keys(1));
    let both: Call = Identify::new(UserId::from("u"), at())
        .with_trait("firstName", "A")
        .with_trait("first_name", "A")
        .into();
    assert_eq!(small.ingest(&both), Ok(Outcome::Accepted));
    // Growth stops at the limit: 4 000 more distinct keys add nothing.
    let before = state_len(&engine);
    for i in 5_000..9_000 {
        let call: Call = Identify::new(UserId::from("u3"), at())
            .with_trait(format!("key_{i}"), 1)
            .into();
        assert!(engine.ingest(&call).is_err());
    }
    assert_eq!(state_len(&engine), before);
    assert!(full <= before);
}

#[test]
fn distinct_device_types_are_bounded() {
    let limit = 50;
    let mut engine = engine_with(Limits::default().with_max_device_types(limit));
    let mut report = IngestReport::default();
    for i in 0..500 {
        let call: Call = Track::new(UserId::from("u1"), "Run", at())
            .with_device_type(format!("device-{i}"))
            .into();
        report.record(None, engine.ingest(&call));
    }
    assert_eq!(report.accepted(), limit as u64);
    assert_eq!(
        report.rejected_by_code().get("too_many_device_types"),
        Some(&450)
    );
    let known: Call = Track::new(UserId::from("u1"), "Run", at())
        .with_device_type("device-3")
        .into();
    assert_eq!(engine.ingest(&known), Ok(Outcome::Accepted));
    let blank: Call = Track::new(UserId::from("u1"), "Run", at())
        .with_device_type("  ")
        .into();
    assert_eq!(engine.ingest(&blank), Ok(Outcome::Accepted));
    let before = state_len(&engine);
    for i in 500..2_000 {
        let call: Call = Track::new(UserId::from("u1"), "Run", at())
            .with_device_type(format!("device-{i}"))
            .into();
        assert_eq!(
            engine.ingest(&call).unwrap_err().code(),
            "too_many_device_types"
        );
    }
    assert_eq!(state_len(&engine), before);
}

#[test]
fn distinct_actors_and_accounts_are_bounded() {
    let limits = Limits::default().with_max_actors(10).with_max_accounts(3);
    let mut engine = engine_with(limits);
    let mut report = IngestReport::default();
    for i in 0..40 {
        let call: Call = Track::new(UserId::from(format!("u{i}")), "Run", at()).into();
        report.record(None, engine.ingest(&call));
    }
    assert_eq!(report.accepted(), 10);
    assert_eq!(report.rejected_by_code().get("too_many_actors"), Some(&30));
    assert_eq!(engine.user_count(), 10);
    // Known ids still go in; a call naming one known and one new id is refused
    // whole, naming the new one.
    let known: Call = Track::new(UserId::from("u3"), "Run", at()).into();
    assert_eq!(engine.ingest(&known), Ok(Outcome::Accepted));
    let before = state_len(&engine);
    let identify: Call = Identify::new(UserId::from("u4"), at())
        .with_anonymous_id("visitor-9")
        .into();
    let err = engine.ingest(&identify).unwrap_err();
    assert_eq!(err.code(), "too_many_actors");
    assert!(
        err.to_string().contains("`anonymousId` \"visitor-9\""),
        "{err}"
    );
    assert!(err.to_string().contains("limits.max_actors"), "{err}");
    assert_eq!(state_len(&engine), before, "a refused call changes nothing");

    for i in 0..6 {
        let call: Call = Group::new(
            UserId::from("u1"),
            AccountId::from(format!("acct-{i}")),
            at(),
        )
        .into();
        let outcome = engine.ingest(&call);
        if i < 3 {
            assert_eq!(outcome, Ok(Outcome::Accepted));
        } else {
            let err = outcome.unwrap_err();
            assert_eq!(err.code(), "too_many_accounts");
            assert!(
                err.to_string().contains(&format!("`groupId` \"acct-{i}\"")),
                "{err}"
            );
        }
    }
    let via_context: Call = Track::new(UserId::from("u1"), "Run", at())
        .with_group_id("acct-9")
        .into();
    assert!(
        engine
            .ingest(&via_context)
            .unwrap_err()
            .to_string()
            .contains("`context.groupId`")
    );
    assert_eq!(engine.account_count(), 3);
}

#[test]
fn actor_and_account_limits_are_read_from_config_json() {
    let config: Config =
        serde_json::from_str(r#"{"limits": {"max_actors": 5, "max_accounts": 2}}"#).unwrap();
    assert_eq!(config.limits().max_actors(), Some(5));
    assert_eq!(config.limits().max_accounts(), Some(2));
    assert_eq!(
        Config::default().limits().max_actors(),
        None,
        "unlimited by default"
    );
    let zero: Config = serde_json::from_str(r#"{"limits": {"max_actors": 0}}"#).unwrap();
    let err = Engine::new(zero).unwrap_err().to_string();
    assert!(err.contains("max_actors"), "{err}");
}

/// Event names are not interned: unknown names share the engine's default, so a
/// flood of a million distinct names adds nothing to the state (about 0.9 s in a
/// debug build).
#[test]
fn a_million_distinct_event_names_cost_no_state() {
    let n: usize = 1_000_000;
    let mut engine = engine();
    let user = UserId::from("u1");
    let first: Call = Track::new(user.clone(), "event 0", at()).into();
    engine.ingest(&first).unwrap();
    let before = state_len(&engine);
    let started = std::time::Instant::now();
    for i in 1..n {
        let call: Call = Track::new(user.clone(), format!("event {i}"), at()).into();
        assert!(engine.ingest(&call).is_ok());
    }
    let elapsed = started.elapsed();
    let after = state_len(&engine);
    // The one cell's count grew from 1 to n: a few digits, nothing per name.
    assert!(after <= before + 16, "{before} → {after}");
    let snap = engine.snapshot(day());
    assert_eq!(
        snap.user("u1")
            .unwrap()
            .get("event_count")
            .and_then(Value::as_i64),
        Some(n as i64)
    );
    eprintln!("{n} distinct event names: {elapsed:?}, state {before} → {after} bytes");
}

#[test]
fn limits_are_read_from_config_json_and_validated() {
    let config: Config = serde_json::from_str(
        r#"{"limits": {"max_call_bytes": 1024, "max_properties": 10, "max_string_bytes": 100,
            "max_list_len": 10, "max_value_depth": 4, "max_id_bytes": 64, "max_name_bytes": 32,
            "max_trait_keys": 100, "max_device_types": 5, "max_rule_bytes": 200, "max_rule_depth": 8}}"#,
    )
    .unwrap();
    config.validate().unwrap();
    let l = config.limits();
    assert_eq!(
        (
            l.max_call_bytes(),
            l.max_properties(),
            l.max_string_bytes(),
            l.max_list_len()
        ),
        (1024, 10, 100, 10)
    );
    assert_eq!(
        (l.max_value_depth(), l.max_id_bytes(), l.max_name_bytes()),
        (4, 64, 32)
    );
    assert_eq!((l.max_trait_keys(), l.max_device_types()), (100, 5));
    assert_eq!((l.max_rule_bytes(), l.max_rule_depth()), (200, 8));
    // Round trip; the defaults are not written out.
    let back: Config = serde_json::from_str(&serde_json::to_string(&config).unwrap()).unwrap();
    assert_eq!(back, config);
    assert!(
        !serde_json::to_string(&Config::default())
            .unwrap()
            .contains("limits")
    );
    // Unknown keys and zeroes are errors naming the key.
    let typo = serde_json::from_str::<Config>(r#"{"limits": {"max_bytes": 1}}"#).unwrap_err();
    assert!(typo.to_string().contains("max_bytes"), "{typo}");
    let zero: Config =
        serde_json::from_str(r#"{"limits": {"max_trait_keys": 0, "max_value_depth": 500}}"#)
            .unwrap();
    let errors = zero.validate().unwrap_err();
    assert_eq!(errors.len(), 2, "{errors}");
    assert!(
        errors.to_string().contains("`limits.max_trait_keys` is 0"),
        "{errors}"
    );
    assert!(errors.to_string().contains("between 1 and 128"), "{errors}");
    let raised: Config = serde_json::from_str(r#"{"limits": {"max_rule_depth": 65}}"#).unwrap();
    assert!(
        raised
            .validate()
            .unwrap_err()
            .to_string()
            .contains("max_rule_depth")
    );
}

#[test]
fn config_rules_are_held_to_the_rule_limits() {
    let rule = "engagement_score < 25 and (days_since_last_seen >= 14 or (event_count = 0))";
    let ok = Config::builder()
        .user_segment("at_risk", rule)
        .limits(Limits::default().with_max_rule_depth(8))
        .build();
    assert!(ok.is_ok(), "{ok:?}");
    let shallow = Config::builder()
        .user_segment("at_risk", rule)
        .limits(Limits::default().with_max_rule_depth(2))
        .build()
        .unwrap_err();
    assert!(
        shallow.to_string().contains("segments.user.at_risk"),
        "{shallow}"
    );
    let short = Config::builder()
        .user_action(rule, "email")
        .limits(Limits::default().with_max_rule_bytes(20))
        .build()
        .unwrap_err();
    assert!(
        short.to_string().contains("actions.user `email`"),
        "{short}"
    );
    // The rule module's own defaults (64 KiB, 64 levels) apply when reading rules.
    let deep = format!("{}a > 1{}", "(".repeat(100), ")".repeat(100));
    assert!(Rule::parse(&deep).is_err());
    let long = format!("a > {}", "1".repeat(70 * 1024));
    assert!(Rule::parse(&long).is_err());
}

// ---------------------------------------------------------------------------
// Idempotence by messageId

#[test]
fn replaying_the_same_stream_twice_changes_nothing() {
    let calls = sample_calls();
    let text: String = calls.iter().map(|c| c.to_json() + "\n").collect();
    let mut engine = engine();
    let mut first = IngestReport::default();
    engine.ingest_ndjson(&text, 1, &mut first);
    assert_eq!(first.rejected(), 0, "{first}");
    assert_eq!(first.total() as usize, calls.len());
    let expected = snapshots(&engine);
    let saved = serde_json::to_string(&engine).unwrap();

    let mut second = IngestReport::default();
    engine.ingest_ndjson(&text, 1, &mut second);
    assert_eq!(second.accepted(), 0);
    assert_eq!(second.duplicates(), first.accepted() + first.duplicates());
    assert_eq!(snapshots(&engine), expected);
    assert_eq!(serde_json::to_string(&engine).unwrap(), saved);

    // Typed replay, and replay into a loaded copy, too.
    let mut loaded: Engine = serde_json::from_str(&saved).unwrap();
    for call in &calls {
        assert_eq!(engine.ingest(call), Ok(Outcome::Duplicate));
        assert_eq!(loaded.ingest(call), Ok(Outcome::Duplicate));
    }
    assert_eq!(snapshots(&loaded), expected);
}

#[test]
fn rejected_calls_change_nothing_and_can_be_resent() {
    let mut engine = engine_with(Limits::default().with_max_string_bytes(4));
    let call: Call = Track::new(UserId::from("u1"), "Run", at())
        .with_property("a", "too long")
        .with_message_id("m1")
        .into();
    let before = state_len(&engine);
    assert_eq!(engine.ingest(&call).unwrap_err().code(), "value_too_long");
    assert_eq!(state_len(&engine), before);
    let mut roomy = engine_with(Limits::default());
    assert_eq!(roomy.ingest(&call), Ok(Outcome::Accepted));
    assert_eq!(roomy.ingest(&call), Ok(Outcome::Duplicate));
}

// ---------------------------------------------------------------------------
// Durable state

fn saved_state() -> String {
    static SAVED: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SAVED.get_or_init(save_state).clone()
}

fn save_state() -> String {
    let mut engine = engine();
    for call in sample_calls().iter().take(400) {
        engine.ingest(call).unwrap();
    }
    engine.record_contact(&UserId::from("u-0-0"), at(), "webinar");
    serde_json::to_string(&engine).unwrap()
}

/// Loads a (possibly corrupt) state; when it loads, snapshots it. Panics only if
/// the crate panics, naming the input.
fn load_and_use(text: &str) -> bool {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        match serde_json::from_str::<Engine>(text) {
            Ok(engine) => {
                let _ = snapshots(&engine);
                let _ = serde_json::to_string(&engine).unwrap();
                true
            }
            Err(_) => false,
        }
    }));
    match outcome {
        Ok(loaded) => loaded,
        Err(_) => panic!("loading or using this state panicked:\n{text}"),
    }
}

#[test]
fn a_loaded_state_gives_the_same_snapshots_and_bytes() {
    let saved = saved_state();
    let engine: Engine = serde_json::from_str(&saved).unwrap();
    let again = serde_json::to_string(&engine).unwrap();
    assert_eq!(again, saved);
    let original = {
        let mut e = self::engine();
        for call in sample_calls().iter().take(400) {
            e.ingest(call).unwrap();
        }
        e.record_contact(&UserId::from("u-0-0"), at(), "webinar");
        e
    };
    assert_eq!(snapshots(&engine), snapshots(&original));
    // Limits travel with the state.
    let limited = engine_with(Limits::default().with_max_trait_keys(3));
    let text = serde_json::to_string(&limited).unwrap();
    assert!(text.contains("\"max_trait_keys\":3"), "{text}");
    let back: Engine = serde_json::from_str(&text).unwrap();
    assert_eq!(back.config().limits().max_trait_keys(), 3);
}

#[test]
fn every_truncation_of_a_state_is_an_error() {
    let saved = saved_state();
    let step = (saved.len() / 2_000).max(1);
    for cut in (0..saved.len()).step_by(step) {
        if !saved.is_char_boundary(cut) {
            continue;
        }
        assert!(!load_and_use(&saved[..cut]), "a state cut at {cut} loaded");
    }
}

#[test]
fn a_newer_or_missing_format_is_a_typed_error() {
    let saved = saved_state();
    for (format, needle) in [
        ("4", "format 4"),
        ("4294967295", "format 4294967295"),
        ("0", "format 0"),
    ] {
        let newer = saved.replacen("\"format\":3", &format!("\"format\":{format}"), 1);
        let err = serde_json::from_str::<Engine>(&newer).unwrap_err();
        assert!(err.to_string().contains(needle), "{err}");
        assert!(err.to_string().contains("reads formats 2 to 3"), "{err}");
    }
    for broken in [
        saved.replacen("\"format\":3,", "", 1),
        saved.replacen("\"format\":3", "\"format\":\"1\"", 1),
        saved.replacen("\"format\":3", "\"format\":-1", 1),
        saved.replacen("\"window_days\"", "\"window_dayz\"", 1),
        saved.replacen("\"state\":", "\"stat\":", 1),
        "{}".to_owned(),
        "null".to_owned(),
        "[]".to_owned(),
    ] {
        assert!(serde_json::from_str::<Engine>(&broken).is_err());
    }
    // A valid configuration is still validated: window_days 0 is refused.
    let invalid = saved.replacen("\"window_days\":28", "\"window_days\":0", 1);
    assert_ne!(invalid, saved);
    let err = serde_json::from_str::<Engine>(&invalid).unwrap_err();
    assert!(err.to_string().contains("window_days"), "{err}");
}

/// Replaces the value of the first `"key":` after `after` with `with`.
fn corrupt_after(saved: &str, after: &str, key: &str, with: &str) -> String {
    let from = saved.find(after).expect("marker present") + after.len();
    let at = from
        + saved[from..]
            .find(&format!("\"{key}\":"))
            .expect("key present")
        + key.len()
        + 3;
    let end = at + saved[at..].find([',', '}']).expect("value ends");
    format!("{}{with}{}", &saved[..at], &saved[end..])
}

// Three corruptions that once loaded (the load-time checks accepted them) and then panicked
// in `Engine::snapshot`, found by `fuzz_state_load_numbers` and the `state_load`
// fuzz target; the checks of `src/engine/saved/check.rs` now refuse them at load time.

#[test]
fn a_cell_naming_no_account_is_refused_at_load() {
    let saved = saved_state();
    let bad = corrupt_after(&saved, "\"cells\":[", "account", "4294967294");
    assert_ne!(bad, saved);
    assert!(!load_and_use(&bad), "a corrupt cell account loaded");
}

#[test]
fn a_usage_cell_of_an_unknown_metric_is_refused_at_load() {
    let saved = saved_state();
    let bad = corrupt_after(&saved, "\"usage\":[", "metric", "200");
    assert_ne!(bad, saved);
    assert!(!load_and_use(&bad), "a corrupt usage metric loaded");
}

#[test]
fn a_usage_cell_naming_no_account_is_refused_at_load() {
    let saved = saved_state();
    let bad = corrupt_after(&saved, "\"usage\":[", "account", "4294967294");
    assert_ne!(bad, saved);
    assert!(!load_and_use(&bad), "a corrupt usage account loaded");
}

// ---------------------------------------------------------------------------
// Bounded-time versions of the fuzz targets (fuzz/fuzz_targets/*.rs)

/// Replaces the `n`-th number in JSON text with `with`.
fn replace_number(text: &str, n: usize, with: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut seen = 0;
    let mut in_string = false;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            if b == b'\\' {
                i += 1;
            } else if b == b'"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        if b == b'"' {
            in_string = true;
            i += 1;
            continue;
        }
        if b == b'-' || b.is_ascii_digit() {
            let start = i;
            while i < bytes.len()
                && (bytes[i] == b'-'
                    || bytes[i] == b'.'
                    || bytes[i] == b'e'
                    || bytes[i] == b'E'
                    || bytes[i] == b'+'
                    || bytes[i].is_ascii_digit())
            {
                i += 1;
            }
            if seen == n {
                return Some(format!("{}{with}{}", &text[..start], &text[i..]));
            }
            seen += 1;
            continue;
        }
        i += 1;
    }
    None
}

fn extreme_number() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("0".to_owned()),
        Just("-1".to_owned()),
        Just("1".to_owned()),
        Just("255".to_owned()),
        Just("65535".to_owned()),
        Just("4294967294".to_owned()),
        Just("4294967295".to_owned()),
        Just("2147483647".to_owned()),
        Just("-2147483648".to_owned()),
        Just("9223372036854775807".to_owned()),
        Just("-9223372036854775808".to_owned()),
        Just("18446744073709551615".to_owned()),
        Just("1e400".to_owned()),
        Just("0.5".to_owned()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u32>().prop_map(|n| n.to_string()),
        any::<i32>().prop_map(|n| n.to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases_or(64), failure_persistence: None, ..ProptestConfig::default() })]

    /// fuzz target `json_ingest`: any bytes as NDJSON.
    #[test]
    fn fuzz_json_ingest(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let mut engine = engine();
        let mut report = IngestReport::default();
        engine.ingest_ndjson_bytes(&bytes, 1, &mut report);
        prop_assert_eq!(report.total(), non_blank_lines(&bytes));
        let _ = engine.snapshot(day());
    }

    /// fuzz target `json_ingest`, seeded with real calls cut and spliced at random.
    #[test]
    fn fuzz_json_ingest_spliced(cuts in proptest::collection::vec((0..400usize, 0..400usize, any::<u8>()), 1..16)) {
        let lines: Vec<String> = sample_calls().iter().take(400).map(Call::to_json).collect();
        let mut text = Vec::new();
        for (a, b, byte) in cuts {
            let (x, y) = (&lines[a % lines.len()], &lines[b % lines.len()]);
            let (i, j) = (usize::from(byte) % x.len(), usize::from(byte) % y.len());
            text.extend_from_slice(&x.as_bytes()[..i]);
            text.push(byte);
            text.extend_from_slice(&y.as_bytes()[j..]);
            text.push(b'\n');
        }
        let mut engine = engine();
        let mut report = IngestReport::default();
        engine.ingest_ndjson_bytes(&text, 1, &mut report);
        prop_assert_eq!(report.total(), non_blank_lines(&text));
        let _ = snapshots(&engine);
    }

    /// fuzz target `rule_parse`: any text; a rule that parses prints to text that
    /// parses to the same rule, and compiles or fails without panicking.
    #[test]
    fn fuzz_rule_parse(text in prop_oneof![
        ".{0,64}",
        proptest::collection::vec(prop_oneof![
            Just("engagement_score"), Just("account.plan"), Just("traits.role"), Just("features_used"),
            Just("last_seen_at"), Just("("), Just(")"), Just("["), Just("]"), Just(","), Just("and"),
            Just("or"), Just("not"), Just("<"), Just(">="), Just("="), Just("!="), Just("in"),
            Just("contains"), Just("starts_with"), Just("is set"), Just("between"), Just("within"),
            Just("days"), Just("before"), Just("ago"), Just("+"), Just("-"), Just("*"), Just("/"),
            Just("%"), Just("25"), Just("0.2"), Just("-3"), Just("1e400"), Just("2026-01-01"),
            Just("2026-01-01T10:00:00Z"), Just("\"pro\""), Just("\"\\u{e9}\""), Just("true"),
            Just("null"), Just("if"), Just("min"), Just("substr"), Just("`odd name`"),
        ], 0..24).prop_map(|t| t.join(" ")),
    ]) {
        let snap = sample_snapshot();
        let record = &snap.users()[0];
        let account = snap.accounts()[0].schema().clone();
        if let Ok(rule) = Rule::parse(&text) {
            let printed = rule.to_string();
            let again = Rule::parse(&printed);
            prop_assert!(again.is_ok(), "{} printed as {} which fails: {:?}", text, printed, again);
            prop_assert_eq!(again.unwrap(), rule.clone());
            let ctx = RuleContext::new(record.schema().clone()).with_account(account);
            if let Ok(compiled) = rule.compile(&ctx) {
                let _ = compiled.eval(&EvalInput::new(record, day()));
            }
        }
        if let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) {
            let _ = Rule::from_json_logic(&json);
        }
    }

    /// fuzz target `state_load`: a saved state with bytes flipped.
    #[test]
    fn fuzz_state_load_byte_flips(flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4)) {
        let saved = saved_state();
        let mut bytes = saved.into_bytes();
        for (at, byte) in flips {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        if let Ok(text) = std::str::from_utf8(&bytes) {
            load_and_use(text);
        }
    }

    /// fuzz target `state_load`: a saved state with numbers replaced by extreme values
    /// (ids, days, counts, lengths), the corruption a byte flip rarely reaches.
    #[test]
    fn fuzz_state_load_numbers(edits in proptest::collection::vec((0..6_000usize, extreme_number()), 1..4)) {
        let mut text = saved_state();
        for (n, with) in edits {
            if let Some(t) = replace_number(&text, n, &with) {
                text = t;
            }
        }
        load_and_use(&text);
    }
}

fn sample_snapshot() -> &'static Snapshot {
    static SNAPSHOT: std::sync::OnceLock<Snapshot> = std::sync::OnceLock::new();
    SNAPSHOT.get_or_init(|| {
        let mut engine = engine();
        for call in sample_calls().iter().take(200) {
            engine.ingest(call).unwrap();
        }
        engine.snapshot(day())
    })
}
