//! Turning one call into state updates.

use rust_decimal::Decimal;

use super::interner::Interner;
use super::state::{
    self, ANY_ACCOUNT, AccountState, ActorState, Cell, DayLink, DeviceCell, IMPLICIT, Stamp,
    TraitVersion, UsageCell,
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
        if message.is_some() && !self.remember_message(call, ms, tiebreak) {
            return Ok(Outcome::Duplicate);
        }
        let stamp = Stamp { ms, tiebreak };
        let day = day_of_ms(ms, self.compiled.offset);
        let mut warnings = Vec::new();
        match call {
            Call::Identify(i) => {
                let id = self.identified_actor(i.actor(), day, stamp);
                let target = &mut self.state.actors[id as usize].traits;
                record_traits(&mut self.state.trait_keys, target, i.traits(), day, stamp);
            }
            Call::Group(g) => {
                let account = self.account(g.group_id().as_str(), ms);
                let target = &mut self.state.accounts[account as usize].traits;
                record_traits(&mut self.state.trait_keys, target, g.traits(), day, stamp);
                if let Some(primary) = g.actor().primary() {
                    let id = self.actor(primary, ms, g.actor().user_id().is_some());
                    let link = DayLink {
                        day,
                        stamp,
                        target: account,
                    };
                    state::upsert_link(&mut self.state.actors[id as usize].groups, link);
                }
            }
            Call::Alias(a) => {
                let user = self.actor(a.user_id().as_str(), ms, true);
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
                self.ingest_activity(activity, event, ms, day, stamp, &mut warnings);
            }
        }
        Ok(if warnings.is_empty() {
            Outcome::Accepted
        } else {
            Outcome::AcceptedWithWarnings(warnings)
        })
    }

    /// Records a call's `messageId` fingerprint with its sender (the user or anonymous
    /// id it is stored under; the account, for a `group` call without one). `false`
    /// when the sender already sent it: a duplicate. A new sender is created here,
    /// but an existing one is not otherwise touched, so a duplicate changes nothing.
    fn remember_message(&mut self, call: &Call, ms: i64, fingerprint: u64) -> bool {
        let sender = match call {
            Call::Identify(i) => i.actor().primary(),
            Call::Group(g) => g.actor().primary(),
            Call::Alias(a) => Some(a.user_id().as_str()),
            other => other.activity().and_then(|a| a.actor().primary()),
        };
        let messages = match (sender, call) {
            (Some(name), _) => {
                let (id, new) = self.state.actor_ids.intern(name);
                if new {
                    self.state.actors.push(ActorState::new(ms));
                }
                &mut self.state.actors[id as usize].messages
            }
            (None, Call::Group(g)) => {
                let (id, new) = self.state.account_ids.intern(g.group_id().as_str());
                if new {
                    self.state.accounts.push(AccountState {
                        first_call: ms,
                        traits: Vec::new(),
                        messages: Vec::new(),
                    });
                }
                &mut self.state.accounts[id as usize].messages
            }
            // Validation guarantees every other call has a sender.
            (None, _) => return true,
        };
        state::insert_message(messages, fingerprint)
    }

    /// The actor a call is stored under; a call carrying both a `userId` and an
    /// `anonymousId` also links the anonymous history to the user.
    fn identified_actor(&mut self, actor: &Actor, day: i32, stamp: Stamp) -> u32 {
        let is_user = actor.user_id().is_some();
        let id = self.actor(actor.primary().unwrap_or_default(), stamp.ms, is_user);
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
        activity: &Activity,
        event: &str,
        ms: i64,
        day: i32,
        stamp: Stamp,
        warnings: &mut Vec<Warning>,
    ) {
        let id = self.identified_actor(activity.actor(), day, stamp);
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
