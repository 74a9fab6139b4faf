//! Sentence splitting: where a sentence ends within a line, which lines
//! join the sentence before them (hard wraps, announced lists) and which
//! periods end nothing (abbreviations, initials, numbered list markers).

use super::{Segments, Sentence};
use crate::span::Span;

/// The words after which a period does not end a sentence, from
/// `abbreviations.txt`: lower case and sorted, for a binary search.
#[derive(Clone, Debug)]
pub(super) struct Abbreviations {
    words: Box<[Box<[u8]>]>,
    /// The longest word's length: a longer word is none of them.
    longest: usize,
}

impl Abbreviations {
    /// The list shipped in `abbreviations.txt`.
    pub(super) fn embedded() -> Abbreviations {
        Abbreviations::parse(include_str!("abbreviations.txt"))
    }

    /// One word a line; blank lines and lines starting with `#` are skipped.
    fn parse(text: &str) -> Abbreviations {
        let mut words: Vec<Box<[u8]>> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|w| w.to_ascii_lowercase().into_bytes().into_boxed_slice())
            .collect();
        words.sort_unstable();
        words.dedup();
        let longest = words.iter().map(|w| w.len()).max().unwrap_or(0);
        Abbreviations {
            words: words.into_boxed_slice(),
            longest,
        }
    }

    /// True when `word` is one of the abbreviations, in any case.
    fn contains(&self, word: &str) -> bool {
        if word.len() > self.longest {
            return false;
        }
        let lower = word.bytes().map(|b| b.to_ascii_lowercase());
        self.words
            .binary_search_by(|a| a.iter().copied().cmp(lower.clone()))
            .is_ok()
    }
}

/// Splits one line's body, from `from`, at sentence-ending
/// punctuation; returns where the line ends (its newline, or the end
/// of the text). `open` is where the sentence being built starts.
pub(super) fn split_line(
    text: &str,
    from: usize,
    seg: &mut Segments,
    open: &mut Option<usize>,
    abbreviations: &Abbreviations,
) -> usize {
    let bytes = text.as_bytes();
    let mut i = from;
    loop {
        if open.is_none() {
            while i < bytes.len() && bytes[i] != b'\n' && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            if i >= bytes.len() || bytes[i] == b'\n' {
                return i;
            }
            *open = Some(i);
        }
        // Lines are short: a table lookup per byte beats memchr's set-up
        // for the five bytes, and finds the line's end on the way.
        let Some(p) = bytes[i..].iter().position(|&b| MARKS[b as usize]) else {
            return bytes.len();
        };
        let j = i + p;
        if bytes[j] == b'\n' {
            return j;
        }
        if ends_sentence(text, j, abbreviations) {
            close(seg, text, open, j + 1);
        }
        i = j + 1;
    }
}

/// The bytes that may end a sentence (`.`, `!`, `?`, `;`) and the newline
/// that ends a line.
static MARKS: [bool; 256] = {
    let mut t = [false; 256];
    t[b'.' as usize] = true;
    t[b'!' as usize] = true;
    t[b'?' as usize] = true;
    t[b';' as usize] = true;
    t[b'\n' as usize] = true;
    t
};

/// The length of the whitespace that starts the line at `from` (as
/// `str::trim_start` has it, within the line).
pub(super) fn lead_len(text: &str, from: usize) -> usize {
    let bytes = text.as_bytes();
    let mut i = from;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\n' {
            break;
        }
        if b.is_ascii() {
            if !(b as char).is_whitespace() {
                break;
            }
            i += 1;
        } else {
            let c = text[i..].chars().next().expect("on a char boundary");
            if !c.is_whitespace() {
                break;
            }
            i += c.len_utf8();
        }
    }
    i - from
}

/// The length of the list marker (its space included) that `rest`, a line
/// from its first solid character on (it may run on past the line), opens
/// with; None when it opens with none. Never trimmed here: a trim could run
/// over the following lines, and cost the rest of the note for every blank
/// line.
pub(super) fn list_marker_len(rest: &str) -> Option<usize> {
    // Every marker starts with one of these bytes: most lines stop here.
    if !matches!(rest.as_bytes().first(), Some(b'-' | b'*' | 0xc2 | 0xe2)) {
        return None;
    }
    ["- ", "• ", "* ", "– ", "· "]
        .iter()
        .find(|m| rest.starts_with(*m))
        .map(|m| m.len())
}

pub(super) fn is_blank(s: &str) -> bool {
    // Nearly every line starts with a solid byte.
    match s.as_bytes().first() {
        Some(b) if !b.is_ascii_whitespace() => false,
        _ => s.bytes().all(|b| b.is_ascii_whitespace()),
    }
}

/// A line that wraps a sentence: the previous line ends without closing
/// punctuation and this one starts in lower case. `last_solid` is the last
/// non-whitespace character before the line.
pub(super) fn continues_previous(last_solid: Option<char>, text: &str, line_start: usize) -> bool {
    let ends_open =
        last_solid.is_some_and(|c| c.is_alphanumeric() || c == ',' || c == '(' || c == '-');
    if !ends_open {
        return false;
    }
    let rest = text[line_start..].trim_start_matches([' ', '\t']);
    match rest.chars().next() {
        Some(c) if c.is_lowercase() => true,
        // ALL-CAPS dictation wraps in capitals: "... OF THE LEFT DISTAL" /
        // "HUMERUS WITH DRAINING SINUS". Both lines are capitals only.
        Some(c) if c.is_uppercase() => {
            let head = &rest.as_bytes()[..rest.len().min(40)];
            let line = &head[..head.iter().position(|&b| b == b'\n').unwrap_or(head.len())];
            let caps = |s: &[u8]| {
                !s.iter().any(u8::is_ascii_lowercase)
                    && s.iter().filter(|b| b.is_ascii_uppercase()).count() >= 3
            };
            // This line first: most lines have lower case at once.
            if !caps(line) {
                return false;
            }
            let bytes = text.as_bytes();
            let prev_end = line_start.saturating_sub(1);
            let prev_start = memchr::memrchr(b'\n', &bytes[..prev_end]).map_or(0, |p| p + 1);
            caps(&bytes[prev_start..line_start])
        }
        _ => false,
    }
}

/// True when the line at `line_start` holds only blanks.
pub(super) fn is_blank_line(text: &str, line_start: usize) -> bool {
    text.as_bytes()[line_start..]
        .iter()
        .take_while(|&&b| b != b'\n')
        .all(u8::is_ascii_whitespace)
}

/// True when a line announcing a list says the list is of diagnoses or
/// problems, each item its own.
pub(super) fn names_problem_list(line: &str) -> bool {
    let lower = line.to_ascii_lowercase();
    ["diagnos", "problem", "dx", "impression", "assessment"]
        .iter()
        .any(|w| lower.contains(w))
}

/// How far back on its line a semicolon looks for the label of a
/// differential list; bounded so that a note that is one long line is not
/// rescanned at every semicolon.
const LIST_LABEL_REACH: usize = 240;

/// True when the semicolon at `i` separates the items of a differential
/// list announced earlier on its line ("Differential diagnosis: a; b; c",
/// "DDx: a; b").
fn in_differential_list(text: &str, i: usize) -> bool {
    let bytes = text.as_bytes();
    let from = i.saturating_sub(LIST_LABEL_REACH);
    let window = &bytes[from..i];
    let line = match memchr::memrchr(b'\n', window) {
        Some(nl) => &window[nl + 1..],
        None => window,
    };
    // Most semicolons have no label colon before them on their line.
    let Some(colon) = memchr::memrchr(b':', line) else {
        return false;
    };
    let label = &line[..colon];
    let has = |word: &[u8]| {
        label
            .windows(word.len())
            .any(|w| w.eq_ignore_ascii_case(word))
    };
    has(b"differential") || has(b"ddx")
}

/// True when the period (or ! ? ;) at `i` ends a sentence.
fn ends_sentence(text: &str, i: usize, abbreviations: &Abbreviations) -> bool {
    let bytes = text.as_bytes();
    // Only before whitespace or the end of the line: "1.2 cm", "e.g.," stay.
    if i + 1 < bytes.len() && !bytes[i + 1].is_ascii_whitespace() {
        return false;
    }
    // "? osteomyelitis": a question mark that opens a word hedges it and
    // ends nothing.
    if bytes[i] == b'?' && (i == 0 || matches!(bytes[i - 1], b' ' | b'\t' | b'\n' | b':' | b'(')) {
        return false;
    }
    if bytes[i] == b';' && in_differential_list(text, i) {
        // "Differential diagnosis: synovitis; osteomyelitis; fracture": the
        // items share the label's uncertainty.
        return false;
    }
    if bytes[i] != b'.' {
        // "!", "?" and ";" end a sentence (a clause, for ";"): "no specimen
        // taken; empiric MRSA coverage" must not share a negation scope.
        return true;
    }
    // The word before the period.
    let mut s = i;
    while s > 0 && (bytes[s - 1].is_ascii_alphanumeric() || bytes[s - 1] == b'.') {
        s -= 1;
    }
    let word = &text[s..i];
    if word.is_empty() {
        return true;
    }
    // Numbered list markers at the start of a line: "1. Chronic ...".
    if word.bytes().all(|b| b.is_ascii_digit()) {
        // Only blanks between the line's start and the number: looked for
        // backwards, stopping at the first other character, so a note that
        // is one enormous line is not rescanned for every number.
        for c in text[..s].chars().rev() {
            if c == '\n' {
                return false;
            }
            if !c.is_whitespace() {
                return true;
            }
        }
        return false;
    }
    // A period before a lower-case word ends an abbreviation, not a
    // sentence: "S. aureus", "subsp. equisimilis", "approx. 2 cm".
    let next = match bytes.get(i + 1..i + 3) {
        // ". Word": the usual case, read without decoding.
        Some(&[b' ', c]) if c.is_ascii() && !(c as char).is_whitespace() => Some(c as char),
        _ => text[i + 1..]
            .chars()
            .take_while(|&c| c != '\n')
            .find(|c| !c.is_whitespace()),
    };
    if next.is_some_and(|c| c.is_lowercase()) {
        return false;
    }
    !abbreviations.contains(word)
}

pub(super) fn close(seg: &mut Segments, text: &str, open: &mut Option<usize>, end: usize) {
    if let Some(start) = open.take() {
        let raw = &text[start..end.max(start)];
        // Most sentences end in a mark: nothing to trim.
        let len = match raw.as_bytes().last() {
            Some(&b) if b.is_ascii_graphic() => raw.len(),
            _ => raw.trim_end().len(),
        };
        if len == 0 {
            return;
        }
        seg.sentences.push(Sentence {
            span: Span::new(start, start + len),
            section: (seg.sections.len() - 1) as u32,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::Lexicon;
    use crate::segment::Segmenter;

    fn sentences(text: &str) -> Vec<String> {
        let s = Segmenter::new(&Lexicon::embedded()).segment(text);
        s.sentences
            .iter()
            .map(|x| text[x.span.range()].to_string())
            .collect()
    }

    #[test]
    fn abbreviations_and_initials_do_not_split() {
        let s =
            sentences("Seen by Dr. Hale today. Culture grew S. aureus and E. coli. Next visit.");
        assert_eq!(
            s,
            [
                "Seen by Dr. Hale today.",
                "Culture grew S. aureus and E. coli.",
                "Next visit."
            ]
        );
    }

    #[test]
    fn hard_wraps_join_but_new_lines_split() {
        let s = sentences("No sequestrum or\ninvolucrum is seen.\nMRI shows edema\nPlan follows");
        assert_eq!(
            s,
            [
                "No sequestrum or\ninvolucrum is seen.",
                "MRI shows edema",
                "Plan follows"
            ]
        );
    }

    #[test]
    fn semicolons_split_and_announced_lists_join() {
        let s = sentences("No specimen taken; MRSA coverage.\nOsteomyelitis at two sites:\n- left humerus\n- right femur\nNext line");
        assert_eq!(
            s,
            [
                "No specimen taken;",
                "MRSA coverage.",
                "Osteomyelitis at two sites:\n- left humerus\n- right femur",
                "Next line"
            ]
        );
        // Items that are fields of their own state something each: a
        // negation in one must not reach the next.
        let s = sentences("Debridement under LA:\n - Path: chronic osteomyelitis; no features of necrosis\n - Bone cx: Prevotella\nNext line");
        assert_eq!(
            s,
            [
                "Debridement under LA:",
                "- Path: chronic osteomyelitis;",
                "no features of necrosis",
                "- Bone cx: Prevotella",
                "Next line"
            ]
        );
    }

    #[test]
    fn abbreviations_are_known_in_any_case_and_no_longer() {
        let a = Abbreviations::embedded();
        assert!(a.words.len() > 30, "{} abbreviations", a.words.len());
        for w in a.words.iter() {
            let w = std::str::from_utf8(w).unwrap();
            assert!(a.contains(w) && a.contains(&w.to_uppercase()), "{w}");
        }
        assert!(!a.contains("approxi") && !a.contains("femur"));
        assert!(!a.contains("") && !a.contains("d"));
    }

    #[test]
    fn the_abbreviation_file_holds_words_a_period_can_follow() {
        // ends_sentence looks back from the period over ASCII letters,
        // digits and periods: a word of anything else is never seen.
        for line in include_str!("abbreviations.txt").lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            assert_eq!(line, line.trim(), "{line:?}: spaces around");
            assert!(
                line.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.'),
                "{line:?}: lower-case letters, digits and inner periods only"
            );
            assert!(
                !line.starts_with('.') && !line.ends_with('.'),
                "{line:?}: written without its final period"
            );
        }
    }

    #[test]
    fn abbreviations_parse_skips_comments_and_blanks() {
        let a = Abbreviations::parse("# a comment\n\nDr\n  hx \nabx\ndr\n");
        let words: Vec<&[u8]> = a.words.iter().map(|w| &w[..]).collect();
        assert_eq!(words, [&b"abx"[..], b"dr", b"hx"]);
        assert_eq!(a.longest, 3);
        assert!(a.contains("DR") && a.contains("Hx") && !a.contains("a"));
    }
}
