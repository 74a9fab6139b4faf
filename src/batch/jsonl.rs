//! JSON Lines input: one object per line with an id, a text and optional
//! assigned codes; other fields are ignored, so gold files are valid input.

use super::{Item, Note, ReadError};
use serde_json::Value;
use std::io::BufRead;

/// Field names to read.
#[derive(Clone, Debug)]
pub struct Fields {
    /// The id field.
    pub id: String,
    /// The text field.
    pub text: String,
}

impl Default for Fields {
    fn default() -> Self {
        Fields {
            id: "id".into(),
            text: "text".into(),
        }
    }
}

/// Parses one line into a note.
pub fn parse_line(line: &[u8], fields: &Fields) -> Result<Note, ReadError> {
    let value: Value = serde_json::from_slice(line).map_err(|e| ReadError {
        id: None,
        message: format!("not a JSON object: {e}"),
    })?;
    let Value::Object(obj) = value else {
        return Err(ReadError {
            id: None,
            message: "not a JSON object".into(),
        });
    };
    let id = match obj.get(&fields.id) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(other) => {
            return Err(ReadError {
                id: None,
                message: format!(
                    "field {:?} must be a string or number, found {}",
                    fields.id,
                    kind(other)
                ),
            })
        }
        None => None,
    };
    let Some(id) = id else {
        return Err(ReadError {
            id: None,
            message: format!("missing field {:?}", fields.id),
        });
    };
    let text = match obj.get(&fields.text) {
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(ReadError {
                id: Some(id),
                message: format!(
                    "field {:?} must be a string, found {}",
                    fields.text,
                    kind(other)
                ),
            })
        }
        None => {
            return Err(ReadError {
                id: Some(id),
                message: format!("missing field {:?}", fields.text),
            })
        }
    };
    let assigned_codes = match obj.get("assigned_codes") {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) => {
            let mut codes = Vec::with_capacity(a.len());
            for v in a {
                match v {
                    Value::String(s) => codes.push(s.clone()),
                    other => {
                        return Err(ReadError {
                            id: Some(id),
                            message: format!(
                                "assigned_codes must hold strings, found {}",
                                kind(other)
                            ),
                        })
                    }
                }
            }
            Some(codes)
        }
        Some(other) => {
            return Err(ReadError {
                id: Some(id),
                message: format!("assigned_codes must be an array, found {}", kind(other)),
            })
        }
    };
    Ok(Note {
        id,
        text,
        assigned_codes,
        warnings: Vec::new(),
    })
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Reads JSON Lines from `reader`; `name` is used in locations. Blank lines
/// are skipped; a line that is not JSON becomes an error item; a read error
/// becomes one error item and ends the stream.
pub fn read<R: BufRead>(reader: R, name: String, fields: Fields) -> impl Iterator<Item = Item> {
    read_lines(reader, name, move |line| parse_line(line, &fields))
}

/// The line loop shared by the line-oriented readers (JSONL, FHIR NDJSON):
/// each non-blank line parsed by `parse`, located as `name:line`.
pub(crate) fn read_lines<R: BufRead>(
    reader: R,
    name: String,
    mut parse: impl FnMut(&[u8]) -> Result<Note, ReadError>,
) -> impl Iterator<Item = Item> {
    let mut reader = reader;
    let mut line_no = 0u64;
    let mut done = false;
    let mut buf = Vec::new();
    std::iter::from_fn(move || loop {
        if done {
            return None;
        }
        buf.clear();
        line_no += 1;
        let location = || format!("{name}:{line_no}");
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) => return None,
            Ok(_) if buf.iter().all(|b| b.is_ascii_whitespace()) => continue,
            Ok(_) => {
                return Some(Item {
                    location: location(),
                    note: parse(&buf),
                })
            }
            Err(e) => {
                done = true;
                return Some(Item {
                    location: location(),
                    note: Err(ReadError {
                        id: None,
                        message: format!("read error: {e}"),
                    }),
                });
            }
        }
    })
}
