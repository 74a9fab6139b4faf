//! Sections 2, 3 and 5: the codes used in addition to the primary one:
//! organisms (B95-B97), major osseous defects (M89.7-), sickle cell
//! disease (D57.-).

use super::*;

/// True when an organism is tied to this infection (section 3): grown from
/// a specimen other than a colonisation screen, named with the infection,
/// reported under microbiology, or in a sentence reporting growth. "Given
/// the MRSA information leaflet" is none of these.
pub(super) fn is_causal_organism(facts: &Facts, f: &Finding) -> bool {
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
    let layout = facts.layout(f.sentence);
    if layout.colon.is_some_and(|c| c < f.span.start) {
        return true;
    }
    // The next item of a list on the same line: "Bone culture: MRSA;
    // Enterococcus faecalis, light growth."
    let previous_on_line = f
        .sentence
        .checked_sub(1)
        .filter(|_| layout.same_line_as_previous);
    let s = &facts.by_sentence;
    let here_or_before = |set: &FxHashSet<u32>| {
        set.contains(&f.sentence) || previous_on_line.is_some_and(|p| set.contains(&p))
    };
    s.conditions.contains(&f.sentence)
        || here_or_before(&s.specimens)
        || here_or_before(&s.positive_cultures)
}

/// Grown from a specimen of another site (urine, sputum, stool), or from
/// the ear where the bone infection is not of the temporal bone it drains
/// into (section 3: a culture of the bone or wound linked to the
/// infection; malignant otitis externa and petrous apicitis are cultured
/// from the ear).
pub(super) fn is_remote(facts: &Facts, f: &Finding) -> bool {
    f.specimen.is_some_and(|s| match facts.f(s).value {
        Value::Specimen(SpecimenKind::Remote) => true,
        Value::Specimen(SpecimenKind::Ear) => !facts.of_temporal_bone(),
        _ => false,
    })
}

pub(super) fn is_screen(facts: &Facts, f: &Finding) -> bool {
    f.specimen
        .is_some_and(|s| facts.f(s).value == Value::Specimen(SpecimenKind::Screen))
}

/// Section 3: organisms asserted as the cause or grown from a linked
/// specimen get their B95-B97 code; none at all is a query.
pub(super) fn organism_codes(facts: &Facts, out: &mut Outcome, at_sites: &FxHashSet<u32>) {
    let mut found: Vec<(String, u32, bool)> = Vec::new();
    for (i, f) in facts.affirmed(Category::Organism) {
        if !is_causal_organism(facts, f) {
            continue;
        }
        if let Value::Organism(code) = &f.value {
            found.push((code.to_string(), i, f.names_susceptibility));
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
/// axis. Bone loss said to be small ("some bone loss", the `minor` rows of
/// defect.tsv) is no major defect.
pub(super) fn defect_codes(facts: &Facts, out: &mut Outcome, sites: &[SiteUse]) {
    let defects: Vec<(u32, &Finding)> = facts
        .affirmed(Category::Defect)
        .filter(|(_, f)| !matches!(&f.value, Value::Defect(k) if &**k == "minor"))
        .collect();
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
pub(super) fn sickle_codes(facts: &Facts, out: &mut Outcome) {
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
    use super::super::hand::{Hand, LINE, SAME_LINE};
    use super::*;

    use SectionKind::{History, Labs, Microbiology, PastHistory};
    use SpecimenKind::{Bone, Remote, Screen};

    /// Each case builds a map and returns the organism asked about.
    type Case = (&'static str, fn(&mut Hand) -> u32, bool);

    #[test]
    fn causal_organisms_are_told_from_other_mentions() {
        let cases: &[Case] = &[
            (
                "Given the MRSA information leaflet.",
                |m| {
                    m.sentence(History, LINE);
                    m.organism("B95.62", None)
                },
                false,
            ),
            (
                "Microbiology: MRSA (the section reports results)",
                |m| {
                    m.sentence(Microbiology, LINE);
                    m.organism("B95.62", None)
                },
                true,
            ),
            (
                "Bone biopsy grew MRSA (linked to a bone specimen)",
                |m| {
                    m.sentence(History, LINE);
                    let s = m.specimen(Bone);
                    m.organism("B95.62", Some(s))
                },
                true,
            ),
            (
                "Cultures (5/5): Pseudomonas aeruginosa (a result line)",
                |m| {
                    m.sentence(History, LINE);
                    m.label();
                    m.organism("B96.5", None)
                },
                true,
            ),
            (
                "MRSA: leaflet given (the colon comes after it)",
                |m| {
                    m.sentence(History, LINE);
                    let o = m.organism("B95.62", None);
                    m.label();
                    o
                },
                false,
            ),
            (
                "Bone culture: MRSA; Enterococcus faecalis (same line)",
                |m| {
                    m.sentence(History, LINE);
                    let s = m.specimen(Bone);
                    m.label();
                    m.organism("B95.62", Some(s));
                    m.sentence(History, SAME_LINE);
                    m.organism("B95.2", None)
                },
                true,
            ),
            (
                "Bone culture: MRSA.\nEnterococcus faecalis (next line)",
                |m| {
                    m.sentence(History, LINE);
                    let s = m.specimen(Bone);
                    m.label();
                    m.organism("B95.62", Some(s));
                    m.sentence(History, LINE);
                    m.organism("B95.2", None)
                },
                false,
            ),
            (
                "Culture positive; E. coli (positive culture on the line)",
                |m| {
                    m.sentence(History, LINE);
                    m.add(
                        Category::CultureResult,
                        Value::CultureResult(CultureResult::Positive),
                    );
                    m.sentence(History, SAME_LINE);
                    m.organism("B96.20", None)
                },
                true,
            ),
            (
                "Microbiology: MRSA nares screen positive",
                |m| {
                    m.sentence(Microbiology, LINE);
                    let o = m.organism("B95.62", None);
                    let s = m.specimen(Screen);
                    m.get(o).specimen = Some(s);
                    o
                },
                false,
            ),
            (
                "Labs: urine culture: E. coli (a remote specimen)",
                |m| {
                    m.sentence(Labs, LINE);
                    let s = m.specimen(Remote);
                    m.label();
                    m.organism("B96.20", Some(s))
                },
                false,
            ),
            (
                "PMH: MSSA bacteremia 2019.",
                |m| {
                    m.sentence(PastHistory, LINE);
                    m.organism("B95.61", None)
                },
                false,
            ),
            (
                "PMH: osteomyelitis of the tibia due to MSSA",
                |m| {
                    m.sentence(PastHistory, LINE);
                    m.condition();
                    m.organism("B95.61", None)
                },
                true,
            ),
            (
                "Osteomyelitis due to MRSA (named with the infection)",
                |m| {
                    m.sentence(History, LINE);
                    m.condition();
                    m.organism("B95.62", None)
                },
                true,
            ),
        ];
        for (note, build, causal) in cases {
            let mut m = Hand::default();
            let o = build(&mut m);
            let got = m.check(|facts| is_causal_organism(facts, facts.f(o)));
            assert_eq!(got, *causal, "{note}");
        }
    }

    /// A resistant S. aureus makes a plain "S. aureus" redundant, not a
    /// stated MSSA: the susceptibility is a fact of the organism finding.
    #[test]
    fn a_stated_susceptibility_keeps_mssa_beside_mrsa() {
        for (susceptible, codes) in [(false, vec!["B95.62"]), (true, vec!["B95.61", "B95.62"])] {
            let mut m = Hand::default();
            m.sentence(SectionKind::Assessment, LINE);
            m.condition();
            m.sentence(Microbiology, LINE);
            m.organism("B95.62", None);
            let aureus = m.organism("B95.61", None);
            m.get(aureus).names_susceptibility = susceptible;
            let mut out = Outcome::default();
            m.check(|facts| organism_codes(facts, &mut out, &FxHashSet::default()));
            let got: Vec<&str> = out.codes.iter().map(|c| c.code.as_str()).collect();
            assert_eq!(got, codes, "susceptibility stated: {susceptible}");
        }
    }
}
