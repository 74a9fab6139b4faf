//! Section headers and their kinds: which lines open a section ("Family
//! History", "A/P:", "CULTURES (bone, ...):"), where the header ends and
//! what kind of section it names. Built once from the section lexicon.

use crate::lexicon::{Lexicon, SectionKind, Value};
use crate::span::Span;
use rustc_hash::{FxHashMap, FxHashSet};

/// The longest header looked up; longer candidates are cut or passed over.
pub(super) const MAX_HEADER: usize = 48;

/// The section headers of a lexicon, and the filters that pass over most
/// lines without looking them up.
#[derive(Clone, Debug)]
pub(super) struct Headers {
    /// Every header, normalised (see [`normalise_header`]), and its kind.
    kinds: FxHashMap<Box<[u8]>, SectionKind>,
    /// The first token (see [`first_token`]) of every header: a candidate
    /// whose first token is not here cannot be a header, and is rejected
    /// before the separators are tried.
    first_tokens: FxHashSet<Box<[u8]>>,
    /// The first two bytes of every header (normalised: lower case, one
    /// space for a gap, 0 for the end), as a 64K-bit set: a line that
    /// starts otherwise is no header, and is passed over without looking
    /// further. See [`Headers::may_start_header`].
    pairs: Box<[u64; 1024]>,
    /// The first two bytes (lower case) of every addendum header: an
    /// addendum line without a colon is looked for only after them.
    addendum_leads: Vec<[u8; 2]>,
}

impl Headers {
    /// The headers of `lexicon`'s section category.
    pub(super) fn new(lexicon: &Lexicon) -> Headers {
        let headers = lexicon
            .of(crate::lexicon::Category::Section)
            .filter_map(|e| match e.value {
                Value::Section(kind) => Some((normalise_header(&e.term).into_bytes().into(), kind)),
                _ => None,
            })
            .collect::<FxHashMap<Box<[u8]>, SectionKind>>();
        let first_tokens = headers
            .keys()
            .map(|k| {
                let k = std::str::from_utf8(k).expect("keys are strings");
                first_token(k).as_bytes().into()
            })
            .collect();
        let mut pairs = Box::new([0u64; 1024]);
        let mut allow = |c0: u8, c1: u8| {
            let k = (c0 as usize) << 8 | c1 as usize;
            pairs[k >> 6] |= 1 << (k & 63);
        };
        for k in headers.keys() {
            match **k {
                [] => {}
                // A one-letter header ("A", "S") ends at its second byte,
                // whatever non-word byte stands there: a colon, a space,
                // a slash of "A/P", a trailing period.
                [c0] => (0..=255u8)
                    .filter(|c| !c.is_ascii_alphanumeric())
                    .for_each(|c1| allow(c0, c1)),
                [c0, c1, ..] => allow(c0, c1),
            }
        }
        // A problem heading ("#CAUTI", "# chronic OM"): see problem_heading.
        for c1 in (b'a'..=b'z').chain([b' ']) {
            allow(b'#', c1);
        }
        let mut addendum_leads: Vec<[u8; 2]> = headers
            .iter()
            .filter(|(_, &kind)| kind == SectionKind::Addendum)
            .filter_map(|(k, _)| Some([*k.first()?, *k.get(1)?]))
            .collect();
        addendum_leads.sort_unstable();
        addendum_leads.dedup();
        Headers {
            kinds: headers,
            first_tokens,
            pairs,
            addendum_leads,
        }
    }

    /// The section a header candidate names: its normalised form (see
    /// [`normalise_header`]) is a header, or its part before a separator is.
    fn header_kind(&self, candidate: &str) -> Option<SectionKind> {
        // Most lines are not headers: their first token, lower-cased on the
        // stack, is no header's first token.
        let mut buf = [0u8; MAX_HEADER];
        if let Some(token) = first_token_lower(candidate, &mut buf) {
            if !self.first_tokens.contains(token.as_bytes()) {
                return None;
            }
        }
        // Short ASCII candidates are normalised on the stack too; the rest
        // take the same steps on a String.
        match normalise_ascii(candidate, &mut buf) {
            Some(n) => self.header_kind_of(std::str::from_utf8(&buf[..n]).expect("ASCII")),
            None => self.header_kind_of(&normalise_header(candidate)),
        }
    }

    /// The section the first token of `line` names by itself, lower-cased
    /// on the stack ("ADDENDUM 02/17 ..." names an addendum).
    fn first_token_kind(&self, line: &str) -> Option<SectionKind> {
        let mut buf = [0u8; MAX_HEADER];
        let token = first_token_lower(line, &mut buf)?;
        self.kinds.get(token.as_bytes()).copied()
    }

    fn header_kind_of(&self, key: &str) -> Option<SectionKind> {
        if key.is_empty() {
            return None;
        }
        if let Some(k) = self.kinds.get(key.as_bytes()) {
            return Some(*k);
        }
        // "Pathology / Microbiology", "Assessment and Plan": the first part decides.
        for sep in ["/", "&", " and ", ",", " - ", " — ", " – ", "("] {
            if let Some((first, _)) = key.split_once(sep) {
                if let Some(k) = self.kinds.get(first.trim().as_bytes()) {
                    return Some(*k);
                }
            }
        }
        None
    }

    /// The header at the start of the line at `line_start`, whose first
    /// solid character is at `rest`: kind, header span and where the body
    /// of the line begins.
    pub(super) fn line_header(
        &self,
        text: &str,
        line_start: usize,
        rest: usize,
    ) -> Option<(SectionKind, Span, usize)> {
        if !self.may_start_header(&text[rest..]) {
            return None;
        }
        let line = &text[line_start..memchr_newline(text.as_bytes(), line_start)];
        self.header_after(line, line_start, rest - line_start)
    }

    /// [`Headers::line_header`] without its first-bytes filter, on one
    /// line; `lead` is the length of its leading whitespace.
    fn header_after(
        &self,
        line: &str,
        offset: usize,
        lead: usize,
    ) -> Option<(SectionKind, Span, usize)> {
        let rest = &line[lead..];
        if let Some(problem) = problem_heading(rest) {
            // "#CAUTI, K. pneumoniae -- Foley removed": a problem of a
            // problem-oriented assessment, unless the words after the mark
            // are a header of their own ("# Plan").
            let start = offset + lead;
            return self.header_after(line, offset, lead + problem).or(Some((
                SectionKind::Assessment,
                Span::new(start, start + problem),
                start + problem,
            )));
        }
        let window = &rest.as_bytes()[..MAX_HEADER.min(rest.len())];
        if let Some(colon) = memchr::memchr(b':', window) {
            let cand = &rest[..colon];
            if let Some(kind) = self
                .header_kind(cand)
                .or_else(|| self.announced_differential(cand))
            {
                let start = offset + lead;
                return Some((kind, Span::new(start, start + colon), start + colon + 1));
            }
        }
        // A differential announced in more words than a header holds, or a
        // header with a long parenthesis: "CULTURES (bone, anterior table of
        // the frontal bone, and abscess):".
        let wide = &rest.as_bytes()[..(2 * MAX_HEADER).min(rest.len())];
        if let Some(colon) = memchr::memchr(b':', wide).filter(|&c| c >= window.len()) {
            let cand = &rest[..colon];
            let parenthesised = || {
                cand.find('(')
                    .filter(|&p| p <= MAX_HEADER)
                    .and_then(|p| self.header_kind(&cand[..p]))
            };
            if let Some(kind) = self.announced_differential(cand).or_else(parenthesised) {
                let start = offset + lead;
                return Some((kind, Span::new(start, start + colon), start + colon + 1));
            }
        }
        let trimmed = rest.trim_end();
        // An addendum announced on a line of its own needs no colon:
        // "ADDENDUM 02/17 (same author) -- assessment corrected".
        let lead2 = |b: &[u8]| [b[0].to_ascii_lowercase(), b[1].to_ascii_lowercase()];
        if trimmed.len() >= 2
            && self.addendum_leads.contains(&lead2(trimmed.as_bytes()))
            && self.first_token_kind(trimmed) == Some(SectionKind::Addendum)
            && !trimmed.contains(':')
        {
            let start = offset + lead;
            let end = start + trimmed.len();
            return Some((SectionKind::Addendum, Span::new(start, end), end));
        }
        if !trimmed.is_empty() && trimmed.len() <= MAX_HEADER {
            if let Some(kind) = self.header_kind(trimmed) {
                let start = offset + lead;
                let end = start + trimmed.len();
                return Some((kind, Span::new(start, end), end));
            }
        }
        None
    }

    /// A differential or an addendum announced in words before a colon:
    /// "Differential for the left foot:", "Differential diagnosis at
    /// presentation (referring team):", "Addendum 05/19/2026 (S. Lee, DPM):".
    /// Only these headers may open such a label: a differential's list is
    /// uncertain, an addendum's text supersedes, whatever the words between.
    fn announced_differential(&self, cand: &str) -> Option<SectionKind> {
        // Most labels ("BP", "Plan") start otherwise: no allocation for them.
        let lead = cand.trim_start().as_bytes();
        if !lead
            .first()
            .is_some_and(|c| c.eq_ignore_ascii_case(&b'd') || c.eq_ignore_ascii_case(&b'a'))
        {
            return None;
        }
        let key = normalise_header(cand);
        let mut words = key.split(' ');
        let first = words.next()?;
        let two = words.next().map(|w| format!("{first} {w}"));
        [Some(first.to_string()), two]
            .into_iter()
            .flatten()
            .filter_map(|k| self.kinds.get(k.as_bytes()).copied())
            .find(|&k| matches!(k, SectionKind::Differential | SectionKind::Addendum))
    }

    /// False when `rest` (a line from its first non-blank character) cannot
    /// begin a header: its first two bytes, as the normalised header would
    /// have them, begin none. Any non-ASCII byte among them passes (the
    /// full check decides).
    fn may_start_header(&self, rest: &str) -> bool {
        let b = rest.as_bytes();
        let c0 = match b.first() {
            None | Some(b'\n') => return false,
            Some(&c) if c.is_ascii() => c.to_ascii_lowercase(),
            Some(_) => return true,
        };
        let c1 = match b.get(1) {
            // `rest` may run on past its line.
            None | Some(b'\n') => 0,
            Some(&c) if !c.is_ascii() => return true,
            // A gap normalises to one space (or to nothing, at the end:
            // the one-letter rule covers both).
            Some(&c) if c.is_ascii_whitespace() || c == 0x0b => b' ',
            Some(&c) => c.to_ascii_lowercase(),
        };
        let k = (c0 as usize) << 8 | c1 as usize;
        self.pairs[k >> 6] & (1 << (k & 63)) != 0
    }
}

/// The length of the problem mark that opens `line`: "#" (and the blanks
/// after it) before a letter. "#2", "##" and "#" alone mark no problem.
fn problem_heading(line: &str) -> Option<usize> {
    let rest = line.strip_prefix('#')?;
    let blanks = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    rest[blanks..]
        .starts_with(|c: char| c.is_ascii_alphabetic())
        .then_some(1 + blanks)
}

/// The first token of `s`, lower-cased into `buf` and stripped of its
/// trailing marks; None when it does not fit there.
fn first_token_lower<'b>(s: &str, buf: &'b mut [u8; MAX_HEADER]) -> Option<&'b str> {
    let lead = s.trim_start();
    let raw = &lead[..lead.len() - first_token_rest(lead).len()];
    let n = lowercase_into(raw, buf)?;
    let token = std::str::from_utf8(&buf[..n]).expect("whole characters");
    Some(token.trim_end_matches(TRAILING_MARKS))
}

/// Where a header's first token ends: at whitespace or a separator of
/// [`Headers::header_kind`]'s list.
fn first_token_rest(s: &str) -> &str {
    // ASCII bytes are classified as they come (whitespace as
    // `char::is_whitespace` has it); from the first other byte on, chars.
    for (i, &b) in s.as_bytes().iter().enumerate() {
        match b {
            b'\t'..=b'\r' | b' ' | b'/' | b'&' | b',' | b'(' => return &s[i..],
            0x80.. => {
                let end = s[i..]
                    .find(|c: char| c.is_whitespace() || matches!(c, '/' | '&' | ',' | '('))
                    .map_or(s.len(), |p| i + p);
                return &s[end..];
            }
            _ => {}
        }
    }
    ""
}

/// The first token of a normalised header, without the trailing marks that
/// normalising strips from a whole header.
fn first_token(s: &str) -> &str {
    s[..s.len() - first_token_rest(s).len()].trim_end_matches(TRAILING_MARKS)
}

/// What [`normalise_header`] strips from the end of a header.
const TRAILING_MARKS: [char; 4] = ['.', '-', ':', '–'];

/// `s.to_lowercase()` written into `buf`: its length, or None when it does
/// not fit (or holds a capital sigma, the one letter `str::to_lowercase`
/// lowers by context).
fn lowercase_into(s: &str, buf: &mut [u8; MAX_HEADER]) -> Option<usize> {
    if s.is_ascii() {
        let lower = buf.get_mut(..s.len())?;
        lower.copy_from_slice(s.as_bytes());
        lower.make_ascii_lowercase();
        return Some(s.len());
    }
    let mut n = 0;
    for c in s.chars() {
        if c == 'Σ' {
            return None;
        }
        for l in c.to_lowercase() {
            n += l.encode_utf8(buf.get_mut(n..n + l.len_utf8())?).len();
        }
    }
    Some(n)
}

fn memchr_newline(bytes: &[u8], from: usize) -> usize {
    memchr::memchr(b'\n', &bytes[from..]).map_or(bytes.len(), |p| from + p)
}

/// [`normalise_header`] for an ASCII string of at most [`MAX_HEADER`]
/// bytes, written into `buf`: its length, or None for other strings.
fn normalise_ascii(s: &str, buf: &mut [u8; MAX_HEADER]) -> Option<usize> {
    let bytes = s.as_bytes();
    if bytes.len() > MAX_HEADER || !bytes.is_ascii() {
        return None;
    }
    // `char::is_whitespace` on ASCII, vertical tab included.
    let space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
    let mut n = 0;
    let mut gap = false;
    for &b in bytes {
        if space(b) {
            gap = n > 0;
            continue;
        }
        if gap {
            buf[n] = b' ';
            n += 1;
            gap = false;
        }
        buf[n] = b.to_ascii_lowercase();
        n += 1;
    }
    while n > 0 && matches!(buf[n - 1], b'.' | b'-' | b':') {
        n -= 1;
    }
    Some(n)
}

fn normalise_header(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&w.to_lowercase());
    }
    out.trim_end_matches(TRAILING_MARKS).to_string()
}

/// True when `rest` (a line from its first solid character) opens with a
/// field label: a capitalised word and at most five more before a colon
/// and a blank, within the first 48 bytes ("CT L wrist: ...", "Bone biopsy
/// L distal radius (05/26): ..."). A time ("10:30") is no label.
pub(super) fn opens_field(rest: &str) -> bool {
    let b = rest.as_bytes();
    if !b.first().is_some_and(u8::is_ascii_uppercase) {
        return false;
    }
    let window = &b[..b.len().min(MAX_HEADER)];
    let Some(colon) = memchr::memchr(b':', window) else {
        return false;
    };
    let after_ok = b.get(colon + 1).is_none_or(|c| c.is_ascii_whitespace());
    let label = &rest[..colon];
    after_ok && !label.contains('\n') && label.split_whitespace().count() <= 6
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::sentences::lead_len;

    /// Every line of the notes in the shipped corpus `files`, then of
    /// `synth` synthetic notes (seed 3).
    fn corpus_lines(files: &[&str], synth: usize) -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut lines = Vec::new();
        for file in files {
            let raw = std::fs::read_to_string(root.join(file)).unwrap();
            for line in raw.lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                lines.extend(v["text"].as_str().unwrap().lines().map(str::to_string));
            }
        }
        // Synthetic notes come with the tools (feature `tools`).
        #[cfg(feature = "tools")]
        for n in crate::tools::synth::notes(synth, 3) {
            lines.extend(n.text.lines().map(str::to_string));
        }
        let _ = synth;
        lines
    }

    #[test]
    fn the_stack_normaliser_agrees_with_the_string_one() {
        let mut cases: Vec<String> = [
            "",
            "   ",
            "Past  Medical\tHistory",
            " HPI ",
            "History -",
            "History:-.",
            "a\u{b}b\u{c}c\rd",
            "Assessment and Plan",
            "...",
            "x - y",
            "ALLERGIES.",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Every line start of the shipped corpora, cut where header_of cuts.
        for l in corpus_lines(&["corpora/notes.jsonl"], 0) {
            let head = &l.as_bytes()[..l.len().min(MAX_HEADER)];
            cases.push(String::from_utf8_lossy(head).into_owned());
        }
        assert!(cases.len() > 500);
        let mut buf = [0u8; MAX_HEADER];
        let mut ascii = 0;
        for c in &cases {
            if let Some(n) = normalise_ascii(c, &mut buf) {
                ascii += 1;
                assert_eq!(
                    std::str::from_utf8(&buf[..n]).unwrap(),
                    normalise_header(c),
                    "{c:?}"
                );
            }
        }
        assert!(ascii > 500);
        assert_eq!(normalise_ascii("Température", &mut buf), None);
        assert_eq!(normalise_ascii(&"a".repeat(MAX_HEADER + 1), &mut buf), None);
    }

    /// [`Headers::header_kind`] without its shortcuts.
    fn header_kind_slow(s: &Headers, candidate: &str) -> Option<SectionKind> {
        s.header_kind_of(&normalise_header(candidate))
    }

    #[test]
    fn header_shortcuts_change_no_answer() {
        let s = Headers::new(&Lexicon::embedded());
        let mut cases: Vec<String> = [
            "Past Medical History",
            "PAST  MEDICAL HISTORY.",
            "• Acute kidney injury",
            "ΣΥΝΟΨΗ",
            "Assessment and Plan",
            "assessment/plan",
            "A/P",
            "Family Hx",
            "HPI-",
            "Impression –",
            "Ímpression",
            "\u{212a}ey findings",
            "İmpression",
            "SOCIAL HISTORY",
            "A",
            "A.",
            "a/p",
            "A & P",
            "S",
            "HPI-",
            "H\tPI",
            "Dx",
            "DX.",
        ]
        .iter()
        .map(|c| c.to_string())
        .collect();
        let lines = corpus_lines(&["corpora/notes.jsonl", "corpora/holdout.jsonl"], 50);
        cases.extend(
            lines
                .iter()
                .map(|l| l.split(':').next().unwrap().to_string()),
        );
        let mut headers = 0;
        for c in &cases {
            let fast = s.header_kind(c);
            assert_eq!(fast, header_kind_slow(&s, c), "{c:?}");
            headers += usize::from(fast.is_some());
        }
        assert!(headers > 100, "{headers} headers");
    }

    #[test]
    fn the_first_bytes_filter_drops_no_header() {
        let s = Headers::new(&Lexicon::embedded());
        let mut lines: Vec<String> = [
            "A: chronic osteomyelitis",
            "A.",
            "A/P: plan",
            "a & p",
            "S: pain",
            "HPI-",
            "HPI:pain in the foot",
            "  Dx  femur",
            "\tIMPRESSION:",
            "İmpression: x",
            "Imp\u{a0}ression",
            "A",
            "",
            "  \u{a0} ",
            "\u{b}Plan",
        ]
        .iter()
        .map(|l| l.to_string())
        .collect();
        lines.extend(corpus_lines(
            &[
                "corpora/notes.jsonl",
                "corpora/holdout.jsonl",
                "corpora/holdout2.jsonl",
            ],
            50,
        ));
        // All lines as one text, as the segmenter meets them.
        let text = lines.join("\n");
        let (mut headers, mut filtered, mut line_start) = (0, 0, 0);
        for l in &lines {
            let lead = l.len() - l.trim_start().len();
            assert_eq!(lead_len(&text, line_start), lead, "{l:?}");
            let full = s.header_after(l, line_start, lead);
            let rest = line_start + lead;
            assert_eq!(s.line_header(&text, line_start, rest), full, "{l:?}");
            headers += usize::from(full.is_some());
            filtered += usize::from(!s.may_start_header(&text[rest..]));
            line_start += l.len() + 1;
        }
        assert!(headers > 100, "{headers} headers");
        assert!(
            filtered > lines.len() / 2,
            "{filtered} of {} lines filtered",
            lines.len()
        );
    }
}
