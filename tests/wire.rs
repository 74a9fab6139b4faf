//! The wire format as a consumer meets it: every record `docgap scan`
//! writes reads back into [`docgap::Line`] and writes out again to the
//! same bytes, in each findings mode and offset unit; offsets in `chars`
//! and `utf16` index the note as Python and JavaScript index strings.

mod common;
use common::*;

use docgap::{Analyzer, Line, Offsets, Record, RecordOptions};
use serde_json::json;

/// Every corpus file shipped, and the gold files beside the crate.
fn inputs() -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(root.join("corpora"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    for gold in ["dev.jsonl", "dev2.jsonl"] {
        let p = root.join("../shared/gold").join(gold);
        if p.exists() {
            files.push(p);
        }
    }
    files.sort();
    assert!(files.len() >= 9, "{files:?}");
    files
}

#[test]
fn every_record_the_corpora_produce_reads_back_to_the_same_bytes() {
    let mut records = 0;
    let mut with_findings = 0;
    for file in inputs() {
        for (findings, offsets) in [
            ("cited", "bytes"),
            ("all", "bytes"),
            ("none", "bytes"),
            ("all", "utf16"),
            ("cited", "chars"),
        ] {
            let out = docgap(
                &[
                    "scan",
                    s(&file),
                    "--findings",
                    findings,
                    "--offsets",
                    offsets,
                ],
                b"",
            );
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8(out.stdout).unwrap();
            for line in text.lines() {
                let read = Line::parse(line).unwrap_or_else(|e| panic!("{e}: {line}"));
                let Line::Result(record) = &read else {
                    panic!("an error record from a clean corpus: {line}");
                };
                assert_eq!(serde_json::to_string(&read).unwrap(), line);
                assert_eq!(
                    record.offsets,
                    (offsets != "bytes").then(|| offsets.parse::<Offsets>().unwrap())
                );
                records += 1;
                with_findings +=
                    usize::from(record.findings.as_ref().is_some_and(|f| !f.is_empty()));
            }
        }
    }
    assert!(records > 2000, "{records}");
    assert!(with_findings > 500, "{with_findings}");
}

#[test]
fn error_records_read_back_too() {
    let out = docgap(&["scan", "-"], b"{\"id\": 1, \"text\": \"ok\"}\nnot json\n");
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(matches!(Line::parse(lines[0]).unwrap(), Line::Result(_)));
    let Line::Error(e) = Line::parse(lines[1]).unwrap() else {
        panic!("{}", lines[1]);
    };
    assert!(e.error.location.contains("<stdin>:2"), "{:?}", e.error);
    assert_eq!(serde_json::to_string(&e).unwrap(), lines[1]);
}

/// Notes with accents, dashes, emoji (outside the BMP: two UTF-16 units,
/// one code point, four bytes) and CJK before and between the findings.
const NOTES: [&str; 4] = [
    "Patient: José Müller – 🦴 follow-up. Assessment: chronic osteomyelitis of the left tibia – MRSA on bone biopsy.",
    "既往史：糖尿病。🩺 Acute osteomyelitis of the right calcaneus 😷, no organism identified — culture pending.",
    "Assessment — “vertebral osteomyelitis” L4–L5 🦠🦠 hematogenous; blood cultures grew MSSA. Naïve façade.",
    "Plain ASCII note: acute osteomyelitis of the left femur.",
];

/// The slice of `text` between `start` and `end` counted in `unit`.
fn slice(text: &str, unit: &str, start: usize, end: usize) -> String {
    match unit {
        "bytes" => text[start..end].to_string(),
        "chars" => text.chars().skip(start).take(end - start).collect(),
        "utf16" => {
            let units: Vec<u16> = text.encode_utf16().collect();
            String::from_utf16(&units[start..end]).unwrap()
        }
        _ => unreachable!(),
    }
}

#[test]
fn offsets_index_the_note_in_each_unit() {
    let input: Vec<u8> = NOTES
        .iter()
        .enumerate()
        .flat_map(|(i, t)| {
            let mut l = serde_json::to_vec(&json!({"id": format!("n{i}"), "text": t})).unwrap();
            l.push(b'\n');
            l
        })
        .collect();
    let mut checked = 0;
    for unit in ["bytes", "chars", "utf16"] {
        let out = docgap(
            &["scan", "-", "--findings", "all", "--offsets", unit],
            &input,
        );
        assert!(out.status.success());
        let recs = records(&out);
        assert_eq!(recs.len(), NOTES.len());
        for (r, text) in recs.iter().zip(NOTES) {
            let findings = r["findings"].as_array().unwrap();
            assert!(findings.len() >= 3, "{r}");
            for f in findings {
                let (a, b) = (
                    f["start"].as_u64().unwrap() as usize,
                    f["end"].as_u64().unwrap() as usize,
                );
                assert_eq!(
                    slice(text, unit, a, b),
                    f["text"].as_str().unwrap(),
                    "{unit}: {f}"
                );
                checked += 1;
            }
            for flag in r["flags"].as_array().unwrap() {
                if let Some(s) = flag.get("sentence") {
                    let (a, b) = (
                        s["start"].as_u64().unwrap() as usize,
                        s["end"].as_u64().unwrap() as usize,
                    );
                    assert_eq!(slice(text, unit, a, b), s["text"].as_str().unwrap());
                }
            }
            assert_eq!(
                r.get("offsets").and_then(|o| o.as_str()),
                (unit != "bytes").then_some(unit)
            );
        }
    }
    assert!(checked > 30, "{checked}");
}

#[test]
fn the_library_builds_the_same_record_as_the_command() {
    let analyzer = Analyzer::new();
    let text = NOTES[0];
    let a = analyzer.analyze(text);
    let options = RecordOptions::default().offsets(Offsets::Utf16);
    let record = Record::new("n0", None, text, &a, &[], options);
    let input = format!("{}\n", json!({"id": "n0", "text": text}));
    let out = docgap(&["scan", "-", "--offsets", "utf16"], input);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        record.to_json_line()
    );
    assert_eq!(record.codes[0].code, "M86.662");
}
