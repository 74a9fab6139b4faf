//! Batch scanning as a coder's pipeline meets it: every input format, one
//! output record per input record in input order, error records located,
//! `.gz` read through, the same bytes for `--jobs 1` and `--jobs 2`, CSV
//! output, the summary, and `docgap synth`.

mod common;
use common::*;

use base64::Engine as _;

const AFFIRMED: &str =
    "Assessment: chronic osteomyelitis of the left femur, hematogenous. Bone biopsy: MRSA.";

#[test]
fn csv_columns_by_name_with_quoted_multiline_text_as_noteevents() {
    let dir = scratch("csv");
    let path = dir.join("NOTEEVENTS.csv");
    let csv = format!(
        "ROW_ID,SUBJECT_ID,CATEGORY,TEXT\n\
         174,22532,Discharge summary,\"Admission Date:  [**2151-7-16**]\n\n{AFFIRMED}\"\n\
         175,13702,Nursing,\"Pt \"\"comfortable\"\", no complaints.\"\n\
         176,13702\n"
    );
    std::fs::write(&path, &csv).unwrap();
    let out = docgap(
        &[
            "scan",
            s(&path),
            "--id-field",
            "ROW_ID",
            "--text-field",
            "TEXT",
        ],
        b"",
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "the short row is an error record"
    );
    let recs = records(&out);
    assert_eq!(recs.len(), 3);
    assert_eq!(recs[0]["id"], "174");
    assert_eq!(recs[0]["codes"][0]["code"], "M86.552");
    assert_eq!(recs[1]["id"], "175");
    assert_eq!(recs[2]["id"], "176");
    assert_eq!(
        recs[2]["error"]["location"],
        format!(
            "{}:6 (byte {})",
            path.display(),
            csv.find("176,13702").unwrap()
        ),
        "the line the record starts on, and its byte offset"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_directory_tree_of_text_files_in_path_order_with_relative_ids() {
    let dir = scratch("dir");
    std::fs::create_dir_all(dir.join("b/sub")).unwrap();
    std::fs::create_dir_all(dir.join("a")).unwrap();
    std::fs::write(dir.join("b/sub/n2.txt"), AFFIRMED).unwrap();
    std::fs::write(dir.join("a/n1.txt"), "No osteomyelitis.").unwrap();
    std::fs::write(dir.join("b/n3.txt.gz"), gz(b"Right tibia fracture.")).unwrap();
    std::fs::write(dir.join("b/bad.txt"), b"caf\xe9 osteomyelitis").unwrap();
    std::fs::write(dir.join("b/ignored.pdf"), b"%PDF").unwrap();
    // Every finding, so the note without a code shows its words too.
    let out = docgap(&["scan", "--findings", "all", s(&dir)], b"");
    assert_eq!(out.status.code(), Some(0));
    let ids: Vec<String> = records(&out)
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        ids,
        ["a/n1.txt", "b/bad.txt", "b/n3.txt.gz", "b/sub/n2.txt"]
    );
    let recs = records(&out);
    assert_eq!(recs[1]["warnings"].as_array().unwrap().len(), 1);
    assert_eq!(recs[2]["findings"][0]["text"], "Right");
    assert_eq!(recs[3]["codes"][0]["code"], "M86.552");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn fhir_document_references_decode_text_and_report_other_attachments() {
    let dir = scratch("fhir");
    let path = dir.join("DocumentReference.ndjson");
    let b64 = |t: &str| base64::engine::general_purpose::STANDARD.encode(t);
    let lines = [
        serde_json::json!({"resourceType": "DocumentReference", "id": "d1",
            "content": [{"attachment": {"contentType": "text/plain", "data": b64(AFFIRMED)}},
                        {"attachment": {"contentType": "application/pdf", "url": "Binary/1"}}]}),
        serde_json::json!({"resourceType": "DocumentReference", "id": "d2",
            "content": [{"attachment": {"contentType": "application/pdf", "data": "JVBERi0="}}]}),
        serde_json::json!({"resourceType": "Patient", "id": "p1"}),
    ];
    let text: String = lines.iter().map(|l| l.to_string() + "\n").collect();
    std::fs::write(&path, &text).unwrap();
    let out = docgap(&["scan", s(&path)], b"");
    assert_eq!(out.status.code(), Some(2));
    let recs = records(&out);
    assert_eq!(recs.len(), 3);
    assert_eq!(recs[0]["id"], "d1");
    assert_eq!(recs[0]["codes"][0]["code"], "M86.552");
    assert!(recs[0]["warnings"][0]
        .as_str()
        .unwrap()
        .contains("application/pdf"));
    assert_eq!(
        recs[1]["id"], "d2",
        "a PDF-only note is reported, not dropped"
    );
    assert!(recs[1]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("application/pdf"));
    let third = text.len() - lines[2].to_string().len() - 1;
    assert_eq!(
        recs[2]["error"]["location"],
        format!("{}:3 (byte {third})", path.display())
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn gzip_is_read_through_for_files_and_standard_input() {
    let dir = scratch("gz");
    let jsonl = format!(
        "{}\n{{broken\n",
        serde_json::json!({"id": "g1", "text": AFFIRMED})
    );
    let path = dir.join("notes.jsonl.gz");
    std::fs::write(&path, gz(jsonl.as_bytes())).unwrap();
    let from_file = docgap(&["scan", s(&path)], b"");
    let from_stdin = docgap(&["scan"], gz(jsonl.as_bytes()));
    let plain = docgap(&["scan", "-"], jsonl.as_bytes());
    assert_eq!(from_file.status.code(), Some(2));
    let recs = records(&from_file);
    assert_eq!(recs[0]["codes"][0]["code"], "M86.552");
    assert_eq!(
        recs[1]["error"]["location"],
        format!(
            "{}:2 (byte {})",
            path.display(),
            jsonl.find("{broken").unwrap()
        ),
        "the byte offset in the decompressed stream"
    );
    assert_eq!(from_stdin.stdout, plain.stdout);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn jsonl_field_names_and_input_format_override() {
    let input = format!("{}\n", serde_json::json!({"note_id": 7, "body": AFFIRMED}));
    let out = docgap(
        &["scan", "--id-field", "note_id", "--text-field", "body"],
        input.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(records(&out)[0]["id"], "7");
    // Standard input read as one plain-text note.
    let out = docgap(&["scan", "--input-format", "text"], AFFIRMED.as_bytes());
    assert_eq!(records(&out)[0]["codes"][0]["code"], "M86.552");
    let bad = docgap(&["scan", "--input-format", "xml"], b"");
    assert_eq!(
        bad.status.code(),
        Some(1),
        "a usage error exits 1 (issue 10)"
    );
    let missing = docgap(&["scan", "/nonexistent/notes.jsonl"], b"");
    assert_eq!(missing.status.code(), Some(1));
}

#[test]
fn many_records_keep_their_order_and_jobs_do_not_change_the_bytes() {
    let dir = scratch("jobs");
    let corpus = dir.join("synth.jsonl");
    let out = docgap(
        &["synth", "--notes", "400", "--seed", "3", "-o", s(&corpus)],
        b"",
    );
    assert_eq!(out.status.code(), Some(0));
    // Splice broken lines in, so error records must keep their places.
    let text = std::fs::read_to_string(&corpus).unwrap();
    let mut input = String::new();
    for (i, line) in text.lines().enumerate() {
        input.push_str(line);
        input.push('\n');
        if i % 50 == 7 {
            input.push_str("{\"id\": \"broken\"\n");
        }
    }
    let path = dir.join("mixed.jsonl");
    std::fs::write(&path, &input).unwrap();
    let one = docgap(&["scan", "--jobs", "1", "--chunk", "7", s(&path)], b"");
    let two = docgap(&["scan", "--jobs", "2", "--chunk", "7", s(&path)], b"");
    let big = docgap(&["scan", "--jobs", "2", s(&path)], b"");
    assert_eq!(one.status.code(), Some(2));
    assert!(one.stdout == two.stdout, "--jobs 1 and --jobs 2 differ");
    assert!(one.stdout == big.stdout, "chunk size changes the output");
    let recs = records(&one);
    assert_eq!(recs.len(), input.lines().count());
    for (rec, line) in recs.iter().zip(input.lines()) {
        let v: Result<serde_json::Value, _> = serde_json::from_str(line);
        match v {
            Ok(v) => assert_eq!(rec["id"], v["id"]),
            Err(_) => assert!(rec["error"].is_object()),
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn csv_output_and_summary() {
    let input = format!(
        "{}\n{}\nnot json\n",
        serde_json::json!({"id": "a", "text": AFFIRMED}),
        serde_json::json!({"id": "b", "text": "Chronic osteomyelitis of the toe."})
    );
    let out = docgap(&["scan", "--format", "csv", "--summary"], input.as_bytes());
    assert_eq!(out.status.code(), Some(2));
    let mut r = csv::Reader::from_reader(&out.stdout[..]);
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "id",
            "codes",
            "flags",
            "n_codes",
            "n_flags",
            "n_findings",
            "n_warnings",
            "error",
            "warnings",
            "code_descriptions",
            "queries",
            "evidence"
        ]
    );
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(&rows[0][1], "M86.552;B95.62");
    assert!(rows[1][2].contains("LATERALITY_MISSING"), "{:?}", &rows[1]);
    assert!(rows[2][7].starts_with("<stdin>:3 (byte "), "{:?}", &rows[2]);
    let err = String::from_utf8_lossy(&out.stderr);
    for want in [
        "notes: 3",
        "errors: 1",
        "MB/s:",
        "notes/s:",
        "LATERALITY_MISSING",
        "M86.552",
    ] {
        assert!(err.contains(want), "summary lacks {want:?}:\n{err}");
    }
    // Piped standard error: no progress bar drawn.
    assert!(!err.contains('\r'));
}

#[test]
fn synth_is_reproducible() {
    let a = docgap(&["synth", "--notes", "20", "--seed", "9"], b"");
    let b = docgap(&["synth", "--notes", "20", "--seed", "9"], b"");
    let c = docgap(&["synth", "--notes", "20", "--seed", "10"], b"");
    assert_eq!(a.status.code(), Some(0));
    assert_eq!(a.stdout, b.stdout);
    assert_ne!(a.stdout, c.stdout);
    assert_eq!(records(&a).len(), 20);
}
