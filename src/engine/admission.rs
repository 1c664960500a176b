//! Admission: every call is held to the [`Limits`] of the configuration
//! before it touches the state, so a refused call changes nothing.

use super::ingest::{CallRef, Kind, TraitsRef};
use super::{Engine, normalize_trait_key};
use crate::config::Limits;
use crate::outcome::{Rejection, clip};
use crate::trim::is_blank;
use crate::value::Value;

impl Engine {
    /// Refuses a call over any limit, naming the limit. `os_name` is the
    /// activity's `context.os.name`, which the engine checks but does not keep.
    #[inline]
    pub(crate) fn check_limits(
        &self,
        call: &CallRef<'_>,
        os_name: Option<&str>,
    ) -> Result<(), Rejection> {
        if fits_at_a_glance(self.compiled.config.limits(), call, os_name) {
            return Ok(());
        }
        self.walk_limits(call, os_name)
    }

    /// [`check_limits`](Self::check_limits) part by part, in the order that
    /// decides which limit a call over several is refused for.
    fn walk_limits(&self, call: &CallRef<'_>, os_name: Option<&str>) -> Result<(), Rejection> {
        let limits = self.compiled.config.limits();
        let mut walk = Walk { limits, bytes: 0 };
        if let Some(m) = call.message_id {
            walk.id("messageId", m)?;
        }
        let actor = |walk: &mut Walk<'_>| -> Result<(), Rejection> {
            if let Some(u) = call.user_id {
                walk.id("userId", u)?;
            }
            if let Some(a) = call.anonymous_id {
                walk.id("anonymousId", a)?;
            }
            Ok(())
        };
        match call.kind {
            Kind::Identify | Kind::Group => {
                actor(&mut walk)?;
                if call.kind == Kind::Group {
                    walk.id("groupId", call.group_id.unwrap_or_default())?;
                }
                if let Some(traits) = &call.traits {
                    walk.properties("traits", traits.len(), |f| traits.for_each(f))?;
                    self.check_trait_keys(traits)?;
                }
            }
            Kind::Alias => {
                walk.id("previousId", call.previous_id.unwrap_or_default())?;
                walk.id("userId", call.user_id.unwrap_or_default())?;
            }
            Kind::Track | Kind::Page | Kind::Screen => {
                actor(&mut walk)?;
                walk.name(|| "field `event`".to_owned(), call.event)?;
                if let Some(g) = call.group_id {
                    walk.id("context.groupId", g)?;
                }
                if let Some(os) = os_name {
                    walk.name(|| "field `context.os.name`".to_owned(), os)?;
                }
                let properties = &call.properties;
                walk.properties("properties", properties.len(), |f| properties.for_each(f))?;
                if let Some(device) = call.device_type {
                    // The device-type table's limit is checked by `ingest_ref`.
                    walk.name(|| "field `context.device.type`".to_owned(), device)?;
                }
            }
        }
        Ok(())
    }

    /// Refuses a call that would add user, anonymous or account ids past
    /// `limits.max_actors` / `limits.max_accounts` (none by default).
    pub(crate) fn check_entity_counts(&self, call: &CallRef<'_>) -> Result<(), Rejection> {
        let limits = self.compiled.config.limits();
        if let Some(limit) = limits.max_actors() {
            // An alias stores no anonymous id (see `identified_actor`).
            let anonymous = call.anonymous_id.filter(|_| call.kind != Kind::Alias);
            let ids = [
                ("userId", call.user_id),
                ("anonymousId", anonymous),
                ("previousId", call.previous_id),
            ];
            let table = &self.state.actor_ids;
            // At most three new ids: far from the limit, nothing to look up.
            if table.len().saturating_add(ids.len()) > limit {
                let mut new = 0;
                for (i, (field, id)) in ids.iter().enumerate() {
                    let Some(id) = id.filter(|id| !is_blank(id)) else {
                        continue;
                    };
                    let seen_here = ids[..i].iter().any(|(_, other)| *other == Some(id));
                    if seen_here || table.contains(id) {
                        continue;
                    }
                    new += 1;
                    if table.len().saturating_add(new) > limit {
                        return Err(Rejection::TooManyActors {
                            field,
                            id: clip(id),
                            limit,
                        });
                    }
                }
            }
        }
        if let (Some(limit), Some(id)) = (limits.max_accounts(), call.group_id) {
            let table = &self.state.account_ids;
            if !is_blank(id) && table.len() >= limit && !table.contains(id) {
                let field = if call.kind == Kind::Group {
                    "groupId"
                } else {
                    "context.groupId"
                };
                return Err(Rejection::TooManyAccounts {
                    field,
                    id: clip(id),
                    limit,
                });
            }
        }
        Ok(())
    }

    /// Refuses traits that would grow the trait-key table past its limit.
    fn check_trait_keys(&self, traits: &TraitsRef<'_>) -> Result<(), Rejection> {
        let limit = self.compiled.config.limits().max_trait_keys();
        let keys = &self.state.trait_keys;
        if keys.len() + traits.len() <= limit {
            return Ok(());
        }
        let mut new: Vec<String> = Vec::new();
        traits.for_each(|key, _| {
            let key = normalize_trait_key(key);
            if !keys.contains(key) && !new.iter().any(|n| n == key) {
                if keys.len() + new.len() >= limit {
                    return Err(Rejection::TooManyTraitKeys {
                        key: clip(key),
                        limit,
                    });
                }
                new.push(key.to_owned());
            }
            Ok(())
        })
    }
}

/// Whether an activity without properties (nearly every call) is inside every
/// limit: its longest id, its longest name and its size against the three
/// limits they meet, with no branch per field. The walk, which names the first
/// limit broken, is left for the calls this does not clear; where it clears
/// one, the walk would have found nothing (the size only grows along the walk,
/// so its end is its largest).
#[inline]
fn fits_at_a_glance(limits: &Limits, call: &CallRef<'_>, os_name: Option<&str>) -> bool {
    if !matches!(call.kind, Kind::Track | Kind::Page | Kind::Screen) || call.properties.len() != 0 {
        return false;
    }
    let len = |s: Option<&str>| s.map_or(0, str::len);
    let ids = [
        len(call.message_id),
        len(call.user_id),
        len(call.anonymous_id),
        len(call.group_id),
    ];
    let names = [call.event.len(), len(os_name), len(call.device_type)];
    let longest_id = ids.iter().fold(0, |m, &n| m.max(n));
    let longest_name = names.iter().fold(0, |m, &n| m.max(n));
    // Lengths of text in memory: their sum cannot overflow.
    let bytes: usize = ids.iter().sum::<usize>() + names.iter().sum::<usize>();
    longest_id <= limits.max_id_bytes()
        && longest_name <= limits.max_name_bytes()
        && bytes <= limits.max_call_bytes()
}

/// Walks a call's text, adding up its size and checking each part.
struct Walk<'a> {
    limits: &'a Limits,
    bytes: usize,
}

impl Walk<'_> {
    fn add(&mut self, bytes: usize) -> Result<(), Rejection> {
        self.bytes = self.bytes.saturating_add(bytes);
        if self.bytes > self.limits.max_call_bytes() {
            return Err(Rejection::CallTooLarge {
                bytes: self.bytes,
                limit: self.limits.max_call_bytes(),
            });
        }
        Ok(())
    }

    fn id(&mut self, field: &'static str, id: &str) -> Result<(), Rejection> {
        let limit = self.limits.max_id_bytes();
        if id.len() > limit {
            return Err(Rejection::IdTooLong {
                field,
                bytes: id.len(),
                limit,
            });
        }
        self.add(id.len())
    }

    fn name(&mut self, field: impl FnOnce() -> String, name: &str) -> Result<(), Rejection> {
        let limit = self.limits.max_name_bytes();
        if name.len() > limit {
            return Err(Rejection::NameTooLong {
                field: field(),
                bytes: name.len(),
                limit,
            });
        }
        self.add(name.len())
    }

    /// A map of `len` entries, which `each` hands over one by one.
    fn properties(
        &mut self,
        field: &'static str,
        len: usize,
        each: impl FnOnce(
            &mut dyn FnMut(&str, &Value) -> Result<(), Rejection>,
        ) -> Result<(), Rejection>,
    ) -> Result<(), Rejection> {
        let limit = self.limits.max_properties();
        if len > limit {
            return Err(Rejection::TooManyProperties {
                field,
                count: len,
                limit,
            });
        }
        each(&mut |key, value| {
            self.name(|| format!("a key of `{field}` ({:?})", clip(key)), key)?;
            self.value(&|| format!("{field}.{}", clip(key)), value, 0)
        })
    }

    /// `depth` is the number of lists / objects around `value`.
    fn value(
        &mut self,
        field: &dyn Fn() -> String,
        value: &Value,
        depth: usize,
    ) -> Result<(), Rejection> {
        let limits = self.limits;
        let container = |len: usize| {
            if depth >= limits.max_value_depth() {
                Err(Rejection::ValueTooDeep {
                    field: field(),
                    limit: limits.max_value_depth(),
                })
            } else if len > limits.max_list_len() {
                Err(Rejection::ListTooLong {
                    field: field(),
                    len,
                    limit: limits.max_list_len(),
                })
            } else {
                Ok(())
            }
        };
        match value {
            Value::String(s) => self.text(field, s),
            Value::List(items) => {
                container(items.len())?;
                self.add(1)?;
                for item in items {
                    self.value(field, item, depth + 1)?;
                }
                Ok(())
            }
            Value::Map(map) => {
                container(map.len())?;
                self.add(1)?;
                for (key, item) in map.iter() {
                    self.text(field, key)?;
                    self.value(field, item, depth + 1)?;
                }
                Ok(())
            }
            _ => self.add(1),
        }
    }

    fn text(&mut self, field: &dyn Fn() -> String, s: &str) -> Result<(), Rejection> {
        let limit = self.limits.max_string_bytes();
        if s.len() > limit {
            return Err(Rejection::ValueTooLong {
                field: field(),
                bytes: s.len(),
                limit,
            });
        }
        self.add(s.len())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::ingest::{CallRef, Kind, PropertiesRef};
    use crate::config::{Config, Limits};
    use crate::testing::cases_or;
    use crate::{Engine, Rejection};

    fn text(len: usize) -> String {
        "x".repeat(len)
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: cases_or(512),
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// The glance clears only calls the walk clears, and every refusal is
        /// the walk's: around every limit, with any field absent.
        #[test]
        fn the_glance_agrees_with_the_walk(
            limits in (1usize..24, 1usize..24, 1usize..120),
            ids in prop::array::uniform4(prop::option::of(0usize..30)),
            names in (0usize..30, prop::option::of(0usize..30), prop::option::of(0usize..30)),
            kind in prop::sample::select(vec![Kind::Track, Kind::Page, Kind::Screen, Kind::Identify]),
        ) {
            let (max_id, max_name, max_call) = limits;
            let config = Config::builder()
                .limits(
                    Limits::default()
                        .with_max_id_bytes(max_id)
                        .with_max_name_bytes(max_name)
                        .with_max_call_bytes(max_call),
                )
                .build();
            let Ok(config) = config else { return Ok(()) };
            let engine = Engine::new(config).expect("a valid config");
            let [message, user, anonymous, group] = ids.map(|n| n.map(text));
            let (event, os, device) = (text(names.0), names.1.map(text), names.2.map(text));
            let call = CallRef {
                kind,
                ms: 0,
                user_id: user.as_deref(),
                anonymous_id: anonymous.as_deref(),
                message_id: message.as_deref(),
                event: &event,
                group_id: group.as_deref(),
                previous_id: None,
                device_type: device.as_deref(),
                properties: PropertiesRef::ByUsage(&[]),
                traits: None,
            };
            let walked: Result<(), Rejection> = engine.walk_limits(&call, os.as_deref());
            if super::fits_at_a_glance(engine.compiled.config.limits(), &call, os.as_deref()) {
                prop_assert_eq!(walked.clone(), Ok(()));
            }
            prop_assert_eq!(engine.check_limits(&call, os.as_deref()), walked);
        }
    }
}
