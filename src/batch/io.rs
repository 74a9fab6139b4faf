//! Reading input bytes: progress counting, buffering, and gzip, checked
//! member by member before a `.gz` file is read (see [`verify_gz`]). Used
//! by [`super::source`] for files and standard input and by [`super::dir`]
//! for the files of a tree.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Counts the bytes read through it into a shared counter: progress in
/// input bytes, whatever the format.
pub struct Counted<R> {
    inner: R,
    counter: Arc<AtomicU64>,
}

impl<R> Counted<R> {
    /// Wraps `inner`, adding to `counter`.
    pub fn new(inner: R, counter: Arc<AtomicU64>) -> Counted<R> {
        Counted { inner, counter }
    }
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// True when `path` names a gzip file.
pub fn is_gz(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}

/// Buffered reading of `raw`, decompressed when `gz`.
pub fn decoder<R: Read + Send + 'static>(raw: R, gz: bool) -> Box<dyn BufRead + Send> {
    const BUF: usize = 1 << 20;
    if gz {
        Box::new(BufReader::with_capacity(
            BUF,
            GzErrors(flate2::read::MultiGzDecoder::new(BufReader::with_capacity(
                BUF, raw,
            ))),
        ))
    } else {
        Box::new(BufReader::with_capacity(BUF, raw))
    }
}

/// What reading a `.gz` file through found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GzCheck {
    /// Every member's checksum holds.
    Sound,
    /// The file ends inside a member: what was decoded before the cut is
    /// the file's text, and the reader reports the cut where it meets it.
    Cut,
    /// A member is corrupt: `trusted` decompressed bytes (the members
    /// before it) are sound; `message` says which member failed.
    Corrupt {
        /// Decompressed bytes of the sound members before the corrupt one.
        trusted: u64,
        /// Which member failed, and why.
        message: String,
    },
}

/// Reads the gzip stream `raw` through, member by member, without keeping
/// what it decodes, and says whether its checksums hold. Memory is the
/// decoder's buffers, whatever the stream holds.
pub fn verify_gz<R: BufRead>(mut raw: R) -> std::io::Result<GzCheck> {
    let mut trusted = 0u64;
    let mut member = 0u64;
    let mut at = 0u64;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        if raw.fill_buf()?.is_empty() {
            return Ok(GzCheck::Sound);
        }
        member += 1;
        let mut counted = CountedBuf {
            inner: &mut raw,
            n: 0,
        };
        let mut z = flate2::bufread::GzDecoder::new(&mut counted);
        let mut n = 0u64;
        let fault = loop {
            match z.read(&mut buf) {
                Ok(0) => break None,
                Ok(k) => n += k as u64,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => break Some(e),
            }
        };
        drop(z);
        let start = at;
        at += counted.n;
        match fault {
            None => trusted += n,
            Some(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(GzCheck::Cut),
            Some(e) => {
                let message = format!(
                    "the gzip stream is corrupt: member {member} (from compressed byte \
                     {start}) fails its check ({e}); its text is not read, since text \
                     decoded from a corrupt stream may not be in the file"
                );
                return Ok(GzCheck::Corrupt { trusted, message });
            }
        }
    }
}

/// Counts the bytes consumed through a buffered reader.
struct CountedBuf<'a, R> {
    inner: &'a mut R,
    n: u64,
}

impl<R: BufRead> Read for CountedBuf<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.n += k as u64;
        Ok(k)
    }
}

impl<R: BufRead> BufRead for CountedBuf<'_, R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, k: usize) {
        self.n += k as u64;
        self.inner.consume(k);
    }
}

/// Buffered, decompressed reading of the gzip file `path`, checked first
/// by [`verify_gz`]: a corrupt member ends the text where the sound
/// members end, with an error saying which member failed.
pub fn open_gz_file(
    path: &Path,
    counter: Arc<AtomicU64>,
) -> std::io::Result<Box<dyn BufRead + Send>> {
    let check = verify_gz(BufReader::with_capacity(
        1 << 16,
        std::fs::File::open(path)?,
    ))?;
    let file = std::fs::File::open(path)?;
    Ok(checked_gz(Counted::new(file, counter), check))
}

/// Buffered, decompressed reading of the gzip stream `raw`, which
/// [`verify_gz`] found to be as `check` says: read whole when sound or
/// cut, up to the corrupt member and then its error when corrupt.
pub fn checked_gz<R: Read + Send + 'static>(raw: R, check: GzCheck) -> Box<dyn BufRead + Send> {
    let reader = decoder(raw, true);
    match check {
        GzCheck::Sound | GzCheck::Cut => reader,
        GzCheck::Corrupt { trusted, message } => Box::new(BufReader::new(Trusted {
            inner: reader.take(trusted),
            message: Some(message),
        })),
    }
}

/// The sound part of a decompressed stream, then the error that ends it.
struct Trusted<R> {
    inner: std::io::Take<R>,
    message: Option<String>,
}

impl<R: Read> Read for Trusted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            if let Some(m) = &self.message {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    m.clone(),
                ));
            }
        }
        Ok(n)
    }
}

/// Says what a gzip decoder's error means for the input.
struct GzErrors<R>(R);

impl<R: Read> Read for GzErrors<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf).map_err(|e| {
            let what = match e.kind() {
                std::io::ErrorKind::UnexpectedEof => {
                    "the gzip stream ends early: the file is cut short"
                }
                std::io::ErrorKind::InvalidInput | std::io::ErrorKind::InvalidData => {
                    "the gzip stream is corrupt"
                }
                _ => "reading the gzip stream failed",
            };
            std::io::Error::new(e.kind(), format!("{what} ({e})"))
        })
    }
}
