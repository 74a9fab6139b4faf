//! CSV input, as clinical data warehouses export notes (MIMIC-III
//! NOTEEVENTS: `ROW_ID,...,TEXT` with quoted multi-line text): a header
//! row, then one note a record. The id and text columns are chosen by
//! header name (`--id-field ROW_ID --text-field TEXT`); a name matches
//! exactly, or failing that ignoring ASCII case. An optional
//! `assigned_codes` column holds the claim, codes separated by `;`, `,`,
//! `|` or spaces (an empty cell: no claim).
//!
//! Locations are `file:line`, the line on which the record starts. When
//! the header lacks the id or text column, every record still yields its
//! own error record.

use super::jsonl::Fields;
use super::{Item, Note, ReadError};
use std::io::Read;

/// The columns found in the header.
struct Columns {
    id: Option<usize>,
    text: Option<usize>,
    codes: Option<usize>,
    /// Why the note columns are missing, for every record's error.
    missing: Option<String>,
}

fn find(headers: &::csv::ByteRecord, name: &str) -> Option<usize> {
    headers
        .iter()
        .position(|h| h == name.as_bytes())
        .or_else(|| {
            headers
                .iter()
                .position(|h| h.eq_ignore_ascii_case(name.as_bytes()))
        })
}

fn columns(headers: &::csv::ByteRecord, fields: &Fields) -> Columns {
    let id = find(headers, &fields.id);
    let text = find(headers, &fields.text);
    let codes = find(headers, "assigned_codes");
    let names: Vec<String> = headers
        .iter()
        .map(|h| String::from_utf8_lossy(h).into_owned())
        .collect();
    let missing = match (id, text) {
        (Some(_), Some(_)) => None,
        (None, _) => Some(&fields.id),
        (_, None) => Some(&fields.text),
    }
    .map(|name| {
        format!(
            "no column {name:?} in the header (columns: {}); choose one with --id-field / --text-field",
            names.join(", ")
        )
    });
    Columns {
        id,
        text,
        codes,
        missing,
    }
}

/// Reads CSV records from `reader`; `name` is used in locations. A record
/// whose id or text cell is missing becomes an error item; a read error
/// becomes one error item and ends the stream.
pub fn read<R: Read>(reader: R, name: String, fields: Fields) -> impl Iterator<Item = Item> {
    let mut csv = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(reader);
    let mut record = ::csv::ByteRecord::new();
    let mut cols: Option<Columns> = None;
    let mut done = false;
    std::iter::from_fn(move || loop {
        if done {
            return None;
        }
        let line = csv.position().line();
        match csv.read_byte_record(&mut record) {
            Ok(false) => return None,
            Ok(true) => {
                let line = record.position().map_or(line, |p| p.line());
                let Some(c) = &cols else {
                    cols = Some(columns(&record, &fields));
                    continue;
                };
                if record.len() == 1 && record[0].is_empty() {
                    // A blank line.
                    continue;
                }
                return Some(Item {
                    location: format!("{name}:{line}"),
                    note: note(&record, c),
                });
            }
            Err(e) => {
                if matches!(e.kind(), ::csv::ErrorKind::Io(_)) {
                    done = true;
                }
                let location = format!("{name}:{}", line.max(1));
                return Some(Item::error(location, None, format!("read error: {e}")));
            }
        }
    })
}

fn note(record: &::csv::ByteRecord, c: &Columns) -> Result<Note, ReadError> {
    let (Some(id_col), Some(text_col)) = (c.id, c.text) else {
        return Err(ReadError {
            id: None,
            message: c.missing.clone().unwrap_or_default(),
        });
    };
    let mut warnings = Vec::new();
    let Some(id) = record.get(id_col) else {
        return Err(ReadError {
            id: None,
            message: format!(
                "the record has {} cells; the id is in column {}",
                record.len(),
                id_col + 1
            ),
        });
    };
    let id = String::from_utf8_lossy(id).into_owned();
    let Some(text) = record.get(text_col) else {
        return Err(ReadError {
            id: Some(id),
            message: format!(
                "the record has {} cells; the text is in column {}",
                record.len(),
                text_col + 1
            ),
        });
    };
    let text = match std::str::from_utf8(text) {
        Ok(t) => t.to_string(),
        Err(_) => {
            warnings.push("text is not valid UTF-8: decoded lossily".to_string());
            String::from_utf8_lossy(text).into_owned()
        }
    };
    let assigned_codes = c
        .codes
        .and_then(|k| record.get(k))
        .filter(|cell| !cell.trim_ascii().is_empty())
        .map(|cell| {
            String::from_utf8_lossy(cell)
                .split([';', ',', ' ', '|'])
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        });
    Ok(Note {
        id,
        text,
        assigned_codes,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(input: &[u8], id: &str, text: &str) -> Vec<Item> {
        let fields = Fields {
            id: id.into(),
            text: text.into(),
        };
        read(input, "n.csv".into(), fields).collect()
    }

    #[test]
    fn quoted_multiline_text_and_columns_by_name() {
        let input = "ROW_ID,SUBJECT_ID,CATEGORY,TEXT\n\
                     1,10,Discharge summary,\"Admission Date:\n\"\"chronic\"\" osteomyelitis, left femur.\"\n\
                     2,11,Radiology,plain\n";
        let got = items(input.as_bytes(), "ROW_ID", "text");
        assert_eq!(got.len(), 2);
        let n = got[0].note.as_ref().unwrap();
        assert_eq!(n.id, "1");
        assert_eq!(
            n.text,
            "Admission Date:\n\"chronic\" osteomyelitis, left femur."
        );
        assert_eq!(got[0].location, "n.csv:2");
        assert_eq!(got[1].location, "n.csv:4");
        assert_eq!(got[1].note.as_ref().unwrap().text, "plain");
    }

    #[test]
    fn a_short_row_and_a_missing_column_become_error_records() {
        let got = items(b"id,text\na,one\nb\nc,three\n", "id", "text");
        assert_eq!(got.len(), 3);
        let e = got[1].note.as_ref().unwrap_err();
        assert!(e.message.contains("cells"), "{}", e.message);
        assert_eq!(e.id.as_deref(), Some("b"));
        let got = items(b"id,body\na,one\nb,two\n", "id", "text");
        assert_eq!(got.len(), 2, "one error record per record");
        let e = got[0].note.as_ref().unwrap_err();
        assert!(e.message.contains("no column \"text\""), "{}", e.message);
    }

    #[test]
    fn claims_and_lossy_text() {
        let got = items(
            b"id,text,assigned_codes\na,ok,M86.9;B95.62\nb,\xff,\n",
            "id",
            "text",
        );
        let a = got[0].note.as_ref().unwrap();
        assert_eq!(
            a.assigned_codes.as_deref(),
            Some(&["M86.9".to_string(), "B95.62".to_string()][..])
        );
        let b = got[1].note.as_ref().unwrap();
        assert_eq!(b.assigned_codes, None);
        assert_eq!(b.text, "\u{fffd}");
        assert_eq!(b.warnings.len(), 1);
    }
}
