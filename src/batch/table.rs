//! CSV output (`docgap scan --format csv`): one row a note, for a
//! spreadsheet or a warehouse load, where the JSON evidence map is too much.
//!
//! Columns, after the [`HEADER`] row: `id`; `codes` and `flags`, each
//! `;`-separated in the order of the JSON result; `n_codes`, `n_flags`,
//! `n_findings` (the findings the JSON record would carry: those cited by
//! default, every one with `--findings all`), `n_warnings`; `error`, empty for
//! an analysed note and `location: message` for a record that could not be
//! read (its other columns then empty); `warnings`, one `location:
//! warning` line per warning. Quoting follows RFC 4180.

use crate::analyzer::Analysis;

/// The header row, with its newline.
pub const HEADER: &str = "id,codes,flags,n_codes,n_flags,n_findings,n_warnings,error,warnings\n";

/// Writes `field`, quoted when it holds a comma, quote or line break.
fn field(out: &mut Vec<u8>, field: &str) {
    if field.contains([',', '"', '\n', '\r']) {
        out.push(b'"');
        out.extend_from_slice(field.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(field.as_bytes());
    }
}

/// Writes one result row (with its newline); `location` prefixes each
/// warning.
pub fn write_result(
    out: &mut Vec<u8>,
    id: &str,
    location: Option<&str>,
    analysis: &Analysis,
    warnings: &[String],
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
        analysis.evidence.findings.len(),
        warnings.len()
    );
    out.extend_from_slice(counts.as_bytes());
    if !warnings.is_empty() {
        let at = location.unwrap_or("");
        let lines: Vec<String> = warnings.iter().map(|w| format!("{at}: {w}")).collect();
        field(out, &lines.join("\n"));
    }
    out.push(b'\n');
}

/// Writes one error row (with its newline).
pub fn write_error(out: &mut Vec<u8>, id: Option<&str>, location: &str, message: &str) {
    field(out, id.unwrap_or(""));
    out.extend_from_slice(b",,,,,,,");
    field(out, &format!("{location}: {message}"));
    out.extend_from_slice(b",\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_quote_what_needs_it_and_read_back() {
        let analyzer = crate::Analyzer::new();
        let a = analyzer.analyze(
            "Assessment: chronic osteomyelitis of the left femur, hematogenous. Bone biopsy grew MRSA.",
        );
        let mut out = HEADER.as_bytes().to_vec();
        write_result(&mut out, "a,1", None, &a, &[]);
        write_error(&mut out, None, "n.jsonl:2", "not a \"JSON\" object");
        write_result(
            &mut out,
            "b",
            Some("n.jsonl:3 (byte 40)"),
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
        assert_eq!(rows[1].len(), 9);
        assert_eq!(
            &rows[2][8],
            "n.jsonl:3 (byte 40): duplicate id \"b\"\nn.jsonl:3 (byte 40): w2"
        );
    }
}
