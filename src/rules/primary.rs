//! Sections 1, 4 and 5: the primary code (M86 by type, route and site, or
//! the code replacing it) with its acuity and route.

use super::*;

/// The acuity documented for the infection, with its finding: an acuity
/// word in a sentence that affirms the infection, the assessment first,
/// or an acuity phrase in the clause after its semicolon ("skull base
/// osteomyelitis ...; chronic course": section 5 reads acuity from what
/// the provider says of the infection, and the clause still says it; a
/// lone "chronic" there starts another problem as often, "; chronic kidney
/// disease"); acute on chronic over either half of it. Failing those,
/// chronic indicators (section 5): recurrence,
/// or a duration of six weeks or more stated with the infection.
pub(super) fn acuity_of(facts: &Facts) -> Option<(Acuity, u32)> {
    let sentences = facts.condition_sentences();
    let continues_one = |s: u32| {
        facts.layout(s).after_semicolon && s.checked_sub(1).is_some_and(|p| sentences.contains(&p))
    };
    let mut best: Option<(u8, Acuity, u32)> = None;
    for (i, f) in facts.affirmed(Category::Acuity) {
        // A template's "Acuity:" field says it of the note's diagnosis.
        let said_of_it = sentences.contains(&f.sentence)
            || (f.phrase && continues_one(f.sentence))
            || (facts.layout(f.sentence).axis_field && !sentences.is_empty());
        if !said_of_it {
            continue;
        }
        let Value::Acuity(a) = f.value else { continue };
        let rank = match (a, f.section) {
            (Acuity::Recurrent, _) => 2,
            (_, SectionKind::Assessment) => 0,
            _ => 1,
        };
        // Acute on chronic holds both (section 8 codes both), so it wins
        // over a plain "acute" or "chronic" said as prominently: a
        // problem list that carries "chronic osteomyelitis L tibia"
        // forward above today's "acute on chronic osteomyelitis of the
        // left tibia".
        let widens =
            |b: Acuity| a == Acuity::AcuteOnChronic && matches!(b, Acuity::Acute | Acuity::Chronic);
        if best.is_none_or(|(r, b, _)| rank < r || (rank == r && widens(b))) {
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
    // The first finding of the infection's sentences that `is` a chronic
    // indicator, with it as the evidence.
    let chronic_if = |is: &dyn Fn(&Finding) -> bool| {
        facts
            .map
            .findings
            .iter()
            .position(|f| sentences.contains(&f.sentence) && is(f))
            .map(|i| (Acuity::Chronic, i as u32))
    };
    // A long duration stated in a sentence that affirms the infection
    // ("osteomyelitis of the calcaneus for 9 months"): the duration is the
    // evidence. (Read whatever its assertion, as the words were before
    // they became findings.)
    chronic_if(&|f| {
        f.category == Category::Duration
            && matches!(&f.value, Value::Duration(k) if &**k == "long")
    })
    .or_else(|| {
        // Section 5: a sequestrum, an involucrum or a sinus tract said
        // with the infection is a chronic indicator too.
        chronic_if(&|f| {
            f.assertion.is_affirmed()
                && (f.category == Category::Sinus
                    || matches!(&f.value, Value::Imaging(k) if matches!(&**k, "sequestrum" | "involucrum")))
        })
    })
}

/// Section 4 (and issue: long templated notes): a route word documents the
/// route of this infection only where it is said of it: in a sentence that
/// affirms the infection, or one naming a bone of the infection's site
/// groups ("ulcer sub 2nd MT head, probes to bone"). An old fracture or an
/// operation elsewhere in the history ("right humerus fracture, healed
/// 2019") is not its route.
pub(super) fn route_of_infection(
    facts: &Facts,
    f: &Finding,
    site_sentences: &FxHashSet<u32>,
) -> bool {
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
    // A template's "Route:" field, in a note that affirms the infection.
    if facts.layout(f.sentence).axis_field && !c.is_empty() {
        return true;
    }
    site_sentences.contains(&f.sentence)
}

pub(super) fn m86_code(
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
        // Brodie's abscess (M86.8X-) has a site character and no side one
        // (section 1's table), and sites without a side character never
        // raise LATERALITY_MISSING (section 7).
        if brodie.is_none()
            && sites.len() == 1
            && sites[0].group.has_side()
            && sites[0].side.is_none()
        {
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

#[cfg(test)]
mod tests {
    use super::super::hand::{Hand, LINE};
    use super::*;
    use crate::context::Assertion;

    use FlagId::{AcuityNotDocumented, ExcludedOrganism, LateralityMissing, RouteNotDocumented};
    use SectionKind::{Assessment, History};

    /// "Assessment: osteomyelitis of the left tibia" with `more` added to
    /// its sentence.
    fn left_tibia(more: impl FnOnce(&mut Hand)) -> Hand {
        let mut m = Hand::default();
        m.sentence(Assessment, LINE);
        m.condition();
        m.site(SiteGroup::TibiaFibula, "tibia", Some(Side::Left));
        more(&mut m);
        m
    }

    fn acuity(a: Acuity) -> impl FnOnce(&mut Hand) {
        move |m: &mut Hand| {
            m.add(Category::Acuity, Value::Acuity(a));
        }
    }

    /// A case: its name, the map, the M86 (or replacing) codes, the flags
    /// that must come with them and those that must not.
    type Case = (
        &'static str,
        Hand,
        Vec<&'static str>,
        Vec<FlagId>,
        Vec<FlagId>,
    );

    /// The primary code chosen from the facts, and the flags that must come
    /// with it (or must not, for those listed as absent).
    #[test]
    fn the_primary_code_follows_acuity_route_and_sinus() {
        let cases: Vec<Case> = vec![
            (
                "acute",
                left_tibia(acuity(Acuity::Acute)),
                vec!["M86.162"],
                vec![],
                vec![AcuityNotDocumented],
            ),
            (
                "no acuity: unspecified, and a query",
                left_tibia(|_| {}),
                vec!["M86.9"],
                vec![AcuityNotDocumented],
                vec![],
            ),
            (
                "acute, hematogenous",
                left_tibia(|m| {
                    m.add(Category::Acuity, Value::Acuity(Acuity::Acute));
                    m.add(Category::Route, Value::Route(Route::Hematogenous));
                }),
                vec!["M86.062"],
                vec![],
                vec![],
            ),
            (
                "chronic with no route: M86.6 and a query",
                left_tibia(acuity(Acuity::Chronic)),
                vec!["M86.662"],
                vec![RouteNotDocumented],
                vec![],
            ),
            (
                "chronic with a sinus tract",
                left_tibia(|m| {
                    m.add(Category::Acuity, Value::Acuity(Acuity::Chronic));
                    m.add(Category::Sinus, Value::Sinus("sinus_tract".into()));
                }),
                vec!["M86.462"],
                vec![],
                vec![RouteNotDocumented],
            ),
            (
                "acute on chronic: coded twice",
                left_tibia(acuity(Acuity::AcuteOnChronic)),
                vec!["M86.162", "M86.662"],
                vec![],
                vec![],
            ),
            (
                "a long duration with the infection is chronic",
                left_tibia(|m| {
                    m.add(Category::Duration, Value::Duration("long".into()));
                }),
                vec!["M86.662"],
                vec![],
                vec![AcuityNotDocumented],
            ),
            (
                "no side on a limb",
                {
                    let mut m = Hand::default();
                    m.sentence(Assessment, LINE);
                    m.condition();
                    m.add(Category::Acuity, Value::Acuity(Acuity::Acute));
                    m.site(SiteGroup::TibiaFibula, "tibia", None);
                    m
                },
                vec!["M86.169"],
                vec![LateralityMissing],
                vec![],
            ),
            (
                "salmonella replaces M86 (Excludes1)",
                left_tibia(|m| {
                    m.add(Category::Acuity, Value::Acuity(Acuity::Acute));
                    m.organism("A02.24", None);
                }),
                vec!["A02.24"],
                vec![ExcludedOrganism],
                vec![],
            ),
            (
                "ruled out in the assessment after the history affirms it",
                {
                    let mut m = Hand::default();
                    m.sentence(History, LINE);
                    m.condition();
                    m.site(SiteGroup::AnkleFoot, "toe", Some(Side::Left));
                    m.sentence(Assessment, LINE);
                    let ruled_out = m.condition();
                    m.assert(
                        ruled_out,
                        Assertion {
                            negated: true,
                            ..Assertion::default()
                        },
                    );
                    m
                },
                vec![],
                vec![],
                vec![AcuityNotDocumented],
            ),
        ];
        for (name, m, codes, with, without) in cases {
            let got: Vec<String> = m.codes();
            let got: Vec<&str> = got
                .iter()
                .map(String::as_str)
                .filter(|c| c.starts_with(['M', 'A']))
                .collect();
            assert_eq!(got, codes, "{name}");
            let flags = m.flags();
            for f in with {
                assert!(flags.contains(&f), "{name}: {f:?} missing from {flags:?}");
            }
            for f in without {
                assert!(!flags.contains(&f), "{name}: {f:?} in {flags:?}");
            }
        }
    }
}
