//! What the reader targets share: the analyzer, the byte limit drawn from
//! the input, the records a line reader must yield, and the checks every
//! item must pass.
#![allow(dead_code)]

use docgap::batch::{self, Item};
use docgap::Analyzer;
use std::sync::OnceLock;

pub fn analyzer() -> &'static Analyzer {
    static A: OnceLock<Analyzer> = OnceLock::new();
    A.get_or_init(Analyzer::new)
}

/// The note byte limit for an input: none for a quarter of inputs, small
/// ones (so truncation is exercised) for the rest. Drawn from the length,
/// so seed files need no header.
pub fn limit(data: &[u8]) -> usize {
    match data.len() % 4 {
        0 => usize::MAX,
        r => 1 + (data.len() >> r) % 64,
    }
}

/// The (line number, byte offset) of every record a line reader must
/// yield for `input`: each line that is not all ASCII whitespace (a UTF-8
/// byte-order mark at the start does not count); only the first when the
/// input starts with a UTF-16 byte-order mark.
pub fn expected_lines(input: &[u8]) -> Vec<(u64, u64)> {
    if input.starts_with(&[0xFF, 0xFE]) || input.starts_with(&[0xFE, 0xFF]) {
        return vec![(1, 0)];
    }
    let mut out = Vec::new();
    let mut start = 0usize;
    let mut n = 0u64;
    while start < input.len() {
        n += 1;
        let end = memchr(input, start).map_or(input.len(), |p| p + 1);
        let mut line = &input[start..end];
        if start == 0 {
            line = line.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(line);
        }
        if !line.iter().all(|b| b.is_ascii_whitespace()) {
            out.push((n, start as u64));
        }
        start = end;
    }
    out
}

fn memchr(b: &[u8], from: usize) -> Option<usize> {
    b[from..].iter().position(|&c| c == b'\n').map(|p| from + p)
}

/// Every item: a location naming the file, a note within the limit with
/// spans on character boundaries, and an output line that is one JSON
/// object naming the id or the error.
pub fn check_items(items: &[Item], name: &str, max: usize) {
    for item in items {
        assert!(
            item.location.starts_with(name),
            "location {:?}",
            item.location
        );
        if let Ok(n) = &item.note {
            assert!(n.text.len() <= max, "{} > {max}", n.text.len());
        }
        let mut out = Vec::new();
        batch::render(analyzer(), item, &mut out);
        assert_eq!(out.last(), Some(&b'\n'));
        assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 1);
        let v: serde_json::Value = serde_json::from_slice(&out).expect("output is JSON");
        match &item.note {
            Ok(n) => {
                assert_eq!(v["id"].as_str(), Some(n.id.as_str()));
                if !n.warnings.is_empty() {
                    assert_eq!(v["location"].as_str(), Some(item.location.as_str()));
                }
                for f in v["findings"].as_array().expect("findings") {
                    let (s, e) = (
                        f["start"].as_u64().unwrap() as usize,
                        f["end"].as_u64().unwrap() as usize,
                    );
                    assert!(n.text.is_char_boundary(s) && n.text.is_char_boundary(e) && s < e);
                    assert_eq!(f["text"].as_str(), Some(&n.text[s..e]));
                }
            }
            Err(_) => {
                assert_eq!(
                    v["error"]["location"].as_str(),
                    Some(item.location.as_str())
                );
                assert!(!v["error"]["message"].as_str().unwrap().is_empty());
            }
        }
    }
}

/// Line items are located exactly where [`expected_lines`] says.
pub fn check_line_locations(items: &[Item], name: &str, input: &[u8]) {
    let want = expected_lines(input);
    assert_eq!(items.len(), want.len(), "one item per non-blank line");
    for (item, (line, byte)) in items.iter().zip(want) {
        assert_eq!(item.location, batch::location(name, line, byte));
    }
}
