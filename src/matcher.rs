//! Matcher stage: one Aho-Corasick pass over the note for every lexicon term.
//!
//! This is the hot loop. All terms of all categories live in one automaton
//! (LeftmostLongest, ASCII case-insensitive), so "left lower lobe" wins over
//! "left" and a note is read once whatever the number of terms. Matches that
//! do not sit on word boundaries are dropped and the search resumes one
//! character later, so "no" inside "nodule" cannot hide a real term after it.

use crate::lexicon::Lexicon;
use crate::span::Span;
use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind};
use std::collections::HashMap;

/// One matched term: its span and the pattern it matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TermMatch {
    /// Where in the note.
    pub span: Span,
    /// Index into [`Matcher::entries_of`].
    pub pattern: u32,
}

/// The compiled automaton and, per pattern, the lexicon rows it stands for.
#[derive(Clone, Debug)]
pub struct Matcher {
    automaton: AhoCorasick,
    /// Per pattern: indices into the lexicon's entries (one term may appear
    /// in several files, e.g. "sterile" as culture result and CRMO cue).
    rows: Vec<Vec<u32>>,
}

impl Matcher {
    /// Builds the automaton over every term of `lexicon`.
    pub fn new(lexicon: &Lexicon) -> Matcher {
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut rows: Vec<Vec<u32>> = Vec::new();
        for (i, entry) in lexicon.entries().iter().enumerate() {
            // Headers are recognised by the segmenter at line starts, not here.
            if entry.category == crate::lexicon::Category::Section {
                continue;
            }
            let key = entry.term.to_ascii_lowercase();
            let p = *index.entry(key.clone()).or_insert_with(|| {
                patterns.push(key);
                rows.push(Vec::new());
                patterns.len() - 1
            });
            rows[p].push(i as u32);
        }
        Matcher::from_patterns(&patterns, rows)
    }

    /// Builds a matcher over plain patterns (each its own row), for tools
    /// such as the NegEx evaluation that need one ad hoc term.
    pub fn from_terms<S: AsRef<str>>(terms: &[S]) -> Matcher {
        let patterns: Vec<String> = terms.iter().map(|t| t.as_ref().to_string()).collect();
        let rows = (0..patterns.len()).map(|i| vec![i as u32]).collect();
        Matcher::from_patterns(&patterns, rows)
    }

    fn from_patterns(patterns: &[String], rows: Vec<Vec<u32>>) -> Matcher {
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .ascii_case_insensitive(true)
            .kind(Some(AhoCorasickKind::DFA))
            .build(patterns)
            .expect("lexicon terms form a valid automaton");
        Matcher { automaton, rows }
    }

    /// The lexicon rows behind a pattern.
    pub fn entries_of(&self, pattern: u32) -> &[u32] {
        &self.rows[pattern as usize]
    }

    /// Number of distinct patterns.
    pub fn pattern_count(&self) -> usize {
        self.rows.len()
    }

    /// Every word-bounded, leftmost-longest match in `text`, in order.
    pub fn find_all(&self, text: &str) -> Vec<TermMatch> {
        let mut out = Vec::new();
        self.for_each(text, |m| out.push(m));
        out
    }

    /// Calls `f` for each word-bounded match, in order. Runs of spaces,
    /// tabs and Unicode spaces (no-break space, thin space) inside a term
    /// match the single space of the lexicon: such notes are matched over a
    /// collapsed copy whose offsets are mapped back, so spans always point
    /// into `text`. Notes without such runs are matched in place.
    pub fn for_each(&self, text: &str, mut f: impl FnMut(TermMatch)) {
        match collapse_spaces(text) {
            None => self.for_each_raw(text, &mut f),
            Some((norm, map)) => self.for_each_raw(&norm, |m| {
                let start = map[m.span.start] as usize;
                let end = if m.span.end == norm.len() {
                    text.len()
                } else {
                    map[m.span.end] as usize
                };
                f(TermMatch {
                    span: Span::new(start, end),
                    pattern: m.pattern,
                })
            }),
        }
    }

    fn for_each_raw(&self, text: &str, mut f: impl FnMut(TermMatch)) {
        let bytes = text.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            let input = Input::new(bytes).span(at..bytes.len());
            let Some(m) = self.automaton.find(input) else {
                break;
            };
            if is_boundary(text, m.start(), m.end()) {
                f(TermMatch {
                    span: Span::new(m.start(), m.end()),
                    pattern: m.pattern().as_u32(),
                });
                at = m.end();
            } else {
                at = next_char(text, m.start());
            }
        }
    }

    /// Counts word-bounded matches: the bare pass the benchmarks compare to.
    pub fn count(&self, text: &str) -> usize {
        let mut n = 0;
        self.for_each(text, |_| n += 1);
        n
    }
}

fn is_space_char(c: char) -> bool {
    c != '\n' && c.is_whitespace()
}

/// When `text` holds a run of horizontal whitespace other than one plain
/// space, a copy with each such run collapsed to one space, and for each of
/// its bytes the offset of the byte it came from.
fn collapse_spaces(text: &str) -> Option<(String, Vec<u32>)> {
    let needs = text.contains("  ")
        || text.contains([
            '\t', '\r', '\u{a0}', '\u{2009}', '\u{202f}', '\u{2007}', '\u{2002}', '\u{2003}',
            '\u{3000}',
        ]);
    if !needs {
        return None;
    }
    let mut norm = String::with_capacity(text.len());
    let mut map: Vec<u32> = Vec::with_capacity(text.len());
    let mut in_run = false;
    for (i, c) in text.char_indices() {
        if is_space_char(c) {
            if !in_run {
                norm.push(' ');
                map.push(i as u32);
                in_run = true;
            }
            continue;
        }
        in_run = false;
        let start = norm.len();
        norm.push(c);
        for k in 0..(norm.len() - start) {
            map.push((i + k) as u32);
        }
    }
    Some((norm, map))
}

/// True when `start..end` does not cut a word: the characters either side are
/// not alphanumeric (terms that themselves start or end in punctuation, like
/// "s/p", only need the boundary on their word side).
pub fn is_boundary(text: &str, start: usize, end: usize) -> bool {
    let bytes = text.as_bytes();
    let left_ok = start == 0 || {
        let first_is_word = is_word_byte(bytes[start]);
        !first_is_word || !prev_char(text, start).is_some_and(char::is_alphanumeric)
    };
    let right_ok = end == bytes.len() || {
        let last_is_word = is_word_byte(bytes[end - 1]);
        !last_is_word
            || !text[end..]
                .chars()
                .next()
                .is_some_and(char::is_alphanumeric)
    };
    left_ok && right_ok
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80
}

fn prev_char(text: &str, at: usize) -> Option<char> {
    text[..at].chars().next_back()
}

fn next_char(text: &str, at: usize) -> usize {
    let mut i = at + 1;
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(m: &Matcher, text: &str) -> Vec<String> {
        m.find_all(text)
            .iter()
            .map(|t| text[t.span.range()].to_string())
            .collect()
    }

    #[test]
    fn longest_phrase_wins_and_case_is_ignored() {
        let m = Matcher::from_terms(&["left", "left lower lobe", "femur"]);
        assert_eq!(
            found(&m, "LEFT LOWER LOBE and Left femur"),
            ["LEFT LOWER LOBE", "Left", "femur"]
        );
    }

    #[test]
    fn words_are_not_cut() {
        let m = Matcher::from_terms(&["no", "nodule", "rib"]);
        assert_eq!(found(&m, "nodular ribs no rib"), ["no", "rib"]);
        // A rejected match does not hide a real one starting inside it.
        let m = Matcher::from_terms(&["xab", "ab"]);
        assert_eq!(found(&m, "cxab ab"), ["ab"]);
    }

    #[test]
    fn non_ascii_neighbours_count_as_letters() {
        let m = Matcher::from_terms(&["os"]);
        assert_eq!(found(&m, "éos os°"), ["os"]);
    }

    #[test]
    fn odd_spaces_inside_terms_still_match_and_spans_map_back() {
        let m = Matcher::from_terms(&["hb sc", "left femur"]);
        let text = "x Hb\u{a0}SC and the  left \t femur.";
        let got = m.find_all(text);
        let surfaces: Vec<&str> = got.iter().map(|t| &text[t.span.range()]).collect();
        assert_eq!(surfaces, ["Hb\u{a0}SC", "left \t femur"]);
    }

    #[test]
    fn punctuation_edged_terms_match_inside_punctuation() {
        let m = Matcher::from_terms(&["s/p", "l"]);
        assert_eq!(found(&m, "(s/p) L-foot"), ["s/p", "L"]);
    }
}
