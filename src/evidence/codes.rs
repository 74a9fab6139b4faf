//! ICD-10-CM codes written in the note ("Assessment: ... (M86.9)", "Dx:
//! M86172, B9562"): each occurrence of a valid code of the families the
//! rules reason about becomes a `code` finding with its span, so an audit
//! flag about a code on the claim can point at where it was written. The
//! same reading gives the claim when a record carries none
//! ([`assigned_from_text`]).

use crate::icd::normalize_code;
use crate::span::Span;
use regex::Regex;
use std::sync::OnceLock;

/// The code categories read as a claim from note text: those the rules
/// reason about (and diabetes, often written beside them).
pub const CLAIM_FAMILIES: &[&str] = &[
    "M86", "M46", "M89", "M27", "B95", "B96", "B97", "D57", "A02", "A54", "B67", "H05", "H70",
    "E10", "E11",
];

fn code_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        // A literal prefix keeps the scan fast.
        Regex::new(&format!(
            r"\b(?:{})(?:\.?[0-9X][0-9A-Z]{{0,3}})?\b",
            CLAIM_FAMILIES.join("|")
        ))
        .expect("valid code regex")
    })
}

/// ICD-10-CM codes written in a note, normalised (dotted, upper case), in
/// order of first appearance.
pub fn assigned_from_text(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (_, code) in written(text) {
        if !out.contains(&code) {
            out.push(code);
        }
    }
    out
}

/// Each valid code written in `text`, with its span, in text order.
pub(crate) fn written(text: &str) -> impl Iterator<Item = (Span, String)> + '_ {
    code_regex().find_iter(text).filter_map(|m| {
        let raw = m.as_str();
        if raw.len() < 4 {
            // A bare category ("M86") is not a code on a claim.
            return None;
        }
        let code = normalize_code(raw)?;
        crate::icd::CodeTable::embedded().get(&code)?;
        Some((Span::new(m.start(), m.end()), code))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_in_text_are_found_with_or_without_dot() {
        let text = "Assessment: chronic osteomyelitis (M86.9); DM2 E11.610. Billed M86671 and B9562. Ref M86 category. XM86.1";
        assert_eq!(
            assigned_from_text(text),
            ["M86.9", "E11.610", "M86.671", "B95.62"]
        );
    }
}
