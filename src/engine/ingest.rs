//! Turning one call into state updates.

use rust_decimal::Decimal;

use super::interner::Interner;
use super::state::{
    self, ANY_ACCOUNT, Cell, DayLink, DeviceCell, IMPLICIT, Stamp, TraitVersion, UsageCell,
};
use super::{Engine, normalize_trait_key};
use crate::event::{Activity, Actor, Call, Properties};
use crate::hash::fingerprint64;
use crate::ingest::{Outcome, Rejection, Warning};
use crate::time::{day_of_ms, ms_in_day};
use crate::value::{Value, format_datetime};

/// Whether every number inside a value is finite.
pub(crate) fn value_is_finite(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.is_finite(),
        Value::List(items) => items.iter().all(value_is_finite),
        Value::Map(m) => m.values().all(value_is_finite),
        _ => true,
    }
}

fn check_finite(field: &str, props: &Properties) -> Result<(), Rejection> {
    match props.iter().find(|(_, v)| !value_is_finite(v)) {
        Some((k, _)) => Err(Rejection::NonFiniteNumber {
            field: format!("{field}.{k}"),
        }),
        None => Ok(()),
    }
}

impl Engine {
    /// Ingests one call: stored, ignored as a duplicate of an earlier `messageId`, or
    /// rejected with the reason (nothing is stored then).
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use pulsecheck::{Config, Engine, Outcome, Track, UserId};
    ///
    /// let mut engine = Engine::new(Config::default()).unwrap();
    /// let call = Track::new(UserId::from("u1"), "Report Run", Utc.with_ymd_and_hms(2026, 10, 30, 12, 0, 0).unwrap())
    ///     .message_id("m1")
    ///     .into();
    /// assert_eq!(engine.ingest(&call), Ok(Outcome::Accepted));
    /// assert_eq!(engine.ingest(&call), Ok(Outcome::Duplicate));
    /// ```
    pub fn ingest(&mut self, call: &Call) -> Result<Outcome, Rejection> {
        self.check_limits(call)?;
        let ms = call.timestamp().timestamp_millis();
        if let Some(clock) = self.clock_ms {
            let limit = clock.saturating_add(self.compiled.skew_ms);
            if ms > limit {
                return Err(Rejection::FutureTimestamp {
                    timestamp: format_datetime(&call.timestamp()),
                    limit: format_datetime(&crate::time::datetime_of(limit)),
                });
            }
        }
        match call {
            Call::Identify(i) => {
                check_finite("traits", i.traits())?;
                if i.actor().primary().is_none() {
                    return Err(Rejection::NoUsableId { field: "userId" });
                }
            }
            Call::Group(g) => {
                check_finite("traits", g.traits())?;
                if g.group_id().as_str().trim().is_empty() {
                    return Err(Rejection::MissingField {
                        field: "groupId",
                        call: "group",
                    });
                }
            }
            Call::Alias(a) => {
                if a.previous_id().trim().is_empty() {
                    return Err(Rejection::NoUsableId {
                        field: "previousId",
                    });
                }
                if a.user_id().as_str().trim().is_empty() {
                    return Err(Rejection::NoUsableId { field: "userId" });
                }
            }
            _ => {
                let activity = call
                    .activity()
                    .expect("track, page and screen are activities");
                check_finite("properties", activity.properties())?;
                if activity.actor().primary().is_none() {
                    return Err(Rejection::NoUsableId { field: "userId" });
                }
                if matches!(call, Call::Track(_)) && activity.event().trim().is_empty() {
                    return Err(Rejection::MissingField {
                        field: "event",
                        call: "track",
                    });
                }
            }
        }
        let message = call
            .message_id()
            .map(|m| m.as_str())
            .filter(|m| !m.is_empty());
        let tiebreak = message.map_or(0, |m| fingerprint64(m.as_bytes()));
        let sender = self.sender(call, ms);
        if message.is_some() && !self.remember_message(sender, tiebreak) {
            return Ok(Outcome::Duplicate);
        }
        let stamp = Stamp { ms, tiebreak };
        let day = day_of_ms(ms, self.compiled.offset);
        let mut warnings = Vec::new();
        match call {
            Call::Identify(i) => {
                let id = self.identified_actor(sender, i.actor(), day, stamp);
                let target = &mut self.state.actors[id as usize].traits;
                record_traits(&mut self.state.trait_keys, target, i.traits(), day, stamp);
            }
            Call::Group(g) => {
                let account = self.account(g.group_id().as_str(), ms);
                let target = &mut self.state.accounts[account as usize].traits;
                record_traits(&mut self.state.trait_keys, target, g.traits(), day, stamp);
                if let Sender::Actor(id) = sender {
                    self.state.actors[id as usize].seen_at(ms, g.actor().user_id().is_some());
                    let link = DayLink {
                        day,
                        stamp,
                        target: account,
                    };
                    state::upsert_link(&mut self.state.actors[id as usize].groups, link);
                }
            }
            Call::Alias(a) => {
                let user = self.identified_actor(sender, &Actor::default(), day, stamp);
                self.state.actors[user as usize].seen_at(ms, true);
                let previous = self.actor(a.previous_id(), ms, false);
                if previous != user {
                    let link = DayLink {
                        day,
                        stamp,
                        target: user,
                    };
                    state::upsert_link(&mut self.state.actors[previous as usize].parents, link);
                }
            }
            _ => {
                let event = call.event_name().unwrap_or_default();
                let activity = call
                    .activity()
                    .expect("track, page and screen are activities");
                let id = self.identified_actor(sender, activity.actor(), day, stamp);
                self.ingest_activity(id, activity, event, ms, day, &mut warnings);
            }
        }
        Ok(if warnings.is_empty() {
            Outcome::Accepted
        } else {
            Outcome::AcceptedWithWarnings(warnings)
        })
    }

    /// The sender of a call: the user or anonymous id it is stored under, or the
    /// account of a `group` call without one. A new sender is created, an existing
    /// one is not touched, so a call found to be a duplicate changes nothing.
    fn sender(&mut self, call: &Call, ms: i64) -> Sender {
        let name = match call {
            Call::Identify(i) => i.actor().primary(),
            Call::Group(g) => g.actor().primary(),
            Call::Alias(a) => Some(a.user_id().as_str()),
            other => other.activity().and_then(|a| a.actor().primary()),
        };
        match (name, call) {
            (None, Call::Group(g)) => Sender::Account(self.account_slot(g.group_id().as_str(), ms)),
            // Validation leaves no other call without a named sender.
            (name, _) => Sender::Actor(self.actor_slot(name.unwrap_or_default(), ms)),
        }
    }

    /// Records a `messageId` fingerprint with its sender; `false` when the sender
    /// already sent it: a duplicate.
    fn remember_message(&mut self, sender: Sender, fingerprint: u64) -> bool {
        let messages = match sender {
            Sender::Actor(id) => &mut self.state.actors[id as usize].messages,
            Sender::Account(id) => &mut self.state.accounts[id as usize].messages,
        };
        state::insert_message(messages, fingerprint)
    }

    /// The actor an identify, alias or activity call is stored under (its sender),
    /// now seen at the call's time; a call carrying both a `userId` and an
    /// `anonymousId` also links the anonymous history to the user.
    fn identified_actor(&mut self, sender: Sender, actor: &Actor, day: i32, stamp: Stamp) -> u32 {
        let id = match sender {
            Sender::Actor(id) => id,
            // Only a user-less `group` call has an account as sender.
            Sender::Account(_) => self.actor_slot(actor.primary().unwrap_or_default(), stamp.ms),
        };
        let is_user = actor.user_id().is_some();
        self.state.actors[id as usize].seen_at(stamp.ms, is_user);
        let anonymous = actor
            .anonymous_id()
            .map(|a| a.as_str())
            .filter(|a| !a.is_empty());
        if let (true, Some(anonymous)) = (is_user, anonymous) {
            let anonymous = self.actor(anonymous, stamp.ms, false);
            if anonymous != id {
                let link = DayLink {
                    day,
                    stamp,
                    target: id,
                };
                state::upsert_link(&mut self.state.actors[anonymous as usize].parents, link);
            }
        }
        id
    }

    fn ingest_activity(
        &mut self,
        id: u32,
        activity: &Activity,
        event: &str,
        ms: i64,
        day: i32,
        warnings: &mut Vec<Warning>,
    ) {
        let account = match activity
            .context()
            .group_id()
            .map(|g| g.as_str())
            .filter(|g| !g.is_empty())
        {
            Some(g) => self.account(g, ms),
            None => IMPLICIT,
        };
        let device = activity
            .context()
            .device_type()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(|d| self.state.devices.intern(d).0);
        // Disjoint field borrows: the tables are read while the state is written.
        let compiled = &*self.compiled;
        let info = compiled.event(event);
        let in_day = ms_in_day(ms, compiled.offset);
        let target = &mut self.state.actors[id as usize];
        target.add_cell(Cell {
            day,
            account,
            weight: info.weight,
            count: 1,
            features: info.features,
            first_ms: in_day,
            last_ms: in_day,
        });
        if let Some(device) = device {
            target.add_device(DeviceCell {
                day,
                device,
                count: 1,
            });
        }
        for &metric in &info.usage {
            let spec = &compiled.usage[usize::from(metric)];
            let amount = match &spec.property {
                None => Some(Decimal::ONE),
                Some(property) => {
                    let value = activity
                        .properties()
                        .get(property.as_str())
                        .unwrap_or(&Value::Null);
                    let amount = numeric(value);
                    if amount.is_none() {
                        warnings.push(Warning::NonNumericUsage {
                            usage: spec.name.clone(),
                            property: property.clone(),
                            value: describe(value),
                        });
                    }
                    amount
                }
            };
            if let Some(sum) = amount {
                target.add_usage(UsageCell {
                    day,
                    account,
                    metric,
                    sum,
                });
            }
        }
        for &t in &info.tracked {
            let tracked = &compiled.tracked[usize::from(t)];
            let slot = if tracked.per_account {
                account
            } else {
                ANY_ACCOUNT
            };
            target.add_milestone_times(t, slot, &[ms], tracked.k);
        }
    }
}

/// Who sent a call: where its `messageId` is remembered.
#[derive(Clone, Copy)]
enum Sender {
    Actor(u32),
    Account(u32),
}

/// Records the traits of an `identify` or `group` call as versions of `day`.
fn record_traits(
    keys: &mut Interner,
    target: &mut Vec<TraitVersion>,
    traits: &Properties,
    day: i32,
    stamp: Stamp,
) {
    for (key, value) in traits {
        let key = keys.intern(normalize_trait_key(key)).0;
        state::upsert_trait(
            target,
            TraitVersion {
                key,
                day,
                stamp,
                value: value.clone(),
            },
        );
    }
}

/// A usage amount: a number, or a string holding one.
fn numeric(v: &Value) -> Option<Decimal> {
    match v {
        Value::String(s) => s.trim().parse::<Decimal>().ok().or_else(|| {
            s.trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .and_then(|f| Value::Number(f).as_decimal())
        }),
        other => other.as_decimal(),
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "missing".to_owned(),
        Value::String(s) => format!("{s:?}"),
        other => format!("{other} ({})", other.type_name()),
    }
}
