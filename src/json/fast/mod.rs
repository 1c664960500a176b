//! The fast path of [`Engine::ingest_json`](crate::Engine::ingest_json) for activity
//! calls (`track`, `page`, `screen`) and for `identify` and `group` calls: one pass
//! over the line's bytes that borrows what the engine reads and skips the rest,
//! with no owned [`Call`](crate::Call) and no traits map.
//!
//! # Why it can be trusted
//!
//! The reader is deliberately narrow. It answers `Some` only for a line that the
//! full path ([`Call::from_json`](crate::Call::from_json) + `check_limits` +
//! [`Engine::ingest`](crate::Engine::ingest)) would accept, and then with exactly the
//! view the full path would build. For everything else (any JSON or type error, a
//! duplicate field, an alias call, any limit exceeded, a lone surrogate, a key
//! written with escapes, a trait key given twice, nesting deeper than it cares to
//! follow, a number that might overflow an `f64`) it answers `None`, and the caller
//! parses the line again with the full path, which names the rejection. So a
//! rejection is never produced here: it is found cheaply, then described by the one
//! code that always described it. Where the reader is stricter than serde_json
//! (lone surrogates, very deep ignored values, huge exponents) the line merely
//! takes the slow path.
//!
//! What the full path checks, and how this reader matches it:
//!
//! - JSON syntax of the whole line, ignored fields included: strings (no raw control
//!   characters, valid escapes), numbers (RFC 8259 grammar), literals, nesting, and
//!   nothing but whitespace after the object.
//! - serde's struct rules: a known field twice (aliases included: `userId` and
//!   `user_id`) is an error; `null` is an absent field; an id (`groupId` too) is a
//!   string or an unsigned integer (a negative or fractional id takes the slow
//!   path); `context`, `context.device` and `context.os` are objects (serde would
//!   also take arrays: slow path). Every field is type-checked whatever the call's
//!   type, as serde does, but each type is held only to the checks the full path
//!   makes on it: `event`, `context.groupId` and the device and OS names only on
//!   activity calls, `groupId` only on `group` calls (which need no user).
//! - `properties` and `traits` are read in full by the full path, so their numbers
//!   must fit an `f64` (`1e400` is `non_finite_number`), their nesting must fit
//!   serde_json's recursion limit, and they are held to `limits` (count, key and
//!   text lengths, list length, depth). Lengths are measured on the raw text,
//!   which is never shorter than the decoded text, so a pass here is a pass there.
//!   A `traits` that is not `null` on an activity call, which only checks it, or a
//!   `type` other than these five, hands the line over.
//! - The traits the engine records are the full path's map, entry for entry: each
//!   value is built by the code that builds the map's ([`Value`]'s `Deserialize`
//!   through serde_json, but for plain strings and small non-negative integers,
//!   whose values are plain), in the order sent. A key given twice would make the
//!   map differ from the list (the first place, the last value, one count), so
//!   it hands the line over.
//! - The trait-key table's limit depends on the engine's state: the engine checks
//!   the full path's first, cheap test (table size plus trait count within the
//!   limit) and hands the line back when it fails, so that the full path's finer
//!   test decides.
//! - The total call size of `check_limits` never exceeds the line length (see
//!   [`Limits`]), which the caller has already checked.
//! - Lines of 2 GiB or more (spans are 32-bit) take the slow path.
//!
//! Where the two paths may differ, they differ only in speed: a line the reader
//! hands back is read again, and a few lines the full path accepts are among them:
//! an escaped key, a lone surrogate in an ignored string, an ignored value nested
//! more than 64 deep, a finite number whose integer digits plus exponent pass 308
//! (`1.5e308`), a `properties` or nested `traits` map whose repeated keys push the
//! raw count over the limit, a text whose escapes push its raw length over the
//! limit, a `traits` object with a repeated key or more than 64 entries, an
//! `identify` or `group` call whose traits might grow the trait-key table past
//! its limit.
//!
//! # Why it is fast
//!
//! - A line of up to 1 KiB without backslashes or control characters (nearly all of
//!   them) is first indexed: the positions of its quotes, found 64 bytes at a time
//!   by loops the compiler vectorizes. In such a line every quote opens or closes
//!   a string, so the walk takes each string's end from the index instead of
//!   searching for it, which would put a load and a search on the walk's critical
//!   path for every string. Longer lines, and lines with escapes, are searched
//!   eight bytes at a time instead.
//! - Nothing is copied, and nothing allocated but a string that holds escapes, a
//!   usage value that is text or a list, and a trait value that is text or a list:
//!   fields are spans of the line, skipped values are only checked, and the usage
//!   and trait values go into a scratch buffer reused from line to line
//!   ([`Picked`]), which also remembers the last timestamp hour it validated
//!   ([`HourCache`]). An `identify` or `group` line builds no owned call and no
//!   traits map (no key is copied, nor hashed but by the engine's own trait-key
//!   table), and its trait values move from the scratch buffer into the engine's
//!   state, where the full path clones them out of the call.

mod quotes;
mod scanner;
mod span;
mod timestamp;
mod traits;

use std::borrow::Cow;

use self::scanner::Scanner;
use self::span::{ESCAPED, Span};
pub(crate) use self::timestamp::{HourCache, parse_timestamp_ms};
pub(crate) use self::traits::JsonTraits;
use self::traits::TraitList;
use crate::config::Limits;
use crate::config::compiled::UsageSpec;
use crate::trim::is_blank;
use crate::value::Value;

/// The kind of a call the fast path reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallKind {
    /// `track`.
    Track,
    /// `page`.
    Page,
    /// `screen`.
    Screen,
    /// `identify`.
    Identify,
    /// `group`.
    Group,
}

/// A call as the fast reader found it: what the engine's `CallRef` view needs,
/// borrowed from the line (owned only where the JSON used escapes), but the
/// traits, which are in [`Picked`].
#[derive(Debug)]
pub(crate) struct JsonCall<'a> {
    pub kind: CallKind,
    /// The timestamp, in UTC milliseconds.
    pub ms: i64,
    pub user_id: Option<Cow<'a, str>>,
    pub anonymous_id: Option<Cow<'a, str>>,
    pub message_id: Option<Cow<'a, str>>,
    /// The `track` event name, or the `page` / `screen` name (`""` when absent), as
    /// the typed call holds it; `""` for `identify` and `group`.
    pub event: Cow<'a, str>,
    /// `groupId` of a `group` call; `context.groupId` of an activity call.
    pub group_id: Option<Cow<'a, str>>,
    /// `context.device.type` of an activity call.
    pub device_type: Option<Cow<'a, str>>,
}

/// The values found in one line beyond its spans: the usage metrics' properties,
/// by metric index (what `PropertiesRef::ByUsage` reads), and the traits. Meant to
/// be reused from line to line (see `Engine::ingest_json`): once it has grown,
/// picking allocates nothing (but a text value's own `String`).
pub(crate) struct Picked {
    values: Vec<Option<Value>>,
    /// One past the highest index set since the last [`clear`](Self::clear).
    len: usize,
    /// The traits of an `identify` or `group` line (empty when absent or `null`).
    traits: TraitList,
    /// Kept here because this is the state the fast path carries between lines.
    hour: HourCache,
}

impl Picked {
    /// An empty set (no allocation).
    pub(crate) const fn new() -> Picked {
        Picked {
            values: Vec::new(),
            len: 0,
            traits: Vec::new(),
            hour: HourCache::new(),
        }
    }

    /// Records the value of metric `metric` of `metrics`. A later entry for the same
    /// property replaces an earlier one, as a map built from the JSON would.
    fn set(&mut self, metric: usize, metrics: usize, value: Value) {
        if self.values.len() < metrics {
            self.values.resize_with(metrics, || None);
        }
        self.values[metric] = Some(value);
        self.len = self.len.max(metric + 1);
    }

    /// The usage values by metric index (shorter than the metric list when the
    /// last metrics were not found: a missing index reads as absent), and the
    /// traits of `line`, the line last read, for the engine to keep.
    pub(crate) fn parts<'a>(&'a mut self, line: &'a str) -> (&'a [Option<Value>], JsonTraits<'a>) {
        (
            &self.values[..self.len],
            JsonTraits::new(line, &mut self.traits),
        )
    }

    /// Forgets (drops) the values picked since the last call.
    pub(crate) fn clear(&mut self) {
        for value in &mut self.values[..self.len] {
            *value = None;
        }
        self.len = 0;
        self.traits.clear();
    }
}

/// Reads a `track`, `page`, `screen`, `identify` or `group` line, or `None` when
/// the full path must decide (see the module docs). `usage` is the compiled usage
/// metrics; their properties' values go into `picked`.
pub(crate) fn read_call<'a>(
    line: &'a str,
    usage: &[UsageSpec],
    limits: &Limits,
    picked: &mut Picked,
) -> Option<JsonCall<'a>> {
    if line.len() >= ESCAPED as usize {
        // Too long for a `Span`; far over any sensible `max_call_bytes` anyway.
        return None;
    }
    let mut scanner = Scanner::unindexed(line);
    scanner.quotes.index(line.as_bytes());
    let mut raw = RawLine::default();
    scanner.call(usage, limits, picked, &mut raw)?;
    let text = |span: Span| scanner.decode(span);
    // Alias calls (and missing, escaped or unknown types) take the full path.
    let kind = raw.kind.filter(|k| !k.escaped())?;
    let kind = match scanner.raw(kind) {
        b"track" => CallKind::Track,
        b"page" => CallKind::Page,
        b"screen" => CallKind::Screen,
        b"identify" => CallKind::Identify,
        b"group" => CallKind::Group,
        _ => return None,
    };
    let timestamp = raw.timestamp.or(raw.original_timestamp)?;
    let ms = match timestamp.escaped() {
        false => parse_timestamp_ms(scanner.raw(timestamp), &mut picked.hour),
        true => None,
    }
    .or_else(|| super::parse_timestamp(&text(timestamp)?).map(|t| t.timestamp_millis()))?;
    let id_limit = limits.max_id_bytes();
    let name_limit = limits.max_name_bytes();
    // A text field: absent when missing or when `absent` says so; one over `limit`
    // hands the line over.
    let field = |span: Option<Span>, absent: fn(&str) -> bool, limit: usize| {
        let Some(span) = span else {
            return Some(None);
        };
        let s = text(span)?;
        if absent(&s) {
            Some(None)
        } else if s.len() > limit {
            None
        } else {
            Some(Some(s))
        }
    };
    // Blank ids are absent, as in the full path.
    let id = |span: Option<Span>| field(span, is_blank, id_limit);
    let user_id = id(raw.user_id)?;
    let anonymous_id = id(raw.anonymous_id)?;
    // A group call may have no user: its account is its sender.
    if kind != CallKind::Group && user_id.is_none() && anonymous_id.is_none() {
        return None;
    }
    let message_id = id(raw.message_id)?;
    // Each kind is held only to the checks the full path makes on it: the fields
    // it ignores were type-checked by the scanner, which is all the full path does.
    let (group_id, event, device_type);
    if let CallKind::Identify | CallKind::Group = kind {
        group_id = match kind {
            CallKind::Group => Some(id(raw.group_id)??),
            _ => None,
        };
        event = Cow::Borrowed("");
        device_type = None;
    } else {
        // Traits on an activity call are checked by the full path, never used:
        // left to it rather than held to its rules here.
        if raw.traits {
            return None;
        }
        group_id = id(raw.context_group_id)?;
        event = match kind {
            CallKind::Track => text(raw.event?)?,
            _ => match raw.name {
                Some(name) => text(name)?,
                None => Cow::Borrowed(""),
            },
        };
        if (kind == CallKind::Track && is_blank(&event)) || event.len() > name_limit {
            return None;
        }
        // Empty (not blank) device types and OS names are absent, as in the full path.
        let name = |span: Option<Span>| field(span, str::is_empty, name_limit);
        device_type = name(raw.device_type)?;
        // Read only to be held to the name limit.
        name(raw.os_name)?;
    }
    Some(JsonCall {
        kind,
        ms,
        user_id,
        anonymous_id,
        message_id,
        event,
        group_id,
        device_type,
    })
}

/// The fields of a line the fast path reads (`None`: absent or `null`); all
/// unchecked until [`read_call`] checks them.
#[derive(Default)]
struct RawLine {
    kind: Option<Span>,
    user_id: Option<Span>,
    anonymous_id: Option<Span>,
    message_id: Option<Span>,
    event: Option<Span>,
    name: Option<Span>,
    timestamp: Option<Span>,
    original_timestamp: Option<Span>,
    group_id: Option<Span>,
    context_group_id: Option<Span>,
    device_type: Option<Span>,
    os_name: Option<Span>,
    /// Whether `traits` was an object (not `null`). Its entries, read and checked
    /// as they are met (the type may come later in the line), are in [`Picked`].
    traits: bool,
}

/// Bounds on a value read in full by the full path (`properties` and `traits`
/// entries): lengths on its raw text, depth in nested lists / objects.
struct Bounds {
    text: usize,
    len: usize,
    depth: usize,
}

/// serde_json refuses more than 128 nested levels; the line's object and the
/// `properties` object take two. Deeper values (legal or not) take the slow path.
const MAX_READ_DEPTH: usize = 100;

/// Ignored values nested deeper than this take the slow path (serde_json skips
/// them at any depth; this reader recurses, so it stops early).
const MAX_SKIP_DEPTH: usize = 64;

/// Bits for the fields read once: serde refuses a known field given twice.
mod field {
    pub const TYPE: u32 = 1;
    pub const USER: u32 = 1 << 1;
    pub const ANONYMOUS: u32 = 1 << 2;
    pub const PREVIOUS: u32 = 1 << 3;
    pub const GROUP: u32 = 1 << 4;
    pub const EVENT: u32 = 1 << 5;
    pub const NAME: u32 = 1 << 6;
    pub const PROPERTIES: u32 = 1 << 7;
    pub const TRAITS: u32 = 1 << 8;
    pub const TIMESTAMP: u32 = 1 << 9;
    pub const ORIGINAL: u32 = 1 << 10;
    pub const MESSAGE: u32 = 1 << 11;
    pub const CONTEXT: u32 = 1 << 12;
}

/// Marks `bit` in `seen`; `None` when it was there already (a field given twice).
#[inline(always)]
fn once(seen: &mut u32, bit: u32) -> Option<()> {
    let first = *seen & bit == 0;
    *seen |= bit;
    first.then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The call read from `line`, and its traits (key, value).
    fn read_with_traits(line: &str) -> Option<(JsonCall<'_>, Vec<(String, Value)>)> {
        let engine = crate::Engine::new(crate::sample::config()).unwrap();
        let compiled = engine.compiled();
        let mut picked = Picked::new();
        let call = read_call(line, &compiled.usage, compiled.config.limits(), &mut picked)?;
        let mut traits = Vec::new();
        picked
            .parts(line)
            .1
            .drain(|k, v| traits.push((k.to_owned(), v)));
        Some((call, traits))
    }

    fn read(line: &str) -> Option<JsonCall<'_>> {
        read_with_traits(line).map(|(call, _)| call)
    }

    #[test]
    fn common_lines_take_the_fast_path() {
        let lines = [
            r#"{"context":{"device":{"type":"mobile"}},"event":"Report Run","messageId":"m-1","timestamp":"2026-08-08T13:25:24.000Z","type":"track","userId":"user_1"}"#,
            r#"{"type":"page","anonymousId":"a1","name":"Pricing","originalTimestamp":"2026-08-08T13:25:24Z"}"#,
            r#" { "type" : "screen" , "userId" : 42 , "timestamp" : "2026-08-08T14:25:24.5+01:00" } "#,
            r#"{"type":"track","userId":"caf\u00e9 \"x\"","event":"Report\u0020Run","timestamp":"2026-08-08T13:25:24Z","context":{"groupId":7,"os":{"name":"iOS"},"ip":[1,{"a":null}]},"integrations":{"All":1e400}}"#,
            r#"{"type":"track","userId":"u","event":"File Uploaded","timestamp":"2026-08-08T13:25:24Z","properties":{"megabytes":1.5,"note":"x","megabytes":"12"},"traits":null}"#,
        ];
        for line in lines {
            assert!(read(line).is_some(), "{line}");
        }
        let a = read(lines[3]).unwrap();
        assert_eq!(a.user_id.as_deref(), Some("café \"x\""));
        assert_eq!(a.event, "Report Run");
        assert_eq!(a.group_id.as_deref(), Some("7"));
        let a = read(lines[2]).unwrap();
        assert_eq!(
            (a.kind, a.user_id.as_deref()),
            (CallKind::Screen, Some("42"))
        );
        assert_eq!(a.ms, 1_786_195_524_500);
    }

    #[test]
    fn identify_and_group_lines_take_the_fast_path() {
        let line = r#"{"anonymousId":"a-1","messageId":"m-2","timestamp":"2026-08-08T13:25:24.000Z","traits":{"email":"ana@acme.com","firstName":"Ana","seats":12,"mrr":490.0,"big":18446744073709551615,"vip":true,"note":null,"tags":["a",{"b":-1}],"quote":"say \"hi\""},"type":"identify","userId":"user_1"}"#;
        let (a, traits) = read_with_traits(line).unwrap();
        assert_eq!(a.kind, CallKind::Identify);
        assert_eq!(
            (a.user_id.as_deref(), a.anonymous_id.as_deref()),
            (Some("user_1"), Some("a-1"))
        );
        let keys: Vec<&str> = traits.iter().map(|(k, _)| k.as_str()).collect();
        let expect = ["email", "firstName", "seats", "mrr", "big", "vip", "note"];
        assert_eq!(keys[..7], expect);
        assert_eq!(traits[2].1, Value::Int(12));
        assert_eq!(traits[3].1, Value::Number(490.0));
        assert_eq!(traits[4].1, Value::Number(18_446_744_073_709_551_615.0));
        assert_eq!(traits[5].1, Value::Bool(true));
        assert_eq!(traits[6].1, Value::Null);
        assert!(matches!(&traits[7].1, Value::List(items) if items.len() == 2));
        assert_eq!(traits[8].1, Value::String("say \"hi\"".into()));
        let line =
            r#"{"groupId":"acc_1","timestamp":"2026-08-08T13:25:24Z","traits":{},"type":"group"}"#;
        let (g, traits) = read_with_traits(line).unwrap();
        assert_eq!(
            (g.kind, g.group_id.as_deref()),
            (CallKind::Group, Some("acc_1"))
        );
        assert!(g.user_id.is_none() && traits.is_empty());
    }

    #[test]
    fn every_sample_line_but_aliases_takes_the_fast_path() {
        let sample = crate::sample::Sample::new().accounts(3).days(20);
        for call in sample.calls() {
            let line = call.to_json();
            let fast = read(&line).is_some();
            assert_eq!(fast, !matches!(call, crate::Call::Alias(_)), "{line}");
        }
    }

    #[test]
    fn what_the_fast_path_leaves_to_the_full_path() {
        for line in [
            r#"{"type":"alias","userId":"u","previousId":"p","timestamp":"2026-08-08T13:25:24Z"}"#,
            r#"{"type":"identify","timestamp":"2026-08-08T13:25:24Z","traits":{"a":1}}"#,
            r#"{"type":"identify","userId":"u","timestamp":"2026-08-08T13:25:24Z","traits":{"a":1,"a":2}}"#,
            r#"{"type":"identify","userId":"u","timestamp":"2026-08-08T13:25:24Z","traits":{"\u0061":1}}"#,
            r#"{"type":"identify","userId":"u","timestamp":"2026-08-08T13:25:24Z","traits":{"a":1e400}}"#,
            r#"{"type":"identify","userId":"u","timestamp":"2026-08-08T13:25:24Z","traits":[]}"#,
            r#"{"type":"group","userId":"u","groupId":" ","timestamp":"2026-08-08T13:25:24Z"}"#,
            r#"{"type":"group","userId":"u","timestamp":"2026-08-08T13:25:24Z"}"#,
            r#"{"type":"tr\u0061ck","userId":"u","event":"e","timestamp":"2026-08-08T13:25:24Z"}"#,
            r#"{"traits":{"plan":"pro"},"type":"track","userId":"u","event":"e","timestamp":"2026-08-08T13:25:24Z"}"#,
            r#"{"traits":[],"type":"track","userId":"u","event":"e","timestamp":"2026-08-08T13:25:24Z"}"#,
            r#"{"type":"track","userId":"u","event":"e","timestamp":"2026-08-08T13:25:24Z","userId":"v"}"#,
            r#"{"type":"track","userId":"u","user_id":"v","event":"e","timestamp":"2026-08-08T13:25:24Z"}"#,
            r#"{"ty\u0070e":"track","userId":"u","event":"e","timestamp":"2026-08-08T13:25:24Z"}"#,
            r#"{"type":"track","userId":-1,"event":"e","timestamp":"2026-08-08T13:25:24Z"}"#,
            r#"{"type":"track","userId":"\ud800","event":"e","timestamp":"2026-08-08T13:25:24Z"}"#,
            r#"{"type":"track","userId":"u","event":"e","timestamp":"2026-08-08T13:25:24Z","properties":{"x":1e400}}"#,
            r#"{"type":"track","userId":"u","event":"e","timestamp":"2026-08-08T13:25:24Z","context":[]}"#,
            r#"{"type":"track","userId":"u","event":"e","timestamp":"2026-08-08T13:25:24Z"} x"#,
            r#"{"type":"track","userId":"u","event":"e","timestamp":"soon"}"#,
            r#"["track","u"]"#,
        ] {
            assert!(read(line).is_none(), "{line}");
        }
    }
}
