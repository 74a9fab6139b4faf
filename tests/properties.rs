//! Properties that must hold for any input: no panic, spans inside the text
//! on character boundaries, deterministic results, one output record per
//! input record in order, the same bytes whatever the number of threads.

use docgap::batch::{self, jsonl, Item};
use docgap::Analyzer;
use proptest::prelude::*;
use std::sync::OnceLock;

fn analyzer() -> &'static Analyzer {
    static A: OnceLock<Analyzer> = OnceLock::new();
    A.get_or_init(Analyzer::new)
}

/// Text that looks like a note often enough to reach the rules: clinical
/// words, punctuation, newlines and odd characters mixed at random.
fn noteish() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "osteomyelitis",
        "chronic",
        "acute",
        "left",
        "right",
        "L",
        "femur",
        "tibia",
        "toe",
        "MRSA",
        "no",
        "not",
        "rule out",
        "history of",
        "mother",
        "hematogenous",
        "sinus tract",
        "bone biopsy",
        "no growth",
        "Salmonella",
        "T12-L1",
        "spine",
        "orbit",
        "M86.9",
        "B9562",
        "Assessment:",
        "Family History:",
        "PMH:",
        ".",
        ",",
        ";",
        ":",
        "\n",
        "\n\n",
        "- ",
        " ",
        "  ",
        "\t",
        "\u{a0}",
        "é",
        "😟",
        "°",
        "–",
        "\r\n",
        "Dr.",
        "S.",
        "1.",
        "(",
        ")",
    ]);
    prop::collection::vec(pieces, 0..60).prop_map(|v| v.join(" "))
}

fn check_spans(text: &str) -> Result<(), TestCaseError> {
    let a = analyzer().analyze(text);
    for s in &a.sentences {
        prop_assert!(s.end <= text.len());
        prop_assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
    }
    for f in &a.evidence.findings {
        prop_assert!(f.span.start < f.span.end && f.span.end <= text.len());
        prop_assert!(text.is_char_boundary(f.span.start) && text.is_char_boundary(f.span.end));
        prop_assert!((f.sentence as usize) < a.sentences.len());
    }
    for c in &a.codes {
        for &e in &c.evidence {
            prop_assert!((e as usize) < a.evidence.findings.len());
        }
    }
    Ok(())
}

fn jsonl_of(texts: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, t) in texts.iter().enumerate() {
        if i % 7 == 3 {
            out.extend_from_slice(b"{broken json\n");
        } else {
            out.extend_from_slice(
                serde_json::json!({"id": i.to_string(), "text": t})
                    .to_string()
                    .as_bytes(),
            );
            out.push(b'\n');
        }
    }
    out
}

fn scan(input: &[u8], threads: usize) -> (Vec<u8>, batch::Totals) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let items: Vec<Item> = jsonl::read(input, "t".into(), jsonl::Fields::default()).collect();
    let mut out = Vec::new();
    let totals = batch::run(analyzer(), &pool, items.into_iter(), 3, &mut out).unwrap();
    (out, totals)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn any_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        let text = String::from_utf8_lossy(&bytes);
        check_spans(&text)?;
    }

    #[test]
    fn noteish_text_keeps_spans_and_is_deterministic(text in noteish()) {
        check_spans(&text)?;
        let a = serde_json::to_string(&analyzer().analyze(&text)).unwrap();
        let b = serde_json::to_string(&analyzer().analyze(&text)).unwrap();
        prop_assert_eq!(a, b);
    }

    #[test]
    fn one_record_out_per_record_in_and_threads_do_not_change_bytes(
        texts in prop::collection::vec(noteish(), 0..20)
    ) {
        let input = jsonl_of(&texts);
        let (one, totals) = scan(&input, 1);
        let (two, _) = scan(&input, 2);
        prop_assert_eq!(&one, &two);
        let lines: Vec<serde_json::Value> = String::from_utf8(one).unwrap()
            .lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        prop_assert_eq!(lines.len(), texts.len());
        prop_assert_eq!(totals.records as usize, texts.len());
        for (i, rec) in lines.iter().enumerate() {
            if i % 7 == 3 {
                prop_assert_eq!(&rec["error"]["location"], &serde_json::json!(format!("t:{}", i + 1)));
            } else {
                prop_assert_eq!(&rec["id"], &serde_json::json!(i.to_string()));
            }
        }
    }
}
