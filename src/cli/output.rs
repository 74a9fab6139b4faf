//! Where results go: a file written whole or not at all, or standard
//! output, never an input.
//!
//! `-o FILE` is written to `FILE.partial` in the same directory and renamed
//! to `FILE` (the file a symbolic link names, not the link) only when the
//! run has written every record, so a run that
//! fails, is killed or loses power never leaves a complete-looking `FILE`:
//! what it wrote is in `FILE.partial`, whose name says so, and an earlier
//! `FILE` is untouched. A `FILE` that is no regular file (`/dev/null`, a
//! FIFO) is written in place: a rename would replace it with a file. Standard output that is closed (`>&-`) is a
//! failure, not a silent discard: Rust's standard output ignores writes to
//! a closed descriptor.

use anyhow::{bail, Context};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file's identity: device and inode (what a hard link, a symbolic
/// link or another spelling of the path share).
pub type Identity = (u64, u64);

/// The identity of what `meta` describes.
pub fn identity(meta: &std::fs::Metadata) -> Identity {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        (meta.dev(), meta.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        (0, 0)
    }
}

/// What the inputs are, to keep the output off them: the files read and
/// the directories scanned.
#[derive(Default)]
pub struct Inputs {
    /// Every file read (for a scanned tree, every file found in it).
    pub files: std::collections::HashSet<Identity>,
    /// Directories scanned: the output may not be anywhere under them.
    pub dirs: Vec<(Identity, PathBuf)>,
}

impl Inputs {
    /// Fails when writing `path` would write an input: `path` (or its
    /// `.partial`) is an input file, or lies under a scanned directory.
    pub fn check_output(&self, path: &Path) -> anyhow::Result<()> {
        for p in [path.to_path_buf(), partial_path(path)] {
            if let Ok(meta) = std::fs::metadata(&p) {
                if self.files.contains(&identity(&meta)) {
                    bail!(
                        "the output {} is an input: writing it would destroy what is read; choose another -o",
                        p.display()
                    );
                }
            }
        }
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut dir = std::fs::canonicalize(&parent).ok();
        while let Some(d) = dir {
            if let Ok(meta) = std::fs::metadata(&d) {
                let id = identity(&meta);
                if let Some((_, scanned)) = self.dirs.iter().find(|(i, _)| *i == id) {
                    bail!(
                        "the output {} is inside the scanned directory {}: it could be read as input; choose another -o",
                        path.display(),
                        scanned.display()
                    );
                }
            }
            dir = d.parent().map(Path::to_path_buf);
        }
        Ok(())
    }

    /// Fails when standard output is an input file (`>> notes.jsonl`).
    pub fn check_stdout(&self) -> anyhow::Result<()> {
        if let Some(meta) = stdio_metadata(std::io::stdout()) {
            if meta.is_file() && self.files.contains(&identity(&meta)) {
                bail!("standard output is an input file: writing it would destroy what is read");
            }
        }
        Ok(())
    }
}

/// The metadata of what a standard stream is open on; None when closed.
pub fn stdio_metadata(stream: impl std::os::fd::AsFd) -> Option<std::fs::Metadata> {
    let fd = stream.as_fd().try_clone_to_owned().ok()?;
    File::from(fd).metadata().ok()
}

/// Fails when standard output is closed. Rust's runtime reopens a closed
/// standard descriptor on `/dev/null` for reading and writing before
/// `main`, so every result would vanish with no error; a shell's
/// `> /dev/null` opens it for writing only and passes.
pub fn require_stdout() -> anyhow::Result<()> {
    if stdout_was_closed() {
        bail!(
            "standard output is closed (>&-): the results would be lost; give -o FILE, or > /dev/null to discard them"
        );
    }
    Ok(())
}

#[cfg(target_os = "linux")]
fn stdout_was_closed() -> bool {
    use std::os::unix::fs::MetadataExt;
    let Some(out) = stdio_metadata(std::io::stdout()) else {
        return true;
    };
    let Ok(null) = std::fs::metadata("/dev/null") else {
        return false;
    };
    if out.rdev() != null.rdev() || out.dev() != null.dev() || out.ino() != null.ino() {
        return false;
    }
    // The access mode: O_RDWR (2) is how the runtime reopens it.
    let info = std::fs::read_to_string("/proc/self/fdinfo/1").unwrap_or_default();
    info.lines()
        .find_map(|l| l.strip_prefix("flags:"))
        .and_then(|f| u32::from_str_radix(f.trim(), 8).ok())
        .is_some_and(|flags| flags & 3 == 2)
}

#[cfg(not(target_os = "linux"))]
fn stdout_was_closed() -> bool {
    stdio_metadata(std::io::stdout()).is_none()
}

/// `FILE.partial`, beside `FILE`.
pub fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    path.with_file_name(name)
}

/// Results being written: to standard output, or to a `.partial` file
/// renamed into place by [`Output::finish`].
pub enum Output {
    /// Standard output, buffered.
    Stdout(BufWriter<std::io::StdoutLock<'static>>),
    /// Something that is no regular file (`/dev/null`, a FIFO, a terminal),
    /// written in place: renaming a file over it would replace the device
    /// or pipe with a regular file.
    Device {
        /// The buffered device.
        writer: BufWriter<File>,
        /// Its name.
        path: PathBuf,
    },
    /// A file being written under its `.partial` name.
    File {
        /// The buffered `.partial` file.
        writer: BufWriter<File>,
        /// Its name while written.
        partial: PathBuf,
        /// Its name once complete.
        target: PathBuf,
    },
}

impl Output {
    /// Opens `path` (through its `.partial`), or standard output when
    /// there is none (failing when it is closed).
    pub fn open(path: Option<&Path>) -> anyhow::Result<Output> {
        const BUF: usize = 1 << 20;
        match path {
            Some(p) if std::fs::metadata(p).is_ok_and(|m| !m.is_file() && !m.is_dir()) => {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(p)
                    .with_context(|| format!("opening {}", p.display()))?;
                Ok(Output::Device {
                    writer: BufWriter::with_capacity(BUF, file),
                    path: p.to_path_buf(),
                })
            }
            Some(p) => {
                // A symbolic link is followed: the file it names is
                // replaced, not the link.
                let p = &std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
                let partial = partial_path(p);
                let file = File::create(&partial)
                    .with_context(|| format!("creating {}", partial.display()))?;
                Ok(Output::File {
                    writer: BufWriter::with_capacity(BUF, file),
                    partial,
                    target: p.to_path_buf(),
                })
            }
            None => {
                require_stdout()?;
                Ok(Output::Stdout(BufWriter::with_capacity(
                    BUF,
                    std::io::stdout().lock(),
                )))
            }
        }
    }

    /// Flushes everything and, for a file, moves it to its final name.
    pub fn finish(self) -> anyhow::Result<()> {
        match self {
            Output::Stdout(mut w) => w.flush().context("writing to standard output"),
            Output::Device { mut writer, path } => writer
                .flush()
                .with_context(|| format!("writing {}", path.display())),
            Output::File {
                writer,
                partial,
                target,
            } => {
                let file = writer
                    .into_inner()
                    .map_err(|e| e.into_error())
                    .with_context(|| format!("writing {}", partial.display()))?;
                // On disk before the rename, so the complete name never
                // points at missing data after a crash.
                file.sync_all()
                    .with_context(|| format!("writing {}", partial.display()))?;
                std::fs::rename(&partial, &target).with_context(|| {
                    format!("renaming {} to {}", partial.display(), target.display())
                })
            }
        }
    }

    /// What became of the output when the run failed before
    /// [`Output::finish`].
    pub fn failed_note(&self) -> String {
        match self {
            Output::Stdout(_) => "standard output holds only part of the results".to_string(),
            Output::Device { path, .. } => {
                format!("{} holds only part of the results", path.display())
            }
            Output::File {
                partial, target, ..
            } => format!(
                "the results written so far are in {} (incomplete; {} was not written)",
                partial.display(),
                target.display()
            ),
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Output::Stdout(w) => w.write(buf),
            Output::Device { writer, .. } | Output::File { writer, .. } => writer.write(buf),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match self {
            Output::Stdout(w) => w.write_all(buf),
            Output::Device { writer, .. } | Output::File { writer, .. } => writer.write_all(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Output::Stdout(w) => w.flush(),
            Output::Device { writer, .. } | Output::File { writer, .. } => writer.flush(),
        }
    }
}
