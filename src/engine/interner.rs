//! String ↔ dense `u32` ids, so per-entity state holds 4-byte ids, not strings.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::hash::FxHashMap;

#[derive(Debug, Clone, Default)]
pub(crate) struct Interner {
    names: Vec<Box<str>>,
    index: FxHashMap<Box<str>, u32>,
}

impl Interner {
    /// The id of `name`, and whether it was new.
    #[inline]
    pub fn intern(&mut self, name: &str) -> (u32, bool) {
        if let Some(&id) = self.index.get(name) {
            return (id, false);
        }
        let id = self.names.len() as u32;
        self.names.push(name.into());
        self.index.insert(name.into(), id);
        (id, true)
    }

    #[inline]
    pub fn get(&self, name: &str) -> Option<u32> {
        self.index.get(name).copied()
    }

    /// Whether `name` is interned already.
    #[inline]
    pub fn contains(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    #[inline]
    pub fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn names(&self) -> &[Box<str>] {
        &self.names
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

impl PartialEq for Interner {
    fn eq(&self, other: &Self) -> bool {
        self.names == other.names
    }
}

impl Serialize for Interner {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.names.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Interner {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let names = Vec::<Box<str>>::deserialize(d)?;
        let mut index = FxHashMap::default();
        for (i, name) in names.iter().enumerate() {
            if index.insert(name.clone(), i as u32).is_some() {
                return Err(serde::de::Error::custom(format!(
                    "interned name {name:?} appears twice"
                )));
            }
        }
        Ok(Interner { names, index })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
