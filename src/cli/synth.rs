//! `docgap synth`: a reproducible synthetic corpus for benchmarks.

use anyhow::Context;
use docgap::tools::synth;
use std::path::PathBuf;
use std::process::ExitCode;

/// Write a synthetic corpus (JSONL: id, note_type, text) for benchmarks: note types and lengths as in real exports (0.5 to 20 KB), headers, lists, copy-forward, non-ASCII, osteomyelitis in a minority of notes. The same --notes and --seed give the same bytes.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// How many notes.
    #[arg(long, value_name = "N")]
    notes: usize,
    /// The seed.
    #[arg(long, default_value_t = 1, value_name = "S")]
    seed: u64,
    /// Percent of notes that mention a bone infection (two in three affirmed, the rest negated or historical); default: about 10 % affirmed and 5 % more mentions.
    #[arg(long, value_name = "PCT", value_parser = clap::value_parser!(u32).range(0..=100))]
    osteo_share: Option<u32>,
    /// Write here instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let mut out = super::output::Output::open(args.output.as_deref())?;
    let bytes = synth::write_jsonl_with(&mut out, args.notes, args.seed, args.osteo_share)
        .with_context(|| format!("writing the corpus; {}", out.failed_note()))?;
    out.finish()?;
    if let Some(p) = &args.output {
        eprintln!(
            "docgap: wrote {} notes ({:.1} MB of text) to {}",
            args.notes,
            bytes as f64 / 1e6,
            p.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
