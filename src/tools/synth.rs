//! Synthetic clinical notes for benchmarks: a corpus anyone can rebuild
//! from two numbers (`docgap synth --notes N --seed S`), shaped like real
//! exports so throughput figures mean something.
//!
//! What it imitates, because each changes the cost of a note:
//! - note types and their lengths (0.5 to 20 KB): nursing and radiology
//!   notes short, progress notes and consults medium, discharge summaries
//!   long;
//! - structure: upper-case and colon headers, numbered and bulleted lists,
//!   vitals lines, hard-wrapped paragraphs, runs of spaces;
//! - copy-forward: notes of the same patient repeat whole paragraphs of
//!   earlier ones, as EHR text does;
//! - osteomyelitis content in a minority of notes (about one in ten
//!   affirmed, a few more negated or historical), among unrelated bone
//!   findings; [`notes_with`] (`docgap synth --osteo-share PCT`) sets the
//!   share of notes that mention a bone infection at all, for benchmarks
//!   of a batch where it is rare or common;
//! - non-ASCII: degree signs, micro signs, subscripts, accented names, en
//!   dashes, no-break spaces, bullets.
//!
//! The text is made up from templates; it is not clinical advice and not
//! gold data (no expected codes). The generator is a fixed splitmix64, so a
//! seed gives the same bytes on every machine and version of Rust.

use std::io::Write;

/// One generated note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynthNote {
    /// `synth-<seed>-<n>`.
    pub id: String,
    /// The note type: nursing, radiology, operative, progress, consult,
    /// discharge.
    pub kind: &'static str,
    /// The note text.
    pub text: String,
}

/// splitmix64: tiny, fast, and fixed forever (unlike a library's default).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Note types: name, length range in bytes, weight in a batch.
const KINDS: [(&str, usize, usize, usize); 6] = [
    ("nursing", 500, 2_000, 25),
    ("radiology", 500, 3_000, 20),
    ("operative", 2_000, 6_000, 10),
    ("progress", 2_000, 8_000, 25),
    ("consult", 3_000, 12_000, 12),
    ("discharge", 6_000, 20_000, 8),
];

const HEADERS: &[&str] = &[
    "CHIEF COMPLAINT:",
    "HISTORY OF PRESENT ILLNESS:",
    "Past Medical History:",
    "PAST SURGICAL HISTORY:",
    "Medications:",
    "ALLERGIES:",
    "Social History:",
    "Family History:",
    "REVIEW OF SYSTEMS:",
    "Physical Exam:",
    "Labs:",
    "Imaging:",
    "Hospital Course:",
    "Assessment and Plan:",
    "PLAN:",
];

const NAMES: &[&str] = &[
    "Dr. Müller",
    "Dr. Nguyễn",
    "Dr. O'Brien",
    "José Peña, RN",
    "Dr. Søren Ålund",
    "Dr. Smith",
    "Zoë Clarke, PA-C",
];

const GENERAL: &[&str] = &[
    "Patient is a {age}-year-old {sex} with a history of {pmh} who presents with {cc}.",
    "Symptoms began {n} days ago and have been gradually worsening.",
    "Denies fever, chills, night sweats, chest pain or shortness of breath.",
    "Seen and examined at bedside with {name}; plan discussed with the patient and family.",
    "Tolerating diet, ambulating with assistance, pain controlled on current regimen.",
    "Vitals: T {temp} °C, HR {hr}, BP {bp}, RR 16, SpO\u{2082} {spo2} % on room air.",
    "Labs notable for WBC {wbc}, hemoglobin {hgb} g/dL, creatinine {cr} mg/dL, CRP {crp} mg/L.",
    "Lungs clear to auscultation bilaterally.  Heart regular rate and rhythm, no murmurs.",
    "Abdomen soft, non-tender, non-distended; bowel sounds present.",
    "Continue home medications; vitamin B12 1000 µg daily and metformin 500 mg twice daily.",
    "Mother with type 2 diabetes; father with coronary artery disease.",
    "Former smoker, quit {n} years ago; drinks alcohol socially.",
    "Blood glucose 180\u{2013}240 mg/dL over the past 24 hours; insulin sliding scale adjusted.",
    "Follow up in clinic in {n} weeks with repeat labs.",
    "Physical therapy to evaluate and treat; fall precautions.",
    "The risks, benefits and alternatives were explained and consent was obtained.",
    "Chest X-ray shows no acute cardiopulmonary process.",
    "ECG: normal sinus rhythm, no ST changes.",
    "Skin warm and dry; no rashes.  Extremities without edema.",
    "Left knee effusion aspirated, fluid sent for cell count and culture.",
    "Right\u{a0}hip pain after a fall at home; X-ray negative for fracture.",
    "No evidence of deep vein thrombosis on duplex ultrasound of the left leg.",
    "Patient reports nausea since starting the new antibiotic; ondansetron as needed.",
];

const LIST_ITEMS: &[&str] = &[
    "Hypertension \u{2013} continue lisinopril 10 mg daily",
    "Type 2 diabetes mellitus with hyperglycemia",
    "Chronic kidney disease stage 3",
    "Hyperlipidemia, on atorvastatin",
    "Community-acquired pneumonia, improving",
    "Acute kidney injury, resolved with fluids",
    "Cellulitis of the right lower leg",
    "Atrial fibrillation, rate controlled",
    "Deep vein thrombosis prophylaxis: enoxaparin",
    "Depression, stable on sertraline",
];

/// Osteomyelitis sentences, affirmed.
const OSTEO: &[&str] = &[
    "Assessment: chronic osteomyelitis of the {side} {bone} with a draining sinus tract.",
    "MRI {side} foot: marrow edema and cortical erosion of the {bone}, consistent with acute osteomyelitis.",
    "Bone biopsy of the {side} {bone}: culture grew {organism}.",
    "Impression: acute hematogenous osteomyelitis of the {side} {bone}.",
    "Probe-to-bone test positive at the plantar ulcer; osteomyelitis of the {bone} suspected clinically and confirmed on MRI.",
    "Plan: IV vancomycin for 6 weeks for chronic osteomyelitis of the {side} {bone} (sequestrum on CT).",
];

/// Bone words next to osteomyelitis: negated, historical or unrelated.
const OSTEO_NEAR: &[&str] = &[
    "No evidence of osteomyelitis on MRI of the {side} foot.",
    "History of osteomyelitis of the {side} {bone} as a child, treated surgically.",
    "Rule out osteomyelitis; X-ray of the {side} {bone} pending.",
    "Wound base granulating, no exposed bone, probe-to-bone negative.",
];

const BONES: &[&str] = &[
    "femur",
    "tibia",
    "calcaneus",
    "first metatarsal head",
    "distal phalanx of the great toe",
    "humerus",
    "fibula",
    "second toe",
];
const SIDES: &[&str] = &["left", "right", "L", "R"];
const ORGANISMS: &[&str] = &[
    "MRSA",
    "methicillin-sensitive Staphylococcus aureus",
    "Pseudomonas aeruginosa",
    "Streptococcus agalactiae",
    "E. coli",
];

fn fill(template: &str, rng: &mut Rng) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = open + rest[open..].find('}').expect("templates close their slots");
        let slot = &rest[open + 1..close];
        let value = match slot {
            "age" => (18 + rng.below(75)).to_string(),
            "sex" => rng.pick(&["male", "female"]).to_string(),
            "pmh" => rng
                .pick(&[
                    "diabetes and peripheral neuropathy",
                    "hypertension",
                    "COPD",
                    "sickle cell disease",
                    "end-stage renal disease on hemodialysis",
                ])
                .to_string(),
            "cc" => rng
                .pick(&[
                    "foot pain",
                    "shortness of breath",
                    "fever",
                    "abdominal pain",
                    "a non-healing ulcer",
                ])
                .to_string(),
            "n" => (2 + rng.below(12)).to_string(),
            "name" => rng.pick(NAMES).to_string(),
            "temp" => format!("{}.{}", 36 + rng.below(3), rng.below(10)),
            "hr" => (60 + rng.below(50)).to_string(),
            "bp" => format!("{}/{}", 100 + rng.below(60), 60 + rng.below(30)),
            "spo2" => (90 + rng.below(10)).to_string(),
            "wbc" => format!("{}.{}", 4 + rng.below(14), rng.below(10)),
            "hgb" => format!("{}.{}", 8 + rng.below(8), rng.below(10)),
            "cr" => format!("{}.{}", rng.below(3), rng.below(10)),
            "crp" => (rng.below(200)).to_string(),
            "side" => rng.pick(SIDES).to_string(),
            "bone" => rng.pick(BONES).to_string(),
            "organism" => rng.pick(ORGANISMS).to_string(),
            other => other.to_string(),
        };
        out.push_str(&value);
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Wraps a paragraph at about `width` columns, as dictation systems do.
fn wrap(paragraph: &str, width: usize) -> String {
    let mut out = String::with_capacity(paragraph.len() + 8);
    let mut col = 0;
    for word in paragraph.split(' ') {
        if col > 0 && col + word.len() > width {
            out.push('\n');
            col = 0;
        } else if col > 0 {
            out.push(' ');
            col += 1;
        }
        out.push_str(word);
        col += word.chars().count();
    }
    out
}

/// The generator: an iterator of notes.
pub struct Synth {
    rng: Rng,
    seed: u64,
    remaining: usize,
    number: usize,
    /// Paragraphs of the current patient's earlier notes, for copy-forward.
    carried: Vec<String>,
    /// Percent of notes mentioning a bone infection, when set.
    share: Option<u32>,
}

/// `n` notes from `seed`; the same pair always gives the same notes.
pub fn notes(n: usize, seed: u64) -> Synth {
    notes_with(n, seed, None)
}

/// `n` notes from `seed` of which about `share` percent (0 to 100) mention
/// a bone infection: two in three of those affirm it, one in three negates
/// it or puts it in the history. `None` gives the corpus of [`notes`]
/// (about 10 % affirmed and 5 % more mentions), byte for byte.
pub fn notes_with(n: usize, seed: u64, share: Option<u32>) -> Synth {
    Synth {
        rng: Rng(seed ^ 0x6f73_7465_6f6d_7965),
        seed,
        remaining: n,
        number: 0,
        carried: Vec::new(),
        share: share.map(|s| s.min(100)),
    }
}

impl Synth {
    fn note(&mut self) -> SynthNote {
        let rng = &mut self.rng;
        // A new patient every few notes: copy-forward stays within one.
        if rng.chance(30) {
            self.carried.clear();
        }
        let total: usize = KINDS.iter().map(|k| k.3).sum();
        let mut roll = rng.below(total);
        let (kind, min, max, _) = *KINDS
            .iter()
            .find(|k| {
                if roll < k.3 {
                    true
                } else {
                    roll -= k.3;
                    false
                }
            })
            .expect("weights cover the roll");
        // Lengths spread log-uniformly over the kind's range.
        let t = rng.below(1000) as f64 / 1000.0;
        let target = (min as f64 * (max as f64 / min as f64).powf(t)) as usize;
        let (osteo, near) = match self.share {
            None => {
                let osteo = rng.chance(10);
                (osteo, !osteo && rng.chance(6))
            }
            Some(share) => {
                let mentions = rng.chance(u64::from(share));
                let affirmed = rng.chance(67);
                (mentions && affirmed, mentions && !affirmed)
            }
        };
        let wrapped = rng.chance(40);
        let mut text = String::with_capacity(target + 256);
        text.push_str(&format!(
            "{} NOTE\nDate of service: 2024-{:02}-{:02}\nAuthor: {}\n\n",
            kind.to_ascii_uppercase(),
            1 + rng.below(12),
            1 + rng.below(28),
            rng.pick(NAMES)
        ));
        let mut osteo_left = if osteo { 1 + rng.below(3) } else { 0 };
        let mut near_left = usize::from(near);
        while text.len() < target {
            text.push_str(rng.pick(HEADERS));
            text.push(if rng.chance(50) { '\n' } else { ' ' });
            if !self.carried.is_empty() && rng.chance(25) {
                // Copy-forward of an earlier paragraph, word for word.
                let p = self.carried[rng.below(self.carried.len())].clone();
                text.push_str(&p);
                text.push_str("\n\n");
                continue;
            }
            let mut paragraph = String::new();
            let mut mentions = false;
            if rng.chance(30) {
                let bullet = rng.pick(&["1.", "-", "\u{2022}", "*"]);
                for i in 0..2 + rng.below(5) {
                    let marker = if bullet == "1." {
                        format!("{}.", i + 1)
                    } else {
                        bullet.to_string()
                    };
                    paragraph.push_str(&format!("{marker} {}\n", rng.pick(LIST_ITEMS)));
                }
            } else {
                for _ in 0..2 + rng.below(6) {
                    let s = if osteo_left > 0 && rng.chance(35) {
                        osteo_left -= 1;
                        mentions = true;
                        fill(rng.pick(OSTEO), rng)
                    } else if near_left > 0 && rng.chance(35) {
                        near_left -= 1;
                        mentions = true;
                        fill(rng.pick(OSTEO_NEAR), rng)
                    } else {
                        fill(rng.pick(GENERAL), rng)
                    };
                    if !paragraph.is_empty() {
                        paragraph.push_str(if rng.chance(20) { "  " } else { " " });
                    }
                    paragraph.push_str(&s);
                }
                if wrapped {
                    paragraph = wrap(&paragraph, 72);
                }
                paragraph.push('\n');
            }
            text.push_str(&paragraph);
            text.push('\n');
            // With a share set, copy-forward must not spread the
            // infection to notes not drawn to mention it.
            if self.carried.len() < 32 && !(mentions && self.share.is_some()) {
                self.carried.push(paragraph);
            }
        }
        // Affirmed content not placed yet goes into the assessment.
        if osteo_left > 0 {
            text.push_str("Assessment and Plan:\n");
            for _ in 0..osteo_left {
                let s = fill(self.rng.pick(OSTEO), &mut self.rng);
                text.push_str(&s);
                text.push('\n');
            }
        }
        // With a share set, a note drawn to mention the infection always
        // names it (a template placed may only say "bone biopsy").
        if self.share.is_some() && (osteo || near) && !text.contains("osteomyelitis") {
            let (header, template) = if osteo {
                ("Assessment and Plan:\n", OSTEO[0])
            } else {
                ("Imaging:\n", OSTEO_NEAR[0])
            };
            text.push_str(header);
            text.push_str(&fill(template, &mut self.rng));
            text.push('\n');
        }
        self.number += 1;
        SynthNote {
            id: format!("synth-{}-{}", self.seed, self.number),
            kind,
            text,
        }
    }
}

impl Iterator for Synth {
    type Item = SynthNote;
    fn next(&mut self) -> Option<SynthNote> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        Some(self.note())
    }
}

/// Writes `n` notes from `seed` as JSON Lines (`id`, `note_type`, `text`),
/// the input `docgap scan` reads; returns the bytes of note text written.
pub fn write_jsonl<W: Write>(out: &mut W, n: usize, seed: u64) -> std::io::Result<u64> {
    write_jsonl_with(out, n, seed, None)
}

/// [`write_jsonl`] with the share of notes mentioning a bone infection of
/// [`notes_with`].
pub fn write_jsonl_with<W: Write>(
    out: &mut W,
    n: usize,
    seed: u64,
    share: Option<u32>,
) -> std::io::Result<u64> {
    #[derive(serde::Serialize)]
    struct Line<'a> {
        id: &'a str,
        note_type: &'a str,
        text: &'a str,
    }
    let mut bytes = 0;
    for note in notes_with(n, seed, share) {
        serde_json::to_writer(
            &mut *out,
            &Line {
                id: &note.id,
                note_type: note.kind,
                text: &note.text,
            },
        )?;
        out.write_all(b"\n")?;
        bytes += note.text.len() as u64;
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_gives_the_same_notes_and_another_seed_others() {
        let a: Vec<SynthNote> = notes(50, 7).collect();
        let b: Vec<SynthNote> = notes(50, 7).collect();
        let c: Vec<SynthNote> = notes(50, 8).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a[0].id, "synth-7-1");
    }

    #[test]
    fn the_corpus_looks_like_an_export() {
        let all: Vec<SynthNote> = notes(400, 1).collect();
        let lens: Vec<usize> = all.iter().map(|n| n.text.len()).collect();
        assert!(
            lens.iter().all(|&l| (500..=24_000).contains(&l)),
            "{lens:?}"
        );
        assert!(lens.iter().any(|&l| l > 12_000) && lens.iter().any(|&l| l < 1_500));
        let osteo = all
            .iter()
            .filter(|n| n.text.contains("osteomyelitis"))
            .count();
        assert!((20..=100).contains(&osteo), "a minority: {osteo}");
        assert!(all.iter().filter(|n| !n.text.is_ascii()).count() > 200);
        // Copy-forward: some long paragraph recurs in another note.
        let para = all
            .iter()
            .flat_map(|n| n.text.split("\n\n"))
            .filter(|p| p.len() > 200)
            .find(|p| all.iter().filter(|n| n.text.contains(*p)).count() > 1);
        assert!(para.is_some());
        let analyzer = crate::Analyzer::new();
        let coded = all
            .iter()
            .filter(|n| !analyzer.analyze(&n.text).codes.is_empty())
            .count();
        assert!(coded > 10 && coded < 100, "{coded} notes coded");
    }

    #[test]
    fn the_share_of_bone_infection_notes_is_set() {
        let mentions = |share| {
            notes_with(2000, 3, share)
                .filter(|n| n.text.contains("osteomyelitis"))
                .count()
        };
        assert_eq!(mentions(Some(0)), 0);
        assert!(
            (5..=45).contains(&mentions(Some(1))),
            "{}",
            mentions(Some(1))
        );
        assert!(
            (330..=470).contains(&mentions(Some(20))),
            "{}",
            mentions(Some(20))
        );
        assert_eq!(mentions(Some(100)), 2000);
        let a: Vec<SynthNote> = notes(30, 9).collect();
        let b: Vec<SynthNote> = notes_with(30, 9, None).collect();
        assert_eq!(a, b);
    }
}
