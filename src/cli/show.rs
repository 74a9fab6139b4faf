//! `docgap show`: one note for a person.

use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;

/// Show one note for a person: the text with evidence highlighted, the codes, and each flag with the sentence behind it.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// A JSONL file of notes, a plain-text note, or `-` for standard input.
    #[arg(value_name = "FILE", default_value = "-")]
    input: PathBuf,
    /// Which record of a JSONL file (default: the first).
    #[arg(long, value_name = "ID")]
    id: Option<String>,
    /// Colour: auto (on a terminal), always, never.
    #[arg(long, default_value = "auto", value_name = "WHEN")]
    color: String,
}

pub fn run(analyzer: &docgap::Analyzer, args: &Args) -> anyhow::Result<ExitCode> {
    let _ = (analyzer, args);
    anyhow::bail!("show: not yet")
}

#[allow(dead_code)]
fn read(p: &PathBuf) -> anyhow::Result<String> {
    std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))
}
