//! String ↔ dense `u32` ids, so per-entity state holds 4-byte ids, not strings.

use std::fmt;

use serde::de::{SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::hash::hash_name;

/// A table of names, each given the next dense id on first sight.
///
/// Names live back to back in one string, and the index is an open-addressing
/// table of 8-byte slots (the name's hash above its id), probed linearly. A
/// lookup reads one slot and, when the hash matches, one name; a map of boxed
/// strings would also keep every name twice (as key and in the id list), each in
/// its own allocation, which at millions of users is most of the table's memory.
#[derive(Clone, Default)]
pub(crate) struct Interner {
    /// Every name, one after the other.
    text: String,
    /// Where each name ends in `text` (it starts where the previous one ends).
    ends: Vec<usize>,
    /// `0` is empty; else the high 32 bits of the name's hash above its id + 1.
    slots: Vec<u64>,
    /// The id `intern` returned last, plus one (`0`: none). A sender's calls come
    /// in bursts (an SDK's batch, a warehouse export ordered by user), so the
    /// name asked for is often the one just asked for; checking it first costs one
    /// comparison and saves hashing and probing.
    last: u32,
}

impl Interner {
    /// The id of `name`, and whether it was new.
    #[inline]
    pub fn intern(&mut self, name: &str) -> (u32, bool) {
        if let Some(last) = self.last.checked_sub(1) {
            if self.name(last) == name {
                return (last, false);
            }
        }
        let (id, new) = self.intern_hashed(name);
        self.last = id.wrapping_add(1);
        (id, new)
    }

    fn intern_hashed(&mut self, name: &str) -> (u32, bool) {
        let hash = hash_name(name.as_bytes());
        if let Some(id) = self.find(name, hash) {
            return (id, false);
        }
        // At most half full, so a probe for a missing name stays short.
        if (self.ends.len() + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let id = self.ends.len() as u32;
        self.text.push_str(name);
        self.ends.push(self.text.len());
        let empty = self.probe(hash).find(|&i| self.slots[i] == 0);
        if let Some(i) = empty {
            self.slots[i] = slot(hash, id);
        }
        (id, true)
    }

    #[inline]
    pub fn get(&self, name: &str) -> Option<u32> {
        self.find(name, hash_name(name.as_bytes()))
    }

    /// Whether `name` is interned already.
    #[inline]
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    #[inline]
    pub fn name(&self, id: u32) -> &str {
        let id = id as usize;
        let start = if id == 0 { 0 } else { self.ends[id - 1] };
        &self.text[start..self.ends[id]]
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Gives back the spare capacity of the names (the index keeps its size, which
    /// its probing needs).
    pub fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
    }

    /// The names in id order.
    pub fn names(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.ends.len() as u32).map(|id| self.name(id))
    }

    #[inline]
    fn find(&self, name: &str, hash: u64) -> Option<u32> {
        let tag = hash >> 32;
        for i in self.probe(hash) {
            let slot = self.slots[i];
            if slot == 0 {
                return None;
            }
            let id = (slot as u32).wrapping_sub(1);
            if slot >> 32 == tag && self.name(id) == name {
                return Some(id);
            }
        }
        None
    }

    /// The slots to look at for `hash`, in order (every slot at most once).
    #[inline]
    fn probe(&self, hash: u64) -> impl Iterator<Item = usize> + use<> {
        let mask = self.slots.len().wrapping_sub(1);
        let first = hash as usize;
        (0..self.slots.len()).map(move |step| first.wrapping_add(step) & mask)
    }

    fn grow(&mut self) {
        let capacity = (self.slots.len() * 2).max(16);
        self.slots = vec![0; capacity];
        for id in 0..self.ends.len() as u32 {
            let hash = hash_name(self.name(id).as_bytes());
            let empty = self.probe(hash).find(|&i| self.slots[i] == 0);
            if let Some(i) = empty {
                self.slots[i] = slot(hash, id);
            }
        }
    }

    /// Sorts ids by their names. Each name is read once for a 16-byte prefix key;
    /// only ties on the prefix compare whole names. A plain comparison sort would
    /// read two names from the heap per comparison, and at a million ids those
    /// cache misses dominate the snapshot.
    pub fn sort_by_name(&self, ids: &mut [u32]) {
        let prefix = |id: u32| {
            let mut key = [0u8; 16];
            let bytes = self.name(id).as_bytes();
            let n = bytes.len().min(16);
            key[..n].copy_from_slice(&bytes[..n]);
            u128::from_be_bytes(key)
        };
        let mut keyed: Vec<(u128, u32)> = ids.iter().map(|&id| (prefix(id), id)).collect();
        keyed.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| self.name(a.1).cmp(self.name(b.1)))
        });
        for (slot, (_, id)) in ids.iter_mut().zip(keyed) {
            *slot = id;
        }
    }
}

/// The slot of `id` under `hash`.
fn slot(hash: u64, id: u32) -> u64 {
    (hash >> 32 << 32) | (u64::from(id) + 1)
}

impl fmt::Debug for Interner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

/// Equal when they hold the same names under the same ids (how they were last
/// used does not matter).
impl PartialEq for Interner {
    fn eq(&self, other: &Self) -> bool {
        self.ends == other.ends && self.text == other.text
    }
}

impl Serialize for Interner {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.names())
    }
}

impl<'de> Deserialize<'de> for Interner {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Names;
        impl<'de> Visitor<'de> for Names {
            type Value = Interner;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of distinct names")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Interner, A::Error> {
                let mut interner = Interner::default();
                while let Some(name) = seq.next_element::<std::borrow::Cow<'de, str>>()? {
                    if !interner.intern(&name).1 {
                        return Err(serde::de::Error::custom(format!(
                            "interned name {name:?} appears twice"
                        )));
                    }
                }
                Ok(interner)
            }
        }
        d.deserialize_seq(Names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_dense_stable_and_survive_growth() {
        let mut interner = Interner::default();
        assert_eq!(interner.get("a"), None);
        let names: Vec<String> = (0..5_000).map(|i| format!("user_{i}")).collect();
        for (i, name) in names.iter().enumerate() {
            assert_eq!(interner.intern(name), (i as u32, true));
            // The remembered last name and the table give the same answer.
            assert_eq!(interner.intern(name), (i as u32, false));
        }
        assert_eq!(interner.intern(""), (5_000, true));
        for (i, name) in names.iter().enumerate() {
            assert_eq!(interner.get(name), Some(i as u32));
            assert_eq!(interner.name(i as u32), name);
            assert_eq!(interner.intern(name), (i as u32, false));
        }
        assert_eq!(interner.get("user_5000"), None);
        assert_eq!(interner.names().len(), 5_001);
    }

    #[test]
    fn sorting_by_name_matches_string_order() {
        let mut interner = Interner::default();
        let names = [
            "user_0000000000000002",
            "b",
            "user_0000000000000001",
            "",
            "a\u{0}",
            "a",
            "user_00000000000000010",
            "é",
        ];
        let mut ids: Vec<u32> = names.iter().map(|n| interner.intern(n).0).collect();
        interner.sort_by_name(&mut ids);
        let sorted: Vec<&str> = ids.iter().map(|&i| interner.name(i)).collect();
        let mut expected = names.to_vec();
        expected.sort_unstable();
        assert_eq!(sorted, expected);
    }
}
