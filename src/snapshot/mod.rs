//! Snapshots: every property of every user and account as of a day.

mod aggregate;
mod build;
mod people;
mod traits;

use chrono::NaiveDate;

use crate::engine::Engine;
use crate::record::Record;

/// Every user (Contact) and account (Company) record as of a day D.
///
/// Records are sorted by id. Point-in-time: the snapshot of D is computed as if only
/// the calls stamped up to the end of D (in the configured offset) existed.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    day: NaiveDate,
    users: Vec<Record>,
    accounts: Vec<Record>,
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

    /// Accounts, then users.
    pub fn records(&self) -> impl Iterator<Item = &Record> + '_ {
        self.accounts.iter().chain(&self.users)
    }

    /// Mutable access for the stages that fill segments and actions.
    pub(crate) fn parts_mut(&mut self) -> (&mut Vec<Record>, &mut Vec<Record>) {
        (&mut self.users, &mut self.accounts)
    }
}

fn find<'a>(records: &'a [Record], id: &str) -> Option<&'a Record> {
    records
        .binary_search_by(|r| r.id().cmp(id))
        .ok()
        .map(|i| &records[i])
}

impl Engine {
    /// Every property of SPEC §3 for every user and account, as of `day`.
    ///
    /// Calls stamped after the end of `day` are ignored, so any past day gives the
    /// answer it would have given then (backfill), and the trend compares with the
    /// same computation as of `day − window_days`.
    pub fn snapshot(&self, day: NaiveDate) -> Snapshot {
        let (users, accounts) = build::build(self, day);
        let _ = Snapshot::parts_mut;
        Snapshot {
            day,
            users,
            accounts,
        }
    }
}
