//! The `messageId` fingerprints a sender has sent: the memory behind de-duplication.
//!
//! A message is remembered by the call's day (days since 1970, clamped to
//! `0..=65535`) and 40 bits of its `messageId`'s fingerprint: 5 bytes, stored
//! under its day. Copies of a message carry the same timestamp, so they meet on
//! the same day, and a copy is always recognized while its day is kept: within
//! the retained history the de-duplication is exact. The only error is the other
//! way round: a new message whose 40 bits equal those of another message from the
//! same sender on the same day is taken for a copy and dropped. With n other
//! messages from that sender that day this happens with probability at most
//! n / 2⁴⁰ per call: below 9.1 × 10⁻¹⁰ for a sender with 1,000 calls a day,
//! 9.1 × 10⁻¹¹ at 100. The day in front lets
//! [`Engine::evict_before`](crate::Engine::evict_before) drop the fingerprints of
//! forgotten days with the days themselves, and keeps the keys of one sender
//! nearly sorted as time goes by.
//!
//! The saved state keeps its own key layout (the day above 48 fingerprint bits):
//! see [`saved_key`] and [`key_from_saved`].

use std::cmp::Ordering;
use std::fmt;
use std::hash::BuildHasher;

use foldhash::fast::RandomState;
use hashbrown::HashTable;

/// How far back from the end of the latest day's fingerprints a key of that
/// day is placed directly.
const WALK: usize = 32;

/// Out-of-order keys wait in a hash table until they are this share (1/n) of the
/// packed ones, then are merged in.
const PENDING_SHARE: usize = 4;

/// The fingerprint bits kept per message (see the module docs for the error
/// this allows).
const FP_BITS: u32 = 40;
const FP_MASK: u64 = (1 << FP_BITS) - 1;
/// A stored fingerprint: its 40 bits, big-endian, so that any 8 bytes ending
/// with one read as a big-endian number hold it in their low 40 bits (see
/// [`fp_ending_at`]).
type Fp = [u8; 5];
const FP_BYTES: usize = 5;

/// The packed bytes start with where the latest day's header is (`u32`, 0 when
/// no day is held) and that day (`u16`): a key in time order then goes in
/// without a walk over the earlier days, whose headers only hold differences.
const PREFIX: usize = 6;

/// While keys wait, one packed day in this many is indexed: a lookup walks at
/// most this many headers, and the index of a sender whose few late calls wait
/// for long costs 8 bytes per this many days.
const INDEXED: usize = 4;

/// The key a message is remembered under: its day above 40 bits of its
/// fingerprint (56 bits in all).
pub(crate) fn message_key(day: i32, fingerprint: u64) -> u64 {
    let day = day.clamp(0, i32::from(u16::MAX)) as u64;
    (day << FP_BITS) | (fingerprint & FP_MASK)
}

/// A key as the saved state writes it: the day in the top 16 bits, as it
/// always has been, above the 40 fingerprint bits (the 8 bits between are 0).
pub(crate) fn saved_key(key: u64) -> u64 {
    ((key >> FP_BITS) << 48) | (key & FP_MASK)
}

/// A saved key as a key: states saved before keys shrank to 40 bits hold 48
/// fingerprint bits, of which the low 40 are the ones a new call is matched on.
pub(crate) fn key_from_saved(saved: u64) -> u64 {
    message_key((saved >> 48) as i32, saved)
}

/// The day a key was made with (see [`message_key`]).
fn day_of_key(key: u64) -> u16 {
    (key >> FP_BITS) as u16
}

fn fp_of_key(key: u64) -> Fp {
    let b = key.to_be_bytes();
    [b[3], b[4], b[5], b[6], b[7]]
}

/// A stored fingerprint's 40 bits: compared as a number, not byte by byte.
fn fp_value(fp: &Fp) -> u64 {
    u64::from_be_bytes([0, 0, 0, fp[0], fp[1], fp[2], fp[3], fp[4]])
}

/// The fingerprint whose last byte is `bytes[end - 1]`, read in one 8-byte
/// load: the walk of the time-order fast path reads one per key it passes. The
/// 3 bytes before a fingerprint always exist (the prefix and a header come
/// before the first).
fn fp_ending_at(bytes: &[u8], end: usize) -> u64 {
    let word: [u8; 8] = bytes[end - 8..end].try_into().expect("8 bytes");
    u64::from_be_bytes(word) & FP_MASK
}

fn key_of(day: u16, fp: &Fp) -> u64 {
    (u64::from(day) << FP_BITS) | fp_value(fp)
}

/// A byte position in the packed keys: more than 4 GiB of keys would take
/// hundreds of millions of calls from one sender, long past any limit of the
/// engine.
fn pos(n: usize) -> u32 {
    u32::try_from(n).expect("a sender's message keys take less than 4 GiB")
}

fn varint_len(v: u32) -> usize {
    match v {
        0..=0x7F => 1,
        0x80..=0x3FFF => 2,
        0x4000..=0x1F_FFFF => 3,
        0x20_0000..=0xFFF_FFFF => 4,
        _ => 5,
    }
}

/// Writes `v` as LEB128 at the start of `out`; returns its length.
fn put_varint(out: &mut [u8], mut v: u32) -> usize {
    let mut i = 0;
    while v >= 0x80 {
        out[i] = (v as u8) | 0x80;
        v >>= 7;
        i += 1;
    }
    out[i] = v as u8;
    i + 1
}

fn push_varint(out: &mut Vec<u8>, v: u32) {
    let mut buf = [0; 5];
    let n = put_varint(&mut buf, v);
    out.extend_from_slice(&buf[..n]);
}

fn read_varint(bytes: &[u8], at: &mut usize) -> u32 {
    let mut v = 0;
    let mut shift = 0;
    loop {
        let b = bytes[*at];
        *at += 1;
        v |= u32::from(b & 0x7F) << shift;
        if b < 0x80 {
            return v;
        }
        shift += 7;
    }
}

/// One day of packed keys.
#[derive(Debug, Clone, Copy)]
struct Group {
    day: u16,
    /// Where its header starts.
    header: usize,
    /// Where its fingerprints start.
    fps: usize,
    count: usize,
}

impl Group {
    fn end(&self) -> usize {
        self.fps + self.count * FP_BYTES
    }
}

/// The group whose header starts at `header`, of `day`.
fn group_at(bytes: &[u8], header: usize, day: u16) -> Group {
    let mut at = header;
    read_varint(bytes, &mut at);
    let count = read_varint(bytes, &mut at) as usize;
    Group {
        day,
        header,
        fps: at,
        count,
    }
}

/// The latest day held, if any.
fn last_group(bytes: &[u8]) -> Option<Group> {
    let prefix = bytes.get(..PREFIX)?;
    let header = u32::from_le_bytes([prefix[0], prefix[1], prefix[2], prefix[3]]) as usize;
    let day = u16::from_le_bytes([prefix[4], prefix[5]]);
    (header != 0).then(|| group_at(bytes, header, day))
}

fn set_last(bytes: &mut [u8], header: usize, day: u16) {
    bytes[..4].copy_from_slice(&pos(header).to_le_bytes());
    bytes[4..PREFIX].copy_from_slice(&day.to_le_bytes());
}

fn fps_of(bytes: &[u8], g: Group) -> &[Fp] {
    bytes[g.fps..g.end()].as_chunks().0
}

/// The days held, oldest first.
fn groups(bytes: &[u8]) -> Groups<'_> {
    Groups {
        bytes,
        at: PREFIX,
        end: last_group(bytes).map_or(0, |g| g.end()),
        day: 0,
    }
}

/// The days held from the one whose header starts at `from.1` (of day
/// `from.0`), or from the first.
fn groups_from(bytes: &[u8], from: Option<(u16, u32)>) -> Groups<'_> {
    let mut days = groups(bytes);
    if let Some((day, header)) = from {
        let header = header as usize;
        let mut at = header;
        let delta = read_varint(bytes, &mut at);
        days.at = header;
        days.day = u32::from(day) - delta;
    }
    days
}

struct Groups<'a> {
    bytes: &'a [u8],
    at: usize,
    end: usize,
    day: u32,
}

impl Iterator for Groups<'_> {
    type Item = Group;

    fn next(&mut self) -> Option<Group> {
        if self.at >= self.end {
            return None;
        }
        let header = self.at;
        self.day += read_varint(self.bytes, &mut self.at);
        let count = read_varint(self.bytes, &mut self.at) as usize;
        let g = Group {
            day: self.day as u16,
            header,
            fps: self.at,
            count,
        };
        self.at = g.end();
        Some(g)
    }
}

fn packed_keys(bytes: &[u8]) -> impl Iterator<Item = u64> + '_ {
    groups(bytes).flat_map(move |g| fps_of(bytes, g).iter().map(move |fp| key_of(g.day, fp)))
}

/// The packed form of the keys of `bytes` and `keys` (sorted, distinct, none
/// of them in `bytes`), in one pass over both, in an allocation of exactly its
/// size.
fn packed_with(bytes: &[u8], keys: &[u64]) -> Box<[u8]> {
    let days = || {
        let mut groups = groups(bytes).peekable();
        let mut rest = keys;
        std::iter::from_fn(move || {
            let day = match (groups.peek().map(|g| g.day), rest.first()) {
                (None, None) => return None,
                (Some(g), None) => g,
                (None, Some(&k)) => day_of_key(k),
                (Some(g), Some(&k)) => g.min(day_of_key(k)),
            };
            let group = groups.next_if(|g| g.day == day);
            let (run, tail) = rest.split_at(rest.partition_point(|&k| day_of_key(k) <= day));
            rest = tail;
            Some((day, group, run))
        })
    };
    let mut size = PREFIX;
    let mut previous = 0;
    for (day, group, run) in days() {
        let count = group.map_or(0, |g| g.count) + run.len();
        size += varint_len(u32::from(day - previous)) + varint_len(pos(count)) + count * FP_BYTES;
        previous = day;
    }
    if size == PREFIX {
        return Box::default();
    }
    let mut out = Vec::with_capacity(size);
    out.resize(PREFIX, 0);
    let (mut previous, mut last) = (0, PREFIX);
    for (day, group, run) in days() {
        let old = group.map_or(&[][..], |g| fps_of(bytes, g));
        last = out.len();
        push_varint(&mut out, u32::from(day - previous));
        push_varint(&mut out, pos(old.len() + run.len()));
        previous = day;
        // The packed fingerprints between two new ones go over in one copy:
        // most days of a merge get no new key at all.
        let mut i = 0;
        for &k in run {
            let value = k & FP_MASK;
            let to = i + old[i..].partition_point(|o| fp_value(o) < value);
            out.extend_from_slice(old[i..to].as_flattened());
            out.extend_from_slice(&fp_of_key(k));
            i = to;
        }
        out.extend_from_slice(old[i..].as_flattened());
    }
    set_last(&mut out, last, previous);
    debug_assert_eq!(out.len(), size);
    out.into_boxed_slice()
}

/// A set of `messageId` keys (see [`message_key`]), about 5 bytes each.
///
/// Most keys live packed in one boxed byte slice: after a 6-byte prefix (see
/// [`PREFIX`]), each day held, oldest first, is a header (the day's distance
/// from the previous day held, or from day 0 for the first, then its number of
/// keys, both LEB128: 2 bytes for most days) followed by that day's 5-byte
/// fingerprints in ascending order. A sender sends a few calls on each active day, so a key costs 5 bytes
/// and a fraction of a header, where a `u64` per key cost 8.
///
/// - A key of the latest day or later (a sender's calls mostly come in time
///   order) goes straight into the packed keys: only keys of its own day can be
///   greater, so it is placed after a short walk back from the end (at most
///   [`WALK`] fingerprints), and a later day is a new header at the end.
/// - Any other key waits as a whole key in a hash table (seeded, since the keys
///   are chosen by the sender) until those waiting are a quarter as many as the
///   packed ones; then they are sorted and merged in, in one pass. While keys
///   wait, an index of every [`INDEXED`]th packed day makes looking one up a
///   binary search, a walk over at most that many days, and a binary search
///   by fingerprint, however many days are held.
///
/// So every key is moved a bounded number of times on average, whatever the
/// order: a warehouse export newest first, or a shuffled one, costs about what
/// one oldest first does. A full slice grows by half its bytes, not by
/// doubling, which still moves each key O(1) times. The handle is 24 bytes (a
/// boxed slice and an optional box); an empty set allocates nothing.
/// Equality sees the set, not the layout; a clone, like a `Vec`'s, allocates
/// the bytes used, not the spare room.
#[derive(Default)]
pub(crate) struct MessageSet {
    /// Its length is the capacity; how much is used follows from the prefix.
    bytes: Box<[u8]>,
    /// Keys that came out of order (`None` when there are none: 8 bytes).
    pending: Option<Box<Pending>>,
}

#[derive(Debug, Clone, Default)]
struct Pending {
    keys: HashTable<u64>,
    hasher: RandomState,
    /// Every [`INDEXED`]th packed day, from the first, and where its header
    /// starts: the packed headers hold only differences, so finding a day
    /// without this is a walk over every earlier one. Built when a key first
    /// waits, dropped when they are merged.
    index: Vec<(u16, u32)>,
    /// How many days are packed.
    days: usize,
    /// How many keys are packed.
    packed: usize,
}

impl Pending {
    fn new(bytes: &[u8]) -> Pending {
        let mut pending = Pending::default();
        for g in groups(bytes) {
            pending.add_day(g);
        }
        pending
    }

    /// Counts a day packed after all the others.
    fn add_day(&mut self, g: Group) {
        if self.days.is_multiple_of(INDEXED) {
            self.index.push((g.day, pos(g.header)));
        }
        self.days += 1;
        self.packed += g.count;
    }

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
        debug_assert_eq!(key >> (FP_BITS + 16), 0, "a key from message_key");
        if let Some(inserted) = self.insert_near_end(key) {
            return inserted;
        }
        if self.packed_contains(key) {
            return false;
        }
        let pending = self
            .pending
            .get_or_insert_with(|| Box::new(Pending::new(&self.bytes)));
        if pending.contains(key) {
            return false;
        }
        pending.add(key);
        if pending.keys.len() >= WALK.max(pending.packed / PENDING_SHARE) {
            self.settle();
        }
        true
    }

    /// The time-order fast path: `Some` when the key was placed into (or found
    /// in) the packed keys at their end.
    ///
    /// A key that once took the other path never comes back here: its day was
    /// before the latest day (which only grows), or at least `WALK` keys of its
    /// day were greater (which only become more). So a key found neither near
    /// the end nor here is new, without a look at the waiting keys.
    fn insert_near_end(&mut self, key: u64) -> Option<bool> {
        let day = day_of_key(key);
        let fp = fp_of_key(key);
        let Some(last) = last_group(&self.bytes) else {
            debug_assert!(self.pending.is_none());
            self.push_day(day, &fp, None);
            return Some(true);
        };
        match day.cmp(&last.day) {
            Ordering::Less => None,
            Ordering::Greater => {
                self.push_day(day, &fp, Some(last));
                Some(true)
            }
            Ordering::Equal => {
                // A sender with thousands of calls on one day would move half
                // of them for every call, so the walk stops at `WALK` keys and
                // the key takes the general path.
                let value = key & FP_MASK;
                let fp_before = |i: usize| fp_ending_at(&self.bytes, last.fps + i * FP_BYTES);
                // The walk would give up exactly when the `WALK`th fingerprint
                // from the end is greater: one comparison says so, where a
                // sender with thousands of calls a day would walk `WALK` keys
                // for nearly every call.
                if last.count >= WALK && fp_before(last.count - WALK + 1) > value {
                    return None;
                }
                let (mut at, mut greater) = (last.count, 0);
                while at > 0 && fp_before(at) > value {
                    at -= 1;
                    greater += 1;
                    if greater == WALK {
                        return None;
                    }
                }
                if at > 0 && fp_before(at) == value {
                    return Some(false);
                }
                debug_assert!(!self.pending.as_ref().is_some_and(|p| p.contains(key)));
                self.insert_into_last(last, at, &fp);
                Some(true)
            }
        }
    }

    /// Starts a new latest day with one fingerprint.
    fn push_day(&mut self, day: u16, fp: &Fp, last: Option<Group>) {
        let (previous, used) = last.map_or((0, PREFIX), |g| (g.day, g.end()));
        let delta = u32::from(day - previous);
        self.make_room(used, varint_len(delta) + 1 + FP_BYTES);
        let mut at = used;
        at += put_varint(&mut self.bytes[at..], delta);
        at += put_varint(&mut self.bytes[at..], 1);
        self.bytes[at..at + FP_BYTES].copy_from_slice(fp);
        set_last(&mut self.bytes, used, day);
        if let Some(p) = &mut self.pending {
            p.add_day(group_at(&self.bytes, used, day));
        }
    }

    /// Puts a fingerprint at index `at` of the latest day.
    fn insert_into_last(&mut self, last: Group, at: usize, fp: &Fp) {
        let count = pos(last.count + 1);
        // The count can need one more byte (at 128 keys, 16 384, ...).
        let wider = varint_len(count) - varint_len(pos(last.count));
        let used = last.end();
        self.make_room(used, FP_BYTES + wider);
        let bytes = &mut self.bytes;
        let split = last.fps + at * FP_BYTES;
        bytes.copy_within(split..used, split + wider + FP_BYTES);
        if wider > 0 {
            bytes.copy_within(last.fps..split, last.fps + wider);
        }
        bytes[split + wider..split + wider + FP_BYTES].copy_from_slice(fp);
        let mut count_at = last.header;
        read_varint(bytes, &mut count_at);
        put_varint(&mut bytes[count_at..], count);
        if let Some(p) = &mut self.pending {
            p.packed += 1;
        }
    }

    /// Makes room for `needed` more bytes after the `used` ones: a full slice
    /// grows by half its keys' bytes, not by doubling (the keys are among the
    /// largest lists an id keeps, and doubling leaves about a third of their
    /// memory spare after a bulk load).
    fn make_room(&mut self, used: usize, needed: usize) {
        if self.bytes.len() < used + needed {
            self.grow(used, needed);
        }
    }

    #[cold]
    fn grow(&mut self, used: usize, needed: usize) {
        let len = used + super::two_ended::grow_by(used - PREFIX, needed);
        let mut bytes = std::mem::take(&mut self.bytes).into_vec();
        bytes.reserve_exact(len - bytes.len());
        bytes.resize(len, 0);
        self.bytes = bytes.into_boxed_slice();
    }

    /// Whether the key is among the packed ones.
    fn packed_contains(&self, key: u64) -> bool {
        let day = day_of_key(key);
        let from = match &self.pending {
            Some(p) => match p.index.partition_point(|&(d, _)| d <= day) {
                0 => return false,
                i => Some(p.index[i - 1]),
            },
            None => None,
        };
        let group = groups_from(&self.bytes, from)
            .find(|g| g.day >= day)
            .filter(|g| g.day == day);
        group.is_some_and(|g| {
            fps_of(&self.bytes, g)
                .binary_search_by_key(&(key & FP_MASK), fp_value)
                .is_ok()
        })
    }

    /// Whether the key is in the set.
    #[cfg(test)]
    fn contains(&self, key: u64) -> bool {
        self.packed_contains(key) || self.pending.as_ref().is_some_and(|p| p.contains(key))
    }

    pub fn len(&self) -> usize {
        match &self.pending {
            Some(p) => p.packed + p.keys.len(),
            None => groups(&self.bytes).map(|g| g.count).sum(),
        }
    }

    pub fn is_empty(&self) -> bool {
        last_group(&self.bytes).is_none()
    }

    /// Bytes held by the keys and their day headers, and bytes allocated for
    /// them (a measurement aid: see `memory::tests::where_the_memory_goes`).
    #[cfg(test)]
    pub fn bytes_held_and_allocated(&self) -> (usize, usize) {
        let used = last_group(&self.bytes).map_or(0, |g| g.end());
        let waiting = self.pending.as_ref().map_or(0, |p| p.keys.len() * 8);
        (used + waiting, self.bytes.len() + waiting)
    }

    /// Sorts the waiting keys and merges them into the packed ones.
    fn settle(&mut self) {
        let Some(pending) = self.pending.take() else {
            return;
        };
        let mut keys: Vec<u64> = pending.keys.into_iter().collect();
        keys.sort_unstable();
        self.bytes = packed_with(&self.bytes, &keys);
    }

    /// Forgets the keys of days before `day`, keeping the capacity (see
    /// [`Engine::evict_before`](crate::Engine::evict_before)).
    pub fn evict_before(&mut self, day: i32) {
        if day <= 0 {
            return;
        }
        let day = day.min(i32::from(u16::MAX)) as u16;
        self.settle();
        let Some(last) = last_group(&self.bytes) else {
            return;
        };
        let Some(first) = groups(&self.bytes).find(|g| g.day >= day) else {
            set_last(&mut self.bytes, 0, 0);
            return;
        };
        if first.header == PREFIX {
            return;
        }
        // The first day kept now counts from 0.
        let count = pos(first.count);
        let to = PREFIX + varint_len(u32::from(first.day)) + varint_len(count);
        self.bytes.copy_within(first.fps..last.end(), to);
        let at = PREFIX + put_varint(&mut self.bytes[PREFIX..], u32::from(first.day));
        put_varint(&mut self.bytes[at..], count);
        let last_header = if last.header == first.header {
            PREFIX
        } else {
            last.header - (first.fps - to)
        };
        set_last(&mut self.bytes, last_header, last.day);
    }

    /// Merges the waiting keys in and gives back the spare capacity.
    pub fn shrink_to_fit(&mut self) {
        self.settle();
        let used = last_group(&self.bytes).map_or(0, |g| g.end());
        if used < self.bytes.len() {
            let mut bytes = std::mem::take(&mut self.bytes).into_vec();
            bytes.truncate(used);
            self.bytes = bytes.into_boxed_slice();
        }
    }

    /// The keys in ascending order.
    pub fn to_sorted(&self) -> Vec<u64> {
        let mut keys = Vec::with_capacity(self.len());
        keys.extend(packed_keys(&self.bytes));
        if let Some(p) = &self.pending {
            keys.extend(p.keys.iter().copied());
            keys.sort_unstable();
        }
        keys
    }

    /// The keys as the saved state writes them (see [`saved_key`]), ascending.
    pub fn to_saved(&self) -> Vec<u64> {
        self.to_sorted().into_iter().map(saved_key).collect()
    }

    /// The set of saved keys (see [`key_from_saved`]), in any order.
    pub fn from_saved(saved: Vec<u64>) -> MessageSet {
        let mut keys: Vec<u64> = saved.into_iter().map(key_from_saved).collect();
        keys.sort_unstable();
        keys.dedup();
        MessageSet {
            bytes: packed_with(&[], &keys),
            pending: None,
        }
    }

    /// Adds every key of `other`; returns how many were already here.
    pub fn merge(&mut self, other: &MessageSet) -> u64 {
        let waiting = other.pending.iter().flat_map(|p| p.keys.iter().copied());
        packed_keys(&other.bytes)
            .chain(waiting)
            .filter(|&m| !self.insert(m))
            .count() as u64
    }
}

impl PartialEq for MessageSet {
    fn eq(&self, other: &MessageSet) -> bool {
        self.len() == other.len() && self.to_sorted() == other.to_sorted()
    }
}

impl Clone for MessageSet {
    fn clone(&self) -> MessageSet {
        let used = last_group(&self.bytes).map_or(0, |g| g.end());
        MessageSet {
            bytes: self.bytes[..used].into(),
            pending: self.pending.clone(),
        }
    }
}

impl fmt::Debug for MessageSet {
    /// The keys as `(day, fingerprint)`, ascending.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys = self.to_sorted();
        f.debug_set()
            .entries(keys.iter().map(|&k| (day_of_key(k), k & FP_MASK)))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::*;
    use crate::testing::cases_or;

    /// A spread of keys over many days, some sharing a day.
    fn keys(n: u64) -> Vec<u64> {
        (0..n)
            .map(|i| {
                let fp = i.wrapping_mul(0x9e37_79b9_7f4a_7c15);
                message_key((fp >> 56) as i32 + 20_000, fp)
            })
            .collect()
    }

    /// A cheap deterministic shuffle: sorts by a hash of key and seed.
    fn shuffle(keys: &mut [u64], seed: u64) {
        keys.sort_by_key(|k| (k ^ seed).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    }

    #[test]
    fn the_handle_is_small() {
        assert!(size_of::<MessageSet>() <= 24, "{}", size_of::<MessageSet>());
    }

    #[test]
    fn any_insertion_order_gives_the_same_set() {
        let values = keys(1_000);
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
        assert!(!forward.contains(message_key(20_000, 1)));
    }

    #[test]
    fn keys_keep_40_fingerprint_bits_and_the_day() {
        let fp = 0xABCD_EF01_2345_6789;
        let key = message_key(20_400, fp);
        assert_eq!(key, (20_400 << 40) | 0x01_2345_6789);
        assert_eq!(message_key(-5, fp), message_key(0, fp));
        assert_eq!(message_key(70_000, fp) >> 40, 65_535);
        // Only the low 40 bits tell messages of a day apart.
        let mut set = MessageSet::default();
        assert!(set.insert(key));
        assert!(!set.insert(message_key(20_400, fp ^ (0xFF << 40))));
        assert!(set.insert(message_key(20_400, fp ^ 1)));
        assert!(set.insert(message_key(20_401, fp)));
    }

    #[test]
    fn saved_keys_keep_their_layout_and_old_ones_still_match() {
        let fp = 0xABCD_EF01_2345_6789u64;
        let key = message_key(20_400, fp);
        assert_eq!(saved_key(key), (20_400 << 48) | 0x01_2345_6789);
        assert_eq!(key_from_saved(saved_key(key)), key);
        // Written before keys shrank: 48 fingerprint bits.
        let old = (20_400 << 48) | (fp & 0xFFFF_FFFF_FFFF);
        assert_eq!(key_from_saved(old), key);
        let mut loaded = MessageSet::from_saved(vec![old, saved_key(message_key(3, 7))]);
        assert_eq!(loaded.len(), 2);
        assert!(
            !loaded.insert(key),
            "a copy of a message saved with 48 bits"
        );
        assert_eq!(
            loaded.to_saved(),
            [saved_key(message_key(3, 7)), saved_key(key)]
        );
        // Two old keys that differ only above bit 40 are one message now.
        let twin = old ^ (1 << 44);
        assert_eq!(MessageSet::from_saved(vec![twin, old]).len(), 1);
    }

    #[test]
    fn eviction_drops_whole_days_and_keeps_the_rest() {
        let mut set = MessageSet::default();
        for day in [3, 200, 201, 1_000, 70_000] {
            for fp in 0..200 {
                set.insert(message_key(day, fp * 77));
            }
        }
        let all = set.to_sorted();
        set.evict_before(0);
        assert_eq!(set.to_sorted(), all);
        set.evict_before(201);
        assert_eq!(set.len(), 600);
        assert_eq!(set.to_sorted(), all[400..]);
        assert!(set.insert(message_key(1_000, 1)));
        assert!(!set.insert(message_key(201, 77)));
        set.evict_before(65_535);
        assert_eq!(set.len(), 200, "day 65 535 holds every later day");
        set.evict_before(i32::MAX);
        assert_eq!(set.len(), 200);
        set.shrink_to_fit();
        assert!(set.insert(message_key(70_000, 1)));
        let mut all_gone = set.clone();
        all_gone.evict_before(1);
        assert_eq!(all_gone.len(), 201);
        let mut all_gone = MessageSet::default();
        all_gone.insert(message_key(5, 5));
        all_gone.evict_before(6);
        assert!(all_gone.is_empty());
        assert!(all_gone.insert(message_key(5, 5)));
        all_gone.shrink_to_fit();
        assert_eq!(all_gone.len(), 1);
    }

    /// A sender sending a million keys newest first, or shuffled, is served in
    /// about the time of one in time order (a quadratic cost would not finish).
    #[test]
    fn a_million_keys_in_any_order() {
        let n: u64 = if cfg!(debug_assertions) {
            100_000
        } else {
            1_000_000
        };
        // 100 a day: thousands of days, so lookups cannot walk them.
        let mut all: Vec<u64> = (0..n)
            .map(|i| message_key(i as i32 / 100, i.wrapping_mul(0x9e37_79b9_7f4a_7c15)))
            .collect();
        all.sort_unstable();
        all.dedup();
        let mut newest_first = all.clone();
        newest_first.reverse();
        let mut shuffled = all.clone();
        shuffle(&mut shuffled, 7);
        for order in [&newest_first, &shuffled] {
            let mut set = MessageSet::default();
            assert!(order.iter().all(|&k| set.insert(k)));
            assert_eq!(set.len(), all.len());
            assert!(order.iter().rev().all(|&k| !set.insert(k)));
            assert_eq!(set.to_sorted(), all);
        }
    }

    proptest! {
        /// Whatever the order (in time order, reversed, shuffled) and however many
        /// keys share a day, `insert` answers as a set does and keeps the set (up
        /// to 3 000 keys: many merges of waiting keys).
        #[test]
        fn behaves_as_a_set(
            keys in proptest::collection::vec((0i32..6, 0u64..3_000), 0..3_000),
            order in 0u8..3,
            seed in any::<u64>(),
        ) {
            let mut keys: Vec<u64> = keys.into_iter().map(|(day, fp)| message_key(day, fp)).collect();
            match order {
                0 => keys.sort_unstable(),
                1 => keys.sort_unstable_by(|a, b| b.cmp(a)),
                _ => shuffle(&mut keys, seed),
            }
            let mut set = MessageSet::default();
            let mut expected = BTreeSet::new();
            for &k in &keys {
                prop_assert_eq!(set.insert(k), expected.insert(k));
            }
            prop_assert!(expected.iter().all(|&k| set.contains(k)));
            prop_assert_eq!(set.to_sorted(), expected.into_iter().collect::<Vec<_>>());
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        /// Keys in time order (0), newest first (1) or shuffled (2).
        Insert(Vec<(i32, u64)>, u8),
        EvictBefore(i32),
        /// Merges in a set built from these keys in this order.
        Merge(Vec<(i32, u64)>, u8),
        ShrinkToFit,
        SaveAndLoad,
    }

    /// Days from a narrow window (so that many keys share one, in and out of
    /// order), now and then one far off or past the clamp; fingerprints from a
    /// small range (so that copies are frequent), now and then any 64 bits,
    /// whose bits above 40 must not matter.
    fn key() -> impl Strategy<Value = (i32, u64)> {
        let day = prop_oneof![8 => 100i32..108, 1 => 0i32..70_000, 1 => 65_530i32..65_545];
        let fp = prop_oneof![6 => 0u64..64, 1 => any::<u64>(), 1 => (0u64..4).prop_map(|h| (h << 40) | 5)];
        (day, fp)
    }

    fn op() -> impl Strategy<Value = Op> {
        let keys = || proptest::collection::vec(key(), 0..300);
        prop_oneof![
            8 => (keys(), 0u8..3).prop_map(|(k, o)| Op::Insert(k, o)),
            2 => prop_oneof![98i32..110, -2i32..3, 65_530i32..65_545].prop_map(Op::EvictBefore),
            2 => (keys(), 0u8..3).prop_map(|(k, o)| Op::Merge(k, o)),
            1 => Just(Op::ShrinkToFit),
            1 => Just(Op::SaveAndLoad),
        ]
    }

    fn ordered(keys: &[(i32, u64)], order: u8, seed: u64) -> Vec<u64> {
        let mut keys: Vec<u64> = keys.iter().map(|&(d, fp)| message_key(d, fp)).collect();
        match order {
            0 => keys.sort_by_key(|&k| day_of_key(k)),
            1 => keys.sort_by_key(|&k| std::cmp::Reverse(day_of_key(k))),
            _ => shuffle(&mut keys, seed),
        }
        keys
    }

    /// The model: a set of (day, 40-bit fingerprint).
    type Model = BTreeSet<(u16, u64)>;

    fn model_key(key: u64) -> (u16, u64) {
        (day_of_key(key), key & FP_MASK)
    }

    fn model_keys(model: &Model) -> Vec<u64> {
        model
            .iter()
            .map(|&(d, fp)| (u64::from(d) << 40) | fp)
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: cases_or(256),
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// Any sequence of inserts (in any order), evictions, merges, shrinks and
        /// save-and-load round trips leaves the set a `BTreeSet` of (day,
        /// 40-bit fingerprint) would be, and every insert and merge answers as it
        /// does.
        #[test]
        fn matches_a_btreeset_model(ops in proptest::collection::vec(op(), 1..24), seed in any::<u64>()) {
            let mut set = MessageSet::default();
            let mut model = Model::new();
            for op in ops {
                match op {
                    Op::Insert(keys, order) => {
                        for k in ordered(&keys, order, seed) {
                            prop_assert_eq!(set.insert(k), model.insert(model_key(k)), "insert {:x}", k);
                        }
                    }
                    Op::EvictBefore(day) => {
                        set.evict_before(day);
                        if day > 0 {
                            let day = day.min(65_535) as u16;
                            model.retain(|&(d, _)| d >= day);
                        }
                    }
                    Op::Merge(keys, order) => {
                        let mut other = MessageSet::default();
                        let mut theirs = Model::new();
                        for k in ordered(&keys, order, seed ^ 1) {
                            other.insert(k);
                            theirs.insert(model_key(k));
                        }
                        let both = theirs.intersection(&model).count() as u64;
                        prop_assert_eq!(set.merge(&other), both);
                        model.extend(theirs);
                    }
                    Op::ShrinkToFit => set.shrink_to_fit(),
                    Op::SaveAndLoad => {
                        let loaded = MessageSet::from_saved(set.to_saved());
                        prop_assert_eq!(&loaded, &set);
                        set = loaded;
                    }
                }
                prop_assert_eq!(set.len(), model.len());
                prop_assert_eq!(set.is_empty(), model.is_empty());
                prop_assert_eq!(set.to_sorted(), model_keys(&model));
            }
            prop_assert!(model_keys(&model).iter().all(|&k| set.contains(k)));
            // Equality sees the set: the same keys packed in one go.
            let fresh = MessageSet::from_saved(model_keys(&model).into_iter().map(saved_key).collect());
            prop_assert_eq!(&set, &fresh);
            let mut copy = set.clone();
            prop_assert_eq!(copy.bytes.len(), last_group(&set.bytes).map_or(0, |g| g.end()));
            prop_assert_eq!(&copy, &set);
            prop_assert!(model_keys(&model).iter().rev().all(|&k| !copy.insert(k)));
            prop_assert_eq!(set.clone(), fresh.clone());
            // (Day 65 535 cannot be evicted on its own: later days clamp to it.)
            if let Some(&(day, _)) = model.first().filter(|&&(day, _)| day < u16::MAX) {
                let mut fewer = fresh;
                fewer.evict_before(i32::from(day) + 1);
                prop_assert_ne!(&set, &fewer);
            }
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
