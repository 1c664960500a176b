//! Typed property values: what a CRM property holds.

use std::fmt;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use indexmap::IndexMap;
use rust_decimal::Decimal;

mod text;

pub use text::Text;

/// One typed property value: a computed metric or a trait passed through.
///
/// Values serialize to their natural JSON form: `Date` as `"2026-10-31"`, `DateTime`
/// as RFC 3339 UTC with milliseconds (`"2026-10-31T19:04:50.268Z"`), `Decimal` as a
/// JSON number. Deserializing reads JSON back into the closest variant (strings stay
/// strings), so a `Date` read back from JSON is a `String`; engine state keeps the
/// exact variant through its own encoding.
///
/// ```
/// use pulsecheck::Value;
///
/// assert_eq!(Value::from(42).to_string(), "42");
/// assert_eq!(Value::from("pro").as_str(), Some("pro"));
/// assert!(Value::Null.is_null());
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub enum Value {
    /// No value: a metric that does not apply, or a trait never sent.
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A whole number (scores, counts, days, percentages).
    Int(i64),
    /// A floating-point number, as sent in a trait.
    Number(f64),
    /// An exact decimal (money, usage sums, shares).
    Decimal(Decimal),
    /// Text (inline when short, boxed when long: see [`Text`]).
    String(Text),
    /// A calendar date.
    Date(NaiveDate),
    /// An instant, in UTC.
    DateTime(DateTime<Utc>),
    /// A list (features used, device types, segments…).
    List(Vec<Value>),
    /// A nested object passed through from a trait.
    Map(Box<IndexMap<String, Value>>),
}

impl Value {
    /// Drops the value, skipping the drop glue when it owns no allocation.
    ///
    /// The glue of a recursive enum is an out-of-line call that saves every
    /// callee-saved register before it even reads the tag: some 25 instructions
    /// for a value that holds nothing to free, which is most values of a record
    /// (a snapshot drops about forty per user). Forgetting such a value is exact:
    /// it has nothing to release.
    #[inline]
    pub(crate) fn discard(self) {
        match &self {
            Value::Null
            | Value::Bool(_)
            | Value::Int(_)
            | Value::Number(_)
            | Value::Decimal(_)
            | Value::Date(_)
            | Value::DateTime(_) => std::mem::forget(self),
            Value::String(t) if t.is_inline() => std::mem::forget(self),
            _ => drop(self),
        }
    }

    /// Whether this is [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The text, when this is a [`Value::String`].
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The whole number, when this is a [`Value::Int`].
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The boolean, when this is a [`Value::Bool`].
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The instant, when this is a [`Value::DateTime`].
    pub fn as_datetime(&self) -> Option<DateTime<Utc>> {
        match self {
            Value::DateTime(t) => Some(*t),
            _ => None,
        }
    }

    /// The elements, when this is a [`Value::List`].
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    /// Any numeric variant as an exact decimal (`Int`, `Decimal`, and finite `Number`).
    ///
    /// ```
    /// use pulsecheck::Value;
    /// use rust_decimal::Decimal;
    ///
    /// assert_eq!(Value::Int(3).as_decimal(), Some(Decimal::from(3)));
    /// assert_eq!(Value::Number(1.5).as_decimal(), Some(Decimal::new(15, 1)));
    /// assert_eq!(Value::from("3").as_decimal(), None);
    /// ```
    pub fn as_decimal(&self) -> Option<Decimal> {
        match self {
            Value::Int(i) => Some(Decimal::from(*i)),
            Value::Decimal(d) => Some(*d),
            // Prefer the shortest decimal that prints like the float (0.1, not 0.1000…055);
            // NaN and infinities have none.
            Value::Number(f) if f.is_finite() => f
                .to_string()
                .parse::<Decimal>()
                .ok()
                .or_else(|| Decimal::from_f64_retain(*f).map(|d| d.normalize())),
            _ => None,
        }
    }

    /// Any numeric variant as a float.
    pub fn as_f64(&self) -> Option<f64> {
        use rust_decimal::prelude::ToPrimitive;
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Number(f) => Some(*f),
            Value::Decimal(d) => d.to_f64(),
            _ => None,
        }
    }

    /// A short lowercase name of the variant, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Number(_) => "number",
            Value::Decimal(_) => "decimal",
            Value::String(_) => "string",
            Value::Date(_) => "date",
            Value::DateTime(_) => "datetime",
            Value::List(_) => "list",
            Value::Map(_) => "map",
        }
    }

    /// A list of strings, the shape of `features_used`, `device_types` and `segments`.
    pub fn string_list<I, S>(items: I) -> Value
    where
        I: IntoIterator<Item = S>,
        S: Into<Text>,
    {
        Value::List(items.into_iter().map(|s| Value::String(s.into())).collect())
    }
}

/// Formats a datetime the way every output of the crate does: RFC 3339, UTC, milliseconds.
pub(crate) fn format_datetime(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl fmt::Display for Value {
    /// The plain text form: strings unquoted, lists joined with `;` (as CRMs show
    /// multi-valued properties), nulls empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => Ok(()),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Number(n) => write!(f, "{n}"),
            Value::Decimal(d) => write!(f, "{d}"),
            Value::String(s) => f.write_str(s),
            Value::Date(d) => write!(f, "{d}"),
            Value::DateTime(t) => f.write_str(&format_datetime(t)),
            Value::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(";")?;
                    }
                    write!(f, "{item}")?;
                }
                Ok(())
            }
            Value::Map(map) => {
                f.write_str("{")?;
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {v}")?;
                }
                f.write_str("}")
            }
        }
    }
}

macro_rules! from_impls {
    ($($t:ty => |$v:ident| $e:expr),* $(,)?) => {
        $(impl From<$t> for Value {
            fn from($v: $t) -> Value { $e }
        })*
    };
}

from_impls! {
    bool => |v| Value::Bool(v),
    i32 => |v| Value::Int(i64::from(v)),
    i64 => |v| Value::Int(v),
    u32 => |v| Value::Int(i64::from(v)),
    f64 => |v| Value::Number(v),
    Decimal => |v| Value::Decimal(v),
    String => |v| Value::String(Text::from(v)),
    &str => |v| Value::String(Text::from(v)),
    Text => |v| Value::String(v),
    NaiveDate => |v| Value::Date(v),
    DateTime<Utc> => |v| Value::DateTime(v),
    Vec<Value> => |v| Value::List(v),
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => s.serialize_i64(*i),
            Value::Number(n) => s.serialize_f64(*n),
            // JSON has one number type; a decimal with more digits than an f64 holds is
            // rare for money and usage, and keeping JSON numbers numeric matters more.
            Value::Decimal(d) => {
                use rust_decimal::prelude::ToPrimitive;
                s.serialize_f64(d.to_f64().unwrap_or(0.0))
            }
            Value::String(v) => s.serialize_str(v),
            Value::Date(d) => s.collect_str(d),
            Value::DateTime(t) => s.serialize_str(&format_datetime(t)),
            Value::List(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Map(map) => {
                let mut m = s.serialize_map(Some(map.len()))?;
                for (k, v) in map.iter() {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
        }
    }
}

impl<'de> serde::Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        d.deserialize_any(NaturalVisitor)
    }
}

struct NaturalVisitor;

impl<'de> serde::de::Visitor<'de> for NaturalVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON-like value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        serde::Deserialize::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or(Value::Number(v as f64), Value::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Number(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(Text::from(v)))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(Text::from(v)))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::List(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = IndexMap::with_capacity(map.size_hint().unwrap_or(0).min(64));
        while let Some((k, v)) = map.next_entry::<String, Value>()? {
            out.insert(k, v);
        }
        Ok(Value::Map(Box::new(out)))
    }
}

/// Exact (variant-preserving) serde encoding, used for engine state so that a
/// `Date` trait stays a `Date` across a save and a load.
pub(crate) mod exact {
    use super::*;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(tag = "t", content = "v", rename_all = "snake_case")]
    enum Exact {
        Null,
        Bool(bool),
        Int(i64),
        Number(f64),
        Decimal(Decimal),
        String(Text),
        Date(NaiveDate),
        DateTime(DateTime<Utc>),
        List(Vec<Exact>),
        Map(Vec<(String, Exact)>),
    }

    fn to_exact(v: &Value) -> Exact {
        match v {
            Value::Null => Exact::Null,
            Value::Bool(b) => Exact::Bool(*b),
            Value::Int(i) => Exact::Int(*i),
            Value::Number(n) => Exact::Number(*n),
            Value::Decimal(d) => Exact::Decimal(*d),
            Value::String(s) => Exact::String(s.clone()),
            Value::Date(d) => Exact::Date(*d),
            Value::DateTime(t) => Exact::DateTime(*t),
            Value::List(items) => Exact::List(items.iter().map(to_exact).collect()),
            Value::Map(m) => Exact::Map(m.iter().map(|(k, v)| (k.clone(), to_exact(v))).collect()),
        }
    }

    fn from_exact(v: Exact) -> Value {
        match v {
            Exact::Null => Value::Null,
            Exact::Bool(b) => Value::Bool(b),
            Exact::Int(i) => Value::Int(i),
            Exact::Number(n) => Value::Number(n),
            Exact::Decimal(d) => Value::Decimal(d),
            Exact::String(s) => Value::String(s),
            Exact::Date(d) => Value::Date(d),
            Exact::DateTime(t) => Value::DateTime(t),
            Exact::List(items) => Value::List(items.into_iter().map(from_exact).collect()),
            Exact::Map(m) => Value::Map(Box::new(
                m.into_iter().map(|(k, v)| (k, from_exact(v))).collect(),
            )),
        }
    }

    pub(crate) fn serialize<S: Serializer>(v: &Value, s: S) -> Result<S::Ok, S::Error> {
        to_exact(v).serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        Exact::deserialize(d).map(from_exact)
    }

    /// One value in the exact encoding, borrowed for writing.
    pub(crate) struct Ref<'a>(pub(crate) &'a Value);

    impl Serialize for Ref<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            serialize(self.0, s)
        }
    }

    /// One value read back from the exact encoding.
    pub(crate) struct Owned(pub(crate) Value);

    impl<'de> Deserialize<'de> for Owned {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Owned, D::Error> {
            deserialize(d).map(Owned)
        }
    }

    /// A name → value map (properties, traits) with every value in the exact
    /// encoding, kept in order.
    pub(crate) mod map {
        use super::{Deserialize, Deserializer, Owned, Ref, Serializer};
        use crate::event::Properties;

        pub(crate) fn serialize<S: Serializer>(m: &Properties, s: S) -> Result<S::Ok, S::Error> {
            s.collect_map(m.iter().map(|(k, v)| (k, Ref(v))))
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Properties, D::Error> {
            let raw = indexmap::IndexMap::<String, Owned>::deserialize(d)?;
            Ok(raw.into_iter().map(|(k, v)| (k, v.0)).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_joins_lists_with_semicolons() {
        let v = Value::string_list(["reporting", "planning"]);
        assert_eq!(v.to_string(), "reporting;planning");
    }

    #[test]
    fn float_to_decimal_is_shortest() {
        assert_eq!(
            Value::Number(0.1).as_decimal(),
            Some("0.1".parse().unwrap())
        );
    }
}
