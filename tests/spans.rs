//! Byte spans are the only offsets passed between stages: every match,
//! finding, sentence and flag sentence must slice the original note on
//! character boundaries, and a match's surface must be its lexicon term
//! (up to ASCII case and runs of spaces).

use docgap::Analyzer;
use std::path::Path;

fn normalise(s: &str) -> String {
    s.split(|c: char| c != '\n' && c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase()
}

fn notes_in(path: &Path, field: &str) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(path) else {
        eprintln!("note: {} not present, skipped", path.display());
        return Vec::new();
    };
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("valid JSON line");
            v[field].as_str().unwrap_or_default().to_string()
        })
        .collect()
}

fn check(analyzer: &Analyzer, text: &str, failures: &mut Vec<String>) {
    let entries = analyzer.lexicon().entries();
    for m in analyzer.matcher().find_all(text) {
        let ok = text.is_char_boundary(m.span.start) && text.is_char_boundary(m.span.end);
        if !ok {
            failures.push(format!("match {:?} not on char boundaries", m.span));
            continue;
        }
        let surface = normalise(&text[m.span.range()]);
        for &row in analyzer.matcher().entries_of(m.pattern) {
            let term = normalise(&entries[row as usize].term);
            if surface != term {
                failures.push(format!("match {surface:?} is not its term {term:?}"));
            }
        }
    }
    let a = analyzer.analyze(text);
    for s in &a.sentences {
        if !(s.end <= text.len() && text.is_char_boundary(s.start) && text.is_char_boundary(s.end))
        {
            failures.push(format!("sentence {s:?} outside the text or off a boundary"));
        }
    }
    for f in &a.evidence.findings {
        let s = a.sentences[f.sentence as usize];
        if !s.contains(f.span) {
            failures.push(format!(
                "finding {:?} outside its sentence {:?}",
                &text[f.span.range()],
                &text[s.range()]
            ));
        }
    }
    for flag in &a.flags {
        for &e in &flag.evidence {
            if e as usize >= a.evidence.findings.len() {
                failures.push(format!(
                    "flag {} points past the findings",
                    flag.id.as_str()
                ));
            }
        }
    }
}

#[test]
fn spans_slice_the_note_on_every_corpus() {
    let analyzer = Analyzer::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut notes = Vec::new();
    for file in ["corpora/notes.jsonl", "corpora/sample.jsonl"] {
        notes.extend(notes_in(&root.join(file), "text"));
    }
    notes.extend(notes_in(&root.join("../shared/gold/dev.jsonl"), "text"));
    notes.extend(notes_in(
        &root.join("../shared/external/mtsamples/mtsamples.jsonl"),
        "text",
    ));
    // Awkward text of our own: no-break spaces, tabs, CRLF, accents, emoji.
    notes.push("Hb\u{a0}SC disease.\r\nChronic  osteomyelitis of the\tleft femur – MRSA 😟.\nÉvaluation: no sequestrum".into());
    notes.push(String::new());
    notes.push("left".into());
    let mut failures = Vec::new();
    for text in &notes {
        check(&analyzer, text, &mut failures);
    }
    assert!(
        failures.is_empty(),
        "{} span problems, first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
