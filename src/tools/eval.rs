//! Scoring against gold notes (`docgap eval`, the corpus tests).
//!
//! A gold file is JSON Lines in the format of `gold-format.md`: each note
//! with its expected codes and flags. Scoring compares the set of suggested
//! codes and the set of flag ids per note: exact code-set match rate, micro
//! precision/recall/F1 over codes and over flags, per-flag figures, and the
//! notes that disagree with what differs.

use crate::Analyzer;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One gold note.
#[derive(Clone, Debug, Deserialize)]
pub struct GoldNote {
    /// Note id.
    pub id: String,
    /// Note text.
    pub text: String,
    /// Codes on the claim, if any.
    #[serde(default)]
    pub assigned_codes: Option<Vec<String>>,
    /// What a careful coder expects.
    pub expected: Expected,
}

/// Expected codes and flags.
#[derive(Clone, Debug, Deserialize)]
pub struct Expected {
    /// Complete set of codes.
    pub codes: Vec<String>,
    /// Complete set of flag ids.
    pub flags: Vec<String>,
}

/// Parses a gold file; errors name the line.
pub fn parse_gold(text: &str) -> Result<Vec<GoldNote>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("line {}: {e}", i + 1)))
        .collect()
}

/// Precision, recall, F1 from counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Prf {
    /// True positives.
    pub tp: u32,
    /// False positives.
    pub fp: u32,
    /// False negatives.
    pub fn_: u32,
    /// tp / (tp + fp); 1 when nothing was predicted.
    pub precision: f64,
    /// tp / (tp + fn); 1 when nothing was expected.
    pub recall: f64,
    /// Harmonic mean.
    pub f1: f64,
}

/// Precision, recall and F1 from counts; `empty` is the ratio reported
/// when its denominator is zero (1 for "nothing to get wrong", 0 for a
/// figure that must be earned).
pub(crate) fn precision_recall_f1(tp: u32, fp: u32, fn_: u32, empty: f64) -> (f64, f64, f64) {
    let ratio = |a: u32, b: u32| {
        if b == 0 {
            empty
        } else {
            f64::from(a) / f64::from(b)
        }
    };
    let precision = ratio(tp, tp + fp);
    let recall = ratio(tp, tp + fn_);
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    (precision, recall, f1)
}

impl Prf {
    fn from_counts(tp: u32, fp: u32, fn_: u32) -> Prf {
        let (precision, recall, f1) = precision_recall_f1(tp, fp, fn_, 1.0);
        Prf {
            tp,
            fp,
            fn_,
            precision,
            recall,
            f1,
        }
    }
}

/// A note whose output differs from gold.
#[derive(Clone, Debug, Serialize)]
pub struct Disagreement {
    /// Note id.
    pub id: String,
    /// Codes suggested but not expected.
    pub extra_codes: Vec<String>,
    /// Codes expected but not suggested.
    pub missing_codes: Vec<String>,
    /// Flags raised but not expected.
    pub extra_flags: Vec<String>,
    /// Flags expected but not raised.
    pub missing_flags: Vec<String>,
}

/// The scores of one gold file.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Notes scored.
    pub notes: usize,
    /// Share of notes whose code set is exactly the expected one.
    pub exact_code_set: f64,
    /// Share of notes whose flag set is exactly the expected one.
    pub exact_flag_set: f64,
    /// Micro P/R/F1 over codes.
    pub codes: Prf,
    /// Micro P/R/F1 over flags.
    pub flags: Prf,
    /// Per flag id.
    pub per_flag: BTreeMap<String, Prf>,
    /// Notes that disagree.
    pub disagreements: Vec<Disagreement>,
}

/// Scores `analyzer` on `gold`.
pub fn score(analyzer: &Analyzer, gold: &[GoldNote]) -> Report {
    let (mut ctp, mut cfp, mut cfn) = (0, 0, 0);
    let (mut ftp, mut ffp, mut ffn) = (0, 0, 0);
    let mut per: BTreeMap<String, (u32, u32, u32)> = BTreeMap::new();
    for f in crate::rules::FlagId::ALL {
        per.insert(f.as_str().to_string(), (0, 0, 0));
    }
    let mut exact_codes = 0;
    let mut exact_flags = 0;
    let mut disagreements = Vec::new();
    for note in gold {
        let a = analyzer.analyze_with_claim(&note.text, note.assigned_codes.as_deref());
        let got_codes: BTreeSet<String> = a.codes.iter().map(|c| c.code.clone()).collect();
        let got_flags: BTreeSet<String> =
            a.flags.iter().map(|f| f.id.as_str().to_string()).collect();
        let want_codes: BTreeSet<String> = note.expected.codes.iter().cloned().collect();
        let want_flags: BTreeSet<String> = note.expected.flags.iter().cloned().collect();
        let d = Disagreement {
            id: note.id.clone(),
            extra_codes: got_codes.difference(&want_codes).cloned().collect(),
            missing_codes: want_codes.difference(&got_codes).cloned().collect(),
            extra_flags: got_flags.difference(&want_flags).cloned().collect(),
            missing_flags: want_flags.difference(&got_flags).cloned().collect(),
        };
        ctp += got_codes.intersection(&want_codes).count() as u32;
        cfp += d.extra_codes.len() as u32;
        cfn += d.missing_codes.len() as u32;
        ftp += got_flags.intersection(&want_flags).count() as u32;
        ffp += d.extra_flags.len() as u32;
        ffn += d.missing_flags.len() as u32;
        for f in got_flags.union(&want_flags) {
            let e = per.entry(f.clone()).or_default();
            match (got_flags.contains(f), want_flags.contains(f)) {
                (true, true) => e.0 += 1,
                (true, false) => e.1 += 1,
                (false, true) => e.2 += 1,
                (false, false) => {}
            }
        }
        if d.extra_codes.is_empty() && d.missing_codes.is_empty() {
            exact_codes += 1;
        }
        if d.extra_flags.is_empty() && d.missing_flags.is_empty() {
            exact_flags += 1;
        }
        if !(d.extra_codes.is_empty()
            && d.missing_codes.is_empty()
            && d.extra_flags.is_empty()
            && d.missing_flags.is_empty())
        {
            disagreements.push(d);
        }
    }
    let n = gold.len().max(1) as f64;
    Report {
        notes: gold.len(),
        exact_code_set: exact_codes as f64 / n,
        exact_flag_set: exact_flags as f64 / n,
        codes: Prf::from_counts(ctp, cfp, cfn),
        flags: Prf::from_counts(ftp, ffp, ffn),
        per_flag: per
            .into_iter()
            .map(|(k, (tp, fp, fn_))| (k, Prf::from_counts(tp, fp, fn_)))
            .collect(),
        disagreements,
    }
}

impl Report {
    /// The report as a person reads it.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(s, "notes: {}", self.notes);
        let _ = writeln!(s, "exact code-set match: {:.4}", self.exact_code_set);
        let _ = writeln!(s, "exact flag-set match: {:.4}", self.exact_flag_set);
        let line = |s: &mut String, name: &str, p: &Prf| {
            let _ = writeln!(
                s,
                "{name:<28} P {:.4}  R {:.4}  F1 {:.4}  (tp {} fp {} fn {})",
                p.precision, p.recall, p.f1, p.tp, p.fp, p.fn_
            );
        };
        line(&mut s, "codes (micro)", &self.codes);
        line(&mut s, "flags (micro)", &self.flags);
        let _ = writeln!(s, "\nper flag:");
        for (k, p) in &self.per_flag {
            line(&mut s, k, p);
        }
        if !self.disagreements.is_empty() {
            let _ = writeln!(s, "\nnotes that disagree ({}):", self.disagreements.len());
            for d in &self.disagreements {
                let mut parts = Vec::new();
                if !d.missing_codes.is_empty() {
                    parts.push(format!("missing codes {}", d.missing_codes.join(" ")));
                }
                if !d.extra_codes.is_empty() {
                    parts.push(format!("extra codes {}", d.extra_codes.join(" ")));
                }
                if !d.missing_flags.is_empty() {
                    parts.push(format!("missing flags {}", d.missing_flags.join(" ")));
                }
                if !d.extra_flags.is_empty() {
                    parts.push(format!("extra flags {}", d.extra_flags.join(" ")));
                }
                let _ = writeln!(s, "  {}: {}", d.id, parts.join("; "));
            }
        }
        s
    }
}
