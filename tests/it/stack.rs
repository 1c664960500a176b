//! Rules at the depth limit work on a thread with a 64 KiB stack (musl gives its
//! threads 128 KiB): parsed, checked, compiled, evaluated, printed and dropped,
//! or refused with an error, never a stack overflow.

use std::sync::Arc;

use chrono::NaiveDate;
use pulsecheck::rule::{EvalInput, Rule, RuleContext};
use pulsecheck::{PropertyType, Record, RecordKind, Schema, Value};

const STACK: usize = 64 * 1024;

/// Runs `f` on a thread with a 64 KiB stack and returns what it returns.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(f)
        .expect("a thread starts")
        .join()
        .expect("no panic (a stack overflow aborts the process instead)")
}

fn record() -> Record {
    let schema = Arc::new(
        Schema::new(RecordKind::User)
            .with("engagement_score", PropertyType::Int)
            .with("active", PropertyType::Bool),
    );
    let mut record = Record::new(schema, "u1");
    record.set("engagement_score", Value::Int(40));
    record.set("active", Value::Bool(true));
    record
}

/// Rule shapes nested `n` levels: `(text, value it evaluates to)`.
fn shapes(n: usize) -> [(String, bool); 4] {
    [
        (format!("{}active", "not ".repeat(n)), n.is_multiple_of(2)),
        (
            format!("{}engagement_score > 1{}", "(".repeat(n), ")".repeat(n)),
            true,
        ),
        (
            format!(
                "{}engagement_score{} = {}",
                "(1 + ".repeat(n),
                ")".repeat(n),
                40 + n
            ),
            true,
        ),
        (
            format!(
                "{}active{}",
                "(engagement_score < 0 or ".repeat(n),
                ")".repeat(n)
            ),
            true,
        ),
    ]
}

/// The deepest rule of each shape the parser accepts by default, and the same
/// one level deeper.
fn deep_rules() -> Vec<(String, bool, bool)> {
    let mut rules = Vec::new();
    for shape in 0..4 {
        let accepted = |n: usize| Rule::parse(&shapes(n)[shape].0).is_ok();
        let deepest = (1..1_000)
            .take_while(|&n| accepted(n))
            .last()
            .expect("shallow rules parse");
        assert!(deepest >= 30, "shape {shape}: only {deepest} levels");
        for (n, ok) in [(deepest, true), (deepest + 1, false)] {
            let (text, value) = shapes(n)[shape].clone();
            rules.push((text, value, ok));
        }
    }
    rules
}

fn exercise(text: &str, expected: bool) -> Result<(), String> {
    let rule = Rule::parse(text).map_err(|e| e.to_string())?;
    let printed = rule.to_string();
    let again = Rule::parse(&printed).map_err(|e| e.to_string())?;
    assert_eq!(again, rule);
    let record = record();
    let compiled = rule
        .compile(&RuleContext::new(record.schema().clone()))
        .map_err(|e| e.to_string())?;
    let day = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
    assert_eq!(
        compiled.eval(&EvalInput::new(&record, day)),
        expected,
        "{text}"
    );
    let cloned = rule.clone();
    drop(rule);
    drop(cloned);
    drop(compiled);
    Ok(())
}

#[test]
fn rules_at_the_depth_limit_run_on_a_64_kib_stack() {
    for (text, expected, accepted) in deep_rules() {
        let shown = text.chars().take(40).collect::<String>();
        match on_small_stack(move || exercise(&text, expected)) {
            Ok(()) => assert!(accepted, "{shown}…: accepted one level past the limit"),
            Err(e) => {
                assert!(!accepted, "{shown}…: {e}");
                assert!(e.contains("deep"), "{shown}…: {e}");
            }
        }
    }
}

#[cfg(feature = "json")]
#[test]
fn json_logic_at_the_depth_limit_runs_on_a_64_kib_stack() {
    for depth in [32usize, 63, 64, 65, 120] {
        let text = format!(
            "{}{{\"var\":\"active\"}}{}",
            "{\"!\":".repeat(depth),
            "}".repeat(depth)
        );
        // serde_json's own parser and drop recurse too: they run on this thread.
        let json: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        let (json, outcome) = on_small_stack(move || {
            let outcome = match Rule::from_json_logic(&json) {
                Ok(rule) => exercise(&rule.to_string(), depth % 2 == 0),
                Err(e) => Err(e.to_string()),
            };
            (json, outcome)
        });
        drop(json);
        match outcome {
            Ok(()) => assert!(depth <= 64, "depth {depth} accepted"),
            Err(e) => assert!(e.contains("deep"), "depth {depth}: {e}"),
        }
    }
}
