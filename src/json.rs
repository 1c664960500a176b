//! Segment-spec JSON ingestion (feature `json`).
//!
//! Reads the JSON shape used by Segment, RudderStack and most SDKs. Fields the engine
//! does not use are skipped without being stored. Ids may be strings or integers;
//! `timestamp` falls back to `originalTimestamp`; `context.groupId`,
//! `context.device.type` and `context.os.name` are read.
//!
//! [`Engine::ingest_json`](crate::Engine::ingest_json) reads `track`, `page`, `screen`, `identify` and
//! `group` lines in one borrowing pass ([`fast`]) that builds no owned [`Call`] and
//! keeps only the usage properties the configuration reads (and the traits, without
//! a map); any other line, and any line that pass is not sure of,
//! goes through [`Call::from_json`] and [`Engine::ingest`](crate::Engine::ingest),
//! which also name every rejection. Both give the same outcomes
//! (`tests/json_fast.rs` checks it).

use std::borrow::Cow;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;

use crate::event::{Actor, Alias, Call, Group, Identify, Page, Properties, Screen, Track};
use crate::id::{AccountId, AnonymousId, UserId};
use crate::ingest::{Rejection, clip};

pub(crate) mod fast;

thread_local! {
    /// The usage values picked from one line, reused so that the fast path of
    /// `ingest_json` allocates nothing per line (engines hold no scratch space, and
    /// one per thread is all a non-reentrant call needs).
    static PICKED: std::cell::RefCell<fast::Picked> =
        const { std::cell::RefCell::new(fast::Picked::new()) };
}

#[derive(Deserialize)]
struct RawCall<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(rename = "userId", alias = "user_id", borrow, default)]
    user_id: Option<RawId<'a>>,
    #[serde(rename = "anonymousId", alias = "anonymous_id", borrow, default)]
    anonymous_id: Option<RawId<'a>>,
    #[serde(rename = "previousId", alias = "previous_id", borrow, default)]
    previous_id: Option<RawId<'a>>,
    #[serde(rename = "groupId", alias = "group_id", borrow, default)]
    group_id: Option<RawId<'a>>,
    #[serde(borrow, default)]
    event: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(default)]
    properties: Option<Properties>,
    #[serde(default)]
    traits: Option<Properties>,
    #[serde(borrow, default)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(
        rename = "originalTimestamp",
        alias = "original_timestamp",
        borrow,
        default
    )]
    original_timestamp: Option<Cow<'a, str>>,
    #[serde(rename = "messageId", alias = "message_id", borrow, default)]
    message_id: Option<RawId<'a>>,
    #[serde(borrow, default)]
    context: Option<RawContext<'a>>,
}

#[derive(Deserialize, Default)]
struct RawContext<'a> {
    #[serde(rename = "groupId", alias = "group_id", borrow, default)]
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

impl RawId<'_> {
    fn into_nonempty(self) -> Option<String> {
        let s = match self {
            RawId::Str(s) => s.into_owned(),
            RawId::Int(i) => i.to_string(),
            RawId::UInt(u) => u.to_string(),
        };
        (!s.trim().is_empty()).then_some(s)
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
        let raw: RawCall<'_> = serde_json::from_str(line).map_err(classify_json_error)?;
        raw.into_call()
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
        return Rejection::WrongType { field, message };
    }
    Rejection::NotJson { message }
}

impl RawCall<'_> {
    fn into_call(self) -> Result<Call, Rejection> {
        let kind = self.kind.as_deref().ok_or(Rejection::MissingType)?;
        let kind = match kind {
            "track" | "page" | "screen" | "identify" | "group" | "alias" => kind.to_owned(),
            other => {
                return Err(Rejection::UnknownType { value: clip(other) });
            }
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
        let message_id = self.message_id.and_then(RawId::into_nonempty);
        let user_id = self.user_id.and_then(RawId::into_nonempty);
        let anonymous_id = self.anonymous_id.and_then(RawId::into_nonempty);
        let actor = match (user_id, anonymous_id) {
            (Some(u), Some(a)) => Actor::user(UserId::new(u)).with_anonymous(AnonymousId::new(a)),
            (Some(u), None) => Actor::user(UserId::new(u)),
            (None, Some(a)) => Actor::anonymous(AnonymousId::new(a)),
            (None, None) => Actor::default(),
        };
        let needs_actor = || {
            // Empty ids were dropped when read: an actor needs one of the two.
            if actor.user_id().is_none() && actor.anonymous_id().is_none() {
                Err(Rejection::NoUsableId { field: "userId" })
            } else {
                Ok(())
            }
        };
        let call = match kind.as_str() {
            "track" | "page" | "screen" => {
                needs_actor()?;
                let context = self.context.unwrap_or_default();
                let name = match kind.as_str() {
                    "track" => match self.event.as_deref().filter(|e| !e.trim().is_empty()) {
                        Some(e) => e.to_owned(),
                        None => {
                            return Err(Rejection::MissingField {
                                field: "event",
                                call: "track",
                            });
                        }
                    },
                    _ => self.name.as_deref().unwrap_or_default().to_owned(),
                };
                let properties = self.properties.unwrap_or_default();
                macro_rules! fill {
                    ($call:expr) => {{
                        let mut c = $call;
                        if let Some(m) = message_id {
                            c = c.message_id(m);
                        }
                        if let Some(g) = context.group_id.and_then(RawId::into_nonempty) {
                            c = c.group_id(AccountId::new(g));
                        }
                        if let Some(d) = context
                            .device
                            .and_then(|d| d.kind)
                            .filter(|d| !d.is_empty())
                        {
                            c = c.device_type(d.into_owned());
                        }
                        if let Some(o) = context.os.and_then(|o| o.name).filter(|o| !o.is_empty()) {
                            c = c.os_name(o.into_owned());
                        }
                        for (k, v) in properties {
                            c = c.property(k, v);
                        }
                        c
                    }};
                }
                match kind.as_str() {
                    "track" => Call::Track(fill!(Track::with_actor(actor, name, timestamp))),
                    "page" => Call::Page(fill!(Page::with_actor(actor, name, timestamp))),
                    _ => Call::Screen(fill!(Screen::with_actor(actor, name, timestamp))),
                }
            }
            "identify" => {
                needs_actor()?;
                let mut call = Identify::with_actor(actor, timestamp)
                    .with_traits(self.traits.unwrap_or_default());
                if let Some(m) = message_id {
                    call = call.message_id(m);
                }
                Call::Identify(call)
            }
            "group" => {
                let group = self.group_id.and_then(RawId::into_nonempty).ok_or(
                    Rejection::MissingField {
                        field: "groupId",
                        call: "group",
                    },
                )?;
                let mut call = Group::with_actor(actor, AccountId::new(group), timestamp)
                    .with_traits(self.traits.unwrap_or_default());
                if let Some(m) = message_id {
                    call = call.message_id(m);
                }
                Call::Group(call)
            }
            _ => {
                let previous = self.previous_id.and_then(RawId::into_nonempty).ok_or(
                    Rejection::NoUsableId {
                        field: "previousId",
                    },
                )?;
                let user = actor
                    .user_id()
                    .cloned()
                    .ok_or(Rejection::NoUsableId { field: "userId" })?;
                let mut call = Alias::new(previous, user, timestamp);
                if let Some(m) = message_id {
                    call = call.message_id(m);
                }
                Call::Alias(call)
            }
        };
        Ok(call)
    }
}

fn check_finite(field: &str, props: Option<&Properties>) -> Result<(), Rejection> {
    if let Some(props) = props {
        for (k, v) in props {
            if !crate::engine::value_is_finite(v) {
                return Err(Rejection::NonFiniteNumber {
                    field: format!("{field}.{k}"),
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
    /// line, the fields the engine does not use are only checked, and nothing is
    /// allocated for them but the trait values the engine keeps.
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
    pub fn ingest_json(&mut self, line: &str) -> Result<crate::Outcome, Rejection> {
        self.check_line_size(line.len())?;
        // Most calls are read in one borrowing pass (no owned `Call`); any line
        // that pass is not sure of, rejections included, is read again in full so
        // that outcomes and rejections are exactly those of `Call::from_json` +
        // `ingest`.
        let fast = PICKED.with_borrow_mut(|picked| {
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
        });
        if let Some(outcome) = fast {
            return outcome;
        }
        let call = Call::from_json(line)?;
        self.ingest(&call)
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
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            report.record(Some(first_line + i as u64), self.ingest_json(line));
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
        for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
            let line_no = Some(first_line + i as u64);
            match std::str::from_utf8(line) {
                Ok(text) if text.trim().is_empty() => {}
                Ok(text) => report.record(line_no, self.ingest_json(text)),
                Err(e) => report.record(
                    line_no,
                    self.check_line_size(line.len())
                        .and(Err(Rejection::NotJson {
                            message: format!("invalid UTF-8: {e}"),
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
    ///     .group_id("acme")
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
