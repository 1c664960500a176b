//! The cursor that walks a line: strings, numbers, literals, objects and the
//! fields the fast path reads.

use std::borrow::Cow;

use super::quotes::{INDEXED, Quotes, special};
use super::span::{Span, hex4, unescape};
use super::{Bounds, MAX_READ_DEPTH, MAX_SKIP_DEPTH, Picked, RawLine, field, once};
use crate::config::Limits;
use crate::config::compiled::UsageSpec;
use crate::value::Value;

/// A cursor over the line's bytes. Every method returns `None` to hand the line
/// to the full path.
pub(super) struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    pub(super) quotes: Quotes,
}

impl<'a> Scanner<'a> {
    /// A scanner not yet indexed: to be indexed where it lives (the index is too
    /// large to move around cheaply).
    #[inline(always)]
    pub(super) fn unindexed(text: &'a str) -> Scanner<'a> {
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

    /// The line's bytes.
    #[inline(always)]
    pub(super) fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The raw bytes of a string.
    #[inline(always)]
    pub(super) fn raw(&self, span: Span) -> &'a [u8] {
        &self.bytes[span.range()]
    }

    /// The value of a string: borrowed unless it holds escapes.
    pub(super) fn decode(&self, span: Span) -> Option<Cow<'a, str>> {
        let raw = self.text.get(span.range())?;
        if span.escaped() {
            unescape(raw).map(Cow::Owned)
        } else {
            Some(Cow::Borrowed(raw))
        }
    }

    /// The next byte after whitespace (JSON's four whitespace bytes).
    #[inline(always)]
    pub(super) fn peek(&mut self) -> Option<u8> {
        // Every JSON whitespace byte is at most a space: one compare in the
        // common case of no whitespace at all.
        match self.bytes.get(self.pos) {
            Some(&b) if b > b' ' => Some(b),
            _ => self.peek_after_whitespace(),
        }
    }

    pub(super) fn peek_after_whitespace(&mut self) -> Option<u8> {
        while let Some(&b) = self.bytes.get(self.pos) {
            if !matches!(b, b' ' | b'\n' | b'\t' | b'\r') {
                return Some(b);
            }
            self.pos += 1;
        }
        None
    }

    #[inline(always)]
    pub(super) fn eat(&mut self, byte: u8) -> Option<()> {
        if self.peek()? == byte {
            self.pos += 1;
            Some(())
        } else {
            None
        }
    }

    /// The whole line: one object, then only whitespace. Inlined into its one
    /// caller, `read_call`: measured, a separate function cost about 5 % of JSON
    /// ingest.
    #[inline(always)]
    pub(super) fn call(
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
                b"groupId" | b"group_id" => (field::GROUP, &mut raw.group_id),
                b"previousId" | b"previous_id" => {
                    // Read by alias calls only (the full path's): type-checked here.
                    once(&mut seen, field::PREVIOUS)?;
                    return s.opt_id().map(drop);
                }
                b"properties" => {
                    once(&mut seen, field::PROPERTIES)?;
                    return s.properties(usage, limits, picked);
                }
                b"traits" => {
                    once(&mut seen, field::TRAITS)?;
                    raw.traits = s.traits(limits, &mut picked.traits)?;
                    return Some(());
                }
                b"context" => {
                    once(&mut seen, field::CONTEXT)?;
                    return s.context(raw);
                }
                _ => return s.skip(0),
            };
            once(&mut seen, bit)?;
            // Ids may be numbers; the other fields read here are strings.
            const IDS: u32 = field::USER | field::ANONYMOUS | field::MESSAGE | field::GROUP;
            *slot = if bit & IDS != 0 {
                s.opt_id()?
            } else {
                s.opt_string()?
            };
            // Any other type is the full path's: stop reading the line now.
            if let (field::TYPE, Some(kind)) = (bit, *slot) {
                let kind = s.raw(kind);
                if !matches!(
                    kind,
                    b"track" | b"page" | b"screen" | b"identify" | b"group"
                ) {
                    return None;
                }
            }
            Some(())
        })?;
        if self.peek().is_some() {
            return None;
        }
        Some(())
    }

    /// `context`: `null`, or an object whose `groupId`, `device.type` and `os.name`
    /// are read.
    pub(super) fn context(&mut self, raw: &mut RawLine) -> Option<()> {
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
    pub(super) fn one_field(&mut self, field: &[u8]) -> Option<Option<Span>> {
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
    pub(super) fn object(
        &mut self,
        mut entry: impl FnMut(&mut Self, &'a [u8]) -> Option<()>,
    ) -> Option<()> {
        self.object_spans(|s, key| {
            let key = s.raw(key);
            entry(s, key)
        })
    }

    /// [`object`](Self::object), handing `entry` where each key lies in the line.
    #[inline(always)]
    pub(super) fn object_spans(
        &mut self,
        mut entry: impl FnMut(&mut Self, Span) -> Option<()>,
    ) -> Option<()> {
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
    pub(super) fn properties(
        &mut self,
        usage: &[UsageSpec],
        limits: &Limits,
        picked: &mut Picked,
    ) -> Option<()> {
        if self.peek()? == b'n' {
            return self.literal(b"null");
        }
        self.entries(limits, |_, key, json| {
            for (metric, spec) in usage.iter().enumerate() {
                if spec.property.as_deref().map(str::as_bytes) == Some(key) {
                    picked.set(metric, usage.len(), value_of(json)?);
                }
            }
            Some(())
        })
    }

    /// An object the full path reads in full into a map and holds to `limits`
    /// (`properties`, `traits`): each entry checked against the limits, then its
    /// key (where it lies, and its bytes) and the JSON text of its value handed to
    /// `entry`.
    pub(super) fn entries(
        &mut self,
        limits: &Limits,
        mut entry: impl FnMut(Span, &'a [u8], &'a str) -> Option<()>,
    ) -> Option<()> {
        let bounds = Bounds {
            text: limits.max_string_bytes(),
            len: limits.max_list_len(),
            depth: limits.max_value_depth().min(MAX_READ_DEPTH),
        };
        let (max_count, max_key) = (limits.max_properties(), limits.max_name_bytes());
        let mut count = 0usize;
        self.object_spans(|s, key| {
            // Counted with repeats: never fewer than the full path's map holds.
            count += 1;
            if count > max_count || key.len() > max_key {
                return None;
            }
            s.peek()?;
            let start = s.pos;
            s.read_value(0, &bounds)?;
            entry(key, s.raw(key), s.text.get(start..s.pos)?)
        })
    }

    /// A string at the cursor (after whitespace).
    #[inline(always)]
    pub(super) fn string(&mut self) -> Option<Span> {
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
    pub(super) fn whitespace_to(&self, end: usize) -> bool {
        self.bytes.get(self.pos..end).is_some_and(|gap| {
            gap.iter()
                .all(|b| matches!(b, b' ' | b'\n' | b'\t' | b'\r'))
        })
    }

    /// An object key, which must hold no escapes (an escaped key could spell a
    /// known field).
    #[inline(always)]
    pub(super) fn key(&mut self) -> Option<Span> {
        let key = self.string()?;
        (!key.escaped()).then_some(key)
    }

    /// A string without the index: its end searched for eight bytes at a time
    /// (the lowest flag of `special` is exact).
    pub(super) fn search_string(&mut self) -> Option<Span> {
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
    pub(super) fn escaped_rest(&mut self, start: usize, mut i: usize) -> Option<Span> {
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
    pub(super) fn opt_string(&mut self) -> Option<Option<Span>> {
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
    pub(super) fn opt_id(&mut self) -> Option<Option<Span>> {
        match self.peek()? {
            b'"' => self.string().map(Some),
            b'n' => self.literal(b"null").map(|()| None),
            b'0'..=b'9' => self.id_number().map(Some),
            _ => None,
        }
    }

    pub(super) fn id_number(&mut self) -> Option<Span> {
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
    pub(super) fn literal(&mut self, word: &[u8]) -> Option<()> {
        if self.bytes.get(self.pos..self.pos + word.len())? == word {
            self.pos += word.len();
            Some(())
        } else {
            None
        }
    }
    /// A number (RFC 8259 grammar), at the cursor.
    pub(super) fn number(&mut self) -> Option<Number> {
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
    pub(super) fn skip(&mut self, depth: usize) -> Option<()> {
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
    pub(super) fn array(
        &mut self,
        mut element: impl FnMut(&mut Self) -> Option<()>,
    ) -> Option<usize> {
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
    pub(super) fn read_value(&mut self, depth: usize, bounds: &Bounds) -> Option<()> {
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
pub(super) struct Number {
    /// A non-negative integer: no sign, fraction or exponent.
    pub(super) plain: bool,
    /// Certainly within `f64` range.
    pub(super) finite: bool,
}

/// The [`Value`] the full path would hold for a `properties` or `traits` entry whose
/// JSON text is `json` (already validated): plain strings and small non-negative
/// integers directly, anything else through serde_json and [`Value`]'s own
/// `Deserialize`, as the full path reads it, so floats round the same way, integers
/// past `i64` become the same floats, and nested maps keep the same order.
pub(super) fn value_of(json: &str) -> Option<Value> {
    let bytes = json.as_bytes();
    if let [b'"', inner @ .., b'"'] = bytes
        && !inner.contains(&b'\\')
    {
        return Some(Value::from(&json[1..json.len() - 1]));
    }
    if !bytes.is_empty() && bytes.len() <= 18 && bytes.iter().all(u8::is_ascii_digit) {
        return json.parse::<i64>().ok().map(Value::Int);
    }
    serde_json::from_str(json).ok()
}
