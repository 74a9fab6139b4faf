//! Output stage: the versioned JSON wire format, one object per note.
//!
//! The wire structs are kept apart from the library's result types so the
//! library can change inside without breaking consumers: what goes on the
//! wire is exactly what is documented here, under [`SCHEMA_VERSION`].
//!
//! A result record:
//!
//! ```json
//! {"schema_version": 1, "id": "note-1",
//!  "codes": [{"code": "M86.552", "role": "primary",
//!             "description": "Other chronic hematogenous osteomyelitis, left femur",
//!             "evidence": [0, 2, 3]}],
//!  "flags": [{"id": "ORGANISM_NOT_DOCUMENTED", "message": "...", "evidence": [],
//!             "sentence": {"start": 0, "end": 57, "text": "..."}}],
//!  "findings": [{"category": "condition", "value": "osteomyelitis",
//!                "text": "osteomyelitis", "start": 20, "end": 33,
//!                "sentence": 0, "section": "assessment", "assertion": {}}],
//!  "assigned_codes": ["M86.9"]}
//! ```
//!
//! `evidence` holds indices into `findings`; `start`/`end` are byte offsets
//! into the note text as analysed (after lossy UTF-8 decoding or
//! truncation, when a warning says so). A note analysed with a caveat
//! carries `"warnings": [...]` (one sentence each) and its `"location"`
//! (`file:line (byte N)`, or the path of a text file). An error record
//! replaces the result for a note that could not be read or analysed:
//! `{"schema_version": 1, "id": ..., "error": {"location": "notes.jsonl:3
//! (byte 812)", "message": ...}}` (`id` only when it could be read).

use crate::analyzer::Analysis;
use crate::context::Assertion;
use crate::lexicon::{Category, SectionKind, Side, Value};
use crate::rules::{FlagId, Role};
use serde::Serialize;

/// Version of the wire format; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Record<'a> {
    schema_version: u32,
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<&'a str>,
    codes: Vec<WireCode<'a>>,
    flags: Vec<WireFlag<'a>>,
    findings: Vec<WireFinding<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    assigned_codes: Option<&'a [String]>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    warnings: &'a [String],
}

#[derive(Serialize)]
struct WireCode<'a> {
    code: &'a str,
    role: Role,
    description: &'a str,
    evidence: &'a [u32],
}

#[derive(Serialize)]
struct WireFlag<'a> {
    id: FlagId,
    message: &'a str,
    evidence: &'a [u32],
    #[serde(skip_serializing_if = "Option::is_none")]
    sentence: Option<WireSentence<'a>>,
}

#[derive(Serialize)]
struct WireSentence<'a> {
    start: usize,
    end: usize,
    text: &'a str,
}

#[derive(Serialize)]
struct WireFinding<'a> {
    category: Category,
    value: &'a Value,
    text: &'a str,
    start: usize,
    end: usize,
    sentence: u32,
    section: SectionKind,
    assertion: Assertion,
    #[serde(skip_serializing_if = "Option::is_none")]
    side: Option<Side>,
    #[serde(skip_serializing_if = "Option::is_none")]
    site: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    specimen: Option<u32>,
}

#[derive(Serialize)]
struct ErrorRecord<'a> {
    schema_version: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    error: WireError<'a>,
}

#[derive(Serialize)]
struct WireError<'a> {
    location: &'a str,
    message: &'a str,
}

/// The sentence a flag points at: that of its first evidence finding.
pub fn flag_sentence(analysis: &Analysis, evidence: &[u32]) -> Option<crate::Span> {
    let f = analysis
        .evidence
        .findings
        .get(*evidence.first()? as usize)?;
    analysis.sentences.get(f.sentence as usize).copied()
}

/// Writes one result record as a JSON line (with the trailing newline);
/// `location` is written when given (the batch gives it with warnings).
pub fn write_result(
    out: &mut Vec<u8>,
    id: &str,
    location: Option<&str>,
    text: &str,
    analysis: &Analysis,
    warnings: &[String],
) {
    let record = Record {
        schema_version: SCHEMA_VERSION,
        id,
        location,
        codes: analysis
            .codes
            .iter()
            .map(|c| WireCode {
                code: &c.code,
                role: c.role,
                description: c.description,
                evidence: &c.evidence,
            })
            .collect(),
        flags: analysis
            .flags
            .iter()
            .map(|f| WireFlag {
                id: f.id,
                message: &f.message,
                evidence: &f.evidence,
                sentence: flag_sentence(analysis, &f.evidence).map(|s| WireSentence {
                    start: s.start,
                    end: s.end,
                    text: &text[s.range()],
                }),
            })
            .collect(),
        findings: analysis
            .evidence
            .findings
            .iter()
            .map(|f| WireFinding {
                category: f.category,
                value: &f.value,
                text: &text[f.span.range()],
                start: f.span.start,
                end: f.span.end,
                sentence: f.sentence,
                section: f.section,
                assertion: f.assertion,
                side: f.side,
                site: f.site,
                specimen: f.specimen,
            })
            .collect(),
        assigned_codes: analysis.assigned_codes.as_deref(),
        warnings,
    };
    serde_json::to_writer(&mut *out, &record).expect("serialising to memory cannot fail");
    out.push(b'\n');
}

/// Writes one error record as a JSON line.
pub fn write_error(out: &mut Vec<u8>, id: Option<&str>, location: &str, message: &str) {
    let record = ErrorRecord {
        schema_version: SCHEMA_VERSION,
        id,
        error: WireError { location, message },
    };
    serde_json::to_writer(&mut *out, &record).expect("serialising to memory cannot fail");
    out.push(b'\n');
}
