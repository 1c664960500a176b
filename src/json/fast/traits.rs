//! The `traits` of an `identify` or `group` line, read into what the full path's
//! map would hold, without building the map.

use super::scanner::{Scanner, value_of};
use super::span::Span;
use crate::config::Limits;
use crate::value::Value;

/// A `traits` object with more entries than this takes the slow path: the
/// search for a repeated key below is quadratic, which is the cheapest way for
/// the handful of traits real calls carry, and only for those.
const MAX_TRAITS: usize = 64;

/// The traits of one line: where each key lies in the line, and its value.
/// Kept in the scratch space reused from line to line ([`Picked`](super::Picked)),
/// so that the lines without traits carry nothing for them.
pub(super) type TraitList = Vec<(Span, Value)>;

impl<'a> Scanner<'a> {
    /// `traits`: `null` (`false`: none), or an object held to the limits as
    /// `properties` is, whose entries go into `list` with their values built as
    /// the full path builds them ([`value_of`]).
    ///
    /// A key given twice takes the slow path: the full path's map would keep the
    /// first key's place with the last key's value, and count the key once
    /// towards the limits. With every key distinct, the list is exactly the map,
    /// entry for entry and in the same order.
    pub(super) fn traits(&mut self, limits: &Limits, list: &mut TraitList) -> Option<bool> {
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            return Some(false);
        }
        let line = self.bytes();
        self.entries(limits, |key, name, json| {
            if list.len() >= MAX_TRAITS || list.iter().any(|(k, _)| &line[k.range()] == name) {
                return None;
            }
            list.push((key, value_of(json)?));
            Some(())
        })?;
        Some(true)
    }
}

/// The traits of an `identify` or `group` line read by the fast path, as the
/// engine reads them: distinct keys (borrowed from the line), in the order sent,
/// with values the engine may keep (the scratch space is cleared after the line).
#[derive(Debug)]
pub(crate) struct JsonTraits<'a> {
    line: &'a str,
    list: &'a mut TraitList,
}

impl<'a> JsonTraits<'a> {
    pub(super) fn new(line: &'a str, list: &'a mut TraitList) -> JsonTraits<'a> {
        JsonTraits { line, list }
    }

    /// How many traits.
    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }

    /// Each key and its value, moved out of the list. A key is the text between
    /// its quotes, cut at them: always a `str` boundary, and never escaped (such
    /// a line was handed over).
    pub(crate) fn drain(self, mut f: impl FnMut(&'a str, Value)) {
        for (key, value) in self.list.drain(..) {
            f(&self.line[key.range()], value);
        }
    }
}
