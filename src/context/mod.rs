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
//! [`crate::tools::negex_eval`]).

mod scope;

pub(crate) use scope::is_compound_tail;
pub use scope::{assess, words_between};

use crate::lexicon::{ContextRule, SectionKind, TriggerKind};
use crate::span::Span;
use serde::Serialize;

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
