//! JSON Lines input: one object per line with an id, a text and optional
//! assigned codes; other fields are ignored, so gold files are valid input.
//!
//! Exports are dirty, and a line that is JSON but for its encoding is read
//! rather than refused, with a warning that says what was done:
//!
//! - bytes that are not UTF-8 are replaced with U+FFFD (spans then refer
//!   to the decoded text);
//! - a raw control character inside a string (a NUL, a tab) is taken as
//!   the character it is; an invalid escape (`C:\temp`) as its two
//!   characters; an unpaired surrogate escape (`\ud83d` alone) as U+FFFD.
//!
//! A line that is still not a JSON object, or whose fields have the wrong
//! types, is an error record. A last line cut off by the end of the input
//! (a truncated export) says so. Blank lines are skipped; a UTF-8
//! byte-order mark at the start of the input is ignored.
//!
//! The text is unescaped straight from the line (serde_json's raw value),
//! keeping at most the reader's byte limit: a 200 MB note costs the line
//! plus the kept text, not three copies.

mod plain;

use super::json::repair;
use super::json::{kind, raw_kind, unescape};
use super::line::{read_lines, Cut};
use super::{truncation_warning, Item, Note, ReadError};
use crate::prefilter::{claim_may_yield, Prefilter};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::Value;
use std::fmt;
use std::io::BufRead;

/// Field names to read.
#[derive(Clone, Debug)]
pub struct Fields {
    /// The id field.
    pub id: String,
    /// The text field.
    pub text: String,
}

impl Default for Fields {
    fn default() -> Self {
        Fields {
            id: "id".into(),
            text: "text".into(),
        }
    }
}

/// The fields of one line, before their types are checked: the id and
/// the text as their JSON values are written.
#[derive(Debug, Default, PartialEq)]
struct Raw<'a> {
    id: Option<&'a str>,
    text: Option<&'a str>,
    codes: Option<Value>,
    /// True when the text is a string known to hold no escape.
    text_unescaped: bool,
}

/// Which of the wanted fields a key names (several, when the options give
/// two of them the same name).
struct Roles {
    id: bool,
    text: bool,
    codes: bool,
}

struct KeySeed<'f>(&'f Fields);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Roles;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Roles, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed<'_> {
    type Value = Roles;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E: de::Error>(self, k: &str) -> Result<Roles, E> {
        Ok(Roles {
            id: k == self.0.id,
            text: k == self.0.text,
            codes: k == "assigned_codes",
        })
    }
}

/// Reads one object keeping only the wanted fields (the last of repeated
/// keys, as a JSON map would); the others are skipped unparsed.
struct RecordSeed<'f>(&'f Fields);

impl<'de> DeserializeSeed<'de> for RecordSeed<'_> {
    type Value = Raw<'de>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Raw<'de>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_> {
    type Value = Raw<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw<'de>, A::Error> {
        let mut raw = Raw::default();
        while let Some(roles) = map.next_key_seed(KeySeed(self.0))? {
            if roles.text || roles.id {
                // Raw, so a numeric id keeps the digits as written.
                let v: &'de RawValue = map.next_value()?;
                if roles.codes {
                    let value: Value = serde_json::from_str(v.get()).map_err(de::Error::custom)?;
                    raw.codes = Some(value);
                }
                if roles.id {
                    raw.id = Some(v.get());
                }
                if roles.text {
                    raw.text = Some(v.get());
                }
            } else if roles.codes {
                raw.codes = Some(map.next_value()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(raw)
    }
}

/// Parses one line into a note, keeping the whole text.
pub fn parse_line(line: &[u8], fields: &Fields) -> Result<Note, ReadError> {
    parse_record(line, fields, usize::MAX)
}

/// Parses one line (with or without its line break) into a note whose text
/// keeps at most `max_note_bytes` bytes (a warning says when it was cut).
pub fn parse_record(
    line: &[u8],
    fields: &Fields,
    max_note_bytes: usize,
) -> Result<Note, ReadError> {
    parse_kept(line, &[], fields, max_note_bytes, false, None)
}

/// [`parse_record`] for a line the reader shortened: `cuts` says which of
/// its strings were cut and how long they were.
pub(crate) fn parse_kept(
    line: &[u8],
    cuts: &[Cut],
    fields: &Fields,
    max_note_bytes: usize,
    defer: bool,
    screen: Option<&Prefilter>,
) -> Result<Note, ReadError> {
    let within = Within {
        cuts,
        max: max_note_bytes,
        defer,
        screen,
    };
    match parse_raw(line, fields) {
        Ok(raw) => note(raw, line, fields, within, Vec::new()),
        Err(e) => {
            // Repair only what an encoding broke, then read it again.
            let Some((repaired, warnings)) = repair(line) else {
                return Err(syntax_error(line, &e));
            };
            match parse_raw(&repaired, fields) {
                Ok(raw) => note(raw, &repaired, fields, within, warnings),
                Err(e2) => Err(ReadError {
                    message: format!(
                        "{} (after repairing: {})",
                        syntax_error(&repaired, &e2).message,
                        warnings.join("; ")
                    ),
                    id: None,
                }),
            }
        }
    }
}

/// What bounds a note's text: the byte limit, and the strings the reader
/// already cut.
#[derive(Clone, Copy)]
struct Within<'c> {
    cuts: &'c [Cut],
    max: usize,
    /// Leave a text as the JSON string wrote it where decoding it later
    /// gives the same note ([`Note::json_escaped`]).
    defer: bool,
    /// Run the first tier on such a text now, while the line is in cache,
    /// and keep no text of a note it clears ([`Note::cleared`]).
    screen: Option<&'c Prefilter>,
}

impl Within<'_> {
    /// The cut of the string `json` (borrowed from `base`), if it was cut.
    fn cut_of(&self, json: &str, base: &[u8]) -> Option<Cut> {
        if self.cuts.is_empty() {
            return None;
        }
        let at = (json.as_ptr() as usize).checked_sub(base.as_ptr() as usize)?;
        let n = super::line::string_ordinal(base, at);
        self.cuts.iter().find(|c| c.ordinal == n).copied()
    }
}

fn parse_raw<'a>(line: &'a [u8], fields: &Fields) -> serde_json::Result<Raw<'a>> {
    if let Some(raw) = plain::record(line, fields) {
        return Ok(raw);
    }
    let mut de = serde_json::Deserializer::from_slice(line);
    let raw = RecordSeed(fields).deserialize(&mut de)?;
    de.end()?;
    Ok(raw)
}

/// The error record's message for a line serde_json refused.
fn syntax_error(line: &[u8], e: &serde_json::Error) -> ReadError {
    let message = if e.is_data() {
        // Valid JSON, but not an object.
        match serde_json::from_slice::<Value>(line) {
            Ok(v) => format!("not a JSON object: found {}", kind(&v)),
            Err(_) => format!("not a JSON object: {e}"),
        }
    } else if e.is_eof() && !line.ends_with(b"\n") {
        format!("truncated record: the input ends in the middle of it ({e})")
    } else {
        format!("not a JSON object: {e}")
    };
    ReadError { id: None, message }
}

fn note(
    raw: Raw<'_>,
    base: &[u8],
    fields: &Fields,
    within: Within<'_>,
    mut warnings: Vec<String>,
) -> Result<Note, ReadError> {
    let max_note_bytes = within.max;
    let id = match raw.id {
        // The number as written: `1e2` stays `1e2`, and two 30-digit ids
        // never meet in one float.
        Some(json) if matches!(json.as_bytes()[0], b'-' | b'0'..=b'9') => json.to_string(),
        Some(json) if json.starts_with('"') => serde_json::from_str::<String>(json)
            .unwrap_or_else(|_| unescape(&json[1..json.len() - 1], usize::MAX).text),
        Some(other) => {
            return Err(ReadError {
                id: None,
                message: format!(
                    "field {:?} must be a string or number, found {}",
                    fields.id,
                    raw_kind(other)
                ),
            })
        }
        None => {
            return Err(ReadError {
                id: None,
                message: format!("missing field {:?}", fields.id),
            })
        }
    };
    let assigned_codes = match raw.codes {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) => {
            let mut codes = Vec::with_capacity(a.len());
            for v in a {
                match v {
                    Value::String(s) => codes.push(s),
                    other => {
                        return Err(ReadError {
                            id: Some(id),
                            message: format!(
                                "assigned_codes must hold strings, found {}",
                                kind(&other)
                            ),
                        })
                    }
                }
            }
            Some(codes)
        }
        Some(other) => {
            return Err(ReadError {
                id: Some(id),
                message: format!("assigned_codes must be an array, found {}", kind(&other)),
            })
        }
    };
    let text = match raw.text {
        Some(json) if json.starts_with('"') => {
            let content = &json[1..json.len() - 1];
            if within.defer && decodes_later(content, json, base, within, raw.text_unescaped) {
                let cleared = within
                    .screen
                    .filter(|_| !claim_may_yield(assigned_codes.as_deref()))
                    .filter(|_| !crate::json_text::is_blank(content))
                    .filter(|p| p.clears_unescaped(content))
                    .map(|_| content.len());
                return Ok(Note {
                    id,
                    text: match cleared {
                        Some(_) => String::new(),
                        None => content.to_string(),
                    },
                    assigned_codes,
                    warnings,
                    json_escaped: cleared.is_none(),
                    cleared,
                });
            }
            let u = unescape(&json[1..json.len() - 1], max_note_bytes);
            if u.lone_surrogates > 0 {
                warnings.push(format!(
                    "{} unpaired surrogate escape(s) in the text read as U+FFFD",
                    u.lone_surrogates
                ));
            }
            // Cut by the reader: the whole size is what it counted.
            let cut = within.cut_of(json, base);
            let full = cut.map_or(u.full_len as u64, |c| c.decoded_len);
            if cut.is_some() || u.text.len() < u.full_len {
                warnings.push(truncation_warning(Some(full), u.text.len(), max_note_bytes));
            }
            u.text
        }
        Some(other) => {
            return Err(ReadError {
                id: Some(id),
                message: format!(
                    "field {:?} must be a string, found {}",
                    fields.text,
                    raw_kind(other)
                ),
            })
        }
        None => {
            return Err(ReadError {
                id: Some(id),
                message: format!("missing field {:?}", fields.text),
            })
        }
    };
    Ok(Note {
        id,
        text,
        assigned_codes,
        warnings,
        json_escaped: false,
        cleared: None,
    })
}

/// True when the text `content` (the JSON string `json` without its
/// quotes, borrowed from `base`) is left as written: it holds no escape,
/// so it is its own decoded text, and the first tier can judge it before
/// anything is decoded ([`Note::json_escaped`]). A string with escapes is
/// decoded here, once: screening it undecoded costs as much as decoding it
/// and screening the text (measured: README, issue 14). Nor is one left
/// that the reader cut or the byte limit would cut.
/// `unescaped`: the line's reader already knows the string holds no
/// escape.
fn decodes_later(
    content: &str,
    json: &str,
    base: &[u8],
    within: Within<'_>,
    unescaped: bool,
) -> bool {
    content.len() <= within.max
        && within.cut_of(json, base).is_none()
        && (unescaped || memchr::memchr(b'\\', content.as_bytes()).is_none())
}

/// The JSONL reader: `.jsonl`, `.json`, and the default.
pub const READER: super::source::Reader = super::source::Reader {
    names: &["jsonl", "json"],
    extensions: &["jsonl", "json"],
    description: "JSONL records {\"id\", \"text\", optional \"assigned_codes\"} (the default, and standard input)",
    read: |reader, name, _, config| match &config.screen {
        Some(prefilter) => Box::new(read_screened(
            reader,
            name,
            config.fields.clone(),
            config.max_note_bytes,
            prefilter.clone(),
        )),
        None => Box::new(read_deferred(
            reader,
            name,
            config.fields.clone(),
            config.max_note_bytes,
            config.defer_decoding,
        )),
    },
    tree: None,
};

/// Reads JSON Lines from `reader`, keeping whole notes; see [`read_with`].
pub fn read<R: BufRead>(reader: R, name: String, fields: Fields) -> impl Iterator<Item = Item> {
    read_with(reader, name, fields, usize::MAX)
}

/// Reads JSON Lines from `reader`; `name` is used in locations; notes keep
/// at most `max_note_bytes` bytes of text. Every non-blank line yields one
/// item: a note, or an error item located at its line and byte offset; a
/// read error (a disk error, a cut gzip stream) yields one error item at
/// the line being read and ends the stream. A line is never held whole:
/// see [`super::line`].
pub fn read_with<R: BufRead>(
    reader: R,
    name: String,
    fields: Fields,
    max_note_bytes: usize,
) -> impl Iterator<Item = Item> {
    read_deferred(reader, name, fields, max_note_bytes, false)
}

/// [`read_with`]; with `defer`, each text that can be is left as the JSON
/// string wrote it ([`Note::json_escaped`]), for [`super::run_with`] to
/// screen and decode on its workers.
pub fn read_deferred<R: BufRead>(
    reader: R,
    name: String,
    fields: Fields,
    max_note_bytes: usize,
    defer: bool,
) -> impl Iterator<Item = Item> {
    read_lines(reader, name, max_note_bytes, move |line, cuts| {
        parse_kept(line, cuts, &fields, max_note_bytes, defer, None)
    })
}

/// [`read_deferred`] that also screens each text left as written with
/// `prefilter` (the analyzer's first tier) as its line is read: a note it
/// clears keeps no text ([`Note::cleared`]). One copy and one pass over
/// the text fewer than screening on the workers, so it is the faster way
/// where the reader and the analysis share one thread; with several, the
/// workers screen in parallel ([`read_deferred`]), and the reader would be
/// the bottleneck. Not for runs that write the full evidence map.
pub fn read_screened<R: BufRead>(
    reader: R,
    name: String,
    fields: Fields,
    max_note_bytes: usize,
    prefilter: std::sync::Arc<Prefilter>,
) -> impl Iterator<Item = Item> {
    read_lines(reader, name, max_note_bytes, move |line, cuts| {
        parse_kept(line, cuts, &fields, max_note_bytes, true, Some(&prefilter))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Note, ReadError> {
        parse_line(line.as_bytes(), &Fields::default())
    }

    proptest::proptest! {
        #[test]
        fn unescape_is_serde_json_for_any_string(s in ".{0,40}", max in 0usize..60) {
            let json = serde_json::to_string(&s).unwrap();
            let u = unescape(&json[1..json.len() - 1], max);
            proptest::prop_assert_eq!(u.full_len, s.len());
            proptest::prop_assert!(s.starts_with(&u.text));
            proptest::prop_assert!(u.text.len() <= max);
            proptest::prop_assert!(s.len() <= max || max - u.text.len() < 4);
            proptest::prop_assert!(s.len() > max || u.text == s);
        }

        #[test]
        fn any_line_parses_or_errs_without_panicking(line in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            let _ = parse_record(&line, &Fields::default(), 16);
            if let Some((repaired, _)) = repair(&line) {
                proptest::prop_assert!(std::str::from_utf8(&repaired).is_ok());
            }
        }
    }

    #[test]
    fn unescape_agrees_with_serde_json_and_keeps_a_prefix() {
        for s in [
            "",
            "plain",
            "a\nb\t\"q\" \\ / \u{0} é 😟 \u{fffd}",
            "\u{1}\u{1f}\u{7f}",
        ] {
            let json = serde_json::to_string(s).unwrap();
            let u = unescape(&json[1..json.len() - 1], usize::MAX);
            assert_eq!(u.text, s);
            assert_eq!(u.full_len, s.len());
            for max in 0..s.len() {
                let u = unescape(&json[1..json.len() - 1], max);
                assert!(u.text.len() <= max && s.starts_with(&u.text), "{s:?} {max}");
                assert_eq!(u.full_len, s.len());
            }
        }
        let u = unescape(r"\ud83d\ude1f \ud83d x \udc00", usize::MAX);
        assert_eq!(u.text, "😟 \u{fffd} x \u{fffd}");
        assert_eq!(u.lone_surrogates, 2);
    }

    #[test]
    fn encoding_damage_is_repaired_with_warnings() {
        let n = parse_line(
            b"{\"id\": \"a\", \"text\": \"caf\xe9 osteomyelitis\"}\n",
            &Fields::default(),
        )
        .unwrap();
        assert_eq!(n.text, "caf\u{fffd} osteomyelitis");
        assert!(n.warnings[0].contains("UTF-8"), "{:?}", n.warnings);
        let n = parse("{\"id\": \"b\", \"text\": \"x\u{0}y\tz\"}").unwrap();
        assert_eq!(n.text, "x\u{0}y\tz");
        assert!(n.warnings[0].contains("2 raw control"), "{:?}", n.warnings);
        let n = parse(r#"{"id": "c", "text": "C:\temp\x \ud800"}"#).unwrap();
        assert_eq!(n.text, "C:\temp\\x \u{fffd}");
        let n = parse(r#"{"id": "\udc00", "text": "t"}"#).unwrap();
        assert_eq!(n.id, "\u{fffd}");
        // Still not an object after repair: an error naming both.
        let e = parse_line(b"{\"id\": \"a\xff\", \"text\": ", &Fields::default()).unwrap_err();
        assert!(e.message.contains("truncated record"), "{}", e.message);
    }

    #[test]
    fn wrong_types_cut_lines_and_non_objects_are_errors() {
        assert!(parse(r#"{"id": "a", "text": 42}"#)
            .unwrap_err()
            .message
            .contains("must be a string, found a number"));
        assert!(parse(r#"{"id": [1], "text": ""}"#)
            .unwrap_err()
            .message
            .contains("found an array"));
        assert_eq!(
            parse("[1]").unwrap_err().message,
            "not a JSON object: found an array"
        );
        assert!(parse_line(b"{\"id\": \"a\", \"te\n", &Fields::default())
            .unwrap_err()
            .message
            .starts_with("not a JSON object"));
        assert!(parse(r#"{"id": "a", "te"#)
            .unwrap_err()
            .message
            .starts_with("truncated record"));
        let n = parse(r#"{"id": "a", "text": "one", "text": "two", "x": {"y": [1]}}"#).unwrap();
        assert_eq!(n.text, "two", "the last of repeated keys, as a JSON map");
    }

    #[test]
    fn the_same_name_for_two_fields_reads_both() {
        let f = Fields {
            id: "k".into(),
            text: "k".into(),
        };
        let n = parse_line(br#"{"k": "same"}"#, &f).unwrap();
        assert_eq!((n.id.as_str(), n.text.as_str()), ("same", "same"));
    }

    #[test]
    fn locations_carry_line_and_byte_and_a_bom_is_skipped() {
        let input = b"\xef\xbb\xbf{\"id\": \"a\", \"text\": \"t\"}\n\n  \n{bad\n{\"id\": \"c\", \"text\": \"\"}";
        let items: Vec<Item> = read(&input[..], "f".into(), Fields::default()).collect();
        assert_eq!(items.len(), 3);
        assert!(items[0].note.is_ok());
        assert_eq!(items[1].location, "f:4 (byte 32)");
        assert_eq!(items[2].location, "f:5 (byte 37)");
        let items: Vec<Item> = read(&b"\xff\xfe{\x00"[..], "u".into(), Fields::default()).collect();
        assert!(items[0]
            .note
            .as_ref()
            .unwrap_err()
            .message
            .contains("UTF-16"));
    }
}
