//! What the unit tests share.

/// The number of cases a property test runs: `default`, or `PROPTEST_CASES` when
/// set (for longer runs; the seed is fixed in `.cargo/config.toml`).
pub(crate) fn cases_or(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
