//! The JSON string escape grammar, defined once: what an escape at a
//! position of a string's raw content (the bytes between its quotes) is,
//! how many bytes it takes and what it decodes to. Every reader of JSON
//! text in docgap goes through here: the batch readers' unescaping and
//! repair (`batch/json.rs`), the streaming tokenizer that cuts long strings
//! (`batch/line.rs`) and the prefilter that screens a note's text while it
//! is still escaped (`prefilter.rs`).
//!
//! Always compiled: the prefilter is in the library without the `batch`
//! feature. Everything here is a function of a few bytes and allocates
//! nothing.

/// Bytes of a two-byte escape (`\n`, `\"`, ...).
pub(crate) const SHORT_LEN: usize = 2;

/// Bytes of a `\uXXXX` escape (also what a raw control character takes
/// once repaired to one).
pub(crate) const UNIT_LEN: usize = 6;

/// One escape of a JSON string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Escape {
    /// A two-byte escape and the character it stands for.
    Short(char),
    /// `\uXXXX`: one UTF-16 unit, possibly half of a surrogate pair.
    Unit(u16),
}

/// The character a two-byte escape's second byte stands for (`n` for a
/// line break), or None when JSON has no such escape (`u` included).
#[inline(always)]
pub(crate) fn short_escape(letter: u8) -> Option<char> {
    Some(match letter {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        _ => return None,
    })
}

/// The value of one hex digit.
#[inline(always)]
pub(crate) fn hex_digit(b: u8) -> Option<u32> {
    (b as char).to_digit(16)
}

/// The four hex digits at `b[at..at + 4]`, as a UTF-16 unit.
#[inline]
pub(crate) fn hex4(b: &[u8], at: usize) -> Option<u16> {
    let digits = b.get(at..at + 4)?;
    let mut value = 0u32;
    for &d in digits {
        value = value * 16 + hex_digit(d)?;
    }
    Some(value as u16)
}

/// The escape that starts at `at` (which must be a backslash), or None
/// when there is none there or it is not one JSON allows (`\x`, `\u12`,
/// a backslash at the end).
#[inline]
pub(crate) fn escape_at(b: &[u8], at: usize) -> Option<Escape> {
    if b.get(at) != Some(&b'\\') {
        return None;
    }
    match *b.get(at + 1)? {
        b'u' => hex4(b, at + 2).map(Escape::Unit),
        letter => short_escape(letter).map(Escape::Short),
    }
}

/// The character the escape at `at` decodes to, a surrogate pair read as
/// one, and the bytes it takes: `Some(None)` for an unpaired surrogate
/// (six bytes), None when no escape JSON allows starts at `at`.
#[cfg_attr(not(feature = "batch"), allow(dead_code))]
#[inline]
pub(crate) fn decode_at(b: &[u8], at: usize) -> Option<(Option<char>, usize)> {
    match escape_at(b, at)? {
        Escape::Short(c) => Some((Some(c), SHORT_LEN)),
        Escape::Unit(hi @ 0xD800..=0xDBFF) => match escape_at(b, at + UNIT_LEN) {
            Some(Escape::Unit(lo @ 0xDC00..=0xDFFF)) => {
                let c = 0x10000 + ((u32::from(hi) - 0xD800) << 10) + (u32::from(lo) - 0xDC00);
                Some((char::from_u32(c), 2 * UNIT_LEN))
            }
            _ => Some((None, UNIT_LEN)),
        },
        Escape::Unit(u) => Some((char::from_u32(u32::from(u)), UNIT_LEN)),
    }
}

/// Bytes a `\uXXXX` unit adds to the decoded text: its character's UTF-8
/// length, a surrogate counting half of its pair's four.
#[cfg_attr(not(feature = "batch"), allow(dead_code))]
#[inline]
pub(crate) fn unit_decoded_len(unit: u32) -> u64 {
    match unit {
        0..=0x7f => 1,
        0x80..=0x7ff => 2,
        0xd800..=0xdfff => 2,
        _ => 3,
    }
}

/// The character a JSON string's raw content holds at `p` (an escape or a
/// character as written) and the bytes it takes; `p` is no byte inside an
/// escape. A surrogate escape reads as U+FFFD, six bytes; a malformed
/// escape as None.
#[inline]
pub(crate) fn raw_char(raw: &str, p: usize) -> Option<(char, usize)> {
    let bytes = raw.as_bytes();
    if *bytes.get(p)? != b'\\' {
        let c = raw.get(p..)?.chars().next()?;
        return Some((c, c.len_utf8()));
    }
    match escape_at(bytes, p)? {
        Escape::Short(c) => Some((c, SHORT_LEN)),
        Escape::Unit(u) => Some((char::from_u32(u32::from(u)).unwrap_or('\u{fffd}'), UNIT_LEN)),
    }
}

/// True when a JSON string's content (escapes intact) decodes to nothing
/// but whitespace.
#[cfg_attr(not(feature = "batch"), allow(dead_code))]
pub(crate) fn is_blank(raw: &str) -> bool {
    let mut p = 0;
    while p < raw.len() {
        match raw_char(raw, p) {
            Some((c, n)) if c.is_whitespace() => p += n,
            _ => return false,
        }
    }
    true
}

/// Which string of `line` starts at byte `at` (0 for the first; keys
/// count): a string opens at a quote outside strings and ends at the next
/// quote not escaped (a backslash escapes the byte after it). `line` is
/// JSON as parsed, or as repaired, which keeps every string and its order.
#[cfg_attr(not(feature = "batch"), allow(dead_code))]
pub fn string_ordinal(line: &[u8], at: usize) -> usize {
    let mut n = 0;
    let mut in_string = false;
    let mut i = 0;
    let end = at.min(line.len());
    while i < end {
        match (in_string, line[i]) {
            (false, b'"') => {
                in_string = true;
                n += 1;
            }
            (true, b'\\') => i += 1,
            (true, b'"') => in_string = false,
            _ => {}
        }
        i += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_read_as_json_reads_them() {
        let b = br#"\n\u00e9\ud83d\ude00\ud83d x\x\u12"#;
        assert_eq!(escape_at(b, 0), Some(Escape::Short('\n')));
        assert_eq!(decode_at(b, 2), Some((Some('\u{e9}'), 6)));
        assert_eq!(decode_at(b, 8), Some((Some('\u{1f600}'), 12)));
        assert_eq!(decode_at(b, 20), Some((None, 6)));
        assert_eq!(escape_at(b, 27), None);
        assert_eq!(escape_at(b, 29), None);
        assert_eq!(escape_at(b"\\u+123", 0), None);
        assert_eq!(escape_at(b"\\", 0), None);
        assert_eq!(raw_char("\\udc00", 0), Some(('\u{fffd}', 6)));
        assert!(is_blank("\\n \\u00a0\\t"));
        assert!(!is_blank("\\n x"));
    }
}
