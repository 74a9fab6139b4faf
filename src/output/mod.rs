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
//! Which findings a record carries is chosen by [`Findings`] (`docgap scan
//! --findings`): by default those cited by its codes and flags, and the
//! sites, specimens and sides they link to ([`Findings::Cited`], the
//! evidence behind every decision; a note with no code and no flag carries
//! none); `all` gives every finding of the note; `none` leaves out
//! `findings` and every `evidence` array. Sizes measured on MTSamples
//! replicated and on synthetic notes are in the README.
//!
//! A flag's `audience` is `provider` (a documentation question) or `coder`
//! (a claim change); `query` is the text to send or act on, built from the
//! note's evidence (`crate::queries`) on the whole map, whatever findings the
//! record carries; `indicators` are the findings it quotes (kept among the
//! cited ones). `evidence` and `indicators` hold indices into `findings`;
//! `start`/`end` are byte offsets
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

pub mod record;

use record::{convert, OffsetMap};
pub use record::{Offsets, Record, RecordOptions};

/// Version of the wire format; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// Which findings a result record carries (`scan --findings`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Findings {
    /// The findings cited by the codes and flags, with the sites,
    /// specimens and sides they link to, renumbered in note order.
    #[default]
    Cited,
    /// Every finding of the note.
    All,
    /// No `findings` and no `evidence` arrays: codes and flags only.
    None,
}

impl std::str::FromStr for Findings {
    type Err = String;
    fn from_str(s: &str) -> Result<Findings, String> {
        match s {
            "cited" => Ok(Findings::Cited),
            "all" => Ok(Findings::All),
            "none" => Ok(Findings::None),
            _ => Err(format!("{s:?} is not a findings mode (cited, all or none)")),
        }
    }
}

/// The analysis with only the findings its codes and flags cite (and the
/// sites, specimens and sides those link to), renumbered in note order,
/// every index remapped. Sentences and the claim are kept.
pub fn cited(analysis: &Analysis) -> Analysis {
    cited_keeping(analysis, &[]).0
}

/// The queries of an analysis, one per flag, built on its whole map.
pub fn queries_of(text: &str, analysis: &Analysis) -> Vec<crate::queries::Query> {
    analysis
        .flags
        .iter()
        .map(|f| crate::queries::build(text, analysis, f))
        .collect()
}

/// [`cited`] with the flags' queries: built on the whole map, their
/// indicators kept among the findings and renumbered with them.
pub fn cited_with_queries(
    text: &str,
    analysis: &Analysis,
) -> (Analysis, Vec<crate::queries::Query>) {
    let mut queries = queries_of(text, analysis);
    let extra: Vec<u32> = queries
        .iter()
        .flat_map(|q| q.indicators.iter().copied())
        .collect();
    let (small, new_index) = cited_keeping(analysis, &extra);
    for q in &mut queries {
        q.indicators = q
            .indicators
            .iter()
            .filter_map(|&i| new_index.get(i as usize).copied())
            .filter(|&i| i != u32::MAX)
            .collect();
    }
    (small, queries)
}

/// [`cited`], keeping `extra` findings too; with the old-to-new index map
/// (`u32::MAX` for a finding dropped).
fn cited_keeping(analysis: &Analysis, extra: &[u32]) -> (Analysis, Vec<u32>) {
    let findings = &analysis.evidence.findings;
    let mut keep = vec![false; findings.len()];
    let mut todo: Vec<u32> = analysis
        .codes
        .iter()
        .flat_map(|c| c.evidence.iter().copied())
        .chain(
            analysis
                .flags
                .iter()
                .flat_map(|f| f.evidence.iter().copied()),
        )
        .chain(extra.iter().copied())
        .collect();
    while let Some(i) = todo.pop() {
        let Some(f) = findings.get(i as usize) else {
            continue;
        };
        if std::mem::replace(&mut keep[i as usize], true) {
            continue;
        }
        todo.extend([f.site, f.specimen, f.side_from].into_iter().flatten());
    }
    let mut new_index = vec![u32::MAX; findings.len()];
    let mut kept = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        if keep[i] {
            new_index[i] = kept.len() as u32;
            kept.push(f.clone());
        }
    }
    let map = |i: u32| new_index[i as usize];
    let map_all = |v: &[u32]| -> Vec<u32> {
        v.iter()
            .filter(|&&i| (i as usize) < findings.len())
            .map(|&i| map(i))
            .collect()
    };
    for f in &mut kept {
        f.site = f.site.map(map);
        f.specimen = f.specimen.map(map);
        f.side_from = f.side_from.map(map);
    }
    let small = Analysis {
        codes: analysis
            .codes
            .iter()
            .map(|c| crate::CodeSuggestion {
                evidence: map_all(&c.evidence),
                ..c.clone()
            })
            .collect(),
        flags: analysis
            .flags
            .iter()
            .map(|f| crate::rules::Flag {
                evidence: map_all(&f.evidence),
                ..f.clone()
            })
            .collect(),
        evidence: crate::evidence::EvidenceMap {
            findings: kept,
            layout: analysis.evidence.layout.clone(),
            terms_cut: analysis.evidence.terms_cut,
        },
        sentences: analysis.sentences.clone(),
        assigned_codes: analysis.assigned_codes.clone(),
    };
    (small, new_index)
}

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
    let all = RecordOptions::default().findings(Findings::All);
    write_result_with(out, id, location, text, analysis, warnings, all);
}

/// [`write_result`] carrying the findings `options.findings` says (with
/// [`Findings::Cited`] the record is that of [`cited`]`(analysis)`), its
/// offsets in `options.offsets`: the bytes of
/// `serde_json::to_vec(&Record::new(..))`, written faster.
pub fn write_result_with(
    out: &mut Vec<u8>,
    id: &str,
    location: Option<&str>,
    text: &str,
    analysis: &Analysis,
    warnings: &[String],
    options: RecordOptions,
) {
    let head = (id, location, options.offsets);
    match options.findings {
        Findings::All | Findings::None => {
            let queries = queries_of(text, analysis);
            let evidence = options.findings == Findings::All;
            write_record(out, head, text, analysis, warnings, evidence, &queries);
        }
        // Nothing cited (nearly every note of a batch): no copy to make.
        Findings::Cited if analysis.codes.is_empty() && analysis.flags.is_empty() => {
            let empty = Analysis {
                assigned_codes: analysis.assigned_codes.clone(),
                ..Analysis::default()
            };
            write_record(out, head, text, &empty, warnings, true, &[]);
        }
        Findings::Cited => {
            let (c, queries) = cited_with_queries(text, analysis);
            write_record(out, head, text, &c, warnings, true, &queries);
        }
    }
}

/// One record: `head` is the id, the location and the offset unit.
fn write_record(
    out: &mut Vec<u8>,
    (id, location, offsets): (&str, Option<&str>, Offsets),
    text: &str,
    analysis: &Analysis,
    warnings: &[String],
    evidence: bool,
    queries: &[crate::queries::Query],
) {
    write_head(out, id, location);
    if offsets != Offsets::Bytes {
        out.extend_from_slice(b",\"offsets\":");
        key(out, offsets.as_str());
    }
    let map = OffsetMap::new(text, offsets);
    write_tail(
        out,
        text,
        analysis,
        warnings,
        evidence,
        queries,
        map.as_ref(),
    );
}

fn write_head(out: &mut Vec<u8>, id: &str, location: Option<&str>) {
    out.extend_from_slice(b"{\"schema_version\":");
    number(out, SCHEMA_VERSION as usize);
    out.extend_from_slice(b",\"id\":");
    string(out, id);
    if let Some(location) = location {
        out.extend_from_slice(b",\"location\":");
        string(out, location);
    }
}

/// Codes, flags, findings (when `evidence`), claim and warnings; offsets
/// through `map` when given.
fn write_tail(
    out: &mut Vec<u8>,
    text: &str,
    analysis: &Analysis,
    warnings: &[String],
    evidence: bool,
    queries: &[crate::queries::Query],
    map: Option<&OffsetMap>,
) {
    let assigned_codes = analysis.assigned_codes.as_deref();
    out.extend_from_slice(b",\"codes\":[");
    for (i, c) in analysis.codes.iter().enumerate() {
        comma(out, i);
        out.extend_from_slice(b"{\"code\":");
        string(out, &c.code);
        out.extend_from_slice(b",\"role\":");
        key(out, c.role.as_str());
        out.extend_from_slice(b",\"description\":");
        string(out, c.description);
        if evidence {
            out.extend_from_slice(b",\"evidence\":");
            numbers(out, &c.evidence);
        }
        out.push(b'}');
    }
    out.extend_from_slice(b"],\"flags\":[");
    for (i, (f, q)) in analysis.flags.iter().zip(queries).enumerate() {
        comma(out, i);
        out.extend_from_slice(b"{\"id\":");
        key(out, f.id.as_str());
        out.extend_from_slice(b",\"message\":");
        string(out, &f.message);
        out.extend_from_slice(b",\"audience\":");
        key(out, q.audience.as_str());
        out.extend_from_slice(b",\"query\":");
        string(out, &q.text);
        if evidence {
            out.extend_from_slice(b",\"indicators\":");
            numbers(out, &q.indicators);
            out.extend_from_slice(b",\"evidence\":");
            numbers(out, &f.evidence);
        }
        if let Some(s) = flag_sentence(analysis, &f.evidence) {
            out.extend_from_slice(b",\"sentence\":{\"start\":");
            number(out, convert(map, s.start));
            out.extend_from_slice(b",\"end\":");
            number(out, convert(map, s.end));
            out.extend_from_slice(b",\"text\":");
            string(out, &text[s.range()]);
            out.push(b'}');
        }
        out.push(b'}');
    }
    out.push(b']');
    if evidence {
        write_findings(out, text, analysis, map);
    }
    if let Some(codes) = assigned_codes {
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

fn write_findings(out: &mut Vec<u8>, text: &str, analysis: &Analysis, map: Option<&OffsetMap>) {
    out.extend_from_slice(b",\"findings\":[");
    for (i, f) in analysis.evidence.findings.iter().enumerate() {
        comma(out, i);
        out.extend_from_slice(b"{\"category\":");
        key(out, f.category.key());
        out.extend_from_slice(b",\"value\":");
        value(out, &f.value);
        out.extend_from_slice(b",\"text\":");
        string(out, &text[f.span.range()]);
        out.extend_from_slice(b",\"start\":");
        number(out, convert(map, f.span.start));
        out.extend_from_slice(b",\"end\":");
        number(out, convert(map, f.span.end));
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
        | Value::Sense(s)
        | Value::Duration(s)
        | Value::Code(s) => string(out, s),
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
    //! The writer against the serde form of [`Record`]: the documented
    //! wire format, through derived `Serialize`, read back through
    //! derived `Deserialize`.
    use super::record::{ErrorRecord, Line};
    use super::*;
    use crate::lexicon::{SectionKind, Side};
    use crate::rules::{FlagId, Role};
    use crate::Analyzer;

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
        #[cfg(feature = "tools")]
        notes.extend(crate::tools::synth::notes(200, 7).map(|n| (n.text, None)));
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
    fn results_match_the_serde_rendering_byte_for_byte_and_read_back() {
        let analyzer = Analyzer::new();
        let notes = notes();
        assert!(notes.len() > 200);
        let mut with_codes = 0;
        let mut converted = 0;
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
            let all = RecordOptions::default().findings(Findings::All);
            let expected = Record::new(&id, location, text, &a, &warnings, all);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                expected.to_json_line(),
                "note {i}"
            );
            for findings in [Findings::All, Findings::Cited, Findings::None] {
                for offsets in [Offsets::Bytes, Offsets::Chars, Offsets::Utf16] {
                    let options = RecordOptions::default().findings(findings).offsets(offsets);
                    let mut out = Vec::new();
                    write_result_with(&mut out, &id, location, text, &a, &warnings, options);
                    let out = String::from_utf8(out).unwrap();
                    let record = Record::new(&id, location, text, &a, &warnings, options);
                    assert_eq!(
                        out,
                        record.to_json_line(),
                        "note {i}, {findings:?}, {offsets}"
                    );
                    assert_eq!(
                        Line::parse(&out).unwrap(),
                        Line::Result(record.clone()),
                        "note {i} reads back"
                    );
                    if offsets != Offsets::Bytes && !text.is_ascii() {
                        converted += record.findings.iter().flatten().count();
                    }
                }
            }
        }
        assert!(with_codes > 50, "{with_codes} notes with codes");
        assert!(
            converted > 20,
            "{converted} findings with converted offsets"
        );
    }

    /// A query is the same whatever findings the record carries, and its
    /// indicators point at the same words among the cited findings.
    #[test]
    fn cited_queries_keep_their_indicators() {
        let analyzer = Analyzer::new();
        let mut quoted = 0;
        for (text, assigned) in notes() {
            let a = analyzer.analyze_with_claim(&text, assigned.as_deref());
            let full = queries_of(&text, &a);
            let (small, cited) = cited_with_queries(&text, &a);
            for (f, c) in full.iter().zip(&cited) {
                assert_eq!(f.text, c.text);
                let words = |an: &Analysis, v: &[u32]| -> Vec<crate::Span> {
                    v.iter()
                        .map(|&i| an.evidence.findings[i as usize].span)
                        .collect()
                };
                assert_eq!(words(&a, &f.indicators), words(&small, &c.indicators));
                quoted += f.indicators.len();
            }
        }
        assert!(quoted > 20, "{quoted} indicators quoted");
    }

    /// The cited map keeps every finding a code or flag points at, and the
    /// sites and specimens those link to, under new indices that point at
    /// the same words; nothing else.
    #[test]
    fn cited_findings_are_the_evidence_renumbered() {
        let analyzer = Analyzer::new();
        let mut pruned_some = 0;
        for (text, assigned) in notes() {
            let a = analyzer.analyze_with_claim(&text, assigned.as_deref());
            let c = cited(&a);
            let surface = |an: &Analysis, i: u32| {
                let f = &an.evidence.findings[i as usize];
                (f.span, f.category, f.value.clone())
            };
            for (full, small) in a.codes.iter().zip(&c.codes) {
                assert_eq!(full.code, small.code);
                let before: Vec<_> = full.evidence.iter().map(|&i| surface(&a, i)).collect();
                let after: Vec<_> = small.evidence.iter().map(|&i| surface(&c, i)).collect();
                assert_eq!(before, after, "{text}");
            }
            for (full, small) in a.flags.iter().zip(&c.flags) {
                let before: Vec<_> = full.evidence.iter().map(|&i| surface(&a, i)).collect();
                let after: Vec<_> = small.evidence.iter().map(|&i| surface(&c, i)).collect();
                assert_eq!(before, after, "{text}");
                assert_eq!(
                    flag_sentence(&a, &full.evidence),
                    flag_sentence(&c, &small.evidence)
                );
            }
            for f in &c.evidence.findings {
                for link in [f.site, f.specimen, f.side_from].into_iter().flatten() {
                    assert!((link as usize) < c.evidence.findings.len());
                }
                assert!(
                    a.evidence.findings.contains(f)
                        || f.site.is_some()
                        || f.specimen.is_some()
                        || f.side_from.is_some()
                );
            }
            if a.codes.is_empty() && a.flags.is_empty() {
                assert!(c.evidence.findings.is_empty());
            }
            pruned_some += usize::from(c.evidence.findings.len() < a.evidence.findings.len());
        }
        assert!(pruned_some > 100, "{pruned_some}");
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
            let record = ErrorRecord::new(id, location, message);
            let mut expected = serde_json::to_vec(&record).unwrap();
            expected.push(b'\n');
            assert_eq!(out, expected);
            let line = std::str::from_utf8(&out).unwrap();
            assert_eq!(Line::parse(line).unwrap(), Line::Error(record));
        }
    }
}
