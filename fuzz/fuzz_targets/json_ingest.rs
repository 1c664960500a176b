//! Any bytes as Segment NDJSON: every non-blank line is counted (accepted, duplicate
//! or rejected), nothing panics, and a snapshot of the result does not panic either.
//! The bounded-time version is `tests/it/hostile.rs::fuzz_json_ingest`.
#![no_main]

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use pulsecheck::{Engine, IngestReport, sample};

fuzz_target!(|data: &[u8]| {
    let mut engine = Engine::new(sample::config()).expect("the sample config is valid");
    let mut report = IngestReport::default();
    engine.ingest_ndjson_bytes(data, 1, &mut report);
    let lines = data
        .split(|&b| b == b'\n')
        .filter(|l| !String::from_utf8_lossy(l).trim().is_empty())
        .count() as u64;
    assert_eq!(report.total(), lines, "every non-blank line is counted");
    let day = NaiveDate::from_ymd_opt(2026, 10, 31).expect("a valid date");
    let _ = engine.snapshot(day);
});
