//! Which engine a line goes to: a hash of its sender, read without parsing.

use super::input::rfind_byte;

/// The id a call is filed under (its sender), read off the raw line without parsing
/// it: the last `"userId"` key with a non-empty string value, else the last
/// `"anonymousId"`, else the last `"groupId"` (a `group` call without a user). The
/// scan goes backwards because `userId` tends to be one of the last keys (it is the
/// last in sorted-key JSON), so most lines are decided from their last few bytes.
///
/// The engine dedups a `messageId` per sender, so routing by sender sends every
/// copy of a message to the same engine, and puts all of a user's calls, and so
/// all of its state, in one engine. This need not agree with the parser: the scan
/// does not know nesting or escapes. Any answer that is the same for every copy of
/// a call works, and a call whose copies get different answers (an id escaped
/// differently in each) is caught by the merge and costs a re-run on one thread.
pub(crate) fn sender_id(line: &[u8]) -> Option<&[u8]> {
    let (mut anonymous, mut group) = (None, None);
    let mut to = line.len();
    // Every key sought ends in `Id"`, and `I` is rare elsewhere in a call.
    while let Some(at) = rfind_byte(&line[..to], b'I') {
        to = at;
        let Some(rest) = line[at..].strip_prefix(b"Id\"") else {
            continue;
        };
        let key = &line[..at];
        if key.ends_with(b"\"user") {
            if let Some(id) = string_value(rest).filter(|id| !id.is_empty()) {
                return Some(id);
            }
        } else if anonymous.is_none() && key.ends_with(b"\"anonymous") {
            anonymous = string_value(rest).filter(|id| !id.is_empty());
        } else if group.is_none() && key.ends_with(b"\"group") {
            group = string_value(rest);
        }
    }
    anonymous.or(group)
}

/// The bytes of the string after a key (`rest` starts right after the key's closing
/// quote), escapes kept as written; `None` if a colon and a string do not follow.
pub(crate) fn string_value(rest: &[u8]) -> Option<&[u8]> {
    let rest = rest
        .trim_ascii_start()
        .strip_prefix(b":")?
        .trim_ascii_start()
        .strip_prefix(b"\"")?;
    let mut end = 0;
    while end < rest.len() && rest[end] != b'"' {
        end += if rest[end] == b'\\' { 2 } else { 1 };
    }
    rest.get(..end)
}

/// The engine (of `engines`) a line goes to: by its sender's id, else by the whole
/// line, so that identical copies still meet.
pub(crate) fn route(line: &[u8], engines: usize) -> usize {
    // FNV-1a, then a multiply to move the mixed bits up: the remainder by a small
    // number of engines would otherwise depend on little more than byte parities.
    let key = sender_id(line).unwrap_or(line);
    let hash = key.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    ((hash.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) % engines as u64) as usize
}
