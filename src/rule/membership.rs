//! Who is in which segment since when, and the entered/exited transitions.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::segment::{Membership, SegmentSet};
use crate::schema::RecordKind;

/// Whether a record joined or left a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The record joined the segment.
    Entered,
    /// The record left the segment.
    Exited,
}

/// One membership change, reported to the host (and the CRM) with its day.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Transition {
    kind: RecordKind,
    id: String,
    segment: String,
    direction: Direction,
    day: NaiveDate,
}

impl Transition {
    /// User or account.
    pub fn kind(&self) -> RecordKind {
        self.kind
    }

    /// The user id or account id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The segment name.
    pub fn segment(&self) -> &str {
        &self.segment
    }

    /// Entered or exited.
    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// The as-of day of the snapshot that saw the change.
    pub fn day(&self) -> NaiveDate {
        self.day
    }
}

/// Segment memberships across successive snapshots: for each record, the segments it
/// is in and the day it entered each. Serializable, so hysteresis survives restarts.
///
/// Memberships are stored by segment name, so reordering segments in the
/// configuration is harmless; a membership in a segment that is no longer configured
/// is dropped at the record's next update without a transition.
///
/// ```
/// use chrono::NaiveDate;
/// use indexmap::IndexMap;
/// use std::sync::Arc;
/// use pulsecheck::{PropertyType, RecordKind, Schema};
/// use pulsecheck::rule::{Direction, Membership, Memberships, Rule, RuleContext, SegmentDef, SegmentSet};
///
/// let schema = Arc::new(Schema::new(RecordKind::User).with("engagement_score", PropertyType::Int));
/// let mut defs = IndexMap::new();
/// defs.insert("at_risk".to_string(), SegmentDef::new(Rule::parse("engagement_score < 25")?));
/// let set = SegmentSet::compile(&defs, &RuleContext::new(schema))?;
///
/// let mut state = Memberships::new();
/// let day = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
/// let changes = state.update(&set, RecordKind::User, "ada", day, Membership::empty().with(0));
/// assert_eq!(changes[0].direction(), Direction::Entered);
/// assert_eq!(state.current(&set, RecordKind::User, "ada"), Membership::empty().with(0));
/// assert_eq!(state.entered_on(RecordKind::User, "ada", "at_risk"), Some(day));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Memberships {
    #[serde(default)]
    users: BTreeMap<String, BTreeMap<String, NaiveDate>>,
    #[serde(default)]
    accounts: BTreeMap<String, BTreeMap<String, NaiveDate>>,
}

impl Memberships {
    /// No record in any segment.
    pub fn new() -> Memberships {
        Memberships::default()
    }

    fn of(&self, kind: RecordKind) -> &BTreeMap<String, BTreeMap<String, NaiveDate>> {
        match kind {
            RecordKind::User => &self.users,
            RecordKind::Account => &self.accounts,
        }
    }

    /// The record's membership in the segments of `set` (the `previous` for
    /// [`SegmentSet::evaluate`]).
    pub fn current(&self, set: &SegmentSet, kind: RecordKind, id: &str) -> Membership {
        let Some(segments) = self.of(kind).get(id) else {
            return Membership::empty();
        };
        set.names()
            .enumerate()
            .filter(|(_, n)| segments.contains_key(*n))
            .fold(Membership::empty(), |m, (i, _)| m.with(i))
    }

    /// The day the record entered a segment, if it is in it.
    pub fn entered_on(&self, kind: RecordKind, id: &str, segment: &str) -> Option<NaiveDate> {
        self.of(kind).get(id)?.get(segment).copied()
    }

    /// The segments a record is in, by name, with the day it entered each.
    pub fn segments_of(
        &self,
        kind: RecordKind,
        id: &str,
    ) -> impl Iterator<Item = (&str, NaiveDate)> + '_ {
        self.of(kind)
            .get(id)
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.as_str(), *v))
    }

    /// How many records are in at least one segment.
    pub fn len(&self) -> usize {
        self.users.len() + self.accounts.len()
    }

    /// Whether no record is in any segment.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Records the new membership of a record as of `day` and returns what changed,
    /// entries and exits in configuration order.
    pub fn update(
        &mut self,
        set: &SegmentSet,
        kind: RecordKind,
        id: &str,
        day: NaiveDate,
        new: Membership,
    ) -> Vec<Transition> {
        let map = match kind {
            RecordKind::User => &mut self.users,
            RecordKind::Account => &mut self.accounts,
        };
        let mut changes = Vec::new();
        let mut entry = map.remove(id).unwrap_or_default();
        let before = entry.len();
        entry.retain(|name, _| set.index_of(name).is_some());
        let _dropped = before - entry.len();
        for (i, name) in set.names().enumerate() {
            let was = entry.contains_key(name);
            let now = new.contains(i);
            let direction = match (was, now) {
                (false, true) => {
                    entry.insert(name.to_owned(), day);
                    Direction::Entered
                }
                (true, false) => {
                    entry.remove(name);
                    Direction::Exited
                }
                _ => continue,
            };
            changes.push(Transition {
                kind,
                id: id.to_owned(),
                segment: name.to_owned(),
                direction,
                day,
            });
        }
        if !entry.is_empty() {
            map.insert(id.to_owned(), entry);
        }
        changes
    }
}
