//! Run-time value semantics: borrowed views of record values, numeric tower,
//! equality, ordering, dates and JsonLogic truthiness. Nothing here allocates except
//! `cat`/`substr`/`missing` results.

use std::borrow::Cow;
use std::cmp::Ordering;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};

use crate::value::{Text, Value};

/// A value during evaluation, borrowing from the record or the compiled rule.
#[derive(Debug, Clone)]
pub(crate) enum Val<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Dec(Decimal),
    Float(f64),
    Str(Str<'a>),
    Date(NaiveDate),
    DateTime(DateTime<Utc>),
    List(Cow<'a, [Value]>),
    /// A nested map from a trait: present and truthy, but never equal or ordered.
    Other,
}

impl<'a> Val<'a> {
    #[inline]
    pub(crate) fn of(v: &'a Value) -> Val<'a> {
        match v {
            Value::Null => Val::Null,
            Value::Bool(b) => Val::Bool(*b),
            Value::Int(i) => Val::Int(*i),
            Value::Number(f) if f.is_nan() => Val::Null,
            Value::Number(f) => Val::Float(*f),
            Value::Decimal(d) => Val::Dec(*d),
            Value::String(s) => Val::Str(Str::Text(s)),
            Value::Date(d) => Val::Date(*d),
            Value::DateTime(t) => Val::DateTime(*t),
            Value::List(items) => Val::List(Cow::Borrowed(items)),
            _ => Val::Other,
        }
    }

    pub(crate) fn is_null(&self) -> bool {
        matches!(self, Val::Null)
    }

    fn num(&self) -> Option<Num> {
        match self {
            Val::Int(i) => Some(Num::Int(*i)),
            Val::Dec(d) => Some(Num::Dec(*d)),
            Val::Float(f) => Some(Num::Float(*f)),
            _ => None,
        }
    }
}

/// Text during evaluation: a record's or the rule's [`Text`], or text the rule
/// made (`cat`, `substr`).
///
/// A `Text` is read as bytes wherever bytes decide (equality, order, prefixes,
/// lists of texts): turning inline text into a `&str` checks its UTF-8 each
/// time, which made a 4-clause rule with one text test about 15 % slower.
#[derive(Debug, Clone)]
pub(crate) enum Str<'a> {
    Text(&'a Text),
    Owned(String),
}

impl Str<'_> {
    #[inline]
    pub(crate) fn as_bytes(&self) -> &[u8] {
        match self {
            Str::Text(t) => t.as_bytes(),
            Str::Owned(s) => s.as_bytes(),
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        match self {
            Str::Text(t) => t,
            Str::Owned(s) => s,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.as_bytes().is_empty()
    }
}

/// JsonLogic truthiness (jsonlogic.com/truthy.html): `0`, `""`, `[]`, `null` and
/// `false` are falsy; everything else, including `"0"`, is truthy.
pub(crate) fn truthy(v: &Val<'_>) -> bool {
    match v {
        Val::Null => false,
        Val::Bool(b) => *b,
        Val::Int(i) => *i != 0,
        Val::Dec(d) => !d.is_zero(),
        Val::Float(f) => *f != 0.0 && !f.is_nan(),
        Val::Str(s) => !s.is_empty(),
        Val::List(items) => !items.is_empty(),
        Val::Date(_) | Val::DateTime(_) | Val::Other => true,
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Num {
    Int(i64),
    Dec(Decimal),
    Float(f64),
}

impl Num {
    fn to_dec(self) -> Option<Decimal> {
        match self {
            Num::Int(i) => Some(Decimal::from(i)),
            Num::Dec(d) => Some(d),
            // from_f64 rounds to a short decimal (0.1, not 0.1000…055), so a float trait
            // equals the decimal literal a user would write.
            Num::Float(f) => Decimal::from_f64(f).filter(|d| !d.is_zero() || f == 0.0),
        }
    }

    fn to_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Dec(d) => d.to_f64().unwrap_or(f64::NAN),
            Num::Float(f) => f,
        }
    }

    pub(crate) fn into_val<'a>(self) -> Val<'a> {
        match self {
            Num::Int(i) => Val::Int(i),
            Num::Dec(d) => Val::Dec(d),
            Num::Float(f) if f.is_finite() => Val::Float(f),
            Num::Float(_) => Val::Null,
        }
    }
}

/// Exact where possible: ints and decimals compare exactly; a float is compared as
/// its nearest short decimal, falling back to float comparison out of decimal range.
pub(crate) fn cmp_num(a: Num, b: Num) -> Option<Ordering> {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => Some(x.cmp(&y)),
        (Num::Float(x), Num::Float(y)) => x.partial_cmp(&y),
        _ => match (a.to_dec(), b.to_dec()) {
            (Some(x), Some(y)) => Some(x.cmp(&y)),
            _ => a.to_f64().partial_cmp(&b.to_f64()),
        },
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

/// `None` (null) on division by zero, overflow or a non-finite float.
pub(crate) fn arith(op: ArOp, a: Num, b: Num) -> Option<Num> {
    if let (Num::Int(x), Num::Int(y)) = (a, b) {
        let exact = match op {
            ArOp::Add => x.checked_add(y),
            ArOp::Sub => x.checked_sub(y),
            ArOp::Mul => x.checked_mul(y),
            ArOp::Div if y != 0 && x.checked_rem(y) == Some(0) => x.checked_div(y),
            ArOp::Div => None,
            ArOp::Rem => x.checked_rem(y),
        };
        if let Some(v) = exact {
            return Some(Num::Int(v));
        }
        if matches!(op, ArOp::Rem) || y == 0 {
            return None;
        }
    }
    if matches!(a, Num::Float(_)) || matches!(b, Num::Float(_)) {
        let (x, y) = (a.to_f64(), b.to_f64());
        let r = match op {
            ArOp::Add => x + y,
            ArOp::Sub => x - y,
            ArOp::Mul => x * y,
            ArOp::Div => x / y,
            ArOp::Rem => x % y,
        };
        return r.is_finite().then_some(Num::Float(r));
    }
    let (x, y) = (a.to_dec()?, b.to_dec()?);
    let r = match op {
        ArOp::Add => x.checked_add(y),
        ArOp::Sub => x.checked_sub(y),
        ArOp::Mul => x.checked_mul(y),
        ArOp::Div => x.checked_div(y),
        ArOp::Rem => x.checked_rem(y),
    }?;
    Some(Num::Dec(r))
}

pub(crate) fn negate(v: &Val<'_>) -> Val<'static> {
    match v.num() {
        Some(Num::Int(i)) => i
            .checked_neg()
            .map_or(Val::Dec(-Decimal::from(i)), Val::Int),
        Some(Num::Dec(d)) => Val::Dec(-d),
        Some(Num::Float(f)) => Val::Float(-f),
        None => Val::Null,
    }
}

pub(crate) fn arith_vals(op: ArOp, a: &Val<'_>, b: &Val<'_>) -> Val<'static> {
    match (a.num(), b.num()) {
        (Some(x), Some(y)) => arith(op, x, y).map_or(Val::Null, Num::into_val),
        _ => Val::Null,
    }
}

/// The calendar day of a date-like value in the given offset. Strings that hold an
/// RFC 3339 datetime or a `YYYY-MM-DD` date (traits arrive as JSON strings) count.
pub(crate) fn day_of(v: &Val<'_>, offset_minutes: i32) -> Option<NaiveDate> {
    match temporal(v)? {
        Temporal::Day(d) => Some(d),
        Temporal::Instant(t) => Some(local_day(t, offset_minutes)),
    }
}

fn local_day(t: DateTime<Utc>, offset_minutes: i32) -> NaiveDate {
    (t.naive_utc() + Duration::minutes(i64::from(offset_minutes))).date()
}

enum Temporal {
    Day(NaiveDate),
    Instant(DateTime<Utc>),
}

fn temporal(v: &Val<'_>) -> Option<Temporal> {
    match v {
        Val::Date(d) => Some(Temporal::Day(*d)),
        Val::DateTime(t) => Some(Temporal::Instant(*t)),
        Val::Str(s) if s.as_bytes().len() == 10 => {
            NaiveDate::parse_from_str(s.as_str(), "%Y-%m-%d")
                .ok()
                .map(Temporal::Day)
        }
        Val::Str(s) => DateTime::parse_from_rfc3339(s.as_str())
            .ok()
            .map(|t| Temporal::Instant(t.to_utc())),
        _ => None,
    }
}

fn is_temporal(v: &Val<'_>) -> bool {
    matches!(v, Val::Date(_) | Val::DateTime(_))
}

/// Ordering of two non-null values; `None` when they are not comparable.
pub(crate) fn cmp_vals(a: &Val<'_>, b: &Val<'_>, offset_minutes: i32) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (a.num(), b.num()) {
        return cmp_num(x, y);
    }
    match (a, b) {
        // Byte order is `str`'s order.
        (Val::Str(x), Val::Str(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        _ if is_temporal(a) || is_temporal(b) => match (temporal(a)?, temporal(b)?) {
            (Temporal::Instant(x), Temporal::Instant(y)) => Some(x.cmp(&y)),
            // A datetime meets a date as its day: `created_at <= 2026-03-31` includes
            // the whole of March 31st.
            (x, y) => Some(day(x, offset_minutes).cmp(&day(y, offset_minutes))),
        },
        _ => None,
    }
}

fn day(t: Temporal, offset_minutes: i32) -> NaiveDate {
    match t {
        Temporal::Day(d) => d,
        Temporal::Instant(t) => local_day(t, offset_minutes),
    }
}

/// Equality of two non-null values: different types are simply unequal.
pub(crate) fn eq_vals(a: &Val<'_>, b: &Val<'_>, offset_minutes: i32) -> bool {
    match (a, b) {
        (Val::Bool(x), Val::Bool(y)) => x == y,
        (Val::List(x), Val::List(y)) => {
            x.len() == y.len()
                && x.iter().zip(y.iter()).all(|(p, q)| {
                    let (p, q) = (Val::of(p), Val::of(q));
                    match (&p, &q) {
                        (Val::Null, Val::Null) => true,
                        (Val::Null, _) | (_, Val::Null) => false,
                        _ => eq_vals(&p, &q, offset_minutes),
                    }
                })
        }
        _ => cmp_vals(a, b, offset_minutes) == Some(Ordering::Equal),
    }
}

/// `needle in haystack`: list membership, or substring when both are text.
/// `None` when the haystack is neither (the comparison does not apply).
pub(crate) fn contains(hay: &Val<'_>, needle: &Val<'_>, offset_minutes: i32) -> Option<bool> {
    match hay {
        Val::List(items) => Some(items.iter().any(|item| {
            let item = Val::of(item);
            !item.is_null() && eq_vals(needle, &item, offset_minutes)
        })),
        Val::Str(h) => match needle {
            Val::Str(n) => Some(h.as_str().contains(n.as_str())),
            _ => None,
        },
        _ => None,
    }
}

/// Text for `cat`: numbers and dates as written in JSON output, null as nothing.
pub(crate) fn push_text(out: &mut String, v: &Val<'_>) {
    use std::fmt::Write;
    let _ = match v {
        Val::Null => Ok(()),
        Val::Bool(b) => write!(out, "{b}"),
        Val::Int(i) => write!(out, "{i}"),
        Val::Dec(d) => write!(out, "{}", d.normalize()),
        Val::Float(f) => write!(out, "{f}"),
        Val::Str(s) => {
            out.push_str(s.as_str());
            Ok(())
        }
        Val::Date(d) => write!(out, "{d}"),
        Val::DateTime(t) => write!(out, "{}", crate::value::format_datetime(t)),
        Val::List(items) => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_text(out, &Val::of(item));
            }
            Ok(())
        }
        Val::Other => write!(out, "[object Object]"),
    };
}

/// JsonLogic `substr`: character positions; a negative start counts from the end,
/// a negative length leaves that many characters off the end.
pub(crate) fn substr(s: &str, start: i64, len: Option<i64>) -> String {
    let total = i64::try_from(s.chars().count()).unwrap_or(i64::MAX);
    let from = if start < 0 {
        (total + start).max(0)
    } else {
        start.min(total)
    };
    let to = match len {
        None => total,
        Some(n) if n < 0 => (total + n).max(from),
        Some(n) => from.saturating_add(n).min(total),
    };
    let (from, to) = (
        usize::try_from(from).unwrap_or(0),
        usize::try_from(to).unwrap_or(0),
    );
    s.chars().skip(from).take(to.saturating_sub(from)).collect()
}

pub(crate) fn as_i64(v: &Val<'_>) -> Option<i64> {
    match v.num()? {
        Num::Int(i) => Some(i),
        Num::Dec(d) => d.trunc().to_i64(),
        Num::Float(f) if f.is_finite() => Some(f.trunc() as i64),
        Num::Float(_) => None,
    }
}

pub(crate) fn num_of(v: &Val<'_>) -> Option<Num> {
    v.num()
}
