//! The fixed fingerprint of a `messageId`: saved states hold these keys, so it must
//! hash the same on every machine and run, and never change between versions.

/// A 64-bit fingerprint of a byte string, eight bytes at a time, finished with a
/// strong mixer. Message ids are fingerprinted per sender, so a false duplicate
/// needs two of one sender's ids to collide: about k²/2⁶⁵ for k ids, never in practice.
pub(crate) fn fingerprint64(bytes: &[u8]) -> u64 {
    let mut h: u64 =
        0x243f_6a88_85a3_08d3 ^ (bytes.len() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = (h ^ u64::from_le_bytes(word))
            .wrapping_mul(0xff51_afd7_ed55_8ccd)
            .rotate_left(29);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let word = tail_word(bytes, rest);
        h = (h ^ word)
            .wrapping_mul(0xc4ce_b9fe_1a85_ec53)
            .rotate_left(31);
    }
    mix64(h)
}

/// The zero-padded little-endian word of `rest`, the last `1..8` bytes of
/// `bytes`. Built from whole-word reads where `bytes` allows: a variable-length
/// copy into a buffer would be a call to `memcpy`, and a byte-by-byte fold is
/// most of the cost of a short id.
#[inline]
fn tail_word(bytes: &[u8], rest: &[u8]) -> u64 {
    let n = rest.len();
    if bytes.len() >= 8 {
        // The last eight bytes, the ones before `rest` shifted out.
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[bytes.len() - 8..]);
        u64::from_le_bytes(word) >> (8 * (8 - n))
    } else if n >= 4 {
        // Two overlapping four-byte reads; the overlap ORs equal bytes.
        let mut lo = [0u8; 4];
        lo.copy_from_slice(&rest[..4]);
        let mut hi = [0u8; 4];
        hi.copy_from_slice(&rest[n - 4..]);
        u64::from(u32::from_le_bytes(lo)) | u64::from(u32::from_le_bytes(hi)) << (8 * (n - 4))
    } else {
        rest.iter()
            .enumerate()
            .fold(0u64, |w, (i, &b)| w | u64::from(b) << (8 * i))
    }
}

/// SplitMix64's finaliser: every input bit affects every output bit.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_differ_for_near_ids() {
        let mut seen = std::collections::HashSet::new();
        for i in 0..100_000u32 {
            assert!(seen.insert(fingerprint64(format!("msg-{i}").as_bytes())));
        }
        assert_ne!(fingerprint64(b""), fingerprint64(b"\0"));
        assert_ne!(fingerprint64(b"12345678"), fingerprint64(b"123456780"));
    }

    #[test]
    fn the_tail_word_is_the_padded_bytes() {
        let text: Vec<u8> = (1..=40u8).map(|b| b.wrapping_mul(37)).collect();
        for len in 0..text.len() {
            let bytes = &text[..len];
            let rest = &bytes[len - len % 8..];
            if rest.is_empty() {
                continue;
            }
            let fold = rest
                .iter()
                .enumerate()
                .fold(0u64, |w, (i, &b)| w | u64::from(b) << (8 * i));
            assert_eq!(tail_word(bytes, rest), fold, "{len}");
        }
    }

    /// Saved states hold these keys, so the function must never change: the values
    /// were computed with the code that has written format-2 states since then.
    #[test]
    fn fingerprints_are_stable_across_versions() {
        let pinned: [(&[u8], u64); 12] = [
            (b"", 0xe9e0033e3badaf36),
            (b"a", 0xca63e792fbfb6941),
            (b"ab", 0xb1cb6d76ebb35a1e),
            (b"abc", 0xc9d0c53e6cb5a22e),
            (b"abcd", 0x026985d82da77c96),
            (b"abcde", 0x3f88440f9be2e897),
            (b"abcdef", 0x0e12a55df252efbc),
            (b"abcdefg", 0xf0dcb546c657cdf6),
            (b"abcdefgh", 0x2fb5c63e608d06f3),
            (b"abcdefghi", 0xeb8c0126978e16f4),
            (b"m-0000000042-000017", 0xdc0385f956ad21cb),
            (b"0b6a2f4e-7d1c-4a8e-9f3b-2c5d8e1a7b90", 0xee664b444bfe9d2e),
        ];
        for (bytes, fingerprint) in pinned {
            assert_eq!(fingerprint64(bytes), fingerprint, "{bytes:?}");
        }
    }
}
