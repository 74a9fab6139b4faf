//! `docgap scan`: the batch job.

use super::EXIT_RECORD_ERRORS;
use anyhow::Context;
use docgap::batch::{self, jsonl, Item};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Analyse notes: JSONL records {"id", "text", optional "assigned_codes"} in, one JSON result per note out, in input order.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Input files; `-` or none reads standard input.
    #[arg(value_name = "PATH")]
    inputs: Vec<PathBuf>,
    /// Write results here instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(short, long, value_name = "N")]
    jobs: Option<usize>,
    /// Name of the id field of JSON input.
    #[arg(long, default_value = "id", value_name = "NAME")]
    id_field: String,
    /// Name of the text field of JSON input.
    #[arg(long, default_value = "text", value_name = "NAME")]
    text_field: String,
}

fn open(path: &PathBuf) -> anyhow::Result<(String, Box<dyn BufRead + Send>)> {
    if path.as_os_str() == "-" {
        return Ok(("<stdin>".into(), Box::new(BufReader::new(std::io::stdin()))));
    }
    let f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    Ok((
        path.display().to_string(),
        Box::new(BufReader::with_capacity(1 << 20, f)),
    ))
}

pub fn run(analyzer: &docgap::Analyzer, args: &Args) -> anyhow::Result<ExitCode> {
    let inputs = if args.inputs.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        args.inputs.clone()
    };
    let fields = jsonl::Fields {
        id: args.id_field.clone(),
        text: args.text_field.clone(),
    };
    let mut sources = Vec::new();
    for p in &inputs {
        sources.push(open(p)?);
    }
    let items =
        sources
            .into_iter()
            .flat_map(move |(name, reader)| -> Box<dyn Iterator<Item = Item>> {
                Box::new(jsonl::read(reader, name, fields.clone()))
            });
    let mut out: Box<dyn Write> = match &args.output {
        Some(p) => Box::new(std::io::BufWriter::with_capacity(
            1 << 20,
            std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::with_capacity(
            1 << 20,
            std::io::stdout().lock(),
        )),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()
        .context("starting worker threads")?;
    let totals = batch::run(analyzer, &pool, items, 256, &mut out)?;
    out.flush()?;
    if totals.errors > 0 {
        eprintln!(
            "docgap: {} of {} records could not be analysed (see their error records)",
            totals.errors, totals.records
        );
        return Ok(ExitCode::from(EXIT_RECORD_ERRORS));
    }
    Ok(ExitCode::SUCCESS)
}
