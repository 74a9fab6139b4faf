//! Inputs the fuzz targets (`fuzz/fuzz_targets/`) found breaking something,
//! kept as regression tests named after what broke. Each input file is in
//! `tests/fuzz/`, as libFuzzer wrote it.

use docgap::batch::csv::QuoteState;
use docgap::batch::{csv, jsonl, Item};

fn csv_records(input: &[u8]) -> usize {
    ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input)
        .byte_records()
        .count()
}

/// `csv` target: the quote tracker did not skip a UTF-8 byte-order mark
/// before a quoted first field, as the csv crate does, and so disagreed
/// with it about whether a quoted field was left open at the end (which
/// would have turned a good last record into an "unclosed quote" error
/// record, or missed a real one).
#[test]
fn csv_quote_tracker_skips_a_byte_order_mark_as_the_csv_crate_does() {
    let input = include_bytes!("fuzz/csv-bom-before-a-quote.csv");
    let open = QuoteState::of_input(input) == QuoteState::Quoted;
    let mut more = input.to_vec();
    more.extend_from_slice(b"\nZZZ\n");
    assert_eq!(open, csv_records(&more) == csv_records(input));
    let items: Vec<Item> =
        csv::read(&input[..], "f.csv".into(), jsonl::Fields::default()).collect();
    assert_eq!(
        items.len(),
        csv_records(input) - 1,
        "one item per record after the header"
    );
}

/// The `gzip` target's transformation of its input: the first byte is a
/// mode (odd: compress the rest; bit 1: then cut the stream at a point
/// drawn from the mode's upper bits).
fn gzip_target_stream(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let (mode, rest) = data.split_first().unwrap();
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(rest).unwrap();
    let mut z = e.finish().unwrap();
    assert_eq!(mode & 3, 3, "compressed, then cut");
    z.truncate(z.len() * (*mode as usize >> 2) / 64);
    z
}

fn gzip_items(z: Vec<u8>) -> Vec<Item> {
    let reader = docgap::batch::source::decoder(std::io::Cursor::new(z), true);
    jsonl::read_with(reader, "f.jsonl.gz".into(), jsonl::Fields::default(), 64).collect()
}

/// `gzip` target, twice: a gzip stream cut short whose text starts with a
/// UTF-16 byte-order mark. The reader rightly gives one error record for
/// the whole input, and stops: saying it is UTF-16 when the first line
/// arrives whole, saying the stream is cut when the cut comes first. The
/// target expected the cut to be reported always, then the UTF-16 message
/// always; these keep both outcomes checked.
#[test]
fn gzip_cut_stream_of_utf16_text_is_one_error_record() {
    for (file, data, says) in [
        (
            "gzip-utf16-bom-in-a-cut-stream.bin",
            &include_bytes!("fuzz/gzip-utf16-bom-in-a-cut-stream.bin")[..],
            "UTF-16",
        ),
        (
            "gzip-utf16-first-line-cut.bin",
            &include_bytes!("fuzz/gzip-utf16-first-line-cut.bin")[..],
            "the gzip stream ends early",
        ),
    ] {
        let items = gzip_items(gzip_target_stream(data));
        assert_eq!(items.len(), 1, "{file}");
        let e = items[0].note.as_ref().unwrap_err();
        assert!(e.message.contains(says), "{file}: {}", e.message);
        assert_eq!(items[0].location, "f.jsonl.gz:1 (byte 0)", "{file}");
    }
}

/// `csv` target (issue 10): a doubled quote passed on whole at the cell
/// cap left a cell one byte over it, and the room left was computed by a
/// subtraction that overflowed. Every cap of the fuzz target must read it.
#[test]
fn csv_doubled_quote_at_the_cell_cap_does_not_overflow() {
    let input = include_bytes!("fuzz/csv-doubled-quote-at-the-cell-cap.csv");
    for max in 1..=64 {
        let items: Vec<Item> =
            csv::read_with(&input[..], "f.csv".into(), jsonl::Fields::default(), max).collect();
        assert_eq!(items.len(), csv_records(input) - 1, "max {max}");
    }
}
