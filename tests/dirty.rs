//! Dirty exports as they come (issue 4): every input record yields exactly
//! one output record, in order; a record that cannot be read yields an
//! error record at its location (file, line, byte offset) with a reason;
//! one read with a caveat is analysed with a warning; the exit status says
//! which happened. One test per kind of dirt, then the dirty corpus: every
//! kind mixed with good notes, scanned through the binary in one run.

mod common;
use common::*;

use base64::Engine as _;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

fn line(v: Value) -> Vec<u8> {
    let mut l = v.to_string().into_bytes();
    l.push(b'\n');
    l
}

fn warnings(rec: &Value) -> Vec<&str> {
    rec["warnings"]
        .as_array()
        .map(|a| a.iter().map(|w| w.as_str().unwrap()).collect())
        .unwrap_or_default()
}

fn has_warning(rec: &Value, part: &str) -> bool {
    warnings(rec).iter().any(|w| w.contains(part))
}

fn error(rec: &Value) -> &str {
    rec["error"]["message"].as_str().unwrap_or("")
}

fn at(rec: &Value) -> &str {
    rec["error"]["location"]
        .as_str()
        .or(rec["location"].as_str())
        .unwrap_or("")
}

const AFFIRMED: &str =
    "Assessment: chronic osteomyelitis of the left femur, hematogenous. Bone biopsy: MRSA.";

#[test]
fn mis_encoded_jsonl_lines_are_decoded_lossily_with_a_warning() {
    let mut input = line(json!({"id": "ok", "text": AFFIRMED}));
    let bad_at = input.len();
    input.extend_from_slice(b"{\"id\": \"latin1\", \"text\": \"Ost\xe9omy\xe9lite; osteomyelitis of the left femur\"}\n");
    let out = docgap(&["scan"], &input);
    assert_eq!(out.status.code(), Some(0), "a warning is not an error");
    let recs = records(&out);
    assert_eq!(recs.len(), 2);
    let r = &recs[1];
    assert_eq!(r["id"], "latin1");
    assert!(has_warning(r, "not valid UTF-8"), "{r}");
    assert_eq!(at(r), format!("<stdin>:2 (byte {bad_at})"));
    // Spans refer to the decoded text.
    let text = "Ost\u{fffd}omy\u{fffd}lite; osteomyelitis of the left femur";
    for f in r["findings"].as_array().unwrap() {
        let (a, b) = (
            f["start"].as_u64().unwrap() as usize,
            f["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(f["text"].as_str().unwrap(), &text[a..b]);
    }
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("1 of 2 records were analysed with warnings")
    );
}

#[test]
fn nul_bytes_and_raw_control_characters_are_text() {
    let input = [
        line(json!({"id": "escaped", "text": "Osteomyelitis\u{0} of the left femur."})),
        b"{\"id\": \"raw\", \"text\": \"Osteomyelitis\x00 of the\tleft femur.\"}\n".to_vec(),
    ]
    .concat();
    let out = docgap(&["scan"], &input);
    assert_eq!(out.status.code(), Some(0));
    let recs = records(&out);
    assert_eq!(recs.len(), 2);
    assert!(
        warnings(&recs[0]).is_empty(),
        "a \\u0000 escape is legal JSON"
    );
    assert_eq!(recs[0]["findings"][0]["text"], "Osteomyelitis");
    assert!(
        has_warning(&recs[1], "2 raw control character(s)"),
        "{}",
        recs[1]
    );
    assert_eq!(recs[1]["findings"][0]["text"], "Osteomyelitis");
}

#[test]
fn wrong_json_types_and_non_objects_are_error_records_at_their_line_and_byte() {
    let lines: Vec<Vec<u8>> = vec![
        line(json!({"id": "t", "text": 42})),
        line(json!({"id": {"a": 1}, "text": "x"})),
        line(json!({"id": "c", "text": "x", "assigned_codes": "M86.9"})),
        line(json!({"id": "d", "text": "x", "assigned_codes": [1]})),
        line(json!({"text": "no id"})),
        line(json!(["an", "array"])),
        line(json!("a string")),
        b"not json at all\n".to_vec(),
    ];
    let input = lines.concat();
    let out = docgap(&["scan"], &input);
    assert_eq!(out.status.code(), Some(2));
    let recs = records(&out);
    assert_eq!(recs.len(), lines.len());
    let mut offset = 0;
    for (i, (rec, l)) in recs.iter().zip(&lines).enumerate() {
        assert_eq!(at(rec), format!("<stdin>:{} (byte {offset})", i + 1));
        assert!(!error(rec).is_empty(), "{rec}");
        offset += l.len();
    }
    assert!(error(&recs[0]).contains("must be a string, found a number"));
    assert_eq!(recs[0]["id"], "t", "the id when it could be read");
    assert!(error(&recs[1]).contains("found an object"));
    assert!(error(&recs[2]).contains("assigned_codes must be an array"));
    assert!(error(&recs[3]).contains("must hold strings"));
    assert!(error(&recs[4]).contains("missing field \"id\""));
    assert!(error(&recs[5]).contains("found an array"));
}

#[test]
fn empty_text_is_analysed_with_a_warning_and_a_duplicate_id_too() {
    let input = [
        line(json!({"id": "e", "text": ""})),
        line(json!({"id": "w", "text": " \n\t "})),
        line(json!({"id": "dup", "text": AFFIRMED})),
        line(json!({"id": "dup", "text": AFFIRMED})),
        line(json!({"id": "", "text": "x"})),
    ]
    .concat();
    let out = docgap(&["scan"], &input);
    assert_eq!(out.status.code(), Some(0));
    let recs = records(&out);
    assert_eq!(recs.len(), 5);
    assert!(has_warning(&recs[0], "the text is empty"));
    assert_eq!(recs[0]["codes"], json!([]));
    assert!(has_warning(&recs[1], "only whitespace"));
    assert!(
        warnings(&recs[2]).is_empty(),
        "the first of two is not a duplicate"
    );
    assert!(has_warning(&recs[3], "duplicate id \"dup\""));
    assert_eq!(
        recs[3]["codes"], recs[2]["codes"],
        "the duplicate is analysed"
    );
    assert!(has_warning(&recs[4], "the id is empty"));
}

#[test]
fn a_jsonl_file_cut_mid_record_reports_the_cut_record_and_keeps_the_rest() {
    let whole = [
        line(json!({"id": "a", "text": AFFIRMED})),
        line(json!({"id": "b", "text": "No osteomyelitis."})),
    ]
    .concat();
    let cut = &whole[..whole.len() - 20];
    let dir = scratch("cut");
    let path = dir.join("cut.jsonl");
    std::fs::write(&path, cut).unwrap();
    let out = docgap(&["scan", s(&path)], b"");
    assert_eq!(out.status.code(), Some(2));
    let recs = records(&out);
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0]["id"], "a");
    let second = whole.iter().position(|&b| b == b'\n').unwrap() + 1;
    assert_eq!(
        at(&recs[1]),
        format!("{}:2 (byte {second})", path.display())
    );
    assert!(
        error(&recs[1]).starts_with("truncated record"),
        "{}",
        recs[1]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_cut_or_corrupt_gzip_stream_ends_with_an_error_record_naming_it() {
    let jsonl: Vec<u8> = (0..200)
        .flat_map(|i| {
            line(json!({"id": format!("n{i}"), "text": format!("{AFFIRMED} Visit {i}.")}))
        })
        .collect();
    let z = gz(&jsonl);
    let dir = scratch("gz");
    let cut = dir.join("cut.jsonl.gz");
    std::fs::write(&cut, &z[..z.len() * 2 / 3]).unwrap();
    let notgz = dir.join("not.jsonl.gz");
    std::fs::write(&notgz, &jsonl[..500]).unwrap();
    let mut corrupt = z.clone();
    let n = corrupt.len();
    corrupt[n - 6] ^= 0xFF; // the CRC
    let crc = dir.join("crc.jsonl.gz");
    std::fs::write(&crc, &corrupt).unwrap();

    let out = docgap(&["scan", s(&cut)], b"");
    assert_eq!(out.status.code(), Some(2));
    let recs = records(&out);
    let last = recs.last().unwrap();
    assert!(error(last).contains("the gzip stream ends early"), "{last}");
    assert!(recs.len() > 10 && recs.len() <= 201, "{}", recs.len());
    for (i, r) in recs[..recs.len() - 1].iter().enumerate() {
        assert_eq!(r["id"], format!("n{i}"), "the records before the cut stand");
    }

    let out = docgap(&["scan", s(&notgz)], b"");
    let recs = records(&out);
    assert_eq!(recs.len(), 1);
    assert!(
        error(&recs[0]).contains("gzip stream is corrupt"),
        "{}",
        recs[0]
    );
    assert_eq!(at(&recs[0]), format!("{}:1 (byte 0)", notgz.display()));

    let out = docgap(&["scan", s(&crc)], b"");
    let recs = records(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(error(recs.last().unwrap()).contains("gzip"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_flipped_byte_inside_a_gzip_member_yields_no_made_up_records() {
    let text = |from: usize, to: usize| -> Vec<u8> {
        (from..to)
            .flat_map(|i| {
                line(json!({"id": format!("n{i}"), "text": format!("{AFFIRMED} Visit {i}.")}))
            })
            .collect()
    };
    let dir = scratch("gzflip");
    // One member, a byte flipped in the middle of its compressed data.
    let mut one = gz(&text(0, 300));
    let mid = one.len() / 2;
    one[mid] ^= 0x10;
    let one_path = dir.join("one.jsonl.gz");
    std::fs::write(&one_path, &one).unwrap();
    let out = docgap(&["scan", s(&one_path)], b"");
    assert_eq!(out.status.code(), Some(2));
    let recs = records(&out);
    assert_eq!(recs.len(), 1, "only the error, no record of made-up text");
    assert!(error(&recs[0]).contains("member 1"), "{}", recs[0]);

    // Two members, the second corrupt: the first member's records stand,
    // then one error record, and nothing else.
    let mut second = gz(&text(100, 200));
    let mid = second.len() / 2;
    second[mid] ^= 0x10;
    let mut two = gz(&text(0, 100));
    two.extend(&second);
    let two_path = dir.join("two.jsonl.gz");
    std::fs::write(&two_path, &two).unwrap();
    // The same file inside a scanned tree, as one note.
    let tree = dir.join("tree");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(tree.join("a.txt.gz"), &one).unwrap();
    for path in [&two_path] {
        let out = docgap(&["scan", s(path)], b"");
        assert_eq!(out.status.code(), Some(2));
        let recs = records(&out);
        assert_eq!(recs.len(), 101, "100 sound records and one error");
        for (i, r) in recs[..100].iter().enumerate() {
            assert_eq!(r["id"], format!("n{i}"));
            assert!(r.get("error").is_none(), "{r}");
        }
        assert!(error(&recs[100]).contains("member 2"), "{}", recs[100]);
    }
    let out = docgap(&["scan", s(&tree)], b"");
    let recs = records(&out);
    assert_eq!(recs.len(), 1);
    assert!(
        error(&recs[0]).contains("gzip stream is corrupt"),
        "{}",
        recs[0]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn ragged_csv_rows_are_analysed_when_their_cells_are_there_and_reported_when_not() {
    let csv = "\u{feff}id,category,text\r\n\
               1,Discharge,\"Chronic osteomyelitis of the left femur.\"\r\n\
               2,Nursing,\"text\",extra,cells\r\n\
               3,Radiology\r\n\
               4\r\n\
               5,Ok,\"Quoted, with \"\"quotes\"\" and\r\na line break.\"\r\n\
               6,Cut,no final line break";
    let dir = scratch("csv");
    let path = dir.join("notes.csv");
    std::fs::write(&path, csv).unwrap();
    let out = docgap(&["scan", s(&path)], b"");
    assert_eq!(out.status.code(), Some(2));
    let recs = records(&out);
    let ids: Vec<&str> = recs.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["1", "2", "3", "4", "5", "6"], "one record per row");
    assert!(
        warnings(&recs[0]).is_empty(),
        "a BOM before the header is not dirt"
    );
    assert_eq!(recs[0]["codes"][0]["code"], "M86.652");
    assert!(has_warning(
        &recs[1],
        "ragged row: 5 cell(s) where the header has 3"
    ));
    assert!(error(&recs[2]).contains("so no text (column 3)"));
    assert!(error(&recs[3]).contains("so no text"), "{}", recs[3]);
    assert!(warnings(&recs[4]).is_empty());
    assert!(has_warning(&recs[5], "without a line break"));
    let row3 = csv.find("3,Radiology").unwrap();
    assert_eq!(at(&recs[2]), format!("{}:4 (byte {row3})", path.display()));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_csv_quote_left_open_is_an_error_record_not_silently_swallowed_rows() {
    let csv = "id,text\n1,\"fine\"\n2,\"opened here\n3,these rows\n4,are inside the quote\n";
    let out = docgap(&["scan", "--input-format", "csv"], csv.as_bytes());
    assert_eq!(out.status.code(), Some(2));
    let recs = records(&out);
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[1]["id"], "2");
    assert!(error(&recs[1]).contains("unclosed quote"), "{}", recs[1]);
    assert!(error(&recs[1]).contains("(3 lines)"), "{}", recs[1]);
    assert_eq!(
        at(&recs[1]),
        format!("<stdin>:3 (byte {})", csv.find("2,").unwrap())
    );
}

#[test]
fn mis_encoded_csv_cells_and_fhir_attachments_are_decoded_lossily() {
    let out = docgap(
        // Every finding: this note yields no code, so none would be cited.
        &["scan", "--input-format", "csv", "--findings", "all"],
        b"id,text\n1,caf\xe9 osteomyelitis\n\xff,ok\n",
    );
    assert_eq!(out.status.code(), Some(0));
    let recs = records(&out);
    assert!(has_warning(&recs[0], "not valid UTF-8"));
    assert_eq!(recs[0]["findings"][0]["text"], "osteomyelitis");
    assert!(has_warning(&recs[1], "the id is not valid UTF-8"));

    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let input = [
        line(json!({"resourceType": "DocumentReference", "id": "f1",
            "content": [{"attachment": {"contentType": "text/plain", "data": b64(b"Osteomyelitis \xff of the left femur.")}}]})),
        line(json!({"resourceType": "DocumentReference", "id": "f2",
            "content": [{"attachment": {"contentType": "text/plain", "data": "%%% not base64"}}]})),
        b"{\"resourceType\": \"DocumentReference\", \"id\": \"f3\", \"content\": [{\"attach".to_vec(),
    ]
    .concat();
    let out = docgap(&["scan", "--input-format", "fhir"], &input);
    assert_eq!(out.status.code(), Some(2));
    let recs = records(&out);
    assert_eq!(recs.len(), 3);
    assert!(has_warning(&recs[0], "not valid UTF-8"));
    assert_eq!(recs[0]["id"], "f1");
    assert_eq!(recs[1]["id"], "f2");
    assert!(error(&recs[1]).contains("not base64"));
    assert!(
        error(&recs[2]).starts_with("truncated record"),
        "{}",
        recs[2]
    );
}

/// A note as a PDF paste gives it: one huge JSON line, mostly page text,
/// with the diagnosis near the top.
fn pdf_paste(bytes: usize) -> String {
    let mut text = String::with_capacity(bytes + 4096);
    text.push_str(
        "Discharge summary (scanned)\nAssessment: chronic osteomyelitis of the left femur.\n",
    );
    let mut page = 0u64;
    while text.len() < bytes {
        page += 1;
        text.push_str(&format!("\u{c}Page {page} of 99999\n"));
        for l in 0..40 {
            text.push_str(&format!(
                "lorem ipsum dolor sit amet consectetur adipiscing elit sed do {page}.{l} eiusmod tempor\n"
            ));
        }
    }
    text
}

#[test]
fn a_note_over_100_mb_is_cut_at_the_limit_with_a_warning_in_bounded_time() {
    let text = pdf_paste(101 << 20);
    let dir = scratch("big");
    let jsonl = dir.join("big.jsonl");
    let mut input = line(json!({"id": "small-before", "text": AFFIRMED}));
    // Written in place: json! would copy the 100 MB.
    input.extend(br#"{"id": "huge", "text": "#);
    serde_json::to_writer(&mut input, &text).unwrap();
    input.extend(b"}\n");
    input.extend(line(json!({"id": "small-after", "text": AFFIRMED})));
    std::fs::write(&jsonl, &input).unwrap();
    drop(input);
    let txt = dir.join("big.txt");
    std::fs::write(&txt, &text).unwrap();
    let started = std::time::Instant::now();
    let out = docgap(&["scan", "--jobs", "2", s(&jsonl), s(&txt)], b"");
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let recs = records(&out);
    let ids: Vec<&str> = recs.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["small-before", "huge", "small-after", "big.txt"]);
    for r in [&recs[1], &recs[3]] {
        assert!(
            has_warning(r, "over the limit of 67108864 bytes"),
            "{:?}",
            warnings(r)
        );
        assert_eq!(
            r["codes"][0]["code"], "M86.652",
            "the kept text is analysed"
        );
        for f in r["findings"].as_array().unwrap() {
            let (a, b) = (
                f["start"].as_u64().unwrap() as usize,
                f["end"].as_u64().unwrap() as usize,
            );
            assert!(b <= 64 << 20);
            assert_eq!(f["text"].as_str().unwrap(), &text[a..b]);
        }
    }
    assert!(has_warning(
        &recs[1],
        &format!("the note is {} bytes", text.len())
    ));
    assert_eq!(recs[2]["codes"], recs[0]["codes"]);
    // Generous for a shared 2-core CI machine; it takes a few seconds.
    assert!(seconds < 60.0, "{seconds:.1} s");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn max_note_bytes_cuts_at_a_character_boundary_and_zero_means_no_limit() {
    let text = "Osteomyelitis of the left femur. é".repeat(40);
    let input = line(json!({"id": "a", "text": text}));
    let out = docgap(&["scan", "--max-note-bytes", "34"], &input);
    assert_eq!(out.status.code(), Some(0));
    let r = &records(&out)[0];
    assert!(
        has_warning(r, "only its first 33 bytes"),
        "{:?}",
        warnings(r)
    );
    let out = docgap(&["scan", "--max-note-bytes", "0"], &input);
    assert!(warnings(&records(&out)[0]).is_empty());
    let out = docgap(&["scan", "--max-note-bytes", "lots"], &input);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a usage error exits 1 (issue 10)"
    );
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_inside_a_scanned_directory_is_an_error_record_and_the_run_goes_on() {
    let dir = scratch("tree");
    std::fs::create_dir_all(dir.join("b")).unwrap();
    std::fs::write(dir.join("a.txt"), AFFIRMED).unwrap();
    // A dangling link, a FIFO (opening it would block the run for ever),
    // and a gzip file cut short: unreadable even as root.
    std::os::unix::fs::symlink(dir.join("gone.txt"), dir.join("b/dangling.txt")).unwrap();
    let fifo = dir.join("b/fifo.txt");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let z = gz(AFFIRMED.repeat(50).as_bytes());
    std::fs::write(dir.join("b/cut.txt.gz"), &z[..z.len() / 2]).unwrap();
    // Without read permission: unreadable unless we run as root.
    let locked = dir.join("b/locked.txt");
    std::fs::write(&locked, AFFIRMED).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let root = std::fs::read(&locked).is_ok();
    std::fs::write(dir.join("c.txt"), "No osteomyelitis.").unwrap();

    let out = docgap(&["scan", s(&dir)], b"");
    assert_eq!(out.status.code(), Some(2));
    let recs = records(&out);
    let ids: Vec<&str> = recs.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "a.txt",
            "b/cut.txt.gz",
            "b/dangling.txt",
            "b/fifo.txt",
            "b/locked.txt",
            "c.txt"
        ]
    );
    assert_eq!(recs[0]["codes"][0]["code"], "M86.552");
    assert!(
        error(&recs[1]).contains("gzip stream ends early"),
        "{}",
        recs[1]
    );
    assert!(error(&recs[2]).contains("No such file"), "{}", recs[2]);
    assert!(
        error(&recs[3]).contains("a FIFO, not a regular file"),
        "{}",
        recs[3]
    );
    if root {
        assert!(recs[4]["error"].is_null(), "root reads it");
    } else {
        assert!(error(&recs[4]).contains("ermission denied"), "{}", recs[4]);
    }
    for (r, file) in recs[1..4]
        .iter()
        .zip(["b/cut.txt.gz", "b/dangling.txt", "b/fifo.txt"])
    {
        assert_eq!(at(r), dir.join(file).display().to_string());
    }
    assert_eq!(recs[5]["id"], "c.txt", "the run goes on");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn strict_stops_at_the_first_error_record_after_writing_it() {
    let input = [
        line(json!({"id": "a", "text": AFFIRMED})),
        line(json!({"id": "b", "text": ""})),
        b"{broken\n".to_vec(),
        line(json!({"id": "d", "text": AFFIRMED})),
    ]
    .concat();
    let out = docgap(&["scan", "--strict", "--chunk", "1"], &input);
    assert_eq!(out.status.code(), Some(2));
    let recs = records(&out);
    assert_eq!(recs.len(), 3, "up to and including the first error record");
    assert_eq!(recs[1]["id"], "b", "a warning does not stop the run");
    assert!(recs[2]["error"].is_object());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--strict"));
    let clean = [
        line(json!({"id": "a", "text": AFFIRMED})),
        line(json!({"id": "b", "text": ""})),
    ]
    .concat();
    let out = docgap(&["scan", "--strict"], &clean);
    assert_eq!(out.status.code(), Some(0), "nothing to stop for");
    assert_eq!(records(&out).len(), 2);
}

#[test]
fn exit_statuses_are_documented_in_help() {
    let out = docgap(&["--help"], b"");
    let help = String::from_utf8_lossy(&out.stdout);
    for want in [
        "0  every record analysed",
        "1  usage",
        "2  some records",
        "3  eval",
    ] {
        assert!(help.contains(want), "--help lacks {want:?}");
    }
    let out = docgap(&["scan", "--help"], b"");
    let help = String::from_utf8_lossy(&out.stdout);
    for want in ["--strict", "--max-note-bytes", "Exit status", "warnings"] {
        assert!(help.contains(want), "scan --help lacks {want:?}");
    }
}

/// One kind of dirt in the corpus: the file it is in and what the output
/// record must say.
struct Case {
    file: &'static str,
    id: Option<&'static str>,
    want: Want,
}

enum Want {
    Clean,
    Warning(&'static str),
    Error(&'static str),
}

/// Writes the dirty corpus into `dir`: good notes between every kind of
/// dirt, in JSONL, CSV, FHIR NDJSON, gzip and a text tree. Returns the
/// inputs to scan, in order, and the expected records, in output order.
fn dirty_corpus(dir: &Path) -> (Vec<PathBuf>, Vec<Case>) {
    use Want::*;
    let mut cases = Vec::new();
    let mut expect = |file: &'static str, id: Option<&'static str>, want: Want| {
        cases.push(Case { file, id, want });
    };
    let good = |id: &str| line(json!({"id": id, "text": AFFIRMED}));

    // JSON Lines.
    let mut j = Vec::new();
    j.extend(b"\xef\xbb\xbf");
    j.extend(good("j-good-1"));
    expect("dirty.jsonl", Some("j-good-1"), Clean);
    j.extend(b"{\"id\": \"j-latin1\", \"text\": \"Ost\xe9omy\xe9lite chronique\"}\n");
    expect("dirty.jsonl", Some("j-latin1"), Warning("not valid UTF-8"));
    j.extend(b"{\"id\": \"j-nul\", \"text\": \"osteomyelitis\x00\x00 left femur\"}\n");
    expect(
        "dirty.jsonl",
        Some("j-nul"),
        Warning("raw control character"),
    );
    j.extend(br#"{"id": "j-surrogate", "text": "emoji cut \ud83d here"}"#);
    j.push(b'\n');
    expect(
        "dirty.jsonl",
        Some("j-surrogate"),
        Warning("unpaired surrogate"),
    );
    j.extend(br#"{"id": "j-path", "text": "scanned from C:\notes\x1.pdf"}"#);
    j.push(b'\n');
    expect(
        "dirty.jsonl",
        Some("j-path"),
        Warning("invalid backslash escape"),
    );
    j.extend(line(
        json!({"id": "j-type", "text": ["not", "a", "string"]}),
    ));
    expect(
        "dirty.jsonl",
        Some("j-type"),
        Error("must be a string, found an array"),
    );
    j.extend(line(json!({"id": 17, "text": null})));
    expect("dirty.jsonl", Some("17"), Error("found null"));
    j.extend(b"\n   \n");
    j.extend(line(json!({"id": "j-empty", "text": ""})));
    expect("dirty.jsonl", Some("j-empty"), Warning("the text is empty"));
    j.extend(good("j-good-1"));
    expect("dirty.jsonl", Some("j-good-1"), Warning("duplicate id"));
    j.extend(line(json!({"id": "j-big", "text": pdf_paste(3 << 20)})));
    expect(
        "dirty.jsonl",
        Some("j-big"),
        Warning("over the limit of 1048576 bytes"),
    );
    j.extend(b"<html>an error page saved as JSONL</html>\n");
    expect("dirty.jsonl", None, Error("not a JSON object"));
    j.extend(good("j-good-2"));
    expect("dirty.jsonl", Some("j-good-2"), Clean);
    j.extend(br#"{"id": "j-cut", "text": "the export stopped in the mid"#);
    expect("dirty.jsonl", None, Error("truncated record"));
    std::fs::write(dir.join("dirty.jsonl"), &j).unwrap();

    // The same kind of file, gzip'd and cut short.
    let mut g = Vec::new();
    for i in 0..300 {
        g.extend(line(
            json!({"id": format!("g-{i:03}"), "text": format!("{AFFIRMED} Note {i}.")}),
        ));
    }
    let z = gz(&g);
    std::fs::write(dir.join("cut.jsonl.gz"), &z[..z.len() / 2]).unwrap();
    // (Its records are checked by count below: where the cut falls in
    // the text depends on the compressor.)

    // CSV.
    let csv = "id,CATEGORY,TEXT\n\
               c-good,Discharge,\"Chronic osteomyelitis of the left femur.\nSecond line.\"\n\
               c-ragged-long,Nursing,osteomyelitis,of,the,left,femur\n\
               c-ragged-short,Radiology\n\
               c-good-2,Radiology,\"No osteomyelitis, \"\"quoted\"\".\"\n";
    let mut c = csv.as_bytes().to_vec();
    c.extend(b"c-latin1,Nursing,\"Ost\xe9omy\xe9lite\"\n");
    c.extend(b"c-unclosed,Nursing,\"the quote never closes\nc-lost,Nursing,swallowed\n");
    std::fs::write(dir.join("dirty.csv"), &c).unwrap();
    expect("dirty.csv", Some("c-good"), Clean);
    expect("dirty.csv", Some("c-ragged-long"), Warning("ragged row"));
    expect("dirty.csv", Some("c-ragged-short"), Error("ragged row"));
    expect("dirty.csv", Some("c-good-2"), Clean);
    expect("dirty.csv", Some("c-latin1"), Warning("not valid UTF-8"));
    expect("dirty.csv", Some("c-unclosed"), Error("unclosed quote"));

    // FHIR NDJSON.
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let mut f = Vec::new();
    f.extend(line(json!({"resourceType": "DocumentReference", "id": "f-good",
        "content": [{"attachment": {"contentType": "text/plain", "data": b64(AFFIRMED.as_bytes())}}]})));
    expect("dirty.ndjson", Some("f-good"), Clean);
    f.extend(line(
        json!({"resourceType": "DocumentReference", "id": "f-pdf",
        "content": [{"attachment": {"contentType": "text/plain", "data": b64(AFFIRMED.as_bytes())}},
                    {"attachment": {"contentType": "application/pdf", "url": "Binary/7"}}]}),
    ));
    expect(
        "dirty.ndjson",
        Some("f-pdf"),
        Warning("application/pdf attachment not analysed"),
    );
    f.extend(line(
        json!({"resourceType": "DocumentReference", "id": "f-only-pdf",
        "content": [{"attachment": {"contentType": "application/pdf", "data": "JVBERi0="}}]}),
    ));
    expect(
        "dirty.ndjson",
        Some("f-only-pdf"),
        Error("no text/plain attachment"),
    );
    f.extend(line(json!({"resourceType": "Patient", "id": "f-patient"})));
    expect(
        "dirty.ndjson",
        Some("f-patient"),
        Error("expected DocumentReference"),
    );
    f.extend(line(json!({"resourceType": "DocumentReference", "id": "f-bytes",
        "content": [{"attachment": {"contentType": "text/plain", "data": b64(b"Osteomyelitis \xff\xfe")}}]})));
    expect("dirty.ndjson", Some("f-bytes"), Warning("not valid UTF-8"));
    std::fs::write(dir.join("dirty.ndjson"), &f).unwrap();

    // A text tree.
    let t = dir.join("tree");
    std::fs::create_dir_all(t.join("sub")).unwrap();
    std::fs::write(t.join("a-good.txt"), AFFIRMED).unwrap();
    expect("tree/a-good.txt", Some("a-good.txt"), Clean);
    std::fs::write(t.join("b-latin1.txt"), b"Ost\xe9omy\xe9lite, left femur").unwrap();
    expect(
        "tree/b-latin1.txt",
        Some("b-latin1.txt"),
        Warning("not valid UTF-8"),
    );
    std::fs::write(t.join("c-empty.txt"), b"").unwrap();
    expect(
        "tree/c-empty.txt",
        Some("c-empty.txt"),
        Warning("the text is empty"),
    );
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(t.join("nowhere"), t.join("d-dangling.txt")).unwrap();
        expect(
            "tree/d-dangling.txt",
            Some("d-dangling.txt"),
            Error("cannot read the file"),
        );
        assert!(Command::new("mkfifo")
            .arg(t.join("e-fifo.txt"))
            .status()
            .unwrap()
            .success());
        expect("tree/e-fifo.txt", Some("e-fifo.txt"), Error("a FIFO"));
    }
    std::fs::write(
        t.join("sub/f-nul.txt"),
        b"osteomyelitis\x00 of the left femur",
    )
    .unwrap();
    expect("tree/sub/f-nul.txt", Some("sub/f-nul.txt"), Clean);

    let inputs = [
        "dirty.jsonl",
        "cut.jsonl.gz",
        "dirty.csv",
        "dirty.ndjson",
        "tree",
    ]
    .iter()
    .map(|f| dir.join(f))
    .collect();
    (inputs, cases)
}

/// `DOCGAP_DIRTY_CORPUS=DIR cargo test --release --test dirty corpus`
/// leaves the corpus in DIR (a new directory) to scan by hand.
#[test]
fn the_dirty_corpus_scans_with_one_record_per_record_and_every_problem_located() {
    let keep = std::env::var_os("DOCGAP_DIRTY_CORPUS").map(PathBuf::from);
    let dir = match &keep {
        Some(d) => {
            std::fs::create_dir_all(d).unwrap();
            d.clone()
        }
        None => scratch("corpus"),
    };
    let (inputs, cases) = dirty_corpus(&dir);
    let mut args = vec![
        "scan",
        "--max-note-bytes",
        "1M",
        "--jobs",
        "2",
        "--chunk",
        "3",
    ];
    args.extend(inputs.iter().map(|p| s(p)));
    let out = docgap(&args, b"");
    assert_eq!(out.status.code(), Some(2), "some records are error records");
    let recs = records(&out);
    // The cut gzip file's records sit between the JSONL and the CSV.
    let gz: Vec<&Value> = recs
        .iter()
        .filter(|r| {
            at(r).contains("cut.jsonl.gz") || r["id"].as_str().is_some_and(|i| i.starts_with("g-"))
        })
        .collect();
    let n_gz = gz.len();
    assert!(n_gz > 1, "records before the cut, then its error");
    assert!(error(gz[n_gz - 1]).contains("gzip stream ends early"));
    assert_eq!(
        recs.len(),
        cases.len() + n_gz,
        "one output record per input record"
    );
    let first_gz = cases.iter().take_while(|c| c.file == "dirty.jsonl").count();
    let others: Vec<&Value> = recs[..first_gz]
        .iter()
        .chain(&recs[first_gz + n_gz..])
        .collect();
    let mut failures = Vec::new();
    for (rec, case) in others.iter().zip(&cases) {
        let path = dir.join(case.file).display().to_string();
        let mut fail =
            |what: String| failures.push(format!("{} {:?}: {what}\n  {rec}", case.file, case.id));
        if rec["id"].as_str() != case.id {
            fail(format!("id {:?}", rec["id"]));
        }
        match case.want {
            Want::Clean => {
                if rec["error"].is_object() || !warnings(rec).is_empty() {
                    fail("expected a clean result".into());
                }
            }
            Want::Warning(w) => {
                if !has_warning(rec, w) {
                    fail(format!("expected a warning with {w:?}"));
                }
                if !at(rec).starts_with(&path) {
                    fail("a warned record names its location".into());
                }
            }
            Want::Error(e) => {
                if !error(rec).contains(e) {
                    fail(format!("expected an error with {e:?}"));
                }
                if !at(rec).starts_with(&path) {
                    fail("an error record names its location".into());
                }
            }
        }
        // Line-oriented inputs locate by line and byte.
        let reported = rec["error"].is_object() || !warnings(rec).is_empty();
        let line_and_byte = at(rec).contains(':') && at(rec).contains(" (byte ");
        if reported && !case.file.starts_with("tree/") && !line_and_byte {
            fail(format!("location {:?} lacks line and byte", at(rec)));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("could not be analysed"), "{err}");
    // Same bytes on one thread.
    args[4] = "1";
    assert!(
        docgap(&args, b"").stdout == out.stdout,
        "--jobs 1 and --jobs 2 differ"
    );
    if keep.is_none() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// Shapes a PDF pasted whole takes, each 2 MB of one note. Each took time
/// quadratic in its size (a one-line note of numbered items rescanned to
/// its start for every number; lines of no-break spaces rescanned back to
/// the last text for every line; a block of hundreds of negations in one
/// "sentence" weighed against each other for every finding: 6.6 s, over
/// 60 s and 145 s for 1 MB); each must now take about as long as any text.
#[test]
fn pasted_pdf_shapes_analyse_in_linear_time() {
    let analyzer = docgap::Analyzer::new();
    for (name, unit) in [
        ("numbered items on one line", "1. "),
        ("lines of no-break spaces", "\u{a0}\n"),
        ("a block of negations", "no osteomyelitis, no "),
        ("one huge sentence of sites", "left femur right tibia "),
        ("newlines only", "\n"),
        ("periods only", ". "),
    ] {
        // Judged by how the time grows, not by a wall-clock limit (a slow,
        // shared machine must pass): four times the text may take about
        // four times as long; a quadratic pass takes sixteen. Best of three
        // each, so a pause of the machine does not count.
        let best = |text: &str| {
            (0..3)
                .map(|_| {
                    let started = std::time::Instant::now();
                    let a = analyzer.analyze(text);
                    for f in &a.evidence.findings {
                        assert!(
                            text.is_char_boundary(f.span.start)
                                && text.is_char_boundary(f.span.end)
                        );
                    }
                    started.elapsed().as_secs_f64()
                })
                .fold(f64::INFINITY, f64::min)
        };
        let small = best(&unit.repeat((512 << 10) / unit.len()));
        let large = best(&unit.repeat((2 << 20) / unit.len()));
        // Under a millisecond the clock itself is the noise.
        let growth = large / small.max(1e-3);
        assert!(
            growth < 10.0,
            "{name}: 4x the text took {growth:.1}x as long ({small:.3} s, {large:.3} s)"
        );
    }
}
