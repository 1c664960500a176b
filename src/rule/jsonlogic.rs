//! JsonLogic import (<https://jsonlogic.com/operations.html>), compiled to the same
//! tree as the text language.
//!
//! Supported: `var` (with default), `missing`, `missing_some`, `if` (and `?:`), `==`,
//! `===`, `!=`, `!==`, `<`, `<=` (both also as the 3-argument between), `>`, `>=`, `!`,
//! `!!`, `and`, `or`, `in` (list and substring), `+ - * / %`, `min`, `max`, `cat`,
//! `substr`. Anything else (`map`, `reduce`, `merge`, `log`, …) is an error naming it.
//!
//! Differences from JavaScript JsonLogic, by design of a typed record:
//! * `==` and `===` are both the typed `=`: `1 == "1"` is a type error (no coercion);
//!   `== null` becomes `is not set`, `!= null` becomes `is set`.
//! * Comparisons with a null operand are false (JavaScript would coerce null to 0).
//! * `and` / `or` / `!` / `!!` / `if` conditions use JsonLogic truthiness
//!   (jsonlogic.com/truthy.html), but `and` / `or` yield true/false rather than the
//!   deciding operand; as a rule's result that is the same.
//! * A rule whose result is not a boolean holds when the result is truthy.

use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use serde_json::Value as Json;

use super::ast::{BinOp, Expr, ExprKind, Func, Lit, PropRef, Scope, is_plain_ident};
use super::error::{RuleError, RuleErrorKind};
use super::rule::Rule;
use super::stack;

const MAX_DEPTH: u32 = 64;

impl Rule {
    /// Imports a JsonLogic rule.
    ///
    /// ```
    /// use pulsecheck::rule::Rule;
    /// use serde_json::json;
    ///
    /// let rule = Rule::from_json_logic(&json!({"and": [
    ///     {"<": [{"var": "engagement_score"}, 25]},
    ///     {"in": [{"var": "account.plan"}, ["pro", "enterprise"]]}
    /// ]})).unwrap();
    /// assert_eq!(rule.to_string(), r#"engagement_score < 25 and account.plan in ["pro", "enterprise"]"#);
    ///
    /// let err = Rule::from_json_logic(&json!({"map": [[1, 2], {"var": ""}]})).unwrap_err();
    /// assert!(err.to_string().contains("`map`"));
    /// ```
    pub fn from_json_logic(logic: &Json) -> Result<Rule, RuleError> {
        let expr = stack::with_room(2 * MAX_DEPTH, stack::BUILD_PER_LEVEL, || {
            conv(logic, "rule", 0).map(cond)
        })?;
        Rule::from_expr(&expr).map_err(|errs| {
            errs.into_iter()
                .next()
                .unwrap_or_else(|| invalid("rule", "could not be converted".into()))
        })
    }
}

fn invalid(path: &str, msg: String) -> RuleError {
    RuleError::without_source(
        RuleErrorKind::InvalidJsonLogic,
        format!("JsonLogic {path}: {msg}"),
    )
}

fn node(kind: ExprKind, path: &str) -> Result<Expr, RuleError> {
    let e = Expr::spanned(kind);
    if e.depth > 2 * MAX_DEPTH {
        return Err(RuleError::without_source(
            RuleErrorKind::TooDeep,
            format!("JsonLogic {path}: nests more than {MAX_DEPTH} levels deep"),
        ));
    }
    Ok(e)
}

/// Wraps a value in JsonLogic truthiness unless it is already a condition.
fn cond(e: Expr) -> Expr {
    let boolean = match &e.kind {
        ExprKind::Lit(Lit::Bool(_))
        | ExprKind::Not(_)
        | ExprKind::And(_)
        | ExprKind::Or(_)
        | ExprKind::IsSet(..)
        | ExprKind::Between(..)
        | ExprKind::Within(..)
        | ExprKind::Before(..)
        | ExprKind::Call(Func::Truthy, _) => true,
        ExprKind::Binary(op, ..) => !op.is_arithmetic(),
        _ => false,
    };
    if boolean {
        e
    } else {
        Expr::spanned(ExprKind::Call(Func::Truthy, vec![e]))
    }
}

fn number(n: &serde_json::Number, path: &str) -> Result<Decimal, RuleError> {
    n.as_i64()
        .map(Decimal::from)
        .or_else(|| n.as_u64().map(Decimal::from))
        .or_else(|| n.as_f64().and_then(Decimal::from_f64))
        .ok_or_else(|| invalid(path, format!("number {n} is out of range")))
}

fn conv(v: &Json, path: &str, depth: u32) -> Result<Expr, RuleError> {
    if depth > MAX_DEPTH {
        return Err(RuleError::without_source(
            RuleErrorKind::TooDeep,
            format!("JsonLogic {path}: nests more than {MAX_DEPTH} levels deep"),
        ));
    }
    match v {
        Json::Null => Ok(Expr::lit(Lit::Null)),
        Json::Bool(b) => Ok(Expr::lit(Lit::Bool(*b))),
        Json::Number(n) => Ok(Expr::lit(Lit::Num(number(n, path)?))),
        Json::String(s) => Ok(Expr::lit(Lit::Str(s.clone()))),
        Json::Array(items) => {
            let items = items
                .iter()
                .enumerate()
                .map(|(i, item)| conv(item, &format!("{path}[{i}]"), depth + 1))
                .collect::<Result<Vec<_>, _>>()?;
            node(ExprKind::List(items), path)
        }
        Json::Object(map) => {
            let mut entries = map.iter();
            let (Some((op, arg)), None) = (entries.next(), entries.next()) else {
                return Err(invalid(
                    path,
                    format!(
                        "an operation is an object with exactly one key, found {} keys",
                        map.len()
                    ),
                ));
            };
            operation(op, arg, path, depth)
        }
    }
}

fn operation(op: &str, arg: &Json, path: &str, depth: u32) -> Result<Expr, RuleError> {
    let raw: Vec<&Json> = match arg {
        Json::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    let here = format!("{path} → `{op}`");
    let args = |l: &[&Json]| -> Result<Vec<Expr>, RuleError> {
        l.iter()
            .enumerate()
            .map(|(i, a)| conv(a, &format!("{here}[{i}]"), depth + 1))
            .collect()
    };
    let arity = |min: usize, max: usize| -> Result<(), RuleError> {
        if raw.len() < min || raw.len() > max {
            let expect = if min == max {
                format!("{min}")
            } else {
                format!("{min} to {max}")
            };
            return Err(invalid(
                &here,
                format!("takes {expect} arguments, found {}", raw.len()),
            ));
        }
        Ok(())
    };
    let bin = |op: BinOp, mut a: Vec<Expr>| -> Result<Expr, RuleError> {
        let b = a.pop().unwrap_or_else(|| Expr::lit(Lit::Null));
        let a = a.pop().unwrap_or_else(|| Expr::lit(Lit::Null));
        node(ExprKind::Binary(op, Box::new(a), Box::new(b)), &here)
    };
    match op {
        "var" => var(&raw, &here, depth),
        "missing" => {
            // `{"missing": [["a", "b"]]}` (keys from `merge`) is the same as a flat list.
            let keys: Vec<&Json> = match raw.as_slice() {
                [Json::Array(inner)] => inner.iter().collect(),
                _ => raw.clone(),
            };
            let props = keys
                .iter()
                .map(|k| key(k, &here))
                .collect::<Result<Vec<_>, _>>()?;
            if props.is_empty() {
                return Err(invalid(&here, "needs at least one key".into()));
            }
            node(ExprKind::Call(Func::Missing, props), &here)
        }
        "missing_some" => {
            arity(2, 2)?;
            let need = match raw[0] {
                Json::Number(n) if n.as_u64().is_some() => number(n, &here)?,
                other => {
                    return Err(invalid(
                        &here,
                        format!("the first argument must be a whole number, found {other}"),
                    ));
                }
            };
            let Json::Array(keys) = raw[1] else {
                return Err(invalid(
                    &here,
                    "the second argument must be a list of keys".into(),
                ));
            };
            let mut items = vec![Expr::lit(Lit::Num(need))];
            for k in keys {
                items.push(key(k, &here)?);
            }
            if items.len() < 2 {
                return Err(invalid(&here, "needs at least one key".into()));
            }
            node(ExprKind::Call(Func::MissingSome, items), &here)
        }
        "if" | "?:" => {
            let mut a = args(&raw)?;
            match a.len() {
                0 => Ok(Expr::lit(Lit::Null)),
                1 => Ok(a.remove(0)),
                n => {
                    let items = a
                        .into_iter()
                        .enumerate()
                        .map(|(i, e)| if i % 2 == 0 && i + 1 < n { cond(e) } else { e })
                        .collect();
                    node(ExprKind::Call(Func::If, items), &here)
                }
            }
        }
        "==" | "===" | "!=" | "!==" => {
            arity(2, 2)?;
            let mut a = args(&raw)?;
            let eq = op.starts_with('=');
            let is_null = |e: &Expr| matches!(e.kind, ExprKind::Lit(Lit::Null));
            match (is_null(&a[0]), is_null(&a[1])) {
                (true, true) => Ok(Expr::lit(Lit::Bool(eq))),
                (true, false) | (false, true) => {
                    let other = if is_null(&a[0]) {
                        a.remove(1)
                    } else {
                        a.remove(0)
                    };
                    node(ExprKind::IsSet(Box::new(other), eq), &here)
                }
                _ => bin(if eq { BinOp::Eq } else { BinOp::Ne }, a),
            }
        }
        "<" | "<=" => {
            arity(2, 3)?;
            let a = args(&raw)?;
            let strict = op == "<";
            let cmp = if strict { BinOp::Lt } else { BinOp::Le };
            if a.len() == 2 {
                return bin(cmp, a);
            }
            let mut it = a.into_iter();
            let (lo, x, hi) = match (it.next(), it.next(), it.next()) {
                (Some(lo), Some(x), Some(hi)) => (lo, x, hi),
                _ => return Err(invalid(&here, "takes 2 or 3 arguments".into())),
            };
            if strict {
                let left = bin(cmp, vec![lo, x.clone()])?;
                let right = bin(cmp, vec![x, hi])?;
                node(ExprKind::And(vec![left, right]), &here)
            } else {
                node(
                    ExprKind::Between(Box::new(x), Box::new(lo), Box::new(hi)),
                    &here,
                )
            }
        }
        ">" | ">=" => {
            arity(2, 2)?;
            bin(if op == ">" { BinOp::Gt } else { BinOp::Ge }, args(&raw)?)
        }
        "!" => {
            arity(1, 1)?;
            let a = args(&raw)?.remove(0);
            node(ExprKind::Not(Box::new(cond(a))), &here)
        }
        "!!" => {
            arity(1, 1)?;
            Ok(cond(args(&raw)?.remove(0)))
        }
        "and" | "or" => {
            if raw.is_empty() {
                return Err(invalid(&here, "needs at least one argument".into()));
            }
            let mut a: Vec<Expr> = args(&raw)?.into_iter().map(cond).collect();
            if a.len() == 1 {
                return Ok(a.remove(0));
            }
            node(
                if op == "and" {
                    ExprKind::And(a)
                } else {
                    ExprKind::Or(a)
                },
                &here,
            )
        }
        "in" => {
            arity(2, 2)?;
            bin(BinOp::In, args(&raw)?)
        }
        "+" | "*" => {
            let a = args(&raw)?;
            let binop = if op == "+" { BinOp::Add } else { BinOp::Mul };
            let mut it = a.into_iter();
            let Some(mut acc) = it.next() else {
                return Ok(Expr::lit(Lit::Num(if op == "+" {
                    Decimal::ZERO
                } else {
                    Decimal::ONE
                })));
            };
            if matches!(acc.kind, ExprKind::Lit(Lit::Str(_))) && op == "+" {
                return Err(invalid(
                    &here,
                    "casting text to a number is not supported; properties are typed".into(),
                ));
            }
            for next in it {
                acc = node(
                    ExprKind::Binary(binop, Box::new(acc), Box::new(next)),
                    &here,
                )?;
            }
            Ok(acc)
        }
        "-" => {
            arity(1, 2)?;
            let mut a = args(&raw)?;
            if a.len() == 1 {
                let x = a.remove(0);
                return match x.kind {
                    ExprKind::Lit(Lit::Num(n)) => Ok(Expr::lit(Lit::Num(-n))),
                    _ => node(ExprKind::Neg(Box::new(x)), &here),
                };
            }
            bin(BinOp::Sub, a)
        }
        "/" | "%" => {
            arity(2, 2)?;
            bin(if op == "/" { BinOp::Div } else { BinOp::Rem }, args(&raw)?)
        }
        "min" | "max" | "cat" | "substr" => {
            let f = match op {
                "min" => Func::Min,
                "max" => Func::Max,
                "cat" => Func::Cat,
                _ => {
                    arity(2, 3)?;
                    Func::Substr
                }
            };
            node(ExprKind::Call(f, args(&raw)?), &here)
        }
        other => Err(RuleError::without_source(
            RuleErrorKind::UnsupportedJsonLogic,
            format!(
                "JsonLogic {path}: operator `{other}` is not supported on property records; supported are var, missing, missing_some, if, ==, ===, !=, !==, <, <=, >, >=, !, !!, and, or, in, +, -, *, /, %, min, max, cat, substr"
            ),
        )),
    }
}

fn var(raw: &[&Json], here: &str, depth: u32) -> Result<Expr, RuleError> {
    let (name, default) = match raw {
        [name] => (*name, None),
        [name, default] => (
            *name,
            Some(conv(default, &format!("{here}[1]"), depth + 1)?),
        ),
        _ => {
            return Err(invalid(
                here,
                format!(
                    "takes a name and an optional default, found {} arguments",
                    raw.len()
                ),
            ));
        }
    };
    let prop = key(name, here)?;
    match default {
        None => Ok(prop),
        Some(d) => {
            // `{"var": ["x", d]}` is `if(x is set, x, d)`.
            let test = node(ExprKind::IsSet(Box::new(prop.clone()), false), here)?;
            node(ExprKind::Call(Func::If, vec![test, prop, d]), here)
        }
    }
}

/// A data key (`"plan"`, `"account.plan"`, `"traits.role"`) as a property reference.
fn key(k: &Json, here: &str) -> Result<Expr, RuleError> {
    let Json::String(path) = k else {
        return Err(invalid(
            here,
            format!("keys must be text naming a property, found {k}"),
        ));
    };
    if path.is_empty() {
        return Err(RuleError::without_source(
            RuleErrorKind::UnsupportedJsonLogic,
            format!(
                "JsonLogic {here}: `var` of \"\" (the whole record) is not supported; name a property"
            ),
        ));
    }
    let parts: Vec<&str> = path.split('.').collect();
    let (scope, rest) = if parts[0] == "account" && parts.len() > 1 {
        (Scope::Account, 1)
    } else {
        (Scope::Record, 0)
    };
    let (is_trait, rest) = if parts.get(rest) == Some(&"traits") && parts.len() > rest + 1 {
        (true, rest + 1)
    } else {
        (false, rest)
    };
    let name = parts[rest..].join(".");
    let printable = !name.is_empty() && !name.contains(['`', '\n', '\r']);
    if parts.len() - rest != 1
        || !printable
        || (!is_trait && !is_plain_ident(&name) && name.contains('.'))
    {
        return Err(invalid(
            here,
            format!(
                "`{path}` is not a property: use `name`, `account.name`, `traits.name` or `account.traits.name`"
            ),
        ));
    }
    Ok(Expr::spanned(ExprKind::Prop(PropRef {
        scope,
        is_trait,
        name,
    })))
}
