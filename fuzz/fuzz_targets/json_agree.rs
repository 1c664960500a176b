//! Any bytes as Segment NDJSON, read by both JSON readers: the hand-written one
//! (`Engine::ingest_json`) and the serde-derive one it is checked against. Each
//! line the hand-written reader takes gives the serde-derive reader's call
//! (`readers::disagreement`), and two engines fed the same lines, one through
//! each reader, give the same outcome (or the same rejection) line by line and
//! end in the same state. The bounded-time version is the `*_match_the_serde_reader`
//! property tests of `tests/it/json_fast.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pulsecheck::{Engine, readers, sample};

fuzz_target!(|data: &[u8]| {
    let config = sample::config();
    let mut fast = Engine::new(config.clone()).expect("the sample config is valid");
    let mut serde = Engine::new(config).expect("the sample config is valid");
    for line in data.split(|&b| b == b'\n') {
        let Ok(line) = std::str::from_utf8(line) else {
            continue;
        };
        if let Some(why) = readers::disagreement(&fast, line) {
            panic!("the readers disagree on {line:?}: {why}");
        }
        let got = fast.ingest_json(line);
        let expected = readers::ingest_serde(&mut serde, line);
        assert_eq!(got, expected, "line {line:?}");
    }
    assert_eq!(
        serde_json::to_string(&fast).ok(),
        serde_json::to_string(&serde).ok(),
        "the same state"
    );
});
