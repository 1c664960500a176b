//! Stable 64-bit fingerprints of property values.
//!
//! Fingerprints are persisted in the sync state, so they must not change between
//! runs, platforms or compiler versions: the bytes fed are spelled out here
//! (little-endian, tagged, length-prefixed) instead of going through
//! `std::hash::Hash`, whose byte layout is unspecified, and the function is a
//! specified one, SipHash-1-3 under a fixed key, pinned by test vectors. Its
//! every output bit depends on every input bit through several rounds, so no
//! pair of inputs cancels out by construction (the mixing this replaced let a
//! flip of bit 63 of one word be undone by bit 22 of the next, whatever the
//! seed: the decimals 5 and 18014400656965637 shared a fingerprint).

use std::hash::Hasher;

use siphasher::sip::SipHasher13;
use siphasher::sip128::{Hasher128, SipHasher13 as SipHasher13x128};

use crate::value::Value;

/// The fixed key of persisted fingerprints (the first 128 bits of π's
/// fractional part). Changing it changes every saved fingerprint.
const KEY: (u64, u64) = (0x243F_6A88_85A3_08D3, 0x1319_8A2E_0370_7344);

/// A fingerprint being computed: SipHash-1-3 over a tagged byte stream.
///
/// Bytes are gathered 64 at a time before they reach the hasher: a record's
/// fingerprint feeds dozens of 8-byte words, and handing each to the hasher on its
/// own cost more than hashing them (the stream, hence the result, is the same).
#[derive(Clone)]
pub(crate) struct Fp {
    hasher: SipHasher13,
    buf: [u8; BUF],
    len: usize,
}

const BUF: usize = 64;

impl Fp {
    /// A fingerprint of the domain `domain` (values, names and records are fed
    /// under different first words, so they never share a fingerprint by accident).
    pub(crate) fn new(domain: u64) -> Fp {
        let mut fp = Fp {
            hasher: SipHasher13::new_with_keys(KEY.0, KEY.1),
            buf: [0; BUF],
            len: 0,
        };
        fp.word(domain);
        fp
    }

    #[inline]
    pub(crate) fn word(&mut self, w: u64) {
        self.bytes(&w.to_le_bytes());
    }

    #[inline]
    pub(crate) fn bytes(&mut self, b: &[u8]) {
        if self.len + b.len() > BUF {
            self.flush();
            if b.len() > BUF {
                self.hasher.write(b);
                return;
            }
        }
        self.buf[self.len..self.len + b.len()].copy_from_slice(b);
        self.len += b.len();
    }

    fn flush(&mut self) {
        self.hasher.write(&self.buf[..self.len]);
        self.len = 0;
    }

    /// A string, length-prefixed so that `("ab","c")` and `("a","bc")` differ.
    #[inline]
    pub(crate) fn str(&mut self, s: &str) {
        self.word(s.len() as u64);
        self.bytes(s.as_bytes());
    }

    pub(crate) fn finish(mut self) -> u64 {
        self.flush();
        self.hasher.finish()
    }
}

/// The fingerprint of a CRM name (schema names are fingerprinted once per diff).
pub(crate) fn name_fp_parts(parts: &[&str]) -> u64 {
    let mut fp = Fp::new(1);
    let len: usize = parts.iter().map(|p| p.len()).sum();
    fp.word(len as u64);
    // Parts are fed as one byte stream so that a prefixed name and the same name
    // spelled out by an explicit mapping fingerprint alike.
    for part in parts {
        fp.bytes(part.as_bytes());
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
    fn equal_values_agree_and_near_values_differ() {
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

    /// Gathering bytes before hashing changes nothing: any split of a stream
    /// gives the fingerprint of the whole stream hashed at once.
    #[test]
    fn any_split_of_the_stream_gives_the_same_fingerprint() {
        let stream: Vec<u8> = (0..300u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut whole = SipHasher13::new_with_keys(KEY.0, KEY.1);
        whole.write(&0u64.to_le_bytes());
        whole.write(&stream);
        let expected = whole.finish();
        for step in [1, 3, 8, 63, 64, 65, 200, 300] {
            let mut fp = Fp::new(0);
            for chunk in stream.chunks(step) {
                fp.bytes(chunk);
            }
            assert_eq!(fp.finish(), expected, "chunks of {step}");
        }
    }

    /// The pair the former mixing could not tell apart: a flip of bit 63 of one
    /// word cancelled by bit 22 of the next.
    #[test]
    fn the_crafted_decimal_pair_differs() {
        let five = Value::Decimal(Decimal::from(5));
        let crafted = Value::Decimal(Decimal::from(18_014_400_656_965_637_i64));
        assert_ne!(value_fp(&five), value_fp(&crafted));
    }

    /// Saved sync states hold these fingerprints: they must never change. The
    /// first two are SipHash-1-3 itself (key `KEY`, the bytes shown), so they
    /// pin the function, not only how values are fed to it.
    #[test]
    fn fingerprints_are_pinned() {
        let sip = |bytes: &[u8]| {
            let mut h = SipHasher13::new_with_keys(KEY.0, KEY.1);
            h.write(bytes);
            h.finish()
        };
        assert_eq!(sip(b""), PINNED[0]);
        assert_eq!(sip(b"pulsecheck"), PINNED[1]);
        let values = [
            value_fp(&Value::Null),
            value_fp(&Value::Bool(true)),
            value_fp(&Value::Int(42)),
            value_fp(&Value::Number(0.5)),
            value_fp(&Value::Decimal(Decimal::new(1999, 2))),
            value_fp(&Value::from("Ana")),
            value_fp(&Value::string_list(["reporting", "planning"])),
            name_fp_parts(&["pc_", "engagement_score"]),
        ];
        assert_eq!(values, PINNED[2..]);
    }

    /// Checked against an independent implementation of SipHash-1-3 (itself
    /// checked against the reference SipHash-2-4 vector): the first two, `Int(42)`
    /// (bytes: the words 2, 2, 42) and `"Ana"` (the words 2, 5, 3, then `Ana`).
    const PINNED: [u64; 10] = [
        0x4c5f_eac2_6ea3_9a00,
        0xa674_3b7d_b53a_22b9,
        0xf055_f82f_20cb_93f8,
        0x3424_1ca5_e370_d211,
        0x58ae_aeae_a27b_70f0,
        0x3ff2_540f_068a_bae9,
        0x54a9_8f8b_e549_d6fd,
        0x147a_780a_650a_163c,
        0x5702_6803_9186_adfb,
        0x6e47_714d_2512_4faa,
    ];
}

/// A 128-bit fingerprint of a record key, under a key drawn at random per process.
///
/// The sync state and the duplicate check index records by it instead of by the key
/// string: a lookup then touches one hash-table slot, not the slot plus the key's
/// heap allocation (at a million records that second cache miss was a third of the
/// diff). 128 bits of SipHash-1-3 make an accidental collision among even billions
/// of keys negligible, and the secret key keeps crafted collisions (or hash
/// flooding of the tables keyed by it) out of reach. Never persisted: the state
/// stores key strings and re-derives these.
pub(crate) fn key_fp(key: &str) -> u128 {
    let (k0, k1) = *KEY_SEED.get_or_init(|| {
        use std::hash::BuildHasher;
        let random = std::collections::hash_map::RandomState::new();
        (random.hash_one(0u8), random.hash_one(1u8))
    });
    let mut hasher = SipHasher13x128::new_with_keys(k0, k1);
    hasher.write(key.as_bytes());
    hasher.finish128().as_u128()
}

static KEY_SEED: std::sync::OnceLock<(u64, u64)> = std::sync::OnceLock::new();

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
