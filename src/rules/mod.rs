//! Rules stage: the codes a note supports and the gaps a coder would query.
//!
//! Every rule here is traceable to `osteomyelitis-coding.md` (the domain
//! brief); section numbers are cited where a rule is applied. The rules read
//! only the evidence map, never the text, so each code and flag carries the
//! findings that caused it.
//!
//! The batch's first tier ([`crate::prefilter`]) relies on one fact of
//! these rules: a note without an affirmed `condition` finding gets a code
//! or flag only from the audit of a claim holding a
//! [`FLAGGED_WITHOUT_DIAGNOSIS`] code (an M86 code "not supported"). A
//! rule that codes or flags anything else must widen the tier's anchors
//! (`tests/prefilter.rs` runs every corpus both ways).

mod additional;
mod audit;
mod codes;
mod facts;
mod flag;
#[cfg(test)]
mod hand;
mod primary;
mod sites;
pub(crate) mod texts;

pub use audit::FLAGGED_WITHOUT_DIAGNOSIS;
pub use flag::{Flag, FlagId, Outcome, Role, SuggestedCode};

use crate::evidence::{EvidenceMap, Finding, SentenceLayout};
use crate::lexicon::{
    Acuity, Category, ConditionKind, CrmoCue, CultureResult, Route, SectionKind, Sickle, Side,
    SiteGroup, SpecimenKind, Value,
};
use rustc_hash::FxHashSet;
use std::collections::BTreeSet;

use additional::{defect_codes, is_causal_organism, organism_codes, sickle_codes};
use facts::{Facts, SiteUse};
use primary::{acuity_of, m86_code, route_of_infection};
use sites::{infection_sites, site_sentences};

/// Applies the rules to one note's evidence, given the codes already on the
/// claim (if any).
pub fn apply(map: &EvidenceMap, assigned: Option<&[String]>) -> Outcome {
    let facts = Facts::of(map);
    let mut out = Outcome::default();
    if facts.conditions.iter().any(|&c| is_diagnosis(&facts, c)) && !ruled_out_in_assessment(&facts)
    {
        diagnose(&facts, &mut out);
    }
    if let Some(assigned) = assigned {
        audit::check(&facts, assigned, &mut out);
    }
    out.flags.sort_by_key(|f| f.id);
    out.flags.dedup_by_key(|f| f.id);
    out
}

/// True when the assessment rules the infection out (or places it in the
/// past) and affirms it nowhere:
/// "Impression: tophaceous gout. Osteomyelitis ruled out." outweighs the
/// referral's "osteomyelitis L great toe" above it (the provider's final
/// word, as a stated diagnosis outweighs a hedge, section 8).
fn ruled_out_in_assessment(facts: &Facts) -> bool {
    if withdrawn_in_addendum(facts) {
        return true;
    }
    let in_assessment = |f: &Finding| f.section == SectionKind::Assessment;
    if facts.conditions.iter().any(|&c| in_assessment(facts.f(c))) {
        return false;
    }
    let last_affirmed = facts.last_affirmed();
    facts.map.findings.iter().any(|f| {
        f.category == Category::Condition
            && f.value != Value::Condition(ConditionKind::Brodie)
            && in_assessment(f)
            // Ruled out, or placed in the past ("Remote osteomyelitis of
            // the right tibia, healed, no current infection").
            && (f.assertion.negated || f.assertion.historical)
            && !f.assertion.family
            && !f.assertion.hypothetical
            // The last word: a revised impression after it stands.
            && last_affirmed.is_none_or(|a| f.span.start > a)
    })
}

/// True when an addendum written after every affirmed mention rules the
/// infection out and affirms it nowhere: "ADDENDUM 02/17 -- assessment
/// corrected ... OSTEOMYELITIS EXCLUDED -- prior assessment of
/// osteomyelitis withdrawn" outweighs the assessment above it, however
/// outright (the provider's last word, as in [`ruled_out_in_assessment`];
/// an addendum supersedes what it corrects).
fn withdrawn_in_addendum(facts: &Facts) -> bool {
    let in_addendum = |f: &Finding| f.section == SectionKind::Addendum;
    if facts.conditions.iter().any(|&c| in_addendum(facts.f(c))) {
        return false;
    }
    let last_affirmed = facts.last_affirmed();
    // The sites named with a mention (group and side), whatever their
    // assertion: an addendum about another bone ("MRI of the right foot:
    // no osteomyelitis") withdraws nothing said of this one.
    let sites_of = |sentence: u32| -> Vec<(SiteGroup, Option<Side>)> {
        facts
            .map
            .findings
            .iter()
            .filter(|g| g.sentence == sentence && g.category == Category::Site)
            .filter_map(|g| Some((g.site_group()?, g.side)))
            .collect()
    };
    let affirmed_sites = std::cell::OnceCell::new();
    let affirmed_sites = || {
        affirmed_sites.get_or_init(|| {
            facts
                .conditions
                .iter()
                .flat_map(|&c| sites_of(facts.f(c).sentence))
                .collect::<Vec<_>>()
        })
    };
    facts.map.findings.iter().any(|f| {
        f.category == Category::Condition
            && in_addendum(f)
            && f.assertion.negated
            && !f.assertion.family
            && !f.assertion.hypothetical
            && last_affirmed.is_some_and(|a| f.span.start > a)
            && {
                let named = sites_of(f.sentence);
                named.is_empty() || named.iter().any(|s| affirmed_sites().contains(s))
            }
    })
}

/// True when an affirmed mention states the patient's diagnosis rather than
/// talking about the disease: it sits in the assessment, names a specific
/// form (CRMO, Brodie's, vertebral), or shares its sentence with a site,
/// acuity, route, organism or imaging finding of the patient ("explained
/// that bone infection is not inherited" does none of these).
fn is_diagnosis(facts: &Facts, c: u32) -> bool {
    let f = facts.f(c);
    if f.section == SectionKind::Assessment
        || f.value != Value::Condition(ConditionKind::Osteomyelitis)
    {
        return true;
    }
    facts.by_sentence.patient_facts.contains(&f.sentence)
}

fn flag(out: &mut Outcome, id: FlagId, message: impl Into<String>, evidence: Vec<u32>) {
    out.flags.push(Flag {
        id,
        message: message.into(),
        evidence,
    });
}

fn push_code(out: &mut Outcome, code: String, role: Role, evidence: Vec<u32>) {
    if let Some(c) = out.codes.iter_mut().find(|c| c.code == code) {
        c.evidence.extend(evidence);
        c.evidence.sort_unstable();
        c.evidence.dedup();
    } else {
        out.codes.push(SuggestedCode {
            code,
            role,
            evidence,
        });
    }
}

fn diagnose(facts: &Facts, out: &mut Outcome) {
    let excluded: Vec<u32> = facts
        .affirmed(Category::Organism)
        .filter(|(_, f)| matches!(&f.value, Value::Organism(c) if codes::is_excludes1(c)))
        .filter(|(_, f)| is_causal_organism(facts, f))
        .map(|(i, _)| i)
        .collect();
    sickle_codes(facts, out);

    // Section 2, Excludes1: the organism's own code replaces M86 entirely.
    if let Some(&first) = excluded.first() {
        let code = match &facts.f(first).value {
            Value::Organism(c) => c.to_string(),
            _ => unreachable!("filtered to organisms"),
        };
        // Section 8: tuberculosis of bone is A18.01 for the spine, A18.03
        // for any other bone.
        let code = if codes::is_tuberculous(&code) {
            let spine = excluded
                .iter()
                .any(|&i| facts.f(i).value == Value::Organism("A18.01".into()))
                || facts.has_condition(ConditionKind::Vertebral).is_some()
                || infection_sites(facts)
                    .iter()
                    .any(|s| s.group.is_vertebral());
            if spine { "A18.01" } else { "A18.03" }.to_string()
        } else {
            code
        };
        push_code(out, code.clone(), Role::Primary, excluded.clone());
        flag(
            out,
            FlagId::ExcludedOrganism,
            texts::message(FlagId::ExcludedOrganism, &[("code", &code)]),
            excluded,
        );
        return;
    }

    let sites = infection_sites(facts);
    // Gathered once: the organism rules ask which sentences name a bone of
    // the infection (all its sites, inside M86 or not).
    let at_sites = site_sentences(facts, &sites);
    let (outside, inside): (Vec<SiteUse>, Vec<SiteUse>) =
        sites.into_iter().partition(|s| s.group.is_outside_m86());

    let crmo = facts.has_condition(ConditionKind::Crmo).or_else(|| {
        facts
            .affirmed(Category::Crmo)
            .find(|(_, f)| {
                matches!(
                    f.value,
                    Value::Crmo(CrmoCue::Autoinflammatory | CrmoCue::Nonbacterial)
                )
            })
            .map(|(i, _)| i)
    });

    // Section 2, Excludes2: vertebra, orbit, petrous bone coded on their own.
    let acuity = acuity_of(facts);
    let chronic_or = |a: Acuity| match a {
        Acuity::AcuteOnChronic => Acuity::Chronic,
        a => a,
    };
    for s in &outside {
        let code = codes::excluded_site_code(s.group, s.side, acuity.map(|a| chronic_or(a.0)));
        push_code(out, code, Role::Primary, s.findings.clone());
    }
    let excluded_sites: Vec<u32> = outside
        .iter()
        .filter(|s| s.group != SiteGroup::Jaw)
        .flat_map(|s| s.findings.iter().copied())
        .collect();
    if !excluded_sites.is_empty() {
        flag(
            out,
            FlagId::ExcludedSite,
            texts::message(FlagId::ExcludedSite, &[]),
            excluded_sites,
        );
    }

    // Only excluded sites documented: no M86 code.
    let m86_needed = !inside.is_empty() || outside.is_empty();
    let vertebral_kind = facts.has_condition(ConditionKind::Vertebral).is_some()
        || facts.has_condition(ConditionKind::Petrositis).is_some()
        || facts.has_condition(ConditionKind::Jaw).is_some();
    if m86_needed && !(inside.is_empty() && vertebral_kind) {
        m86_code(facts, out, &inside, crmo, acuity);
    } else if outside.is_empty() && vertebral_kind {
        let code = if facts.has_condition(ConditionKind::Jaw).is_some() {
            "M27.2".to_string()
        } else if facts.has_condition(ConditionKind::Petrositis).is_some() {
            codes::excluded_site_code(SiteGroup::Petrous, None, acuity.map(|a| chronic_or(a.0)))
        } else {
            "M46.20".to_string()
        };
        push_code(out, code, Role::Primary, facts.conditions.clone());
    }

    if crmo.is_none() {
        organism_codes(facts, out, &at_sites);
    }
    defect_codes(facts, out, &inside);
}
