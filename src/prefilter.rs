//! First tier: whether a note can yield any code or flag at all, decided at
//! close to memory speed, before segmentation, matching and context.
//!
//! Coders run docgap over millions of notes in which a bone infection is
//! rare. The rules ([`crate::rules::apply`]) give a code or a flag only
//! when the evidence map holds an affirmed `condition` finding, or when the
//! claim holds a code of a family the audit reads
//! ([`crate::rules::CLAIM_FAMILIES`]): the claim is the record's
//! `assigned_codes`, else the codes written in the note. So a note needs
//! the full pipeline only when
//!
//! - a term of `condition.tsv` occurs in it as the matcher would find it
//!   (ASCII case-insensitive, a space of the term standing for a run of
//!   horizontal spaces, word boundaries on both ends), or
//! - one of the claim families occurs in its text (upper case, as the
//!   audit's code pattern reads them, with or without the dot), or
//! - its `assigned_codes` hold a code of one of those families.
//!
//! The anchors are derived from the lexicon the [`crate::Analyzer`] was
//! built with (condition terms, embedded or overridden) and from the
//! rules' family list, so they follow both as they change. A hit only
//! means "run the pipeline": the tier may say yes to a note that yields
//! nothing, never no to one that yields something (`tests/prefilter.rs`
//! runs every corpus both ways and requires identical codes and flags).
//!
//! How it runs: the note is folded to ASCII lower case a block at a time
//! into a stack buffer, and one `aho-corasick` search (its packed SIMD
//! searcher while the keys are few) looks for the keys: the first word of
//! each condition term, and each claim family. Each key hit is verified on
//! the original bytes (the whole term, its boundaries; the family's case)
//! and the search resumes one byte on when it fails, so a rejected key
//! ("osteo" in "osteoporosis") never hides a real one.
//!
//! ## Resource usage
//!
//! Built once with the [`crate::Analyzer`] (well under a millisecond for
//! the shipped lexicon); a search allocates nothing. Measured figures are
//! in the README's performance section.

use crate::lexicon::{Category, Lexicon};
use crate::matcher::is_boundary;
use aho_corasick::{AhoCorasick, Input, MatchKind};

/// Bytes of note folded and searched at a time: small enough for the
/// stack and the L1 cache.
const BLOCK: usize = 8 << 10;

/// The first tier of one lexicon; see the module docs.
#[derive(Clone, Debug)]
pub struct Prefilter {
    /// The keys, folded to ASCII lower case.
    searcher: AhoCorasick,
    /// Per key, folded.
    keys: Vec<Box<[u8]>>,
    /// Per key: the anchors it stands for.
    anchors: Vec<Vec<Anchor>>,
    /// Per folded byte: the keys starting with it, so every key at a hit
    /// position is verified, not only the one the search reported.
    by_first: Vec<Vec<u32>>,
    /// The longest key: blocks overlap by one byte less.
    longest: usize,
}

/// What a key hit must be to count.
#[derive(Clone, Debug)]
enum Anchor {
    /// A lexicon term (as written), starting at the hit.
    Term(Box<str>),
    /// A claim family ("M86") in upper case, not inside a word.
    Family(Box<str>),
}

impl Prefilter {
    /// The tier for `lexicon`'s condition terms and the rules' claim
    /// families.
    pub fn new(lexicon: &Lexicon) -> Prefilter {
        let terms = lexicon
            .of(Category::Condition)
            .map(|e| Anchor::Term(e.term.clone()));
        let families = crate::rules::CLAIM_FAMILIES
            .iter()
            .map(|f| Anchor::Family((*f).into()));
        Prefilter::from_anchors(terms.chain(families))
    }

    fn from_anchors(anchors: impl Iterator<Item = Anchor>) -> Prefilter {
        let mut keys: Vec<Box<[u8]>> = Vec::new();
        let mut by_key: Vec<Vec<Anchor>> = Vec::new();
        for anchor in anchors {
            let key: Box<[u8]> = match &anchor {
                // A term's first word: the term starts where it does, so
                // the whole term is verified from the hit.
                Anchor::Term(t) => t.split(' ').next().unwrap_or(t).as_bytes().into(),
                Anchor::Family(f) => f.as_bytes().into(),
            };
            let key: Box<[u8]> = key.to_ascii_lowercase().into();
            if key.is_empty() {
                continue;
            }
            match keys.iter().position(|k| *k == key) {
                Some(i) => by_key[i].push(anchor),
                None => {
                    keys.push(key);
                    by_key.push(vec![anchor]);
                }
            }
        }
        let searcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&keys)
            .expect("prefilter keys form a valid automaton");
        let mut by_first = vec![Vec::new(); 256];
        for (i, k) in keys.iter().enumerate() {
            by_first[k[0] as usize].push(i as u32);
        }
        Prefilter {
            searcher,
            longest: keys.iter().map(|k| k.len()).max().unwrap_or(1),
            keys,
            anchors: by_key,
            by_first,
        }
    }

    /// Number of distinct keys searched for.
    pub fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// True when a note with this text and claim may yield a code or a
    /// flag (the full pipeline must run); false when it cannot.
    pub fn may_yield(&self, text: &str, assigned: Option<&[String]>) -> bool {
        if let Some(codes) = assigned {
            if codes.iter().any(|c| is_claim_family(c)) {
                return true;
            }
        }
        self.hits(text)
    }

    /// True when some anchor occurs in `text` (the claim aside).
    pub fn hits(&self, text: &str) -> bool {
        let bytes = text.as_bytes();
        let mut buf = [0u8; BLOCK];
        let overlap = self.longest - 1;
        let core = BLOCK - overlap;
        let mut pos = 0;
        while pos < bytes.len() {
            let end = (pos + BLOCK).min(bytes.len());
            let window = &mut buf[..end - pos];
            for (d, s) in window.iter_mut().zip(&bytes[pos..end]) {
                *d = s.to_ascii_lowercase();
            }
            let window = &buf[..end - pos];
            let mut at = 0;
            while let Some(m) = self
                .searcher
                .find(Input::new(window).span(at..window.len()))
            {
                // A key starting in the overlap is searched again, whole,
                // with the next block.
                if m.start() >= core && end < bytes.len() {
                    break;
                }
                if self.verified(text, window, pos, m.start()) {
                    return true;
                }
                at = m.start() + 1;
            }
            if end == bytes.len() {
                break;
            }
            pos += core;
        }
        false
    }

    /// Whether any anchor holds at `pos + at` (`window` is the folded block
    /// starting at `pos`).
    #[cold]
    fn verified(&self, text: &str, window: &[u8], pos: usize, at: usize) -> bool {
        let start = pos + at;
        self.by_first[window[at] as usize].iter().any(|&k| {
            let key = &self.keys[k as usize];
            text.as_bytes()
                .get(start..start + key.len())
                .is_some_and(|b| b.eq_ignore_ascii_case(key))
                && self.anchors[k as usize].iter().any(|a| match a {
                    Anchor::Term(t) => term_at(text, start, t),
                    Anchor::Family(f) => family_at(text, start, f),
                })
        })
    }
}

/// True when `code`, normalised, is of a family the audit reads.
fn is_claim_family(code: &str) -> bool {
    crate::icd::normalize_code(code).is_some_and(|n| {
        crate::rules::CLAIM_FAMILIES
            .iter()
            .any(|f| n.starts_with(f))
    })
}

/// Whether `term` occurs at `start` as the matcher could report it: ASCII
/// case-insensitive, each space of the term a run of one or more
/// horizontal spaces, on word boundaries. (The matcher reads a run as one
/// space only in notes holding an odd space; accepting a run everywhere
/// can only say yes more often.)
fn term_at(text: &str, start: usize, term: &str) -> bool {
    let bytes = text.as_bytes();
    let mut p = start;
    for &t in term.as_bytes() {
        if t == b' ' {
            let run = text[p..]
                .char_indices()
                .find(|&(_, c)| c == '\n' || !c.is_whitespace())
                .map_or(text.len() - p, |(i, _)| i);
            if run == 0 {
                return false;
            }
            p += run;
        } else {
            if bytes.get(p).is_none_or(|b| !b.eq_ignore_ascii_case(&t)) {
                return false;
            }
            p += 1;
        }
    }
    text.is_char_boundary(p) && is_boundary(text, start, p)
}

/// Whether the claim family `family` starts a code at `start`: written in
/// upper case and not inside a word (the audit's pattern starts with `\b`;
/// a non-ASCII letter before it is let through, which only says yes more
/// often).
fn family_at(text: &str, start: usize, family: &str) -> bool {
    let bytes = text.as_bytes();
    bytes[start..].starts_with(family.as_bytes())
        && (start == 0 || {
            let p = bytes[start - 1];
            !(p.is_ascii_alphanumeric() || p == b'_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tier(terms: &[&str]) -> Prefilter {
        Prefilter::from_anchors(
            terms
                .iter()
                .map(|t| Anchor::Term((*t).into()))
                .chain([Anchor::Family("M86".into())]),
        )
    }

    #[test]
    fn terms_hit_as_the_matcher_reads_them() {
        let p = tier(&["osteo", "osteomyelitis", "bone infection", "OM"]);
        for yes in [
            "Chronic OSTEOMYELITIS of the femur",
            "osteo",
            "r/o osteo.",
            "Bone\u{a0} \tinfection here",
            "bone infection",
            "Hx OM, L foot",
            "om",
            "Claim: M86.9",
            "billed M86671",
        ] {
            assert!(p.hits(yes), "{yes:?}");
        }
        for no in [
            "osteoporosis and osteoarthritis",
            "bone\ninfection",
            "bone infections",
            "from some room",
            "m86.9 in lower case",
            "XM86.1",
            "",
        ] {
            assert!(!p.hits(no), "{no:?}");
        }
    }

    #[test]
    fn a_rejected_key_does_not_hide_an_overlapping_one() {
        // "osteo" at 0 cuts a word; "osteomyelitis" at the same start and
        // "osteo" one word later must still be seen.
        let p = tier(&["osteo", "osteomyelitis"]);
        assert!(p.hits("osteomyelitis"));
        assert!(p.hits("osteoosteo osteo"));
    }

    #[test]
    fn keys_across_block_edges_are_found() {
        let p = tier(&["osteomyelitis"]);
        for shift in 0..20 {
            let mut text = "x".repeat(BLOCK - 25 + shift);
            text.push(' ');
            text.push_str("osteomyelitis");
            text.push_str(&" y".repeat(3000));
            assert!(p.hits(&text), "shift {shift}");
            let mut long = "z ".repeat(3 * BLOCK);
            long.push_str("osteomyelitis");
            assert!(p.hits(&long));
        }
    }

    #[test]
    fn claims_in_assigned_codes_count() {
        let p = Prefilter::new(&Lexicon::embedded());
        assert!(p.may_yield("nothing here", Some(&["m86671".into()])));
        assert!(p.may_yield("nothing here", Some(&["M86.9".into()])));
        assert!(!p.may_yield("nothing here", Some(&["I10".into()])));
        assert!(!p.may_yield("nothing here", None));
    }
}
