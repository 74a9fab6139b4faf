//! `docgap._docgap`: the Python face of the docgap library. The Python
//! package (`pysrc/docgap`) re-exports it; see its docstrings and stubs.
//!
//! A result is the documented JSON record ([`docgap::Record`]) as plain
//! Python data, key for key what `json.loads` makes of what `docgap scan`
//! writes, with offsets in code points by default (Python's string
//! indices).

use docgap::batch::{jsonl, Item};
use docgap::output::record::FindingValue;
use docgap::{Analyzer as Engine, Findings, Offsets, Record, RecordOptions};
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use rayon::prelude::*;

/// Analyses clinical notes for osteomyelitis documentation gaps.
///
/// Build one and reuse it (building parses the lexicons and compiles the
/// automaton: a few milliseconds); it is safe to share between threads.
#[pyclass(frozen, module = "docgap")]
struct Analyzer {
    engine: Engine,
    options: RecordOptions,
    max_note_bytes: usize,
}

fn parse_findings(s: &str) -> PyResult<Findings> {
    s.parse().map_err(PyValueError::new_err)
}

fn parse_offsets(s: &str) -> PyResult<Offsets> {
    s.parse().map_err(PyValueError::new_err)
}

/// The claim as the library takes it.
fn claim(codes: &Option<Vec<String>>) -> Option<&[String]> {
    codes.as_deref()
}

impl Analyzer {
    /// The record of one note: what `docgap scan` computes for it.
    fn record(&self, text: &str, id: &str, codes: &Option<Vec<String>>) -> Record {
        let analysis = if self.options.findings == Findings::All {
            self.engine.analyze_with_claim(text, claim(codes))
        } else {
            self.engine.analyze_screened(text, claim(codes))
        };
        Record::new(id, None, text, &analysis, &[], self.options)
    }

    /// The output line `docgap scan` writes for one JSONL request line
    /// (without its newline); `n` numbers it in error locations.
    fn scan_line(&self, line: &str, n: usize, fields: &jsonl::Fields) -> String {
        let name = "<input>".to_string();
        // A request is a whole line: its end is the end of a line, as it
        // is on the command's standard input (not a record cut short).
        let whole = std::io::Read::chain(line.as_bytes(), &b"\n"[..]);
        // Left as JSON: a text that can yield nothing is never decoded.
        let mut items: Vec<Item> =
            jsonl::read_deferred(whole, name, fields.clone(), self.max_note_bytes, true).collect();
        let location = format!("<input>:{n} (byte 0)");
        let mut out = Vec::with_capacity(1024);
        match items.as_mut_slice() {
            [item] => {
                item.location = location;
                docgap::batch::render_with(&self.engine, item, self.options, &mut out);
            }
            [] => {
                docgap::output::write_error(&mut out, None, &location, "a blank line is no request")
            }
            _ => docgap::output::write_error(
                &mut out,
                None,
                &location,
                "a request is one line: this string holds several",
            ),
        }
        if out.last() == Some(&b'\n') {
            out.pop();
        }
        String::from_utf8(out).expect("records are UTF-8")
    }
}

#[pymethods]
impl Analyzer {
    /// Analyzer(findings="cited", offsets="chars", lexicons=None, max_note_bytes=64 MiB)
    ///
    /// findings: "cited" (the findings the codes and flags cite), "all"
    /// (every finding) or "none" (codes and flags only).
    /// offsets: "chars" (code points: Python's str indices, the default
    /// here), "utf16" (JavaScript's) or "bytes" (UTF-8, the command's
    /// default).
    /// lexicons: a directory of .tsv files replacing the embedded lexicons
    /// of the same name.
    /// max_note_bytes: the longest note scan_lines analyses; longer ones
    /// are cut with a warning, as `docgap scan --max-note-bytes` does.
    #[new]
    #[pyo3(signature = (findings = "cited", offsets = "chars", lexicons = None, max_note_bytes = 64 << 20))]
    fn new(
        findings: &str,
        offsets: &str,
        lexicons: Option<std::path::PathBuf>,
        max_note_bytes: usize,
    ) -> PyResult<Analyzer> {
        let options = RecordOptions::default()
            .findings(parse_findings(findings)?)
            .offsets(parse_offsets(offsets)?);
        let engine = match lexicons {
            None => Engine::new(),
            Some(dir) => Engine::builder()
                .lexicon_dir(&dir)
                .build()
                .map_err(|e| PyOSError::new_err(format!("{}: {e}", dir.display())))?,
        };
        Ok(Analyzer {
            engine,
            options,
            max_note_bytes: max_note_bytes.max(1),
        })
    }

    /// analyze(text, id="", assigned_codes=None) -> dict
    ///
    /// The documented record of one note as plain Python data: "codes",
    /// "flags" (each with its query), "findings" with offsets into `text`.
    /// assigned_codes: the codes already on the claim, audited; None reads
    /// codes written in the note instead.
    #[pyo3(signature = (text, id = "", assigned_codes = None))]
    fn analyze<'py>(
        &self,
        py: Python<'py>,
        text: &str,
        id: &str,
        assigned_codes: Option<Vec<String>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let record = self.record(text, id, &assigned_codes);
        Ok(to_py(py, &record)?.into_any())
    }

    /// analyze_json(text, id="", assigned_codes=None) -> str
    ///
    /// The record as its JSON text (one line, no newline), byte for byte
    /// what `docgap scan` writes with the same options.
    #[pyo3(signature = (text, id = "", assigned_codes = None))]
    fn analyze_json(&self, text: &str, id: &str, assigned_codes: Option<Vec<String>>) -> String {
        let mut line = self.record(text, id, &assigned_codes).to_json_line();
        line.pop();
        line
    }

    /// analyze_many(texts, ids=None, assigned_codes=None) -> list[dict]
    ///
    /// analyze() over many notes, in parallel on every core with the GIL
    /// released, results in input order. ids defaults to "0", "1", ...;
    /// assigned_codes, when given, is one claim (or None) per note.
    #[pyo3(signature = (texts, ids = None, assigned_codes = None))]
    fn analyze_many<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<String>,
        ids: Option<Vec<String>>,
        assigned_codes: Option<Vec<Option<Vec<String>>>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let records = self.many(py, texts, ids, assigned_codes)?;
        let items = records
            .iter()
            .map(|r| to_py(py, r))
            .collect::<Result<Vec<_>, _>>()?;
        PyList::new(py, items)
    }

    /// analyze_many_json(texts, ids=None, assigned_codes=None) -> list[str]
    ///
    /// analyze_many() returning each record's JSON text: the cheapest way
    /// to move many results (to a file, a queue, Arrow).
    #[pyo3(signature = (texts, ids = None, assigned_codes = None))]
    fn analyze_many_json(
        &self,
        py: Python<'_>,
        texts: Vec<String>,
        ids: Option<Vec<String>>,
        assigned_codes: Option<Vec<Option<Vec<String>>>>,
    ) -> PyResult<Vec<String>> {
        let records = self.many(py, texts, ids, assigned_codes)?;
        Ok(py.detach(|| {
            records
                .par_iter()
                .map(|r| {
                    let mut l = r.to_json_line();
                    l.pop();
                    l
                })
                .collect()
        }))
    }

    /// scan_lines(lines, id_field="id", text_field="text") -> list[str]
    ///
    /// Each string is one JSONL request as `docgap scan` reads it ({"id",
    /// "text", optional "assigned_codes"}); each answer is the line `docgap
    /// scan` writes for it (without the newline): a result, or an error
    /// record for a request that cannot be read. In parallel, without the
    /// GIL, in input order; exactly one answer per string.
    #[pyo3(signature = (lines, id_field = "id", text_field = "text"))]
    fn scan_lines(
        &self,
        py: Python<'_>,
        lines: Vec<String>,
        id_field: &str,
        text_field: &str,
    ) -> Vec<String> {
        let fields = jsonl::Fields {
            id: id_field.to_string(),
            text: text_field.to_string(),
        };
        py.detach(|| {
            lines
                .par_iter()
                .enumerate()
                .map(|(i, l)| self.scan_line(l, i + 1, &fields))
                .collect()
        })
    }

    /// The findings mode ("cited", "all" or "none").
    #[getter]
    fn findings(&self) -> &'static str {
        match self.options.findings {
            Findings::Cited => "cited",
            Findings::All => "all",
            _ => "none",
        }
    }

    /// The offset unit ("chars", "utf16" or "bytes").
    #[getter]
    fn offsets(&self) -> &'static str {
        self.options.offsets.as_str()
    }

    /// Seconds the Rust side takes for `repeat` analyses of `text` into
    /// records, with no Python in the loop: the yardstick the per-note
    /// overhead of analyze() is measured against (benches).
    #[pyo3(signature = (text, repeat = 1000))]
    fn _native_seconds(&self, py: Python<'_>, text: &str, repeat: usize) -> f64 {
        py.detach(|| {
            let start = std::time::Instant::now();
            for _ in 0..repeat {
                std::hint::black_box(self.record(std::hint::black_box(text), "", &None));
            }
            start.elapsed().as_secs_f64()
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "Analyzer(findings={:?}, offsets={:?})",
            self.findings(),
            self.offsets()
        )
    }
}

impl Analyzer {
    /// Records of many notes, in parallel without the GIL.
    fn many(
        &self,
        py: Python<'_>,
        texts: Vec<String>,
        ids: Option<Vec<String>>,
        assigned_codes: Option<Vec<Option<Vec<String>>>>,
    ) -> PyResult<Vec<Record>> {
        let n = texts.len();
        if ids.as_ref().is_some_and(|i| i.len() != n) {
            return Err(PyValueError::new_err("ids must have one id per text"));
        }
        if assigned_codes.as_ref().is_some_and(|c| c.len() != n) {
            return Err(PyValueError::new_err(
                "assigned_codes must have one claim (or None) per text",
            ));
        }
        Ok(py.detach(|| {
            (0..n)
                .into_par_iter()
                .map(|i| {
                    let id = ids.as_ref().map_or_else(|| i.to_string(), |v| v[i].clone());
                    let none = None;
                    let codes = assigned_codes.as_ref().map_or(&none, |c| &c[i]);
                    self.record(&texts[i], &id, codes)
                })
                .collect()
        }))
    }
}

/// The record as Python data: what `json.loads` makes of its JSON text,
/// key for key, built directly (keys interned once per process), which
/// costs about half of going through serde.
fn to_py<'py>(py: Python<'py>, r: &Record) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item(intern!(py, "schema_version"), r.schema_version)?;
    d.set_item(intern!(py, "id"), &r.id)?;
    if let Some(l) = &r.location {
        d.set_item(intern!(py, "location"), l)?;
    }
    if let Some(o) = r.offsets {
        d.set_item(intern!(py, "offsets"), o.as_str())?;
    }
    let codes = PyList::empty(py);
    for c in &r.codes {
        let x = PyDict::new(py);
        x.set_item(intern!(py, "code"), &c.code)?;
        x.set_item(intern!(py, "role"), &c.role)?;
        x.set_item(intern!(py, "description"), &c.description)?;
        if let Some(e) = &c.evidence {
            x.set_item(intern!(py, "evidence"), e)?;
        }
        codes.append(x)?;
    }
    d.set_item(intern!(py, "codes"), codes)?;
    let flags = PyList::empty(py);
    for f in &r.flags {
        let x = PyDict::new(py);
        x.set_item(intern!(py, "id"), &f.id)?;
        x.set_item(intern!(py, "message"), &f.message)?;
        x.set_item(intern!(py, "audience"), &f.audience)?;
        x.set_item(intern!(py, "query"), &f.query)?;
        if let Some(i) = &f.indicators {
            x.set_item(intern!(py, "indicators"), i)?;
        }
        if let Some(e) = &f.evidence {
            x.set_item(intern!(py, "evidence"), e)?;
        }
        if let Some(s) = &f.sentence {
            let y = PyDict::new(py);
            y.set_item(intern!(py, "start"), s.start)?;
            y.set_item(intern!(py, "end"), s.end)?;
            y.set_item(intern!(py, "text"), &s.text)?;
            x.set_item(intern!(py, "sentence"), y)?;
        }
        flags.append(x)?;
    }
    d.set_item(intern!(py, "flags"), flags)?;
    if let Some(findings) = &r.findings {
        let list = PyList::empty(py);
        for f in findings {
            let x = PyDict::new(py);
            x.set_item(intern!(py, "category"), &f.category)?;
            match &f.value {
                FindingValue::Name(n) => x.set_item(intern!(py, "value"), n)?,
                FindingValue::Site { group, bone } => {
                    let y = PyDict::new(py);
                    y.set_item(intern!(py, "group"), group)?;
                    y.set_item(intern!(py, "bone"), bone)?;
                    x.set_item(intern!(py, "value"), y)?;
                }
                other => x.set_item(intern!(py, "value"), pythonize::pythonize(py, other)?)?,
            }
            x.set_item(intern!(py, "text"), &f.text)?;
            x.set_item(intern!(py, "start"), f.start)?;
            x.set_item(intern!(py, "end"), f.end)?;
            x.set_item(intern!(py, "sentence"), f.sentence)?;
            x.set_item(intern!(py, "section"), &f.section)?;
            let a = PyDict::new(py);
            let flags = [
                (f.assertion.negated, intern!(py, "negated")),
                (f.assertion.possible, intern!(py, "possible")),
                (f.assertion.hypothetical, intern!(py, "hypothetical")),
                (f.assertion.historical, intern!(py, "historical")),
                (f.assertion.family, intern!(py, "family")),
                (f.assertion.unrelated, intern!(py, "unrelated")),
            ];
            for (on, key) in flags {
                if on {
                    a.set_item(key, true)?;
                }
            }
            x.set_item(intern!(py, "assertion"), a)?;
            if let Some(side) = &f.side {
                x.set_item(intern!(py, "side"), side)?;
            }
            if let Some(site) = f.site {
                x.set_item(intern!(py, "site"), site)?;
            }
            if let Some(sp) = f.specimen {
                x.set_item(intern!(py, "specimen"), sp)?;
            }
            list.append(x)?;
        }
        d.set_item(intern!(py, "findings"), list)?;
    }
    if let Some(a) = &r.assigned_codes {
        d.set_item(intern!(py, "assigned_codes"), a)?;
    }
    if !r.warnings.is_empty() {
        d.set_item(intern!(py, "warnings"), &r.warnings)?;
    }
    Ok(d)
}

/// The compiled part of the `docgap` package.
#[pymodule]
fn _docgap(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Analyzer>()?;
    m.add("SCHEMA_VERSION", docgap::output::SCHEMA_VERSION)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
