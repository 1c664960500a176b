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
