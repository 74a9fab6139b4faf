//! Plain-text input: a directory tree of `.txt` files (or `.txt.gz`), one
//! note a file, as many EHR extracts and annotation projects ship them.
//!
//! The id is the path relative to the root, with `/` separators
//! (`2024/05/n-001.txt`); files are read in byte order of their relative
//! paths, so the output order is the same on every machine. A file or a
//! directory that cannot be read yields an error record located at its
//! path. Other files are ignored; symbolic links to directories are not
//! followed (no cycles).

use super::source::{decoder, is_gz, Counted};
use super::{Item, Note};
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

enum Entry {
    File(PathBuf),
    Unreadable(PathBuf, String),
}

fn is_text(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    name.ends_with(".txt") || name.ends_with(".txt.gz")
}

fn walk(dir: &Path, out: &mut Vec<Entry>, size: &mut u64) {
    let entries = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            out.push(Entry::Unreadable(dir.to_path_buf(), e.to_string()));
            return;
        }
    };
    let mut children: Vec<(PathBuf, bool)> = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => {
                let path = entry.path();
                let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
                children.push((path, is_dir));
            }
            Err(e) => out.push(Entry::Unreadable(dir.to_path_buf(), e.to_string())),
        }
    }
    children.sort_by(|a, b| a.0.as_os_str().cmp(b.0.as_os_str()));
    for (path, is_dir) in children {
        if is_dir {
            walk(&path, out, size);
        } else if is_text(&path) {
            *size += std::fs::metadata(&path).map_or(0, |m| m.len());
            out.push(Entry::File(path));
        }
    }
}

/// The id of a file under `root`.
fn id_of(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The text of a note file, decoded lossily with a warning when it is not
/// UTF-8.
fn decode(bytes: Vec<u8>) -> (String, Vec<String>) {
    match String::from_utf8(bytes) {
        Ok(s) => (s, Vec::new()),
        Err(e) => (
            String::from_utf8_lossy(e.as_bytes()).into_owned(),
            vec!["text is not valid UTF-8: decoded lossily".to_string()],
        ),
    }
}

/// The `.txt` files under `root`, as items in path order, and their total
/// size on disk. Fails only when `root` itself cannot be listed.
pub fn read(
    root: &Path,
    counter: Arc<AtomicU64>,
) -> std::io::Result<(impl Iterator<Item = Item> + Send, u64)> {
    std::fs::read_dir(root)?;
    let mut entries = Vec::new();
    let mut size = 0;
    walk(root, &mut entries, &mut size);
    let root = root.to_path_buf();
    let items = entries.into_iter().map(move |entry| match entry {
        Entry::Unreadable(path, e) => Item::error(
            path.display().to_string(),
            None,
            format!("cannot list directory: {e}"),
        ),
        Entry::File(path) => {
            let location = path.display().to_string();
            let id = id_of(&root, &path);
            let read = std::fs::File::open(&path).and_then(|f| {
                let mut bytes = Vec::new();
                decoder(Counted::new(f, counter.clone()), is_gz(&path)).read_to_end(&mut bytes)?;
                Ok(bytes)
            });
            match read {
                Ok(bytes) => {
                    let (text, warnings) = decode(bytes);
                    Item {
                        location,
                        note: Ok(Note {
                            id,
                            text,
                            assigned_codes: None,
                            warnings,
                        }),
                    }
                }
                Err(e) => Item::error(location, Some(id), format!("read error: {e}")),
            }
        }
    });
    Ok((items, size))
}

/// One plain-text note from `reader` (a single `.txt` file, or standard
/// input with `--input-format text`).
pub fn read_one(
    reader: Box<dyn BufRead + Send>,
    name: String,
    id: String,
) -> impl Iterator<Item = Item> + Send {
    let mut reader = Some(reader);
    std::iter::from_fn(move || {
        let mut r = reader.take()?;
        let mut bytes = Vec::new();
        Some(match r.read_to_end(&mut bytes) {
            Ok(_) => {
                let (text, warnings) = decode(bytes);
                Item {
                    location: name.clone(),
                    note: Ok(Note {
                        id: id.clone(),
                        text,
                        assigned_codes: None,
                        warnings,
                    }),
                }
            }
            Err(e) => Item::error(name.clone(), Some(id.clone()), format!("read error: {e}")),
        })
    })
}
