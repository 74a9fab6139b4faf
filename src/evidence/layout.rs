//! Layout: how each sentence sits on the page, read once from the text so
//! the rules never read it. A few rules depend on it: a result line
//! ("Deep bone cultures (5/5): Pseudomonas aeruginosa"), the next item of a
//! list on the same line ("Bone culture: MRSA; Enterococcus faecalis"), and
//! the items listed under a diagnosis that ends with a colon ("Acute
//! osteomyelitis, 2 sites:\n(1) L distal radius\n(2) R tibial shaft").

use super::map::{Finding, SentenceLayout};
use crate::lexicon::Category;
use crate::segment::Segments;

/// One row per sentence of `segments`, in order; the colon is looked for
/// only in sentences holding an organism (`findings`), the one rule that
/// asks for it. (Byte tests only: it runs on every analysed note.)
pub(super) fn of(text: &str, segments: &Segments, findings: &[Finding]) -> Vec<SentenceLayout> {
    let b = text.as_bytes();
    let mut organisms: Vec<u32> = findings
        .iter()
        .filter(|f| f.category == Category::Organism)
        .map(|f| f.sentence)
        .collect();
    organisms.sort_unstable();
    organisms.dedup();
    let mut axes: Vec<u32> = findings
        .iter()
        .filter(|f| {
            matches!(
                f.category,
                Category::Acuity | Category::Route | Category::Site | Category::Side
            )
        })
        .map(|f| f.sentence)
        .collect();
    axes.sort_unstable();
    axes.dedup();
    let mut previous: Option<(usize, bool)> = None;
    let mut rows = Vec::with_capacity(segments.sentences.len());
    for (n, s) in segments.sentences.iter().enumerate() {
        let (start, end) = (s.span.start, s.span.end);
        let words = b[start..end].trim_ascii_end();
        let mut before = start;
        while before > 0 && matches!(b[before - 1], b' ' | b'\t') {
            before -= 1;
        }
        rows.push(SentenceLayout {
            starts_line: before > 0 && b[before - 1] == b'\n',
            list_item: is_list_item(&text[start..end]),
            ends_with_colon: words.last() == Some(&b':'),
            same_line_as_previous: previous.is_some_and(|(end, _)| !b[end..start].contains(&b'\n')),
            after_semicolon: previous.is_some_and(|(_, semicolon)| semicolon),
            colon: organisms
                .binary_search(&(n as u32))
                .ok()
                .and_then(|_| memchr::memchr(b':', words))
                .map(|at| start + at),
            axis_field: axes.binary_search(&(n as u32)).is_ok() && is_axis_field(words),
        });
        previous = Some((end, words.last() == Some(&b';')));
    }
    rows
}

/// The labels of a template's fields for an axis of the diagnosis.
const AXIS_LABELS: &[&[u8]] = &[
    b"acuity",
    b"bone",
    b"chronicity",
    b"laterality",
    b"location",
    b"mechanism of infection",
    b"route",
    b"route of infection",
    b"route of spread",
    b"site",
    b"site and laterality",
    b"site of infection",
    b"site/laterality",
    b"side",
];

/// True when `words` open with one of [`AXIS_LABELS`] and a colon, or
/// are a table row whose first cell is one ("| Side | R |").
fn is_axis_field(words: &[u8]) -> bool {
    let row = words.first() == Some(&b'|');
    let words = if row { &words[1..] } else { words };
    let head = &words[..words.len().min(32)];
    let end = if row { b'|' } else { b':' };
    memchr::memchr(end, head).is_some_and(|at| {
        let label = head[..at].trim_ascii();
        AXIS_LABELS.iter().any(|l| l.eq_ignore_ascii_case(label))
    })
}

/// True when `line` starts with a list marker: "(1)", "1.", "1)", "(a)",
/// "a)", "-", "*" or "•", then a space.
pub(super) fn is_list_item(line: &str) -> bool {
    let rest = if let Some(r) = line.strip_prefix(['-', '*', '•', '–']) {
        r
    } else {
        let inner = line.strip_prefix('(').unwrap_or(line);
        let n = inner
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count()
            .max(usize::from(
                inner.starts_with(|c: char| c.is_ascii_lowercase())
                    && inner[1..].starts_with([')', '.']),
            ));
        if n == 0 || n > 2 {
            return false;
        }
        match inner[n..].strip_prefix([')', '.']) {
            Some(r) => r,
            None => return false,
        }
    };
    rest.starts_with([' ', '\t'])
}

#[cfg(test)]
mod tests {
    use super::is_list_item;
    use crate::evidence::SentenceLayout;
    use crate::Analyzer;

    #[test]
    fn list_markers_are_told_from_prose() {
        for item in [
            "(1) L distal radius",
            "2. right tibia",
            "3) femur",
            "(a) tibia",
            "b) fibula",
            "- left tibia",
            "* femur",
            "• calcaneus",
        ] {
            assert!(is_list_item(item), "{item}");
        }
        for prose in [
            "# Acute osteomyelitis",
            "2026 visit",
            "Both acute",
            "(see below)",
            "a patient",
            "-left",
            "100. x",
        ] {
            assert!(!is_list_item(prose), "{prose}");
        }
    }

    /// Each sentence's words and layout, as the whole pipeline reads them.
    fn layout(text: &str) -> Vec<(&str, SentenceLayout)> {
        let a = Analyzer::new().analyze(text);
        assert_eq!(a.evidence.layout.len(), a.sentences.len());
        a.sentences
            .iter()
            .map(|s| &text[s.range()])
            .zip(a.evidence.layout.iter().copied())
            .collect()
    }

    #[test]
    fn each_sentence_has_its_layout() {
        let text = "Acute osteomyelitis, 2 sites:\n  (1) L distal radius.\n(2) R tibia. Bone culture: MRSA; E. coli";
        let rows = layout(text);
        let words: Vec<&str> = rows.iter().map(|r| r.0).collect();
        assert_eq!(
            words,
            [
                "Acute osteomyelitis, 2 sites:",
                "(1) L distal radius.",
                "(2) R tibia.",
                "Bone culture: MRSA;",
                "E. coli"
            ]
        );
        let l: Vec<SentenceLayout> = rows.iter().map(|r| r.1).collect();
        // The note's first line has no line break before it.
        assert!(!l[0].starts_line && l[0].ends_with_colon && !l[0].list_item);
        // Colons are looked for only where an organism is.
        assert_eq!(l[0].colon, None);
        assert!(l[1].starts_line && l[1].list_item && !l[1].same_line_as_previous);
        assert!(l[2].starts_line && l[2].list_item && l[2].colon.is_none());
        assert!(!l[3].starts_line && l[3].same_line_as_previous && !l[3].ends_with_colon);
        assert_eq!(l[3].colon, Some(text.rfind(':').unwrap()));
        assert!(l[4].same_line_as_previous && l[4].colon.is_none());
    }
}
