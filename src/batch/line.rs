//! Bounded line reading for the JSON line formats (JSONL, FHIR NDJSON):
//! a line is streamed, never held whole, so a hostile line (gigabytes of
//! zeros, a note of NULs, a huge base64 attachment) costs the reader's
//! budget, not its size.
//!
//! While a line streams through, a small JSON tokenizer follows it: each
//! string keeps at most [`Limits::string`] bytes of its escaped form (a
//! raw control character counted as the six bytes of the `\u00XX` it is
//! repaired to), cut where a character or an escape starts, and is closed
//! with its quote, so the kept line is still the JSON it was with long
//! strings shortened. The rest of each cut string is skipped but counted,
//! so the note's warning can give its whole size. All the line keeps,
//! strings and structure, is bounded by [`Limits::line`]; a line whose
//! structure alone runs past it (no JSON object has that much outside its
//! strings) is skipped to its end and reported as too long.
//!
//! `read_lines` is the line loop the line readers share: blank lines
//! skipped, a byte-order mark handled, each line located and parsed.

use super::{location, Item, Note, ReadError};
pub use crate::json_text::string_ordinal;
use crate::json_text::{hex_digit, unit_decoded_len, SHORT_LEN, UNIT_LEN};
use std::io::BufRead;

/// How much of a line is kept.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Bytes of one string's escaped form kept.
    pub string: usize,
    /// Bytes of one line kept in all.
    pub line: usize,
}

/// Room kept after the strings for the structure that closes the line.
const STRUCTURE: usize = 64 << 10;

impl Limits {
    /// The limits for notes of at most `max_note_bytes`: a string keeps
    /// 4/3 of it (base64 attachments, escapes) and some slack to cut at a
    /// character; a line keeps one such string and 1 MiB of the rest.
    pub fn for_notes(max_note_bytes: usize) -> Limits {
        let string = max_note_bytes
            .saturating_add(max_note_bytes / 3)
            .saturating_add(64);
        Limits {
            string,
            line: string.saturating_add(1 << 20),
        }
    }
}

/// A string the reader shortened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cut {
    /// Which string of the line it is, counting from 0 (keys included).
    pub ordinal: usize,
    /// Bytes of its content in the input, escaped form.
    pub raw_len: u64,
    /// Bytes of its content once unescaped (escapes decoded; other bytes,
    /// invalid UTF-8 included, counted one each).
    pub decoded_len: u64,
}

impl Cut {
    /// The cut of the last string opened (`strings` counts them), its
    /// whole escaped and unescaped sizes.
    fn of(strings: usize, raw: u64, decoded: u64) -> Cut {
        Cut {
            ordinal: strings - 1,
            raw_len: raw,
            decoded_len: decoded,
        }
    }
}

/// One line as kept.
#[derive(Debug, Default)]
pub struct Line {
    /// Bytes read from the input, line break included.
    pub read: u64,
    /// The strings cut, in order.
    pub cuts: Vec<Cut>,
    /// True when the line's structure outside strings ran past
    /// [`Limits::line`]: the kept bytes are not a record.
    pub overlong: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Outside,
    /// In a string, at the start of a character or an escape.
    InString,
    /// After a backslash.
    Escape,
    /// Inside `\uXXXX`: hex digits still to come, the value so far.
    Unicode(u8, u32),
    /// Inside a multi-byte UTF-8 character: continuation bytes to come.
    Utf8(u8),
}

/// The kept bytes of the next line go to `buf` (cleared first), the line
/// break included. Returns None at the end of the input.
pub fn read_line<R: BufRead + ?Sized>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    limits: Limits,
) -> std::io::Result<Option<Line>> {
    read_line_with(reader, buf, limits, true)
}

/// [`read_line`], with the fast path for short whole lines on or off (off
/// only to test that it keeps what the byte loop keeps).
fn read_line_with<R: BufRead + ?Sized>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    limits: Limits,
    fast: bool,
) -> std::io::Result<Option<Line>> {
    buf.clear();
    let mut line = Line::default();
    let mut state = State::Outside;
    // Within the current string: its ordinal, whether its rest is being
    // skipped, the escaped bytes kept (in repaired size) and its whole
    // sizes.
    let mut strings = 0usize;
    let mut skipping = false;
    let mut kept = 0usize;
    let mut raw = 0u64;
    let mut decoded = 0u64;
    let mut string_room = 0usize;
    let reserve = (limits.line / 4).min(STRUCTURE);
    // Fast path, nearly every line: the whole line is in the buffer and too
    // short for any limit to bite, even were every byte repaired to its
    // largest size (six, a raw control character's `\u00XX`). It is kept
    // as it is, as the byte loop would keep it, without the loop.
    if fast {
        let chunk = loop {
            match reader.fill_buf() {
                Ok(c) => break c,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        if chunk.is_empty() {
            return Ok(None);
        }
        if let Some(p) = memchr::memchr(b'\n', chunk) {
            let n = p + 1;
            let worst = n.saturating_mul(UNIT_LEN);
            if worst <= limits.string && worst.saturating_add(reserve) <= limits.line {
                buf.extend_from_slice(&chunk[..n]);
                reader.consume(n);
                line.read = n as u64;
                return Ok(Some(line));
            }
        }
    }
    loop {
        let chunk = match reader.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            if line.read == 0 {
                return Ok(None);
            }
            if skipping {
                // Cut off in the middle of a string: close nothing, so the
                // line reads as cut short, as it is.
                line.cuts.push(Cut::of(strings, raw, decoded));
            }
            return Ok(Some(line));
        }
        let mut used = 0;
        let mut ended = false;
        while used < chunk.len() {
            // Fast paths over runs of plain bytes, the bulk of any line.
            if state == State::InString {
                let rest = &chunk[used..];
                let run = if skipping {
                    memchr::memchr3(b'"', b'\\', b'\n', rest).unwrap_or(rest.len())
                } else {
                    let n = rest
                        .iter()
                        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                        .unwrap_or(rest.len());
                    // What fits, back to a character's start; the byte
                    // loop decides the cut.
                    let mut fit = n.min(string_room.saturating_sub(kept));
                    if fit < n {
                        while fit > 0 && rest[fit] & 0xc0 == 0x80 {
                            fit -= 1;
                        }
                    }
                    if !line.overlong {
                        buf.extend_from_slice(&rest[..fit]);
                    }
                    kept += fit;
                    fit
                };
                raw += run as u64;
                decoded += run as u64;
                used += run;
                if used == chunk.len() {
                    break;
                }
            } else if state == State::Outside && line.overlong {
                match memchr::memchr(b'\n', &chunk[used..]) {
                    Some(p) => {
                        used += p + 1;
                        ended = true;
                        break;
                    }
                    None => {
                        used = chunk.len();
                        break;
                    }
                }
            }
            let b = chunk[used];
            used += 1;
            match state {
                State::Outside => {
                    if b == b'"' {
                        strings += 1;
                        state = State::InString;
                        skipping = false;
                        kept = 0;
                        raw = 0;
                        decoded = 0;
                        // What this string may keep: its own limit, and
                        // what the line has left beyond the structure's
                        // reserve.
                        string_room = limits
                            .string
                            .min(limits.line.saturating_sub(buf.len() + reserve));
                    }
                    if !line.overlong {
                        if buf.len() < limits.line {
                            buf.push(b);
                        } else {
                            line.overlong = true;
                        }
                    }
                    if b == b'\n' {
                        ended = true;
                        break;
                    }
                }
                State::InString => {
                    if b == b'"' {
                        state = State::Outside;
                        if skipping {
                            line.cuts.push(Cut::of(strings, raw, decoded));
                        }
                        if !line.overlong {
                            buf.push(b);
                        }
                        continue;
                    }
                    if b == b'\n' {
                        // A raw line break ends the line even inside a
                        // string: the record is cut there, as before.
                        if skipping {
                            line.cuts.push(Cut::of(strings, raw, decoded));
                        }
                        if !line.overlong {
                            buf.push(b);
                        }
                        ended = true;
                        break;
                    }
                    raw += 1;
                    // The size this token takes once repaired, and the
                    // state after its first byte.
                    let (size, next) = match b {
                        b'\\' => (SHORT_LEN, State::Escape),
                        0x00..=0x1f => (UNIT_LEN, State::InString),
                        0x80..=0xbf => (1, State::InString),
                        0xc0..=0xdf => (2, State::Utf8(1)),
                        0xe0..=0xef => (3, State::Utf8(2)),
                        0xf0..=0xf7 => (4, State::Utf8(3)),
                        _ => (1, State::InString),
                    };
                    if b != b'\\' {
                        decoded += 1;
                    }
                    if !skipping && kept + size > string_room {
                        skipping = true;
                    }
                    if !skipping {
                        kept += size;
                        if !line.overlong {
                            buf.push(b);
                        }
                    }
                    state = next;
                }
                State::Escape => {
                    if b == b'\n' {
                        // A line break ends the line whatever came before.
                        state = State::InString;
                        used -= 1;
                        continue;
                    }
                    raw += 1;
                    if b == b'u' {
                        state = State::Unicode(4, 0);
                        if !skipping {
                            kept += UNIT_LEN - SHORT_LEN;
                        }
                    } else {
                        decoded += 1;
                        state = State::InString;
                    }
                    if !skipping && !line.overlong {
                        buf.push(b);
                    }
                }
                State::Unicode(left, value) => {
                    if b == b'\n' || b == b'"' {
                        // Not an escape after all; let the string states
                        // see this byte (the repair keeps the backslash).
                        state = State::InString;
                        used -= 1;
                        continue;
                    }
                    raw += 1;
                    let value = value * 16 + hex_digit(b).unwrap_or(0);
                    if left == 1 {
                        decoded += unit_decoded_len(value);
                        state = State::InString;
                    } else {
                        state = State::Unicode(left - 1, value);
                    }
                    if !skipping && !line.overlong {
                        buf.push(b);
                    }
                }
                State::Utf8(left) => {
                    if b & 0xc0 != 0x80 {
                        // Invalid UTF-8: this byte starts something new.
                        state = State::InString;
                        used -= 1;
                        continue;
                    }
                    raw += 1;
                    decoded += 1;
                    state = if left == 1 {
                        State::InString
                    } else {
                        State::Utf8(left - 1)
                    };
                    if !skipping && !line.overlong {
                        buf.push(b);
                    }
                }
            }
        }
        line.read += used as u64;
        reader.consume(used);
        if ended {
            return Ok(Some(line));
        }
    }
}

/// Lines longer than this give their buffer back once parsed, so one huge
/// note does not keep its memory for the rest of the run.
const KEEP_BUFFER: usize = 4 << 20;

/// The line loop shared by the line-oriented readers (JSONL, FHIR NDJSON):
/// each non-blank line, as [`read_line`] keeps it for notes
/// of `max_note_bytes`, parsed by `parse`, located as `name:line (byte N)`.
pub(crate) fn read_lines<R: BufRead>(
    reader: R,
    name: String,
    max_note_bytes: usize,
    mut parse: impl FnMut(&[u8], &[Cut]) -> Result<Note, ReadError>,
) -> impl Iterator<Item = Item> {
    let mut reader = reader;
    let limits = Limits::for_notes(max_note_bytes);
    let mut line_no = 0u64;
    let mut offset = 0u64;
    let mut done = false;
    let mut buf = Vec::new();
    std::iter::from_fn(move || loop {
        if done {
            return None;
        }
        if buf.capacity() > KEEP_BUFFER {
            buf = Vec::new();
        }
        line_no += 1;
        let start = offset;
        let at = location(&name, line_no, start);
        match read_line(&mut reader, &mut buf, limits) {
            Ok(None) => return None,
            Ok(Some(kept)) => {
                offset += kept.read;
                let mut line = &buf[..];
                if start == 0 {
                    if line.starts_with(&[0xFF, 0xFE]) || line.starts_with(&[0xFE, 0xFF]) {
                        done = true;
                        return Some(Item::error(
                            at,
                            None,
                            "the input starts with a UTF-16 byte-order mark; docgap reads UTF-8 \
                             (convert it, e.g. iconv -f UTF-16 -t UTF-8); nothing after it was read",
                        ));
                    }
                    line = line.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(line);
                }
                if kept.overlong {
                    return Some(Item::error(
                        at,
                        None,
                        format!(
                            "not read: a line of {} bytes whose JSON outside its strings runs past {} bytes, \
                             more than any record holds (the limit follows --max-note-bytes)",
                            kept.read, limits.line
                        ),
                    ));
                }
                if line.iter().all(|b| b.is_ascii_whitespace()) {
                    continue;
                }
                return Some(Item {
                    location: at,
                    note: parse(line, &kept.cuts),
                });
            }
            Err(e) => {
                done = true;
                return Some(Item {
                    location: at,
                    note: Err(ReadError {
                        id: None,
                        message: format!("read error: {e}"),
                    }),
                });
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], limits: Limits) -> Vec<(Vec<u8>, Line)> {
        lines_with(input, limits, true)
    }

    /// Each line as kept, with the fast path for short whole lines on or
    /// off.
    fn lines_with(input: &[u8], limits: Limits, fast: bool) -> Vec<(Vec<u8>, Line)> {
        let mut r = input;
        let mut buf = Vec::new();
        let mut out = Vec::new();
        while let Some(l) = read_line_with(&mut r, &mut buf, limits, fast).unwrap() {
            out.push((buf.clone(), l));
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn lines_split_where_line_breaks_are_and_stay_within_the_limits(
            input in proptest::collection::vec(
                proptest::sample::select(b"{}\"\\u0a,: \n\x00\xc3\xa9".to_vec()), 0..300),
            string in 0usize..20,
        ) {
            let whole = lines(&input, Limits { string: usize::MAX / 4, line: usize::MAX / 2 });
            let joined: Vec<u8> = whole.iter().flat_map(|l| l.0.clone()).collect();
            proptest::prop_assert_eq!(&joined, &input);
            proptest::prop_assert!(whole.iter().all(|l| l.1.cuts.is_empty()));
            let breaks = input.iter().filter(|&&b| b == b'\n').count();
            let want = breaks + usize::from(!input.ends_with(b"\n") && !input.is_empty());
            let limits = Limits { string, line: 200 };
            let small = lines(&input, limits);
            proptest::prop_assert_eq!(small.len(), want);
            proptest::prop_assert_eq!(whole.len(), want);
            for (l, w) in small.iter().zip(&whole) {
                proptest::prop_assert_eq!(l.1.read, w.1.read);
                proptest::prop_assert!(l.0.len() <= 200 + 6);
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn the_fast_path_keeps_what_the_byte_loop_keeps(
            input in proptest::collection::vec(
                proptest::sample::select(b"{}\"\\u0a,: \n\x00\x01\xc3\xa9x".to_vec()), 0..400),
            string in 0usize..120,
            line in 0usize..600,
        ) {
            for limits in [Limits { string, line }, Limits::for_notes(string)] {
                let fast = lines(&input, limits);
                let slow = lines_with(&input, limits, false);
                proptest::prop_assert_eq!(fast.len(), slow.len());
                for (f, s) in fast.iter().zip(&slow) {
                    proptest::prop_assert_eq!(&f.0, &s.0);
                    proptest::prop_assert_eq!(f.1.read, s.1.read);
                    proptest::prop_assert_eq!(&f.1.cuts, &s.1.cuts);
                    proptest::prop_assert_eq!(f.1.overlong, s.1.overlong);
                }
            }
        }
    }

    #[test]
    fn short_lines_pass_unchanged() {
        let input = b"{\"id\": \"a\\\"b\", \"text\": \"caf\xc3\xa9 \\u00e9\"}\n\n{\"x\": 1}";
        let got = lines(input, Limits::for_notes(1 << 20));
        assert_eq!(got.len(), 3);
        assert_eq!(got.iter().map(|l| l.0.len()).sum::<usize>(), input.len());
        assert!(got.iter().all(|l| l.1.cuts.is_empty() && !l.1.overlong));
        assert_eq!(got[0].1.read as usize, got[0].0.len());
    }

    #[test]
    fn long_strings_are_cut_at_a_character_and_closed() {
        let text = "é\\n\\u00e9".repeat(100);
        let input = format!("{{\"id\": \"a\", \"text\": \"{text}\", \"z\": 1}}\n");
        let limits = Limits {
            string: 31,
            line: 1 << 20,
        };
        let got = lines(input.as_bytes(), limits);
        let (kept, line) = &got[0];
        let v: serde_json::Value = serde_json::from_slice(kept).unwrap();
        let want: String = serde_json::from_str(&format!("\"{text}\"")).unwrap();
        let kept_text = v["text"].as_str().unwrap();
        assert!(want.starts_with(kept_text) && kept_text.len() < 31);
        assert_eq!(v["z"], 1);
        assert_eq!(
            line.cuts,
            [Cut {
                ordinal: 3,
                raw_len: text.len() as u64,
                decoded_len: want.len() as u64
            }]
        );
        let at = kept.windows(7).position(|w| w == b"\"text\":").unwrap() + 8;
        assert_eq!(string_ordinal(kept, at), 3);
    }

    #[test]
    fn structure_past_the_line_limit_is_skipped_to_the_line_end() {
        let mut input = vec![b'0'; 10_000];
        input.push(b'\n');
        input.extend_from_slice(b"{\"id\": \"b\"}\n");
        let limits = Limits {
            string: 10,
            line: 100,
        };
        let got = lines(&input, limits);
        assert_eq!(got.len(), 2);
        assert!(got[0].1.overlong);
        assert_eq!(got[0].1.read, 10_001);
        assert!(got[0].0.len() <= 100);
        assert_eq!(got[1].0, b"{\"id\": \"b\"}\n");
    }
}
