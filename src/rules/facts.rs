//! The facts the rules decide from, gathered once from the evidence map:
//! the affirmed mentions of the infection, and per sentence what kinds of
//! finding it affirms.

use super::*;

/// A site of the infection: group, side, and the findings naming it.
#[derive(Clone, Debug)]
pub(super) struct SiteUse {
    pub(super) group: SiteGroup,
    pub(super) side: Option<Side>,
    pub(super) findings: Vec<u32>,
}

/// The facts the rules decide from, gathered once from the map.
pub(super) struct Facts<'a> {
    pub(super) map: &'a EvidenceMap,
    /// Affirmed mentions of the bone infection.
    pub(super) conditions: Vec<u32>,
    /// Sentences holding an affirmed finding of each kind the rules ask
    /// about per sentence: gathered once, so a note with thousands of
    /// mentions is not rescanned for each one.
    pub(super) by_sentence: SentenceFacts,
}

#[derive(Default)]
pub(super) struct SentenceFacts {
    /// A site, vague site, acuity, route, organism, imaging finding or sinus.
    pub(super) patient_facts: FxHashSet<u32>,
    pub(super) conditions: FxHashSet<u32>,
    pub(super) specimens: FxHashSet<u32>,
    pub(super) positive_cultures: FxHashSet<u32>,
}

impl SentenceFacts {
    pub(super) fn of(map: &EvidenceMap) -> SentenceFacts {
        let mut s = SentenceFacts::default();
        for g in map.findings.iter().filter(|g| g.assertion.is_affirmed()) {
            let set = match g.category {
                Category::Site
                | Category::Vague
                | Category::Acuity
                | Category::Route
                | Category::Organism
                | Category::Imaging
                | Category::Sinus => &mut s.patient_facts,
                Category::Condition => &mut s.conditions,
                Category::Specimen => &mut s.specimens,
                Category::CultureResult
                    if g.value == Value::CultureResult(CultureResult::Positive) =>
                {
                    &mut s.positive_cultures
                }
                _ => continue,
            };
            set.insert(g.sentence);
        }
        s
    }
}

impl<'a> Facts<'a> {
    /// Gathers the facts of one note's map.
    pub(super) fn of(map: &'a EvidenceMap) -> Facts<'a> {
        let conditions: Vec<u32> = map
            .findings
            .iter()
            .enumerate()
            .filter(|(_, f)| f.category == Category::Condition && f.assertion.is_affirmed())
            .map(|(i, _)| i as u32)
            .collect();
        Facts {
            map,
            conditions,
            by_sentence: SentenceFacts::of(map),
        }
    }

    /// How sentence `s` sits on the page (the default, no layout at all,
    /// for a sentence the map has no row for).
    pub(super) fn layout(&self, s: u32) -> SentenceLayout {
        self.map.layout.get(s as usize).copied().unwrap_or_default()
    }

    pub(super) fn f(&self, i: u32) -> &'a Finding {
        &self.map.findings[i as usize]
    }

    pub(super) fn affirmed(&self, cat: Category) -> impl Iterator<Item = (u32, &'a Finding)> + 'a {
        self.map
            .findings
            .iter()
            .enumerate()
            .filter(move |(_, f)| f.category == cat && f.assertion.is_affirmed())
            .map(|(i, f)| (i as u32, f))
    }

    /// The mentions of the infection, the assessment's first, so a flag
    /// about the diagnosis points at the sentence a coder would query.
    pub(super) fn diagnosis_evidence(&self) -> Vec<u32> {
        let mut v = self.conditions.clone();
        v.sort_by_key(|&i| (self.f(i).section != SectionKind::Assessment, i));
        v
    }

    /// Where the last affirmed mention of the infection starts.
    pub(super) fn last_affirmed(&self) -> Option<usize> {
        self.conditions.iter().map(|&c| self.f(c).span.start).max()
    }

    pub(super) fn condition_sentences(&self) -> BTreeSet<u32> {
        self.conditions
            .iter()
            .map(|&i| self.f(i).sentence)
            .collect()
    }

    /// True when the infection is of the temporal bone: petrous apicitis,
    /// or a petrous, temporal or mastoid bone (`site.tsv` keys `petrous`,
    /// `temporal`) named where the infection is affirmed.
    pub(super) fn of_temporal_bone(&self) -> bool {
        let sentences = self.condition_sentences();
        self.has_condition(ConditionKind::Petrositis).is_some()
            || self.affirmed(Category::Site).any(|(_, f)| {
                sentences.contains(&f.sentence)
                    && (f.site_group() == Some(SiteGroup::Petrous) || f.bone() == Some("temporal"))
            })
    }

    pub(super) fn has_condition(&self, kind: ConditionKind) -> Option<u32> {
        self.conditions
            .iter()
            .copied()
            .find(|&i| self.f(i).value == Value::Condition(kind))
    }
}
