//! `docgap scan`: the batch job.

use super::EXIT_RECORD_ERRORS;
use anyhow::Context;
use docgap::batch::source::{self, Config, InputFormat};
use docgap::batch::{self, jsonl, table, Format, Options, Totals};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// Analyse notes: one result per input record, in input order.
///
/// Inputs: JSONL records {"id", "text", optional "assigned_codes"} (the default, and standard input), CSV with a header (columns by name, quoted multi-line text, as MIMIC NOTEEVENTS), a directory tree of .txt files (id = relative path), FHIR Bulk Data NDJSON of DocumentReference (text/plain attachments). The format follows the extension (.jsonl, .csv, .ndjson, .txt, a directory) unless --input-format says; .gz files are decompressed.
///
/// Every input record yields exactly one output record, in order. A record that cannot be read or analysed yields an error record {"id"?, "error": {"location": "FILE:LINE (byte N)", "message"}} and the run goes on. A record analysed with a caveat (invalid UTF-8 decoded lossily, JSON string damage repaired, a note cut at --max-note-bytes, a duplicate id, an empty text, a ragged CSV row) carries "warnings" and its "location".
///
/// Exit status: 0 every record analysed (with or without warnings); 2 some records yielded error records (with --strict: the first one did, and the run stopped there); 1 usage, configuration or I/O failure (an input that cannot be opened, output that cannot be written).
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Input files or directories; `-` or none reads standard input.
    #[arg(value_name = "PATH")]
    inputs: Vec<PathBuf>,
    /// Write results here instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Output format: jsonl (one JSON result a line) or csv (one row a note: id, codes, flags, counts, error, warnings, code descriptions, queries, evidence sentences).
    #[arg(long, default_value = "jsonl", value_name = "FORMAT", value_parser = ["jsonl", "csv"])]
    format: String,
    /// With --format csv: start the file with a UTF-8 byte order mark, so Excel reads accents and symbols right.
    #[arg(long)]
    bom: bool,
    /// Input format of every input: jsonl, csv, text, fhir (default: from each path's extension; jsonl for standard input).
    #[arg(long, value_name = "FORMAT", value_parser = parse_input_format)]
    input_format: Option<InputFormat>,
    /// Worker threads (default: all cores).
    #[arg(short, long, value_name = "N")]
    jobs: Option<usize>,
    /// Name of the id field (JSONL) or column (CSV, e.g. ROW_ID).
    #[arg(long, default_value = "id", value_name = "NAME")]
    id_field: String,
    /// Name of the text field (JSONL) or column (CSV, e.g. TEXT).
    #[arg(long, default_value = "text", value_name = "NAME")]
    text_field: String,
    /// Print a summary to standard error at the end: notes, bytes, notes/s, MB/s, notes per flag and per code, errors, warnings.
    #[arg(long)]
    summary: bool,
    /// Stop at the first record that cannot be read or analysed: write its error record, then exit with status 2.
    #[arg(long)]
    strict: bool,
    /// Longest note analysed, in bytes (K, M or G suffixes, powers of 1024; 0: no limit). A longer note is cut at a character boundary and analysed with a warning; its spans refer to the kept text.
    #[arg(long, default_value = "64M", value_name = "BYTES", value_parser = parse_bytes)]
    max_note_bytes: usize,
    /// Records per chunk: the unit of parallel work and of memory.
    #[arg(long, default_value_t = 1024, value_name = "N", hide = true)]
    chunk: usize,
}

fn parse_input_format(s: &str) -> Result<InputFormat, String> {
    s.parse()
}

/// `123`, `64K`, `64M`, `1G` (powers of 1024); 0 means no limit.
fn parse_bytes(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let (digits, shift) = match t.as_bytes().last() {
        Some(b'k' | b'K') => (&t[..t.len() - 1], 10),
        Some(b'm' | b'M') => (&t[..t.len() - 1], 20),
        Some(b'g' | b'G') => (&t[..t.len() - 1], 30),
        _ => (t, 0),
    };
    let n: usize = digits
        .parse()
        .map_err(|_| format!("{s:?} is not a size in bytes (e.g. 1048576, 64M)"))?;
    let n = n
        .checked_mul(1 << shift)
        .ok_or_else(|| format!("{s:?} is too large"))?;
    Ok(if n == 0 { usize::MAX } else { n })
}

pub fn run(analyzer: &docgap::Analyzer, args: &Args) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let inputs = if args.inputs.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        args.inputs.clone()
    };
    if inputs.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        anyhow::bail!("standard input (-) given more than once");
    }
    let config = Config {
        format: args.input_format,
        fields: jsonl::Fields {
            id: args.id_field.clone(),
            text: args.text_field.clone(),
        },
        max_note_bytes: args.max_note_bytes,
    };
    // Every input is opened first, so a missing file fails before any output.
    let read_bytes = Arc::new(AtomicU64::new(0));
    let mut sources = Vec::new();
    let mut total_size = Some(0u64);
    for p in &inputs {
        let opened = source::open(p, &config, read_bytes.clone())
            .with_context(|| format!("opening {}", p.display()))?;
        total_size = total_size.zip(opened.size).map(|(a, b)| a + b);
        sources.push(opened.items);
    }
    let items = sources.into_iter().flatten();
    let mut out = super::open_output(args.output.as_deref())?;
    let format = match args.format.as_str() {
        "csv" => Format::Csv,
        _ => Format::Jsonl,
    };
    if format == Format::Csv {
        if args.bom {
            out.write_all(table::BOM.as_bytes())?;
        }
        out.write_all(table::HEADER.as_bytes())?;
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()
        .context("starting worker threads")?;
    let options = Options {
        chunk_records: args.chunk.max(1),
        format,
        strict: args.strict,
        ..Options::default()
    };
    let bar = progress_bar(total_size);
    let totals = batch::run_with(analyzer, &pool, items, &options, &mut out, |t| {
        if let Some(bar) = &bar {
            bar.set_position(read_bytes.load(Ordering::Relaxed));
            bar.set_message(format!("{} notes", t.records));
        }
    })
    .context("writing results")?;
    out.flush().context("writing results")?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if args.summary {
        eprint!("{}", summary(&totals, started.elapsed().as_secs_f64()));
    }
    if totals.warned > 0 {
        eprintln!(
            "docgap: {} of {} records were analysed with warnings (see their warnings)",
            totals.warned, totals.records
        );
    }
    if totals.stopped {
        eprintln!(
            "docgap: stopped at the first error record (--strict), after {} records",
            totals.records
        );
        return Ok(ExitCode::from(EXIT_RECORD_ERRORS));
    }
    if totals.errors > 0 {
        eprintln!(
            "docgap: {} of {} records could not be analysed (see their error records)",
            totals.errors, totals.records
        );
        return Ok(ExitCode::from(EXIT_RECORD_ERRORS));
    }
    Ok(ExitCode::SUCCESS)
}

/// A bar over the input bytes when standard error is a terminal (a spinner
/// when the size is unknown, as for standard input); nothing when piped.
fn progress_bar(total: Option<u64>) -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = match total {
        Some(n) => {
            let bar = indicatif::ProgressBar::new(n);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:20} {bytes}/{total_bytes} {bytes_per_sec} eta {eta} {msg}",
                )
                .expect("valid template"),
            );
            bar
        }
        None => {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {bytes} read, {msg}")
                    .expect("valid template"),
            );
            bar
        }
    };
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr_with_hz(4));
    Some(bar)
}

/// The `--summary` report.
fn summary(t: &Totals, seconds: f64) -> String {
    let seconds = seconds.max(1e-9);
    let mut s = format!(
        "notes: {}\nbytes: {}\nseconds: {:.3}\nnotes/s: {:.1}\nMB/s: {:.1}\nerrors: {}\nwith warnings: {}\n",
        t.records,
        t.bytes,
        seconds,
        t.records as f64 / seconds,
        t.bytes as f64 / 1e6 / seconds,
        t.errors,
        t.warned
    );
    s.push_str("notes per flag:\n");
    if t.flags.is_empty() {
        s.push_str("  (none)\n");
    }
    for (flag, n) in &t.flags {
        s.push_str(&format!("  {:<28} {n}\n", flag.as_str()));
    }
    s.push_str("notes per code:\n");
    if t.codes.is_empty() {
        s.push_str("  (none)\n");
    }
    for (code, n) in &t.codes {
        s.push_str(&format!("  {code:<28} {n}\n"));
    }
    s
}
