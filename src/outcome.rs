//! What happened to each call: accepted, ignored as a duplicate, or rejected, and why.

use std::fmt;

use crate::source::ErrorSource;
use indexmap::IndexMap;

/// A call the engine refused, with the reason. Nothing is ever dropped silently.
///
/// ```
/// # #[cfg(feature = "json")] {
/// use pulsecheck::{Call, Rejection};
///
/// let r = Call::from_json(r#"{"type":"trak","userId":"u1","timestamp":"2026-10-30T09:00:00Z"}"#)
///     .unwrap_err();
/// assert!(matches!(&r, Rejection::UnknownType { value, .. } if value == "trak"));
/// assert_eq!(r.code(), "unknown_type");
/// assert!(r.to_string().contains("trak"));
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// The line is not a JSON object.
    #[error("not a JSON object: {message}; send one Segment call per line")]
    #[non_exhaustive]
    NotJson {
        /// The parser's message, with its column.
        message: String,
        /// The parser's (or the UTF-8 decoder's) error itself.
        source: ErrorSource,
    },
    /// No `type` field.
    #[error("field `type` is missing; expected one of track, page, screen, identify, group, alias")]
    MissingType,
    /// `type` names no Segment call.
    #[error(
        "field `type` is {value:?}; expected one of track, page, screen, identify, group, alias"
    )]
    #[non_exhaustive]
    UnknownType {
        /// The `type` as sent.
        value: String,
    },
    /// Neither `userId` nor `anonymousId` (or, for `alias`, `previousId`/`userId`) is usable.
    #[error(
        "no usable id: field `{field}` is missing or empty; send a non-empty userId or anonymousId"
    )]
    #[non_exhaustive]
    NoUsableId {
        /// The id field that was needed.
        field: &'static str,
    },
    /// A field the call needs is missing or empty (`event`, `groupId`).
    #[error("field `{field}` is missing or empty; a {call} call needs it")]
    #[non_exhaustive]
    MissingField {
        /// The missing field.
        field: &'static str,
        /// The call type.
        call: &'static str,
    },
    /// A field has the wrong JSON type.
    #[error("field `{field}` has the wrong type: {message}")]
    #[non_exhaustive]
    WrongType {
        /// The field.
        field: &'static str,
        /// What was expected.
        message: String,
        /// The parser's error itself.
        source: ErrorSource,
    },
    /// Neither `timestamp` nor `originalTimestamp`.
    #[error(
        "field `timestamp` is missing (and no `originalTimestamp`); send an RFC 3339 timestamp"
    )]
    MissingTimestamp,
    /// The timestamp does not parse.
    #[error(
        "field `timestamp` is {value:?}, not an RFC 3339 / ISO 8601 timestamp (e.g. 2026-10-31T19:04:50.268Z)"
    )]
    #[non_exhaustive]
    BadTimestamp {
        /// The timestamp as sent.
        value: String,
    },
    /// The timestamp is later than the host's clock plus the allowed skew.
    #[error(
        "field `timestamp` is {timestamp}, later than the clock plus the allowed skew ({limit}); fix the sender's clock or raise `clock_skew_seconds`"
    )]
    #[non_exhaustive]
    FutureTimestamp {
        /// The timestamp as sent (RFC 3339).
        timestamp: String,
        /// The latest accepted instant (RFC 3339).
        limit: String,
    },
    /// A number that is not finite (NaN, ±infinity, or out of range like `1e400`).
    #[error(
        "{field} holds a non-finite number (NaN, infinity, or out of range like 1e400); send finite numbers only"
    )]
    #[non_exhaustive]
    NonFiniteNumber {
        /// Where the number was (`field \`properties.x\``, or its column).
        field: String,
    },
    /// The call is larger than `limits.max_call_bytes` (a JSON line, measured before
    /// parsing; or the text of a typed call).
    #[error(
        "the call is {bytes} bytes, more than `limits.max_call_bytes` ({limit}); send smaller calls (Segment's own limit is 32 KiB) or raise the limit"
    )]
    #[non_exhaustive]
    CallTooLarge {
        /// The size of the call, in bytes (for typed calls: counted until over the limit).
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// `properties` or `traits` has more entries than `limits.max_properties`.
    #[error(
        "field `{field}` has {count} entries, more than `limits.max_properties` ({limit}); send fewer or raise the limit"
    )]
    #[non_exhaustive]
    TooManyProperties {
        /// `properties` or `traits`.
        field: &'static str,
        /// How many entries were sent.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// A text value is longer than `limits.max_string_bytes`.
    #[error(
        "field `{field}` holds a text of {bytes} bytes, more than `limits.max_string_bytes` ({limit}); shorten it or raise the limit"
    )]
    #[non_exhaustive]
    ValueTooLong {
        /// The property or trait (`properties.note`); nested values name their top-level entry.
        field: String,
        /// The text's length in bytes.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// A list (or nested object) has more elements than `limits.max_list_len`.
    #[error(
        "field `{field}` holds a list or object of {len} elements, more than `limits.max_list_len` ({limit}); send fewer or raise the limit"
    )]
    #[non_exhaustive]
    ListTooLong {
        /// The property or trait; nested values name their top-level entry.
        field: String,
        /// How many elements.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// A value nests lists / objects deeper than `limits.max_value_depth`.
    #[error(
        "field `{field}` nests lists or objects more than `limits.max_value_depth` ({limit}) levels deep; flatten it or raise the limit"
    )]
    #[non_exhaustive]
    ValueTooDeep {
        /// The property or trait.
        field: String,
        /// The limit.
        limit: usize,
    },
    /// An id is longer than `limits.max_id_bytes`.
    #[error(
        "field `{field}` is {bytes} bytes long, more than `limits.max_id_bytes` ({limit}); send a shorter id or raise the limit"
    )]
    #[non_exhaustive]
    IdTooLong {
        /// `userId`, `anonymousId`, `previousId`, `groupId`, `context.groupId` or `messageId`.
        field: &'static str,
        /// The id's length in bytes.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// An event name, property / trait key, device type or OS name is longer than
    /// `limits.max_name_bytes`.
    #[error(
        "{field} is {bytes} bytes long, more than `limits.max_name_bytes` ({limit}); use a shorter name or raise the limit"
    )]
    #[non_exhaustive]
    NameTooLong {
        /// Which name (`field \`event\``, `a key of \`traits\``, …), with its start.
        field: String,
        /// The name's length in bytes.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// The call would add a trait key to an engine that already holds
    /// `limits.max_trait_keys` distinct ones.
    #[error(
        "trait key {key:?} would be a new distinct trait key, but the engine already holds `limits.max_trait_keys` ({limit}); check the sender for generated trait names or raise the limit"
    )]
    #[non_exhaustive]
    TooManyTraitKeys {
        /// The new key (its first 120 bytes).
        key: String,
        /// The limit.
        limit: usize,
    },
    /// The call would add a device type to an engine that already holds
    /// `limits.max_device_types` distinct ones.
    #[error(
        "`context.device.type` {device:?} would be a new distinct device type, but the engine already holds `limits.max_device_types` ({limit}); check the sender or raise the limit"
    )]
    #[non_exhaustive]
    TooManyDeviceTypes {
        /// The new device type (its first 120 bytes).
        device: String,
        /// The limit.
        limit: usize,
    },
    /// The call would add a user or anonymous id to an engine that already holds
    /// `limits.max_actors` distinct ones.
    #[error(
        "field `{field}` {id:?} would be a new distinct user or anonymous id, but the engine already holds `limits.max_actors` ({limit}); check the sender for generated ids or raise the limit"
    )]
    #[non_exhaustive]
    TooManyActors {
        /// The field that carried the new id.
        field: &'static str,
        /// The new id (its first 120 bytes).
        id: String,
        /// The limit.
        limit: usize,
    },
    /// The call would add an account id to an engine that already holds
    /// `limits.max_accounts` distinct ones.
    #[error(
        "field `{field}` {id:?} would be a new distinct account id, but the engine already holds `limits.max_accounts` ({limit}); check the sender for generated ids or raise the limit"
    )]
    #[non_exhaustive]
    TooManyAccounts {
        /// The field that carried the new id.
        field: &'static str,
        /// The new id (its first 120 bytes).
        id: String,
        /// The limit.
        limit: usize,
    },
}

impl Rejection {
    /// A stable snake_case code for counting and logging.
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::NotJson { .. } => "not_json",
            Rejection::MissingType => "missing_type",
            Rejection::UnknownType { .. } => "unknown_type",
            Rejection::NoUsableId { .. } => "no_usable_id",
            Rejection::MissingField { .. } => "missing_field",
            Rejection::WrongType { .. } => "wrong_type",
            Rejection::MissingTimestamp => "missing_timestamp",
            Rejection::BadTimestamp { .. } => "bad_timestamp",
            Rejection::FutureTimestamp { .. } => "future_timestamp",
            Rejection::NonFiniteNumber { .. } => "non_finite_number",
            Rejection::CallTooLarge { .. } => "call_too_large",
            Rejection::TooManyProperties { .. } => "too_many_properties",
            Rejection::ValueTooLong { .. } => "value_too_long",
            Rejection::ListTooLong { .. } => "list_too_long",
            Rejection::ValueTooDeep { .. } => "value_too_deep",
            Rejection::IdTooLong { .. } => "id_too_long",
            Rejection::NameTooLong { .. } => "name_too_long",
            Rejection::TooManyTraitKeys { .. } => "too_many_trait_keys",
            Rejection::TooManyDeviceTypes { .. } => "too_many_device_types",
            Rejection::TooManyActors { .. } => "too_many_actors",
            Rejection::TooManyAccounts { .. } => "too_many_accounts",
        }
    }
}

/// The first 120 bytes of a value (on a character boundary), for messages.
pub(crate) fn clip(s: &str) -> String {
    const MAX: usize = 120;
    if s.len() <= MAX {
        return s.to_owned();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// Something odd about an accepted call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Warning {
    /// A configured usage property is not a number (nor a numeric string): the event
    /// still counts as activity, but adds nothing to the usage sum.
    #[error(
        "usage `{usage}`: property `{property}` is {value}, not a number; the event counts as activity but adds nothing to `{usage}`"
    )]
    #[non_exhaustive]
    NonNumericUsage {
        /// The usage metric.
        usage: String,
        /// The property it sums.
        property: String,
        /// The value as sent (JSON-ish text).
        value: String,
    },
    /// An NPS survey event whose score property is not a whole number from 0 to
    /// 10 (11, 7.5, the text "9", missing): not a response, but the event still
    /// counts as activity.
    #[error(
        "NPS event `{event}`: property `{property}` is {value}, not a whole number from 0 to 10; the event counts as activity but not as an NPS response"
    )]
    #[non_exhaustive]
    BadNpsScore {
        /// The survey event.
        event: String,
        /// The score property.
        property: String,
        /// The value as sent (JSON-ish text; `missing` when absent).
        value: String,
    },
}

impl Warning {
    /// A stable snake_case code.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use pulsecheck::config::{Health, Nps};
    /// use pulsecheck::{Config, Engine, Outcome, Track, UserId};
    ///
    /// let config = Config::builder().health(Health::new().with_nps(Nps::default())).build()?;
    /// let mut engine = Engine::new(config)?;
    /// let at = Utc.with_ymd_and_hms(2026, 10, 30, 9, 0, 0).unwrap();
    /// let survey = Track::new(UserId::from("u1"), "NPS Submitted", at).with_property("score", 11);
    /// let Outcome::AcceptedWithWarnings(warnings) = engine.ingest(&survey.into())? else {
    ///     panic!("a score of 11 is a warning");
    /// };
    /// let w = &warnings[0];
    /// assert_eq!(w.code(), "bad_nps_score");
    /// assert!(w.to_string().contains("0 to 10"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Warning::NonNumericUsage { .. } => "non_numeric_usage",
            Warning::BadNpsScore { .. } => "bad_nps_score",
        }
    }
}

/// How an accepted-or-ignored call went.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// Stored.
    Accepted,
    /// Stored, with warnings.
    AcceptedWithWarnings(Vec<Warning>),
    /// Its `messageId` was seen before; nothing changed.
    Duplicate,
}

/// Counts of what happened to a batch of calls, with the reasons and line numbers.
///
/// Counts are exact. The detailed lists keep the first
/// [`IngestReport::DETAIL_LIMIT`] entries each, so a flood of garbage cannot grow
/// the report without bound.
///
/// ```
/// use pulsecheck::{IngestReport, Outcome, Rejection};
///
/// let mut report = IngestReport::default();
/// report.record(Some(1), Ok(Outcome::Accepted));
/// report.record(Some(2), Ok(Outcome::Duplicate));
/// report.record(Some(3), Err(Rejection::MissingTimestamp));
/// assert_eq!((report.accepted(), report.duplicates(), report.rejected()), (1, 1, 1));
/// assert_eq!(report.rejections()[0].0, Some(3));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct IngestReport {
    accepted: u64,
    duplicates: u64,
    rejected: u64,
    warned: u64,
    rejected_by_code: IndexMap<String, u64>,
    #[serde(skip)]
    rejections: Vec<(Option<u64>, Rejection)>,
    #[serde(skip)]
    warnings: Vec<(Option<u64>, Warning)>,
}

impl IngestReport {
    /// How many rejections and warnings are kept in detail.
    pub const DETAIL_LIMIT: usize = 10_000;

    /// Counts one call's outcome; `line` is its 1-based line for line-oriented input.
    pub fn record(&mut self, line: Option<u64>, outcome: Result<Outcome, Rejection>) {
        match outcome {
            Ok(Outcome::Accepted) => self.accepted += 1,
            Ok(Outcome::AcceptedWithWarnings(warnings)) => {
                self.accepted += 1;
                self.warned += warnings.len() as u64;
                for w in warnings {
                    if self.warnings.len() < Self::DETAIL_LIMIT {
                        self.warnings.push((line, w));
                    }
                }
            }
            Ok(Outcome::Duplicate) => self.duplicates += 1,
            Err(rejection) => {
                self.rejected += 1;
                *self
                    .rejected_by_code
                    .entry(rejection.code().to_owned())
                    .or_default() += 1;
                if self.rejections.len() < Self::DETAIL_LIMIT {
                    self.rejections.push((line, rejection));
                }
            }
        }
    }

    /// Calls stored.
    pub fn accepted(&self) -> u64 {
        self.accepted
    }
    /// Calls ignored as duplicates.
    pub fn duplicates(&self) -> u64 {
        self.duplicates
    }
    /// Calls refused.
    pub fn rejected(&self) -> u64 {
        self.rejected
    }
    /// Warnings raised on accepted calls.
    pub fn warning_count(&self) -> u64 {
        self.warned
    }
    /// All calls seen.
    pub fn total(&self) -> u64 {
        self.accepted + self.duplicates + self.rejected
    }
    /// Rejections counted by [`Rejection::code`].
    pub fn rejected_by_code(&self) -> &IndexMap<String, u64> {
        &self.rejected_by_code
    }
    /// The first rejections, with their line numbers, in the order recorded.
    pub fn rejections(&self) -> &[(Option<u64>, Rejection)] {
        &self.rejections
    }
    /// The first warnings, with their line numbers.
    pub fn warnings(&self) -> &[(Option<u64>, Warning)] {
        &self.warnings
    }

    /// Adds another report's counts and details (for reports of parallel workers);
    /// details are re-sorted by line number.
    pub fn merge(&mut self, other: IngestReport) {
        self.accepted += other.accepted;
        self.duplicates += other.duplicates;
        self.rejected += other.rejected;
        self.warned += other.warned;
        for (code, n) in other.rejected_by_code {
            *self.rejected_by_code.entry(code).or_default() += n;
        }
        self.rejections.extend(other.rejections);
        self.rejections.sort_by_key(|(line, _)| *line);
        self.rejections.truncate(Self::DETAIL_LIMIT);
        self.warnings.extend(other.warnings);
        self.warnings.sort_by_key(|(line, _)| *line);
        self.warnings.truncate(Self::DETAIL_LIMIT);
    }
}

impl fmt::Display for IngestReport {
    /// A human summary followed by one line per kept rejection and warning.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} calls: {} accepted, {} duplicates, {} rejected, {} warnings",
            self.total(),
            self.accepted,
            self.duplicates,
            self.rejected,
            self.warned
        )?;
        for (code, n) in &self.rejected_by_code {
            writeln!(f, "  rejected {code}: {n}")?;
        }
        for (line, r) in &self.rejections {
            match line {
                Some(l) => writeln!(f, "  line {l}: rejected: {r}")?,
                None => writeln!(f, "  rejected: {r}")?,
            }
        }
        for (line, w) in &self.warnings {
            match line {
                Some(l) => writeln!(f, "  line {l}: warning: {w}")?,
                None => writeln!(f, "  warning: {w}")?,
            }
        }
        Ok(())
    }
}
