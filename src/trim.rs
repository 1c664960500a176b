//! Small text helpers for the ingest paths (typed and JSON).

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

/// Whether `s` is empty or all whitespace (`str::trim`'s notion), answered from
/// the first byte when that is plainly not whitespace.
#[inline]
pub(crate) fn is_blank(s: &str) -> bool {
    match s.as_bytes().first() {
        None => true,
        Some(&b) if b.is_ascii() && !matches!(b, b'\t'..=b'\r' | b' ') => false,
        Some(_) => s.trim().is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::{is_blank, trim};

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
            assert_eq!(is_blank(s), s.trim().is_empty(), "{s:?}");
        }
    }
}
