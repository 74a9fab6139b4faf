//! # docgap
//!
//! Reads free-text clinical notes and finds the documentation gaps that stop
//! osteomyelitis (ICD-10-CM M86 and its neighbours) from being coded
//! correctly: each skeletal site and its side, the route of infection, the
//! organism, imaging findings, chronicity and osseous defects, with the exact
//! byte span of every word that counted.
//!
//! ```
//! use docgap::Analyzer;
//!
//! let analyzer = Analyzer::new();
//! let note = "Assessment: chronic osteomyelitis of the left femur, \
//!             hematogenously seeded. Bone biopsy grew MRSA.";
//! let result = analyzer.analyze(note);
//! let codes: Vec<&str> = result.codes.iter().map(|c| c.code.as_str()).collect();
//! assert_eq!(codes, ["M86.552", "B95.62"]);
//! assert!(result.flags.is_empty());
//! // Every finding points back into the note.
//! for f in &result.evidence.findings {
//!     assert!(!note[f.span.range()].is_empty());
//! }
//! ```
//!
//! The same result as the documented JSON record `docgap scan` writes,
//! with offsets in the unit an editor counts (UTF-16 for JavaScript, code
//! points for Python), and read back:
//!
//! ```
//! use docgap::{Analyzer, Line, Offsets, Record, RecordOptions};
//!
//! let analyzer = Analyzer::new();
//! let note = "Ostéite – chronic osteomyelitis of the right tibia.";
//! let analysis = analyzer.analyze(note);
//! let options = RecordOptions::default().offsets(Offsets::Utf16);
//! let record = Record::new("n-1", None, note, &analysis, &[], options);
//! let utf16: Vec<u16> = note.encode_utf16().collect();
//! for f in record.findings.as_deref().unwrap_or_default() {
//!     assert_eq!(String::from_utf16(&utf16[f.start..f.end]).unwrap(), f.text);
//! }
//! let line = record.to_json_line();
//! assert_eq!(Line::parse(&line).unwrap(), Line::Result(record));
//! ```
//!
//! ## What is here
//!
//! - [`Analyzer`] and its result, [`Analysis`] ([`CodeSuggestion`],
//!   [`Flag`], the [`EvidenceMap`] of [`Finding`]s with [`Span`]s and
//!   [`Assertion`]s); the vocabulary of findings in [`lexicon`].
//! - The wire format: [`Record`] (Serialize + Deserialize), built with
//!   [`RecordOptions`] ([`Findings`], [`Offsets`]); [`Line`] reads any line
//!   of `docgap scan` output; [`output`] holds the fast writer.
//! - [`queries`]: the query a CDI specialist sends for a flag.
//! - [`icd`]: the official code table behind every description.
//! - Feature `batch`: [`batch`] readers (JSONL, CSV, FHIR NDJSON, text
//!   trees, gzip) and the parallel scan. Feature `tools`: [`tools`] (`eval`,
//!   `negex_eval`, `synth`), `report` and the table generator. Feature `cli` (default):
//!   the `docgap` binary. `--no-default-features` builds the library alone
//!   on seven direct dependencies.
//!
//! Inside, one module per stage: segment (sentences, sections) → lexicon
//! (terms) → matcher (one Aho-Corasick pass) → context (negation, history,
//! experiencer) → structure (shorthand sense, copied-forward blocks) →
//! evidence (the map) → rules (codes, gaps) → output. In a batch, a note
//! first meets the prefilter, which clears at close to memory speed the
//! notes that cannot yield a code or flag ([`Analyzer::analyze_screened`]).
//! ARCHITECTURE.md draws the stages.
//!
//! ## Resource usage
//!
//! An [`Analyzer`] is built once (lexicons parsed, automaton compiled) and
//! shared across threads; [`Analyzer::analyze`] allocates only for the
//! findings of the note it reads.

#![warn(missing_docs)]

mod analyzer;
#[cfg(feature = "batch")]
pub mod batch;
pub(crate) mod context;
pub(crate) mod evidence;
pub mod icd;
pub(crate) mod json_text;
pub(crate) mod keyed;
pub mod lexicon;
pub(crate) mod matcher;
pub mod output;
pub(crate) mod prefilter;
pub mod queries;
#[cfg(feature = "tools")]
pub mod report;
pub(crate) mod rules;
pub(crate) mod segment;
mod span;
#[cfg(feature = "tools")]
pub mod tools;

pub use analyzer::{Analysis, Analyzer, AnalyzerBuilder, CodeSuggestion, MAX_TERMS};
pub use context::Assertion;
pub use evidence::{EvidenceMap, Finding, SentenceLayout};
pub use output::record::{ErrorRecord, Line};
pub use output::{Findings, Offsets, Record, RecordOptions};
pub use queries::{Audience, Query};
pub use rules::{Flag, FlagId, Role};
pub use span::Span;

/// Stage internals for docgap's own benches, fuzz targets and tests. Not
/// part of the supported API: anything here may change in any release.
#[doc(hidden)]
pub mod internals {
    pub use crate::evidence::assigned_from_text;
    pub use crate::evidence::build as build_evidence;
    pub use crate::matcher::{Matcher, TermMatch};
    pub use crate::prefilter::Prefilter;
    pub use crate::segment::{Segmenter, Segments};

    pub use crate::rules::apply as apply_rules;
}
