//! User (Contact) records: one per person as of the day.

use std::ops::Range;

use rust_decimal::Decimal;

use super::aggregate::Window;
use super::build::{Built, Common, usage_values};
use super::health;
use super::traits::{self as tr, TraitRef, Traits};
use crate::config::compiled::Compiled;
use crate::engine::State;
use crate::engine::state::{ANY_ACCOUNT, ActorState};
use crate::properties::Columns;
use crate::record::Record;
use crate::rule::Membership;
use crate::time::{DayNumber, MS_PER_DAY, datetime_of, day_of_ms, day_start_ms};
use crate::value::Value;

/// What every user record reads: the day's aggregates as of D and D − N, and the
/// finished account records (user rules may read `account.…`).
pub(super) struct UserRecords<'a> {
    state: &'a State,
    common: &'a Common<'a>,
    now: &'a Window,
    before: &'a Window,
    accounts: &'a [Record],
    /// Each account's record in `accounts`, by account id (`u32::MAX`: none).
    position: Vec<u32>,
    needs: Needs,
}

/// The parts of a user record that are worked out: all of them for a snapshot;
/// for the portfolio, which reads a few properties and the segments, only those
/// and what the user rules read.
#[derive(Debug, Clone, Copy)]
pub(super) struct Needs {
    pub names: bool,
    pub devices: bool,
    pub contact: bool,
    pub usage: bool,
    pub traits: bool,
}

impl Needs {
    pub const ALL: Needs = Needs {
        names: true,
        devices: true,
        contact: true,
        usage: true,
        traits: true,
    };

    /// What rules reading `properties` (names as [`Rule::properties`] gives them)
    /// need besides the properties the health score and the portfolio read.
    ///
    /// [`Rule::properties`]: crate::rule::Rule::properties
    pub fn of<'a>(c: &Compiled, properties: impl IntoIterator<Item = &'a str>) -> Needs {
        let mut needs = Needs {
            names: false,
            devices: false,
            contact: false,
            usage: false,
            traits: false,
        };
        for p in properties {
            match p {
                "email" | "first_name" | "last_name" | "greeting_name" => needs.names = true,
                "primary_device" | "device_types" => needs.devices = true,
                "last_contacted_at"
                | "last_contact_purpose"
                | "days_since_last_contact"
                | "contact_effective" => needs.contact = true,
                p if p.starts_with("account.") => {}
                p if c.usage.iter().any(|u| p.starts_with(u.name.as_str())) => needs.usage = true,
                p if p.starts_with("traits.") || c.user_schema.index_of(p).is_none() => {
                    needs.traits = true
                }
                _ => {}
            }
        }
        needs
    }
}

impl<'a> UserRecords<'a> {
    pub fn new(
        state: &'a State,
        common: &'a Common<'a>,
        (now, before): (&'a Window, &'a Window),
        accounts: &'a [Record],
    ) -> UserRecords<'a> {
        let mut position = vec![u32::MAX; state.accounts.len()];
        for (i, r) in accounts.iter().enumerate() {
            if let Some(id) = state.account_ids.get(r.id()) {
                position[id as usize] = i as u32;
            }
        }
        UserRecords {
            state,
            common,
            now,
            before,
            accounts,
            position,
            needs: Needs::ALL,
        }
    }

    /// Works out only `needs` of the optional parts of each record.
    pub fn with_needs(mut self, needs: Needs) -> UserRecords<'a> {
        self.needs = needs;
        self
    }

    /// The records of people `range` (indexes into the day's people), in order.
    pub fn build(&self, range: Range<usize>) -> Built {
        let mut out = Built::with_capacity(range.len());
        self.each(range, |_, r, segments| out.push(r, segments));
        out
    }

    /// Builds the record of each person of `range` (indexes into the day's
    /// people), in order, and hands it to `sink` with the person and its segments:
    /// the snapshot keeps the records, the portfolio counts them and lets them go.
    pub fn each(&self, range: Range<usize>, mut sink: impl FnMut(usize, Record, Membership)) {
        let UserRecords {
            state,
            common,
            now,
            before,
            accounts,
            ref position,
            needs,
        } = *self;
        let (c, k, keys) = (common.c, common.k, common.keys);
        let mut traits_of = Traits::default();
        let mut device_counts = Vec::new();
        let mut times = vec![Vec::new(); c.tracked.len()];
        let day = common.day;
        let cutoff = day_start_ms(day + 1, c.offset);
        let window_start = day - c.window + 1;
        let m = c.usage.len();
        for p in range {
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
            if needs.devices {
                count_devices(state, now, p, window_start, day, &mut device_counts);
            }
            milestone_times(now.people.actors(state, p), &mut times);
            let mut r = Record::new(c.user_schema.clone(), state.actor_ids.name(root));
            let agg = &now.person[p];
            let created_ms = tr::instant(tr::get(traits, "created_at"))
                .map(|t| t.timestamp_millis())
                .or(agg.first_ms);
            // The same person as of D − N, if they were one then.
            let prev = before.people.of_root(root);
            let (previous_score, previous_events) =
                prev.map_or((0, 0), |q| (before.scores[q], before.person[q].events));

            r.put(k.user_id, state.actor_ids.name(root));
            if needs.names {
                r.put(k.email, tr::string(traits, "email"));
                let first_name = tr::string(traits, "first_name");
                r.put(k.greeting_name, greeting(traits, &first_name));
                r.put(k.first_name, first_name);
                r.put(k.last_name, tr::string(traits, "last_name"));
            }
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
            if needs.devices {
                devices(state, k, &mut device_counts, &mut r);
            }
            if needs.contact {
                contact(state, c, k, now, p, cutoff, &mut r);
            }
            for (i, columns) in k.usage.iter().enumerate().filter(|_| needs.usage) {
                let current = now.person_usage[p * m + i];
                let previous = prev.map_or(Decimal::ZERO, |q| before.person_usage[q * m + i]);
                usage_values(&mut r, columns, current, previous);
            }
            if c.health.is_some() {
                health::user_nps(
                    &mut r,
                    k,
                    common.health.responses.get(p).and_then(Option::as_ref),
                );
            }
            if needs.traits {
                keys.pass_through(&mut r, traits);
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
            if let Some(h) = &c.health {
                health::score(&mut r, k, c, h, true);
            }
            let segments = common.classify(&mut r, account, &c.rules.user);
            sink(p, r, segments);
        }
    }
}

/// The sorted times of each tracked event among a person's user milestone lists,
/// indexed by tracked event.
fn milestone_times<'s>(actors: impl Iterator<Item = &'s ActorState>, times: &mut [Vec<i64>]) {
    times.iter_mut().for_each(Vec::clear);
    for a in actors {
        for m in a.milestones().iter().filter(|m| m.account == ANY_ACCOUNT) {
            if let Some(t) = times.get_mut(usize::from(m.tracked)) {
                t.extend_from_slice(&m.times);
            }
        }
    }
    times.iter_mut().for_each(|t| t.sort_unstable());
}

/// The name to greet a user by: `preferred_name`, else the first name (already
/// read for its own property), else the first word of `name`.
fn greeting(traits: &[TraitRef<'_>], first_name: &Value) -> Value {
    if let v @ Value::String(_) = tr::string(traits, "preferred_name") {
        return v;
    }
    if let Value::String(_) = first_name {
        return first_name.clone();
    }
    match tr::string(traits, "name") {
        Value::String(name) => name
            .split_whitespace()
            .next()
            .map_or(Value::Null, Value::from),
        _ => Value::Null,
    }
}

/// Each device's event count in the window, in no particular order ([`devices`]
/// sorts them by name).
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
        // Back from the end of the day, where the window is: a binary search for
        // its start was a chain of dependent cache misses across the whole list,
        // where this reads the last few lines of it. The end is searched for only
        // when the list goes past the day (a snapshot of an earlier day).
        let end = if a.devices.last().is_some_and(|d| d.day > day) {
            a.devices.partition_point(|d| d.day <= day)
        } else {
            a.devices.len()
        };
        let recent = a.devices[..end].iter().rev();
        for d in recent.take_while(|d| d.day >= window_start) {
            match counts.iter_mut().find(|(id, _)| *id == d.device) {
                Some(c) => c.1 += u64::from(d.count),
                None => counts.push((d.device, u64::from(d.count))),
            }
        }
    }
}

fn devices(state: &State, k: &Columns, counts: &mut [(u32, u64)], r: &mut Record) {
    let name = |id: u32| state.devices.name(id);
    // Sorted by name in place (the primary device does not depend on the order),
    // so the list is built without a scratch vector.
    counts.sort_unstable_by(|a, b| name(a.0).cmp(name(b.0)));
    let primary = counts
        .iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| name(b.0).cmp(name(a.0))))
        .map_or(Value::Null, |(id, _)| Value::from(name(*id)));
    r.put(k.primary_device, primary);
    r.put(
        k.device_types,
        Value::string_list(counts.iter().map(|(id, _)| name(*id))),
    );
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
        .filter_map(|a| a.contacts().iter().rev().find(|ct| ct.ms < cutoff))
        .max();
    let Some(last) = last else { return };
    r.put(k.last_contacted_at, Value::DateTime(datetime_of(last.ms)));
    r.put(k.last_contact_purpose, last.purpose.as_str());
    r.put(
        k.days_since_last_contact,
        i64::from(now.day) - i64::from(day_of_ms(last.ms, c.offset)),
    );
    let effect_end = last.ms.saturating_add(c.contact_effect_days * MS_PER_DAY);
    if effect_end < cutoff {
        // Loaded state is held to chrono's range, far inside i64; saturating
        // arithmetic keeps even a boundary instant from overflowing.
        let week_before = last.ms.saturating_sub(7 * MS_PER_DAY);
        let before = active_between(state, now, p, c, week_before, last.ms.saturating_sub(1));
        let after = active_between(state, now, p, c, last.ms.saturating_add(1), effect_end);
        r.put(k.contact_effective, after && !before);
    }
}
