//! Command-line interface: argument parsing and the subcommands.
//!
//! Exit codes (documented in `--help` and the README):
//! 0 every record analysed; 1 usage, configuration or I/O failure;
//! 2 some records yielded error records; 3 `eval` below its bar.

mod eval;
mod eval_negex;
mod output;
mod report;
mod scan;
mod show;
mod synth;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit status for a usage, configuration or I/O failure.
pub const EXIT_FAILURE: u8 = 1;
/// Exit status when a record could not be analysed (its error record was written).
pub const EXIT_RECORD_ERRORS: u8 = 2;
/// Exit status when `eval` scores below a bar given on the command line.
pub const EXIT_BELOW_BAR: u8 = 3;

#[derive(Parser, Debug)]
#[command(
    name = "docgap",
    version,
    about = "Find the documentation gaps that stop osteomyelitis (ICD-10-CM M86) from being coded correctly.",
    long_about = "Reads free-text clinical notes, builds an evidence map (sites and sides, route, organism, imaging, acuity, osseous defects, with exact byte spans), suggests the ICD-10-CM codes the note supports and flags what a coder would query.\n\nExamples:\n  docgap scan corpora/sample.jsonl            # one JSON result per note\n  docgap show corpora/sample.jsonl --id s-003  # one note, highlighted, for a person\n  docgap eval --gold ../shared/gold/dev.jsonl  # score against gold notes\n\nExit status:\n  0  every record analysed (records with warnings included)\n  1  usage, configuration or I/O failure (bad arguments, an input that cannot be opened, output that cannot be written)\n  2  some records yielded error records (each names its location and reason); with scan --strict, the first one did and the run stopped\n  3  eval scored below a bar given on its command line",
    after_help = "Run `docgap <command> --help` for each command's options."
)]
struct Cli {
    /// Directory of lexicon .tsv files replacing the embedded ones of the same name.
    #[arg(long, global = true, value_name = "DIR")]
    lexicons: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    Scan(scan::Args),
    Show(show::Args),
    Eval(eval::Args),
    #[command(name = "eval-negex")]
    EvalNegex(eval_negex::Args),
    Synth(synth::Args),
    Report(report::Args),
    /// Regenerate the shipped ICD-10-CM code table from the official tabular.
    #[command(name = "gen-icd10cm")]
    GenIcd10cm {
        /// The gzip'd ICD-10-CM tabular XML.
        #[arg(
            long,
            default_value = "../shared/icd10cm/icd10c-tabular-April-1-2026.xml.gz"
        )]
        tabular: PathBuf,
        /// Where to write the table.
        #[arg(short, long, default_value = "data/icd10cm-fy2026.tsv")]
        output: PathBuf,
    },
}

fn analyzer(lexicons: &Option<PathBuf>) -> anyhow::Result<docgap::Analyzer> {
    use anyhow::Context;
    let mut b = docgap::Analyzer::builder();
    if let Some(dir) = lexicons {
        b = b.lexicon_dir(dir);
    }
    b.build().context("loading lexicons")
}

/// Runs the CLI and maps the outcome to an exit code.
pub fn main() -> ExitCode {
    // clap exits 2 on a usage error, which docgap keeps for "some records
    // failed": a bad flag must not look like a run of error records (a
    // caller such as the Spark wrapper would accept it as done).
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(EXIT_FAILURE)
            } else {
                // --help, --version.
                ExitCode::SUCCESS
            };
        }
    };
    let result = match &cli.command {
        Command::Scan(a) => analyzer(&cli.lexicons).and_then(|an| scan::run(&an, a)),
        Command::Show(a) => analyzer(&cli.lexicons).and_then(|an| show::run(&an, a)),
        Command::Eval(a) => analyzer(&cli.lexicons).and_then(|an| eval::run(&an, a)),
        Command::EvalNegex(a) => analyzer(&cli.lexicons).and_then(|an| eval_negex::run(&an, a)),
        Command::Synth(a) => synth::run(a),
        Command::Report(a) => report::run(a),
        Command::GenIcd10cm { tabular, output } => gen_icd(tabular, output),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("docgap: error: {e:#}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

fn gen_icd(tabular: &std::path::Path, output: &std::path::Path) -> anyhow::Result<ExitCode> {
    use anyhow::Context;
    let table = docgap::icd::generate_from_gz_file(tabular)
        .with_context(|| format!("reading {}", tabular.display()))?;
    std::fs::write(output, table).with_context(|| format!("writing {}", output.display()))?;
    eprintln!("docgap: wrote {}", output.display());
    Ok(ExitCode::SUCCESS)
}
