//! `docgap eval`: scores the analyzer against gold notes.

use super::EXIT_BELOW_BAR;
use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;

/// Score against gold-annotated notes: exact code-set match, code and flag P/R/F1, per-flag figures, and the notes that disagree.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Gold JSONL file (format: gold-format.md).
    #[arg(long, value_name = "FILE")]
    gold: PathBuf,
    /// Print the report as one JSON object.
    #[arg(long)]
    json: bool,
    /// Exit with status 3 if the exact code-set match rate is below this.
    #[arg(long, value_name = "RATE")]
    min_exact: Option<f64>,
    /// Exit with status 3 if the flag micro-F1 is below this.
    #[arg(long, value_name = "F1")]
    min_flag_f1: Option<f64>,
}

pub fn run(analyzer: &docgap::Analyzer, args: &Args) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&args.gold)
        .with_context(|| format!("reading {}", args.gold.display()))?;
    let gold = docgap::tools::eval::parse_gold(&text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.gold.display()))?;
    let report = docgap::tools::eval::score(analyzer, &gold);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.to_text());
    }
    let mut below = Vec::new();
    if let Some(min) = args.min_exact {
        if report.exact_code_set < min {
            below.push(format!(
                "exact code-set match {:.4} < {min}",
                report.exact_code_set
            ));
        }
    }
    if let Some(min) = args.min_flag_f1 {
        if report.flags.f1 < min {
            below.push(format!("flag micro-F1 {:.4} < {min}", report.flags.f1));
        }
    }
    if below.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("docgap: below the bar: {}", below.join("; "));
        Ok(ExitCode::from(EXIT_BELOW_BAR))
    }
}
