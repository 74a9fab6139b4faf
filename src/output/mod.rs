//! Output stage: the versioned JSON wire format, one object per note.
//!
//! The wire structs are kept apart from the library's result types so the
//! library can change inside without breaking consumers: what goes on the
//! wire is exactly what is documented here, under [`SCHEMA_VERSION`].
//!
//! A result record:
//!
//! ```json
//! {"schema_version": 1, "id": "note-1",
//!  "codes": [{"code": "M86.552", "role": "primary",
//!             "description": "Other chronic hematogenous osteomyelitis, left femur",
//!             "evidence": [0, 2, 3]}],
//!  "flags": [{"id": "ORGANISM_NOT_DOCUMENTED", "message": "...",
//!             "audience": "provider", "query": "...", "indicators": [4],
//!             "evidence": [], "sentence": {"start": 0, "end": 57, "text": "..."}}],
//!  "findings": [{"category": "condition", "value": "osteomyelitis",
//!                "text": "osteomyelitis", "start": 20, "end": 33,
//!                "sentence": 0, "section": "assessment", "assertion": {}}],
//!  "assigned_codes": ["M86.9"]}
//! ```
//!
//! A flag's `audience` is `provider` (a documentation question) or `coder`
//! (a claim change); `query` is the text to send or act on, built from the
//! note's evidence (`crate::queries`); `indicators` are the findings it
//! quotes. `evidence` and `indicators` hold indices into `findings`; `start`/`end` are byte offsets
//! into the note text as analysed (after lossy UTF-8 decoding or
//! truncation, when a warning says so). A note analysed with a caveat
//! carries `"warnings": [...]` (one sentence each) and its `"location"`
//! (`file:line (byte N)`, or the path of a text file). An error record
//! replaces the result for a note that could not be read or analysed:
//! `{"schema_version": 1, "id": ..., "error": {"location": "notes.jsonl:3
//! (byte 812)", "message": ...}}` (`id` only when it could be read).

use crate::analyzer::Analysis;
use crate::context::Assertion;
use crate::lexicon::Value;

/// Version of the wire format; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// The sentence a flag points at: that of its first evidence finding.
pub fn flag_sentence(analysis: &Analysis, evidence: &[u32]) -> Option<crate::Span> {
    let f = analysis
        .evidence
        .findings
        .get(*evidence.first()? as usize)?;
    analysis.sentences.get(f.sentence as usize).copied()
}

/// Writes one result record as a JSON line (with the trailing newline);
/// `location` is written when given (the batch gives it with warnings).
///
/// Written by hand rather than through serde: a record is mostly findings,
/// and going through the serializer cost a fifth of the whole scan. The
/// test module keeps a serde rendering of the same schema and checks the
/// two agree byte for byte on every shipped corpus.
pub fn write_result(
    out: &mut Vec<u8>,
    id: &str,
    location: Option<&str>,
    text: &str,
    analysis: &Analysis,
    warnings: &[String],
) {
    out.extend_from_slice(b"{\"schema_version\":");
    number(out, SCHEMA_VERSION as usize);
    out.extend_from_slice(b",\"id\":");
    string(out, id);
    if let Some(location) = location {
        out.extend_from_slice(b",\"location\":");
        string(out, location);
    }
    out.extend_from_slice(b",\"codes\":[");
    for (i, c) in analysis.codes.iter().enumerate() {
        comma(out, i);
        out.extend_from_slice(b"{\"code\":");
        string(out, &c.code);
        out.extend_from_slice(b",\"role\":");
        key(out, c.role.as_str());
        out.extend_from_slice(b",\"description\":");
        string(out, c.description);
        out.extend_from_slice(b",\"evidence\":");
        numbers(out, &c.evidence);
        out.push(b'}');
    }
    out.extend_from_slice(b"],\"flags\":[");
    for (i, f) in analysis.flags.iter().enumerate() {
        comma(out, i);
        out.extend_from_slice(b"{\"id\":");
        key(out, f.id.as_str());
        out.extend_from_slice(b",\"message\":");
        string(out, &f.message);
        let q = crate::queries::build(text, analysis, f);
        out.extend_from_slice(b",\"audience\":");
        key(out, q.audience.as_str());
        out.extend_from_slice(b",\"query\":");
        string(out, &q.text);
        out.extend_from_slice(b",\"indicators\":");
        numbers(out, &q.indicators);
        out.extend_from_slice(b",\"evidence\":");
        numbers(out, &f.evidence);
        if let Some(s) = flag_sentence(analysis, &f.evidence) {
            out.extend_from_slice(b",\"sentence\":{\"start\":");
            number(out, s.start);
            out.extend_from_slice(b",\"end\":");
            number(out, s.end);
            out.extend_from_slice(b",\"text\":");
            string(out, &text[s.range()]);
            out.push(b'}');
        }
        out.push(b'}');
    }
    out.extend_from_slice(b"],\"findings\":[");
    for (i, f) in analysis.evidence.findings.iter().enumerate() {
        comma(out, i);
        out.extend_from_slice(b"{\"category\":");
        key(out, f.category.key());
        out.extend_from_slice(b",\"value\":");
        value(out, &f.value);
        out.extend_from_slice(b",\"text\":");
        string(out, &text[f.span.range()]);
        out.extend_from_slice(b",\"start\":");
        number(out, f.span.start);
        out.extend_from_slice(b",\"end\":");
        number(out, f.span.end);
        out.extend_from_slice(b",\"sentence\":");
        number(out, f.sentence as usize);
        out.extend_from_slice(b",\"section\":");
        key(out, f.section.key());
        out.extend_from_slice(b",\"assertion\":");
        assertion(out, f.assertion);
        if let Some(side) = f.side {
            out.extend_from_slice(b",\"side\":");
            key(out, side.key());
        }
        if let Some(site) = f.site {
            out.extend_from_slice(b",\"site\":");
            number(out, site as usize);
        }
        if let Some(specimen) = f.specimen {
            out.extend_from_slice(b",\"specimen\":");
            number(out, specimen as usize);
        }
        out.push(b'}');
    }
    out.push(b']');
    if let Some(codes) = &analysis.assigned_codes {
        out.extend_from_slice(b",\"assigned_codes\":[");
        for (i, c) in codes.iter().enumerate() {
            comma(out, i);
            string(out, c);
        }
        out.push(b']');
    }
    if !warnings.is_empty() {
        out.extend_from_slice(b",\"warnings\":[");
        for (i, w) in warnings.iter().enumerate() {
            comma(out, i);
            string(out, w);
        }
        out.push(b']');
    }
    out.extend_from_slice(b"}\n");
}

/// Writes one error record as a JSON line.
pub fn write_error(out: &mut Vec<u8>, id: Option<&str>, location: &str, message: &str) {
    out.extend_from_slice(b"{\"schema_version\":");
    number(out, SCHEMA_VERSION as usize);
    if let Some(id) = id {
        out.extend_from_slice(b",\"id\":");
        string(out, id);
    }
    out.extend_from_slice(b",\"error\":{\"location\":");
    string(out, location);
    out.extend_from_slice(b",\"message\":");
    string(out, message);
    out.extend_from_slice(b"}}\n");
}

fn comma(out: &mut Vec<u8>, i: usize) {
    if i > 0 {
        out.push(b',');
    }
}

fn number(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

fn numbers(out: &mut Vec<u8>, ns: &[u32]) {
    out.push(b'[');
    for (i, &n) in ns.iter().enumerate() {
        comma(out, i);
        number(out, n as usize);
    }
    out.push(b']');
}

/// A JSON string. Text with nothing to escape (nearly all of it) is copied
/// as is; the rest goes through serde_json's escaper, so escapes are
/// exactly serde_json's.
fn string(out: &mut Vec<u8>, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        serde_json::to_writer(&mut *out, s).expect("serialising to memory cannot fail");
    }
}

/// One of docgap's own names (an enum key): plain lower-case words and
/// underscores, written without looking for characters to escape.
fn key(out: &mut Vec<u8>, k: &'static str) {
    debug_assert!(!k.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\'));
    out.push(b'"');
    out.extend_from_slice(k.as_bytes());
    out.push(b'"');
}

/// A finding's value, as `Value`'s serde form (untagged) writes it.
fn value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Condition(k) => key(out, k.key()),
        Value::Site { group, bone } => {
            out.extend_from_slice(b"{\"group\":");
            key(out, group.key());
            out.extend_from_slice(b",\"bone\":");
            string(out, bone);
            out.push(b'}');
        }
        Value::Side(k) => key(out, k.key()),
        Value::Route(k) => key(out, k.key()),
        Value::Specimen(k) => key(out, k.key()),
        Value::CultureResult(k) => key(out, k.key()),
        Value::Acuity(k) => key(out, k.key()),
        Value::Sickle(k) => key(out, k.key()),
        Value::Crmo(k) => key(out, k.key()),
        Value::Section(k) => key(out, k.key()),
        Value::Organism(s)
        | Value::Imaging(s)
        | Value::Modality(s)
        | Value::Sinus(s)
        | Value::Defect(s)
        | Value::Vague(s)
        | Value::Sense(s) => string(out, s),
        // Never a finding (triggers are kept apart), but written faithfully.
        Value::Context(_) => {
            serde_json::to_writer(&mut *out, v).expect("serialising to memory cannot fail")
        }
    }
}

fn assertion(out: &mut Vec<u8>, a: Assertion) {
    out.push(b'{');
    let mut n = 0;
    for (on, key) in [
        (a.negated, &b"\"negated\":true"[..]),
        (a.possible, b"\"possible\":true"),
        (a.hypothetical, b"\"hypothetical\":true"),
        (a.historical, b"\"historical\":true"),
        (a.family, b"\"family\":true"),
        (a.unrelated, b"\"unrelated\":true"),
    ] {
        if on {
            comma(out, n);
            out.extend_from_slice(key);
            n += 1;
        }
    }
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    //! The writer against a serde rendering of the same schema: the wire
    //! format as it was first defined, through derived `Serialize`.
    use super::*;
    use crate::lexicon::{Category, SectionKind, Side};
    use crate::rules::{FlagId, Role};
    use crate::Analyzer;
    use serde::Serialize;

    #[derive(Serialize)]
    struct Record<'a> {
        schema_version: u32,
        id: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        location: Option<&'a str>,
        codes: Vec<WireCode<'a>>,
        flags: Vec<WireFlag<'a>>,
        findings: Vec<WireFinding<'a>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        assigned_codes: Option<&'a [String]>,
        #[serde(skip_serializing_if = "<[String]>::is_empty")]
        warnings: &'a [String],
    }

    #[derive(Serialize)]
    struct WireCode<'a> {
        code: &'a str,
        role: Role,
        description: &'a str,
        evidence: &'a [u32],
    }

    #[derive(Serialize)]
    struct WireFlag<'a> {
        id: FlagId,
        message: &'a str,
        audience: crate::queries::Audience,
        query: String,
        indicators: Vec<u32>,
        evidence: &'a [u32],
        #[serde(skip_serializing_if = "Option::is_none")]
        sentence: Option<WireSentence<'a>>,
    }

    #[derive(Serialize)]
    struct WireSentence<'a> {
        start: usize,
        end: usize,
        text: &'a str,
    }

    #[derive(Serialize)]
    struct WireFinding<'a> {
        category: Category,
        value: &'a Value,
        text: &'a str,
        start: usize,
        end: usize,
        sentence: u32,
        section: SectionKind,
        assertion: Assertion,
        #[serde(skip_serializing_if = "Option::is_none")]
        side: Option<Side>,
        #[serde(skip_serializing_if = "Option::is_none")]
        site: Option<u32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        specimen: Option<u32>,
    }

    #[derive(Serialize)]
    struct ErrorRecord<'a> {
        schema_version: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a str>,
        error: WireError<'a>,
    }

    #[derive(Serialize)]
    struct WireError<'a> {
        location: &'a str,
        message: &'a str,
    }

    fn reference(
        id: &str,
        location: Option<&str>,
        text: &str,
        analysis: &Analysis,
        warnings: &[String],
    ) -> Vec<u8> {
        let record = Record {
            schema_version: SCHEMA_VERSION,
            id,
            location,
            codes: analysis
                .codes
                .iter()
                .map(|c| WireCode {
                    code: &c.code,
                    role: c.role,
                    description: c.description,
                    evidence: &c.evidence,
                })
                .collect(),
            flags: analysis
                .flags
                .iter()
                .map(|f| {
                    let q = crate::queries::build(text, analysis, f);
                    WireFlag {
                        id: f.id,
                        message: &f.message,
                        audience: q.audience,
                        query: q.text,
                        indicators: q.indicators,
                        evidence: &f.evidence,
                        sentence: flag_sentence(analysis, &f.evidence).map(|s| WireSentence {
                            start: s.start,
                            end: s.end,
                            text: &text[s.range()],
                        }),
                    }
                })
                .collect(),
            findings: analysis
                .evidence
                .findings
                .iter()
                .map(|f| WireFinding {
                    category: f.category,
                    value: &f.value,
                    text: &text[f.span.range()],
                    start: f.span.start,
                    end: f.span.end,
                    sentence: f.sentence,
                    section: f.section,
                    assertion: f.assertion,
                    side: f.side,
                    site: f.site,
                    specimen: f.specimen,
                })
                .collect(),
            assigned_codes: analysis.assigned_codes.as_deref(),
            warnings,
        };
        let mut out = serde_json::to_vec(&record).unwrap();
        out.push(b'\n');
        out
    }

    /// Every note of the shipped corpora and the dev gold (when beside the
    /// crate), some synthetic ones, and notes full of characters JSON must
    /// escape.
    fn notes() -> Vec<(String, Option<Vec<String>>)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut notes = Vec::new();
        for file in [
            "corpora/notes.jsonl",
            "corpora/sample.jsonl",
            "corpora/holdout.jsonl",
            "corpora/holdout2.jsonl",
            "../shared/gold/dev.jsonl",
        ] {
            let Ok(raw) = std::fs::read_to_string(root.join(file)) else {
                continue;
            };
            for line in raw.lines().filter(|l| !l.trim().is_empty()) {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                let assigned = v["assigned_codes"]
                    .as_array()
                    .map(|a| a.iter().map(|c| c.as_str().unwrap().to_string()).collect());
                notes.push((v["text"].as_str().unwrap().to_string(), assigned));
            }
        }
        notes.extend(crate::synth::notes(200, 7).map(|n| (n.text, None)));
        notes.push((
            "Chronic osteomyelitis of the \"left\" femur\\tibia.\tMRSA\u{1}\u{7f} on \
             bone biopsy; M86.9 billed. Ostéite – gauche."
                .to_string(),
            None,
        ));
        notes.push((
            "Acute osteomyelitis, right calcaneus \u{0}\u{1f}\r\nno organism.".to_string(),
            Some(vec!["M86.9".into(), "a\"b\\c\n".into()]),
        ));
        notes
    }

    #[test]
    fn results_match_the_serde_rendering_byte_for_byte() {
        let analyzer = Analyzer::new();
        let notes = notes();
        assert!(notes.len() > 200);
        let mut with_codes = 0;
        for (i, (text, assigned)) in notes.iter().enumerate() {
            let a = analyzer.analyze_with_claim(text, assigned.as_deref());
            with_codes += usize::from(!a.codes.is_empty());
            let warnings: Vec<String> = match i % 3 {
                0 => Vec::new(),
                1 => vec!["text is not valid UTF-8 \"here\"".into()],
                _ => vec!["one".into(), "two\\three".into()],
            };
            let location = (i % 2 == 1).then_some("notes.jsonl:3 (byte \"9\")");
            let id = format!("note-{i}\u{e9}\"");
            let mut out = Vec::new();
            write_result(&mut out, &id, location, text, &a, &warnings);
            let expected = reference(&id, location, text, &a, &warnings);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                String::from_utf8(expected).unwrap(),
                "note {i}"
            );
        }
        assert!(with_codes > 50, "{with_codes} notes with codes");
    }

    #[test]
    fn names_written_unescaped_need_no_escaping() {
        use crate::lexicon::{
            Acuity, ConditionKind, CrmoCue, CultureResult, Route, Sickle, SiteGroup, SpecimenKind,
        };
        let mut names: Vec<&str> = Vec::new();
        names.extend(ConditionKind::ALL.iter().map(|k| k.key()));
        names.extend(SiteGroup::ALL.iter().map(|k| k.key()));
        names.extend(Side::ALL.iter().map(|k| k.key()));
        names.extend(Route::ALL.iter().map(|k| k.key()));
        names.extend(SpecimenKind::ALL.iter().map(|k| k.key()));
        names.extend(CultureResult::ALL.iter().map(|k| k.key()));
        names.extend(Acuity::ALL.iter().map(|k| k.key()));
        names.extend(Sickle::ALL.iter().map(|k| k.key()));
        names.extend(CrmoCue::ALL.iter().map(|k| k.key()));
        names.extend(SectionKind::ALL.iter().map(|k| k.key()));
        names.extend(crate::lexicon::FILES.iter().map(|(_, c)| c.key()));
        names.extend(FlagId::ALL.iter().map(|f| f.as_str()));
        names.extend([Role::Primary.as_str(), Role::Additional.as_str()]);
        assert!(names.len() > 60);
        for n in names {
            let mut out = Vec::new();
            key(&mut out, n);
            assert_eq!(out, serde_json::to_vec(n).unwrap(), "{n}");
        }
    }

    #[test]
    fn errors_match_the_serde_rendering() {
        for (id, location, message) in [
            (None, "a.jsonl:1 (byte 0)", "line is not JSON"),
            (Some("x\"1"), "dir/\u{1}b.txt", "bad \\ bytes\n"),
        ] {
            let mut out = Vec::new();
            write_error(&mut out, id, location, message);
            let mut expected = serde_json::to_vec(&ErrorRecord {
                schema_version: SCHEMA_VERSION,
                id,
                error: WireError { location, message },
            })
            .unwrap();
            expected.push(b'\n');
            assert_eq!(out, expected);
        }
    }
}
