//! Any text as a rule: parsing never panics; a rule that parses prints to text that
//! parses to the same rule; compiling against the real user schema and evaluating
//! never panic. Text that is JSON is also tried as JsonLogic.
//! The bounded-time version is `tests/it/hostile.rs::fuzz_rule_parse`.
#![no_main]

use std::sync::OnceLock;

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use pulsecheck::rule::{EvalInput, Rule, RuleContext};
use pulsecheck::sample::{self, Sample};
use pulsecheck::{Engine, Snapshot};

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 10, 31).expect("a valid date")
}

fn snapshot() -> &'static Snapshot {
    static SNAPSHOT: OnceLock<Snapshot> = OnceLock::new();
    SNAPSHOT.get_or_init(|| {
        let mut engine = Engine::new(sample::config()).expect("the sample config is valid");
        for call in Sample::new()
            .accounts(2)
            .users_per_account(3)
            .days(30)
            .calls()
        {
            let _ = engine.ingest(&call);
        }
        engine.snapshot(day())
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let snap = snapshot();
    if let Ok(rule) = Rule::parse(text) {
        let printed = rule.to_string();
        let again = Rule::parse(&printed).expect("a printed rule parses");
        assert_eq!(again, rule, "{text:?} printed as {printed:?}");
        let record = &snap.users()[0];
        let ctx = RuleContext::new(record.schema().clone())
            .with_account(snap.accounts()[0].schema().clone());
        if let Ok(compiled) = rule.compile(&ctx) {
            let _ = compiled.eval(&EvalInput::new(record, day()));
        }
    }
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(text) {
        let _ = Rule::from_json_logic(&json);
    }
});
