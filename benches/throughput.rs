//! Throughput over one in-memory corpus: how close the whole pipeline gets
//! to the bare matcher pass, and how it scales with threads.
//!
//! `cargo bench --bench throughput`
//!
//! Corpora: MTSamples (`../shared/external/mtsamples/mtsamples.jsonl`
//! beside the crate, replicated; skipped with a note when absent) and a
//! synthetic corpus (`docgap::synth`, seed 1), each about
//! `DOCGAP_BENCH_MB` MiB of note text (default 64). For each:
//!
//! - `aho-corasick`: the floor, one bare pass of the `aho-corasick`
//!   crate over the project's own patterns (DFA, leftmost-longest, ASCII
//!   case-insensitive), counting the word-bounded matches, one thread;
//! - `bare`: `Analyzer::matcher().count(text)`, docgap's own matcher (a
//!   DFA walked from each word start, about 2-3x faster than the crate's
//!   pass on these corpora) over the same patterns, one thread;
//! - `pipeline x1`: the whole pipeline per note as `docgap scan` runs it
//!   (analyze, then the JSON result line), one thread;
//! - `pipeline xN`: the same on a rayon pool of every core;
//!
//! then the ratios of the pipeline to both bare passes. Each figure is the median of `DOCGAP_BENCH_RUNS` runs
//! (default 3). Before timing, the match count is checked against the
//! reference engine and the two pipelines' output bytes are compared.
//! Last, the median time to analyse a ~4 KB note and to build an
//! `Analyzer`.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use docgap::batch::{self, Item, Note};
use docgap::matcher::Matcher;
use docgap::Analyzer;
use rayon::prelude::*;
use std::time::Instant;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The MTSamples texts, or None when the file is not there.
fn mtsamples() -> Option<Vec<String>> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/external/mtsamples/mtsamples.jsonl");
    let raw = std::fs::read_to_string(path).ok()?;
    Some(
        raw.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).expect("MTSamples is JSONL");
                v["text"].as_str().expect("a text field").to_string()
            })
            .collect(),
    )
}

/// `base` repeated until `bytes` of text.
fn replicate(base: &[String], bytes: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut n = 0;
    while n < bytes {
        for t in base {
            n += t.len();
            out.push(t.clone());
        }
    }
    out
}

fn synthetic(bytes: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut n = 0;
    for note in docgap::synth::notes(usize::MAX, 1) {
        if n >= bytes {
            break;
        }
        n += note.text.len();
        out.push(note.text);
    }
    out
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    xs[xs.len() / 2]
}

/// Median seconds of `runs` runs of `f`.
fn time(runs: usize, mut f: impl FnMut()) -> f64 {
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

fn render_all(analyzer: &Analyzer, items: &[Item], out: &mut Vec<u8>) {
    out.clear();
    for item in items {
        batch::render(analyzer, item, out);
    }
}

fn text(item: &Item) -> &str {
    item.note.as_ref().expect("notes").text.as_str()
}

/// The floor: the `aho-corasick` crate's DFA over the matcher's
/// patterns, as the anchors were measured.
fn crate_automaton(analyzer: &Analyzer) -> AhoCorasick {
    AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        .ascii_case_insensitive(true)
        .kind(Some(AhoCorasickKind::DFA))
        .build(Matcher::patterns_for(analyzer.lexicon()))
        .expect("lexicon patterns build")
}

/// Word-bounded matches of one non-overlapping leftmost-longest pass.
fn crate_count(ac: &AhoCorasick, text: &str) -> usize {
    let b = text.as_bytes();
    ac.find_iter(b)
        .filter(|m| {
            (m.start() == 0 || !b[m.start() - 1].is_ascii_alphanumeric())
                && (m.end() == b.len() || !b[m.end()].is_ascii_alphanumeric())
        })
        .count()
}

fn corpus(
    name: &str,
    analyzer: &Analyzer,
    reference: &Matcher,
    ac: &AhoCorasick,
    texts: Vec<String>,
    runs: usize,
) {
    let bytes: usize = texts.iter().map(|t| t.len()).sum();
    let notes = texts.len();
    let items: Vec<Item> = texts
        .into_iter()
        .enumerate()
        .map(|(i, text)| Item {
            location: format!("bench:{}", i + 1),
            note: Ok(Note {
                id: i.to_string(),
                text,
                assigned_codes: None,
                warnings: Vec::new(),
            }),
        })
        .collect();

    // Checks first: a broken matcher or pipeline must not look fast.
    let expected: usize = items.par_iter().map(|i| reference.count(text(i))).sum();
    let count = || -> usize {
        items
            .iter()
            .map(|i| analyzer.matcher().count(text(i)))
            .sum()
    };
    assert_eq!(count(), expected, "{name}: match count of the fast engine");
    assert!(
        expected > notes,
        "{name}: {expected} matches in {notes} notes"
    );
    let mut one = Vec::with_capacity(bytes / 4);
    render_all(analyzer, &items, &mut one);
    let parallel = |out: &mut Vec<u8>| {
        let lines: Vec<Vec<u8>> = items
            .par_iter()
            .with_max_len(8)
            .map_init(Vec::new, |buf, item| {
                buf.clear();
                batch::render(analyzer, item, buf);
                buf.clone()
            })
            .collect();
        out.clear();
        for l in lines {
            out.extend_from_slice(&l);
        }
    };
    let mut many = Vec::new();
    parallel(&mut many);
    assert!(one == many, "{name}: the same bytes on 1 and N threads");

    let ac_matches: usize = items.iter().map(|i| crate_count(ac, text(i))).sum();
    assert!(ac_matches > notes, "{name}: {ac_matches} crate matches");
    let crate_pass = time(runs, || {
        std::hint::black_box(
            items
                .iter()
                .map(|i| crate_count(ac, text(i)))
                .sum::<usize>(),
        );
    });
    let bare = time(runs, || {
        std::hint::black_box(count());
    });
    let single = time(runs, || render_all(analyzer, &items, &mut one));
    let multi = time(runs, || parallel(&mut many));
    let threads = rayon::current_num_threads();
    let mb = bytes as f64 / 1e6;
    println!(
        "\n{name}: {notes} notes, {mb:.1} MB of text, {expected} matches \
         ({ac_matches} word-bounded for the crate), {:.1} MB of output",
        one.len() as f64 / 1e6
    );
    for (label, secs) in [
        ("aho-corasick crate x1".to_string(), crate_pass),
        ("bare matcher().count x1".to_string(), bare),
        ("pipeline x1".to_string(), single),
        (format!("pipeline x{threads}"), multi),
    ] {
        println!(
            "  {label:<26} {:>8.1} MB/s {:>10.0} notes/s",
            mb / secs,
            notes as f64 / secs
        );
    }
    println!(
        "  pipeline x1 / aho-corasick  {:>7.1} %",
        100.0 * crate_pass / single
    );
    println!(
        "  pipeline x1 / bare          {:>7.1} %",
        100.0 * bare / single
    );
    println!(
        "  pipeline x{threads} / pipeline x1   {:>6.2}x",
        single / multi
    );
}

fn main() {
    let target = env_usize("DOCGAP_BENCH_MB", 64) << 20;
    let runs = env_usize("DOCGAP_BENCH_RUNS", 3).max(1);
    // The first build in a process also loads the embedded code table.
    let t = Instant::now();
    let analyzer = Analyzer::new();
    let first_build = t.elapsed().as_secs_f64();
    let reference = Matcher::reference_for(analyzer.lexicon());
    let ac = crate_automaton(&analyzer);
    println!(
        "docgap throughput: {} patterns, {} threads, {} runs each (median)",
        analyzer.matcher().pattern_count(),
        rayon::current_num_threads(),
        runs
    );
    match mtsamples() {
        Some(base) => corpus(
            "mtsamples (replicated)",
            &analyzer,
            &reference,
            &ac,
            replicate(&base, target),
            runs,
        ),
        None => {
            println!("\nmtsamples: ../shared/external/mtsamples/mtsamples.jsonl not found, skipped")
        }
    }
    corpus(
        "synth (seed 1)",
        &analyzer,
        &reference,
        &ac,
        synthetic(target),
        runs,
    );

    // Latency of one ~4 KB note with osteomyelitis content.
    let note = docgap::synth::notes(3000, 42)
        .map(|n| n.text)
        .filter(|t| t.contains("osteomyelitis"))
        .min_by_key(|t| t.len().abs_diff(4096))
        .expect("osteomyelitis notes");
    assert!(!analyzer.analyze(&note).codes.is_empty());
    let mut samples = Vec::with_capacity(2000);
    for _ in 0..2000 {
        let t = Instant::now();
        std::hint::black_box(analyzer.analyze(std::hint::black_box(&note)));
        samples.push(t.elapsed().as_secs_f64());
    }
    println!(
        "\nanalyze one {}-byte note: median {:.1} us (2000 runs)",
        note.len(),
        median(samples) * 1e6
    );
    let startup: Vec<f64> = (0..15)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(Analyzer::new());
            t.elapsed().as_secs_f64()
        })
        .collect();
    println!(
        "Analyzer::new(): first in the process {:.1} ms, then median {:.1} ms (15 runs)",
        first_build * 1e3,
        median(startup) * 1e3
    );
}
