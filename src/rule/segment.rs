//! Segments: named rules with optional hysteresis, evaluated into a bitset.

use std::fmt;
use std::sync::Arc;

use indexmap::IndexMap;

use super::context::{EvalInput, RuleContext};
use super::error::{RuleError, RuleErrorKind, RuleErrors};
use super::eval::CompiledRule;
use super::rule::Rule;
use crate::value::Value;

/// How a segment is declared: an `enter` rule and an optional `exit` rule.
///
/// In configuration it is either a plain rule (the enter rule) or
/// `{"enter": "…", "exit": "…"}`.
///
/// ```
/// use pulsecheck::rule::SegmentDef;
///
/// let plain: SegmentDef = serde_json::from_str(r#""engagement_score < 25""#).unwrap();
/// assert!(plain.exit().is_none());
/// let sticky: SegmentDef = serde_json::from_str(
///     r#"{"enter": "engagement_score < 25", "exit": "engagement_score > 35"}"#).unwrap();
/// assert_eq!(sticky.exit().unwrap().to_string(), "engagement_score > 35");
/// assert_eq!(serde_json::to_string(&plain).unwrap(), r#""engagement_score < 25""#);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentDef {
    enter: Rule,
    exit: Option<Rule>,
}

impl SegmentDef {
    /// A segment whose members are exactly the records where `enter` holds.
    pub fn new(enter: Rule) -> SegmentDef {
        SegmentDef { enter, exit: None }
    }

    /// Adds hysteresis: once in, a record leaves only when `exit` holds.
    #[must_use]
    pub fn with_exit(mut self, exit: Rule) -> SegmentDef {
        self.exit = Some(exit);
        self
    }

    /// The rule for joining.
    pub fn enter(&self) -> &Rule {
        &self.enter
    }

    /// The rule for leaving, if any.
    pub fn exit(&self) -> Option<&Rule> {
        self.exit.as_ref()
    }
}

impl serde::Serialize for SegmentDef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match &self.exit {
            None => self.enter.serialize(s),
            Some(exit) => {
                let mut m = s.serialize_map(Some(2))?;
                m.serialize_entry("enter", &self.enter)?;
                m.serialize_entry("exit", exit)?;
                m.end()
            }
        }
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Full {
    enter: Rule,
    #[serde(default)]
    exit: Option<Rule>,
}

impl<'de> serde::Deserialize<'de> for SegmentDef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<SegmentDef, D::Error> {
        // A hand-written visitor (not `untagged`) so a rule's parse error reaches the user.
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = SegmentDef;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a rule, or {\"enter\": rule, \"exit\": rule}")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<SegmentDef, E> {
                Rule::parse(v).map(SegmentDef::new).map_err(E::custom)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<SegmentDef, A::Error> {
                let full = <Full as serde::Deserialize>::deserialize(
                    serde::de::value::MapAccessDeserializer::new(map),
                )?;
                Ok(SegmentDef {
                    enter: full.enter,
                    exit: full.exit,
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// The segments a record is in: a set of positions in a [`SegmentSet`].
///
/// ```
/// use pulsecheck::rule::Membership;
///
/// let m = Membership::empty().with(0).with(3);
/// assert!(m.contains(3) && !m.contains(1));
/// assert_eq!(m.len(), 2);
/// assert_eq!(Membership::from_bits(m.bits()), m);
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct Membership(u64);

impl Membership {
    /// In no segment.
    pub fn empty() -> Membership {
        Membership(0)
    }

    /// From the raw bitset (bit i = segment i).
    pub fn from_bits(bits: u64) -> Membership {
        Membership(bits)
    }

    /// The raw bitset.
    pub fn bits(self) -> u64 {
        self.0
    }

    /// Also in segment `index` (indexes of 64 and above are ignored).
    #[must_use]
    pub fn with(self, index: usize) -> Membership {
        match u32::try_from(index).ok().and_then(|i| 1u64.checked_shl(i)) {
            Some(bit) => Membership(self.0 | bit),
            None => self,
        }
    }

    /// Whether in segment `index`.
    pub fn contains(self, index: usize) -> bool {
        u32::try_from(index)
            .ok()
            .and_then(|i| 1u64.checked_shl(i))
            .is_some_and(|bit| self.0 & bit != 0)
    }

    /// How many segments.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// Whether in no segment.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The segment names, in configuration order.
    pub fn names(self, set: &SegmentSet) -> impl Iterator<Item = &str> + '_ {
        set.names
            .iter()
            .enumerate()
            .filter(move |(i, _)| self.contains(*i))
            .map(|(_, n)| &**n)
    }

    /// The `segments` property: the names as a list of text.
    pub fn to_value(self, set: &SegmentSet) -> Value {
        Value::string_list(self.names(set))
    }
}

#[derive(Debug, Clone)]
struct Compiled {
    enter: CompiledRule,
    exit: Option<CompiledRule>,
}

/// Compiled segments of one record kind, in configuration order (at most 64).
///
/// ```
/// use std::sync::Arc;
/// use chrono::NaiveDate;
/// use indexmap::IndexMap;
/// use pulsecheck::{PropertyType, Record, RecordKind, Schema};
/// use pulsecheck::rule::{EvalInput, Membership, Rule, RuleContext, SegmentDef, SegmentSet};
///
/// let schema = Arc::new(Schema::new(RecordKind::User).with("engagement_score", PropertyType::Int));
/// let mut defs = IndexMap::new();
/// defs.insert("at_risk".to_string(), SegmentDef::new(Rule::parse("engagement_score < 25")?)
///     .with_exit(Rule::parse("engagement_score > 35")?));
/// let set = SegmentSet::compile(&defs, &RuleContext::new(schema.clone()))?;
///
/// let mut ada = Record::new(schema, "ada");
/// let day = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
/// ada.set("engagement_score", 20);
/// let m = set.evaluate(&EvalInput::new(&ada, day), Membership::empty());
/// assert_eq!(m.names(&set).collect::<Vec<_>>(), ["at_risk"]);
/// ada.set("engagement_score", 30); // above enter, below exit: stays in
/// assert_eq!(set.evaluate(&EvalInput::new(&ada, day), m), m);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct SegmentSet {
    names: Vec<Arc<str>>,
    rules: Vec<Compiled>,
}

/// The most segments one record kind may have (a membership is a 64-bit set).
pub(crate) const MAX_SEGMENTS: usize = 64;

impl SegmentSet {
    /// Compiles every segment, reporting every error of every rule, each naming its
    /// segment.
    pub fn compile(
        defs: &IndexMap<String, SegmentDef>,
        ctx: &RuleContext,
    ) -> Result<SegmentSet, RuleErrors> {
        let mut errors = Vec::new();
        if defs.len() > MAX_SEGMENTS {
            errors.push(RuleError::without_source(
                RuleErrorKind::Definition,
                format!(
                    "{} {} segments are configured; at most {MAX_SEGMENTS} are supported per record kind",
                    defs.len(),
                    ctx.schema().kind()
                ),
            ));
        }
        let mut set = SegmentSet {
            names: Vec::new(),
            rules: Vec::new(),
        };
        for (name, def) in defs {
            if name.trim().is_empty() {
                errors.push(RuleError::without_source(
                    RuleErrorKind::Definition,
                    "a segment has an empty name; give it a name like \"at_risk\"",
                ));
            }
            let enter = def
                .enter
                .compile(ctx)
                .map_err(|e| errors.extend(e.with_origin(&format!("segment `{name}` (enter)"))));
            let exit = match &def.exit {
                Some(rule) => rule
                    .compile(ctx)
                    .map(Some)
                    .map_err(|e| errors.extend(e.with_origin(&format!("segment `{name}` (exit)")))),
                None => Ok(None),
            };
            if let (Ok(enter), Ok(exit)) = (enter, exit) {
                set.names.push(Arc::from(name.as_str()));
                set.rules.push(Compiled { enter, exit });
            }
        }
        if errors.is_empty() {
            Ok(set)
        } else {
            Err(RuleErrors::new(errors))
        }
    }

    /// How many segments.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The segment names, in configuration order.
    pub fn names(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.names.iter().map(|n| &**n)
    }

    /// The position of a segment.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| &**n == name)
    }

    /// The memberships of a record given the ones it had before.
    ///
    /// A record outside a segment joins when `enter` holds and `exit` (if any) does
    /// not — so overlapping rules cannot make it join and leave on alternate days. A
    /// record inside stays until `exit` holds, or, without an `exit` rule, until `enter`
    /// stops holding.
    pub fn evaluate(&self, input: &EvalInput<'_>, previous: Membership) -> Membership {
        let mut bits = 0u64;
        for (i, seg) in self.rules.iter().enumerate() {
            let inside = if previous.contains(i) {
                match &seg.exit {
                    Some(exit) => !exit.eval(input),
                    None => seg.enter.eval(input),
                }
            } else {
                seg.enter.eval(input) && !seg.exit.as_ref().is_some_and(|x| x.eval(input))
            };
            bits |= u64::from(inside) << i;
        }
        Membership(bits)
    }
}
