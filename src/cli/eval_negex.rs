//! `docgap eval-negex`: scores the context stage on the NegEx test set.

use anyhow::Context;
use docgap::tools::negex_eval;
use std::path::PathBuf;
use std::process::ExitCode;

/// Score negation detection on a NegEx annotation file (Annotations-1-120.txt): tp, fp, tn, fn (Negated is positive), targets not found, accuracy, precision, recall, F1.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The annotation file: report, concept, sentence, Affirmed/Negated, tab-separated.
    #[arg(value_name = "PATH")]
    path: PathBuf,
    /// Print the figures as one JSON object.
    #[arg(long)]
    json: bool,
    /// List the rows docgap gets wrong: report, concept, gold, predicted, sentence.
    #[arg(long)]
    errors: bool,
}

pub fn run(analyzer: &docgap::Analyzer, args: &Args) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&args.path)
        .with_context(|| format!("reading {}", args.path.display()))?;
    let rows = negex_eval::parse(&text).with_context(|| args.path.display().to_string())?;
    let eval = negex_eval::evaluate(analyzer, &rows);
    if args.errors {
        for (row, outcome) in eval.errors(&rows) {
            let predicted = match outcome.target {
                None => "NotFound".to_string(),
                Some(_) => outcome.predicted.to_string(),
            };
            println!(
                "{}\t{}\tgold {}\tpredicted {}\t{}",
                row.report,
                row.concept.trim(),
                row.gold,
                predicted,
                row.sentence
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            );
        }
    }
    let s = eval.scores;
    if args.json {
        println!("{}", serde_json::to_string(&s)?);
    } else {
        println!("rows: {}", rows.len());
        println!(
            "tp {}  fp {}  tn {}  fn {}  not_found {}",
            s.tp, s.fp, s.tn, s.fn_, s.not_found
        );
        println!(
            "accuracy {:.4}  precision {:.4}  recall {:.4}  F1 {:.4}",
            s.accuracy, s.precision, s.recall, s.f1
        );
    }
    Ok(ExitCode::SUCCESS)
}
