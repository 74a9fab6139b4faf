//! Evidence stage: the map of every finding in a note, with its span,
//! sentence, section and assertion, and the links between findings.
//!
//! Rules never look at text: they read this map. Each finding keeps the byte
//! span of its surface form, so every code and flag can point at the words
//! that caused it. Links carry meaning that lives between words: a side
//! belongs to the bone next to it ("left distal femur"), a later bare
//! mention of that bone inherits it, an imaging finding or a defect belongs
//! to the bone in its sentence, an organism to the specimen it grew from.
//! What the rules need of the page itself is made here too: each sentence's
//! layout ([`SentenceLayout`]: line start, list marker, colon) and whether
//! an organism's term states its susceptibility.

mod codes;
mod durations;
mod layout;
mod map;
pub(crate) mod structure;

pub use codes::{assigned_from_text, CLAIM_FAMILIES};
pub use map::{EvidenceMap, Finding, SentenceLayout};

use crate::context::{self, Assertion, Trigger};
use crate::lexicon::{Category, Lexicon, SectionKind, Side, SiteGroup, SpecimenKind, Value};
use crate::matcher::TermMatch;
use crate::segment::Segments;
use crate::span::Span;

/// Words a side may sit before its bone: "left distal femur",
/// "right 1st metatarsal head", "L second toe".
const SIDE_BEFORE_SITE: usize = 4;
/// Words a side may follow its bone: "femur, left", "tibia (right)".
const SIDE_AFTER_SITE: usize = 2;
/// Words between an organism and the specimen it is linked to.
const SPECIMEN_REACH: usize = 12;

/// Builds the map from the matcher's output.
pub fn build(
    text: &str,
    lexicon: &Lexicon,
    matches: &[(TermMatch, &[u32])],
    segments: &Segments,
) -> EvidenceMap {
    let entries = lexicon.entries();
    // Triggers and findings, each tagged with its sentence.
    let mut triggers: Vec<(u32, Trigger)> = Vec::new();
    let mut findings: Vec<Finding> = Vec::with_capacity(matches.len());
    // Matches come in text order, so their sentences are found by walking
    // forward; a binary search per match cost a fifth of this stage.
    let mut next: usize = 0;
    for (m, rows) in matches {
        let sentence = match next.checked_sub(1) {
            Some(last) if segments.sentences[last].span.start > m.span.start => {
                segments.sentence_at(m.span.start)
            }
            _ => {
                while segments
                    .sentences
                    .get(next)
                    .is_some_and(|s| s.span.start <= m.span.start)
                {
                    next += 1;
                }
                next.checked_sub(1)
            }
        };
        let Some(sentence) = sentence else {
            continue;
        };
        let sspan = segments.sentences[sentence].span;
        if m.span.end > sspan.end {
            // A term across a sentence boundary is not a term.
            continue;
        }
        let section = segments.section_kind(sentence);
        for &row in rows.iter() {
            let entry = &entries[row as usize];
            match &entry.value {
                // "ESBL-negative", "coagulase-negative": a compound
                // adjective, not a statement that something is absent.
                Value::Context(_) if context::is_compound_tail(text, m.span.start) => {}
                Value::Context(rule) => triggers.push((
                    sentence as u32,
                    Trigger {
                        span: m.span,
                        rule: *rule,
                    },
                )),
                Value::Section(_) => {}
                // "for 9 months", "3-month history": a unit of time with
                // the count that makes it a length; alone it says nothing.
                Value::Duration(kind) => {
                    if let Some((span, long)) = durations::read(text, m.span, kind) {
                        if span.start >= sspan.start {
                            let length = if long { "long" } else { "short" };
                            findings.push(Finding::new(
                                entry.category,
                                Value::Duration(length.into()),
                                span,
                                sentence as u32,
                                section,
                            ));
                        }
                    }
                }
                // "CRP 40 mg/L", "on 2 L nasal cannula": a unit, not a side.
                Value::Side(_) if is_unit_letter(text, m.span, &findings) => {}
                value => {
                    let mut f = Finding::new(
                        entry.category,
                        value.clone(),
                        m.span,
                        sentence as u32,
                        section,
                    );
                    if let Value::Organism(_) = value {
                        f.names_susceptibility = names_susceptibility(&entry.term);
                    }
                    f.phrase = entry.term.contains(' ');
                    findings.push(f);
                }
            }
        }
    }

    // Codes written in the note, merged in text order.
    let before = findings.len();
    // As many as terms are kept: a note of nothing but codes stays bounded.
    for (span, code) in codes::written(text).take(crate::MAX_TERMS) {
        let Some(sentence) = segments.sentence_at(span.start) else {
            continue;
        };
        if span.end > segments.sentences[sentence].span.end {
            continue;
        }
        findings.push(Finding::new(
            Category::Code,
            Value::Code(code.into()),
            span,
            sentence as u32,
            segments.section_kind(sentence),
        ));
    }
    if findings.len() > before {
        findings.sort_by_key(|f| f.span.start);
    }
    assert_context(text, segments, &triggers, &mut findings);
    structure::apply(text, segments, &mut findings);
    link_sides(text, &mut findings);
    limb_sides(text, &mut findings);
    heading_sides(text, &mut findings);
    carry_sides(&mut findings);
    link_to_sites(text, &mut findings);
    link_specimens(text, &mut findings);
    let layout = layout::of(text, segments, &findings);
    EvidenceMap {
        findings,
        layout,
        terms_cut: false,
    }
}

/// True when an organism's term states a susceptibility: "MSSA",
/// "methicillin-susceptible", "methicillin-sensitive". The term is the
/// lexicon row's (`organism.tsv`); the words the note wrote differ from it
/// only in letter case and blanks, so this reads the same of either.
fn names_susceptibility(term: &str) -> bool {
    let has = |word: &str| {
        term.as_bytes()
            .windows(word.len())
            .any(|w| w.eq_ignore_ascii_case(word.as_bytes()))
    };
    has("mssa") || has("suscept") || has("sensitiv")
}

/// How far around a finding triggers are looked for. Scopes are limited in
/// words, so a trigger further away cannot reach it in real text; the bound
/// keeps a single huge "sentence" (a pasted PDF) linear.
const TRIGGER_WINDOW: usize = 4096;

fn assert_context(
    text: &str,
    segments: &Segments,
    triggers: &[(u32, Trigger)],
    findings: &mut [Finding],
) {
    let sentence_of: Vec<u32> = triggers.iter().map(|t| t.0).collect();
    let all: Vec<Trigger> = triggers.iter().map(|t| t.1).collect();
    // Read only where an indication holds a diagnosis.
    let proven = if findings
        .iter()
        .any(|f| f.section == SectionKind::Indication && f.category == Category::Condition)
    {
        culture_proven_lines(text, findings)
    } else {
        Vec::new()
    };
    // Findings and triggers are both in sentence order: the triggers of a
    // finding's sentence are found by moving two cursors forward.
    let (mut t0, mut t1) = (0, 0);
    for f in findings.iter_mut() {
        if t0 > 0 && sentence_of[t0 - 1] >= f.sentence {
            // Out of order (not produced by `build`): start again.
            (t0, t1) = (0, 0);
        }
        while t0 < sentence_of.len() && sentence_of[t0] < f.sentence {
            t0 += 1;
        }
        t1 = t1.max(t0);
        while t1 < sentence_of.len() && sentence_of[t1] <= f.sentence {
            t1 += 1;
        }
        let in_sentence = &all[t0..t1];
        let mut a = if in_sentence.is_empty() {
            Assertion::default()
        } else {
            let lo = f.span.start.saturating_sub(TRIGGER_WINDOW);
            let hi = f.span.end.saturating_add(TRIGGER_WINDOW);
            let a0 = in_sentence.partition_point(|t| t.span.end < lo);
            let a1 = in_sentence.partition_point(|t| t.span.start <= hi);
            let sspan = segments.sentences[f.sentence as usize].span;
            context::assess(text, sspan, f.span, &in_sentence[a0..a1.max(a0)])
        };
        let d = Assertion::of_section(f.section);
        a.family |= d.family;
        // An indication asks about the diagnosis; the rest of it (the ulcer
        // that probes to bone, the site, the duration) is the current history.
        // Unless the line itself reports bone that grew an organism ("Indication
        // (per ID consult): osteomyelitis of the R 5th metatarsal head; bone
        // biopsy grew MRSA"): a treatment's indication, not an order's question.
        let proven = || {
            proven
                .iter()
                .any(|&(s, e)| s <= f.span.start && f.span.end <= e)
        };
        a.hypothetical |=
            d.hypothetical && !a.negated && f.category == Category::Condition && !proven();
        a.possible |= d.possible && !a.negated;
        a.unrelated |= d.unrelated;
        // A diagnosis listed under past history is history, not the
        // current problem (the current one is restated in the assessment).
        a.historical |= f.section == SectionKind::PastHistory && f.category == Category::Condition;
        f.assertion = a;
    }
    contaminant_clauses(text, segments, triggers, findings);
}

/// "Cutibacterium acnes - 1/5, broth only at day 10; ID considers it a
/// contaminant": a clause after a semicolon, on the same line, that calls
/// something a contaminant and names no organism of its own says it of the
/// organisms of the clause before it on that line. (Context scopes stop at the
/// sentence, and a semicolon ends one.)
fn contaminant_clauses(
    text: &str,
    segments: &Segments,
    triggers: &[(u32, Trigger)],
    findings: &mut [Finding],
) {
    let b = text.as_bytes();
    for (s, t) in triggers {
        let words = &text[t.span.range()];
        if t.rule.kind != crate::lexicon::TriggerKind::Unrelated
            || !words.to_ascii_lowercase().starts_with("contaminant")
            || *s == 0
        {
            continue;
        }
        let (this, before) = (
            segments.sentences[*s as usize].span,
            segments.sentences[*s as usize - 1].span,
        );
        let joined = b[..this.start]
            .iter()
            .rev()
            .find(|c| !c.is_ascii_whitespace())
            == Some(&b';')
            && !b[before.end..this.start].contains(&b'\n');
        let own = findings
            .iter()
            .any(|f| f.sentence == *s && f.category == Category::Organism);
        if !joined || own {
            continue;
        }
        // Only the organisms on the semicolon's own line: a list item joined
        // to the sentence that announced it ends there.
        let line = memchr::memrchr(b'\n', &b[..this.start]).map_or(0, |p| p + 1);
        for f in findings.iter_mut() {
            if f.sentence == s - 1 && f.category == Category::Organism && f.span.start >= line {
                f.assertion.unrelated = true;
            }
        }
    }
}

/// The bounds (start, end) of the line around byte `at`, without its break.
fn line_around(text: &str, at: usize) -> (usize, usize) {
    let b = text.as_bytes();
    let start = memchr::memrchr(b'\n', &b[..at]).map_or(0, |n| n + 1);
    let end = memchr::memchr(b'\n', &b[at..]).map_or(b.len(), |n| at + n);
    (start, end)
}

/// The lines (start, end) on which a bone specimen and an organism are both
/// reported.
fn culture_proven_lines(text: &str, findings: &[Finding]) -> Vec<(usize, usize)> {
    let mut organisms: Vec<usize> = findings
        .iter()
        .filter(|g| g.category == Category::Organism)
        .map(|g| g.span.start)
        .collect();
    organisms.sort_unstable();
    let mut lines: Vec<(usize, usize)> = findings
        .iter()
        .filter(|f| f.value == Value::Specimen(SpecimenKind::Bone))
        .map(|f| line_around(text, f.span.start))
        .filter(|&(s, e)| {
            organisms
                .get(organisms.partition_point(|&o| o < s))
                .is_some_and(|&o| o < e)
        })
        .collect();
    lines.dedup();
    lines
}

/// An "L" after a slash or a number: the litre of "mg/L" and "2 L", not
/// the left side. `before` holds the findings made so far: a right side
/// just before the slash ("R/L", "right/L") makes the L a side too, as do
/// "L/R" and "2 R".
fn is_unit_letter(text: &str, span: Span, before: &[Finding]) -> bool {
    let b = text.as_bytes();
    if span.len() != 1 || span.start == 0 || !b[span.start].eq_ignore_ascii_case(&b'l') {
        return false;
    }
    let slash = span.start - 1;
    let right_before_slash = || {
        before
            .iter()
            .rev()
            .take_while(|f| f.span.end >= slash)
            .any(|f| f.span.end == slash && f.value == Value::Side(Side::Right))
    };
    (b[slash] == b'/' && !right_before_slash())
        || b[slash].is_ascii_digit()
        || (b[slash] == b' ' && span.start >= 2 && b[span.start - 2].is_ascii_digit())
}

/// True when a side written after a bone closes that bone's phrase
/// ("femur, left", "tibia (right)", "tibia, left side", "femur, left lower
/// extremity") rather than opening a new one ("sternal body, bilateral pectoralis flaps": the side is the
/// muscles').
fn ends_its_phrase(text: &str, side_end: usize) -> bool {
    let rest = text[side_end..].trim_start_matches([' ', '\t']);
    let word: &str = rest
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .next()
        .unwrap_or("");
    // The side's own noun, or the limb the bone is in ("femur, left lower
    // extremity").
    word.is_empty()
        || matches!(
            word.to_ascii_lowercase().as_str(),
            "side" | "sided" | "only" | "lower" | "upper" | "leg" | "arm" | "limb" | "extremity"
        )
}

fn is_site(f: &Finding) -> bool {
    f.category == Category::Site
}

/// A side no bone took, written just before a limb ("refused to walk on
/// his left leg", "MRI LEFT upper extremity"): the limb (a `lower_limb` or
/// `upper_limb` row of vague.tsv) holds it, for the rules to give to the
/// one bone of that limb the infection names without a side.
fn limb_sides(text: &str, findings: &mut [Finding]) {
    for i in 0..findings.len().saturating_sub(1) {
        let (side, limb) = (&findings[i], &findings[i + 1]);
        let Value::Side(s) = side.value else { continue };
        let is_limb =
            matches!(&limb.value, Value::Vague(k) if matches!(&**k, "lower_limb" | "upper_limb"));
        if side.category == Category::Side
            && side.site.is_none()
            && !side.assertion.unrelated
            && is_limb
            && limb.sentence == side.sentence
            && limb.side.is_none()
            && context::words_between(text, side.span.end, limb.span.start) == 0
        {
            findings[i].site = Some(i as u32 + 1);
            findings[i + 1].side = Some(s);
            findings[i + 1].side_from = Some(i as u32);
        }
    }
}

/// Binds each side to the nearest bone in its sentence: the next one within
/// a few words, else the one just before.
fn link_sides(text: &str, findings: &mut [Finding]) {
    for i in 0..findings.len() {
        // A side in a code's description ("M86.171 Other acute
        // osteomyelitis, right ankle and foot") documents no side.
        if findings[i].category != Category::Side || findings[i].assertion.unrelated {
            continue;
        }
        let side = match findings[i].value {
            Value::Side(s) => s,
            _ => continue,
        };
        let sentence = findings[i].sentence;
        let after = (i + 1..findings.len().min(i + 1 + LINK_REACH))
            .take_while(|&j| findings[j].sentence == sentence)
            .find(|&j| is_site(&findings[j]) || findings[j].category == Category::Side)
            .filter(|&j| {
                is_site(&findings[j])
                    && context::words_between(text, findings[i].span.end, findings[j].span.start)
                        <= SIDE_BEFORE_SITE
            });
        let before = (i.saturating_sub(LINK_REACH)..i)
            .rev()
            .take_while(|&j| findings[j].sentence == sentence)
            .find(|&j| is_site(&findings[j]) || findings[j].category == Category::Side)
            .filter(|&j| {
                is_site(&findings[j])
                    && findings[j].side.is_none()
                    && context::words_between(text, findings[j].span.end, findings[i].span.start)
                        <= SIDE_AFTER_SITE
                    && ends_its_phrase(text, findings[i].span.end)
            });
        if let Some(j) = after.or(before) {
            findings[i].site = Some(j as u32);
            let target = &mut findings[j];
            target.side = Some(match (target.side, side) {
                (Some(a), b) if a != b => Side::Bilateral,
                _ => side,
            });
            target.side_from = Some(i as u32);
            // "right and left tibia": the side before the first side
            // joins the same bone.
            if let Some(k) = (0..i)
                .rev()
                .take_while(|&k| findings[k].sentence == sentence)
                .next()
            {
                if findings[k].category == Category::Side
                    && findings[k].site.is_none()
                    && context::words_between(text, findings[k].span.end, findings[i].span.start)
                        <= 1
                {
                    if let Value::Side(other) = findings[k].value {
                        findings[k].site = Some(j as u32);
                        if other != side {
                            findings[j].side = Some(Side::Bilateral);
                        }
                    }
                }
            }
        }
    }
}

/// How far after a side heading its block may reach.
const HEADING_REACH: usize = 4096;

/// An exam template's heading gives its side to the lines under it:
/// "RIGHT FOOT:" / "  2nd toe: wound probes to bone" / "LEFT FOOT: intact".
/// A sided site that opens its line and ends in a colon is a heading; bare
/// sites of its site group after it, up to a blank line or the next
/// heading, take its side.
fn heading_sides(text: &str, findings: &mut [Finding]) {
    let bytes = text.as_bytes();
    // (group, side, the side finding, where the heading's block ends)
    let mut heading: Option<(SiteGroup, Side, Option<u32>, usize)> = None;
    for i in 0..findings.len() {
        if !is_site(&findings[i]) {
            continue;
        }
        let f = &findings[i];
        if let Some((_, _, _, end)) = heading {
            if f.span.start > end {
                heading = None;
            }
        }
        // The side opens its line (only blanks before it) and the site
        // follows it on the same line. Both looks are bounded by the blanks
        // and words they cross, so a note that is one long line stays linear.
        let opens_line = f.side_from.is_some_and(|s| {
            let side = &findings[s as usize];
            side.span.end <= f.span.start
                && memchr::memchr(b'\n', &bytes[side.span.end..f.span.start]).is_none()
                && bytes[..side.span.start]
                    .iter()
                    .rev()
                    .find(|&&b| b != b' ' && b != b'\t')
                    .is_none_or(|&b| b == b'\n')
        });
        let colon_after = text[f.span.end..]
            .bytes()
            .take_while(|&b| b != b'\n')
            .find(|b| !b.is_ascii_whitespace())
            == Some(b':');
        if let (true, true, Some(side), Some(group)) =
            (opens_line, colon_after, f.side, f.site_group())
        {
            // The block: to the next blank line, within a bounded reach.
            let reach = (f.span.end + HEADING_REACH).min(bytes.len());
            let mut end = reach;
            let mut at = f.span.end;
            while let Some(nl) = memchr::memchr(b'\n', &bytes[at..reach]) {
                let next = at + nl + 1;
                let line_end =
                    memchr::memchr(b'\n', &bytes[next..reach]).map_or(reach, |p| next + p);
                if text[next..line_end].trim().is_empty() {
                    end = next;
                    break;
                }
                at = next;
                if at >= bytes.len() {
                    break;
                }
            }
            heading = Some((group, side, f.side_from, end));
            continue;
        }
        if let Some((group, side, from, _)) = heading {
            if f.side.is_none() && f.site_group() == Some(group) && !f.assertion.unrelated {
                findings[i].side = Some(side);
                findings[i].side_from = from;
            }
        }
    }
}

/// A bare mention of a bone takes the side of the last sided mention of the
/// same bone; failing that, of the same site group when every earlier sided
/// mention of the group agrees.
fn carry_sides(findings: &mut [Finding]) {
    use rustc_hash::FxHashMap;
    // Per bone: the last sided mention. Per group: the last sided mention,
    // and whether every sided mention so far agreed.
    let mut by_bone: FxHashMap<Box<str>, usize> = FxHashMap::default();
    let mut by_group: FxHashMap<SiteGroup, (usize, bool)> = FxHashMap::default();
    for i in 0..findings.len() {
        if !is_site(&findings[i]) {
            continue;
        }
        if findings[i].side.is_none() {
            let bone = findings[i].bone().unwrap_or_default();
            let group = findings[i].site_group();
            let source = by_bone.get(bone).copied().or_else(|| {
                let (j, agree) = *by_group.get(&group?)?;
                agree.then_some(j)
            });
            if let Some(j) = source {
                findings[i].side = findings[j].side;
                findings[i].side_from = findings[j].side_from;
            }
            continue;
        }
        if let Some(bone) = findings[i].bone() {
            by_bone.insert(bone.into(), i);
        }
        // Only the patient's current sites vote on a group's side: "right
        // foot healed" after an old amputation does not make a left foot
        // wound's later bare "1st metatarsal head" ambiguous.
        let a = findings[i].assertion;
        if let (Some(group), false) = (
            findings[i].site_group(),
            a.historical || a.family || a.unrelated || a.hypothetical,
        ) {
            let side = findings[i].side;
            by_group
                .entry(group)
                .and_modify(|(last, agree)| {
                    *agree &= findings[*last].side == side;
                    *last = i;
                })
                .or_insert((i, true));
        }
    }
}

/// How many findings either side a link search looks at; links are local,
/// and the bound keeps a huge sentence linear.
const LINK_REACH: usize = 64;

/// Imaging findings, defects and sinus tracts belong to the nearest bone of
/// their sentence.
fn link_to_sites(text: &str, findings: &mut [Finding]) {
    for i in 0..findings.len() {
        if !matches!(
            findings[i].category,
            Category::Imaging | Category::Defect | Category::Sinus
        ) {
            continue;
        }
        let sentence = findings[i].sentence;
        let before = (i.saturating_sub(LINK_REACH)..i)
            .rev()
            .take_while(|&j| findings[j].sentence == sentence)
            .find(|&j| is_site(&findings[j]))
            .map(|j| {
                (
                    j,
                    context::words_between(text, findings[j].span.end, findings[i].span.start),
                )
            });
        let after = (i + 1..findings.len().min(i + 1 + LINK_REACH))
            .take_while(|&j| findings[j].sentence == sentence)
            .find(|&j| is_site(&findings[j]))
            .map(|j| {
                (
                    j,
                    context::words_between(text, findings[i].span.end, findings[j].span.start),
                )
            });
        let best = match (before, after) {
            (Some(b), Some(a)) => Some(if a.1 < b.1 { a } else { b }),
            (b, a) => b.or(a),
        };
        findings[i].site = best.map(|(j, _)| j as u32);
    }
}

/// Organisms and culture results belong to the nearest specimen of their
/// sentence, preferring one before them ("bone biopsy: MRSA").
fn link_specimens(text: &str, findings: &mut [Finding]) {
    for i in 0..findings.len() {
        if !matches!(
            findings[i].category,
            Category::Organism | Category::CultureResult
        ) {
            continue;
        }
        let sentence = findings[i].sentence;
        let near = |j: usize| {
            let (a, b) = if j < i { (j, i) } else { (i, j) };
            context::words_between(text, findings[a].span.end, findings[b].span.start)
                <= SPECIMEN_REACH
        };
        let is_specimen = |f: &Finding| {
            f.category == Category::Specimen
                && !matches!(f.value, Value::Specimen(SpecimenKind::Culture))
        };
        let before = (i.saturating_sub(LINK_REACH)..i)
            .rev()
            .take_while(|&j| findings[j].sentence == sentence)
            .find(|&j| is_specimen(&findings[j]));
        let after = (i + 1..findings.len().min(i + 1 + LINK_REACH))
            .take_while(|&j| findings[j].sentence == sentence)
            .find(|&j| is_specimen(&findings[j]));
        // A screen swab anywhere next to the organism wins: "MRSA nares screen".
        let screen = [before, after].into_iter().flatten().find(|&j| {
            matches!(findings[j].value, Value::Specimen(SpecimenKind::Screen)) && near(j)
        });
        findings[i].specimen = screen
            .or(before.filter(|&j| near(j)))
            .or(after.filter(|&j| near(j)))
            .or_else(|| specimen_row_above(text, findings, i))
            .map(|j| j as u32);
    }
}

/// Rows of a pipe-delimited export (HL7 segments, a table) a result may sit
/// below the row naming its specimen.
const ROWS_BELOW_SPECIMEN: usize = 8;

/// For a result on a row of a pipe-delimited block: the specimen named on
/// the nearest row above it, when every line between is such a row
/// ("OBR|3||...|URINE CX (FOLEY)|" then "OBX|6|TX|ORG||Klebsiella
/// pneumoniae"): an export names the specimen once, above its results.
fn specimen_row_above(text: &str, findings: &[Finding], i: usize) -> Option<usize> {
    let (start, end) = line_around(text, findings[i].span.start);
    if !text[start..end].contains('|') {
        return None;
    }
    let j = (0..i).rev().find(|&j| {
        findings[j].category == Category::Specimen
            && !matches!(findings[j].value, Value::Specimen(SpecimenKind::Culture))
    })?;
    let rows = &text[line_around(text, findings[j].span.start).0..end];
    let mut lines = rows.split('\n');
    let every_row = lines.all(|l| l.contains('|'));
    (every_row && rows.split('\n').count() <= ROWS_BELOW_SPECIMEN + 1).then_some(j)
}

#[cfg(test)]
mod tests {
    use crate::lexicon::{Category, Side, Value};
    use crate::Analyzer;

    /// Each side finding: its words and its side.
    fn sides(text: &str) -> Vec<(&str, Side)> {
        let a = Analyzer::new().analyze(text);
        a.evidence
            .findings
            .iter()
            .filter(|f| f.category == Category::Side)
            .map(|f| match f.value {
                Value::Side(s) => (&text[f.span.range()], s),
                _ => unreachable!("side findings hold sides"),
            })
            .collect()
    }

    /// Each site finding: its words and the side bound to it.
    fn site_sides(text: &str) -> Vec<(&str, Option<Side>)> {
        let a = Analyzer::new().analyze(text);
        a.evidence
            .findings
            .iter()
            .filter(|f| f.category == Category::Site)
            .map(|f| (&text[f.span.range()], f.side))
            .collect()
    }

    #[test]
    fn a_side_after_a_bone_binds_only_where_it_closes_the_phrase() {
        assert_eq!(
            site_sides("Resection of the lower sternal body, bilateral pectoralis flaps."),
            [("sternal", None)]
        );
        for (text, side) in [
            ("Osteomyelitis of the femur, left.", Side::Left),
            ("Osteomyelitis of the tibia (right).", Side::Right),
            ("Osteomyelitis of the tibia, left side.", Side::Left),
            (
                "Osteomyelitis of the femur, left lower extremity.",
                Side::Left,
            ),
        ] {
            let found = site_sides(text);
            assert_eq!(found.len(), 1, "{text}");
            assert_eq!(found[0].1, Some(side), "{text}");
        }
    }

    #[test]
    fn litres_are_not_sides() {
        assert!(sides("CRP 171 mg/L, lactate 2 mmol/L, on 2 L nasal cannula, 3L NS.").is_empty());
        assert_eq!(
            sides("Femur R/L, tibia right/L."),
            [
                ("R", Side::Right),
                ("L", Side::Left),
                ("right", Side::Right),
                ("L", Side::Left),
            ]
        );
        assert_eq!(
            sides("Pain L/R, worse on 2 R."),
            [("L", Side::Left), ("R", Side::Right), ("R", Side::Right)]
        );
        assert_eq!(
            sides("L femur, tibia (R), L 2nd toe, rt. knee."),
            [
                ("L", Side::Left),
                ("R", Side::Right),
                ("L", Side::Left),
                ("rt.", Side::Right),
            ]
        );
    }
}
