//! Issue 14: the first tier (`docgap::prefilter`) changes nothing but
//! speed. Every note of every corpus we have, the shipped ones, the dev
//! gold beside the clone, MTSamples and synthetic notes, is analysed with
//! the tier and without it, and the codes, flags and claim must be
//! identical; then random notes built from the lexicon's own terms, and a
//! lexicon override that adds shorthand, show the anchors follow the
//! lexicon rather than a list kept here.

use docgap::{Analysis, Analyzer};
use std::path::{Path, PathBuf};

struct Note {
    id: String,
    text: String,
    assigned: Option<Vec<String>>,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// The notes of a JSONL file: `text` and optional `assigned_codes`.
fn read(path: &Path) -> Vec<Note> {
    let raw = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (CI keeps ../shared beside the clone; this test needs it)",
            path.display()
        )
    });
    raw.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            let v: serde_json::Value = serde_json::from_str(l).expect("JSONL");
            Note {
                id: v["id"]
                    .as_str()
                    .map_or_else(|| format!("line {}", i + 1), str::to_string),
                text: v["text"].as_str().expect("a text field").to_string(),
                assigned: v["assigned_codes"].as_array().map(|a| {
                    a.iter()
                        .map(|c| c.as_str().expect("codes are strings").to_string())
                        .collect()
                }),
            }
        })
        .collect()
}

/// Every corpus the tier is checked on: `corpora/*.jsonl`, the dev gold
/// and MTSamples beside the clone.
fn corpus_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("corpora"))
        .expect("corpora/")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    for shared in [
        "../shared/gold/dev.jsonl",
        "../shared/gold/dev2.jsonl",
        "../shared/external/mtsamples/mtsamples.jsonl",
    ] {
        files.push(root().join(shared));
    }
    files
}

/// What the tier must not change.
fn decisions(a: &Analysis) -> String {
    format!("{:?} {:?} {:?}", a.codes, a.flags, a.assigned_codes)
}

/// Compares both ways; returns (notes, cleared by the tier, with output)
/// and pushes every difference to `report`.
fn compare(
    analyzer: &Analyzer,
    name: &str,
    notes: &[Note],
    report: &mut Vec<String>,
) -> (usize, usize, usize) {
    let mut cleared = 0;
    let mut yielding = 0;
    for n in notes {
        let full = analyzer.analyze_with_claim(&n.text, n.assigned.as_deref());
        let fast = analyzer.analyze_screened(&n.text, n.assigned.as_deref());
        let may = analyzer
            .prefilter()
            .may_yield(&n.text, n.assigned.as_deref());
        cleared += usize::from(!may);
        yielding += usize::from(!full.codes.is_empty() || !full.flags.is_empty());
        if decisions(&full) != decisions(&fast) {
            report.push(format!(
                "{name} {}: without the tier {}\n  with it {}",
                n.id,
                decisions(&full),
                decisions(&fast)
            ));
        }
    }
    (notes.len(), cleared, yielding)
}

#[test]
fn every_corpus_gets_the_same_codes_and_flags_with_and_without_the_tier() {
    let analyzer = Analyzer::new();
    let files = corpus_files();
    let mut report = Vec::new();
    let mut total = 0;
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let (n, cleared, yielding) = compare(&analyzer, &name, &read(file), &mut report);
        total += n;
        println!(
            "{name}: {n} notes, {cleared} cleared by the tier, {yielding} with codes or flags"
        );
    }
    for (seed, share) in [(5, None), (6, Some(1)), (7, Some(20)), (8, Some(100))] {
        let notes: Vec<Note> = docgap::tools::synth::notes_with(400, seed, share)
            .map(|s| Note {
                id: s.id,
                text: s.text,
                assigned: None,
            })
            .collect();
        let name = format!("synth seed {seed} share {share:?}");
        let (n, cleared, yielding) = compare(&analyzer, &name, &notes, &mut report);
        total += n;
        println!(
            "{name}: {n} notes, {cleared} cleared by the tier, {yielding} with codes or flags"
        );
    }
    assert!(total > 2000, "{total} notes");
    assert!(
        report.is_empty(),
        "{} notes differ:\n{}",
        report.len(),
        report.join("\n")
    );
}

/// A small fixed generator: the same cases every run, no dependency.
struct Xorshift(u64);

impl Xorshift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// Random notes made of condition terms (cut, in odd case, glued with odd
/// spaces), other lexicon terms, and codes with and without the dot, in
/// text and in the claim.
#[test]
fn random_notes_built_from_the_lexicon_agree() {
    let analyzer = Analyzer::new();
    let lexicon = analyzer.lexicon();
    let conditions: Vec<&str> = lexicon
        .of(docgap::lexicon::Category::Condition)
        .map(|e| &*e.term)
        .collect();
    let others: Vec<&str> = lexicon
        .entries()
        .iter()
        .filter(|e| e.category != docgap::lexicon::Category::Condition)
        .map(|e| &*e.term)
        .collect();
    let codes = [
        "M86.9", "M86671", "m86.9", "M46.20", "B95.62", "E11.9", "XM86.1", "M86", "A02.24",
    ];
    let glue = [
        " ", "  ", "\t", "\u{a0}", "\n", ", ", "-", "/", ".", "é", "x", "(", "\r\n", "",
    ];
    let mut rng = Xorshift(0x2545_f491_4f6c_dd1d);
    let mut notes = Vec::new();
    for case in 0..3000 {
        let mut text = String::new();
        for _ in 0..1 + rng.below(10) {
            let pick = rng.below(10);
            let term = if pick < 2 {
                conditions[rng.below(conditions.len())]
            } else if pick == 2 {
                codes[rng.below(codes.len())]
            } else {
                others[rng.below(others.len())]
            };
            let term = match rng.below(5) {
                0 => term.to_ascii_uppercase(),
                1 => term
                    .char_indices()
                    .map(|(i, c)| {
                        if i % 2 == 0 {
                            c.to_ascii_uppercase()
                        } else {
                            c
                        }
                    })
                    .collect(),
                2 => {
                    let mut cut = rng.below(term.len() + 1);
                    while !term.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    term[..cut].to_string()
                }
                _ => term.to_string(),
            };
            text.push_str(&term.replace(' ', glue[rng.below(5)]));
            text.push_str(glue[rng.below(glue.len())]);
        }
        let assigned = match rng.below(6) {
            0 => Some(vec![codes[rng.below(codes.len())].to_string()]),
            1 => Some(Vec::new()),
            _ => None,
        };
        notes.push(Note {
            id: format!("case {case} {text:?}"),
            text,
            assigned,
        });
    }
    let mut report = Vec::new();
    let (_, cleared, yielding) = compare(&analyzer, "random", &notes, &mut report);
    assert!(
        report.is_empty(),
        "{} cases differ:\n{}",
        report.len(),
        report.join("\n")
    );
    // Both sides are exercised.
    assert!(cleared > 300 && yielding > 300, "{cleared} {yielding}");
}

/// A term added to `condition.tsv` (here through an override directory, as
/// a site would) is searched for without a code change, on word boundaries
/// only, so "zq" inside "zqx" clears.
#[test]
fn anchors_follow_the_lexicon() {
    let dir = std::env::temp_dir().join(format!("docgap-prefilter-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let embedded = docgap::lexicon::Lexicon::embedded_text("condition.tsv").unwrap();
    let (comments, rows): (Vec<&str>, Vec<&str>) = embedded
        .lines()
        .filter(|l| !l.trim().is_empty())
        .partition(|l| l.starts_with('#'));
    let mut rows: Vec<String> = rows.into_iter().map(str::to_string).collect();
    rows.push("ZQ\tosteomyelitis".to_string());
    rows.push("zz bone rot\tosteomyelitis".to_string());
    rows.sort_by_key(|r| r.split('\t').next().unwrap().to_ascii_lowercase());
    let file = format!("{}\n{}\n", comments.join("\n"), rows.join("\n"));
    std::fs::write(dir.join("condition.tsv"), file).unwrap();
    let analyzer = Analyzer::builder().lexicon_dir(&dir).build().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();

    let tier = analyzer.prefilter();
    for yes in [
        "Assessment: chronic ZQ of the left tibia.",
        "Assessment: acute zz  BONE\u{a0}rot, right femur.",
    ] {
        assert!(tier.may_yield(yes, None), "{yes:?}");
        let a = analyzer.analyze_screened(yes, None);
        assert!(!a.codes.is_empty(), "{yes:?}");
        assert_eq!(
            decisions(&a),
            decisions(&analyzer.analyze_with_claim(yes, None))
        );
    }
    for no in [
        "Came from a zqx room; bone rot zz.",
        "zz bone rotten",
        "Assessment: chronic osteoarthritis.",
    ] {
        assert!(!tier.may_yield(no, None), "{no:?}");
    }
    // The shipped lexicon does not know the invented term, but does know
    // the real shorthand "OM" ("om" inside "from" still clears).
    let shipped = Analyzer::new();
    assert!(!shipped
        .prefilter()
        .may_yield("Assessment: chronic ZQ of the left tibia.", None));
    assert!(shipped
        .prefilter()
        .may_yield("Assessment: chronic OM of the left tibia.", None));
    assert!(!shipped.prefilter().may_yield("Came from some room.", None));
}

/// `text` as a JSON string, written the way `ascii` exporters write it
/// (every non-ASCII character and '/' escaped, as Python's `json.dumps`
/// does by default and some PHP exporters do) or as serde_json does.
fn json_string(text: &str, ascii: bool) -> String {
    if !ascii {
        return serde_json::to_string(text).unwrap();
    }
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || !c.is_ascii() => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// How a scan reads JSON text.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Reading {
    /// Every text decoded by the reader.
    Decoded,
    /// Texts without escapes left as written, screened on the workers.
    Deferred,
    /// Left as written and screened by the reader, as `docgap scan --jobs
    /// 1` does (where the run does not write the full map).
    Screened,
}

/// The records `docgap scan` writes for `jsonl`, read as `reading` says,
/// and the notes the screen cleared without decoding.
fn scan(
    analyzer: &Analyzer,
    jsonl: &[u8],
    findings: docgap::Findings,
    reading: Reading,
) -> (Vec<u8>, usize) {
    use docgap::batch::{self, jsonl as reader, source::Config};
    let fields = reader::Fields::default;
    let screen = Config::screen_for(analyzer, 1, findings);
    let items: Vec<batch::Item> = match (reading, screen) {
        (Reading::Screened, Some(p)) => {
            reader::read_screened(jsonl, "t".into(), fields(), 1 << 26, p).collect()
        }
        (Reading::Decoded, _) => {
            reader::read_deferred(jsonl, "t".into(), fields(), 1 << 26, false).collect()
        }
        _ => reader::read_deferred(jsonl, "t".into(), fields(), 1 << 26, true).collect(),
    };
    let cleared = items
        .iter()
        .filter_map(|i| i.note.as_ref().ok())
        .filter(|n| {
            n.cleared.is_some()
                || n.json_escaped
                    && analyzer
                        .clears_json(&n.text, n.assigned_codes.as_deref())
                        .is_some()
        })
        .count();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let options = batch::Options {
        findings,
        ..batch::Options::default()
    };
    let mut out = Vec::new();
    batch::run_with(
        analyzer,
        &pool,
        items.into_iter(),
        &options,
        &mut out,
        |_| {},
    )
    .unwrap();
    (out, cleared)
}

#[test]
fn screening_json_text_as_written_writes_the_same_records_as_decoding_every_note() {
    let analyzer = Analyzer::new();
    let mut sets: Vec<(String, Vec<Note>)> = Vec::new();
    let files = corpus_files();
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        sets.push((name, read(file)));
    }
    // Notes a reader that screens must still warn about or read a claim
    // for: empty and blank texts, a repeated id, a claim the audit reads
    // on a text with no diagnosis, a code written in the text.
    let note = |id: &str, text: &str, assigned: Option<&[&str]>| Note {
        id: id.into(),
        text: text.into(),
        assigned: assigned.map(|a| a.iter().map(|c| c.to_string()).collect()),
    };
    sets.push((
        "edge cases".into(),
        vec![
            note("e1", "", None),
            note("e2", "   ", None),
            note("e3", "Knee pain, no fever.", None),
            note("e3", "Knee pain again.", None),
            note("e4", "Wound check only.", Some(&["M86.172"])),
            note("e5", "Wound check only.", Some(&["I10"])),
            note("e6", "Dx: E11.9 and I10, follow up.", None),
            note("", "Nothing of note.", None),
        ],
    ));
    for (seed, share) in [(5, Some(1)), (6, Some(20))] {
        let notes = docgap::tools::synth::notes_with(300, seed, share)
            .map(|s| Note {
                id: s.id,
                text: s.text,
                assigned: None,
            })
            .collect();
        sets.push((format!("synth seed {seed} share {share:?}"), notes));
    }
    let mut screened = 0;
    for (name, notes) in &sets {
        for ascii in [false, true] {
            let mut jsonl = Vec::new();
            for n in notes {
                let codes = n
                    .assigned
                    .as_ref()
                    .map(|a| {
                        format!(
                            ", \"assigned_codes\": {}",
                            serde_json::to_string(a).unwrap()
                        )
                    })
                    .unwrap_or_default();
                jsonl.extend_from_slice(
                    format!(
                        "{{\"id\": {}, \"text\": {}{codes}}}\n",
                        serde_json::to_string(&n.id).unwrap(),
                        json_string(&n.text, ascii)
                    )
                    .as_bytes(),
                );
            }
            for findings in [
                docgap::Findings::Cited,
                docgap::Findings::None,
                docgap::Findings::All,
            ] {
                let (plain, none) = scan(&analyzer, &jsonl, findings, Reading::Decoded);
                let (fast, out_of) = scan(&analyzer, &jsonl, findings, Reading::Deferred);
                let (read, in_reader) = scan(&analyzer, &jsonl, findings, Reading::Screened);
                assert_eq!(none, 0);
                assert_eq!(in_reader, out_of);
                assert!(
                    plain == fast,
                    "{name} (ascii {ascii}, {findings:?}): the screen changed the output"
                );
                assert!(
                    plain == read,
                    "{name} (ascii {ascii}, {findings:?}): screening in the reader changed the output"
                );
                if findings == docgap::Findings::Cited {
                    println!(
                        "{name} (ascii {ascii}): {out_of} of {} notes cleared undecoded",
                        notes.len()
                    );
                    screened += out_of;
                }
            }
        }
    }
    // Not vacuous: texts without escapes (MTSamples as serde_json writes
    // it: 373 notes) are cleared without decoding; texts with escapes are
    // decoded by the reader, as before.
    assert!(screened > 500, "{screened} notes screened out");
}
