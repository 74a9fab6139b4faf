//! CSV input, as clinical data warehouses export notes (MIMIC-III
//! NOTEEVENTS: `ROW_ID,...,TEXT` with quoted multi-line text): a header
//! row, then one note a record. The id and text columns are chosen by
//! header name (`--id-field ROW_ID --text-field TEXT`); a name matches
//! exactly, or failing that ignoring ASCII case. An optional
//! `assigned_codes` column holds the claim, codes separated by `;`, `,`,
//! `|` or spaces (an empty cell: no claim).
//!
//! Locations are `file:line (byte N)`, the line on which the record
//! starts and its byte offset. When the header lacks the id or text column,
//! every record still yields its own error record.
//!
//! Dirty exports:
//!
//! - a ragged row (more or fewer cells than the header) that still has its
//!   id and text cells is analysed, with a warning that its columns may be
//!   shifted; one too short to hold them is an error record;
//! - cells that are not UTF-8 are decoded lossily, with a warning;
//! - a quoted field still open at the end of the input (a file cut short,
//!   or an unbalanced quote that swallowed the records after it) makes its
//!   record an error record saying how many lines it ran over; a last
//!   record ending without a line break outside quotes is analysed with a
//!   warning that it may be cut short.

use super::jsonl::Fields;
use super::{location, Item, Note, ReadError};
use std::io::Read;

/// The columns found in the header.
struct Columns {
    id: Option<usize>,
    text: Option<usize>,
    codes: Option<usize>,
    /// Cells in the header.
    width: usize,
    /// Why the note columns are missing, for every record's error.
    missing: Option<String>,
}

/// Where the CSV grammar stands after some bytes, as the `csv` crate
/// reads them (RFC 4180 quoting, `""` inside quotes, any of `\r`, `\n`,
/// `\r\n` ending a record, blank lines skipped): enough to tell where each
/// record starts and, at the end of the input, whether a quoted field was
/// left open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum QuoteState {
    /// Between records: at the start of the input or after a line break.
    #[default]
    RecordStart,
    /// At the start of a field after a comma (or of a record's first).
    FieldStart,
    /// Inside a field that did not start with a quote.
    Unquoted,
    /// Inside a quoted field.
    Quoted,
    /// Just after a quote inside a quoted field: its end, or the first of
    /// a doubled quote.
    QuoteInQuoted,
}

impl QuoteState {
    /// The state at the end of a whole input (a leading UTF-8 byte-order
    /// mark skipped, as the csv crate does).
    pub fn of_input(input: &[u8]) -> QuoteState {
        QuoteState::default().feed(input.strip_prefix(b"\xef\xbb\xbf").unwrap_or(input))
    }

    /// The state after reading `bytes` from this one.
    pub fn feed(self, bytes: &[u8]) -> QuoteState {
        self.feed_marking(bytes, |_| {})
    }

    /// The state after reading `bytes`, calling `record` with the offset
    /// in `bytes` of each record's first byte.
    fn feed_marking(mut self, bytes: &[u8], mut record: impl FnMut(usize)) -> QuoteState {
        use QuoteState::*;
        let mut i = 0;
        while i < bytes.len() {
            match self {
                Quoted => match memchr::memchr(b'"', &bytes[i..]) {
                    Some(p) => {
                        i += p + 1;
                        self = QuoteInQuoted;
                    }
                    None => return Quoted,
                },
                Unquoted => match memchr::memchr3(b',', b'\n', b'\r', &bytes[i..]) {
                    Some(p) => {
                        self = if bytes[i + p] == b',' {
                            FieldStart
                        } else {
                            RecordStart
                        };
                        i += p + 1;
                    }
                    None => return Unquoted,
                },
                RecordStart => {
                    if matches!(bytes[i], b'\r' | b'\n') {
                        i += 1;
                    } else {
                        record(i);
                        self = FieldStart;
                    }
                }
                FieldStart | QuoteInQuoted => {
                    let c = bytes[i];
                    i += 1;
                    self = match (self, c) {
                        (FieldStart, b'"') | (QuoteInQuoted, b'"') => Quoted,
                        (_, b',') => FieldStart,
                        (_, b'\n' | b'\r') => RecordStart,
                        _ => Unquoted,
                    };
                }
            }
        }
        self
    }
}

/// The reader under the CSV parser. It follows the grammar as the parser
/// does, to give each record's true start (the csv crate's own position
/// is where it began looking, before any blank lines or the `\n` of a
/// `\r\n`), and notes the end of the input, so a record cut by it can be
/// told.
struct Watch<R> {
    inner: R,
    state: QuoteState,
    eof: bool,
    /// Bytes read so far, and line breaks among them (`\r\n`, `\r` or
    /// `\n`: one each).
    offset: u64,
    lines: u64,
    last_cr: bool,
    /// The last byte read was a line break.
    at_break: bool,
    /// (byte, line) of each record start the parser has not yet returned.
    starts: std::collections::VecDeque<(u64, u64)>,
}

impl<R> Watch<R> {
    /// Counts the line breaks in `b`.
    fn count_lines(&mut self, b: &[u8]) {
        for p in memchr::memchr2_iter(b'\r', b'\n', b) {
            let crlf = b[p] == b'\n'
                && (if p == 0 {
                    self.last_cr
                } else {
                    b[p - 1] == b'\r'
                });
            self.lines += u64::from(!crlf);
        }
        if let Some(&last) = b.last() {
            self.last_cr = last == b'\r';
            self.at_break = matches!(last, b'\r' | b'\n');
        }
    }
}

impl<R: Read> Read for Watch<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 {
            self.eof = !buf.is_empty();
            return Ok(0);
        }
        let mut seen = &buf[..n];
        let mut base = self.offset;
        if self.offset == 0 && seen.starts_with(b"\xef\xbb\xbf") {
            // The csv crate drops a UTF-8 byte-order mark that arrives
            // whole in its first read; so does the tracker.
            seen = &seen[3..];
            base += 3;
        }
        let mut marks = Vec::new();
        self.state = self.state.feed_marking(seen, |at| marks.push(at));
        let mut counted = 0;
        for at in marks {
            self.count_lines(&seen[counted..at]);
            counted = at;
            self.starts.push_back((base + at as u64, self.lines + 1));
        }
        self.count_lines(&seen[counted..]);
        self.offset += n as u64;
        Ok(n)
    }
}

fn find(headers: &::csv::ByteRecord, name: &str) -> Option<usize> {
    headers
        .iter()
        .position(|h| h == name.as_bytes())
        .or_else(|| {
            headers
                .iter()
                .position(|h| h.eq_ignore_ascii_case(name.as_bytes()))
        })
}

fn columns(headers: &::csv::ByteRecord, fields: &Fields) -> Columns {
    let id = find(headers, &fields.id);
    let text = find(headers, &fields.text);
    let codes = find(headers, "assigned_codes");
    let names: Vec<String> = headers
        .iter()
        .map(|h| String::from_utf8_lossy(h).into_owned())
        .collect();
    let missing = match (id, text) {
        (Some(_), Some(_)) => None,
        (None, _) => Some(&fields.id),
        (_, None) => Some(&fields.text),
    }
    .map(|name| {
        format!(
            "no column {name:?} in the header (columns: {}); choose one with --id-field / --text-field",
            names.join(", ")
        )
    });
    Columns {
        id,
        text,
        codes,
        width: headers.len(),
        missing,
    }
}

/// Reads CSV records from `reader`, keeping whole notes; see [`read_with`].
pub fn read<R: Read>(reader: R, name: String, fields: Fields) -> impl Iterator<Item = Item> {
    read_with(reader, name, fields, usize::MAX)
}

/// Records bigger than this give their buffer back once read.
const KEEP_RECORD: usize = 4 << 20;

/// Reads CSV records from `reader`; `name` is used in locations; notes keep
/// at most `max_note_bytes` bytes of text. Every record after the header
/// yields one item (blank lines are skipped); a record whose id or text
/// cell is missing becomes an error item; a read error becomes one error
/// item and ends the stream.
pub fn read_with<R: Read>(
    reader: R,
    name: String,
    fields: Fields,
    max_note_bytes: usize,
) -> impl Iterator<Item = Item> {
    let mut csv = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(Watch {
            inner: reader,
            state: QuoteState::default(),
            eof: false,
            offset: 0,
            lines: 0,
            last_cr: false,
            at_break: false,
            starts: Default::default(),
        });
    let mut record = ::csv::ByteRecord::new();
    let mut cols: Option<Columns> = None;
    let mut done = false;
    std::iter::from_fn(move || loop {
        if done {
            return None;
        }
        if record.as_slice().len() > KEEP_RECORD {
            record = ::csv::ByteRecord::new();
        }
        let before = csv.position().clone();
        match csv.read_byte_record(&mut record) {
            Ok(false) => return None,
            Ok(true) => {
                let (byte, line) = csv.get_mut().starts.pop_front().unwrap_or_else(|| {
                    let p = record.position().unwrap_or(&before);
                    (p.byte(), p.line())
                });
                let Some(c) = &cols else {
                    // (The csv crate has dropped a byte-order mark.)
                    cols = Some(columns(&record, &fields));
                    continue;
                };
                if record.len() == 1 && record[0].is_empty() {
                    // A blank line.
                    continue;
                }
                let at = location(&name, line, byte);
                let watch = csv.get_ref();
                if watch.eof && watch.state == QuoteState::Quoted {
                    let last_line = watch.lines + u64::from(!watch.at_break);
                    let lines = last_line.saturating_sub(line) + 1;
                    let id =
                        c.id.and_then(|k| record.get(k))
                            .map(|id| String::from_utf8_lossy(id).into_owned());
                    return Some(Item::error(
                        at,
                        id,
                        format!(
                            "unclosed quote: a quoted field of this record runs to the end of the input ({lines} lines); \
                             the file is cut short, or an unbalanced quote swallowed the records after this one"
                        ),
                    ));
                }
                let mut note = note(&record, c, max_note_bytes);
                if let Ok(n) = &mut note {
                    if watch.eof
                        && matches!(watch.state, QuoteState::Unquoted | QuoteState::FieldStart)
                    {
                        n.warnings.push(
                            "the input ends inside this record, without a line break: it may be cut short"
                                .to_string(),
                        );
                    }
                }
                return Some(Item { location: at, note });
            }
            Err(e) => {
                if matches!(e.kind(), ::csv::ErrorKind::Io(_)) {
                    done = true;
                }
                let at = location(&name, before.line().max(1), before.byte());
                return Some(Item::error(at, None, format!("read error: {e}")));
            }
        }
    })
}

fn note(record: &::csv::ByteRecord, c: &Columns, max_note_bytes: usize) -> Result<Note, ReadError> {
    let (Some(id_col), Some(text_col)) = (c.id, c.text) else {
        return Err(ReadError {
            id: None,
            message: c.missing.clone().unwrap_or_default(),
        });
    };
    let mut warnings = Vec::new();
    let Some(id) = record.get(id_col) else {
        return Err(ReadError {
            id: None,
            message: format!(
                "ragged row: {} cell(s) where the header has {}, so no id (column {})",
                record.len(),
                c.width,
                id_col + 1
            ),
        });
    };
    let id = match std::str::from_utf8(id) {
        Ok(id) => id.to_string(),
        Err(_) => {
            warnings
                .push("the id is not valid UTF-8: invalid bytes replaced with U+FFFD".to_string());
            String::from_utf8_lossy(id).into_owned()
        }
    };
    let Some(text) = record.get(text_col) else {
        return Err(ReadError {
            id: Some(id),
            message: format!(
                "ragged row: {} cell(s) where the header has {}, so no text (column {})",
                record.len(),
                c.width,
                text_col + 1
            ),
        });
    };
    if record.len() != c.width {
        warnings.push(format!(
            "ragged row: {} cell(s) where the header has {}; the id and text cells were read, but the columns may be shifted",
            record.len(),
            c.width
        ));
    }
    // Only the kept part of a huge cell is copied.
    let cut = super::floor_utf8_cut(text, max_note_bytes);
    let (mut text, lossy) = super::decode_lossy(text[..cut].to_vec());
    warnings.extend(lossy);
    if cut < record[text_col].len() || text.len() > max_note_bytes {
        text.truncate(super::floor_char_boundary(&text, max_note_bytes));
        warnings.push(super::truncation_warning(
            Some(record[text_col].len() as u64),
            text.len(),
            max_note_bytes,
        ));
    }
    let assigned_codes = c
        .codes
        .and_then(|k| record.get(k))
        .filter(|cell| !cell.trim_ascii().is_empty())
        .map(|cell| {
            String::from_utf8_lossy(cell)
                .split([';', ',', ' ', '|'])
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        });
    Ok(Note {
        id,
        text,
        assigned_codes,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(input: &[u8], id: &str, text: &str) -> Vec<Item> {
        let fields = Fields {
            id: id.into(),
            text: text.into(),
        };
        read(input, "n.csv".into(), fields).collect()
    }

    #[test]
    fn quoted_multiline_text_and_columns_by_name() {
        let input = "ROW_ID,SUBJECT_ID,CATEGORY,TEXT\n\
                     1,10,Discharge summary,\"Admission Date:\n\"\"chronic\"\" osteomyelitis, left femur.\"\n\
                     2,11,Radiology,plain\n";
        let got = items(input.as_bytes(), "ROW_ID", "text");
        assert_eq!(got.len(), 2);
        let n = got[0].note.as_ref().unwrap();
        assert_eq!(n.id, "1");
        assert_eq!(
            n.text,
            "Admission Date:\n\"chronic\" osteomyelitis, left femur."
        );
        assert_eq!(got[0].location, "n.csv:2 (byte 32)");
        assert_eq!(got[1].location, "n.csv:4 (byte 112)");
        assert_eq!(got[1].note.as_ref().unwrap().text, "plain");
    }

    #[test]
    fn a_short_row_and_a_missing_column_become_error_records() {
        let got = items(b"id,text\na,one\nb\nc,three\n", "id", "text");
        assert_eq!(got.len(), 3);
        let e = got[1].note.as_ref().unwrap_err();
        assert!(e.message.contains("ragged row"), "{}", e.message);
        assert_eq!(e.id.as_deref(), Some("b"));
        let got = items(b"id,body\na,one\nb,two\n", "id", "text");
        assert_eq!(got.len(), 2, "one error record per record");
        let e = got[0].note.as_ref().unwrap_err();
        assert!(e.message.contains("no column \"text\""), "{}", e.message);
    }

    #[test]
    fn claims_and_lossy_text() {
        let got = items(
            b"id,text,assigned_codes\na,ok,M86.9;B95.62\nb,\xff,\n",
            "id",
            "text",
        );
        let a = got[0].note.as_ref().unwrap();
        assert_eq!(
            a.assigned_codes.as_deref(),
            Some(&["M86.9".to_string(), "B95.62".to_string()][..])
        );
        let b = got[1].note.as_ref().unwrap();
        assert_eq!(b.assigned_codes, None);
        assert_eq!(b.text, "\u{fffd}");
        assert_eq!(b.warnings.len(), 1);
    }
}
