//! Opening inputs: the format from the caller or the path, `.gz` read
//! transparently, `-` for standard input.
//!
//! | path                                 | format |
//! |--------------------------------------|--------|
//! | a directory                          | [`dir::READER`]: every `.txt` (or `.txt.gz`) file under it |
//! | `*.jsonl`, `*.json`                  | [`jsonl::READER`] |
//! | `*.ndjson`                           | [`fhir::READER`] (FHIR Bulk Data export files) |
//! | `*.csv`                              | [`csv::READER`] |
//! | `*.txt`                              | [`dir::READER`]: the file is one note |
//! | anything else, standard input        | [`jsonl::READER`] (the first of [`READERS`]) |
//!
//! The table follows from [`READERS`]: each reader's extensions, the one
//! with a tree function for a directory, the first for the rest.
//!
//! A trailing `.gz` is looked through (`notes.jsonl.gz` is JSONL) and the
//! file is decompressed while read, whatever the format; standard input is
//! decompressed when it starts with the gzip magic bytes. A gzip stream
//! that is cut short ends that input with one error record at the record
//! being read, saying so; the records before it stand, and byte offsets in
//! locations count decompressed bytes. A `.gz` file is first read through
//! once to check each member's checksum ([`verify_gz`]): text decoded
//! from a corrupt member may not be in the file at all, so the records of
//! the members before it are read and the corrupt member becomes one error
//! record naming it, never records of made-up text. (Standard input cannot
//! be read twice: there a corrupt member is found only at its end.) Text in UTF-16 or
//! UTF-32 with a byte-order mark is decoded to UTF-8 (see
//! [`super::unicode`]); its offsets count bytes of the UTF-8.

pub use super::io::{checked_gz, decoder, is_gz, open_gz_file, verify_gz, Counted, GzCheck};
use super::{csv, dir, fhir, jsonl, Item};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// An input's records, in order.
pub type Items = Box<dyn Iterator<Item = Item> + Send>;

/// A scanned tree's records, its size on disk and the files it reads.
pub type Tree = (Items, u64, Vec<std::path::PathBuf>);

/// How a format reads a stream: the stream, the name locations give, the
/// path (`-`: standard input), the config.
pub type ReadFn = fn(Box<dyn BufRead + Send>, String, &Path, &Config) -> Items;

/// How a format reads a directory tree.
pub type TreeFn = fn(&Path, Arc<AtomicU64>, &Config) -> std::io::Result<Tree>;

/// One input format's reader: the names and extensions that choose it,
/// and how it turns a byte stream into [`Items`]. Each format's module
/// defines one as `READER`; [`READERS`] lists them, and that list is the
/// only list of input formats: `--input-format`, its help and errors, and
/// the extensions recognised are read from it. A reader is known by its
/// first name.
pub struct Reader {
    /// The names `--input-format` accepts for it, the first the one shown.
    pub names: &'static [&'static str],
    /// The file extensions (lower case, without `.gz`) that imply it.
    pub extensions: &'static [&'static str],
    /// What it reads, as `scan --help` lists the inputs ("CSV with a
    /// header (...)").
    pub description: &'static str,
    /// Its records from a decompressed, UTF-8 stream.
    pub read: ReadFn,
    /// For the format a directory implies: its records from a tree.
    pub tree: Option<TreeFn>,
}

/// Every input format's reader; the first is the default (standard
/// input, an unknown extension).
pub const READERS: &[Reader] = &[jsonl::READER, csv::READER, dir::READER, fhir::READER];

impl Reader {
    /// The name it is shown by.
    pub fn name(&self) -> &'static str {
        self.names[0]
    }

    /// The default reader: standard input, an unknown extension.
    pub fn default_reader() -> &'static Reader {
        &READERS[0]
    }

    /// The names `--input-format` shows, one per reader, in [`READERS`]
    /// order.
    pub fn names() -> impl Iterator<Item = &'static str> {
        READERS.iter().map(Reader::name)
    }

    /// The reader `--input-format NAME` picks, any of its names.
    pub fn named(name: &str) -> Result<&'static Reader, String> {
        READERS
            .iter()
            .find(|r| r.names.contains(&name))
            .ok_or_else(|| {
                format!(
                    "unknown input format {name:?}; expected one of {}",
                    Reader::names().collect::<Vec<_>>().join(", ")
                )
            })
    }

    /// The reader a path implies (see the module table).
    pub fn of_path(path: &Path) -> &'static Reader {
        if path.is_dir() {
            if let Some(r) = READERS.iter().find(|r| r.tree.is_some()) {
                return r;
            }
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        let ext = name.rsplit_once('.').map(|(_, ext)| ext);
        READERS
            .iter()
            .find(|r| ext.is_some_and(|e| r.extensions.contains(&e)))
            .unwrap_or(Reader::default_reader())
    }
}

impl std::fmt::Debug for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Reader({})", self.name())
    }
}

impl PartialEq for Reader {
    fn eq(&self, other: &Reader) -> bool {
        self.name() == other.name()
    }
}

impl Eq for Reader {}

/// How to read the inputs.
#[derive(Clone, Debug)]
pub struct Config {
    /// The reader of every input; None: from each path.
    pub format: Option<&'static Reader>,
    /// The id and text field (JSONL) or column (CSV) names.
    pub fields: jsonl::Fields,
    /// Longer notes are cut to this many bytes, with a warning.
    pub max_note_bytes: usize,
    /// Read files that symbolic links in a scanned tree lead to outside it.
    pub follow: bool,
    /// Leave note text as the input wrote it where a reader can (a JSONL
    /// string: [`super::Note::json_escaped`]), so [`super::run_with`]
    /// screens it and decodes only what it must, on its workers. Off by
    /// default: every note arrives decoded.
    pub defer_decoding: bool,
    /// With [`Config::defer_decoding`]: the first tier to screen each such
    /// text with as it is read ([`super::jsonl::read_screened`]); see
    /// [`Config::screen_for`]. None by default.
    pub screen: Option<std::sync::Arc<crate::prefilter::Prefilter>>,
}

impl Config {
    /// Where a run on `threads` worker threads writing `findings` screens
    /// the text a reader leaves as written: in the reader (`Some`) when one
    /// thread does the reading and the analysis alike, so the text is
    /// screened while its line is in cache and a cleared note is never
    /// copied; on the workers (None) when there are several, so the screen
    /// runs in parallel; never in the reader for the full evidence map,
    /// which needs every note's text.
    pub fn screen_for(
        analyzer: &crate::Analyzer,
        threads: usize,
        findings: crate::Findings,
    ) -> Option<std::sync::Arc<crate::prefilter::Prefilter>> {
        (threads <= 1 && findings != crate::Findings::All)
            .then(|| std::sync::Arc::new(analyzer.prefilter().clone()))
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            format: None,
            fields: jsonl::Fields::default(),
            max_note_bytes: super::DEFAULT_MAX_NOTE_BYTES,
            follow: false,
            defer_decoding: false,
            screen: None,
        }
    }
}

/// An opened input: its records, and its size on disk when known (for a
/// progress bar; compressed bytes for `.gz`).
pub struct Opened {
    /// The records, in order.
    pub items: Box<dyn Iterator<Item = Item> + Send>,
    /// Bytes to read, when known.
    pub size: Option<u64>,
    /// The files it reads (for a scanned tree, those found in it): what
    /// an output must never be. Empty for standard input.
    pub files: Vec<std::path::PathBuf>,
}

/// Opens `path` (`-`: standard input) for reading as `config` says. Only
/// a path that cannot be opened fails; what goes wrong later becomes error
/// records.
pub fn open(path: &Path, config: &Config, counter: Arc<AtomicU64>) -> std::io::Result<Opened> {
    let stdin = path.as_os_str() == "-";
    let format = config.format.unwrap_or_else(|| {
        if stdin {
            Reader::default_reader()
        } else {
            Reader::of_path(path)
        }
    });
    if let Some(tree) = format.tree.filter(|_| !stdin && path.is_dir()) {
        let (items, size, files) = tree(path, counter, config)?;
        return Ok(Opened {
            items,
            size: Some(size),
            files,
        });
    }
    let name = if stdin {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    };
    let (reader, size): (Box<dyn BufRead + Send>, Option<u64>) = if stdin {
        let raw = Counted::new(std::io::stdin(), counter);
        // Standard input may be gzip'd too: sniff the magic bytes.
        let mut buffered = BufReader::with_capacity(1 << 20, raw);
        let gz = buffered.fill_buf()?.starts_with(&[0x1f, 0x8b]);
        (decoder(buffered, gz), None)
    } else {
        let file = std::fs::File::open(path)?;
        let size = file.metadata().ok().map(|m| m.len());
        if is_gz(path) {
            (open_gz_file(path, counter)?, size)
        } else {
            (decoder(Counted::new(file, counter), false), size)
        }
    };
    // UTF-16/32 with a byte-order mark is decoded to UTF-8.
    let reader: Box<dyn BufRead + Send> = Box::new(super::unicode::Unicode::new(reader));
    let items = (format.read)(reader, name, path, config);
    let files = if stdin {
        Vec::new()
    } else {
        vec![path.to_path_buf()]
    };
    Ok(Opened { items, size, files })
}

/// The id of a single text note: its file name without `.gz`.
pub(crate) fn text_id(path: &Path) -> String {
    if path.as_os_str() == "-" {
        return "<stdin>".to_string();
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    if is_gz(Path::new(&name)) {
        name[..name.len() - 3].to_string()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_follow_the_extension_through_gz() {
        let f = |p: &str| Reader::of_path(Path::new(p)).name();
        assert_eq!(f("a/notes.jsonl"), "jsonl");
        assert_eq!(f("notes.JSONL.gz"), "jsonl");
        assert_eq!(f("NOTEEVENTS.csv.gz"), "csv");
        assert_eq!(f("DocumentReference.000.ndjson"), "fhir");
        assert_eq!(f("note.txt"), "text");
        assert_eq!(f("notes"), "jsonl");
        assert_eq!(Reader::named("ndjson"), Ok(&fhir::READER));
        // A reader added later joins the end of the list.
        let err = Reader::named("xml").unwrap_err();
        assert!(
            err.starts_with("unknown input format \"xml\"; expected one of jsonl, csv, text, fhir"),
            "{err}"
        );
        assert_eq!(text_id(Path::new("d/n1.txt.gz")), "n1.txt");
    }

    #[test]
    fn every_reader_is_found_by_its_names_and_extensions() {
        let names: Vec<&str> = Reader::names().collect();
        assert_eq!(names[..4], ["jsonl", "csv", "text", "fhir"]);
        for r in READERS {
            for name in r.names {
                assert_eq!(Reader::named(name), Ok(r));
            }
            for ext in r.extensions {
                assert_eq!(Reader::of_path(Path::new(&format!("n.{ext}.gz"))), r);
            }
        }
    }
}
