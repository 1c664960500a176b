//! The invariants the engine relies on, checked on a saved state before it is
//! converted: corrupt state fails to load instead of panicking later, or of
//! loading as a different engine than the one saved.

use super::v3::{self, Account, Actor, Link, Loaded};
use crate::time::{MS_PER_DAY, day_in_range, ms_in_range};

/// Checks `state` against a configuration with milestones keeping `milestone_k`
/// times each and `usage_metrics` usage metrics. Distinct names are checked as
/// they are interned.
pub(super) fn state(
    state: &Loaded,
    milestone_k: &[u32],
    usage_metrics: usize,
) -> Result<(), String> {
    let (actors, accounts) = (state.actors.len(), state.accounts.len());
    if state.retained_from.is_some_and(|d| !day_in_range(d)) {
        return Err("retained_from out of range".into());
    }
    if state.actor_ids.len() != actors || state.account_ids.len() != accounts {
        return Err("id tables and state lengths differ".into());
    }
    let ids = Ids {
        actors,
        accounts,
        devices: state.devices.len(),
        trait_keys: state.trait_keys.len(),
        usage_metrics,
        milestone_k,
    };
    for a in &state.actors {
        ids.actor(a)?;
    }
    for a in &state.accounts {
        ids.account(a)?;
    }
    Ok(())
}

/// How many of each thing a state's ids may name.
struct Ids<'a> {
    actors: usize,
    accounts: usize,
    devices: usize,
    trait_keys: usize,
    usage_metrics: usize,
    milestone_k: &'a [u32],
}

fn sorted(ok: bool, what: &str) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(format!("{what} out of order or out of range"))
    }
}

/// Whether the keys of `list` strictly increase.
fn ascending<T, K: PartialOrd>(list: &[T], key: impl Fn(&T) -> K) -> bool {
    list.windows(2).all(|w| key(&w[0]) < key(&w[1]))
}

fn link_times(l: &Link) -> bool {
    day_in_range(l.day) && ms_in_range(l.stamp.ms)
}

fn trait_times(t: &v3::Trait) -> bool {
    day_in_range(t.day) && ms_in_range(t.stamp.ms)
}

impl Ids<'_> {
    /// Activity names an account or leaves it to the snapshot (IMPLICIT).
    fn activity_account(&self, a: u32) -> bool {
        a == v3::IMPLICIT || (a as usize) < self.accounts
    }

    /// Only milestone lists may also be kept for any account (ANY_ACCOUNT).
    fn milestone_account(&self, a: u32) -> bool {
        a >= v3::ANY_ACCOUNT || (a as usize) < self.accounts
    }

    fn traits(&self, traits: &[v3::Trait], what: &str) -> Result<(), String> {
        sorted(
            traits.iter().all(|t| (t.key as usize) < self.trait_keys),
            what,
        )?;
        sorted(ascending(traits, |t| (t.key, t.day)), what)
    }

    fn actor(&self, a: &Actor) -> Result<(), String> {
        sorted(times_in_range(a), "timestamps")?;
        sorted(ascending(&a.folded, |f| f.account), "folded history")?;
        sorted(
            a.folded.iter().all(|f| self.activity_account(f.account)),
            "folded history accounts",
        )?;
        sorted(ascending(&a.cells, |c| (c.day, c.account)), "cells")?;
        sorted(
            a.cells.iter().all(|c| self.activity_account(c.account)),
            "cell accounts",
        )?;
        sorted(
            a.devices.iter().all(|d| (d.device as usize) < self.devices),
            "devices",
        )?;
        sorted(ascending(&a.devices, |d| (d.day, d.device)), "devices")?;
        sorted(
            a.usage.iter().all(|u| {
                self.activity_account(u.account) && usize::from(u.metric) < self.usage_metrics
            }),
            "usage",
        )?;
        sorted(
            ascending(&a.usage, |u| (u.day, u.account, u.metric)),
            "usage",
        )?;
        // A list holds the k earliest times, ascending (what merging them with
        // new times relies on).
        sorted(
            a.milestones.iter().all(|m| {
                self.milestone_k
                    .get(usize::from(m.tracked))
                    .is_some_and(|&k| m.times.len() <= k as usize)
                    && self.milestone_account(m.account)
                    && m.times.windows(2).all(|w| w[0] <= w[1])
            }),
            "milestones",
        )?;
        sorted(
            ascending(&a.milestones, |m| (m.tracked, m.account)),
            "milestones",
        )?;
        sorted(
            a.groups.iter().all(|g| (g.target as usize) < self.accounts),
            "group links",
        )?;
        sorted(
            a.parents.iter().all(|p| (p.target as usize) < self.actors),
            "alias links",
        )?;
        sorted(ascending(&a.groups, |g| g.day), "group links")?;
        sorted(ascending(&a.parents, |p| p.day), "alias links")?;
        self.traits(&a.traits, "traits")?;
        sorted(
            a.contacts
                .windows(2)
                .all(|w| (w[0].ms, &w[0].purpose) < (w[1].ms, &w[1].purpose)),
            "contacts",
        )?;
        sorted(
            ascending(&a.nps, |n| n.day) && a.nps.iter().all(|n| n.score <= 10),
            "NPS responses",
        )?;
        messages(&a.messages)
    }

    fn account(&self, a: &Account) -> Result<(), String> {
        let times = ms_in_range(a.first_call)
            && a.traits.iter().all(trait_times)
            && a.mrr
                .iter()
                .all(|c| day_in_range(c.day) && ms_in_range(c.stamp.ms));
        sorted(times, "account timestamps")?;
        self.traits(&a.traits, "account traits")?;
        // Per day only the latest call above 0 and the calls after it are kept,
        // so a call above 0 is the first of its day.
        sorted(
            ascending(&a.mrr, |c| {
                (c.day, c.stamp.ms, c.stamp.tiebreak, c.positive)
            }) && a
                .mrr
                .windows(2)
                .all(|w| !w[1].positive || w[0].day < w[1].day),
            "mrr calls",
        )?;
        messages(&a.messages)
    }
}

fn messages(keys: &[u64]) -> Result<(), String> {
    if ascending(keys, |&k| k) {
        Ok(())
    } else {
        Err("message ids are not sorted and unique: the state is corrupt".into())
    }
}

/// Whether every instant and day held is one a call could have carried, so time
/// arithmetic on the loaded state cannot overflow.
fn times_in_range(a: &Actor) -> bool {
    let in_day = |ms: u32| i64::from(ms) < MS_PER_DAY;
    ms_in_range(a.first_call)
        && a.user_since.is_none_or(ms_in_range)
        && a.cells
            .iter()
            .all(|c| day_in_range(c.day) && in_day(c.first_ms) && in_day(c.last_ms))
        && a.devices.iter().all(|d| day_in_range(d.day))
        && a.usage.iter().all(|u| day_in_range(u.day))
        && a.milestones
            .iter()
            .all(|m| m.times.iter().all(|&t| ms_in_range(t)))
        && a.groups.iter().all(link_times)
        && a.parents.iter().all(link_times)
        && a.traits.iter().all(trait_times)
        && a.contacts.iter().all(|c| ms_in_range(c.ms))
        && a.nps
            .iter()
            .all(|n| day_in_range(n.day) && ms_in_range(n.ms))
        && a.folded
            .iter()
            .all(|f| ms_in_range(f.first_ms) && ms_in_range(f.last_ms))
}
