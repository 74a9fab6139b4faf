//! Audit rules: the four flags that compare the claim with the note
//! (domain brief section 6, last four rows, and section 7).
//!
//! The claim is the record's `assigned_codes` when it has one, otherwise
//! the ICD-10-CM codes written in the note itself ("Assessment: ...
//! (M86.9)"), with or without the dot.

use super::{flag, FlagId, Outcome, Role};
use crate::icd::normalize_code;
use crate::lexicon::{Category, Value};

/// The claim families this audit flags on a note that documents no bone
/// infection: an M86 code is then "not supported"; every other audit flag
/// needs a code the note supports. The batch's first tier
/// ([`crate::prefilter`]) looks for exactly these in the text and the
/// claim, so a family that may be flagged without a diagnosis must be
/// listed here.
pub const FLAGGED_WITHOUT_DIAGNOSIS: &[&str] = &["M86"];

fn is_m86_family(code: &str) -> bool {
    code.starts_with(FLAGGED_WITHOUT_DIAGNOSIS[0])
}

fn is_organism(code: &str) -> bool {
    code.starts_with("B95") || code.starts_with("B96") || code.starts_with("B97")
}

/// How an assigned M86 code compares with the one the note supports.
#[derive(Debug, PartialEq, Eq)]
enum Compare {
    Same,
    LessSpecific,
    Contradicts,
}

fn compare_m86(assigned: &str, expected: &str) -> Compare {
    if assigned == expected {
        return Compare::Same;
    }
    if assigned == "M86.9" {
        return Compare::LessSpecific;
    }
    let a = assigned.as_bytes();
    let e = expected.as_bytes();
    // Different type (4th character): M86.6- for a hematogenous note, M86.5-
    // without a documented route.
    if a.len() < 5 || e.len() < 5 || a[4] != e[4] {
        return Compare::Contradicts;
    }
    // M86.8X-: the seventh character is the site, 9 unspecified.
    if a[4] == b'8' {
        return match (a.get(6), e.get(6)) {
            (Some(b'9'), Some(_)) => Compare::LessSpecific,
            _ => Compare::Contradicts,
        };
    }
    let (a_site, e_site) = (a.get(5).copied(), e.get(5).copied());
    match (a_site, e_site) {
        (Some(b'0'), Some(s)) if s != b'0' => Compare::LessSpecific,
        (Some(x), Some(y)) if x == y => match (a.get(6), e.get(6)) {
            (Some(b'9'), Some(b'1' | b'2')) => Compare::LessSpecific,
            _ => Compare::Contradicts,
        },
        _ => Compare::Contradicts,
    }
}

pub(super) fn check(facts: &super::Facts, assigned: &[String], out: &mut Outcome) {
    // Where each claim code is written in the note, when it is: the
    // flags about a code on the claim point at it.
    let written = |codes: &[String]| -> Vec<u32> {
        facts
            .map
            .findings
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                f.category == Category::Code
                    && matches!(&f.value, Value::Code(c) if codes.iter().any(|x| **x == **c))
            })
            .map(|(i, _)| i as u32)
            .collect()
    };
    let claim: Vec<String> = assigned.iter().filter_map(|c| normalize_code(c)).collect();
    let expected_primary: Vec<&str> = out
        .codes
        .iter()
        .filter(|c| c.role == Role::Primary)
        .map(|c| c.code.as_str())
        .collect();
    let expected_m86: Vec<&str> = expected_primary
        .iter()
        .copied()
        .filter(|c| is_m86_family(c))
        .collect();

    let mut unspecified = Vec::new();
    let mut unsupported = Vec::new();
    for code in claim.iter().filter(|c| is_m86_family(c)) {
        if expected_m86.is_empty() {
            unsupported.push(code.clone());
            continue;
        }
        let best = expected_m86
            .iter()
            .map(|e| compare_m86(code, e))
            .min_by_key(|c| match c {
                Compare::Same => 0,
                Compare::LessSpecific => 1,
                Compare::Contradicts => 2,
            })
            .expect("non-empty");
        match best {
            Compare::Same => {}
            Compare::LessSpecific => unspecified.push(code.clone()),
            Compare::Contradicts => unsupported.push(code.clone()),
        }
    }
    let expected_additional: Vec<&str> = out
        .codes
        .iter()
        .filter(|c| c.role == Role::Additional)
        .map(|c| c.code.as_str())
        .collect();
    let organism_expected: Vec<&str> = expected_additional
        .iter()
        .copied()
        .filter(|c| is_organism(c))
        .collect();
    // Section 7: codes for another condition are outside the audit; an
    // organism the note grew from another site's specimen (urine, sputum)
    // is that infection's, so its code on the claim contradicts nothing.
    let elsewhere = |code: &str| {
        facts.affirmed(Category::Organism).any(|(_, f)| {
            super::additional::is_remote(facts, f)
                && matches!(&f.value, Value::Organism(c) if **c == *code)
        })
    };
    for code in claim.iter().filter(|c| is_organism(c)) {
        if !organism_expected.is_empty()
            && !organism_expected.contains(&code.as_str())
            && !elsewhere(code)
        {
            unsupported.push(code.clone());
        }
    }
    let missing_organism: Vec<&str> = organism_expected
        .iter()
        .copied()
        .filter(|c| !claim.iter().any(|x| x == c))
        .collect();
    let missing_defect: Vec<&str> = expected_additional
        .iter()
        .copied()
        .filter(|c| c.starts_with("M89.7") && !claim.iter().any(|x| x == c))
        .collect();

    let evidence_of = |codes: &[&str]| -> Vec<u32> {
        out.codes
            .iter()
            .filter(|c| codes.contains(&c.code.as_str()))
            .flat_map(|c| c.evidence.iter().copied())
            .collect()
    };
    let mut flags = Vec::new();
    if !missing_organism.is_empty() {
        flags.push((
            FlagId::OrganismCodeMissing,
            super::texts::message(
                FlagId::OrganismCodeMissing,
                &[("codes", &missing_organism.join(", "))],
            ),
            evidence_of(&missing_organism),
        ));
    }
    if !missing_defect.is_empty() {
        flags.push((
            FlagId::OsseousDefectCodeMissing,
            super::texts::message(
                FlagId::OsseousDefectCodeMissing,
                &[("codes", &missing_defect.join(", "))],
            ),
            evidence_of(&missing_defect),
        ));
    }
    if !unspecified.is_empty() {
        flags.push((
            FlagId::UnspecifiedCodeUsed,
            super::texts::message(
                FlagId::UnspecifiedCodeUsed,
                &[
                    ("claim", &unspecified.join(", ")),
                    ("supported", &expected_m86.join(", ")),
                ],
            ),
            evidence_of(&expected_m86)
                .into_iter()
                .chain(written(&unspecified))
                .collect(),
        ));
    }
    if !unsupported.is_empty() {
        let supported = if expected_primary.is_empty() {
            super::texts::text(FlagId::CodeNotSupported, "no_support").to_string()
        } else {
            expected_primary.join(", ")
        };
        flags.push((
            FlagId::CodeNotSupported,
            super::texts::message(
                FlagId::CodeNotSupported,
                &[
                    ("claim", &unsupported.join(", ")),
                    ("supported", &supported),
                ],
            ),
            evidence_of(&expected_primary)
                .into_iter()
                .chain(written(&unsupported))
                .collect(),
        ));
    }
    for (id, message, evidence) in flags {
        flag(out, id, message, evidence);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparisons() {
        assert_eq!(compare_m86("M86.9", "M86.552"), Compare::LessSpecific);
        assert_eq!(compare_m86("M86.50", "M86.59"), Compare::LessSpecific);
        assert_eq!(compare_m86("M86.669", "M86.662"), Compare::LessSpecific);
        assert_eq!(compare_m86("M86.572", "M86.672"), Compare::Contradicts);
        assert_eq!(compare_m86("M86.59", "M86.552"), Compare::Contradicts);
        assert_eq!(compare_m86("M86.552", "M86.552"), Compare::Same);
        assert_eq!(compare_m86("M86.8X9", "M86.8X3"), Compare::LessSpecific);
        assert_eq!(compare_m86("M86.8X5", "M86.8X3"), Compare::Contradicts);
    }
}
