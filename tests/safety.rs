//! Issue 10: never destroy or silently drop data, and keep memory bounded
//! on hostile input. Each test is named after the reproducer it keeps
//! fixed.

mod common;
use common::*;

use serde_json::{json, Value};
use std::path::Path;
use std::process::{Command, Stdio};

const NOTE: &str =
    "Assessment: chronic osteomyelitis of the left femur, hematogenous. Bone biopsy: MRSA.";

fn jsonl(ids: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for id in ids {
        out.extend_from_slice(json!({"id": id, "text": NOTE}).to_string().as_bytes());
        out.push(b'\n');
    }
    out
}

fn run(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_docgap"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

// 1. An output that is an input is refused, the input untouched.

#[test]
fn output_onto_its_own_input_is_refused_and_the_input_kept() {
    let dir = scratch("self");
    let input = jsonl(&["a", "b"]);
    let x = dir.join("x.jsonl");
    std::fs::write(&x, &input).unwrap();
    let gzx = dir.join("x.jsonl.gz");
    std::fs::write(&gzx, gz(&input)).unwrap();
    let link = dir.join("link.jsonl");
    std::os::unix::fs::symlink(&x, &link).unwrap();
    let hard = dir.join("hard.jsonl");
    std::fs::hard_link(&x, &hard).unwrap();
    for (inp, out) in [(&x, &x), (&gzx, &gzx), (&x, &link), (&x, &hard)] {
        let o = run(&["scan", s(inp), "-o", s(out)]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(stderr(&o).contains("is an input"), "{}", stderr(&o));
    }
    assert_eq!(std::fs::read(&x).unwrap(), input);
    assert_eq!(std::fs::read(&gzx).unwrap(), gz(&input));
    // Standard input redirected from the file, output onto it.
    let o = Command::new(env!("CARGO_BIN_EXE_docgap"))
        .args(["scan", "-", "-o", s(&x)])
        .stdin(std::fs::File::open(&x).unwrap())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    // Standard output appending to the input (`>> x.jsonl`).
    let o = Command::new(env!("CARGO_BIN_EXE_docgap"))
        .args(["scan", s(&x)])
        .stdout(std::fs::OpenOptions::new().append(true).open(&x).unwrap())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(std::fs::read(&x).unwrap(), input);
}

#[test]
fn output_inside_a_scanned_directory_is_refused() {
    let dir = scratch("inside");
    let tree = dir.join("notes");
    std::fs::create_dir_all(tree.join("sub")).unwrap();
    std::fs::write(tree.join("sub/a.txt"), NOTE).unwrap();
    for out in ["sub/a.txt", "sub/new.txt", "results.jsonl"] {
        let o = run(&["scan", s(&tree), "-o", s(&tree.join(out))]);
        assert_eq!(o.status.code(), Some(1), "{out}: {}", stderr(&o));
    }
    assert_eq!(
        std::fs::read_to_string(tree.join("sub/a.txt")).unwrap(),
        NOTE
    );
    assert!(!tree.join("sub/new.txt").exists());
    let o = run(&["scan", s(&tree), "-o", s(&dir.join("out.jsonl"))]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

// 2. `-o` appears whole or not at all; a closed standard output fails.

#[test]
fn output_file_appears_only_when_complete() {
    let dir = scratch("atomic");
    let x = dir.join("x.jsonl");
    std::fs::write(&x, jsonl(&["a", "b", "c"])).unwrap();
    let out = dir.join("out.jsonl");
    let o = run(&["scan", s(&x), "-o", s(&out)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 3);
    assert!(!dir.join("out.jsonl.partial").exists());

    // A run killed mid-way (its input still open) leaves no out2.jsonl:
    // only out2.jsonl.partial, whose name says what it is.
    let out2 = dir.join("out2.jsonl");
    let mut child = Command::new(env!("CARGO_BIN_EXE_docgap"))
        .args(["scan", "-", "-o", s(&out2)])
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    use std::io::Write;
    stdin.write_all(&jsonl(&["a", "b"])).unwrap();
    stdin.flush().unwrap();
    let partial = dir.join("out2.jsonl.partial");
    // Not a timing: the file appears once the run has started, which it
    // must before it can read; the bound only catches a hang.
    for _ in 0..6000 {
        if partial.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(partial.exists());
    child.kill().unwrap();
    child.wait().unwrap();
    drop(stdin);
    assert!(
        !out2.exists(),
        "a killed run must not leave a complete-looking file"
    );
    assert!(partial.exists());
}

/// `-o /dev/null` once renamed a regular file over the device (found when
/// a CI run then read the replaced /dev/null as input). A FIFO stands in
/// for the device: written in place, it stays a FIFO and its reader gets
/// every record.
#[cfg(unix)]
#[test]
fn an_output_that_is_no_regular_file_is_written_in_place_not_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let dir = scratch("fifo");
    let x = dir.join("x.jsonl");
    std::fs::write(&x, jsonl(&["a", "b", "c"])).unwrap();
    let fifo = dir.join("out.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success(), "mkfifo");
    // The reader, on its own thread: opening a FIFO waits for a writer.
    let (tx, rx) = std::sync::mpsc::channel();
    let path = fifo.clone();
    std::thread::spawn(move || {
        let _ = tx.send(std::fs::read_to_string(&path).unwrap_or_default());
    });
    let o = run(&["scan", s(&x), "-o", s(&fifo)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "the FIFO was replaced: {kind:?}");
    assert!(!dir.join("out.fifo.partial").exists());
    // Not a timing: the records are there once the writer has closed; the
    // bound only catches a hang.
    let got = rx.recv_timeout(std::time::Duration::from_secs(60)).unwrap();
    assert_eq!(got.lines().count(), 3, "{got}");
}

/// A symbolic link as `-o`: the file it names gets the results, the link
/// stays a link.
#[cfg(unix)]
#[test]
fn an_output_behind_a_symbolic_link_replaces_the_file_not_the_link() {
    let dir = scratch("outlink");
    let x = dir.join("x.jsonl");
    std::fs::write(&x, jsonl(&["a", "b"])).unwrap();
    let real = dir.join("real.jsonl");
    std::fs::write(&real, "old\n").unwrap();
    let link = dir.join("link.jsonl");
    std::os::unix::fs::symlink("real.jsonl", &link).unwrap();
    let o = run(&["scan", s(&x), "-o", s(&link)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read_to_string(&real).unwrap().lines().count(), 2);
}

#[test]
fn closed_standard_output_is_a_failure() {
    let dir = scratch("closed");
    let x = dir.join("x.jsonl");
    std::fs::write(&x, jsonl(&["a"])).unwrap();
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{}' scan '{}' >&-",
            env!("CARGO_BIN_EXE_docgap"),
            s(&x)
        ))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("standard output is closed"));
    // Discarding on purpose is still possible.
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{}' scan '{}' >/dev/null",
            env!("CARGO_BIN_EXE_docgap"),
            s(&x)
        ))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn a_write_error_on_standard_output_is_exit_1() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    let dir = scratch("full");
    let x = dir.join("x.jsonl");
    std::fs::write(&x, jsonl(&["a"])).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_docgap"))
        .args(["scan", s(&x)])
        .stdout(
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        )
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let o = run(&["scan", s(&x), "-o", "/dev/full/x"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

// 6. Numeric ids keep their exact text.

#[test]
fn numeric_ids_keep_the_digits_as_written() {
    let input = "{\"id\": 123456789012345678901234567890, \"text\": \"a\"}\n\
                 {\"id\": 123456789012345678901234567891, \"text\": \"a\"}\n\
                 {\"id\": 1e2, \"text\": \"a\"}\n\
                 {\"id\": -0.50, \"text\": \"a\"}\n\
                 {\"id\": 7, \"text\": \"a\"}\n";
    let out = docgap(&["scan"], input);
    assert_eq!(out.status.code(), Some(0));
    let ids: Vec<Value> = records(&out).iter().map(|r| r["id"].clone()).collect();
    assert_eq!(
        ids,
        [
            "123456789012345678901234567890",
            "123456789012345678901234567891",
            "1e2",
            "-0.50",
            "7"
        ]
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("duplicate"));
}

// 7. Usage errors exit 1; 2 means records failed.

#[test]
fn usage_errors_exit_1_not_2() {
    for args in [
        &["scan", "--no-such-flag"][..],
        &["scan", "--format", "xml"],
        &["scan", "--max-note-bytes", "lots"],
        &["no-such-command"],
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
    }
    assert_eq!(run(&["--help"]).status.code(), Some(0));
    assert_eq!(run(&["--version"]).status.code(), Some(0));
}

// 8. --jobs far beyond the machine.

#[test]
fn absurd_jobs_are_refused_or_clamped() {
    let o = docgap(&["scan", "--jobs", "100000"], jsonl(&["a"]));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let o = docgap(&["scan", "--jobs", "1000"], jsonl(&["a", "b"]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("clamped"), "{}", stderr(&o));
    assert_eq!(records(&o).len(), 2);
}

// 8. A directory scan stays inside its tree.

#[test]
fn symlinks_out_of_a_scanned_tree_are_not_followed() {
    let dir = scratch("links");
    let tree = dir.join("notes");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(tree.join("a.txt"), NOTE).unwrap();
    std::fs::write(dir.join("secret.txt"), "outside").unwrap();
    std::os::unix::fs::symlink(dir.join("secret.txt"), tree.join("passwd.txt")).unwrap();
    std::os::unix::fs::symlink(tree.join("a.txt"), tree.join("b.txt")).unwrap();
    let o = run(&["scan", s(&tree)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let recs = records(&o);
    assert_eq!(recs.len(), 3, "one record per file found");
    assert_eq!(recs[0]["id"], "a.txt");
    assert!(recs[1]["error"].is_null(), "a link inside the tree is read");
    assert_eq!(recs[2]["id"], "passwd.txt");
    assert!(recs[2]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("outside the scanned tree"));
    let o = run(&["scan", "--follow", s(&tree)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

// 3 and 4. Memory follows --max-note-bytes whatever the input.

/// A file's content as parts: bytes and how many times (a one-byte part
/// is a run of that byte).
type Parts<'a> = Vec<(&'a [u8], usize)>;

/// Writes `parts` gzip'd to `path`, each part a byte repeated or bytes
/// as they are, streamed so no part is ever whole in memory.
fn gz_file(path: &Path, parts: &[(&[u8], usize)]) {
    use std::io::Write;
    let f = std::fs::File::create(path).unwrap();
    let mut e =
        flate2::write::GzEncoder::new(std::io::BufWriter::new(f), flate2::Compression::fast());
    for (bytes, times) in parts {
        if bytes.len() == 1 {
            let block = vec![bytes[0]; 1 << 20];
            let mut left = *times;
            while left > 0 {
                let n = left.min(block.len());
                e.write_all(&block[..n]).unwrap();
                left -= n;
            }
        } else {
            for _ in 0..*times {
                e.write_all(bytes).unwrap();
            }
        }
    }
    e.finish().unwrap().flush().unwrap();
}

#[test]
fn hostile_inputs_scan_in_bounded_memory_and_the_good_records_around_them_come_out() {
    let dir = scratch("hostile");
    let good1 = format!("{}\n", json!({"id": "good-1", "text": NOTE}));
    let good2 = format!("{}\n", json!({"id": "good-2", "text": NOTE}));
    let csv_row1 = format!("\ngood-1,\"{NOTE}\"\nhuge,\"");
    let csv_row2 = format!("\"\ngood-2,\"{NOTE}\"\n");
    let cases: Vec<(&str, Parts)> = vec![
        // A gzip bomb: 1 GiB of NULs as one line between good records.
        (
            "bomb.jsonl.gz",
            vec![
                (good1.as_bytes(), 1),
                (b"\0", 1 << 30),
                (b"\n", 1),
                (good2.as_bytes(), 1),
            ],
        ),
        // 64 MiB of raw NULs inside a JSON string.
        (
            "nul.jsonl.gz",
            vec![
                (good1.as_bytes(), 1),
                (b"{\"id\": \"nul\", \"text\": \"", 1),
                (b"\0", 64 << 20),
                (b"\"}\n", 1),
                (good2.as_bytes(), 1),
            ],
        ),
        // A 256 MiB CSV header cell, and a 64 MiB quoted text cell.
        (
            "header.csv.gz",
            vec![
                (b"id,text,", 1),
                (b"a", 256 << 20),
                (csv_row1.as_bytes(), 1),
                (b"x", 64 << 20),
                (csv_row2.as_bytes(), 1),
            ],
        ),
        // 16 MiB of "R/L ": a side finding every two bytes.
        (
            "rl.jsonl.gz",
            vec![
                (good1.as_bytes(), 1),
                (b"{\"id\": \"rl\", \"text\": \"Osteomyelitis. ", 1),
                (b"R/L ", 4 << 20),
                (b"\"}\n", 1),
                (good2.as_bytes(), 1),
            ],
        ),
    ];
    for (name, parts) in &cases {
        let path = dir.join(name);
        gz_file(&path, parts);
        // 512 MiB of address space: each input above needs more than that
        // when a line, a string or a cell is held whole.
        let o = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "ulimit -v 524288 && exec '{}' scan --jobs 2 --max-note-bytes 1M '{}'",
                env!("CARGO_BIN_EXE_docgap"),
                s(&path)
            ))
            .output()
            .unwrap();
        assert!(
            matches!(o.status.code(), Some(0 | 2)),
            "{name}: {:?} {}",
            o.status,
            stderr(&o)
        );
        let recs = records(&o);
        assert_eq!(recs.len(), 3, "{name}: one record per record");
        assert_eq!(recs[0]["id"], "good-1", "{name}");
        assert_eq!(recs[2]["id"], "good-2", "{name}");
        for r in [&recs[0], &recs[2]] {
            assert_eq!(r["codes"][0]["code"], "M86.552", "{name}");
        }
        let mid = &recs[1];
        let said = mid["warnings"].to_string() + &mid["error"].to_string();
        let want = match *name {
            "bomb.jsonl.gz" => "runs past",
            "rl.jsonl.gz" => "findings, over the limit",
            _ => "over the limit of 1048576 bytes",
        };
        assert!(said.contains(want), "{name}: {said}");
        if let Some(findings) = mid["findings"].as_array() {
            // Cut findings are renumbered: every index still points at one.
            let n = findings.len() as u64;
            for e in mid["codes"]
                .as_array()
                .unwrap()
                .iter()
                .chain(mid["flags"].as_array().unwrap())
            {
                assert!(e["evidence"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|i| i.as_u64().unwrap() < n));
            }
            for f in findings {
                assert!(f["site"].as_u64().is_none_or(|i| i < n));
            }
        }
        let longest = o
            .stdout
            .split(|&b| b == b'\n')
            .map(<[u8]>::len)
            .max()
            .unwrap();
        assert!(longest < 4 << 20, "{name}: a {longest}-byte output line");
        std::fs::remove_file(&path).unwrap();
    }
}

// 8. Lexicon overrides: regular UTF-8 files, never silently empty.

#[test]
fn lexicon_overrides_must_be_regular_utf8_files_that_keep_their_category() {
    let dir = scratch("lexicons");
    let run_with = |lex: &Path| docgap(&["--lexicons", s(lex), "scan"], jsonl(&["a"]));
    // An empty condition.tsv would turn detection off: an error.
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    std::fs::write(empty.join("condition.tsv"), "# nothing\n").unwrap();
    let o = run_with(&empty);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("condition.tsv:1: no entries"),
        "{}",
        stderr(&o)
    );
    // Unless it says so.
    std::fs::write(empty.join("condition.tsv"), "# allow-empty\n").unwrap();
    let o = run_with(&empty);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(records(&o)[0]["codes"].as_array().unwrap().len(), 0);
    // Not UTF-8: the line is named.
    let latin = dir.join("latin");
    std::fs::create_dir_all(&latin).unwrap();
    std::fs::write(
        latin.join("side.tsv"),
        b"# sides\nleft\tleft\nr\xe9ght\tright\n",
    )
    .unwrap();
    let o = run_with(&latin);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("side.tsv:3: not valid UTF-8 (byte 2 of the line)"),
        "{}",
        stderr(&o)
    );
    // A FIFO is refused, not read forever.
    let fifo = dir.join("fifo");
    std::fs::create_dir_all(&fifo).unwrap();
    let made = Command::new("mkfifo")
        .arg(fifo.join("side.tsv"))
        .status()
        .unwrap();
    assert!(made.success());
    let o = run_with(&fifo);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
}

// 8. UTF-16 and UTF-32 with a byte-order mark are decoded.

fn utf16le(text: &str) -> Vec<u8> {
    [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect()
}

fn utf32be(text: &str) -> Vec<u8> {
    [0, 0, 0xFE, 0xFF]
        .into_iter()
        .chain(text.chars().flat_map(|c| (c as u32).to_be_bytes()))
        .collect()
}

#[test]
fn utf16_and_utf32_inputs_with_a_bom_are_decoded() {
    let dir = scratch("unicode");
    let text = String::from_utf8(jsonl(&["a", "b"])).unwrap();
    std::fs::write(dir.join("n16.jsonl"), utf16le(&text)).unwrap();
    std::fs::write(dir.join("n32.jsonl.gz"), gz(&utf32be(&text))).unwrap();
    std::fs::write(
        dir.join("n.csv"),
        utf16le(&format!("id,text\nc,\"{NOTE}\"\n")),
    )
    .unwrap();
    let tree = dir.join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(tree.join("d.txt"), utf32be(NOTE)).unwrap();
    let o = run(&[
        "scan",
        s(&dir.join("n16.jsonl")),
        s(&dir.join("n32.jsonl.gz")),
        s(&dir.join("n.csv")),
        s(&tree),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let recs = records(&o);
    let ids: Vec<&str> = recs.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["a", "b", "a", "b", "c", "d.txt"]);
    for r in &recs {
        assert_eq!(r["codes"][0]["code"], "M86.552", "{r}");
    }
}

// 5. CSV: every physical record accounted for.

#[test]
fn csv_empty_quoted_lines_and_quotes_that_merge_rows_are_reported() {
    let input = "id,text\n\
                 n-1,chronic osteomyelitis\n\
                 \"\"\n\
                 \n\
                 n-2,\"stray quote\n\
                 n-3,next row\n\
                 n-4,third\" rest\n\
                 n-5,\"Multi-line note, with commas:\n58M, PVD, DM2.\nPlan, as above.\"\n";
    let out = docgap(&["scan", "--input-format", "csv"], input);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let recs = records(&out);
    let ids: Vec<Value> = recs.iter().map(|r| r["id"].clone()).collect();
    assert_eq!(ids, [json!("n-1"), Value::Null, json!("n-2"), json!("n-5")]);
    assert_eq!(recs[1]["error"]["location"], "<stdin>:3 (byte 34)");
    assert!(recs[1]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("only \"\""));
    let w = recs[2]["warnings"].to_string();
    assert!(w.contains("spans line(s) 6 that read like records"), "{w}");
    assert!(
        w.contains("1 blank line(s) before this record, from line 4"),
        "{w}"
    );
    assert!(
        recs[3]["warnings"].is_null(),
        "a real multi-line note: {}",
        recs[3]
    );
}
