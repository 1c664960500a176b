//! The compiled form: a tree of nodes with property names resolved to schema
//! indexes, evaluated without allocation.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::sync::Arc;

use chrono::Datelike;

use super::context::EvalInput;
use super::stack;
use super::value_ops::{
    ArOp, Str, Val, arith_vals, as_i64, cmp_num, cmp_vals, contains, day_of, eq_vals, negate,
    num_of, push_text, substr, truthy,
};
use crate::record::Record;
use crate::schema::Schema;
use crate::value::Value;

static NULL: Value = Value::Null;

/// A schema property resolved at compile time; the name is kept for records built
/// on a different schema layout.
#[derive(Debug, Clone)]
pub(crate) struct Slot {
    pub(crate) idx: usize,
    pub(crate) name: Arc<str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone)]
pub(crate) enum Node {
    Const(Value),
    Prop(Slot),
    AcctProp(Slot),
    Trait(Box<str>),
    AcctTrait(Box<str>),
    List(Box<[Node]>),
    Not(Box<Node>),
    And(Box<[Node]>),
    Or(Box<[Node]>),
    /// JsonLogic truthiness of any value.
    Truthy(Box<Node>),
    /// A value of unknown type in a condition: only `true` holds.
    AsBool(Box<Node>),
    Cmp(CmpOp, Box<Node>, Box<Node>),
    In {
        needle: Box<Node>,
        hay: Box<Node>,
        negated: bool,
    },
    /// `x in ["a", "b"]` with a constant list of texts: compared as bytes.
    InStrs {
        needle: Box<Node>,
        items: Box<[Box<str>]>,
        negated: bool,
    },
    StartsWith(Box<Node>, Box<Node>),
    EndsWith(Box<Node>, Box<Node>),
    IsSet(Box<Node>, bool),
    Between(Box<Node>, Box<Node>, Box<Node>),
    Within(Box<Node>, i64),
    Before(Box<Node>, i64),
    Arith(ArOp, Box<Node>, Box<Node>),
    Neg(Box<Node>),
    If(Box<[Node]>),
    MinMax {
        max: bool,
        args: Box<[Node]>,
    },
    Cat(Box<[Node]>),
    Substr(Box<[Node]>),
    /// `missing` / `missing_some`: the names of the unset keys when fewer than `need`
    /// are set, else an empty list.
    Missing {
        need: usize,
        keys: Box<[(Node, Box<str>)]>,
    },
}

pub(crate) struct Cx<'a> {
    rec: &'a Record,
    acct: Option<&'a Record>,
    rec_by_name: bool,
    acct_by_name: bool,
    /// D as days from the common era, so relative-day tests are integer arithmetic.
    today: i64,
    offset: i32,
}

impl<'a> Cx<'a> {
    #[inline]
    fn prop(&self, s: &Slot) -> &'a Value {
        let v = if self.rec_by_name {
            self.rec.get(&s.name)
        } else {
            self.rec.value_at(s.idx)
        };
        v.unwrap_or(&NULL)
    }

    #[inline]
    fn acct_prop(&self, s: &Slot) -> &'a Value {
        let Some(acct) = self.acct else { return &NULL };
        let v = if self.acct_by_name {
            acct.get(&s.name)
        } else {
            acct.value_at(s.idx)
        };
        v.unwrap_or(&NULL)
    }
}

impl Node {
    pub(crate) fn truth(&self, cx: &Cx<'_>) -> bool {
        match self {
            Node::Not(a) => !a.truth(cx),
            Node::And(xs) => xs.iter().all(|x| x.truth(cx)),
            Node::Or(xs) => xs.iter().any(|x| x.truth(cx)),
            Node::Truthy(a) => truthy(&val_of(a, cx)),
            Node::AsBool(a) => matches!(val_of(a, cx), Val::Bool(true)),
            Node::Cmp(op, a, b) => compare(*op, &val_of(a, cx), &val_of(b, cx), cx.offset),
            Node::In {
                needle,
                hay,
                negated,
            } => {
                let n = val_of(needle, cx);
                if n.is_null() {
                    return false;
                }
                let found = if let Node::List(items) = &**hay {
                    // A list written in the rule with non-constant items: compare one by
                    // one instead of building it.
                    Some(items.iter().any(|item| {
                        let v = item.value(cx);
                        !v.is_null() && eq_vals(&n, &v, cx.offset)
                    }))
                } else {
                    contains(&val_of(hay, cx), &n, cx.offset)
                };
                found.is_some_and(|f| f != *negated)
            }
            Node::StartsWith(a, b) => match (a.value(cx), b.value(cx)) {
                (Val::Str(s), Val::Str(p)) => s.as_bytes().starts_with(p.as_bytes()),
                _ => false,
            },
            Node::EndsWith(a, b) => match (a.value(cx), b.value(cx)) {
                (Val::Str(s), Val::Str(p)) => s.as_bytes().ends_with(p.as_bytes()),
                _ => false,
            },
            Node::IsSet(a, negated) => val_of(a, cx).is_null() == *negated,
            Node::Between(x, lo, hi) => {
                let x = val_of(x, cx);
                compare(CmpOp::Ge, &x, &lo.value(cx), cx.offset)
                    && compare(CmpOp::Le, &x, &hi.value(cx), cx.offset)
            }
            Node::Within(x, n) => {
                day_number(&val_of(x, cx), cx.offset).is_some_and(|d| cx.today - d < *n)
            }
            Node::Before(x, n) => {
                day_number(&val_of(x, cx), cx.offset).is_some_and(|d| cx.today - d > *n)
            }
            Node::InStrs {
                needle,
                items,
                negated,
            } => match val_of(needle, cx) {
                Val::Str(s) => items.iter().any(|i| i.as_bytes() == s.as_bytes()) != *negated,
                Val::Null => false,
                // A non-text value is in no list of texts.
                _ => *negated,
            },
            _ => matches!(self.value(cx), Val::Bool(true)),
        }
    }

    fn is_condition(&self) -> bool {
        matches!(
            self,
            Node::Not(_)
                | Node::And(_)
                | Node::Or(_)
                | Node::Truthy(_)
                | Node::AsBool(_)
                | Node::Cmp(..)
                | Node::In { .. }
                | Node::InStrs { .. }
                | Node::StartsWith(..)
                | Node::EndsWith(..)
                | Node::IsSet(..)
                | Node::Between(..)
                | Node::Within(..)
                | Node::Before(..)
        )
    }

    pub(crate) fn value<'a>(&'a self, cx: &Cx<'a>) -> Val<'a> {
        match self {
            Node::Const(v) => Val::of(v),
            Node::Prop(s) => Val::of(cx.prop(s)),
            Node::AcctProp(s) => Val::of(cx.acct_prop(s)),
            Node::Trait(name) => cx.rec.trait_value(name).map_or(Val::Null, Val::of),
            Node::AcctTrait(name) => cx
                .acct
                .and_then(|a| a.trait_value(name))
                .map_or(Val::Null, Val::of),
            Node::Arith(op, a, b) => arith_vals(*op, &a.value(cx), &b.value(cx)),
            Node::Neg(a) => negate(&a.value(cx)),
            Node::If(args) => {
                let mut chunks = args.chunks_exact(2);
                for pair in chunks.by_ref() {
                    if pair[0].truth(cx) {
                        return pair[1].value(cx);
                    }
                }
                chunks
                    .remainder()
                    .first()
                    .map_or(Val::Null, |e| e.value(cx))
            }
            Node::MinMax { max, args } => {
                let mut best = None;
                for a in args.iter() {
                    let Some(n) = num_of(&a.value(cx)) else {
                        return Val::Null;
                    };
                    best = match best {
                        None => Some(n),
                        Some(b) => {
                            let better = match cmp_num(n, b) {
                                Some(Ordering::Greater) => *max,
                                Some(Ordering::Less) => !*max,
                                _ => false,
                            };
                            Some(if better { n } else { b })
                        }
                    };
                }
                best.map_or(Val::Null, |n| n.into_val())
            }
            Node::Cat(args) => {
                let mut out = String::new();
                for a in args.iter() {
                    push_text(&mut out, &a.value(cx));
                }
                Val::Str(Str::Owned(out))
            }
            Node::Substr(args) => {
                let (Some(s), Some(start)) = (args.first(), args.get(1)) else {
                    return Val::Null;
                };
                let s = s.value(cx);
                let mut text = String::new();
                push_text(&mut text, &s);
                let Some(start) = as_i64(&start.value(cx)) else {
                    return Val::Null;
                };
                let len = match args.get(2) {
                    Some(l) => match as_i64(&l.value(cx)) {
                        Some(l) => Some(l),
                        None => return Val::Null,
                    },
                    None => None,
                };
                Val::Str(Str::Owned(substr(&text, start, len)))
            }
            Node::Missing { need, keys } => {
                let set = keys.iter().filter(|(k, _)| !k.value(cx).is_null()).count();
                if set >= *need {
                    return Val::List(Cow::Owned(Vec::new()));
                }
                let missing = keys
                    .iter()
                    .filter(|(k, _)| k.value(cx).is_null())
                    .map(|(_, name)| Value::from(&**name))
                    .collect();
                Val::List(Cow::Owned(missing))
            }
            Node::List(items) => Val::List(Cow::Owned(
                items.iter().map(|i| to_value(i.value(cx))).collect(),
            )),
            n if n.is_condition() => Val::Bool(self.truth(cx)),
            _ => Val::Null,
        }
    }
}

/// Reads leaves in place: most operands are a property or a constant, and this
/// saves a call into the big `value` match for each.
#[inline(always)]
fn val_of<'a>(n: &'a Node, cx: &Cx<'a>) -> Val<'a> {
    match n {
        Node::Prop(s) => Val::of(cx.prop(s)),
        Node::Const(v) => Val::of(v),
        Node::AcctProp(s) => Val::of(cx.acct_prop(s)),
        _ => n.value(cx),
    }
}

/// Days from the common era of a date-like value, in the offset.
#[inline]
fn day_number(v: &Val<'_>, offset_minutes: i32) -> Option<i64> {
    match v {
        Val::Date(d) => Some(i64::from(d.num_days_from_ce())),
        // 719_163 is 1970-01-01 counted from the common era.
        Val::DateTime(t) => {
            Some((t.timestamp() + i64::from(offset_minutes) * 60).div_euclid(86_400) + 719_163)
        }
        other => day_of(other, offset_minutes).map(|d| i64::from(d.num_days_from_ce())),
    }
}

fn to_value(v: Val<'_>) -> Value {
    match v {
        Val::Null | Val::Other => Value::Null,
        Val::Bool(b) => Value::Bool(b),
        Val::Int(i) => Value::Int(i),
        Val::Dec(d) => Value::Decimal(d),
        Val::Float(f) => Value::Number(f),
        Val::Str(Str::Text(t)) => Value::String(t.clone()),
        Val::Str(Str::Owned(s)) => Value::from(s),
        Val::Date(d) => Value::Date(d),
        Val::DateTime(t) => Value::DateTime(t),
        Val::List(items) => Value::List(items.into_owned()),
    }
}

/// Any comparison with a null operand is false, `!=` included.
#[inline]
fn compare(op: CmpOp, a: &Val<'_>, b: &Val<'_>, offset: i32) -> bool {
    if let (Val::Int(x), Val::Int(y)) = (a, b) {
        return match op {
            CmpOp::Eq => x == y,
            CmpOp::Ne => x != y,
            CmpOp::Lt => x < y,
            CmpOp::Le => x <= y,
            CmpOp::Gt => x > y,
            CmpOp::Ge => x >= y,
        };
    }
    if a.is_null() || b.is_null() {
        return false;
    }
    match op {
        CmpOp::Eq => eq_vals(a, b, offset),
        CmpOp::Ne => !eq_vals(a, b, offset),
        _ => match cmp_vals(a, b, offset) {
            Some(o) => match op {
                CmpOp::Lt => o == Ordering::Less,
                CmpOp::Le => o != Ordering::Greater,
                CmpOp::Gt => o == Ordering::Greater,
                _ => o != Ordering::Less,
            },
            None => false,
        },
    }
}

/// A rule checked against a [`RuleContext`](super::RuleContext) and ready to evaluate.
///
/// Property names were resolved to schema positions at compile time, so evaluating a
/// record is index lookups and comparisons: no allocation, no hashing. Records built
/// on the same `Arc<Schema>` (or one with the same property order) take that path;
/// any other record is read by property name (correct, slower).
///
/// Rule milestones (`{"name": "team", "rule": "active_users >= 3"}`) are just
/// compiled rules evaluated on the record as of D:
///
/// ```
/// use std::sync::Arc;
/// use chrono::NaiveDate;
/// use pulsecheck::{PropertyType, Record, RecordKind, Schema};
/// use pulsecheck::rule::{EvalInput, Rule, RuleContext};
///
/// let schema = Arc::new(Schema::new(RecordKind::Account)
///     .with("active_users", PropertyType::Int)
///     .with("activated", PropertyType::Bool));
/// // Milestone rules may not read the activation they feed.
/// let ctx = RuleContext::new(schema.clone()).forbid("activated");
/// let team = Rule::parse("active_users >= 3")?.compile(&ctx)?;
///
/// let mut acme = Record::new(schema, "acme");
/// acme.set("active_users", 4);
/// let day = NaiveDate::from_ymd_opt(2026, 10, 31).unwrap();
/// assert!(team.eval(&EvalInput::new(&acme, day)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct CompiledRule {
    root: Node,
    /// The height of the rule's tree (see [`stack`]).
    depth: u32,
    schema: Arc<Schema>,
    account: Option<Arc<Schema>>,
    source: Arc<str>,
}

// Cloning and dropping walk the whole tree, so they too make room on the stack
// first (see `stack`); the derived forms would not.
impl Clone for CompiledRule {
    fn clone(&self) -> CompiledRule {
        stack::with_room(self.depth, stack::BUILD_PER_LEVEL, || CompiledRule {
            root: self.root.clone(),
            depth: self.depth,
            schema: self.schema.clone(),
            account: self.account.clone(),
            source: self.source.clone(),
        })
    }
}

impl Drop for CompiledRule {
    fn drop(&mut self) {
        if self.depth > stack::SHALLOW {
            let root = std::mem::replace(&mut self.root, Node::Const(Value::Null));
            stack::with_room(self.depth, stack::BUILD_PER_LEVEL, || drop(root));
        }
    }
}

fn same_layout(a: &Arc<Schema>, b: &Arc<Schema>) -> bool {
    Arc::ptr_eq(a, b) || (a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x.0 == y.0))
}

impl CompiledRule {
    pub(crate) fn new(
        root: Node,
        depth: u32,
        schema: Arc<Schema>,
        account: Option<Arc<Schema>>,
        source: Arc<str>,
    ) -> Self {
        CompiledRule {
            root,
            depth,
            schema,
            account,
            source,
        }
    }

    /// Whether the rule holds for the record as of the input's day.
    pub fn eval(&self, input: &EvalInput<'_>) -> bool {
        let rec = input.record();
        let acct = input.account();
        let cx = Cx {
            rec,
            acct,
            rec_by_name: !same_layout(rec.schema(), &self.schema),
            acct_by_name: match (acct, &self.account) {
                (Some(a), Some(s)) => !same_layout(a.schema(), s),
                _ => true,
            },
            today: i64::from(input.today().num_days_from_ce()),
            offset: input.utc_offset_minutes(),
        };
        if self.depth <= stack::SHALLOW {
            return self.root.truth(&cx);
        }
        stack::with_room(self.depth, stack::EVAL_PER_LEVEL, || self.root.truth(&cx))
    }

    /// The canonical text of the rule.
    pub fn source(&self) -> &str {
        &self.source
    }
}
