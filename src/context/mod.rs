//! Context stage: ConText-style assertions for every finding.
//!
//! Most wrong codes come from context, not from vocabulary: "no sequestrum",
//! "bone cultures: no growth", "rule out MRSA", "history of osteomyelitis as
//! a child", "mother had sickle cell disease". A trigger term from
//! `lexicons/context.tsv` opens a scope forward (after the trigger),
//! backward (before it) or both, inside one sentence; [`assess`] decides
//! which scopes reach a finding (the rules are in `scope.rs`: terminators,
//! clause verbs, label colons, word limits that lists extend).
//! Pseudo-triggers ("no increase", "not only") are lexicon terms too: the
//! matcher's longest-match rule lets them swallow the shorter trigger inside
//! them. Sections add defaults: text under "Family History" is about
//! someone else.
//!
//! Measured on the NegEx annotated test set with `docgap eval-negex` (see
//! [`crate::negex`]).

mod scope;

pub(crate) use scope::is_compound_tail;
pub use scope::{assess, words_between};

use crate::keyed::keyed_enum;
use crate::lexicon::SectionKind;
use crate::span::Span;
use serde::Serialize;

keyed_enum! {
    key = key, noun = "context kind";
    /// What a trigger asserts about the findings in its scope.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum TriggerKind {
        /// Absent: "no", "denies", "negative for", "ruled out".
        Negated => "negated",
        /// Uncertain: "possible", "concern for", "cannot exclude".
        Possible => "possible",
        /// Not (yet) real: "rule out", "if", "cover for", "evaluate for".
        Hypothetical => "hypothetical",
        /// In the past and over: "history of", "as a child", "resolved".
        Historical => "historical",
        /// About someone else: "mother", "family history of".
        Family => "family",
        /// Named as part of something else, not the patient's infection: a
        /// vaccine ("pneumococcal conjugate vaccine"), a neurological level
        /// ("T4 paraplegia"), a contaminant, a code's own description.
        Unrelated => "unrelated",
        /// Looks like a trigger, asserts nothing: "no increase", "not only".
        Pseudo => "pseudo",
        /// Ends the open scopes its direction faces: "but", "however",
        /// "presents with" both ways, "which" only forward scopes.
        Terminate => "terminate",
        /// A finite verb ("is", "was", "remained"): ends the forward scopes it
        /// faces when a comma or "and" comes before it in the scope, where it
        /// starts a new clause ("no bleeding, the patient remained stable")
        /// rather than continuing the negated one ("nor was she in pain").
        Clause => "clause",
    }
}

keyed_enum! {
    key = key, noun = "direction";
    /// Which way a trigger's scope runs.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub enum Direction {
        /// Over the words after the trigger.
        Forward => "forward",
        /// Over the words before the trigger.
        Backward => "backward",
        /// Both ways.
        Both => "both",
    }
}

/// One row of context.tsv: `term<TAB>kind<TAB>direction[<TAB>max words]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ContextRule {
    /// What the trigger asserts.
    pub kind: TriggerKind,
    /// Which way its scope runs.
    pub direction: Direction,
    /// How many words the scope reaches.
    pub max_words: u16,
}

/// Scope length when a row gives none.
pub const DEFAULT_MAX_WORDS: u16 = 8;

impl ContextRule {
    /// Parses the columns after the term.
    pub fn parse_fields(fields: &[&str]) -> Result<ContextRule, String> {
        let (kind, direction, max) = match fields {
            [k, d] => (*k, *d, None),
            [k, d, m] => (*k, *d, Some(*m)),
            _ => return Err("expected term<TAB>kind<TAB>direction[<TAB>max words]".to_string()),
        };
        let kind = kind.parse()?;
        let direction = direction.parse()?;
        let max_words = match max {
            None => DEFAULT_MAX_WORDS,
            Some(m) => m
                .parse::<u16>()
                .ok()
                .filter(|n| (1..=64).contains(n))
                .ok_or_else(|| format!("max words {m:?} is not a number from 1 to 64"))?,
        };
        Ok(ContextRule {
            kind,
            direction,
            max_words,
        })
    }
}

/// The assertions that hold for one finding. All false: affirmed, current,
/// about the patient.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Assertion {
    /// Stated as absent.
    #[serde(skip_serializing_if = "is_false")]
    pub negated: bool,
    /// Stated as uncertain.
    #[serde(skip_serializing_if = "is_false")]
    pub possible: bool,
    /// Conditional, to be ruled out, or covered for.
    #[serde(skip_serializing_if = "is_false")]
    pub hypothetical: bool,
    /// Past and over.
    #[serde(skip_serializing_if = "is_false")]
    pub historical: bool,
    /// About someone other than the patient.
    #[serde(skip_serializing_if = "is_false")]
    pub family: bool,
    /// Part of something else: a vaccine, a neurological level, a
    /// contaminant, the description of a code typed in the note.
    #[serde(skip_serializing_if = "is_false")]
    pub unrelated: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Assertion {
    /// True when the finding is present, current and the patient's.
    pub fn is_affirmed(&self) -> bool {
        !(self.negated
            || self.possible
            || self.hypothetical
            || self.historical
            || self.family
            || self.unrelated)
    }

    /// True when what `kind` asserts already holds (always false for the
    /// kinds that assert nothing).
    pub fn has(&self, kind: TriggerKind) -> bool {
        match kind {
            TriggerKind::Negated => self.negated,
            TriggerKind::Possible => self.possible,
            TriggerKind::Hypothetical => self.hypothetical,
            TriggerKind::Historical => self.historical,
            TriggerKind::Family => self.family,
            TriggerKind::Unrelated => self.unrelated,
            TriggerKind::Pseudo | TriggerKind::Terminate | TriggerKind::Clause => false,
        }
    }

    /// Adds what a trigger asserts.
    pub fn add(&mut self, kind: TriggerKind) {
        match kind {
            TriggerKind::Negated => self.negated = true,
            TriggerKind::Possible => self.possible = true,
            TriggerKind::Hypothetical => self.hypothetical = true,
            TriggerKind::Historical => self.historical = true,
            TriggerKind::Family => self.family = true,
            TriggerKind::Unrelated => self.unrelated = true,
            TriggerKind::Pseudo | TriggerKind::Terminate | TriggerKind::Clause => {}
        }
    }

    /// The default a section gives its text.
    pub fn of_section(kind: SectionKind) -> Assertion {
        let mut a = Assertion::default();
        match kind {
            SectionKind::FamilyHistory => a.family = true,
            SectionKind::Indication => a.hypothetical = true,
            SectionKind::Differential => a.possible = true,
            SectionKind::HealthMaintenance | SectionKind::Discussion => a.unrelated = true,
            _ => {}
        }
        a
    }
}

/// A trigger found in a note.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trigger {
    /// Where.
    pub span: Span,
    /// What it does.
    pub rule: ContextRule,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_parse_with_and_without_scope() {
        let r = ContextRule::parse_fields(&["negated", "forward"]).unwrap();
        assert_eq!(r.max_words, DEFAULT_MAX_WORDS);
        let r = ContextRule::parse_fields(&["historical", "backward", "3"]).unwrap();
        assert_eq!(
            (r.kind, r.direction, r.max_words),
            (TriggerKind::Historical, Direction::Backward, 3)
        );
        assert!(ContextRule::parse_fields(&["nope", "forward"]).is_err());
        assert!(ContextRule::parse_fields(&["negated", "sideways"]).is_err());
        assert!(ContextRule::parse_fields(&["negated", "forward", "0"]).is_err());
    }
}
