//! Segment-spec JSON ingestion (feature `json`).
//!
//! Reads the JSON shape used by Segment, RudderStack and most SDKs. Fields the engine
//! does not use are skipped without being stored. Ids may be strings or integers;
//! `timestamp` falls back to `originalTimestamp`; `context.groupId`,
//! `context.device.type` and `context.os.name` are read.
//!
//! Two readers read a line, and give the same outcomes:
//!
//! - the serde-derive reader: serde_json into borrowed `#[derive(Deserialize)]`
//!   structs ([`Line`]: ids and names borrowed from the line, `properties` and
//!   `traits` as maps of borrowed keys, everything else skipped), checked by
//!   [`Line::check`]. [`Call::from_json`] builds the typed call from it;
//!   [`Engine::ingest_json`](crate::Engine::ingest_json) hands it to the engine
//!   without building that call. It names every rejection.
//! - the hand-written reader ([`fast`]): one borrowing pass over a `track`,
//!   `page`, `screen`, `identify` or `group` line that keeps only the usage
//!   properties the configuration reads (and the traits, without a map). It is
//!   `ingest_json`'s first try; any line it is not sure of, rejections included,
//!   goes to the serde-derive reader. On the benchmark in `BENCHMARKS.md` it reads
//!   lines about three times as fast, which is why it is kept.
//!
//! `tests/it/json_fast.rs` checks that both agree with each other and with
//! `Engine::ingest(&Call::from_json(line)?)`; the `json_agree` fuzz target checks
//! the two readers on any bytes.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;

use indexmap::IndexMap;

use crate::engine::CallKind as Kind;
use crate::event::{Actor, Alias, Call, Group, Identify, Page, Properties, Screen, Track};
use crate::id::{AccountId, AnonymousId, UserId};
use crate::outcome::{Rejection, clip};
use crate::source::ErrorSource;
use crate::value::Value;

pub(crate) mod fast;

/// Scratch space for reading JSON lines, kept by the caller between lines so that
/// [`Engine::ingest_json_with`](crate::Engine::ingest_json_with) allocates nothing
/// per line once it has grown to the lines' size.
///
/// It holds the usage values and traits picked from the line being read, and what
/// the last line's timestamp taught about the next one. Nothing in it outlives a
/// line's outcome: one scratch may serve any number of engines, in any order, and
/// the outcome of a line never depends on what the scratch read before.
/// [`Engine::ingest_json`](crate::Engine::ingest_json) starts from an empty scratch
/// at every line; a loop over many lines should keep one:
///
/// ```
/// use pulsecheck::{Config, Engine, JsonScratch};
///
/// let mut engine = Engine::new(Config::default())?;
/// let mut scratch = JsonScratch::new();
/// for (i, user) in ["ana", "bo", "cy"].iter().enumerate() {
///     let line = format!(
///         r#"{{"type":"track","userId":"{user}","event":"Report Run","timestamp":"2026-10-31T10:0{i}:00Z"}}"#
///     );
///     engine.ingest_json_with(&line, &mut scratch)?;
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct JsonScratch {
    picked: fast::Picked,
}

impl JsonScratch {
    /// An empty scratch; it allocates nothing until a line needs room.
    pub const fn new() -> JsonScratch {
        JsonScratch {
            picked: fast::Picked::new(),
        }
    }
}

impl Default for JsonScratch {
    fn default() -> JsonScratch {
        JsonScratch::new()
    }
}

impl std::fmt::Debug for JsonScratch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Its contents are cleared after every line: nothing worth showing.
        f.debug_struct("JsonScratch").finish_non_exhaustive()
    }
}

/// A call as serde reads it from one line: ids and names borrowed from the line
/// (owned only where the JSON escaped them), `properties` and `traits` as maps of
/// borrowed keys, everything else skipped unread. Both [`Call::from_json`] and
/// [`Engine::ingest_json`](crate::Engine::ingest_json) read this, then
/// [`check`](Line::check) it, so their rejections are the same by construction.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Line<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(alias = "user_id", borrow, default)]
    user_id: Option<RawId<'a>>,
    #[serde(alias = "anonymous_id", borrow, default)]
    anonymous_id: Option<RawId<'a>>,
    #[serde(alias = "previous_id", borrow, default)]
    previous_id: Option<RawId<'a>>,
    #[serde(alias = "group_id", borrow, default)]
    group_id: Option<RawId<'a>>,
    #[serde(borrow, default)]
    event: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    properties: Option<JsonMap<'a>>,
    #[serde(borrow, default)]
    traits: Option<JsonMap<'a>>,
    #[serde(borrow, default)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(alias = "original_timestamp", borrow, default)]
    original_timestamp: Option<Cow<'a, str>>,
    #[serde(alias = "message_id", borrow, default)]
    message_id: Option<RawId<'a>>,
    #[serde(borrow, default)]
    context: Option<RawContext<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawContext<'a> {
    #[serde(alias = "group_id", borrow, default)]
    group_id: Option<RawId<'a>>,
    #[serde(borrow, default)]
    device: Option<RawDevice<'a>>,
    #[serde(borrow, default)]
    os: Option<RawOs<'a>>,
}

#[derive(Deserialize, Default)]
struct RawDevice<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
}

#[derive(Deserialize, Default)]
struct RawOs<'a> {
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
}

/// `properties` or `traits` as read from a line: what [`Properties`] would hold
/// (a key given twice keeps its first place and its last value), but with the
/// keys borrowed from the line.
pub(crate) type JsonMap<'a> = IndexMap<Key<'a>, Value, foldhash::fast::RandomState>;

/// A key of a [`JsonMap`]: borrowed from the line unless it was escaped there.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct Key<'a>(pub(crate) Cow<'a, str>);

impl Key<'_> {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Key<'_> {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visitor<'a> {
            type Value = Key<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'a>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'a>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'a>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(Visitor(std::marker::PhantomData))
    }
}

/// An id as SDKs send it: usually a string, sometimes an integer. Read with a
/// visitor rather than `#[serde(untagged)]`, which would buffer every id first.
enum RawId<'a> {
    Str(Cow<'a, str>),
    Int(i64),
    UInt(u64),
}

impl<'de: 'a, 'a> Deserialize<'de> for RawId<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visitor<'a> {
            type Value = RawId<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string or an integer id")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<RawId<'a>, E> {
                Ok(RawId::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<RawId<'a>, E> {
                Ok(RawId::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<RawId<'a>, E> {
                Ok(RawId::Str(Cow::Owned(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<RawId<'a>, E> {
                Ok(RawId::Int(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<RawId<'a>, E> {
                Ok(RawId::UInt(v))
            }
        }
        d.deserialize_any(Visitor(std::marker::PhantomData))
    }
}

impl<'a> RawId<'a> {
    /// The id as text; `None` when blank.
    fn into_nonempty(self) -> Option<Cow<'a, str>> {
        let s = match self {
            RawId::Str(s) => s,
            RawId::Int(i) => Cow::Owned(i.to_string()),
            RawId::UInt(u) => Cow::Owned(u.to_string()),
        };
        (!s.trim().is_empty()).then_some(s)
    }
}

/// A line that passed every check [`Call::from_json`] makes: what the call is
/// made of, still borrowed from the line. Blank ids are `None`; an `alias` keeps
/// no anonymous id; `group_id` is a `group` call's `groupId` or an activity's
/// `context.groupId`; `properties` are an activity's, `traits` an `identify` or
/// `group` call's (empty otherwise).
pub(crate) struct Checked<'a> {
    pub kind: Kind,
    pub timestamp: DateTime<Utc>,
    pub user_id: Option<Cow<'a, str>>,
    pub anonymous_id: Option<Cow<'a, str>>,
    pub message_id: Option<Cow<'a, str>>,
    /// The `track` event name, or the `page` / `screen` name (`""` when absent);
    /// `""` for other calls.
    pub event: Cow<'a, str>,
    pub group_id: Option<Cow<'a, str>>,
    pub previous_id: Option<Cow<'a, str>>,
    pub device_type: Option<Cow<'a, str>>,
    pub os_name: Option<Cow<'a, str>>,
    pub properties: JsonMap<'a>,
    pub traits: JsonMap<'a>,
}

impl<'a> Line<'a> {
    /// Reads one line, naming what is wrong with it.
    pub(crate) fn read(line: &'a str) -> Result<Line<'a>, Rejection> {
        serde_json::from_str(line).map_err(classify_json_error)
    }

    /// The checks every call passes before the engine looks at it, in the order
    /// that decides which rejection a line with several faults gets.
    pub(crate) fn check(self) -> Result<Checked<'a>, Rejection> {
        let kind = match self.kind.as_deref().ok_or(Rejection::MissingType)? {
            "track" => Kind::Track,
            "page" => Kind::Page,
            "screen" => Kind::Screen,
            "identify" => Kind::Identify,
            "group" => Kind::Group,
            "alias" => Kind::Alias,
            other => return Err(Rejection::UnknownType { value: clip(other) }),
        };
        let timestamp = self
            .timestamp
            .as_deref()
            .or(self.original_timestamp.as_deref())
            .ok_or(Rejection::MissingTimestamp)
            .and_then(|t| {
                parse_timestamp(t).ok_or_else(|| Rejection::BadTimestamp { value: clip(t) })
            })?;
        check_finite("properties", self.properties.as_ref())?;
        check_finite("traits", self.traits.as_ref())?;
        let mut c = Checked {
            kind,
            timestamp,
            message_id: self.message_id.and_then(RawId::into_nonempty),
            user_id: self.user_id.and_then(RawId::into_nonempty),
            anonymous_id: self.anonymous_id.and_then(RawId::into_nonempty),
            event: Cow::Borrowed(""),
            group_id: None,
            previous_id: None,
            device_type: None,
            os_name: None,
            properties: JsonMap::default(),
            traits: JsonMap::default(),
        };
        let needs_actor = |c: &Checked<'_>| {
            // Empty ids were dropped when read: an actor needs one of the two.
            if c.user_id.is_none() && c.anonymous_id.is_none() {
                Err(Rejection::NoUsableId { field: "userId" })
            } else {
                Ok(())
            }
        };
        match kind {
            Kind::Track | Kind::Page | Kind::Screen => {
                needs_actor(&c)?;
                c.event = match kind {
                    Kind::Track => match self.event.filter(|e| !e.trim().is_empty()) {
                        Some(e) => e,
                        None => {
                            return Err(Rejection::MissingField {
                                field: "event",
                                call: "track",
                            });
                        }
                    },
                    _ => self.name.unwrap_or_default(),
                };
                let context = self.context.unwrap_or_default();
                c.group_id = context.group_id.and_then(RawId::into_nonempty);
                c.device_type = context
                    .device
                    .and_then(|d| d.kind)
                    .filter(|d| !d.is_empty());
                c.os_name = context.os.and_then(|o| o.name).filter(|o| !o.is_empty());
                c.properties = self.properties.unwrap_or_default();
            }
            Kind::Identify => {
                needs_actor(&c)?;
                c.traits = self.traits.unwrap_or_default();
            }
            Kind::Group => {
                c.group_id = Some(self.group_id.and_then(RawId::into_nonempty).ok_or(
                    Rejection::MissingField {
                        field: "groupId",
                        call: "group",
                    },
                )?);
                c.traits = self.traits.unwrap_or_default();
            }
            Kind::Alias => {
                c.previous_id = Some(self.previous_id.and_then(RawId::into_nonempty).ok_or(
                    Rejection::NoUsableId {
                        field: "previousId",
                    },
                )?);
                if c.user_id.is_none() {
                    return Err(Rejection::NoUsableId { field: "userId" });
                }
                c.anonymous_id = None;
            }
        }
        Ok(c)
    }
}

impl Call {
    /// Parses one Segment-spec JSON call.
    ///
    /// ```
    /// use pulsecheck::Call;
    ///
    /// let call = Call::from_json(r#"{"type":"track","userId":"u1","event":"Report Run",
    ///     "timestamp":"2026-10-31T19:04:50.268Z","messageId":"m1",
    ///     "context":{"groupId":"acme","device":{"type":"mobile"}}}"#).unwrap();
    /// assert_eq!(call.event_name(), Some("Report Run"));
    /// assert_eq!(call.activity().unwrap().context().group_id().unwrap().as_str(), "acme");
    ///
    /// let err = Call::from_json(r#"{"type":"track","userId":"u1","event":"x"}"#).unwrap_err();
    /// assert_eq!(err.code(), "missing_timestamp");
    /// ```
    pub fn from_json(line: &str) -> Result<Call, Rejection> {
        Ok(Line::read(line)?.check()?.into_call())
    }
}

fn classify_json_error(e: serde_json::Error) -> Rejection {
    let message = e.to_string();
    if message.contains("number out of range") {
        return Rejection::NonFiniteNumber {
            field: format!("(at column {})", e.column()),
        };
    }
    if e.is_data() {
        // Valid JSON of the wrong shape: name the field when serde did.
        let field = [
            "type",
            "event",
            "timestamp",
            "properties",
            "traits",
            "context",
            "name",
        ]
        .into_iter()
        .find(|f| message.contains(&format!("`{f}`")))
        .unwrap_or("(call)");
        return Rejection::WrongType {
            field,
            message,
            source: ErrorSource::new(e),
        };
    }
    Rejection::NotJson {
        message,
        source: ErrorSource::new(e),
    }
}

/// A map of a line as the typed call holds it.
fn owned(map: JsonMap<'_>) -> Properties {
    map.into_iter()
        .map(|(k, v)| (k.0.into_owned(), v))
        .collect()
}

impl Checked<'_> {
    /// The typed call.
    fn into_call(self) -> Call {
        let owned_id = |id: Option<Cow<'_, str>>| id.map(Cow::into_owned);
        let message_id = owned_id(self.message_id);
        let actor = match (owned_id(self.user_id), owned_id(self.anonymous_id)) {
            (Some(u), Some(a)) => Actor::user(UserId::new(u)).with_anonymous(AnonymousId::new(a)),
            (Some(u), None) => Actor::user(UserId::new(u)),
            (None, Some(a)) => Actor::anonymous(AnonymousId::new(a)),
            (None, None) => Actor::default(),
        };
        let timestamp = self.timestamp;
        match self.kind {
            Kind::Track | Kind::Page | Kind::Screen => {
                let name = self.event.into_owned();
                let group_id = owned_id(self.group_id);
                let device_type = owned_id(self.device_type);
                let os_name = owned_id(self.os_name);
                let properties = owned(self.properties);
                macro_rules! fill {
                    ($call:expr) => {{
                        let mut c = $call;
                        if let Some(m) = message_id {
                            c = c.with_message_id(m);
                        }
                        if let Some(g) = group_id {
                            c = c.with_group_id(AccountId::new(g));
                        }
                        if let Some(d) = device_type {
                            c = c.with_device_type(d);
                        }
                        if let Some(o) = os_name {
                            c = c.with_os_name(o);
                        }
                        for (k, v) in properties {
                            c = c.with_property(k, v);
                        }
                        c
                    }};
                }
                match self.kind {
                    Kind::Track => Call::Track(fill!(Track::with_actor(actor, name, timestamp))),
                    Kind::Page => Call::Page(fill!(Page::with_actor(actor, name, timestamp))),
                    _ => Call::Screen(fill!(Screen::with_actor(actor, name, timestamp))),
                }
            }
            Kind::Identify => {
                let mut call =
                    Identify::with_actor(actor, timestamp).with_traits(owned(self.traits));
                if let Some(m) = message_id {
                    call = call.with_message_id(m);
                }
                Call::Identify(call)
            }
            Kind::Group => {
                let group = owned_id(self.group_id).unwrap_or_default();
                let mut call = Group::with_actor(actor, AccountId::new(group), timestamp)
                    .with_traits(owned(self.traits));
                if let Some(m) = message_id {
                    call = call.with_message_id(m);
                }
                Call::Group(call)
            }
            Kind::Alias => {
                let previous = owned_id(self.previous_id).unwrap_or_default();
                // `check` made sure there is one.
                let user = actor
                    .user_id()
                    .cloned()
                    .unwrap_or_else(|| UserId::new(String::new()));
                let mut call = Alias::new(previous, user, timestamp);
                if let Some(m) = message_id {
                    call = call.with_message_id(m);
                }
                Call::Alias(call)
            }
        }
    }
}

fn check_finite(field: &str, map: Option<&JsonMap<'_>>) -> Result<(), Rejection> {
    if let Some(map) = map {
        for (k, v) in map {
            if !crate::engine::value_is_finite(v) {
                return Err(Rejection::NonFiniteNumber {
                    field: format!("{field}.{}", k.as_str()),
                });
            }
        }
    }
    Ok(())
}

/// Parses RFC 3339, ISO 8601 with a `+hhmm` offset, or a zone-less ISO 8601
/// date-time (read as UTC). Returns `None` for anything else.
pub(crate) fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(t.and_utc());
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f") {
        return Some(t.and_utc());
    }
    None
}

impl crate::Engine {
    /// Parses and ingests one Segment JSON call. A line longer than
    /// [`limits.max_call_bytes`](crate::config::Limits::max_call_bytes) is refused
    /// (`call_too_large`) before it is parsed.
    ///
    /// The outcome is always that of `ingest(&Call::from_json(line)?)`, but an
    /// activity call (`track`, `page`, `screen`), an `identify` and a `group` are
    /// read without building the `Call`: their ids and names are borrowed from the
    /// line and the fields the engine does not use are only checked; with a kept
    /// scratch ([`ingest_json_with`](Self::ingest_json_with)) nothing is allocated
    /// for them but the trait values the engine keeps.
    ///
    /// ```
    /// use pulsecheck::{Config, Engine, Outcome};
    ///
    /// let mut engine = Engine::new(Config::default()).unwrap();
    /// let line = r#"{"type":"track","userId":"u1","event":"Report Run","timestamp":"2026-10-31T10:00:00Z","messageId":"m1"}"#;
    /// assert_eq!(engine.ingest_json(line), Ok(Outcome::Accepted));
    /// assert_eq!(engine.ingest_json(line), Ok(Outcome::Duplicate));
    /// assert_eq!(engine.ingest_json("{oops").unwrap_err().code(), "not_json");
    /// ```
    ///
    /// Each call starts from an empty [`JsonScratch`], which allocates as the line
    /// needs; a loop over many lines is faster with
    /// [`ingest_json_with`](Self::ingest_json_with) and one scratch kept across
    /// the lines ([`ingest_ndjson`](Self::ingest_ndjson) does that itself).
    pub fn ingest_json(&mut self, line: &str) -> Result<crate::Outcome, Rejection> {
        self.ingest_json_with(line, &mut JsonScratch::new())
    }

    /// [`ingest_json`](Self::ingest_json) with scratch space the caller keeps
    /// between lines: the same outcome for every line, and no allocation per line
    /// for the calls read in one pass once the scratch has grown (only the trait
    /// values the engine keeps are allocated). See [`JsonScratch`].
    pub fn ingest_json_with(
        &mut self,
        line: &str,
        scratch: &mut JsonScratch,
    ) -> Result<crate::Outcome, Rejection> {
        self.check_line_size(line.len())?;
        // Most calls are read in one borrowing pass (no owned `Call`); any line
        // that pass is not sure of, rejections included, is read again by the
        // serde-derive reader, whose outcomes and rejections are exactly those of
        // `Call::from_json` + `ingest`.
        let picked = &mut scratch.picked;
        let fast = {
            let compiled = self.compiled();
            // The usage metrics' properties, then the NPS score's.
            let usage = &compiled.picks;
            let outcome =
                fast::read_call(line, usage, compiled.config.limits(), picked).and_then(|call| {
                    let (usage, traits) = picked.parts(line);
                    self.ingest_json_call(&call, usage, traits)
                });
            picked.clear();
            outcome
        };
        if let Some(outcome) = fast {
            return outcome;
        }
        self.ingest_checked(Line::read(line)?.check()?)
    }

    /// Ingests newline-delimited JSON (one call a line, blank lines skipped), counting
    /// every line's outcome in `report` with its line number: `first_line` is the
    /// number of the first line of `text` (1 for a whole file; a later number for a
    /// chunk of one). Invalid UTF-8 is the caller's to report (take `&[u8]` with
    /// [`ingest_ndjson_bytes`](Self::ingest_ndjson_bytes)).
    ///
    /// ```
    /// use pulsecheck::{Config, Engine, IngestReport};
    ///
    /// let mut engine = Engine::new(Config::default()).unwrap();
    /// let text = "{\"type\":\"page\",\"userId\":\"u1\",\"timestamp\":\"2026-10-31T10:00:00Z\"}\nnot json\n";
    /// let mut report = IngestReport::default();
    /// engine.ingest_ndjson(text, 1, &mut report);
    /// assert_eq!((report.accepted(), report.rejected()), (1, 1));
    /// assert_eq!(report.rejections()[0].0, Some(2));
    /// ```
    pub fn ingest_ndjson(&mut self, text: &str, first_line: u64, report: &mut IngestReport) {
        let mut scratch = JsonScratch::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            report.record(
                Some(first_line + i as u64),
                self.ingest_json_with(line, &mut scratch),
            );
        }
    }

    /// Like [`ingest_ndjson`](Self::ingest_ndjson) for raw bytes: a line that is not
    /// UTF-8 is rejected as not JSON, and the rest go on.
    pub fn ingest_ndjson_bytes(
        &mut self,
        bytes: &[u8],
        first_line: u64,
        report: &mut IngestReport,
    ) {
        let mut scratch = JsonScratch::new();
        for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
            let line_no = Some(first_line + i as u64);
            match std::str::from_utf8(line) {
                Ok(text) if text.trim().is_empty() => {}
                Ok(text) => report.record(line_no, self.ingest_json_with(text, &mut scratch)),
                Err(e) => report.record(
                    line_no,
                    self.check_line_size(line.len())
                        .and(Err(Rejection::NotJson {
                            message: format!("invalid UTF-8: {e}"),
                            source: ErrorSource::new(e),
                        })),
                ),
            }
        }
    }

    /// Refuses a line longer than `limits.max_call_bytes`, before parsing it.
    fn check_line_size(&self, bytes: usize) -> Result<(), Rejection> {
        let limit = self.config().limits().max_call_bytes();
        if bytes > limit {
            return Err(Rejection::CallTooLarge { bytes, limit });
        }
        Ok(())
    }
}

use crate::IngestReport;

/// The two JSON readers side by side, for `benches/ingest.rs`, the agreement
/// tests (`tests/it/json_fast.rs`) and the `json_agree` fuzz target only.
#[doc(hidden)]
pub mod readers {
    use super::{JsonScratch, Line, fast};
    use crate::engine::CallKind as Kind;
    use crate::{Engine, Outcome, Rejection};

    /// Reads a line with the hand-written reader, touching no state: whether it
    /// took the line.
    pub fn read_fast(engine: &Engine, line: &str, scratch: &mut JsonScratch) -> bool {
        let picked = &mut scratch.picked;
        let compiled = engine.compiled();
        let read =
            fast::read_call(line, &compiled.picks, compiled.config.limits(), picked).is_some();
        picked.clear();
        read
    }

    /// Reads and checks a line with the serde-derive reader, touching no state.
    pub fn read_serde(engine: &Engine, line: &str) -> Result<(), Rejection> {
        engine.check_checked(Line::read(line)?.check()?)
    }

    /// Ingests a line through the serde-derive reader alone.
    pub fn ingest_serde(engine: &mut Engine, line: &str) -> Result<Outcome, Rejection> {
        engine.check_line_size(line.len())?;
        engine.ingest_checked(Line::read(line)?.check()?)
    }

    /// Where the two readers disagree on `line`, if they do. A line the
    /// hand-written reader takes must be one the serde-derive reader accepts and
    /// checks, with the same call: kind, instant, ids, names, the value of every
    /// usage property, and the traits, entry for entry and in order. A line it
    /// hands over is the serde-derive reader's alone (nothing to compare).
    pub fn disagreement(engine: &Engine, line: &str) -> Option<String> {
        let mut picked = fast::Picked::new();
        let found = compare(engine, line, &mut picked);
        picked.clear();
        found
    }

    fn compare(engine: &Engine, line: &str, picked: &mut fast::Picked) -> Option<String> {
        let compiled = engine.compiled();
        let call = fast::read_call(line, &compiled.picks, compiled.config.limits(), picked)?;
        let checked = match Line::read(line).and_then(Line::check) {
            Ok(checked) => checked,
            Err(e) => return Some(format!("only the hand-written reader takes it ({e})")),
        };
        let kind = match call.kind {
            fast::CallKind::Track => Kind::Track,
            fast::CallKind::Page => Kind::Page,
            fast::CallKind::Screen => Kind::Screen,
            fast::CallKind::Identify => Kind::Identify,
            fast::CallKind::Group => Kind::Group,
        };
        macro_rules! same {
            ($($field:literal: $a:expr, $b:expr;)*) => {$(
                let (a, b) = (format!("{:?}", $a), format!("{:?}", $b));
                if a != b {
                    return Some(format!("{}: {a} (hand-written) vs {b} (serde)", $field));
                }
            )*};
        }
        same! {
            "kind": kind, checked.kind;
            "timestamp": call.ms, checked.timestamp.timestamp_millis();
            "userId": call.user_id, checked.user_id;
            "anonymousId": call.anonymous_id, checked.anonymous_id;
            "messageId": call.message_id, checked.message_id;
            "event": call.event, checked.event;
            "groupId": call.group_id, checked.group_id;
            "device type": call.device_type, checked.device_type;
        }
        let (usage, traits) = picked.parts(line);
        if let Kind::Track | Kind::Page | Kind::Screen = kind {
            for (metric, spec) in compiled.picks.iter().enumerate() {
                let Some(property) = spec.property.as_deref() else {
                    continue;
                };
                let a = usage.get(metric).and_then(Option::as_ref);
                let b = checked.properties.get(property);
                if a != b {
                    return Some(format!("property {property:?}: {a:?} vs {b:?}"));
                }
            }
        }
        let mut listed = Vec::new();
        traits.drain(|k, v| listed.push((k.to_owned(), v)));
        let mapped: Vec<_> = checked
            .traits
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.clone()))
            .collect();
        if listed != mapped {
            return Some(format!("traits: {listed:?} vs {mapped:?}"));
        }
        match engine.check_checked(checked) {
            // The trait-key table's limit is the engine's to test (see
            // `Engine::ingest_json_call`).
            Ok(()) | Err(Rejection::TooManyTraitKeys { .. }) => None,
            Err(e) => Some(format!(
                "only the hand-written reader finds it within the limits ({e})"
            )),
        }
    }
}

/// Renders a call as one line of Segment JSON (what [`Call::from_json`] reads).
pub(crate) fn to_json_line(call: &Call) -> String {
    use serde_json::{Map, Value as J, json};
    let mut obj = Map::new();
    obj.insert("type".into(), J::from(call.type_name()));
    obj.insert(
        "timestamp".into(),
        J::from(crate::value::format_datetime(&call.timestamp())),
    );
    if let Some(m) = call.message_id() {
        obj.insert("messageId".into(), J::from(m.as_str()));
    }
    let actor_fields = |obj: &mut Map<String, J>, actor: &Actor| {
        if let Some(u) = actor.user_id() {
            obj.insert("userId".into(), J::from(u.as_str()));
        }
        if let Some(a) = actor.anonymous_id() {
            obj.insert("anonymousId".into(), J::from(a.as_str()));
        }
    };
    let to_j = |p: &Properties| serde_json::to_value(p).unwrap_or(J::Null);
    match call {
        Call::Identify(i) => {
            actor_fields(&mut obj, i.actor());
            obj.insert("traits".into(), to_j(i.traits()));
        }
        Call::Group(g) => {
            actor_fields(&mut obj, g.actor());
            obj.insert("groupId".into(), J::from(g.group_id().as_str()));
            obj.insert("traits".into(), to_j(g.traits()));
        }
        Call::Alias(a) => {
            obj.insert("previousId".into(), J::from(a.previous_id()));
            obj.insert("userId".into(), J::from(a.user_id().as_str()));
        }
        _ => {
            let act = call.activity().expect("activity calls");
            actor_fields(&mut obj, act.actor());
            match call {
                Call::Track(_) => obj.insert("event".into(), J::from(act.event())),
                _ => obj.insert("name".into(), J::from(act.event())),
            };
            if !act.properties().is_empty() {
                obj.insert("properties".into(), to_j(act.properties()));
            }
            let ctx = act.context();
            let mut c = Map::new();
            if let Some(g) = ctx.group_id() {
                c.insert("groupId".into(), J::from(g.as_str()));
            }
            if let Some(d) = ctx.device_type() {
                c.insert("device".into(), json!({ "type": d }));
            }
            if let Some(o) = ctx.os_name() {
                c.insert("os".into(), json!({ "name": o }));
            }
            if !c.is_empty() {
                obj.insert("context".into(), J::Object(c));
            }
        }
    }
    J::Object(obj).to_string()
}

impl Call {
    /// This call as one line of Segment JSON, the inverse of [`Call::from_json`].
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use pulsecheck::{Call, Track, UserId};
    ///
    /// let call: Call = Track::new(UserId::from("u1"), "Report Run", Utc.with_ymd_and_hms(2026, 10, 31, 9, 0, 0).unwrap())
    ///     .with_group_id("acme")
    ///     .into();
    /// assert_eq!(Call::from_json(&call.to_json()).unwrap(), call);
    /// ```
    pub fn to_json(&self) -> String {
        to_json_line(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_common_shapes() {
        for s in [
            "2026-10-31T19:04:50.268Z",
            "2026-10-31T20:04:50.268+01:00",
            "2026-10-31T20:04:50.268+0100",
            "2026-10-31T19:04:50.268",
        ] {
            assert_eq!(
                parse_timestamp(s).unwrap().timestamp_millis(),
                1_793_473_490_268,
                "{s}"
            );
        }
        assert!(parse_timestamp("yesterday").is_none());
    }

    #[test]
    fn original_timestamp_is_the_fallback() {
        let c = Call::from_json(
            r#"{"type":"page","anonymousId":"a1","originalTimestamp":"2026-10-31T19:04:50Z"}"#,
        )
        .unwrap();
        assert_eq!(c.event_name(), Some("Page Viewed"));
        assert_eq!(c.timestamp().timestamp(), 1_793_473_490);
    }

    #[test]
    fn rejections_are_typed() {
        let code = |s: &str| Call::from_json(s).unwrap_err().code();
        assert_eq!(code("nope"), "not_json");
        assert_eq!(code(r#"{"userId":"u"}"#), "missing_type");
        assert_eq!(code(r#"{"type":"trak"}"#), "unknown_type");
        assert_eq!(
            code(r#"{"type":"track","event":"x","timestamp":"2026-10-31T00:00:00Z"}"#),
            "no_usable_id"
        );
        assert_eq!(
            code(r#"{"type":"track","userId":"u","timestamp":"2026-10-31T00:00:00Z"}"#),
            "missing_field"
        );
        assert_eq!(
            code(r#"{"type":"track","userId":"u","event":"e","timestamp":"soon"}"#),
            "bad_timestamp"
        );
        assert_eq!(
            code(
                r#"{"type":"track","userId":"u","event":"e","timestamp":"2026-10-31T00:00:00Z","properties":{"x":1e400}}"#
            ),
            "non_finite_number"
        );
        assert_eq!(
            code(r#"{"type":"group","userId":"u","timestamp":"2026-10-31T00:00:00Z"}"#),
            "missing_field"
        );
        assert_eq!(
            code(r#"{"type":"alias","userId":"u","timestamp":"2026-10-31T00:00:00Z"}"#),
            "no_usable_id"
        );
    }

    #[test]
    fn numeric_ids_are_accepted() {
        let c = Call::from_json(r#"{"type":"identify","userId":42,"timestamp":"2026-10-31T00:00:00Z","traits":{"firstName":"Ana"}}"#).unwrap();
        match c {
            Call::Identify(i) => assert_eq!(i.actor().user_id().unwrap().as_str(), "42"),
            other => panic!("{other:?}"),
        }
    }
}
