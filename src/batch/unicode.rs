//! UTF-16 and UTF-32 inputs, recognised by their byte-order mark and
//! decoded to UTF-8 as they stream, so an export saved as "Unicode" by a
//! Windows tool is read rather than refused. Other input passes through
//! untouched. Locations in such an input count bytes of the UTF-8 text.
//!
//! Written here rather than taken from encoding_rs: that crate decodes
//! UTF-16 but not UTF-32, and the whole job is fifty lines.

use std::io::{BufRead, Read};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Not yet looked at.
    Unknown,
    /// No UTF-16/32 mark: passed through.
    Through,
    /// Code units of `width` bytes, big-endian or not.
    Units { width: usize, big: bool },
}

/// A reader giving UTF-8 for UTF-16/32 input with a byte-order mark, and
/// any other input as it is.
pub struct Unicode<R> {
    inner: R,
    mode: Mode,
    out: Vec<u8>,
    pos: usize,
    /// Bytes of a code unit split across reads.
    carry: Vec<u8>,
    /// A high surrogate waiting for its low half.
    high: Option<u32>,
}

impl<R: BufRead> Unicode<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Unicode<R> {
        Unicode {
            inner,
            mode: Mode::Unknown,
            out: Vec::new(),
            pos: 0,
            carry: Vec::new(),
            high: None,
        }
    }

    /// Reads the first four bytes (fewer at the end) and picks the mode;
    /// what follows a mark becomes the first bytes to decode, anything
    /// else the first bytes to pass through.
    fn sniff(&mut self) -> std::io::Result<()> {
        let mut head = Vec::with_capacity(4);
        while head.len() < 4 {
            let b = self.inner.fill_buf()?;
            if b.is_empty() {
                break;
            }
            let n = b.len().min(4 - head.len());
            head.extend_from_slice(&b[..n]);
            self.inner.consume(n);
        }
        let (mode, bom) = if head.starts_with(&[0xFF, 0xFE, 0, 0]) {
            (
                Mode::Units {
                    width: 4,
                    big: false,
                },
                4,
            )
        } else if head.starts_with(&[0, 0, 0xFE, 0xFF]) {
            (
                Mode::Units {
                    width: 4,
                    big: true,
                },
                4,
            )
        } else if head.starts_with(&[0xFF, 0xFE]) {
            (
                Mode::Units {
                    width: 2,
                    big: false,
                },
                2,
            )
        } else if head.starts_with(&[0xFE, 0xFF]) {
            (
                Mode::Units {
                    width: 2,
                    big: true,
                },
                2,
            )
        } else {
            (Mode::Through, 0)
        };
        self.mode = mode;
        if mode == Mode::Through {
            self.out = head;
            self.pos = 0;
        } else {
            self.carry = head[bom..].to_vec();
        }
        Ok(())
    }

    fn push(&mut self, c: u32) {
        let c = char::from_u32(c).unwrap_or('\u{fffd}');
        self.out
            .extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
    }

    /// Decodes the next input into `out`; leaves it empty at the end.
    fn decode(&mut self, width: usize, big: bool) -> std::io::Result<()> {
        self.out.clear();
        self.pos = 0;
        while self.out.is_empty() {
            let mut units = std::mem::take(&mut self.carry);
            let b = self.inner.fill_buf()?;
            let end = b.is_empty();
            units.extend_from_slice(b);
            let n = b.len();
            self.inner.consume(n);
            let whole = units.len() / width * width;
            self.carry = units[whole..].to_vec();
            self.units(&units[..whole], width, big);
            if end {
                if !self.carry.is_empty() || self.high.take().is_some() {
                    // A cut unit or a lone high surrogate at the end.
                    self.carry.clear();
                    self.push(0xFFFD);
                }
                return Ok(());
            }
        }
        Ok(())
    }

    fn units(&mut self, units: &[u8], width: usize, big: bool) {
        for u in units.chunks_exact(width) {
            let v = match (width, big) {
                (2, false) => u32::from(u16::from_le_bytes([u[0], u[1]])),
                (2, true) => u32::from(u16::from_be_bytes([u[0], u[1]])),
                (_, false) => u32::from_le_bytes([u[0], u[1], u[2], u[3]]),
                (_, true) => u32::from_be_bytes([u[0], u[1], u[2], u[3]]),
            };
            match (self.high.take(), v) {
                (Some(h), 0xDC00..=0xDFFF) => {
                    self.push(0x10000 + ((h - 0xD800) << 10) + (v - 0xDC00));
                }
                (h, _) => {
                    if h.is_some() {
                        self.push(0xFFFD);
                    }
                    if width == 2 && (0xD800..=0xDBFF).contains(&v) {
                        self.high = Some(v);
                    } else {
                        self.push(v);
                    }
                }
            }
        }
    }
}

impl<R: BufRead> BufRead for Unicode<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.mode == Mode::Unknown {
            self.sniff()?;
        }
        match self.mode {
            Mode::Units { width, big } => {
                if self.pos == self.out.len() {
                    self.decode(width, big)?;
                }
                Ok(&self.out[self.pos..])
            }
            _ if self.pos < self.out.len() => Ok(&self.out[self.pos..]),
            _ => self.inner.fill_buf(),
        }
    }

    fn consume(&mut self, n: usize) {
        match self.mode {
            Mode::Units { .. } => self.pos += n,
            _ if self.pos < self.out.len() => self.pos += n,
            _ => self.inner.consume(n),
        }
    }
}

impl<R: BufRead> Read for Unicode<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = {
            let b = self.fill_buf()?;
            let n = b.len().min(buf.len());
            buf[..n].copy_from_slice(&b[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        // One byte a read, so units split across reads.
        let r = std::io::BufReader::with_capacity(1, bytes);
        Unicode::new(r).read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn every_form_with_a_mark_decodes_and_others_pass() {
        let text = "{\"id\": \"é\", \"text\": \"😟 femur\"}\n";
        let utf16: Vec<u16> = text.encode_utf16().collect();
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(utf16.iter().flat_map(|u| u.to_le_bytes()))
            .collect();
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(utf16.iter().flat_map(|u| u.to_be_bytes()))
            .collect();
        let le32: Vec<u8> = [0xFF, 0xFE, 0, 0]
            .into_iter()
            .chain(text.chars().flat_map(|c| (c as u32).to_le_bytes()))
            .collect();
        let be32: Vec<u8> = [0, 0, 0xFE, 0xFF]
            .into_iter()
            .chain(text.chars().flat_map(|c| (c as u32).to_be_bytes()))
            .collect();
        for input in [&le, &be, &le32, &be32] {
            assert_eq!(String::from_utf8(decode(input)).unwrap(), text);
        }
        assert_eq!(decode(b"plain \xff"), b"plain \xff");
        assert_eq!(decode(b"ab"), b"ab");
        assert_eq!(decode(&[0xFF, 0xFE, b'a', 0]), b"a");
        // A lone surrogate and a cut unit become U+FFFD.
        assert_eq!(
            String::from_utf8(decode(&[0xFF, 0xFE, 0x00, 0xD8, b'a', 0, 7])).unwrap(),
            "\u{fffd}a\u{fffd}"
        );
    }
}
