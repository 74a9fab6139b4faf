//! FHIR NDJSON reader: any bytes yield one item per non-blank line, located
//! at its line and byte offset, with notes within the byte limit, never a
//! panic.
#![no_main]

#[path = "common/mod.rs"]
mod common;

use docgap::batch::{fhir, Item};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let max = common::limit(data);
    let items: Vec<Item> = fhir::read_with(data, "f.ndjson".into(), max).collect();
    common::check_line_locations(&items, "f.ndjson", data);
    common::check_items(&items, "f.ndjson", max);
});
