//! Matcher stage: one Aho-Corasick pass over the note for every lexicon term.
//!
//! This is the hot loop. All terms of all categories live in one automaton
//! (LeftmostLongest, ASCII case-insensitive), so "left lower lobe" wins over
//! "left" and a note is read once whatever the number of terms. Matches that
//! do not sit on word boundaries are dropped and the search resumes one
//! character later, so "no" inside "nodule" cannot hide a real term after it.

use crate::lexicon::Lexicon;
use crate::span::Span;
use aho_corasick::automaton::Automaton;
use aho_corasick::{dfa, AhoCorasick, AhoCorasickKind, Anchored, Input, MatchKind, StartKind};
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
    engine: Engine,
    /// Per pattern: indices into the lexicon's entries (one term may appear
    /// in several files, e.g. "sterile" as culture result and CRMO cue).
    rows: Vec<Vec<u32>>,
}

/// How the matches are found. Both give the same matches: the anchored
/// walk is the fast one, the search is kept for pattern sets it cannot
/// take (a term that starts or ends in whitespace, an empty term).
#[derive(Clone, Debug)]
enum Engine {
    /// An anchored DFA tried only where a match could be word-bounded on the
    /// left: no restart per rejected match inside a word ("l" in "illness"),
    /// and runs of spaces are collapsed while walking, without a copy.
    Anchored(Box<AnchoredDfa>),
    /// Leftmost-longest search over the whole note, rejected matches
    /// retried one character later.
    Search(AhoCorasick),
}

#[derive(Clone, Debug)]
struct AnchoredDfa {
    dfa: dfa::DFA,
    start: aho_corasick::automaton::StateID,
    /// Bytes a pattern can begin with (either ASCII case).
    starts: [bool; 256],
    /// Pairs of bytes a pattern of two bytes or more can begin with (either
    /// ASCII case), a bit per pair; a walk whose first two bytes are not
    /// here can only find a one-byte term.
    pairs: Box<[u64; 1024]>,
    /// Bytes that are a whole term.
    singles: [bool; 256],
}

impl Matcher {
    /// Builds the automaton over every term of `lexicon`.
    pub fn new(lexicon: &Lexicon) -> Matcher {
        let (patterns, rows) = patterns_of(lexicon);
        Matcher::from_patterns(&patterns, rows)
    }

    /// The matcher of [`Matcher::new`] on the reference engine (a
    /// leftmost-longest search over a collapsed copy of the note): slower,
    /// the same matches; for tests and benches that check the fast one.
    #[doc(hidden)]
    pub fn reference_for(lexicon: &Lexicon) -> Matcher {
        let (patterns, rows) = patterns_of(lexicon);
        Matcher {
            engine: Engine::Search(search_automaton(&patterns)),
            rows,
        }
    }

    /// Builds a matcher over plain patterns (each its own row), for tools
    /// such as the NegEx evaluation that need one ad hoc term.
    pub fn from_terms<S: AsRef<str>>(terms: &[S]) -> Matcher {
        let patterns: Vec<String> = terms.iter().map(|t| t.as_ref().to_string()).collect();
        let rows = (0..patterns.len()).map(|i| vec![i as u32]).collect();
        Matcher::from_patterns(&patterns, rows)
    }

    fn from_patterns(patterns: &[String], rows: Vec<Vec<u32>>) -> Matcher {
        let walkable = patterns.iter().all(|p| {
            let (Some(first), Some(last)) = (p.chars().next(), p.chars().next_back()) else {
                return false;
            };
            !first.is_whitespace() && !last.is_whitespace()
        });
        let engine = if walkable {
            Engine::Anchored(Box::new(AnchoredDfa::new(patterns)))
        } else {
            Engine::Search(search_automaton(patterns))
        };
        Matcher { engine, rows }
    }

    /// The lexicon rows behind a pattern.
    pub fn entries_of(&self, pattern: u32) -> &[u32] {
        &self.rows[pattern as usize]
    }

    /// Number of distinct patterns.
    pub fn pattern_count(&self) -> usize {
        self.rows.len()
    }

    /// The distinct terms `lexicon` gives a matcher (lower case), for
    /// benches that time another engine over the same patterns.
    #[doc(hidden)]
    pub fn patterns_for(lexicon: &Lexicon) -> Vec<String> {
        patterns_of(lexicon).0
    }

    /// Every word-bounded, leftmost-longest match in `text`, in order.
    pub fn find_all(&self, text: &str) -> Vec<TermMatch> {
        let mut out = Vec::new();
        self.for_each(text, |m| out.push(m));
        out
    }

    /// Calls `f` for each word-bounded match, in order. Runs of spaces,
    /// tabs and Unicode spaces (no-break space, thin space) inside a term
    /// match the single space of the lexicon, and spans always point into
    /// `text`.
    ///
    /// The matches are those of a leftmost-longest search over a copy of
    /// the note with each such run collapsed to one space (done only when
    /// the note holds a run of two spaces, a tab, a carriage return or one
    /// of the Unicode spaces above), where a match that cuts a word is
    /// dropped and the search resumes one character after its start.
    pub fn for_each(&self, text: &str, mut f: impl FnMut(TermMatch)) {
        match &self.engine {
            Engine::Anchored(a) => a.for_each(text, &mut f),
            Engine::Search(ac) => match collapse_spaces(text) {
                None => search(ac, text, &mut f),
                Some((norm, map)) => search(ac, &norm, |m| {
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
            },
        }
    }

    /// Counts word-bounded matches: the bare pass the benchmarks compare to.
    pub fn count(&self, text: &str) -> usize {
        let mut n = 0;
        self.for_each(text, |_| n += 1);
        n
    }
}

/// The distinct terms of `lexicon` (lower case) and, per term, its rows.
fn patterns_of(lexicon: &Lexicon) -> (Vec<String>, Vec<Vec<u32>>) {
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
    (patterns, rows)
}

fn search_automaton(patterns: &[String]) -> AhoCorasick {
    AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .ascii_case_insensitive(true)
        .start_kind(StartKind::Both)
        .kind(Some(AhoCorasickKind::DFA))
        .build(patterns)
        .expect("lexicon terms form a valid automaton")
}

fn search(automaton: &AhoCorasick, text: &str, mut f: impl FnMut(TermMatch)) {
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let input = Input::new(bytes).span(at..bytes.len());
        let Some(m) = automaton.find(input) else {
            break;
        };
        if let Some(m) = bounded_at(automaton, text, m) {
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

/// The longest term at `m`'s start whose both sides are word boundaries:
/// `m` itself, or a shorter term beginning where it does ("metatarsal" in
/// "metatarsal heads" when "metatarsal head" is a term).
fn bounded_at(
    automaton: &AhoCorasick,
    text: &str,
    mut m: aho_corasick::Match,
) -> Option<aho_corasick::Match> {
    let bytes = text.as_bytes();
    loop {
        if is_boundary(text, m.start(), m.end()) {
            return Some(m);
        }
        if m.end() - m.start() <= 1 {
            return None;
        }
        let input = Input::new(bytes)
            .span(m.start()..m.end() - 1)
            .anchored(Anchored::Yes);
        m = automaton.find(input)?;
    }
}

impl AnchoredDfa {
    fn new(patterns: &[String]) -> AnchoredDfa {
        let dfa = dfa::DFA::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .ascii_case_insensitive(true)
            .start_kind(StartKind::Anchored)
            .build(patterns)
            .expect("lexicon terms form a valid automaton");
        let start = dfa
            .start_state(Anchored::Yes)
            .expect("built for anchored searches");
        let mut starts = [false; 256];
        let mut singles = [false; 256];
        let mut pairs = Box::new([0u64; 1024]);
        for p in patterns {
            let b = p.as_bytes();
            for c0 in [b[0].to_ascii_lowercase(), b[0].to_ascii_uppercase()] {
                starts[c0 as usize] = true;
                match b.get(1) {
                    None => singles[c0 as usize] = true,
                    Some(&c1) => {
                        for c1 in [c1.to_ascii_lowercase(), c1.to_ascii_uppercase()] {
                            let k = (c0 as usize) << 8 | c1 as usize;
                            pairs[k >> 6] |= 1 << (k & 63);
                        }
                    }
                }
            }
        }
        AnchoredDfa {
            dfa,
            start,
            starts,
            pairs,
            singles,
        }
    }

    /// The same matches as the search over the collapsed copy. A match
    /// there starts at the leftmost position where some term matches and
    /// is the longest term there; a match that cuts a word is dropped and
    /// the search resumes one character on. So the matches kept are, from
    /// left to right, the longest term at each position where a match may
    /// begin (left side on a word boundary), when its right side is on a
    /// boundary too; the next position tried is its end. Positions where no
    /// term begins, or inside a word, are skipped without touching the
    /// automaton.
    fn for_each(&self, text: &str, f: &mut impl FnMut(TermMatch)) {
        let bytes = text.as_bytes();
        // Whether runs of space collapse: decided once, when a walk meets one.
        let mut collapse: Option<bool> = None;
        let mut at = 0;
        while at < bytes.len() {
            let b = bytes[at];
            if b.is_ascii_alphanumeric() {
                if (at == 0 || !prev_is_alnum(text, at)) && self.starts[b as usize] {
                    if let Some(end) = self.emit(text, at, &mut collapse, f) {
                        at = end;
                        continue;
                    }
                }
                // The rest of the word: no match may begin inside it.
                at += 1;
                while at < bytes.len() && bytes[at].is_ascii_alphanumeric() {
                    at += 1;
                }
                continue;
            }
            // A continuation byte never begins a term, so `at` is on a
            // character boundary whenever a walk starts.
            if self.starts[b as usize] && !(is_word_byte(b) && at > 0 && prev_is_alnum(text, at)) {
                if let Some(end) = self.emit(text, at, &mut collapse, f) {
                    at = end;
                    continue;
                }
            }
            at += 1;
        }
    }

    /// Reports the longest word-bounded term starting at `at`, if any, and
    /// returns its end.
    #[inline]
    fn emit(
        &self,
        text: &str,
        at: usize,
        collapse: &mut Option<bool>,
        f: &mut impl FnMut(TermMatch),
    ) -> Option<usize> {
        let (end, pattern) = self.walk(text, at, collapse)?;
        if !right_bounded(text, end) {
            return None;
        }
        f(TermMatch {
            span: Span::new(at, end),
            pattern,
        });
        Some(end)
    }

    /// The longest term starting at `from`: its end in `text` and pattern.
    #[inline]
    fn walk(&self, text: &str, from: usize, collapse: &mut Option<bool>) -> Option<(usize, u32)> {
        let bytes = text.as_bytes();
        let b0 = bytes[from];
        if let Some(&b1) = bytes.get(from + 1) {
            // A space after the first byte may stand for a run: walk then.
            let k = (b0 as usize) << 8 | b1 as usize;
            if self.pairs[k >> 6] & (1 << (k & 63)) == 0 && !may_start_space(b1) {
                if !self.singles[b0 as usize] {
                    return None;
                }
                let sid = self.dfa.next_state(Anchored::Yes, self.start, b0);
                return self.single(sid, from);
            }
        }
        let dfa = &self.dfa;
        let mut sid = self.start;
        let mut at = from;
        // Bytes fed to the automaton: the length in the collapsed copy.
        let mut fed = 0usize;
        let mut best = None;
        while at < bytes.len() {
            let mut byte = bytes[at];
            let mut next = at + 1;
            if may_start_space(byte) {
                if let Some(run_end) = space_run(text, at) {
                    let collapses = *collapse.get_or_insert_with(|| needs_collapse(text));
                    if collapses {
                        byte = b' ';
                        next = run_end;
                    }
                }
            }
            sid = dfa.next_state(Anchored::Yes, sid, byte);
            fed += 1;
            if dfa.is_special(sid) {
                if dfa.is_dead(sid) {
                    break;
                }
                if dfa.is_match(sid) && right_bounded(text, next) {
                    // Match states may also carry shorter terms that end
                    // here but began later: only a term begun at `from` counts.
                    // A term that would cut a word ("metatarsal head" in
                    // "metatarsal heads") leaves the shorter one standing.
                    best = (0..dfa.match_len(sid))
                        .map(|k| dfa.match_pattern(sid, k))
                        .filter(|&p| dfa.pattern_len(p) == fed)
                        .min()
                        .map(|p| (next, p.as_u32()))
                        .or(best);
                }
            }
            at = next;
        }
        best
    }
}

impl AnchoredDfa {
    /// The one-byte term whose state `sid` is, if it is one.
    #[cold]
    fn single(&self, sid: aho_corasick::automaton::StateID, from: usize) -> Option<(usize, u32)> {
        let dfa = &self.dfa;
        if !dfa.is_match(sid) {
            return None;
        }
        (0..dfa.match_len(sid))
            .map(|k| dfa.match_pattern(sid, k))
            .filter(|&p| dfa.pattern_len(p) == 1)
            .min()
            .map(|p| (from + 1, p.as_u32()))
    }
}

#[inline]
fn prev_is_alnum(text: &str, at: usize) -> bool {
    let p = text.as_bytes()[at - 1];
    if p < 0x80 {
        p.is_ascii_alphanumeric()
    } else {
        prev_char(text, at).is_some_and(char::is_alphanumeric)
    }
}

/// The right half of [`is_boundary`].
fn right_bounded(text: &str, end: usize) -> bool {
    let bytes = text.as_bytes();
    end == bytes.len()
        || !is_word_byte(bytes[end - 1])
        || !text[end..]
            .chars()
            .next()
            .is_some_and(char::is_alphanumeric)
}

/// True for the first byte of any character that [`is_space_char`] holds.
fn may_start_space(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t' | b'\r' | 0x0b | 0x0c | 0xc2 | 0xe1 | 0xe2 | 0xe3
    )
}

/// When a run of horizontal whitespace starts at `at`, where it ends.
fn space_run(text: &str, at: usize) -> Option<usize> {
    let mut end = at;
    for c in text[at..].chars() {
        if !is_space_char(c) {
            break;
        }
        end += c.len_utf8();
    }
    (end > at).then_some(end)
}

/// Whether a note's runs of space are collapsed before matching (see
/// [`Matcher::for_each`]).
fn needs_collapse(text: &str) -> bool {
    text.contains("  ")
        || text.contains([
            '\t', '\r', '\u{a0}', '\u{2009}', '\u{202f}', '\u{2007}', '\u{2002}', '\u{2003}',
            '\u{3000}',
        ])
}

fn is_space_char(c: char) -> bool {
    c != '\n' && c.is_whitespace()
}

/// When `text` holds a run of horizontal whitespace other than one plain
/// space, a copy with each such run collapsed to one space, and for each of
/// its bytes the offset of the byte it came from.
fn collapse_spaces(text: &str) -> Option<(String, Vec<u32>)> {
    if !needs_collapse(text) {
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

pub(crate) fn is_word_byte(b: u8) -> bool {
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

    /// The anchored walk gives exactly the matches of the reference search
    /// over the collapsed copy, on the real lexicon and on text made of its
    /// terms cut and glued with odd spaces, punctuation and non-ASCII.
    #[test]
    fn anchored_walk_equals_the_reference_search() {
        let lexicon = Lexicon::embedded();
        let fast = Matcher::new(&lexicon);
        let slow = Matcher::reference_for(&lexicon);
        assert!(matches!(fast.engine, Engine::Anchored(_)));
        let (terms, _) = patterns_of(&lexicon);
        let refs: Vec<&str> = terms.iter().map(String::as_str).collect();
        let glue = [
            " ",
            "  ",
            "\t",
            "\u{a0}",
            " \u{2009} ",
            "\n",
            ", ",
            "-",
            "/",
            ".",
            "(",
            "é",
            "x",
            "L",
            "1",
            "\r\n",
            "°",
            "\u{85}",
            "\u{3000}",
            "",
        ];
        // A small deterministic generator: no dependency, same cases every run.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let mut total = 0;
        for case in 0..4000 {
            let mut text = String::new();
            for _ in 0..next(12) + 1 {
                let t = refs[next(refs.len())];
                // Sometimes a cut term, sometimes upper case.
                let t = if next(4) == 0 {
                    &t[..t.floor_char_boundary_compat(next(t.len() + 1))]
                } else {
                    t
                };
                if next(3) == 0 {
                    text.push_str(&t.to_ascii_uppercase().replace(' ', glue[next(5)]));
                } else {
                    text.push_str(&t.replace(' ', glue[next(glue.len())]));
                }
                text.push_str(glue[next(glue.len())]);
            }
            let found = fast.find_all(&text);
            total += found.len();
            assert_eq!(found, slow.find_all(&text), "case {case}: {text:?}");
        }
        assert!(total > 10_000, "the cases exercise matching: {total}");
    }

    trait FloorCompat {
        fn floor_char_boundary_compat(&self, at: usize) -> usize;
    }

    impl FloorCompat for str {
        fn floor_char_boundary_compat(&self, mut at: usize) -> usize {
            while !self.is_char_boundary(at) {
                at -= 1;
            }
            at
        }
    }

    #[test]
    fn a_longer_term_that_cuts_a_word_leaves_the_shorter_one() {
        for m in [
            Matcher::from_terms(&["metatarsal", "metatarsal head"]),
            Matcher::from_terms(&["metatarsal", "metatarsal head", "  "]),
        ] {
            assert_eq!(
                found(&m, "R 1st metatarsal heads; metatarsal head."),
                ["metatarsal", "metatarsal head"]
            );
        }
    }

    #[test]
    fn punctuation_edged_terms_match_inside_punctuation() {
        let m = Matcher::from_terms(&["s/p", "l"]);
        assert_eq!(found(&m, "(s/p) L-foot"), ["s/p", "L"]);
    }
}
