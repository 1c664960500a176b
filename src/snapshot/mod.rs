//! Snapshots: every property of every user and account as of a day.

mod account;
mod aggregate;
mod build;
mod health;
mod parallel;
mod people;
mod portfolio;
mod serial;
mod traits;
mod user;

use chrono::NaiveDate;

use crate::engine::Engine;
use crate::record::Record;
use crate::rule::{Memberships, Transition};

pub(crate) use health::mrr_amount;

/// Every user (Contact) and account (Company) record as of a day D.
///
/// Records are sorted by id. Point-in-time: the snapshot of D is computed as if only
/// the calls stamped up to the end of D (in the configured offset) existed.
///
/// With serde a snapshot is kept whole and reads back equal, every value with its
/// variant (a date stays a date):
///
/// ```
/// use pulsecheck::sample::{self, Sample};
/// use pulsecheck::{Engine, Snapshot};
///
/// let sample = Sample::new().accounts(2);
/// let mut engine = Engine::new(sample::config())?;
/// for call in sample.calls() {
///     engine.ingest(&call)?;
/// }
/// let snapshot = engine.snapshot(sample.end());
/// let text = serde_json::to_string(&snapshot)?;
/// assert_eq!(serde_json::from_str::<Snapshot>(&text)?, snapshot);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    day: NaiveDate,
    users: Vec<Record>,
    accounts: Vec<Record>,
    transitions: Vec<Transition>,
}

impl Snapshot {
    /// The day D.
    pub fn day(&self) -> NaiveDate {
        self.day
    }

    /// User records, sorted by user id.
    pub fn users(&self) -> &[Record] {
        &self.users
    }

    /// Account records, sorted by account id.
    pub fn accounts(&self) -> &[Record] {
        &self.accounts
    }

    /// One user's record.
    pub fn user(&self, id: &str) -> Option<&Record> {
        find(&self.users, id)
    }

    /// One account's record.
    pub fn account(&self, id: &str) -> Option<&Record> {
        find(&self.accounts, id)
    }

    /// Segment membership changes (entered / exited, with the day), for snapshots
    /// taken with [`Engine::snapshot_tracked`]; empty otherwise.
    pub fn transitions(&self) -> &[Transition] {
        &self.transitions
    }

    /// Accounts, then users.
    pub fn records(&self) -> impl Iterator<Item = &Record> + '_ {
        self.accounts.iter().chain(&self.users)
    }
}

pub(crate) fn find<'a>(records: &'a [Record], id: &str) -> Option<&'a Record> {
    records
        .binary_search_by(|r| r.id().cmp(id))
        .ok()
        .map(|i| &records[i])
}

impl Engine {
    /// Every computed property (see the crate's property tables) for every user and account, as of `day`.
    ///
    /// Calls stamped after the end of `day` are ignored, so any past day gives the
    /// answer it would have given then (backfill), and the trend compares with the
    /// same computation as of `day − window_days`.
    ///
    /// Segments are decided from this day alone: a record is in a segment when its
    /// `enter` rule holds (and its `exit` rule, if any, does not). For hysteresis
    /// across successive days, use [`snapshot_tracked`](Self::snapshot_tracked).
    pub fn snapshot(&self, day: NaiveDate) -> Snapshot {
        let (users, accounts, transitions) = build::build(self, day, None, self.snapshot_threads());
        Snapshot {
            day,
            users,
            accounts,
            transitions,
        }
    }

    /// A snapshot whose segments remember the previous ones: a record already in a
    /// segment (per `memberships`) leaves only when the segment's `exit` rule holds,
    /// so a score wobbling around a threshold does not flap in the CRM. Updates
    /// `memberships` and reports every change in [`Snapshot::transitions`]. Take
    /// tracked snapshots in increasing day order; keep `memberships` (it is serde)
    /// between runs.
    ///
    /// ```
    /// use chrono::{NaiveDate, TimeZone, Utc};
    /// use pulsecheck::{Config, Engine, Memberships, Track, UserId};
    ///
    /// let config = Config::builder().user_segment("active", "event_count > 0").build().unwrap();
    /// let mut engine = Engine::new(config).unwrap();
    /// let at = Utc.with_ymd_and_hms(2026, 10, 30, 9, 0, 0).unwrap();
    /// engine.ingest(&Track::new(UserId::from("u1"), "Report Run", at).into()).unwrap();
    ///
    /// let mut memberships = Memberships::new();
    /// let day = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
    /// let snapshot = engine.snapshot_tracked(day, &mut memberships);
    /// assert_eq!(snapshot.transitions().len(), 1);
    /// assert_eq!(snapshot.transitions()[0].segment(), "active");
    /// assert!(engine.snapshot_tracked(day, &mut memberships).transitions().is_empty());
    /// ```
    pub fn snapshot_tracked(&self, day: NaiveDate, memberships: &mut Memberships) -> Snapshot {
        let (users, accounts, transitions) =
            build::build(self, day, Some(memberships), self.snapshot_threads());
        Snapshot {
            day,
            users,
            accounts,
            transitions,
        }
    }
}
