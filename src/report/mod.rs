//! Report (after output): one self-contained HTML file for a CDI team.
//!
//! Reads the scan's JSONL results (and, optionally, the notes they came
//! from) and writes a page with a summary (counts per flag and per code,
//! as inline SVG charts), a worklist in review order, paged and filterable
//! by flag, and a view of each note with its evidence highlighted and each
//! query ready to copy. Nothing is fetched: CSS, script and data are
//! inline, so the file can be mailed or opened offline.
//!
//! Size: the summary is rendered here; the worklist and the note views are
//! rendered by the page's script from one compact JSON document,
//! gzip'd and base64'd (the browser's `DecompressionStream` inflates it),
//! so 100,000 notes are one download, not 100,000 pre-rendered views. A
//! note's text is kept as excerpts around its evidence (whole with
//! [`Options::full_text`]), and only for notes with a gap.

use crate::FlagId;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;

const TEMPLATE: &str = include_str!("report.html");

/// Every flag, heaviest first (ties in `FlagId` order): the review
/// order. Each flag's weight is its `weight` field in
/// `queries/queries.tsv`, where the order is explained.
fn by_weight() -> Vec<(FlagId, u32)> {
    let mut flags: Vec<(FlagId, u32)> = FlagId::ALL
        .iter()
        .map(|&f| (f, crate::queries::weight(f).unwrap_or(1)))
        .collect();
    flags.sort_by_key(|&(_, w)| std::cmp::Reverse(w));
    flags
}

/// What the report holds besides the results.
#[derive(Clone, Debug)]
pub struct Options {
    /// Page title.
    pub title: String,
    /// Embed each flagged note's whole text rather than excerpts.
    pub full_text: bool,
    /// Bytes of text kept either side of each finding in an excerpt.
    pub context: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            title: "docgap report".to_string(),
            full_text: false,
            context: 240,
        }
    }
}

#[derive(Deserialize)]
struct Rec {
    id: Option<String>,
    #[serde(default)]
    codes: Vec<RCode>,
    #[serde(default)]
    flags: Vec<RFlag>,
    #[serde(default)]
    findings: Vec<RFinding>,
    error: Option<RError>,
}

#[derive(Deserialize)]
struct RCode {
    code: String,
    #[serde(default)]
    description: String,
}

#[derive(Deserialize)]
struct RFlag {
    id: String,
    #[serde(default)]
    message: String,
    audience: Option<String>,
    query: Option<String>,
    #[serde(default)]
    indicators: Vec<u32>,
    sentence: Option<RSentence>,
}

#[derive(Deserialize)]
struct RSentence {
    start: usize,
    end: usize,
    text: String,
}

#[derive(Deserialize)]
struct RFinding {
    category: String,
    text: String,
    start: usize,
    end: usize,
    #[serde(default)]
    assertion: BTreeMap<String, bool>,
}

#[derive(Deserialize)]
struct RError {
    location: String,
    message: String,
}

/// Counts and rows gathered from the results.
#[derive(Default)]
pub struct Report {
    /// Records read (notes and error records).
    pub records: usize,
    /// Error records.
    pub errors: usize,
    /// Notes with at least one flag.
    pub with_gaps: usize,
    /// Flag id → notes carrying it.
    pub flag_counts: BTreeMap<String, usize>,
    /// Code → (notes suggesting it, description).
    pub code_counts: BTreeMap<String, (usize, String)>,
    /// Flags addressed to the provider, and to the coder.
    pub provider_queries: usize,
    /// Flags addressed to the coder.
    pub coder_notes: usize,
    /// Notes whose text did not match the results' spans (text dropped).
    pub text_mismatches: usize,
    rows: Vec<Row>,
    categories: Vec<String>,
}

struct Row {
    order: usize,
    score: u32,
    json: String,
}

impl Report {
    /// Adds one results line; `text_of` gives a note's text by id, when
    /// known. A line that is not a result is an error naming its line.
    pub fn add(
        &mut self,
        line_no: usize,
        line: &str,
        text_of: &mut dyn FnMut(&str) -> Option<String>,
        options: &Options,
    ) -> Result<(), String> {
        let rec: Rec =
            serde_json::from_str(line).map_err(|e| format!("line {line_no}: not a result: {e}"))?;
        self.records += 1;
        let id = rec.id.clone().unwrap_or_default();
        let order = self.rows.len();
        if let Some(e) = &rec.error {
            self.errors += 1;
            let json = serde_json::json!([
                id,
                0,
                [],
                [],
                null,
                [],
                [],
                format!("{}: {}", e.location, e.message)
            ]);
            self.rows.push(Row {
                order,
                score: 0,
                json: json.to_string(),
            });
            return Ok(());
        }
        let mut distinct: Vec<&str> = rec.flags.iter().map(|f| f.id.as_str()).collect();
        distinct.sort_unstable();
        distinct.dedup();
        for f in &distinct {
            *self.flag_counts.entry(f.to_string()).or_default() += 1;
        }
        let mut codes: Vec<&RCode> = rec.codes.iter().collect();
        codes.dedup_by(|a, b| a.code == b.code);
        for c in &codes {
            let e = self
                .code_counts
                .entry(c.code.clone())
                .or_insert((0, c.description.clone()));
            e.0 += 1;
        }
        if !rec.flags.is_empty() {
            self.with_gaps += 1;
        }
        for f in &rec.flags {
            if f.audience.as_deref() == Some("coder") {
                self.coder_notes += 1;
            } else {
                self.provider_queries += 1;
            }
        }
        let score: u32 = distinct
            .iter()
            .map(|f| {
                FlagId::parse(f)
                    .and_then(crate::queries::weight)
                    .unwrap_or(1)
            })
            .sum();
        // The text, only for a note to review, and only when the results'
        // spans point into it (a notes file that is not the one scanned
        // would highlight the wrong words).
        let given = text_of(&id);
        let text = given.as_deref().filter(|t| {
            !rec.flags.is_empty()
                && rec
                    .findings
                    .iter()
                    .all(|f| t.get(f.start..f.end) == Some(f.text.as_str()))
        });
        if given.is_some() && text.is_none() && !rec.flags.is_empty() {
            self.text_mismatches += 1;
        }
        let json = self.note_json(&id, score, &rec, text, options);
        self.rows.push(Row { order, score, json });
        Ok(())
    }

    fn category(&mut self, c: &str) -> usize {
        match self.categories.iter().position(|x| x == c) {
            Some(i) => i,
            None => {
                self.categories.push(c.to_string());
                self.categories.len() - 1
            }
        }
    }

    /// `[id, score, [flag ids], [codes], text|null, [[start, end, category,
    /// affirmed]], [[flag id, audience, query, sentence start, sentence end,
    /// sentence text|null, [indicators]]], error|null]`, offsets in UTF-16
    /// units of the embedded text (what the page's script indexes).
    fn note_json(
        &mut self,
        id: &str,
        score: u32,
        rec: &Rec,
        text: Option<&str>,
        options: &Options,
    ) -> String {
        let flag_ids: Vec<&str> = rec.flags.iter().map(|f| f.id.as_str()).collect();
        let codes: Vec<&str> = rec.codes.iter().map(|c| c.code.as_str()).collect();
        let mut findings = Vec::new();
        let mut flags = Vec::new();
        let embedded = text.map(|t| {
            let mut keep: Vec<(usize, usize)> = Vec::new();
            if options.full_text {
                keep.push((0, t.len()));
            } else {
                for f in &rec.findings {
                    keep.push((
                        f.start.saturating_sub(options.context),
                        (f.end + options.context).min(t.len()),
                    ));
                }
                for f in &rec.flags {
                    if let Some(s) = &f.sentence {
                        keep.push((s.start, s.end.min(t.len())));
                    }
                }
            }
            Excerpt::new(t, keep)
        });
        for f in &rec.findings {
            let cat = self.category(&f.category);
            let affirmed = u8::from(f.assertion.values().all(|v| !v));
            if let Some(ex) = &embedded {
                findings.push(serde_json::json!([
                    ex.map(f.start),
                    ex.map(f.end),
                    cat,
                    affirmed
                ]));
            }
        }
        for f in &rec.flags {
            let query = f.query.as_deref().unwrap_or(&f.message);
            let audience = f.audience.as_deref().unwrap_or("provider");
            let (s, e, st) = match (&f.sentence, &embedded) {
                (Some(s), Some(ex)) => (ex.map(s.start), ex.map(s.end), None),
                (Some(s), None) => (0, 0, Some(s.text.as_str())),
                (None, _) => (0, 0, None),
            };
            flags.push(serde_json::json!([
                f.id,
                audience,
                query,
                s,
                e,
                st,
                f.indicators
            ]));
        }
        serde_json::json!([
            id,
            score,
            flag_ids,
            codes,
            embedded.map(|e| e.text),
            findings,
            flags,
            null
        ])
        .to_string()
    }

    /// Writes the HTML page.
    pub fn write_html(&self, out: &mut dyn Write, options: &Options) -> std::io::Result<()> {
        let mut rows: Vec<&Row> = self.rows.iter().collect();
        rows.sort_by(|a, b| b.score.cmp(&a.score).then(a.order.cmp(&b.order)));
        let mut data =
            String::with_capacity(rows.iter().map(|r| r.json.len() + 1).sum::<usize>() + 4096);
        data.push_str("{\"categories\":");
        data.push_str(&serde_json::to_string(&self.categories).expect("strings"));
        let descriptions: BTreeMap<&str, &str> = self
            .code_counts
            .iter()
            .map(|(c, (_, d))| (c.as_str(), d.as_str()))
            .collect();
        data.push_str(",\"descriptions\":");
        data.push_str(&serde_json::to_string(&descriptions).expect("strings"));
        data.push_str(",\"flags\":");
        let flags: Vec<&str> = by_weight().iter().map(|w| w.0.as_str()).collect();
        data.push_str(&serde_json::to_string(&flags).expect("strings"));
        data.push_str(",\"notes\":[");
        for (i, r) in rows.iter().enumerate() {
            if i > 0 {
                data.push(',');
            }
            data.push_str(&r.json);
        }
        data.push_str("]}");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
        gz.write_all(data.as_bytes())?;
        let packed = gz.finish()?;
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD.encode(packed);
        let page = TEMPLATE
            .replace("{{TITLE}}", &escape(&options.title))
            .replace("{{SUMMARY}}", &self.summary_html())
            .replace("{{DATA}}", &b64);
        out.write_all(page.as_bytes())
    }

    fn summary_html(&self) -> String {
        let mut s = String::new();
        s.push_str("<div class=\"tiles\">");
        for (key, label, n) in [
            ("notes", "notes", self.records - self.errors),
            ("with_gaps", "notes with gaps", self.with_gaps),
            ("provider", "provider queries", self.provider_queries),
            ("coder", "coder notes", self.coder_notes),
            ("errors", "error records", self.errors),
        ] {
            s.push_str(&format!(
                "<div class=\"tile\"><b data-count=\"{key}\">{n}</b><span>{label}</span></div>"
            ));
        }
        s.push_str("</div>");
        let flags: Vec<(String, usize, &str)> = by_weight()
            .iter()
            .map(|&(f, _)| {
                let aud = crate::queries::audience(f).as_str();
                (
                    f.as_str().to_string(),
                    *self.flag_counts.get(f.as_str()).unwrap_or(&0),
                    aud,
                )
            })
            .collect();
        s.push_str("<div class=\"charts\"><figure><figcaption>Notes per flag (blue: query to the provider; amber: claim change for the coder)</figcaption>");
        s.push_str(&bars(&flags, "flag"));
        s.push_str("</figure>");
        let mut codes: Vec<(&String, &(usize, String))> = self.code_counts.iter().collect();
        codes.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(b.0)));
        let shown: Vec<(String, usize, &str)> = codes
            .iter()
            .take(20)
            .map(|(c, (n, _))| (c.to_string(), *n, "code"))
            .collect();
        s.push_str(&format!(
            "<figure><figcaption>Notes per suggested code (top {} of {})</figcaption>",
            shown.len(),
            codes.len()
        ));
        s.push_str(&bars(&shown, "code"));
        s.push_str("</figure></div>");
        s.push_str("<details><summary>Every code</summary><table class=\"codes\"><tr><th>code</th><th>notes</th><th>description</th></tr>");
        for (c, (n, d)) in &codes {
            s.push_str(&format!(
                "<tr><td>{}</td><td data-code=\"{}\">{n}</td><td>{}</td></tr>",
                escape(c),
                escape(c),
                escape(d)
            ));
        }
        s.push_str("</table></details>");
        s
    }
}

/// A horizontal bar chart, one bar a row, the count written at its end.
fn bars(rows: &[(String, usize, &str)], kind: &str) -> String {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let h = 22;
    let mut s = format!(
        "<svg class=\"bars\" role=\"img\" viewBox=\"0 0 640 {}\" width=\"640\" height=\"{}\">",
        rows.len() * h + 4,
        rows.len() * h + 4
    );
    for (i, (name, n, class)) in rows.iter().enumerate() {
        let y = i * h + 2;
        let w = (*n as f64 / max as f64 * 300.0).round() as usize;
        s.push_str(&format!(
            "<text x=\"250\" y=\"{}\" text-anchor=\"end\">{}</text><rect class=\"{class}\" x=\"256\" y=\"{}\" width=\"{w}\" height=\"{}\"/><text x=\"{}\" y=\"{}\" data-{kind}=\"{}\">{n}</text>",
            y + 15,
            escape(name),
            y + 3,
            h - 6,
            256 + w + 6,
            y + 15,
            escape(name)
        ));
    }
    s.push_str("</svg>");
    s
}

/// HTML-escapes text for an element or a quoted attribute.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

/// The kept parts of a note, joined by " … ", and the map from the note's
/// byte offsets to UTF-16 offsets in the kept text.
struct Excerpt {
    text: String,
    /// (note start, note end, UTF-16 offset of that start in `text`), and
    /// the UTF-16 offset of every char boundary is found by walking.
    pieces: Vec<(usize, usize, usize)>,
    note: String,
}

const GAP: &str = "\n[…]\n";

impl Excerpt {
    fn new(note: &str, mut keep: Vec<(usize, usize)>) -> Excerpt {
        let floor = |mut i: usize| {
            i = i.min(note.len());
            while !note.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let ceil = |mut i: usize| {
            i = i.min(note.len());
            while !note.is_char_boundary(i) {
                i += 1;
            }
            i
        };
        keep.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (s, e) in keep {
            let (s, e) = (floor(s), ceil(e));
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        let mut text = String::new();
        let mut pieces = Vec::new();
        let mut at16 = 0;
        for (k, &(s, e)) in merged.iter().enumerate() {
            if k > 0 || s > 0 {
                text.push_str(GAP);
                at16 += GAP.encode_utf16().count();
            }
            pieces.push((s, e, at16));
            text.push_str(&note[s..e]);
            at16 += note[s..e].encode_utf16().count();
        }
        if merged.last().is_some_and(|l| l.1 < note.len()) {
            text.push_str(GAP);
        }
        Excerpt {
            text,
            pieces,
            note: note.to_string(),
        }
    }

    /// The UTF-16 offset in the excerpt of a note byte offset (0 when the
    /// offset was not kept, which the inputs never ask for).
    fn map(&self, off: usize) -> usize {
        for &(s, e, at16) in &self.pieces {
            if off >= s && off <= e && self.note.is_char_boundary(off) {
                return at16 + self.note[s..off].encode_utf16().count();
            }
        }
        0
    }
}

/// Notes by id, for the report's text (the first of a repeated id).
pub type Texts = HashMap<String, String>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_reviewed_heaviest_first() {
        let order = by_weight();
        assert_eq!(order.len(), FlagId::ALL.len());
        assert!(order
            .windows(2)
            .all(|w| w[0].1 > w[1].1 || (w[0].1 == w[1].1 && w[0].0 < w[1].0)));
        // The weights of queries.tsv give the order the report has had
        // since it was an array here.
        let shipped = [
            "CODE_NOT_SUPPORTED",
            "EXCLUDED_ORGANISM",
            "EXCLUDED_SITE",
            "UNSPECIFIED_CODE_USED",
            "ORGANISM_CODE_MISSING",
            "OSSEOUS_DEFECT_CODE_MISSING",
            "ACUITY_NOT_DOCUMENTED",
            "CRMO_FEATURES",
            "ROUTE_NOT_DOCUMENTED",
            "SITE_VAGUE",
            "LATERALITY_MISSING",
            "ORGANISM_NOT_DOCUMENTED",
        ];
        let kept: Vec<&str> = order
            .iter()
            .map(|w| w.0.as_str())
            .filter(|f| shipped.contains(f))
            .collect();
        assert_eq!(kept, shipped);
    }

    #[test]
    fn excerpts_map_offsets_to_utf16() {
        let note = "Pain × 3 mo. Lots of words here that are not evidence at all. Chronic osteomyelitis of the tibia.";
        let start = note.find("osteomyelitis").unwrap();
        let ex = Excerpt::new(note, vec![(start - 8, start + 13 + 4), (0, 4)]);
        let s16 = ex.map(start);
        let units: Vec<u16> = ex.text.encode_utf16().collect();
        assert_eq!(
            String::from_utf16(&units[s16..s16 + 13]).unwrap(),
            "osteomyelitis"
        );
        assert!(ex.text.starts_with("Pain"));
        assert!(ex.text.contains("[…]"));
    }

    #[test]
    fn escape_covers_markup() {
        assert_eq!(
            escape("<a href=\"x\">'&"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;"
        );
    }
}
