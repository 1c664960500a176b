//! The syntax tree shared by the text parser, the printer and the JsonLogic importer.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

/// A node of the tree with its source span. Equality ignores spans (and the cached
/// depth), so a rule parsed from its printed form equals the original.
#[derive(Debug, Clone)]
pub(crate) struct Expr {
    pub(crate) kind: ExprKind,
    /// Byte range in the source the node was parsed from.
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// Height of the subtree, cached so depth limits never need a recursive walk.
    pub(crate) depth: u32,
}

impl PartialEq for Expr {
    fn eq(&self, other: &Expr) -> bool {
        self.kind == other.kind
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ExprKind {
    Lit(Lit),
    List(Vec<Expr>),
    Prop(PropRef),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    /// n-ary so long `a or b or c …` chains stay shallow.
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    IsSet(Box<Expr>, bool),
    Between(Box<Expr>, Box<Expr>, Box<Expr>),
    Within(Box<Expr>, u32),
    Before(Box<Expr>, u32),
    Call(Func, Vec<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Lit {
    Null,
    Bool(bool),
    Num(Decimal),
    Str(String),
    Date(NaiveDate),
    DateTime(DateTime<Utc>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    Record,
    Account,
}

/// `name`, `account.name`, `traits.name` or `account.traits.name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PropRef {
    pub(crate) scope: Scope,
    pub(crate) is_trait: bool,
    pub(crate) name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    Contains,
    StartsWith,
    EndsWith,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl BinOp {
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            BinOp::Eq => "=",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::In => "in",
            BinOp::NotIn => "not in",
            BinOp::Contains => "contains",
            BinOp::StartsWith => "starts_with",
            BinOp::EndsWith => "ends_with",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
        }
    }

    pub(crate) fn is_arithmetic(self) -> bool {
        matches!(
            self,
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem
        )
    }
}

/// Functions of the text syntax; most exist so JsonLogic has a text form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Func {
    If,
    Min,
    Max,
    Cat,
    Substr,
    Truthy,
    Missing,
    MissingSome,
}

impl Func {
    pub(crate) const ALL: [Func; 8] = [
        Func::If,
        Func::Min,
        Func::Max,
        Func::Cat,
        Func::Substr,
        Func::Truthy,
        Func::Missing,
        Func::MissingSome,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Func::If => "if",
            Func::Min => "min",
            Func::Max => "max",
            Func::Cat => "cat",
            Func::Substr => "substr",
            Func::Truthy => "truthy",
            Func::Missing => "missing",
            Func::MissingSome => "missing_some",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Func> {
        Func::ALL.into_iter().find(|f| f.name() == name)
    }
}

impl Expr {
    /// Builds a node, computing its depth from its children.
    pub(crate) fn new(kind: ExprKind, start: usize, end: usize) -> Expr {
        let child_depth = kind.children().map(|c| c.depth).max().unwrap_or(0);
        Expr {
            kind,
            start,
            end,
            depth: child_depth.saturating_add(1),
        }
    }

    #[cfg(feature = "json")]
    pub(crate) fn lit(lit: Lit) -> Expr {
        Expr::new(ExprKind::Lit(lit), 0, 0)
    }

    #[cfg(any(feature = "json", test))]
    pub(crate) fn spanned(kind: ExprKind) -> Expr {
        Expr::new(kind, 0, 0)
    }
}

impl ExprKind {
    pub(crate) fn children(&self) -> Box<dyn Iterator<Item = &Expr> + '_> {
        match self {
            ExprKind::Lit(_) | ExprKind::Prop(_) => Box::new(std::iter::empty()),
            ExprKind::List(v) | ExprKind::And(v) | ExprKind::Or(v) | ExprKind::Call(_, v) => {
                Box::new(v.iter())
            }
            ExprKind::Not(a)
            | ExprKind::Neg(a)
            | ExprKind::IsSet(a, _)
            | ExprKind::Within(a, _)
            | ExprKind::Before(a, _) => Box::new(std::iter::once(&**a)),
            ExprKind::Binary(_, a, b) => Box::new([&**a, &**b].into_iter()),
            ExprKind::Between(a, b, c) => Box::new([&**a, &**b, &**c].into_iter()),
        }
    }
}

/// Words the parser treats as operators; a property with such a name is written in
/// backticks.
pub(crate) const KEYWORDS: [&str; 14] = [
    "and",
    "or",
    "not",
    "in",
    "contains",
    "starts_with",
    "ends_with",
    "is",
    "between",
    "within",
    "before",
    "true",
    "false",
    "null",
];

pub(crate) fn is_plain_ident(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
