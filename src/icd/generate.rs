//! Generating the code table from the CDC/NCHS Tabular List XML (the
//! `docgap gen-icd10cm` subcommand; feature `tools`).

use super::{normalize_code, CATEGORIES, RELEASE};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The `<version>` the tabular must carry for [`RELEASE`] to be true.
const TABULAR_VERSION: &str = "2026";

/// The command that writes the committed table; named in its first line.
const GENERATED_BY: &str = "docgap gen-icd10cm --tabular \
     ../shared/icd10cm/icd10c-tabular-April-1-2026.xml.gz -o data/icd10cm-fy2026.tsv";

/// Why the code table could not be generated from a tabular.
#[derive(Debug)]
#[non_exhaustive]
pub enum GenerateError {
    /// The tabular file could not be read or decompressed.
    Io {
        /// The file being read.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The tabular is not well-formed XML.
    Xml(roxmltree::Error),
    /// The tabular names a release other than [`RELEASE`].
    WrongRelease {
        /// The `<version>` found, empty when there was none.
        found: String,
    },
    /// A category of [`CATEGORIES`] is not in the tabular.
    MissingCategory(&'static str),
    /// A `<diag>` lacks its name or description, or its name is no code.
    BadDiag {
        /// The `<name>` text, or what was found instead.
        name: String,
        /// What is wrong with it.
        what: &'static str,
    },
    /// The same code came out twice.
    DuplicateCode(String),
}

impl fmt::Display for GenerateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GenerateError::Io { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            GenerateError::Xml(err) => write!(f, "tabular XML: {err}"),
            GenerateError::WrongRelease { found } => write!(
                f,
                "tabular <version> is {found:?}, expected {TABULAR_VERSION:?} ({RELEASE})"
            ),
            GenerateError::MissingCategory(cat) => {
                write!(f, "category {cat} is not in the tabular")
            }
            GenerateError::BadDiag { name, what } => write!(f, "<diag> {name:?}: {what}"),
            GenerateError::DuplicateCode(code) => write!(f, "code {code} appears twice"),
        }
    }
}

impl std::error::Error for GenerateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            GenerateError::Io { source, .. } => Some(source),
            GenerateError::Xml(err) => Some(err),
            _ => None,
        }
    }
}

impl From<roxmltree::Error> for GenerateError {
    fn from(err: roxmltree::Error) -> Self {
        GenerateError::Xml(err)
    }
}

/// [`generate`] from the gzip'd Tabular List as the CDC ships it.
pub fn generate_from_gz_file(path: &Path) -> Result<String, GenerateError> {
    let io_err = |source| GenerateError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io_err)?;
    let mut xml = String::new();
    flate2::read::GzDecoder::new(std::io::BufReader::new(file))
        .read_to_string(&mut xml)
        .map_err(io_err)?;
    generate(&xml)
}

/// Builds the code table text from the Tabular List XML (`ICD10CM.tabular`).
///
/// Walks each category of [`CATEGORIES`] down to its leaves. A leaf is
/// billable unless its category defines 7th characters (`<sevenChrDef>`,
/// the nearest one up the tree applies): then the leaf is not billable and
/// each extension is a billable code of its own, padded with the placeholder
/// X to six characters (T84.7 → T84.7XXA) and described as
/// `"<leaf description>, <extension>"`.
pub fn generate(xml: &str) -> Result<String, GenerateError> {
    let doc = roxmltree::Document::parse(xml)?;
    let root = doc.root_element();
    let version = child_text(root, "version").unwrap_or_default();
    if version != TABULAR_VERSION {
        return Err(GenerateError::WrongRelease { found: version });
    }

    let mut rows: Vec<(String, bool, String)> = Vec::new();
    for &category in CATEGORIES {
        // Categories sit in chapter/section; only their descendants are walked.
        let diag = root
            .children()
            .filter(|n| n.has_tag_name("chapter"))
            .flat_map(|chapter| chapter.children().filter(|n| n.has_tag_name("section")))
            .flat_map(|section| section.children().filter(|n| n.has_tag_name("diag")))
            .find(|diag| child_text(*diag, "name").as_deref() == Some(category))
            .ok_or(GenerateError::MissingCategory(category))?;
        walk(diag, &[], &mut rows)?;
    }

    rows.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(pair) = rows.windows(2).find(|pair| pair[0].0 == pair[1].0) {
        return Err(GenerateError::DuplicateCode(pair[0].0.clone()));
    }

    let mut out = String::with_capacity(rows.len() * 80);
    out.push_str(&format!("# DO NOT EDIT: generated by `{GENERATED_BY}`\n"));
    out.push_str(&format!("# release: {RELEASE} (CDC/NCHS, public domain)\n"));
    out.push_str("# columns: code<TAB>billable(1/0)<TAB>description\n");
    for (code, billable, description) in &rows {
        let billable = if *billable { '1' } else { '0' };
        out.push_str(&format!("{code}\t{billable}\t{description}\n"));
    }
    Ok(out)
}

/// Emits `diag` and everything under it; `seventh` is the inherited
/// 7th-character definition as (character, meaning) pairs.
fn walk(
    diag: roxmltree::Node<'_, '_>,
    seventh: &[(char, String)],
    rows: &mut Vec<(String, bool, String)>,
) -> Result<(), GenerateError> {
    let raw_name = child_text(diag, "name").unwrap_or_default();
    let bad = |what| GenerateError::BadDiag {
        name: raw_name.clone(),
        what,
    };
    let code = match normalize_code(&raw_name) {
        Some(code) if code == raw_name => code,
        _ => return Err(bad("name is not a dotted upper-case code")),
    };
    let description = child_text(diag, "desc").filter(|d| !d.is_empty());
    let description = description.ok_or_else(|| bad("no <desc>"))?;

    let own_seventh = seven_chr_def(diag);
    let seventh = own_seventh.as_deref().unwrap_or(seventh);
    let children: Vec<_> = diag.children().filter(|n| n.has_tag_name("diag")).collect();

    if !children.is_empty() {
        rows.push((code, false, description));
        for child in children {
            walk(child, seventh, rows)?;
        }
    } else if !seventh.is_empty() {
        // The 7th character always sits 7th: pad with the placeholder X.
        let padded = if code.len() == 3 {
            format!("{code}.")
        } else {
            code.clone()
        };
        let padded = format!("{padded:X<7}");
        for (chr, meaning) in seventh {
            rows.push((
                format!("{padded}{chr}"),
                true,
                format!("{description}, {meaning}"),
            ));
        }
        rows.push((code, false, description));
    } else {
        rows.push((code, true, description));
    }
    Ok(())
}

/// The `<sevenChrDef>` directly on `diag`, if it has one.
fn seven_chr_def(diag: roxmltree::Node<'_, '_>) -> Option<Vec<(char, String)>> {
    let def = diag.children().find(|n| n.has_tag_name("sevenChrDef"))?;
    let extensions = def
        .children()
        .filter(|n| n.has_tag_name("extension"))
        .filter_map(|ext| {
            let chr = ext.attribute("char")?.chars().next()?;
            Some((chr.to_ascii_uppercase(), clean_text(ext)))
        })
        .collect();
    Some(extensions)
}

/// The cleaned text of the first child element of `node` named `tag`.
fn child_text(node: roxmltree::Node<'_, '_>, tag: &str) -> Option<String> {
    node.children()
        .find(|n| n.has_tag_name(tag))
        .map(clean_text)
}

/// All the text under `node`, whitespace runs (tabs, newlines) collapsed to
/// one space, so that a description can never break a TSV row.
fn clean_text(node: roxmltree::Node<'_, '_>) -> String {
    let text: String = node
        .descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::super::tests::shared_file;
    use super::super::EMBEDDED_TEXT;
    use super::*;

    const TABULAR: &str = "icd10c-tabular-April-1-2026.xml.gz";

    #[test]
    fn generate_small_tabular() {
        let xml = r#"<?xml version="1.0"?>
<ICD10CM.tabular><version>2026</version>
<chapter><name>13</name><desc>Chapter</desc>
<section id="M86-M90"><desc>Other osteopathies</desc>
<diag><name>T84</name><desc>Complications</desc>
  <sevenChrDef><extension char="A">initial encounter</extension>
  <extension char="D">subsequent encounter</extension></sevenChrDef>
  <diag><name>T84.7</name><desc>Infection
      due	to other</desc></diag>
  <diag><name>T84.5</name><desc>Infection</desc>
    <diag><name>T84.51</name><desc>Right hip</desc></diag>
  </diag>
</diag>
</section></chapter></ICD10CM.tabular>"#;
        // Only T84 is present, so the others are reported missing.
        match generate(xml) {
            Err(GenerateError::MissingCategory("A02")) => {}
            other => panic!("{other:?}"),
        }
        let mut t84 = Vec::new();
        let doc = roxmltree::Document::parse(xml).unwrap();
        let diag = doc.descendants().find(|n| n.has_tag_name("diag")).unwrap();
        walk(diag, &[], &mut t84).unwrap();
        t84.sort();
        let got: Vec<String> = t84
            .iter()
            .map(|(c, b, d)| format!("{c}|{}|{d}", u8::from(*b)))
            .collect();
        assert_eq!(
            got,
            [
                "T84|0|Complications",
                "T84.5|0|Infection",
                "T84.51|0|Right hip",
                "T84.51XA|1|Right hip, initial encounter",
                "T84.51XD|1|Right hip, subsequent encounter",
                "T84.7|0|Infection due to other",
                "T84.7XXA|1|Infection due to other, initial encounter",
                "T84.7XXD|1|Infection due to other, subsequent encounter",
            ]
        );
        // A category with no subcodes still puts its 7th character 7th.
        let leaf = r#"<diag><name>T07</name><desc>Unspecified multiple injuries</desc>
            <sevenChrDef><extension char="S">sequela</extension></sevenChrDef></diag>"#;
        let doc = roxmltree::Document::parse(leaf).unwrap();
        let mut t07 = Vec::new();
        walk(doc.root_element(), &[], &mut t07).unwrap();
        assert_eq!(t07[0].0, "T07.XXXS");
        let wrong_version = xml.replace("<version>2026</version>", "<version>2025</version>");
        assert!(matches!(
            generate(&wrong_version),
            Err(GenerateError::WrongRelease { .. })
        ));
        assert!(matches!(generate("<not xml"), Err(GenerateError::Xml(_))));
    }

    #[test]
    fn missing_tabular_is_an_io_error() {
        let err = generate_from_gz_file(Path::new("/nonexistent/tabular.xml.gz")).unwrap_err();
        assert!(matches!(err, GenerateError::Io { .. }));
        assert!(
            err.to_string().contains("/nonexistent/tabular.xml.gz"),
            "{err}"
        );
    }

    /// The committed table is exactly what the generator makes of the tabular.
    #[test]
    fn embedded_table_matches_regenerated() {
        let Some(path) = shared_file(TABULAR) else {
            return;
        };
        let generated = generate_from_gz_file(&path).expect("generate");
        if generated != EMBEDDED_TEXT {
            let first = generated
                .lines()
                .zip(EMBEDDED_TEXT.lines())
                .position(|(a, b)| a != b)
                .map_or("(a line count)".to_string(), |i| format!("line {}", i + 1));
            panic!(
                "data/icd10cm-fy2026.tsv is stale or hand-edited; first difference at \
                 {first}; regenerate with `{GENERATED_BY}`"
            );
        }
    }
}
