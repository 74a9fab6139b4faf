//! Plain-text input: a directory tree of `.txt` files (or `.txt.gz`), one
//! note a file, as many EHR extracts and annotation projects ship them.
//!
//! The id is the path relative to the root, with `/` separators
//! (`2024/05/n-001.txt`); files are read in byte order of their relative
//! paths, so the output order is the same on every machine. A file or a
//! directory that cannot be read yields an error record located at its
//! path, and the run goes on: a file without read permission, a dangling
//! symbolic link, a `.txt` name on something that is not a regular file
//! (a FIFO would block the run forever, a device never end), a `.txt.gz`
//! that is not gzip or is cut short. Other files are ignored; symbolic
//! links to directories are not followed (no cycles). A `.txt` symbolic
//! link whose target lies outside the scanned tree (`passwd.txt ->
//! /etc/passwd`) is not read unless the caller allows it (`--follow`): it
//! yields an error record naming the link and its target.
//!
//! A file is read only up to the reader's byte limit: a huge file costs
//! the limit, not its size. Text that is not UTF-8 is decoded lossily
//! with a warning.

use super::io::{decoder, is_gz, open_gz_file, Counted};
use super::{Item, Note};
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

enum Entry {
    File(PathBuf),
    Unreadable(PathBuf, String),
    /// A symbolic link out of the tree, and where it points.
    Outside(PathBuf, PathBuf),
}

/// How [`read`] walks a tree.
struct Walk {
    /// The tree's root, canonical.
    root: PathBuf,
    /// Read files that symbolic links lead to outside the tree.
    follow: bool,
}

fn is_text(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    name.ends_with(".txt") || name.ends_with(".txt.gz")
}

fn walk(w: &Walk, dir: &Path, out: &mut Vec<Entry>, size: &mut u64) {
    let entries = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            out.push(Entry::Unreadable(dir.to_path_buf(), e.to_string()));
            return;
        }
    };
    let mut children: Vec<(PathBuf, bool, bool)> = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => {
                let path = entry.path();
                let t = entry.file_type();
                let is_dir = t.as_ref().is_ok_and(|t| t.is_dir());
                let is_link = t.as_ref().is_ok_and(|t| t.is_symlink());
                children.push((path, is_dir, is_link));
            }
            Err(e) => out.push(Entry::Unreadable(dir.to_path_buf(), e.to_string())),
        }
    }
    children.sort_by(|a, b| a.0.as_os_str().cmp(b.0.as_os_str()));
    for (path, is_dir, is_link) in children {
        if is_dir {
            walk(w, &path, out, size);
        } else if is_text(&path) {
            if is_link && !w.follow {
                // A dangling link is left to fail when read, as before.
                if let Ok(target) = std::fs::canonicalize(&path) {
                    if !target.starts_with(&w.root) {
                        out.push(Entry::Outside(path, target));
                        continue;
                    }
                }
            }
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

/// Reads a note of at most `max` bytes from `r`: its text and warnings
/// (lossy decoding, truncation; `size` is the whole size when known).
fn read_note(
    r: &mut dyn Read,
    max: usize,
    size: Option<u64>,
) -> std::io::Result<(String, Vec<String>)> {
    let mut bytes = Vec::new();
    // A few bytes past the limit, to cut at a character boundary and to
    // know whether there was more.
    let want = (max as u64).saturating_add(4);
    r.take(want).read_to_end(&mut bytes)?;
    Ok(super::decode_capped(bytes.into(), max, size, false))
}

/// What a path is, when it is not a regular file.
fn not_regular(meta: &std::fs::Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_file() {
        return None;
    }
    if t.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("a FIFO");
        }
        if t.is_socket() {
            return Some("a socket");
        }
        if t.is_block_device() || t.is_char_device() {
            return Some("a device");
        }
    }
    Some("not a regular file")
}

/// One file of the tree as an item.
fn read_file(root: &Path, path: &Path, counter: &Arc<AtomicU64>, max: usize) -> Item {
    let location = path.display().to_string();
    let id = id_of(root, path);
    // Metadata follows symbolic links: a dangling one fails here.
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => return Item::error(location, Some(id), format!("cannot read the file: {e}")),
    };
    if let Some(what) = not_regular(&meta) {
        return Item::error(
            location,
            Some(id),
            format!("cannot read the file: it is {what}, not a regular file"),
        );
    }
    let gz = is_gz(path);
    let read = std::fs::File::open(path).and_then(|f| {
        let raw = if gz {
            open_gz_file(path, counter.clone())?
        } else {
            decoder(Counted::new(f, counter.clone()), false)
        };
        let mut r = super::unicode::Unicode::new(raw);
        read_note(&mut r, max, (!gz).then_some(meta.len()))
    });
    match read {
        Ok((text, warnings)) => Item {
            location,
            note: Ok(Note {
                id,
                text,
                assigned_codes: None,
                warnings,
                json_escaped: false,
                cleared: None,
            }),
        },
        Err(e) => Item::error(location, Some(id), format!("read error: {e}")),
    }
}

/// The plain-text reader: `.txt` (the file is one note), and a directory
/// (every `.txt` file under it).
pub const READER: super::source::Reader = super::source::Reader {
    names: &["text", "txt", "dir"],
    extensions: &["txt"],
    description: "a directory tree of .txt files (id = relative path)",
    read: |reader, name, path, config| {
        Box::new(read_one(
            reader,
            name,
            super::source::text_id(path),
            config.max_note_bytes,
        ))
    },
    tree: Some(|root, counter, config| {
        let (items, size, files) = read(root, counter, config.max_note_bytes, config.follow)?;
        Ok((Box::new(items) as super::source::Items, size, files))
    }),
};

/// The `.txt` files under `root`, as items in path order, each note at
/// most `max_note_bytes` bytes, their total size on disk, and the paths
/// of the files to be read. With `follow`, symbolic links leading out of
/// the tree are read too. Fails only when `root` itself cannot be listed.
pub fn read(
    root: &Path,
    counter: Arc<AtomicU64>,
    max_note_bytes: usize,
    follow: bool,
) -> std::io::Result<(impl Iterator<Item = Item> + Send, u64, Vec<PathBuf>)> {
    std::fs::read_dir(root)?;
    let mut entries = Vec::new();
    let mut size = 0;
    let w = Walk {
        root: std::fs::canonicalize(root)?,
        follow,
    };
    walk(&w, root, &mut entries, &mut size);
    let files = entries
        .iter()
        .filter_map(|e| match e {
            Entry::File(p) => Some(p.clone()),
            _ => None,
        })
        .collect();
    let root = root.to_path_buf();
    let items = entries.into_iter().map(move |entry| match entry {
        Entry::Outside(path, target) => Item::error(
            path.display().to_string(),
            Some(id_of(&root, &path)),
            format!(
                "not read: a symbolic link to {}, outside the scanned tree (--follow reads it)",
                target.display()
            ),
        ),
        Entry::Unreadable(path, e) => Item::error(
            path.display().to_string(),
            None,
            format!("cannot list directory: {e}"),
        ),
        Entry::File(path) => read_file(&root, &path, &counter, max_note_bytes),
    });
    Ok((items, size, files))
}

/// One plain-text note from `reader` (a single `.txt` file, or standard
/// input with `--input-format text`), at most `max_note_bytes` bytes.
pub fn read_one(
    reader: Box<dyn BufRead + Send>,
    name: String,
    id: String,
    max_note_bytes: usize,
) -> impl Iterator<Item = Item> + Send {
    let mut reader = Some(reader);
    std::iter::from_fn(move || {
        let mut r = reader.take()?;
        Some(match read_note(&mut r, max_note_bytes, None) {
            Ok((text, warnings)) => Item {
                location: name.clone(),
                note: Ok(Note {
                    id: id.clone(),
                    text,
                    assigned_codes: None,
                    warnings,
                    json_escaped: false,
                    cleared: None,
                }),
            },
            Err(e) => Item::error(name.clone(), Some(id.clone()), format!("read error: {e}")),
        })
    })
}
