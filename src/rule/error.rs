//! Rule errors: what went wrong, where, and how to fix it.

use std::fmt;

/// A region of a rule's source text.
///
/// `start`/`end` are byte offsets (end exclusive); `line` and `column` are 1-based
/// and count characters, so they match what an editor shows.
///
/// ```
/// use pulsecheck::rule::Rule;
///
/// let err = Rule::parse("a < 1 and\n  b >").unwrap_err();
/// let span = err.iter().next().unwrap().span();
/// assert_eq!((span.line(), span.column()), (2, 6));
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub struct Span {
    line: u32,
    column: u32,
    start: usize,
    end: usize,
}

impl Span {
    /// The span of the bytes `start..end` of `source` (offsets are clamped to the text).
    pub fn locate(source: &str, start: usize, end: usize) -> Span {
        let start = floor_char_boundary(source, start.min(source.len()));
        let end = floor_char_boundary(source, end.clamp(start, source.len()));
        let before = &source[..start];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = source[line_start..start].chars().count() + 1;
        Span {
            line: saturate(line),
            column: saturate(column),
            start,
            end,
        }
    }

    /// 1-based line.
    pub fn line(&self) -> u32 {
        self.line
    }

    /// 1-based column, in characters.
    pub fn column(&self) -> u32 {
        self.column
    }

    /// Byte offset of the first byte.
    pub fn start(&self) -> usize {
        self.start
    }

    /// Byte offset just past the last byte.
    pub fn end(&self) -> usize {
        self.end
    }
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// What kind of mistake a [`RuleError`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RuleErrorKind {
    /// The text is not a well-formed rule (unexpected token, bad literal…).
    Syntax,
    /// The rule is longer than the configured limit.
    TooLong,
    /// The rule nests deeper than the configured limit.
    TooDeep,
    /// The rule names a property the record kind does not have.
    UnknownProperty,
    /// The rule reads a property this kind of rule may not read.
    ForbiddenProperty,
    /// Operand types do not fit the operator.
    Type,
    /// A JsonLogic operator this crate does not import.
    UnsupportedJsonLogic,
    /// JsonLogic that is malformed (wrong argument count or shape).
    InvalidJsonLogic,
    /// A segment or action definition is invalid (too many segments, empty name…).
    Definition,
}

/// One mistake in a rule, with its location and a caret excerpt of the source.
///
/// `Display` renders a compiler-style message:
///
/// ```
/// use std::sync::Arc;
/// use pulsecheck::{PropertyType, RecordKind, Schema};
/// use pulsecheck::rule::{Rule, RuleContext};
///
/// let schema = Arc::new(Schema::new(RecordKind::User).with("engagement_score", PropertyType::Int));
/// let errors = Rule::parse("engagment_score < 25").unwrap()
///     .compile(&RuleContext::new(schema)).unwrap_err();
/// let text = errors.to_string();
/// assert!(text.contains("did you mean `engagement_score`?"));
/// assert!(text.contains("1 | engagment_score < 25"));
/// assert!(text.contains("  | ^^^^^^^^^^^^^^^"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.render())]
pub struct RuleError {
    kind: RuleErrorKind,
    message: String,
    span: Span,
    line_text: String,
    origin: Option<String>,
}

impl RuleError {
    /// An error about the bytes `start..end` of `source`.
    pub fn new(
        kind: RuleErrorKind,
        message: impl Into<String>,
        source: &str,
        start: usize,
        end: usize,
    ) -> RuleError {
        let span = Span::locate(source, start, end);
        let line_start = source[..span.start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[span.start..]
            .find('\n')
            .map_or(source.len(), |i| span.start + i);
        RuleError {
            kind,
            message: message.into(),
            span,
            line_text: source[line_start..line_end]
                .trim_end_matches('\r')
                .to_owned(),
            origin: None,
        }
    }

    /// An error that is not about any text (e.g. a definition with too many segments).
    pub fn without_source(kind: RuleErrorKind, message: impl Into<String>) -> RuleError {
        RuleError {
            kind,
            message: message.into(),
            span: Span::default(),
            line_text: String::new(),
            origin: None,
        }
    }

    /// The same error, saying which definition it came from (e.g. ``segment `at_risk` (enter)``).
    #[must_use]
    pub fn with_origin(mut self, origin: impl Into<String>) -> RuleError {
        self.origin = Some(origin.into());
        self
    }

    /// What kind of mistake.
    pub fn kind(&self) -> RuleErrorKind {
        self.kind
    }

    /// The message, without location or excerpt.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Where in the rule text.
    pub fn span(&self) -> Span {
        self.span
    }

    /// Which segment or action the rule belongs to, when compiled as part of a set.
    pub fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }

    fn render(&self) -> String {
        let mut out = String::new();
        if let Some(origin) = &self.origin {
            out.push_str(origin);
            out.push_str(": ");
        }
        out.push_str(&self.message);
        if self.line_text.is_empty() && self.span == Span::default() {
            return out;
        }
        let line_no = self.span.line.to_string();
        let pad = " ".repeat(line_no.len());
        let col = self.span.column as usize;
        let width = count_chars_in(&self.line_text, col, self.span.end - self.span.start).max(1);
        out.push_str(&format!(
            "\n{pad}--> line {}, column {}\n{pad} |\n{line_no} | {}\n{pad} | {}{}",
            self.span.line,
            self.span.column,
            self.line_text,
            " ".repeat(col.saturating_sub(1)),
            "^".repeat(width)
        ));
        out
    }
}

fn byte_of_col(line: &str, col: usize) -> usize {
    line.char_indices()
        .nth(col.saturating_sub(1))
        .map_or(line.len(), |(i, _)| i)
}

/// Characters covered by `bytes` bytes starting at column `col` (stopping at the line end).
fn count_chars_in(line: &str, col: usize, bytes: usize) -> usize {
    let from = byte_of_col(line, col);
    let mut n = 0;
    for (i, _) in line[from..].char_indices() {
        if i >= bytes {
            break;
        }
        n += 1;
    }
    n
}

impl fmt::Display for RuleErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("\n\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// Every error found in a rule (or a whole set of rules), reported together.
///
/// ```
/// use std::sync::Arc;
/// use pulsecheck::{PropertyType, RecordKind, Schema};
/// use pulsecheck::rule::{Rule, RuleContext};
///
/// let schema = Arc::new(Schema::new(RecordKind::User)
///     .with("email", PropertyType::String)
///     .with("engagement_score", PropertyType::Int));
/// let errors = Rule::parse("email > 3 and score < 2").unwrap()
///     .compile(&RuleContext::new(schema)).unwrap_err();
/// assert_eq!(errors.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct RuleErrors {
    errors: Vec<RuleError>,
}

impl RuleErrors {
    /// Wraps a list of errors.
    pub fn new(errors: Vec<RuleError>) -> RuleErrors {
        RuleErrors { errors }
    }

    /// How many errors.
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// Whether there are none (never the case for a returned error).
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The errors, in source order per rule.
    pub fn iter(&self) -> std::slice::Iter<'_, RuleError> {
        self.errors.iter()
    }

    /// The errors as a vector.
    pub fn into_vec(self) -> Vec<RuleError> {
        self.errors
    }

    /// The same errors, each saying which definition it came from.
    #[must_use]
    pub fn with_origin(self, origin: &str) -> RuleErrors {
        RuleErrors {
            errors: self
                .errors
                .into_iter()
                .map(|e| e.with_origin(origin))
                .collect(),
        }
    }
}

impl From<RuleError> for RuleErrors {
    fn from(e: RuleError) -> RuleErrors {
        RuleErrors { errors: vec![e] }
    }
}

impl IntoIterator for RuleErrors {
    type Item = RuleError;
    type IntoIter = std::vec::IntoIter<RuleError>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.into_iter()
    }
}

impl<'a> IntoIterator for &'a RuleErrors {
    type Item = &'a RuleError;
    type IntoIter = std::slice::Iter<'a, RuleError>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.iter()
    }
}
