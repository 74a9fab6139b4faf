//! Throughput, side by side in one run: the end-to-end scan against the
//! bare passes it is measured by, on the corpora of issue 14.
//!
//! `cargo bench --bench throughput`
//!
//! Corpora, each about `DOCGAP_BENCH_MB` MiB of note text (default 64):
//! (a) MTSamples (`../shared/external/mtsamples/mtsamples.jsonl` beside the
//! crate) replicated, skipped with a note when absent; (b) `docgap synth`
//! (seed 1) with 1 % and with 20 % of notes mentioning a bone infection
//! (`synth --osteo-share`). For each, on one thread unless marked:
//!
//! - `memchr::memmem pass`: one SIMD substring search over every note
//!   ("osteomyelitis", case-sensitive): what reading the bytes costs;
//! - `aho-corasick pass`: the floor, one pass of the crate's DFA
//!   over the matcher's patterns (leftmost-longest, ASCII
//!   case-insensitive), counting word-bounded matches;
//! - `docgap matcher pass`: docgap's own matcher over the same patterns;
//! - `pipeline, full map`: today's per-note work (every note analysed,
//!   every finding written), notes already in memory;
//! - `pipeline`: the default per-note work (first tier, cited findings);
//! - `scan, full map` and `scan`: the same end to end, from the JSONL
//!   bytes in memory through the reader, the batch driver and the writer,
//!   as `docgap scan --findings all` and `docgap scan` run it;
//! - `scan xN`: the default scan on every core.
//!
//! Then each corpus's floor with PASS or MISS: (a) scan at least
//! 1000 MB/s and 5x the aho-corasick pass; (b) 1 %: scan at least 3x the
//! aho-corasick pass; 20 %: scan no slower than the scan with the full map (today's). Each
//! figure is the median of `DOCGAP_BENCH_RUNS` runs (default 3). Before
//! timing, the matcher's count is checked against the reference engine,
//! the default scan's output against every note analysed in full and
//! written with the cited findings, and the 1 and N thread outputs against
//! each other, so a broken tier cannot look fast. Last, the median time to
//! analyse a ~4 KB note and to build an `Analyzer`.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use docgap::batch::source::Config;
use docgap::batch::{self, jsonl, Item, Note, Options};
use docgap::internals::Matcher;
use docgap::output::{self, Findings, RecordOptions};
use docgap::Analyzer;
use rayon::prelude::*;
use std::time::Instant;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One input record: id and text.
struct Record {
    id: String,
    text: String,
}

/// The MTSamples records, or None when the file is not there.
fn mtsamples() -> Option<Vec<Record>> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/external/mtsamples/mtsamples.jsonl");
    let raw = std::fs::read_to_string(path).ok()?;
    Some(
        raw.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).expect("MTSamples is JSONL");
                Record {
                    id: v["id"].as_str().expect("an id").to_string(),
                    text: v["text"].as_str().expect("a text field").to_string(),
                }
            })
            .collect(),
    )
}

/// `base` repeated until `bytes` of text, ids made unique (as a real
/// export's are, so no record carries a duplicate-id warning).
fn replicate(base: &[Record], bytes: usize) -> Vec<Record> {
    let mut out = Vec::new();
    let mut n = 0;
    let mut round = 0;
    while n < bytes {
        round += 1;
        for r in base {
            n += r.text.len();
            out.push(Record {
                id: format!("{}-{round}", r.id),
                text: r.text.clone(),
            });
        }
    }
    out
}

fn synthetic(bytes: usize, share: u32) -> Vec<Record> {
    let mut out = Vec::new();
    let mut n = 0;
    for note in docgap::tools::synth::notes_with(usize::MAX, 1, Some(share)) {
        if n >= bytes {
            break;
        }
        n += note.text.len();
        out.push(Record {
            id: note.id,
            text: note.text,
        });
    }
    out
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    xs[xs.len() / 2]
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

struct Tools<'a> {
    analyzer: &'a Analyzer,
    reference: &'a Matcher,
    ac: &'a AhoCorasick,
    single: &'a rayon::ThreadPool,
    all: &'a rayon::ThreadPool,
    runs: usize,
}

/// `docgap scan` over JSONL bytes in memory, on `pool`: as the command
/// does, each text is screened as written and decoded only where it must
/// be, as it is read on one thread, on the workers with more
/// (`Config::screen_for`).
fn scan(tools: &Tools, pool: &rayon::ThreadPool, jsonl: &[u8], findings: Findings) -> Vec<u8> {
    let (fields, max) = (jsonl::Fields::default(), batch::DEFAULT_MAX_NOTE_BYTES);
    let items: Box<dyn Iterator<Item = batch::Item> + Send> =
        match Config::screen_for(tools.analyzer, pool.current_num_threads(), findings) {
            Some(p) => Box::new(jsonl::read_screened(jsonl, "bench".into(), fields, max, p)),
            None => Box::new(jsonl::read_deferred(
                jsonl,
                "bench".into(),
                fields,
                max,
                true,
            )),
        };
    let options = Options {
        findings,
        ..Options::default()
    };
    let mut out = Vec::with_capacity(jsonl.len() / 8);
    batch::run_with(tools.analyzer, pool, items, &options, &mut out, |_| {})
        .expect("writing to memory");
    out
}

/// A figure and what it is compared with.
struct Row {
    label: String,
    secs: f64,
}

fn corpus(name: &str, tools: &Tools, records: Vec<Record>, floor: Floor) {
    let analyzer = tools.analyzer;
    let runs = tools.runs;
    let bytes: usize = records.iter().map(|r| r.text.len()).sum();
    let notes = records.len();
    let mut jsonl = Vec::with_capacity(bytes + bytes / 8);
    for r in &records {
        serde_json::to_writer(&mut jsonl, &serde_json::json!({"id": r.id, "text": r.text}))
            .expect("to memory");
        jsonl.push(b'\n');
    }
    let items: Vec<Item> = records
        .into_iter()
        .enumerate()
        .map(|(i, r)| Item {
            location: format!("bench:{}", i + 1),
            note: Ok(Note::new(r.id, r.text, None)),
        })
        .collect();
    fn text(i: &Item) -> &str {
        i.note.as_ref().expect("notes").text.as_str()
    }

    // Checks first: a broken matcher, tier or pipeline must not look fast.
    let expected: usize = items
        .par_iter()
        .map(|i| tools.reference.count(text(i)))
        .sum();
    let count = || -> usize {
        items
            .iter()
            .map(|i| analyzer.matcher().count(text(i)))
            .sum()
    };
    assert_eq!(count(), expected, "{name}: match count of the fast engine");
    let ac_matches: usize = items.iter().map(|i| crate_count(tools.ac, text(i))).sum();
    assert!(ac_matches > notes, "{name}: {ac_matches} crate matches");
    let scanned = scan(tools, tools.single, &jsonl, Findings::Cited);
    let mut full_cited = Vec::with_capacity(scanned.len());
    let mut through = 0;
    for item in &items {
        let note = item.note.as_ref().expect("notes");
        let a = analyzer.analyze_with_claim(&note.text, None);
        through += usize::from(analyzer.prefilter().may_yield(&note.text, None));
        output::write_result_with(
            &mut full_cited,
            &note.id,
            None,
            &note.text,
            &a,
            &[],
            RecordOptions::default(),
        );
    }
    assert!(
        scanned == full_cited,
        "{name}: the scan's records equal every note analysed in full"
    );
    assert!(
        scan(tools, tools.all, &jsonl, Findings::Cited) == scanned,
        "{name}: the same bytes on 1 and N threads"
    );
    let today_bytes = scan(tools, tools.single, &jsonl, Findings::All).len();
    let needle = memchr::memmem::Finder::new("osteomyelitis");
    let memmem_hits: usize = items
        .iter()
        .map(|i| needle.find_iter(text(i).as_bytes()).count())
        .sum();

    let (mut out, mut out2) = (Vec::with_capacity(today_bytes), Vec::new());
    let pipeline = |out: &mut Vec<u8>, findings: Findings| {
        out.clear();
        for item in &items {
            batch::render_with(
                analyzer,
                item,
                RecordOptions::default().findings(findings),
                out,
            );
        }
        std::hint::black_box(&out);
    };
    // The passes are timed in turn, run after run, so that a machine
    // shared with other work loads them alike and the ratios hold.
    let threads = tools.all.current_num_threads();
    let mut passes: Vec<(String, Box<dyn FnMut() + '_>)> = vec![
        (
            "memchr::memmem pass".into(),
            Box::new(|| {
                let n: usize = items
                    .iter()
                    .map(|i| needle.find_iter(text(i).as_bytes()).count())
                    .sum();
                assert_eq!(std::hint::black_box(n), memmem_hits);
            }),
        ),
        (
            "aho-corasick pass".into(),
            Box::new(|| {
                let n: usize = items.iter().map(|i| crate_count(tools.ac, text(i))).sum();
                assert_eq!(std::hint::black_box(n), ac_matches);
            }),
        ),
        (
            "docgap matcher pass".into(),
            Box::new(|| {
                std::hint::black_box(count());
            }),
        ),
        (
            "pipeline, full map".into(),
            Box::new(|| pipeline(&mut out, Findings::All)),
        ),
        (
            "pipeline".into(),
            Box::new(|| pipeline(&mut out2, Findings::Cited)),
        ),
        (
            "scan, full map (today)".into(),
            Box::new(|| {
                std::hint::black_box(scan(tools, tools.single, &jsonl, Findings::All));
            }),
        ),
        (
            "scan".into(),
            Box::new(|| {
                std::hint::black_box(scan(tools, tools.single, &jsonl, Findings::Cited));
            }),
        ),
        (
            format!("scan x{threads}"),
            Box::new(|| {
                std::hint::black_box(scan(tools, tools.all, &jsonl, Findings::Cited));
            }),
        ),
    ];
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); passes.len()];
    for _ in 0..runs {
        for (k, (_, f)) in passes.iter_mut().enumerate() {
            let t = Instant::now();
            f();
            samples[k].push(t.elapsed().as_secs_f64());
        }
    }
    let rows: Vec<Row> = passes
        .into_iter()
        .zip(samples)
        .map(|((label, _), s)| Row {
            label,
            secs: median(s),
        })
        .collect();
    let secs = |label: &str| {
        rows.iter()
            .find(|r| r.label == label)
            .expect("a timed row")
            .secs
    };
    let mb = bytes as f64 / 1e6;
    let rate = |label: &str| mb / secs(label);
    println!(
        "\n{name}: {notes} notes, {mb:.1} MB of text ({:.1} MB as JSONL), {:.1} % of notes \
         through the pipeline; output {:.1} MB (full map {:.1} MB)",
        jsonl.len() as f64 / 1e6,
        100.0 * through as f64 / notes as f64,
        scanned.len() as f64 / 1e6,
        today_bytes as f64 / 1e6
    );
    println!(
        "  {:<26} {:>10} {:>12} {:>10}",
        "", "MB/s", "notes/s", "x AC pass"
    );
    for r in &rows {
        println!(
            "  {:<26} {:>10.1} {:>12.0} {:>10.2}",
            r.label,
            mb / r.secs,
            notes as f64 / r.secs,
            secs("aho-corasick pass") / r.secs
        );
    }
    let (scan_rate, ac_rate, today) = (
        rate("scan"),
        rate("aho-corasick pass"),
        rate("scan, full map (today)"),
    );
    let verdict = |ok: bool| if ok { "PASS" } else { "MISS" };
    match floor {
        Floor::Real => {
            println!(
                "  floor: scan >= 1000 MB/s: {scan_rate:.1} MB/s {}; scan >= 5x AC pass: {:.2}x {}",
                verdict(scan_rate >= 1000.0),
                scan_rate / ac_rate,
                verdict(scan_rate >= 5.0 * ac_rate)
            );
        }
        Floor::Rare => {
            println!(
                "  floor: scan >= 3x AC pass: {:.2}x {}",
                scan_rate / ac_rate,
                verdict(scan_rate >= 3.0 * ac_rate)
            );
        }
        Floor::Common => {
            println!(
                "  floor: scan no slower than today's: {scan_rate:.1} vs {today:.1} MB/s ({:.2}x) {}",
                scan_rate / today,
                verdict(scan_rate >= today)
            );
        }
    }
}

/// The floor for a corpus.
#[derive(Clone, Copy)]
enum Floor {
    /// Real notes, bone infection absent.
    Real,
    /// 1 % of notes.
    Rare,
    /// 20 % of notes.
    Common,
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
    let single = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a pool");
    let all = rayon::ThreadPoolBuilder::new().build().expect("a pool");
    let tools = Tools {
        analyzer: &analyzer,
        reference: &reference,
        ac: &ac,
        single: &single,
        all: &all,
        runs,
    };
    println!(
        "docgap throughput: {} patterns, {} first-tier keys, {} threads, {} runs each (median), {} MiB per corpus",
        analyzer.matcher().pattern_count(),
        analyzer.prefilter().key_count(),
        all.current_num_threads(),
        runs,
        target >> 20
    );
    match mtsamples() {
        Some(base) => corpus(
            "(a) MTSamples, replicated",
            &tools,
            replicate(&base, target),
            Floor::Real,
        ),
        None => println!(
            "\n(a) MTSamples: ../shared/external/mtsamples/mtsamples.jsonl not found, skipped"
        ),
    }
    corpus(
        "(b) synth --osteo-share 1",
        &tools,
        synthetic(target, 1),
        Floor::Rare,
    );
    corpus(
        "(b) synth --osteo-share 20",
        &tools,
        synthetic(target, 20),
        Floor::Common,
    );

    // Latency of one ~4 KB note with osteomyelitis content.
    let note = docgap::tools::synth::notes(3000, 42)
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
