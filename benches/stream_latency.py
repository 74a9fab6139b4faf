#!/usr/bin/env python3
"""Round-trip latency of `docgap scan --stream`, as a scribe backend in
another language sees it: one long-lived child process, one 4 KB note
written to its standard input, the time until its result line is read
back, then the next note.

    cargo build --release
    python3 benches/stream_latency.py [--docgap target/release/docgap]

The note is the medium note of `cargo bench --bench stages` (the
osteomyelitis note of `docgap synth --notes 3000 --seed 42` closest to
4,096 bytes), so the figure sits beside that bench's `analyze` time. It
prints p50, p90, p99 and the target (p50 under 100 us) in one run, and the
cost of the alternative it replaces (a process per note) for scale. It
never fails on time: a slow machine gets a slow figure, not a red build.
"""

import argparse
import json
import statistics
import subprocess
import sys
import time

TARGET_P50_US = 100.0


def medium_note(docgap):
    """The stages bench's medium note: synth seed 42, closest to 4 KB."""
    out = subprocess.run(
        [docgap, "synth", "--notes", "3000", "--seed", "42"],
        check=True,
        capture_output=True,
    ).stdout
    texts = [json.loads(l)["text"] for l in out.splitlines() if l.strip()]
    pool = [t for t in texts if "osteomyelitis" in t]
    return min(pool, key=lambda t: abs(len(t.encode()) - 4096))


def percentile(sorted_values, p):
    i = min(len(sorted_values) - 1, int(round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[i]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docgap", default="target/release/docgap")
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--warmup", type=int, default=300)
    args = ap.parse_args()

    text = medium_note(args.docgap)
    child = subprocess.Popen(
        [args.docgap, "scan", "--stream"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    stdin, reader = child.stdin, child.stdout

    def ask(i):
        line = (json.dumps({"id": f"n{i}", "text": text}) + "\n").encode()
        t0 = time.perf_counter_ns()
        stdin.write(line)
        stdin.flush()
        answer = reader.readline()
        t1 = time.perf_counter_ns()
        return (t1 - t0) / 1000.0, answer

    codes = None
    for i in range(args.warmup):
        _, answer = ask(i)
        codes = [c["code"] for c in json.loads(answer)["codes"]]
    times = sorted(ask(i)[0] for i in range(args.requests))
    stdin.close()
    child.wait()

    # The floor any child process pays on this machine: the same line
    # through `cat` (write, wake the child, copy back, wake the parent).
    echo = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    line = (json.dumps({"id": "x", "text": text}) + "\n").encode()
    floor = []
    for i in range(args.requests):
        t0 = time.perf_counter_ns()
        echo.stdin.write(line)
        echo.stdin.flush()
        echo.stdout.readline()
        floor.append((time.perf_counter_ns() - t0) / 1000.0)
    echo.stdin.close()
    echo.wait()
    floor.sort()

    # The route it replaces: one process per note.
    spawn = []
    payload = (json.dumps({"id": "x", "text": text}) + "\n").encode()
    for _ in range(30):
        t0 = time.perf_counter_ns()
        subprocess.run([args.docgap, "scan", "-"], input=payload, capture_output=True, check=True)
        spawn.append((time.perf_counter_ns() - t0) / 1000.0)

    p50 = percentile(times, 50)
    print(f"note: {len(text.encode())} bytes, codes {codes}; {args.requests} requests after {args.warmup} warm-up")
    print(f"round trip p50 {p50:.1f} us  p90 {percentile(times, 90):.1f} us  "
          f"p99 {percentile(times, 99):.1f} us  max {times[-1]:.1f} us")
    f50 = percentile(floor, 50)
    print(f"pipe floor (the same line echoed by cat): p50 {f50:.1f} us  p99 {percentile(floor, 99):.1f} us;"
          f" docgap adds {p50 - f50:.1f} us at p50")
    verdict = "meets" if p50 < TARGET_P50_US else "MISSES"
    print(f"target: p50 < {TARGET_P50_US:.0f} us: {verdict} it ({p50 / TARGET_P50_US:.2f} of the target)")
    print(f"for scale, a process per note: median {statistics.median(spawn) / 1000:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
