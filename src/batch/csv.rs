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

/// What the reader under the parser learnt about one record.
#[derive(Debug, Default)]
struct Seen {
    /// Its first byte and the line it starts on.
    byte: u64,
    line: u64,
    /// Cells cut at the field limit: (cell index, bytes in the input).
    cuts: Vec<(usize, u64)>,
    /// Bytes in the input, when the record ran past the record limit and
    /// its end was dropped.
    overflow: Option<u64>,
    /// Lines inside a quoted field that may be whole records of their own
    /// (as many cells as the header, a short first cell without spaces),
    /// with that first cell: when it has the shape of the record's own
    /// first cell, the mark of a stray quote that merged rows.
    merged: Vec<(u64, Vec<u8>)>,
    /// Blank lines skipped just before it: (first line, count).
    blank: Option<(u64, u64)>,
}

/// The reader under the CSV parser. It follows the grammar as the parser
/// does, to give each record's true start (the csv crate's own position
/// is where it began looking, before any blank lines or the `\n` of a
/// `\r\n`), and notes the end of the input, so a record cut by it can be
/// told. It also bounds what the parser holds: a cell keeps at most
/// `field_cap` bytes and a record `record_cap` (a cell's separator counted
/// as the bounds the parser stores for it); the rest is dropped but
/// counted, a quoted cell still closed with its quote, so a 2 GB header or
/// note costs the caps, not its size.
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
    /// What is known of each record the parser has not yet returned.
    starts: std::collections::VecDeque<Seen>,
    field_cap: usize,
    record_cap: usize,
    /// Cells in the first record (the header), once it has ended.
    width: Option<usize>,
    /// The current record: its cell, bytes of that cell and of the record
    /// in the input and passed on, and whether its rest is dropped.
    cell: usize,
    cell_len: u64,
    cell_kept: usize,
    record_len: u64,
    record_kept: usize,
    closed: bool,
    dropping: bool,
    /// The current quoted cell's opening quote was passed on; a quote held
    /// back while dropping (its end, or half of a doubled quote).
    quote_passed: bool,
    held_quote: bool,
    /// Inside a quoted cell: separators and the first cell's look on the
    /// current line.
    line_commas: usize,
    line_first: usize,
    line_first_plain: bool,
    line_first_bytes: Vec<u8>,
    /// The current line started inside the quoted cell (not the line the
    /// quote opened on).
    line_in_quotes: bool,
    /// Blank lines since the last record: (first line, count).
    blank: Option<(u64, u64)>,
    scratch: Vec<u8>,
}

impl<R> Watch<R> {
    fn new(inner: R, max_note_bytes: usize) -> Watch<R> {
        let field_cap = max_note_bytes.saturating_add(8);
        Watch {
            inner,
            state: QuoteState::default(),
            eof: false,
            offset: 0,
            lines: 0,
            last_cr: false,
            at_break: false,
            starts: Default::default(),
            field_cap,
            record_cap: field_cap.saturating_add(1 << 20),
            width: None,
            cell: 0,
            cell_len: 0,
            cell_kept: 0,
            record_len: 0,
            record_kept: 0,
            closed: false,
            dropping: false,
            quote_passed: false,
            held_quote: false,
            line_commas: 0,
            line_first: 0,
            line_first_plain: true,
            line_first_bytes: Vec::new(),
            line_in_quotes: false,
            blank: None,
            scratch: Vec::new(),
        }
    }

    /// Ends the current cell (a separator or the record's end follows).
    fn end_cell(&mut self) {
        if self.dropping {
            if let Some(seen) = self.starts.back_mut() {
                seen.cuts.push((self.cell, self.cell_len));
            }
        }
        self.cell_len = 0;
        self.cell_kept = 0;
        self.dropping = false;
        self.quote_passed = false;
        self.held_quote = false;
    }

    fn end_record(&mut self) {
        self.end_cell();
        if let Some(seen) = self.starts.back_mut() {
            if self.closed {
                seen.overflow = Some(self.record_len);
            }
        }
        if self.width.is_none() {
            self.width = Some(self.cell + 1);
        }
        self.closed = false;
        self.cell = 0;
    }

    /// Passes `b` on when the record still has room (a structural byte:
    /// a quote, a separator, weighing `weight`).
    fn structure(&mut self, b: u8, weight: usize, out: &mut Vec<u8>) -> bool {
        if self.closed {
            return false;
        }
        if self.record_kept + weight > self.record_cap {
            self.closed = true;
            return false;
        }
        self.record_kept += weight;
        out.push(b);
        true
    }

    /// A byte of a cell's content.
    fn content(&mut self, b: u8, out: &mut Vec<u8>) {
        self.cell_len += 1;
        if self.closed || self.dropping {
            return;
        }
        if self.cell_kept >= self.field_cap {
            self.dropping = true;
            return;
        }
        if self.record_kept >= self.record_cap {
            self.closed = true;
            return;
        }
        self.cell_kept += 1;
        self.record_kept += 1;
        out.push(b);
    }

    /// A line break: counted, and inside a quoted cell, the line it ends
    /// judged.
    fn line_break(&mut self, b: u8) {
        let crlf = b == b'\n' && self.last_cr;
        self.lines += u64::from(!crlf);
        if self.state == QuoteState::Quoted && !crlf {
            let width = self.width.unwrap_or(usize::MAX);
            let looks_like_a_row = self.line_in_quotes
                && width > 1
                && self.line_commas + 1 >= width
                && self.line_first > 0
                && self.line_first <= 32
                && self.line_first_plain;
            if looks_like_a_row {
                if let Some(seen) = self.starts.back_mut() {
                    if seen.merged.len() < 64 {
                        // The line just ended.
                        seen.merged
                            .push((self.lines, self.line_first_bytes.clone()));
                    }
                }
            }
        }
        self.line_in_quotes = self.state == QuoteState::Quoted;
        self.line_commas = 0;
        self.line_first = 0;
        self.line_first_plain = true;
        self.line_first_bytes.clear();
    }

    /// Follows `bytes` through the grammar, passing on to `out` what the
    /// parser may hold.
    fn filter(&mut self, bytes: &[u8], base: u64, out: &mut Vec<u8>) {
        use QuoteState::*;
        let mut i = 0;
        while i < bytes.len() {
            // The bulk of a quoted cell, in runs.
            if self.state == Quoted && !self.closed && !self.dropping {
                let rest = &bytes[i..];
                let n = rest
                    .iter()
                    .position(|&c| matches!(c, b'"' | b'\n' | b'\r' | b','))
                    .unwrap_or(rest.len());
                let room = (self.field_cap.saturating_sub(self.cell_kept))
                    .min(self.record_cap.saturating_sub(self.record_kept));
                let n = n.min(room);
                if n > 0 {
                    if self.line_commas == 0 {
                        self.line_first += n;
                        self.line_first_plain &= !rest[..n].contains(&b' ');
                        let room = 33usize.saturating_sub(self.line_first_bytes.len());
                        self.line_first_bytes
                            .extend_from_slice(&rest[..n.min(room)]);
                    }
                    out.extend_from_slice(&rest[..n]);
                    self.cell_len += n as u64;
                    self.cell_kept += n;
                    self.record_kept += n;
                    self.record_len += n as u64;
                    self.last_cr = false;
                    i += n;
                    continue;
                }
            }
            // Runs of a cell's content dropped, or an unquoted cell's kept.
            let suppressed = self.closed || self.dropping;
            if (self.state == Quoted && suppressed) || self.state == Unquoted {
                let rest = &bytes[i..];
                let n = if self.state == Quoted {
                    memchr::memchr3(b'"', b'\n', b'\r', rest)
                } else {
                    memchr::memchr3(b',', b'\n', b'\r', rest)
                }
                .unwrap_or(rest.len());
                let n = if suppressed {
                    n
                } else {
                    n.min(
                        (self.field_cap.saturating_sub(self.cell_kept))
                            .min(self.record_cap.saturating_sub(self.record_kept)),
                    )
                };
                if n > 0 {
                    if !suppressed {
                        out.extend_from_slice(&rest[..n]);
                        self.cell_kept += n;
                        self.record_kept += n;
                    }
                    self.cell_len += n as u64;
                    self.record_len += n as u64;
                    self.last_cr = false;
                    i += n;
                    continue;
                }
            }
            let b = bytes[i];
            i += 1;
            let after_cr = self.last_cr;
            if self.state != RecordStart {
                self.record_len += 1;
            }
            if matches!(b, b'\r' | b'\n') {
                self.line_break(b);
            } else if self.state == Quoted {
                if b == b',' {
                    self.line_commas += 1;
                } else if self.line_commas == 0 {
                    self.line_first += 1;
                    self.line_first_plain &= b != b' ';
                    if self.line_first_bytes.len() < 33 {
                        self.line_first_bytes.push(b);
                    }
                }
            }
            self.last_cr = b == b'\r';
            match self.state {
                RecordStart => {
                    if matches!(b, b'\r' | b'\n') {
                        if !(b == b'\n' && after_cr) && self.width.is_some() {
                            let at = self.lines;
                            let blank = self.blank.get_or_insert((at, 0));
                            blank.1 += 1;
                        }
                        out.push(b);
                        continue;
                    }
                    self.starts.push_back(Seen {
                        byte: base + (i - 1) as u64,
                        line: self.lines + 1,
                        blank: self.blank.take(),
                        ..Seen::default()
                    });
                    self.record_len = 1;
                    self.record_kept = 0;
                    self.state = FieldStart;
                    self.field_start(b, out);
                }
                FieldStart => self.field_start(b, out),
                Unquoted => match b {
                    b',' => {
                        self.end_cell();
                        self.cell += 1;
                        self.structure(b, 9, out);
                        self.state = FieldStart;
                    }
                    b'\r' | b'\n' => {
                        self.end_record();
                        out.push(b);
                        self.state = RecordStart;
                    }
                    _ => self.content(b, out),
                },
                Quoted => {
                    if b == b'"' {
                        self.state = QuoteInQuoted;
                        let passed = !self.dropping && self.structure(b, 1, out);
                        self.held_quote = !passed;
                    } else {
                        self.content(b, out);
                    }
                }
                QuoteInQuoted => {
                    if b == b'"' {
                        // A doubled quote: one quote of content, its two
                        // halves passed on or dropped together.
                        self.state = Quoted;
                        self.cell_len += 1;
                        if self.held_quote {
                            self.held_quote = false;
                        } else {
                            out.push(b);
                            self.cell_kept += 1;
                            self.record_kept += 1;
                        }
                        continue;
                    }
                    // The quoted part ended: close it as it was opened.
                    if self.held_quote && self.quote_passed {
                        out.push(b'"');
                    }
                    self.held_quote = false;
                    self.quote_passed = false;
                    match b {
                        b',' => {
                            self.end_cell();
                            self.cell += 1;
                            self.structure(b, 9, out);
                            self.state = FieldStart;
                        }
                        b'\r' | b'\n' => {
                            self.end_record();
                            out.push(b);
                            self.state = RecordStart;
                        }
                        _ => {
                            self.state = Unquoted;
                            self.content(b, out);
                        }
                    }
                }
            }
        }
    }

    /// The first byte of a cell.
    fn field_start(&mut self, b: u8, out: &mut Vec<u8>) {
        use QuoteState::*;
        match b {
            b'"' => {
                self.state = Quoted;
                self.quote_passed = self.structure(b, 1, out);
                self.line_commas = 0;
                self.line_first = 0;
                self.line_first_plain = true;
                self.line_first_bytes.clear();
                self.line_in_quotes = false;
            }
            b',' => {
                self.end_cell();
                self.cell += 1;
                self.structure(b, 9, out);
                self.state = FieldStart;
            }
            b'\r' | b'\n' => {
                self.end_record();
                out.push(b);
                self.state = RecordStart;
            }
            _ => {
                self.state = Unquoted;
                self.content(b, out);
            }
        }
    }
}

impl<R: Read> Read for Watch<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let mut scratch = std::mem::take(&mut self.scratch);
            scratch.resize(buf.len(), 0);
            let n = match self.inner.read(&mut scratch) {
                Ok(n) => n,
                Err(e) => {
                    self.scratch = scratch;
                    return Err(e);
                }
            };
            if n == 0 {
                self.eof = true;
                if self.dropping {
                    if let Some(seen) = self.starts.back_mut() {
                        seen.cuts.push((self.cell, self.cell_len));
                    }
                    self.dropping = false;
                }
                if self.closed {
                    if let Some(seen) = self.starts.back_mut() {
                        seen.overflow = Some(self.record_len);
                    }
                }
                if self.held_quote && self.quote_passed && self.state == QuoteState::QuoteInQuoted {
                    // The input ends just after a quoted cell being dropped.
                    self.held_quote = false;
                    buf[0] = b'"';
                    self.scratch = scratch;
                    return Ok(1);
                }
                self.scratch = scratch;
                return Ok(0);
            }
            let mut seen = &scratch[..n];
            let mut base = self.offset;
            let mut out = Vec::with_capacity(n);
            if self.offset == 0 && seen.starts_with(b"\xef\xbb\xbf") {
                // The csv crate drops a UTF-8 byte-order mark that arrives
                // whole in its first read; so does the tracker.
                out.extend_from_slice(&seen[..3]);
                seen = &seen[3..];
                base += 3;
            }
            self.filter(seen, base, &mut out);
            if let Some(&last) = scratch[..n].last() {
                self.at_break = matches!(last, b'\r' | b'\n');
            }
            self.offset += n as u64;
            self.scratch = scratch;
            if out.is_empty() {
                // All dropped: read on rather than signal an end.
                continue;
            }
            buf[..out.len()].copy_from_slice(&out);
            return Ok(out.len());
        }
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

/// The shape of an id: runs of digits and of letters each one symbol,
/// other bytes as they are (`c-003-8528` and `c-001-17` share one; `58M`
/// and `12` do not).
fn shape(cell: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::with_capacity(cell.len());
    for &b in cell {
        let class = match b {
            b'0'..=b'9' => b'9',
            b'a'..=b'z' | b'A'..=b'Z' => b'a',
            _ => b,
        };
        if out.last() != Some(&class) || !matches!(class, b'9' | b'a') {
            out.push(class);
        }
    }
    out
}

/// Column names quoted in an error message, at most.
const NAMES_SHOWN: usize = 20;
/// Bytes of one column name quoted in an error message, at most.
const NAME_SHOWN: usize = 64;

fn columns(headers: &::csv::ByteRecord, fields: &Fields, overflow: Option<u64>) -> Columns {
    let id = find(headers, &fields.id);
    let text = find(headers, &fields.text);
    let codes = find(headers, "assigned_codes");
    // The message goes into every record's error: a few names, short.
    let mut names: Vec<String> = headers
        .iter()
        .take(NAMES_SHOWN)
        .map(|h| {
            let cut = super::floor_utf8_cut(h, NAME_SHOWN);
            let mut n = String::from_utf8_lossy(&h[..cut]).into_owned();
            if cut < h.len() {
                n.push_str(&format!("... ({} bytes)", h.len()));
            }
            n
        })
        .collect();
    if headers.len() > NAMES_SHOWN {
        names.push(format!("and {} more", headers.len() - NAMES_SHOWN));
    }
    if let Some(size) = overflow {
        names.push(format!(
            "the header is {size} bytes and was read only in part"
        ));
    }
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

/// The CSV reader: `.csv`.
pub const READER: super::source::Reader = super::source::Reader {
    names: &["csv"],
    extensions: &["csv"],
    description: "CSV with a header (columns by name, quoted multi-line text, as MIMIC NOTEEVENTS)",
    read: |reader, name, _, config| {
        Box::new(read_with(
            reader,
            name,
            config.fields.clone(),
            config.max_note_bytes,
        ))
    },
    tree: None,
};

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
        .from_reader(Watch::new(reader, max_note_bytes));
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
                let seen = csv.get_mut().starts.pop_front().unwrap_or_else(|| {
                    let p = record.position().unwrap_or(&before);
                    Seen {
                        byte: p.byte(),
                        line: p.line(),
                        ..Seen::default()
                    }
                });
                let (byte, line) = (seen.byte, seen.line);
                let Some(c) = &cols else {
                    // (The csv crate has dropped a byte-order mark.)
                    cols = Some(columns(&record, &fields, seen.overflow));
                    continue;
                };
                let at = location(&name, line, byte);
                let watch = csv.get_ref();
                let id = || {
                    c.id.and_then(|k| record.get(k))
                        .map(|id| String::from_utf8_lossy(&id[..id.len().min(256)]).into_owned())
                };
                if watch.eof && watch.state == QuoteState::Quoted && watch.starts.is_empty() {
                    let last_line = watch.lines + u64::from(!watch.at_break);
                    let lines = last_line.saturating_sub(line) + 1;
                    return Some(Item::error(
                        at,
                        id(),
                        format!(
                            "unclosed quote: a quoted field of this record runs to the end of the input ({lines} lines); \
                             the file is cut short, or an unbalanced quote swallowed the records after this one"
                        ),
                    ));
                }
                if record.len() == 1 && record[0].is_empty() {
                    // A blank line never gets here (the parser skips it):
                    // this is a line holding only `""`.
                    return Some(Item::error(
                        at,
                        None,
                        "an empty record (a line holding only \"\"): no id and no text",
                    ));
                }
                if let Some(size) = seen.overflow {
                    return Some(Item::error(
                        at,
                        id(),
                        format!(
                            "not read: a record of {size} bytes, more than the {} bytes a record may hold \
                             (a cell of --max-note-bytes and 1 MiB for the others)",
                            watch.record_cap
                        ),
                    ));
                }
                let text_cut = c
                    .text
                    .and_then(|k| seen.cuts.iter().find(|cut| cut.0 == k))
                    .map(|cut| cut.1);
                let mut note = note(&record, c, max_note_bytes, text_cut);
                if let Ok(n) = &mut note {
                    if watch.eof
                        && watch.starts.is_empty()
                        && matches!(watch.state, QuoteState::Unquoted | QuoteState::FieldStart)
                    {
                        n.warnings.push(
                            "the input ends inside this record, without a line break: it may be cut short"
                                .to_string(),
                        );
                    }
                    let own = shape(record.get(0).unwrap_or_default());
                    let lines: Vec<String> = seen
                        .merged
                        .iter()
                        .filter(|(_, first)| shape(first) == own)
                        .take(8)
                        .map(|(l, _)| l.to_string())
                        .collect();
                    if !lines.is_empty() {
                        n.warnings.push(format!(
                            "a quoted cell of this record (from line {line}) spans line(s) {} that read like records of their own: \
                             a stray quote may have merged those rows into this one",
                            lines.join(", ")
                        ));
                    }
                    if let Some((first, count)) = seen.blank {
                        n.warnings.push(format!(
                            "{count} blank line(s) before this record, from line {first}, skipped"
                        ));
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

/// The note of one record; `text_cut` is the text cell's whole size when
/// the reader cut it.
fn note(
    record: &::csv::ByteRecord,
    c: &Columns,
    max_note_bytes: usize,
    text_cut: Option<u64>,
) -> Result<Note, ReadError> {
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
    let full = text_cut.unwrap_or(text.len() as u64);
    let (text, caveats) =
        super::decode_capped(text.into(), max_note_bytes, Some(full), text_cut.is_some());
    warnings.extend(caveats);
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
        json_escaped: false,
        cleared: None,
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
