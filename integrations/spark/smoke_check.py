"""Helpers of smoke_test.sh: build the input, then check Spark's results
against `docgap scan` run directly, note by note.

    python smoke_check.py make-input OUT.jsonl --notes N --docgap BIN
    python smoke_check.py check --input IN.jsonl --direct DIRECT.jsonl \
        --spark OUT.parquet --docgap BIN
    python smoke_check.py bench --input IN.jsonl --docgap BIN --repeat 3

`make-input` needs only the standard library; `check` and `bench` need
pyspark.
"""

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f if line.strip()]


def synth_available(docgap):
    probe = subprocess.run([docgap, "synth", "--help"], capture_output=True)
    return probe.returncode == 0


def make_input(args):
    """Sample corpus + shipped test notes + N synthetic notes + bad records.

    Synthetic notes come from `docgap synth` when the binary has it, else
    from the shipped notes replicated with a distinguishing first line; they
    always get fresh ids so every id in the input is unique.
    """
    sources = []
    sample = os.path.join(REPO, "corpora", "sample.jsonl")
    if os.path.exists(sample):
        sources.append(("corpora/sample.jsonl", read_jsonl(sample)))
    base = read_jsonl(os.path.join(HERE, "testdata", "notes.jsonl"))
    sources.append(("integrations/spark/testdata/notes.jsonl", base))

    synthetic = []
    how = None
    if synth_available(args.docgap):
        with tempfile.NamedTemporaryFile(suffix=".jsonl") as tmp:
            cmd = [args.docgap, "synth", "--notes", str(args.notes), "--seed", "7", "-o", tmp.name]
            run = subprocess.run(cmd, capture_output=True, text=True)
            if run.returncode == 0:
                for i, line in enumerate(read_jsonl(tmp.name)):
                    try:
                        rec = json.loads(line)
                    except ValueError:
                        synthetic.append(line)  # a deliberately bad record: kept as is
                        continue
                    if isinstance(rec, dict):
                        rec["id"] = f"syn-{i:06d}"
                    synthetic.append(json.dumps(rec, ensure_ascii=False))
                how = "docgap synth --seed 7"
            else:
                print(f"  ({' '.join(cmd[1:])} failed, replicating instead: {run.stderr.strip()[:200]})")
    if how is None:
        templates = [json.loads(line) for line in base]
        for i in range(args.notes):
            rec = dict(templates[i % len(templates)])
            rec["id"] = f"syn-{i:06d}"
            rec["text"] = f"Visit ref SYN-{i:06d}\n" + rec["text"]
            synthetic.append(json.dumps(rec, ensure_ascii=False))
        how = "replicated from testdata/notes.jsonl"
    sources.append((f"{args.notes} synthetic ({how})", synthetic))
    sources.append(("integrations/spark/testdata/bad.jsonl", read_jsonl(os.path.join(HERE, "testdata", "bad.jsonl"))))

    with open(args.out, "w", encoding="utf-8") as f:
        for _, lines in sources:
            for line in lines:
                f.write(line + "\n")
    for name, lines in sources:
        print(f"  input: {len(lines):6d} records from {name}")


NULL_FIELD = re.compile(r'^field ("[^"]*") must be a string(?: or number)?, found null$')


def normalise(rec):
    """A record without what legitimately differs between the two runs:
    where a record's line was (file:line directly, <stdin>:n in a task; on
    error records and on results with warnings), and missing versus null fields (Spark's reader reads both as
    null, so docgap says "found null" where it said "missing field")."""
    rec = dict(rec)
    # A result analysed with warnings names its input location too.
    rec.pop("location", None)
    if isinstance(rec.get("error"), dict):
        err = {k: v for k, v in rec["error"].items() if k != "location"}
        if isinstance(err.get("message"), str):
            err["message"] = NULL_FIELD.sub(r"missing field \1", err["message"])
        rec["error"] = err
    return rec


def expected_columns(rec):
    if "error" in rec:
        return (None, None, normalise(rec)["error"]["message"])
    return ([c["code"] for c in rec["codes"]], [f["id"] for f in rec["flags"]], None)


# A stand-in for docgap that breaks its contract in the way --mode says.
FAKE_DOCGAP = r"""
import json, os, signal, sys
mode = sys.argv[sys.argv.index("--mode") + 1]
out = sys.stdout
for i, line in enumerate(sys.stdin):
    rec = {"schema_version": 1, "id": json.loads(line)["id"], "codes": [], "flags": [], "findings": []}
    if mode == "drop" and i == 1:
        continue
    if mode == "garbage" and i == 1:
        out.write("this is not JSON\n")
        continue
    if mode in ("short", "crash") and i == 2:
        out.flush()
        if mode == "crash":
            os.kill(os.getpid(), signal.SIGKILL)
        sys.exit(0)
    out.write(json.dumps(rec) + "\n")
if mode == "extra":
    out.write(json.dumps({"schema_version": 1, "id": "ghost", "codes": [], "flags": [], "findings": []}) + "\n")
"""


def check(args):
    from pyspark.sql import SparkSession, functions as F

    sys.path.insert(0, HERE)
    import docgap_spark

    failures = []

    def fail(msg):
        failures.append(msg)
        if len(failures) <= 20:
            print(f"  MISMATCH: {msg}")

    inputs = read_jsonl(args.input)
    direct = [json.loads(line) for line in read_jsonl(args.direct)]
    if len(direct) != len(inputs):
        print(f"FAIL: docgap scan wrote {len(direct)} records for {len(inputs)} input records")
        return 1
    by_id = {}
    anonymous = collections.Counter()
    for rec in direct:
        if rec.get("id") is None:
            anonymous[json.dumps(normalise(rec), sort_keys=True)] += 1
        else:
            if rec["id"] in by_id:
                fail(f"duplicate id {rec['id']!r} in the input")
            by_id[rec["id"]] = rec

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("docgap-spark-smoke-check")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("WARN")

    def compare(label, rows, whole_records, n_inputs, by_id, anonymous):
        """rows: (id, codes, flags, error, result_json) of one Spark run;
        by_id, anonymous: what docgap scan wrote for the same notes."""
        before = len(failures)
        if len(rows) != n_inputs:
            fail(f"{label}: {len(rows)} rows for {n_inputs} input notes")
        seen = collections.Counter()
        spark_anonymous = collections.Counter()
        for row_id, codes, flags, error, result_json in rows:
            rec = json.loads(result_json)
            if row_id != rec.get("id"):
                fail(f"{label}: id column {row_id!r} but result_json id {rec.get('id')!r}")
            if row_id is None:
                spark_anonymous[json.dumps(normalise(rec), sort_keys=True)] += 1
                continue
            seen[row_id] += 1
            want = by_id.get(row_id)
            if want is None:
                fail(f"{label}: row for id {row_id!r}, which docgap scan did not report")
                continue
            if error is not None:
                error = NULL_FIELD.sub(r"missing field \1", error)
            if (codes, flags, error) != expected_columns(want) and whole_records:
                fail(f"{label}: {row_id}: columns {(codes, flags, error)} != {expected_columns(want)}")
            if whole_records:
                if normalise(rec) != normalise(want):
                    fail(f"{label}: {row_id}: record differs from docgap scan:\n    spark  {result_json[:300]}\n    direct {json.dumps(want)[:300]}")
            elif "error" in want:
                if error is None:
                    fail(f"{label}: {row_id}: no error row, docgap scan reported {want['error']['message']!r}")
            elif (codes, flags, error) != expected_columns(want) or normalise(rec) != normalise(want):
                fail(f"{label}: {row_id}: differs from docgap scan")
        for row_id, n in seen.items():
            if n != 1:
                fail(f"{label}: {n} rows for id {row_id!r}")
        missing = set(by_id) - set(seen)
        if missing:
            fail(f"{label}: {len(missing)} notes have no row, e.g. {sorted(missing)[:5]}")
        if whole_records and spark_anonymous != anonymous:
            fail(f"{label}: error records without an id differ: {dict(spark_anonymous)} != {dict(anonymous)}")
        elif sum(spark_anonymous.values()) != sum(anonymous.values()):
            fail(f"{label}: {sum(spark_anonymous.values())} rows without an id, expected {sum(anonymous.values())}")
        n_err = sum(1 for r in rows if r[3] is not None)
        verdict = "ok" if len(failures) == before else f"{len(failures) - before} mismatches"
        print(f"  {label}: {len(rows)} rows for {n_inputs} input notes, {n_err} error rows: {verdict}")

    # 1. What spark-submit wrote: whole records must equal docgap scan's.
    written = spark.read.parquet(args.spark)
    cols = ["id", "codes", "flags", "error", "result_json"]
    dtypes = [("id", "string"), ("codes", "array<string>"), ("flags", "array<string>"),
              ("error", "string"), ("result_json", "string")]
    if written.dtypes != dtypes:
        fail(f"spark-submit output columns {written.dtypes} != {dtypes}")
    compare(
        "spark-submit --engine pipe (JSONL in, Parquet out)",
        [tuple(r) for r in written.select(*cols).collect()],
        True, len(inputs), by_id, anonymous,
    )
    if args.spark_package:
        written = spark.read.parquet(args.spark_package)
        if written.dtypes != dtypes:
            fail(f"spark-submit --engine package output columns {written.dtypes} != {dtypes}")
        compare(
            "spark-submit --engine package (in-process, mapInArrow)",
            [tuple(r) for r in written.select(*cols).collect()],
            True, len(inputs), by_id, anonymous,
        )
    engines = ["pipe", "package"] if args.spark_package else ["pipe"]

    # 2. The library on a Parquet DataFrame with the user's column names,
    #    the binary shipped with addFile. docgap's messages then name those
    #    columns, so error rows are compared by presence only.
    with tempfile.TemporaryDirectory() as tmp:
        notes, _, raw = docgap_spark.read_notes(spark, args.input)
        renamed = notes.where(F.col(raw).isNull()).select(
            F.col("id").alias("note_id"),
            F.col("text").alias("note_text"),
            F.col("assigned_codes").alias("claim"),
        )
        parquet_in = os.path.join(tmp, "notes.parquet")
        renamed.write.parquet(parquet_in)
        # Lines Spark could not parse (kept whole in _corrupt_record) are
        # not in this DataFrame: leave them out of the expectation too.
        # (All columns: Spark parses only the columns a query reads, so a
        # type error in an unread column would not make a line corrupt.)
        corrupt = [r[raw] for r in notes.where(F.col(raw).isNotNull()).collect()]
        lib_by_id, lib_anonymous = dict(by_id), collections.Counter(anonymous)
        for line in corrupt:
            want = direct[inputs.index(line)]
            if want.get("id") is None:
                lib_anonymous[json.dumps(normalise(want), sort_keys=True)] -= 1
            else:
                del lib_by_id[want["id"]]
        spark.sparkContext.addFile(os.path.abspath(args.docgap))
        df = spark.read.parquet(parquet_in)
        for engine in engines:
            t0 = time.perf_counter()
            out = docgap_spark.scan_dataframe(
                df, id_col="note_id", text_col="note_text", codes_col="claim",
                binary=os.path.basename(args.docgap), num_partitions=4, engine=engine,
            )
            rows = [tuple(r) for r in out.collect()]
            elapsed = time.perf_counter() - t0
            compare(
                f"scan_dataframe, engine {engine} (Parquet, renamed columns, 4 partitions)",
                rows, False, len(inputs) - len(corrupt), lib_by_id, +lib_anonymous,
            )
            print(f"  scan_dataframe, engine {engine}: {len(rows)} rows in {elapsed:.2f} s (session already up)")

    # 3. A docgap process that fails fails the task (and so the job): no
    #    partial output passes for a result.
    bad = spark.createDataFrame([("x-1", "Osteomyelitis.")], "id string, text string")
    spark.sparkContext.setLogLevel("OFF")  # the failure below is expected
    try:
        docgap_spark.scan_dataframe(
            bad, binary=os.path.abspath(args.docgap), extra_args=("--lexicons", "/nonexistent"),
            engine="pipe",
        ).collect()
        fail("a docgap process that exits with status 1 did not fail the job")
    except Exception as e:  # noqa: BLE001 - any Spark job failure
        if "DocgapProcessError" not in str(e) and "docgap exited with status" not in str(e):
            fail(f"failed docgap process surfaced as an unexpected error: {str(e)[:300]}")
        else:
            print("  a failing docgap process fails the task: ok")
    if args.spark_package:
        # In-process, a bad lexicon directory fails the task the same way.
        try:
            docgap_spark.scan_dataframe(
                bad, extra_args=("--lexicons", "/nonexistent"), engine="package"
            ).collect()
            fail("engine package: a bad lexicon directory did not fail the job")
        except Exception as e:  # noqa: BLE001 - any Spark job failure
            if "/nonexistent" not in str(e):
                fail(f"engine package: a bad lexicon directory surfaced as: {str(e)[:300]}")
            else:
                print("  engine package: a bad lexicon directory fails the task: ok")
    # A bad flag is a usage error (exit 1): the task fails, rather than
    # passing as a job of error rows (clap's own status, 2, did that).
    try:
        docgap_spark.scan_dataframe(
            bad, binary=os.path.abspath(args.docgap), extra_args=("--no-such-flag",)
        ).collect()  # auto: an option the package lacks takes the pipe
        fail("a docgap run with a bad flag did not fail the job")
    except Exception as e:  # noqa: BLE001 - any Spark job failure
        if "DocgapProcessError" not in str(e) and "docgap exited with status" not in str(e):
            fail(f"a bad flag surfaced as an unexpected error: {str(e)[:300]}")
        else:
            print("  a bad flag fails the task: ok")
    spark.sparkContext.setLogLevel("WARN")

    # 4. A docgap that breaks the one-line-per-record contract: every input
    #    row still gets exactly one row, the affected ones error rows.
    with tempfile.TemporaryDirectory() as tmp:
        fake = os.path.join(tmp, "fake-docgap")
        with open(fake, "w") as f:
            f.write(f"#!{sys.executable}\n" + FAKE_DOCGAP)
        os.chmod(fake, 0o755)
        notes = spark.createDataFrame(
            [(f"p-{i}", f"Osteomyelitis {i}.") for i in range(5)], "id string, text string"
        ).coalesce(1)
        cases = {
            # mode: (error rows expected, substring of their errors)
            "ok": (0, None),
            "drop": (4, "out of step"),  # line 2 missing: rows 2-4 shifted, row 5 none
            "extra": (1, "more than it was given"),
            "garbage": (1, "not a result record"),
            "short": (3, "wrote no result"),  # exits 0 after 2 lines
        }
        spark.sparkContext.setLogLevel("OFF")
        before = len(failures)
        for mode, (n_errors, text) in cases.items():
            rows = docgap_spark.scan_dataframe(notes, binary=fake, extra_args=("--mode", mode)).collect()
            errors = [r["error"] for r in rows if r["error"] is not None]
            ids = [r["id"] for r in rows]
            if len(rows) != 5 or ids != [f"p-{i}" for i in range(5)]:
                fail(f"fake docgap {mode}: rows {ids}, expected p-0..p-4 in order")
            elif len(errors) != n_errors or (text and not any(text in e for e in errors)):
                fail(f"fake docgap {mode}: error rows {errors}")
        try:
            docgap_spark.scan_dataframe(notes, binary=fake, extra_args=("--mode", "crash")).collect()
            fail("fake docgap crash: the job did not fail")
        except Exception as e:  # noqa: BLE001
            if "killed by signal 9" not in str(e):
                fail(f"fake docgap crash: unexpected error {str(e)[:300]}")
        spark.sparkContext.setLogLevel("WARN")
        if len(failures) == before:
            print("  a docgap that drops, adds or garbles lines or crashes: every note accounted for: ok")

    spark.stop()
    if failures:
        print(f"FAIL: {len(failures)} mismatches")
        return 1
    return 0


def bench(args):
    """Steady-state figures: the same job repeated in one Spark session
    (the first run pays for JVM warm-up), against docgap scan --jobs 2."""
    from pyspark.sql import SparkSession

    sys.path.insert(0, HERE)
    import docgap_spark

    spark = SparkSession.builder.master("local[2]").appName("docgap-spark-bench").getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    spark.conf.set(docgap_spark.SPLIT_CONF, docgap_spark.SPLIT_DEFAULT)  # as the command line
    spark.sparkContext.addFile(os.path.abspath(args.docgap))
    n = sum(1 for _ in read_jsonl(args.input))
    size = os.path.getsize(args.input)

    def show(label, s):
        print(f"   {label:<44} {s:7.2f} s {n / s:9.0f} notes/s {size / s / 1e6:7.2f} MB/s")

    engines = ["pipe", "package"] if docgap_spark.package_available() else ["pipe"]
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat):
            t0 = time.perf_counter()
            subprocess.run(
                [args.docgap, "scan", "--jobs", "2", args.input, "-o", os.path.join(tmp, "direct.jsonl")],
                stderr=subprocess.DEVNULL,
            )
            direct = time.perf_counter() - t0
            show(f"run {i + 1}: docgap scan --jobs 2", direct)
            for engine in engines:
                notes, codes, raw = docgap_spark.read_notes(spark, args.input)
                if notes.rdd.getNumPartitions() < 2:
                    notes = notes.repartition(2)
                out = docgap_spark.scan_dataframe(notes, binary=os.path.basename(args.docgap),
                                                  codes_col=codes, raw_col=raw, engine=engine)
                t0 = time.perf_counter()
                out.write.mode("overwrite").parquet(os.path.join(tmp, "out.parquet"))
                stage = time.perf_counter() - t0
                show(f"run {i + 1}: spark local[2] scan+write, {engine}", stage)
                print(f"   run {i + 1}: {engine}: {stage / direct:.1f}x docgap scan")
    spark.stop()
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make-input")
    m.add_argument("out")
    m.add_argument("--notes", type=int, default=3000)
    m.add_argument("--docgap", required=True)
    c = sub.add_parser("check")
    c.add_argument("--input", required=True)
    c.add_argument("--direct", required=True)
    c.add_argument("--spark", required=True)
    c.add_argument("--docgap", required=True)
    c.add_argument("--spark-package", help="the same job's output with --engine package")
    b = sub.add_parser("bench")
    b.add_argument("--input", required=True)
    b.add_argument("--docgap", required=True)
    b.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    if args.cmd == "bench":
        return bench(args)
    if args.cmd == "make-input":
        make_input(args)
        return 0
    return check(args)


if __name__ == "__main__":
    sys.exit(main())
