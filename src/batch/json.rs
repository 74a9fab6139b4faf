//! JSON text helpers shared by the JSON line readers ([`super::jsonl`],
//! [`super::fhir`]): the kind of a value for error messages, unescaping a
//! string's raw content within a byte limit, repairing a line that is
//! JSON but for its encoding. What an escape is and decodes to is
//! [`crate::json_text`]'s, as is which string of a line starts where; the
//! streaming tokenizer that cuts long strings while a line is read is in
//! [`super::line`].

use crate::json_text;
use serde_json::Value;

/// The kind of a JSON value, as error messages name it.
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The kind of a raw JSON value, from its first character (it is valid).
pub(crate) fn raw_kind(json: &str) -> &'static str {
    match json.as_bytes().first() {
        Some(b'n') => "null",
        Some(b't' | b'f') => "a boolean",
        Some(b'"') => "a string",
        Some(b'[') => "an array",
        Some(b'{') => "an object",
        _ => "a number",
    }
}

/// A JSON string's content, decoded.
pub(crate) struct Unescaped {
    /// The decoded text, at most the limit given.
    pub text: String,
    /// The length of the whole decoded text.
    pub full_len: usize,
    /// Unpaired surrogate escapes, decoded as U+FFFD.
    pub lone_surrogates: usize,
}

/// Decodes the content of a JSON string (between its quotes, escapes as
/// serde_json has validated them), keeping at most `max` bytes, cut at a
/// character boundary. An unpaired surrogate escape becomes U+FFFD; a
/// malformed escape (not possible after validation) is kept as written.
pub(crate) fn unescape(s: &str, max: usize) -> Unescaped {
    let b = s.as_bytes();
    let mut out = Keep {
        text: String::with_capacity(s.len().min(max)),
        max,
        full: 0,
        cut: false,
    };
    let mut lone = 0;
    let mut i = 0;
    while i < b.len() {
        let Some(p) = memchr::memchr(b'\\', &b[i..]) else {
            out.push(&s[i..]);
            break;
        };
        out.push(&s[i..i + p]);
        i += p;
        // b[i] is the backslash.
        let Some((c, n)) = json_text::decode_at(b, i) else {
            // Not an escape serde_json would pass: keep the backslash.
            out.push("\\");
            i += 1;
            continue;
        };
        i += n;
        let c = c.unwrap_or_else(|| {
            lone += 1;
            '\u{fffd}'
        });
        out.push(c.encode_utf8(&mut [0; 4]));
    }
    Unescaped {
        full_len: out.full,
        text: out.text,
        lone_surrogates: lone,
    }
}

/// Appends text up to a byte limit, counting what would have followed.
struct Keep {
    text: String,
    max: usize,
    full: usize,
    cut: bool,
}

impl Keep {
    fn push(&mut self, piece: &str) {
        self.full += piece.len();
        if self.cut {
            return;
        }
        let room = self.max - self.text.len();
        if piece.len() <= room {
            self.text.push_str(piece);
        } else {
            self.text
                .push_str(&piece[..super::floor_char_boundary(piece, room)]);
            // Nothing after a cut, or a later short character could fit
            // and the kept text would not be a prefix.
            self.cut = true;
        }
    }
}

/// Repairs a line that is JSON but for its encoding: invalid UTF-8
/// decoded lossily, then, inside strings, raw control characters escaped,
/// invalid escapes kept as text, unpaired surrogate escapes replaced with
/// `\ufffd`. Returns the repaired line and a warning per kind of repair,
/// or None when there was nothing to repair.
pub(crate) fn repair(line: &[u8]) -> Option<(Vec<u8>, Vec<String>)> {
    let mut warnings = Vec::new();
    let decoded: std::borrow::Cow<str> = match std::str::from_utf8(line) {
        Ok(s) => s.into(),
        Err(e) => {
            warnings.push(super::lossy_warning(Some(e.valid_up_to())));
            String::from_utf8_lossy(line)
        }
    };
    let b = decoded.as_bytes();
    let mut out = Vec::with_capacity(b.len() + 16);
    let mut controls = 0usize;
    let mut first_control = None;
    let mut bad_escapes = 0usize;
    let mut lone = 0usize;
    let mut in_string = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if !in_string {
            if c == b'"' {
                in_string = true;
            }
            out.push(c);
            i += 1;
            continue;
        }
        match c {
            b'"' => {
                in_string = false;
                out.push(c);
                i += 1;
            }
            b'\\' => match json_text::decode_at(b, i) {
                Some((Some(_), n)) => {
                    out.extend_from_slice(&b[i..i + n]);
                    i += n;
                }
                Some((None, n)) => {
                    out.extend_from_slice(b"\\ufffd");
                    lone += 1;
                    i += n;
                }
                None => {
                    // `\x`, `\u12`, a backslash at the end: the backslash
                    // was meant as a character.
                    out.extend_from_slice(b"\\\\");
                    bad_escapes += 1;
                    i += 1;
                }
            },
            0x00..=0x1F => {
                if c == b'\n' && i + 1 == b.len() {
                    // The line break that ends the line, not part of a string.
                    out.push(c);
                    i += 1;
                    continue;
                }
                first_control.get_or_insert(i);
                controls += 1;
                out.extend_from_slice(format!("\\u{c:04x}").as_bytes());
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    if controls > 0 {
        warnings.push(format!(
            "{controls} raw control character(s) inside JSON strings (the first at offset {} of the record) read as themselves",
            first_control.unwrap_or(0)
        ));
    }
    if bad_escapes > 0 {
        warnings.push(format!(
            "{bad_escapes} invalid backslash escape(s) inside JSON strings read as a backslash and the character after it"
        ));
    }
    if lone > 0 {
        warnings.push(format!(
            "{lone} unpaired surrogate escape(s) read as U+FFFD"
        ));
    }
    if warnings.is_empty() {
        None
    } else {
        Some((out, warnings))
    }
}
