//! The words of each flag, as data: `queries/queries.tsv` (embedded) holds
//! every flag's audience, its one-sentence message and the templates its
//! query is built from, and its weight in the review report. The rules
//! take their messages from here; the queries (`crate::queries`) their
//! templates; the report (`crate::report`) the weights.

use super::flag::FlagId;
use crate::keyed::keyed_enum;
use std::sync::OnceLock;

const TEMPLATES: &str = include_str!("../../queries/queries.tsv");

keyed_enum! {
    key = as_str, noun = "Audience";
    /// Who acts on a flag.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum Audience {
        /// A question for the physician: the documentation is incomplete.
        Provider => "provider",
        /// A note for the coder: the claim should change.
        Coder => "coder",
    }
}

/// The parsed template file: (flag or "*", field, text) rows.
pub(crate) struct Templates {
    pub(crate) rows: Vec<(&'static str, &'static str, &'static str)>,
}

pub(crate) fn templates() -> &'static Templates {
    static T: OnceLock<Templates> = OnceLock::new();
    T.get_or_init(|| parse(TEMPLATES).unwrap_or_else(|e| panic!("queries/queries.tsv: {e}")))
}

pub(crate) fn parse(text: &'static str) -> Result<Templates, String> {
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut cols = line.split('\t');
        match (cols.next(), cols.next(), cols.next(), cols.next()) {
            (Some(flag), Some(field), Some(text), None) => {
                if flag != "*" && FlagId::parse(flag).is_none() {
                    return Err(format!("line {}: unknown flag {flag:?}", n + 1));
                }
                if field == "weight" && text.parse::<u32>().is_err() {
                    return Err(format!(
                        "line {}: weight {text:?} is no whole number",
                        n + 1
                    ));
                }
                rows.push((flag, field, text));
            }
            _ => return Err(format!("line {}: expected flag<TAB>field<TAB>text", n + 1)),
        }
    }
    Ok(Templates { rows })
}

/// One field of the template file, `""` when absent (a test checks every
/// flag has the fields its audience needs).
pub(crate) fn field(flag: &str, name: &str) -> &'static str {
    templates()
        .rows
        .iter()
        .find(|(f, n, _)| *f == flag && *n == name)
        .map(|r| r.2)
        .unwrap_or("")
}

/// Who acts on the flag.
pub fn audience(id: FlagId) -> Audience {
    match field(id.as_str(), "audience") {
        "coder" => Audience::Coder,
        _ => Audience::Provider,
    }
}

/// The flag's weight in the review report (its `weight` field), None
/// when it has none (a test checks every flag has one).
pub fn weight(id: FlagId) -> Option<u32> {
    field(id.as_str(), "weight").parse().ok()
}

/// The flag's one-sentence message, `{name}` placeholders filled from
/// `values` (the rules fill the codes of the coder flags).
pub fn message(id: FlagId, values: &[(&str, &str)]) -> String {
    fill(field(id.as_str(), "message"), values)
}

/// A named extra text of a flag's template (e.g. CODE_NOT_SUPPORTED's
/// `no_support`).
pub fn text(id: FlagId, name: &str) -> &'static str {
    field(id.as_str(), name)
}

pub(crate) fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut s = template.to_string();
    for (k, v) in values {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}
