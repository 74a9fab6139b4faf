//! `docgap scan`: the batch job.

use super::output::{self, Output};
use super::EXIT_RECORD_ERRORS;
use anyhow::Context;
use docgap::batch::source::{self, Config, Reader, READERS};
use docgap::batch::{self, jsonl, Format, Options, Totals, FORMATS};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// Analyse notes: one result per input record, in input order.
#[derive(clap::Args, Debug)]
#[command(long_about = long_about())]
pub struct Args {
    /// Input files or directories; `-` or none reads standard input.
    #[arg(value_name = "PATH")]
    inputs: Vec<PathBuf>,
    /// Write results here instead of standard output: written as FILE.partial, renamed to FILE when every record is written (a failed or killed run leaves only FILE.partial). FILE may not be an input nor inside a scanned directory.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    #[arg(long, default_value = Format::default_format().name, value_name = "FORMAT",
          value_parser = clap::builder::PossibleValuesParser::new(Format::names()), help = format_help())]
    format: String,
    /// With --format csv: start the file with a UTF-8 byte order mark, so Excel reads accents and symbols right.
    #[arg(long)]
    bom: bool,
    #[arg(long, value_name = "FORMAT", value_parser = Reader::named, help = format!(
        "Input format of every input: {} (default: from each path's extension; {} for standard input)",
        input_format_names(),
        Reader::default_reader().name()
    ))]
    input_format: Option<&'static Reader>,
    /// Worker threads (default or 0: all cores; at most 4 times the cores, more is clamped with a warning).
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=MAX_JOBS as i64))]
    jobs: Option<u32>,
    /// Read .txt files that symbolic links in a scanned directory lead to outside it (default: such a link yields an error record).
    #[arg(long)]
    follow: bool,
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
    /// Findings in each JSON record: cited (those its codes and flags cite, with the sites and specimens they link to; a note with neither carries none), all (every finding of the note: much larger output, and every note goes through the whole pipeline), none (codes and flags only, no evidence indices).
    #[arg(long, default_value = "cited", value_name = "WHICH", value_parser = parse_findings)]
    findings: docgap::output::Findings,
    /// Unit of every start/end offset in a JSON record: bytes (UTF-8, as Rust and Go index strings), chars (Unicode code points, as Python does) or utf16 (UTF-16 code units, as JavaScript, Java and C# do). A record not in bytes says so ("offsets": "utf16"). CSV output carries no offsets.
    #[arg(long, default_value = "bytes", value_name = "UNIT", value_parser = parse_offsets)]
    offsets: docgap::output::Offsets,
    /// Answer as a long-lived child process does: read JSONL requests from standard input ({"id", "text", optional "assigned_codes"}, one a line) and write each one's result line as soon as it is read, flushed, in order; a request that cannot be read gets an error record, and the process lives until standard input closes. For scribe backends in any language; no duplicate-id check, no summary, JSONL only.
    #[arg(long, conflicts_with_all = ["output", "format", "bom", "input_format", "summary", "strict", "follow"])]
    stream: bool,
    /// Records per chunk: the unit of parallel work and of memory.
    #[arg(long, default_value_t = 1024, value_name = "N", hide = true)]
    chunk: usize,
}

fn parse_findings(s: &str) -> Result<docgap::output::Findings, String> {
    s.parse()
}

fn parse_offsets(s: &str) -> Result<docgap::output::Offsets, String> {
    s.parse()
}

/// The most `--jobs` accepted at all: threads beyond this only cost
/// memory (each holds a note's analysis) and start-up time.
const MAX_JOBS: usize = 1024;

/// Threads for `--jobs n`: more than four per core gain nothing and each
/// costs memory, so the count is clamped there, with a warning.
fn threads(jobs: Option<u32>) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let ceiling = (cores * 4).max(4);
    match jobs {
        None | Some(0) => cores,
        Some(n) if n as usize > ceiling => {
            eprintln!(
                "docgap: warning: --jobs {n} clamped to {ceiling} (four threads per core on this machine)"
            );
            ceiling
        }
        Some(n) => n as usize,
    }
}

/// The long `scan --help`: the inputs and their extensions as the readers
/// ([`READERS`]) give them.
fn long_about() -> String {
    let inputs: Vec<&str> = READERS.iter().map(|r| r.description).collect();
    let mut extensions: Vec<String> = READERS
        .iter()
        .filter_map(|r| r.extensions.first())
        .map(|e| format!(".{e}"))
        .collect();
    if READERS.iter().any(|r| r.tree.is_some()) {
        extensions.push("a directory".into());
    }
    format!(
        "Analyse notes: one result per input record, in input order.\n\n\
         Inputs: {}. The format follows the extension ({}) unless --input-format says; .gz files are decompressed.\n\n\
         Every input record yields exactly one output record, in order. A record that cannot be read or analysed yields an error record {{\"id\"?, \"error\": {{\"location\": \"FILE:LINE (byte N)\", \"message\"}}}} and the run goes on. A record analysed with a caveat (invalid UTF-8 decoded lossily, JSON string damage repaired, a note cut at --max-note-bytes, a duplicate id, an empty text, a ragged CSV row) carries \"warnings\" and its \"location\".\n\n\
         Exit status: 0 every record analysed (with or without warnings); 2 some records yielded error records (with --strict: the first one did, and the run stopped there); 1 usage, configuration or I/O failure (an input that cannot be opened, output that cannot be written).",
        inputs.join(", "),
        extensions.join(", ")
    )
}

/// The input format names, as help texts list them.
pub(super) fn input_format_names() -> String {
    Reader::names().collect::<Vec<_>>().join(", ")
}

/// `--format`'s help: each output format of [`FORMATS`] and what it writes.
fn format_help() -> String {
    let each: Vec<String> = FORMATS
        .iter()
        .map(|f| format!("{} ({})", f.name, f.description))
        .collect();
    let list = match each.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    };
    format!("Output format: {list}")
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
    if args.stream {
        return stream(analyzer, args);
    }
    let started = Instant::now();
    if args.output.is_none() {
        // Before any input is opened: one could take descriptor 1.
        output::require_stdout()?;
    }
    let inputs = if args.inputs.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        args.inputs.clone()
    };
    if inputs.iter().filter(|p| p.as_os_str() == "-").count() > 1 {
        anyhow::bail!("standard input (-) given more than once");
    }
    let threads = threads(args.jobs);
    let config = Config {
        format: args.input_format,
        fields: jsonl::Fields {
            id: args.id_field.clone(),
            text: args.text_field.clone(),
        },
        max_note_bytes: args.max_note_bytes,
        follow: args.follow,
        // JSON text is decoded only where it must be: screened as it is
        // read on one thread, on the workers with more.
        defer_decoding: true,
        screen: Config::screen_for(analyzer, threads, args.findings),
    };
    // Every input is opened first, so a missing file fails before any output.
    let read_bytes = Arc::new(AtomicU64::new(0));
    let mut sources = Vec::new();
    let mut total_size = Some(0u64);
    let mut read = output::Inputs::default();
    for p in &inputs {
        let opened = source::open(p, &config, read_bytes.clone())
            .with_context(|| format!("opening {}", p.display()))?;
        total_size = total_size.zip(opened.size).map(|(a, b)| a + b);
        sources.push(opened.items);
        if p.as_os_str() == "-" {
            if let Some(m) = output::stdio_metadata(std::io::stdin()) {
                read.files.insert(output::identity(&m));
            }
        } else if let Ok(m) = std::fs::metadata(p) {
            if m.is_dir() {
                read.dirs.push((output::identity(&m), p.clone()));
            }
        }
        for f in &opened.files {
            if let Ok(m) = std::fs::metadata(f) {
                read.files.insert(output::identity(&m));
            }
        }
    }
    match &args.output {
        Some(path) => read.check_output(path)?,
        None => read.check_stdout()?,
    }
    let items = sources.into_iter().flatten();
    let mut out = Output::open(args.output.as_deref())?;
    match write(
        analyzer,
        args,
        threads,
        items,
        &mut out,
        total_size,
        &read_bytes,
    ) {
        Ok(totals) => {
            out.finish()?;
            report(args, &totals, started)
        }
        Err(e) => Err(e.context(out.failed_note())),
    }
}

/// Writes every record to `out`.
fn write(
    analyzer: &docgap::Analyzer,
    args: &Args,
    threads: usize,
    items: impl Iterator<Item = docgap::batch::Item> + Send,
    out: &mut Output,
    total_size: Option<u64>,
    read_bytes: &AtomicU64,
) -> anyhow::Result<Totals> {
    // Clap allows only the known names.
    let format = Format::named(&args.format).unwrap_or(Format::default_format());
    let header = format.writer().header(args.bom);
    if !header.is_empty() {
        out.write_all(header.as_bytes())?;
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("starting worker threads")?;
    let options = Options {
        chunk_records: args.chunk.max(1),
        format,
        strict: args.strict,
        findings: args.findings,
        offsets: args.offsets,
        ..Options::default()
    };
    let bar = progress_bar(total_size);
    let totals = batch::run_with(analyzer, &pool, items, &options, out, |t| {
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
    Ok(totals)
}

/// The end of a run: the summary, the counts of warned and failed
/// records, and the exit status they give.
fn report(args: &Args, totals: &Totals, started: Instant) -> anyhow::Result<ExitCode> {
    if args.summary {
        eprint!("{}", summary(totals, started.elapsed().as_secs_f64()));
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

/// `--stream`: one request line in, one result line out, flushed, until
/// standard input closes.
fn stream(analyzer: &docgap::Analyzer, args: &Args) -> anyhow::Result<ExitCode> {
    if args.inputs.iter().any(|p| p.as_os_str() != "-") {
        anyhow::bail!("--stream reads requests from standard input only; give no PATH (or -)");
    }
    output::require_stdout()?;
    let fields = jsonl::Fields {
        id: args.id_field.clone(),
        text: args.text_field.clone(),
    };
    let stdin = std::io::BufReader::with_capacity(1 << 16, std::io::stdin().lock());
    let name = "<stdin>".to_string();
    // One thread reads and analyses: each text is screened as it is read.
    let items: Box<dyn Iterator<Item = batch::Item>> =
        match Config::screen_for(analyzer, 1, args.findings) {
            Some(screen) => Box::new(jsonl::read_screened(
                stdin,
                name,
                fields,
                args.max_note_bytes,
                screen,
            )),
            None => Box::new(jsonl::read_deferred(
                stdin,
                name,
                fields,
                args.max_note_bytes,
                true,
            )),
        };
    let options = docgap::RecordOptions::default()
        .findings(args.findings)
        .offsets(args.offsets);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut line = Vec::with_capacity(1 << 14);
    let mut errors = false;
    for item in items {
        line.clear();
        batch::render_with(analyzer, &item, options, &mut line);
        errors |= item.note.is_err();
        out.write_all(&line)
            .and_then(|()| out.flush())
            .context("writing a result to standard output")?;
    }
    Ok(if errors {
        ExitCode::from(EXIT_RECORD_ERRORS)
    } else {
        ExitCode::SUCCESS
    })
}
