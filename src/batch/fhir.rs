//! FHIR Bulk Data input: NDJSON files of `DocumentReference` resources, as
//! a `$export` writes them (`DocumentReference.ndjson`).
//!
//! The note is the resource's `text/plain` attachments (`content[].attachment`
//! with inline base64 `data`), decoded as their `charset` says (UTF-8 when
//! it says nothing; ISO-8859-1 is understood); several are joined with a
//! blank line, in order, and offsets point into that joined text. The id is
//! the resource `id`. Attachments that are not read (another content type,
//! a `url` without inline data) are reported: as a warning on the result
//! when a text attachment was read, or in the record's error when none was,
//! never silently dropped. A line that is not a DocumentReference becomes an
//! error record. Lines are located, and their encoding damage repaired, as
//! in [`super::jsonl`]; only as much base64 is decoded as the reader's byte
//! limit keeps.

use super::json::repair;
use super::line::read_lines;
use super::line::Cut;
use super::{Item, Note, ReadError};
use base64::Engine as _;
use serde::Deserialize;
use std::borrow::Cow;
use std::io::BufRead;

#[derive(Deserialize)]
struct Resource<'a> {
    #[serde(rename = "resourceType")]
    resource_type: Option<String>,
    id: Option<String>,
    #[serde(default, borrow)]
    content: Vec<Content<'a>>,
}

#[derive(Deserialize)]
struct Content<'a> {
    #[serde(borrow)]
    attachment: Option<Attachment<'a>>,
}

#[derive(Deserialize)]
struct Attachment<'a> {
    #[serde(rename = "contentType")]
    content_type: Option<String>,
    /// Borrowed from the line: base64 has no escapes, so a huge
    /// attachment is not copied before it is decoded. (serde borrows a
    /// `Cow` only when it is not inside an `Option`, hence the newtype.)
    #[serde(borrow)]
    data: Option<Borrowed<'a>>,
    url: Option<String>,
}

/// A string that borrows from the line when it holds no escapes.
#[derive(Deserialize)]
struct Borrowed<'a>(#[serde(borrow)] Cow<'a, str>);

/// The FHIR reader: `.ndjson`.
pub const READER: super::source::Reader = super::source::Reader {
    names: &["fhir", "ndjson"],
    extensions: &["ndjson"],
    description: "FHIR Bulk Data NDJSON of DocumentReference (text/plain attachments)",
    read: |reader, name, _, config| Box::new(read_with(reader, name, config.max_note_bytes)),
    tree: None,
};

/// Reads FHIR NDJSON from `reader`, keeping whole notes; see [`read_with`].
pub fn read<R: BufRead>(reader: R, name: String) -> impl Iterator<Item = Item> {
    read_with(reader, name, usize::MAX)
}

/// Reads FHIR NDJSON from `reader`; `name` is used in locations; notes
/// keep at most `max_note_bytes` bytes of text. One item per non-blank
/// line, as [`super::jsonl::read_with`].
pub fn read_with<R: BufRead>(
    reader: R,
    name: String,
    max_note_bytes: usize,
) -> impl Iterator<Item = Item> {
    read_lines(reader, name, max_note_bytes, move |line, cuts| {
        parse_kept(line, cuts, max_note_bytes)
    })
}

/// Parses one NDJSON line into a note, keeping the whole text.
pub fn parse_line(line: &[u8]) -> Result<Note, ReadError> {
    parse_record(line, usize::MAX)
}

/// Parses one NDJSON line into a note of at most `max_note_bytes` bytes.
pub fn parse_record(line: &[u8], max_note_bytes: usize) -> Result<Note, ReadError> {
    parse_kept(line, &[], max_note_bytes)
}

/// [`parse_record`] for a line whose `cuts` the reader made.
fn parse_kept(line: &[u8], cuts: &[Cut], max_note_bytes: usize) -> Result<Note, ReadError> {
    let base = Base { line, cuts };
    match serde_json::from_slice::<Resource>(line) {
        Ok(r) => resource_note(r, base, max_note_bytes, Vec::new()),
        Err(e) => {
            let cut = e.is_eof() && !line.ends_with(b"\n");
            let Some((repaired, warnings)) = repair(line) else {
                return Err(ReadError {
                    id: None,
                    message: if cut {
                        format!("truncated record: the input ends in the middle of it ({e})")
                    } else {
                        format!("not a FHIR resource: {e}")
                    },
                });
            };
            let base = Base {
                line: &repaired,
                cuts,
            };
            match serde_json::from_slice::<Resource>(&repaired) {
                Ok(r) => resource_note(r, base, max_note_bytes, warnings),
                Err(e) => Err(ReadError {
                    id: None,
                    message: format!(
                        "not a FHIR resource: {e} (after repairing: {})",
                        warnings.join("; ")
                    ),
                }),
            }
        }
    }
}

/// The line a resource was parsed from, and the strings the reader cut in
/// it: an attachment cut there is measured by the cut.
#[derive(Clone, Copy)]
struct Base<'a> {
    line: &'a [u8],
    cuts: &'a [Cut],
}

impl Base<'_> {
    /// Bytes of the whole base64 text of `data`, when the reader cut it.
    fn cut_len(&self, data: &str) -> Option<u64> {
        if self.cuts.is_empty() {
            return None;
        }
        // Only data borrowed from the line (no escapes) lies inside it.
        let at = (data.as_ptr() as usize).checked_sub(self.line.as_ptr() as usize)?;
        if at > self.line.len() {
            return None;
        }
        // The string's content starts after its quote.
        let n = super::line::string_ordinal(self.line, at.checked_sub(1)?);
        self.cuts
            .iter()
            .find(|c| c.ordinal == n)
            .map(|c| c.decoded_len)
    }
}

fn resource_note(
    r: Resource<'_>,
    base: Base<'_>,
    max_note_bytes: usize,
    mut warnings: Vec<String>,
) -> Result<Note, ReadError> {
    match r.resource_type.as_deref() {
        Some("DocumentReference") => {}
        other => {
            return Err(ReadError {
                id: r.id,
                message: format!(
                    "resourceType {}, expected DocumentReference",
                    other.map_or("missing".to_string(), |t| format!("{t:?}"))
                ),
            })
        }
    }
    let Some(id) = r.id else {
        return Err(ReadError {
            id: None,
            message: "DocumentReference without an id".into(),
        });
    };
    let mut text = String::new();
    let mut read_any = false;
    let mut skipped: Vec<String> = Vec::new();
    // The whole note's size, when some of it is not decoded.
    let mut full: u64 = 0;
    let mut cut = false;
    for (i, c) in r.content.iter().enumerate() {
        let Some(a) = &c.attachment else {
            skipped.push(format!("content[{i}] has no attachment"));
            continue;
        };
        let ctype = a.content_type.as_deref().unwrap_or("");
        let (mime, params) = ctype.split_once(';').unwrap_or((ctype, ""));
        let mime = mime.trim();
        if !mime.eq_ignore_ascii_case("text/plain") {
            let what = if mime.is_empty() { "untyped" } else { mime };
            skipped.push(format!(
                "content[{i}]: {what} attachment not analysed (only text/plain is read)"
            ));
            continue;
        }
        let Some(Borrowed(data)) = &a.data else {
            let url = a.url.as_deref().unwrap_or("no url");
            skipped.push(format!(
                "content[{i}]: text/plain attachment without inline data ({url}) not fetched"
            ));
            continue;
        };
        // Room left for this part, and a few bytes to cut at a character.
        let room = max_note_bytes.saturating_sub(text.len() + if read_any { 2 } else { 0 });
        let (bytes, size) = match decode_base64(data, room.saturating_add(4)) {
            Ok(b) => b,
            Err(e) => {
                skipped.push(format!("content[{i}]: data is not base64: {e}"));
                continue;
            }
        };
        // An attachment the reader cut: its size from its whole length.
        let size = base.cut_len(data).map_or(size, |n| n / 4 * 3);
        full += size + if read_any { 2 } else { 0 };
        let mut bytes = bytes;
        if bytes.len() > room {
            // Cut where a character starts, so the cut is not mistaken
            // for bad UTF-8.
            bytes.truncate(super::floor_utf8_cut(&bytes, room));
            cut = true;
        }
        let part = match charset(params).as_deref() {
            Some("iso-8859-1" | "latin1" | "latin-1") => bytes.iter().map(|&b| b as char).collect(),
            _ => match String::from_utf8(bytes) {
                Ok(s) => s,
                Err(e) => {
                    warnings.push(format!("content[{i}]: {}", super::lossy_warning(None)));
                    String::from_utf8_lossy(e.as_bytes()).into_owned()
                }
            },
        };
        if read_any {
            text.push_str("\n\n");
        }
        text.push_str(&part);
        read_any = true;
    }
    if !read_any {
        let why = if skipped.is_empty() {
            "no attachment".to_string()
        } else {
            skipped.join("; ")
        };
        return Err(ReadError {
            id: Some(id),
            message: format!("no text/plain attachment with data: {why}"),
        });
    }
    warnings.extend(skipped);
    if cut || text.len() > max_note_bytes {
        text.truncate(super::floor_char_boundary(&text, max_note_bytes));
        warnings.push(super::truncation_warning(
            Some(full.max(text.len() as u64)),
            text.len(),
            max_note_bytes,
        ));
    }
    Ok(Note {
        id,
        text,
        assigned_codes: None,
        warnings,
        json_escaped: false,
        cleared: None,
    })
}

fn charset(params: &str) -> Option<String> {
    params.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches('"').to_ascii_lowercase())
    })
}

/// Standard base64; FHIR allows whitespace inside, which is skipped.
/// Decodes at most about `max` bytes (whole 4-character groups from the
/// start) and returns them with the size of the whole decoded data.
fn decode_base64(data: &str, max: usize) -> Result<(Vec<u8>, u64), base64::DecodeError> {
    let engine = base64::engine::general_purpose::STANDARD;
    let compact: Cow<[u8]> = if data.bytes().any(|b| b.is_ascii_whitespace()) {
        data.bytes()
            .filter(|b| !b.is_ascii_whitespace())
            .collect::<Vec<u8>>()
            .into()
    } else {
        data.as_bytes().into()
    };
    let padding = compact.iter().rev().take(2).filter(|&&b| b == b'=').count();
    let size = (compact.len() / 4 * 3).saturating_sub(padding) as u64;
    let groups = max.div_ceil(3).saturating_add(1);
    let take = groups.saturating_mul(4);
    if take < compact.len() {
        // A prefix of whole groups holds no padding and decodes alone.
        return Ok((engine.decode(&compact[..take])?, size));
    }
    let bytes = engine.decode(&compact[..])?;
    let n = bytes.len() as u64;
    Ok((bytes, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    #[test]
    fn an_attachment_the_reader_cut_reports_its_whole_size() {
        // 30,000 bytes of text: 40,000 base64 bytes, no padding.
        let line = serde_json::json!({
            "resourceType": "DocumentReference", "id": "big",
            "content": [{"attachment": {"contentType": "text/plain", "data": b64(&b"R/L ".repeat(7500))}}]
        })
        .to_string()
            + "\n";
        let items: Vec<Item> = read_with(line.as_bytes(), "t".into(), 1024).collect();
        assert_eq!(items.len(), 1);
        let note = items[0].note.as_ref().unwrap();
        assert_eq!(note.text.len(), 1024);
        assert!(
            note.warnings[0].starts_with("the note is 30000 bytes"),
            "{:?}",
            note.warnings
        );
    }

    #[test]
    fn text_attachments_are_decoded_and_others_reported() {
        let line = serde_json::json!({
            "resourceType": "DocumentReference", "id": "doc-1",
            "content": [
                {"attachment": {"contentType": "text/plain; charset=utf-8", "data": b64("Ostéomyélite, left femur.".as_bytes())}},
                {"attachment": {"contentType": "application/pdf", "url": "Binary/9"}},
                {"attachment": {"contentType": "text/plain;charset=ISO-8859-1", "data": b64(b"caf\xe9")}}
            ]
        })
        .to_string();
        let n = parse_line(line.as_bytes()).unwrap();
        assert_eq!(n.id, "doc-1");
        assert_eq!(n.text, "Ostéomyélite, left femur.\n\ncafé");
        assert_eq!(n.warnings.len(), 1);
        assert!(
            n.warnings[0].contains("application/pdf"),
            "{:?}",
            n.warnings
        );
    }

    #[test]
    fn a_resource_without_text_is_an_error_record_naming_what_it_held() {
        let line = br#"{"resourceType":"DocumentReference","id":"d2","content":[{"attachment":{"contentType":"application/pdf","data":"JVBERi0="}}]}"#;
        let e = parse_line(line).unwrap_err();
        assert_eq!(e.id.as_deref(), Some("d2"));
        assert!(e.message.contains("application/pdf"), "{}", e.message);
        let e = parse_line(br#"{"resourceType":"Patient","id":"p"}"#).unwrap_err();
        assert!(e.message.contains("Patient"));
        let e = parse_line(b"[1]").unwrap_err();
        assert!(e.message.contains("not a FHIR resource"));
    }

    #[test]
    fn base64_with_line_breaks_decodes() {
        let whole = b64(b"abcdefgh");
        let data = format!("{}\n{}", &whole[..4], &whole[4..]);
        assert_eq!(decode_base64(&data, usize::MAX).unwrap().0, b"abcdefgh");
        let (prefix, size) = decode_base64(&whole, 2).unwrap();
        assert_eq!((&prefix[..], size), (&b"abcdef"[..], 8));
    }
}
