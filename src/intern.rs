//! String ↔ dense `u32` ids, so per-entity state holds 4-byte ids, not strings.

use std::fmt;
use std::hash::BuildHasher;

use foldhash::SharedSeed;
use foldhash::fast::SeedableRandomState;
use hashbrown::HashTable;

/// A table of names, each given the next dense id on first sight.
///
/// Names live back to back in one string, and the index is a `hashbrown` table of
/// 4-byte ids hashed by their names: a map of boxed strings would keep every name
/// twice (as key and in the id list), each in its own allocation, which at
/// millions of users is most of the table's memory.
///
/// The names are chosen by whoever sends the calls, so the hash is seeded at
/// random per table: with a fixed hash, ids searched offline to share their low
/// bits would all land on one probe sequence and make every lookup linear in
/// their number. Ids are dense and given in order of first sight, so nothing the
/// engine computes or saves depends on the seed.
#[derive(Clone)]
pub(crate) struct Interner {
    /// Every name, one after the other.
    text: String,
    /// Where each name ends in `text` (it starts where the previous one ends).
    ends: Vec<usize>,
    /// The ids, hashed by their names.
    index: HashTable<u32>,
    hasher: SeedableRandomState,
    /// The id `intern` returned last, plus one (`0`: none). A sender's calls come
    /// in bursts (an SDK's batch, a warehouse export ordered by user), so the
    /// name asked for is often the one just asked for; checking it first costs one
    /// comparison and saves hashing and probing.
    last: u32,
}

impl Default for Interner {
    /// An empty table with a random seed.
    fn default() -> Interner {
        Interner::with_hasher(SeedableRandomState::random())
    }
}

/// The name of `id` in a table's storage (a free function so that the index can
/// be borrowed mutably while names are read).
#[inline]
fn name_in<'a>(text: &'a str, ends: &[usize], id: u32) -> &'a str {
    let id = id as usize;
    let start = if id == 0 { 0 } else { ends[id - 1] };
    &text[start..ends[id]]
}

impl Interner {
    /// An empty table whose hash uses `seed`: the same seed gives the same table
    /// layout (for benchmarks and tests; a seed an attacker can learn gives back
    /// the flooding the random default prevents).
    pub fn with_seed(seed: u64) -> Interner {
        Interner::with_hasher(SeedableRandomState::with_seed(
            seed,
            SharedSeed::global_fixed(),
        ))
    }

    fn with_hasher(hasher: SeedableRandomState) -> Interner {
        Interner {
            text: String::new(),
            ends: Vec::new(),
            index: HashTable::new(),
            hasher,
            last: 0,
        }
    }

    /// The hash the index files `name` under.
    #[inline]
    pub fn hash(&self, name: &str) -> u64 {
        self.hasher.hash_one(name)
    }

    /// The id of `name`, and whether it was new.
    #[inline]
    pub fn intern(&mut self, name: &str) -> (u32, bool) {
        if let Some(last) = self.last.checked_sub(1)
            && self.name(last) == name
        {
            return (last, false);
        }
        let (id, new) = self.intern_hashed(name);
        self.last = id.wrapping_add(1);
        (id, new)
    }

    fn intern_hashed(&mut self, name: &str) -> (u32, bool) {
        let hash = self.hash(name);
        let (text, ends, index, hasher) = self.parts();
        let entry = index.entry(
            hash,
            |&id| name_in(text, ends, id) == name,
            |&id| hasher.hash_one(name_in(text, ends, id)),
        );
        match entry {
            hashbrown::hash_table::Entry::Occupied(found) => (*found.get(), false),
            hashbrown::hash_table::Entry::Vacant(vacant) => {
                let id = ends.len() as u32;
                text.push_str(name);
                ends.push(text.len());
                vacant.insert(id);
                (id, true)
            }
        }
    }

    #[inline]
    pub fn get(&self, name: &str) -> Option<u32> {
        self.index
            .find(self.hash(name), |&id| self.name(id) == name)
            .copied()
    }

    /// Whether `name` is interned already.
    #[inline]
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    #[inline]
    pub fn name(&self, id: u32) -> &str {
        name_in(&self.text, &self.ends, id)
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Gives back the spare capacity of the names and the index.
    pub fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
        let (text, ends, index, hasher) = self.parts();
        index.shrink_to_fit(|&id| hasher.hash_one(name_in(text, ends, id)));
    }

    /// The fields borrowed apart, so that the index can change while the names
    /// are read.
    fn parts(
        &mut self,
    ) -> (
        &mut String,
        &mut Vec<usize>,
        &mut HashTable<u32>,
        &SeedableRandomState,
    ) {
        (
            &mut self.text,
            &mut self.ends,
            &mut self.index,
            &self.hasher,
        )
    }

    /// The names in id order.
    pub fn names(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.ends.len() as u32).map(|id| self.name(id))
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

    /// `n` names whose hashes under `table`'s seed agree in their low `bits` bits:
    /// what an attacker who knew the seed would send.
    fn colliding(table: &Interner, bits: u32, n: usize) -> Vec<String> {
        let mask = (1u64 << bits) - 1;
        let target = table.hash("user-0") & mask;
        (0u64..)
            .map(|i| format!("user-{i}"))
            .filter(|name| table.hash(name) & mask == target)
            .take(n)
            .collect()
    }

    #[test]
    fn ids_crafted_for_a_known_seed_spread_under_another() {
        // 1 000 names fill a table of 2 048 buckets: the bucket is the low 11 bits.
        let known = Interner::with_seed(7);
        let crafted = colliding(&known, 11, 1_000);
        let buckets = |table: &Interner| {
            crafted
                .iter()
                .map(|name| table.hash(name) & 0x7FF)
                .collect::<std::collections::HashSet<u64>>()
                .len()
        };
        assert_eq!(
            buckets(&known),
            1,
            "crafted for the known seed: one probe sequence"
        );
        // Under other seeds (a random one, and a fixed other one) they land in
        // about 2 048 · (1 − e^(−1000/2048)) ≈ 793 distinct buckets.
        for other in [Interner::default(), Interner::with_seed(8)] {
            let spread = buckets(&other);
            assert!(spread > 700, "only {spread} buckets");
        }
        // The table itself still answers exactly, whatever the collisions.
        let mut table = Interner::with_seed(7);
        for (i, name) in crafted.iter().enumerate() {
            assert_eq!(table.intern(name), (i as u32, true));
        }
        for (i, name) in crafted.iter().enumerate() {
            assert_eq!(table.get(name), Some(i as u32));
        }
    }

    #[test]
    fn the_seed_changes_no_id() {
        let mut a = Interner::with_seed(1);
        let mut b = Interner::default();
        for i in 0..3_000 {
            let name = format!("n{}", i * 7 % 1_000);
            assert_eq!(a.intern(&name), b.intern(&name));
        }
        assert_eq!(a, b);
    }

    /// An index that keeps short names in its slots (tried, see BENCHMARKS.md,
    /// 2026-12-05) kept up to 23 bytes there: names on either side of such a
    /// boundary, and differing only at it, are where an index goes wrong.
    const INLINE: usize = 23;

    #[test]
    fn names_around_inline_lengths_stay_apart() {
        let mut table = Interner::with_seed(3);
        let mut names = vec![String::new(), "a".into(), "a\u{0}".into(), "\u{0}".into()];
        for len in [INLINE - 1, INLINE, INLINE + 1, 2 * INLINE] {
            for last in ['a', 'b', '\u{0}'] {
                names.push(format!("{}{last}", "x".repeat(len - 1)));
            }
            // Two bytes of a character across the boundary.
            names.push(format!("{}é", "x".repeat(len - 2)));
        }
        for (i, name) in names.iter().enumerate() {
            assert_eq!(table.intern(name), (i as u32, true), "{name:?}");
        }
        for (i, name) in names.iter().enumerate() {
            assert_eq!(table.get(name), Some(i as u32), "{name:?}");
            assert_eq!(table.name(i as u32), name);
            assert_eq!(table.intern(name), (i as u32, false), "{name:?}");
        }
        for absent in ["b", "x", &"x".repeat(INLINE), &"x".repeat(INLINE + 1)] {
            assert_eq!(table.get(absent), None, "{absent:?}");
        }
    }

    #[test]
    fn shrinking_and_cloning_keep_every_id() {
        let mut table = Interner::with_seed(5);
        let names: Vec<String> = (0..1_000)
            .map(|i| format!("{i:0>width$}", width = 1 + i % 40))
            .collect();
        for name in &names {
            table.intern(name);
        }
        table.shrink_to_fit();
        let copy = table.clone();
        for (i, name) in names.iter().enumerate() {
            assert_eq!(table.get(name), Some(i as u32));
            assert_eq!(copy.get(name), Some(i as u32));
        }
        let mut empty = Interner::with_seed(5);
        empty.shrink_to_fit();
        assert_eq!(empty.get(""), None);
        assert_eq!(empty.intern(""), (0, true));
    }

    /// The number of cases a property test runs: `default`, or `PROPTEST_CASES` when
    /// set (for longer runs; the seed is fixed in `.cargo/config.toml`).
    fn cases_or(default: u32) -> u32 {
        std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }

    /// Names that are hard to tell apart: sharing long prefixes, differing only in
    /// their last byte, around the inline length, empty or nearly, non-ASCII.
    fn tricky_name() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            "[ab\\x00]{0,3}",
            "user_0{0,3}[0-9]{1,3}",
            (0..3 * INLINE, "[a-c\\x00é]").prop_map(|(n, last)| format!("{}{last}", "p".repeat(n))),
            "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
            "\\PC{0,40}",
            "[a-c]{20,60}",
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(cases_or(128)))]

        #[test]
        fn agrees_with_a_map(
            seed in proptest::prelude::any::<u64>(),
            calls in proptest::collection::vec((proptest::prelude::any::<bool>(), tricky_name()), 0..300),
        ) {
            let mut table = Interner::with_seed(seed);
            let mut model: std::collections::HashMap<String, u32> = Default::default();
            for (intern, name) in &calls {
                if *intern {
                    let next = model.len() as u32;
                    let id = *model.entry(name.clone()).or_insert(next);
                    proptest::prop_assert_eq!(table.intern(name), (id, id == next));
                } else {
                    proptest::prop_assert_eq!(table.get(name), model.get(name).copied());
                }
                proptest::prop_assert_eq!(table.len(), model.len());
            }
            table.shrink_to_fit();
            for (name, &id) in &model {
                proptest::prop_assert_eq!(table.name(id), name.as_str());
                proptest::prop_assert_eq!(table.get(name), Some(id));
                proptest::prop_assert!(table.contains(name));
            }
            let mut copy = table.clone();
            for (name, &id) in &model {
                proptest::prop_assert_eq!(copy.intern(name), (id, false));
            }
        }
    }
}
