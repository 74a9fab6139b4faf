//! CSV reader: any bytes yield one item per record after the header (a
//! line of only `""` included: issue 10), as the csv crate counts them, located at the line and
//! byte where each starts (past the line breaks where the csv crate began
//! looking for it), never a panic; the quote tracker agrees with the csv
//! crate about a quoted field left open at the end.
#![no_main]

#[path = "common/mod.rs"]
mod common;

use docgap::batch::csv::QuoteState;
use docgap::batch::{csv, jsonl, Item};
use libfuzzer_sys::fuzz_target;

/// The records after the header, as the csv crate reads them: (line, byte).
fn records(input: &[u8]) -> Vec<(u64, u64)> {
    let mut r = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input);
    let mut out = Vec::new();
    let mut rec = ::csv::ByteRecord::new();
    let mut first = true;
    while r
        .read_byte_record(&mut rec)
        .expect("no I/O errors in memory")
    {
        if std::mem::take(&mut first) {
            continue;
        }
        // The csv crate's position is where it began looking: the record
        // starts after any line breaks there.
        let mut b = rec.position().expect("a position").byte() as usize;
        while matches!(input.get(b), Some(b'\r' | b'\n')) {
            b += 1;
        }
        out.push((1 + line_breaks(&input[..b]), b as u64));
    }
    out
}

/// `\r\n`, `\r` and `\n` count one line break each.
fn line_breaks(b: &[u8]) -> u64 {
    let mut n = 0;
    for (i, &c) in b.iter().enumerate() {
        if c == b'\r' || (c == b'\n' && (i == 0 || b[i - 1] != b'\r')) {
            n += 1;
        }
    }
    n
}

fn count_all(input: &[u8]) -> usize {
    let mut r = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input);
    r.byte_records().count()
}

fuzz_target!(|data: &[u8]| {
    let max = common::limit(data);
    let items: Vec<Item> =
        csv::read_with(data, "f.csv".into(), jsonl::Fields::default(), max).collect();
    let want = records(data);
    assert_eq!(items.len(), want.len(), "one item per record");
    for (item, (line, byte)) in items.iter().zip(want) {
        assert_eq!(item.location, docgap::batch::location("f.csv", line, byte));
    }
    common::check_items(&items, "f.csv", max);
    // A quoted field is open at the end exactly when more input would be
    // swallowed by it.
    let open = QuoteState::of_input(data) == QuoteState::Quoted;
    let mut more = data.to_vec();
    more.extend_from_slice(b"\nZZZ\n");
    assert_eq!(open, count_all(&more) == count_all(data), "quote state");
});
