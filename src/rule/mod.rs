//! The rule language of segments, actions and rule milestones .
//!
//! A rule is parsed ([`Rule::parse`]), type-checked against the properties of a
//! record kind and compiled ([`Rule::compile`] with a [`RuleContext`]) once, then
//! evaluated on millions of records ([`CompiledRule::eval`] with an [`EvalInput`]).
//!
//! ```
//! use std::sync::Arc;
//! use chrono::NaiveDate;
//! use pulsecheck::{PropertyType, Record, RecordKind, Schema};
//! use pulsecheck::rule::{EvalInput, Rule, RuleContext};
//!
//! let users = Arc::new(Schema::new(RecordKind::User)
//!     .with("engagement_score", PropertyType::Int)
//!     .with("days_since_last_seen", PropertyType::Int));
//! let at_risk = Rule::parse("engagement_score < 25 and days_since_last_seen >= 14")?
//!     .compile(&RuleContext::new(users.clone()))?;
//!
//! let mut ada = Record::new(users, "ada");
//! ada.set("engagement_score", 12);
//! ada.set("days_since_last_seen", 20);
//! let day = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
//! assert!(at_risk.eval(&EvalInput::new(&ada, day)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Syntax
//!
//! | form | example |
//! | --- | --- |
//! | numbers (exact decimals) | `25`, `0.2`, `1000.00`, `-3` |
//! | text, with escapes `\"` `\\` `\n` `\t` `\r` `\u{e9}` | `"a \"quoted\" word"` |
//! | `true`, `false`, `null` | |
//! | dates, datetimes (zone required) | `2026-01-01`, `2026-01-01T10:00:00Z`, `2026-01-01T10:00:00+02:00` |
//! | lists | `["pro", "enterprise"]` |
//! | properties | `engagement_score`, `account.plan`, `traits.role`, `account.traits.tier`, `` `odd name` `` |
//! | comparisons | `=` (or `==`) `!=` `<` `<=` `>` `>=` |
//! | membership | `x in [..]`, `x not in [..]`, `"reporting" in features_used`, `list contains x`, `email contains "@"` |
//! | text | `starts_with`, `ends_with` |
//! | presence | `x is set`, `x is not set` |
//! | ranges | `x between a and b` (inclusive) |
//! | relative days | `x within 30 days`, `x before 90 days ago` |
//! | arithmetic | `+ - * / %`, unary `-` |
//! | logic | `and`, `or`, `not`, parentheses |
//! | functions | `if(c, a, b)` (also `if(c1, a, c2, b, else)`), `min(..)`, `max(..)`, `cat(..)`, `substr(s, start[, len])`, `truthy(x)`, `missing(a, b)`, `missing_some(n, a, b)` |
//!
//! Precedence, lowest first: `or`, `and`, `not`, comparisons and the other
//! predicates (which do not chain: `a < b < c` is an error), `+ -`, `* / %`, unary `-`.
//! Dates are recognised by shape, so subtracting bare numbers needs spaces
//! (`2026 - 1`). Keywords are lowercase; a property whose name is a keyword is written
//! in backticks. The functions exist mainly so every JsonLogic rule has a text form.
//!
//! # Types
//!
//! Rules are checked before they run: `email > 3`, `"x" in engagement_score`,
//! `engagement_score and …` are errors with the span of the offending part, and an
//! unknown property gets a "did you mean" suggestion. Comparing an enum property with a
//! text it can never hold (`lifecycle_stage = "actve"`) is an error too. Int, number
//! and decimal properties are all numbers; enum properties are text; `traits.<name>`
//! has no static type (any check passes; run time decides).
//!
//! # Semantics
//!
//! * **Null (missing) values.** Logic is two-valued. Every comparison and predicate
//!   with a null operand is false: `=`, `!=`, `<`…, `in`, `not in`, `contains`,
//!   `starts_with`, `between`, `within`, `before`. `not` is plain negation, so
//!   `not (plan = "pro")` holds for a record without a plan while `plan != "pro"` does
//!   not. `x = null` / `x != null` are rejected: write `x is not set` / `x is set`.
//! * **`is set`** holds when the property is present and not null. An empty list
//!   and an empty text are set (`features_used is set` means "computed", even if empty).
//! * **Numbers** compare exactly: ints and decimals by value (`mrr >= 1000.00` is exact),
//!   floats (from traits) as the nearest short decimal, so float noise is not a
//!   difference (`0.1` equals `0.1`, and a float `0.1 + 0.2` equals `0.3`). Arithmetic is
//!   exact on ints and decimals (`7 / 2` is `3.5`); division by zero, overflow and
//!   arithmetic on null give null, so the comparison around them is false.
//! * **Text** compares case-sensitively, by code point. Text is never a number.
//! * **Values of different types** are never equal (`!=` is true) and never ordered.
//! * **Dates.** A datetime compared with a date is compared by its day in the
//!   evaluation's UTC offset, so `created_at between 2026-01-01 and 2026-03-31` includes
//!   all of March 31st; two datetimes compare as instants. Trait values (which arrive
//!   as JSON text) holding RFC 3339 datetimes or `YYYY-MM-DD` dates count as dates.
//! * **Relative days**, with D the as-of day and day(x) the date of x in the offset:
//!   `x within N days` holds when D − day(x) < N (so future dates are within);
//!   `x before N days ago` when D − day(x) > N.
//! * **`in`** tests list membership (by the equality above) or, with text on both
//!   sides, substring. `contains` is `in` with the operands swapped.
//! * **Conditions** (`and`, `or`, `not`, `if`) need true/false; a trait there holds
//!   only when it is the boolean `true`. `truthy(x)` applies JsonLogic truthiness
//!   (`0`, `""`, `[]`, null and `false` are false).
//!
//! # Limits
//!
//! Rules longer than 64 KiB or nested deeper than 64 levels are errors
//! (see [`RuleLimits`]), never a stack overflow. A syntax error stops the parse of that
//! rule; type errors are all reported together, and a [`RuleSet`] reports the errors of
//! every rule at once, each naming its segment or action.
//!
//! # Evaluation cost
//!
//! Compiled rules read schema properties by index and compare borrowed values: no
//! allocation and no name lookup per record (`traits.<name>` is a short scan of the
//! record's traits). Only `cat`, `substr`, `missing` and lists with non-constant items
//! used as values allocate.

mod action;
mod ast;
mod check;
mod compile;
mod context;
mod error;
mod eval;
#[cfg(feature = "json")]
mod jsonlogic;
mod lexer;
mod membership;
mod parser;
mod print;
#[allow(clippy::module_inception)]
mod rule;
mod ruleset;
mod segment;
mod stack;
mod value_ops;

#[cfg(test)]
mod tests;

pub use action::{ActionDef, ActionList};
pub(crate) use check::closest as closest_name;
pub use context::{EvalInput, RuleContext};
pub use error::{RuleError, RuleErrorKind, RuleErrors, Span};
pub use eval::CompiledRule;
pub use membership::{Direction, Memberships, Transition};
pub use parser::RuleLimits;
pub use rule::Rule;
pub use ruleset::RuleSet;
pub use segment::{Membership, SegmentDef, SegmentSet};
