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

mod audit;
mod codes;
mod flag;
pub(crate) mod texts;

pub use audit::{assigned_from_text, FLAGGED_WITHOUT_DIAGNOSIS};
pub use flag::{Flag, FlagId, Outcome, Role, SuggestedCode};

use crate::evidence::{EvidenceMap, Finding};
use crate::lexicon::{
    Acuity, Category, ConditionKind, CrmoCue, CultureResult, Route, SectionKind, Sickle, Side,
    SiteGroup, SpecimenKind, Value,
};
use rustc_hash::FxHashSet;
use std::collections::BTreeSet;

/// A site of the infection: group, side, and the findings naming it.
#[derive(Clone, Debug)]
struct SiteUse {
    group: SiteGroup,
    side: Option<Side>,
    findings: Vec<u32>,
}

/// The facts the rules decide from, gathered once from the map.
struct Facts<'a> {
    text: &'a str,
    sentences: &'a [crate::Span],
    map: &'a EvidenceMap,
    /// Affirmed mentions of the bone infection.
    conditions: Vec<u32>,
    /// Sentences holding an affirmed finding of each kind the rules ask
    /// about per sentence: gathered once, so a note with thousands of
    /// mentions is not rescanned for each one.
    by_sentence: SentenceFacts,
}

#[derive(Default)]
struct SentenceFacts {
    /// A site, vague site, acuity, route, organism, imaging finding or sinus.
    patient_facts: FxHashSet<u32>,
    conditions: FxHashSet<u32>,
    specimens: FxHashSet<u32>,
    positive_cultures: FxHashSet<u32>,
}

impl SentenceFacts {
    fn of(map: &EvidenceMap) -> SentenceFacts {
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
    fn f(&self, i: u32) -> &'a Finding {
        &self.map.findings[i as usize]
    }

    fn affirmed(&self, cat: Category) -> impl Iterator<Item = (u32, &'a Finding)> + 'a {
        self.map
            .findings
            .iter()
            .enumerate()
            .filter(move |(_, f)| f.category == cat && f.assertion.is_affirmed())
            .map(|(i, f)| (i as u32, f))
    }

    /// The mentions of the infection, the assessment's first, so a flag
    /// about the diagnosis points at the sentence a coder would query.
    fn diagnosis_evidence(&self) -> Vec<u32> {
        let mut v = self.conditions.clone();
        v.sort_by_key(|&i| (self.f(i).section != SectionKind::Assessment, i));
        v
    }

    fn condition_sentences(&self) -> BTreeSet<u32> {
        self.conditions
            .iter()
            .map(|&i| self.f(i).sentence)
            .collect()
    }

    fn has_condition(&self, kind: ConditionKind) -> Option<u32> {
        self.conditions
            .iter()
            .copied()
            .find(|&i| self.f(i).value == Value::Condition(kind))
    }
}

/// Applies the rules to one note's evidence, given the codes already on the
/// claim (if any).
pub fn apply(
    text: &str,
    sentences: &[crate::Span],
    map: &EvidenceMap,
    assigned: Option<&[String]>,
) -> Outcome {
    let conditions: Vec<u32> = map
        .findings
        .iter()
        .enumerate()
        .filter(|(_, f)| f.category == Category::Condition && f.assertion.is_affirmed())
        .map(|(i, _)| i as u32)
        .collect();
    let facts = Facts {
        text,
        sentences,
        map,
        conditions,
        by_sentence: SentenceFacts::of(map),
    };
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
    let in_assessment = |f: &Finding| f.section == SectionKind::Assessment;
    if facts.conditions.iter().any(|&c| in_assessment(facts.f(c))) {
        return false;
    }
    let last_affirmed = facts
        .conditions
        .iter()
        .map(|&c| facts.f(c).span.start)
        .max();
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

/// True when an organism is tied to this infection (section 3): grown from
/// a specimen other than a colonisation screen, named with the infection,
/// reported under microbiology, or in a sentence reporting growth. "Given
/// the MRSA information leaflet" is none of these.
fn is_causal_organism(facts: &Facts, f: &Finding) -> bool {
    if is_screen(facts, f) || is_remote(facts, f) {
        return false;
    }
    // An organism of the past history ("MSSA bacteremia 2019") is not this
    // infection's unless the same sentence ties it to the bone infection.
    if f.section == SectionKind::PastHistory && !facts.by_sentence.conditions.contains(&f.sentence)
    {
        return false;
    }
    if f.specimen.is_some() || matches!(f.section, SectionKind::Microbiology | SectionKind::Labs) {
        return true;
    }
    // A result line: "Deep bone cultures (5/5): Pseudomonas aeruginosa".
    let sentence = facts.sentences[f.sentence as usize];
    if facts.text[sentence.start..f.span.start].contains(':') {
        return true;
    }
    // The next item of a list on the same line: "Bone culture: MRSA;
    // Enterococcus faecalis, light growth."
    let previous_on_line = (f.sentence as usize)
        .checked_sub(1)
        .map(|p| facts.sentences[p])
        .filter(|p| !facts.text[p.end..sentence.start].contains('\n'))
        .map(|_| f.sentence - 1);
    let s = &facts.by_sentence;
    let here_or_before = |set: &FxHashSet<u32>| {
        set.contains(&f.sentence) || previous_on_line.is_some_and(|p| set.contains(&p))
    };
    s.conditions.contains(&f.sentence)
        || here_or_before(&s.specimens)
        || here_or_before(&s.positive_cultures)
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

/// Grown from a specimen of another site (urine, sputum, stool).
fn is_remote(facts: &Facts, f: &Finding) -> bool {
    f.specimen
        .is_some_and(|s| facts.f(s).value == Value::Specimen(SpecimenKind::Remote))
}

fn is_screen(facts: &Facts, f: &Finding) -> bool {
    f.specimen
        .is_some_and(|s| facts.f(s).value == Value::Specimen(SpecimenKind::Screen))
}

/// The acuity documented for the infection, with its finding: an acuity
/// word in a sentence that affirms the infection, the assessment first.
/// Failing a word, chronic indicators (section 5): recurrence, or a
/// duration of six weeks or more stated with the infection.
fn acuity_of(facts: &Facts) -> Option<(Acuity, u32)> {
    let sentences = facts.condition_sentences();
    let mut best: Option<(u8, Acuity, u32)> = None;
    for (i, f) in facts.affirmed(Category::Acuity) {
        if !sentences.contains(&f.sentence) {
            continue;
        }
        let Value::Acuity(a) = f.value else { continue };
        let rank = match (a, f.section) {
            (Acuity::Recurrent, _) => 2,
            (_, SectionKind::Assessment) => 0,
            _ => 1,
        };
        if best.is_none_or(|(r, _, _)| rank < r) {
            best = Some((rank, a, i));
        }
    }
    if let Some((_, a, i)) = best {
        let a = if a == Acuity::Recurrent {
            Acuity::Chronic
        } else {
            a
        };
        return Some((a, i));
    }
    // A long duration stated in a sentence that affirms the infection
    // (each sentence read once, however many mentions it holds).
    let mut read = FxHashSet::default();
    facts
        .conditions
        .iter()
        .find(|&&c| {
            let f = facts.f(c);
            if !read.insert(f.sentence) {
                return false;
            }
            let s = facts.sentences[f.sentence as usize];
            codes::states_long_duration(&facts.text[s.range()])
        })
        .map(|&c| (Acuity::Chronic, c))
        .or_else(|| {
            // Section 5: a sequestrum, an involucrum or a sinus tract said
            // with the infection is a chronic indicator too.
            facts
                .map
                .findings
                .iter()
                .enumerate()
                .find(|(_, f)| {
                    f.assertion.is_affirmed()
                        && sentences.contains(&f.sentence)
                        && (f.category == Category::Sinus
                            || matches!(&f.value, Value::Imaging(k) if matches!(&**k, "sequestrum" | "involucrum")))
                })
                .map(|(i, _)| (Acuity::Chronic, i as u32))
        })
}

/// The sites of the infection: bones named in a sentence that affirms it
/// (the assessment's when it names any), else bones tied to an imaging
/// finding or a bone specimen.
fn infection_sites(facts: &Facts) -> Vec<SiteUse> {
    let sentences = facts.condition_sentences();
    // Section 1, "Multiple sites": each site documented by name. "Acute
    // osteomyelitis, 2 sites:\n(1) L distal radius ...\n(2) R tibial
    // shaft ...": the bones heading the items listed under the diagnosis
    // are its sites.
    let items = listed_item_heads(facts, &sentences);
    let in_condition: Vec<(u32, &Finding)> = facts
        .affirmed(Category::Site)
        .filter(|(_, f)| sentences.contains(&f.sentence) || items.contains(&f.sentence))
        .collect();
    let assessment: Vec<(u32, &Finding)> = in_condition
        .iter()
        .copied()
        .filter(|(_, f)| f.section == SectionKind::Assessment)
        .collect();
    let mut chosen = if !assessment.is_empty() {
        assessment
    } else {
        in_condition
    };
    // A radiology addendum that restates the diagnosis ("laterality
    // correction ... Final impression: acute osteomyelitis of the RIGHT
    // proximal tibia") supersedes the preliminary report above it.
    if let Some(addendum) = facts
        .map
        .findings
        .iter()
        .find(|f| f.section == SectionKind::Addendum)
        .map(|f| f.sentence)
    {
        // "Addendum: CORRECTION: the osteomyelitis is of the LEFT 3rd toe":
        // the sites it names with the infection replace the earlier ones.
        let restated: Vec<(u32, &Finding)> = facts
            .affirmed(Category::Site)
            .filter(|(_, f)| f.sentence >= addendum && sentences.contains(&f.sentence))
            .collect();
        if !restated.is_empty() {
            chosen = restated;
        } else if chosen.iter().any(|(_, f)| f.sentence >= addendum) {
            chosen.retain(|(_, f)| f.sentence >= addendum);
        }
    }
    let vague_with_condition = facts
        .affirmed(Category::Vague)
        .any(|(_, f)| sentences.contains(&f.sentence));
    if chosen.is_empty() && !vague_with_condition {
        // "Assessment: chronic osteomyelitis." with the bone named only on
        // the imaging ("MRI left tibia: sequestrum") or the biopsy: the
        // bones that affirmed findings of infection point at.
        let imaging: BTreeSet<u32> = facts
            .affirmed(Category::Imaging)
            .map(|(_, f)| f.sentence)
            .collect();
        let mut linked: Vec<u32> = facts
            .affirmed(Category::Site)
            .filter(|(_, f)| imaging.contains(&f.sentence))
            .map(|(i, _)| i)
            .chain(bone_specimen_sites(facts))
            .collect();
        linked.sort_unstable();
        linked.dedup();
        chosen = linked.into_iter().map(|i| (i, facts.f(i))).collect();
    }
    // A region ("ankle", "foot") beside a named bone in the same sentence
    // locates a wound or the pain, not another site: "osteomyelitis of the
    // distal fibula under a lateral ankle wound".
    let bone_sentences: BTreeSet<u32> = chosen
        .iter()
        .filter(|(_, f)| !is_region(f))
        .map(|(_, f)| f.sentence)
        .collect();
    chosen.retain(|(_, f)| !is_region(f) || !bone_sentences.contains(&f.sentence));
    let mut sites: Vec<SiteUse> = Vec::new();
    for (i, f) in chosen {
        let group = f.site_group().expect("site finding");
        match sites.iter_mut().find(|s| {
            s.group == group && (s.side == f.side || f.side.is_none() || s.side.is_none())
        }) {
            Some(s) => {
                s.findings.push(i);
                if s.side.is_none() {
                    s.side = f.side;
                }
            }
            None => sites.push(SiteUse {
                group,
                side: f.side,
                findings: vec![i],
            }),
        }
    }
    // Vertebral levels of two neighbouring regions ("T12-L1") are one
    // junctional region.
    codes::merge_vertebral_regions(&mut sites, |i| facts.f(i).bone());
    sites
}

/// The first sentences of the items listed under a sentence affirming the
/// infection that ends with a colon ("Chronic osteomyelitis of:", "2
/// sites:"): each item starts a line with a marker ("(1)", "1.", "a)",
/// "-", "*", "•"); a piece of an item split off at a semicolon continues
/// it; a line without a marker (or a "#" problem heading) ends the list.
/// A header that names a bone itself lists details of that site, not more
/// sites ("of the left tibia:\n- MRI: marrow edema").
fn listed_item_heads(facts: &Facts, headers: &BTreeSet<u32>) -> BTreeSet<u32> {
    let named: BTreeSet<u32> = facts
        .affirmed(Category::Site)
        .filter(|(_, f)| !is_region(f))
        .map(|(_, f)| f.sentence)
        .collect();
    let text = facts.text;
    let starts_line = |at: usize| text[..at].trim_end_matches([' ', '\t']).ends_with('\n');
    let mut heads = BTreeSet::new();
    for &h in headers {
        let header = facts.sentences[h as usize];
        if named.contains(&h) || !text[header.range()].trim_end().ends_with(':') {
            continue;
        }
        for (i, s) in facts.sentences.iter().enumerate().skip(h as usize + 1) {
            if !starts_line(s.start) {
                continue;
            }
            if !is_list_item(&text[s.range()]) {
                break;
            }
            heads.insert(i as u32);
        }
    }
    heads
}

/// True when `line` starts with a list marker: "(1)", "1.", "1)", "(a)",
/// "a)", "-", "*" or "•", then a space.
fn is_list_item(line: &str) -> bool {
    let rest = if let Some(r) = line.strip_prefix(['-', '*', '•', '–']) {
        r
    } else {
        let inner = line.strip_prefix('(').unwrap_or(line);
        let n = inner
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count()
            .max(usize::from(
                inner.starts_with(|c: char| c.is_ascii_lowercase())
                    && inner[1..].starts_with([')', '.']),
            ));
        if n == 0 || n > 2 {
            return false;
        }
        match inner[n..].strip_prefix([')', '.']) {
            Some(r) => r,
            None => return false,
        }
    };
    rest.starts_with([' ', '\t'])
}

/// Sites named in the sentence of a bone specimen that grew an organism or
/// reported a result ("Bone biopsy, left tibia: MRSA").
fn bone_specimen_sites<'a>(facts: &'a Facts) -> impl Iterator<Item = u32> + 'a {
    let sentences: BTreeSet<u32> = facts
        .map
        .findings
        .iter()
        .filter(|f| matches!(f.category, Category::Organism | Category::CultureResult))
        .filter_map(|f| f.specimen)
        .filter(|&s| facts.f(s).value == Value::Specimen(SpecimenKind::Bone))
        .map(|s| facts.f(s).sentence)
        .collect();
    facts
        .affirmed(Category::Site)
        .filter(move |(_, f)| sentences.contains(&f.sentence))
        .map(|(i, _)| i)
}

fn is_region(f: &Finding) -> bool {
    f.bone().is_some_and(|b| b.starts_with("region_"))
}

fn m86_code(
    facts: &Facts,
    out: &mut Outcome,
    sites: &[SiteUse],
    crmo: Option<u32>,
    acuity: Option<(Acuity, u32)>,
) {
    let brodie = facts.has_condition(ConditionKind::Brodie);
    let vague: Vec<u32> = {
        let sentences = facts.condition_sentences();
        facts
            .affirmed(Category::Vague)
            .filter(|(_, f)| sentences.contains(&f.sentence))
            .map(|(i, _)| i)
            .collect()
    };
    let mut evidence: Vec<u32> = facts.conditions.clone();
    evidence.extend(sites.iter().flat_map(|s| s.findings.iter().copied()));

    let site_char = codes::site_char(sites);
    let at_sites = site_sentences(facts, sites);
    let hematogenous = facts
        .affirmed(Category::Route)
        .filter(|(_, f)| route_of_infection(facts, f, &at_sites))
        .find(|(_, f)| f.value == Value::Route(Route::Hematogenous))
        .map(|(i, _)| i);
    let other_route = facts
        .affirmed(Category::Route)
        .filter(|(_, f)| route_of_infection(facts, f, &at_sites))
        .find(|(_, f)| f.value != Value::Route(Route::Hematogenous))
        .map(|(i, _)| i);
    let sinus = facts.affirmed(Category::Sinus).map(|(i, _)| i).next();

    let code = if let Some(c) = crmo {
        evidence.push(c);
        flag(
            out,
            FlagId::CrmoFeatures,
            texts::message(FlagId::CrmoFeatures, &[]),
            vec![c],
        );
        codes::with_site("M86.3", site_char)
    } else if let Some(b) = brodie {
        evidence.push(b);
        codes::brodie(sites)
    } else {
        match acuity {
            None => {
                flag(
                    out,
                    FlagId::AcuityNotDocumented,
                    texts::message(FlagId::AcuityNotDocumented, &[]),
                    facts.diagnosis_evidence(),
                );
                "M86.9".to_string()
            }
            Some((a, ai)) => {
                evidence.push(ai);
                // Section 8: acute on chronic is coded twice, acute and chronic.
                let parts: &[Acuity] = if a == Acuity::AcuteOnChronic {
                    &[Acuity::Acute, Acuity::Chronic]
                } else {
                    std::slice::from_ref(&a)
                };
                let mut fours = Vec::with_capacity(parts.len());
                for &part in parts {
                    let four = match part {
                        Acuity::Acute if hematogenous.is_some() => "M86.0",
                        Acuity::Acute => "M86.1",
                        Acuity::Subacute => "M86.2",
                        Acuity::Chronic if sinus.is_some() => "M86.4",
                        Acuity::Chronic if hematogenous.is_some() => "M86.5",
                        Acuity::Chronic | Acuity::Recurrent | Acuity::AcuteOnChronic => {
                            if other_route.is_none() {
                                flag(
                                    out,
                                    FlagId::RouteNotDocumented,
                                    texts::message(FlagId::RouteNotDocumented, &[]),
                                    facts.diagnosis_evidence(),
                                );
                            }
                            "M86.6"
                        }
                    };
                    if four == "M86.4" {
                        evidence.extend(sinus);
                    } else if four == "M86.0" || four == "M86.5" {
                        evidence.extend(hematogenous);
                    }
                    fours.push(four);
                }
                let mut built: Vec<String> = fours
                    .iter()
                    .map(|f| codes::with_site(f, site_char))
                    .collect();
                let last = built.pop().expect("one acuity at least");
                for extra in built {
                    push_code(out, extra, Role::Primary, evidence.clone());
                }
                last
            }
        }
    };

    if code != "M86.9" {
        if sites.is_empty() && !vague.is_empty() {
            flag(
                out,
                FlagId::SiteVague,
                texts::message(FlagId::SiteVague, &[]),
                vague.clone(),
            );
        }
        if sites.len() == 1 && sites[0].group.has_side() && sites[0].side.is_none() {
            flag(
                out,
                FlagId::LateralityMissing,
                texts::message(FlagId::LateralityMissing, &[]),
                sites[0].findings.clone(),
            );
        }
    } else if sites.is_empty() && !vague.is_empty() {
        flag(
            out,
            FlagId::SiteVague,
            texts::message(FlagId::SiteVague, &[]),
            vague,
        );
    }
    evidence.sort_unstable();
    evidence.dedup();
    push_code(out, code, Role::Primary, evidence);
}

/// Section 4 (and issue: long templated notes): a route word documents the
/// route of this infection only where it is said of it: in a sentence that
/// affirms the infection, or one naming a bone of the infection's site
/// groups ("ulcer sub 2nd MT head, probes to bone"). An old fracture or an
/// operation elsewhere in the history ("right humerus fracture, healed
/// 2019") is not its route.
fn route_of_infection(facts: &Facts, f: &Finding, site_sentences: &FxHashSet<u32>) -> bool {
    if f.section == SectionKind::PastHistory {
        return false;
    }
    // Its own sentence, or the one after ("... confirm chronic
    // osteomyelitis of the toe; the infection spread into the bone from the
    // ulcer").
    let c = &facts.by_sentence.conditions;
    if c.contains(&f.sentence) || f.sentence.checked_sub(1).is_some_and(|p| c.contains(&p)) {
        return true;
    }
    site_sentences.contains(&f.sentence)
}

/// The sentences naming a bone of the infection's sites (its group, a
/// side that agrees), gathered once for [`route_of_infection`].
fn site_sentences(facts: &Facts, sites: &[SiteUse]) -> FxHashSet<u32> {
    facts
        .affirmed(Category::Site)
        .filter(|(_, s)| {
            sites.iter().any(|u| {
                Some(u.group) == s.site_group()
                    && (u.side.is_none() || s.side.is_none() || u.side == s.side)
            })
        })
        .map(|(_, s)| s.sentence)
        .collect()
}

/// Section 3: organisms asserted as the cause or grown from a linked
/// specimen get their B95-B97 code; none at all is a query.
fn organism_codes(facts: &Facts, out: &mut Outcome, at_sites: &FxHashSet<u32>) {
    let mut found: Vec<(String, u32, bool)> = Vec::new();
    for (i, f) in facts.affirmed(Category::Organism) {
        if !is_causal_organism(facts, f) {
            continue;
        }
        if let Value::Organism(code) = &f.value {
            found.push((
                code.to_string(),
                i,
                codes::names_susceptibility(&facts.text[f.span.range()]),
            ));
        }
    }
    // A superficial swab is not a bone culture: where bone grew organisms,
    // what only the swab grew is not coded.
    let of_kind = |i: u32, kind: SpecimenKind| {
        facts
            .f(i)
            .specimen
            .is_some_and(|s| facts.f(s).value == Value::Specimen(kind))
    };
    // Likewise a blood culture: its organism is this infection's where the
    // infection is blood-borne or the organism is named with it otherwise
    // ("1 of 4 bottles: S. epidermidis", called a contaminant, is not).
    let hematogenous = facts.affirmed(Category::Route).any(|(_, f)| {
        f.value == Value::Route(Route::Hematogenous) && route_of_infection(facts, f, at_sites)
    });
    for (weak, keep_all) in [
        (SpecimenKind::Swab, false),
        (SpecimenKind::Blood, hematogenous),
    ] {
        if keep_all {
            continue;
        }
        let elsewhere: Vec<String> = found
            .iter()
            .filter(|&&(_, i, _)| !of_kind(i, weak))
            .map(|(c, _, _)| c.clone())
            .collect();
        if !elsewhere.is_empty() {
            found.retain(|(c, i, _)| !of_kind(*i, weak) || elsewhere.contains(c));
        }
    }
    let codes_found = codes::prune_organisms(found);
    // "bone cx: pending, no growth at 24 h, final not back": an interim
    // read of a pending culture is no result yet (section 8).
    let pending: FxHashSet<u32> = facts
        .affirmed(Category::CultureResult)
        .filter(|(_, f)| f.value == Value::CultureResult(CultureResult::Pending))
        .map(|(_, f)| f.sentence)
        .collect();
    let has_result = facts.map.findings.iter().any(|f| {
        (f.category == Category::CultureResult
            && matches!(f.value, Value::CultureResult(CultureResult::Negative))
            && !pending.contains(&f.sentence))
            // Section 8: a fungus is a result, with no B95-B97 code.
            || (f.category == Category::CultureResult
                && f.value == Value::CultureResult(CultureResult::Fungal)
                && f.assertion.is_affirmed())
            || (f.category == Category::Organism && f.assertion.negated && !is_screen(facts, f))
    });
    if codes_found.is_empty() {
        if !has_result {
            flag(
                out,
                FlagId::OrganismNotDocumented,
                texts::message(FlagId::OrganismNotDocumented, &[]),
                facts.diagnosis_evidence(),
            );
        }
        return;
    }
    for (code, ev) in codes_found {
        push_code(out, code, Role::Additional, ev);
    }
}

/// Section 2: a documented major osseous defect gets M89.7- on its own site
/// axis.
fn defect_codes(facts: &Facts, out: &mut Outcome, sites: &[SiteUse]) {
    let defects: Vec<(u32, &Finding)> = facts.affirmed(Category::Defect).collect();
    if defects.is_empty() {
        return;
    }
    for (i, f) in defects {
        let own = f.site.map(|s| facts.f(s)).and_then(|s| {
            Some(SiteUse {
                group: s.site_group()?,
                side: s.side,
                findings: vec![f.site?],
            })
        });
        let use_sites: Vec<SiteUse> = match own {
            Some(s) if !s.group.is_outside_m86() => vec![s],
            _ => sites.to_vec(),
        };
        let code = codes::defect_code(&use_sites);
        push_code(out, code, Role::Additional, vec![i]);
    }
}

/// Section 5: sickle cell disease is coded in addition; trait is not disease.
fn sickle_codes(facts: &Facts, out: &mut Outcome) {
    let mut genotype: Option<(Sickle, u32)> = None;
    let mut crisis = false;
    for (i, f) in facts.affirmed(Category::Sickle) {
        let Value::Sickle(s) = f.value else { continue };
        match s {
            // A crisis counts only when current, not one in the past history.
            Sickle::Crisis => crisis |= f.section != SectionKind::PastHistory,
            Sickle::Trait => {}
            s => {
                // The most specific genotype wins.
                if genotype.is_none_or(|(g, _)| codes::sickle_rank(s) > codes::sickle_rank(g)) {
                    genotype = Some((s, i));
                }
            }
        }
    }
    // "Hb SS disease without crisis", "not in crisis today": the provider's
    // statement that there is none wins over a crisis in the history.
    let genotype_sentences: Vec<u32> = facts
        .affirmed(Category::Sickle)
        .filter(|(_, f)| !matches!(f.value, Value::Sickle(Sickle::Crisis | Sickle::Trait)))
        .map(|(_, f)| f.sentence)
        .collect();
    crisis &= !facts.map.findings.iter().any(|f| {
        f.value == Value::Sickle(Sickle::Crisis)
            && f.assertion.negated
            && !f.assertion.family
            && genotype_sentences
                .iter()
                .any(|&s| f.sentence == s || f.sentence == s + 1)
    });
    if let Some((g, i)) = genotype {
        push_code(
            out,
            codes::sickle_code(g, crisis),
            Role::Additional,
            vec![i],
        );
    }
}

#[cfg(test)]
mod tests {
    use super::is_list_item;

    #[test]
    fn list_markers_are_told_from_prose() {
        for item in [
            "(1) L distal radius",
            "2. right tibia",
            "3) femur",
            "(a) tibia",
            "b) fibula",
            "- left tibia",
            "* femur",
            "• calcaneus",
        ] {
            assert!(is_list_item(item), "{item}");
        }
        for prose in [
            "# Acute osteomyelitis",
            "2026 visit",
            "Both acute",
            "(see below)",
            "a patient",
            "-left",
            "100. x",
        ] {
            assert!(!is_list_item(prose), "{prose}");
        }
    }
}
