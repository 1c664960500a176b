//! Assembling property records from a day's aggregates.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::aggregate::{Agg, Window, aggregate};
use super::traits::{self as tr, TraitKeys, TraitRef, Traits};
use crate::config::compiled::{Compiled, MilestoneSpec};
use crate::engine::state::{ANY_ACCOUNT, ActorState, IMPLICIT};
use crate::engine::{Engine, State};
use crate::metrics;
use crate::properties::Columns;
use crate::record::Record;
use crate::rule::{CompiledRule, EvalInput, Membership, Memberships, RuleSet, Transition};
use crate::schema::RecordKind;
use crate::time::{DayNumber, MS_PER_DAY, datetime_of, day_number, day_of_ms, day_start_ms};
use crate::value::Value;

/// What users and accounts share: scores, frequency, adoption, lifecycle.
struct Common<'a> {
    c: &'a Compiled,
    k: &'a Columns,
    day: DayNumber,
    date: NaiveDate,
    keys: &'a TraitKeys,
}

impl Common<'_> {
    fn dt(ms: Option<i64>) -> Value {
        ms.map_or(Value::Null, |ms| Value::DateTime(datetime_of(ms)))
    }

    fn days_since(&self, ms: Option<i64>) -> Value {
        ms.map_or(Value::Null, |ms| {
            Value::Int(i64::from(self.day - day_of_ms(ms, self.c.offset)))
        })
    }

    fn features(&self, mask: u64) -> Value {
        Value::string_list(
            self.c
                .features
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, n)| n.as_str()),
        )
    }

    fn adoption(&self, mask: u64) -> Value {
        let n = self.c.features.len() as u64;
        metrics::percent(u64::from(mask.count_ones()), n).map_or(Value::Null, Value::Int)
    }

    fn lifecycle(&self, created_ms: Option<i64>, now_events: u64, previous_events: u64) -> Value {
        let window_start = self.day - self.c.window + 1;
        let created_in_window = created_ms.is_some_and(|ms| {
            let d = day_of_ms(ms, self.c.offset);
            d >= window_start && d <= self.day
        });
        let stage = match (created_in_window, now_events > 0, previous_events > 0) {
            (true, _, _) => "new",
            (false, true, true) => "active",
            (false, true, false) => "resurrected",
            (false, false, true) => "dormant",
            (false, false, false) => "inactive",
        };
        Value::from(stage)
    }

    /// Fills the properties users and accounts share, in schema order.
    #[allow(clippy::too_many_arguments)]
    fn fill(
        &self,
        r: &mut Record,
        created_ms: Option<i64>,
        agg: &Agg,
        score: i64,
        previous: i64,
        previous_events: u64,
    ) {
        let k = self.k;
        r.put(k.created_at, Self::dt(created_ms));
        r.put(k.tenure_days, self.days_since(created_ms));
        r.put(k.first_seen_at, Self::dt(agg.first_ms));
        r.put(k.last_seen_at, Self::dt(agg.last_ms));
        r.put(k.days_since_last_seen, self.days_since(agg.last_ms));
        r.put(k.raw_score, Value::Int(agg.raw as i64));
        r.put(k.engagement_score, score);
        r.put(k.engagement_score_previous, previous);
        let trend = score - previous;
        r.put(k.engagement_trend, trend);
        let label = if trend >= self.c.threshold {
            "rising"
        } else if trend <= -self.c.threshold {
            "falling"
        } else {
            "steady"
        };
        r.put(k.engagement_trend_label, label);
        r.put(k.active_days, i64::from(agg.active_days));
        r.put(k.event_count, Value::Int(agg.events as i64));
        r.put(k.features_used, self.features(agg.features));
        r.put(k.adoption_rate, self.adoption(agg.features));
        r.put(
            k.adoption_rate_lifetime,
            self.adoption(agg.features_lifetime),
        );
        r.put(
            k.lifecycle_stage,
            self.lifecycle(created_ms, agg.events, previous_events),
        );
    }

    /// Milestones met by the day: `(name, met_at)` for event milestones met; rule
    /// milestones are decided by the rule stage.
    /// Decides the milestones, last: rule milestones read the finished record.
    #[allow(clippy::too_many_arguments)]
    fn activation(
        &self,
        r: &mut Record,
        specs: &[MilestoneSpec],
        rules: &[Option<CompiledRule>],
        account: Option<&Record>,
        times: &[Vec<i64>],
        created_ms: Option<i64>,
    ) {
        let k = self.k;
        if specs.is_empty() {
            return;
        }
        let cutoff = day_start_ms(self.day + 1, self.c.offset);
        let mut met = Vec::new();
        let mut latest: Option<i64> = None;
        for (i, spec) in specs.iter().enumerate() {
            if let (MilestoneSpec::Rule { name }, Some(Some(rule))) = (spec, rules.get(i)) {
                let input = EvalInput::new(r, self.date)
                    .with_account(account)
                    .with_utc_offset_minutes(self.c.offset);
                if rule.eval(&input) {
                    met.push(name.as_str());
                }
            }
            if let MilestoneSpec::Event {
                name,
                tracked,
                k,
                within_ms,
            } = spec
            {
                let deadline = match (within_ms, created_ms) {
                    (Some(w), Some(created)) => created.saturating_add(*w).min(cutoff),
                    _ => cutoff,
                };
                let times = times.get(*tracked).map_or(&[][..], Vec::as_slice);
                let counted = times.partition_point(|&t| t < deadline);
                if counted >= *k as usize {
                    let at = times[*k as usize - 1];
                    latest = Some(latest.map_or(at, |l| l.max(at)));
                    met.push(name.as_str());
                }
            }
        }
        let all = met.len() == specs.len();
        r.put(
            k.milestones_completed,
            Value::string_list(met.iter().copied()),
        );
        r.put(
            k.activation_rate,
            metrics::percent(met.len() as u64, specs.len() as u64).map_or(Value::Null, Value::Int),
        );
        r.put(k.activated, all);
        r.put(
            k.activated_at,
            if all { Self::dt(latest) } else { Value::Null },
        );
    }
}

/// The sorted times of each tracked event among a person's user milestone lists,
/// indexed by tracked event.
fn milestone_times<'s>(actors: impl Iterator<Item = &'s ActorState>, times: &mut [Vec<i64>]) {
    times.iter_mut().for_each(Vec::clear);
    for a in actors {
        for m in a.milestones.iter().filter(|m| m.account == ANY_ACCOUNT) {
            if let Some(t) = times.get_mut(usize::from(m.tracked)) {
                t.extend_from_slice(&m.times);
            }
        }
    }
    times.iter_mut().for_each(|t| t.sort_unstable());
}

/// Every record of the day, with segments and next actions; transitions when a
/// membership history is given.
pub(crate) fn build(
    engine: &Engine,
    date: NaiveDate,
    memberships: Option<&mut Memberships>,
) -> (Vec<Record>, Vec<Record>, Vec<Transition>) {
    let c = engine.compiled();
    let state = engine.state();
    let day = day_number(date);
    let (now, before) = aggregate(state, c, day);
    let mut classifier = Classifier {
        memberships,
        transitions: Vec::new(),
    };
    let keys = TraitKeys::new(state, &c.user_schema, &c.account_schema);
    // Accounts first: user rules may read `account.…`, segments included.
    let account_common = Common {
        c,
        k: &c.account_columns,
        day,
        date,
        keys: &keys,
    };
    let accounts = accounts(state, c, &account_common, &now, &before, &mut classifier);
    let user_common = Common {
        c,
        k: &c.user_columns,
        day,
        date,
        keys: &keys,
    };
    // Where each account's record is, by account id, for user rules reading `account.…`.
    let mut position = vec![u32::MAX; state.accounts.len()];
    for (i, r) in accounts.iter().enumerate() {
        if let Some(id) = state.account_ids.get(r.id()) {
            position[id as usize] = i as u32;
        }
    }
    let users = users(
        state,
        c,
        &user_common,
        (&now, &before),
        &accounts,
        &position,
        &mut classifier,
    );
    (users, accounts, classifier.transitions)
}

/// Segments (with hysteresis against `memberships`) and the first matching action.
/// Each record is classified as soon as it is built, while it is still in cache.
struct Classifier<'m> {
    memberships: Option<&'m mut Memberships>,
    transitions: Vec<Transition>,
}

impl Classifier<'_> {
    fn classify(
        &mut self,
        common: &Common<'_>,
        r: &mut Record,
        account: Option<&Record>,
        rules: &RuleSet,
    ) {
        let (k, set) = (common.k, rules.segments());
        let input = EvalInput::new(r, common.date)
            .with_account(account)
            .with_utc_offset_minutes(common.c.offset);
        let previous = self
            .memberships
            .as_deref()
            .map_or(Membership::empty(), |m| m.current(set, r.kind(), r.id()));
        let now = set.evaluate(&input, previous);
        if let Some(m) = self.memberships.as_deref_mut() {
            self.transitions
                .extend(m.update(set, r.kind(), r.id(), common.date, now));
        }
        r.put(k.segments, now.to_value(set));
        let input = EvalInput::new(r, common.date)
            .with_account(account)
            .with_utc_offset_minutes(common.c.offset);
        let action = rules.actions().first_match(&input).map(str::to_owned);
        r.put(k.next_action, action);
    }
}

fn users(
    state: &State,
    c: &Compiled,
    common: &Common<'_>,
    (now, before): (&Window, &Window),
    accounts: &[Record],
    position: &[u32],
    classifier: &mut Classifier<'_>,
) -> Vec<Record> {
    let (k, keys) = (common.k, common.keys);
    let mut traits_of = Traits::default();
    let mut device_counts = Vec::new();
    let mut times = vec![Vec::new(); c.tracked.len()];
    let day = common.day;
    let cutoff = day_start_ms(day + 1, c.offset);
    let window_start = day - c.window + 1;
    // Each root's index in the previous window, by actor id.
    let mut previous_index = vec![u32::MAX; state.actors.len()];
    for (p, &root) in before.people.roots.iter().enumerate() {
        previous_index[root as usize] = p as u32;
    }
    let m = c.usage.len();
    let mut out = Vec::with_capacity(now.people.len());
    for p in 0..now.people.len() {
        let root = now.people.roots[p];
        // Read the person's lists from the state first, one right after the other:
        // their cache misses then overlap, instead of each waiting for the record
        // writes that would otherwise come between them.
        let traits = traits_of.as_of(
            state,
            keys,
            now.people.actors(state, p).map(|a| a.traits.as_slice()),
            day,
        );
        count_devices(state, now, p, window_start, day, &mut device_counts);
        milestone_times(now.people.actors(state, p), &mut times);
        let mut r = Record::new(c.user_schema.clone(), state.actor_ids.name(root));
        let agg = &now.person[p];
        let created_ms = tr::instant(tr::get(traits, "created_at"))
            .map(|t| t.timestamp_millis())
            .or(agg.first_ms);
        let prev = previous_index[root as usize];
        let (previous_score, previous_events) = if prev == u32::MAX {
            (0, 0)
        } else {
            (
                before.scores[prev as usize],
                before.person[prev as usize].events,
            )
        };

        r.put(k.user_id, state.actor_ids.name(root));
        r.put(k.email, tr::string(traits, "email"));
        r.put(k.first_name, tr::string(traits, "first_name"));
        r.put(k.last_name, tr::string(traits, "last_name"));
        r.put(k.greeting_name, greeting(traits));
        let shown = now.shown_account(state, p);
        r.put(
            k.account_id,
            shown.map_or(Value::Null, |a| Value::from(state.account_ids.name(a))),
        );
        common.fill(
            &mut r,
            created_ms,
            agg,
            now.scores[p],
            previous_score,
            previous_events,
        );
        devices(state, k, &device_counts, &mut r);
        contact(state, c, k, now, p, cutoff, &mut r);
        for (i, columns) in k.usage.iter().enumerate() {
            let current = now.person_usage[p * m + i];
            let previous = if prev == u32::MAX {
                Decimal::ZERO
            } else {
                before.person_usage[prev as usize * m + i]
            };
            usage_values(&mut r, columns, current, previous);
        }
        for &(key, _, value) in traits {
            if let Some(name) = keys.passthrough(RecordKind::User, key) {
                r.push_trait(name.clone(), value.clone());
            }
        }
        let at = shown.map_or(u32::MAX, |a| position[a as usize]);
        let account = accounts.get(at as usize);
        common.activation(
            &mut r,
            &c.user_milestones,
            &c.rules.user_milestones,
            account,
            &times,
            created_ms,
        );
        classifier.classify(common, &mut r, account, &c.rules.user);
        out.push(r);
    }
    out
}

fn greeting(traits: &[TraitRef<'_>]) -> Value {
    for key in ["preferred_name", "first_name"] {
        if let v @ Value::String(_) = tr::string(traits, key) {
            return v;
        }
    }
    match tr::string(traits, "name") {
        Value::String(name) => name
            .split_whitespace()
            .next()
            .map_or(Value::Null, Value::from),
        _ => Value::Null,
    }
}

fn usage_values(r: &mut Record, columns: &[usize; 5], current: Decimal, previous: Decimal) {
    r.put(columns[0], current.normalize());
    r.put(columns[1], previous.normalize());
    r.put(
        columns[2],
        metrics::growth_pct(current, previous).map_or(Value::Null, Value::Decimal),
    );
}

/// Each device's event count in the window, in first-seen order.
fn count_devices(
    state: &State,
    now: &Window,
    p: usize,
    window_start: DayNumber,
    day: DayNumber,
    counts: &mut Vec<(u32, u64)>,
) {
    counts.clear();
    for a in now.people.actors(state, p) {
        let start = a.devices.partition_point(|d| d.day < window_start);
        for d in a.devices[start..].iter().take_while(|d| d.day <= day) {
            match counts.iter_mut().find(|(id, _)| *id == d.device) {
                Some(c) => c.1 += u64::from(d.count),
                None => counts.push((d.device, u64::from(d.count))),
            }
        }
    }
}

fn devices(state: &State, k: &Columns, counts: &[(u32, u64)], r: &mut Record) {
    let name = |id: u32| state.devices.name(id);
    let primary = counts
        .iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| name(b.0).cmp(name(a.0))))
        .map_or(Value::Null, |(id, _)| Value::from(name(*id)));
    let mut types: Vec<&str> = counts.iter().map(|(id, _)| name(*id)).collect();
    types.sort_unstable();
    r.put(k.primary_device, primary);
    r.put(k.device_types, Value::string_list(types));
}

/// Whether any activity of the person falls in `[lo, hi]` (UTC ms). Exact: a range
/// longer than a day cannot fall strictly inside one day's first..last span.
fn active_between(state: &State, now: &Window, p: usize, c: &Compiled, lo: i64, hi: i64) -> bool {
    let (first_day, last_day) = (day_of_ms(lo, c.offset), day_of_ms(hi, c.offset));
    now.people.actors(state, p).any(|a| {
        let start = a.cells.partition_point(|cell| cell.day < first_day);
        a.cells[start..]
            .iter()
            .take_while(|cell| cell.day <= last_day)
            .any(|cell| {
                let base = day_start_ms(cell.day, c.offset);
                let (first, last) = (
                    base + i64::from(cell.first_ms),
                    base + i64::from(cell.last_ms),
                );
                (lo..=hi).contains(&first) || (lo..=hi).contains(&last)
            })
    })
}

fn contact(
    state: &State,
    c: &Compiled,
    k: &Columns,
    now: &Window,
    p: usize,
    cutoff: i64,
    r: &mut Record,
) {
    let last = now
        .people
        .actors(state, p)
        .filter_map(|a| a.contacts.iter().rev().find(|ct| ct.ms < cutoff))
        .max();
    let Some(last) = last else { return };
    r.put(k.last_contacted_at, Value::DateTime(datetime_of(last.ms)));
    r.put(k.last_contact_purpose, last.purpose.as_str());
    r.put(
        k.days_since_last_contact,
        i64::from(now.day - day_of_ms(last.ms, c.offset)),
    );
    let effect_end = last.ms.saturating_add(c.contact_effect_days * MS_PER_DAY);
    if effect_end < cutoff {
        let before = active_between(state, now, p, c, last.ms - 7 * MS_PER_DAY, last.ms - 1);
        let after = active_between(state, now, p, c, last.ms + 1, effect_end);
        r.put(k.contact_effective, after && !before);
    }
}

fn accounts(
    state: &State,
    c: &Compiled,
    common: &Common<'_>,
    now: &Window,
    before: &Window,
    classifier: &mut Classifier<'_>,
) -> Vec<Record> {
    let (k, keys) = (common.k, common.keys);
    let mut traits_of = Traits::default();
    let day = common.day;
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
                for list in a.milestones.iter().filter(|l| l.account != ANY_ACCOUNT) {
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

    let mut out = Vec::with_capacity(ids.len());
    for a in ids {
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
        for &(key, _, value) in traits {
            if let Some(name) = keys.passthrough(RecordKind::Account, key) {
                r.push_trait(name.clone(), value.clone());
            }
        }
        common.activation(
            &mut r,
            &c.account_milestones,
            &c.rules.account_milestones,
            None,
            milestone_times.get(ai).map_or(&[][..], Vec::as_slice),
            created_ms,
        );
        classifier.classify(common, &mut r, None, &c.rules.account);
        out.push(r);
    }
    out
}
