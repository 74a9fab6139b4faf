//! Properties that must hold for any input: no panic, spans inside the text
//! on character boundaries, deterministic results, one output record per
//! input record in order (clean or dirty, through every reader), the same
//! bytes whatever the number of threads.

use docgap::batch::{self, csv, fhir, jsonl, Item};
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

/// JSON Lines of `texts`, every seventh line broken, and where each line
/// starts.
fn jsonl_of(texts: &[String]) -> (Vec<u8>, Vec<usize>) {
    let mut out = Vec::new();
    let mut starts = Vec::new();
    for (i, t) in texts.iter().enumerate() {
        starts.push(out.len());
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
    (out, starts)
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
        let record = |a: &docgap::Analysis| {
            let all = docgap::RecordOptions::default().findings(docgap::Findings::All);
            docgap::Record::new("n", None, &text, a, &[], all).to_json_line()
        };
        let a = record(&analyzer().analyze(&text));
        let b = record(&analyzer().analyze(&text));
        prop_assert_eq!(a, b);
    }

    #[test]
    fn one_record_out_per_record_in_and_threads_do_not_change_bytes(
        texts in prop::collection::vec(noteish(), 0..20)
    ) {
        let (input, starts) = jsonl_of(&texts);
        let (one, totals) = scan(&input, 1);
        let (two, _) = scan(&input, 2);
        prop_assert_eq!(&one, &two);
        let lines: Vec<serde_json::Value> = String::from_utf8(one).unwrap()
            .lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        prop_assert_eq!(lines.len(), texts.len());
        prop_assert_eq!(totals.records as usize, texts.len());
        for (i, rec) in lines.iter().enumerate() {
            if i % 7 == 3 {
                prop_assert_eq!(
                    &rec["error"]["location"],
                    &serde_json::json!(format!("t:{} (byte {})", i + 1, starts[i]))
                );
            } else {
                prop_assert_eq!(&rec["id"], &serde_json::json!(i.to_string()));
            }
        }
    }
}

/// The (line, byte) of every non-blank line: where a line reader must put
/// one item each.
fn non_blank_lines(input: &[u8]) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (n, l) in input.split_inclusive(|&b| b == b'\n').enumerate() {
        let body = if start == 0 {
            l.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(l)
        } else {
            l
        };
        if !body.iter().all(|b| b.is_ascii_whitespace()) {
            out.push((n as u64 + 1, start as u64));
        }
        start += l.len();
    }
    out
}

/// One line of a dirty export: good, or damaged in one of the ways
/// exports are.
fn dirty_line() -> impl Strategy<Value = Vec<u8>> {
    let good = (0u8..6, noteish()).prop_map(|(id, t)| {
        serde_json::json!({"id": format!("n{id}"), "text": t})
            .to_string()
            .into_bytes()
    });
    let damaged = (0usize..9, noteish(), any::<u8>()).prop_map(|(kind, t, b)| {
        let rec = serde_json::json!({"id": "d", "text": t}).to_string();
        let cut = rec.len() / 2;
        match kind {
            // Invalid UTF-8 inside the text.
            0 => [
                &rec.as_bytes()[..rec.len() - 2],
                &[0x80 | (b & 0x3F), b'"', b'}'],
            ]
            .concat(),
            // A raw NUL or control byte inside the text.
            1 => [&rec.as_bytes()[..rec.len() - 2], &[b & 0x1F, b'"', b'}']].concat(),
            2 => br#"{"id": "s", "text": "cut emoji \ud83d"}"#.to_vec(),
            3 => br#"{"id": "t", "text": 42}"#.to_vec(),
            4 => br#"{"id": null, "text": "x"}"#.to_vec(),
            5 => br#"{"id": "e", "text": ""}"#.to_vec(),
            6 => b"<html>".to_vec(),
            7 => rec.as_bytes()[..batch::floor_char_boundary(&rec, cut)].to_vec(),
            _ => vec![b],
        }
    });
    prop_oneof![3 => good, 2 => damaged]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn line_readers_give_one_located_item_per_non_blank_line(
        bytes in prop::collection::vec(any::<u8>(), 0..600),
        max in prop_oneof![Just(usize::MAX), 0usize..40],
    ) {
        let want = non_blank_lines(&bytes);
        let utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
        let j: Vec<Item> = jsonl::read_with(&bytes[..], "j".into(), jsonl::Fields::default(), max).collect();
        let f: Vec<Item> = fhir::read_with(&bytes[..], "f".into(), max).collect();
        for (items, name) in [(&j, "j"), (&f, "f")] {
            if utf16 {
                prop_assert_eq!(items.len(), 1);
                continue;
            }
            prop_assert_eq!(items.len(), want.len());
            for (item, &(line, byte)) in items.iter().zip(&want) {
                prop_assert_eq!(&item.location, &batch::location(name, line, byte));
                if let Ok(n) = &item.note {
                    prop_assert!(n.text.len() <= max);
                }
            }
        }
    }

    #[test]
    fn the_csv_reader_gives_one_item_per_record(
        cells in prop::collection::vec(prop::collection::vec(
            prop_oneof![Just("\"".to_string()), Just(",".to_string()), Just("\r\n".to_string()),
                        Just("\n".to_string()), Just("\u{0}".to_string()), "[a-z é]{0,6}"], 0..8), 0..12),
        max in prop_oneof![Just(usize::MAX), 0usize..6],
    ) {
        let mut input = b"id,text\n".to_vec();
        for row in &cells {
            input.extend(row.concat().as_bytes());
            input.push(b'\n');
        }
        // Cells cut at a small limit still leave every record (issue 10).
        let items: Vec<Item> =
            csv::read_with(&input[..], "c".into(), jsonl::Fields::default(), max).collect();
        let mut r = ::csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(&input[..]);
        let want = r
            .byte_records()
            .map(Result::unwrap)
            .count();
        prop_assert_eq!(items.len(), want);
        for item in &items {
            prop_assert!(item.location.starts_with("c:") && item.location.contains(" (byte "));
        }
    }

    #[test]
    fn dirty_lines_keep_count_and_order_and_threads_do_not_change_bytes(
        lines in prop::collection::vec(dirty_line(), 0..24),
    ) {
        let mut input = Vec::new();
        for l in &lines {
            input.extend_from_slice(l);
            input.push(b'\n');
        }
        let (one, totals) = scan(&input, 1);
        let (two, _) = scan(&input, 2);
        prop_assert_eq!(&one, &two);
        let out: Vec<serde_json::Value> = String::from_utf8(one).unwrap()
            .lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let want = non_blank_lines(&input);
        prop_assert_eq!(out.len(), want.len());
        prop_assert_eq!(totals.records as usize, want.len());
        for (rec, (line, byte)) in out.iter().zip(want) {
            let at = batch::location("t", line, byte);
            if rec["error"].is_object() {
                prop_assert_eq!(&rec["error"]["location"], &serde_json::json!(at));
            } else if rec.get("warnings").is_some() {
                prop_assert_eq!(&rec["location"], &serde_json::json!(at));
            }
        }
    }

    #[test]
    fn truncation_keeps_a_prefix_on_a_character_boundary(
        text in ".{0,40}",
        max in 0usize..50,
    ) {
        let mut t = text.clone();
        let warning = batch::truncate_note(&mut t, max);
        prop_assert!(t.len() <= max || t == text);
        prop_assert!(text.starts_with(&t));
        prop_assert_eq!(warning.is_some(), text.len() > max);
        prop_assert!(text.len() <= max || max - t.len() < 4, "cut at the last boundary");
    }
}
