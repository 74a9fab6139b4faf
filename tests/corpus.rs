//! The corpus runner: every gold-format note under `corpora/` is analysed
//! and compared with its expected codes and flags; every mismatch is
//! reported at once.

use docgap::tools::eval::{parse_gold, score};
use docgap::Analyzer;
use std::path::Path;

#[test]
fn corpora_match_their_labels() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("corpora/ exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .jsonl corpus in {}", dir.display());
    let analyzer = Analyzer::new();
    let mut report = Vec::new();
    let mut notes = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let gold = parse_gold(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        notes += gold.len();
        let r = score(&analyzer, &gold);
        for d in &r.disagreements {
            report.push(format!(
                "{} {}: missing codes {:?}, extra codes {:?}, missing flags {:?}, extra flags {:?}",
                file.file_name().unwrap().to_string_lossy(),
                d.id,
                d.missing_codes,
                d.extra_codes,
                d.missing_flags,
                d.extra_flags,
            ));
        }
    }
    assert!(notes > 0, "corpora hold no notes");
    assert!(
        report.is_empty(),
        "{} of {notes} notes disagree with their labels:\n{}",
        report.len(),
        report.join("\n")
    );
}
