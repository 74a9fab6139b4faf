//! `docgap show`: one note for a person.

use anyhow::Context;
use docgap::batch::jsonl;
use docgap::lexicon::Category;
use std::io::{IsTerminal, Read};
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
    #[arg(long, default_value = "auto", value_name = "WHEN", value_parser = ["auto", "always", "never"])]
    color: String,
    /// Also list every finding and sentence (for lexicon work).
    #[arg(long)]
    findings: bool,
}

struct Note {
    id: String,
    text: String,
    assigned: Option<Vec<String>>,
}

fn load(args: &Args) -> anyhow::Result<Note> {
    let mut raw = Vec::new();
    if args.input.as_os_str() == "-" {
        std::io::stdin().read_to_end(&mut raw)?;
    } else {
        raw = std::fs::read(&args.input)
            .with_context(|| format!("reading {}", args.input.display()))?;
    }
    let looks_jsonl = raw.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if !looks_jsonl {
        if args.id.is_some() {
            anyhow::bail!(
                "--id needs a JSONL input; {} is plain text",
                args.input.display()
            );
        }
        return Ok(Note {
            id: args.input.display().to_string(),
            text: String::from_utf8_lossy(&raw).into_owned(),
            assigned: None,
        });
    }
    for (i, line) in raw.split(|&b| b == b'\n').enumerate() {
        if line.iter().all(|b| b.is_ascii_whitespace()) {
            continue;
        }
        let note = jsonl::parse_line(line, &jsonl::Fields::default())
            .map_err(|e| anyhow::anyhow!("{}:{}: {}", args.input.display(), i + 1, e.message))?;
        if args.id.as_deref().is_none_or(|id| id == note.id) {
            return Ok(Note {
                id: note.id,
                text: note.text,
                assigned: note.assigned_codes,
            });
        }
    }
    match &args.id {
        Some(id) => anyhow::bail!("no record with id {id:?} in {}", args.input.display()),
        None => anyhow::bail!("{} holds no record", args.input.display()),
    }
}

fn colour_of(c: Category) -> &'static str {
    match c {
        Category::Condition => "1;31",
        Category::Site => "1;34",
        Category::Side => "34",
        Category::Route => "1;35",
        Category::Organism => "1;32",
        Category::Specimen => "32",
        Category::Acuity => "1;33",
        Category::Imaging | Category::Modality => "36",
        Category::Defect | Category::Sinus => "1;36",
        _ => "33",
    }
}

pub fn run(analyzer: &docgap::Analyzer, args: &Args) -> anyhow::Result<ExitCode> {
    let note = load(args)?;
    let a = analyzer.analyze_with_claim(&note.text, note.assigned.as_deref());
    let colour = match args.color.as_str() {
        "always" => true,
        "never" => false,
        _ => std::io::stdout().is_terminal(),
    };
    let mut out = String::new();
    out.push_str(&format!("== {}\n\n", note.id));
    // The text, with findings bracketed (or coloured), negated ones marked.
    let mut at = 0;
    for f in &a.evidence.findings {
        if f.span.start < at {
            continue;
        }
        out.push_str(&note.text[at..f.span.start]);
        let surface = &note.text[f.span.range()];
        let mark = if f.assertion.is_affirmed() { "" } else { "~" };
        if colour {
            let style = if f.assertion.is_affirmed() {
                colour_of(f.category)
            } else {
                "2;9"
            };
            out.push_str(&format!("\x1b[{style}m{surface}\x1b[0m"));
        } else {
            out.push_str(&format!("[{mark}{surface}]"));
        }
        at = f.span.end;
    }
    out.push_str(&note.text[at..]);
    out.push_str("\n\n== codes\n");
    if a.codes.is_empty() {
        out.push_str("  (none)\n");
    }
    for c in &a.codes {
        let role = format!("{:?}", c.role).to_lowercase();
        out.push_str(&format!("  {:<8} {:<10} {}\n", c.code, role, c.description));
    }
    if let Some(claim) = &a.assigned_codes {
        out.push_str(&format!("  claim: {}\n", claim.join(", ")));
    }
    out.push_str("\n== flags\n");
    if a.flags.is_empty() {
        out.push_str("  (none)\n");
    }
    for f in &a.flags {
        out.push_str(&format!("  {}\n    {}\n", f.id.as_str(), f.message));
        if let Some(s) = docgap::output::flag_sentence(&a, &f.evidence) {
            out.push_str(&format!(
                "    sentence: \"{}\"\n",
                note.text[s.range()].replace('\n', " ")
            ));
        }
    }
    if args.findings {
        out.push_str("\n== sentences\n");
        for (i, s) in a.sentences.iter().enumerate() {
            out.push_str(&format!("  s{i}: {:?}\n", &note.text[s.range()]));
        }
        out.push_str("\n== findings\n");
        for (i, f) in a.evidence.findings.iter().enumerate() {
            out.push_str(&format!(
                "  {i:>3} {:<14} {:<28} {:?} s{} {} {}{}\n",
                format!("{:?}", f.category).to_lowercase(),
                serde_json::to_string(&f.value)?,
                &note.text[f.span.range()],
                f.sentence,
                f.section,
                serde_json::to_string(&f.assertion)?,
                f.side.map(|s| format!(" side={s}")).unwrap_or_default(),
            ));
        }
    }
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}
