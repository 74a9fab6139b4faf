//! Lexicon stage: loads, validates and embeds the term lists.
//!
//! Every clinical word docgap knows lives in a human-edited TSV file under
//! `lexicons/`. The same parser reads the copies embedded in the binary and
//! an override directory (`--lexicons DIR`), so a site can add a local
//! spelling without rebuilding, and a bad row is reported as `file:line`.
//!
//! File format (one file per category, see `lexicons/README.md`):
//!
//! ```text
//! # comment
//! term<TAB>value[<TAB>more columns]
//! ```
//!
//! Rows are sorted by lower-cased term and a term appears once per file;
//! both are checked on load so that a file stays easy to review.

mod context_rule;
mod value;

pub use context_rule::{ContextRule, Direction, TriggerKind};
pub use value::{
    Acuity, ConditionKind, CrmoCue, CultureResult, Route, SectionKind, Sickle, Side, SiteGroup,
    SpecimenKind, Value,
};

use crate::keyed::keyed_enum;
use std::fmt;
use std::path::{Path, PathBuf};

keyed_enum! {
    key = key, noun = "Category";
    /// What kind of clinical fact a term names.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum Category {
        /// Osteomyelitis and its named forms (Brodie's abscess, CRMO).
        Condition => "condition",
        /// A bone or skeletal region, mapped to its ICD-10-CM site group.
        Site => "site",
        /// Right, left, bilateral.
        Side => "side",
        /// Route of infection: hematogenous or one of the others.
        Route => "route",
        /// An infectious agent, mapped to its B95-B97 (or replacing) code.
        Organism => "organism",
        /// Where a culture or biopsy came from.
        Specimen => "specimen",
        /// A culture result without an organism ("no growth").
        CultureResult => "culture_result",
        /// An imaging finding (sequestrum, periosteal reaction, ...).
        Imaging => "imaging",
        /// An imaging modality (MRI, CT, bone scan, ...).
        Modality => "modality",
        /// Acute, subacute, chronic.
        Acuity => "acuity",
        /// Sinus tract or draining sinus.
        Sinus => "sinus",
        /// Major osseous defect (M89.7-).
        Defect => "defect",
        /// Sickle cell disease and its genotypes (D57.-).
        Sickle => "sickle",
        /// Features of chronic nonbacterial (CRMO/CNO) disease.
        Crmo => "crmo",
        /// A vague region or plural that names no bone.
        Vague => "vague",
        /// A ConText trigger (negation, uncertainty, history, experiencer, ...).
        Context => "context",
        /// A section header.
        Section => "section",
        /// A word that shows a shorthand term means something else
        /// ("otitis" beside "OM", "osteosarcoma" beside "osteo").
        Sense => "sense",
        /// duration.tsv: units of time, kept where a count makes a length.
        Duration => "duration",
        /// An ICD-10-CM code written in the note: read by pattern
        /// (src/evidence/codes.rs), not from a lexicon file.
        Code => "code",
    }
}

/// Declares the lexicon files once: [`FILES`] (name and category) and the
/// embedded copies of the same files, which cannot disagree.
macro_rules! lexicon_files {
    ($($file:literal => $category:ident),+ $(,)?) => {
        /// The lexicon files, in load order, with the category each holds.
        pub const FILES: &[(&str, Category)] = &[$(($file, Category::$category)),+];

        const EMBEDDED: &[(&str, &str)] =
            &[$(($file, include_str!(concat!("../../lexicons/", $file)))),+];
    };
}

lexicon_files! {
    "acuity.tsv" => Acuity,
    "condition.tsv" => Condition,
    "context.tsv" => Context,
    "crmo.tsv" => Crmo,
    "culture_result.tsv" => CultureResult,
    "defect.tsv" => Defect,
    "duration.tsv" => Duration,
    "imaging.tsv" => Imaging,
    "modality.tsv" => Modality,
    "organism.tsv" => Organism,
    "route.tsv" => Route,
    "section.tsv" => Section,
    "sense.tsv" => Sense,
    "sickle.tsv" => Sickle,
    "side.tsv" => Side,
    "sinus.tsv" => Sinus,
    "site.tsv" => Site,
    "specimen.tsv" => Specimen,
    "vague.tsv" => Vague,
}

/// One row of a lexicon file.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The term as written in the file.
    pub term: Box<str>,
    /// The file's category.
    pub category: Category,
    /// The typed value of the row.
    pub value: Value,
    /// Where the row came from, for messages.
    pub origin: Origin,
}

/// File and line of a lexicon row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// File name, or path for an override directory.
    pub file: Box<str>,
    /// 1-based line number.
    pub line: usize,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// A lexicon that failed to load: I/O or a bad row.
#[derive(Debug)]
pub enum LexiconError {
    /// A file could not be read.
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A row is malformed, out of order or duplicated.
    Row {
        /// Where.
        origin: Origin,
        /// What is wrong.
        message: String,
    },
    /// The override directory holds a `.tsv` file docgap does not know.
    UnknownFile(PathBuf),
}

impl fmt::Display for LexiconError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LexiconError::Io { path, source } => write!(f, "{}: {}", path.display(), source),
            LexiconError::Row { origin, message } => write!(f, "{origin}: {message}"),
            LexiconError::UnknownFile(p) => write!(
                f,
                "{}: not a docgap lexicon file (expected one of: {})",
                p.display(),
                FILES.iter().map(|f| f.0).collect::<Vec<_>>().join(", ")
            ),
        }
    }
}

impl std::error::Error for LexiconError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LexiconError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Every term docgap matches, with its typed value.
#[derive(Clone, Debug)]
pub struct Lexicon {
    entries: Vec<Entry>,
}

impl Lexicon {
    /// The lexicons compiled into the binary.
    pub fn embedded() -> Lexicon {
        let mut entries = Vec::new();
        for (name, text) in EMBEDDED {
            let category = category_of(name).expect("embedded file is listed in FILES");
            parse_file(name, text, category, &mut entries)
                .unwrap_or_else(|e| panic!("embedded lexicon is invalid: {e}"));
        }
        Lexicon { entries }
    }

    /// The embedded lexicons, with every file present in `dir` replacing
    /// its embedded namesake. A `.tsv` file with an unknown name is an
    /// error, so a misspelt override is not silently ignored.
    pub fn with_overrides(dir: &Path) -> Result<Lexicon, LexiconError> {
        let read_dir = std::fs::read_dir(dir).map_err(|source| LexiconError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut overrides: Vec<(String, PathBuf)> = Vec::new();
        for item in read_dir {
            let item = item.map_err(|source| LexiconError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
            let path = item.path();
            let name = item.file_name().to_string_lossy().into_owned();
            if !name.ends_with(".tsv") {
                continue;
            }
            if category_of(&name).is_none() {
                return Err(LexiconError::UnknownFile(path));
            }
            overrides.push((name, path));
        }
        let mut entries = Vec::new();
        for (name, text) in EMBEDDED {
            let category = category_of(name).expect("embedded file is listed in FILES");
            match overrides.iter().find(|(n, _)| n == name) {
                Some((_, path)) => {
                    let text = read_override(path)?;
                    let file = path.display().to_string();
                    let before = entries.len();
                    parse_file(&file, &text, category, &mut entries)?;
                    // An empty override turns a category's detection off:
                    // only on purpose.
                    if entries.len() == before && !text.lines().any(|l| l.trim_end() == ALLOW_EMPTY)
                    {
                        return Err(LexiconError::Row {
                            origin: Origin {
                                file: file.into(),
                                line: text.lines().count().max(1),
                            },
                            message: format!(
                                "no entries: this override would turn off every {name} match; \
                                 add a line {ALLOW_EMPTY:?} if that is meant"
                            ),
                        });
                    }
                }
                None => parse_file(name, text, category, &mut entries)?,
            }
        }
        Ok(Lexicon { entries })
    }

    /// Parses one file's text as `category` (for tests and tools).
    pub fn parse(name: &str, text: &str, category: Category) -> Result<Lexicon, LexiconError> {
        let mut entries = Vec::new();
        parse_file(name, text, category, &mut entries)?;
        Ok(Lexicon { entries })
    }

    /// All rows, in file order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The rows of one category.
    pub fn of(&self, category: Category) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(move |e| e.category == category)
    }

    /// The raw text of an embedded lexicon file, by name.
    pub fn embedded_text(name: &str) -> Option<&'static str> {
        EMBEDDED.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
    }
}

/// The line that lets an override file hold no entries.
pub const ALLOW_EMPTY: &str = "# allow-empty";

/// An override file's text: a regular file (a FIFO would block the load
/// forever) in UTF-8, a bad byte reported at its line.
fn read_override(path: &Path) -> Result<String, LexiconError> {
    let io = |source| LexiconError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file: a lexicon override must be a plain .tsv file",
        )));
    }
    let bytes = std::fs::read(path).map_err(io)?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        let column = at
            - bytes[..at]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1);
        LexiconError::Row {
            origin: Origin {
                file: path.display().to_string().into(),
                line,
            },
            message: format!("not valid UTF-8 (byte {} of the line)", column + 1),
        }
    })
}

fn category_of(name: &str) -> Option<Category> {
    FILES.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
}

/// The key rows are sorted and deduplicated by.
fn sort_key(term: &str) -> String {
    term.to_ascii_lowercase()
}

fn parse_file(
    name: &str,
    text: &str,
    category: Category,
    out: &mut Vec<Entry>,
) -> Result<(), LexiconError> {
    let mut previous: Option<String> = None;
    for (index, raw) in text.lines().enumerate() {
        let origin = Origin {
            file: name.into(),
            line: index + 1,
        };
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let term = fields[0];
        let bad = |message: String| LexiconError::Row {
            origin: origin.clone(),
            message,
        };
        if term.trim() != term || term.is_empty() {
            return Err(bad(format!(
                "term {term:?} is empty or has leading/trailing spaces"
            )));
        }
        if term.contains("  ") {
            return Err(bad(format!("term {term:?} has a double space")));
        }
        let key = sort_key(term);
        if let Some(prev) = &previous {
            if key == *prev {
                return Err(bad(format!("duplicate term {term:?}")));
            }
            if key < *prev {
                return Err(bad(format!(
                    "term {term:?} is out of order: rows are sorted by lower-cased term, and it comes before {prev:?}"
                )));
            }
        }
        previous = Some(key);
        let value = parse_value(category, &fields[1..]).map_err(bad)?;
        out.push(Entry {
            term: term.into(),
            category,
            value,
            origin,
        });
    }
    Ok(())
}

fn parse_value(category: Category, fields: &[&str]) -> Result<Value, String> {
    let one = |what: &str| -> Result<&str, String> {
        match fields {
            [v] => Ok(v),
            _ => Err(format!(
                "expected 2 columns: term<TAB>{what}; found {}",
                fields.len() + 1
            )),
        }
    };
    Ok(match category {
        Category::Condition => Value::Condition(one("kind")?.parse()?),
        Category::Site => {
            let (group, bone) = match fields {
                [g, b] => (g.parse()?, *b),
                _ => return Err("expected 3 columns: term<TAB>site group<TAB>bone".into()),
            };
            if bone.is_empty() || bone.contains(' ') {
                return Err(format!("bone {bone:?} must be one word (use _)"));
            }
            Value::Site {
                group,
                bone: bone.into(),
            }
        }
        Category::Side => Value::Side(one("right|left|bilateral")?.parse()?),
        Category::Route => Value::Route(one("route")?.parse()?),
        Category::Organism => {
            let code = one("ICD-10-CM code")?;
            if crate::icd::CodeTable::embedded().get(code).is_none() {
                return Err(format!(
                    "{code:?} is not an ICD-10-CM code in the shipped table"
                ));
            }
            Value::Organism(code.into())
        }
        Category::Specimen => Value::Specimen(one("specimen kind")?.parse()?),
        Category::CultureResult => Value::CultureResult(one("result")?.parse()?),
        Category::Imaging => Value::Imaging(word(one("finding")?)?.into()),
        Category::Modality => Value::Modality(word(one("modality")?)?.into()),
        Category::Acuity => Value::Acuity(one("acute|subacute|chronic|recurrent")?.parse()?),
        Category::Sinus => Value::Sinus(word(one("kind")?)?.into()),
        Category::Defect => Value::Defect(word(one("kind")?)?.into()),
        Category::Sickle => Value::Sickle(one("genotype")?.parse()?),
        Category::Crmo => Value::Crmo(one("cue")?.parse()?),
        Category::Vague => Value::Vague(word(one("kind")?)?.into()),
        Category::Context => Value::Context(ContextRule::parse_fields(fields)?),
        Category::Section => Value::Section(one("section kind")?.parse()?),
        Category::Sense => Value::Sense(word(one("shorthand")?)?.to_ascii_lowercase().into()),
        Category::Code => return Err("codes are read by pattern, not from a lexicon file".into()),
        Category::Duration => match one("week|month|year")? {
            unit @ ("week" | "month" | "year") => Value::Duration(unit.into()),
            other => return Err(format!("unit {other:?}: expected week, month or year")),
        },
    })
}

fn word(v: &str) -> Result<&str, String> {
    if v.is_empty() || v.contains(char::is_whitespace) {
        Err(format!("value {v:?} must be one word (use _)"))
    } else {
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_lexicons_are_valid() {
        let lex = Lexicon::embedded();
        for (name, category) in FILES {
            assert!(lex.of(*category).next().is_some(), "{name} has no rows");
        }
    }

    #[test]
    fn every_category_has_one_file_named_by_its_key() {
        let mut named: Vec<Category> = FILES.iter().map(|(_, c)| *c).collect();
        for (name, category) in FILES {
            assert_eq!(*name, format!("{}.tsv", category.key()));
        }
        // Codes written in a note are read by pattern, not from a file.
        named.push(Category::Code);
        named.sort();
        assert_eq!(named, Category::ALL);
    }

    #[test]
    fn bad_rows_name_file_and_line() {
        let err = Lexicon::parse("side.tsv", "# c\nleft\tleft\nright\tup\n", Category::Side)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("side.tsv:3:"), "{err}");

        let err = Lexicon::parse("side.tsv", "right\tright\nleft\tleft\n", Category::Side)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("side.tsv:2:") && err.contains("out of order"),
            "{err}"
        );

        let err = Lexicon::parse("side.tsv", "left\tleft\nLeft\tleft\n", Category::Side)
            .unwrap_err()
            .to_string();
        assert!(err.contains("duplicate"), "{err}");

        let err = Lexicon::parse("site.tsv", "femur\tfemur\n", Category::Site)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("site.tsv:1:") && err.contains("3 columns"),
            "{err}"
        );

        let err = Lexicon::parse("organism.tsv", "mrsa\tB99.99\n", Category::Organism)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not an ICD-10-CM code"), "{err}");
    }

    #[test]
    fn override_directory_replaces_one_file() {
        let dir = std::env::temp_dir().join(format!("docgap-lex-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("side.tsv"), "gauche\tleft\n").unwrap();
        let lex = Lexicon::with_overrides(&dir).unwrap();
        let sides: Vec<_> = lex.of(Category::Side).map(|e| &*e.term).collect();
        assert_eq!(sides, vec!["gauche"]);
        assert!(lex.of(Category::Site).count() > 50);

        std::fs::write(dir.join("sides.tsv"), "x\tleft\n").unwrap();
        let err = Lexicon::with_overrides(&dir).unwrap_err().to_string();
        assert!(err.contains("not a docgap lexicon file"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
