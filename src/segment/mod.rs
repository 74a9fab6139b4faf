//! Segment stage: sections and sentences, as byte spans of the original note.
//!
//! Context (negation, history, experiencer) is scoped to a sentence and
//! defaulted by a section ("Family History:"), so both must be found before
//! any finding is judged. Clinical notes break the usual rules: headers stand
//! alone or end in a colon, lists are numbered, lines wrap mid-sentence and
//! abbreviations end in a period ("Dr.", "Hx."). This is a single byte-level
//! pass rather than a Unicode sentence splitter: every boundary docgap cares
//! about is ASCII, so offsets stay on character boundaries, and the pass runs
//! at memory speed.

use crate::lexicon::{Lexicon, SectionKind, Value};
use crate::span::Span;
use rustc_hash::{FxHashMap, FxHashSet};

/// A section: a header (if any) and the text up to the next header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Section {
    /// What the header says the section is.
    pub kind: SectionKind,
    /// The header text, without its colon.
    pub header: Option<Span>,
    /// From the header to the next one.
    pub span: Span,
}

/// A sentence and the section it lies in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sentence {
    /// The sentence text, trimmed of surrounding whitespace.
    pub span: Span,
    /// Index into [`Segments::sections`].
    pub section: u32,
}

/// The segmentation of one note.
#[derive(Clone, Debug, Default)]
pub struct Segments {
    /// Sections in order; the first starts at 0 and they tile the note.
    pub sections: Vec<Section>,
    /// Sentences in order.
    pub sentences: Vec<Sentence>,
}

impl Segments {
    /// The sentence holding byte `at` (the last sentence starting at or
    /// before it), if any.
    pub fn sentence_at(&self, at: usize) -> Option<usize> {
        let i = self.sentences.partition_point(|s| s.span.start <= at);
        if i == 0 {
            return None;
        }
        Some(i - 1)
    }

    /// The section kind of sentence `i`.
    pub fn section_kind(&self, sentence: usize) -> SectionKind {
        self.sections[self.sentences[sentence].section as usize].kind
    }
}

/// Splits notes into sections and sentences. Built once from the section
/// lexicon, then shared.
#[derive(Clone, Debug)]
pub struct Segmenter {
    headers: FxHashMap<Box<[u8]>, SectionKind>,
    /// The first token (see [`first_token`]) of every header: a candidate
    /// whose first token is not here cannot be a header, and is rejected
    /// before the separators are tried.
    first_tokens: FxHashSet<Box<[u8]>>,
    /// The first two bytes of every header (normalised: lower case, one
    /// space for a gap, 0 for the end), as a 64K-bit set: a line that
    /// starts otherwise is no header, and is passed over without looking
    /// further. See [`Segmenter::may_start_header`].
    pairs: Box<[u64; 1024]>,
}

const MAX_HEADER: usize = 48;

/// Words that end in a period without ending a sentence.
const ABBREVIATIONS: &[&str] = &[
    "abx", "approx", "bx", "cf", "cx", "dept", "dr", "dx", "e.g", "eg", "etc", "fig", "fx", "hx",
    "i.e", "ie", "inc", "jr", "max", "min", "mo", "mr", "mrs", "ms", "no", "nos", "prof", "pt",
    "s.p", "sr", "st", "sx", "tx", "vs", "wk", "wks", "y.o", "yo",
];

impl Segmenter {
    /// A segmenter knowing the section headers of `lexicon`.
    pub fn new(lexicon: &Lexicon) -> Segmenter {
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
        Segmenter {
            headers,
            first_tokens,
            pairs,
        }
    }

    /// The section a header candidate names: its normalised form (see
    /// [`normalise_header`]) is a header, or its part before a separator is.
    fn header_kind(&self, candidate: &str) -> Option<SectionKind> {
        // Most lines are not headers: their first token, lower-cased on the
        // stack, is no header's first token.
        let mut buf = [0u8; MAX_HEADER];
        let lead = candidate.trim_start();
        let raw = &lead[..lead.len() - first_token_rest(lead).len()];
        if let Some(n) = lowercase_into(raw, &mut buf) {
            let token = std::str::from_utf8(&buf[..n]).expect("whole characters");
            if !self
                .first_tokens
                .contains(token.trim_end_matches(TRAILING_MARKS).as_bytes())
            {
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

    fn header_kind_of(&self, key: &str) -> Option<SectionKind> {
        if key.is_empty() {
            return None;
        }
        if let Some(k) = self.headers.get(key.as_bytes()) {
            return Some(*k);
        }
        // "Pathology / Microbiology", "Assessment and Plan": the first part decides.
        for sep in ["/", "&", " and ", ",", " - ", " — ", " – ", "("] {
            if let Some((first, _)) = key.split_once(sep) {
                if let Some(k) = self.headers.get(first.trim().as_bytes()) {
                    return Some(*k);
                }
            }
        }
        None
    }

    /// Segments `text`.
    pub fn segment(&self, text: &str) -> Segments {
        let mut seg = Segments {
            sections: Vec::new(),
            // About one sentence in 100 bytes of real notes: most notes
            // then fill it without regrowing, and a huge one costs little.
            sentences: Vec::with_capacity(text.len() / 100 + 4),
        };
        seg.sections.push(Section {
            kind: SectionKind::Other,
            header: None,
            span: Span::new(0, text.len()),
        });
        let bytes = text.as_bytes();
        let mut line_start = 0;
        // Start of the sentence being built, or None between sentences.
        let mut open: Option<usize> = None;
        let mut list_open = false;
        // The last non-whitespace character before `line_start`, kept as
        // the lines go by: looking back from each line instead would cost
        // the whole run of blank-looking lines every time (quadratic on a
        // note pasted from a PDF).
        let mut last_solid: Option<char> = None;
        // Whether the current section was opened by a field label with its
        // text on the same line ("PMH: HTN; hypothyroid.").
        let mut inline_field = false;
        while line_start < bytes.len() {
            // The line's first solid character; its end is found by the
            // scan of its body, which looks for sentence marks anyway.
            let rest = line_start + lead_len(text, line_start);
            let list_item = is_list_item(&text[rest..]);
            let mut body_start = line_start;

            if let Some((kind, header, after)) = self.line_header(text, line_start, rest) {
                close(&mut seg, text, &mut open, line_start);
                let last = seg.sections.last_mut().expect("one section at least");
                last.span.end = line_start;
                seg.sections.push(Section {
                    kind,
                    header: Some(header),
                    span: Span::new(line_start, text.len()),
                });
                body_start = after;
                // "PMH: HTN; hypothyroid." holds its text on its own line: a
                // field, not a section heading.
                let bytes = text.as_bytes();
                let eol = memchr::memchr(b'\n', &bytes[after..]).map_or(bytes.len(), |p| after + p);
                // Only the sections whose defaults change what a finding means
                // (history, family, medications, indication) end this way.
                inline_field = matches!(
                    kind,
                    SectionKind::PastHistory
                        | SectionKind::FamilyHistory
                        | SectionKind::SocialHistory
                        | SectionKind::Medications
                        | SectionKind::HealthMaintenance
                        | SectionKind::Indication
                ) && bytes[after..eol].iter().any(|b| !b.is_ascii_whitespace());
            } else if inline_field
                && (is_blank_line(text, line_start) || opens_field(&text[rest..]))
            {
                // The field ends where the next field or a blank line starts:
                // "CT L wrist: sequestrum ..." after "PMH: ..." is not history.
                close(&mut seg, text, &mut open, line_start);
                let last = seg.sections.last_mut().expect("one section at least");
                last.span.end = line_start;
                seg.sections.push(Section {
                    kind: SectionKind::Other,
                    header: None,
                    span: Span::new(line_start, text.len()),
                });
                inline_field = false;
            } else if open.is_some()
                && !continues_previous(last_solid, text, line_start)
                && !(list_open && list_item)
            {
                close(&mut seg, text, &mut open, line_start);
            }

            let line_end = self.split_line(text, body_start, &mut seg, &mut open);
            let line = &text[line_start..line_end];
            if !list_item {
                // "... at two sites:" followed by "- left humerus" items: the
                // items complete the sentence that announced them.
                // A list of diagnoses ("Discharge diagnoses (as written):")
                // holds one problem an item: its items stay apart.
                list_open = line.trim_end().ends_with(':')
                    && body_start == line_start
                    && !names_problem_list(line);
            }
            if line_end < bytes.len() && is_blank(line) {
                close(&mut seg, text, &mut open, line_start);
                // A differential list ends with its paragraph: what follows
                // is the provider's own reasoning again.
                let last = seg.sections.last_mut().expect("one section at least");
                if last.kind == SectionKind::Differential {
                    last.span.end = line_start;
                    seg.sections.push(Section {
                        kind: SectionKind::Other,
                        header: None,
                        span: Span::new(line_start, text.len()),
                    });
                }
            }
            match line.as_bytes().last() {
                Some(&b) if b.is_ascii() && !b.is_ascii_whitespace() => {
                    last_solid = Some(b as char);
                }
                Some(_) => {
                    if let Some(c) = line.trim_end().chars().next_back() {
                        last_solid = Some(c);
                    }
                }
                None => {}
            }
            line_start = line_end + 1;
        }
        close(&mut seg, text, &mut open, text.len());
        // A discussion is general only in a case report; anywhere else it is
        // the team's discussion of this patient.
        if !seg.sections.iter().any(|s| s.kind == SectionKind::Case) {
            for s in seg.sections.iter_mut() {
                if s.kind == SectionKind::Discussion {
                    s.kind = SectionKind::Other;
                }
            }
        }
        seg
    }

    /// The header at the start of the line at `line_start`, whose first
    /// solid character is at `rest`: kind, header span and where the body
    /// of the line begins.
    fn line_header(
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

    /// [`Segmenter::line_header`] without its first-bytes filter, on one
    /// line; `lead` is the length of its leading whitespace.
    fn header_after(
        &self,
        line: &str,
        offset: usize,
        lead: usize,
    ) -> Option<(SectionKind, Span, usize)> {
        let rest = &line[lead..];
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
            .filter_map(|k| self.headers.get(k.as_bytes()).copied())
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

    /// Splits one line's body, from `from`, at sentence-ending
    /// punctuation; returns where the line ends (its newline, or the end
    /// of the text).
    fn split_line(
        &self,
        text: &str,
        from: usize,
        seg: &mut Segments,
        open: &mut Option<usize>,
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
            if ends_sentence(text, j) {
                close(seg, text, open, j + 1);
            }
            i = j + 1;
        }
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
fn lead_len(text: &str, from: usize) -> usize {
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

/// Where a header's first token ends: at whitespace or a separator of
/// [`Segmenter::header_kind`]'s list.
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

/// True when `rest`, a line from its first solid character on (it may run
/// on past the line), opens with a list marker. Never trimmed here: a
/// trim could run over the following lines, and cost the rest of the note
/// for every blank line.
fn is_list_item(rest: &str) -> bool {
    // Every marker starts with one of these bytes: most lines stop here.
    matches!(rest.as_bytes().first(), Some(b'-' | b'*' | 0xc2 | 0xe2))
        && ["- ", "• ", "* ", "– ", "· "]
            .iter()
            .any(|m| rest.starts_with(m))
}

fn is_blank(s: &str) -> bool {
    // Nearly every line starts with a solid byte.
    match s.as_bytes().first() {
        Some(b) if !b.is_ascii_whitespace() => false,
        _ => s.bytes().all(|b| b.is_ascii_whitespace()),
    }
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

/// A line that wraps a sentence: the previous line ends without closing
/// punctuation and this one starts in lower case. `last_solid` is the last
/// non-whitespace character before the line.
fn continues_previous(last_solid: Option<char>, text: &str, line_start: usize) -> bool {
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

/// True when the period (or ! ?) at `i` ends a sentence.
/// True when the line at `line_start` holds only blanks.
fn is_blank_line(text: &str, line_start: usize) -> bool {
    text.as_bytes()[line_start..]
        .iter()
        .take_while(|&&b| b != b'\n')
        .all(u8::is_ascii_whitespace)
}

/// True when `rest` (a line from its first solid character) opens with a
/// field label: a capitalised word and at most five more before a colon
/// and a blank, within the first 48 bytes ("CT L wrist: ...", "Bone biopsy
/// L distal radius (05/26): ..."). A time ("10:30") is no label.
fn opens_field(rest: &str) -> bool {
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

/// True when a line announcing a list says the list is of diagnoses or
/// problems, each item its own.
fn names_problem_list(line: &str) -> bool {
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

fn ends_sentence(text: &str, i: usize) -> bool {
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
    !is_abbreviation(word)
}

/// One of [`ABBREVIATIONS`], in any case.
fn is_abbreviation(word: &str) -> bool {
    const LONGEST: usize = 6;
    let mut buf = [0u8; LONGEST];
    let Some(lower) = buf.get_mut(..word.len()) else {
        return false;
    };
    lower.copy_from_slice(word.as_bytes());
    lower.make_ascii_lowercase();
    ABBREVIATIONS
        .binary_search_by(|a| a.as_bytes().cmp(lower))
        .is_ok()
}

fn close(seg: &mut Segments, text: &str, open: &mut Option<usize>, end: usize) {
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

    fn seg(text: &str) -> (Vec<String>, Vec<(SectionKind, String)>) {
        let s = Segmenter::new(&Lexicon::embedded()).segment(text);
        let sentences = s
            .sentences
            .iter()
            .map(|x| text[x.span.range()].to_string())
            .collect();
        let sections = s
            .sentences
            .iter()
            .map(|x| {
                let sec = s.sections[x.section as usize];
                (sec.kind, text[x.span.range()].to_string())
            })
            .collect();
        (sentences, sections)
    }

    #[test]
    fn abbreviations_and_initials_do_not_split() {
        let (s, _) = seg("Seen by Dr. Hale today. Culture grew S. aureus and E. coli. Next visit.");
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
        let (s, _) = seg("No sequestrum or\ninvolucrum is seen.\nMRI shows edema\nPlan follows");
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
    fn headers_set_sections_and_lists_stay_whole() {
        let text = "HPI: pain for 5 months.\nFamily History\nMother with sickle cell disease.\n\nAssessment:\n1. Chronic osteomyelitis of the left femur.\n2. Asthma.";
        let (_, s) = seg(text);
        assert_eq!(
            s,
            [
                (SectionKind::History, "pain for 5 months.".to_string()),
                (
                    SectionKind::FamilyHistory,
                    "Mother with sickle cell disease.".to_string()
                ),
                (
                    SectionKind::Assessment,
                    "1. Chronic osteomyelitis of the left femur.".to_string()
                ),
                (SectionKind::Assessment, "2. Asthma.".to_string()),
            ]
        );
    }

    #[test]
    fn semicolons_split_and_announced_lists_join() {
        let (s, _) = seg("No specimen taken; MRSA coverage.\nOsteomyelitis at two sites:\n- left humerus\n- right femur\nNext line");
        assert_eq!(
            s,
            [
                "No specimen taken;",
                "MRSA coverage.",
                "Osteomyelitis at two sites:\n- left humerus\n- right femur",
                "Next line"
            ]
        );
    }

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
        for n in crate::synth::notes(synth, 3) {
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

    /// [`Segmenter::header_kind`] without its shortcuts.
    fn header_kind_slow(s: &Segmenter, candidate: &str) -> Option<SectionKind> {
        s.header_kind_of(&normalise_header(candidate))
    }

    #[test]
    fn header_shortcuts_change_no_answer() {
        let s = Segmenter::new(&Lexicon::embedded());
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
        let s = Segmenter::new(&Lexicon::embedded());
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

    #[test]
    fn abbreviations_are_known_in_any_case_and_no_longer() {
        let longest = ABBREVIATIONS.iter().map(|a| a.len()).max().unwrap();
        assert_eq!(longest, 6, "is_abbreviation's length cut-off");
        assert!(
            ABBREVIATIONS.windows(2).all(|w| w[0] < w[1]),
            "sorted and lower case, for the binary search"
        );
        for a in ABBREVIATIONS {
            assert!(
                is_abbreviation(a) && is_abbreviation(&a.to_uppercase()),
                "{a}"
            );
        }
        assert!(!is_abbreviation("approxi") && !is_abbreviation("femur"));
    }

    #[test]
    fn spans_point_into_the_text_with_non_ascii() {
        let text = "Température 38,5 °C. Ostéomyélite – gauche.\n";
        let s = Segmenter::new(&Lexicon::embedded()).segment(text);
        assert_eq!(s.sentences.len(), 2);
        for x in &s.sentences {
            assert!(text.is_char_boundary(x.span.start) && text.is_char_boundary(x.span.end));
        }
    }
}
