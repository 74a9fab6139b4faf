//! Every gap flag of the domain brief (section 6): one note where it must
//! fire and one near miss where it must not, each with the whole expected
//! code set. Written as data; the runner reports every mismatch at once.

use docgap::{Analyzer, FlagId};

struct Case {
    name: &'static str,
    text: &'static str,
    claim: Option<&'static [&'static str]>,
    codes: &'static [&'static str],
    flags: &'static [&'static str],
}

const CASES: &[Case] = &[
    // ACUITY_NOT_DOCUMENTED
    Case {
        name: "acuity missing: osteomyelitis without acute/chronic",
        text: "Podiatry note. R 1st metatarsal head ulcer probes to bone.\nBone biopsy: Proteus mirabilis.\nAssessment: osteomyelitis of the right first metatarsal.",
        claim: None,
        codes: &["M86.9", "B96.4"],
        flags: &["ACUITY_NOT_DOCUMENTED"],
    },
    Case {
        name: "acuity near miss: subacute stated",
        text: "Impression: subacute osteomyelitis of the left calcaneus. Bone culture: no growth.",
        claim: None,
        codes: &["M86.272"],
        flags: &[],
    },
    // ROUTE_NOT_DOCUMENTED
    Case {
        name: "route missing: chronic, no route",
        text: "A/P: Chronic osteomyelitis of the right tibia. Intraoperative cultures grew Serratia marcescens.",
        claim: None,
        codes: &["M86.661", "B96.89"],
        flags: &["ROUTE_NOT_DOCUMENTED"],
    },
    Case {
        name: "route near miss: hematogenously seeded",
        text: "Assessment: chronic osteomyelitis of the left humerus, hematogenously seeded during the Enterococcus faecalis bacteremia in March.",
        claim: None,
        codes: &["M86.522", "B95.2"],
        flags: &[],
    },
    // SITE_VAGUE
    Case {
        name: "site vague: lower extremities only",
        text: "Assessment: acute osteomyelitis of the lower extremities per outside report; bones not named. Blood cultures: no growth.",
        claim: None,
        codes: &["M86.10"],
        flags: &["SITE_VAGUE"],
    },
    Case {
        name: "site vague near miss: named bones with sides",
        text: "Assessment: acute osteomyelitis of the right radius and the left fibula. Blood cultures: no growth.",
        claim: None,
        codes: &["M86.19"],
        flags: &[],
    },
    // LATERALITY_MISSING
    Case {
        name: "laterality missing: fibula without side",
        text: "Impression: acute osteomyelitis of the distal fibula after an open fracture. Wound culture: Enterobacter cloacae.",
        claim: None,
        codes: &["M86.169", "B96.89"],
        flags: &["LATERALITY_MISSING"],
    },
    Case {
        name: "laterality near miss: rib has no side character",
        text: "Impression: acute osteomyelitis of the 7th rib after a thoracotomy. Bone culture: Staphylococcus epidermidis.",
        claim: None,
        codes: &["M86.18", "B95.7"],
        flags: &[],
    },
    Case {
        name: "laterality near miss: Brodie's abscess codes have no side character",
        text: "IMPRESSION:\n1. Brodie's abscess of the distal tibial metaphysis.\n2. Recommend curettage and culture.",
        claim: None,
        codes: &["M86.8X6"],
        flags: &["ORGANISM_NOT_DOCUMENTED"],
    },
    Case {
        name: "laterality near miss: side stated earlier for the same bone",
        text: "MRI left femur: marrow edema and sequestrum.\nAssessment: chronic osteomyelitis of the femur after plate fixation. Bone biopsy: no growth.",
        claim: None,
        codes: &["M86.652"],
        flags: &[],
    },
    // ORGANISM_NOT_DOCUMENTED
    Case {
        name: "organism missing: no culture at all",
        text: "Assessment: acute osteomyelitis of the left ulna after a dog bite (direct inoculation). Started amoxicillin-clavulanate.",
        claim: None,
        codes: &["M86.132"],
        flags: &["ORGANISM_NOT_DOCUMENTED"],
    },
    Case {
        name: "organism near miss: cultures with no growth are a result",
        text: "Assessment: acute osteomyelitis of the left ulna after a dog bite (direct inoculation). Bone cultures: no growth at 5 days.",
        claim: None,
        codes: &["M86.132"],
        flags: &[],
    },
    // EXCLUDED_ORGANISM
    Case {
        name: "excluded organism: salmonella replaces M86",
        text: "Assessment: acute Salmonella osteomyelitis of the left femur in a child with sickle cell disease, no crisis.",
        claim: None,
        codes: &["A02.24", "D57.1"],
        flags: &["EXCLUDED_ORGANISM"],
    },
    Case {
        name: "excluded organism near miss: salmonella ruled out",
        text: "Assessment: acute osteomyelitis of the left femur, hematogenous. Blood culture: Streptococcus pneumoniae; stool negative for Salmonella.",
        claim: None,
        codes: &["M86.052", "B95.3"],
        flags: &[],
    },
    // EXCLUDED_SITE
    Case {
        name: "excluded site: lumbar vertebral osteomyelitis",
        text: "MRI: L3-L4 spondylodiscitis with epidural phlegmon.\nAssessment: vertebral osteomyelitis of the lumbar spine. Blood cultures: MSSA.",
        claim: None,
        codes: &["M46.26", "B95.61"],
        flags: &["EXCLUDED_SITE"],
    },
    Case {
        name: "excluded site near miss: spine imaging normal",
        text: "MRI of the spine is normal.\nAssessment: acute hematogenous osteomyelitis of the right tibia. Blood cultures: MSSA.",
        claim: None,
        codes: &["M86.061", "B95.61"],
        flags: &[],
    },
    // CRMO_FEATURES
    Case {
        name: "CRMO features without the name",
        text: "Whole-body MRI: lesions of the left clavicle and both tibiae.\nBiopsy of the left clavicle: sterile, cultures negative.\nAssessment: chronic nonbacterial osteomyelitis, autoinflammatory.",
        claim: None,
        codes: &["M86.39"],
        flags: &["CRMO_FEATURES"],
    },
    Case {
        name: "CRMO near miss: sterile culture in a bacterial infection",
        text: "Assessment: chronic osteomyelitis of the right calcaneus, contiguous from a heel ulcer. Bone culture sterile after antibiotics.",
        claim: None,
        codes: &["M86.671"],
        flags: &[],
    },
    // ORGANISM_CODE_MISSING
    Case {
        name: "organism code missing from the claim",
        text: "Assessment: chronic osteomyelitis of the left tibia with a draining sinus. Sinus tract culture: Pseudomonas aeruginosa.",
        claim: Some(&["M86.462"]),
        codes: &["M86.462", "B96.5"],
        flags: &["ORGANISM_CODE_MISSING"],
    },
    Case {
        name: "organism code near miss: claim has it",
        text: "Assessment: chronic osteomyelitis of the left tibia with a draining sinus. Sinus tract culture: Pseudomonas aeruginosa.",
        claim: Some(&["M86.462", "B96.5"]),
        codes: &["M86.462", "B96.5"],
        flags: &[],
    },
    // OSSEOUS_DEFECT_CODE_MISSING
    Case {
        name: "osseous defect code missing from the claim",
        text: "Assessment: chronic osteomyelitis of the right femur, post-operative, with a 5 cm segmental bone defect after resection. Cultures: no growth.",
        claim: Some(&["M86.651"]),
        codes: &["M86.651", "M89.751"],
        flags: &["OSSEOUS_DEFECT_CODE_MISSING"],
    },
    Case {
        name: "osseous defect near miss: no defect documented",
        text: "Assessment: chronic osteomyelitis of the right femur, post-operative; no bone loss. Cultures: no growth.",
        claim: Some(&["M86.651"]),
        codes: &["M86.651"],
        flags: &[],
    },
    Case {
        name: "osseous defect near miss: bone loss said to be small",
        text: "XR R hand: some bone loss and periosteal new bone, proximal phalanx.\nAssessment: subacute osteomyelitis of the right index finger proximal phalanx. Bone curettage: Pasteurella multocida.",
        claim: Some(&["M86.241", "B96.89"]),
        codes: &["M86.241", "B96.89"],
        flags: &[],
    },
    // UNSPECIFIED_CODE_USED
    Case {
        name: "unspecified code used: M86.9 billed for a specific note",
        text: "Assessment: acute hematogenous osteomyelitis of the left tibia (M86.9). Blood cultures: group A streptococcus.",
        claim: None,
        codes: &["M86.062", "B95.0"],
        flags: &["ORGANISM_CODE_MISSING", "UNSPECIFIED_CODE_USED"],
    },
    Case {
        name: "unspecified near miss: M86.9 is right when no acuity",
        text: "Assessment: osteomyelitis of the left 2nd toe (M86.9). Bone culture: no growth.",
        claim: None,
        codes: &["M86.9"],
        flags: &["ACUITY_NOT_DOCUMENTED"],
    },
    // CODE_NOT_SUPPORTED
    Case {
        name: "code not supported: osteomyelitis negated",
        text: "MRI right foot: no evidence of osteomyelitis. Cellulitis only.",
        claim: Some(&["M86.171"]),
        codes: &[],
        flags: &["CODE_NOT_SUPPORTED"],
    },
    Case {
        name: "code not supported: multiple sites billed for one site",
        text: "Assessment: chronic osteomyelitis of the right tibia, hematogenous. Bone biopsy: no growth.",
        claim: Some(&["M86.59"]),
        codes: &["M86.561"],
        flags: &["CODE_NOT_SUPPORTED"],
    },
    Case {
        name: "code not supported: an organism code the note does not document",
        text: "Assessment: chronic osteomyelitis of the right tibia, hematogenous. Bone biopsy: MSSA.",
        claim: Some(&["M86.561", "B95.61", "B96.1"]),
        codes: &["M86.561", "B95.61"],
        flags: &["CODE_NOT_SUPPORTED"],
    },
    Case {
        name: "code not supported near miss: the organism code of another infection (urine)",
        text: "Assessment: chronic osteomyelitis of the right tibia, hematogenous. Bone biopsy: MSSA.\nUrine culture: Klebsiella pneumoniae >100K, cystitis, treated.",
        claim: Some(&["M86.561", "B95.61", "N30.00", "B96.1"]),
        codes: &["M86.561", "B95.61"],
        flags: &[],
    },
    Case {
        name: "code not supported: a colonisation screen's organism is no code for another infection",
        text: "Assessment: chronic osteomyelitis of the right tibia, hematogenous. Bone biopsy: MSSA.\nMRSA nares screen positive.",
        claim: Some(&["M86.561", "B95.61", "B95.62"]),
        codes: &["M86.561", "B95.61"],
        flags: &["CODE_NOT_SUPPORTED"],
    },
    Case {
        name: "code not supported near miss: claim matches",
        text: "Assessment: chronic osteomyelitis of the right tibia, hematogenous. Bone biopsy: no growth.",
        claim: Some(&["M86.561"]),
        codes: &["M86.561"],
        flags: &[],
    },
];

#[test]
fn every_flag_fires_and_has_a_near_miss() {
    let analyzer = Analyzer::new();
    let mut failures = Vec::new();
    for case in CASES {
        let claim: Option<Vec<String>> = case
            .claim
            .map(|c| c.iter().map(|s| s.to_string()).collect());
        let a = analyzer.analyze_with_claim(case.text, claim.as_deref());
        let mut codes: Vec<&str> = a.codes.iter().map(|c| c.code.as_str()).collect();
        codes.sort_unstable();
        let mut want_codes = case.codes.to_vec();
        want_codes.sort_unstable();
        let mut flags: Vec<&str> = a.flags.iter().map(|f| f.id.as_str()).collect();
        flags.sort_unstable();
        let mut want_flags = case.flags.to_vec();
        want_flags.sort_unstable();
        if codes != want_codes || flags != want_flags {
            failures.push(format!(
                "{}:\n    codes {codes:?}, expected {want_codes:?}\n    flags {flags:?}, expected {want_flags:?}",
                case.name
            ));
        }
    }
    // Coverage of the table itself: each flag fires somewhere and is absent
    // from at least one note that has an osteomyelitis code.
    for flag in FlagId::ALL {
        let id = flag.as_str();
        let fires = CASES.iter().any(|c| c.flags.contains(&id));
        let near_miss = CASES
            .iter()
            .any(|c| !c.flags.contains(&id) && c.codes.iter().any(|x| x.starts_with("M86")));
        if !fires || !near_miss {
            failures.push(format!("{id}: no firing case or no near miss in the table"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
