//! First tier: whether a note can yield any code or flag at all, decided at
//! close to memory speed, before segmentation, matching and context.
//!
//! Coders run docgap over millions of notes in which a bone infection is
//! rare. The rules ([`crate::rules::apply`]) give a code or a flag only
//! when the evidence map holds an affirmed `condition` finding, or when the
//! claim holds a code the audit flags even then
//! ([`crate::rules::FLAGGED_WITHOUT_DIAGNOSIS`], M86): the claim is the
//! record's `assigned_codes`, else the codes written in the note. So a note
//! needs the full pipeline only when
//!
//! - a term of `condition.tsv` occurs in it as the matcher would find it
//!   (ASCII case-insensitive, a space of the term standing for a run of
//!   horizontal spaces, word boundaries on both ends), or
//! - one of those families occurs in its text (upper case, as the audit's
//!   code pattern reads them, with or without the dot), or
//! - its `assigned_codes` hold a code of one of them.
//!
//! The anchors are derived from the lexicon the [`crate::Analyzer`] was
//! built with (condition terms, embedded or overridden) and from the
//! rules' family list, so they follow both as they change. A hit only
//! means "run the pipeline": the tier may say yes to a note that yields
//! nothing, never no to one that yields something (`tests/prefilter.rs`
//! runs every corpus both ways and requires identical codes and flags).
//!
//! How it runs: the note is folded a block at a time into a buffer, ASCII
//! letters to lower case, digits kept, every other byte (punctuation,
//! spaces, every byte of a non-ASCII character) to one space, and searched
//! for keys: a prefix of each term's first word, after a space when the
//! term begins with a letter or digit (its left word boundary), so keys
//! only match at word starts ("ver" inside "over" is never a candidate).
//! A term that holds another term on word boundaries ("vertebral
//! osteomyelitis") needs no key of its own: the inner term's key finds it.
//! Terms whose first words share four bytes or more share a key (" osteo"
//! for every osteomyelitis spelling, " infect" for "infected" and
//! "infection"). Keys of four bytes or more go to one `aho-corasick`
//! search, its packed SIMD searcher (Teddy) while they are few; shorter
//! ones (a two-letter shorthand) each get a `memchr::memmem` pass, so that
//! they do not shorten Teddy's fingerprint for all. Each hit is verified
//! on the original bytes (the whole term, its boundaries; the family's
//! case) and the search resumes one byte on when it fails, so a rejected
//! key (" osteo" in "osteoporosis") never hides a real one. Folding is a
//! function of each byte, applied alike to text and keys, so a term that
//! occurs always leaves its key in the folded text.
//!
//! ## Resource usage
//!
//! Built once with the [`crate::Analyzer`] (well under a millisecond for
//! the shipped lexicon); a search allocates nothing. Measured figures are
//! in the README's performance section.

use crate::lexicon::{Category, Lexicon};
use crate::matcher::is_boundary;
use aho_corasick::{packed, AhoCorasick, Input, MatchKind};
use memchr::memmem;

/// Bytes of note folded and searched at a time: small enough for the L1
/// cache.
const BLOCK: usize = 8 << 10;

/// Keys shorter than this are searched with `memmem`, one pass each.
const TEDDY_MIN: usize = 4;

/// Terms whose first words share a prefix this long (the boundary space
/// and four bytes) share it as a key.
const SHARED_PREFIX: usize = 5;

thread_local! {
    /// The folded block, reused: no allocation and no zeroing per note.
    static FOLDED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The first tier of one lexicon; see the module docs.
#[derive(Clone, Debug)]
pub struct Prefilter {
    /// The keys of [`TEDDY_MIN`] bytes or more, folded, and per pattern
    /// of the searcher the index of its key.
    searcher: Long,
    long_keys: Vec<usize>,
    /// The shorter keys, folded, one searcher each, with its key's index.
    short: Vec<(memmem::Finder<'static>, usize)>,
    /// Per key, folded.
    keys: Vec<Box<[u8]>>,
    /// Per key: the anchors it stands for, each with the bytes of key
    /// before the anchor's first byte (1 for the boundary space).
    anchors: Vec<Vec<(Anchor, usize)>>,
    /// The longest key: blocks overlap by about as much.
    longest: usize,
    /// Every code family a claim is read from in a note's text
    /// ([`crate::evidence::CLAIM_FAMILIES`]), as written (upper case).
    claim_families: packed::Searcher,
}

/// The search for the long keys: the packed searcher itself (the
/// automaton's own choice of prefilter would be a `memchr` for the space
/// every key starts with), or the automaton when the keys are too many
/// for it.
#[derive(Clone, Debug)]
enum Long {
    Packed(packed::Searcher),
    Automaton(AhoCorasick),
}

impl Long {
    fn new(keys: &[&[u8]]) -> Long {
        // Fat Teddy first: 16 buckets for the keys, not 8. Every key
        // starts with a space and a common letter, so two keys sharing a
        // bucket let through many a word start that is neither; with a
        // bucket each the search runs about a quarter faster on clinical
        // text (4.0 -> 5.0 GB/s over folded MTSamples notes) though it
        // takes 16 bytes a step where the slim one takes 32. The knob is
        // one the crate keeps out of its documented API (Cargo.lock pins
        // the version); where it builds nothing (no AVX2, or more than 16
        // keys) the crate's own choice is taken.
        let build = |fat: Option<bool>| {
            packed::Config::new()
                .match_kind(packed::MatchKind::LeftmostFirst)
                .only_teddy_fat(fat)
                .builder()
                .extend(keys)
                .build()
        };
        let packed = (keys.len() <= 16)
            .then(|| build(Some(true)))
            .flatten()
            .or_else(|| build(None));
        match packed {
            Some(p) if !keys.is_empty() => Long::Packed(p),
            _ => Long::Automaton(
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostFirst)
                    .build(keys)
                    .expect("prefilter keys form a valid automaton"),
            ),
        }
    }

    /// The first key at or after `at`: where it starts, and which pattern.
    #[inline]
    fn find(&self, haystack: &[u8], at: usize) -> Option<(usize, usize)> {
        match self {
            Long::Packed(p) => p.find_in(haystack, aho_corasick::Span::from(at..haystack.len())),
            Long::Automaton(a) => a.find(Input::new(haystack).span(at..haystack.len())),
        }
        .map(|m| (m.start(), m.pattern().as_usize()))
    }
}

/// What a key hit must be to count.
#[derive(Clone, Debug)]
enum Anchor {
    /// A lexicon term (as written).
    Term(Box<str>),
    /// A claim family ("M86") in upper case, not inside a word.
    Family(Box<str>),
}

/// Folds one byte as the search sees it.
#[inline(always)]
fn fold(b: u8) -> u8 {
    if b.is_ascii_alphanumeric() {
        b | 0x20
    } else {
        b' '
    }
}

impl Anchor {
    /// The folded bytes that every occurrence leaves: a space for the left
    /// word boundary when the anchor begins with a letter or digit, then
    /// its first word; a short single-word term also gets the space of its
    /// right boundary. Returns the bytes and the count of boundary bytes
    /// before the anchor.
    fn lead(&self) -> (Vec<u8>, usize) {
        let (text, whole) = match self {
            Anchor::Term(t) => {
                let first = t.split(' ').next().unwrap_or(t);
                (first, first.len() == t.len())
            }
            // The regex's \b comes after the family's digits only when the
            // code stops there, so no right boundary is assumed.
            Anchor::Family(f) => (&**f, false),
        };
        let bytes = text.as_bytes();
        let mut out = Vec::with_capacity(bytes.len() + 2);
        let left = bytes.first().is_some_and(u8::is_ascii_alphanumeric);
        if left {
            out.push(b' ');
        }
        out.extend(bytes.iter().map(|&b| fold(b)));
        if whole && out.len() < TEDDY_MIN && bytes.last().is_some_and(u8::is_ascii_alphanumeric) {
            out.push(b' ');
        }
        (out, usize::from(left))
    }
}

impl Prefilter {
    /// The tier for `lexicon`'s condition terms and the claim families the
    /// rules flag without a diagnosis.
    pub fn new(lexicon: &Lexicon) -> Prefilter {
        let terms: Vec<&str> = lexicon.of(Category::Condition).map(|e| &*e.term).collect();
        let terms = implied_terms_dropped(&terms)
            .into_iter()
            .map(|t| Anchor::Term(t.into()));
        let families = crate::rules::FLAGGED_WITHOUT_DIAGNOSIS
            .iter()
            .map(|f| Anchor::Family((*f).into()));
        Prefilter::from_anchors(terms.chain(families).collect())
    }

    fn from_anchors(anchors: Vec<Anchor>) -> Prefilter {
        let leads: Vec<(Vec<u8>, usize)> = anchors.iter().map(Anchor::lead).collect();
        let anchors: Vec<(Anchor, (Vec<u8>, usize))> = anchors
            .into_iter()
            .zip(leads)
            .filter(|(_, (lead, skip))| lead.len() > *skip)
            .collect();
        let lead_bytes: Vec<Vec<u8>> = anchors.iter().map(|(_, (l, _))| l.clone()).collect();
        let keys = shared_keys(&lead_bytes);
        let mut by_key: Vec<Vec<(Anchor, usize)>> = vec![Vec::new(); keys.len()];
        for (anchor, (lead, skip)) in anchors {
            let k = keys
                .iter()
                .position(|k| lead.starts_with(k))
                .expect("every lead has its key");
            by_key[k].push((anchor, skip));
        }
        let long_keys: Vec<usize> = (0..keys.len())
            .filter(|&k| keys[k].len() >= TEDDY_MIN)
            .collect();
        let long: Vec<&[u8]> = long_keys.iter().map(|&k| &keys[k][..]).collect();
        let searcher = Long::new(&long);
        let short = (0..keys.len())
            .filter(|&k| keys[k].len() < TEDDY_MIN)
            .map(|k| (memmem::Finder::new(&keys[k][..]).into_owned(), k))
            .collect();
        let claim_families = packed::Config::new()
            .builder()
            .extend(crate::evidence::CLAIM_FAMILIES)
            .build()
            .expect("a few short patterns fit the packed searcher");
        Prefilter {
            searcher,
            long_keys,
            short,
            claim_families,
            longest: keys.iter().map(|k| k.len()).max().unwrap_or(1),
            keys,
            anchors: by_key,
        }
    }

    /// Number of distinct keys searched for.
    pub fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// True when a note with this text and claim may yield a code or a
    /// flag (the full pipeline must run); false when it cannot.
    pub fn may_yield(&self, text: &str, assigned: Option<&[String]>) -> bool {
        claim_may_yield(assigned) || self.hits(text)
    }

    /// True when some anchor occurs in `text` (the claim aside).
    pub fn hits(&self, text: &str) -> bool {
        self.with_buffer(|p, buf| p.hits_in(text, buf))
    }

    fn with_buffer<T>(&self, f: impl FnOnce(&Prefilter, &mut Vec<u8>) -> T) -> T {
        FOLDED.with(|buf| match buf.try_borrow_mut() {
            Ok(mut buf) => f(self, &mut buf),
            // Re-entered on this thread (a caller's callback): a fresh one.
            Err(_) => f(self, &mut Vec::new()),
        })
    }

    /// For a note's text as a JSON string writes it (`raw`: the bytes
    /// between the quotes): `Some(n)` when the string holds no escape, so
    /// it is its own decoded text (`n` bytes), and that text holds no
    /// anchor and no claim family, so the note can yield no code or flag
    /// and need not be decoded; None otherwise. A string with an escape is
    /// not judged undecoded: decode it first. (Screening escaped text as
    /// written was built and measured: it cost as much as decoding the
    /// text and screening that.)
    pub fn clears_json(&self, raw: &str) -> Option<usize> {
        (memchr::memchr(b'\\', raw.as_bytes()).is_none() && self.clears_unescaped(raw))
            .then_some(raw.len())
    }

    /// [`Prefilter::clears_json`] for a string known to hold no escape (so
    /// it is its own decoded text): true when it is cleared.
    pub fn clears_unescaped(&self, raw: &str) -> bool {
        self.claim_families.find(raw.as_bytes()).is_none() && !self.hits(raw)
    }

    /// Whether some anchor occurs in `text`.
    fn hits_in(&self, text: &str, buf: &mut Vec<u8>) -> bool {
        let bytes = text.as_bytes();
        // Window index w is text index pos - 1 + w: the byte before the
        // block comes first (a space before the text), a space after the
        // text last. A key starting at w < core lies whole in the window;
        // one starting later is searched again with the next block.
        let core = BLOCK + 1 - self.longest.min(BLOCK);
        buf.resize(BLOCK + 2, b' ');
        let mut pos = 0;
        loop {
            let end = (pos + BLOCK).min(bytes.len());
            let last = end == bytes.len();
            buf[0] = if pos == 0 { b' ' } else { fold(bytes[pos - 1]) };
            for (d, &s) in buf[1..].iter_mut().zip(&bytes[pos..end]) {
                *d = fold(s);
            }
            let mut len = 1 + end - pos;
            if last {
                buf[len] = b' ';
                len += 1;
            }
            let window = &buf[..len];
            let counts = |w: usize| w < core || last;
            let mut at = 0;
            while let Some((w, pattern)) = self.searcher.find(window, at) {
                if !counts(w) {
                    break;
                }
                if self.verified(text, window, pos, w, self.long_keys[pattern]) {
                    return true;
                }
                at = w + 1;
            }
            for (finder, key) in &self.short {
                for w in finder.find_iter(window) {
                    if !counts(w) {
                        break;
                    }
                    if self.verified(text, window, pos, w, *key) {
                        return true;
                    }
                }
            }
            if last {
                return false;
            }
            pos += core;
        }
    }

    /// Whether an anchor of key `key`, found at window index `w`, holds
    /// there (`window` is the folded block of text starting at `pos`). No
    /// key starts another ([`shared_keys`]), so no other key is there.
    #[cold]
    fn verified(&self, text: &str, window: &[u8], pos: usize, w: usize, key: usize) -> bool {
        debug_assert!(window[w..].starts_with(&self.keys[key]));
        self.anchors[key].iter().any(|(a, skip)| {
            // The anchor's first byte; before the text only for the
            // virtual space, which a skip of 1 steps over.
            let Some(start) = (pos + w + skip).checked_sub(1) else {
                return false;
            };
            start < text.len()
                && text.is_char_boundary(start)
                && match a {
                    Anchor::Term(t) => term_at(text, start, t),
                    Anchor::Family(f) => family_at(text, start, f),
                }
        })
    }
}

/// `terms` less each term in which another of them occurs on word
/// boundaries ("vertebral osteomyelitis" holds "osteomyelitis", "chronic
/// recurrent multifocal osteomyelitis/chronic nonbacterial osteomyelitis"
/// holds it twice), and less a repeat of an earlier term (ASCII case
/// aside). Wherever such a term occurs as [`term_at`] reads it, the term
/// inside it occurs too (a space of both is the same run of spaces; the
/// characters around the inner one are the outer one's, so its boundaries
/// hold), so the tier says yes to the same notes with fewer keys. That
/// matters for speed: "vertebral", "chronic", "mandibular" and "TB" lead no
/// osteomyelitis term of their own, and as keys they are common words that
/// crowd the packed searcher's fingerprint.
fn implied_terms_dropped<'t>(terms: &[&'t str]) -> Vec<&'t str> {
    let inside = |outer: &str, inner: &str| {
        let (o, n) = (outer.as_bytes(), inner.as_bytes());
        !n.is_empty()
            && (0..=o.len().saturating_sub(n.len())).any(|i| {
                o.len() >= n.len()
                    && o[i..i + n.len()].eq_ignore_ascii_case(n)
                    && outer.is_char_boundary(i)
                    && outer.is_char_boundary(i + n.len())
                    && is_boundary(outer, i, i + n.len())
            })
    };
    terms
        .iter()
        .enumerate()
        .filter(|&(i, outer)| {
            !terms.iter().enumerate().any(|(j, inner)| {
                j != i && inside(outer, inner) && (inner.len() < outer.len() || j < i)
            })
        })
        .map(|(_, t)| *t)
        .collect()
}

/// The keys for `leads`: each lead is cut to a prefix it shares with
/// another lead when that prefix is [`SHARED_PREFIX`] bytes or more (on a
/// character boundary), and a lead another key starts is dropped; every
/// lead then starts with exactly one key.
fn shared_keys(leads: &[Vec<u8>]) -> Vec<Box<[u8]>> {
    let mut keys: Vec<Vec<u8>> = leads.to_vec();
    keys.sort();
    keys.dedup();
    loop {
        let mut changed = false;
        for i in 0..keys.len() {
            for j in 0..keys.len() {
                if i == j {
                    continue;
                }
                let common = common_prefix(&keys[i], &keys[j]);
                let shorter = keys[i].len().min(keys[j].len());
                if common == shorter || common >= SHARED_PREFIX {
                    let cut = keys[i][..common].to_vec();
                    keys[i] = cut.clone();
                    keys[j] = cut;
                    changed = true;
                    break;
                }
            }
            if changed {
                break;
            }
        }
        keys.sort();
        keys.dedup();
        if !changed {
            return keys.into_iter().map(Vec::into_boxed_slice).collect();
        }
    }
}

/// The length of the common prefix of `a` and `b`, backed off to a UTF-8
/// character boundary.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let mut n = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    while n > 0 && n < a.len() && a[n] & 0xC0 == 0x80 {
        n -= 1;
    }
    n
}

/// True when a claim (`assigned_codes`) holds a code of a family the audit
/// flags even without a diagnosis, whatever the text.
pub fn claim_may_yield(assigned: Option<&[String]>) -> bool {
    assigned.is_some_and(|codes| codes.iter().any(|c| is_claim_family(c)))
}

/// True when `code`, normalised, is of a family the audit reads.
fn is_claim_family(code: &str) -> bool {
    crate::icd::normalize_code(code).is_some_and(|n| {
        crate::rules::FLAGGED_WITHOUT_DIAGNOSIS
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
                .chain([Anchor::Family("M86".into())])
                .collect(),
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
            "(M86.9)",
            "\u{2014}osteomyelitis\u{2014}",
            "x\u{a0}osteo",
            "osteomyelitis",
            "end: osteomyelitis",
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
            "\u{e9}osteo and osteo\u{e9}",
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
    fn a_term_holding_another_on_word_boundaries_is_no_anchor_of_its_own() {
        let kept = implied_terms_dropped(&[
            "vertebral osteomyelitis",
            "osteomyelitis",
            "discitis-osteomyelitis",
            "chronic osteomyelitis/osteomyelitis",
            "osteo",
            "bone infection",
            "Osteomyelitis",
            "periosteomyelitis",
        ]);
        // "osteo" ends inside "osteomyelitis", "osteomyelitis" starts inside
        // "periosteomyelitis": neither holds the other on word boundaries.
        assert_eq!(
            kept,
            [
                "osteomyelitis",
                "osteo",
                "bone infection",
                "periosteomyelitis"
            ]
        );
        // The shipped lexicon: the osteomyelitis spellings after another
        // word give no key of that word, and every note answers as before
        // (tests/prefilter.rs).
        let p = Prefilter::new(&Lexicon::embedded());
        for common in [&b" chronic"[..], b" vertebral", b" tb", b" mandibular"] {
            assert!(!p.keys.iter().any(|k| &k[..] == common), "{common:?}");
        }
        assert!(p.hits("Chronic recurrent multifocal osteomyelitis."));
        assert!(p.hits("Vertebral  spondylitis at L4"));
        assert!(!p.hits("chronic vertebral pain, TB negative"));
    }

    #[test]
    fn claims_in_assigned_codes_count() {
        let p = Prefilter::new(&Lexicon::embedded());
        assert!(p.may_yield("nothing here", Some(&["m86671".into()])));
        assert!(p.may_yield("nothing here", Some(&["M86.9".into()])));
        assert!(!p.may_yield("nothing here", Some(&["I10".into()])));
        assert!(!p.may_yield("nothing here", None));
    }

    /// `text` written as a JSON string's content, each character escaped
    /// or not as `how` picks (0: as is where JSON allows, 1: `\uXXXX`,
    /// 2: the short escape where one exists).
    fn json_content(text: &str, how: &[u8]) -> String {
        let mut out = String::new();
        for (i, c) in text.chars().enumerate() {
            let pick = how.get(i % how.len().max(1)).copied().unwrap_or(0) % 3;
            let short = match c {
                '"' => Some("\\\""),
                '\\' => Some("\\\\"),
                '/' => Some("\\/"),
                '\n' => Some("\\n"),
                '\t' => Some("\\t"),
                '\r' => Some("\\r"),
                '\u{8}' => Some("\\b"),
                '\u{c}' => Some("\\f"),
                _ => None,
            };
            let must = c == '"' || c == '\\' || (c as u32) < 0x20;
            match (pick, short) {
                (2, Some(e)) => out.push_str(e),
                (1, _) => {
                    let mut units = [0u16; 2];
                    for u in c.encode_utf16(&mut units) {
                        out.push_str(&format!("\\u{u:04x}"));
                    }
                }
                _ if must => out.push_str(&format!("\\u{:04x}", c as u32)),
                _ => out.push(c),
            }
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn a_json_string_is_cleared_only_when_its_decoded_text_is(
            words in proptest::collection::vec(
                proptest::sample::select(vec![
                    "osteomyelitis", "Osteo", "osteoporosis", "bone", "infection", "OM", "om",
                    "M86.9", "E11.9", "e11", "XM86", "_M86", "\n", "\t", " ", "  ", "\u{a0}", "/",
                    "\\", "\"", "caf\u{e9}", "\u{e9}", "\u{1f600}", "n", "u0041", ",", "-",
                ]),
                0..12,
            ),
            how in proptest::collection::vec(0u8..3, 1..8),
        ) {
            let p = Prefilter::new(&Lexicon::embedded());
            let text: String = words.concat();
            let raw = json_content(&text, &how);
            let decoded: String = serde_json::from_str(&format!("\"{raw}\"")).unwrap();
            proptest::prop_assert_eq!(&decoded, &text);
            if let Some(n) = p.clears_json(&raw) {
                proptest::prop_assert_eq!(n, text.len());
                proptest::prop_assert!(!p.hits(&text), "{:?} cleared but hits", raw);
                proptest::prop_assert!(crate::evidence::assigned_from_text(&text).is_empty());
            }
        }
    }

    #[test]
    fn json_strings_are_screened_without_decoding() {
        let p = Prefilter::new(&Lexicon::embedded());
        // (raw content, cleared?): a string with an escape is never
        // cleared undecoded, whatever it says.
        for (raw, cleared) in [
            ("Pain in the knee. No fever.", true),
            ("Pain in the knee.\\nNo fever.", false),
            ("Hx: osteomyelitis of the L foot", false),
            ("bone infection", false),
            ("bone, infected", true),
            ("caf\u{e9} osteo\u{e9}", true),
            ("Dx: e11.9", true),
            ("Dx: E11.9 and I10", false),
            ("", true),
        ] {
            assert_eq!(p.clears_json(raw).is_some(), cleared, "{raw:?}");
        }
        assert_eq!(p.clears_json("caf\u{e9}"), Some(5));
        // Key hits across the edges of the folded blocks.
        for shift in 0..24 {
            let mut raw = "y".repeat(shift % 3) + &"x ".repeat((BLOCK - 30 + shift) / 2);
            assert!(p.clears_json(&raw).is_some(), "shift {shift}");
            raw.push_str(" osteomyelitis");
            raw.push_str(&" y".repeat(3000));
            assert_eq!(p.clears_json(&raw), None, "shift {shift}");
        }
        assert!(
            matches!(p.searcher, Long::Packed(_)),
            "{} keys",
            p.key_count()
        );
    }
}
