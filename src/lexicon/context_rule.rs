//! Rows of `context.tsv`: what a ConText trigger asserts, which way its
//! scope runs and how far. The lexicon parses them; the context stage
//! ([`crate::context`]) applies them to the findings of a sentence.

use crate::keyed::keyed_enum;
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
