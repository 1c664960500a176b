//! Turning one call into state updates.
//!
//! Typed calls and JSON lines meet in [`CallRef`]: a borrowed view of what the
//! engine reads from a call, so a JSON line can be ingested without building an
//! owned [`Call`] (no allocation for its ids, names or unused properties).

use rust_decimal::Decimal;

use super::history::{self, folded_of};
use super::messages::message_key;
use super::state::{
    self, ANY_ACCOUNT, Cell, DayLink, DeviceCell, IMPLICIT, LinkKind, MrrCall, NpsResponse, Stamp,
    TraitVersion, UsageCell,
};
use super::two_ended::TwoEndedVec;
use super::{Engine, normalize_trait_key};
use crate::event::{Activity, Actor, Call, Properties};
use crate::hash::fingerprint64;
use crate::intern::Interner;
use crate::outcome::{Outcome, Rejection, Warning, clip};
use crate::time::day_and_ms_in_day;
use crate::trim::{is_blank, trim};
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

/// The Segment call types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Track,
    Page,
    Screen,
    Identify,
    Group,
    Alias,
}

/// The properties of an activity call, as far as the engine reads them: only the
/// usage metrics' properties are ever looked up.
#[derive(Debug, Clone, Copy)]
pub(crate) enum PropertiesRef<'a> {
    /// All the properties, by name (typed calls).
    Map(&'a Properties),
    /// The value of each usage metric's property, by metric index (`None`: absent);
    /// what a JSON reader that skips every other property hands over.
    ByUsage(&'a [Option<Value>]),
    /// All the properties, by name, with keys borrowed from a JSON line.
    #[cfg(feature = "json")]
    Json(&'a crate::json::JsonMap<'a>),
}

impl PropertiesRef<'_> {
    fn get(&self, metric: usize, name: &str) -> Option<&Value> {
        match self {
            PropertiesRef::Map(map) => map.get(name),
            PropertiesRef::ByUsage(values) => values.get(metric).and_then(Option::as_ref),
            #[cfg(feature = "json")]
            PropertiesRef::Json(map) => map.get(name),
        }
    }

    /// How many properties, and each name with its value (none for `ByUsage`,
    /// whose builder checked them).
    pub(super) fn for_each(
        &self,
        mut f: impl FnMut(&str, &Value) -> Result<(), Rejection>,
    ) -> Result<(), Rejection> {
        match self {
            PropertiesRef::Map(map) => map.iter().try_for_each(|(k, v)| f(k, v)),
            PropertiesRef::ByUsage(_) => Ok(()),
            #[cfg(feature = "json")]
            PropertiesRef::Json(map) => map.iter().try_for_each(|(k, v)| f(k.as_str(), v)),
        }
    }

    pub(super) fn len(&self) -> usize {
        match self {
            PropertiesRef::Map(map) => map.len(),
            PropertiesRef::ByUsage(_) => 0,
            #[cfg(feature = "json")]
            PropertiesRef::Json(map) => map.len(),
        }
    }
}

/// The traits of an `identify` or `group` call, as far as the engine reads them:
/// each key with its value, in the order sent.
#[derive(Debug)]
pub(crate) enum TraitsRef<'a> {
    /// The typed call's map.
    Map(&'a Properties),
    /// What a JSON reader that builds no map hands over: the same entries, whose
    /// values it built for the engine to keep (moved, not cloned).
    #[cfg(feature = "json")]
    Json(crate::json::fast::JsonTraits<'a>),
    /// The map read from a JSON line, keys borrowed from it; its values move
    /// into the engine's state.
    #[cfg(feature = "json")]
    Line(crate::json::JsonMap<'a>),
}

impl<'a> TraitsRef<'a> {
    pub(super) fn len(&self) -> usize {
        match self {
            TraitsRef::Map(map) => map.len(),
            #[cfg(feature = "json")]
            TraitsRef::Json(traits) => traits.len(),
            #[cfg(feature = "json")]
            TraitsRef::Line(map) => map.len(),
        }
    }

    /// Each key with its value, to check (none for `Json`, whose builder checked
    /// them).
    pub(super) fn for_each(
        &self,
        mut f: impl FnMut(&str, &Value) -> Result<(), Rejection>,
    ) -> Result<(), Rejection> {
        match self {
            TraitsRef::Map(map) => map.iter().try_for_each(|(k, v)| f(k, v)),
            #[cfg(feature = "json")]
            TraitsRef::Json(_) => Ok(()),
            #[cfg(feature = "json")]
            TraitsRef::Line(map) => map.iter().try_for_each(|(k, v)| f(k.as_str(), v)),
        }
    }

    /// Each key and its value, to keep.
    fn into_each(self, mut f: impl FnMut(&str, Value)) {
        match self {
            TraitsRef::Map(map) => map.iter().for_each(|(k, v)| f(k, v.clone())),
            #[cfg(feature = "json")]
            TraitsRef::Json(traits) => traits.drain(f),
            #[cfg(feature = "json")]
            TraitsRef::Line(map) => map.into_iter().for_each(|(k, v)| f(k.as_str(), v)),
        }
    }
}

/// A borrowed view of one call: everything the engine reads from it. Empty ids
/// are `None`. Properties and traits are already checked against the limits and
/// for non-finite numbers by whoever built the view.
#[derive(Debug)]
pub(crate) struct CallRef<'a> {
    pub kind: Kind,
    /// The timestamp, in UTC milliseconds.
    pub ms: i64,
    pub user_id: Option<&'a str>,
    pub anonymous_id: Option<&'a str>,
    pub message_id: Option<&'a str>,
    /// The `track` event name (the scored name of `page` / `screen` is implied).
    pub event: &'a str,
    /// `groupId` of a `group` call; `context.groupId` of an activity.
    pub group_id: Option<&'a str>,
    /// `previousId` of an `alias` call.
    pub previous_id: Option<&'a str>,
    /// `context.device.type`.
    pub device_type: Option<&'a str>,
    pub properties: PropertiesRef<'a>,
    /// Traits of an `identify` or `group` call.
    pub traits: Option<TraitsRef<'a>>,
}

fn nonempty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

impl<'a> CallRef<'a> {
    /// The view of a typed call: one match on its type, each arm reading its
    /// fields straight from the variant.
    pub(crate) fn of(call: &'a Call) -> CallRef<'a> {
        let message = |m: Option<&'a crate::id::MessageId>| m.and_then(|m| nonempty(m.as_str()));
        match call {
            Call::Track(t) => CallRef::of_activity(Kind::Track, t.activity()),
            Call::Page(p) => CallRef::of_activity(Kind::Page, p.activity()),
            Call::Screen(s) => CallRef::of_activity(Kind::Screen, s.activity()),
            Call::Identify(i) => CallRef {
                ms: i.timestamp().timestamp_millis(),
                message_id: message(i.message_id()),
                traits: Some(TraitsRef::Map(i.traits())),
                ..CallRef::actor_of(i.actor(), CallRef::bare(Kind::Identify))
            },
            Call::Group(g) => CallRef {
                ms: g.timestamp().timestamp_millis(),
                message_id: message(g.message_id()),
                traits: Some(TraitsRef::Map(g.traits())),
                group_id: nonempty(g.group_id().as_str()),
                ..CallRef::actor_of(g.actor(), CallRef::bare(Kind::Group))
            },
            Call::Alias(a) => CallRef {
                ms: a.timestamp().timestamp_millis(),
                message_id: message(a.message_id()),
                user_id: nonempty(a.user_id().as_str()),
                previous_id: nonempty(a.previous_id()),
                ..CallRef::bare(Kind::Alias)
            },
        }
    }

    #[inline]
    fn of_activity(kind: Kind, a: &'a Activity) -> CallRef<'a> {
        let context = a.context();
        CallRef {
            ms: a.timestamp().timestamp_millis(),
            message_id: a.message_id().and_then(|m| nonempty(m.as_str())),
            event: a.event(),
            group_id: context.group_id().and_then(|g| nonempty(g.as_str())),
            previous_id: None,
            device_type: context.device_type(),
            properties: PropertiesRef::Map(a.properties()),
            traits: None,
            ..CallRef::actor_of(a.actor(), CallRef::bare(kind))
        }
    }

    /// A view of a call of `kind` with nothing else set.
    #[inline]
    fn bare(kind: Kind) -> CallRef<'a> {
        CallRef {
            kind,
            ms: 0,
            user_id: None,
            anonymous_id: None,
            message_id: None,
            event: "",
            group_id: None,
            previous_id: None,
            device_type: None,
            properties: PropertiesRef::ByUsage(&[]),
            traits: None,
        }
    }

    /// `rest` with the actor's ids.
    #[inline]
    fn actor_of(actor: &'a Actor, rest: CallRef<'a>) -> CallRef<'a> {
        CallRef {
            user_id: actor.user_id().and_then(|u| nonempty(u.as_str())),
            anonymous_id: actor.anonymous_id().and_then(|a| nonempty(a.as_str())),
            ..rest
        }
    }

    /// The id the call is stored under: the user id when known.
    fn primary(&self) -> Option<&'a str> {
        self.user_id.or(self.anonymous_id)
    }
}

#[cfg(feature = "json")]
impl Engine {
    /// Ingests a call read by the JSON fast path, which has checked everything
    /// [`ingest`](Self::ingest) checks before the view (see `crate::json::fast`)
    /// but the trait-key table's limit, which depends on the state: `None` hands
    /// the line back to the full path when the call's traits could reach that
    /// limit. The view is built here because `CallRef` is private to the engine.
    pub(crate) fn ingest_json_call(
        &mut self,
        c: &crate::json::fast::JsonCall<'_>,
        usage: &[Option<Value>],
        traits: crate::json::fast::JsonTraits<'_>,
    ) -> Option<Result<Outcome, Rejection>> {
        use crate::json::fast::CallKind;
        let kind = match c.kind {
            CallKind::Track => Kind::Track,
            CallKind::Page => Kind::Page,
            CallKind::Screen => Kind::Screen,
            CallKind::Identify => Kind::Identify,
            CallKind::Group => Kind::Group,
        };
        let traits = match kind {
            Kind::Identify | Kind::Group => {
                // The first test of `check_trait_keys`, whose slower second test
                // (and rejection) is the full path's.
                let limit = self.compiled.config.limits().max_trait_keys();
                if self.state.trait_keys.len() + traits.len() > limit {
                    return None;
                }
                Some(TraitsRef::Json(traits))
            }
            _ => None,
        };
        Some(self.ingest_ref(&mut CallRef {
            kind,
            ms: c.ms,
            user_id: c.user_id.as_deref(),
            anonymous_id: c.anonymous_id.as_deref(),
            message_id: c.message_id.as_deref(),
            event: &c.event,
            group_id: c.group_id.as_deref(),
            previous_id: None,
            device_type: c.device_type.as_deref(),
            properties: PropertiesRef::ByUsage(usage),
            traits,
        }))
    }

    /// Ingests a line that passed [`Line::check`](crate::json::Line::check): its
    /// limits, then the state, exactly as [`ingest`](Self::ingest) would the typed
    /// call built from it.
    pub(crate) fn ingest_checked(
        &mut self,
        mut c: crate::json::Checked<'_>,
    ) -> Result<Outcome, Rejection> {
        let traits = std::mem::take(&mut c.traits);
        let mut view = checked_view(&c, traits);
        self.check_limits(&view, c.os_name.as_deref())?;
        self.ingest_ref(&mut view)
    }

    /// Only what [`ingest_checked`](Self::ingest_checked) checks before it
    /// touches the state (for the reader benchmark).
    pub(crate) fn check_checked(&self, mut c: crate::json::Checked<'_>) -> Result<(), Rejection> {
        let traits = std::mem::take(&mut c.traits);
        let view = checked_view(&c, traits);
        self.check_limits(&view, c.os_name.as_deref())
    }
}

/// The view of a checked line, with its traits (moved in).
#[cfg(feature = "json")]
fn checked_view<'a>(
    c: &'a crate::json::Checked<'a>,
    traits: crate::json::JsonMap<'a>,
) -> CallRef<'a> {
    let traits = match c.kind {
        Kind::Identify | Kind::Group => Some(TraitsRef::Line(traits)),
        _ => None,
    };
    CallRef {
        kind: c.kind,
        ms: c.timestamp.timestamp_millis(),
        user_id: c.user_id.as_deref(),
        anonymous_id: c.anonymous_id.as_deref(),
        message_id: c.message_id.as_deref(),
        event: &c.event,
        group_id: c.group_id.as_deref(),
        previous_id: c.previous_id.as_deref(),
        device_type: c.device_type.as_deref(),
        properties: PropertiesRef::Json(&c.properties),
        traits,
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
    ///     .with_message_id("m1")
    ///     .into();
    /// assert_eq!(engine.ingest(&call), Ok(Outcome::Accepted));
    /// assert_eq!(engine.ingest(&call), Ok(Outcome::Duplicate));
    /// ```
    pub fn ingest(&mut self, call: &Call) -> Result<Outcome, Rejection> {
        let mut view = CallRef::of(call);
        let (os_name, values) = match call {
            Call::Identify(i) => (None, Some(("traits", i.traits()))),
            Call::Group(g) => (None, Some(("traits", g.traits()))),
            Call::Alias(_) => (None, None),
            _ => match call.activity() {
                Some(a) => (a.context().os_name(), Some(("properties", a.properties()))),
                None => (None, None),
            },
        };
        self.check_limits(&view, os_name)?;
        if let Some((field, values)) = values {
            check_finite(field, values)?;
        }
        self.ingest_ref(&mut view)
    }

    /// Ingests a borrowed view of a call (see [`CallRef`] for what its builder must
    /// have checked already).
    ///
    /// The view is borrowed, not moved: it is large, and a move is a copy.
    pub(crate) fn ingest_ref(&mut self, call: &mut CallRef<'_>) -> Result<Outcome, Rejection> {
        let ms = call.ms;
        if let Some(clock) = self.clock_ms {
            let limit = clock.saturating_add(self.compiled.skew_ms);
            if ms > limit {
                return Err(Rejection::FutureTimestamp {
                    timestamp: format_datetime(&crate::time::datetime_of(ms)),
                    limit: format_datetime(&crate::time::datetime_of(limit)),
                });
            }
        }
        // Trimmed once: checked against the table's limit, then stored.
        let device = call.device_type.map(trim).filter(|d| !d.is_empty());
        match call.kind {
            Kind::Identify => {
                if call.primary().is_none() {
                    return Err(Rejection::NoUsableId { field: "userId" });
                }
            }
            Kind::Group => {
                if call.group_id.is_none_or(is_blank) {
                    return Err(Rejection::MissingField {
                        field: "groupId",
                        call: "group",
                    });
                }
            }
            Kind::Alias => {
                if call.previous_id.is_none_or(is_blank) {
                    return Err(Rejection::NoUsableId {
                        field: "previousId",
                    });
                }
                if call.user_id.is_none_or(is_blank) {
                    return Err(Rejection::NoUsableId { field: "userId" });
                }
            }
            Kind::Track | Kind::Page | Kind::Screen => {
                if call.primary().is_none() {
                    return Err(Rejection::NoUsableId { field: "userId" });
                }
                if call.kind == Kind::Track && is_blank(call.event) {
                    return Err(Rejection::MissingField {
                        field: "event",
                        call: "track",
                    });
                }
                self.check_device_type(device)?;
            }
        }
        self.check_entity_counts(call)?;
        let tiebreak = call.message_id.map_or(0, |m| fingerprint64(m.as_bytes()));
        let (day, in_day) = day_and_ms_in_day(ms, self.compiled.offset);
        let sender = self.sender(call);
        // The keys of forgotten days are gone too: such a call is folded, which a
        // copy of it cannot change (see `history`).
        let forgotten = self.state.retained_from.is_some_and(|r| day < r);
        if call.message_id.is_some()
            && !forgotten
            && !self.remember_message(sender, message_key(day, tiebreak))
        {
            return Ok(Outcome::Duplicate);
        }
        let stamp = Stamp { ms, tiebreak };
        let mut warnings = Vec::new();
        match call.kind {
            Kind::Identify => {
                let id = self.identified_actor(sender, call, day, stamp);
                let target = &mut self.state.actors[id as usize].traits;
                let traits = call.traits.take();
                record_traits(
                    &mut self.state.trait_keys,
                    target,
                    traits,
                    day,
                    stamp,
                    false,
                );
            }
            Kind::Group => {
                let account = self.account(call.group_id.unwrap_or_default(), ms);
                let target = &mut self.state.accounts[account as usize];
                let traits = call.traits.take();
                let watch_mrr = self.compiled.health.is_some();
                let mrr = record_traits(
                    &mut self.state.trait_keys,
                    &mut target.traits,
                    traits,
                    day,
                    stamp,
                    watch_mrr,
                );
                if let Some(positive) = mrr {
                    let call = MrrCall {
                        day,
                        stamp,
                        positive,
                    };
                    state::add_mrr_call(&mut target.mrr, call);
                }
                if let Sender::Actor(id) = sender {
                    self.state.actors[id as usize].seen_at(ms, call.user_id.is_some());
                    self.state.actors[id as usize].add_link(DayLink {
                        kind: LinkKind::Group,
                        day,
                        stamp,
                        target: account,
                    });
                }
            }
            Kind::Alias => {
                let user = self.identified_actor(sender, call, day, stamp);
                self.state.actors[user as usize].seen_at(ms, true);
                let previous = self.actor(call.previous_id.unwrap_or_default(), ms, false);
                self.link_parent(previous, user, day, stamp);
            }
            Kind::Track | Kind::Page | Kind::Screen => {
                let id = self.identified_actor(sender, call, day, stamp);
                let at = At {
                    day,
                    in_day,
                    forgotten,
                };
                self.ingest_activity(id, call, device, at, &mut warnings);
            }
        }
        Ok(if warnings.is_empty() {
            Outcome::Accepted
        } else {
            Outcome::AcceptedWithWarnings(warnings)
        })
    }

    /// Refuses a new device type once the table is full.
    fn check_device_type(&self, device: Option<&str>) -> Result<(), Rejection> {
        let limit = self.compiled.config.limits().max_device_types();
        match device {
            Some(device)
                if self.state.devices.len() >= limit && !self.state.devices.contains(device) =>
            {
                Err(Rejection::TooManyDeviceTypes {
                    device: clip(device),
                    limit,
                })
            }
            _ => Ok(()),
        }
    }

    /// The sender of a call: the user or anonymous id it is stored under, or the
    /// account of a `group` call without one. A new sender is created, an existing
    /// one is not touched, so a call found to be a duplicate changes nothing.
    fn sender(&mut self, call: &CallRef<'_>) -> Sender {
        let name = match call.kind {
            Kind::Alias => call.user_id,
            _ => call.primary(),
        };
        match (name, call.kind) {
            (None, Kind::Group) => {
                Sender::Account(self.account_slot(call.group_id.unwrap_or_default(), call.ms))
            }
            // Validation leaves no other call without a named sender.
            (name, _) => Sender::Actor(self.actor_slot(name.unwrap_or_default(), call.ms)),
        }
    }

    /// Records a `messageId` fingerprint with its sender; `false` when the sender
    /// already sent it: a duplicate.
    fn remember_message(&mut self, sender: Sender, fingerprint: u64) -> bool {
        let messages = match sender {
            Sender::Actor(id) => &mut self.state.actors[id as usize].messages,
            Sender::Account(id) => &mut self.state.accounts[id as usize].messages,
        };
        messages.insert(fingerprint)
    }

    /// The actor an identify, alias or activity call is stored under (its sender),
    /// now seen at the call's time; a call carrying both a `userId` and an
    /// `anonymousId` also links the anonymous history to the user.
    fn identified_actor(
        &mut self,
        sender: Sender,
        call: &CallRef<'_>,
        day: i32,
        stamp: Stamp,
    ) -> u32 {
        let id = match sender {
            Sender::Actor(id) => id,
            // Only a user-less `group` call has an account as sender.
            Sender::Account(_) => self.actor_slot(call.primary().unwrap_or_default(), stamp.ms),
        };
        // An alias names no anonymous id: its user is its sender.
        let is_user = call.user_id.is_some();
        self.state.actors[id as usize].seen_at(stamp.ms, is_user);
        let anonymous = if call.kind == Kind::Alias {
            None
        } else {
            call.anonymous_id
        };
        if let (true, Some(anonymous)) = (is_user, anonymous) {
            let anonymous = self.actor(anonymous, stamp.ms, false);
            self.link_parent(anonymous, id, day, stamp);
        }
        id
    }

    /// Records that `child` (an older or anonymous id) is `parent` from `day` on.
    fn link_parent(&mut self, child: u32, parent: u32, day: i32, stamp: Stamp) {
        if child != parent {
            self.state.actors[child as usize].add_link(DayLink {
                kind: LinkKind::Parent,
                day,
                stamp,
                target: parent,
            });
        }
    }

    /// Stores an activity call.
    fn ingest_activity(
        &mut self,
        id: u32,
        call: &CallRef<'_>,
        device: Option<&str>,
        at: At,
        warnings: &mut Vec<Warning>,
    ) {
        let ms = call.ms;
        let At {
            day,
            in_day,
            forgotten,
        } = at;
        let account = match call.group_id {
            Some(g) => self.account(g, ms),
            None => IMPLICIT,
        };
        let device = device.map(|d| self.state.devices.intern(d).0);
        // Disjoint field borrows: the tables are read while the state is written.
        let compiled = &*self.compiled;
        // The scored names of pages and screens are known: no lookup.
        let info = match call.kind {
            Kind::Page => compiled.page_event(),
            Kind::Screen => compiled.screen_event(),
            _ => compiled.event(call.event),
        };
        let target = &mut self.state.actors[id as usize];
        if let Some(nps) = compiled.health.as_ref().and_then(|h| h.nps.as_ref())
            && call.kind == Kind::Track
            && call.event == nps.event
        {
            let value = call.properties.get(nps.pick, &nps.property);
            match value.and_then(nps_score) {
                // A forgotten day's response is older than any lookback reads.
                Some(score) if !forgotten => target.add_nps(NpsResponse { day, ms, score }),
                Some(_) => {}
                None => warnings.push(Warning::BadNpsScore {
                    event: nps.event.clone(),
                    property: nps.property.clone(),
                    value: describe(value.unwrap_or(&Value::Null)),
                }),
            }
        }
        let cell = Cell {
            day,
            account,
            weight: info.weight,
            count: 1,
            features: info.features,
            first_ms: in_day,
            last_ms: in_day,
        };
        for &t in &info.tracked {
            let tracked = &compiled.tracked[usize::from(t)];
            let slot = if tracked.per_account {
                account
            } else {
                ANY_ACCOUNT
            };
            // A forgotten day's call may be a copy no longer recognised: a time
            // already counted is not counted twice.
            if !(forgotten && target.has_milestone_time(t, slot, ms)) {
                target.add_milestone_times(t, slot, &[ms], tracked.k);
            }
        }
        if forgotten {
            // A forgotten day: only its lifetime facts are kept.
            history::fold(
                &mut target.rare.rarer_mut().folded,
                folded_of(&cell, compiled.offset),
            );
            return;
        }
        target.add_cell(cell);
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
                    let value = call
                        .properties
                        .get(usize::from(metric), property)
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
                target.add_usage(UsageCell::new(day, account, metric, sum));
            }
        }
    }
}

/// When an activity call happened, in the configured offset.
#[derive(Clone, Copy)]
struct At {
    day: i32,
    /// Milliseconds into `day`.
    in_day: u32,
    /// `day` is before the retained history.
    forgotten: bool,
}

/// Who sent a call: where its `messageId` is remembered.
#[derive(Clone, Copy)]
enum Sender {
    Actor(u32),
    Account(u32),
}

/// Records the traits of an `identify` or `group` call as versions of `day`. With
/// `watch_mrr`, returns whether the call set `mrr` above 0 (`None`: it carried no
/// `mrr`).
fn record_traits(
    keys: &mut Interner,
    target: &mut TwoEndedVec<TraitVersion>,
    traits: Option<TraitsRef<'_>>,
    day: i32,
    stamp: Stamp,
    watch_mrr: bool,
) -> Option<bool> {
    let traits = traits?;
    // At most one new version each: one allocation, not a growth per doubling.
    target.reserve(traits.len());
    let mut mrr = None;
    traits.into_each(|key, value| {
        let key = normalize_trait_key(key);
        if watch_mrr && key == "mrr" {
            mrr =
                Some(crate::snapshot::mrr_amount(Some(&value)).is_some_and(|d| d > Decimal::ZERO));
        }
        let key = keys.intern(key).0;
        state::upsert_trait(
            target,
            TraitVersion {
                key,
                day,
                stamp,
                value,
            },
        );
    });
    mrr
}
/// An NPS score: a JSON number with no fractional part from 0 to 10 (text, even
/// "9", is not one).
fn nps_score(v: &Value) -> Option<u8> {
    let score = match v {
        Value::Int(i) => *i,
        Value::Number(f) if f.is_finite() && f.fract() == 0.0 && (0.0..=10.0).contains(f) => {
            *f as i64
        }
        Value::Decimal(d) if d.fract().is_zero() => i64::try_from(*d).ok()?,
        _ => return None,
    };
    u8::try_from(score).ok().filter(|s| *s <= 10)
}

/// A usage amount: a number, or a string holding one.
fn numeric(v: &Value) -> Option<Decimal> {
    match v {
        Value::String(s) => trim(s).parse::<Decimal>().ok().or_else(|| {
            trim(s)
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
