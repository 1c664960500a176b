//! Canonical text: minimal parentheses, one space around operators, `=` for equality.
//! Parsing the output gives back an equal tree (see the round-trip property tests).

use std::fmt::{self, Write};

use chrono::SecondsFormat;

use super::ast::{BinOp, Expr, ExprKind, KEYWORDS, Lit, PropRef, Scope, is_plain_ident};

const OR: u8 = 1;
const AND: u8 = 2;
const NOT: u8 = 3;
const CMP: u8 = 4;
const ADD: u8 = 5;
const MUL: u8 = 6;
const NEG: u8 = 7;
const ATOM: u8 = 8;

fn precedence(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Or(_) => OR,
        ExprKind::And(_) => AND,
        ExprKind::Not(_) => NOT,
        ExprKind::Binary(op, ..) => match op {
            BinOp::Add | BinOp::Sub => ADD,
            BinOp::Mul | BinOp::Div | BinOp::Rem => MUL,
            _ => CMP,
        },
        ExprKind::IsSet(..)
        | ExprKind::Between(..)
        | ExprKind::Within(..)
        | ExprKind::Before(..) => CMP,
        ExprKind::Neg(_) => NEG,
        // A negative literal reads like a negation, so it binds like one.
        ExprKind::Lit(Lit::Num(n)) if n.is_sign_negative() && !n.is_zero() => NEG,
        _ => ATOM,
    }
}

pub(crate) fn write_expr(out: &mut impl Write, e: &Expr, min: u8) -> fmt::Result {
    let paren = precedence(e) < min;
    if paren {
        out.write_char('(')?;
    }
    match &e.kind {
        ExprKind::Lit(l) => write_lit(out, l)?,
        ExprKind::Prop(p) => write_prop(out, p)?,
        ExprKind::List(items) => {
            out.write_char('[')?;
            write_args(out, items)?;
            out.write_char(']')?;
        }
        ExprKind::Call(func, args) => {
            out.write_str(func.name())?;
            out.write_char('(')?;
            write_args(out, args)?;
            out.write_char(')')?;
        }
        ExprKind::Or(items) => write_joined(out, items, " or ", AND)?,
        ExprKind::And(items) => write_joined(out, items, " and ", NOT)?,
        ExprKind::Not(inner) => {
            out.write_str("not ")?;
            write_expr(out, inner, NOT)?;
        }
        ExprKind::Neg(inner) => {
            out.write_char('-')?;
            // `-5` would re-parse as a negative literal, not a negation of 5.
            let min = if matches!(inner.kind, ExprKind::Lit(Lit::Num(_))) {
                ATOM + 1
            } else {
                NEG
            };
            write_expr(out, inner, min)?;
        }
        ExprKind::Binary(op, l, r) => {
            let (lmin, rmin) = match precedence(e) {
                ADD => (ADD, MUL),
                MUL => (MUL, NEG),
                _ => (ADD, ADD),
            };
            write_expr(out, l, lmin)?;
            write!(out, " {} ", op.symbol())?;
            write_expr(out, r, rmin)?;
        }
        ExprKind::IsSet(inner, negated) => {
            write_expr(out, inner, ADD)?;
            out.write_str(if *negated { " is not set" } else { " is set" })?;
        }
        ExprKind::Between(x, lo, hi) => {
            write_expr(out, x, ADD)?;
            out.write_str(" between ")?;
            write_expr(out, lo, ADD)?;
            out.write_str(" and ")?;
            write_expr(out, hi, ADD)?;
        }
        ExprKind::Within(x, n) => {
            write_expr(out, x, ADD)?;
            write!(out, " within {n} {}", if *n == 1 { "day" } else { "days" })?;
        }
        ExprKind::Before(x, n) => {
            write_expr(out, x, ADD)?;
            write!(
                out,
                " before {n} {} ago",
                if *n == 1 { "day" } else { "days" }
            )?;
        }
    }
    if paren {
        out.write_char(')')?;
    }
    Ok(())
}

fn write_args(out: &mut impl Write, items: &[Expr]) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.write_str(", ")?;
        }
        write_expr(out, item, OR)?;
    }
    Ok(())
}

fn write_joined(out: &mut impl Write, items: &[Expr], sep: &str, min: u8) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.write_str(sep)?;
        }
        // A nested chain of the same operator keeps its parentheses so the n-ary
        // node shape survives a round trip.
        write_expr(out, item, min)?;
    }
    Ok(())
}

pub(crate) fn write_lit(out: &mut impl Write, l: &Lit) -> fmt::Result {
    match l {
        Lit::Null => out.write_str("null"),
        Lit::Bool(b) => write!(out, "{b}"),
        Lit::Num(n) => write!(out, "{n}"),
        Lit::Str(s) => write_string(out, s),
        Lit::Date(d) => write!(out, "{d}"),
        Lit::DateTime(t) => out.write_str(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
    }
}

/// Escapes `"` `\` and control characters; everything else is written as is.
pub(crate) fn write_string(out: &mut impl Write, s: &str) -> fmt::Result {
    out.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => out.write_str("\\\"")?,
            '\\' => out.write_str("\\\\")?,
            '\n' => out.write_str("\\n")?,
            '\t' => out.write_str("\\t")?,
            '\r' => out.write_str("\\r")?,
            c if c.is_control() => write!(out, "\\u{{{:x}}}", c as u32)?,
            c => out.write_char(c)?,
        }
    }
    out.write_char('"')
}

pub(crate) fn write_prop(out: &mut impl Write, p: &PropRef) -> fmt::Result {
    if p.scope == Scope::Account {
        out.write_str("account.")?;
    }
    if p.is_trait {
        out.write_str("traits.")?;
        // After a dot any word is a name, keywords included.
        return write_name(out, &p.name, !is_plain_ident(&p.name));
    }
    let needs_quotes = !is_plain_ident(&p.name)
        || KEYWORDS.contains(&p.name.as_str())
        || (p.scope == Scope::Record && (p.name == "account" || p.name == "traits"))
        || (p.scope == Scope::Account && p.name == "traits");
    write_name(out, &p.name, needs_quotes)
}

fn write_name(out: &mut impl Write, name: &str, quoted: bool) -> fmt::Result {
    if quoted {
        write!(out, "`{name}`")
    } else {
        out.write_str(name)
    }
}

/// A short rendering of an expression for error messages.
pub(crate) fn snippet(e: &Expr) -> String {
    let mut s = String::new();
    let _ = write_expr(&mut s, e, OR);
    if s.chars().count() > 40 {
        let cut: String = s.chars().take(37).collect();
        return format!("{cut}…");
    }
    s
}
