//! [`Rule`]: a parsed rule, its canonical text and serde form.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use super::ast::{Expr, ExprKind, Lit};
use super::compile::{lower, p_name};
use super::context::RuleContext;
use super::error::RuleErrors;
use super::eval::CompiledRule;
use super::parser::{RuleLimits, parse};
use super::print::write_expr;
use super::stack;

/// A parsed rule: its syntax tree and the text it came from.
///
/// Equality compares the trees, so a rule equals the rule parsed from its printed
/// (`Display`) form. Serde writes the canonical text and reads by parsing.
///
/// ```
/// use pulsecheck::rule::Rule;
///
/// let rule = Rule::parse("(engagement_score<25) and not(\"reporting\" in features_used)").unwrap();
/// assert_eq!(rule.to_string(), "engagement_score < 25 and not \"reporting\" in features_used");
/// assert_eq!(Rule::parse(&rule.to_string()).unwrap(), rule);
/// ```
#[derive(Debug)]
pub struct Rule {
    expr: Expr,
    source: Arc<str>,
}

impl PartialEq for Rule {
    fn eq(&self, other: &Rule) -> bool {
        stack::with_room(self.expr.depth, stack::BUILD_PER_LEVEL, || {
            self.expr == other.expr
        })
    }
}

// Cloning and dropping walk the whole tree, so they too make room on the stack
// first (see `stack`); the derived forms would not.
impl Clone for Rule {
    fn clone(&self) -> Rule {
        stack::with_room(self.expr.depth, stack::BUILD_PER_LEVEL, || Rule {
            expr: self.expr.clone(),
            source: self.source.clone(),
        })
    }
}

impl Drop for Rule {
    fn drop(&mut self) {
        if self.expr.depth > stack::SHALLOW {
            let leaf = Expr::new(ExprKind::Lit(Lit::Null), 0, 0);
            let expr = std::mem::replace(&mut self.expr, leaf);
            stack::with_room(expr.depth, stack::BUILD_PER_LEVEL, || drop(expr));
        }
    }
}

impl Rule {
    /// Parses a rule with the default [`RuleLimits`] (64 KiB, 64 levels).
    pub fn parse(source: &str) -> Result<Rule, RuleErrors> {
        Rule::parse_with(source, &RuleLimits::default())
    }

    /// Parses a rule with explicit size limits.
    pub fn parse_with(source: &str, limits: &RuleLimits) -> Result<Rule, RuleErrors> {
        let expr = stack::with_room(limits.max_depth(), stack::BUILD_PER_LEVEL, || {
            parse(source, limits)
        })?;
        Ok(Rule {
            expr,
            source: Arc::from(source),
        })
    }

    /// Builds a rule from a tree made elsewhere (JsonLogic, tests): the tree is printed
    /// and parsed back so that error spans point into its canonical text.
    #[cfg(any(feature = "json", test))]
    pub(crate) fn from_expr(expr: &Expr) -> Result<Rule, RuleErrors> {
        let text = canonical(expr);
        let limits = RuleLimits::default()
            .with_max_len(usize::MAX)
            .with_max_depth(expr.depth.saturating_add(64));
        Rule::parse_with(&text, &limits)
    }

    /// The text the rule was parsed from, as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Type-checks the rule against the properties of a record kind and compiles it;
    /// every error is reported.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use pulsecheck::{PropertyType, RecordKind, Schema};
    /// use pulsecheck::rule::{Rule, RuleContext};
    ///
    /// let schema = Arc::new(Schema::new(RecordKind::User).with("email", PropertyType::String));
    /// let err = Rule::parse("email > 3").unwrap().compile(&RuleContext::new(schema)).unwrap_err();
    /// assert!(err.to_string().contains("`>` needs two numbers, two texts or two dates"));
    /// ```
    pub fn compile(&self, ctx: &RuleContext) -> Result<CompiledRule, RuleErrors> {
        let depth = self.expr.depth;
        stack::with_room(depth, stack::BUILD_PER_LEVEL, || {
            let node = lower(&self.expr, &self.source, ctx).map_err(RuleErrors::new)?;
            Ok(CompiledRule::new(
                node,
                depth,
                ctx.schema().clone(),
                ctx.account_schema().cloned(),
                Arc::from(self.to_string()),
            ))
        })
    }

    /// The properties the rule reads, as written (`plan`, `account.plan`,
    /// `traits.role`), in first-use order without repeats.
    ///
    /// ```
    /// use pulsecheck::rule::Rule;
    ///
    /// let rule = Rule::parse("a > 1 and (account.plan = \"pro\" or a < 0 or traits.x is set)").unwrap();
    /// assert_eq!(rule.properties(), ["a", "account.plan", "traits.x"]);
    /// ```
    pub fn properties(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut stack = vec![&self.expr];
        while let Some(e) = stack.pop() {
            if let ExprKind::Prop(p) = &e.kind {
                let name = p_name(p, true);
                if !out.contains(&name) {
                    out.push(name);
                }
            }
            let children: Vec<&Expr> = e.kind.children().collect();
            stack.extend(children.into_iter().rev());
        }
        out
    }

    #[cfg(test)]
    pub(crate) fn expr(&self) -> &Expr {
        &self.expr
    }
}

#[cfg(any(feature = "json", test))]
fn canonical(expr: &Expr) -> String {
    let mut s = String::new();
    // Writing to a String cannot fail.
    let _ = stack::with_room(expr.depth, stack::BUILD_PER_LEVEL, || {
        write_expr(&mut s, expr, 0)
    });
    s
}

impl fmt::Display for Rule {
    /// The canonical text: minimal parentheses, single spaces, `=` for equality.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        stack::with_room(self.expr.depth, stack::BUILD_PER_LEVEL, || {
            write_expr(f, &self.expr, 0)
        })
    }
}

impl FromStr for Rule {
    type Err = RuleErrors;
    fn from_str(s: &str) -> Result<Rule, RuleErrors> {
        Rule::parse(s)
    }
}

impl serde::Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Rule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Rule, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Rule::parse(&text).map_err(serde::de::Error::custom)
    }
}
