//! JSON Lines reader: any bytes yield one item per non-blank line, located
//! at its line and byte offset, never a panic; a line serde_json reads as
//! a record gives the same text (cut to the limit), string id and claim.
#![no_main]

#[path = "common/mod.rs"]
mod common;

use docgap::batch::{jsonl, Item};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let max = common::limit(data);
    let items: Vec<Item> =
        jsonl::read_with(data, "f.jsonl".into(), jsonl::Fields::default(), max).collect();
    common::check_line_locations(&items, "f.jsonl", data);
    common::check_items(&items, "f.jsonl", max);
    // Against serde_json on the lines it reads as records.
    let lines = common::expected_lines(data);
    for (item, (_, byte)) in items.iter().zip(lines) {
        let start = byte as usize;
        let end = data[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(data.len(), |p| start + p + 1);
        let line = &data[start..end];
        let line = if start == 0 {
            line.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(line)
        } else {
            line
        };
        let Ok(serde_json::Value::Object(o)) = serde_json::from_slice(line) else {
            continue;
        };
        let (Some(id), Some(serde_json::Value::String(text))) = (o.get("id"), o.get("text")) else {
            continue;
        };
        if !(id.is_string() || id.is_number()) {
            continue;
        }
        if !matches!(
            o.get("assigned_codes"),
            None | Some(serde_json::Value::Null)
        ) && !o["assigned_codes"]
            .as_array()
            .is_some_and(|a| a.iter().all(|c| c.is_string()))
        {
            continue;
        }
        let note = item.note.as_ref().expect("serde_json reads it as a record");
        // The reader cuts any string past the limit, an id or a code too;
        // a line within it is read whole.
        if let Some(id) = id.as_str() {
            assert!(id.starts_with(&note.id));
            if line.len() <= max {
                assert_eq!(note.id, id);
            }
        }
        if line.len() <= max {
            assert_eq!(
                note.assigned_codes.as_ref(),
                o.get("assigned_codes")
                    .and_then(|a| a.as_array())
                    .map(|a| a.iter().map(|c| c.as_str().unwrap().to_string()).collect::<Vec<_>>())
                    .as_ref()
            );
        }
        assert!(text.starts_with(&note.text));
        assert!(note.text.len() == text.len() || text.len() > max);
    }
});
