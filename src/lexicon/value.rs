//! Typed values of lexicon rows: what a matched term means to the rules.

use super::ContextRule;
use crate::keyed::keyed_enum;
use serde::Serialize;

/// The meaning of one lexicon row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// condition.tsv
    Condition(ConditionKind),
    /// site.tsv: the ICD site group and the bone's own name, used to carry a
    /// side from an earlier mention of the same bone.
    Site {
        /// Site group.
        group: SiteGroup,
        /// Bone key ("femur", "metatarsal").
        bone: Box<str>,
    },
    /// side.tsv
    Side(Side),
    /// route.tsv
    Route(Route),
    /// organism.tsv: the code a documented organism is coded with.
    Organism(Box<str>),
    /// specimen.tsv
    Specimen(SpecimenKind),
    /// culture_result.tsv
    CultureResult(CultureResult),
    /// imaging.tsv: finding key.
    Imaging(Box<str>),
    /// modality.tsv: modality key.
    Modality(Box<str>),
    /// acuity.tsv
    Acuity(Acuity),
    /// sinus.tsv
    Sinus(Box<str>),
    /// defect.tsv
    Defect(Box<str>),
    /// sickle.tsv: genotype (or the crisis modifier).
    Sickle(Sickle),
    /// crmo.tsv
    Crmo(CrmoCue),
    /// vague.tsv
    Vague(Box<str>),
    /// duration.tsv: the unit (`week`, `month`, `year`) as read from the
    /// lexicon; in the evidence map, `long` (six weeks or more) or `short`.
    Duration(Box<str>),
    /// A code written in the note (no lexicon file: read by pattern), dotted
    /// and upper case.
    Code(Box<str>),
    /// context.tsv
    Context(ContextRule),
    /// section.tsv
    Section(SectionKind),
    /// sense.tsv: the shorthand condition term (lower case) whose other
    /// meaning this word shows ("otitis" for "OM").
    Sense(Box<str>),
}

keyed_enum! {
    key = key, noun = "ConditionKind";
    /// The named form of bone infection a condition term documents.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum ConditionKind {
        /// Osteomyelitis NOS (and synonyms).
        Osteomyelitis => "osteomyelitis",
        /// Osteomyelitis of a vertebra (spondylodiscitis, vertebral osteomyelitis).
        Vertebral => "vertebral",
        /// Brodie's abscess (M86.8X-).
        Brodie => "brodie",
        /// Chronic recurrent multifocal / nonbacterial osteomyelitis (M86.3-).
        Crmo => "crmo",
        /// Petrositis (H70.2-).
        Petrositis => "petrositis",
        /// Osteomyelitis of the jaw (M27.2).
        Jaw => "jaw",
        /// Shorthand with other meanings ("OM", "osteo"): osteomyelitis
        /// only where the words around it name bone (see `structure`).
        Shorthand => "shorthand",
    }
}

keyed_enum! {
    key = key, noun = "SiteGroup";
    /// ICD-10-CM skeletal site groups, plus the Excludes2 sites and the jaw.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum SiteGroup {
        /// Shoulder region: clavicle, scapula.
        Shoulder => "shoulder",
        /// Humerus.
        Humerus => "humerus",
        /// Radius and ulna (forearm).
        RadiusUlna => "radius_ulna",
        /// Hand: carpals, metacarpals, finger phalanges.
        Hand => "hand",
        /// Femur (thigh).
        Femur => "femur",
        /// Tibia and fibula (lower leg).
        TibiaFibula => "tibia_fibula",
        /// Ankle and foot.
        AnkleFoot => "ankle_foot",
        /// Pelvis: M86 other site (8) but M89.7 pelvic region (5).
        Pelvis => "pelvis",
        /// Other site: ribs, sternum, skull.
        Other => "other",
        /// Vertebra, region not stated (M46.20).
        Vertebra => "vertebra",
        /// Occipito-atlanto-axial vertebrae (M46.21).
        VertebraOccipital => "vertebra_occipital",
        /// Cervical vertebrae (M46.22).
        VertebraCervical => "vertebra_cervical",
        /// Cervicothoracic (M46.23).
        VertebraCervicothoracic => "vertebra_cervicothoracic",
        /// Thoracic (M46.24).
        VertebraThoracic => "vertebra_thoracic",
        /// Thoracolumbar (M46.25).
        VertebraThoracolumbar => "vertebra_thoracolumbar",
        /// Lumbar (M46.26).
        VertebraLumbar => "vertebra_lumbar",
        /// Lumbosacral (M46.27).
        VertebraLumbosacral => "vertebra_lumbosacral",
        /// Sacral and sacrococcygeal (M46.28).
        VertebraSacral => "vertebra_sacral",
        /// Orbit (H05.02-).
        Orbit => "orbit",
        /// Petrous bone (H70.2-).
        Petrous => "petrous",
        /// Jaw (M27.2).
        Jaw => "jaw",
    }
}

impl SiteGroup {
    /// The M86.0-M86.6 fifth character, for sites inside M86.
    pub fn m86_digit(self) -> Option<char> {
        Some(match self {
            SiteGroup::Shoulder => '1',
            SiteGroup::Humerus => '2',
            SiteGroup::RadiusUlna => '3',
            SiteGroup::Hand => '4',
            SiteGroup::Femur => '5',
            SiteGroup::TibiaFibula => '6',
            SiteGroup::AnkleFoot => '7',
            SiteGroup::Pelvis | SiteGroup::Other => '8',
            _ => return None,
        })
    }

    /// The M89.7 (major osseous defect) site character: pelvis joins femur.
    pub fn m89_digit(self) -> Option<char> {
        match self {
            SiteGroup::Pelvis => Some('5'),
            other => other.m86_digit(),
        }
    }

    /// True for sites whose codes carry a side (M86 sites 1-7, orbit, petrous).
    pub fn has_side(self) -> bool {
        matches!(self.m86_digit(), Some('1'..='7')) || self.is_side_excluded()
    }

    fn is_side_excluded(self) -> bool {
        matches!(self, SiteGroup::Orbit | SiteGroup::Petrous)
    }

    /// True for vertebral groups (M46.2-).
    pub fn is_vertebral(self) -> bool {
        self.m46_digit().is_some()
    }

    /// The M46.2 region character.
    pub fn m46_digit(self) -> Option<char> {
        Some(match self {
            SiteGroup::Vertebra => '0',
            SiteGroup::VertebraOccipital => '1',
            SiteGroup::VertebraCervical => '2',
            SiteGroup::VertebraCervicothoracic => '3',
            SiteGroup::VertebraThoracic => '4',
            SiteGroup::VertebraThoracolumbar => '5',
            SiteGroup::VertebraLumbar => '6',
            SiteGroup::VertebraLumbosacral => '7',
            SiteGroup::VertebraSacral => '8',
            _ => return None,
        })
    }

    /// True for sites M86 excludes (Excludes2) or that sit outside M86.
    pub fn is_outside_m86(self) -> bool {
        self.is_vertebral()
            || matches!(self, SiteGroup::Orbit | SiteGroup::Petrous | SiteGroup::Jaw)
    }
}

keyed_enum! {
    key = key, noun = "Side";
    /// A side.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum Side {
        /// Right.
        Right => "right",
        /// Left.
        Left => "left",
        /// Both sides.
        Bilateral => "bilateral",
    }
}

keyed_enum! {
    key = key, noun = "Route";
    /// Route of infection.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum Route {
        /// Blood-borne (M86.0-, M86.5-).
        Hematogenous => "hematogenous",
        /// Spread from an ulcer, soft tissue or joint.
        Contiguous => "contiguous",
        /// After surgery or around hardware.
        Postoperative => "postoperative",
        /// After trauma, open fracture.
        Posttraumatic => "posttraumatic",
        /// Direct inoculation (puncture, bite).
        Direct => "direct",
    }
}

keyed_enum! {
    key = key, noun = "SpecimenKind";
    /// Where a specimen came from.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum SpecimenKind {
        /// Bone biopsy or bone culture.
        Bone => "bone",
        /// Blood culture.
        Blood => "blood",
        /// Wound, sinus or tissue culture.
        Wound => "wound",
        /// A superficial swab: not a culture of the bone.
        Swab => "swab",
        /// A specimen of another site (urine, sputum, stool): its organism
        /// is another infection's.
        Remote => "remote",
        /// Middle-ear fluid, ear drainage, an ear-canal culture: another
        /// infection's organism (otitis), except for a bone infection of
        /// the skull base the ear drains into (petrous apex, temporal
        /// bone), whose organism it is.
        Ear => "ear",
        /// Joint fluid or aspirate.
        Aspirate => "aspirate",
        /// A colonisation screen (MRSA nares swab).
        Screen => "screen",
        /// A culture of unstated source.
        Culture => "culture",
        /// Histopathology.
        Pathology => "pathology",
    }
}

keyed_enum! {
    key = key, noun = "CultureResult";
    /// A culture result that names no organism.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum CultureResult {
        /// No growth, sterile, negative.
        Negative => "negative",
        /// Growth reported (the organism may follow).
        Positive => "positive",
        /// Pending, not yet resulted.
        Pending => "pending",
        /// A fungus grew: a culture result, but one with no B95-B97 code
        /// (domain brief section 8).
        Fungal => "fungal",
    }
}

keyed_enum! {
    key = key, noun = "Acuity";
    /// Acuity of the infection.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum Acuity {
        /// Acute.
        Acute => "acute",
        /// Subacute.
        Subacute => "subacute",
        /// Chronic.
        Chronic => "chronic",
        /// Recurrent, relapsing: a chronic indicator (domain brief section
        /// 5) that yields to an explicit acuity word.
        Recurrent => "recurrent",
        /// Acute on chronic: both the acute and the chronic code (section 8).
        AcuteOnChronic => "acute_on_chronic",
    }
}

keyed_enum! {
    key = key, noun = "Sickle";
    /// Sickle cell genotype (D57.-), or the crisis modifier.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum Sickle {
        /// Hb-SS disease, sickle cell disease NOS.
        Ss => "ss",
        /// Hb-SC disease.
        Sc => "sc",
        /// Sickle-cell thalassemia, type not stated.
        Thal => "thal",
        /// Sickle-cell beta-zero thalassemia.
        ThalBeta0 => "thal_beta0",
        /// Sickle-cell beta-plus thalassemia.
        ThalBetaPlus => "thal_betaplus",
        /// Trait (carrier, not disease: not coded as D57 disease).
        Trait => "trait",
        /// A crisis (vaso-occlusive, pain crisis).
        Crisis => "crisis",
    }
}

keyed_enum! {
    key = key, noun = "CrmoCue";
    /// Features of chronic nonbacterial osteomyelitis.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum CrmoCue {
        /// Sterile cultures or biopsy.
        Sterile => "sterile",
        /// Autoinflammatory process.
        Autoinflammatory => "autoinflammatory",
        /// Multifocal, recurrent lesions.
        Multifocal => "multifocal",
        /// Nonbacterial.
        Nonbacterial => "nonbacterial",
    }
}

keyed_enum! {
    key = key, noun = "SectionKind";
    /// Kind of a section; a section sets the default context of its text.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum SectionKind {
        /// Untitled text.
        Other => "other",
        /// History of present illness, subjective.
        History => "history",
        /// Past medical or surgical history.
        PastHistory => "past_history",
        /// Family history.
        FamilyHistory => "family_history",
        /// Social history.
        SocialHistory => "social_history",
        /// Medications, allergies.
        Medications => "medications",
        /// Physical examination, objective.
        Exam => "exam",
        /// Imaging, findings.
        Imaging => "imaging",
        /// Microbiology, cultures, pathology.
        Microbiology => "microbiology",
        /// Laboratory results.
        Labs => "labs",
        /// Indication, clinical history, reason for exam.
        Indication => "indication",
        /// Assessment, impression, diagnosis.
        Assessment => "assessment",
        /// Plan, recommendations.
        Plan => "plan",
        /// An addendum: where it restates the diagnosis, it supersedes the
        /// report above it.
        Addendum => "addendum",
        /// A differential diagnosis list: every diagnosis in it is uncertain.
        Differential => "differential",
        /// A case report's discussion, background or literature review: what
        /// it says of the disease is general, not the patient's. Only in a
        /// note that has a [`SectionKind::Case`] section; elsewhere ("MDT
        /// discussion:") it is the patient's and reads as untitled text.
        Discussion => "discussion",
        /// The case presentation of a published case report: the patient's
        /// history, read like a history section.
        Case => "case",
        /// Health maintenance, immunisations, screening: vaccines name no
        /// organism of an infection.
        HealthMaintenance => "health_maintenance",
    }
}
