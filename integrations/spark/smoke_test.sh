#!/usr/bin/env bash
# Smoke test of the Spark integration: pyspark from PyPI in a local
# virtualenv, the job in local mode (local[2]) through spark-submit, once
# with the binary shipped by --files (--engine pipe) and once with the
# docgap Python package in-process (--engine package, mapInArrow), on the
# shipped notes plus a few thousand synthetic ones and a few bad records;
# each result must have exactly one row per input note and match `docgap
# scan` run directly, note by note. Prints the throughput of each.
#
# Environment:
#   DOCGAP_SPARK_BINARY  a docgap binary to test instead of building
#                        target/release/docgap
#   DOCGAP_SPARK_VENV    virtualenv to use/create (default target/spark-venv;
#                        reused when it already has the pinned pyspark)
#   DOCGAP_SPARK_WHEEL   the docgap wheel to install for --engine package
#                        (default: target/wheels/docgap-*.whl, built with
#                        maturin when there is none)
#   DOCGAP_SPARK_NOTES   synthetic notes to add (default 3000)
#   DOCGAP_SPARK_KEEP    keep the work directory (printed) when set
#   DOCGAP_SPARK_BENCH   when set, also repeat the job N times in one Spark
#                        session (steady state, after JVM warm-up)
#   DOCGAP_SPARK_SKIP_CHECK  when set, only measure (for inputs too large to
#                        compare in one driver's memory); the row count is
#                        still checked by the job itself
set -euo pipefail

PYSPARK_VERSION=3.5.9 # supports Java 8/11/17 and Python 3.8+ (CI: Java 17, Python 3.11)

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$ROOT"
VENV="${DOCGAP_SPARK_VENV:-$ROOT/target/spark-venv}"
NOTES="${DOCGAP_SPARK_NOTES:-3000}"
START=$(date +%s.%N)

now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$2"; }

if ! command -v java >/dev/null 2>&1 && [ -z "${JAVA_HOME:-}" ]; then
    echo "spark smoke test: Java (8, 11 or 17) is needed and was not found" >&2
    exit 1
fi

if [ -n "${DOCGAP_SPARK_BINARY:-}" ]; then
    DOCGAP="$(cd "$(dirname "$DOCGAP_SPARK_BINARY")" && pwd)/$(basename "$DOCGAP_SPARK_BINARY")"
    echo "-- binary $DOCGAP (DOCGAP_SPARK_BINARY)"
else
    echo "-- release binary"
    cargo build --release --quiet
    DOCGAP="$ROOT/target/release/docgap"
fi

echo "-- virtualenv $VENV (pyspark==$PYSPARK_VERSION)"
have=$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("pyspark"))' 2>/dev/null || true)
if [ "$have" != "$PYSPARK_VERSION" ]; then
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --disable-pip-version-check --quiet "pyspark==$PYSPARK_VERSION"
else
    echo "   reusing it"
fi
# The package engine's needs: pyarrow and pandas (pyspark's mapInArrow
# checks both), and the docgap wheel.
if ! "$VENV/bin/python" -c 'import pyarrow, pandas' 2>/dev/null; then
    "$VENV/bin/pip" install --disable-pip-version-check --quiet pyarrow pandas
fi
WHEEL="${DOCGAP_SPARK_WHEEL:-}"
if [ -z "$WHEEL" ]; then
    WHEEL=$(ls "$ROOT"/target/wheels/docgap-*.whl 2>/dev/null | head -1 || true)
fi
if [ -z "$WHEEL" ]; then
    echo "-- building the docgap wheel (maturin)"
    "$VENV/bin/pip" install --disable-pip-version-check --quiet "maturin>=1.5,<2"
    "$VENV/bin/maturin" build --release --quiet -m "$ROOT/python/Cargo.toml" -o "$ROOT/target/wheels"
    WHEEL=$(ls "$ROOT"/target/wheels/docgap-*.whl | head -1)
fi
echo "-- docgap package $(basename "$WHEEL")"
"$VENV/bin/pip" install --disable-pip-version-check --quiet --force-reinstall --no-deps "$WHEEL"

# Spark from the virtualenv, whatever else the machine has; quiet logs.
unset SPARK_HOME
export PATH="$VENV/bin:$PATH"
export PYSPARK_PYTHON="$VENV/bin/python" PYSPARK_DRIVER_PYTHON="$VENV/bin/python"
export SPARK_CONF_DIR="$HERE/conf" SPARK_LOCAL_IP=127.0.0.1

WORK=$(mktemp -d "${TMPDIR:-/tmp}/docgap-spark.XXXXXX")
if [ -n "${DOCGAP_SPARK_KEEP:-}" ]; then
    echo "   work directory: $WORK"
else
    trap 'rm -rf "$WORK"' EXIT
fi

echo "-- input"
python3 "$HERE/smoke_check.py" make-input "$WORK/notes.jsonl" --notes "$NOTES" --docgap "$DOCGAP"
records=$(grep -c . "$WORK/notes.jsonl")
bytes=$(wc -c <"$WORK/notes.jsonl")

echo "-- docgap scan --jobs 2 (directly)"
t0=$(now)
rc=0
"$DOCGAP" scan --jobs 2 "$WORK/notes.jsonl" -o "$WORK/direct.jsonl" 2>"$WORK/direct.err" || rc=$?
t1=$(now)
if [ "$rc" -ne 2 ]; then # 2: the bad records yielded error records
    echo "docgap scan exited with $rc, expected 2:" >&2
    cat "$WORK/direct.err" >&2
    exit 1
fi
direct_s=$(elapsed "$t0" "$t1")

submit() { # ENGINE OUTPUT: the job through spark-submit; prints its seconds
    local t0 t1 rc=0
    t0=$(now)
    spark-submit --master 'local[2]' \
        --files "$DOCGAP" "$HERE/docgap_spark.py" \
        --input "$WORK/notes.jsonl" --id-col id --text-col text \
        --output "$2" --docgap "$(basename "$DOCGAP")" --engine "$1" \
        >"$WORK/spark-$1.out" 2>"$WORK/spark-$1.err" || rc=$?
    t1=$(now)
    cat "$WORK/spark-$1.out" "$WORK/spark-$1.err" >&2
    if [ "$rc" -ne 2 ]; then # 2: some rows are error rows, as with docgap scan
        echo "spark-submit --engine $1 exited with $rc, expected 2" >&2
        exit 1
    fi
    elapsed "$t0" "$t1"
}
stage_of() { cat "$WORK/spark-$1.out" "$WORK/spark-$1.err" | sed -n 's/.*scan and write \([0-9.]*\) s.*/\1/p'; }

echo "-- spark-submit --master local[2] --files docgap docgap_spark.py --engine pipe"
spark_s=$(submit pipe "$WORK/results.parquet")
stage_s=$(stage_of pipe)
echo "-- spark-submit --master local[2] docgap_spark.py --engine package"
package_s=$(submit package "$WORK/results-package.parquet")
package_stage_s=$(stage_of package)

if [ -z "${DOCGAP_SPARK_SKIP_CHECK:-}" ]; then
    echo "-- check: one row per note, equal to docgap scan note by note"
    python "$HERE/smoke_check.py" check --input "$WORK/notes.jsonl" --direct "$WORK/direct.jsonl" \
        --spark "$WORK/results.parquet" --spark-package "$WORK/results-package.parquet" \
        --docgap "$DOCGAP"
else
    echo "-- check skipped (DOCGAP_SPARK_SKIP_CHECK)"
fi

echo "-- throughput on the same input: $records notes, $bytes bytes of JSONL"
python3 - "$records" "$bytes" "$direct_s" "$spark_s" "$stage_s" "$package_s" "$package_stage_s" <<'EOF'
import sys
n, size = int(sys.argv[1]), int(sys.argv[2])
direct, spark, stage, pspark, pstage = (max(float(x), 0.01) for x in sys.argv[3:8])  # timer resolution
def line(label, s):
    print(f"   {label:<52} {s:7.2f} s {n / s:9.0f} notes/s {size / s / 1e6:7.2f} MB/s")
line("docgap scan --jobs 2", direct)
line("spark local[2], pipe, spark-submit end to end", spark)
line("spark local[2], pipe, scan+write (session up)", stage)
line("spark local[2], package, spark-submit end to end", pspark)
line("spark local[2], package, scan+write (session up)", pstage)
print(f"   scan+write stage: pipe {stage / direct:.1f}x docgap scan, package {pstage / direct:.1f}x")
EOF
if [ -n "${DOCGAP_SPARK_BENCH:-}" ]; then
    echo "-- steady state: the job repeated $DOCGAP_SPARK_BENCH times in one session"
    python "$HERE/smoke_check.py" bench --input "$WORK/notes.jsonl" --docgap "$DOCGAP" \
        --repeat "$DOCGAP_SPARK_BENCH"
fi
echo "-- spark smoke test passed in $(elapsed "$START" "$(now)") s"
