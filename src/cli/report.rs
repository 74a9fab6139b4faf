//! `docgap report`: the scan's results as one HTML page for a CDI team.

use anyhow::Context;
use docgap::batch::source::{self, Config};
use docgap::report::{Options, Report, Texts};
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Instant;

/// Write one self-contained HTML page (no network) from scan results: a summary with charts, a worklist in review order (paged, filterable by flag) and a view of each note with its evidence highlighted and its queries ready to copy.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The results of `docgap scan` (JSONL, .gz allowed).
    #[arg(value_name = "RESULTS")]
    results: PathBuf,
    /// The notes that were scanned (any input `scan` reads), to show their text; without it a note view shows only the flag sentences.
    #[arg(long, value_name = "NOTES")]
    notes: Vec<PathBuf>,
    /// Write the page here.
    #[arg(short, long, value_name = "FILE", default_value = "report.html")]
    output: PathBuf,
    /// Embed each flagged note's whole text instead of excerpts around its evidence.
    #[arg(long)]
    full_text: bool,
    /// Bytes of text kept either side of each finding in an excerpt.
    #[arg(long, default_value_t = 240, value_name = "BYTES")]
    context: usize,
    /// Page title.
    #[arg(long, default_value = "docgap report")]
    title: String,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let mut texts = Texts::new();
    for p in &args.notes {
        let opened = source::open(p, &Config::default(), Arc::new(AtomicU64::new(0)))
            .with_context(|| format!("opening {}", p.display()))?;
        for item in opened.items {
            if let Ok(note) = item.note {
                texts.entry(note.id).or_insert(note.text);
            }
        }
    }
    let options = Options {
        title: args.title.clone(),
        full_text: args.full_text,
        context: args.context,
    };
    let file = std::fs::File::open(&args.results)
        .with_context(|| format!("opening {}", args.results.display()))?;
    let reader = source::decoder(file, source::is_gz(&args.results));
    let mut report = Report::default();
    for (i, line) in reader.lines().enumerate() {
        let line = line.with_context(|| format!("reading {}", args.results.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        report
            .add(i + 1, &line, &mut |id| texts.remove(id), &options)
            .map_err(|e| anyhow::anyhow!("{}: {e}", args.results.display()))?;
    }
    // Written as OUTPUT.partial and renamed when complete, like scan's -o.
    let mut out = super::output::Output::open(Some(&args.output))?;
    report
        .write_html(&mut out, &options)
        .and_then(|_| out.flush())
        .with_context(|| format!("writing {}; {}", args.output.display(), out.failed_note()))?;
    out.finish()?;
    let size = std::fs::metadata(&args.output)
        .map(|m| m.len())
        .unwrap_or(0);
    eprintln!(
        "docgap: wrote {} ({} records, {} with gaps, {:.1} MB) in {:.1} s",
        args.output.display(),
        report.records,
        report.with_gaps,
        size as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    if report.text_mismatches > 0 {
        eprintln!(
            "docgap: warning: {} flagged notes' text did not match the results' spans (text left out: was --notes the file that was scanned?)",
            report.text_mismatches
        );
    }
    Ok(ExitCode::SUCCESS)
}
