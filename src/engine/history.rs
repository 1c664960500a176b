//! Bounded history: daily detail is kept for the days snapshots still need, and
//! older activity is folded into a few lifetime facts per actor.
//!
//! A snapshot of day D reads daily detail back to D − [`Config::history_days`](crate::Config::history_days) + 1
//! (the window and the previous window, and the lookback as of D − N). Everything
//! older only feeds lifetime properties: first and last activity, and the features
//! ever used, per account slot. [`Engine::evict_before`] keeps exactly that, so the
//! state of a long-running engine stays bounded while every snapshot of a day whose
//! history is retained is unchanged.
//!
//! Eviction is order-free like the rest of the state: a call for a forgotten day
//! that arrives later is folded the same way (its effect on the lifetime facts is a
//! minimum, a maximum and a union, so a copy of it changes nothing either). The
//! day is chosen by the host, never inferred from the newest call, so one call
//! stamped far in the future cannot wipe the history.

use chrono::NaiveDate;

use super::Engine;
use super::state::{ActorState, Cell};
use crate::time::{DayNumber, date_of, day_number, day_start_ms};

/// The lifetime facts of an actor's forgotten activity for one account slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Folded {
    /// The account, or `IMPLICIT` (the person's account as of the snapshot day).
    pub account: u32,
    /// Earliest and latest activity, UTC ms.
    pub first_ms: i64,
    pub last_ms: i64,
    /// Features ever used.
    pub features: u64,
}

impl Folded {
    fn combine(&mut self, o: &Folded) {
        self.first_ms = self.first_ms.min(o.first_ms);
        self.last_ms = self.last_ms.max(o.last_ms);
        self.features |= o.features;
    }
}

/// Adds `f` to the sorted-by-account list.
pub(crate) fn fold(list: &mut Vec<Folded>, f: Folded) {
    match list.binary_search_by_key(&f.account, |x| x.account) {
        Ok(i) => list[i].combine(&f),
        Err(i) => list.insert(i, f),
    }
}

/// What an eviction removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Eviction {
    cells: u64,
    messages: u64,
}

impl Eviction {
    /// Daily activity entries (per actor, day and account) folded into lifetime facts.
    pub fn folded_days(&self) -> u64 {
        self.cells
    }

    /// `messageId` fingerprints forgotten with their days.
    pub fn forgotten_messages(&self) -> u64 {
        self.messages
    }
}

impl ActorState {
    /// Folds the activity of days before `day` into lifetime facts and drops the
    /// daily detail and message keys of those days. Returns `(cells, messages)`
    /// removed.
    pub(crate) fn evict_before(&mut self, day: DayNumber, offset: i32) -> (u64, u64) {
        let old = self.cells.partition_point(|c| c.day < day);
        if old > 0 {
            let folded = &mut self.rare.rarer_mut().folded;
            for cell in self.cells.drain(0..old) {
                fold(folded, folded_of(&cell, offset));
            }
        }
        self.devices.retain(|d| d.day >= day);
        self.usage.retain(|u| u.day >= day);
        if let Some(rarer) = self.rare.rarer_get_mut() {
            rarer.nps.retain(|n| n.day >= day);
        }
        let before = self.messages.len();
        self.messages.evict_before(day);
        (old as u64, (before - self.messages.len()) as u64)
    }
}

/// The lifetime facts of one day's cell.
pub(crate) fn folded_of(cell: &Cell, offset: i32) -> Folded {
    let base = day_start_ms(cell.day, offset);
    Folded {
        account: cell.account,
        first_ms: base + i64::from(cell.first_ms),
        last_ms: base + i64::from(cell.last_ms),
        features: cell.features,
    }
}

impl Engine {
    /// Forgets the daily detail of the days before `day`, keeping what lifetime
    /// properties need (first and last activity, features ever used), and the
    /// `messageId`s and NPS responses of those days. Identity links, traits (and
    /// the `group` calls that set `mrr`), milestones and contacts are kept whole. Calls for forgotten days that arrive later are folded the same
    /// way. Their `messageId`s are forgotten too, so a late copy of such a call is
    /// accepted rather than reported as a duplicate; folding makes it harmless, and
    /// milestone times already counted are not counted again (two distinct events of
    /// one milestone at the very same millisecond on a forgotten day count once).
    ///
    /// A snapshot of any day D with D − [`Config::history_days`](crate::Config::history_days) + 1 ≥ `day` is
    /// exactly what it was before; for earlier days the window sums are incomplete.
    /// Call it as days pass, e.g. daily with `day = today − history_days + 1`, to
    /// keep the state bounded. Evicting an earlier day than before changes nothing.
    ///
    /// The lists keep their capacity: the days that follow fill the room the
    /// forgotten ones leave, so a rolling history neither shrinks nor regrows them
    /// every day. (Shrinking each list in place also left holes among them that the
    /// next snapshot's records were scattered into: that snapshot was about 25 %
    /// slower.) After evicting much more than a day, e.g. once a long backlog is
    /// loaded, call [`shrink_to_fit`](Self::shrink_to_fit) to give the room back.
    ///
    /// ```
    /// use chrono::Days;
    /// use pulsecheck::{Engine, sample::{self, Sample}};
    ///
    /// let sample = Sample::new().accounts(2).days(200);
    /// let mut engine = Engine::new(sample::config()).unwrap();
    /// for call in sample.calls() {
    ///     engine.ingest(&call).unwrap();
    /// }
    /// let before = engine.snapshot(sample.end());
    /// let keep = u64::from(engine.config().history_days());
    /// let evicted = engine.evict_before(sample.end() - Days::new(keep - 1));
    /// assert!(evicted.folded_days() > 0);
    /// assert_eq!(engine.snapshot(sample.end()), before);
    /// ```
    pub fn evict_before(&mut self, day: NaiveDate) -> Eviction {
        self.evict_before_day(day_number(day))
    }

    /// [`evict_before`](Self::evict_before) by day number.
    pub(crate) fn evict_before_day(&mut self, day: DayNumber) -> Eviction {
        if self.state.retained_from.is_some_and(|r| r >= day) {
            return Eviction::default();
        }
        self.state.retained_from = Some(day);
        let offset = self.compiled.offset;
        let mut eviction = Eviction::default();
        for actor in &mut self.state.actors {
            let (cells, messages) = actor.evict_before(day, offset);
            eviction.cells += cells;
            eviction.messages += messages;
        }
        for account in &mut self.state.accounts {
            let before = account.messages.len();
            account.messages.evict_before(day);
            eviction.messages += (before - account.messages.len()) as u64;
        }
        eviction
    }

    /// The first day whose daily detail is kept, once [`evict_before`](Self::evict_before)
    /// has been called.
    pub fn retained_from(&self) -> Option<NaiveDate> {
        self.state.retained_from.map(date_of)
    }
}
