//! Batch stage: reads records, analyses them in parallel, writes results in
//! input order.
//!
//! The contract coders rely on: every input record yields exactly one output
//! record, in order. A record that cannot be read or analysed yields an
//! error record naming where it was (see [`location`]: the file, the line
//! and the byte offset), and the run goes on. A record analysed with a
//! caveat carries `warnings` and its location:
//!
//! | warning | when |
//! |---------|------|
//! | not valid UTF-8, decoded lossily | invalid bytes were replaced with U+FFFD; spans refer to the decoded text |
//! | JSON repaired | a raw control character (a NUL, a tab) or an invalid escape inside a JSON string, kept as text; a lone surrogate escape, read as U+FFFD |
//! | truncated | the note was longer than the readers' limit ([`source::Config::max_note_bytes`], `--max-note-bytes`): its first bytes, cut at a character boundary, were analysed; spans refer to them |
//! | duplicate id | an earlier record of the run had the same id; this one is analysed too |
//! | empty text | the text is empty or only whitespace: nothing to find |
//! | ragged CSV row, no final line break, blank lines, rows merged by a stray quote, attachments not read | see [`csv`] and [`fhir`] |
//! | findings, citations or a quoted sentence cut | the record would be too big to write: see [`cap`] |
//!
//! A note that makes the analysis panic (a bug) yields an error record
//! saying so rather than ending the run.
//!
//! Readers, one module per input format, each an iterator of [`Item`]s:
//! [`jsonl`] (JSON Lines), [`csv`] (CSV with a header, as MIMIC NOTEEVENTS),
//! [`dir`] (a tree of `.txt` files), [`fhir`] (FHIR Bulk Data NDJSON of
//! DocumentReference); [`source`] picks one by extension and reads `.gz`
//! transparently. [`run`] streams them: records are gathered into bounded
//! chunks, each chunk is analysed on a rayon pool while the next one is
//! read, and the results are written in input order, so memory depends on
//! the chunk size, never on the input size.
//!
//! Shared by the readers: [`decode_capped`] (a note's bytes cut at
//! `--max-note-bytes` on a character boundary, decoded lossily, with the
//! warnings saying so), [`line`](mod@line) (bounded JSON line reading) and
//! [`json`] (JSON text: unescaping, repairing, which string is where).
//!
//! To add an input format: write its module (say `xml.rs`, declared here
//! with `pub mod xml;`) with a `pub const READER: source::Reader` giving
//! its names, its extensions, a description for `scan --help` and a
//! `read` function from a byte stream to [`Item`]s (using
//! [`decode_capped`] for each note); add the one line `xml::READER` to
//! [`source::READERS`]. `--input-format` (values, help, errors), the
//! extension table and [`source::open`] then know it.
//!
//! To add an output format: write its [`write::Writer`] (a header, a
//! result record, an error record) in its own file (declared here) with a
//! `pub const FORMAT: Format` (its name, a description for `scan --help`,
//! the writer), and add the one line to [`FORMATS`]. `--format` (values,
//! help, errors) follows.
//!
//! ## Resource usage
//!
//! Two chunks are alive at a time (the one analysed, the one read), each
//! at most [`Options::chunk_records`] records and about
//! [`Options::chunk_bytes`] bytes of note text, plus their results.
//! Measured on 2 cores: `docgap scan --jobs 2` over 1 GB of JSONL
//! (MTSamples replicated) peaked at 28 MB resident and ran at 230 MB/s of
//! note text, the same peak as over 210 MB.
//!
//! Two things grow beyond that. The duplicate-id check keeps a 64-bit
//! hash of every distinct id: 5 million distinct ids peaked at 125 MB
//! resident (14 MB without the check). And the analysis of one note holds
//! all its findings (about 120 bytes each): a note that is nothing but
//! findings (60 MB of "R/L ") peaked at 3.8 GB; what it writes is capped
//! ([`cap`]).
//!
//! No reader holds a record whole: a JSON line streams through
//! [`line`](mod@line), a CSV record through the cell caps of [`csv`], a text file is
//! read up to the limit; each keeps a few times
//! [`source::Config::max_note_bytes`] at most. A 10 GB line of zeros in a
//! gzip'd JSONL peaked at 100 MB with the default limit.

pub mod cap;
pub mod csv;
pub mod dir;
pub mod fhir;
pub mod io;
pub mod json;
pub mod jsonl;
pub mod line;
pub mod source;
pub mod table;
pub mod unicode;
pub mod write;

use crate::output;
use crate::rules::FlagId;
use crate::Analyzer;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashSet};
use std::hash::{Hash, Hasher};
use std::io::Write;

/// The default longest note analysed, in bytes (`--max-note-bytes`): far
/// above any real clinical note, low enough that a PDF pasted whole
/// cannot exhaust memory.
pub const DEFAULT_MAX_NOTE_BYTES: usize = 64 << 20;

/// A record's location as error records and warned results give it:
/// `file:line (byte N)`, the line the record starts on (counting from 1)
/// and the byte offset of its first byte (counting from 0, in the
/// decompressed stream for `.gz` input).
pub fn location(name: &str, line: u64, byte: u64) -> String {
    // Built by hand, not with format!: one per record read.
    let mut digits = itoa::Buffer::new();
    let line = digits.format(line);
    let mut out = String::with_capacity(name.len() + line.len() + 30);
    out.push_str(name);
    out.push(':');
    out.push_str(line);
    out.push_str(" (byte ");
    out.push_str(itoa::Buffer::new().format(byte));
    out.push(')');
    out
}

/// The largest prefix of `s` of at most `max` bytes ending on a character
/// boundary.
pub fn floor_char_boundary(s: &str, max: usize) -> usize {
    if max >= s.len() {
        return s.len();
    }
    let mut at = max;
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Where to cut `bytes` to keep at most `max` of them without splitting a
/// UTF-8 sequence (for bytes that are UTF-8; others are decoded lossily
/// afterwards anyway).
pub(crate) fn floor_utf8_cut(bytes: &[u8], max: usize) -> usize {
    if max >= bytes.len() {
        return bytes.len();
    }
    let mut at = max;
    // Back over at most three continuation bytes to a sequence start.
    while at > 0 && max - at < 3 && bytes[at] & 0xC0 == 0x80 {
        at -= 1;
    }
    if bytes[at] & 0xC0 == 0x80 {
        max
    } else {
        at
    }
}

/// The warning for a note cut to `kept` bytes; `full` is its whole length
/// when known.
pub(crate) fn truncation_warning(full: Option<u64>, kept: usize, max: usize) -> String {
    let size = match full {
        Some(n) => format!("the note is {n} bytes"),
        None => "the note is longer".to_string(),
    };
    format!(
        "{size}, over the limit of {max} bytes (--max-note-bytes): only its first {kept} bytes were analysed; spans refer to them"
    )
}

/// Cuts `text` to at most `max` bytes at a character boundary, returning
/// the warning when it did.
pub fn truncate_note(text: &mut String, max: usize) -> Option<String> {
    if text.len() <= max {
        return None;
    }
    let full = text.len() as u64;
    let warning = cap_text(text, max, Some(full), true);
    text.shrink_to_fit();
    warning
}

/// Cuts decoded `text` to at most `max` bytes at a character boundary
/// when it is longer or the reader already `cut` it, returning the
/// truncation warning then (`full` is the note's whole size when known).
pub(crate) fn cap_text(
    text: &mut String,
    max: usize,
    full: Option<u64>,
    cut: bool,
) -> Option<String> {
    if !cut && text.len() <= max {
        return None;
    }
    text.truncate(floor_char_boundary(text, max));
    Some(truncation_warning(full, text.len(), max))
}

/// A note's bytes as text of at most `max` bytes: cut at a character
/// boundary, decoded lossily, with the warnings saying so (lossy decoding
/// first, then truncation). `full` is the note's whole size when known;
/// `cut` says the reader already left bytes out before these. Only the
/// kept bytes are copied when `bytes` is borrowed.
pub fn decode_capped(
    bytes: std::borrow::Cow<'_, [u8]>,
    max: usize,
    full: Option<u64>,
    cut: bool,
) -> (String, Vec<String>) {
    let at = floor_utf8_cut(&bytes, max);
    let cut = cut || at < bytes.len();
    let kept = match bytes {
        std::borrow::Cow::Owned(mut b) => {
            b.truncate(at);
            b
        }
        std::borrow::Cow::Borrowed(b) => b[..at].to_vec(),
    };
    let (mut text, lossy) = decode_lossy(kept);
    let mut warnings: Vec<String> = lossy.into_iter().collect();
    warnings.extend(cap_text(&mut text, max, full, cut));
    (text, warnings)
}

/// The warning for text that was not valid UTF-8; `at` is the offset of
/// the first invalid byte within the record or file, when known.
pub(crate) fn lossy_warning(at: Option<usize>) -> String {
    match at {
        Some(at) => format!(
            "not valid UTF-8 (first invalid byte at offset {at} of the record): invalid bytes replaced with U+FFFD; spans refer to the decoded text"
        ),
        None => "not valid UTF-8: invalid bytes replaced with U+FFFD; spans refer to the decoded text"
            .to_string(),
    }
}

/// `bytes` as text, decoded lossily with a warning when not UTF-8.
pub(crate) fn decode_lossy(bytes: Vec<u8>) -> (String, Option<String>) {
    match String::from_utf8(bytes) {
        Ok(s) => (s, None),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            (
                String::from_utf8_lossy(e.as_bytes()).into_owned(),
                Some(lossy_warning(Some(at))),
            )
        }
    }
}

/// One note to analyse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// The record's id.
    pub id: String,
    /// The note text.
    pub text: String,
    /// Codes already on the claim, if the record carries them.
    pub assigned_codes: Option<Vec<String>>,
    /// Caveats found while reading (lossy decoding, attachments not read).
    pub warnings: Vec<String>,
    /// True when `text` is still the content of the JSON string the input
    /// wrote (between the quotes, escapes intact): a reader told to defer
    /// decoding ([`source::Config::defer_decoding`]) leaves it so, and
    /// [`run_with`] screens it on its workers and decodes only a note that
    /// can yield something ([`Analyzer::clears_json`]). See [`Note::decoded`].
    pub json_escaped: bool,
    /// `Some(n)` when the reader's first tier already found that the note
    /// can yield no code or flag ([`source::Config::screen`]): its text
    /// (`n` bytes, not blank) was never copied out of the line, `text` is
    /// empty, and the record is the empty result with the note's claim.
    /// Only a run whose records carry no full evidence map
    /// ([`Options::findings`] is not `All`) reads notes screened so.
    pub cleared: Option<usize>,
}

impl Note {
    /// A note as read, with no warnings.
    pub fn new(id: String, text: String, assigned_codes: Option<Vec<String>>) -> Note {
        Note {
            id,
            text,
            assigned_codes,
            warnings: Vec::new(),
            json_escaped: false,
            cleared: None,
        }
    }

    /// The note's text, decoded if the reader left it escaped.
    pub fn decoded(&self) -> std::borrow::Cow<'_, str> {
        if self.json_escaped && memchr::memchr(b'\\', self.text.as_bytes()).is_some() {
            json::unescape(&self.text, usize::MAX).text.into()
        } else {
            self.text.as_str().into()
        }
    }

    /// True when the text is empty or only whitespace, decoded.
    fn is_blank(&self) -> bool {
        if self.cleared.is_some() {
            // The reader clears no blank text.
            false
        } else if self.json_escaped {
            crate::json_text::is_blank(&self.text)
        } else {
            self.text.chars().all(char::is_whitespace)
        }
    }
}

/// A record as read: a note, or why it could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// Where it was: `file:line (byte N)` (see [`location`]), or the
    /// file's path for a text file.
    pub location: String,
    /// The note, or the reason it could not be read (with the id if known).
    pub note: Result<Note, ReadError>,
}

/// Why a record could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadError {
    /// The id, when it could be recovered.
    pub id: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl Item {
    /// An error item.
    pub fn error(location: String, id: Option<String>, message: impl Into<String>) -> Item {
        Item {
            location,
            note: Err(ReadError {
                id,
                message: message.into(),
            }),
        }
    }
}

/// Counts of a batch run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Records read.
    pub records: u64,
    /// Records that yielded an error record.
    pub errors: u64,
    /// Records analysed with at least one warning.
    pub warned: u64,
    /// True when [`Options::strict`] stopped the run at an error record.
    pub stopped: bool,
    /// Bytes of note text analysed.
    pub bytes: u64,
    /// Notes carrying each flag.
    pub flags: BTreeMap<FlagId, u64>,
    /// Notes given each code.
    pub codes: BTreeMap<String, u64>,
}

/// An output format of [`run_with`]: its name, what it writes and its
/// [`write::Writer`]. Each format's file defines one as `FORMAT`;
/// [`FORMATS`] lists them, and that list is the only list of output
/// formats: `--format`, its help and errors are read from it.
pub struct Format {
    /// The name `--format` takes.
    pub name: &'static str,
    /// What it writes, as `scan --help` says ("one JSON result a line").
    pub description: &'static str,
    /// How it writes a header, a result and an error.
    pub writer: &'static dyn write::Writer,
}

/// Every output format; the first is the default.
pub const FORMATS: &[Format] = &[write::FORMAT, table::FORMAT];

impl Format {
    /// The default format (JSONL).
    pub fn default_format() -> &'static Format {
        &FORMATS[0]
    }

    /// The names `--format` accepts, in [`FORMATS`] order.
    pub fn names() -> impl Iterator<Item = &'static str> {
        FORMATS.iter().map(|f| f.name)
    }

    /// The format named `name`.
    pub fn named(name: &str) -> Result<&'static Format, String> {
        FORMATS.iter().find(|f| f.name == name).ok_or_else(|| {
            format!(
                "unknown output format {name:?}; expected one of {}",
                Format::names().collect::<Vec<_>>().join(", ")
            )
        })
    }

    /// Its writer.
    pub fn writer(&self) -> &'static dyn write::Writer {
        self.writer
    }
}

impl std::fmt::Debug for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Format({})", self.name)
    }
}

impl PartialEq for Format {
    fn eq(&self, other: &Format) -> bool {
        self.name == other.name
    }
}

impl Eq for Format {}

/// How [`run_with`] streams.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Records in a chunk, at most.
    pub chunk_records: usize,
    /// A chunk ends once its note text reaches this many bytes.
    pub chunk_bytes: usize,
    /// What to write.
    pub format: &'static Format,
    /// Stop after writing the first error record (`--strict`).
    pub strict: bool,
    /// Which findings each record carries (`--findings`). Unless
    /// [`output::Findings::All`], notes go through the first tier
    /// ([`Analyzer::analyze_screened`]): the same codes and flags, and a
    /// note that yields none carries no findings either way.
    pub findings: output::Findings,
    /// The unit of every offset in a record (`--offsets`).
    pub offsets: output::Offsets,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            chunk_records: 1024,
            chunk_bytes: 8 << 20,
            format: Format::default_format(),
            strict: false,
            findings: output::Findings::Cited,
            offsets: output::Offsets::Bytes,
        }
    }
}

/// What one note contributed to the totals.
#[derive(Default)]
struct Tally {
    /// Bytes of note text (decoded).
    bytes: usize,
    flags: Vec<FlagId>,
    codes: Vec<String>,
    error: bool,
    warned: bool,
}

/// The checks every reader's notes share, made in input order: an empty
/// text, an empty id, an id seen before in the run.
///
/// Ids are remembered as 64-bit hashes (9 bytes a slot; 5 million
/// distinct ids peak at about 110 MB while the table grows), so a
/// duplicate is reported without keeping every id; two different ids
/// sharing a hash (odds about one in 10^6 over 5 million ids) would draw a
/// spurious warning, never a lost record.
#[derive(Default)]
struct Checks {
    seen: HashSet<u64, std::hash::BuildHasherDefault<AsIs>>,
}

/// The keys of [`Checks::seen`] are hashes already: used as they are.
#[derive(Default)]
struct AsIs(u64);

impl Hasher for AsIs {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

impl Checks {
    fn check(&mut self, item: &mut Item) {
        let note = match &mut item.note {
            Ok(n) => n,
            Err(e) => {
                if let Some(id) = &e.id {
                    self.seen.insert(id_hash(id));
                }
                return;
            }
        };
        if !self.seen.insert(id_hash(&note.id)) {
            // Quoted short: a huge id must not be copied into a warning.
            let shown = &note.id[..floor_char_boundary(&note.id, 256)];
            let more = if shown.len() < note.id.len() {
                format!(" (first 256 of {} bytes)", note.id.len())
            } else {
                String::new()
            };
            note.warnings.push(format!(
                "duplicate id {shown:?}{more}: an earlier record of this run has the same id"
            ));
        }
        if note.id.is_empty() {
            note.warnings.push("the id is empty".to_string());
        }
        if note.text.is_empty() && note.cleared.is_none() {
            note.warnings
                .push("the text is empty: nothing to analyse".to_string());
        } else if note.is_blank() {
            note.warnings
                .push("the text is only whitespace: nothing to analyse".to_string());
        }
    }
}

/// A hash of an id, the same for every record of a run.
fn id_hash(id: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

/// The text of a panic's payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

/// Analyses one item into its output line, as `docgap scan` does by
/// default (cited findings).
pub fn render(analyzer: &Analyzer, item: &Item, out: &mut Vec<u8>) {
    render_with(analyzer, item, output::RecordOptions::default(), out);
}

/// Analyses one item into its JSON line carrying what `options` says.
pub fn render_with(
    analyzer: &Analyzer,
    item: &Item,
    options: output::RecordOptions,
    out: &mut Vec<u8>,
) {
    render_as(analyzer, item, Format::default_format(), options, out);
}

fn render_as(
    analyzer: &Analyzer,
    item: &Item,
    format: &Format,
    options: output::RecordOptions,
    out: &mut Vec<u8>,
) -> Tally {
    let findings = options.findings;
    let writer = format.writer();
    let error = |out: &mut Vec<u8>, id: Option<&str>, message: &str| {
        writer.write_error(out, id, &item.location, message);
        Tally {
            error: true,
            ..Tally::default()
        }
    };
    match &item.note {
        Ok(note) => {
            // A bug in the analysis must cost one record, not the run.
            let claim = note.assigned_codes.as_deref();
            // A text left as JSON is judged as written first: one that can
            // yield nothing is never decoded (`analyze_screened` gives it
            // the empty result and its claim).
            let cleared = note.cleared.or_else(|| {
                (note.json_escaped && findings != output::Findings::All)
                    .then(|| analyzer.clears_json(&note.text, claim))
                    .flatten()
            });
            let text = match cleared {
                Some(_) => "".into(),
                None => note.decoded(),
            };
            let analysed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                if cleared.is_some() {
                    crate::Analysis {
                        assigned_codes: note.assigned_codes.clone(),
                        ..crate::Analysis::default()
                    }
                } else if findings == output::Findings::All || note.json_escaped {
                    // (A text left as JSON the tier did not clear needs no
                    // second look: it may yield something.)
                    analyzer.analyze_with_claim(&text, claim)
                } else {
                    analyzer.analyze_screened(&text, claim)
                }
            }));
            let mut analysis = match analysed {
                Ok(a) => a,
                Err(panic) => {
                    let message = format!(
                        "internal error while analysing this note (please report it): {}",
                        panic_message(panic.as_ref())
                    );
                    return error(out, Some(&note.id), &message);
                }
            };
            // What one record may hold: cut with a warning (see [`cap`]).
            let mut capped = Vec::new();
            cap::cap(&mut analysis, &text, &mut capped);
            if analysis.evidence.terms_cut {
                capped.push(format!(
                    "the note holds more than {} terms: only the first {} were analysed",
                    crate::analyzer::MAX_TERMS,
                    crate::analyzer::MAX_TERMS
                ));
            }
            let warnings: std::borrow::Cow<[String]> = if capped.is_empty() {
                note.warnings.as_slice().into()
            } else {
                note.warnings
                    .iter()
                    .cloned()
                    .chain(capped)
                    .collect::<Vec<_>>()
                    .into()
            };
            let at = (!warnings.is_empty()).then_some(item.location.as_str());
            writer.write_result(out, &note.id, at, &text, &analysis, &warnings, options);
            Tally {
                bytes: cleared.unwrap_or(text.len()),
                flags: analysis.flags.iter().map(|f| f.id).collect(),
                codes: analysis.codes.into_iter().map(|c| c.code).collect(),
                error: false,
                warned: !warnings.is_empty(),
            }
        }
        Err(e) => error(out, e.id.as_deref(), &e.message),
    }
}

/// Analyses `items` in chunks of `chunk` records on `pool`, writing JSON
/// lines in input order; see [`run_with`].
pub fn run<I, W>(
    analyzer: &Analyzer,
    pool: &rayon::ThreadPool,
    items: I,
    chunk: usize,
    out: &mut W,
) -> std::io::Result<Totals>
where
    I: Iterator<Item = Item> + Send,
    W: Write,
{
    let options = Options {
        chunk_records: chunk,
        ..Options::default()
    };
    run_with(analyzer, pool, items, &options, out, |_| {})
}

/// Analyses `items` on `pool` and writes one record per item, in input
/// order. Items are gathered into chunks bounded by `options`; while one
/// chunk is analysed (its notes spread over the pool) the next is read,
/// and each chunk's records are written before the one after it is
/// analysed, so memory stays bounded whatever the input size. `progress`
/// sees the totals after each chunk. Notes are checked in input order
/// for an empty text or id and for an id seen before in the run (a
/// warning each). With [`Options::strict`] the run stops after writing
/// the first error record ([`Totals::stopped`]). Only a write error fails
/// the run.
pub fn run_with<I, W>(
    analyzer: &Analyzer,
    pool: &rayon::ThreadPool,
    items: I,
    options: &Options,
    out: &mut W,
    mut progress: impl FnMut(&Totals),
) -> std::io::Result<Totals>
where
    I: Iterator<Item = Item> + Send,
    W: Write,
{
    let mut items = items;
    let mut totals = Totals::default();
    let chunk_records = options.chunk_records.max(1);
    let mut checks = Checks::default();
    let read = |items: &mut I, checks: &mut Checks| -> Vec<Item> {
        let mut chunk = Vec::with_capacity(chunk_records.min(4096));
        let mut bytes = 0;
        for mut item in items.by_ref() {
            checks.check(&mut item);
            if let Ok(n) = &item.note {
                bytes += n.text.len();
            }
            chunk.push(item);
            if chunk.len() >= chunk_records || bytes >= options.chunk_bytes {
                break;
            }
        }
        chunk
    };
    let mut next = pool.install(|| read(&mut items, &mut checks));
    while !next.is_empty() {
        let current = next;
        let (lines, following) = pool.install(|| {
            rayon::join(
                || {
                    current
                        .par_iter()
                        .with_max_len(4)
                        .map(|item| {
                            // Room for an empty record, the usual one.
                            let mut line = Vec::with_capacity(256);
                            let tally = render_as(
                                analyzer,
                                item,
                                options.format,
                                output::RecordOptions::default()
                                    .findings(options.findings)
                                    .offsets(options.offsets),
                                &mut line,
                            );
                            (line, tally)
                        })
                        .collect::<Vec<_>>()
                },
                || read(&mut items, &mut checks),
            )
        });
        for (item, (line, tally)) in current.iter().zip(lines) {
            totals.records += 1;
            if tally.error {
                totals.errors += 1;
            } else if item.note.is_ok() {
                totals.bytes += tally.bytes as u64;
                totals.warned += u64::from(tally.warned);
            }
            for f in tally.flags {
                *totals.flags.entry(f).or_default() += 1;
            }
            for c in tally.codes {
                *totals.codes.entry(c).or_default() += 1;
            }
            out.write_all(&line)?;
            if tally.error && options.strict {
                totals.stopped = true;
                progress(&totals);
                return Ok(totals);
            }
        }
        progress(&totals);
        next = following;
    }
    Ok(totals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_formats_parse_by_name_and_only_csv_has_a_header() {
        let names: Vec<&str> = Format::names().collect();
        assert_eq!(names[..2], ["jsonl", "csv"]);
        for name in Format::names() {
            assert_eq!(Format::named(name).map(|f| f.name), Ok(name));
        }
        // A format added later joins the end of the list.
        let err = Format::named("xml").unwrap_err();
        assert!(
            err.starts_with("unknown output format \"xml\"; expected one of jsonl, csv"),
            "{err}"
        );
        assert_eq!(Format::default_format().writer().header(true), "");
        let csv = Format::named("csv").unwrap().writer();
        assert_eq!(csv.header(true), format!("{}{}", table::BOM, table::HEADER));
        assert_eq!(csv.header(false), table::HEADER);
    }

    #[test]
    fn decode_capped_keeps_short_valid_text_without_warnings() {
        let (text, warnings) = decode_capped(b"abc".as_slice().into(), 10, Some(3), false);
        assert_eq!(text, "abc");
        assert!(warnings.is_empty());
    }

    #[test]
    fn decode_capped_cuts_at_a_character_boundary_and_says_so() {
        // "é" is two bytes: a limit of 2 falls inside it.
        let bytes = "aé b".as_bytes().to_vec();
        let (text, warnings) = decode_capped(bytes.into(), 2, Some(5), false);
        assert_eq!(text, "a");
        assert_eq!(warnings, vec![truncation_warning(Some(5), 1, 2)]);
        assert_eq!(
            warnings[0],
            "the note is 5 bytes, over the limit of 2 bytes (--max-note-bytes): only its first 1 bytes were analysed; spans refer to them"
        );
    }

    #[test]
    fn decode_capped_decodes_lossily_then_warns_in_order() {
        let (text, warnings) = decode_capped(b"ab\xFFcdef".as_slice().into(), 4, None, false);
        // The replacement character takes three bytes: "ab\u{FFFD}" is 5.
        assert_eq!(text, "ab");
        assert_eq!(
            warnings,
            vec![
                lossy_warning(Some(2)),
                "the note is longer, over the limit of 4 bytes (--max-note-bytes): only its first 2 bytes were analysed; spans refer to them"
                    .to_string(),
            ]
        );
        assert!(warnings[0].starts_with("not valid UTF-8 (first invalid byte at offset 2 "));
    }

    #[test]
    fn decode_capped_warns_when_the_reader_cut_before() {
        let (text, warnings) = decode_capped(b"abc".as_slice().into(), 10, Some(99), true);
        assert_eq!(text, "abc");
        assert_eq!(warnings, vec![truncation_warning(Some(99), 3, 10)]);
    }

    #[test]
    fn chunks_are_bounded_by_bytes_and_records_and_order_holds() {
        let analyzer = Analyzer::new();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let items: Vec<Item> = (0..50)
            .map(|i| Item {
                location: format!("t:{i}"),
                note: Ok(Note {
                    id: i.to_string(),
                    text: "x".repeat(if i < 21 { 1 } else { 60 }),
                    assigned_codes: None,
                    warnings: Vec::new(),
                    json_escaped: false,
                    cleared: None,
                }),
            })
            .collect();
        let mut seen = Vec::new();
        let options = Options {
            chunk_records: 7,
            chunk_bytes: 100,
            format: Format::default_format(),
            strict: false,
            findings: output::Findings::Cited,
            offsets: output::Offsets::Bytes,
        };
        let mut out = Vec::new();
        let totals = run_with(
            &analyzer,
            &pool,
            items.into_iter(),
            &options,
            &mut out,
            |t| seen.push(t.records),
        )
        .unwrap();
        assert_eq!(totals.records, 50);
        // Small notes fill a chunk by count, big ones by bytes.
        assert_eq!(&seen[..5], [7, 14, 21, 23, 25]);
        assert_eq!(seen.last(), Some(&50));
        let ids: Vec<String> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].to_string())
            .collect();
        let want: Vec<String> = (0..50).map(|i| format!("\"{i}\"")).collect();
        assert_eq!(ids, want);
    }
}
