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
//!
//! This module is the glue: [`Segmenter`] walks the note line by line,
//! asking `headers` (section headers and their kinds) whether a line opens
//! a section, and `sentences` (sentence splitting) where sentences end;
//! the words after which a period ends nothing are data, in
//! `abbreviations.txt`.

mod headers;
mod sentences;

use crate::lexicon::{Lexicon, SectionKind};
use crate::span::Span;
use headers::Headers;
use sentences::{
    close, continues_previous, is_blank, is_blank_line, lead_len, list_marker_len,
    names_problem_list, split_line, Abbreviations,
};

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
    /// The section headers (`headers.rs`).
    headers: Headers,
    /// Words after which a period ends no sentence (`abbreviations.txt`).
    abbreviations: Abbreviations,
}

impl Segmenter {
    /// A segmenter knowing the section headers of `lexicon`.
    pub fn new(lexicon: &Lexicon) -> Segmenter {
        Segmenter {
            headers: Headers::new(lexicon),
            abbreviations: Abbreviations::embedded(),
        }
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
            let marker = list_marker_len(&text[rest..]);
            let list_item = marker.is_some();
            // An item that is a field of its own ("- Path: ...", "- Bone
            // cx: ...") states something; it does not complete the
            // sentence that announced the list.
            let completes_list = marker.is_some_and(|m| !headers::opens_field(&text[rest + m..]));
            let mut body_start = line_start;

            // A problem heading ("#CAUTI") opens an assessment problem, but
            // in a history list ("PMH:\n#osteomyelitis L foot 2019") it is
            // one more item of that list.
            let in_history = || {
                seg.sections.last().is_some_and(|s| {
                    matches!(
                        s.kind,
                        SectionKind::PastHistory
                            | SectionKind::FamilyHistory
                            | SectionKind::SocialHistory
                            | SectionKind::Medications
                            | SectionKind::HealthMaintenance
                    )
                })
            };
            let header = self
                .headers
                .line_header(text, line_start, rest)
                .filter(|(_, h, _)| !(text.as_bytes()[h.start] == b'#' && in_history()));
            if let Some((kind, header, after)) = header {
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
                && (is_blank_line(text, line_start) || headers::opens_field(&text[rest..]))
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
                && !(list_open && completes_list)
            {
                close(&mut seg, text, &mut open, line_start);
            }

            let line_end = split_line(text, body_start, &mut seg, &mut open, &self.abbreviations);
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
    fn spans_point_into_the_text_with_non_ascii() {
        let text = "Température 38,5 °C. Ostéomyélite – gauche.\n";
        let s = Segmenter::new(&Lexicon::embedded()).segment(text);
        assert_eq!(s.sentences.len(), 2);
        for x in &s.sentences {
            assert!(text.is_char_boundary(x.span.start) && text.is_char_boundary(x.span.end));
        }
    }
}
