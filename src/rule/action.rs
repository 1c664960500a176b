//! Next-action playbooks: ordered `when` rules, first match wins.

use std::sync::Arc;

use super::context::{EvalInput, RuleContext};
use super::error::{RuleError, RuleErrorKind, RuleErrors};
use super::eval::CompiledRule;
use super::rule::Rule;

/// One playbook entry: `{"when": rule, "action": name}`.
///
/// ```
/// use pulsecheck::rule::ActionDef;
///
/// let def: ActionDef = serde_json::from_str(
///     r#"{"when": "engagement_score < 25", "action": "automated_email"}"#).unwrap();
/// assert_eq!(def.action(), "automated_email");
/// assert_eq!(def.when().to_string(), "engagement_score < 25");
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionDef {
    when: Rule,
    action: String,
}

impl ActionDef {
    /// An action taken when the rule holds.
    pub fn new(when: Rule, action: impl Into<String>) -> ActionDef {
        ActionDef {
            when,
            action: action.into(),
        }
    }

    /// The condition.
    pub fn when(&self) -> &Rule {
        &self.when
    }

    /// The action name (the `next_action` value).
    pub fn action(&self) -> &str {
        &self.action
    }
}

/// Compiled playbook of one record kind.
///
/// ```
/// use std::sync::Arc;
/// use chrono::NaiveDate;
/// use pulsecheck::{PropertyType, Record, RecordKind, Schema};
/// use pulsecheck::rule::{ActionDef, ActionList, EvalInput, Rule, RuleContext};
///
/// let schema = Arc::new(Schema::new(RecordKind::Account)
///     .with("mrr", PropertyType::Decimal)
///     .with("engagement_score", PropertyType::Int));
/// let defs = [
///     ActionDef::new(Rule::parse("mrr >= 1000.00 and engagement_score < 40")?, "personal_outreach"),
///     ActionDef::new(Rule::parse("engagement_score < 25")?, "automated_email"),
/// ];
/// let actions = ActionList::compile(&defs, &RuleContext::new(schema.clone()))?;
/// let mut acme = Record::new(schema, "acme");
/// acme.set("engagement_score", 10);
/// let day = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
/// // No mrr: the first rule is false, the second matches.
/// assert_eq!(actions.first_match(&EvalInput::new(&acme, day)), Some("automated_email"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct ActionList {
    items: Vec<(CompiledRule, Arc<str>)>,
}

impl ActionList {
    /// Compiles every entry, reporting every error, each naming its entry.
    pub fn compile(defs: &[ActionDef], ctx: &RuleContext) -> Result<ActionList, RuleErrors> {
        let mut errors = Vec::new();
        let mut items = Vec::with_capacity(defs.len());
        for (i, def) in defs.iter().enumerate() {
            let origin = format!("action #{} (`{}`)", i + 1, def.action);
            if def.action.trim().is_empty() {
                errors.push(
                    RuleError::without_source(
                        RuleErrorKind::Definition,
                        "the action name is empty; name what to do, e.g. \"automated_email\"",
                    )
                    .with_origin(&origin),
                );
            }
            match def.when.compile(ctx) {
                Ok(rule) => items.push((rule, Arc::from(def.action.as_str()))),
                Err(e) => errors.extend(e.with_origin(&origin)),
            }
        }
        if errors.is_empty() {
            Ok(ActionList { items })
        } else {
            Err(RuleErrors::new(errors))
        }
    }

    /// The action of the first entry whose rule holds.
    pub fn first_match(&self, input: &EvalInput<'_>) -> Option<&str> {
        self.items
            .iter()
            .find(|(rule, _)| rule.eval(input))
            .map(|(_, a)| &**a)
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The action names, in order.
    pub fn actions(&self) -> impl Iterator<Item = &str> + '_ {
        self.items.iter().map(|(_, a)| &**a)
    }
}
