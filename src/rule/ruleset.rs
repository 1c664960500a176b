//! Compiling a record kind's segments and actions together, with every error at once.

use indexmap::IndexMap;

use super::action::{ActionDef, ActionList};
use super::context::RuleContext;
use super::error::RuleErrors;
use super::segment::{SegmentDef, SegmentSet};

/// The segments and the action playbook of one record kind.
///
/// The two contexts differ on purpose: segment rules typically may not read
/// `segments` or `next_action`, actions may read `segments` but not `next_action`.
///
/// ```
/// use std::sync::Arc;
/// use indexmap::IndexMap;
/// use pulsecheck::{PropertyType, RecordKind, Schema};
/// use pulsecheck::rule::{ActionDef, Rule, RuleContext, RuleSet, SegmentDef};
///
/// let schema = Arc::new(Schema::new(RecordKind::User)
///     .with("engagement_score", PropertyType::Int)
///     .with("segments", PropertyType::StringList)
///     .with("next_action", PropertyType::String));
/// let seg_ctx = RuleContext::new(schema.clone()).forbid("segments").forbid("next_action");
/// let act_ctx = RuleContext::new(schema).forbid("next_action");
///
/// let mut segments = IndexMap::new();
/// segments.insert("low".to_string(), SegmentDef::new(Rule::parse("engagment_score < 25")?));
/// segments.insert("loop".to_string(), SegmentDef::new(Rule::parse("\"low\" in segments")?));
/// let actions = [ActionDef::new(Rule::parse("next_action is set")?, "x")];
///
/// let errors = RuleSet::compile(&segments, &actions, &seg_ctx, &act_ctx).unwrap_err();
/// let origins: Vec<_> = errors.iter().map(|e| e.origin().unwrap()).collect();
/// assert_eq!(origins, ["segment `low` (enter)", "segment `loop` (enter)", "action #1 (`x`)"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct RuleSet {
    segments: SegmentSet,
    actions: ActionList,
}

impl RuleSet {
    /// Compiles everything, returning the errors of all rules together.
    pub fn compile(
        segments: &IndexMap<String, SegmentDef>,
        actions: &[ActionDef],
        segment_ctx: &RuleContext,
        action_ctx: &RuleContext,
    ) -> Result<RuleSet, RuleErrors> {
        let segments = SegmentSet::compile(segments, segment_ctx);
        let actions = ActionList::compile(actions, action_ctx);
        match (segments, actions) {
            (Ok(segments), Ok(actions)) => Ok(RuleSet { segments, actions }),
            (s, a) => {
                let mut errors = Vec::new();
                if let Err(e) = s {
                    errors.extend(e);
                }
                if let Err(e) = a {
                    errors.extend(e);
                }
                Err(RuleErrors::new(errors))
            }
        }
    }

    /// The segments.
    pub fn segments(&self) -> &SegmentSet {
        &self.segments
    }

    /// The playbook.
    pub fn actions(&self) -> &ActionList {
        &self.actions
    }
}
