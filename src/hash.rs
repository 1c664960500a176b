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
pub(crate) type FxHashSet<K> = std::collections::HashSet<K, FxBuild>;

/// A 128-bit fingerprint of a byte string: two independent 64-bit lanes (FNV-1a and
/// a multiply-rotate lane) finished with a strong mixer. 2^-128 per pair makes a
/// false duplicate among billions of message ids a practical impossibility, at 16
/// bytes an id instead of the id itself.
pub(crate) fn fingerprint128(bytes: &[u8]) -> u128 {
    let mut a: u64 = 0xcbf2_9ce4_8422_2325;
    let mut b: u64 = 0x9e37_79b9_7f4a_7c15 ^ bytes.len() as u64;
    for &byte in bytes {
        a = (a ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        b = (b ^ u64::from(byte))
            .wrapping_mul(0xff51_afd7_ed55_8ccd)
            .rotate_left(29);
    }
    (u128::from(mix64(a)) << 64) | u128::from(mix64(b ^ a.rotate_left(32)))
}

/// A 64-bit fingerprint, for deterministic tie-breaks.
pub(crate) fn fingerprint64(bytes: &[u8]) -> u64 {
    fingerprint128(bytes) as u64
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
        let mut seen = FxHashSet::default();
        for i in 0..100_000u32 {
            assert!(seen.insert(fingerprint128(format!("msg-{i}").as_bytes())));
        }
        assert_ne!(fingerprint128(b""), fingerprint128(b"\0"));
    }
}
