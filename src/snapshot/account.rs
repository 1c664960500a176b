//! Account (Company) records: one per account that exists as of the day.

use std::ops::Range;

use rust_decimal::Decimal;

use super::aggregate::Window;
use super::build::{Built, Common, usage_values};
use super::health;
use super::traits::{self as tr, Traits};
use crate::config::compiled::MilestoneSpec;
use crate::engine::State;
use crate::engine::state::{ANY_ACCOUNT, IMPLICIT};
use crate::metrics;
use crate::record::Record;
use crate::value::Value;

/// What every account record reads, with what needs all accounts at once (their
/// order, their usage shares, their members' milestone times) worked out first.
pub(super) struct AccountRecords<'a> {
    state: &'a State,
    common: &'a Common<'a>,
    now: &'a Window,
    before: &'a Window,
    /// The accounts that exist as of the day, sorted by id.
    ids: Vec<u32>,
    /// Each tracked event's sorted times, `[account][tracked]` (empty when no
    /// account milestone is an event).
    milestone_times: Vec<Vec<Vec<i64>>>,
    /// `(share, cumulative share)` of each usage metric, `[account * metrics + metric]`.
    shares: Vec<(Value, Value)>,
}

impl<'a> AccountRecords<'a> {
    pub fn new(
        state: &'a State,
        common: &'a Common<'a>,
        now: &'a Window,
        before: &'a Window,
    ) -> AccountRecords<'a> {
        let c = common.c;
        let m = c.usage.len();
        let mut ids: Vec<u32> = (0..state.accounts.len() as u32)
            .filter(|&a| now.account[a as usize].exists)
            .collect();
        state.account_ids.sort_by_name(&mut ids);

        // Account milestone timestamps, gathered from members' per-account lists.
        let mut milestone_times: Vec<Vec<Vec<i64>>> = Vec::new();
        if c.account_milestones
            .iter()
            .any(|s| matches!(s, MilestoneSpec::Event { .. }))
        {
            milestone_times = vec![vec![Vec::new(); c.tracked.len()]; state.accounts.len()];
            for p in 0..now.people.len() {
                let own = now.account_of(p);
                for a in now.people.actors(state, p) {
                    for list in a.milestones().iter().filter(|l| l.account != ANY_ACCOUNT) {
                        let acct = if list.account == IMPLICIT {
                            own
                        } else {
                            Some(list.account)
                        };
                        if let Some(acct) = acct {
                            milestone_times[acct as usize][usize::from(list.tracked)]
                                .extend_from_slice(&list.times);
                        }
                    }
                }
            }
            milestone_times
                .iter_mut()
                .flatten()
                .for_each(|t| t.sort_unstable());
        }

        // Usage shares: of all accounts' window usage, and the running (cumulative) share.
        let mut shares = vec![(Value::Null, Value::Null); state.accounts.len() * m];
        for i in 0..m {
            let usage = |a: u32| now.account_usage[a as usize * m + i];
            let total: Decimal = ids
                .iter()
                .map(|&a| usage(a))
                .fold(Decimal::ZERO, Decimal::saturating_add);
            let mut order = ids.clone();
            order.sort_by(|&a, &b| {
                usage(b)
                    .cmp(&usage(a))
                    .then_with(|| state.account_ids.name(a).cmp(state.account_ids.name(b)))
            });
            let mut running = Decimal::ZERO;
            for a in order {
                running = running.saturating_add(usage(a));
                let to_value = |d: Option<Decimal>| d.map_or(Value::Null, Value::Decimal);
                shares[a as usize * m + i] = (
                    to_value(metrics::share_pct(usage(a), total)),
                    to_value(metrics::share_pct(running, total)),
                );
            }
        }

        AccountRecords {
            state,
            common,
            now,
            before,
            ids,
            milestone_times,
            shares,
        }
    }

    /// How many account records there are.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// The records of accounts `range` (indexes into the sorted ids), in order.
    pub fn build(&self, range: Range<usize>) -> Built {
        let AccountRecords {
            state,
            common,
            now,
            before,
            ref ids,
            ref milestone_times,
            ref shares,
        } = *self;
        let (c, k, keys) = (common.c, common.k, common.keys);
        let mut traits_of = Traits::default();
        let day = common.day;
        let m = c.usage.len();
        let mut out = Built::with_capacity(range.len());
        for &a in &ids[range] {
            let ai = a as usize;
            let mut r = Record::new(c.account_schema.clone(), state.account_ids.name(a));
            let traits = traits_of.as_of(
                state,
                keys,
                std::iter::once(state.accounts[ai].traits.as_slice()),
                day,
            );
            let acc = &now.account[ai];
            let created_ms = tr::instant(tr::get(traits, "created_at"))
                .map(|t| t.timestamp_millis())
                .or(acc.agg.first_ms);
            r.put(k.account_id, state.account_ids.name(a));
            r.put(k.name, tr::string(traits, "name"));
            let domain = match tr::string(traits, "domain") {
                Value::Null => tr::string(traits, "website"),
                d => d,
            };
            r.put(k.domain, domain);
            r.put(k.plan, tr::string(traits, "plan"));
            let seats = tr::integer(tr::get(traits, "seats"));
            r.put(k.seats, seats);
            r.put(
                k.mrr,
                tr::decimal(tr::get(traits, "mrr")).map(|d| d.normalize()),
            );
            let previous = &before.account[ai];
            common.fill(
                &mut r,
                created_ms,
                &acc.agg,
                now.account_scores[ai],
                before.account_scores[ai],
                previous.agg.events,
            );
            r.put(k.active_users, i64::from(acc.active_users));
            r.put(k.total_users, i64::from(acc.total_users));
            r.put(
                k.active_user_pct,
                metrics::percent(acc.active_users.into(), acc.total_users.into()),
            );
            let seat_pct = seats
                .filter(|&s| s > 0)
                .and_then(|s| metrics::percent(acc.active_users.into(), s as u64));
            r.put(k.seat_utilization_pct, seat_pct);
            for (i, columns) in k.usage.iter().enumerate() {
                usage_values(
                    &mut r,
                    columns,
                    now.account_usage[ai * m + i],
                    before.account_usage[ai * m + i],
                );
                let (share, cumulative) = shares[ai * m + i].clone();
                r.put(columns[3], share);
                r.put(columns[4], cumulative);
            }
            if let Some(h) = &c.health {
                health::account(
                    &mut r,
                    k,
                    h,
                    common.health.mrr_key,
                    &state.accounts[ai],
                    day,
                    common.health.tallies.get(ai),
                    (acc.retained_users, acc.previous_users),
                );
            }
            keys.pass_through(&mut r, traits);
            common.activation(
                &mut r,
                &c.account_milestones,
                &c.rules.account_milestones,
                None,
                milestone_times.get(ai).map_or(&[][..], Vec::as_slice),
                created_ms,
            );
            if let Some(h) = &c.health {
                health::score(&mut r, k, c, h, false);
            }
            let segments = common.classify(&mut r, None, &c.rules.account);
            out.push(r, segments);
        }
        out
    }
}
