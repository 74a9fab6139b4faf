//! Hand-built evidence maps for the rules' unit tests: a rule is tested on
//! the findings and layout it reads, with no note text, segmenter or
//! lexicon in between.
//!
//! ```text
//! let mut m = Hand::default();
//! m.sentence(SectionKind::History, SentenceLayout::default());
//! m.label();                                        // "Bone culture:"
//! let org = m.add(Category::Organism, Value::Organism("B95.62".into()));
//! assert!(m.check(|facts| is_causal_organism(facts, facts.f(org))));
//! ```
//!
//! Sentence `k` spans bytes `1000 k .. 1000 k + 999`; each finding takes the
//! next ten bytes of its sentence, so spans are in text order and a label's
//! colon placed with [`Hand::label`] lies before what is added after it.

use super::*;
use crate::context::Assertion;
use crate::span::Span;

/// Bytes per hand-built sentence.
const SENTENCE: usize = 1000;

#[derive(Default)]
pub(super) struct Hand {
    pub(super) map: EvidenceMap,
    section: Option<SectionKind>,
    /// Where the next finding starts.
    at: usize,
}

impl Hand {
    /// Opens the next sentence, in `section`, laid out as `layout`.
    pub(super) fn sentence(&mut self, section: SectionKind, layout: SentenceLayout) -> u32 {
        let s = self.map.layout.len();
        self.map.layout.push(layout);
        self.section = Some(section);
        self.at = s * SENTENCE + 1;
        s as u32
    }

    /// Ends a label at this point of the sentence: "Bone culture:".
    pub(super) fn label(&mut self) {
        let s = self.map.layout.last_mut().expect("a sentence is open");
        s.colon.get_or_insert(self.at);
        self.at += 1;
    }

    /// Adds an affirmed finding to the open sentence; its index.
    pub(super) fn add(&mut self, category: Category, value: Value) -> u32 {
        let sentence = self
            .map
            .layout
            .len()
            .checked_sub(1)
            .expect("a sentence is open");
        let f = Finding::new(
            category,
            value,
            Span::new(self.at, self.at + 9),
            sentence as u32,
            self.section.expect("a sentence is open"),
        );
        self.at += 10;
        self.map.findings.push(f);
        (self.map.findings.len() - 1) as u32
    }

    /// A site of `group`, bone `bone`, with an optional side.
    pub(super) fn site(&mut self, group: SiteGroup, bone: &str, side: Option<Side>) -> u32 {
        let i = self.add(
            Category::Site,
            Value::Site {
                group,
                bone: bone.into(),
            },
        );
        self.get(i).side = side;
        i
    }

    /// An affirmed mention of osteomyelitis.
    pub(super) fn condition(&mut self) -> u32 {
        self.add(
            Category::Condition,
            Value::Condition(ConditionKind::Osteomyelitis),
        )
    }

    /// A specimen of `kind`.
    pub(super) fn specimen(&mut self, kind: SpecimenKind) -> u32 {
        self.add(Category::Specimen, Value::Specimen(kind))
    }

    /// An organism coded `code`, grown from `specimen` when given.
    pub(super) fn organism(&mut self, code: &str, specimen: Option<u32>) -> u32 {
        let i = self.add(Category::Organism, Value::Organism(code.into()));
        self.get(i).specimen = specimen;
        i
    }

    /// Finding `i`, to set what [`Hand::add`] left at its default.
    pub(super) fn get(&mut self, i: u32) -> &mut Finding {
        &mut self.map.findings[i as usize]
    }

    /// Marks finding `i` with `assertion`.
    pub(super) fn assert(&mut self, i: u32, assertion: Assertion) {
        self.get(i).assertion = assertion;
    }

    /// Runs `rule` on the facts of the map.
    pub(super) fn check<T>(&self, rule: impl FnOnce(&Facts) -> T) -> T {
        rule(&Facts::of(&self.map))
    }

    /// The whole rules stage on the map, with no claim: the codes.
    pub(super) fn codes(&self) -> Vec<String> {
        apply(&self.map, None)
            .codes
            .into_iter()
            .map(|c| c.code)
            .collect()
    }

    /// The whole rules stage on the map, with no claim: the flags.
    pub(super) fn flags(&self) -> Vec<FlagId> {
        apply(&self.map, None)
            .flags
            .into_iter()
            .map(|f| f.id)
            .collect()
    }
}

/// A sentence on a line of its own.
pub(super) const LINE: SentenceLayout = SentenceLayout {
    starts_line: true,
    list_item: false,
    ends_with_colon: false,
    same_line_as_previous: false,
    after_semicolon: false,
    colon: None,
    axis_field: false,
};

/// A list item on a line of its own: "(1) L distal radius".
pub(super) const ITEM: SentenceLayout = SentenceLayout {
    list_item: true,
    ..LINE
};

/// A sentence after another on the same line: "...; Enterococcus faecalis".
pub(super) const SAME_LINE: SentenceLayout = SentenceLayout {
    starts_line: false,
    same_line_as_previous: true,
    ..LINE
};

/// A line ending in a colon: "Acute osteomyelitis, 2 sites:".
pub(super) const HEADER: SentenceLayout = SentenceLayout {
    ends_with_colon: true,
    ..LINE
};
