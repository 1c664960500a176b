//! Static types of rule expressions, and "did you mean" suggestions.

use std::sync::Arc;

use crate::schema::{PropertyType, Schema};

/// What the checker knows about an expression's value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ty {
    Bool,
    Num,
    Str,
    Date,
    DateTime,
    List(Box<Ty>),
    Null,
    /// Known only at run time (traits, `if` with mixed branches).
    Any,
    /// Already reported; suppresses follow-on errors.
    Err,
}

impl Ty {
    pub(crate) fn of(p: &PropertyType) -> Ty {
        match p {
            PropertyType::Bool => Ty::Bool,
            PropertyType::Int | PropertyType::Number | PropertyType::Decimal => Ty::Num,
            PropertyType::String | PropertyType::Enum(_) => Ty::Str,
            PropertyType::Date => Ty::Date,
            PropertyType::DateTime => Ty::DateTime,
            PropertyType::StringList => Ty::List(Box::new(Ty::Str)),
            _ => Ty::Any,
        }
    }

    pub(crate) fn name(&self) -> String {
        match self {
            Ty::Bool => "a bool".into(),
            Ty::Num => "a number".into(),
            Ty::Str => "text".into(),
            Ty::Date => "a date".into(),
            Ty::DateTime => "a datetime".into(),
            Ty::List(e) if **e == Ty::Str => "a list of text".into(),
            Ty::List(e) if **e == Ty::Num => "a list of numbers".into(),
            Ty::List(_) => "a list".into(),
            Ty::Null => "null".into(),
            Ty::Any | Ty::Err => "any value".into(),
        }
    }

    /// Unknown until run time: every check passes.
    pub(crate) fn is_open(&self) -> bool {
        matches!(self, Ty::Any | Ty::Err)
    }

    fn is_temporal(&self) -> bool {
        matches!(self, Ty::Date | Ty::DateTime)
    }

    /// Whether `=`/`!=` between the two can ever hold.
    pub(crate) fn comparable(&self, other: &Ty) -> bool {
        if self.is_open() || other.is_open() {
            return true;
        }
        match (self, other) {
            (Ty::List(a), Ty::List(b)) => a.comparable(b),
            (a, b) if a.is_temporal() && b.is_temporal() => true,
            (a, b) => a == b,
        }
    }

    /// Whether `<`, `between`… between the two can ever hold.
    pub(crate) fn orderable(&self, other: &Ty) -> bool {
        if self.is_open() || other.is_open() {
            return !matches!(self, Ty::Bool | Ty::List(_) | Ty::Null)
                && !matches!(other, Ty::Bool | Ty::List(_) | Ty::Null);
        }
        match (self, other) {
            (Ty::Num, Ty::Num) | (Ty::Str, Ty::Str) => true,
            (a, b) => a.is_temporal() && b.is_temporal(),
        }
    }

    /// The common type of two branches or list items.
    pub(crate) fn unify(&self, other: &Ty) -> Ty {
        match (self, other) {
            (Ty::Err, _) | (_, Ty::Err) => Ty::Err,
            (Ty::Null, t) | (t, Ty::Null) => t.clone(),
            (a, b) if a == b => a.clone(),
            _ => Ty::Any,
        }
    }
}

pub(crate) fn enum_options(p: &PropertyType) -> Option<Arc<[Box<str>]>> {
    match p {
        PropertyType::Enum(options) => Some(options.clone()),
        _ => None,
    }
}

/// Levenshtein distance over characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The closest name, if it is close enough to be a plausible typo.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(2);
    candidates
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

pub(crate) fn schema_names(schema: &Schema) -> impl Iterator<Item = &str> {
    schema.iter().map(|(n, _)| n)
}
