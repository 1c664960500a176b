//! Small text helpers for the ingest path.

/// `str::trim`, skipping the Unicode whitespace scan when both ends are visible
/// ASCII, as they are in nearly every id, event name and device type.
#[inline]
pub(crate) fn trim(s: &str) -> &str {
    let bytes = s.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) if first.is_ascii_graphic() && last.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

#[cfg(test)]
mod tests {
    use super::trim;

    #[test]
    fn trims_like_the_standard_library() {
        for s in [
            "",
            " ",
            "a",
            " a ",
            "\u{a0}a\u{2003}",
            "a b",
            "\ta\n",
            "é",
            " é",
            "a\u{85}",
        ] {
            assert_eq!(trim(s), s.trim(), "{s:?}");
        }
    }
}
