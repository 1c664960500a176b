//! The resource limits of [`Limits`], checked on every call
//! before it touches the state, so a refused call changes nothing.

use super::{Engine, normalize_trait_key};
use crate::config::Limits;
use crate::event::{Actor, Call, Properties};
use crate::ingest::{Rejection, clip};
use crate::value::Value;

impl Engine {
    /// Refuses a call over any limit, naming the limit.
    pub(crate) fn check_limits(&self, call: &Call) -> Result<(), Rejection> {
        let limits = self.compiled.config.limits();
        let mut walk = Walk { limits, bytes: 0 };
        if let Some(m) = call.message_id() {
            walk.id("messageId", m.as_str())?;
        }
        match call {
            Call::Identify(i) => {
                walk.actor(i.actor())?;
                walk.properties("traits", i.traits())?;
                self.check_trait_keys(i.traits())?;
            }
            Call::Group(g) => {
                walk.actor(g.actor())?;
                walk.id("groupId", g.group_id().as_str())?;
                walk.properties("traits", g.traits())?;
                self.check_trait_keys(g.traits())?;
            }
            Call::Alias(a) => {
                walk.id("previousId", a.previous_id())?;
                walk.id("userId", a.user_id().as_str())?;
            }
            _ => {
                let Some(activity) = call.activity() else {
                    return Ok(());
                };
                walk.actor(activity.actor())?;
                walk.name(|| "field `event`".to_owned(), activity.event())?;
                let context = activity.context();
                if let Some(g) = context.group_id() {
                    walk.id("context.groupId", g.as_str())?;
                }
                if let Some(os) = context.os_name() {
                    walk.name(|| "field `context.os.name`".to_owned(), os)?;
                }
                walk.properties("properties", activity.properties())?;
                if let Some(device) = context.device_type() {
                    // The device-type table's limit is checked by `ingest_ref`.
                    walk.name(|| "field `context.device.type`".to_owned(), device)?;
                }
            }
        }
        Ok(())
    }

    /// Refuses traits that would grow the trait-key table past its limit.
    fn check_trait_keys(&self, traits: &Properties) -> Result<(), Rejection> {
        let limit = self.compiled.config.limits().max_trait_keys();
        let keys = &self.state.trait_keys;
        if keys.len() + traits.len() <= limit {
            return Ok(());
        }
        let mut new: Vec<&str> = Vec::new();
        for key in traits.keys() {
            let key = normalize_trait_key(key);
            if !keys.contains(key) && !new.contains(&key) {
                if keys.len() + new.len() >= limit {
                    return Err(Rejection::TooManyTraitKeys {
                        key: clip(key),
                        limit,
                    });
                }
                new.push(key);
            }
        }
        Ok(())
    }
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

    fn actor(&mut self, actor: &Actor) -> Result<(), Rejection> {
        if let Some(u) = actor.user_id() {
            self.id("userId", u.as_str())?;
        }
        if let Some(a) = actor.anonymous_id() {
            self.id("anonymousId", a.as_str())?;
        }
        Ok(())
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

    fn properties(&mut self, field: &'static str, props: &Properties) -> Result<(), Rejection> {
        let limit = self.limits.max_properties();
        if props.len() > limit {
            return Err(Rejection::TooManyProperties {
                field,
                count: props.len(),
                limit,
            });
        }
        for (key, value) in props {
            self.name(|| format!("a key of `{field}` ({:?})", clip(key)), key)?;
            self.value(&|| format!("{field}.{}", clip(key)), value, 0)?;
        }
        Ok(())
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
