//! Structure stage: what a finding's place in the note says about it, beyond
//! the triggers of its sentence. Runs on the evidence map after context and
//! before the rules.
//!
//! Two readings need more than one sentence's words:
//!
//! - **Shorthand** ("OM", "osteo"). "chronic OM R humerus" is osteomyelitis,
//!   "bilateral OM with effusion, s/p tubes" is otitis media, "Osteo B/L
//!   knees" is osteoarthritis and "osteo L distal femur (osteosarcoma)" a
//!   tumour. A shorthand mention counts as osteomyelitis only where its
//!   sentence names bone (a site, an imaging finding, a defect, a sinus, a
//!   route, a bone specimen, or an acuity word just before it). Once a word
//!   of `sense.tsv` shows the other meaning beside a mention, every mention
//!   of that shorthand in the note takes it: a note does not switch meaning
//!   between one line and the next.
//! - **Code lines**. A problem list synced from the EHR or a diagnosis list
//!   typed with codes ("M86.171 - Other acute osteomyelitis, right ankle and
//!   foot") carries the code's own description: it documents no side, no
//!   site and no diagnosis of its own. The code itself is still part of the
//!   claim the audit checks (domain brief section 6); the words after it on
//!   its line are marked `unrelated`.
//! - **Copied-forward blocks**. Text an EHR marks as copied from an older
//!   note (">>> copied forward from the note of 03/02 <<<" up to "end of
//!   copied text" or the next blank line) describes that visit: its
//!   findings are `historical`. A marker that says the text was reviewed or
//!   updated today ("PROBLEM LIST (copied forward; reviewed and updated)")
//!   opens no block.

use super::map::Finding;
use crate::lexicon::{Category, ConditionKind, SpecimenKind, Value};
use crate::segment::Segments;

/// Applies the readings to the findings of one note.
pub fn apply(text: &str, segments: &Segments, findings: &mut [Finding]) {
    mark_code_lines(text, findings);
    mark_copied_blocks(text, findings);
    resolve_shorthand(text, segments, findings);
}

fn is_shorthand(f: &Finding) -> bool {
    f.value == Value::Condition(ConditionKind::Shorthand)
}

/// How many findings either side of a mention its sentence is searched for
/// words around it: "around" is local, and the bound keeps a note that is one
/// enormous sentence of shorthand linear.
const AROUND: usize = 64;

/// The findings around finding `i` in its own sentence (findings are in
/// text order, so a sentence's findings are contiguous).
fn around(findings: &[Finding], i: usize) -> std::ops::Range<usize> {
    let sentence = findings[i].sentence;
    let lo = i.saturating_sub(AROUND);
    let hi = (i + 1 + AROUND).min(findings.len());
    let start = lo + findings[lo..i].partition_point(|f| f.sentence < sentence);
    let end = i + findings[i..hi].partition_point(|f| f.sentence <= sentence);
    start..end
}

/// Decides each shorthand condition mention: osteomyelitis, or a word that
/// documents nothing about bone infection (marked `unrelated`).
fn resolve_shorthand(text: &str, _segments: &Segments, findings: &mut [Finding]) {
    if !findings.iter().any(is_shorthand) {
        return;
    }
    // The shorthands whose other meaning the note shows.
    let mut other: Vec<String> = Vec::new();
    for (j, s) in findings.iter().enumerate() {
        let Value::Sense(key) = &s.value else {
            continue;
        };
        if other.iter().any(|k| **k == **key) {
            continue;
        }
        let surface = text[s.span.range()].to_ascii_lowercase();
        // "osteo(porosis)": the word spells the other meaning out itself.
        let spelt_out = surface
            .strip_prefix(&**key)
            .is_some_and(|rest| rest.starts_with(|c: char| !c.is_ascii_alphabetic()));
        let beside = findings[around(findings, j)]
            .iter()
            .any(|f| is_shorthand(f) && text[f.span.range()].eq_ignore_ascii_case(key));
        if spelt_out || beside {
            other.push(key.to_string());
        }
    }
    // Each mention: its own sentence first. Where the note has shown the
    // other meaning, a mention needs more than a bone to be osteomyelitis
    // ("# Osteo L distal femur: NED" in an oncology note), but a sentence
    // that also says how the bone is infected still is ("chronic OM R
    // humerus, heme seeded" beside "recurrent OM as a toddler, s/p PE tubes").
    for i in 0..findings.len() {
        if !is_shorthand(&findings[i]) {
            continue;
        }
        let key = text[findings[i].span.range()].to_ascii_lowercase();
        let near = around(findings, i);
        let cue_here = findings[near.clone()]
            .iter()
            .any(|s| matches!(&s.value, Value::Sense(k) if **k == *key));
        let shown_elsewhere = other.contains(&key);
        let is_osteomyelitis = !cue_here
            && names_bone(findings, i, near.clone())
            && (!shown_elsewhere || names_infection(findings, i, near));
        if is_osteomyelitis {
            findings[i].value = Value::Condition(ConditionKind::Osteomyelitis);
        } else {
            findings[i].assertion.unrelated = true;
        }
    }
}

/// True when the findings `near` finding `i` say how a bone is infected: a
/// route, an organism, an imaging finding of infection, a sinus or a bone
/// specimen. Not an acuity word: "recurrent acute OM" is said of ears too.
fn names_infection(findings: &[Finding], i: usize, near: std::ops::Range<usize>) -> bool {
    near.filter(|&j| j != i)
        .map(|j| &findings[j])
        .filter(|g| g.assertion.is_affirmed())
        .any(|g| match g.category {
            Category::Route | Category::Organism | Category::Imaging | Category::Sinus => true,
            Category::Specimen => g.value == Value::Specimen(SpecimenKind::Bone),
            _ => false,
        })
}

/// True when the findings `near` finding `i` name bone: a site, an imaging
/// finding, a defect, a sinus, a route or a bone specimen. An acuity word
/// alone does not: "chronic OM with effusion" is an ear.
fn names_bone(findings: &[Finding], i: usize, near: std::ops::Range<usize>) -> bool {
    near.filter(|&j| j != i)
        .map(|j| &findings[j])
        .filter(|g| !g.assertion.unrelated)
        .any(|g| match g.category {
            Category::Site
            | Category::Imaging
            | Category::Defect
            | Category::Sinus
            | Category::Route => true,
            Category::Specimen => g.value == Value::Specimen(SpecimenKind::Bone),
            _ => false,
        })
}

/// Marks the findings that stand after an ICD-10-CM code at the start of a
/// line as the code's description.
fn mark_code_lines(text: &str, findings: &mut [Finding]) {
    // Findings are in text order: each line is found once, from where the
    // last one ended, so a note is read once however many findings it has.
    let mut line_end = 0;
    let mut seen = false;
    let mut described: Option<usize> = None;
    for f in findings.iter_mut() {
        if !seen || f.span.start > line_end {
            let from = if seen { line_end } else { 0 };
            let start = text[from..f.span.start]
                .rfind('\n')
                .map_or(from, |p| from + p + 1);
            line_end = text[f.span.start..]
                .find('\n')
                .map_or(text.len(), |p| f.span.start + p);
            described = code_at_line_start(&text[start..line_end]).map(|c| start + c);
            seen = true;
        }
        if described.is_some_and(|d| f.span.start >= d && f.span.end <= line_end) {
            f.assertion.unrelated = true;
        }
    }
}

/// The byte ranges of copied-forward blocks.
fn copied_blocks(text: &str) -> Vec<(usize, usize)> {
    let mut blocks = Vec::new();
    let finder = memchr::memmem::Finder::new("opied ");
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(p) = finder.find(&bytes[from..]) {
        let at = from + p;
        let line_start = text[..at].rfind('\n').map_or(0, |q| q + 1);
        let line_end = text[at..].find('\n').map_or(text.len(), |q| at + q);
        let line = text[line_start..line_end].to_ascii_lowercase();
        from = line_end;
        let copied = ["copied forward", "copied from", "copied over"]
            .iter()
            .any(|m| line.contains(m));
        let reconciled = ["review", "updated", "reconciled"]
            .iter()
            .any(|m| line.contains(m));
        if !copied || reconciled {
            continue;
        }
        // The block: the lines after the marker, up to an end marker or a
        // blank line.
        let mut end = line_end;
        let mut cursor = line_end;
        while cursor < text.len() {
            let next_start = cursor + 1;
            let next_end = text[next_start..]
                .find('\n')
                .map_or(text.len(), |q| next_start + q);
            let next = &text[next_start..next_end];
            if next.trim().is_empty() {
                break;
            }
            end = next_end;
            let lower = next.to_ascii_lowercase();
            if lower.contains("end of cop") || lower.contains("end cop") {
                break;
            }
            cursor = next_end;
        }
        // The marker's own line belongs to it: "Copied from prior note:
        // osteomyelitis of the left tibia".
        blocks.push((line_start, end));
        from = end.max(from);
    }
    blocks
}

/// Marks the findings inside copied-forward blocks as historical.
fn mark_copied_blocks(text: &str, findings: &mut [Finding]) {
    let blocks = copied_blocks(text);
    if blocks.is_empty() {
        return;
    }
    for f in findings.iter_mut() {
        if blocks
            .iter()
            .any(|&(s, e)| f.span.start >= s && f.span.end <= e)
        {
            f.assertion.historical = true;
        }
    }
}

/// Where the description starts when `line` opens with an ICD-10-CM code
/// (after blanks, a bullet, a number or a short label ending in a colon):
/// "  • M86.171 — Other acute osteomyelitis", "3. M86.671  Other chronic",
/// "Resolved: L03.115 Cellulitis". None for every other line.
pub fn code_at_line_start(line: &str) -> Option<usize> {
    let b = line.as_bytes();
    let mut i = 0;
    let skip_blank = |i: &mut usize| {
        while *i < b.len() && (b[*i].is_ascii_whitespace() || b[*i] == b'|') {
            *i += 1;
        }
    };
    skip_blank(&mut i);
    // A bullet.
    for bullet in ["•", "·", "-", "*", "–", "—"] {
        if line[i..].starts_with(bullet) {
            i += bullet.len();
            skip_blank(&mut i);
            break;
        }
    }
    // A number: "3." or "3)".
    let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    if digits > 0 && digits <= 3 && matches!(b.get(i + digits), Some(b'.') | Some(b')')) {
        i += digits + 1;
        skip_blank(&mut i);
    }
    // A short label: "Resolved:", "Dx (entered):" (looked for near the
    // start only: a label is a few words).
    let reach = &b[i..b.len().min(i + 64)];
    if let Some(colon) = memchr::memchr(b':', reach) {
        let label = &line[i..i + colon];
        if label.split_whitespace().count() <= 6 && !label.is_empty() && code_len(label) == 0 {
            i += colon + 1;
            skip_blank(&mut i);
        }
    }
    let n = code_len(&line[i..]);
    (n > 0).then_some(i + n)
}

/// The length of the ICD-10-CM code `s` starts with ("M86.171", "M86171",
/// "B95.61"), followed by a word boundary; 0 when it starts with none.
fn code_len(s: &str) -> usize {
    let b = s.as_bytes();
    if b.len() < 3
        || !b[0].is_ascii_uppercase()
        || b[0] == b'U'
        || !b[1].is_ascii_digit()
        || !b[2].is_ascii_alphanumeric()
    {
        return 0;
    }
    // "T12-L1 discitis-osteomyelitis": T10-T12 are thoracic levels, and
    // the FY2026 tabular has no category from T10 to T13.
    if b[0] == b'T' && b[1] == b'1' && matches!(b[2], b'0'..=b'3') {
        return 0;
    }
    let mut n = 3;
    if b.get(n) == Some(&b'.') {
        n += 1;
    }
    let tail = b[n..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric())
        .count();
    if tail > 4 || (tail == 0 && b[n - 1] == b'.') {
        return 0;
    }
    n += tail;
    if b.get(n).is_some_and(|c| c.is_ascii_alphanumeric()) {
        return 0;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Analyzer;

    /// The affirmed condition kinds of a note, in order.
    fn conditions(text: &str) -> Vec<ConditionKind> {
        Analyzer::new()
            .analyze(text)
            .evidence
            .findings
            .iter()
            .filter(|f| f.category == Category::Condition && f.assertion.is_affirmed())
            .filter_map(|f| match f.value {
                Value::Condition(k) => Some(k),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn shorthand_with_bone_is_osteomyelitis() {
        assert_eq!(
            conditions("A/P: chronic OM R humerus, bx +MSSA."),
            [ConditionKind::Osteomyelitis]
        );
        assert_eq!(
            conditions("# L 2nd MT head OM"),
            [ConditionKind::Osteomyelitis]
        );
        assert_eq!(conditions("L fem osteo"), [ConditionKind::Osteomyelitis]);
    }

    #[test]
    fn shorthand_without_bone_or_with_its_other_meaning_is_not() {
        // Otitis media: no bone named, and the ear words show the meaning.
        assert!(conditions("Bilateral OM with effusion; amoxicillin x10 d.").is_empty());
        assert!(conditions("R OM, bulging TM. Hx of OM of the L femur? no.").is_empty());
        // Osteoarthritis and osteoporosis.
        assert!(conditions("# Osteo B/L knees, osteophytes, KL gr 3").is_empty());
        assert!(conditions("# Osteo(porosis): DEXA fem neck T -2.6").is_empty());
        // Osteosarcoma: shown once, meant everywhere in the note.
        assert!(conditions(
            "osteo L distal femur (osteosarcoma), s/p resection.\n# Osteo L distal femur: NED."
        )
        .is_empty());
    }

    #[test]
    fn copied_forward_blocks_are_history() {
        let note = "Interval: antibiotics completed.\n>>> copied forward from the note of 03/02 <<<\nAssessment: acute osteomyelitis L calcaneus, bone biopsy MSSA.\n>>> end of copied text <<<\nAssessment today: doing well.";
        assert!(conditions(note).is_empty());
        // Reviewed and updated today: current.
        let reviewed = "PROBLEM LIST (copied forward from 02/2025; reviewed and updated today)\n1. Chronic osteomyelitis of the right ischium\n";
        assert_eq!(conditions(reviewed), [ConditionKind::Osteomyelitis]);
        // The block (the marker's line with it) ends at a blank line.
        let after = "Copied from prior note: osteomyelitis of the left tibia, acute.\nold plan\n\nA: acute osteomyelitis of the left tibia.";
        assert_eq!(conditions(after), [ConditionKind::Osteomyelitis]);
    }

    #[test]
    fn code_lines_open_with_a_code() {
        assert_eq!(
            code_at_line_start("  • M86.171 — Other acute osteomyelitis"),
            Some(13)
        );
        assert_eq!(code_at_line_start("3. M86671 Other chronic"), Some(9));
        assert_eq!(code_at_line_start("Resolved: L03.115 Cellulitis"), Some(17));
        assert_eq!(code_at_line_start("Chronic osteomyelitis (M86.672)"), None);
        assert_eq!(code_at_line_start("T4 complete paraplegia"), None);
        assert_eq!(code_at_line_start("MRI L foot"), None);
    }

    #[test]
    fn a_code_description_documents_nothing() {
        let synced = "Problem list (EHR sync):\n  M86.171 - Other acute osteomyelitis, right ankle and foot\n";
        assert!(conditions(synced).is_empty());
        // The same words written by the provider are documentation.
        let written = "Assessment: other acute osteomyelitis, right ankle and foot.";
        assert_eq!(conditions(written), [ConditionKind::Osteomyelitis]);
    }
}
