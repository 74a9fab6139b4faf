//! What the rules conclude: codes with their roles, and flags with their
//! ids, each with the findings behind it. Apart from the rules themselves
//! so that what reads a conclusion (the flag texts, the queries, the
//! output) depends on these types only.

use crate::keyed::keyed_enum;
use serde::Serialize;

keyed_enum! {
    key = as_str, noun = "FlagId";
    /// Every gap id of the domain brief, section 6.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum FlagId {
        /// Neither acute, subacute nor chronic: falls to M86.9.
        AcuityNotDocumented => "ACUITY_NOT_DOCUMENTED",
        /// Chronic, no route stated: falls to M86.6-.
        RouteNotDocumented => "ROUTE_NOT_DOCUMENTED",
        /// Only a vague region or plural names the site.
        SiteVague => "SITE_VAGUE",
        /// A limb site without a side.
        LateralityMissing => "LATERALITY_MISSING",
        /// No organism and no culture result at all.
        OrganismNotDocumented => "ORGANISM_NOT_DOCUMENTED",
        /// Salmonella, gonococcal or echinococcal: M86 is wrong.
        ExcludedOrganism => "EXCLUDED_ORGANISM",
        /// Vertebral, orbital or petrous involvement: coded outside M86.
        ExcludedSite => "EXCLUDED_SITE",
        /// Sterile, autoinflammatory, multifocal: M86.3-.
        CrmoFeatures => "CRMO_FEATURES",
        /// Organism documented, claim lacks its B95-B97 code.
        OrganismCodeMissing => "ORGANISM_CODE_MISSING",
        /// Major osseous defect documented, claim lacks M89.7-.
        OsseousDefectCodeMissing => "OSSEOUS_DEFECT_CODE_MISSING",
        /// Claim less specific than the note.
        UnspecifiedCodeUsed => "UNSPECIFIED_CODE_USED",
        /// Claim contradicts the note.
        CodeNotSupported => "CODE_NOT_SUPPORTED",
    }
}

impl FlagId {
    /// Parses a gold-file id.
    pub fn parse(s: &str) -> Option<FlagId> {
        s.parse().ok()
    }
}

keyed_enum! {
    key = as_str, noun = "Role";
    /// Whether a code is the diagnosis or a "use additional code" companion.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
    pub enum Role {
        /// M86 or the code that replaces it.
        Primary => "primary",
        /// B95-B97, M89.7-, D57.-.
        Additional => "additional",
    }
}

/// A code the documentation supports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SuggestedCode {
    /// The code, dotted, upper case.
    pub code: String,
    /// Primary or additional.
    pub role: Role,
    /// Indices of the findings that support it.
    pub evidence: Vec<u32>,
}

/// A documentation gap or a claim problem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Flag {
    /// The gap id.
    pub id: FlagId,
    /// The gap in one sentence, from `queries/queries.tsv`; the query that
    /// goes with it is `crate::queries::build`.
    pub message: String,
    /// Indices of the findings behind it (may be empty when the gap is an
    /// absence, e.g. no organism anywhere).
    pub evidence: Vec<u32>,
}

/// What the rules conclude.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// Suggested codes.
    pub codes: Vec<SuggestedCode>,
    /// Gaps.
    pub flags: Vec<Flag>,
}
