//! The `messageId` fingerprints a sender has sent: the memory behind de-duplication.
//!
//! Each entry is a key of the call's day (16 bits, days since 1970 clamped to
//! `0..=65535`) above 48 bits of the `messageId` fingerprint. Copies of a message
//! carry the same timestamp, so they meet under the same key; the day in front lets
//! [`Engine::evict_before`](crate::Engine::evict_before) drop the fingerprints of
//! forgotten days with the days themselves, and keeps the keys of one sender
//! nearly sorted as time goes by. 48 bits per sender make a false duplicate
//! vanishingly rare (about n² / 2⁴⁹ for n messages from one sender on one day).

use std::hash::BuildHasher;

use foldhash::fast::RandomState;
use hashbrown::HashTable;

/// How far back from the end of the sorted keys a key of the latest day is
/// placed directly.
const WALK: usize = 32;

/// Out-of-order keys wait in a hash table until they are this share (1/n) of the
/// sorted ones, then are merged in.
const PENDING_SHARE: usize = 4;

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
/// Most keys live in one sorted vector, 8 bytes each:
///
/// - A key of the sorted keys' last day or later (a sender's calls mostly come in
///   time order) goes straight into them: only keys of its own day can be
///   greater, so it is placed after a short walk back from the end (at most
///   [`WALK`] keys).
/// - Any other key waits in a hash table (seeded, since the keys are chosen by
///   the sender) until those waiting are a quarter as many as the sorted ones;
///   then they are sorted and merged in, in one pass.
///
/// So a lookup is one binary search and one probe, and every key is moved a
/// bounded number of times on average, whatever the order: a warehouse export
/// newest first, or a shuffled one, costs about what one oldest first does.
/// Equality sees the set, not the layout.
#[derive(Debug, Clone, Default)]
pub(crate) struct MessageSet {
    sorted: Vec<u64>,
    /// Keys that came out of order (`None` when there are none: 8 bytes).
    pending: Option<Box<Pending>>,
}

#[derive(Debug, Clone, Default)]
struct Pending {
    keys: HashTable<u64>,
    hasher: RandomState,
}

impl Pending {
    fn hash(&self, key: u64) -> u64 {
        self.hasher.hash_one(key)
    }

    fn contains(&self, key: u64) -> bool {
        self.keys.find(self.hash(key), |&k| k == key).is_some()
    }

    /// Adds a key known not to be here.
    fn add(&mut self, key: u64) {
        let hasher = &self.hasher;
        self.keys
            .insert_unique(hasher.hash_one(key), key, |&k| hasher.hash_one(k));
    }
}

impl MessageSet {
    /// Adds a key; `false` when it was already there (a duplicate).
    pub fn insert(&mut self, key: u64) -> bool {
        if let Some(inserted) = self.insert_near_end(key) {
            return inserted;
        }
        if self.sorted.binary_search(&key).is_ok() {
            return false;
        }
        let pending = self.pending.get_or_insert_with(Box::default);
        if pending.contains(key) {
            return false;
        }
        pending.add(key);
        if pending.keys.len() >= WALK.max(self.sorted.len() / PENDING_SHARE) {
            self.settle();
        }
        true
    }

    /// The time-order fast path: `Some` when the key was placed into (or found
    /// in) the sorted keys after a short walk back from their end.
    ///
    /// A key that once took the other path never comes back here: its day was
    /// before the last day (which only grows), or at least `WALK` keys were
    /// greater (which only become more). So a key found neither near the end nor
    /// here is new, without a look at the waiting keys.
    fn insert_near_end(&mut self, key: u64) -> Option<bool> {
        let run = &self.sorted;
        if run
            .last()
            .is_some_and(|&last| day_of_key(key) < day_of_key(last))
        {
            return None;
        }
        // Only keys of the same day can be greater; a sender with thousands of
        // calls on one day would move half of them for every call, so the walk
        // stops at `WALK` keys and the key takes the general path.
        let greater = run
            .iter()
            .rev()
            .take(WALK)
            .take_while(|&&k| k > key)
            .count();
        if greater == WALK {
            return None;
        }
        let at = run.len() - greater;
        if at > 0 && run[at - 1] == key {
            return Some(false);
        }
        debug_assert!(!self.pending.as_ref().is_some_and(|p| p.contains(key)));
        make_room(&mut self.sorted, 1);
        self.sorted.insert(at, key);
        Some(true)
    }

    /// Whether the key is in the set.
    #[cfg(test)]
    fn contains(&self, key: u64) -> bool {
        self.sorted.binary_search(&key).is_ok()
            || self.pending.as_ref().is_some_and(|p| p.contains(key))
    }

    pub fn len(&self) -> usize {
        self.sorted.len() + self.pending.as_ref().map_or(0, |p| p.keys.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sorts the waiting keys and merges them into the sorted ones.
    fn settle(&mut self) {
        let Some(pending) = self.pending.take() else {
            return;
        };
        let mut keys: Vec<u64> = pending.keys.into_iter().collect();
        keys.sort_unstable();
        let mid = self.sorted.len();
        make_room(&mut self.sorted, keys.len());
        self.sorted.extend_from_slice(&keys);
        merge_adjacent(&mut self.sorted, mid);
    }

    /// Forgets the keys of days before `day`, keeping the capacity (see
    /// [`Engine::evict_before`](crate::Engine::evict_before)).
    pub fn evict_before(&mut self, day: i32) {
        if day <= 0 {
            return;
        }
        let first = first_key_of(day);
        self.settle();
        let keep = self.sorted.partition_point(|&k| k < first);
        self.sorted.drain(..keep);
    }

    /// Merges the waiting keys in and gives back the spare capacity.
    pub fn shrink_to_fit(&mut self) {
        self.settle();
        self.sorted.shrink_to_fit();
    }

    /// The keys in ascending order.
    pub fn to_sorted(&self) -> Vec<u64> {
        let mut all = self.clone();
        all.settle();
        all.sorted
    }

    /// Adds every key of `other`; returns how many were already here.
    pub fn merge(&mut self, other: &MessageSet) -> u64 {
        let waiting = other.pending.iter().flat_map(|p| p.keys.iter());
        other
            .sorted
            .iter()
            .chain(waiting)
            .filter(|&&m| !self.insert(m))
            .count() as u64
    }
}

/// Makes room for `n` more keys. A full vector grows by half its keys, not by
/// doubling: the keys are the largest list an id keeps, and doubling left about
/// a third of their memory spare after a bulk load; growing by half still moves
/// each key O(1) times.
fn make_room(keys: &mut Vec<u64>, n: usize) {
    if keys.capacity() - keys.len() < n {
        keys.reserve_exact(super::two_ended::grow_by(keys.len(), n));
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
        /// to 3 000 keys: many merges of waiting keys).
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
