//! Fixed, seedless hashing: state must hash the same on every machine and run, so
//! serialized state and merges never depend on a random seed.

use std::hash::{BuildHasherDefault, Hasher};

/// A small multiplicative hasher (the rustc "Fx" design) for interned-id maps.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 56));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

pub(crate) type FxBuild = BuildHasherDefault<FxHasher>;
pub(crate) type FxHashMap<K, V> = std::collections::HashMap<K, V, FxBuild>;

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
        // The zero-padded little-endian word, byte by byte: a variable-length copy
        // into a buffer would be a call to `memcpy` on every message id.
        let word = rest
            .iter()
            .enumerate()
            .fold(0u64, |w, (i, &b)| w | u64::from(b) << (8 * i));
        h = (h ^ word)
            .wrapping_mul(0xc4ce_b9fe_1a85_ec53)
            .rotate_left(31);
    }
    mix64(h)
}

/// A hash of a name for the interner's table (the table takes its index from the
/// low bits and its tag from the high ones, so every bit must be mixed).
///
/// The design of wyhash: each 16 bytes are folded by one 64 × 64 → 128-bit
/// multiply; a name of up to 16 bytes (most ids and event names) costs a single
/// one plus the final mix. Not stored anywhere, so it may change between versions.
#[inline]
pub(crate) fn hash_name(bytes: &[u8]) -> u64 {
    const P0: u64 = 0xa076_1d64_78bd_642f;
    const P1: u64 = 0xe703_7ed1_a0b4_28db;
    const P2: u64 = 0x8ebc_6af0_9c88_c6e3;
    let len = bytes.len();
    let (a, b, seed) = if len <= 16 {
        let (a, b) = if len >= 8 {
            (word(bytes, 0), word(bytes, len - 8))
        } else if len >= 4 {
            (u64::from(half(bytes, 0)), u64::from(half(bytes, len - 4)))
        } else if len > 0 {
            let (first, middle, last) = (bytes[0], bytes[len / 2], bytes[len - 1]);
            (
                u64::from(first) << 16 | u64::from(middle) << 8 | u64::from(last),
                0,
            )
        } else {
            (0, 0)
        };
        (a, b, P0)
    } else {
        let mut seed = P0;
        let mut at = 0;
        while len - at > 16 {
            seed = mum(word(bytes, at) ^ P1, word(bytes, at + 8) ^ seed);
            at += 16;
        }
        (word(bytes, len - 16), word(bytes, len - 8), seed)
    };
    mum(P1 ^ len as u64, mum(a ^ P1, b ^ seed ^ P2))
}

/// The folded 128-bit product.
#[inline(always)]
fn mum(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    (product as u64) ^ ((product >> 64) as u64)
}

#[inline(always)]
fn word(bytes: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(w)
}

#[inline(always)]
fn half(bytes: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(w)
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

    #[test]
    fn name_hashes_differ_for_near_names_of_every_length() {
        let mut seen = std::collections::HashSet::new();
        for len in 0..40 {
            for i in 0..2_000u32 {
                let name: String = format!("{i:0>len$}");
                seen.insert((name.clone(), hash_name(name.as_bytes())));
            }
        }
        let distinct_names: std::collections::HashSet<&String> =
            seen.iter().map(|(n, _)| n).collect();
        let distinct_hashes: std::collections::HashSet<u64> =
            seen.iter().map(|&(_, h)| h).collect();
        assert_eq!(distinct_hashes.len(), distinct_names.len());
        // Both halves are used by the table: neither may be constant.
        let low: std::collections::HashSet<u32> =
            distinct_hashes.iter().map(|&h| h as u32 & 0xFFFF).collect();
        let high: std::collections::HashSet<u64> =
            distinct_hashes.iter().map(|&h| h >> 48).collect();
        assert!(
            low.len() > 30_000 && high.len() > 30_000,
            "{} {}",
            low.len(),
            high.len()
        );
        assert_ne!(hash_name(b""), hash_name(b"\0"));
    }
}
