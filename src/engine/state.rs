//! Per-entity state: compact, sorted, and built only from commutative updates, so any
//! ingest order and any merge of engines give the same state.
//!
//! Every update is an "upsert" that combines with what is there using an
//! associative, commutative operation (sums, bit-or, min/max, keep-the-k-smallest,
//! keep-the-latest by a total order). Ingest and merge use the same upserts.

use std::cmp::Ordering;

use rust_decimal::Decimal;

use super::history::Folded;
use super::messages::MessageSet;
use super::two_ended::TwoEndedVec;
use crate::time::DayNumber;
use crate::value::Value;

/// An activity cell's account: the user's account as of the snapshot day.
pub(crate) const IMPLICIT: u32 = u32::MAX;
/// A milestone list not kept per account (user milestones).
pub(crate) const ANY_ACCOUNT: u32 = u32::MAX - 1;

/// Activity of one actor on one day for one account slot.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cell {
    pub day: DayNumber,
    pub account: u32,
    pub weight: u32,
    pub count: u32,
    pub features: u64,
    /// Milliseconds into the local day of the first and last activity.
    pub first_ms: u32,
    pub last_ms: u32,
}

impl Cell {
    fn key(&self) -> (DayNumber, u32) {
        (self.day, self.account)
    }
    fn combine(&mut self, o: &Cell) {
        self.weight = self.weight.saturating_add(o.weight);
        self.count = self.count.saturating_add(o.count);
        self.features |= o.features;
        self.first_ms = self.first_ms.min(o.first_ms);
        self.last_ms = self.last_ms.max(o.last_ms);
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DeviceCell {
    pub day: DayNumber,
    pub device: u32,
    pub count: u32,
}

/// A usage metric's sum for one actor, day and account slot.
#[derive(Default, Clone, Copy)]
pub(crate) struct UsageCell {
    pub day: DayNumber,
    pub account: u32,
    /// The sum as [`Decimal::serialize`] lays it out, with the metric in its
    /// first byte: the low bits of a `Decimal`'s flags, which it leaves unused
    /// and [`Decimal::deserialize`] ignores. A cell is 24 bytes so, where a `u8`
    /// beside a `Decimal` padded it to 28; the sum is the `Decimal` itself, bit
    /// for bit.
    metric_and_sum: [u8; 16],
}

impl UsageCell {
    pub fn new(day: DayNumber, account: u32, metric: u8, sum: Decimal) -> UsageCell {
        let mut metric_and_sum = sum.serialize();
        metric_and_sum[0] = metric;
        UsageCell {
            day,
            account,
            metric_and_sum,
        }
    }

    pub fn metric(&self) -> u8 {
        self.metric_and_sum[0]
    }

    pub fn sum(&self) -> Decimal {
        Decimal::deserialize(self.metric_and_sum)
    }

    fn key(&self) -> (DayNumber, u32, u8) {
        (self.day, self.account, self.metric())
    }

    fn combine(&mut self, o: &UsageCell) {
        *self = UsageCell::new(
            self.day,
            self.account,
            self.metric(),
            self.sum().saturating_add(o.sum()),
        );
    }
}

/// Equal sums compare as numbers (`1.0` and `1.00` are equal), as `Decimal` does.
impl PartialEq for UsageCell {
    fn eq(&self, o: &UsageCell) -> bool {
        self.key() == o.key() && self.sum() == o.sum()
    }
}

impl Eq for UsageCell {}

impl std::fmt::Debug for UsageCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UsageCell")
            .field("day", &self.day)
            .field("account", &self.account)
            .field("metric", &self.metric())
            .field("sum", &self.sum())
            .finish()
    }
}

/// The earliest `k` timestamps of a milestone's event (all that deciding "met, and
/// when" ever needs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MilestoneTimes {
    pub tracked: u16,
    pub account: u32,
    pub times: Vec<i64>,
    /// No later time can enter `times` (its last, once it holds all `k`; else
    /// `i64::MAX`). Kept beside the list so that a call in time order, which
    /// nearly always comes after the earliest `k`, is turned away without a
    /// look into the list's own allocation.
    pub closed_from: i64,
}

/// The order that decides which of two same-day facts is "the latest": timestamp,
/// then a fingerprint of the message, then of the value: total and input-order free.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Stamp {
    pub ms: i64,
    pub tiebreak: u64,
}

/// A dated link: actor → account (group) or actor → actor (alias / identify).
/// Only the latest per (kind, day) is kept: snapshots ask "as of the end of day D".
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DayLink {
    pub kind: LinkKind,
    pub day: DayNumber,
    pub stamp: Stamp,
    pub target: u32,
}

/// What a [`DayLink`]'s target is. An id's links of both kinds share one list
/// (group links first): nearly every id has a link of one kind and few have
/// both, so a second list would be a second 24-byte handle per id, mostly empty.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum LinkKind {
    /// To an account: the actor's `group` calls.
    #[default]
    Group,
    /// To another actor: `alias`, or `identify` of an anonymous id.
    Parent,
}

/// A trait value; the latest per (key, day) is kept.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct TraitVersion {
    pub key: u32,
    pub day: DayNumber,
    pub stamp: Stamp,
    pub value: Value,
}

/// The day's NPS response that counts: the latest, and of two at the same
/// millisecond the lower score. Only one per day is kept: a snapshot reads the
/// latest response of a range of whole days.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NpsResponse {
    pub day: DayNumber,
    pub ms: i64,
    pub score: u8,
}

impl NpsResponse {
    /// The order that picks the response: later first, then the lower score.
    pub fn rank(&self) -> (i64, std::cmp::Reverse<u8>) {
        (self.ms, std::cmp::Reverse(self.score))
    }
}

/// A `group` call that set the account's `mrr`: above 0 or not (0, negative,
/// null, or not a number). Per day only what churn needs is kept (see
/// [`add_mrr_call`]).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct MrrCall {
    pub day: DayNumber,
    pub stamp: Stamp,
    pub positive: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Contact {
    pub ms: i64,
    pub purpose: String,
}

/// Everything known about one id (a user id or an anonymous id).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ActorState {
    /// Earliest call that carried this id as `userId` ([`NEVER_USER`]: only ever
    /// anonymous; a sentinel, where an `Option` took 8 bytes more per id). Read
    /// it through [`ActorState::user_since`].
    user_since: i64,
    /// Earliest call of any kind.
    pub first_call: i64,
    pub cells: TwoEndedVec<Cell>,
    pub devices: TwoEndedVec<DeviceCell>,
    pub usage: TwoEndedVec<UsageCell>,
    /// Group links, then parent links, each kind in day order (see [`LinkKind`]).
    pub links: TwoEndedVec<DayLink>,
    pub traits: TwoEndedVec<TraitVersion>,
    /// Fingerprints of the `messageId`s accepted from this sender, sorted.
    pub messages: MessageSet,
    /// Milestones, contacts, NPS responses and folded history.
    pub rare: RareLists,
}

/// The lists of an id that most ids leave empty.
///
/// Milestones are reached by most users (not by their anonymous ids); the other
/// lists by few ids at all. So those sit out of line once more: a user with
/// milestones pays 8 bytes for them here, where they took 72.
#[derive(Debug, Clone, Default)]
pub(crate) struct Rare {
    pub milestones: Vec<MilestoneTimes>,
    rarer: Option<Box<Rarer>>,
}

/// The rarest lists of an id (see [`Rare`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Rarer {
    pub contacts: Vec<Contact>,
    /// NPS responses, one per day (only with `health.nps` configured).
    pub nps: TwoEndedVec<NpsResponse>,
    /// Lifetime facts of forgotten days, by account slot.
    pub folded: Vec<Folded>,
}

impl Rarer {
    fn is_empty(&self) -> bool {
        self.contacts.is_empty() && self.nps.is_empty() && self.folded.is_empty()
    }
}

impl Rare {
    fn is_empty(&self) -> bool {
        self.milestones.is_empty() && self.rarer.as_ref().is_none_or(|r| r.is_empty())
    }

    pub fn rarer(&self) -> Option<&Rarer> {
        self.rarer.as_deref()
    }

    /// The rarest lists, made on first use.
    pub fn rarer_mut(&mut self) -> &mut Rarer {
        self.rarer.get_or_insert_with(Box::default)
    }

    /// Takes the rarest lists (empty if there were none).
    pub fn take_rarer(&mut self) -> Rarer {
        self.rarer.take().map(|r| *r).unwrap_or_default()
    }
}

/// As for [`RareLists`]: no lists and empty lists are the same value.
impl PartialEq for Rare {
    fn eq(&self, other: &Rare) -> bool {
        self.milestones == other.milestones
            && match (self.rarer(), other.rarer()) {
                (Some(a), Some(b)) => a == b,
                (Some(r), None) | (None, Some(r)) => r.is_empty(),
                (None, None) => true,
            }
    }
}

/// The [`Rare`] lists of an id, out of line: an id with none of them (most ids)
/// pays 8 bytes for them. No lists and empty
/// lists are the same value (for equality), so which of the two an
/// id holds cannot change an answer.
#[derive(Debug, Clone, Default)]
pub(crate) struct RareLists(Option<Box<Rare>>);

impl RareLists {
    pub fn get(&self) -> Option<&Rare> {
        self.0.as_deref()
    }

    pub fn get_mut(&mut self) -> Option<&mut Rare> {
        self.0.as_deref_mut()
    }

    /// The lists, made on first use.
    pub fn or_default(&mut self) -> &mut Rare {
        self.0.get_or_insert_with(Box::default)
    }

    /// The rarest lists, made on first use.
    pub fn rarer_mut(&mut self) -> &mut Rarer {
        self.or_default().rarer_mut()
    }

    /// The rarest lists, if there are any to change.
    pub fn rarer_get_mut(&mut self) -> Option<&mut Rarer> {
        self.get_mut().and_then(|r| r.rarer.as_deref_mut())
    }

    fn rarer(&self) -> Option<&Rarer> {
        self.get().and_then(Rare::rarer)
    }

    pub fn is_empty(&self) -> bool {
        self.0.as_ref().is_none_or(|r| r.is_empty())
    }

    pub fn take(&mut self) -> Rare {
        self.0.take().map(|r| *r).unwrap_or_default()
    }
}

impl PartialEq for RareLists {
    fn eq(&self, other: &RareLists) -> bool {
        match (self.get(), other.get()) {
            (Some(a), Some(b)) => a == b,
            (Some(r), None) | (None, Some(r)) => r.is_empty(),
            (None, None) => true,
        }
    }
}

/// [`ActorState::user_since`] of an id never seen as `userId`: later than any
/// instant a call can carry, so `min` with a real time gives that time.
const NEVER_USER: i64 = i64::MAX;

impl ActorState {
    pub fn new(first_call: i64) -> ActorState {
        ActorState {
            user_since: NEVER_USER,
            first_call,
            cells: TwoEndedVec::default(),
            devices: TwoEndedVec::default(),
            usage: TwoEndedVec::default(),
            links: TwoEndedVec::default(),
            traits: TwoEndedVec::default(),
            messages: MessageSet::default(),
            rare: RareLists::default(),
        }
    }

    pub fn milestones(&self) -> &[MilestoneTimes] {
        self.rare.get().map_or(&[], |r| &r.milestones)
    }

    pub fn contacts(&self) -> &[Contact] {
        self.rare.rarer().map_or(&[], |r| &r.contacts)
    }

    pub fn nps(&self) -> &[NpsResponse] {
        self.rare.rarer().map_or(&[], |r| &r.nps)
    }

    pub fn folded(&self) -> &[Folded] {
        self.rare.rarer().map_or(&[], |r| &r.folded)
    }

    /// Earliest call that carried this id as `userId` (`None`: only ever anonymous).
    pub fn user_since(&self) -> Option<i64> {
        (self.user_since != NEVER_USER).then_some(self.user_since)
    }

    /// Sets what [`ActorState::user_since`] gives (a loaded state's value; every
    /// time a call can carry is below the sentinel).
    pub fn set_user_since(&mut self, since: Option<i64>) {
        self.user_since = since.unwrap_or(NEVER_USER);
    }

    pub fn seen_at(&mut self, ms: i64, as_user: bool) {
        self.first_call = self.first_call.min(ms);
        if as_user {
            self.user_since = self.user_since.min(ms);
        }
    }

    /// The links to accounts (`group` calls), in day order.
    pub fn groups(&self) -> &[DayLink] {
        &self.links[..self.links_split()]
    }

    /// The links to other actors (alias, identify), in day order.
    pub fn parents(&self) -> &[DayLink] {
        &self.links[self.links_split()..]
    }

    fn links_split(&self) -> usize {
        self.links.partition_point(|l| l.kind == LinkKind::Group)
    }

    /// Keeps the latest link per (kind, day).
    pub fn add_link(&mut self, link: DayLink) {
        upsert_link(&mut self.links, link);
    }

    pub fn add_cell(&mut self, cell: Cell) {
        upsert_sorted(&mut self.cells, cell, Cell::key, Cell::combine);
    }

    pub fn add_device(&mut self, d: DeviceCell) {
        upsert_sorted(
            &mut self.devices,
            d,
            |c| (c.day, c.device),
            |c, d| c.count = c.count.saturating_add(d.count),
        );
    }

    pub fn add_usage(&mut self, u: UsageCell) {
        upsert_sorted(&mut self.usage, u, UsageCell::key, UsageCell::combine);
    }

    pub fn add_milestone_times(&mut self, tracked: u16, account: u32, times: &[i64], k: u32) {
        let milestones = &mut self.rare.or_default().milestones;
        let i = match milestones
            .binary_search_by(|m| (m.tracked, m.account).cmp(&(tracked, account)))
        {
            Ok(i) => i,
            Err(i) => {
                // An id tracks a few milestones, each added once: room for just
                // those (a `Vec` would start at 4 of these 40-byte items).
                milestones.reserve_exact(1);
                milestones.insert(
                    i,
                    MilestoneTimes {
                        tracked,
                        account,
                        times: Vec::new(),
                        closed_from: i64::MAX,
                    },
                );
                i
            }
        };
        let list = &mut milestones[i];
        if times.iter().all(|&t| t >= list.closed_from) {
            return;
        }
        keep_smallest(&mut list.times, times, k as usize);
        if list.times.len() >= k as usize {
            list.closed_from = list.times.last().copied().unwrap_or(i64::MIN);
        }
    }

    /// Whether `ms` is among the kept times of a milestone list.
    pub fn has_milestone_time(&self, tracked: u16, account: u32, ms: i64) -> bool {
        let milestones = self.milestones();
        milestones
            .binary_search_by(|m| (m.tracked, m.account).cmp(&(tracked, account)))
            .is_ok_and(|i| milestones[i].times.binary_search(&ms).is_ok())
    }

    pub fn add_nps(&mut self, r: NpsResponse) {
        upsert_sorted(
            &mut self.rare.rarer_mut().nps,
            r,
            |n| n.day,
            |n, r| {
                if r.rank() > n.rank() {
                    *n = *r;
                }
            },
        );
    }

    pub fn add_contact(&mut self, c: Contact) {
        let contacts = &mut self.rare.rarer_mut().contacts;
        if let Err(i) = contacts.binary_search(&c) {
            contacts.insert(i, c);
        }
    }
}

/// Inserts `item` into `list`, kept sorted by `key`, or combines it into the entry
/// with the same key. Calls mostly arrive in time order, so the last entry is
/// tried first: the usual case is a combine or a push, with no search. Next
/// comes the entry before it: a day's calls with and without an account
/// arrive interleaved, and fill that day's last two entries.
#[inline]
fn upsert_sorted<T: Default, K: Ord>(
    list: &mut TwoEndedVec<T>,
    item: T,
    key: impl Fn(&T) -> K,
    combine: impl Fn(&mut T, &T),
) {
    let k = key(&item);
    if let Some(last) = list.last_mut() {
        match key(last).cmp(&k) {
            Ordering::Equal => return combine(last, &item),
            Ordering::Less => return list.push(item),
            Ordering::Greater => {}
        }
    }
    if let Some(before) = list.len().checked_sub(2) {
        let entry = &mut list[before];
        match key(entry).cmp(&k) {
            Ordering::Equal => return combine(entry, &item),
            Ordering::Less => return list.insert(before + 1, item),
            Ordering::Greater => {}
        }
    }
    match list.binary_search_by(|c| key(c).cmp(&k)) {
        Ok(i) => combine(&mut list[i], &item),
        Err(i) => list.insert(i, item),
    }
}

/// How another engine's ids translate into this one's, for a merge.
pub(crate) struct Remap<'a> {
    pub accounts: &'a [u32],
    /// Actor ids (parent links).
    pub actors: &'a [u32],
    pub devices: &'a [u32],
    pub trait_keys: &'a [u32],
}

impl Remap<'_> {
    /// An activity's account slot: an account id, or `IMPLICIT` / `ANY_ACCOUNT`,
    /// which stay as they are.
    fn slot(&self, account: u32) -> u32 {
        if account >= ANY_ACCOUNT {
            account
        } else {
            self.accounts[account as usize]
        }
    }
}

impl ActorState {
    /// Rewrites every id into the ids of a merge target, then restores the key
    /// order of the lists whose keys hold ids (the maps are one-to-one, so keys
    /// stay distinct).
    pub fn remap(&mut self, ids: &Remap<'_>) {
        for c in &mut self.cells {
            c.account = ids.slot(c.account);
        }
        self.cells.sort_unstable_by_key(Cell::key);
        for d in &mut self.devices {
            d.device = ids.devices[d.device as usize];
        }
        self.devices.sort_unstable_by_key(|d| (d.day, d.device));
        for u in &mut self.usage {
            u.account = ids.slot(u.account);
        }
        self.usage.sort_unstable_by_key(UsageCell::key);
        if let Some(rare) = self.rare.get_mut() {
            for m in &mut rare.milestones {
                m.account = ids.slot(m.account);
            }
            rare.milestones
                .sort_unstable_by_key(|m| (m.tracked, m.account));
            if let Some(rarer) = rare.rarer.as_deref_mut() {
                for f in &mut rarer.folded {
                    f.account = ids.slot(f.account);
                }
                rarer.folded.sort_unstable_by_key(|f| f.account);
            }
        }
        // Kinds and days stay, so the links keep their order.
        for l in &mut self.links {
            l.target = match l.kind {
                LinkKind::Group => ids.accounts[l.target as usize],
                LinkKind::Parent => ids.actors[l.target as usize],
            };
        }
        for v in &mut self.traits {
            v.key = ids.trait_keys[v.key as usize];
        }
        self.traits.sort_unstable_by_key(|v| (v.key, v.day));
    }

    /// Whether nothing but the first-seen times is known.
    pub fn is_blank(&self) -> bool {
        self.cells.is_empty()
            && self.devices.is_empty()
            && self.usage.is_empty()
            && self.links.is_empty()
            && self.traits.is_empty()
            && self.messages.is_empty()
            && self.rare.is_empty()
    }

    /// Takes every list of `other` (this one's must be blank); the first-seen
    /// times are left to the caller, which has combined them already.
    pub fn adopt(&mut self, other: ActorState) {
        debug_assert!(self.is_blank());
        self.cells = other.cells;
        self.devices = other.devices;
        self.usage = other.usage;
        self.links = other.links;
        self.traits = other.traits;
        self.messages = other.messages;
        self.rare = other.rare;
    }
}

/// Merges `new` into the sorted `times`, keeping the `k` smallest.
pub(crate) fn keep_smallest(times: &mut Vec<i64>, new: &[i64], k: usize) {
    for &t in new {
        if times.len() >= k {
            if times.last().is_none_or(|&last| t >= last) {
                continue;
            }
            // `t` takes the place of the last: the list stays within its room.
            times.pop();
        } else if times.len() == times.capacity() {
            // Never room for more than `k`: most lists keep 1 or a few times,
            // where `Vec` would start at 4 and then double.
            times.reserve_exact(times.len().max(1).min(k - times.len()));
        }
        let i = times.partition_point(|&x| x <= t);
        times.insert(i, t);
    }
}

/// Keeps the latest link per (kind, day).
fn upsert_link(links: &mut TwoEndedVec<DayLink>, link: DayLink) {
    match links.binary_search_by(|l| (l.kind, l.day).cmp(&(link.kind, link.day))) {
        Ok(i) => {
            if (link.stamp, link.target) > (links[i].stamp, links[i].target) {
                links[i] = link;
            }
        }
        Err(i) => links.insert(i, link),
    }
}

/// The latest link on or before `day` (of links of one kind).
pub(crate) fn link_as_of(links: &[DayLink], day: DayNumber) -> Option<&DayLink> {
    let n = links.partition_point(|l| l.day <= day);
    n.checked_sub(1).map(|i| &links[i])
}

/// Keeps the latest version per (key, day).
pub(crate) fn upsert_trait(traits: &mut TwoEndedVec<TraitVersion>, v: TraitVersion) {
    match traits.binary_search_by(|t| (t.key, t.day).cmp(&(v.key, v.day))) {
        Ok(i) => {
            if trait_order(&v, &traits[i]) == Ordering::Greater {
                traits[i] = v;
            }
        }
        Err(i) => traits.insert(i, v),
    }
}

/// Total order of two versions of a trait: stamp, then the value's fingerprint.
pub(crate) fn trait_order(a: &TraitVersion, b: &TraitVersion) -> Ordering {
    a.stamp
        .cmp(&b.stamp)
        .then_with(|| value_fingerprint(&a.value).cmp(&value_fingerprint(&b.value)))
}

fn value_fingerprint(v: &Value) -> u64 {
    crate::hash::fingerprint64(format!("{}:{v}", v.type_name()).as_bytes())
}

/// Account-level facts from `group` calls and attributed activity.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AccountState {
    pub first_call: i64,
    pub traits: TwoEndedVec<TraitVersion>,
    /// Fingerprints of the `messageId`s of `group` calls sent without a user.
    pub messages: MessageSet,
    /// The `group` calls that set `mrr` (only with `health` configured).
    pub mrr: TwoEndedVec<MrrCall>,
}

/// Adds a call that set `mrr`, keeping per day only what revenue and churn read:
/// the day's latest call above 0 and the calls not above 0 after it (any of them
/// may be the one that churned the account, once a later positive call of that
/// day is known). The kept list is a function of the set of calls, whatever their
/// order, so ingest and merge agree.
pub(crate) fn add_mrr_call(list: &mut TwoEndedVec<MrrCall>, call: MrrCall) {
    let i = match list.binary_search(&call) {
        Ok(_) => return,
        Err(i) => i,
    };
    list.insert(i, call);
    let start = list.partition_point(|c| c.day < call.day);
    let end = list.partition_point(|c| c.day <= call.day);
    if let Some(last_positive) = list[start..end].iter().rposition(|c| c.positive) {
        // Everything of the day before its latest positive call no longer matters.
        list.remove_range(start..start + last_positive);
    }
}

/// As of the end of `day`: whether any call set `mrr` above 0, and when the
/// account churned (the earliest call not above 0 after the latest one above 0).
pub(crate) fn mrr_history(list: &[MrrCall], day: DayNumber) -> (bool, Option<i64>) {
    let known = &list[..list.partition_point(|c| c.day <= day)];
    match known.iter().rposition(|c| c.positive) {
        None => (false, None),
        Some(p) => (true, known.get(p + 1).map(|c| c.stamp.ms)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The per-id record and the list items are most of an engine's memory; a
    /// field that widens one shows here first.
    #[test]
    fn sizes() {
        use std::mem::size_of;
        println!(
            "ActorState {} Cell {} UsageCell {} TraitVersion {} DeviceCell {} DayLink {}",
            size_of::<ActorState>(),
            size_of::<Cell>(),
            size_of::<UsageCell>(),
            size_of::<TraitVersion>(),
            size_of::<DeviceCell>(),
            size_of::<DayLink>(),
        );
        assert!(size_of::<ActorState>() - size_of::<MessageSet>() <= 144);
        assert!(size_of::<Rare>() <= 32);
        assert!(size_of::<Cell>() <= 32);
        assert!(size_of::<UsageCell>() <= 24);
        assert!(size_of::<DeviceCell>() <= 12);
        assert!(size_of::<DayLink>() <= 32);
    }

    #[test]
    fn keep_smallest_is_order_free() {
        let mut a = Vec::new();
        keep_smallest(&mut a, &[5, 1, 9, 3, 3], 3);
        let mut b = Vec::new();
        keep_smallest(&mut b, &[9, 3], 3);
        keep_smallest(&mut b, &[3, 5, 1], 3);
        assert_eq!(a, [1, 3, 3]);
        assert_eq!(a, b);
    }

    proptest::proptest! {
        /// A usage cell gives back its metric and its sum bit for bit (sign of
        /// zero and scale included).
        #[test]
        fn a_usage_cell_keeps_metric_and_sum_exactly(
            metric in proptest::prelude::any::<u8>(),
            (lo, mid, hi) in proptest::prelude::any::<(u32, u32, u32)>(),
            negative in proptest::prelude::any::<bool>(),
            scale in 0u32..=28,
        ) {
            let zero = Decimal::from_parts(0, 0, 0, false, 0);
            for sum in [
                Decimal::from_parts(lo, mid, hi, negative, scale),
                Decimal::from_parts(lo, 0, 0, negative, scale),
                -zero,
                Decimal::MAX,
                Decimal::MIN,
            ] {
                let cell = UsageCell::new(-3, 7, metric, sum);
                proptest::prop_assert_eq!(cell.metric(), metric);
                proptest::prop_assert_eq!(cell.sum().serialize(), sum.serialize());
            }
        }

        /// Whatever the batches, the list is the `k` smallest of all times, and
        /// never has room for more.
        #[test]
        fn keep_smallest_keeps_the_k_smallest_in_k_slots(
            batches in proptest::collection::vec(proptest::collection::vec(0i64..20, 0..6), 0..8),
            k in 0usize..7,
        ) {
            let mut times = Vec::new();
            for batch in &batches {
                keep_smallest(&mut times, batch, k);
            }
            let mut model: Vec<i64> = batches.concat();
            model.sort_unstable();
            model.truncate(k);
            proptest::prop_assert_eq!(&times, &model);
            proptest::prop_assert!(times.capacity() <= k);
        }
    }
}
