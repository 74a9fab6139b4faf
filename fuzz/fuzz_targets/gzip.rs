//! Gzip through the project's checksum pass and decoder into the JSONL
//! reader: any bytes, or a gzip stream of fuzzed JSON Lines cut anywhere,
//! yield located items and never a panic; a stream that decodes whole
//! gives one item per non-blank line; one that fails ends with an error
//! item saying why; a corrupt member's text never becomes items.
#![no_main]

#[path = "common/mod.rs"]
mod common;

use docgap::batch::{jsonl, source, Item};
use libfuzzer_sys::fuzz_target;
use std::io::{Read, Write};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let max = common::limit(data);
    let gz: Vec<u8> = if mode & 1 == 0 {
        rest.to_vec()
    } else {
        // Compress the rest, then cut it at a point drawn from the mode byte.
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(rest).unwrap();
        let mut z = e.finish().unwrap();
        if mode & 2 != 0 {
            let keep = z.len() * (mode as usize >> 2) / 64;
            z.truncate(keep);
        }
        z
    };
    let check = source::verify_gz(&gz[..]).expect("reading memory does not fail");
    let reader = source::checked_gz(std::io::Cursor::new(gz.clone()), check.clone());
    let items: Vec<Item> =
        jsonl::read_with(reader, "f.jsonl.gz".into(), jsonl::Fields::default(), max).collect();
    common::check_items(&items, "f.jsonl.gz", max);
    let mut plain = Vec::new();
    let whole = flate2::read::MultiGzDecoder::new(&gz[..]).read_to_end(&mut plain);
    match whole {
        Ok(_) => common::check_line_locations(&items, "f.jsonl.gz", &plain),
        Err(_) => {
            if let source::GzCheck::Corrupt { trusted, .. } = check {
                // Only the sound members' lines, then the error.
                let sound = &plain[..(trusted as usize).min(plain.len())];
                if !sound.starts_with(&[0xFF, 0xFE]) && !sound.starts_with(&[0xFE, 0xFF]) {
                    let want = common::expected_lines(sound).len();
                    assert!(items.len() <= want + 1, "{} items, {want} sound lines", items.len());
                }
            }
            let last = items.last().expect("an error item at least");
            let e = last
                .note
                .as_ref()
                .expect_err("the stream's failure is reported");
            if plain.starts_with(&[0xFF, 0xFE]) || plain.starts_with(&[0xFE, 0xFF]) {
                // A UTF-16 input is refused whole at its first line, or,
                // when the cut comes first, the cut is reported.
                assert_eq!(items.len(), 1);
                assert!(
                    e.message.contains("UTF-16") || e.message.contains("gzip"),
                    "{}",
                    e.message
                );
            } else {
                assert!(e.message.contains("gzip"), "{}", e.message);
            }
        }
    }
});
