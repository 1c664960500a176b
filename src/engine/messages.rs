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

/// How many keys wait unsorted before they are sorted into a run.
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

/// A set of 8-byte `messageId` keys (see [`message_key`]), in one vector.
///
/// The vector holds a large sorted run, then smaller sorted runs, then an
/// unsorted tail of fewer than [`TAIL`] keys:
///
/// - A key of the large run's last day or later, while no smaller run or tail is
///   waiting (a sender's calls mostly come in time order), is placed straight into
///   the large run: only keys of its own day can be greater, so it goes in after
///   a short walk back from the end (at most [`TAIL`] keys).
/// - Any other key goes to the tail. A full tail is sorted and becomes a run of
///   `TAIL` keys; two runs of the same size merge into one of twice the size, as
///   the carries of a binary counter (the set bits of `levels` are the sizes of
///   the runs present). A run that grows as large as the large run merges into it.
///
/// So every key is moved O(log n) times, whatever the order the calls come in: a
/// warehouse export newest first costs what one oldest first does. A lookup is a
/// binary search per run (at most one per bit of `levels`) plus a scan of the tail.
/// Equality and serialization see the set, not the layout.
#[derive(Debug, Clone, Default)]
pub(crate) struct MessageSet {
    items: Vec<u64>,
    /// The length of the large sorted run at the front.
    large: usize,
    /// Bit `j` set: a sorted run of `TAIL << j` keys follows the large run (larger
    /// runs first).
    levels: u32,
}

impl MessageSet {
    /// Where the tail starts.
    fn runs_end(&self) -> usize {
        self.large + TAIL * self.levels as usize
    }

    /// Adds a fingerprint; `false` when it was already there (a duplicate).
    pub fn insert(&mut self, key: u64) -> bool {
        if self.levels == 0 && self.items.len() == self.large {
            if let Some(inserted) = self.insert_into_large(key) {
                return inserted;
            }
        }
        if self.contains(key) {
            return false;
        }
        self.items.push(key);
        if self.items.len() - self.runs_end() == TAIL {
            self.carry();
        }
        true
    }

    /// The time-order fast path: `Some` when the key was placed into (or found
    /// in) the large run after a short walk back from its end.
    fn insert_into_large(&mut self, key: u64) -> Option<bool> {
        let run = &self.items[..self.large];
        if run
            .last()
            .is_some_and(|&last| day_of_key(key) < day_of_key(last))
        {
            return None;
        }
        // Only keys of the same day can be greater; a sender with thousands of
        // calls on one day would move half of them for every call, so the walk
        // stops at `TAIL` keys and the key takes the general path.
        let greater = run
            .iter()
            .rev()
            .take(TAIL)
            .take_while(|&&k| k > key)
            .count();
        if greater == TAIL {
            return None;
        }
        let at = run.len() - greater;
        if at > 0 && run[at - 1] == key {
            return Some(false);
        }
        self.items.insert(at, key);
        self.large += 1;
        Some(true)
    }

    /// Whether the key is in the set.
    fn contains(&self, key: u64) -> bool {
        if in_run(&self.items[..self.large], key) {
            return true;
        }
        let mut start = self.large;
        let mut levels = self.levels;
        while levels != 0 {
            let j = u32::BITS - 1 - levels.leading_zeros();
            levels &= !(1 << j);
            let len = TAIL << j;
            if in_run(&self.items[start..start + len], key) {
                return true;
            }
            start += len;
        }
        self.items[start..].contains(&key)
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Turns the full tail into a run and merges runs of equal size, then merges
    /// the result into the large run when it has grown as large.
    fn carry(&mut self) {
        let mut end = self.items.len();
        let mut len = TAIL;
        self.items[end - len..].sort_unstable();
        let mut j = 0;
        while self.levels & (1 << j) != 0 {
            // The run of size `len` sits just before the new one.
            merge_adjacent(&mut self.items[end - 2 * len..end], len);
            self.levels &= !(1 << j);
            len *= 2;
            j += 1;
        }
        end = self.items.len();
        if len >= self.large {
            // Every run larger than this one would have been merged already, so
            // it is the only one: the large run absorbs it.
            debug_assert_eq!(self.levels, 0);
            merge_adjacent(&mut self.items[..end], self.large);
            self.large = end;
        } else {
            self.levels |= 1 << j;
        }
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
        self.large = self.items.len();
    }

    /// Sorts everything into the large run and gives back the spare capacity.
    pub fn shrink_to_fit(&mut self) {
        self.settle_all();
        self.items.shrink_to_fit();
    }

    /// Sorts everything into the large run.
    fn settle_all(&mut self) {
        if self.large < self.items.len() {
            self.items.sort_unstable();
            self.large = self.items.len();
            self.levels = 0;
        }
    }

    /// The keys in ascending order.
    fn to_sorted(&self) -> Vec<u64> {
        let mut all = self.items.clone();
        if self.large < all.len() {
            all.sort_unstable();
        }
        all
    }

    /// Adds every fingerprint of `other`; returns how many were already here.
    pub fn merge(&mut self, other: &MessageSet) -> u64 {
        other.items.iter().filter(|&&m| !self.insert(m)).count() as u64
    }
}

/// Whether `key` is in the sorted `run` (keys grow with the day, so a new
/// message is usually past the whole run and needs no search).
#[inline]
fn in_run(run: &[u64], key: u64) -> bool {
    match (run.first(), run.last()) {
        (Some(&first), Some(&last)) if first <= key && key <= last => {
            run.binary_search(&key).is_ok()
        }
        _ => false,
    }
}

/// Merges the sorted `items[..mid]` and `items[mid..]` in place, from the back,
/// with a copy of the right part.
fn merge_adjacent(items: &mut [u64], mid: usize) {
    if mid == 0 || mid == items.len() || items[mid - 1] <= items[mid] {
        return;
    }
    let right = items[mid..].to_vec();
    let (mut left, mut rest, mut out) = (mid, right.len(), items.len());
    while rest > 0 {
        out -= 1;
        if left > 0 && items[left - 1] > right[rest - 1] {
            left -= 1;
            items[out] = items[left];
        } else {
            rest -= 1;
            items[out] = right[rest];
        }
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
            large: items.len(),
            items,
            levels: 0,
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
        /// keys share a day, `insert` answers as a set does and keeps the set (up
        /// to 3 000 keys: runs of up to 1 024 keys, and large-run merges).
        #[test]
        fn behaves_as_a_set(
            keys in proptest::collection::vec((0i32..6, 0u64..3_000), 0..3_000),
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
