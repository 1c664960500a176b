//! Loading engine state: never a panic. The input is either raw bytes (first byte
//! even) or edits (position, byte) applied to a real saved state (first byte odd),
//! so the fuzzer reaches both the JSON layer and the integrity checks behind it. A
//! state that loads must snapshot without panicking and save to bytes that load.
//! The bounded-time versions are `tests/it/hostile.rs::fuzz_state_load_*`.
#![no_main]

use std::sync::OnceLock;

use chrono::{Duration, NaiveDate};
use libfuzzer_sys::fuzz_target;
use pulsecheck::Engine;
use pulsecheck::sample::{self, Sample};

fn saved() -> &'static [u8] {
    static SAVED: OnceLock<Vec<u8>> = OnceLock::new();
    SAVED.get_or_init(|| {
        let mut engine = Engine::new(sample::config()).expect("the sample config is valid");
        for call in Sample::new()
            .accounts(2)
            .users_per_account(3)
            .days(30)
            .calls()
            .take(300)
        {
            let _ = engine.ingest(&call);
        }
        serde_json::to_vec(&engine).expect("an engine serializes")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let bytes: Vec<u8> = if mode % 2 == 0 {
        rest.to_vec()
    } else {
        let mut state = saved().to_vec();
        for edit in rest.chunks_exact(3) {
            let at = usize::from(u16::from_le_bytes([edit[0], edit[1]])) * 7 % state.len();
            state[at] = edit[2];
        }
        state
    };
    if let Ok(engine) = serde_json::from_slice::<Engine>(&bytes) {
        let day = NaiveDate::from_ymd_opt(2026, 10, 31).expect("a valid date");
        for back in [0, 9, 40] {
            let _ = engine.snapshot(day - Duration::days(back));
        }
        let again = serde_json::to_vec(&engine).expect("a loaded engine serializes");
        assert!(
            serde_json::from_slice::<Engine>(&again).is_ok(),
            "a saved engine loads"
        );
    }
});
