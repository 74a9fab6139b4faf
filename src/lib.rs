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
//! The pipeline, one module per stage: [`segment`] (sentences, sections) →
//! [`lexicon`] (terms) → [`matcher`] (one Aho-Corasick pass) → [`context`]
//! (negation, history, experiencer) → [`evidence`] (the map) → [`rules`]
//! (codes, gaps) → [`output`] (the wire format). In a batch, a note first
//! meets [`prefilter`], the first tier, which clears at close to memory
//! speed the notes that cannot yield a code or flag
//! ([`Analyzer::analyze_screened`]).
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
pub mod context;
#[cfg(feature = "tools")]
pub mod eval;
pub mod evidence;
mod fxhash;
pub mod icd;
pub mod lexicon;
pub mod matcher;
#[cfg(feature = "tools")]
pub mod negex;
pub mod output;
pub mod prefilter;
pub mod queries;
#[cfg(feature = "tools")]
pub mod report;
pub mod rules;
pub mod segment;
pub mod span;
pub mod structure;
#[cfg(feature = "tools")]
pub mod synth;

pub use analyzer::{Analysis, Analyzer, AnalyzerBuilder, CodeSuggestion, MAX_TERMS};
pub use output::record::{ErrorRecord, Line};
pub use output::{Findings, Offsets, Record, RecordOptions};
pub use rules::FlagId;
pub use span::Span;
