//! The fast way through a JSONL line of the usual shape: one flat object
//! whose values are strings, numbers, `true`, `false`, `null`, and at most
//! an array of plain strings for `assigned_codes`. Its strings are found
//! with a SIMD search for the quote and the backslash, where serde_json
//! walks them eight bytes at a time; a note's text is the bulk of its line,
//! so that walk was most of the time spent reading.
//!
//! It reads what serde_json would read, or nothing: any other shape (a
//! nested object, an escaped key, a raw control character, invalid UTF-8,
//! an escape serde_json would refuse, anything after the object) gives
//! None, and the caller reads the line with serde_json as before, errors
//! and repairs included. `tests` below hold the two to the same answers,
//! on the corpora and on generated lines.

use super::{Fields, Raw};
use crate::json_text::{hex_digit, short_escape, SHORT_LEN, UNIT_LEN};
use serde_json::Value;

/// JSON's whitespace, as serde_json skips it.
#[inline]
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\t' | b'\r')
}

/// A cursor over the line.
struct Cursor<'a> {
    line: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn skip_space(&mut self) {
        while self.line.get(self.at).is_some_and(|&b| is_space(b)) {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.line.get(self.at).copied()
    }

    fn eat(&mut self, b: u8) -> Option<()> {
        (self.peek()? == b).then(|| self.at += 1)
    }

    /// A string starting at the cursor (its opening quote): the whole
    /// string, quotes included, and whether it holds an escape.
    fn string(&mut self) -> Option<(&'a str, bool)> {
        let start = self.at;
        self.eat(b'"')?;
        let mut escaped = false;
        loop {
            let rest = &self.line[self.at..];
            let found = memchr::memchr2(b'"', b'\\', rest)?;
            self.at += found;
            if self.line[self.at] == b'"' {
                self.at += 1;
                break;
            }
            escaped = true;
            // serde_json refuses any other escape, and a `\u` without four
            // hex digits (it reads a raw value's surrogates later, if ever).
            let letter = *self.line.get(self.at + 1)?;
            if short_escape(letter).is_some() {
                self.at += SHORT_LEN;
            } else if letter == b'u' {
                let hex = self.line.get(self.at + 2..self.at + UNIT_LEN)?;
                if !hex.iter().all(|&h| hex_digit(h).is_some()) {
                    return None;
                }
                self.at += UNIT_LEN;
            } else {
                return None;
            }
        }
        let whole = &self.line[start..self.at];
        // A raw control character is refused by serde_json (and repaired
        // by the slow way); the whole string must be UTF-8.
        if whole.iter().fold(false, |c, &b| c | (b < 0x20)) {
            return None;
        }
        Some((std::str::from_utf8(whole).ok()?, escaped))
    }

    /// The content of a string without escapes at the cursor (a key, a
    /// code): one with escapes is left to serde_json.
    fn plain_string(&mut self) -> Option<&'a str> {
        let (s, escaped) = self.string()?;
        (!escaped).then(|| &s[1..s.len() - 1])
    }

    /// A number, `true`, `false` or `null` at the cursor, as written.
    fn scalar(&mut self) -> Option<&'a str> {
        let start = self.at;
        match self.peek()? {
            b't' => self.word(b"true")?,
            b'f' => self.word(b"false")?,
            b'n' => self.word(b"null")?,
            b'-' | b'0'..=b'9' => self.number()?,
            _ => return None,
        }
        std::str::from_utf8(&self.line[start..self.at]).ok()
    }

    fn word(&mut self, w: &[u8]) -> Option<()> {
        self.line[self.at..]
            .starts_with(w)
            .then(|| self.at += w.len())
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    fn number(&mut self) -> Option<()> {
        let _ = self.eat(b'-');
        match self.peek()? {
            b'0' => self.at += 1,
            b'1'..=b'9' => self.digits()?,
            _ => return None,
        }
        if self.eat(b'.').is_some() {
            self.digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            self.digits()?;
        }
        Some(())
    }

    /// One or more digits.
    fn digits(&mut self) -> Option<()> {
        let n = self.line[self.at..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        (n > 0).then(|| self.at += n)
    }

    /// After a member of an array or object: true past a comma (another
    /// member follows), false past `close`, None on anything else.
    fn next_member(&mut self, close: u8) -> Option<bool> {
        self.skip_space();
        let b = self.peek()?;
        if b != b',' && b != close {
            return None;
        }
        self.at += 1;
        self.skip_space();
        Some(b == b',')
    }

    /// `[ "code", ... ]` of strings without escapes.
    fn codes(&mut self) -> Option<Value> {
        self.eat(b'[')?;
        let mut codes = Vec::new();
        self.skip_space();
        if self.eat(b']').is_none() {
            loop {
                codes.push(Value::String(self.plain_string()?.to_string()));
                if !self.next_member(b']')? {
                    break;
                }
            }
        }
        Some(Value::Array(codes))
    }
}

/// The wanted fields of `line` as serde_json reads them, or None where the
/// line is not of the plain shape (see the module docs).
pub(super) fn record<'a>(line: &'a [u8], fields: &Fields) -> Option<Raw<'a>> {
    let mut c = Cursor { line, at: 0 };
    let mut raw = Raw::default();
    c.skip_space();
    c.eat(b'{')?;
    c.skip_space();
    if c.eat(b'}').is_none() {
        loop {
            let key = c.plain_string()?;
            let (id, text, codes) = (
                key == fields.id,
                key == fields.text,
                key == "assigned_codes",
            );
            c.skip_space();
            c.eat(b':')?;
            c.skip_space();
            let mut escaped_value = false;
            let value = match c.peek()? {
                b'"' => {
                    let (s, escaped) = c.string()?;
                    escaped_value = escaped;
                    s
                }
                b'[' if codes && !id && !text => {
                    raw.codes = Some(c.codes()?);
                    ""
                }
                _ => c.scalar()?,
            };
            if !value.is_empty() {
                if codes {
                    if id || text {
                        // Two roles for one name: the slow way.
                        return None;
                    }
                    raw.codes = Some(serde_json::from_str(value).ok()?);
                }
                if id {
                    raw.id = Some(value);
                }
                if text {
                    raw.text = Some(value);
                    raw.text_unescaped = value.starts_with('"') && !escaped_value;
                }
            }
            if !c.next_member(b'}')? {
                break;
            }
        }
    }
    c.skip_space();
    (c.at == line.len()).then_some(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The wanted fields as serde_json reads them.
    fn slow(line: &[u8]) -> Option<Raw<'_>> {
        let mut de = serde_json::Deserializer::from_slice(line);
        let raw = serde::de::DeserializeSeed::deserialize(
            super::super::RecordSeed(&Fields::default()),
            &mut de,
        )
        .ok()?;
        de.end().ok()?;
        Some(raw)
    }

    /// The fast way's reading, with what only it knows (whether the text
    /// holds an escape) checked and set aside.
    fn fast(line: &str) -> Option<Raw<'_>> {
        let mut raw = record(line.as_bytes(), &Fields::default())?;
        let plain = raw
            .text
            .is_some_and(|t| t.starts_with('"') && !t.contains('\\'));
        assert_eq!(raw.text_unescaped, plain, "{line:?}");
        raw.text_unescaped = false;
        Some(raw)
    }

    fn agree(line: &str) -> bool {
        let fast = fast(line);
        if let Some(fast) = &fast {
            assert_eq!(Some(fast), slow(line.as_bytes()).as_ref(), "{line:?}");
        }
        fast.is_some()
    }

    #[test]
    fn plain_lines_read_as_serde_json_reads_them() {
        for line in [
            r#"{"id": "a1", "text": "Knee pain."}"#,
            "{\"id\":7,\"text\":\"x\"}\n",
            "{\"id\":-0.5e+3,\"text\":\"x\"}\r\n",
            r#"  { "text" : "a \"q\" \\ \/ \n \u00e9 \ud83d\ude00" , "id" : "b" }  "#,
            r#"{"id": "c", "text": "t", "assigned_codes": ["M86.9", "E11.9"]}"#,
            r#"{"id": "c", "text": "t", "assigned_codes": []}"#,
            r#"{"id": "c", "text": "t", "assigned_codes": null}"#,
            r#"{"id": "c", "text": "t", "assigned_codes": "M86.9"}"#,
            r#"{"id": "d", "text": "first", "text": "second", "x": true, "y": false, "z": null}"#,
            r#"{"id": null, "text": 5}"#,
            r#"{}"#,
            r#"{"text": "no id"}"#,
            "{\"id\": \"e\", \"text\": \"caf\u{e9} \u{1f600}\"}",
        ] {
            assert!(agree(line), "{line:?} should be read the fast way");
        }
    }

    #[test]
    fn other_lines_are_left_to_serde_json() {
        for line in [
            r#"{"id": "a", "text": "t", "meta": {"k": 1}}"#,
            r#"{"id": "a", "text": "t", "tags": ["x"]}"#,
            r#"{"id": "a", "text": "t", "assigned_codes": ["M86.9", 5]}"#,
            r#"{"id": "a", "te\u0078t": "t"}"#,
            "{\"id\": \"a\", \"text\": \"tab\there\"}",
            r#"{"id": "a", "text": "C:\temp\x"}"#,
            r#"{"id": "a", "text": "\u00g1"}"#,
            r#"{"id": "a", "text": "t"} x"#,
            r#"{"id": "a", "text": "t",}"#,
            r#"{"id": 01, "text": "t"}"#,
            r#"{"id": 1., "text": "t"}"#,
            r#"{"id": tru, "text": "t"}"#,
            r#"{"id": "a", "text": "cut"#,
            r#"["id", "text"]"#,
            "",
        ] {
            assert!(
                record(line.as_bytes(), &Fields::default()).is_none(),
                "{line:?} should be left to serde_json"
            );
        }
        assert!(record(b"{\"id\": \"a\", \"text\": \"\xff\"}", &Fields::default()).is_none());
    }

    proptest::proptest! {
        /// Any line serde_json reads the same, wherever the fast way reads
        /// it at all.
        #[test]
        fn never_reads_a_line_otherwise_than_serde_json(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "{", "}", "[", "]", ",", ":", " ", "\"id\"", "\"text\"", "\"assigned_codes\"",
                    "\"x\"", "\"a\\\"b\"", "\"\\u00e9\"", "\"\\ud83d\"", "\"\\q\"", "1", "-2.5e3",
                    "01", "true", "null", "fals", "\"M86.9\"", "\"\t\"", "\n",
                ]),
                0..16,
            ),
        ) {
            let line = parts.concat();
            if let Some(fast) = fast(&line) {
                proptest::prop_assert_eq!(Some(fast), slow(line.as_bytes()));
            }
        }

        /// Objects of the usual shape, their values and spacing drawn from
        /// what exports write, some of them slightly broken: wherever
        /// serde_json reads one, the fast way reads it alike or leaves it.
        #[test]
        fn objects_read_alike(
            pairs in proptest::collection::vec(
                (
                    proptest::sample::select(vec!["id", "text", "assigned_codes", "x", "te\\xt"]),
                    proptest::sample::select(vec![
                        "\"Knee pain.\"", "\"a\\nb \\\"q\\\" \\u00e9\"", "\"\\ud83d\"", "12",
                        "-0.5", "1e9", "true", "null", "[\"M86.9\", \"E11.9\"]", "[]",
                        "[\"M86\\u002e9\"]", "{\"k\": 1}", "\"caf\u{e9}\"", "\"\\x\"", "[1]",
                    ]),
                ),
                0..5,
            ),
            space in proptest::sample::select(vec!["", " ", "\t", "\r\n", "  "]),
            tail in proptest::sample::select(vec!["", "\n", " \n", ",", "}"]),
        ) {
            let body: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("{space}\"{k}\"{space}:{space}{v}{space}"))
                .collect();
            let line = format!("{space}{{{}}}{tail}", body.join(","));
            let slow = slow(line.as_bytes());
            if let Some(fast) = fast(&line) {
                proptest::prop_assert_eq!(Some(fast), slow, "{:?}", line);
            }
        }
    }

    /// Every line of the shipped corpora reads alike both ways, and each
    /// note as a plain record (its id, text and claim, as serde_json
    /// writes them; the gold lines' nested labels send the lines
    /// themselves the slow way) takes the fast way.
    #[test]
    fn corpus_lines_read_alike() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora");
        let mut lines = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "jsonl") {
                let text = std::fs::read_to_string(&path).unwrap();
                for line in text.lines().filter(|l| !l.trim().is_empty()) {
                    lines += 1;
                    agree(line);
                    let v: Value = serde_json::from_str(line).unwrap();
                    let mut plain = serde_json::Map::new();
                    for k in ["id", "text", "assigned_codes"] {
                        if let Some(x) = v.get(k) {
                            plain.insert(k.into(), x.clone());
                        }
                    }
                    let plain = serde_json::to_string(&plain).unwrap();
                    assert!(agree(&plain), "{plain:?} went the slow way");
                }
            }
        }
        assert!(lines > 300, "{lines} corpus lines");
    }
}
