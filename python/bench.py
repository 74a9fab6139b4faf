#!/usr/bin/env python3
"""What the Python package costs over Rust, and its batch speed against
the command, in one run:

1. Per-note overhead over the Rust call: the stages bench's 4 KB note
   (`docgap synth --notes 3000 --seed 42`, the osteomyelitis note closest
   to 4,096 bytes) analysed into a record N times by `Analyzer.analyze()`
   (a dict), by `analyze_json()` (a str), and in Rust alone
   (`_native_seconds`, no Python in the loop). Target: overhead < 10 us.
2. Batch throughput on the same JSONL: `analyze_many_json()` over the
   texts (GIL released, every core) against `docgap scan --jobs N FILE -o
   FILE`, both in MB/s of note text.

    python3 python/bench.py [--docgap target/release/docgap]
        [--jsonl ../shared/external/mtsamples/mtsamples.jsonl --times 20]

It prints each figure beside its target and never fails on time.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import docgap

TARGET_OVERHEAD_US = 10.0


def medium_note(binary):
    out = subprocess.run(
        [binary, "synth", "--notes", "3000", "--seed", "42"], check=True, capture_output=True
    ).stdout
    pool = [json.loads(l)["text"] for l in out.splitlines() if l.strip()]
    pool = [t for t in pool if "osteomyelitis" in t]
    return min(pool, key=lambda t: abs(len(t.encode()) - 4096))


def per_call(fn, repeat):
    """Median over 7 rounds of the seconds per call."""
    rounds = []
    for _ in range(7):
        t0 = time.perf_counter()
        for _ in range(repeat):
            fn()
        rounds.append((time.perf_counter() - t0) / repeat)
    return statistics.median(rounds)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docgap", default="target/release/docgap")
    ap.add_argument("--jsonl", default="../shared/external/mtsamples/mtsamples.jsonl")
    ap.add_argument("--times", type=int, default=20, help="replicate the JSONL this many times")
    ap.add_argument("--repeat", type=int, default=2000)
    args = ap.parse_args()

    # 1. Per-note overhead, offsets in bytes like the Rust call's default
    # and in chars (the package's default).
    text = medium_note(args.docgap)
    print(f"per note: {len(text.encode())}-byte note, {args.repeat} calls a round, median of 7")
    for offsets in ["bytes", "chars"]:
        a = docgap.Analyzer(offsets=offsets)
        native = statistics.median(
            a._native_seconds(text, args.repeat) / args.repeat for _ in range(7)
        )
        as_dict = per_call(lambda: a.analyze(text), args.repeat)
        as_json = per_call(lambda: a.analyze_json(text), args.repeat)
        for name, t in [("analyze() -> dict", as_dict), ("analyze_json() -> str", as_json)]:
            over = (t - native) * 1e6
            verdict = "meets" if over < TARGET_OVERHEAD_US else "MISSES"
            print(
                f"  offsets={offsets:5} {name:22} {t * 1e6:7.1f} us, Rust alone {native * 1e6:6.1f} us:"
                f" overhead {over:5.1f} us (target < {TARGET_OVERHEAD_US:.0f} us: {verdict})"
            )

    # 2. Batch throughput against the command on the same notes.
    with open(args.jsonl, encoding="utf-8") as f:
        rows = [json.loads(l) for l in f if l.strip()]
    rows = rows * args.times
    texts = [r["text"] for r in rows]
    ids = [str(r.get("id", i)) for i, r in enumerate(rows)]
    mb = sum(len(t.encode()) for t in texts) / 1e6
    cores = os.cpu_count()
    a = docgap.Analyzer(offsets="bytes")
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        out = a.analyze_many_json(texts, ids)
        runs.append(time.perf_counter() - t0)
    assert len(out) == len(texts)
    package = mb / statistics.median(runs)
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "in.jsonl")
        with open(src, "w", encoding="utf-8") as f:
            for i, t in zip(ids, texts):
                f.write(json.dumps({"id": i, "text": t}) + "\n")
        runs = []
        for _ in range(3):
            t0 = time.perf_counter()
            subprocess.run(
                [args.docgap, "scan", "--jobs", str(cores), src, "-o", os.path.join(d, "out.jsonl")],
                check=True,
            )
            runs.append(time.perf_counter() - t0)
        command = mb / statistics.median(runs)
    print(f"batch: {len(texts)} notes, {mb:.1f} MB of text, {cores} cores, median of 3")
    print(f"  analyze_many_json(): {package:7.1f} MB/s")
    print(f"  docgap scan --jobs {cores}: {command:7.1f} MB/s (file in, file out)")
    print(f"  package / command: {package / command:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
