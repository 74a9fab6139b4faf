//! The wire record as Rust types. `Serialize` writes exactly the
//! documented JSON line (what `docgap scan` writes, field for field and
//! byte for byte: a test holds the fast writer to it), and `Deserialize`
//! reads one back, so a consumer in Rust needs nothing else.
//!
//! Names that come from docgap's vocabularies (a category, a section, a
//! side, a flag id, a role, an audience) are plain strings here: a reader
//! built against this version keeps reading records that carry names added
//! later.

use super::{Findings, SCHEMA_VERSION};
use crate::analyzer::Analysis;
use serde::{Deserialize, Serialize};

/// The unit of every `start`/`end` in a record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Offsets {
    /// UTF-8 bytes (Rust, Go, C): the default, and the only unit the
    /// record does not name.
    #[default]
    Bytes,
    /// Unicode code points: Python's `str` indices.
    Chars,
    /// UTF-16 code units: JavaScript's (and Java's, C#'s) string indices.
    Utf16,
}

impl Offsets {
    /// The unit's name on the wire and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Offsets::Bytes => "bytes",
            Offsets::Chars => "chars",
            Offsets::Utf16 => "utf16",
        }
    }
}

impl std::str::FromStr for Offsets {
    type Err = String;
    fn from_str(s: &str) -> Result<Offsets, String> {
        match s {
            "bytes" => Ok(Offsets::Bytes),
            "chars" => Ok(Offsets::Chars),
            "utf16" => Ok(Offsets::Utf16),
            _ => Err(format!(
                "{s:?} is not an offset unit (bytes, chars or utf16)"
            )),
        }
    }
}

impl std::fmt::Display for Offsets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Byte offsets of one text turned into another unit. Only characters
/// beyond ASCII are remembered (where each ends, and how many units the
/// text has shed by then), so an ASCII note costs nothing and any note
/// costs a few bytes per non-ASCII character.
pub(crate) struct OffsetMap {
    /// (byte where a multi-byte character ends, units shed up to there).
    marks: Vec<(usize, usize)>,
}

impl OffsetMap {
    /// The map for `text` in `unit`; None when offsets stay as they are
    /// (bytes, or a text with nothing beyond ASCII).
    pub(crate) fn new(text: &str, unit: Offsets) -> Option<OffsetMap> {
        if unit == Offsets::Bytes || text.is_ascii() {
            return None;
        }
        let mut marks = Vec::new();
        let mut shed = 0;
        for (at, c) in text.char_indices() {
            let bytes = c.len_utf8();
            if bytes > 1 {
                let units = match unit {
                    Offsets::Utf16 => c.len_utf16(),
                    _ => 1,
                };
                shed += bytes - units;
                marks.push((at + bytes, shed));
            }
        }
        Some(OffsetMap { marks })
    }

    /// The offset of byte `b` (a character boundary) in the map's unit.
    pub(crate) fn get(&self, b: usize) -> usize {
        // The last character ending at or before `b`.
        let i = self.marks.partition_point(|&(end, _)| end <= b);
        match i {
            0 => b,
            _ => b - self.marks[i - 1].1,
        }
    }
}

/// Converts byte offsets with an optional map.
pub(crate) fn convert(map: Option<&OffsetMap>, b: usize) -> usize {
    map.map_or(b, |m| m.get(b))
}

/// What a record carries, and in which unit: the library's side of `docgap
/// scan --findings` and `--offsets`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordOptions {
    /// Which findings (default: those the codes and flags cite).
    pub findings: Findings,
    /// The unit of every offset (default: UTF-8 bytes).
    pub offsets: Offsets,
}

impl RecordOptions {
    /// The default options with `findings`.
    pub fn findings(mut self, findings: Findings) -> Self {
        self.findings = findings;
        self
    }

    /// The default options with `offsets`.
    pub fn offsets(mut self, offsets: Offsets) -> Self {
        self.offsets = offsets;
        self
    }
}

/// One result record: a note's codes, flags and evidence.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Record {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The note's id.
    pub id: String,
    /// Where the note was read (`file:line (byte N)`), given with warnings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The unit of the offsets, when not bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offsets: Option<Offsets>,
    /// The codes the note supports.
    pub codes: Vec<Code>,
    /// Documentation gaps and claim problems.
    pub flags: Vec<Flag>,
    /// The evidence (absent with [`Findings::None`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub findings: Option<Vec<Finding>>,
    /// The claim the audit flags were checked against, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_codes: Option<Vec<String>>,
    /// Caveats about the input (a cut note, lossy decoding ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// A suggested code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Code {
    /// Dotted, upper case ("M86.652").
    pub code: String,
    /// `primary` or `additional`.
    pub role: String,
    /// The official ICD-10-CM description.
    pub description: String,
    /// Indices into `findings` of its evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Vec<u32>>,
}

/// A documentation gap or claim problem, with the query to send.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Flag {
    /// The flag id ("ORGANISM_NOT_DOCUMENTED").
    pub id: String,
    /// One sentence saying what is missing.
    pub message: String,
    /// `provider` (a documentation question) or `coder` (a claim change).
    pub audience: String,
    /// The query to send or act on, built from the note's evidence.
    pub query: String,
    /// Indices into `findings` of the words the query quotes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indicators: Option<Vec<u32>>,
    /// Indices into `findings` of its evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Vec<u32>>,
    /// The sentence it points at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentence: Option<Sentence>,
}

/// A sentence of the note.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Sentence {
    /// Where it starts, in the record's offset unit.
    pub start: usize,
    /// Where it ends.
    pub end: usize,
    /// Its text.
    pub text: String,
}

/// One finding of the evidence map.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Finding {
    /// The lexicon category (`condition`, `site`, `organism` ...).
    pub category: String,
    /// What the words mean.
    pub value: FindingValue,
    /// The words as written.
    pub text: String,
    /// Where they start, in the record's offset unit.
    pub start: usize,
    /// Where they end.
    pub end: usize,
    /// The sentence they are in (an index among the note's sentences).
    pub sentence: u32,
    /// The section they are in (`assessment`, `history` ...).
    pub section: String,
    /// How they are asserted.
    pub assertion: Assertion,
    /// The side of a site, when documented.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub side: Option<String>,
    /// Index of the site a finding is tied to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<u32>,
    /// Index of the specimen a culture result is tied to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specimen: Option<u32>,
}

/// A finding's meaning: a name, or for a site its group and bone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FindingValue {
    /// A name: a condition kind, a side, an organism's code ...
    Name(String),
    /// A skeletal site.
    Site {
        /// The ICD site group (`lower_leg`, `vertebra` ...).
        group: String,
        /// The bone (`tibia`, `metatarsal` ...).
        bone: String,
    },
    /// Any other shape (never written by this version).
    Other(serde_json::Value),
}

/// How a finding is asserted; all false: affirmed, current, the
/// patient's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Assertion {
    /// Stated as absent.
    #[serde(default, skip_serializing_if = "is_false")]
    pub negated: bool,
    /// Stated as uncertain.
    #[serde(default, skip_serializing_if = "is_false")]
    pub possible: bool,
    /// Conditional, to be ruled out, or covered for.
    #[serde(default, skip_serializing_if = "is_false")]
    pub hypothetical: bool,
    /// Past and over.
    #[serde(default, skip_serializing_if = "is_false")]
    pub historical: bool,
    /// About someone other than the patient.
    #[serde(default, skip_serializing_if = "is_false")]
    pub family: bool,
    /// Part of something else (a vaccine, a code's description ...).
    #[serde(default, skip_serializing_if = "is_false")]
    pub unrelated: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A record for a note that could not be read or analysed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ErrorRecord {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The note's id, when it could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// What went wrong, and where.
    pub error: RecordError,
}

/// Where a record could not be read, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RecordError {
    /// `file:line (byte N)`, or the path of a text file.
    pub location: String,
    /// Why.
    pub message: String,
}

/// One line of `docgap scan` output: a result or an error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Line {
    /// A note's result.
    Result(Record),
    /// A note that could not be read or analysed.
    Error(ErrorRecord),
}

impl Line {
    /// Reads one JSON line of `docgap scan` output.
    pub fn parse(line: &str) -> Result<Line, serde_json::Error> {
        serde_json::from_str(line)
    }
}

impl ErrorRecord {
    /// The error record for `id` (when known) at `location`.
    pub fn new(id: Option<&str>, location: &str, message: &str) -> ErrorRecord {
        ErrorRecord {
            schema_version: SCHEMA_VERSION,
            id: id.map(str::to_string),
            error: RecordError {
                location: location.to_string(),
                message: message.to_string(),
            },
        }
    }
}

impl Record {
    /// The record of `analysis`, the result of analysing `text`, carrying
    /// what `options` says; `location` and `warnings` as the batch gives
    /// them (None and empty for a note analysed on its own).
    pub fn new(
        id: &str,
        location: Option<&str>,
        text: &str,
        analysis: &Analysis,
        warnings: &[String],
        options: RecordOptions,
    ) -> Record {
        let (pruned, queries) = match options.findings {
            Findings::Cited => super::cited_with_queries(text, analysis),
            Findings::All | Findings::None => (analysis.clone(), super::queries_of(text, analysis)),
        };
        let a = &pruned;
        let evidence = options.findings != Findings::None;
        let map = OffsetMap::new(text, options.offsets);
        let at = |b: usize| convert(map.as_ref(), b);
        Record {
            schema_version: SCHEMA_VERSION,
            id: id.to_string(),
            location: location.map(str::to_string),
            offsets: (options.offsets != Offsets::Bytes).then_some(options.offsets),
            codes: a
                .codes
                .iter()
                .map(|c| Code {
                    code: c.code.clone(),
                    role: c.role.as_str().to_string(),
                    description: c.description.to_string(),
                    evidence: evidence.then(|| c.evidence.clone()),
                })
                .collect(),
            flags: a
                .flags
                .iter()
                .zip(&queries)
                .map(|(f, q)| Flag {
                    id: f.id.as_str().to_string(),
                    message: f.message.clone(),
                    audience: q.audience.as_str().to_string(),
                    query: q.text.clone(),
                    indicators: evidence.then(|| q.indicators.clone()),
                    evidence: evidence.then(|| f.evidence.clone()),
                    sentence: super::flag_sentence(a, &f.evidence).map(|s| Sentence {
                        start: at(s.start),
                        end: at(s.end),
                        text: text[s.range()].to_string(),
                    }),
                })
                .collect(),
            findings: evidence.then(|| {
                a.evidence
                    .findings
                    .iter()
                    .map(|f| Finding {
                        category: f.category.key().to_string(),
                        value: value_of(&f.value),
                        text: text[f.span.range()].to_string(),
                        start: at(f.span.start),
                        end: at(f.span.end),
                        sentence: f.sentence,
                        section: f.section.key().to_string(),
                        assertion: assertion_of(f.assertion),
                        side: f.side.map(|s| s.key().to_string()),
                        site: f.site,
                        specimen: f.specimen,
                    })
                    .collect()
            }),
            assigned_codes: a.assigned_codes.clone(),
            warnings: warnings.to_vec(),
        }
    }

    /// The record as its JSON line (with the newline).
    pub fn to_json_line(&self) -> String {
        let mut s = serde_json::to_string(self).expect("a record always serialises");
        s.push('\n');
        s
    }
}

fn value_of(v: &crate::lexicon::Value) -> FindingValue {
    use crate::lexicon::Value;
    match v {
        Value::Site { group, bone } => FindingValue::Site {
            group: group.key().to_string(),
            bone: bone.to_string(),
        },
        other => match serde_json::to_value(other) {
            Ok(serde_json::Value::String(s)) => FindingValue::Name(s),
            Ok(shape) => FindingValue::Other(shape),
            Err(_) => FindingValue::Other(serde_json::Value::Null),
        },
    }
}

fn assertion_of(a: crate::context::Assertion) -> Assertion {
    Assertion {
        negated: a.negated,
        possible: a.possible,
        hypothetical: a.hypothetical,
        historical: a.historical,
        family: a.family,
        unrelated: a.unrelated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Offsets in each unit, checked against the languages' own counts:
    /// Rust's chars for Python, UTF-16 units for JavaScript.
    #[test]
    fn offsets_count_what_each_language_counts() {
        for text in [
            "plain ascii",
            "Ostéomyélite – gauche, fémur 🦴 右脛骨 done",
            "🦴🦴 two astral characters first",
            "é",
        ] {
            for unit in [Offsets::Chars, Offsets::Utf16] {
                let map = OffsetMap::new(text, unit);
                for (b, _) in text.char_indices().chain([(text.len(), ' ')]) {
                    let want = match unit {
                        Offsets::Chars => text[..b].chars().count(),
                        _ => text[..b].encode_utf16().count(),
                    };
                    assert_eq!(convert(map.as_ref(), b), want, "{text:?} byte {b} {unit}");
                }
            }
        }
        assert!(OffsetMap::new("ascii only", Offsets::Utf16).is_none());
        assert!(OffsetMap::new("é", Offsets::Bytes).is_none());
    }

    #[test]
    fn units_parse_and_print() {
        for u in [Offsets::Bytes, Offsets::Chars, Offsets::Utf16] {
            assert_eq!(u.as_str().parse::<Offsets>(), Ok(u));
            assert_eq!(serde_json::to_string(&u).unwrap(), format!("\"{u}\""));
        }
        assert!("utf8".parse::<Offsets>().is_err());
    }
}
