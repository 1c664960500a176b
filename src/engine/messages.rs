//! The `messageId` fingerprints a sender has sent: the memory behind de-duplication.
//!
//! Each entry is a key of the call's day (16 bits, days since 1970 clamped to
//! `0..=65535`) above 48 bits of the `messageId` fingerprint. Copies of a message
//! carry the same timestamp, so they meet under the same key; the day in front lets
//! [`Engine::evict_before`](crate::Engine::evict_before) drop the fingerprints of
//! forgotten days with the days themselves, and keeps the keys of one sender
//! nearly sorted as time goes by. 48 bits per sender make a false duplicate
//! vanishingly rare (about n² / 2⁴⁹ for n messages from one sender on one day).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How many fingerprints wait unsorted before they are merged into the sorted run.
const TAIL: usize = 32;

/// The key a message is remembered under: its day above 48 bits of its fingerprint.
pub(crate) fn message_key(day: i32, fingerprint: u64) -> u64 {
    let day = day.clamp(0, i32::from(u16::MAX)) as u64;
    (day << 48) | (fingerprint & 0xFFFF_FFFF_FFFF)
}

/// The day a key was made with (see [`message_key`]).
fn day_of_key(key: u64) -> u64 {
    key >> 48
}

/// The first key of `day` (see [`message_key`]).
fn first_key_of(day: i32) -> u64 {
    message_key(day, 0)
}

/// A set of 8-byte `messageId` keys (see [`message_key`]).
///
/// The vector is a sorted run followed by a short unsorted tail. A key of the
/// run's last day or later (a sender's calls mostly come in time order) is
/// inserted into the run: only the keys of its own day can be greater, so it is
/// placed after a short walk back from the end and a short move (when at most
/// [`TAIL`] keys are greater). Any other key would move everything after it
/// (kilobytes for a heavy user), so it waits in the tail; when the tail is full it is sorted and merged into the run
/// in one linear pass. A lookup is then a binary search of the run plus a scan of
/// at most [`TAIL`] entries. Equality and serialization see the set, not the
/// layout.
#[derive(Debug, Clone, Default)]
pub(crate) struct MessageSet {
    items: Vec<u64>,
    sorted: usize,
}

impl MessageSet {
    /// Adds a fingerprint; `false` when it was already there (a duplicate).
    pub fn insert(&mut self, fingerprint: u64) -> bool {
        let (run, tail) = self.items.split_at(self.sorted);
        if tail.contains(&fingerprint) {
            return false;
        }
        // A key of the run's last day or later is placed in the run itself: the
        // keys greater than it are then only those of its own day, found by walking
        // back from the end, so a stream in time order never uses the tail. The
        // walk stops at `TAIL` keys: a sender with thousands of calls on one day
        // would otherwise move half of them for every call.
        if run
            .last()
            .is_none_or(|&last| day_of_key(fingerprint) >= day_of_key(last))
        {
            let greater = run
                .iter()
                .rev()
                .take(TAIL)
                .take_while(|&&k| k > fingerprint)
                .count();
            if greater < TAIL {
                let at = run.len() - greater;
                if at > 0 && run[at - 1] == fingerprint {
                    return false;
                }
                self.items.insert(at, fingerprint);
                self.sorted += 1;
                return true;
            }
        }
        if run.binary_search(&fingerprint).is_ok() {
            return false;
        }
        self.items.push(fingerprint);
        if self.items.len() - self.sorted >= TAIL {
            self.settle();
        }
        true
    }

    #[cfg(test)]
    fn contains(&self, fingerprint: u64) -> bool {
        let (run, tail) = self.items.split_at(self.sorted);
        // Keys grow with the day, so a new message is usually past the whole run.
        let in_run = match run.last() {
            Some(&last) if fingerprint <= last => run.binary_search(&fingerprint).is_ok(),
            _ => false,
        };
        in_run || tail.contains(&fingerprint)
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Sorts the tail and merges it into the run, from the back, in place.
    fn settle(&mut self) {
        let mut tail = [0u64; TAIL];
        let n = self.items.len() - self.sorted;
        tail[..n].copy_from_slice(&self.items[self.sorted..]);
        let tail = &mut tail[..n];
        tail.sort_unstable();
        let (mut run, mut rest, mut out) = (self.sorted, n, self.items.len());
        while rest > 0 {
            out -= 1;
            if run > 0 && self.items[run - 1] > tail[rest - 1] {
                run -= 1;
                self.items[out] = self.items[run];
            } else {
                rest -= 1;
                self.items[out] = tail[rest];
            }
        }
        self.sorted = self.items.len();
    }

    /// The fingerprints in ascending order.
    fn to_sorted(&self) -> Vec<u64> {
        let mut all = self.items.clone();
        if self.sorted < all.len() {
            all.sort_unstable();
        }
        all
    }

    /// Forgets the keys of days before `day`, keeping the capacity (see
    /// [`Engine::evict_before`](crate::Engine::evict_before)).
    pub fn evict_before(&mut self, day: i32) {
        if day <= 0 {
            return;
        }
        let first = first_key_of(day);
        self.settle_all();
        let keep = self.items.partition_point(|&k| k < first);
        self.items.drain(..keep);
        self.sorted = self.items.len();
    }

    /// Sorts everything into the run and gives back the spare capacity.
    pub fn shrink_to_fit(&mut self) {
        self.settle_all();
        self.items.shrink_to_fit();
    }

    /// Sorts everything into the run.
    fn settle_all(&mut self) {
        if self.sorted < self.items.len() {
            self.items.sort_unstable();
            self.sorted = self.items.len();
        }
    }

    /// Adds every fingerprint of `other`; returns how many were already here.
    pub fn merge(&mut self, other: &MessageSet) -> u64 {
        other.items.iter().filter(|&&m| !self.insert(m)).count() as u64
    }
}

impl PartialEq for MessageSet {
    fn eq(&self, other: &MessageSet) -> bool {
        self.len() == other.len() && self.to_sorted() == other.to_sorted()
    }
}

impl Serialize for MessageSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_sorted().serialize(s)
    }
}

impl<'de> Deserialize<'de> for MessageSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<MessageSet, D::Error> {
        let items = Vec::<u64>::deserialize(d)?;
        if !items.windows(2).all(|w| w[0] < w[1]) {
            return Err(serde::de::Error::custom(
                "message ids are not sorted and unique: the state is corrupt",
            ));
        }
        Ok(MessageSet {
            sorted: items.len(),
            items,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_insertion_order_gives_the_same_set() {
        let values: Vec<u64> = (0..1_000u64)
            .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15))
            .collect();
        let mut forward = MessageSet::default();
        let mut backward = MessageSet::default();
        for &v in &values {
            assert!(forward.insert(v));
            assert!(!forward.insert(v), "a second insert is a duplicate");
        }
        for &v in values.iter().rev() {
            assert!(backward.insert(v));
        }
        assert_eq!(forward, backward);
        let mut expected = values.clone();
        expected.sort_unstable();
        assert_eq!(forward.to_sorted(), expected);
        assert!(values.iter().all(|&v| backward.contains(v)));
        assert!(!forward.contains(1));
    }

    proptest::proptest! {
        /// Whatever the order (in time order, reversed, shuffled) and however many
        /// keys share a day, `insert` answers as a set does and keeps the set.
        #[test]
        fn behaves_as_a_set(
            keys in proptest::collection::vec((0i32..6, 0u64..90), 0..400),
            order in 0u8..3,
            seed in proptest::prelude::any::<u64>(),
        ) {
            let mut keys: Vec<u64> = keys.into_iter().map(|(day, fp)| message_key(day, fp)).collect();
            match order {
                0 => keys.sort_unstable(),
                1 => keys.sort_unstable_by(|a, b| b.cmp(a)),
                _ => {
                    // A cheap deterministic shuffle: sort by a hash of key and seed.
                    keys.sort_by_key(|k| (k ^ seed).wrapping_mul(0x9e37_79b9_7f4a_7c15));
                }
            }
            let mut set = MessageSet::default();
            let mut expected = std::collections::BTreeSet::new();
            for &k in &keys {
                proptest::prop_assert_eq!(set.insert(k), expected.insert(k));
            }
            proptest::prop_assert!(expected.iter().all(|&k| set.contains(k)));
            proptest::prop_assert_eq!(set.to_sorted(), expected.into_iter().collect::<Vec<_>>());
        }
    }

    #[test]
    fn merge_counts_what_both_had() {
        let mut a = MessageSet::default();
        let mut b = MessageSet::default();
        for v in [5, 1, 9, 3] {
            a.insert(v);
        }
        for v in [3, 7, 5] {
            b.insert(v);
        }
        assert_eq!(a.merge(&b), 2);
        assert_eq!(a.to_sorted(), [1, 3, 5, 7, 9]);
    }
}
