//! Per-stage and whole-note benchmarks on a short (~1 KB), a medium (~4 KB)
//! and a long (~16 KB) note with osteomyelitis content.
//!
//! `cargo bench --bench stages -- --warm-up-time 1 --measurement-time 3`
//!
//! Stages, each timed alone on inputs built outside the timed loop:
//! `segment` (sections and sentences), `match` (the Aho-Corasick pass),
//! `context` (evidence map: assertions and links, from ready matches),
//! `rules` (codes and flags, from a ready map), and `analyze` (the whole
//! note). Throughput is in bytes of note text. Before timing, each note's
//! match count is checked against the reference engine and the note must
//! get a code, so a broken stage cannot look fast.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use docgap::internals::Matcher;
use docgap::internals::{apply_rules, build_evidence};
use docgap::Analyzer;

/// Synthetic notes with osteomyelitis, closest to each size.
fn notes() -> Vec<(&'static str, String)> {
    let pool: Vec<String> = docgap::tools::synth::notes(3000, 42)
        .map(|n| n.text)
        .filter(|t| t.contains("osteomyelitis"))
        .collect();
    let closest = |size: usize| {
        pool.iter()
            .min_by_key(|t| t.len().abs_diff(size))
            .expect("the synthetic corpus has osteomyelitis notes")
            .clone()
    };
    vec![
        ("short", closest(1024)),
        ("medium", closest(4096)),
        ("long", closest(16384)),
    ]
}

fn stages(c: &mut Criterion) {
    let analyzer = Analyzer::new();
    let reference = Matcher::reference_for(analyzer.lexicon());
    for (size, text) in notes() {
        let text = text.as_str();
        // The checks that keep the figures honest.
        let expected = reference.count(text);
        assert_eq!(
            analyzer.matcher().count(text),
            expected,
            "{size}: match count"
        );
        assert!(expected > 10, "{size}: {expected} matches");
        let analysis = analyzer.analyze(text);
        assert!(!analysis.codes.is_empty(), "{size}: the note gets a code");

        let segments = analyzer.segmenter().segment(text);
        let matches: Vec<_> = analyzer
            .matcher()
            .find_all(text)
            .into_iter()
            .map(|m| (m, analyzer.matcher().entries_of(m.pattern)))
            .collect();
        let map = build_evidence(text, analyzer.lexicon(), &matches, &segments);

        let mut g = c.benchmark_group(format!("stages/{size}"));
        g.sample_size(20);
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function(BenchmarkId::new("segment", text.len()), |b| {
            b.iter(|| analyzer.segmenter().segment(black_box(text)))
        });
        g.bench_function(BenchmarkId::new("match", text.len()), |b| {
            b.iter(|| {
                let n = analyzer.matcher().count(black_box(text));
                assert_eq!(n, expected);
                n
            })
        });
        g.bench_function(BenchmarkId::new("context", text.len()), |b| {
            b.iter(|| build_evidence(black_box(text), analyzer.lexicon(), &matches, &segments))
        });
        g.bench_function(BenchmarkId::new("rules", text.len()), |b| {
            b.iter(|| apply_rules(black_box(&map), None))
        });
        g.bench_function(BenchmarkId::new("analyze", text.len()), |b| {
            b.iter(|| analyzer.analyze(black_box(text)))
        });
        g.finish();
    }
}

criterion_group!(benches, stages);
criterion_main!(benches);
