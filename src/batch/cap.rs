//! Caps on what one note may put in its output record, so that a hostile
//! note inside the byte limit (60 MB of "R/L ", every word a finding)
//! cannot write a line of gigabytes.
//!
//! The codes and flags are decided on the whole analysis first; only what
//! is written is cut, and a warning on the record says what:
//!
//! - findings: the first [`MAX_FINDINGS`], and those the codes and flags
//!   cite, renumbered so every index still points at its finding;
//! - the findings a code or flag cites: its first [`MAX_CITED`];
//! - the sentence quoted with a flag: its first [`MAX_QUOTE`] bytes.

use crate::analyzer::Analysis;
use crate::Span;

/// Findings written per note, at most (the corpus's densest note has
/// under 200).
pub const MAX_FINDINGS: usize = 10_000;
/// Findings cited per code or flag, at most.
pub const MAX_CITED: usize = 1_000;
/// Bytes of a flag's sentence quoted, at most.
pub const MAX_QUOTE: usize = 16 << 10;

/// Cuts `analysis` to what one record may hold; a warning for each kind
/// of cut, appended to `warnings`.
pub fn cap(analysis: &mut Analysis, text: &str, warnings: &mut Vec<String>) {
    let total = analysis.evidence.findings.len();
    let mut cited_cut = 0usize;
    for evidence in analysis
        .codes
        .iter_mut()
        .map(|c| &mut c.evidence)
        .chain(analysis.flags.iter_mut().map(|f| &mut f.evidence))
    {
        if evidence.len() > MAX_CITED {
            cited_cut = cited_cut.max(evidence.len());
            evidence.truncate(MAX_CITED);
        }
    }
    if cited_cut > 0 {
        warnings.push(format!(
            "a code or flag cites {cited_cut} findings: only its first {MAX_CITED} are listed"
        ));
    }
    if total > MAX_FINDINGS {
        keep_findings(analysis);
        warnings.push(format!(
            "{total} findings, over the limit of {MAX_FINDINGS} a record holds: the first {MAX_FINDINGS} \
             and those the codes and flags cite are written ({} in all); codes and flags were decided on all of them",
            analysis.evidence.findings.len()
        ));
    }
    let mut quoted_cut = None;
    for i in 0..analysis.flags.len() {
        let Some(first) = analysis.flags[i].evidence.first() else {
            continue;
        };
        let Some(f) = analysis.evidence.findings.get(*first as usize) else {
            continue;
        };
        let Some(s) = analysis.sentences.get_mut(f.sentence as usize) else {
            continue;
        };
        if s.end - s.start > MAX_QUOTE {
            quoted_cut = Some(s.end - s.start);
            let end = s.start + crate::batch::floor_char_boundary(&text[s.start..], MAX_QUOTE);
            *s = Span::new(s.start, end);
        }
    }
    if let Some(n) = quoted_cut {
        warnings.push(format!(
            "a flag's sentence is {n} bytes: only its first {MAX_QUOTE} are quoted (its span is cut to them)"
        ));
    }
}

/// Keeps the first [`MAX_FINDINGS`] findings and those cited, renumbered.
fn keep_findings(analysis: &mut Analysis) {
    let findings = &analysis.evidence.findings;
    let mut keep = vec![false; findings.len()];
    keep[..MAX_FINDINGS].fill(true);
    for &i in analysis
        .codes
        .iter()
        .flat_map(|c| &c.evidence)
        .chain(analysis.flags.iter().flat_map(|f| &f.evidence))
    {
        if let Some(k) = keep.get_mut(i as usize) {
            *k = true;
        }
    }
    let mut new_index = vec![u32::MAX; findings.len()];
    let mut n = 0u32;
    for (i, k) in keep.iter().enumerate() {
        if *k {
            new_index[i] = n;
            n += 1;
        }
    }
    let map = |i: u32| -> Option<u32> {
        new_index
            .get(i as usize)
            .copied()
            .filter(|&j| j != u32::MAX)
    };
    let old = std::mem::take(&mut analysis.evidence.findings);
    analysis.evidence.findings = old
        .into_iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(mut f, _)| {
            f.site = f.site.and_then(map);
            f.specimen = f.specimen.and_then(map);
            f.side_from = f.side_from.and_then(map);
            f
        })
        .collect();
    for e in analysis
        .codes
        .iter_mut()
        .map(|c| &mut c.evidence)
        .chain(analysis.flags.iter_mut().map(|f| &mut f.evidence))
    {
        *e = e.iter().filter_map(|&i| map(i)).collect();
    }
}
