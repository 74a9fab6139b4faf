//! Code table stage: the official ICD-10-CM codes docgap may suggest.
//!
//! The rules stage turns evidence into ICD-10-CM codes; this module is what
//! keeps those codes honest. Every code a rule emits is looked up here, so a
//! typo in a rule (or a code retired in a later release) is caught against the
//! official set instead of shipped, and each suggested code carries its
//! official description rather than one typed by hand. Codes read from a note
//! or from an assigned claim are checked the same way, which is why unrelated
//! but common categories (E11, type 2 diabetes) are in the table: they must be
//! recognised as valid, just not as osteomyelitis.
//!
//! The table is `data/icd10cm-fy2026.tsv`, generated from the CDC/NCHS
//! Tabular List by [`generate_from_gz_file`] (the `docgap gen-icd10cm`
//! subcommand) and never edited by hand; a test regenerates it and checks
//! the bytes. It covers every code, at every depth, in [`CATEGORIES`],
//! including the 7th-character extensions the tabular defines only once per
//! category (T84.50XA and friends).
//!
//! ```text
//! # comment lines first
//! code<TAB>billable(1/0)<TAB>description
//! M86.552<TAB>1<TAB>Other chronic hematogenous osteomyelitis, left femur
//! ```

use std::fmt;
use std::sync::OnceLock;

/// The ICD-10-CM release the embedded table was generated from.
pub const RELEASE: &str = "ICD-10-CM FY2026, April 1 2026 update";

/// The categories whose codes are in the table, in code order.
///
/// Osteomyelitis itself (M86); the codes used instead of M86 for particular
/// causes or sites (A02.24 salmonella, A54.43 gonococcus, B67.2 echinococcus,
/// H05.0- orbit, H70.2- petrous bone, M27.2 jaw, M46.2- vertebra); the
/// organism codes that go with it (B95-B97); the conditions that change how
/// it is coded (D57 sickle cell, M89.7- major osseous defect, T84.5-
/// prosthetic joint infection); and E11, common on assigned claims.
pub const CATEGORIES: &[&str] = &[
    "A02", "A18", "A54", "B67", "B95", "B96", "B97", "D57", "E11", "H05", "H70", "M27", "M46",
    "M86", "M89", "T84",
];

static EMBEDDED_TEXT: &str = include_str!("../../data/icd10cm-fy2026.tsv");

/// One ICD-10-CM code with its official description.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CodeInfo {
    /// The code, upper case, dotted: `"M86.552"`, `"T84.50XA"`, `"B95"`.
    pub code: &'static str,
    /// The official description from the Tabular List.
    pub description: &'static str,
    /// Whether the code is valid on a claim: it has no child codes and,
    /// where its category requires one, carries its 7th character.
    pub billable: bool,
}

/// The official codes docgap knows, sorted by code.
///
/// Build it once with [`CodeTable::embedded`]; lookups are a binary search
/// without allocation, and the table is shared freely across threads.
#[derive(Debug)]
pub struct CodeTable {
    /// Sorted by `code` (byte order); unique.
    codes: Vec<CodeInfo>,
}

impl CodeTable {
    /// The table embedded in the binary, parsed on first use.
    ///
    /// # Panics
    ///
    /// If the embedded table does not parse, which a unit test rules out.
    pub fn embedded() -> &'static CodeTable {
        static TABLE: OnceLock<CodeTable> = OnceLock::new();
        TABLE.get_or_init(|| match CodeTable::parse(EMBEDDED_TEXT) {
            Ok(table) => table,
            Err(err) => panic!("embedded data/icd10cm-fy2026.tsv: {err}"),
        })
    }

    /// Looks a code up, with or without its dot, in any case:
    /// `"m86552"`, `"M86.552"` and `"M86552"` all find M86.552.
    pub fn get(&self, code: &str) -> Option<&CodeInfo> {
        let mut buf = [0u8; MAX_DOTTED];
        let key = normalize_into(code, &mut buf)?;
        self.codes
            .binary_search_by(|info| info.code.as_bytes().cmp(key))
            .ok()
            .map(|i| &self.codes[i])
    }

    /// How many codes the table holds (categories and subcodes alike).
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Whether the table holds no codes (never true of the embedded one).
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// Every code, sorted by code.
    pub fn iter(&self) -> std::slice::Iter<'_, CodeInfo> {
        self.codes.iter()
    }

    /// Parses the table text; the rows must be valid, sorted and unique.
    fn parse(text: &'static str) -> Result<CodeTable, TableError> {
        let mut codes: Vec<CodeInfo> = Vec::with_capacity(text.len() / 64);
        for (i, line) in text.lines().enumerate() {
            let line_no = i + 1;
            if line.starts_with('#') {
                continue;
            }
            let err = |what: String| TableError {
                line: line_no,
                what,
            };
            let mut fields = line.split('\t');
            let (Some(code), Some(billable), Some(description), None) =
                (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                return Err(err(format!("expected 3 tab-separated columns: {line:?}")));
            };
            if normalize_code(code).as_deref() != Some(code) {
                return Err(err(format!("not a dotted upper-case code: {code:?}")));
            }
            let billable = match billable {
                "1" => true,
                "0" => false,
                other => return Err(err(format!("billable must be 1 or 0, got {other:?}"))),
            };
            if description.is_empty() || description.trim() != description {
                return Err(err(format!("{code}: empty or padded description")));
            }
            if let Some(prev) = codes.last() {
                if prev.code >= code {
                    return Err(err(format!(
                        "{code} is not after {} (sorted, unique)",
                        prev.code
                    )));
                }
            }
            codes.push(CodeInfo {
                code,
                description,
                billable,
            });
        }
        if codes.is_empty() {
            return Err(TableError {
                line: 0,
                what: "no codes".to_string(),
            });
        }
        Ok(CodeTable { codes })
    }
}

impl<'a> IntoIterator for &'a CodeTable {
    type Item = &'a CodeInfo;
    type IntoIter = std::slice::Iter<'a, CodeInfo>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// A malformed row in a code table; only ever a bug in the shipped file.
#[derive(Debug)]
struct TableError {
    line: usize,
    what: String,
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.what)
    }
}

/// Longest dotted code: 3 characters, the dot, 4 more ("T84.50XA").
const MAX_DOTTED: usize = 8;

/// Puts a code in its table form: upper case, dot after the 3rd character.
///
/// `"M86552"` → `"M86.552"`, `"m86.9"` → `"M86.9"`, `"M868X5"` →
/// `"M86.8X5"`, `"b95"` → `"B95"`. Returns `None` unless the input is
/// code-shaped: a letter, a digit, a digit or letter (M1A, C4A), then up to
/// four digits or letters, with the dot, if written, after the third
/// character and followed by at least one more. Surrounding whitespace is not
/// accepted. A code-shaped result need not exist; ask [`CodeTable::get`].
pub fn normalize_code(raw: &str) -> Option<String> {
    let mut buf = [0u8; MAX_DOTTED];
    let key = normalize_into(raw, &mut buf)?;
    // Only ASCII letters, digits and '.' reach the buffer.
    Some(String::from_utf8_lossy(key).into_owned())
}

/// [`normalize_code`] into a stack buffer, so that lookups do not allocate.
fn normalize_into<'b>(raw: &str, buf: &'b mut [u8; MAX_DOTTED]) -> Option<&'b [u8]> {
    let bytes = raw.as_bytes();
    let (head, tail) = bytes.split_at_checked(3)?;
    let tail = match tail {
        [b'.', rest @ ..] if !rest.is_empty() => rest,
        _ => tail,
    };
    if tail.len() > MAX_DOTTED - 4 {
        return None;
    }
    let upper = |b: &u8| b.to_ascii_uppercase();
    let (c0, c1, c2) = (upper(&head[0]), upper(&head[1]), upper(&head[2]));
    if !(c0.is_ascii_uppercase() && c1.is_ascii_digit() && is_code_char(c2)) {
        return None;
    }
    buf[..3].copy_from_slice(&[c0, c1, c2]);
    if tail.is_empty() {
        return Some(&buf[..3]);
    }
    buf[3] = b'.';
    for (slot, b) in buf[4..].iter_mut().zip(tail) {
        let b = b.to_ascii_uppercase();
        if !is_code_char(b) {
            return None;
        }
        *slot = b;
    }
    Some(&buf[..4 + tail.len()])
}

fn is_code_char(b: u8) -> bool {
    b.is_ascii_digit() || b.is_ascii_uppercase()
}

#[cfg(feature = "tools")]
mod generate;
#[cfg(feature = "tools")]
pub use generate::{generate, generate_from_gz_file, GenerateError};

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    /// `CARGO_MANIFEST_DIR/../shared/icd10cm/<name>`, if present.
    pub(crate) fn shared_file(name: &str) -> Option<PathBuf> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/icd10cm")
            .join(name);
        if path.is_file() {
            Some(path)
        } else {
            eprintln!("note: {} is absent; skipping", path.display());
            None
        }
    }

    #[test]
    fn embedded_table_parses() {
        match CodeTable::parse(EMBEDDED_TEXT) {
            Ok(table) => assert!(table.len() > 1000, "only {} codes", table.len()),
            Err(err) => panic!("data/icd10cm-fy2026.tsv: {err}"),
        }
        assert!(EMBEDDED_TEXT.contains(RELEASE));
        assert!(EMBEDDED_TEXT.starts_with("# DO NOT EDIT"));
    }

    #[test]
    fn known_codes_have_official_descriptions() {
        let table = CodeTable::embedded();
        let cases: &[(&str, bool, &str)] = &[
            (
                "M86.552",
                true,
                "Other chronic hematogenous osteomyelitis, left femur",
            ),
            ("M86.8X5", true, "Other osteomyelitis, thigh"),
            (
                "M86.59",
                true,
                "Other chronic hematogenous osteomyelitis, multiple sites",
            ),
            ("M86.5", false, "Other chronic hematogenous osteomyelitis"),
            ("M86.8X", false, "Other osteomyelitis"),
            ("M86", false, "Osteomyelitis"),
            (
                "B95.62",
                true,
                "Methicillin resistant Staphylococcus aureus infection as the cause of \
                 diseases classified elsewhere",
            ),
            (
                "M89.752",
                true,
                "Major osseous defect, left pelvic region and thigh",
            ),
            ("M46.24", true, "Osteomyelitis of vertebra, thoracic region"),
            ("H05.021", true, "Osteomyelitis of right orbit"),
            ("H70.222", true, "Chronic petrositis, left ear"),
            ("A02.24", true, "Salmonella osteomyelitis"),
            ("A54.43", true, "Gonococcal osteomyelitis"),
            ("B67.2", true, "Echinococcus granulosus infection of bone"),
            ("D57.1", true, "Sickle-cell disease without crisis"),
            ("D57.20", true, "Sickle-cell/Hb-C disease without crisis"),
            (
                "E11.9",
                true,
                "Type 2 diabetes mellitus without complications",
            ),
            ("M27.2", true, "Inflammatory conditions of jaws"),
            (
                "T84.50XA",
                true,
                "Infection and inflammatory reaction due to unspecified internal joint \
                 prosthesis, initial encounter",
            ),
            (
                "T84.50",
                false,
                "Infection and inflammatory reaction due to unspecified internal joint \
                 prosthesis",
            ),
            (
                "T84.7XXA",
                true,
                "Infection and inflammatory reaction due to other internal orthopedic \
                 prosthetic devices, implants and grafts, initial encounter",
            ),
        ];
        let mut wrong = Vec::new();
        for &(code, billable, description) in cases {
            match table.get(code) {
                Some(info)
                    if (info.code, info.billable, info.description)
                        == (code, billable, description) => {}
                other => wrong.push(format!("{code}: {other:?}")),
            }
        }
        assert!(wrong.is_empty(), "mismatches:\n{}", wrong.join("\n"));
    }

    #[test]
    fn get_accepts_any_case_with_or_without_dot() {
        let table = CodeTable::embedded();
        for raw in ["M86.552", "m86552", "M86552", "m86.552"] {
            assert_eq!(table.get(raw).map(|i| i.code), Some("M86.552"), "{raw}");
        }
        assert_eq!(table.get("t8450xa").map(|i| i.code), Some("T84.50XA"));
        assert_eq!(table.get("b95").map(|i| i.code), Some("B95"));
        for absent in ["M86.553", "M86.8XA", "M87.0", "M8", "", "hello", "M86.5520"] {
            assert_eq!(table.get(absent), None, "{absent}");
        }
    }

    #[test]
    fn only_in_scope_categories_and_sorted() {
        let table = CodeTable::embedded();
        let codes: Vec<&str> = table.iter().map(|i| i.code).collect();
        assert!(codes.windows(2).all(|w| w[0] < w[1]));
        for info in table {
            assert!(CATEGORIES.contains(&&info.code[..3]), "{}", info.code);
        }
        for &category in CATEGORIES {
            assert!(table.get(category).is_some(), "{category} missing");
        }
        assert_eq!(table.len(), table.iter().len());
        assert!(!table.is_empty());
    }

    #[test]
    fn normalize_code_cases() {
        let cases: &[(&str, Option<&str>)] = &[
            ("M86552", Some("M86.552")),
            ("M86.552", Some("M86.552")),
            ("m86.9", Some("M86.9")),
            ("M868X5", Some("M86.8X5")),
            ("m868x5", Some("M86.8X5")),
            ("B9561", Some("B95.61")),
            ("b95", Some("B95")),
            ("T8450XA", Some("T84.50XA")),
            ("M1A.0", Some("M1A.0")),
            ("hello", None),
            ("M8", None),
            ("123", None),
            ("", None),
            ("M86.", None),
            ("M8.65", None),
            ("M86..5", None),
            ("M86.55201", None),
            ("M86552XAB", None),
            ("M86 552", None),
            (" M86.552", None),
            ("MM6.5", None),
            ("M86.5-", None),
            ("M86.5é", None),
        ];
        for &(raw, want) in cases {
            assert_eq!(normalize_code(raw).as_deref(), want, "{raw:?}");
        }
    }

    #[test]
    fn table_parse_rejects_bad_rows() {
        let bad = [
            "M86.5\t0\n",                 // two columns
            "M86.5\t2\tOther\n",          // billable not 0/1
            "m86.5\t0\tOther\n",          // lower case
            "M865\t0\tOther\n",           // undotted
            "M86.5\t0\t\n",               // empty description
            "M86.6\t0\tA\nM86.5\t0\tB\n", // unsorted
            "M86.5\t0\tA\nM86.5\t0\tA\n", // duplicate
            "M86.5\t0\tA\textra\n",       // four columns
            "# only a comment\n",         // no codes
        ];
        for text in bad {
            assert!(CodeTable::parse(text).is_err(), "{text:?}");
        }
        let ok = CodeTable::parse("# c\nM86\t0\tOsteomyelitis\nM86.9\t1\tUnspecified\n");
        assert_eq!(ok.map(|t| t.len()).ok(), Some(2));
    }

    /// Every in-scope code of the CDC code list is in the table, and no other.
    #[test]
    fn table_matches_official_code_list() {
        let Some(path) = shared_file("code-list-April-2026.txt") else {
            return;
        };
        let list = std::fs::read_to_string(path).expect("read code list");
        let mut official: Vec<String> = list
            .lines()
            .map(str::trim)
            .filter(|code| code.get(..3).is_some_and(|cat| CATEGORIES.contains(&cat)))
            .filter_map(normalize_code)
            .collect();
        official.sort();
        let ours: Vec<&str> = CodeTable::embedded().iter().map(|i| i.code).collect();
        assert_eq!(official, ours);
    }

    /// The hand-checked osteomyelitis extract agrees with the table.
    #[test]
    fn table_matches_osteomyelitis_extract() {
        let Some(path) = shared_file("osteomyelitis-related-codes.tsv") else {
            return;
        };
        let extract = std::fs::read_to_string(path).expect("read extract");
        let table = CodeTable::embedded();
        let mut checked = 0;
        let mut wrong = Vec::new();
        for line in extract.lines().filter(|l| !l.trim().is_empty()) {
            let mut fields = line.split('\t');
            let (Some(code), Some(description)) = (fields.next(), fields.next()) else {
                wrong.push(format!("malformed extract line {line:?}"));
                continue;
            };
            if !CATEGORIES.iter().any(|c| code.starts_with(c)) {
                continue;
            }
            checked += 1;
            match table.get(code) {
                Some(info) if info.code == code && info.description == description => {}
                other => wrong.push(format!("{code} {description:?}: table has {other:?}")),
            }
        }
        assert!(
            wrong.is_empty(),
            "{} mismatches:\n{}",
            wrong.len(),
            wrong.join("\n")
        );
        assert!(checked > 400, "only {checked} extract rows checked");
    }

    #[test]
    fn public_types_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<CodeTable>();
        assert_send_sync::<CodeInfo>();
        #[cfg(feature = "tools")]
        assert_send_sync::<GenerateError>();
    }
}
