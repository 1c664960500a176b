//! Turns rule text into tokens.
//!
//! Dates are recognised by shape (`2026-01-31`, no spaces), so arithmetic on bare
//! numbers needs spaces around `-` (`2026 - 1`), which the printer always emits.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::error::{RuleError, RuleErrorKind};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// A bare word: identifier or keyword.
    Ident(String),
    /// A `` `quoted` `` identifier, never a keyword.
    Quoted(String),
    Str(String),
    Num(Decimal),
    Date(NaiveDate),
    DateTime(DateTime<Utc>),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Eof,
}

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

pub(crate) fn tokenize(src: &str) -> Result<Vec<Token>, RuleError> {
    let mut lx = Lexer {
        src,
        bytes: src.as_bytes(),
        pos: 0,
    };
    let mut out = Vec::new();
    loop {
        let t = lx.next()?;
        let eof = t.tok == Tok::Eof;
        out.push(t);
        if eof {
            return Ok(out);
        }
    }
}

struct Lexer<'s> {
    src: &'s str,
    bytes: &'s [u8],
    pos: usize,
}

impl Lexer<'_> {
    fn err(&self, msg: impl Into<String>, start: usize, end: usize) -> RuleError {
        RuleError::new(RuleErrorKind::Syntax, msg, self.src, start, end)
    }

    fn peek_at(&self, i: usize) -> u8 {
        self.bytes.get(i).copied().unwrap_or(0)
    }

    fn next(&mut self) -> Result<Token, RuleError> {
        while self.pos < self.bytes.len() && self.bytes[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
        let start = self.pos;
        let Some(&c) = self.bytes.get(start) else {
            return Ok(Token {
                tok: Tok::Eof,
                start,
                end: start,
            });
        };
        let two = |lx: &mut Self, t: Tok| {
            lx.pos += 2;
            Ok(Token {
                tok: t,
                start,
                end: start + 2,
            })
        };
        let one = |lx: &mut Self, t: Tok| {
            lx.pos += 1;
            Ok(Token {
                tok: t,
                start,
                end: start + 1,
            })
        };
        let next = self.peek_at(start + 1);
        match c {
            b'(' => one(self, Tok::LParen),
            b')' => one(self, Tok::RParen),
            b'[' => one(self, Tok::LBracket),
            b']' => one(self, Tok::RBracket),
            b',' => one(self, Tok::Comma),
            b'.' => one(self, Tok::Dot),
            b'+' => one(self, Tok::Plus),
            b'-' => one(self, Tok::Minus),
            b'*' => one(self, Tok::Star),
            b'/' => one(self, Tok::Slash),
            b'%' => one(self, Tok::Percent),
            b'=' if next == b'=' => two(self, Tok::Eq),
            b'=' => one(self, Tok::Eq),
            b'!' if next == b'=' => two(self, Tok::Ne),
            b'<' if next == b'=' => two(self, Tok::Le),
            b'<' if next == b'>' => {
                Err(self.err("`<>` is not an operator; write `!=`", start, start + 2))
            }
            b'<' => one(self, Tok::Lt),
            b'>' if next == b'=' => two(self, Tok::Ge),
            b'>' => one(self, Tok::Gt),
            b'!' => Err(self.err(
                "`!` is not an operator; write `not` or `!=`",
                start,
                start + 1,
            )),
            b'&' | b'|' => Err(self.err(
                "`&`/`|` are not operators; write `and` / `or`",
                start,
                start + 1,
            )),
            b'\'' => Err(self.err("strings use double quotes: \"text\"", start, start + 1)),
            b'"' => self.string(),
            b'`' => self.quoted_ident(),
            b'0'..=b'9' => self.number_or_date(),
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while self.peek_at(self.pos).is_ascii_alphanumeric()
                    || self.peek_at(self.pos) == b'_'
                {
                    self.pos += 1;
                }
                Ok(Token {
                    tok: Tok::Ident(self.src[start..self.pos].to_owned()),
                    start,
                    end: self.pos,
                })
            }
            _ => {
                let ch = self.src[start..].chars().next().unwrap_or('?');
                Err(self.err(
                    format!("unexpected character `{ch}`"),
                    start,
                    start + ch.len_utf8(),
                ))
            }
        }
    }

    fn quoted_ident(&mut self) -> Result<Token, RuleError> {
        let start = self.pos;
        let body_start = start + 1;
        match self.src[body_start..].find(['`', '\n']) {
            Some(i) if self.bytes[body_start + i] == b'`' && i > 0 => {
                self.pos = body_start + i + 1;
                let name = self.src[body_start..body_start + i].to_owned();
                Ok(Token {
                    tok: Tok::Quoted(name),
                    start,
                    end: self.pos,
                })
            }
            Some(0) => Err(self.err("empty `` ` `` name", start, start + 2)),
            _ => Err(self.err(
                "unterminated `` ` `` name; close it with a backtick on the same line",
                start,
                start + 1,
            )),
        }
    }

    fn string(&mut self) -> Result<Token, RuleError> {
        let start = self.pos;
        let mut out = String::new();
        let mut chars = self.src[start + 1..].char_indices();
        while let Some((i, ch)) = chars.next() {
            let at = start + 1 + i;
            match ch {
                '"' => {
                    self.pos = at + 1;
                    return Ok(Token {
                        tok: Tok::Str(out),
                        start,
                        end: self.pos,
                    });
                }
                '\\' => {
                    let Some((_, esc)) = chars.next() else { break };
                    match esc {
                        '"' => out.push('"'),
                        '\\' => out.push('\\'),
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        'u' => {
                            let rest = &self.src[at + 2..];
                            let close = rest.find('}');
                            let code = match (rest.strip_prefix('{'), close) {
                                (Some(_), Some(close))
                                    if (2..=7).contains(&close)
                                        && rest[1..close]
                                            .bytes()
                                            .all(|b| b.is_ascii_hexdigit()) =>
                                {
                                    u32::from_str_radix(&rest[1..close], 16)
                                        .ok()
                                        .and_then(char::from_u32)
                                        .map(|c| (c, close))
                                }
                                _ => None,
                            };
                            let Some((c, close)) = code else {
                                return Err(self.err(
                                    "bad unicode escape; write `\\u{…}` with 1 to 6 hex digits, e.g. `\\u{e9}`",
                                    at,
                                    at + 2,
                                ));
                            };
                            out.push(c);
                            // Skip `{hex}`; the iterator is on the byte after `u`.
                            for _ in 0..=close {
                                chars.next();
                            }
                        }
                        other => {
                            return Err(self.err(
                                format!("unknown escape `\\{other}`; use \\\" \\\\ \\n \\t \\r or \\u{{…}}"),
                                at,
                                at + 1 + other.len_utf8(),
                            ));
                        }
                    }
                }
                c => out.push(c),
            }
        }
        Err(self.err("unterminated string; close it with `\"`", start, start + 1))
    }

    fn digits(&mut self) -> usize {
        let from = self.pos;
        while self.peek_at(self.pos).is_ascii_digit() {
            self.pos += 1;
        }
        self.pos - from
    }

    fn number_or_date(&mut self) -> Result<Token, RuleError> {
        let start = self.pos;
        let int_len = self.digits();
        if int_len == 4
            && self.peek_at(self.pos) == b'-'
            && self.peek_at(self.pos + 1).is_ascii_digit()
        {
            return self.date(start);
        }
        if self.peek_at(self.pos) == b'.' && self.peek_at(self.pos + 1).is_ascii_digit() {
            self.pos += 1;
            self.digits();
        }
        if self.peek_at(self.pos).is_ascii_alphabetic() || self.peek_at(self.pos) == b'_' {
            return Err(self.err(
                "a number must not run into a word; add a space",
                start,
                self.pos + 1,
            ));
        }
        let text = &self.src[start..self.pos];
        let n = Decimal::from_str_exact(text).map_err(|_| {
            self.err(
                format!("number `{text}` is out of range (at most 28 significant digits)"),
                start,
                self.pos,
            )
        })?;
        Ok(Token {
            tok: Tok::Num(n),
            start,
            end: self.pos,
        })
    }

    fn date(&mut self, start: usize) -> Result<Token, RuleError> {
        // YYYY-MM-DD, then optionally THH:MM[:SS[.fff]](Z|±HH:MM).
        self.pos += 1;
        self.digits();
        if self.peek_at(self.pos) == b'-' {
            self.pos += 1;
            self.digits();
        }
        let date_end = self.pos;
        if matches!(self.peek_at(self.pos), b'T' | b't') {
            self.pos += 1;
            while matches!(self.peek_at(self.pos), b'0'..=b'9' | b':' | b'.') {
                self.pos += 1;
            }
            match self.peek_at(self.pos) {
                b'Z' | b'z' => self.pos += 1,
                b'+' | b'-' => {
                    self.pos += 1;
                    while matches!(self.peek_at(self.pos), b'0'..=b'9' | b':') {
                        self.pos += 1;
                    }
                }
                _ => {
                    return Err(self.err(
                        "a datetime needs a time zone: end it with `Z` (UTC) or an offset like `+02:00`",
                        start,
                        self.pos,
                    ));
                }
            }
            let text = &self.src[start..self.pos];
            return DateTime::parse_from_rfc3339(text)
                .map(|t| Token {
                    tok: Tok::DateTime(t.with_timezone(&Utc)),
                    start,
                    end: self.pos,
                })
                .map_err(|_| {
                    self.err(
                        format!(
                            "`{text}` is not a valid datetime; write e.g. 2026-01-01T10:00:00Z"
                        ),
                        start,
                        self.pos,
                    )
                });
        }
        let text = &self.src[start..date_end];
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .filter(|_| text.len() == 10)
            .map(|d| Token { tok: Tok::Date(d), start, end: date_end })
            .ok_or_else(|| {
                self.err(
                    format!("`{text}` is not a valid date; write YYYY-MM-DD (for subtraction put spaces around `-`)"),
                    start,
                    date_end,
                )
            })
    }
}
