//! Section 1 (bone to site, multiple sites): the sites of the infection,
//! the bones it names, those listed under it, or those its imaging and
//! bone specimens point at.

use super::*;

/// The sites of the infection: bones named in a sentence that affirms it
/// (the assessment's when it names any), else bones tied to an imaging
/// finding or a bone specimen.
pub(super) fn infection_sites(facts: &Facts) -> Vec<SiteUse> {
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
    if chosen.is_empty() && !sentences.is_empty() {
        // A template's site field ("Site/laterality: right first
        // metatarsal head") names the diagnosis's site.
        chosen = facts
            .affirmed(Category::Site)
            .filter(|(_, f)| facts.layout(f.sentence).axis_field)
            .collect();
    }
    if chosen.is_empty() && !vague_with_condition {
        // "Assessment: chronic osteomyelitis." with the bone named only on
        // the imaging ("MRI left tibia: sequestrum") or the biopsy: the
        // bones that affirmed findings of infection point at.
        // ("The MRI shows the infection ... has spread into the bone at the
        // base of the toe. This is acute osteomyelitis.": a study's own
        // sentence names the bone too.)
        let imaging: BTreeSet<u32> = facts
            .affirmed(Category::Imaging)
            .chain(facts.affirmed(Category::Modality))
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
    if let [only] = sites.as_mut_slice() {
        if only.side.is_none() && only.group.has_side() {
            // A template's side field ("| Side | R |", "Laterality: left")
            // first; else "refused to walk on his left leg" ... "osteomyelitis
            // of the distal femur": the side of the limb its one named bone
            // belongs to.
            let fields = facts
                .affirmed(Category::Side)
                .filter(|(_, f)| facts.layout(f.sentence).axis_field)
                .filter_map(|(i, f)| match f.value {
                    Value::Side(s) => Some((i, s)),
                    _ => None,
                });
            let limb = match only.group {
                SiteGroup::Femur | SiteGroup::TibiaFibula | SiteGroup::AnkleFoot => "lower_limb",
                SiteGroup::Shoulder
                | SiteGroup::Humerus
                | SiteGroup::RadiusUlna
                | SiteGroup::Hand => "upper_limb",
                _ => "",
            };
            let limbs = facts
                .affirmed(Category::Vague)
                .filter(|(_, f)| matches!(&f.value, Value::Vague(k) if **k == *limb))
                .filter_map(|(i, f)| Some((i, f.side?)));
            if let Some((i, side)) = agreed_side(fields).or_else(|| agreed_side(limbs)) {
                only.side = Some(side);
                only.findings.push(i);
            }
        }
    }
    // Vertebral levels of two neighbouring regions ("T12-L1") are one
    // junctional region.
    codes::merge_vertebral_regions(&mut sites, |i| facts.f(i).bone());
    sites
}

/// The first of `sides` (a finding and its side) when every one of them
/// names the same side; None when there are none or they disagree.
fn agreed_side(mut sides: impl Iterator<Item = (u32, Side)>) -> Option<(u32, Side)> {
    let (i, side) = sides.next()?;
    sides.all(|(_, s)| s == side).then_some((i, side))
}

/// The first sentences of the items listed under a sentence affirming the
/// infection that ends with a colon ("Chronic osteomyelitis of:", "2
/// sites:"): each item starts a line with a marker ("(1)", "1.", "a)",
/// "-", "*", "•"); a piece of an item split off at a semicolon continues
/// it; a line without a marker (or a "#" problem heading) ends the list.
/// A header that names a bone itself lists details of that site, not more
/// sites ("of the left tibia:\n- MRI: marrow edema").
pub(super) fn listed_item_heads(facts: &Facts, headers: &BTreeSet<u32>) -> BTreeSet<u32> {
    let named: BTreeSet<u32> = facts
        .affirmed(Category::Site)
        .filter(|(_, f)| !is_region(f))
        .map(|(_, f)| f.sentence)
        .collect();
    let mut heads = BTreeSet::new();
    for &h in headers {
        if named.contains(&h) || !facts.layout(h).ends_with_colon {
            continue;
        }
        for (i, s) in facts.map.layout.iter().enumerate().skip(h as usize + 1) {
            if !s.starts_line {
                continue;
            }
            if !s.list_item {
                break;
            }
            heads.insert(i as u32);
        }
    }
    heads
}

/// Sites named in the sentence of a bone specimen that grew an organism or
/// reported a result ("Bone biopsy, left tibia: MRSA").
pub(super) fn bone_specimen_sites<'a>(facts: &'a Facts) -> impl Iterator<Item = u32> + 'a {
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

pub(super) fn is_region(f: &Finding) -> bool {
    f.bone().is_some_and(|b| b.starts_with("region_"))
}

/// The sentences naming a bone of the infection's sites (its group, a
/// side that agrees), gathered once for [`route_of_infection`].
pub(super) fn site_sentences(facts: &Facts, sites: &[SiteUse]) -> FxHashSet<u32> {
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

#[cfg(test)]
mod tests {
    use super::super::hand::{Hand, HEADER, ITEM, LINE, SAME_LINE};
    use super::*;

    use SectionKind::Assessment;
    use SiteGroup::{AnkleFoot, RadiusUlna, TibiaFibula};

    /// Each case builds a map whose condition sentences are the headers;
    /// the sentences expected to head listed items.
    type Case = (&'static str, fn(&mut Hand), &'static [u32]);

    #[test]
    fn items_listed_under_a_diagnosis_are_found() {
        let cases: &[Case] = &[
            ("Acute osteomyelitis, 2 sites:\n(1) L radius\n(2) R tibia\nPlan: IV abx", |m| {
                m.sentence(Assessment, HEADER);
                m.condition();
                m.sentence(Assessment, ITEM);
                m.site(RadiusUlna, "radius", Some(Side::Left));
                m.sentence(Assessment, ITEM);
                m.site(TibiaFibula, "tibia", Some(Side::Right));
                m.sentence(Assessment, LINE);
            }, &[1, 2]),
            ("Osteomyelitis of the left tibia:\n- MRI: marrow edema (a bone in the header)", |m| {
                m.sentence(Assessment, HEADER);
                m.condition();
                m.site(TibiaFibula, "tibia", Some(Side::Left));
                m.sentence(Assessment, ITEM);
            }, &[]),
            ("Osteomyelitis of the foot:\n- 2nd toe (a region in the header names no bone)", |m| {
                m.sentence(Assessment, HEADER);
                m.condition();
                m.site(AnkleFoot, "region_foot", None);
                m.sentence(Assessment, ITEM);
            }, &[1]),
            ("Acute osteomyelitis\n(1) L radius (no colon: no list)", |m| {
                m.sentence(Assessment, LINE);
                m.condition();
                m.sentence(Assessment, ITEM);
            }, &[]),
            ("Osteomyelitis of:\n(1) L radius; ulna\n(2) R tibia (a piece split at ';' continues)", |m| {
                m.sentence(Assessment, HEADER);
                m.condition();
                m.sentence(Assessment, ITEM);
                m.sentence(Assessment, SAME_LINE);
                m.sentence(Assessment, ITEM);
            }, &[1, 3]),
            ("Osteomyelitis of:\n(1) L radius\n# Diabetes\n(2) R tibia (an unmarked line ends it)", |m| {
                m.sentence(Assessment, HEADER);
                m.condition();
                m.sentence(Assessment, ITEM);
                m.sentence(Assessment, LINE);
                m.sentence(Assessment, ITEM);
            }, &[1]),
        ];
        for (note, build, heads) in cases {
            let mut m = Hand::default();
            build(&mut m);
            let got = m.check(|facts| listed_item_heads(facts, &facts.condition_sentences()));
            let want: BTreeSet<u32> = heads.iter().copied().collect();
            assert_eq!(got, want, "{note}");
        }
    }

    /// The listed items' bones are the infection's sites: two of them make
    /// a multiple-site code.
    #[test]
    fn listed_bones_are_the_sites() {
        let mut m = Hand::default();
        m.sentence(Assessment, HEADER);
        m.condition();
        m.add(Category::Acuity, Value::Acuity(Acuity::Acute));
        m.sentence(Assessment, ITEM);
        m.site(RadiusUlna, "radius", Some(Side::Left));
        m.sentence(Assessment, ITEM);
        m.site(TibiaFibula, "tibia", Some(Side::Right));
        let groups: Vec<SiteGroup> =
            m.check(|facts| infection_sites(facts).iter().map(|s| s.group).collect());
        assert_eq!(groups, [RadiusUlna, TibiaFibula]);
        assert!(m.codes().contains(&"M86.19".to_string()), "{:?}", m.codes());
    }
}
