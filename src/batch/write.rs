//! Output formats: what [`super::run_with`] writes for each record, behind
//! [`Writer`]. Each format's file holds its [`super::Format`] row, listed
//! in [`super::FORMATS`]; the JSONL writer is here, the CSV one in
//! [`super::table`].

use crate::analyzer::Analysis;
use crate::output;

/// One output format.
pub trait Writer: Sync {
    /// What goes before the first record (a CSV header); `bom`: start
    /// with a UTF-8 byte-order mark, where the format takes one.
    fn header(&self, bom: bool) -> String;

    /// The record of an analysed note: `at` is its location when it
    /// carries warnings; `options` says which findings the JSON record
    /// would carry, and how its offsets count.
    #[allow(clippy::too_many_arguments)]
    fn write_result(
        &self,
        out: &mut Vec<u8>,
        id: &str,
        at: Option<&str>,
        text: &str,
        analysis: &Analysis,
        warnings: &[String],
        options: output::RecordOptions,
    );

    /// The record of an input that could not be read or analysed.
    fn write_error(&self, out: &mut Vec<u8>, id: Option<&str>, location: &str, message: &str);
}

/// JSON Lines: one result record a line, the wire format of [`output`].
pub struct Jsonl;

/// The JSONL output format, the default.
pub const FORMAT: super::Format = super::Format {
    name: "jsonl",
    description: "one JSON result a line",
    writer: &Jsonl,
};

impl Writer for Jsonl {
    fn header(&self, _bom: bool) -> String {
        String::new()
    }

    fn write_result(
        &self,
        out: &mut Vec<u8>,
        id: &str,
        at: Option<&str>,
        text: &str,
        analysis: &Analysis,
        warnings: &[String],
        options: output::RecordOptions,
    ) {
        output::write_result_with(out, id, at, text, analysis, warnings, options);
    }

    fn write_error(&self, out: &mut Vec<u8>, id: Option<&str>, location: &str, message: &str) {
        output::write_error(out, id, location, message);
    }
}
