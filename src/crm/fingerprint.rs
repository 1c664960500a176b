//! Stable 64-bit fingerprints of property values.
//!
//! Fingerprints are persisted in the sync state, so they must not change between runs,
//! platforms or compiler versions: the bytes fed are spelled out here (little-endian,
//! tagged, length-prefixed) instead of going through `std::hash::Hash`, whose byte
//! layout is unspecified. The mixing step (rotate, xor, multiply by an odd constant)
//! is a bijection of the state for a fixed input tail, so two values differing in a
//! single word can never collide; the final avalanche is a bijection too.

use crate::value::Value;

const K: u64 = 0x9E37_79B9_7F4A_7C15;

#[derive(Clone, Copy)]
pub(crate) struct Fp(u64);

impl Fp {
    pub(crate) fn new(seed: u64) -> Fp {
        Fp(seed ^ 0x2545_F491_4F6C_DD1D)
    }

    #[inline]
    pub(crate) fn word(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(23) ^ w).wrapping_mul(K);
    }

    #[inline]
    pub(crate) fn bytes(&mut self, b: &[u8]) {
        let mut chunks = b.chunks_exact(8);
        for c in &mut chunks {
            let mut a = [0u8; 8];
            a.copy_from_slice(c);
            self.word(u64::from_le_bytes(a));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut a = [0u8; 8];
            a[..rest.len()].copy_from_slice(rest);
            self.word(u64::from_le_bytes(a));
        }
    }

    /// A string, length-prefixed so that `("ab","c")` and `("a","bc")` differ.
    #[inline]
    pub(crate) fn str(&mut self, s: &str) {
        self.word(s.len() as u64);
        self.bytes(s.as_bytes());
    }

    pub(crate) fn finish(self) -> u64 {
        fmix(self.0)
    }
}

/// MurmurHash3's 64-bit finalizer: spreads every input bit over the output.
#[inline]
pub(crate) fn fmix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// The fingerprint of a CRM name (schema names are fingerprinted once per diff).
pub(crate) fn name_fp_parts(parts: &[&str]) -> u64 {
    let mut fp = Fp::new(1);
    let len: usize = parts.iter().map(|p| p.len()).sum();
    fp.word(len as u64);
    // Parts are fed as one byte stream so that a prefixed name and the same name
    // spelled out by an explicit mapping fingerprint alike.
    let mut buf = [0u8; 8];
    let mut filled = 0;
    for part in parts {
        for &b in part.as_bytes() {
            buf[filled] = b;
            filled += 1;
            if filled == 8 {
                fp.word(u64::from_le_bytes(buf));
                buf = [0u8; 8];
                filled = 0;
            }
        }
    }
    if filled > 0 {
        fp.word(u64::from_le_bytes(buf));
    }
    fp.finish()
}

/// The fingerprint of a value as the CRM would see it: equal values that encode the
/// same way (`Decimal` 1.50 and 1.5; datetimes equal to the millisecond) agree.
pub(crate) fn value_fp(v: &Value) -> u64 {
    let mut fp = Fp::new(2);
    feed(&mut fp, v);
    fp.finish()
}

pub(crate) fn feed(fp: &mut Fp, v: &Value) {
    match v {
        Value::Null => fp.word(0),
        Value::Bool(b) => fp.word(if *b { 0x11 } else { 0x10 }),
        Value::Int(i) => {
            fp.word(2);
            fp.word(*i as u64);
        }
        Value::Number(n) => {
            fp.word(3);
            // -0.0 and 0.0 are the same number to a CRM.
            let n = if *n == 0.0 { 0.0 } else { *n };
            fp.word(n.to_bits());
        }
        Value::Decimal(d) => {
            fp.word(4);
            fp.bytes(&d.normalize().serialize());
        }
        Value::String(s) => {
            fp.word(5);
            fp.str(s);
        }
        Value::Date(d) => {
            fp.word(6);
            fp.word(i64::from(chrono::Datelike::num_days_from_ce(d)) as u64);
        }
        Value::DateTime(t) => {
            fp.word(7);
            fp.word(t.timestamp_millis() as u64);
        }
        Value::List(items) => {
            fp.word(8);
            fp.word(items.len() as u64);
            for item in items {
                feed(fp, item);
            }
        }
        Value::Map(map) => {
            fp.word(9);
            fp.word(map.len() as u64);
            for (k, item) in map.iter() {
                fp.str(k);
                feed(fp, item);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    #[test]
    fn stable_known_values() {
        // Persisted states depend on these staying put.
        let a = value_fp(&Value::Int(42));
        assert_eq!(a, value_fp(&Value::Int(42)));
        assert_ne!(a, value_fp(&Value::Int(43)));
        assert_ne!(value_fp(&Value::Int(1)), value_fp(&Value::Number(1.0)));
        assert_eq!(
            value_fp(&Value::Decimal(Decimal::new(150, 2))),
            value_fp(&Value::Decimal(Decimal::new(15, 1)))
        );
        assert_eq!(
            name_fp_parts(&["pc_", "score", ""]),
            name_fp_parts(&["pc_score"])
        );
        assert_ne!(name_fp_parts(&["pc_score"]), name_fp_parts(&["pc_scora"]));
        assert_ne!(
            value_fp(&Value::string_list(["ab", "c"])),
            value_fp(&Value::string_list(["a", "bc"]))
        );
    }
}

/// A 128-bit fingerprint of a record key, seeded per process.
///
/// The sync state and the duplicate check index records by it instead of by the key
/// string: a lookup then touches one hash-table slot, not the slot plus the key's
/// heap allocation (at a million records that second cache miss was a third of the
/// diff). 128 bits make an accidental collision among even billions of keys
/// negligible, and the random seed keeps crafted collisions (or hash flooding) out
/// of reach. Never persisted: the state stores key strings and re-derives these.
pub(crate) fn key_fp(key: &str) -> u128 {
    let seed = *KEY_SEED.get_or_init(|| {
        use std::hash::{BuildHasher, Hasher};
        std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
    });
    let mut a = Fp::new(seed);
    let mut b = Fp::new(seed.rotate_left(32) ^ 0x6A09_E667_F3BC_C908);
    a.str(key);
    b.word(0x5851_F42D_4C95_7F2D);
    b.str(key);
    (u128::from(a.finish()) << 64) | u128::from(b.finish())
}

static KEY_SEED: std::sync::OnceLock<u64> = std::sync::OnceLock::new();

/// A hasher for tables keyed by [`key_fp`] values, which are already seeded and
/// well mixed.
#[derive(Default, Clone, Copy)]
pub(crate) struct PassThrough(u64);

impl std::hash::Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u128(&mut self, n: u128) {
        self.0 = (n as u64) ^ ((n >> 64) as u64);
    }
}

/// Build hasher for [`PassThrough`].
pub(crate) type FpBuild = std::hash::BuildHasherDefault<PassThrough>;
