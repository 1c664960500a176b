//! The saved engine: explicit, versioned serialization types, and the one place
//! where they meet the in-memory state.
//!
//! The file format is the shape of the types in [`v3`] (written) and [`v2`]
//! (still read), never that of the in-memory structs, so those can change
//! without changing a file. Loading reads the types of the file's format,
//! brings a format-2 state to format 3 field by field, puts the configuration
//! in the order the state's positions were saved with ([`order`]), checks the
//! state ([`check`]), and only then builds the in-memory state from it
//! ([`convert`]).

mod check;
mod convert;
mod order;
mod v2;
mod v3;

use std::fmt;

use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Engine;
use crate::config::Config;

/// The format this version writes.
pub(crate) const STATE_FORMAT: u32 = 3;

/// The oldest format this version reads.
const OLDEST_FORMAT: u32 = 2;

/// What is written: the format number first, so that a reader knows the state's
/// types before it reaches the state.
#[derive(Serialize)]
struct Envelope<'a, S> {
    format: u32,
    config: &'a Config,
    state: S,
}

/// Saves `engine` in format [`STATE_FORMAT`].
pub(crate) fn save<S: Serializer>(engine: &Engine, s: S) -> Result<S::Ok, S::Error> {
    Envelope {
        format: STATE_FORMAT,
        config: &engine.compiled.config,
        state: convert::saved(&engine.state, order::of(&engine.compiled.config)),
    }
    .serialize(s)
}

/// Loads an engine saved in any format this version reads.
pub(crate) fn load<'de, D: Deserializer<'de>>(d: D) -> Result<Engine, D::Error> {
    use de::Error;
    let (mut config, state) = d.deserialize_struct("Engine", FIELDS, EnvelopeVisitor)?;
    if let Some(saved) = &state.order {
        order::restore(&mut config, saved).map_err(D::Error::custom)?;
    }
    let mut engine = Engine::new(config).map_err(D::Error::custom)?;
    let compiled = &engine.compiled;
    let milestone_k: Vec<u32> = compiled.tracked.iter().map(|t| t.k).collect();
    check::state(&state, &milestone_k, compiled.usage.len()).map_err(D::Error::custom)?;
    engine.state = convert::in_memory(state, &milestone_k).map_err(D::Error::custom)?;
    Ok(engine)
}

/// Why a format is refused, and what to do about it.
fn unsupported(format: u32) -> String {
    let advice = if format < OLDEST_FORMAT {
        "it is older than this version can convert (format 1 kept `messageId`s \
         without their day); rebuild the engine by ingesting the calls again"
    } else {
        "it was written by a newer version of pulsecheck; load it with that version, \
         or rebuild the engine by ingesting the calls again"
    };
    format!(
        "engine state format {format} is not supported: this version reads formats \
         {OLDEST_FORMAT} to {STATE_FORMAT} and writes format {STATE_FORMAT}; {advice}"
    )
}

const FIELDS: &[&str] = &["format", "config", "state"];

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum Field {
    Format,
    Config,
    State,
    #[serde(other)]
    Other,
}

/// The formats a state is read in.
#[derive(Clone, Copy)]
enum Format {
    V2,
    V3,
}

/// Deserializes the state of one format into format 3's types.
struct StateSeed(Format);

impl<'de> de::DeserializeSeed<'de> for StateSeed {
    type Value = v3::Loaded;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<v3::Loaded, D::Error> {
        match self.0 {
            Format::V2 => v2::State::deserialize(d).map(v3::Loaded::from),
            Format::V3 => v3::Loaded::deserialize(d),
        }
    }
}

/// The format of a number, or the error that refuses it (before the rest of the
/// file is read).
fn known_format<E: de::Error>(format: u32) -> Result<Format, E> {
    match format {
        2 => Ok(Format::V2),
        3 => Ok(Format::V3),
        other => Err(E::custom(unsupported(other))),
    }
}

struct EnvelopeVisitor;

impl<'de> Visitor<'de> for EnvelopeVisitor {
    type Value = (Config, v3::Loaded);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a saved engine: its state format, configuration and state")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut format = None;
        let mut config = None;
        let mut state = None;
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Format => {
                    if format.is_some() {
                        return Err(de::Error::duplicate_field("format"));
                    }
                    format = Some(known_format(map.next_value()?)?);
                }
                Field::Config => {
                    if config.is_some() {
                        return Err(de::Error::duplicate_field("config"));
                    }
                    config = Some(map.next_value()?);
                }
                Field::State => {
                    if state.is_some() {
                        return Err(de::Error::duplicate_field("state"));
                    }
                    // Which types to read the state with depends on the format,
                    // and a state is too large to hold undecoded until it comes.
                    let Some(format) = format else {
                        return Err(de::Error::custom(
                            "the state format must come before the state",
                        ));
                    };
                    state = Some(map.next_value_seed(StateSeed(format))?);
                }
                Field::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if format.is_none() {
            return Err(de::Error::missing_field("format"));
        }
        let config = config.ok_or_else(|| de::Error::missing_field("config"))?;
        let state = state.ok_or_else(|| de::Error::missing_field("state"))?;
        Ok((config, state))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let format: u32 = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(0, &self))?;
        let format = known_format(format)?;
        let config = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(1, &self))?;
        let state = seq
            .next_element_seed(StateSeed(format))?
            .ok_or_else(|| de::Error::invalid_length(2, &self))?;
        Ok((config, state))
    }
}
