//! The pipeline as one easy type: build an [`Analyzer`] once, share it, and
//! call [`Analyzer::analyze`] per note.

use crate::evidence::{self, EvidenceMap};
use crate::icd::CodeTable;
use crate::lexicon::{Lexicon, LexiconError};
use crate::matcher::Matcher;
use crate::prefilter::Prefilter;
use crate::rules::{self, Flag, Role};
use crate::segment::{Segmenter, Segments};
use crate::span::Span;
use std::path::{Path, PathBuf};

/// Builds an [`Analyzer`] with options.
#[derive(Clone, Debug, Default)]
pub struct AnalyzerBuilder {
    lexicon_dir: Option<PathBuf>,
}

impl AnalyzerBuilder {
    /// Lexicon files in `dir` replace the embedded ones of the same name.
    pub fn lexicon_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.lexicon_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Loads the lexicons and compiles the automaton.
    pub fn build(self) -> Result<Analyzer, LexiconError> {
        let lexicon = match &self.lexicon_dir {
            Some(dir) => Lexicon::with_overrides(dir)?,
            None => Lexicon::embedded(),
        };
        Ok(Analyzer::from_lexicon(lexicon))
    }
}

/// The whole pipeline, built once and shared across threads.
#[derive(Clone, Debug)]
pub struct Analyzer {
    lexicon: Lexicon,
    matcher: Matcher,
    segmenter: Segmenter,
    prefilter: Prefilter,
}

/// A code the note supports, with its official description.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeSuggestion {
    /// The code, dotted, upper case.
    pub code: String,
    /// Primary (M86 or its replacement) or additional (B95-B97, M89.7, D57).
    pub role: Role,
    /// The official ICD-10-CM description.
    pub description: &'static str,
    /// Indices into the evidence map of the findings that support it.
    pub evidence: Vec<u32>,
}

/// The result of analysing one note.
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    /// Codes the documentation supports.
    pub codes: Vec<CodeSuggestion>,
    /// Documentation gaps and claim problems.
    pub flags: Vec<Flag>,
    /// Every finding, with spans.
    pub evidence: EvidenceMap,
    /// Sentence spans, indexed by a finding's `sentence`.
    pub sentences: Vec<Span>,
    /// The claim the audit flags were checked against, if any.
    pub assigned_codes: Option<Vec<String>>,
}

/// The most terms one note's analysis keeps. A real note carries a term
/// every 50 to 100 bytes, so this is 12 to 25 MB of clinical text; past it
/// (a pasted export, a note of nothing but "R/L R/L ..."), the rest is
/// scanned but not kept, which bounds the memory one note takes at about
/// 40 MB of findings whatever `--max-note-bytes` allows.
pub const MAX_TERMS: usize = 250_000;

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer::new()
    }
}

impl Analyzer {
    /// The analyzer with the embedded lexicons.
    pub fn new() -> Analyzer {
        Analyzer::from_lexicon(Lexicon::embedded())
    }

    /// Options: an override lexicon directory.
    pub fn builder() -> AnalyzerBuilder {
        AnalyzerBuilder::default()
    }

    /// An analyzer over an already loaded lexicon.
    pub fn from_lexicon(lexicon: Lexicon) -> Analyzer {
        let matcher = Matcher::new(&lexicon);
        let segmenter = Segmenter::new(&lexicon);
        let prefilter = Prefilter::new(&lexicon);
        // Touch the code table so the first note does not pay for it.
        let _ = CodeTable::embedded();
        Analyzer {
            lexicon,
            matcher,
            segmenter,
            prefilter,
        }
    }

    /// The lexicon in use.
    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    /// The compiled matcher.
    pub fn matcher(&self) -> &Matcher {
        &self.matcher
    }

    /// The segmenter.
    pub fn segmenter(&self) -> &Segmenter {
        &self.segmenter
    }

    /// The first tier: whether a note can yield a code or flag at all.
    pub fn prefilter(&self) -> &Prefilter {
        &self.prefilter
    }

    /// [`Analyzer::analyze_screened`]'s first tier for a note whose text is
    /// still the content of a JSON string (`raw`: between the quotes) and
    /// whose claim is `assigned`: `Some(n)` when the string holds no escape
    /// (so it is its own text, `n` bytes), and the note can yield no code
    /// or flag and has no claim code in its text, so its result is the
    /// empty one with `assigned` as its claim; None when it must be
    /// decoded and analysed (any string with an escape). Never Some where
    /// `analyze_screened` would run the pipeline on the decoded text
    /// (`tests/prefilter.rs`).
    pub fn clears_json(&self, raw: &str, assigned: Option<&[String]>) -> Option<usize> {
        if crate::prefilter::claim_may_yield(assigned) {
            return None;
        }
        self.prefilter.clears_json(raw)
    }

    /// The codes and flags of [`Analyzer::analyze_with_claim`], found
    /// faster: a note the first tier (`prefilter`) clears gets
    /// the empty result (no findings, no sentences; the claim kept) without
    /// segmentation, matching or context. The codes and flags are always
    /// those of `analyze_with_claim`; the evidence map is complete only
    /// for notes that yield something, so use `analyze_with_claim` where
    /// every finding of every note is wanted.
    pub fn analyze_screened(&self, text: &str, assigned: Option<&[String]>) -> Analysis {
        if self.prefilter.may_yield(text, assigned) {
            return self.analyze_with_claim(text, assigned);
        }
        // Cleared: the claim is still reported as the full run reports it
        // (codes read from the text, none of them one the audit flags).
        let claim = match assigned {
            Some(a) => Some(a.to_vec()),
            None => Some(crate::evidence::assigned_from_text(text)).filter(|c| !c.is_empty()),
        };
        Analysis {
            assigned_codes: claim,
            ..Analysis::default()
        }
    }

    /// Analyses a note; the claim is read from codes written in its text.
    pub fn analyze(&self, text: &str) -> Analysis {
        self.analyze_with_claim(text, None)
    }

    /// Analyses a note against the codes already on its claim. With
    /// `assigned` None, codes written in the note text are the claim; with
    /// neither, the audit flags do not fire.
    pub fn analyze_with_claim(&self, text: &str, assigned: Option<&[String]>) -> Analysis {
        let segments = self.segmenter.segment(text);
        let map = self.evidence(text, &segments);
        let from_text;
        let claim: Option<&[String]> = match assigned {
            Some(a) => Some(a),
            None => {
                from_text = crate::evidence::assigned_from_text(text);
                (!from_text.is_empty()).then_some(from_text.as_slice())
            }
        };
        let sentences: Vec<Span> = segments.sentences.iter().map(|s| s.span).collect();
        let outcome = rules::apply(&map, claim);
        let table = CodeTable::embedded();
        let codes = outcome
            .codes
            .into_iter()
            .map(|c| CodeSuggestion {
                description: table.get(&c.code).map(|i| i.description).unwrap_or(""),
                code: c.code,
                role: c.role,
                evidence: c.evidence,
            })
            .collect();
        Analysis {
            codes,
            flags: outcome.flags,
            evidence: map,
            sentences,
            assigned_codes: claim.map(|c| c.to_vec()),
        }
    }

    /// The evidence map of a segmented note.
    pub fn evidence(&self, text: &str, segments: &Segments) -> EvidenceMap {
        // Real notes carry a term every 50 to 100 bytes: sized for that,
        // the vector rarely regrows (capped, so a huge note grows as usual).
        let mut matches = Vec::with_capacity((text.len() / 64).min(1 << 16));
        let mut cut = false;
        self.matcher.for_each(text, |m| {
            if matches.len() < MAX_TERMS {
                matches.push((m, self.matcher.entries_of(m.pattern)));
            } else {
                cut = true;
            }
        });
        let mut map = evidence::build(text, &self.lexicon, &matches, segments);
        map.terms_cut = cut;
        map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A note of nothing but terms keeps at most MAX_TERMS of them, says
    /// so, and is still decided on what it kept.
    #[test]
    fn terms_past_the_cap_are_scanned_not_kept() {
        let mut note = String::from("Assessment: chronic osteomyelitis of the left tibia. ");
        note.push_str(&"R/L ".repeat(MAX_TERMS / 2 + 1000));
        let a = Analyzer::new().analyze(&note);
        assert!(a.evidence.terms_cut);
        assert!(a.evidence.findings.len() <= MAX_TERMS);
        assert!(a.codes.iter().any(|c| c.code == "M86.662"));
        let small = Analyzer::new().analyze("Assessment: chronic osteomyelitis of the left tibia.");
        assert!(!small.evidence.terms_cut);
    }

    #[test]
    fn analyzer_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Analyzer>();
        assert_send_sync::<Analysis>();
    }
}
