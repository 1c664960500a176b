//! Compiling a configuration's rules (segments, actions, rule milestones) against the
//! schemas of the records they read.

use std::sync::Arc;

use indexmap::IndexMap;

use super::validate::ConfigError;
use super::{Config, Milestone, Named};
use crate::properties;
use crate::rule::{CompiledRule, RuleContext, RuleErrors, RuleSet, SegmentDef};
use crate::schema::{RecordKind, Schema};

/// Properties a rule milestone may not read: they are what it decides.
const ACTIVATION: [&str; 6] = [
    "milestones_completed",
    "activation_rate",
    "activated",
    "activated_at",
    "segments",
    "next_action",
];

/// Every rule of a configuration, compiled.
#[derive(Debug, Clone)]
pub(crate) struct CompiledRules {
    pub user: RuleSet,
    pub account: RuleSet,
    /// Per milestone of the kind, the compiled rule of rule milestones.
    pub user_milestones: Vec<Option<CompiledRule>>,
    pub account_milestones: Vec<Option<CompiledRule>>,
}

/// Compiles everything, or returns every error of every rule.
pub(crate) fn compile(config: &Config) -> Result<CompiledRules, Vec<ConfigError>> {
    compile_with(
        config,
        properties::schema(config, RecordKind::User),
        properties::schema(config, RecordKind::Account),
    )
}

/// [`compile`] against the given schemas. The engine passes the very `Arc`s its
/// records are built with: a rule then recognises a record's layout by pointer,
/// instead of comparing every property name on every evaluation.
pub(crate) fn compile_with(
    config: &Config,
    user_schema: Arc<Schema>,
    account_schema: Arc<Schema>,
) -> Result<CompiledRules, Vec<ConfigError>> {
    let mut errors = Vec::new();
    let mut report = |field: String, e: RuleErrors| {
        errors.extend(e.into_iter().map(|error| ConfigError::Rule {
            field: field.clone(),
            error,
        }));
    };

    let user_segments_ctx = RuleContext::new(user_schema.clone())
        .with_account(account_schema.clone())
        .forbid("segments")
        .forbid("next_action");
    let user_actions_ctx = RuleContext::new(user_schema.clone())
        .with_account(account_schema.clone())
        .forbid("next_action");
    let account_segments_ctx = RuleContext::new(account_schema.clone())
        .forbid("segments")
        .forbid("next_action");
    let account_actions_ctx = RuleContext::new(account_schema.clone()).forbid("next_action");

    let user = RuleSet::compile(
        &as_map(config.segments().user()),
        config.actions().user(),
        &user_segments_ctx,
        &user_actions_ctx,
    )
    .map_err(|e| report("segments.user / actions.user".into(), e))
    .ok();
    let account = RuleSet::compile(
        &as_map(config.segments().account()),
        config.actions().account(),
        &account_segments_ctx,
        &account_actions_ctx,
    )
    .map_err(|e| report("segments.account / actions.account".into(), e))
    .ok();

    let forbid_activation =
        |ctx: RuleContext| ACTIVATION.iter().fold(ctx, |ctx, name| ctx.forbid(*name));
    let user_milestone_ctx =
        forbid_activation(RuleContext::new(user_schema).with_account(account_schema.clone()));
    let account_milestone_ctx = forbid_activation(RuleContext::new(account_schema));
    let mut milestones = |list: &[Milestone],
                          kind: &str,
                          ctx: &RuleContext|
     -> Vec<Option<CompiledRule>> {
        list.iter()
            .enumerate()
            .map(|(i, m)| {
                m.rule_def().and_then(|rule| {
                    rule.compile(ctx)
                        .map_err(|e| report(format!("activation.{kind}[{i}] (`{}`)", m.name()), e))
                        .ok()
                })
            })
            .collect()
    };
    let user_milestones = milestones(config.activation().user(), "user", &user_milestone_ctx);
    let account_milestones = milestones(
        config.activation().account(),
        "account",
        &account_milestone_ctx,
    );

    match (user, account) {
        (Some(user), Some(account)) if errors.is_empty() => Ok(CompiledRules {
            user,
            account,
            user_milestones,
            account_milestones,
        }),
        _ => Err(errors),
    }
}

/// Segment definitions as the rule compiler takes them (duplicates were reported by
/// validation; the first definition of a name wins).
fn as_map(named: &Named<SegmentDef>) -> IndexMap<String, SegmentDef> {
    let mut map = IndexMap::new();
    for (name, def) in named.iter() {
        map.entry(name.to_owned()).or_insert_with(|| def.clone());
    }
    map
}
