//! Batch stage: reads records, analyses them in parallel, writes results in
//! input order.
//!
//! The contract coders rely on: every input record yields exactly one output
//! record, in order. A record that cannot be read or analysed yields an
//! error record naming where it was, and the run goes on.

pub mod jsonl;

use crate::output;
use crate::Analyzer;
use rayon::prelude::*;
use std::io::Write;

/// One note to analyse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// The record's id.
    pub id: String,
    /// The note text.
    pub text: String,
    /// Codes already on the claim, if the record carries them.
    pub assigned_codes: Option<Vec<String>>,
    /// Caveats found while reading (lossy decoding, ...).
    pub warnings: Vec<String>,
}

/// A record as read: a note, or why it could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// Where it was: `file:line` (or `file:row`, `file`).
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

/// Counts of a batch run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// Records read.
    pub records: u64,
    /// Records that yielded an error record.
    pub errors: u64,
    /// Bytes of note text analysed.
    pub bytes: u64,
}

/// Analyses one item into its output line.
pub fn render(analyzer: &Analyzer, item: &Item, out: &mut Vec<u8>) {
    match &item.note {
        Ok(note) => {
            let analysis = analyzer.analyze_with_claim(&note.text, note.assigned_codes.as_deref());
            output::write_result(out, &note.id, &note.text, &analysis, &note.warnings);
        }
        Err(e) => output::write_error(out, e.id.as_deref(), &item.location, &e.message),
    }
}

/// Analyses `items` in chunks of `chunk` records on `pool`,
/// writing each chunk's lines in input order before reading the next, so
/// memory stays bounded by the chunk whatever the input size.
pub fn run<I, W>(
    analyzer: &Analyzer,
    pool: &rayon::ThreadPool,
    items: I,
    chunk: usize,
    out: &mut W,
) -> std::io::Result<Totals>
where
    I: Iterator<Item = Item>,
    W: Write,
{
    let mut totals = Totals::default();
    let mut items = items.peekable();
    let mut buffer: Vec<Item> = Vec::with_capacity(chunk);
    while items.peek().is_some() {
        buffer.clear();
        buffer.extend(items.by_ref().take(chunk));
        let rendered: Vec<Vec<u8>> = pool.install(|| {
            buffer
                .par_iter()
                .map(|item| {
                    let mut line = Vec::new();
                    render(analyzer, item, &mut line);
                    line
                })
                .collect()
        });
        for (item, line) in buffer.iter().zip(&rendered) {
            totals.records += 1;
            match &item.note {
                Ok(n) => totals.bytes += n.text.len() as u64,
                Err(_) => totals.errors += 1,
            }
            out.write_all(line)?;
        }
    }
    Ok(totals)
}
