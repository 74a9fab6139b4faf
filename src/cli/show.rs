//! `docgap show`: one note for a person.

use anyhow::Context;
use docgap::batch::jsonl;
use docgap::batch::source::{self, Config, Reader};
use docgap::lexicon::Category;
use std::collections::BTreeSet;
use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// Show one note for a person: the text with evidence highlighted, the codes, and each flag with the sentence behind it.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Any input `scan` reads (JSONL, CSV, FHIR NDJSON, a .txt note, a directory of them, .gz), or `-` for standard input (JSONL or plain text).
    #[arg(value_name = "FILE", default_value = "-")]
    input: PathBuf,
    /// Which record (default: the first).
    #[arg(long, value_name = "ID")]
    id: Option<String>,
    #[arg(long, value_name = "FORMAT", value_parser = Reader::named, help = format!(
        "Input format: {} (default: from the extension)",
        super::scan::input_format_names()
    ))]
    input_format: Option<&'static Reader>,
    /// Wrap text at this many columns (0: no wrapping).
    #[arg(long, default_value_t = 100, value_name = "COLUMNS")]
    width: usize,
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

/// A file or directory goes through scan's readers, so `show` reads what
/// `scan` reads; standard input may also be one plain-text note.
fn load(args: &Args) -> anyhow::Result<Note> {
    if args.input.as_os_str() != "-" {
        let opened = source::open(
            &args.input,
            &Config {
                format: args.input_format,
                ..Config::default()
            },
            Arc::new(AtomicU64::new(0)),
        )
        .with_context(|| format!("opening {}", args.input.display()))?;
        for item in opened.items {
            match item.note {
                Ok(note) if args.id.as_deref().is_none_or(|id| id == note.id) => {
                    return Ok(Note {
                        id: note.id,
                        text: note.text,
                        assigned: note.assigned_codes,
                    })
                }
                Ok(_) => {}
                Err(e) if args.id.is_none() || e.id == args.id => {
                    anyhow::bail!("{}: {}", item.location, e.message)
                }
                Err(_) => {}
            }
        }
        match &args.id {
            Some(id) => anyhow::bail!("no record with id {id:?} in {}", args.input.display()),
            None => anyhow::bail!("{} holds no record", args.input.display()),
        }
    }
    let mut raw = Vec::new();
    std::io::stdin().read_to_end(&mut raw)?;
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

/// Byte offsets of the spaces where a greedy wrap at `width` columns
/// breaks the line (offsets, so the highlighted spans stay where they are).
fn wrap_points(text: &str, width: usize) -> BTreeSet<usize> {
    let mut breaks = BTreeSet::new();
    if width == 0 {
        return breaks;
    }
    let (mut col, mut last_space, mut since_space) = (0usize, None, 0usize);
    for (i, c) in text.char_indices() {
        if c == '\n' {
            (col, last_space, since_space) = (0, None, 0);
            continue;
        }
        col += 1;
        since_space += 1;
        if c == ' ' {
            last_space = Some(i);
            since_space = 0;
        }
        if col > width {
            if let Some(at) = last_space.take() {
                breaks.insert(at);
                col = since_space;
            }
        }
    }
    breaks
}

/// `text[range]` with the wrap points turned into line breaks.
fn wrapped(text: &str, start: usize, end: usize, breaks: &BTreeSet<usize>) -> String {
    let mut s = String::with_capacity(end - start);
    let mut at = start;
    for &b in breaks.range(start..end) {
        s.push_str(&text[at..b]);
        s.push('\n');
        at = b + 1;
    }
    s.push_str(&text[at..end]);
    s
}

/// Wraps a paragraph for the flag list, each line indented.
fn indent_wrap(s: &str, width: usize, indent: &str) -> String {
    let breaks = wrap_points(s, width.saturating_sub(indent.len()));
    wrapped(s, 0, s.len(), &breaks)
        .lines()
        .map(|l| format!("{indent}{l}\n"))
        .collect()
}

const LEGEND: [(Category, &str); 9] = [
    (Category::Condition, "condition"),
    (Category::Site, "site"),
    (Category::Side, "side"),
    (Category::Route, "route"),
    (Category::Organism, "organism"),
    (Category::Specimen, "specimen"),
    (Category::Acuity, "acuity"),
    (Category::Imaging, "imaging"),
    (Category::Defect, "defect/sinus"),
];

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
    out.push_str(&format!("== {}\n", note.id));
    if colour {
        out.push_str("legend:");
        for (c, name) in LEGEND {
            out.push_str(&format!(" \x1b[{}m{name}\x1b[0m", colour_of(c)));
        }
        out.push_str(" \x1b[2;9mnegated or not the patient's\x1b[0m\n\n");
    } else {
        out.push_str("legend: [words] a finding, [~words] negated or not the patient's\n\n");
    }
    let breaks = wrap_points(&note.text, args.width);
    // The text, with findings bracketed (or coloured), negated ones marked.
    let mut at = 0;
    for f in &a.evidence.findings {
        if f.span.start < at {
            continue;
        }
        out.push_str(&wrapped(&note.text, at, f.span.start, &breaks));
        let surface = &wrapped(&note.text, f.span.start, f.span.end, &breaks);
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
    out.push_str(&wrapped(&note.text, at, note.text.len(), &breaks));
    out.push_str("\n\n== codes\n");
    if a.codes.is_empty() {
        out.push_str("  (none)\n");
    }
    for c in &a.codes {
        let role = c.role.as_str();
        out.push_str(&format!("  {:<8} {:<10} {}\n", c.code, role, c.description));
    }
    if let Some(claim) = &a.assigned_codes {
        out.push_str(&format!("  claim: {}\n", claim.join(", ")));
    }
    out.push_str("\n== flags\n");
    if a.flags.is_empty() {
        out.push_str("  (none)\n");
    }
    let queries = docgap::output::queries_of(&note.text, &a);
    for (f, q) in a.flags.iter().zip(&queries) {
        out.push_str(&format!(
            "  {} (for the {})\n",
            f.id.as_str(),
            q.audience.as_str()
        ));
        out.push_str(&indent_wrap(&q.text, args.width.max(40), "    "));
        if let Some(s) = docgap::output::flag_sentence(&a, &f.evidence) {
            let sentence = format!("evidence: \"{}\"", note.text[s.range()].replace('\n', " "));
            out.push_str(&indent_wrap(&sentence, args.width.max(40), "    "));
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
                f.category.key(),
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
