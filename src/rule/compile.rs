//! Type-checks a tree against a [`RuleContext`] and lowers it to evaluable nodes,
//! collecting every error instead of stopping at the first.

use std::sync::Arc;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::ast::{BinOp, Expr, ExprKind, Func, Lit, PropRef, Scope};
use super::check::{Ty, closest, enum_options, schema_names};
use super::context::RuleContext;
use super::error::{RuleError, RuleErrorKind};
use super::eval::{CmpOp, Node, Slot};
use super::print::snippet;
use super::value_ops::ArOp;
use crate::value::Value;

pub(crate) fn lower(expr: &Expr, src: &str, ctx: &RuleContext) -> Result<Node, Vec<RuleError>> {
    let mut l = Lower {
        src,
        ctx,
        errors: Vec::new(),
    };
    let node = l.cond(expr, "a rule");
    if l.errors.is_empty() {
        Ok(node)
    } else {
        Err(l.errors)
    }
}

struct Lower<'c> {
    src: &'c str,
    ctx: &'c RuleContext,
    errors: Vec<RuleError>,
}

fn num_value(d: Decimal) -> Value {
    // Whole numbers compare on the fast integer path.
    match d.fract().is_zero().then(|| d.to_i64()).flatten() {
        Some(i) => Value::Int(i),
        None => Value::Decimal(d),
    }
}

fn lit_value(l: &Lit) -> (Value, Ty) {
    match l {
        Lit::Null => (Value::Null, Ty::Null),
        Lit::Bool(b) => (Value::Bool(*b), Ty::Bool),
        Lit::Num(d) => (num_value(*d), Ty::Num),
        Lit::Str(s) => (Value::from(s.as_str()), Ty::Str),
        Lit::Date(d) => (Value::Date(*d), Ty::Date),
        Lit::DateTime(t) => (Value::DateTime(*t), Ty::DateTime),
    }
}

fn bx(n: Node) -> Box<Node> {
    Box::new(n)
}

impl Lower<'_> {
    fn err(&mut self, kind: RuleErrorKind, msg: String, e: &Expr) -> (Node, Ty) {
        self.errors
            .push(RuleError::new(kind, msg, self.src, e.start, e.end));
        (Node::Const(Value::Null), Ty::Err)
    }

    fn type_err(&mut self, msg: String, e: &Expr) -> (Node, Ty) {
        self.err(RuleErrorKind::Type, msg, e)
    }

    /// An expression in a position that needs true/false.
    fn cond(&mut self, e: &Expr, what: &str) -> Node {
        let (n, t) = self.val(e);
        match t {
            Ty::Bool | Ty::Err => n,
            Ty::Any => Node::AsBool(bx(n)),
            other => {
                self.type_err(
                    format!(
                        "`{}` is {}, but {what} needs a condition (true/false); compare it, e.g. `{} is set`",
                        snippet(e),
                        other.name(),
                        snippet(e)
                    ),
                    e,
                );
                Node::Const(Value::Null)
            }
        }
    }

    fn val(&mut self, e: &Expr) -> (Node, Ty) {
        match &e.kind {
            ExprKind::Lit(l) => {
                let (v, t) = lit_value(l);
                (Node::Const(v), t)
            }
            ExprKind::List(items) => self.list(items),
            ExprKind::Prop(p) => self.prop(p, e),
            ExprKind::Not(a) => (Node::Not(bx(self.cond(a, "`not`"))), Ty::Bool),
            ExprKind::And(xs) => (
                Node::And(xs.iter().map(|x| self.cond(x, "`and`")).collect()),
                Ty::Bool,
            ),
            ExprKind::Or(xs) => (
                Node::Or(xs.iter().map(|x| self.cond(x, "`or`")).collect()),
                Ty::Bool,
            ),
            ExprKind::Neg(a) => {
                let n = self.number(a, "unary `-`");
                (Node::Neg(bx(n)), Ty::Num)
            }
            ExprKind::Binary(op, a, b) if op.is_arithmetic() => {
                let x = self.number(a, op.symbol());
                let y = self.number(b, op.symbol());
                let op = match op {
                    BinOp::Add => ArOp::Add,
                    BinOp::Sub => ArOp::Sub,
                    BinOp::Mul => ArOp::Mul,
                    BinOp::Div => ArOp::Div,
                    _ => ArOp::Rem,
                };
                (Node::Arith(op, bx(x), bx(y)), Ty::Num)
            }
            ExprKind::Binary(op, a, b) => self.comparison(*op, a, b, e),
            ExprKind::IsSet(a, negated) => {
                let (n, _) = self.val(a);
                (Node::IsSet(bx(n), *negated), Ty::Bool)
            }
            ExprKind::Between(x, lo, hi) => {
                let (xn, xt) = self.val(x);
                let (ln, lt) = self.val(lo);
                let (hn, ht) = self.val(hi);
                let (ln, lt) = date_hint(lo, ln, lt, &xt);
                let (hn, ht) = date_hint(hi, hn, ht, &xt);
                for (bound, bt) in [(lo, &lt), (hi, &ht)] {
                    if !xt.orderable(bt) {
                        self.type_err(
                            format!(
                                "`between` cannot order `{}` ({}) against `{}` ({})",
                                snippet(x),
                                xt.name(),
                                snippet(bound),
                                bt.name()
                            ),
                            bound,
                        );
                    }
                }
                (Node::Between(bx(xn), bx(ln), bx(hn)), Ty::Bool)
            }
            ExprKind::Within(x, n) | ExprKind::Before(x, n) => {
                let (xn, xt) = self.val(x);
                if !(xt.is_open() || matches!(xt, Ty::Date | Ty::DateTime)) {
                    let word = if matches!(e.kind, ExprKind::Within(..)) {
                        "within"
                    } else {
                        "before"
                    };
                    return self.type_err(
                        format!(
                            "`{word}` needs a date or datetime; `{}` is {}",
                            snippet(x),
                            xt.name()
                        ),
                        x,
                    );
                }
                let n = i64::from(*n);
                let node = if matches!(e.kind, ExprKind::Within(..)) {
                    Node::Within(bx(xn), n)
                } else {
                    Node::Before(bx(xn), n)
                };
                (node, Ty::Bool)
            }
            ExprKind::Call(f, args) => self.call(*f, args, e),
        }
    }

    fn number(&mut self, e: &Expr, op: &str) -> Node {
        let (n, t) = self.val(e);
        if !(t == Ty::Num || t.is_open()) {
            self.type_err(
                format!("`{op}` needs numbers; `{}` is {}", snippet(e), t.name()),
                e,
            );
        }
        n
    }

    fn list(&mut self, items: &[Expr]) -> (Node, Ty) {
        let mut nodes = Vec::with_capacity(items.len());
        let mut elem = Ty::Null;
        for item in items {
            let (n, t) = self.val(item);
            elem = if nodes.is_empty() { t } else { elem.unify(&t) };
            nodes.push(n);
        }
        let elem = if elem == Ty::Null { Ty::Any } else { elem };
        if nodes.iter().all(|n| matches!(n, Node::Const(_))) {
            let values = nodes
                .into_iter()
                .map(|n| match n {
                    Node::Const(v) => v,
                    _ => Value::Null,
                })
                .collect();
            return (Node::Const(Value::List(values)), Ty::List(Box::new(elem)));
        }
        (Node::List(nodes.into()), Ty::List(Box::new(elem)))
    }

    fn prop(&mut self, p: &PropRef, e: &Expr) -> (Node, Ty) {
        let ctx = self.ctx;
        let schema = match p.scope {
            Scope::Record => ctx.schema(),
            Scope::Account => match ctx.account_schema() {
                Some(s) => s,
                None => {
                    let hint = if ctx.schema().kind() == crate::schema::RecordKind::Account {
                        format!(
                            "this rule is about accounts already: write `{}`",
                            p_name(p, false)
                        )
                    } else {
                        "`account.` is not available here".to_owned()
                    };
                    return self.err(
                        RuleErrorKind::UnknownProperty,
                        format!("`{}`: {hint}", p_name(p, true)),
                        e,
                    );
                }
            },
        };
        if p.is_trait {
            let name: Box<str> = p.name.as_str().into();
            let node = if p.scope == Scope::Account {
                Node::AcctTrait(name)
            } else {
                Node::Trait(name)
            };
            return (node, Ty::Any);
        }
        let forbidden = match p.scope {
            Scope::Record => ctx.is_forbidden(&p.name),
            Scope::Account => ctx.is_account_forbidden(&p.name),
        };
        if forbidden {
            return self.err(
                RuleErrorKind::ForbiddenProperty,
                format!(
                    "`{}` cannot be read by this rule: it is computed from rules like this one, so reading it would be circular",
                    p_name(p, true)
                ),
                e,
            );
        }
        let Some(idx) = schema.index_of(&p.name) else {
            return self.unknown(p, e);
        };
        let (name, ty) = match schema.get_index(idx) {
            Some((name, ty)) => (Arc::<str>::from(name), ty),
            None => return self.unknown(p, e),
        };
        let slot = Slot { idx, name };
        let node = if p.scope == Scope::Account {
            Node::AcctProp(slot)
        } else {
            Node::Prop(slot)
        };
        (node, Ty::of(ty))
    }

    fn unknown(&mut self, p: &PropRef, e: &Expr) -> (Node, Ty) {
        let ctx = self.ctx;
        let (schema, prefix) = match p.scope {
            Scope::Record => (ctx.schema(), ""),
            Scope::Account => match ctx.account_schema() {
                Some(s) => (s, "account."),
                None => (ctx.schema(), ""),
            },
        };
        let mut suggestion = closest(&p.name, schema_names(schema)).map(|c| format!("{prefix}{c}"));
        if suggestion.is_none() && p.scope == Scope::Record {
            suggestion = ctx.account_schema().and_then(|a| {
                a.index_of(&p.name)
                    .is_some()
                    .then(|| format!("account.{}", p.name))
            });
        }
        let hint = match suggestion {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("custom traits are read as `{prefix}traits.{}`", p.name),
        };
        self.err(
            RuleErrorKind::UnknownProperty,
            format!(
                "unknown {} property `{}`; {hint}",
                schema.kind(),
                p_name(p, true)
            ),
            e,
        )
    }

    fn comparison(&mut self, op: BinOp, a: &Expr, b: &Expr, e: &Expr) -> (Node, Ty) {
        let (an, at) = self.val(a);
        let (bn, bt) = self.val(b);
        let (an, at) = date_hint(a, an, at, &bt);
        let (bn, bt) = date_hint(b, bn, bt, &at);
        if at == Ty::Null || bt == Ty::Null {
            if matches!(op, BinOp::Eq | BinOp::Ne) {
                let other = if at == Ty::Null { b } else { a };
                let word = if op == BinOp::Eq {
                    "is not set"
                } else {
                    "is set"
                };
                return self.type_err(
                    format!(
                        "comparing with null is always false; write `{} {word}`",
                        snippet(other)
                    ),
                    e,
                );
            }
            return self.type_err(
                format!(
                    "`{}` with null is always false; test presence with `is set`",
                    op.symbol()
                ),
                e,
            );
        }
        let cmp = |op| (Node::Cmp(op, bx(an.clone()), bx(bn.clone())), Ty::Bool);
        match op {
            BinOp::Eq | BinOp::Ne => {
                if !at.comparable(&bt) {
                    return self.type_err(
                        format!(
                            "`{}` is {} and `{}` is {}: they are never equal",
                            snippet(a),
                            at.name(),
                            snippet(b),
                            bt.name()
                        ),
                        e,
                    );
                }
                self.check_enum(a, b);
                self.check_enum(b, a);
                cmp(if op == BinOp::Eq {
                    CmpOp::Eq
                } else {
                    CmpOp::Ne
                })
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                if !at.orderable(&bt) {
                    return self.type_err(
                        format!(
                            "`{}` needs two numbers, two texts or two dates; `{}` is {} and `{}` is {}",
                            op.symbol(),
                            snippet(a),
                            at.name(),
                            snippet(b),
                            bt.name()
                        ),
                        e,
                    );
                }
                cmp(match op {
                    BinOp::Lt => CmpOp::Lt,
                    BinOp::Le => CmpOp::Le,
                    BinOp::Gt => CmpOp::Gt,
                    _ => CmpOp::Ge,
                })
            }
            BinOp::In | BinOp::NotIn | BinOp::Contains => {
                let (needle, nt, ne, hay, ht, he) = if op == BinOp::Contains {
                    (bn, &bt, b, an, &at, a)
                } else {
                    (an, &at, a, bn, &bt, b)
                };
                let ok = match ht {
                    Ty::List(elem) => elem.comparable(nt),
                    Ty::Str => matches!(nt, Ty::Str) || nt.is_open(),
                    t => t.is_open(),
                };
                if !ok {
                    let what = match ht {
                        Ty::List(_) | Ty::Str => {
                            format!("cannot hold `{}` ({})", snippet(ne), nt.name())
                        }
                        _ => "needs a list or text".to_owned(),
                    };
                    return self.type_err(
                        format!(
                            "`{}` {what}; `{}` is {}",
                            op.symbol(),
                            snippet(he),
                            ht.name()
                        ),
                        e,
                    );
                }
                if op != BinOp::Contains {
                    self.check_enum(ne, he);
                }
                let negated = op == BinOp::NotIn;
                if let Node::Const(Value::List(items)) = &hay
                    && !items.is_empty()
                    && items.iter().all(|i| matches!(i, Value::String(_)))
                {
                    let items = items
                        .iter()
                        .map(|i| i.as_str().unwrap_or_default().into())
                        .collect();
                    return (
                        Node::InStrs {
                            needle: bx(needle),
                            items,
                            negated,
                        },
                        Ty::Bool,
                    );
                }
                (
                    Node::In {
                        needle: bx(needle),
                        hay: bx(hay),
                        negated,
                    },
                    Ty::Bool,
                )
            }
            _ => {
                for (x, t) in [(a, &at), (b, &bt)] {
                    if !(*t == Ty::Str || t.is_open()) {
                        return self.type_err(
                            format!(
                                "`{}` needs text on both sides; `{}` is {}",
                                op.symbol(),
                                snippet(x),
                                t.name()
                            ),
                            x,
                        );
                    }
                }
                let node = if op == BinOp::StartsWith {
                    Node::StartsWith(bx(an), bx(bn))
                } else {
                    Node::EndsWith(bx(an), bx(bn))
                };
                (node, Ty::Bool)
            }
        }
    }

    /// `lifecycle_stage = "actve"` can never hold: say so, with the options.
    fn check_enum(&mut self, prop: &Expr, other: &Expr) {
        let ExprKind::Prop(p) = &prop.kind else {
            return;
        };
        if p.is_trait {
            return;
        }
        let schema = match p.scope {
            Scope::Record => Some(self.ctx.schema()),
            Scope::Account => self.ctx.account_schema(),
        };
        let Some(options) = schema
            .and_then(|s| s.property_type(&p.name))
            .and_then(enum_options)
        else {
            return;
        };
        let literals: Vec<&Expr> = match &other.kind {
            ExprKind::Lit(Lit::Str(_)) => vec![other],
            ExprKind::List(items) => items.iter().collect(),
            _ => return,
        };
        for lit in literals {
            if let ExprKind::Lit(Lit::Str(s)) = &lit.kind
                && !options.iter().any(|o| **o == *s)
            {
                let list: Vec<String> = options.iter().map(|o| format!("\"{o}\"")).collect();
                let hint = closest(s, options.iter().map(|o| &**o))
                    .map_or(String::new(), |c| format!("did you mean \"{c}\"? "));
                self.type_err(
                    format!(
                        "`{}` is never \"{s}\"; {hint}its values are {}",
                        p_name(p, true),
                        list.join(", ")
                    ),
                    lit,
                );
            }
        }
    }

    fn call(&mut self, f: Func, args: &[Expr], e: &Expr) -> (Node, Ty) {
        let arity = |min: usize, max: usize| args.len() >= min && args.len() <= max;
        let bad_arity = |l: &mut Self, expect: &str| {
            l.type_err(
                format!("`{}` takes {expect}, not {}", f.name(), args.len()),
                e,
            )
        };
        match f {
            Func::If => {
                if args.len() < 2 {
                    return bad_arity(self, "a condition and a value (`if(cond, then, else)`)");
                }
                let mut nodes = Vec::with_capacity(args.len());
                let mut ty = Ty::Null;
                for (i, a) in args.iter().enumerate() {
                    let is_cond = i % 2 == 0 && i + 1 < args.len();
                    if is_cond {
                        nodes.push(self.cond(a, "`if`"));
                    } else {
                        let (n, t) = self.val(a);
                        ty = ty.unify(&t);
                        nodes.push(n);
                    }
                }
                (
                    Node::If(nodes.into()),
                    if ty == Ty::Null { Ty::Any } else { ty },
                )
            }
            Func::Min | Func::Max => {
                if args.is_empty() {
                    return bad_arity(self, "at least one number");
                }
                let nodes: Vec<Node> = args.iter().map(|a| self.number(a, f.name())).collect();
                (
                    Node::MinMax {
                        max: f == Func::Max,
                        args: nodes.into(),
                    },
                    Ty::Num,
                )
            }
            Func::Cat => {
                let nodes: Vec<Node> = args.iter().map(|a| self.val(a).0).collect();
                (Node::Cat(nodes.into()), Ty::Str)
            }
            Func::Substr => {
                if !arity(2, 3) {
                    return bad_arity(self, "text, a start and an optional length");
                }
                let mut nodes = vec![self.val(&args[0]).0];
                nodes.extend(args[1..].iter().map(|a| self.number(a, "substr")));
                (Node::Substr(nodes.into()), Ty::Str)
            }
            Func::Truthy => {
                if !arity(1, 1) {
                    return bad_arity(self, "one value");
                }
                let (n, t) = self.val(&args[0]);
                // A bool is its own truthiness; keep the cheaper node.
                let node = if t == Ty::Bool {
                    n
                } else {
                    Node::Truthy(bx(n))
                };
                (node, Ty::Bool)
            }
            Func::Missing | Func::MissingSome => {
                let (need, keys) = if f == Func::MissingSome {
                    let need = match args.first().map(|a| &a.kind) {
                        Some(ExprKind::Lit(Lit::Num(n)))
                            if n.fract().is_zero() && !n.is_sign_negative() =>
                        {
                            n.to_usize()
                        }
                        _ => None,
                    };
                    let Some(need) = need else {
                        return bad_arity(
                            self,
                            "a whole number first, then properties (`missing_some(1, a, b)`)",
                        );
                    };
                    (Some(need), &args[1..])
                } else {
                    (None, args)
                };
                if keys.is_empty() {
                    return bad_arity(self, "at least one property");
                }
                let mut nodes = Vec::with_capacity(keys.len());
                for k in keys {
                    let ExprKind::Prop(p) = &k.kind else {
                        self.type_err(
                            format!(
                                "`{}` takes properties; `{}` is not one",
                                f.name(),
                                snippet(k)
                            ),
                            k,
                        );
                        continue;
                    };
                    let (n, _) = self.prop(p, k);
                    nodes.push((n, p_name(p, true).into_boxed_str()));
                }
                let need = need.unwrap_or(nodes.len());
                (
                    Node::Missing {
                        need,
                        keys: nodes.into(),
                    },
                    Ty::List(Box::new(Ty::Str)),
                )
            }
        }
    }
}

/// A text literal shaped like a date, compared with a date property, is that date
/// (JsonLogic query builders export dates as text).
fn date_hint(e: &Expr, n: Node, t: Ty, other: &Ty) -> (Node, Ty) {
    if t == Ty::Str
        && matches!(other, Ty::Date | Ty::DateTime)
        && let ExprKind::Lit(Lit::Str(s)) = &e.kind
    {
        if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            return (Node::Const(Value::Date(d)), Ty::Date);
        }
        if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
            return (Node::Const(Value::DateTime(t.to_utc())), Ty::DateTime);
        }
    }
    (n, t)
}

/// The name as written in a rule: `plan`, `account.plan`, `traits.role`.
pub(crate) fn p_name(p: &PropRef, with_scope: bool) -> String {
    let mut s = String::new();
    if with_scope && p.scope == Scope::Account {
        s.push_str("account.");
    }
    if p.is_trait {
        s.push_str("traits.");
    }
    s.push_str(&p.name);
    s
}
