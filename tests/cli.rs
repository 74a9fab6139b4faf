//! The binary as a user meets it: exit codes, error records, show, eval.

mod common;
use common::*;

#[test]
fn a_malformed_line_yields_an_error_record_and_the_rest_still_comes_out() {
    let input = concat!(
        r#"{"id": "a", "text": "Assessment: chronic osteomyelitis of the left femur, hematogenous. Bone biopsy: MRSA."}"#,
        "\n",
        "{not json\n",
        r#"{"id": "c", "text": 42}"#,
        "\n",
        r#"{"id": "d", "text": "No osteomyelitis.", "extra": [1, 2]}"#,
        "\n"
    );
    let out = docgap(&["scan", "-"], input);
    assert_eq!(
        out.status.code(),
        Some(2),
        "exit status says records failed"
    );
    let recs = records(&out);
    assert_eq!(recs.len(), 4, "one output record per input record");
    assert_eq!(recs[0]["id"], "a");
    assert_eq!(recs[0]["codes"][0]["code"], "M86.552");
    assert_eq!(recs[0]["codes"][1]["code"], "B95.62");
    assert_eq!(
        recs[0]["codes"][0]["description"],
        "Other chronic hematogenous osteomyelitis, left femur"
    );
    assert_eq!(
        recs[1]["error"]["location"],
        format!("<stdin>:2 (byte {})", input.find("{not json").unwrap())
    );
    assert!(recs[1]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("JSON"));
    assert_eq!(recs[2]["id"], "c");
    assert_eq!(
        recs[2]["error"]["location"],
        format!("<stdin>:3 (byte {})", input.find(r#"{"id": "c""#).unwrap())
    );
    assert_eq!(recs[3]["id"], "d");
    assert_eq!(recs[3]["codes"].as_array().unwrap().len(), 0);
}

#[test]
fn clean_input_exits_zero_and_findings_carry_their_text() {
    let text = "MRI: sequestrum of the right tibia.\nImpression: chronic osteomyelitis of the right tibia.";
    let input = serde_json::json!({"id": "x", "text": text}).to_string() + "\n";
    let out = docgap(&["scan"], &input);
    assert_eq!(out.status.code(), Some(0));
    let rec = &records(&out)[0];
    assert_eq!(rec["schema_version"], 1);
    for f in rec["findings"].as_array().unwrap() {
        let (s, e) = (
            f["start"].as_u64().unwrap() as usize,
            f["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(f["text"], text[s..e]);
    }
    let flags: Vec<&str> = rec["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(flags, ["ROUTE_NOT_DOCUMENTED", "ORGANISM_NOT_DOCUMENTED"]);
    let route = &rec["flags"][0];
    assert!(route["sentence"]["text"]
        .as_str()
        .unwrap()
        .contains("chronic osteomyelitis"));
}

#[test]
fn show_marks_findings_and_lists_codes_and_flags() {
    let input = r#"{"id": "n1", "text": "Impression: no sequestrum. Chronic osteomyelitis of the left femur."}"#;
    let out = docgap(&["show", "-", "--color", "never"], input);
    assert_eq!(out.status.code(), Some(0));
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("[~sequestrum]"), "{s}");
    assert!(s.contains("[osteomyelitis]"), "{s}");
    assert!(s.contains("M86.652"), "{s}");
    assert!(s.contains("ROUTE_NOT_DOCUMENTED"), "{s}");
    let missing = docgap(&["show", "-", "--id", "nope"], input);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no record with id"));
}

#[test]
fn eval_reports_and_enforces_its_bar() {
    let gold = concat!(
        r#"{"id": "g1", "text": "Assessment: acute osteomyelitis of the right 2nd toe. Bone culture: no growth.", "expected": {"codes": ["M86.171"], "flags": []}}"#,
        "\n",
        r#"{"id": "g2", "text": "No evidence of osteomyelitis.", "expected": {"codes": ["M86.9"], "flags": []}}"#,
        "\n"
    );
    let dir = std::env::temp_dir().join(format!("docgap-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("gold.jsonl");
    std::fs::write(&path, gold).unwrap();
    let p = path.to_str().unwrap();
    let out = docgap(&["eval", "--gold", p], "");
    assert_eq!(out.status.code(), Some(0));
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("exact code-set match: 0.5000"), "{s}");
    assert!(s.contains("g2: missing codes M86.9"), "{s}");
    let out = docgap(&["eval", "--gold", p, "--min-exact", "0.9"], "");
    assert_eq!(out.status.code(), Some(3));
    let out = docgap(&["eval", "--gold", p, "--json"], "");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["notes"], 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_bad_lexicon_override_is_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("docgap-lex-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("side.tsv"), "right\tright\nleft\tsideways\n").unwrap();
    let out = docgap(&["--lexicons", dir.to_str().unwrap(), "scan"], "");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("side.tsv:2:"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
