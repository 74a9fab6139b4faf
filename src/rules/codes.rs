//! Code construction: the axes of M86, M89.7, M46.2, H05.02, H70.2 and D57
//! (domain brief sections 1-5), kept apart from the decisions that pick them.

use super::SiteUse;
use crate::lexicon::{Acuity, Sickle, Side, SiteGroup};

/// Excludes1 at M86: these codes replace M86 entirely.
pub fn is_excludes1(code: &str) -> bool {
    matches!(code, "A02.24" | "A54.43" | "B67.2") || is_tuberculous(code)
}

/// Tuberculosis of bone (section 8): coded outside M86, no B95-B97 code.
pub fn is_tuberculous(code: &str) -> bool {
    matches!(code, "A18.01" | "A18.03")
}

/// The site axis of one infection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SiteChar {
    /// No bone named: site 0.
    Unspecified,
    /// One site group with its side (None: side not documented).
    One(SiteGroup, Option<Side>),
    /// Two or more site groups, or one group on both sides: site 9.
    Multiple,
}

/// The site axis of the M86-range sites of an infection (section 1,
/// "Multiple sites"; section 7: two bones of one group are one site).
pub fn site_char(sites: &[SiteUse]) -> SiteChar {
    match sites {
        [] => SiteChar::Unspecified,
        [one] if one.side == Some(Side::Bilateral) && one.group.has_side() => SiteChar::Multiple,
        [one] => SiteChar::One(one.group, one.side),
        _ => SiteChar::Multiple,
    }
}

fn side_char(side: Option<Side>) -> char {
    match side {
        Some(Side::Right) => '1',
        Some(Side::Left) => '2',
        _ => '9',
    }
}

/// M86.0-M86.6 with the site and side characters.
pub fn with_site(four: &str, site: SiteChar) -> String {
    match site {
        SiteChar::Unspecified => format!("{four}0"),
        SiteChar::Multiple => format!("{four}9"),
        SiteChar::One(group, side) => {
            let digit = group.m86_digit().unwrap_or('0');
            if matches!(digit, '1'..='7') {
                format!("{four}{digit}{}", side_char(side))
            } else {
                format!("{four}{digit}")
            }
        }
    }
}

/// M86.8X- (Brodie's abscess): its own seventh-character site table.
pub fn brodie(sites: &[SiteUse]) -> String {
    let c = match site_char(sites) {
        SiteChar::Unspecified => '9',
        SiteChar::Multiple => '0',
        // Limb sites keep their M86 digit; pelvis and other sites are 8.
        SiteChar::One(group, _) => group
            .m86_digit()
            .filter(|d| matches!(d, '1'..='7'))
            .unwrap_or('8'),
    };
    format!("M86.8X{c}")
}

/// M89.7- for a major osseous defect: pelvis joins the thigh (site 5).
pub fn defect_code(sites: &[SiteUse]) -> String {
    match site_char(sites) {
        SiteChar::Unspecified => "M89.70".to_string(),
        SiteChar::Multiple => "M89.79".to_string(),
        SiteChar::One(group, side) => {
            let digit = group.m89_digit().unwrap_or('0');
            if matches!(digit, '1'..='7') {
                format!("M89.7{digit}{}", side_char(side))
            } else {
                format!("M89.7{digit}")
            }
        }
    }
}

/// The code of a site outside M86: M46.2- (vertebra), H05.02- (orbit),
/// H70.2- (petrous bone, with acuity), M27.2 (jaw).
pub fn excluded_site_code(group: SiteGroup, side: Option<Side>, acuity: Option<Acuity>) -> String {
    if let Some(d) = group.m46_digit() {
        return format!("M46.2{d}");
    }
    let lat = |side: Option<Side>| match side {
        Some(Side::Right) => '1',
        Some(Side::Left) => '2',
        Some(Side::Bilateral) => '3',
        None => '9',
    };
    match group {
        SiteGroup::Orbit => format!("H05.02{}", lat(side)),
        SiteGroup::Petrous => {
            let a = match acuity {
                Some(Acuity::Acute) => '1',
                Some(Acuity::Chronic) => '2',
                _ => '0',
            };
            format!("H70.2{a}{}", lat(side))
        }
        _ => "M27.2".to_string(),
    }
}

/// Vertebral levels in two regions are one code per region (section 8),
/// except levels that span only a junction: T11-L1 is thoracolumbar
/// (M46.25), L5-S1 lumbosacral (M46.27), C7-T1 cervicothoracic (M46.23).
/// `bone` gives a finding's bone key; the junction levels carry the keys
/// `vertebra_t11_l1`, `vertebra_l5_s1` and `vertebra_c7_t1` in site.tsv. A
/// bare "spine" beside a named region adds nothing.
pub fn merge_vertebral_regions<'a>(
    sites: &mut Vec<SiteUse>,
    bone: impl Fn(u32) -> Option<&'a str>,
) {
    use SiteGroup::*;
    let pairs = [
        (
            VertebraCervical,
            VertebraThoracic,
            VertebraCervicothoracic,
            "vertebra_c7_t1",
        ),
        (
            VertebraThoracic,
            VertebraLumbar,
            VertebraThoracolumbar,
            "vertebra_t11_l1",
        ),
        (
            VertebraLumbar,
            VertebraSacral,
            VertebraLumbosacral,
            "vertebra_l5_s1",
        ),
    ];
    for (a, b, joint, key) in pairs {
        let in_pair = |s: &SiteUse| s.group == a || s.group == b;
        let has = |g: SiteGroup| sites.iter().any(|s| s.group == g);
        let only_junction = sites
            .iter()
            .filter(|s| in_pair(s))
            .all(|s| s.findings.iter().all(|&i| bone(i) == Some(key)));
        if has(a) && has(b) && only_junction {
            let mut findings = Vec::new();
            sites.retain(|s| {
                if in_pair(s) {
                    findings.extend(s.findings.iter().copied());
                    false
                } else {
                    true
                }
            });
            sites.push(SiteUse {
                group: joint,
                side: None,
                findings,
            });
        }
    }
    let named = sites
        .iter()
        .any(|s| s.group.is_vertebral() && s.group != Vertebra);
    if named {
        sites.retain(|s| s.group != Vertebra);
    }
}

/// Organism codes to emit, with their evidence: a species code makes the
/// genus-only code of the same family redundant (B95.8 beside B95.61/.62/.7,
/// B95.5 beside B95.0-B95.4), and a resistant S. aureus makes a plain
/// "S. aureus" mention (B95.61 NOS) redundant.
pub fn prune_organisms(found: Vec<(String, u32, bool)>) -> Vec<(String, Vec<u32>)> {
    let mut codes: Vec<(String, Vec<u32>)> = Vec::new();
    let mut explicit_mssa = false;
    for (code, i, explicit) in &found {
        if code == "B95.61" && *explicit {
            explicit_mssa = true;
        }
        match codes.iter_mut().find(|(c, _)| c == code) {
            Some((_, ev)) => ev.push(*i),
            None => codes.push((code.clone(), vec![*i])),
        }
    }
    let present = |c: &str, codes: &Vec<(String, Vec<u32>)>| codes.iter().any(|(x, _)| x == c);
    let staph_species = ["B95.61", "B95.62", "B95.7"]
        .iter()
        .any(|c| present(c, &codes));
    let strep_species = ["B95.0", "B95.1", "B95.2", "B95.3", "B95.4"]
        .iter()
        .any(|c| present(c, &codes));
    let mrsa = present("B95.62", &codes);
    codes.retain(|(c, _)| match c.as_str() {
        "B95.8" => !staph_species,
        "B95.5" => !strep_species,
        "B95.61" => !mrsa || explicit_mssa,
        _ => true,
    });
    codes.sort();
    codes
}

/// Specificity of a sickle genotype: a stated thalassaemia type beats a
/// bare "sickle cell disease".
pub fn sickle_rank(s: Sickle) -> u8 {
    match s {
        Sickle::Ss => 1,
        Sickle::Thal => 2,
        Sickle::Sc | Sickle::ThalBeta0 | Sickle::ThalBetaPlus => 3,
        Sickle::Trait | Sickle::Crisis => 0,
    }
}

/// D57.- for a genotype, with or without crisis.
pub fn sickle_code(s: Sickle, crisis: bool) -> String {
    match (s, crisis) {
        (Sickle::Ss, false) => "D57.1",
        (Sickle::Ss, true) => "D57.00",
        (Sickle::Sc, false) => "D57.20",
        (Sickle::Sc, true) => "D57.219",
        (Sickle::Thal, false) => "D57.40",
        (Sickle::Thal, true) => "D57.419",
        (Sickle::ThalBeta0, false) => "D57.42",
        (Sickle::ThalBeta0, true) => "D57.439",
        (Sickle::ThalBetaPlus, false) => "D57.44",
        (Sickle::ThalBetaPlus, true) => "D57.459",
        (Sickle::Trait | Sickle::Crisis, _) => "D57.3",
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::icd::CodeTable;

    fn site_axes() -> Vec<SiteChar> {
        let mut axes = vec![SiteChar::Unspecified, SiteChar::Multiple];
        for &g in SiteGroup::ALL {
            if g.is_outside_m86() {
                continue;
            }
            for side in [None, Some(Side::Right), Some(Side::Left)] {
                axes.push(SiteChar::One(g, side));
            }
        }
        axes
    }

    fn uses(axis: SiteChar) -> Vec<SiteUse> {
        match axis {
            SiteChar::Unspecified => vec![],
            SiteChar::Multiple => vec![
                SiteUse {
                    group: SiteGroup::Femur,
                    side: None,
                    findings: vec![],
                },
                SiteUse {
                    group: SiteGroup::Hand,
                    side: None,
                    findings: vec![],
                },
            ],
            SiteChar::One(group, side) => vec![SiteUse {
                group,
                side,
                findings: vec![],
            }],
        }
    }

    /// Every code a rule can build is a billable code of the shipped table.
    #[test]
    fn every_constructible_code_is_a_billable_icd10cm_code() {
        let table = CodeTable::embedded();
        let mut codes = vec!["M86.9".to_string(), "M27.2".to_string()];
        for axis in site_axes() {
            for four in [
                "M86.0", "M86.1", "M86.2", "M86.3", "M86.4", "M86.5", "M86.6",
            ] {
                codes.push(with_site(four, axis));
            }
            codes.push(brodie(&uses(axis)));
            codes.push(defect_code(&uses(axis)));
        }
        for &g in SiteGroup::ALL.iter().filter(|g| g.is_outside_m86()) {
            for side in [
                None,
                Some(Side::Right),
                Some(Side::Left),
                Some(Side::Bilateral),
            ] {
                for acuity in [None, Some(Acuity::Acute), Some(Acuity::Chronic)] {
                    codes.push(excluded_site_code(g, side, acuity));
                }
            }
        }
        for &s in Sickle::ALL {
            for crisis in [false, true] {
                codes.push(sickle_code(s, crisis));
            }
        }
        for code in ["A02.24", "A54.43", "B67.2"] {
            assert!(is_excludes1(code));
            codes.push(code.to_string());
        }
        let bad: Vec<&String> = codes
            .iter()
            .filter(|c| !table.get(c).is_some_and(|i| i.billable))
            .collect();
        assert!(bad.is_empty(), "not billable codes of the table: {bad:?}");
    }

    #[test]
    fn site_axes_follow_the_brief() {
        assert_eq!(
            with_site("M86.5", SiteChar::One(SiteGroup::Femur, Some(Side::Left))),
            "M86.552"
        );
        assert_eq!(
            with_site("M86.6", SiteChar::One(SiteGroup::Pelvis, None)),
            "M86.68"
        );
        assert_eq!(with_site("M86.5", SiteChar::Multiple), "M86.59");
        assert_eq!(
            defect_code(&uses(SiteChar::One(SiteGroup::Pelvis, Some(Side::Right)))),
            "M89.751"
        );
        assert_eq!(
            brodie(&uses(SiteChar::One(
                SiteGroup::TibiaFibula,
                Some(Side::Left)
            ))),
            "M86.8X6"
        );
        assert_eq!(
            excluded_site_code(SiteGroup::Petrous, Some(Side::Left), Some(Acuity::Chronic)),
            "H70.222"
        );
    }

    /// Organism codes kept from those found (code, finding, susceptibility
    /// stated), with their findings.
    #[test]
    fn organism_codes_are_pruned_to_the_most_specific() {
        type Found = &'static [(&'static str, u32, bool)];
        type Kept = &'static [(&'static str, &'static [u32])];
        let cases: &[(&str, Found, Kept)] = &[
            ("one organism", &[("B96.5", 0, false)], &[("B96.5", &[0])]),
            (
                "the same code twice: one code, both findings",
                &[("B95.62", 3, false), ("B95.62", 7, false)],
                &[("B95.62", &[3, 7])],
            ),
            (
                "staph NOS beside a staph species",
                &[("B95.8", 0, false), ("B95.7", 1, false)],
                &[("B95.7", &[1])],
            ),
            (
                "strep NOS beside a strep group",
                &[("B95.5", 0, false), ("B95.0", 1, false)],
                &[("B95.0", &[1])],
            ),
            (
                "S. aureus beside MRSA: the same isolate",
                &[("B95.61", 0, false), ("B95.62", 1, false)],
                &[("B95.62", &[1])],
            ),
            (
                "a stated MSSA beside MRSA: two isolates",
                &[("B95.61", 0, true), ("B95.62", 1, false)],
                &[("B95.61", &[0]), ("B95.62", &[1])],
            ),
            (
                "genus codes of other families stay",
                &[("B95.8", 0, false), ("B96.89", 1, false)],
                &[("B95.8", &[0]), ("B96.89", &[1])],
            ),
        ];
        for (name, found, kept) in cases {
            let found = found
                .iter()
                .map(|&(c, i, s)| (c.to_string(), i, s))
                .collect();
            let got = prune_organisms(found);
            let want: Vec<(String, Vec<u32>)> = kept
                .iter()
                .map(|&(c, ev)| (c.to_string(), ev.to_vec()))
                .collect();
            assert_eq!(got, want, "{name}");
        }
    }
}
