//! Queries stage (after rules, before output): the words that go with a flag.
//!
//! A flag is either a question for the provider (acuity, route, site, side,
//! organism, CRMO) or a note for the coder (excluded site or organism, the
//! four claim-audit flags): [`audience`] says which. A provider query is
//! built from the note's own evidence, as the AHIMA/ACDIS query practice
//! brief asks: the documented condition with its site and side, the
//! clinical indicators found (imaging, cultures, durations, each a finding
//! with its span), then multiple-choice options ending in "other" and
//! "clinically unable to determine". It names no code and no payment. A
//! coder note says what to change on the claim and the tabular instruction
//! it rests on.
//!
//! The texts live in `queries/queries.tsv` (embedded), not here; this module
//! only assembles them.

use crate::analyzer::Analysis;
use crate::evidence::Finding;
use crate::lexicon::{Category, CultureResult, SpecimenKind, Value};
pub use crate::rules::texts::{audience, weight, Audience};
use crate::rules::texts::{field, fill};
#[cfg(test)]
use crate::rules::texts::{parse, templates};
use crate::rules::{Flag, FlagId};

/// At most this many clinical indicators are quoted in a query: enough to
/// ground it, short enough to read.
const MAX_INDICATORS: usize = 4;

/// The query of one flag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// Provider or coder.
    pub audience: Audience,
    /// The text, ready to send (provider) or to act on (coder).
    pub text: String,
    /// Indices of the findings quoted as clinical indicators.
    pub indicators: Vec<u32>,
}

/// Builds the query of `flag` from the note's evidence.
pub fn build(text: &str, analysis: &Analysis, flag: &Flag) -> Query {
    let id = flag.id;
    let audience = audience(id);
    let n = Note { text, analysis };
    if audience == Audience::Coder {
        // What the note documents first, so the coder sees the site the
        // change is about without opening the note.
        let mut t = if n.affirmed(Category::Condition).next().is_some() {
            format!("Documented: {}. ", n.condition_phrase(flag))
        } else if n
            .findings()
            .iter()
            .any(|f| f.category == Category::Condition)
        {
            // No affirmed mention: "Documented: osteomyelitis" would say
            // the opposite of the flag; what the note says of it is named.
            format!(
                "Documented: no bone infection affirmed (mentioned: {}). ",
                n.condition_phrase(flag)
            )
        } else {
            "Documented: no bone infection. ".to_string()
        };
        t.push_str(&flag.message);
        let instruction = field(id.as_str(), "instruction");
        if !instruction.is_empty() {
            let supported = supported_codes(analysis);
            t.push(' ');
            t.push_str(&fill(instruction, &[("supported", &supported)]));
        }
        return Query {
            audience,
            text: t,
            indicators: Vec::new(),
        };
    }
    let mut out = n.condition_phrase(flag);
    let indicators = n.indicators(id, &out.to_lowercase());
    out.push_str(" is documented");
    if !indicators.is_empty() {
        out.push_str(" (");
        for (k, &i) in indicators.iter().enumerate() {
            if k > 0 {
                out.push_str("; ");
            }
            out.push_str(&n.indicator(i));
        }
        out.push(')');
    }
    out.push_str(". ");
    let (question, options) = if id == FlagId::OrganismNotDocumented {
        if n.cultures_not_obtained() {
            ("not_obtained_question", "not_obtained_options")
        } else if n.culture_pending() {
            ("pending_question", "pending_options")
        } else {
            ("question", "options")
        }
    } else {
        ("question", "options")
    };
    out.push_str(field(id.as_str(), question));
    let tail = field("*", "options_tail");
    for o in field(id.as_str(), options)
        .split('|')
        .chain(tail.split('|'))
    {
        out.push_str(" [ ] ");
        out.push_str(o);
    }
    Query {
        audience,
        text: out,
        indicators,
    }
}

/// The codes the note supports, for a coder note's "the note supports".
fn supported_codes(analysis: &Analysis) -> String {
    let v: Vec<&str> = analysis.codes.iter().map(|c| c.code.as_str()).collect();
    if v.is_empty() {
        "no osteomyelitis code".to_string()
    } else {
        v.join(", ")
    }
}

struct Note<'a> {
    text: &'a str,
    analysis: &'a Analysis,
}

/// A finding's words, on one line.
fn words(text: &str, f: &Finding) -> String {
    text[f.span.range()]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

impl<'a> Note<'a> {
    fn findings(&self) -> &'a [Finding] {
        &self.analysis.evidence.findings
    }

    fn affirmed(&self, cat: Category) -> impl Iterator<Item = (u32, &'a Finding)> + 'a {
        self.findings()
            .iter()
            .enumerate()
            .filter(move |(_, f)| f.category == cat && f.assertion.is_affirmed())
            .map(|(i, f)| (i as u32, f))
    }

    /// "Chronic osteomyelitis of the left tibia": the flag's condition
    /// mention in the note's words, with the acuity of its sentence and
    /// the site it names (or, failing that, the note's first site).
    fn condition_phrase(&self, flag: &Flag) -> String {
        let fs = self.findings();
        let in_flag = |cat: Category| {
            flag.evidence
                .iter()
                .map(|&i| (i, &fs[i as usize]))
                .find(|(_, f)| f.category == cat)
        };
        let condition =
            in_flag(Category::Condition).or_else(|| self.affirmed(Category::Condition).next());
        let mut phrase = String::new();
        if let Some((_, c)) = condition {
            if flag.id != FlagId::AcuityNotDocumented {
                if let Some((_, a)) = self
                    .affirmed(Category::Acuity)
                    .find(|(_, a)| a.sentence == c.sentence && a.span.end <= c.span.start)
                {
                    phrase.push_str(&words(self.text, a));
                    phrase.push(' ');
                }
            }
            phrase.push_str(&words(self.text, c));
        } else {
            phrase.push_str("osteomyelitis");
        }
        // The site the condition names, else one in its sentence, else the
        // flag's, else the note's first ("Hand clinic note" is a header).
        let same_sentence = |cat: Category| {
            let (_, c) = condition?;
            self.affirmed(cat).find(|(_, s)| s.sentence == c.sentence)
        };
        let site = condition
            .and_then(|(_, c)| c.site)
            .map(|i| (i, &fs[i as usize]))
            .or_else(|| same_sentence(Category::Site))
            .or_else(|| in_flag(Category::Site))
            .or_else(|| self.affirmed(Category::Site).next())
            .or_else(|| in_flag(Category::Vague))
            .or_else(|| self.affirmed(Category::Vague).next());
        if let Some((_, s)) = site {
            let name = words(self.text, s);
            // "of the knee" reads wrong before a side already in the words.
            phrase.push_str(" of the ");
            if let Some(side) = s.side {
                if flag.id != FlagId::LateralityMissing && !name.to_lowercase().contains(side.key())
                {
                    phrase.push_str(side.key());
                    phrase.push(' ');
                }
            }
            phrase.push_str(&name);
        }
        let mut chars = phrase.chars();
        match chars.next() {
            Some(c) => c.to_uppercase().chain(chars).collect(),
            None => phrase,
        }
    }

    /// The clinical indicators worth quoting for `id`, in text order:
    /// imaging findings, cultures and results, durations and acuity words,
    /// sinus and defect.
    fn indicators(&self, id: FlagId, phrase: &str) -> Vec<u32> {
        let wanted = |c: Category| match id {
            FlagId::AcuityNotDocumented => matches!(
                c,
                Category::Imaging | Category::Sinus | Category::Defect | Category::CultureResult
            ),
            FlagId::OrganismNotDocumented => {
                matches!(c, Category::Specimen | Category::CultureResult)
            }
            FlagId::RouteNotDocumented => matches!(
                c,
                Category::Acuity | Category::Imaging | Category::Specimen | Category::Organism
            ),
            _ => matches!(
                c,
                Category::Acuity
                    | Category::Imaging
                    | Category::Sinus
                    | Category::Defect
                    | Category::Specimen
                    | Category::CultureResult
            ),
        };
        let mut seen: Vec<String> = Vec::new();
        let mut out = Vec::new();
        for (i, f) in self.findings().iter().enumerate() {
            if !wanted(f.category) || (!f.assertion.is_affirmed() && !self.not_obtained_in(f)) {
                continue;
            }
            // A nares screen or a urine culture says nothing about the bone.
            if matches!(
                f.value,
                Value::Specimen(SpecimenKind::Screen | SpecimenKind::Remote)
            ) {
                continue;
            }
            let w = words(self.text, f).to_lowercase();
            // "Chronic" is already in "Chronic osteomyelitis of the tibia".
            if seen.contains(&w) || (f.category == Category::Acuity && phrase.contains(&w)) {
                continue;
            }
            seen.push(w);
            out.push(i as u32);
            if out.len() == MAX_INDICATORS {
                break;
            }
        }
        out
    }

    /// "MRI: sequestrum", "bone biopsy: pending": a finding with the
    /// modality or specimen of its sentence before it.
    fn indicator(&self, i: u32) -> String {
        let f = &self.findings()[i as usize];
        let lead = match f.category {
            Category::Imaging => Category::Modality,
            Category::CultureResult => Category::Specimen,
            _ => return words(self.text, f),
        };
        match self
            .findings()
            .iter()
            .find(|g| g.category == lead && g.sentence == f.sentence && g.span.end <= f.span.start)
        {
            Some(g) => format!("{}: {}", words(self.text, g), words(self.text, f)),
            None => words(self.text, f),
        }
    }

    fn culture_pending(&self) -> bool {
        self.affirmed(Category::CultureResult)
            .any(|(_, f)| f.value == Value::CultureResult(CultureResult::Pending))
    }

    /// Whether a specimen finding's sentence says it was not obtained.
    fn not_obtained_in(&self, f: &Finding) -> bool {
        if f.category != Category::Specimen {
            return false;
        }
        let Some(s) = self.analysis.sentences.get(f.sentence as usize) else {
            return false;
        };
        let sentence = self.text[s.range()].to_lowercase();
        field(FlagId::OrganismNotDocumented.as_str(), "not_obtained_cues")
            .split('|')
            .any(|cue| sentence.contains(cue))
    }

    fn cultures_not_obtained(&self) -> bool {
        self.findings().iter().any(|f| self.not_obtained_in(f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flag_has_the_texts_its_audience_needs() {
        for &id in FlagId::ALL {
            let name = id.as_str();
            let aud = field(name, "audience");
            assert!(
                aud == "provider" || aud == "coder",
                "{name}: audience {aud:?}"
            );
            assert!(!field(name, "message").is_empty(), "{name}: no message");
            assert!(weight(id).is_some(), "{name}: no weight");
            match audience(id) {
                Audience::Provider => {
                    assert!(!field(name, "question").is_empty(), "{name}: no question");
                    assert!(!field(name, "options").is_empty(), "{name}: no options");
                }
                Audience::Coder => {
                    assert!(
                        !field(name, "instruction").is_empty(),
                        "{name}: no instruction"
                    )
                }
            }
        }
        let tail = field("*", "options_tail");
        assert!(tail.contains("other") && tail.contains("clinically unable to determine"));
    }

    #[test]
    fn template_rows_are_sorted() {
        let rows: Vec<_> = templates().rows.iter().map(|r| (r.0, r.1)).collect();
        let mut sorted = rows.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(
            rows, sorted,
            "queries/queries.tsv: rows sorted, no duplicate field"
        );
    }

    #[test]
    fn a_weight_is_a_whole_number() {
        let err = parse("ACUITY_NOT_DOCUMENTED\tweight\theavy\n")
            .err()
            .unwrap();
        assert!(err.starts_with("line 1: weight"), "{err}");
        assert!(parse("ACUITY_NOT_DOCUMENTED\tweight\t3\n").is_ok());
    }

    #[test]
    fn a_bad_row_is_an_error_with_its_line() {
        assert!(parse("# c\nNO_SUCH_FLAG\tmessage\tx\n")
            .err()
            .unwrap()
            .contains("line 2"));
        assert!(parse("ACUITY_NOT_DOCUMENTED\tmessage\n").is_err());
    }
}
