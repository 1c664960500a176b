//! Traits as of a day: the latest version of each key sent on or before it.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::engine::State;
use crate::engine::state::{TraitVersion, trait_order};
use crate::record::Record;
use crate::schema::{RecordKind, Schema};
use crate::time::DayNumber;
use crate::trim::trim;
use crate::value::Value;

/// A trait as of a day: its key id, name and value.
pub(crate) type TraitRef<'s> = (u32, &'s str, &'s Value);

/// Per-snapshot facts about trait keys, computed once instead of per record.
pub(crate) struct TraitKeys {
    /// Position of each key in name order: records list their traits by name.
    rank: Vec<u32>,
    /// Per key, its shared name when it passes through to user / account records
    /// (`None`: the key feeds a computed property instead).
    user: Vec<Option<Arc<str>>>,
    account: Vec<Option<Arc<str>>>,
}

impl TraitKeys {
    pub fn new(state: &State, user_schema: &Schema, account_schema: &Schema) -> TraitKeys {
        let names: Vec<&str> = state.trait_keys.names().collect();
        let mut order: Vec<u32> = (0..names.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| names[a as usize].cmp(names[b as usize]));
        let mut rank = vec![0; names.len()];
        for (position, &key) in order.iter().enumerate() {
            rank[key as usize] = position as u32;
        }
        let pass = |schema: &Schema, consumed: &[&str]| -> Vec<Option<Arc<str>>> {
            names
                .iter()
                .map(|n| {
                    (!consumed.contains(n) && schema.index_of(n).is_none()).then(|| Arc::from(*n))
                })
                .collect()
        };
        TraitKeys {
            rank,
            user: pass(
                user_schema,
                &["email", "first_name", "last_name", "created_at"],
            ),
            account: pass(
                account_schema,
                &["name", "domain", "plan", "seats", "mrr", "created_at"],
            ),
        }
    }

    /// Appends to `r` the traits that pass through to its kind of record, under
    /// their shared names, in the order given.
    pub fn pass_through(&self, r: &mut Record, traits: &[TraitRef<'_>]) {
        let names = match r.kind() {
            RecordKind::User => &self.user,
            RecordKind::Account => &self.account,
        };
        for &(key, _, value) in traits {
            if let Some(name) = &names[key as usize] {
                r.push_trait(name.clone(), value.clone());
            }
        }
    }
}

/// A record's traits as of a day. One is kept for a whole snapshot: its buffers
/// are allocated once, not once per record.
#[derive(Default)]
pub(crate) struct Traits<'s> {
    latest: Vec<&'s TraitVersion>,
    list: Vec<TraitRef<'s>>,
}

impl<'s> Traits<'s> {
    /// The latest version of every trait key among `sources` as of `day`, in
    /// key-name order.
    pub fn as_of(
        &mut self,
        state: &'s State,
        keys: &TraitKeys,
        sources: impl Iterator<Item = &'s [TraitVersion]>,
        day: DayNumber,
    ) -> &[TraitRef<'s>] {
        let latest = &mut self.latest;
        latest.clear();
        for versions in sources {
            for v in versions.iter().filter(|v| v.day <= day) {
                match latest.iter_mut().find(|b| b.key == v.key) {
                    Some(b) => {
                        if trait_order(v, b).is_gt() {
                            *b = v;
                        }
                    }
                    None => latest.push(v),
                }
            }
        }
        self.list.clear();
        self.list.extend(
            latest
                .iter()
                .map(|v| (v.key, state.trait_keys.name(v.key), &v.value)),
        );
        self.list
            .sort_unstable_by_key(|(key, _, _)| keys.rank[*key as usize]);
        &self.list
    }
}

pub(crate) fn get<'a>(traits: &[TraitRef<'a>], key: &str) -> Option<&'a Value> {
    traits
        .iter()
        .find(|(_, name, _)| *name == key)
        .map(|(_, _, v)| *v)
        .filter(|v| !v.is_null())
}

pub(crate) fn string(traits: &[TraitRef<'_>], key: &str) -> Value {
    match get(traits, key) {
        Some(Value::String(s)) => {
            // Both ends visible ASCII, as in nearly every trait: nothing to trim,
            // read from the bytes without first checking the text is UTF-8.
            if let (Some(first), Some(last)) = (s.as_bytes().first(), s.as_bytes().last())
                && first.is_ascii_graphic()
                && last.is_ascii_graphic()
            {
                return Value::String(s.clone());
            }
            let trimmed = trim(s);
            if trimmed.is_empty() {
                Value::Null
            } else if trimmed.len() == s.len() {
                Value::String(s.clone())
            } else {
                Value::from(trimmed)
            }
        }
        Some(v @ (Value::Int(_) | Value::Number(_) | Value::Decimal(_) | Value::Bool(_))) => {
            Value::from(v.to_string())
        }
        _ => Value::Null,
    }
}

/// A `created_at` trait as an instant: RFC 3339 / ISO 8601 text, a date (midnight
/// UTC), or Unix time in seconds (or milliseconds when above 10^11).
pub(crate) fn instant(v: Option<&Value>) -> Option<DateTime<Utc>> {
    match v? {
        Value::DateTime(t) => Some(*t),
        Value::Date(d) => Some(d.and_hms_opt(0, 0, 0)?.and_utc()),
        Value::String(s) => parse_instant(s),
        Value::Int(i) => from_unix(*i),
        Value::Number(n) if n.is_finite() => from_unix(*n as i64),
        _ => None,
    }
}

fn from_unix(i: i64) -> Option<DateTime<Utc>> {
    // `unsigned_abs`: `abs` of `i64::MIN` (a sender's `-9223372036854775808`, or
    // any float below it, cast) overflows.
    if i.unsigned_abs() >= 100_000_000_000 {
        DateTime::from_timestamp_millis(i)
    } else {
        DateTime::from_timestamp(i, 0)
    }
}

fn parse_instant(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Some(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, format) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

pub(crate) fn integer(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Int(i) => Some(*i),
        Value::Number(n) if n.is_finite() && n.fract() == 0.0 => Some(*n as i64),
        Value::String(s) => s.trim().parse().ok(),
        Value::Decimal(d) if d.fract().is_zero() => i64::try_from(*d).ok(),
        _ => None,
    }
}

pub(crate) fn decimal(v: Option<&Value>) -> Option<Decimal> {
    match v? {
        Value::String(s) => s.trim().parse().ok(),
        other => other.as_decimal(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_times_out_of_range_are_not_instants() {
        for v in [
            Value::Int(i64::MIN),
            Value::Int(i64::MAX),
            Value::Number(-1e300),
        ] {
            assert_eq!(instant(Some(&v)), None, "{v:?}");
        }
        let ms = Value::Int(1_793_473_490_268);
        assert_eq!(
            instant(Some(&ms)).map(|t| t.timestamp()),
            Some(1_793_473_490)
        );
    }
}
