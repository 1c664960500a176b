//! An ordered name → value list that keeps duplicate names, so validation can report
//! them instead of JSON silently keeping the last one.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Entries in the order written; serialized as a JSON object.
#[derive(Debug, Clone, PartialEq)]
pub struct Named<T>(Vec<(String, T)>);

impl<T> Default for Named<T> {
    fn default() -> Self {
        Named(Vec::new())
    }
}

impl<T> Named<T> {
    /// Appends an entry (duplicates are kept for validation to report).
    pub(crate) fn push(&mut self, name: String, value: T) {
        self.0.push((name, value));
    }

    /// Entries in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &T)> + '_ {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The entry of a name (the first, if duplicated).
    pub fn get(&self, name: &str) -> Option<&T> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Puts the entries in the order of `names` (entries it does not name go last).
    pub(crate) fn reorder(&mut self, names: &[String]) {
        self.0
            .sort_by_key(|(k, _)| names.iter().position(|n| n == k).unwrap_or(usize::MAX));
    }

    /// Names written more than once, each reported once.
    pub(crate) fn duplicates(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for (i, (k, _)) in self.0.iter().enumerate() {
            if self.0[..i].iter().any(|(seen, _)| seen == k) && !out.contains(&k.as_str()) {
                out.push(k);
            }
        }
        out
    }
}

impl<T: Serialize> Serialize for Named<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Named<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Named<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of named entries")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Named<T>, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry::<String, T>()? {
                    out.push(entry);
                }
                Ok(Named(out))
            }
        }
        d.deserialize_map(V(PhantomData))
    }
}
