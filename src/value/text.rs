//! [`Text`]: the string of a [`Value::String`](crate::Value::String).

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

/// The longest text kept inline, without an allocation. With the length byte and
/// the variant's tag it fills the 24 bytes a `String` would take.
const INLINE: usize = 22;

/// An immutable string that needs no allocation when short: text of up to 22
/// bytes is stored inline, longer text in a `Box<str>`.
///
/// A snapshot writes a few dozen strings per user (ids, stages, feature and device
/// names, most trait values), nearly all of them short; as `String`s each was an
/// allocation to make and another to free, and they were two thirds of the
/// snapshot's allocations. Short text is now a copy of 24 bytes.
///
/// (Sharing long text behind an `Arc` instead was measured, and was slower: every
/// clone and drop then writes to a reference count in the engine's state, far
/// away in memory.)
///
/// `Text` dereferences to [`str`], and compares, orders and hashes as its text.
///
/// ```
/// use pulsecheck::Text;
///
/// let plan = Text::from("enterprise");
/// assert_eq!(plan, "enterprise");
/// assert_eq!(plan.len(), 10);
/// assert!(plan.starts_with("enter"));
///
/// let long = Text::from("a trait value longer than twenty-two bytes".to_owned());
/// assert_eq!(long.len(), 42);
/// assert_eq!(String::from(long), "a trait value longer than twenty-two bytes");
/// ```
#[derive(Clone)]
pub struct Text(Repr);

#[derive(Clone)]
enum Repr {
    Inline { len: u8, bytes: [u8; INLINE] },
    Boxed(Box<str>),
}

impl Text {
    /// The text as a string slice.
    #[inline]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // The bytes were copied whole from a `&str`, so they are UTF-8; the
            // check (a few nanoseconds on 22 bytes) is what safe code pays for that.
            Repr::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            Repr::Boxed(s) => s,
        }
    }

    /// The text's bytes. Unlike [`as_str`](Self::as_str) this needs no UTF-8
    /// check of inline text, so comparisons that only need bytes use it.
    ///
    /// ```
    /// use pulsecheck::Text;
    ///
    /// assert_eq!(Text::from("pro").as_bytes(), b"pro");
    /// ```
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Repr::Boxed(s) => s.as_bytes(),
        }
    }

    /// Whether the text owns no allocation, so dropping it is a no-op.
    #[inline]
    pub(crate) fn is_inline(&self) -> bool {
        matches!(self.0, Repr::Inline { .. })
    }

    /// Text of at most 22 bytes, stored inline; `None` when `s` is longer.
    #[inline]
    fn inline(s: &str) -> Option<Text> {
        let len = s.len();
        (len <= INLINE).then(|| {
            let mut bytes = [0u8; INLINE];
            bytes[..len].copy_from_slice(s.as_bytes());
            Text(Repr::Inline {
                len: len as u8,
                bytes,
            })
        })
    }
}

impl Default for Text {
    fn default() -> Text {
        Text(Repr::Inline {
            len: 0,
            bytes: [0; INLINE],
        })
    }
}

impl Deref for Text {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self
    }
}

impl From<&str> for Text {
    #[inline]
    fn from(s: &str) -> Text {
        Text::inline(s).unwrap_or_else(|| Text(Repr::Boxed(Box::from(s))))
    }
}

impl From<&String> for Text {
    fn from(s: &String) -> Text {
        Text::from(s.as_str())
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text::inline(&s).unwrap_or_else(|| Text(Repr::Boxed(Box::from(s))))
    }
}

impl From<Box<str>> for Text {
    fn from(s: Box<str>) -> Text {
        Text::inline(&s).unwrap_or(Text(Repr::Boxed(s)))
    }
}

impl From<Text> for String {
    fn from(t: Text) -> String {
        t.as_str().to_owned()
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

impl PartialEq for Text {
    #[inline]
    fn eq(&self, other: &Text) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Text {}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<Text> for str {
    fn eq(&self, other: &Text) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Text) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    /// Byte order, which for UTF-8 is the order of `str`.
    fn cmp(&self, other: &Text) -> Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl Hash for Text {
    /// Hashes as the `str` it holds, as [`Borrow<str>`] requires.
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl serde::Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        struct TextVisitor;
        impl serde::de::Visitor<'_> for TextVisitor {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E>(self, v: &str) -> Result<Text, E> {
                Ok(Text::from(v))
            }
            fn visit_string<E>(self, v: String) -> Result<Text, E> {
                Ok(Text::from(v))
            }
        }
        d.deserialize_str(TextVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::hash_map::DefaultHasher;

    fn hash_of<T: Hash + ?Sized>(t: &T) -> u64 {
        let mut h = DefaultHasher::new();
        t.hash(&mut h);
        h.finish()
    }

    #[test]
    fn short_text_is_inline_and_long_text_boxed() {
        let short = "é".repeat(11); // 22 bytes: the longest inline text
        assert!(matches!(Text::from(short.as_str()).0, Repr::Inline { .. }));
        let long = format!("{short}x");
        let text = Text::from(long.clone());
        assert!(matches!(text.0, Repr::Boxed(_)));
        assert!(matches!(text.clone().0, Repr::Boxed(_)));
        for s in ["", "a", short.as_str(), long.as_str()] {
            let t = Text::from(s);
            assert_eq!(t.as_str(), s);
            assert_eq!(t, Text::from(s.to_owned()));
            assert_eq!(t, Text::from(Box::<str>::from(s)));
            assert_eq!(hash_of(&t), hash_of(s), "hashes as its str");
            assert_eq!(format!("{t:?}"), format!("{s:?}"));
            assert_eq!(String::from(t), s);
        }
    }

    #[test]
    fn orders_as_its_text_whatever_the_storage() {
        let long = "m".repeat(30);
        let mut texts: Vec<Text> = ["b", long.as_str(), "a", "", "ab"]
            .into_iter()
            .map(Text::from)
            .collect();
        texts.sort();
        let got: Vec<&str> = texts.iter().map(Text::as_str).collect();
        assert_eq!(got, ["", "a", "ab", "b", long.as_str()]);
    }

    proptest::proptest! {
        #[test]
        fn behaves_as_its_str(a in "\\PC{0,40}", b in "\\PC{0,40}") {
            let (ta, tb) = (Text::from(a.as_str()), Text::from(b.clone()));
            proptest::prop_assert_eq!(ta.as_str(), a.as_str());
            proptest::prop_assert_eq!(ta.as_bytes(), a.as_bytes());
            proptest::prop_assert_eq!(tb.as_str(), b.as_str());
            proptest::prop_assert_eq!(ta.cmp(&tb), a.cmp(&b));
            proptest::prop_assert_eq!(ta == tb, a == b);
            proptest::prop_assert_eq!(ta == *b.as_str(), a == b);
            proptest::prop_assert_eq!(hash_of(&ta), hash_of(a.as_str()));
            let json = serde_json::to_string(&ta).unwrap();
            proptest::prop_assert_eq!(&json, &serde_json::to_string(&a).unwrap());
            proptest::prop_assert_eq!(serde_json::from_str::<Text>(&json).unwrap(), ta);
        }
    }

    #[test]
    fn fits_where_a_string_did() {
        assert_eq!(size_of::<Text>(), size_of::<String>());
    }
}
