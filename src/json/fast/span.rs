//! Where a JSON string lies in the line, and its value when it holds escapes.

use std::num::NonZeroU64;

/// Where a JSON string's text (between the quotes) lies in the line, and whether
/// it holds escapes (validated, without lone surrogates), packed in one word: the
/// start in the low half, the end and the flag in the high half. One word so that
/// it moves in a register: as two fields, the copies the compiler made of an
/// `Option` of it stalled on store forwarding. Never zero (a string's text starts
/// after its quote), so `Option<Span>` is one word too.
#[derive(Debug, Clone, Copy)]
pub(super) struct Span(NonZeroU64);

/// The flag bit of a [`Span`]'s end (lines are checked to be shorter than 2 GiB).
pub(super) const ESCAPED: u32 = 1 << 31;

impl Span {
    /// `None` only for a span starting at 0, which no string has.
    #[inline(always)]
    pub(super) fn new(start: usize, end: usize, escaped: bool) -> Option<Span> {
        // Positions fit: `read_activity` refuses longer lines.
        let flag = if escaped { ESCAPED } else { 0 };
        let end = u64::from(end as u32 | flag);
        NonZeroU64::new(start as u64 | end << 32).map(Span)
    }

    #[inline(always)]
    pub(super) fn escaped(self) -> bool {
        (self.0.get() >> 32) as u32 & ESCAPED != 0
    }

    #[inline(always)]
    pub(super) fn range(self) -> std::ops::Range<usize> {
        let v = self.0.get();
        (v as u32) as usize..((v >> 32) as u32 & !ESCAPED) as usize
    }

    #[inline(always)]
    pub(super) fn len(self) -> usize {
        self.range().len()
    }
}

/// The value of a JSON string whose text (between the quotes, already validated)
/// holds escapes.
pub(super) fn unescape(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let b = rest.as_bytes();
        let (ch, used) = match b.get(i + 1)? {
            b'"' => ('"', 2),
            b'\\' => ('\\', 2),
            b'/' => ('/', 2),
            b'b' => ('\u{8}', 2),
            b'f' => ('\u{c}', 2),
            b'n' => ('\n', 2),
            b'r' => ('\r', 2),
            b't' => ('\t', 2),
            b'u' => {
                let hi = hex4(b.get(i + 2..i + 6)?)?;
                if (0xD800..0xDC00).contains(&hi) {
                    if b.get(i + 6..i + 8)? != b"\\u" {
                        return None;
                    }
                    let lo = hex4(b.get(i + 8..i + 12)?)?;
                    if !(0xDC00..0xE000).contains(&lo) {
                        return None;
                    }
                    let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                    (char::from_u32(c)?, 12)
                } else {
                    (char::from_u32(hi)?, 6)
                }
            }
            _ => return None,
        };
        out.push(ch);
        rest = &rest[i + used..];
    }
    out.push_str(rest);
    Some(out)
}

/// Four hex digits.
pub(super) fn hex4(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |acc, &d| {
        let v = (d as char).to_digit(16)?;
        Some(acc << 4 | v)
    })
}
