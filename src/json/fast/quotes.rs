//! The quote index of a short line, and the eight-bytes-at-a-time search for the
//! bytes that end a string.

/// Lines up to this long get a [`Quotes`] index.
pub(super) const INDEXED: usize = 1024;

/// The positions of the quotes of a line that holds no backslash and no control
/// character, found before the walk in one pass over 8-byte words with no
/// dependency from one word to the next. In such a line every quote opens or
/// closes a string, so the walk takes each string's end from here instead of
/// searching for it: the search would sit on the walk's critical path (each
/// string's end decides where the next token starts), the index does not.
pub(super) struct Quotes {
    /// One bit per byte of the line.
    pub(super) words: [u64; INDEXED / 64],
    /// Whether the index is in use (a short line with no backslash or control byte).
    pub(super) on: bool,
    /// The word being consumed, and the bits of it left.
    pub(super) word: usize,
    pub(super) bits: u64,
}

impl Quotes {
    /// Indexes `bytes` (in place: the index is too large to move around cheaply).
    pub(super) fn index(&mut self, bytes: &[u8]) {
        if bytes.len() > INDEXED {
            return;
        }
        let mut odd = false;
        let blocks = bytes.chunks_exact(64);
        let rest = blocks.remainder();
        for (word, block) in self.words.iter_mut().zip(blocks) {
            let (quotes, o) = block_quotes(block.try_into().unwrap_or(&[0; 64]));
            *word = quotes;
            odd |= o;
        }
        if !rest.is_empty() {
            let (quotes, o) = match bytes.len().checked_sub(64) {
                // The last 64 bytes (overlapping the previous block), shifted so
                // that the first bit is the first byte after the full blocks.
                Some(start) => {
                    let block = bytes[start..].try_into().unwrap_or(&[0; 64]);
                    let (quotes, o) = block_quotes(block);
                    (quotes >> (64 - rest.len()), o)
                }
                None => {
                    // Padded with spaces: neither quotes nor control characters.
                    let mut last = [b' '; 64];
                    last[..rest.len()].copy_from_slice(rest);
                    block_quotes(&last)
                }
            };
            // A partial block exists only below `INDEXED`, so its word does too.
            self.words[(bytes.len() / 64).min(INDEXED / 64 - 1)] = quotes;
            odd |= o;
        }
        self.on = !odd;
        self.bits = self.words[0];
    }

    /// The position of the next quote.
    #[inline(always)]
    pub(super) fn next(&mut self) -> Option<usize> {
        while self.bits == 0 {
            self.word += 1;
            self.bits = *self.words.get(self.word)?;
        }
        let at = self.word * 64 + self.bits.trailing_zeros() as usize;
        self.bits &= self.bits - 1;
        Some(at)
    }
}

/// The quotes of a 64-byte block, one bit per byte, and whether it holds a
/// backslash or a control character. Written as plain per-byte loops that the
/// compiler turns into vector compares (SSE2 on any x86-64); the quote flags are
/// then packed eight bytes at a time.
#[inline(always)]
pub(super) fn block_quotes(block: &[u8; 64]) -> (u64, bool) {
    let mut is_quote = [0u8; 64];
    let mut odd = 0u8;
    for (flag, &b) in is_quote.iter_mut().zip(block) {
        *flag = u8::from(b == b'"');
        odd |= u8::from(b == b'\\') | u8::from(b < 0x20);
    }
    let mut quotes = 0u64;
    for (k, flags) in is_quote.chunks_exact(8).enumerate() {
        let flags = u64::from_le_bytes(flags.try_into().unwrap_or_default());
        quotes |= gather(flags << 7) << (8 * k);
    }
    (quotes, odd != 0)
}

/// The high bits of a word's bytes (bits 7, 15, …, 63) as eight low bits.
#[inline(always)]
pub(super) fn gather(high_bits: u64) -> u64 {
    ((high_bits >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

/// The high bit of each byte of `word` that is `"`, `\` or below 0x20, plus
/// possibly some bytes above (later than) such a byte: the classic SWAR tests (a
/// zero byte after XOR; a byte below a bound), whose borrows only run upwards, so
/// the lowest flag is always exact.
#[inline]
pub(super) fn special(word: u64) -> u64 {
    pub(super) const ONES: u64 = u64::from_le_bytes([1; 8]);
    pub(super) const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let quote = zero(word ^ (ONES * u64::from(b'"')));
    let backslash = zero(word ^ (ONES * u64::from(b'\\')));
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    quote | backslash | control
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gather_collects_the_high_bits() {
        for bits in 0..=255u64 {
            let spread: u64 = (0..8)
                .filter(|k| bits >> k & 1 == 1)
                .map(|k| 0x80 << (8 * k))
                .sum();
            assert_eq!(gather(spread), bits);
        }
    }

    #[test]
    fn block_quotes_are_exact() {
        let mut block = [b'a'; 64];
        for (i, b) in (0..=255u8).cycle().take(64 * 4).enumerate() {
            block[(i * 7) % 64] = b;
            let (quotes, odd) = block_quotes(&block);
            let expect: u64 = (0..64)
                .filter(|&k| block[k] == b'"')
                .map(|k| 1u64 << k)
                .sum();
            assert_eq!(quotes, expect);
            assert_eq!(odd, block.iter().any(|&b| b == b'\\' || b < 0x20));
        }
    }

    #[test]
    fn the_quote_index_lists_every_quote() {
        let mut seed = 7u64;
        for len in (0..=260).chain(1000..=1030) {
            for odd in [None, Some(b'\\'), Some(b'\n')] {
                let mut bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                        b"ab\" \x7f#"[(seed >> 60) as usize % 6]
                    })
                    .collect();
                if let (Some(b), Some(last)) = (odd, bytes.last_mut()) {
                    *last = b;
                }
                let mut quotes = Quotes {
                    words: [0; INDEXED / 64],
                    on: false,
                    word: 0,
                    bits: 0,
                };
                quotes.index(&bytes);
                let expect_on = len <= INDEXED && !bytes.iter().any(|&b| b == b'\\' || b < 0x20);
                assert_eq!(quotes.on, expect_on, "{len}");
                if expect_on {
                    let expect: Vec<usize> = (0..len).filter(|&i| bytes[i] == b'"').collect();
                    let got: Vec<usize> = std::iter::from_fn(|| quotes.next()).collect();
                    assert_eq!(got, expect, "{len}");
                }
            }
        }
    }
}
