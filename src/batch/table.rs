//! CSV output (`docgap scan --format csv`): one row a note, for a
//! spreadsheet or a warehouse load, where the JSON evidence map is too much.
//!
//! Columns, after the [`HEADER`] row: `id`; `codes` and `flags`, each
//! `;`-separated in the order of the JSON result; `n_codes`, `n_flags`,
//! `n_findings` (the findings the JSON record would carry: those cited by
//! default, every one with `--findings all`), `n_warnings`; `error`, empty for
//! an analysed note and `location: message` for a record that could not be
//! read (its other columns then empty); `warnings`, one `location:
//! warning` line per warning; then, for a coder who acts on the row
//! without the JSON: `code_descriptions` (`code: description` a line),
//! `queries` (`FLAG (audience): query` a line, the text to send or act
//! on, see [`crate::queries`]) and `evidence` (`FLAG: sentence` a line,
//! the sentence behind each flag). Quoting follows RFC 4180.
//!
//! Spreadsheet safety: a cell starting with `=`, `+`, `-`, `@`, a tab or a
//! carriage return is prefixed with `'`, so a spreadsheet shows it as text
//! and never runs it as a formula (OWASP "CSV injection"); [`BOM`], written
//! first, makes Excel read the file as UTF-8.

use crate::analyzer::Analysis;

/// The CSV writer of [`FORMAT`].
pub struct Writer;

/// The CSV output format.
pub const FORMAT: super::Format = super::Format {
    name: "csv",
    description: "one row a note: id, codes, flags, counts, error, warnings, code descriptions, queries, evidence sentences",
    writer: &Writer,
};

impl super::write::Writer for Writer {
    fn header(&self, bom: bool) -> String {
        let bom = if bom { BOM } else { "" };
        format!("{bom}{HEADER}")
    }

    fn write_result(
        &self,
        out: &mut Vec<u8>,
        id: &str,
        at: Option<&str>,
        text: &str,
        analysis: &Analysis,
        warnings: &[String],
        options: crate::output::RecordOptions,
    ) {
        use crate::output::{cited_with_queries, Findings};
        // n_findings counts the findings JSON would carry.
        let n_findings = match options.findings {
            Findings::All => analysis.evidence.findings.len(),
            Findings::None => 0,
            Findings::Cited => cited_with_queries(text, analysis).0.evidence.findings.len(),
        };
        write_result_counting(out, id, at, text, analysis, warnings, n_findings);
    }

    fn write_error(&self, out: &mut Vec<u8>, id: Option<&str>, location: &str, message: &str) {
        write_error(out, id, location, message);
    }
}

/// The header row, with its newline.
pub const HEADER: &str = "id,codes,flags,n_codes,n_flags,n_findings,n_warnings,error,warnings,code_descriptions,queries,evidence\n";

/// The UTF-8 byte order mark (`scan --format csv --bom`).
pub const BOM: &str = "\u{feff}";

/// Whether a spreadsheet would read `s` as a formula.
fn formula_like(s: &str) -> bool {
    s.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// Writes `field`, quoted when it holds a comma, quote or line break.
fn field(out: &mut Vec<u8>, field: &str) {
    let escaped;
    let field = if formula_like(field) {
        escaped = format!("'{field}");
        escaped.as_str()
    } else {
        field
    };
    if field.contains([',', '"', '\n', '\r']) {
        out.push(b'"');
        out.extend_from_slice(field.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(field.as_bytes());
    }
}

/// Writes one result row (with its newline); `location` prefixes each
/// warning; `text` is the note as analysed (for the evidence sentences).
pub fn write_result(
    out: &mut Vec<u8>,
    id: &str,
    location: Option<&str>,
    text: &str,
    analysis: &Analysis,
    warnings: &[String],
) {
    let n = analysis.evidence.findings.len();
    write_result_counting(out, id, location, text, analysis, warnings, n);
}

/// [`write_result`] with `n_findings` given: the number of findings the
/// JSON record carries in the chosen `--findings` mode (the queries are
/// always built on the whole analysis).
pub fn write_result_counting(
    out: &mut Vec<u8>,
    id: &str,
    location: Option<&str>,
    text: &str,
    analysis: &Analysis,
    warnings: &[String],
    n_findings: usize,
) {
    field(out, id);
    out.push(b',');
    let codes: Vec<&str> = analysis.codes.iter().map(|c| c.code.as_str()).collect();
    field(out, &codes.join(";"));
    out.push(b',');
    let flags: Vec<&str> = analysis.flags.iter().map(|f| f.id.as_str()).collect();
    field(out, &flags.join(";"));
    let counts = format!(
        ",{},{},{},{},,",
        analysis.codes.len(),
        analysis.flags.len(),
        n_findings,
        warnings.len()
    );
    out.extend_from_slice(counts.as_bytes());
    if !warnings.is_empty() {
        let at = location.unwrap_or("");
        let lines: Vec<String> = warnings.iter().map(|w| format!("{at}: {w}")).collect();
        field(out, &lines.join("\n"));
    }
    out.push(b',');
    let descriptions: Vec<String> = analysis
        .codes
        .iter()
        .map(|c| format!("{}: {}", c.code, c.description))
        .collect();
    field(out, &descriptions.join("\n"));
    out.push(b',');
    let queries: Vec<String> = analysis
        .flags
        .iter()
        .map(|f| {
            let q = crate::queries::build(text, analysis, f);
            format!("{} ({}): {}", f.id.as_str(), q.audience.as_str(), q.text)
        })
        .collect();
    field(out, &queries.join("\n"));
    out.push(b',');
    let sentences: Vec<String> = analysis
        .flags
        .iter()
        .filter_map(|f| {
            let s = crate::output::flag_sentence(analysis, &f.evidence)?;
            let words: Vec<&str> = text[s.range()].split_whitespace().collect();
            Some(format!("{}: {}", f.id.as_str(), words.join(" ")))
        })
        .collect();
    field(out, &sentences.join("\n"));
    out.push(b'\n');
}

/// Writes one error row (with its newline).
pub fn write_error(out: &mut Vec<u8>, id: Option<&str>, location: &str, message: &str) {
    field(out, id.unwrap_or(""));
    out.extend_from_slice(b",,,,,,,");
    field(out, &format!("{location}: {message}"));
    out.extend_from_slice(b",,,,\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_cells_are_text() {
        let mut out = Vec::new();
        for cell in [
            "=HYPERLINK(\"x\")",
            "+1",
            "-2",
            "@SUM(A1)",
            "\tx",
            "M86.9",
            "a=b",
        ] {
            field(&mut out, cell);
            out.push(b'\n');
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"'=HYPERLINK(\"\"x\"\")\"\n'+1\n'-2\n'@SUM(A1)\n'\tx\nM86.9\na=b\n"
        );
    }

    #[test]
    fn a_flagged_row_carries_its_query_and_sentence() {
        let analyzer = crate::Analyzer::new();
        let text = "HPI: pain for months.\nAssessment: chronic osteomyelitis of the tibia. MRI: sequestrum.";
        let a = analyzer.analyze(text);
        let mut out = Vec::new();
        write_result(&mut out, "n", None, text, &a, &[]);
        let mut r = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(&out[..]);
        let row = r.records().next().unwrap().unwrap();
        assert!(
            row[10].contains("LATERALITY_MISSING (provider): "),
            "{}",
            &row[10]
        );
        assert!(row[10].contains("tibia"), "{}", &row[10]);
        assert!(row[10].contains("clinically unable to determine"));
        assert!(
            row[11].contains("chronic osteomyelitis of the tibia"),
            "{}",
            &row[11]
        );
    }

    #[test]
    fn rows_quote_what_needs_it_and_read_back() {
        let analyzer = crate::Analyzer::new();
        let text = "Assessment: chronic osteomyelitis of the left femur, hematogenous. Bone biopsy grew MRSA.";
        let a = analyzer.analyze(text);
        let mut out = HEADER.as_bytes().to_vec();
        write_result(&mut out, "a,1", None, text, &a, &[]);
        write_error(&mut out, None, "n.jsonl:2", "not a \"JSON\" object");
        write_result(
            &mut out,
            "b",
            Some("n.jsonl:3 (byte 40)"),
            text,
            &a,
            &["duplicate id \"b\"".to_string(), "w2".to_string()],
        );
        let mut r = ::csv::Reader::from_reader(&out[..]);
        let rows: Vec<::csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(&rows[0][0], "a,1");
        assert_eq!(&rows[0][1], "M86.552;B95.62");
        assert_eq!(&rows[0][3], "2");
        assert_eq!(&rows[0][7], "");
        assert_eq!(&rows[0][8], "");
        assert_eq!(&rows[1][7], "n.jsonl:2: not a \"JSON\" object");
        assert_eq!(rows[1].len(), 12);
        assert_eq!(
            &rows[0][9],
            "M86.552: Other chronic hematogenous osteomyelitis, left femur\nB95.62: Methicillin resistant Staphylococcus aureus infection as the cause of diseases classified elsewhere"
        );
        assert_eq!(
            &rows[2][8],
            "n.jsonl:3 (byte 40): duplicate id \"b\"\nn.jsonl:3 (byte 40): w2"
        );
    }
}
