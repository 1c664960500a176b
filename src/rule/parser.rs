//! Recursive-descent parser with bounded recursion.
//!
//! Precedence, lowest first: `or`, `and`, `not`, comparisons (`= != < <= > >=`, `in`,
//! `not in`, `contains`, `starts_with`, `ends_with`, `is [not] set`, `between … and …`,
//! `within N days`, `before N days ago`), `+ -`, `* / %`, unary `-`, primary.

use super::ast::{BinOp, Expr, ExprKind, Func, Lit, PropRef, Scope};
use super::error::{RuleError, RuleErrorKind};
use super::lexer::{Tok, Token, tokenize};

/// Size limits that keep a hostile rule from exhausting memory or the stack.
///
/// ```
/// use pulsecheck::rule::{Rule, RuleLimits};
///
/// let strict = RuleLimits::default().with_max_depth(3);
/// assert!(Rule::parse_with("((a > 1))", &strict).is_ok());
/// assert!(Rule::parse_with("((((a > 1))))", &strict).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleLimits {
    max_len: usize,
    max_depth: u32,
}

impl Default for RuleLimits {
    /// 64 KiB of text, 64 levels of nesting.
    fn default() -> RuleLimits {
        RuleLimits {
            max_len: 64 * 1024,
            max_depth: 64,
        }
    }
}

impl RuleLimits {
    /// The longest rule accepted, in bytes.
    #[must_use]
    pub fn with_max_len(mut self, bytes: usize) -> RuleLimits {
        self.max_len = bytes;
        self
    }

    /// The deepest nesting accepted (parentheses, operators, lists, calls).
    #[must_use]
    pub fn with_max_depth(mut self, depth: u32) -> RuleLimits {
        self.max_depth = depth;
        self
    }

    /// The longest rule accepted, in bytes.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// The deepest nesting accepted.
    pub fn max_depth(&self) -> u32 {
        self.max_depth
    }
}

pub(crate) fn parse(src: &str, limits: &RuleLimits) -> Result<Expr, RuleError> {
    if src.len() > limits.max_len {
        return Err(RuleError::new(
            RuleErrorKind::TooLong,
            format!(
                "rule is {} bytes long, more than the limit of {} bytes; split it into several segments or raise the limit",
                src.len(),
                limits.max_len
            ),
            src,
            0,
            0,
        ));
    }
    let tokens = tokenize(src)?;
    let mut p = Parser {
        src,
        tokens,
        pos: 0,
        depth: 0,
        limits: *limits,
    };
    if p.peek() == &Tok::Eof {
        return Err(p.err(
            "the rule is empty; write a condition such as `engagement_score < 25`",
            0,
            0,
        ));
    }
    let e = p.expr()?;
    match p.peek() {
        Tok::Eof => Ok(e),
        _ => {
            let t = p.tokens[p.pos].clone();
            Err(p.err(
                format!(
                    "unexpected {} after a complete condition; join conditions with `and` / `or`",
                    describe(&t.tok)
                ),
                t.start,
                t.end,
            ))
        }
    }
}

struct Parser<'s> {
    src: &'s str,
    tokens: Vec<Token>,
    pos: usize,
    depth: u32,
    limits: RuleLimits,
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Ident(s) => format!("`{s}`"),
        Tok::Quoted(s) => format!("`{s}`"),
        Tok::Str(_) => "a string".into(),
        Tok::Num(n) => format!("`{n}`"),
        Tok::Date(_) | Tok::DateTime(_) => "a date".into(),
        Tok::Eof => "the end of the rule".into(),
        Tok::LParen => "`(`".into(),
        Tok::RParen => "`)`".into(),
        Tok::LBracket => "`[`".into(),
        Tok::RBracket => "`]`".into(),
        Tok::Comma => "`,`".into(),
        Tok::Dot => "`.`".into(),
        Tok::Eq => "`=`".into(),
        Tok::Ne => "`!=`".into(),
        Tok::Lt => "`<`".into(),
        Tok::Le => "`<=`".into(),
        Tok::Gt => "`>`".into(),
        Tok::Ge => "`>=`".into(),
        Tok::Plus => "`+`".into(),
        Tok::Minus => "`-`".into(),
        Tok::Star => "`*`".into(),
        Tok::Slash => "`/`".into(),
        Tok::Percent => "`%`".into(),
    }
}

impl Parser<'_> {
    fn err(&self, msg: impl Into<String>, start: usize, end: usize) -> RuleError {
        RuleError::new(RuleErrorKind::Syntax, msg, self.src, start, end)
    }

    fn peek(&self) -> &Tok {
        // The token list always ends with Eof and `pos` never passes it.
        &self.tokens[self.pos.min(self.tokens.len() - 1)].tok
    }

    fn peek2(&self) -> &Tok {
        &self.tokens[(self.pos + 1).min(self.tokens.len() - 1)].tok
    }

    fn bump(&mut self) -> Token {
        let t = self.tokens[self.pos.min(self.tokens.len() - 1)].clone();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        t
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Tok::Ident(s) if s == kw)
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        let hit = self.is_kw(kw);
        if hit {
            self.bump();
        }
        hit
    }

    fn expect_kw(&mut self, kw: &str, why: &str) -> Result<(), RuleError> {
        if self.eat_kw(kw) {
            return Ok(());
        }
        let t = self.tokens[self.pos].clone();
        Err(self.err(
            format!("expected `{kw}` {why}, found {}", describe(&t.tok)),
            t.start,
            t.end,
        ))
    }

    fn expect(&mut self, tok: Tok, what: &str) -> Result<Token, RuleError> {
        if *self.peek() == tok {
            return Ok(self.bump());
        }
        let t = self.tokens[self.pos].clone();
        Err(self.err(
            format!("expected {what}, found {}", describe(&t.tok)),
            t.start,
            t.end,
        ))
    }

    /// Every recursive descent passes through here, so the stack stays bounded.
    fn enter(&mut self) -> Result<(), RuleError> {
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            let t = &self.tokens[self.pos];
            return Err(RuleError::new(
                RuleErrorKind::TooDeep,
                format!(
                    "the rule nests more than {} levels deep; flatten it (e.g. fewer parentheses)",
                    self.limits.max_depth
                ),
                self.src,
                t.start,
                t.end,
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn node(&self, kind: ExprKind, start: usize, end: usize) -> Result<Expr, RuleError> {
        let e = Expr::new(kind, start, end);
        if e.depth > self.limits.max_depth {
            return Err(RuleError::new(
                RuleErrorKind::TooDeep,
                format!(
                    "the rule nests more than {} levels deep; split long arithmetic or use fewer parentheses",
                    self.limits.max_depth
                ),
                self.src,
                start,
                end,
            ));
        }
        Ok(e)
    }

    fn expr(&mut self) -> Result<Expr, RuleError> {
        self.enter()?;
        let r = self.or();
        self.leave();
        r
    }

    fn or(&mut self) -> Result<Expr, RuleError> {
        let first = self.and()?;
        if !self.is_kw("or") {
            return Ok(first);
        }
        let start = first.start;
        let mut items = vec![first];
        while self.eat_kw("or") {
            items.push(self.and()?);
        }
        let end = items.last().map_or(start, |e| e.end);
        self.node(ExprKind::Or(items), start, end)
    }

    fn and(&mut self) -> Result<Expr, RuleError> {
        let first = self.not()?;
        if !self.is_kw("and") {
            return Ok(first);
        }
        let start = first.start;
        let mut items = vec![first];
        while self.eat_kw("and") {
            items.push(self.not()?);
        }
        let end = items.last().map_or(start, |e| e.end);
        self.node(ExprKind::And(items), start, end)
    }

    fn not(&mut self) -> Result<Expr, RuleError> {
        if self.is_kw("not") {
            let t = self.bump();
            self.enter()?;
            let inner = self.not();
            self.leave();
            let inner = inner?;
            let end = inner.end;
            return self.node(ExprKind::Not(Box::new(inner)), t.start, end);
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, RuleError> {
        let left = self.additive()?;
        let start = left.start;
        let op = match self.peek() {
            Tok::Eq => Some(BinOp::Eq),
            Tok::Ne => Some(BinOp::Ne),
            Tok::Lt => Some(BinOp::Lt),
            Tok::Le => Some(BinOp::Le),
            Tok::Gt => Some(BinOp::Gt),
            Tok::Ge => Some(BinOp::Ge),
            Tok::Ident(s) => match s.as_str() {
                "in" => Some(BinOp::In),
                "contains" => Some(BinOp::Contains),
                "starts_with" => Some(BinOp::StartsWith),
                "ends_with" => Some(BinOp::EndsWith),
                "not" if matches!(self.peek2(), Tok::Ident(s) if s == "in") => Some(BinOp::NotIn),
                _ => None,
            },
            _ => None,
        };
        let result = if let Some(op) = op {
            self.bump();
            if op == BinOp::NotIn {
                self.bump();
            }
            let right = self.additive()?;
            let end = right.end;
            self.node(
                ExprKind::Binary(op, Box::new(left), Box::new(right)),
                start,
                end,
            )?
        } else if self.eat_kw("is") {
            let negated = self.eat_kw("not");
            let t = self.expect(
                Tok::Ident("set".into()),
                "`set` (as in `is set` / `is not set`)",
            )?;
            self.node(ExprKind::IsSet(Box::new(left), negated), start, t.end)?
        } else if self.eat_kw("between") {
            let lo = self.additive()?;
            self.expect_kw("and", "in `between … and …`")?;
            let hi = self.additive()?;
            let end = hi.end;
            self.node(
                ExprKind::Between(Box::new(left), Box::new(lo), Box::new(hi)),
                start,
                end,
            )?
        } else if self.eat_kw("within") {
            let n = self.day_count()?;
            let end = self.days_word()?;
            self.node(ExprKind::Within(Box::new(left), n), start, end)?
        } else if self.eat_kw("before") {
            let n = self.day_count()?;
            self.days_word()?;
            let t = self.expect(
                Tok::Ident("ago".into()),
                "`ago` (as in `before 30 days ago`)",
            )?;
            self.node(ExprKind::Before(Box::new(left), n), start, t.end)?
        } else {
            return Ok(left);
        };
        if let Some(t) = self.chained_comparison() {
            return Err(self.err(
                "comparisons do not chain; join them with `and` (e.g. `a < b and b < c`) or use `between`",
                t.start,
                t.end,
            ));
        }
        Ok(result)
    }

    fn chained_comparison(&self) -> Option<Token> {
        let t = &self.tokens[self.pos];
        let chained = match &t.tok {
            Tok::Eq | Tok::Ne | Tok::Lt | Tok::Le | Tok::Gt | Tok::Ge => true,
            Tok::Ident(s) => matches!(
                s.as_str(),
                "in" | "contains"
                    | "starts_with"
                    | "ends_with"
                    | "is"
                    | "between"
                    | "within"
                    | "before"
            ),
            _ => false,
        };
        chained.then(|| t.clone())
    }

    fn day_count(&mut self) -> Result<u32, RuleError> {
        let t = self.bump();
        if let Tok::Num(n) = &t.tok
            && n.fract().is_zero()
            && let Ok(v) = u32::try_from(n.mantissa() / 10i128.pow(n.scale()))
            && v <= 1_000_000
        {
            return Ok(v);
        }
        Err(self.err(
            format!(
                "expected a whole number of days (0 to 1000000), found {}",
                describe(&t.tok)
            ),
            t.start,
            t.end,
        ))
    }

    fn days_word(&mut self) -> Result<usize, RuleError> {
        if self.is_kw("days") || self.is_kw("day") {
            return Ok(self.bump().end);
        }
        let t = self.tokens[self.pos].clone();
        Err(self.err(
            format!("expected `days`, found {}", describe(&t.tok)),
            t.start,
            t.end,
        ))
    }

    fn additive(&mut self) -> Result<Expr, RuleError> {
        let mut left = self.multiplicative()?;
        loop {
            let op = match self.peek() {
                Tok::Plus => BinOp::Add,
                Tok::Minus => BinOp::Sub,
                _ => return Ok(left),
            };
            self.bump();
            let right = self.multiplicative()?;
            let (start, end) = (left.start, right.end);
            left = self.node(
                ExprKind::Binary(op, Box::new(left), Box::new(right)),
                start,
                end,
            )?;
        }
    }

    fn multiplicative(&mut self) -> Result<Expr, RuleError> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek() {
                Tok::Star => BinOp::Mul,
                Tok::Slash => BinOp::Div,
                Tok::Percent => BinOp::Rem,
                _ => return Ok(left),
            };
            self.bump();
            let right = self.unary()?;
            let (start, end) = (left.start, right.end);
            left = self.node(
                ExprKind::Binary(op, Box::new(left), Box::new(right)),
                start,
                end,
            )?;
        }
    }

    fn unary(&mut self) -> Result<Expr, RuleError> {
        if *self.peek() != Tok::Minus {
            return self.primary();
        }
        let t = self.bump();
        // `-5` is a negative literal; `-(5)` and `-x` are negations. The printer relies
        // on this to round-trip both forms.
        if let Tok::Num(n) = self.peek().clone() {
            let nt = self.bump();
            return self.node(ExprKind::Lit(Lit::Num(-n)), t.start, nt.end);
        }
        self.enter()?;
        let inner = self.unary();
        self.leave();
        let inner = inner?;
        let end = inner.end;
        self.node(ExprKind::Neg(Box::new(inner)), t.start, end)
    }

    fn primary(&mut self) -> Result<Expr, RuleError> {
        let t = self.bump();
        let lit = |p: &Self, l: Lit| p.node(ExprKind::Lit(l), t.start, t.end);
        match t.tok.clone() {
            Tok::Num(n) => lit(self, Lit::Num(n)),
            Tok::Str(s) => lit(self, Lit::Str(s)),
            Tok::Date(d) => lit(self, Lit::Date(d)),
            Tok::DateTime(d) => lit(self, Lit::DateTime(d)),
            Tok::LParen => {
                let mut inner = self.expr()?;
                let close = self.expect(Tok::RParen, "`)`")?;
                // Parentheses widen the span so errors point at what the user wrote.
                inner.start = t.start;
                inner.end = close.end;
                Ok(inner)
            }
            Tok::LBracket => {
                let items = self.list_items(Tok::RBracket, "`]` or `,`")?;
                let end = self.tokens[self.pos - 1].end;
                self.node(ExprKind::List(items), t.start, end)
            }
            Tok::Ident(word) => match word.as_str() {
                "true" => lit(self, Lit::Bool(true)),
                "false" => lit(self, Lit::Bool(false)),
                "null" => lit(self, Lit::Null),
                _ if *self.peek() == Tok::LParen => self.call(&word, &t),
                w if super::ast::KEYWORDS.contains(&w) => Err(self.err(
                    format!("expected a value or property, found the keyword `{w}` (write `` `{w}` `` for a property of that name)"),
                    t.start,
                    t.end,
                )),
                _ => self.path(word, false, &t),
            },
            Tok::Quoted(word) => self.path(word, true, &t),
            other => Err(self.err(
                format!("expected a value or property, found {}", describe(&other)),
                t.start,
                t.end,
            )),
        }
    }

    fn list_items(&mut self, close: Tok, what: &str) -> Result<Vec<Expr>, RuleError> {
        let mut items = Vec::new();
        if *self.peek() == close {
            self.bump();
            return Ok(items);
        }
        loop {
            items.push(self.expr()?);
            if *self.peek() == Tok::Comma {
                self.bump();
                // A trailing comma is fine.
                if *self.peek() == close {
                    self.bump();
                    return Ok(items);
                }
                continue;
            }
            self.expect(close.clone(), what)?;
            return Ok(items);
        }
    }

    fn call(&mut self, name: &str, t: &Token) -> Result<Expr, RuleError> {
        let Some(func) = Func::from_name(name) else {
            let names: Vec<&str> = Func::ALL.iter().map(|f| f.name()).collect();
            return Err(self.err(
                format!(
                    "unknown function `{name}`; functions are {}",
                    names.join(", ")
                ),
                t.start,
                t.end,
            ));
        };
        self.bump();
        let args = self.list_items(Tok::RParen, "`)` or `,`")?;
        let end = self.tokens[self.pos - 1].end;
        self.node(ExprKind::Call(func, args), t.start, end)
    }

    fn path(&mut self, first: String, quoted: bool, t: &Token) -> Result<Expr, RuleError> {
        let mut parts = vec![(first, quoted)];
        let mut end = t.end;
        while *self.peek() == Tok::Dot {
            self.bump();
            let seg = self.bump();
            match seg.tok {
                Tok::Ident(s) => parts.push((s, false)),
                Tok::Quoted(s) => parts.push((s, true)),
                other => {
                    return Err(self.err(
                        format!("expected a name after `.`, found {}", describe(&other)),
                        seg.start,
                        seg.end,
                    ));
                }
            }
            end = seg.end;
        }
        let word = |i: usize, w: &str| parts.get(i).is_some_and(|(s, q)| !q && s == w);
        let (scope, rest) = if word(0, "account") {
            (Scope::Account, 1)
        } else {
            (Scope::Record, 0)
        };
        let (is_trait, rest) = if word(rest, "traits") {
            (true, rest + 1)
        } else {
            (false, rest)
        };
        let full: Vec<&str> = parts.iter().map(|(s, _)| s.as_str()).collect();
        match parts.len() - rest {
            1 => {
                let name = parts.swap_remove(rest).0;
                self.node(ExprKind::Prop(PropRef { scope, is_trait, name }), t.start, end)
            }
            0 => Err(self.err(
                format!("`{}` needs a property name after it, e.g. `{}.plan`", full.join("."), full.join(".")),
                t.start,
                end,
            )),
            _ => Err(self.err(
                format!(
                    "`{}` is not a property: only `account.<name>`, `traits.<name>` and `account.traits.<name>` have dots (quote odd names with backticks)",
                    full.join(".")
                ),
                t.start,
                end,
            )),
        }
    }
}
