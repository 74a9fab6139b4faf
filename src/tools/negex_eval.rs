//! Evaluation on the NegEx annotated test set (`docgap eval-negex`).
//!
//! Context decides most wrong codes, so the `context`
//! stage is measured on the public test set every negation detector reports
//! on: Wendy Chapman's `Annotations-1-120.txt` (2,376 sentences from
//! discharge summaries, radiology, pathology and echo reports, each with a
//! target concept and a gold Affirmed/Negated label). Nothing here is tuned
//! to that file: each row is scored exactly as a note would be. The target
//! is found with the project's own [`Matcher`], the sentence is segmented by
//! the project's segmenter, triggers are the Context rows of the analyzer's
//! lexicon found by its one-pass matcher, and the finding's assertion comes
//! from `context::assess`, the call the evidence stage makes.
//!
//! File format: tab-separated, a header line starting `Report No.`, then
//! `report<TAB>concept<TAB>sentence<TAB>label` with label `Affirmed` or
//! `Negated` (`Negation` is read as `Negated`); a field may be wrapped in
//! double quotes with `""` for a quote inside.
//!
//! ```no_run
//! let text = std::fs::read_to_string("Annotations-1-120.txt").unwrap();
//! let rows = docgap::tools::negex_eval::parse(&text).unwrap();
//! let eval = docgap::tools::negex_eval::evaluate(&docgap::Analyzer::new(), &rows);
//! println!("F1 {:.4}", eval.scores.f1);
//! ```

use crate::context::{self, Assertion, Trigger};
use crate::lexicon::Value;
use crate::matcher::Matcher;
use crate::span::Span;
use crate::Analyzer;
use serde::Serialize;
use std::fmt;

/// A gold label: Negated is the positive class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Label {
    /// The concept is stated as present (or uncertain, or in the past).
    Affirmed,
    /// The concept is stated as absent.
    Negated,
}

impl Label {
    fn parse(s: &str) -> Option<Label> {
        match s {
            "Affirmed" => Some(Label::Affirmed),
            "Negated" | "Negation" => Some(Label::Negated),
            _ => None,
        }
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Label::Affirmed => "Affirmed",
            Label::Negated => "Negated",
        })
    }
}

/// One annotated sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// 1-based line in the file.
    pub line: usize,
    /// The report the sentence comes from.
    pub report: String,
    /// The target phrase, as annotated.
    pub concept: String,
    /// The sentence.
    pub sentence: String,
    /// The gold label.
    pub gold: Label,
}

/// A line of the annotation file that cannot be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Reads an annotation file (see the module docs for the format).
pub fn parse(text: &str) -> Result<Vec<Row>, ParseError> {
    let mut rows = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() || (i == 0 && line.starts_with("Report No.")) {
            continue;
        }
        let bad = |message: String| ParseError {
            line: i + 1,
            message,
        };
        let fields: Vec<&str> = line.split('\t').collect();
        let [report, concept, sentence, label] = fields[..] else {
            return Err(bad(format!(
                "expected 4 tab-separated fields (report, concept, sentence, label), found {}",
                fields.len()
            )));
        };
        let label = unquote(label);
        let gold = Label::parse(label.trim())
            .ok_or_else(|| bad(format!("label {label:?} is neither Affirmed nor Negated")))?;
        rows.push(Row {
            line: i + 1,
            report: unquote(report),
            concept: unquote(concept),
            sentence: unquote(sentence),
            gold,
        });
    }
    Ok(rows)
}

/// A field without its surrounding quotes, `""` read as `"`.
fn unquote(field: &str) -> String {
    match field.strip_prefix('"').and_then(|f| f.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => field.to_string(),
    }
}

/// The confusion matrix and the figures derived from it, Negated being the
/// positive class. A row whose target is not found counts in `not_found`
/// and, predicted Affirmed, in `tn` or `fn`, so the four cells always sum
/// to the number of rows.
///
/// This is the `--json` wire format: one object with exactly these keys.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Scores {
    /// Negated, predicted Negated.
    pub tp: u32,
    /// Affirmed, predicted Negated.
    pub fp: u32,
    /// Affirmed, predicted Affirmed.
    pub tn: u32,
    /// Negated, predicted Affirmed.
    #[serde(rename = "fn")]
    pub fn_: u32,
    /// Rows whose target phrase was not found in the sentence.
    pub not_found: u32,
    /// (tp + tn) / rows.
    pub accuracy: f64,
    /// tp / (tp + fp).
    pub precision: f64,
    /// tp / (tp + fn).
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
}

impl Scores {
    fn from_counts(tp: u32, fp: u32, tn: u32, fn_: u32, not_found: u32) -> Scores {
        let ratio = |a: u32, b: u32| {
            if b == 0 {
                0.0
            } else {
                f64::from(a) / f64::from(b)
            }
        };
        let (precision, recall, f1) = super::eval::precision_recall_f1(tp, fp, fn_, 0.0);
        Scores {
            tp,
            fp,
            tn,
            fn_,
            not_found,
            accuracy: ratio(tp + tn, tp + fp + tn + fn_),
            precision,
            recall,
            f1,
        }
    }
}

/// What docgap made of one row.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// Index into the rows evaluated.
    pub row: usize,
    /// The target's span in the row's sentence; None when not found.
    pub target: Option<Span>,
    /// The target's assertion (default when not found).
    pub assertion: Assertion,
    /// Negated when the assertion says so.
    pub predicted: Label,
}

/// Scores and per-row outcomes.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// The figures.
    pub scores: Scores,
    /// One per row, in row order.
    pub outcomes: Vec<Outcome>,
}

impl Evaluation {
    /// The outcomes that disagree with gold (not-found rows included).
    pub fn errors<'a>(&'a self, rows: &'a [Row]) -> impl Iterator<Item = (&'a Row, &'a Outcome)> {
        self.outcomes
            .iter()
            .map(move |o| (&rows[o.row], o))
            .filter(|(r, o)| o.target.is_none() || r.gold != o.predicted)
    }
}

/// Scores `analyzer`'s context stage on `rows`.
pub fn evaluate(analyzer: &Analyzer, rows: &[Row]) -> Evaluation {
    let mut counts = [0u32; 5];
    let mut outcomes = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let target = locate(analyzer, &row.concept, &row.sentence);
        let assertion = target
            .map(|t| assert_target(analyzer, &row.sentence, t))
            .unwrap_or_default();
        let predicted = if assertion.negated {
            Label::Negated
        } else {
            Label::Affirmed
        };
        let cell = match (row.gold, predicted) {
            (Label::Negated, Label::Negated) => 0,
            (Label::Affirmed, Label::Negated) => 1,
            (Label::Affirmed, Label::Affirmed) => 2,
            (Label::Negated, Label::Affirmed) => 3,
        };
        counts[cell] += 1;
        if target.is_none() {
            counts[4] += 1;
        }
        outcomes.push(Outcome {
            row: i,
            target,
            assertion,
            predicted,
        });
    }
    let [tp, fp, tn, fn_, not_found] = counts;
    Evaluation {
        scores: Scores::from_counts(tp, fp, tn, fn_, not_found),
        outcomes,
    }
}

/// The assertion of the finding at `target` in `text`, judged as the
/// evidence stage judges a finding: inside the segmenter's sentence that
/// holds it, with the Context triggers the analyzer's matcher finds there.
pub fn assert_target(analyzer: &Analyzer, text: &str, target: Span) -> Assertion {
    let segments = analyzer.segmenter().segment(text);
    let sentence = match segments.sentence_at(target.start) {
        Some(i) => {
            let s = segments.sentences[i].span;
            Span::new(s.start, s.end.max(target.end))
        }
        None => Span::new(0, text.len()),
    };
    let entries = analyzer.lexicon().entries();
    let matcher = analyzer.matcher();
    // The target is one finding: its words are no trigger words, and a
    // trigger cannot run into it either ("no change in" before the target
    // "change in vision" is "no" and the finding). So triggers are matched
    // on the text either side of it.
    let mut triggers: Vec<Trigger> = Vec::new();
    for part in [
        Span::new(sentence.start, target.start),
        Span::new(target.end, sentence.end),
    ] {
        matcher.for_each(&text[part.range()], |m| {
            for &row in matcher.entries_of(m.pattern) {
                if let Value::Context(rule) = entries[row as usize].value {
                    let span = Span::new(part.start + m.span.start, part.start + m.span.end);
                    triggers.push(Trigger { span, rule });
                }
            }
        });
    }
    context::assess(text, sentence, target, &triggers)
}

/// Finds `concept` in `sentence` with the project's matcher: ASCII
/// case-insensitive, word-bounded, any run of spaces in either matching
/// one space. Where the phrase occurs more than once, an occurrence written
/// in capitals (how the annotators mark the target) wins over one that is
/// not, and one in the text over one that is a section header ("ALLERGIES:
/// no known allergies"); else the first. When the whole phrase is not
/// there (the annotators' sentence splitter cut the concept, or a typo
/// glued a word to it), the longest run of its words that is found stands
/// for it.
pub fn locate(analyzer: &Analyzer, concept: &str, sentence: &str) -> Option<Span> {
    let words: Vec<&str> = concept.split_whitespace().collect();
    for len in (1..=words.len()).rev() {
        let runs: Vec<String> = words.windows(len).map(|w| w.join(" ")).collect();
        let found = Matcher::from_terms(&runs).find_all(sentence);
        if found.is_empty() {
            continue;
        }
        if found.len() == 1 {
            return Some(found[0].span);
        }
        let headers: Vec<Span> = analyzer
            .segmenter()
            .segment(sentence)
            .sections
            .iter()
            .filter_map(|s| s.header)
            .collect();
        let rank = |span: Span| {
            let s = &sentence[span.range()];
            let capitals = s.bytes().any(|b| b.is_ascii_alphabetic())
                && !s.bytes().any(|b| b.is_ascii_lowercase());
            let header = headers.iter().any(|h| h.contains(span));
            (!capitals, header)
        };
        return found.iter().map(|m| m.span).min_by_key(|&span| rank(span));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_parse_with_quotes_header_and_crlf() {
        let text = "Report No.\tConcept\tSentence\tNegation\r\n\
                    7\tfever\t\"No \"\"high\"\" FEVER.\"\tNegated\r\n\
                    7\tcough\tA COUGH.\tNegation\r\n";
        let rows = parse(text).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].sentence, "No \"high\" FEVER.");
        assert_eq!(rows[0].gold, Label::Negated);
        assert_eq!((rows[1].line, rows[1].gold), (3, Label::Negated));
        let err = parse("1\tfever\tFever.\tMaybe\n").unwrap_err();
        assert_eq!(err.line, 1);
        assert!(parse("1\tfever\n").is_err());
    }

    #[test]
    fn targets_prefer_capitals_and_fall_back_to_word_runs() {
        let a = Analyzer::new();
        let at = |concept: &str, s: &str| locate(&a, concept, s).map(|t| t.start);
        let s = "Fever on admission; no FEVER now.";
        assert_eq!(at("fever", s), Some(23));
        let s = "ALLERGIES: she has no known ALLERGIES.";
        assert_eq!(at("allergies", s), Some(28));
        let s = "The   knee  effusion was drained.";
        let t = locate(&a, "knee effusion", s).unwrap();
        assert_eq!(&s[t.range()], "knee  effusion");
        // The concept runs past the sentence: its longest run inside counts.
        let s = "Knee: swollen.";
        let t = locate(&a, "knee: swollen. No warmth", s).unwrap();
        assert_eq!(&s[t.range()], "Knee: swollen.");
        assert_eq!(at("ankle", s), None);
    }

    #[test]
    fn scores_follow_the_counts() {
        let s = Scores::from_counts(8, 2, 88, 2, 0);
        assert_eq!((s.precision, s.recall), (0.8, 0.8));
        assert!((s.f1 - 0.8).abs() < 1e-12);
        assert!((s.accuracy - 0.96).abs() < 1e-12);
        let json = serde_json::to_value(s).unwrap();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        assert_eq!(keys.len(), 9);
        for k in [
            "tp",
            "fp",
            "tn",
            "fn",
            "not_found",
            "accuracy",
            "precision",
            "recall",
            "f1",
        ] {
            assert!(keys.contains(&k), "{k}");
        }
    }

    #[test]
    fn a_negated_target_is_scored_negated() {
        let rows =
            parse("1\tfever\tShe has no FEVER.\tNegated\n2\tcough\tShe has a COUGH.\tAffirmed\n")
                .unwrap();
        let e = evaluate(&Analyzer::new(), &rows);
        assert_eq!((e.scores.tp, e.scores.tn, e.scores.not_found), (1, 1, 0));
        assert_eq!(e.errors(&rows).count(), 0);
    }
}
