//! `docgap scan --stream` as a scribe backend drives it: a long-lived
//! child process answering each request line before the next is sent.

mod common;
use common::*;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

#[test]
fn each_request_is_answered_before_the_next_is_sent() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_docgap"))
        .args(["scan", "--stream", "--offsets", "utf16"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let mut output = BufReader::new(child.stdout.take().unwrap());
    let mut ask = |request: &str| -> serde_json::Value {
        input.write_all(request.as_bytes()).unwrap();
        input.write_all(b"\n").unwrap();
        input.flush().unwrap();
        // The pipe stays open: only a flushed answer can arrive here.
        let mut line = String::new();
        output.read_line(&mut line).unwrap();
        serde_json::from_str(&line).unwrap()
    };
    let first = r#"{"id": "a", "text": "Chronic osteomyelitis of the left tibia – MRSA on bone biopsy, hematogenous."}"#;
    let r = ask(first);
    assert_eq!(r["id"], "a");
    assert_eq!(r["codes"][0]["code"], "M86.562");
    assert_eq!(r["offsets"], "utf16");
    let r = ask("this is not JSON");
    assert!(
        r["error"]["message"].as_str().unwrap().contains("not"),
        "{r}"
    );
    assert_eq!(
        r["error"]["location"],
        format!("<stdin>:2 (byte {})", first.len() + 1)
    );
    let r = ask(
        r#"{"id": "b", "text": "Follow-up visit, no complaints.", "assigned_codes": ["M86.9"]}"#,
    );
    assert_eq!(r["id"], "b");
    assert_eq!(r["flags"][0]["id"], "CODE_NOT_SUPPORTED");
    drop(input);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(2), "one request was an error record");
}

#[test]
fn stream_takes_requests_from_standard_input_only() {
    let out = docgap(&["scan", "--stream", "notes.jsonl"], b"");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("standard input only"));
    let out = docgap(&["scan", "--stream", "--format", "csv"], b"");
    assert_eq!(out.status.code(), Some(1));
    let out = docgap(
        &["scan", "--stream"],
        b"{\"id\": \"x\", \"text\": \"ok\"}\n",
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(records(&out).len(), 1);
}

#[test]
fn streamed_records_are_the_batch_records() {
    // Every corpus note, plus notes the first tier clears: the stream
    // screens as it reads, the batch on two workers, and both write the
    // same records, in all three findings modes.
    let mut input = Vec::new();
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/corpora")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "jsonl") {
            input.extend(std::fs::read(path).unwrap());
        }
    }
    for (i, text) in ["Knee pain, no fever.", "Dx: E11.9", "", "  "]
        .iter()
        .enumerate()
    {
        input.extend(format!("{{\"id\": \"plain-{i}\", \"text\": {text:?}}}\n").into_bytes());
    }
    for findings in ["cited", "none", "all"] {
        let stream = docgap(&["scan", "--stream", "--findings", findings], &input);
        let batch = docgap(&["scan", "--jobs", "2", "--findings", findings], &input);
        assert_eq!(stream.status.code(), batch.status.code(), "{findings}");
        let (stream, batch) = (records(&stream), records(&batch));
        assert!(stream.len() > 400, "{} records", stream.len());
        assert_eq!(stream.len(), batch.len());
        for (s, b) in stream.iter().zip(&batch) {
            // The batch alone checks ids across records (duplicates).
            let strip = |r: &serde_json::Value| {
                let mut r = r.clone();
                r.as_object_mut().unwrap().remove("warnings");
                r.as_object_mut().unwrap().remove("location");
                r
            };
            assert_eq!(strip(s), strip(b), "{findings}");
        }
    }
}
