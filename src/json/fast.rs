//! The fast path of [`Engine::ingest_json`](crate::Engine::ingest_json) for activity
//! calls (`track`, `page`, `screen`): one pass over the line's bytes that borrows
//! what the engine reads and skips the rest, with no owned [`Call`](crate::Call).
//!
//! # Why it can be trusted
//!
//! The reader is deliberately narrow. It answers `Some` only for a line that the
//! full path ([`Call::from_json`](crate::Call::from_json) + `check_limits` +
//! [`Engine::ingest`](crate::Engine::ingest)) would accept, and then with exactly the
//! view the full path would build. For everything else (any JSON or type error, a
//! duplicate field, an identify / group / alias call, any limit exceeded, a lone
//! surrogate, a key written with escapes, nesting deeper than it cares to follow, a
//! number that might overflow an `f64`) it answers `None`, and the caller parses the
//! line again with the full path, which names the rejection. So a rejection is never
//! produced here: it is found cheaply, then described by the one code that always
//! described it. Where the reader is stricter than serde_json (lone surrogates, very
//! deep ignored values, huge exponents) the line merely takes the slow path.
//!
//! What the full path checks, and how this reader matches it:
//!
//! - JSON syntax of the whole line, ignored fields included: strings (no raw control
//!   characters, valid escapes), numbers (RFC 8259 grammar), literals, nesting, and
//!   nothing but whitespace after the object.
//! - serde's struct rules: a known field twice (aliases included: `userId` and
//!   `user_id`) is an error; `null` is an absent field; an id is a string or an
//!   unsigned integer (a negative or fractional id takes the slow path); `context`,
//!   `context.device` and `context.os` are objects (serde would also take arrays:
//!   slow path).
//! - `properties` and `traits` are read in full by the full path, so their numbers
//!   must fit an `f64` (`1e400` is `non_finite_number`) and their nesting must fit
//!   serde_json's recursion limit; `properties` is also held to `limits` (count, key
//!   and text lengths, list length, depth). Lengths are measured on the raw text,
//!   which is never shorter than the decoded text, so a pass here is a pass there.
//! - The total call size of `check_limits` never exceeds the line length (see
//!   [`Limits`]), which the caller has already checked.
//! - Lines of 2 GiB or more (spans are 32-bit) take the slow path.
//!
//! Where the two paths may differ, they differ only in speed: a line the reader
//! hands back is read again, and a few lines the full path accepts are among them:
//! an escaped key, a lone surrogate in an ignored string, an ignored value nested
//! more than 64 deep, a finite number whose integer digits plus exponent pass 308
//! (`1.5e308`), a `properties` map whose repeated keys push the raw count over the
//! limit, a text whose escapes push its raw length over the limit.
//!
//! # Why it is fast
//!
//! - A line of up to 1 KiB without backslashes or control characters (nearly all of
//!   them) is first indexed: the positions of its quotes, found 64 bytes at a time
//!   by loops the compiler vectorizes. In such a line every quote opens or closes
//!   a string, so the walk takes each string's end from the index instead of
//!   searching for it, which would put a load and a search on the walk's critical
//!   path for every string. Longer lines, and lines with escapes, are searched
//!   eight bytes at a time instead.
//! - Nothing is copied, and nothing allocated but a string that holds escapes and
//!   a usage value that is text or a list: fields are spans of the line, skipped
//!   values are only checked, and the usage values go into a scratch buffer reused
//!   from line to line ([`Picked`]), which also remembers the last timestamp hour it
//!   validated ([`HourCache`]).

use std::borrow::Cow;
use std::num::NonZeroU64;

use crate::config::Limits;
use crate::config::compiled::UsageSpec;
use crate::value::Value;

/// The kind of an activity call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ActivityKind {
    /// `track`.
    Track,
    /// `page`.
    Page,
    /// `screen`.
    Screen,
}

/// An activity call as the fast reader found it: what the engine's `CallRef` view
/// needs, borrowed from the line (owned only where the JSON used escapes).
#[derive(Debug)]
pub(crate) struct JsonActivity<'a> {
    pub kind: ActivityKind,
    /// The timestamp, in UTC milliseconds.
    pub ms: i64,
    pub user_id: Option<Cow<'a, str>>,
    pub anonymous_id: Option<Cow<'a, str>>,
    pub message_id: Option<Cow<'a, str>>,
    /// The `track` event name, or the `page` / `screen` name (`""` when absent), as
    /// the typed call holds it.
    pub event: Cow<'a, str>,
    /// `context.groupId`.
    pub group_id: Option<Cow<'a, str>>,
    /// `context.device.type`.
    pub device_type: Option<Cow<'a, str>>,
}

/// The values of the usage metrics' properties found in one line, by metric index:
/// what `PropertiesRef::ByUsage` reads. Meant to be reused from line to line (see
/// `Engine::ingest_json`): once it has grown to the number of usage metrics,
/// picking allocates nothing (but a text value's own `String`).
pub(crate) struct Picked {
    values: Vec<Option<Value>>,
    /// One past the highest index set since the last [`clear`](Self::clear).
    len: usize,
    /// Kept here because this is the state the fast path carries between lines.
    hour: HourCache,
}

impl Picked {
    /// An empty set (no allocation).
    pub(crate) const fn new() -> Picked {
        Picked {
            values: Vec::new(),
            len: 0,
            hour: HourCache::new(),
        }
    }

    /// Records the value of metric `metric` of `metrics`. A later entry for the same
    /// property replaces an earlier one, as a map built from the JSON would.
    fn set(&mut self, metric: usize, metrics: usize, value: Value) {
        if self.values.len() < metrics {
            self.values.resize_with(metrics, || None);
        }
        self.values[metric] = Some(value);
        self.len = self.len.max(metric + 1);
    }

    /// The values by metric index; shorter than the metric list when the last
    /// metrics were not found (a missing index reads as absent).
    pub(crate) fn as_slice(&self) -> &[Option<Value>] {
        &self.values[..self.len]
    }

    /// Forgets (drops) the values picked since the last call.
    pub(crate) fn clear(&mut self) {
        for value in &mut self.values[..self.len] {
            *value = None;
        }
        self.len = 0;
    }
}

/// Reads an activity line, or `None` when the full path must decide (see the
/// module docs). `usage` is the compiled usage metrics; their properties' values go
/// into `picked`.
pub(crate) fn read_activity<'a>(
    line: &'a str,
    usage: &[UsageSpec],
    limits: &Limits,
    picked: &mut Picked,
) -> Option<JsonActivity<'a>> {
    if line.len() >= ESCAPED as usize {
        // Too long for a `Span`; far over any sensible `max_call_bytes` anyway.
        return None;
    }
    let mut scanner = Scanner::unindexed(line);
    scanner.quotes.index(line.as_bytes());
    let mut raw = RawLine::default();
    scanner.call(usage, limits, picked, &mut raw)?;
    let text = |span: Span| scanner.decode(span);
    // Other calls (and missing, escaped or unknown types) take the full path.
    let kind = raw.kind.filter(|k| !k.escaped())?;
    let kind = match scanner.raw(kind) {
        b"track" => ActivityKind::Track,
        b"page" => ActivityKind::Page,
        b"screen" => ActivityKind::Screen,
        _ => return None,
    };
    let timestamp = raw.timestamp.or(raw.original_timestamp)?;
    let ms = match timestamp.escaped() {
        false => parse_timestamp_ms(scanner.raw(timestamp), &mut picked.hour),
        true => None,
    }
    .or_else(|| super::parse_timestamp(&text(timestamp)?).map(|t| t.timestamp_millis()))?;
    let id_limit = limits.max_id_bytes();
    let name_limit = limits.max_name_bytes();
    // Ids: blank ones are absent; kept ones are held to the id limit.
    let id = |span: Option<Span>| -> Option<Option<Cow<'a, str>>> {
        let Some(span) = span else {
            return Some(None);
        };
        let s = text(span)?;
        if is_blank(&s) {
            Some(None)
        } else if s.len() > id_limit {
            None
        } else {
            Some(Some(s))
        }
    };
    let user_id = id(raw.user_id)?;
    let anonymous_id = id(raw.anonymous_id)?;
    if user_id.is_none() && anonymous_id.is_none() {
        return None;
    }
    let message_id = id(raw.message_id)?;
    let group_id = id(raw.context_group_id)?;
    let event = match kind {
        ActivityKind::Track => text(raw.event?)?,
        _ => match raw.name {
            Some(name) => text(name)?,
            None => Cow::Borrowed(""),
        },
    };
    if (kind == ActivityKind::Track && is_blank(&event)) || event.len() > name_limit {
        return None;
    }
    // Empty (not blank) device types and OS names are absent, as in the full path.
    let name = |span: Option<Span>| -> Option<Option<Cow<'a, str>>> {
        let Some(span) = span else {
            return Some(None);
        };
        let s = text(span)?;
        if s.is_empty() {
            Some(None)
        } else if s.len() > name_limit {
            None
        } else {
            Some(Some(s))
        }
    };
    let device_type = name(raw.device_type)?;
    // Read only to be held to the name limit.
    name(raw.os_name)?;
    Some(JsonActivity {
        kind,
        ms,
        user_id,
        anonymous_id,
        message_id,
        event,
        group_id,
        device_type,
    })
}

/// Whether `s` is empty or all whitespace (`str::trim`'s notion), answered from the
/// first byte when that is plainly not whitespace.
#[inline]
fn is_blank(s: &str) -> bool {
    match s.as_bytes().first() {
        None => true,
        Some(&b) if b.is_ascii() && !matches!(b, b'\t'..=b'\r' | b' ') => false,
        Some(_) => s.trim().is_empty(),
    }
}

/// Where a JSON string's text (between the quotes) lies in the line, and whether
/// it holds escapes (validated, without lone surrogates), packed in one word: the
/// start in the low half, the end and the flag in the high half. One word so that
/// it moves in a register: as two fields, the copies the compiler made of an
/// `Option` of it stalled on store forwarding. Never zero (a string's text starts
/// after its quote), so `Option<Span>` is one word too.
#[derive(Debug, Clone, Copy)]
struct Span(NonZeroU64);

/// The flag bit of a [`Span`]'s end (lines are checked to be shorter than 2 GiB).
const ESCAPED: u32 = 1 << 31;

impl Span {
    /// `None` only for a span starting at 0, which no string has.
    #[inline(always)]
    fn new(start: usize, end: usize, escaped: bool) -> Option<Span> {
        // Positions fit: `read_activity` refuses longer lines.
        let flag = if escaped { ESCAPED } else { 0 };
        let end = u64::from(end as u32 | flag);
        NonZeroU64::new(start as u64 | end << 32).map(Span)
    }

    #[inline(always)]
    fn escaped(self) -> bool {
        (self.0.get() >> 32) as u32 & ESCAPED != 0
    }

    #[inline(always)]
    fn range(self) -> std::ops::Range<usize> {
        let v = self.0.get();
        (v as u32) as usize..((v >> 32) as u32 & !ESCAPED) as usize
    }

    #[inline(always)]
    fn len(self) -> usize {
        self.range().len()
    }
}

/// The value of a JSON string whose text (between the quotes, already validated)
/// holds escapes.
fn unescape(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let b = rest.as_bytes();
        let (ch, used) = match b.get(i + 1)? {
            b'"' => ('"', 2),
            b'\\' => ('\\', 2),
            b'/' => ('/', 2),
            b'b' => ('\u{8}', 2),
            b'f' => ('\u{c}', 2),
            b'n' => ('\n', 2),
            b'r' => ('\r', 2),
            b't' => ('\t', 2),
            b'u' => {
                let hi = hex4(b.get(i + 2..i + 6)?)?;
                if (0xD800..0xDC00).contains(&hi) {
                    if b.get(i + 6..i + 8)? != b"\\u" {
                        return None;
                    }
                    let lo = hex4(b.get(i + 8..i + 12)?)?;
                    if !(0xDC00..0xE000).contains(&lo) {
                        return None;
                    }
                    let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                    (char::from_u32(c)?, 12)
                } else {
                    (char::from_u32(hi)?, 6)
                }
            }
            _ => return None,
        };
        out.push(ch);
        rest = &rest[i + used..];
    }
    out.push_str(rest);
    Some(out)
}

/// Four hex digits.
fn hex4(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |acc, &d| {
        let v = (d as char).to_digit(16)?;
        Some(acc << 4 | v)
    })
}

/// The fields of a line the fast path reads (`None`: absent or `null`); all
/// unchecked until [`read_activity`] checks them.
#[derive(Default)]
struct RawLine {
    kind: Option<Span>,
    user_id: Option<Span>,
    anonymous_id: Option<Span>,
    message_id: Option<Span>,
    event: Option<Span>,
    name: Option<Span>,
    timestamp: Option<Span>,
    original_timestamp: Option<Span>,
    context_group_id: Option<Span>,
    device_type: Option<Span>,
    os_name: Option<Span>,
}

/// Bounds on a value read in full by the full path (`properties` and `traits`
/// entries): lengths on its raw text, depth in nested lists / objects.
struct Bounds {
    text: usize,
    len: usize,
    depth: usize,
}

/// serde_json refuses more than 128 nested levels; the line's object and the
/// `properties` object take two. Deeper values (legal or not) take the slow path.
const MAX_READ_DEPTH: usize = 100;

/// Ignored values nested deeper than this take the slow path (serde_json skips
/// them at any depth; this reader recurses, so it stops early).
const MAX_SKIP_DEPTH: usize = 64;

/// Bits for the fields read once: serde refuses a known field given twice.
mod field {
    pub const TYPE: u32 = 1;
    pub const USER: u32 = 1 << 1;
    pub const ANONYMOUS: u32 = 1 << 2;
    pub const PREVIOUS: u32 = 1 << 3;
    pub const GROUP: u32 = 1 << 4;
    pub const EVENT: u32 = 1 << 5;
    pub const NAME: u32 = 1 << 6;
    pub const PROPERTIES: u32 = 1 << 7;
    pub const TRAITS: u32 = 1 << 8;
    pub const TIMESTAMP: u32 = 1 << 9;
    pub const ORIGINAL: u32 = 1 << 10;
    pub const MESSAGE: u32 = 1 << 11;
    pub const CONTEXT: u32 = 1 << 12;
}

/// Marks `bit` in `seen`; `None` when it was there already (a field given twice).
#[inline(always)]
fn once(seen: &mut u32, bit: u32) -> Option<()> {
    let first = *seen & bit == 0;
    *seen |= bit;
    first.then_some(())
}

/// Lines up to this long get a [`Quotes`] index.
const INDEXED: usize = 1024;

/// The positions of the quotes of a line that holds no backslash and no control
/// character, found before the walk in one pass over 8-byte words with no
/// dependency from one word to the next. In such a line every quote opens or
/// closes a string, so the walk takes each string's end from here instead of
/// searching for it: the search would sit on the walk's critical path (each
/// string's end decides where the next token starts), the index does not.
struct Quotes {
    /// One bit per byte of the line.
    words: [u64; INDEXED / 64],
    /// Whether the index is in use (a short line with no backslash or control byte).
    on: bool,
    /// The word being consumed, and the bits of it left.
    word: usize,
    bits: u64,
}

impl Quotes {
    /// Indexes `bytes` (in place: the index is too large to move around cheaply).
    fn index(&mut self, bytes: &[u8]) {
        if bytes.len() > INDEXED {
            return;
        }
        let mut odd = false;
        let blocks = bytes.chunks_exact(64);
        let rest = blocks.remainder();
        for (word, block) in self.words.iter_mut().zip(blocks) {
            let (quotes, o) = block_quotes(block.try_into().unwrap_or(&[0; 64]));
            *word = quotes;
            odd |= o;
        }
        if !rest.is_empty() {
            let (quotes, o) = match bytes.len().checked_sub(64) {
                // The last 64 bytes (overlapping the previous block), shifted so
                // that the first bit is the first byte after the full blocks.
                Some(start) => {
                    let block = bytes[start..].try_into().unwrap_or(&[0; 64]);
                    let (quotes, o) = block_quotes(block);
                    (quotes >> (64 - rest.len()), o)
                }
                None => {
                    // Padded with spaces: neither quotes nor control characters.
                    let mut last = [b' '; 64];
                    last[..rest.len()].copy_from_slice(rest);
                    block_quotes(&last)
                }
            };
            // A partial block exists only below `INDEXED`, so its word does too.
            self.words[(bytes.len() / 64).min(INDEXED / 64 - 1)] = quotes;
            odd |= o;
        }
        self.on = !odd;
        self.bits = self.words[0];
    }

    /// The position of the next quote.
    #[inline(always)]
    fn next(&mut self) -> Option<usize> {
        while self.bits == 0 {
            self.word += 1;
            self.bits = *self.words.get(self.word)?;
        }
        let at = self.word * 64 + self.bits.trailing_zeros() as usize;
        self.bits &= self.bits - 1;
        Some(at)
    }
}

/// The quotes of a 64-byte block, one bit per byte, and whether it holds a
/// backslash or a control character. Written as plain per-byte loops that the
/// compiler turns into vector compares (SSE2 on any x86-64); the quote flags are
/// then packed eight bytes at a time.
#[inline(always)]
fn block_quotes(block: &[u8; 64]) -> (u64, bool) {
    let mut is_quote = [0u8; 64];
    let mut odd = 0u8;
    for (flag, &b) in is_quote.iter_mut().zip(block) {
        *flag = u8::from(b == b'"');
        odd |= u8::from(b == b'\\') | u8::from(b < 0x20);
    }
    let mut quotes = 0u64;
    for (k, flags) in is_quote.chunks_exact(8).enumerate() {
        let flags = u64::from_le_bytes(flags.try_into().unwrap_or_default());
        quotes |= gather(flags << 7) << (8 * k);
    }
    (quotes, odd != 0)
}

/// The high bits of a word's bytes (bits 7, 15, …, 63) as eight low bits.
#[inline(always)]
fn gather(high_bits: u64) -> u64 {
    ((high_bits >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

/// A cursor over the line's bytes. Every method returns `None` to hand the line
/// to the full path.
struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    quotes: Quotes,
}

impl<'a> Scanner<'a> {
    /// A scanner not yet indexed: to be indexed where it lives (the index is too
    /// large to move around cheaply).
    #[inline(always)]
    fn unindexed(text: &'a str) -> Scanner<'a> {
        Scanner {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            quotes: Quotes {
                words: [0; INDEXED / 64],
                on: false,
                word: 0,
                bits: 0,
            },
        }
    }

    /// The raw bytes of a string.
    #[inline(always)]
    fn raw(&self, span: Span) -> &'a [u8] {
        &self.bytes[span.range()]
    }

    /// The value of a string: borrowed unless it holds escapes.
    fn decode(&self, span: Span) -> Option<Cow<'a, str>> {
        let raw = self.text.get(span.range())?;
        if span.escaped() {
            unescape(raw).map(Cow::Owned)
        } else {
            Some(Cow::Borrowed(raw))
        }
    }

    /// The next byte after whitespace (JSON's four whitespace bytes).
    #[inline(always)]
    fn peek(&mut self) -> Option<u8> {
        // Every JSON whitespace byte is at most a space: one compare in the
        // common case of no whitespace at all.
        match self.bytes.get(self.pos) {
            Some(&b) if b > b' ' => Some(b),
            _ => self.peek_after_whitespace(),
        }
    }

    fn peek_after_whitespace(&mut self) -> Option<u8> {
        while let Some(&b) = self.bytes.get(self.pos) {
            if !matches!(b, b' ' | b'\n' | b'\t' | b'\r') {
                return Some(b);
            }
            self.pos += 1;
        }
        None
    }

    #[inline(always)]
    fn eat(&mut self, byte: u8) -> Option<()> {
        if self.peek()? == byte {
            self.pos += 1;
            Some(())
        } else {
            None
        }
    }

    /// The whole line: one object, then only whitespace.
    fn call(
        &mut self,
        usage: &[UsageSpec],
        limits: &Limits,
        picked: &mut Picked,
        raw: &mut RawLine,
    ) -> Option<()> {
        let mut seen = 0u32;
        self.object(|s, key| {
            let (bit, slot) = match key {
                b"type" => (field::TYPE, &mut raw.kind),
                b"userId" | b"user_id" => (field::USER, &mut raw.user_id),
                b"anonymousId" | b"anonymous_id" => (field::ANONYMOUS, &mut raw.anonymous_id),
                b"messageId" | b"message_id" => (field::MESSAGE, &mut raw.message_id),
                b"event" => (field::EVENT, &mut raw.event),
                b"name" => (field::NAME, &mut raw.name),
                b"timestamp" => (field::TIMESTAMP, &mut raw.timestamp),
                b"originalTimestamp" | b"original_timestamp" => {
                    (field::ORIGINAL, &mut raw.original_timestamp)
                }
                b"previousId" | b"previous_id" | b"groupId" | b"group_id" => {
                    // Read by identify / group / alias only: type-checked here.
                    let bit = if key[0] == b'p' {
                        field::PREVIOUS
                    } else {
                        field::GROUP
                    };
                    once(&mut seen, bit)?;
                    return s.opt_id().map(drop);
                }
                b"properties" => {
                    once(&mut seen, field::PROPERTIES)?;
                    return s.properties(usage, limits, picked);
                }
                b"traits" => {
                    once(&mut seen, field::TRAITS)?;
                    return s.traits();
                }
                b"context" => {
                    once(&mut seen, field::CONTEXT)?;
                    return s.context(raw);
                }
                _ => return s.skip(0),
            };
            once(&mut seen, bit)?;
            // Ids may be numbers; the other fields read here are strings.
            *slot = if bit & (field::USER | field::ANONYMOUS | field::MESSAGE) != 0 {
                s.opt_id()?
            } else {
                s.opt_string()?
            };
            Some(())
        })?;
        if self.peek().is_some() {
            return None;
        }
        Some(())
    }

    /// `traits` of an activity: read in full by the full path and dropped, so only
    /// its shape, numbers and depth can make it fail.
    fn traits(&mut self) -> Option<()> {
        let unbounded = Bounds {
            text: usize::MAX,
            len: usize::MAX,
            depth: MAX_READ_DEPTH,
        };
        match self.peek()? {
            b'n' => self.literal(b"null"),
            b'{' => self.read_value(0, &unbounded),
            _ => None,
        }
    }

    /// `context`: `null`, or an object whose `groupId`, `device.type` and `os.name`
    /// are read.
    fn context(&mut self, raw: &mut RawLine) -> Option<()> {
        if self.peek()? == b'n' {
            return self.literal(b"null");
        }
        let mut seen = 0u32;
        self.object(|s, key| match key {
            b"groupId" | b"group_id" => {
                once(&mut seen, 1)?;
                raw.context_group_id = s.opt_id()?;
                Some(())
            }
            b"device" => {
                once(&mut seen, 2)?;
                raw.device_type = s.one_field(b"type")?;
                Some(())
            }
            b"os" => {
                once(&mut seen, 4)?;
                raw.os_name = s.one_field(b"name")?;
                Some(())
            }
            _ => s.skip(0),
        })
    }

    /// `null`, or an object of which only the string field `field` is read.
    fn one_field(&mut self, field: &[u8]) -> Option<Option<Span>> {
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            return Some(None);
        }
        let mut found = None;
        let mut seen = 0u32;
        self.object(|s, key| {
            if key == field {
                once(&mut seen, 1)?;
                found = s.opt_string()?;
                Some(())
            } else {
                s.skip(0)
            }
        })?;
        Some(found)
    }

    /// An object: `{`, then for each entry its key (which must hold no escapes: an
    /// escaped key could spell a known field) handed to `entry`, which reads the
    /// value; then `}`.
    #[inline(always)]
    fn object(&mut self, mut entry: impl FnMut(&mut Self, &'a [u8]) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.pos += 1;
            return Some(());
        }
        loop {
            let key = self.key()?;
            self.eat(b':')?;
            entry(self, key)?;
            match self.peek()? {
                b',' => self.pos += 1,
                b'}' => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// `properties`: `null`, or an object whose entries are held to the limits and
    /// whose usage properties are picked.
    fn properties(
        &mut self,
        usage: &[UsageSpec],
        limits: &Limits,
        picked: &mut Picked,
    ) -> Option<()> {
        if self.peek()? == b'n' {
            return self.literal(b"null");
        }
        let bounds = Bounds {
            text: limits.max_string_bytes(),
            len: limits.max_list_len(),
            depth: limits.max_value_depth().min(MAX_READ_DEPTH),
        };
        let (max_count, max_key) = (limits.max_properties(), limits.max_name_bytes());
        let mut count = 0usize;
        self.object(|s, key| {
            // Counted with repeats: never fewer than the full path's map holds.
            count += 1;
            if count > max_count || key.len() > max_key {
                return None;
            }
            s.peek()?;
            let start = s.pos;
            s.read_value(0, &bounds)?;
            for (metric, spec) in usage.iter().enumerate() {
                if spec.property.as_deref().map(str::as_bytes) == Some(key) {
                    let json = s.text.get(start..s.pos)?;
                    picked.set(metric, usage.len(), value_of(json)?);
                }
            }
            Some(())
        })
    }

    /// A string at the cursor (after whitespace).
    #[inline(always)]
    fn string(&mut self) -> Option<Span> {
        if self.quotes.on {
            // Every quote before the cursor was consumed by an earlier string (any
            // other token that holds a quote makes the walk give up), so the next
            // two quotes are this string's, once only whitespace leads to the
            // first: no need to look at the bytes.
            let open = self.quotes.next()?;
            if open != self.pos && !self.whitespace_to(open) {
                return None;
            }
            let close = self.quotes.next()?;
            self.pos = close + 1;
            return Span::new(open + 1, close, false);
        }
        self.eat(b'"')?;
        self.search_string()
    }

    /// Whether only whitespace lies from the cursor to `end`.
    #[cold]
    fn whitespace_to(&self, end: usize) -> bool {
        self.bytes.get(self.pos..end).is_some_and(|gap| {
            gap.iter()
                .all(|b| matches!(b, b' ' | b'\n' | b'\t' | b'\r'))
        })
    }

    /// An object key: its bytes, which must hold no escapes (an escaped key could
    /// spell a known field).
    #[inline(always)]
    fn key(&mut self) -> Option<&'a [u8]> {
        let key = self.string()?;
        if key.escaped() {
            return None;
        }
        Some(self.raw(key))
    }

    /// A string without the index: its end searched for eight bytes at a time
    /// (the lowest flag of `special` is exact).
    fn search_string(&mut self) -> Option<Span> {
        let start = self.pos;
        let bytes = self.bytes;
        let mut i = start;
        let stop = loop {
            match bytes.get(i..i + 8) {
                Some(chunk) => {
                    let flags = special(u64::from_le_bytes(chunk.try_into().ok()?));
                    if flags == 0 {
                        i += 8;
                    } else {
                        i += (flags.trailing_zeros() / 8) as usize;
                        break bytes[i];
                    }
                }
                None => {
                    let b = *bytes.get(i)?;
                    if b == b'"' || b == b'\\' || b < 0x20 {
                        break b;
                    }
                    i += 1;
                }
            }
        };
        match stop {
            b'"' => {
                self.pos = i + 1;
                Span::new(start, i, false)
            }
            b'\\' => self.escaped_rest(start, i),
            _ => None,
        }
    }

    /// The rest of a string holding escapes, from the first backslash at `i`.
    #[cold]
    fn escaped_rest(&mut self, start: usize, mut i: usize) -> Option<Span> {
        let bytes = self.bytes;
        loop {
            match *bytes.get(i)? {
                b'"' => {
                    self.pos = i + 1;
                    return Span::new(start, i, true);
                }
                b'\\' => {
                    i += match *bytes.get(i + 1)? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => 2,
                        b'u' => {
                            let code = hex4(bytes.get(i + 2..i + 6)?)?;
                            match code {
                                0xD800..0xDC00 => {
                                    // Only a well-formed pair; serde_json refuses
                                    // lone surrogates in strings it decodes.
                                    if bytes.get(i + 6..i + 8)? != b"\\u" {
                                        return None;
                                    }
                                    let low = hex4(bytes.get(i + 8..i + 12)?)?;
                                    if !(0xDC00..0xE000).contains(&low) {
                                        return None;
                                    }
                                    12
                                }
                                0xDC00..0xE000 => return None,
                                _ => 6,
                            }
                        }
                        _ => return None,
                    };
                }
                0..0x20 => return None,
                _ => i += 1,
            }
        }
    }

    /// `null` (absent) or a string.
    #[inline(always)]
    fn opt_string(&mut self) -> Option<Option<Span>> {
        match self.peek()? {
            b'"' => self.string().map(Some),
            b'n' => self.literal(b"null").map(|()| None),
            _ => None,
        }
    }

    /// An id: `null` (absent), a string, or an unsigned integer that fits a `u64`
    /// (whose decimal text is exactly how the full path prints it: JSON allows no
    /// leading zeros or plus sign). Other numbers take the full path.
    #[inline(always)]
    fn opt_id(&mut self) -> Option<Option<Span>> {
        match self.peek()? {
            b'"' => self.string().map(Some),
            b'n' => self.literal(b"null").map(|()| None),
            b'0'..=b'9' => self.id_number().map(Some),
            _ => None,
        }
    }

    fn id_number(&mut self) -> Option<Span> {
        let start = self.pos;
        let number = self.number()?;
        let raw = self.text.get(start..self.pos)?;
        if number.plain && raw.parse::<u64>().is_ok() {
            Span::new(start, self.pos, false)
        } else {
            None
        }
    }

    #[inline(always)]
    fn literal(&mut self, word: &[u8]) -> Option<()> {
        if self.bytes.get(self.pos..self.pos + word.len())? == word {
            self.pos += word.len();
            Some(())
        } else {
            None
        }
    }
    /// A number (RFC 8259 grammar), at the cursor.
    fn number(&mut self) -> Option<Number> {
        let b = self.bytes;
        let mut i = self.pos;
        let negative = b.get(i) == Some(&b'-');
        if negative {
            i += 1;
        }
        let int_start = i;
        match *b.get(i)? {
            b'0' => i += 1,
            b'1'..=b'9' => {
                while b.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
            }
            _ => return None,
        }
        let int_digits = i - int_start;
        let mut plain = !negative;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let digits = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == digits {
                return None;
            }
            plain = false;
        }
        let mut exponent: i64 = 0;
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            let sign = match b.get(i) {
                Some(b'-') => {
                    i += 1;
                    -1
                }
                Some(b'+') => {
                    i += 1;
                    1
                }
                _ => 1,
            };
            let digits = i;
            while let Some(d) = b.get(i).filter(|d| d.is_ascii_digit()) {
                exponent = exponent
                    .saturating_mul(10)
                    .saturating_add(i64::from(d - b'0'));
                i += 1;
            }
            if i == digits {
                return None;
            }
            exponent *= sign;
            plain = false;
        }
        self.pos = i;
        // |value| < 10^(int_digits + exponent): below f64::MAX (1.8e308) when that
        // power is at most 308, so serde_json reads it as a finite number.
        let finite = (int_digits as i64).saturating_add(exponent) <= 308;
        Some(Number { plain, finite })
    }

    /// Skips an ignored value (any JSON value; only its syntax matters).
    fn skip(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' => {
                if depth >= MAX_SKIP_DEPTH {
                    return None;
                }
                self.object(|s, _| s.skip(depth + 1))
            }
            b'[' => {
                if depth >= MAX_SKIP_DEPTH {
                    return None;
                }
                self.array(|s| s.skip(depth + 1)).map(drop)
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number().map(drop),
            _ => None,
        }
    }

    /// An array, each element read by `element`; the number of elements.
    fn array(&mut self, mut element: impl FnMut(&mut Self) -> Option<()>) -> Option<usize> {
        self.eat(b'[')?;
        if self.peek()? == b']' {
            self.pos += 1;
            return Some(0);
        }
        let mut n = 0;
        loop {
            element(self)?;
            n += 1;
            match self.peek()? {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    return Some(n);
                }
                _ => return None,
            }
        }
    }

    /// A value the full path reads into a [`Value`] (a `properties` or `traits`
    /// entry), held to `bounds`; `depth` lists / objects are around it.
    fn read_value(&mut self, depth: usize, bounds: &Bounds) -> Option<()> {
        match self.peek()? {
            b'"' => {
                let text = self.string()?;
                (text.len() <= bounds.text).then_some(())
            }
            b'{' => {
                if depth >= bounds.depth {
                    return None;
                }
                let mut n = 0usize;
                self.object(|s, key| {
                    n += 1;
                    if n > bounds.len || key.len() > bounds.text {
                        return None;
                    }
                    s.read_value(depth + 1, bounds)
                })
            }
            b'[' => {
                if depth >= bounds.depth {
                    return None;
                }
                let mut n = 0usize;
                self.array(|s| {
                    n += 1;
                    if n > bounds.len {
                        return None;
                    }
                    s.read_value(depth + 1, bounds)
                })
                .map(drop)
            }
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number()?.finite.then_some(()),
            _ => None,
        }
    }
}

/// What [`Scanner::number`] saw.
struct Number {
    /// A non-negative integer: no sign, fraction or exponent.
    plain: bool,
    /// Certainly within `f64` range.
    finite: bool,
}

/// The high bit of each byte of `word` that is `"`, `\` or below 0x20, plus
/// possibly some bytes above (later than) such a byte: the classic SWAR tests (a
/// zero byte after XOR; a byte below a bound), whose borrows only run upwards, so
/// the lowest flag is always exact.
#[inline]
fn special(word: u64) -> u64 {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let quote = zero(word ^ (ONES * u64::from(b'"')));
    let backslash = zero(word ^ (ONES * u64::from(b'\\')));
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    quote | backslash | control
}

/// The [`Value`] the full path would hold for a `properties` entry whose JSON text
/// is `json` (already validated): plain strings and small non-negative integers
/// directly, anything else through serde_json itself, so floats round the same way.
fn value_of(json: &str) -> Option<Value> {
    let bytes = json.as_bytes();
    if let [b'"', inner @ .., b'"'] = bytes {
        if !inner.contains(&b'\\') {
            return Some(Value::String(json[1..json.len() - 1].to_owned()));
        }
    }
    if !bytes.is_empty() && bytes.len() <= 18 && bytes.iter().all(u8::is_ascii_digit) {
        return json.parse::<i64>().ok().map(Value::Int);
    }
    serde_json::from_str(json).ok()
}

/// Milliseconds since the epoch of the common timestamp shape
/// `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)`, valid fields only; `None` for anything
/// else (the caller then asks chrono, which also reads the other shapes). For the
/// strings it accepts it gives what chrono's RFC 3339 parser gives.
pub(crate) fn parse_timestamp_ms(b: &[u8], cache: &mut HourCache) -> Option<i64> {
    let head: &[u8; 19] = b.get(..19)?.try_into().ok()?;
    // Every byte minus '0': the digits must come out below 10.
    let d = head.map(|c| c.wrapping_sub(b'0'));
    let two = |i: usize| u32::from(d[i]) * 10 + u32::from(d[i + 1]);
    let hour_key: [u8; 13] = head[..13].try_into().ok()?;
    let hour_start = if hour_key == cache.key {
        cache.seconds
    } else {
        const DIGITS: [usize; 10] = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12];
        if DIGITS.iter().any(|&i| d[i] > 9) || [head[4], head[7], head[10]] != *b"--T" {
            return None;
        }
        let year = two(0) * 100 + two(2);
        let (month, day, hour) = (two(5), two(8), two(11));
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let month_days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        if day == 0 || day > month_days || hour > 23 {
            return None;
        }
        let seconds = days_from_civil(year, month, day) * 86_400 + i64::from(hour * 3600);
        *cache = HourCache {
            key: hour_key,
            seconds,
        };
        seconds
    };
    if [d[14], d[15], d[17], d[18]].iter().any(|&x| x > 9) || [head[13], head[16]] != *b"::" {
        return None;
    }
    let (minute, second) = (two(14), two(17));
    // A leap second (:60) goes to chrono.
    if minute > 59 || second > 59 {
        return None;
    }
    let (nanos, zone) = match &b[19..] {
        [b'.', fraction @ ..] => {
            let n = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 || n > 9 {
                return None;
            }
            let value = fraction[..n]
                .iter()
                .fold(0u32, |acc, &c| acc * 10 + u32::from(c - b'0'));
            (value * 10u32.pow(9 - n as u32), &fraction[n..])
        }
        zone => (0, zone),
    };
    let offset_minutes: i64 = match *zone {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2]
            if [h1, h2, m1, m2].iter().all(u8::is_ascii_digit) =>
        {
            let h = u32::from((h1 - b'0') * 10 + (h2 - b'0'));
            let m = u32::from((m1 - b'0') * 10 + (m2 - b'0'));
            if h > 23 || m > 59 {
                return None;
            }
            let minutes = i64::from(h * 60 + m);
            if sign == b'-' { -minutes } else { minutes }
        }
        _ => return None,
    };
    let seconds = hour_start + i64::from(minute * 60 + second) - offset_minutes * 60;
    Some(seconds * 1000 + i64::from(nanos / 1_000_000))
}

/// The last hour [`parse_timestamp_ms`] validated: its `YYYY-MM-DDTHH` and the
/// UTC second it starts at, before any offset. A stream's timestamps mostly share
/// the hour of the line before, so the date arithmetic is rarely redone.
pub(crate) struct HourCache {
    key: [u8; 13],
    seconds: i64,
}

impl HourCache {
    /// A cache that matches no timestamp (its key holds no separators).
    pub(crate) const fn new() -> HourCache {
        HourCache {
            key: [0; 13],
            seconds: 0,
        }
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date of year 0 to 9999 (H.
/// Hinnant's algorithm, shifted by one 400-year era so that all of it is unsigned).
fn days_from_civil(year: u32, month: u32, day: u32) -> i64 {
    const ERA_DAYS: i64 = 146_097;
    let y = year + 400 - u32::from(month <= 2);
    let (era, yoe) = (y / 400, y % 400);
    let m = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    i64::from(era) * ERA_DAYS + i64::from(doe) - 719_468 - ERA_DAYS
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn read(line: &str) -> Option<JsonActivity<'_>> {
        let engine = crate::Engine::new(crate::sample::config()).unwrap();
        let compiled = engine.compiled();
        let mut picked = Picked::new();
        let a = read_activity(line, &compiled.usage, compiled.config.limits(), &mut picked)?;
        // Owned copies, so the result outlives the engine.
        Some(JsonActivity {
            user_id: a.user_id.map(|c| Cow::Owned(c.into_owned())),
            anonymous_id: a.anonymous_id.map(|c| Cow::Owned(c.into_owned())),
            message_id: a.message_id.map(|c| Cow::Owned(c.into_owned())),
            event: Cow::Owned(a.event.into_owned()),
            group_id: a.group_id.map(|c| Cow::Owned(c.into_owned())),
            device_type: a.device_type.map(|c| Cow::Owned(c.into_owned())),
            ..a
        })
    }

    #[test]
    fn gather_collects_the_high_bits() {
        for bits in 0..=255u64 {
            let spread: u64 = (0..8)
                .filter(|k| bits >> k & 1 == 1)
                .map(|k| 0x80 << (8 * k))
                .sum();
            assert_eq!(gather(spread), bits);
        }
    }

    #[test]
    fn block_quotes_are_exact() {
        let mut block = [b'a'; 64];
        for (i, b) in (0..=255u8).cycle().take(64 * 4).enumerate() {
            block[(i * 7) % 64] = b;
            let (quotes, odd) = block_quotes(&block);
            let expect: u64 = (0..64)
                .filter(|&k| block[k] == b'"')
                .map(|k| 1u64 << k)
                .sum();
            assert_eq!(quotes, expect);
            assert_eq!(odd, block.iter().any(|&b| b == b'\\' || b < 0x20));
        }
    }

    #[test]
    fn the_quote_index_lists_every_quote() {
        let mut seed = 7u64;
        for len in (0..=260).chain(1000..=1030) {
            for odd in [None, Some(b'\\'), Some(b'\n')] {
                let mut bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                        b"ab\" \x7f#"[(seed >> 60) as usize % 6]
                    })
                    .collect();
                if let (Some(b), Some(last)) = (odd, bytes.last_mut()) {
                    *last = b;
                }
                let mut scanner = Scanner::unindexed("");
                scanner.quotes.index(&bytes);
                let expect_on = len <= INDEXED && !bytes.iter().any(|&b| b == b'\\' || b < 0x20);
                assert_eq!(scanner.quotes.on, expect_on, "{len}");
                if expect_on {
                    let expect: Vec<usize> = (0..len).filter(|&i| bytes[i] == b'"').collect();
                    let got: Vec<usize> = std::iter::from_fn(|| scanner.quotes.next()).collect();
                    assert_eq!(got, expect, "{len}");
                }
            }
        }
    }

    #[test]
    fn common_lines_take_the_fast_path() {
        let lines = [
            r#"{"context":{"device":{"type":"mobile"}},"event":"Report Run","messageId":"m-1","timestamp":"2026-08-08T13:25:24.000Z","type":"track","userId":"user_1"}"#,
            r#"{"type":"page","anonymousId":"a1","name":"Pricing","originalTimestamp":"2026-08-08T13:25:24Z"}"#,
            r#" { "type" : "screen" , "userId" : 42 , "timestamp" : "2026-08-08T14:25:24.5+01:00" } "#,
            r#"{"type":"track","userId":"caf\u00e9 \"x\"","event":"Report\u0020Run","timestamp":"2026-08-08T13:25:24Z","context":{"groupId":7,"os":{"name":"iOS"},"ip":[1,{"a":null}]},"integrations":{"All":1e400}}"#,
            r#"{"type":"track","userId":"u","event":"File Uploaded","timestamp":"2026-08-08T13:25:24Z","properties":{"megabytes":1.5,"note":"x","megabytes":"12"},"traits":{"plan":"pro"}}"#,
        ];
        for line in lines {
            assert!(read(line).is_some(), "{line}");
        }
        let a = read(lines[3]).unwrap();
        assert_eq!(a.user_id.as_deref(), Some("café \"x\""));
        assert_eq!(a.event, "Report Run");
        assert_eq!(a.group_id.as_deref(), Some("7"));
        let a = read(lines[2]).unwrap();
        assert_eq!(
            (a.kind, a.user_id.as_deref()),
            (ActivityKind::Screen, Some("42"))
        );
        assert_eq!(a.ms, 1_786_195_524_500);
    }

    #[test]
    fn what_the_fast_path_leaves_to_the_full_path() {
        for line in [
            r#"{"type":"identify","userId":"u","timestamp":"2026-08-08T13:25:24Z"}"#,
            r#"{"type":"track","userId":"u","event":"e","timestamp":"2026-08-08T13:25:24Z","userId":"v"}"#,
            r#"{"type":"track","userId":"u","user_id":"v","event":"e","timestamp":"2026-08-08T13:25:24Z"}"#,
            r#"{"ty\u0070e":"track","userId":"u","event":"e","timestamp":"2026-08-08T13:25:24Z"}"#,
            r#"{"type":"track","userId":-1,"event":"e","timestamp":"2026-08-08T13:25:24Z"}"#,
            r#"{"type":"track","userId":"\ud800","event":"e","timestamp":"2026-08-08T13:25:24Z"}"#,
            r#"{"type":"track","userId":"u","event":"e","timestamp":"2026-08-08T13:25:24Z","properties":{"x":1e400}}"#,
            r#"{"type":"track","userId":"u","event":"e","timestamp":"2026-08-08T13:25:24Z","context":[]}"#,
            r#"{"type":"track","userId":"u","event":"e","timestamp":"2026-08-08T13:25:24Z"} x"#,
            r#"{"type":"track","userId":"u","event":"e","timestamp":"soon"}"#,
            r#"["track","u"]"#,
        ] {
            assert!(read(line).is_none(), "{line}");
        }
    }

    /// With a fresh cache.
    fn ms(s: &str) -> Option<i64> {
        parse_timestamp_ms(s.as_bytes(), &mut HourCache::new())
    }

    fn chrono_ms(s: &str) -> Option<i64> {
        chrono::DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.timestamp_millis())
    }

    #[test]
    fn timestamps_match_chrono_at_the_edges() {
        for s in [
            "0000-01-01T00:00:00Z",
            "0000-01-01T00:00:00+23:59",
            "0000-02-29T12:00:00Z",
            "1969-12-31T23:59:59.999Z",
            "1970-01-01T00:00:00-00:00",
            "2000-02-29T23:59:59.123456789Z",
            "2026-10-31T19:04:50.268Z",
            "2026-10-31T20:04:50.2689+01:00",
            "9999-12-31T23:59:59.999999999-23:59",
        ] {
            assert_eq!(ms(s), chrono_ms(s), "{s}");
            assert!(ms(s).is_some(), "{s}");
        }
        // Left to chrono: invalid fields, leap seconds, lowercase, spaces, 10+
        // digits, other offsets.
        for s in [
            "1900-02-29T00:00:00Z",
            "2026-10-31T24:00:00Z",
            "2026-10-31T19:04:50+24:00",
            "2016-12-31T23:59:60Z",
            "2026-10-31t19:04:50Z",
            "2026-10-31 19:04:50Z",
            "2026-10-31T19:04:50.1234567891Z",
            "2026-10-31T19:04:50",
            "2026-10-31T19:04:50+0100",
        ] {
            assert_eq!(ms(s), None, "{s}");
        }
    }

    proptest! {
        #[test]
        fn timestamps_match_chrono(
            y in 0..10_000u32, mo in 0..14u32, d in 0..33u32,
            h in 0..26u32, mi in 0..62u32, sec in 0..62u32,
            frac in proptest::option::of("[0-9]{0,10}"),
            zone in prop_oneof![
                Just("Z".to_owned()),
                (prop_oneof![Just('+'), Just('-')], 0..26u32, 0..62u32)
                    .prop_map(|(s, h, m)| format!("{s}{h:02}:{m:02}")),
            ],
        ) {
            let frac = frac.map(|f| format!(".{f}")).unwrap_or_default();
            let s = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{sec:02}{frac}{zone}");
            if let Some(ms) = ms(&s) {
                prop_assert_eq!(Some(ms), chrono_ms(&s), "{}", s);
            }
            // Through a cache that holds the same hour, and one that holds another.
            let mut cache = HourCache::new();
            let _ = parse_timestamp_ms(s.as_bytes(), &mut cache);
            let again = parse_timestamp_ms(s.as_bytes(), &mut cache);
            prop_assert_eq!(again, ms(&s), "{}", s);
            let _ = parse_timestamp_ms(b"2026-10-31T19:04:50Z", &mut cache);
            prop_assert_eq!(parse_timestamp_ms(s.as_bytes(), &mut cache), ms(&s), "{}", s);
        }
    }
}
