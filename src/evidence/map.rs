//! The evidence map's types: findings with their spans and links. Apart
//! from the stage that builds them, so the passes that refine the map
//! ([`super::structure`]) and the rules read them without a loop back to
//! the builder.

use crate::context::Assertion;
use crate::lexicon::{Category, SectionKind, Side, SiteGroup, Value};
use crate::span::Span;

/// One clinical fact found in the note.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// What kind of fact.
    pub category: Category,
    /// Its normalised meaning.
    pub value: Value,
    /// The words, as written.
    pub span: Span,
    /// Index of its sentence.
    pub sentence: u32,
    /// The section it lies in.
    pub section: SectionKind,
    /// Negated, possible, hypothetical, historical, about family.
    pub assertion: Assertion,
    /// For a site: its side, stated or carried from an earlier mention of
    /// the same bone.
    pub side: Option<Side>,
    /// For a site: the finding that gave it its side.
    pub side_from: Option<u32>,
    /// For a side, imaging finding or defect: the site it belongs to.
    pub site: Option<u32>,
    /// For an organism or culture result: the specimen it came from.
    pub specimen: Option<u32>,
    /// For an organism: its term states a susceptibility ("MSSA",
    /// "methicillin-sensitive S. aureus"), so it is not a plain "S. aureus"
    /// that a resistant strain in the same note makes redundant. Read from
    /// the lexicon row it matched.
    pub names_susceptibility: bool,
    /// The lexicon term it matched has more than one word ("chronic
    /// course", "acute on chronic"): it says of itself what it qualifies,
    /// where a lone word ("chronic") takes its sense from the words after
    /// it ("chronic kidney disease").
    pub phrase: bool,
}

impl Finding {
    /// A finding as first read: affirmed, linked to nothing.
    pub(crate) fn new(
        category: Category,
        value: Value,
        span: Span,
        sentence: u32,
        section: SectionKind,
    ) -> Finding {
        Finding {
            category,
            value,
            span,
            sentence,
            section,
            assertion: Assertion::default(),
            side: None,
            side_from: None,
            site: None,
            specimen: None,
            names_susceptibility: false,
            phrase: false,
        }
    }

    /// The site group, for a site finding.
    pub fn site_group(&self) -> Option<SiteGroup> {
        match self.value {
            Value::Site { group, .. } => Some(group),
            _ => None,
        }
    }

    /// The bone key, for a site finding.
    pub fn bone(&self) -> Option<&str> {
        match &self.value {
            Value::Site { bone, .. } => Some(bone),
            _ => None,
        }
    }
}

/// All findings of a note, in text order.
#[derive(Clone, Debug, Default)]
pub struct EvidenceMap {
    /// The findings.
    pub findings: Vec<Finding>,
    /// How each sentence sits on the page, one row per sentence (indexed
    /// like [`Finding::sentence`]).
    pub layout: Vec<SentenceLayout>,
    /// True when the note held more terms than one analysis keeps
    /// ([`crate::MAX_TERMS`]): only the first were read, and the
    /// batch says so in a warning.
    pub terms_cut: bool,
}

/// How one sentence sits on the page: the layout facts the rules ask about
/// (made by the evidence stage, `evidence/layout.rs`, so the rules never
/// read the text).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SentenceLayout {
    /// It opens its line: only spaces or tabs since the last line break
    /// (the note's first line, with no break before it, does not count).
    pub starts_line: bool,
    /// It opens with a list marker and a blank: "(1) ", "2. ", "a) ",
    /// "- ", "* ", "• ".
    pub list_item: bool,
    /// Its last non-blank character is a colon ("Chronic osteomyelitis
    /// of:", "2 sites:").
    pub ends_with_colon: bool,
    /// No line break between the previous sentence's end and its start
    /// ("Bone culture: MRSA; Enterococcus faecalis"). False for the first.
    pub same_line_as_previous: bool,
    /// The sentence before it ended at a semicolon: it is a clause that
    /// continues that one ("osteomyelitis of the clivus; chronic course").
    pub after_semicolon: bool,
    /// Byte offset of its first colon, where a label ends ("Deep bone
    /// cultures (5/5): Pseudomonas aeruginosa"): a finding after it is on a
    /// result line. Looked for only in sentences holding an organism.
    pub colon: Option<usize>,
    /// It is a template's field for an axis of the diagnosis, labelled
    /// with the axis's name ("Acuity: [x] acute [ ] chronic", "Route: [x]
    /// hematogenous", "Site/laterality: right first metatarsal head", a
    /// table row "| Side | R |"): what it holds is said of the note's
    /// diagnosis. Looked for only in sentences holding an acuity, a route,
    /// a site or a side.
    pub axis_field: bool,
}
