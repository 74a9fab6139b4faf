"""Run `docgap scan` on Apache Spark.

Two engines, the same records:

- package (in-process): where the docgap Python package (`python/`, one
  abi3 wheel) and pyarrow are installed on the executors, each task hands
  its Arrow batches to `docgap.Analyzer.scan_lines` inside the Python
  worker (`DataFrame.mapInArrow`): no child process, no pipe, notes
  analysed on the worker's threads with the GIL released.
- pipe (the fallback): the unchanged docgap binary runs on every executor.

`engine="auto"` (the default) takes the package when it imports on the
driver and every extra option is one the package supports (`--lexicons`),
the pipe otherwise. Both engines give one result row per input row with the
same columns; the record in `result_json` is the same but for where it
names its input (`<input>:1` against `<stdin>:N`), and the package route
does not warn about ids repeated within a partition.

The pipe route: each Spark task starts
one `docgap scan --jobs 1 -` process, streams its partition's notes to it as
JSON Lines on standard input and pairs the result lines with the input rows
by position (`docgap scan -` writes exactly one line per input line, in
order), checking that each result carries the id of its row. Spark supplies
the parallelism (one process per running task) and the fault tolerance (a
task whose docgap process fails is retried).

Library use, from a job that already has a SparkSession:

    from docgap_spark import scan_dataframe
    spark.sparkContext.addFile("/path/to/docgap")      # or spark-submit --files
    results = scan_dataframe(notes_df, id_col="note_id", text_col="note_text",
                             binary="docgap")            # a name shipped with addFile
    results.write.parquet("s3://bucket/docgap-results/")

Command line (see README.md):

    spark-submit --master local[2] --files target/release/docgap \\
        integrations/spark/docgap_spark.py \\
        --input notes.parquet --id-col id --text-col text \\
        --output results.parquet --docgap docgap [--engine auto|package|pipe]

The result has exactly one row per input row (rows keep their order within
a partition; repartitioning moves rows between partitions, so join on id,
not on position):

    id           string         the input id (cast to string)
    codes        array<string>  suggested codes; null on an error row
    flags        array<string>  flag ids; null on an error row
    error        string         null when the note was analysed; otherwise
                                why not (docgap's error message, or what
                                went wrong with the docgap process)
    result_json  string         docgap's whole output record for the note

The pipe route needs only the Python standard library and pyspark on the
cluster; the package route needs the docgap wheel, pyarrow and pandas
(pyspark's requirement for mapInArrow) in the executors' Python.
"""

import argparse
import importlib.util
import json
import os
import queue
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time

from pyspark import SparkFiles, cloudpickle
from pyspark.sql import SparkSession, functions as F, types as T

if __name__ != "__main__":
    # Ship this module's code with the tasks that use it, so executors need
    # no --py-files (spark-submit of this file pickles it by value anyway).
    cloudpickle.register_pickle_by_value(sys.modules[__name__])

# The result (scan_dataframe's columns).
OUTPUT_SCHEMA = T.StructType(
    [
        T.StructField("id", T.StringType(), True),
        T.StructField("codes", T.ArrayType(T.StringType(), True), True),
        T.StructField("flags", T.ArrayType(T.StringType(), True), True),
        T.StructField("error", T.StringType(), True),
        T.StructField("result_json", T.StringType(), True),
    ]
)

# What a task yields per input row, before the result line is parsed (in the
# JVM, see _results): the row's id, whether docgap was given the row's
# raw line (then the id is docgap's), docgap's output line, and what went
# wrong with the pipe when no line belongs to the row.
PIPE_SCHEMA = T.StructType(
    [
        T.StructField("id", T.StringType(), True),
        T.StructField("raw", T.BooleanType(), False),
        T.StructField("line", T.StringType(), True),
        T.StructField("failure", T.StringType(), True),
    ]
)

# The part of docgap's record the result columns are taken from.
_RECORD_SCHEMA = (
    "id string, codes array<struct<code: string>>, flags array<struct<id: string>>, "
    "error struct<message: string>"
)

# docgap's exit statuses that mean "every input line got its output line":
# 0 all analysed, 2 some records yielded error records. Anything else fails
# the task: 1 is a usage, configuration or I/O failure (a bad flag included:
# docgap exits 1 for it, never clap's 2, so a typo cannot pass as a job of
# error rows).
_DOCGAP_OK = (0, 2)
_END = object()


class DocgapProcessError(RuntimeError):
    """The docgap process failed (usage/configuration error, crash, signal).

    Raised inside the task, so Spark fails the task and retries it
    (`spark.task.maxFailures`); the failed attempt's rows are discarded, so
    no note is silently lost.
    """


def resolve_binary(binary):
    """Finds the docgap executable on this executor.

    A path containing a separator is used as given (it must exist on every
    executor); a bare name is looked up among the files shipped with
    `--files` / `SparkContext.addFile` (`SparkFiles.get`), then on PATH.
    """
    if os.sep in binary:
        path = binary
    else:
        path = None
        shipped = "none"
        try:
            root = SparkFiles.getRootDirectory()
            shipped = ", ".join(sorted(os.listdir(root))) or "none"
            if os.path.isfile(os.path.join(root, binary)):
                path = os.path.join(root, binary)
        except Exception:  # no SparkFiles root: not in a Spark task
            pass
        if path is None:
            path = shutil.which(binary)
        if path is None:
            raise DocgapProcessError(
                f"docgap binary {binary!r} not found among the files shipped to this "
                f"executor ({shipped}) nor on PATH: ship it with --files/addFile, or "
                f"pass a path that exists on every executor"
            )
    if not os.access(path, os.X_OK):
        # Files fetched by Spark are normally executable; fix it if not.
        try:
            os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        except OSError as e:
            raise DocgapProcessError(f"docgap binary {path} is not executable: {e}") from e
    return path


def _raw_line(raw):
    """The raw input line to hand docgap verbatim, or None: only a single,
    non-blank line keeps docgap's one-line-in, one-line-out pairing."""
    if raw is None or "\n" in raw or "\r" in raw or not raw.strip():
        return None
    return raw.encode("utf-8", "replace") + b"\n"


def scan_partition(rows, binary, id_field="id", text_field="text", extra_args=()):
    """Runs one docgap process over an iterator of (id, text, codes, raw)
    tuples and yields one PIPE_SCHEMA tuple per input tuple, in order: the
    output line of docgap paired with its input row by position.

    id: string or None; text: string or None; codes: list of strings or None
    (the claim); raw: None, or the original JSON line of a record Spark's
    reader could not parse, given to docgap verbatim so that its error record
    says what is wrong with it. Usable without Spark (any iterator) with a
    binary path.
    """
    exe = resolve_binary(binary)
    cmd = [exe, "scan", "--jobs", "1", "--id-field", id_field, "--text-field", text_field]
    cmd += list(extra_args) + ["-"]
    with tempfile.TemporaryFile() as stderr:
        proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, bufsize=1 << 16
        )
        # Ids of the rows handed to docgap, in order, then _END. The writer
        # puts an id before writing its line, so a result line always finds
        # its id here; the queue holds only the lines in flight.
        expected = queue.Queue()
        failure = []
        stop = threading.Event()

        def feed():
            broken = False
            try:
                for row in rows:
                    if stop.is_set():
                        break
                    row_id, text, codes, raw = row
                    line = _raw_line(raw)
                    expected.put((row_id, line is not None))
                    if broken:
                        continue  # still counted: it will get an error row
                    if line is None:
                        rec = {id_field: row_id, text_field: text}
                        if codes is not None:
                            rec["assigned_codes"] = list(codes)
                        # ASCII JSON: one line whatever the text holds
                        # (newlines, U+2028, lone surrogates are escaped).
                        line = json.dumps(rec).encode("ascii") + b"\n"
                    try:
                        proc.stdin.write(line)
                    except (BrokenPipeError, ValueError):
                        broken = True
            except BaseException as e:  # noqa: BLE001 - re-raised in the task thread
                failure.append(e)
            finally:
                try:
                    proc.stdin.close()
                except OSError:
                    pass
                expected.put(_END)

        writer = threading.Thread(target=feed, name="docgap-feed", daemon=True)
        writer.start()

        try:
            # Each row is held back by one line so that extra output after the
            # last record can still be reported on it.
            pending = None
            extra = []
            ended = False
            for line in proc.stdout:
                if ended:
                    extra.append(line)
                    continue
                item = expected.get()
                if item is _END:
                    ended = True
                    extra.append(line)
                    continue
                if pending is not None:
                    yield pending
                pending = (item[0], item[1], line.decode("utf-8", "replace").rstrip("\r\n"), None)
            status = proc.wait()
            writer.join()
            if failure:
                raise failure[0]
            stderr.seek(0)
            tail = stderr.read()[-2000:].decode("utf-8", "replace").strip()
            if status not in _DOCGAP_OK:
                how = f"was killed by signal {-status}" if status < 0 else f"exited with status {status}"
                raise DocgapProcessError(f"docgap {how}: {tail or '(no message)'} [{' '.join(cmd)}]")
            if extra and pending is not None:
                pending = pending[:3] + (
                    f"docgap wrote {len(extra)} line(s) more than it was given; "
                    f"this record's result cannot be trusted",
                )
            if pending is not None:
                yield pending
            while not ended:
                item = expected.get()
                if item is _END:
                    break
                yield (
                    item[0],
                    item[1],
                    None,
                    f"docgap wrote no result for this record (exit status {status}"
                    + (f": {tail}" if tail else "")
                    + ")",
                )
        finally:
            # The consumer may stop early (a limit, a failed task): never
            # leave the process behind.
            stop.set()
            if proc.poll() is None:
                proc.kill()
                proc.wait()


ENGINES = ("auto", "package", "pipe")
_ANALYZERS = {}


def package_options(extra_args):
    """The docgap.Analyzer keyword arguments for `docgap scan` options, or
    None when an option has no counterpart in the package."""
    args = list(extra_args)
    options = {}
    while args:
        flag = args.pop(0)
        if flag == "--lexicons" and args:
            options["lexicons"] = args.pop(0)
        elif flag.startswith("--lexicons="):
            options["lexicons"] = flag.split("=", 1)[1]
        else:
            return None
    return options


def package_available():
    """True when the docgap package and pyarrow import here."""
    return all(importlib.util.find_spec(m) is not None for m in ("docgap", "pyarrow"))


def choose_engine(engine, extra_args):
    """The engine `engine` resolves to: "package" or "pipe"."""
    if engine not in ENGINES:
        raise ValueError(f"engine {engine!r}: expected one of {', '.join(ENGINES)}")
    if engine == "pipe":
        return "pipe"
    usable = package_options(extra_args) is not None
    if engine == "package":
        if not package_available():
            raise ValueError(
                "engine 'package': the docgap Python package (python/) or pyarrow does not "
                "import here; install both on the driver and the executors, or use engine 'pipe'"
            )
        if not usable:
            raise ValueError(
                f"engine 'package': options {list(extra_args)} have no counterpart in the "
                "package (only --lexicons); use engine 'pipe'"
            )
        return "package"
    return "package" if usable and package_available() else "pipe"


def scan_batches(batches, id_field="id", text_field="text", options=None):
    """The package engine's task: Arrow batches of (id, text, codes, raw)
    in, Arrow batches of PIPE_SCHEMA out, one row per row, in order. Each
    row becomes the JSONL request the pipe route would write, and
    `docgap.Analyzer.scan_lines` answers it with the line `docgap scan`
    writes."""
    import pyarrow as pa

    import docgap

    key = tuple(sorted((options or {}).items()))
    analyzer = _ANALYZERS.get(key)
    if analyzer is None:
        # Built once per worker and options (lexicons parsed, automaton
        # compiled: milliseconds), not once per batch.
        analyzer = _ANALYZERS[key] = docgap.Analyzer(offsets="bytes", **dict(key))
    schema = pa.schema(
        [
            pa.field("id", pa.string()),
            pa.field("raw", pa.bool_(), nullable=False),
            pa.field("line", pa.string()),
            pa.field("failure", pa.string()),
        ]
    )
    for batch in batches:
        ids, texts, codes, raws = (batch.column(i).to_pylist() for i in range(4))
        lines, raw_flags = [], []
        for row_id, text, claim, raw in zip(ids, texts, codes, raws):
            line = _raw_line(raw)
            if line is not None:
                lines.append(line[:-1].decode("utf-8"))
                raw_flags.append(True)
                continue
            rec = {id_field: row_id, text_field: text}
            if claim is not None:
                rec["assigned_codes"] = list(claim)
            lines.append(json.dumps(rec))
            raw_flags.append(False)
        out = analyzer.scan_lines(lines, id_field, text_field)
        yield pa.RecordBatch.from_arrays(
            [
                pa.array(ids, pa.string()),
                pa.array(raw_flags, pa.bool_()),
                pa.array(out, pa.string()),
                pa.nulls(len(out), pa.string()),
            ],
            schema=schema,
        )


def scan_dataframe(
    df,
    id_col="id",
    text_col="text",
    binary="docgap",
    codes_col=None,
    num_partitions=None,
    extra_args=(),
    raw_col=None,
    engine="auto",
):
    """Scans the notes of `df` with docgap; returns a DataFrame of
    OUTPUT_SCHEMA with exactly one row per row of `df`.

    id_col: id column (string or integer; the result's id is its string form).
    text_col: note text column (string).
    binary: the docgap executable: a name shipped with --files/addFile, or a
        path present on every executor.
    codes_col: optional array<string> column of codes already on the claim
        (docgap's `assigned_codes`), so that the claim is audited.
    num_partitions: repartition first (each partition is one docgap process).
    extra_args: more `docgap scan` options, e.g. ("--lexicons", "/dir").
    raw_col: optional string column holding the original JSON line of a row
        the reader could not parse (Spark's `_corrupt_record`); such a row is
        given to docgap verbatim, so its error record says what is wrong.
    engine: "auto", "package" (in-process, mapInArrow) or "pipe" (the
        binary); see the module's docstring. `binary` is used by the pipe
        only.
    """
    fields = {f.name: f.dataType for f in df.schema.fields}
    for col in [id_col, text_col, codes_col, raw_col]:
        if col is not None and col not in fields:
            raise ValueError(f"column {col!r} not in the DataFrame (it has {sorted(fields)})")
    if not isinstance(fields[text_col], T.StringType):
        raise ValueError(
            f"text column {text_col!r} must be a string, not {fields[text_col].simpleString()}"
        )
    if codes_col and not (
        isinstance(fields[codes_col], T.ArrayType)
        and isinstance(fields[codes_col].elementType, T.StringType)
    ):
        raise ValueError(f"codes column {codes_col!r} must be array<string>")
    if id_col == text_col or "assigned_codes" in (id_col, text_col):
        raise ValueError("id and text must be two columns, neither named assigned_codes")
    # The JSON keys are the user's column names, so that docgap's messages
    # name them ("field \"note_text\" must be a string, found null").
    null = F.lit(None)
    selected = df.select(
        F.col(id_col).cast("string"),
        F.col(text_col),
        F.col(codes_col) if codes_col else null.cast("array<string>"),
        F.col(raw_col) if raw_col else null.cast("string"),
    )
    if num_partitions:
        selected = selected.repartition(num_partitions)
    extra_args = tuple(extra_args)
    if choose_engine(engine, extra_args) == "package":
        options = package_options(extra_args)

        def batches(it):
            return scan_batches(it, id_col, text_col, options)

        return _results(selected.mapInArrow(batches, PIPE_SCHEMA))

    def run(rows):
        return scan_partition(rows, binary, id_col, text_col, extra_args)

    spark = df.sparkSession
    piped = spark.createDataFrame(selected.rdd.mapPartitions(run), PIPE_SCHEMA, verifySchema=False)
    return _results(piped)


def _results(piped):
    """Turns the paired lines into OUTPUT_SCHEMA, checking that each line is
    a docgap record of the right id. The lines are parsed in the JVM
    (from_json), so the Python worker only pairs lines with rows."""
    # Parsed once: a projection referencing the parsed struct many times
    # does not re-parse (Spark keeps a non-cheap alias used twice).
    piped = piped.withColumn("_record", F.from_json("line", _RECORD_SCHEMA))
    rec = F.col("_record")
    # A docgap record has codes (a result) or error (an error record); a
    # line that is not JSON parses to nulls.
    is_record = rec["codes"].isNotNull() | rec["error"].isNotNull()
    row_id = F.when(F.col("raw"), rec["id"]).otherwise(F.col("id"))
    out_of_step = F.concat(
        F.lit("docgap output out of step: expected the record of id "),
        F.coalesce(F.col("id"), F.lit("null")),
        F.lit(", got id "),
        F.coalesce(rec["id"], F.lit("null")),
        F.coalesce(F.concat(F.lit("; its error: "), rec["error"]["message"]), F.lit("")),
    )
    error = (
        F.when(F.col("failure").isNotNull(), F.col("failure"))
        .when(~F.coalesce(is_record, F.lit(False)),
              F.concat(F.lit("docgap wrote a line that is not a result record: "),
                       F.substring(F.coalesce(F.col("line"), F.lit("")), 1, 200)))
        .when(~F.col("raw") & ~rec["id"].eqNullSafe(F.col("id")), out_of_step)
        .when(rec["error"].isNotNull(), F.coalesce(rec["error"]["message"], F.lit("error")))
    )
    ok = error.isNull()
    return piped.select(
        row_id.alias("id"),
        F.when(ok, F.transform(rec["codes"], lambda c: c["code"])).alias("codes"),
        F.when(ok, F.transform(rec["flags"], lambda f: f["id"])).alias("flags"),
        error.alias("error"),
        F.col("line").alias("result_json"),
    )


CORRUPT = "_corrupt_record"


def read_notes(spark, path, id_col="id", text_col="text", codes_col="assigned_codes"):
    """Reads notes from Parquet (a file or a directory) or JSON Lines
    (.jsonl/.json, optionally .gz).

    Returns (DataFrame, codes_col or None, raw_col or None) for
    scan_dataframe. JSON Lines are read with an explicit schema in
    PERMISSIVE mode: a line Spark cannot parse keeps its text in
    `_corrupt_record` and still becomes a row (an error row later), never a
    dropped note. A Parquet input without the codes column is scanned
    without a claim.
    """
    lower = path.rstrip("/").lower()
    if lower.endswith((".jsonl", ".json", ".jsonl.gz", ".json.gz")):
        fields = [T.StructField(id_col, T.StringType()), T.StructField(text_col, T.StringType())]
        if codes_col:
            fields.append(T.StructField(codes_col, T.ArrayType(T.StringType())))
        fields.append(T.StructField(CORRUPT, T.StringType()))
        df = (
            spark.read.schema(T.StructType(fields))
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", CORRUPT)
            .json(path)
        )
        return df, codes_col, CORRUPT
    df = spark.read.parquet(path)
    if codes_col and codes_col not in df.columns:
        codes_col = None
    return df, codes_col, None


SPLIT_CONF = "spark.sql.files.maxPartitionBytes"
SPLIT_DEFAULT = "32m"


def main(argv=None):
    p = argparse.ArgumentParser(
        description="Run docgap scan on Spark: notes in (Parquet or JSONL), one result row per note out."
    )
    p.add_argument("--input", required=True, help="notes: Parquet file/directory, or .jsonl/.json (optionally .gz)")
    p.add_argument("--output", required=True, help="result directory")
    p.add_argument("--format", default="parquet", choices=["parquet", "json"], help="output format")
    p.add_argument("--mode", default="errorifexists", help="Spark save mode (overwrite, append, ...)")
    p.add_argument("--id-col", default="id")
    p.add_argument("--text-col", default="text")
    p.add_argument(
        "--codes-col",
        default="assigned_codes",
        help="array<string> column of codes on the claim, audited when present (default: assigned_codes)",
    )
    p.add_argument("--docgap", default="docgap", help="binary: a name shipped with --files, or a path on every executor")
    p.add_argument(
        "--partitions",
        type=int,
        default=None,
        help="repartition the notes into N partitions first (default: only when the input has "
        "fewer partitions than spark.default.parallelism, then to that)",
    )
    p.add_argument("--lexicons", default=None, help="lexicon override directory present on every executor")
    p.add_argument("--no-verify", action="store_true", help="skip counting input and output rows afterwards")
    p.add_argument(
        "--engine",
        default="auto",
        choices=ENGINES,
        help="package: the docgap Python package in-process (mapInArrow); pipe: the binary; "
        "auto (default): the package when it and pyarrow import, else the pipe",
    )
    args = p.parse_args(argv)

    spark = SparkSession.builder.appName("docgap-scan").getOrCreate()
    spark.sparkContext.setLogLevel(os.environ.get("DOCGAP_SPARK_LOG_LEVEL", "WARN"))
    if not spark.sparkContext.getConf().contains(SPLIT_CONF):
        # Spark's 128 MB file splits suit I/O-bound scans; this job is
        # CPU-bound, and smaller splits keep every core busy to the end.
        spark.conf.set(SPLIT_CONF, SPLIT_DEFAULT)
    extra = ("--lexicons", args.lexicons) if args.lexicons else ()
    notes, codes_col, raw_col = read_notes(
        spark, args.input, args.id_col, args.text_col, args.codes_col or None
    )
    partitions = args.partitions
    read_partitions = notes.rdd.getNumPartitions()
    if partitions is None and read_partitions < spark.sparkContext.defaultParallelism:
        # A small input is read as one partition: one docgap process, one
        # core. Spread it over the cores Spark has.
        partitions = spark.sparkContext.defaultParallelism
    engine = choose_engine(args.engine, extra)
    results = scan_dataframe(
        notes, args.id_col, args.text_col, args.docgap, codes_col, partitions, extra, raw_col, engine
    )
    start = time.perf_counter()
    results.write.mode(args.mode).format(args.format).save(args.output)
    elapsed = time.perf_counter() - start
    status = 0
    if not args.no_verify and args.mode != "append":
        written = spark.read.format(args.format).load(args.output)
        n_out = written.count()
        n_err = written.where(F.col("error").isNotNull()).count()
        n_in = notes.count()
        print(
            f"docgap_spark: {n_in} notes in, {n_out} rows out, {n_err} error rows; "
            f"{partitions or read_partitions} partitions; engine {engine}; scan and write {elapsed:.2f} s",
            file=sys.stderr,
        )
        if n_in != n_out:
            print(f"docgap_spark: row count mismatch: {n_in} in, {n_out} out", file=sys.stderr)
            status = 1
        elif n_err:
            status = 2
    else:
        print(f"docgap_spark: engine {engine}; scan and write {elapsed:.2f} s", file=sys.stderr)
    spark.stop()
    return status


if __name__ == "__main__":
    sys.exit(main())
