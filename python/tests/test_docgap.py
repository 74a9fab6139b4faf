"""The Python package as a scribe backend uses it: records as plain data,
offsets that index Python (and JavaScript) strings, the same bytes as the
command, parallel batches in order, errors as error records."""

import json
import os
import pathlib
import subprocess
import threading

import pytest

import docgap

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = pathlib.Path(os.environ.get("DOCGAP_BINARY", ROOT / "target" / "release" / "docgap"))

AFFIRMED = "Assessment: chronic osteomyelitis of the left femur. Bone biopsy grew MRSA."

# Accents, dashes, emoji outside the BMP (one code point, two UTF-16
# units, four UTF-8 bytes) and CJK before and between the findings.
NOTES = [
    "Patient: José Müller – 🦴 follow-up. Assessment: chronic osteomyelitis of the left tibia – MRSA on bone biopsy.",
    "既往史：糖尿病。🩺 Acute osteomyelitis of the right calcaneus 😷, no organism identified — culture pending.",
    "Assessment — “vertebral osteomyelitis” L4–L5 🦠🦠 hematogenous; blood cultures grew MSSA.",
]


@pytest.fixture(scope="module")
def analyzer():
    return docgap.Analyzer()


def corpus(name):
    with open(ROOT / "corpora" / name, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def test_a_record_is_plain_data_with_codes_flags_and_queries(analyzer):
    r = analyzer.analyze(AFFIRMED, id="n1")
    assert r["schema_version"] == docgap.SCHEMA_VERSION
    assert r["id"] == "n1"
    assert [c["code"] for c in r["codes"]] == ["M86.652", "B95.62"]
    assert r["codes"][0]["role"] == "primary"
    assert [f["id"] for f in r["flags"]] == ["ROUTE_NOT_DOCUMENTED"]
    assert "how the infection reached the bone" in r["flags"][0]["query"]
    assert r["flags"][0]["audience"] == "provider"
    # Round-trips through JSON unchanged: nothing but dicts, lists, str, int.
    assert json.loads(json.dumps(r)) == r


def test_a_record_is_what_json_loads_makes_of_its_json():
    for findings in ["all", "cited", "none"]:
        a = docgap.Analyzer(findings=findings)
        for n in corpus("exports.jsonl") + corpus("mixed.jsonl"):
            args = (n["text"], str(n["id"]), n.get("assigned_codes"))
            assert a.analyze(*args) == json.loads(a.analyze_json(*args))


def test_offsets_index_python_strings_by_default(analyzer):
    checked = 0
    for text in NOTES:
        r = analyzer.analyze(text)
        assert r["offsets"] == "chars"
        assert len(r["findings"]) >= 3
        for f in r["findings"]:
            assert text[f["start"]:f["end"]] == f["text"], f
            checked += 1
        for flag in r["flags"]:
            s = flag.get("sentence")
            if s:
                assert text[s["start"]:s["end"]] == s["text"]
    assert checked > 10


def test_utf16_and_byte_offsets_index_what_those_editors_index():
    for unit, encode, width in [("utf16", "utf-16-le", 2), ("bytes", "utf-8", 1)]:
        a = docgap.Analyzer(findings="all", offsets=unit)
        for text in NOTES:
            raw = text.encode(encode)
            r = a.analyze(text)
            assert r.get("offsets") == (None if unit == "bytes" else unit)
            for f in r["findings"]:
                got = raw[f["start"] * width:f["end"] * width].decode(encode)
                assert got == f["text"], (unit, f)


def test_findings_modes():
    text = "Right knee pain. " + NOTES[0] + " Left ankle sprain in 2010."
    full = docgap.Analyzer(findings="all").analyze(text)
    cited = docgap.Analyzer(findings="cited").analyze(text)
    none = docgap.Analyzer(findings="none").analyze(text)
    assert len(full["findings"]) > len(cited["findings"]) > 0
    assert "findings" not in none and "evidence" not in none["codes"][0]
    assert [c["code"] for c in full["codes"]] == [c["code"] for c in none["codes"]]


def test_the_claim_is_audited(analyzer):
    r = analyzer.analyze("Follow-up visit, no complaints.", assigned_codes=["M86.9"])
    assert r["assigned_codes"] == ["M86.9"]
    assert "CODE_NOT_SUPPORTED" in [f["id"] for f in r["flags"]]


@pytest.mark.skipif(not BINARY.exists(), reason="the docgap binary is not built")
def test_json_is_byte_for_byte_what_the_command_writes():
    notes = corpus("sample.jsonl") + corpus("realshapes.jsonl")
    lines = "".join(json.dumps(n) + "\n" for n in notes)
    for offsets in ["bytes", "chars"]:
        out = subprocess.run(
            [str(BINARY), "scan", "-", "--offsets", offsets],
            input=lines.encode(), capture_output=True, check=True,
        ).stdout.decode().splitlines()
        a = docgap.Analyzer(offsets=offsets)
        many = a.analyze_many_json(
            [n["text"] for n in notes],
            ids=[str(n["id"]) for n in notes],
            assigned_codes=[n.get("assigned_codes") for n in notes],
        )
        assert many == out
        assert a.scan_lines(lines.splitlines()) == out
        one = [a.analyze_json(n["text"], str(n["id"]), n.get("assigned_codes")) for n in notes]
        assert one == out


def test_analyze_many_keeps_order_and_equals_analyze(analyzer):
    texts = [n["text"] for n in corpus("realshapes2.jsonl")] * 3
    many = analyzer.analyze_many(texts)
    assert len(many) == len(texts)
    assert [r["id"] for r in many] == [str(i) for i in range(len(texts))]
    for i in (0, 7, len(texts) - 1):
        assert many[i] == analyzer.analyze(texts[i], id=str(i))
    assert analyzer.analyze_many([]) == []
    with pytest.raises(ValueError, match="one id per text"):
        analyzer.analyze_many(["a", "b"], ids=["1"])
    with pytest.raises(ValueError, match="one claim"):
        analyzer.analyze_many(["a"], assigned_codes=[None, None])


def test_one_analyzer_is_shared_by_threads(analyzer):
    texts = [n["text"] for n in corpus("published.jsonl")]
    expected = [analyzer.analyze_json(t) for t in texts]
    results = {}

    def work(k):
        results[k] = [analyzer.analyze_json(t) for t in texts]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(results[k] == expected for k in range(4))


def test_scan_lines_answers_every_line_with_a_record(analyzer):
    out = analyzer.scan_lines([
        json.dumps({"id": "a", "text": AFFIRMED}),
        "not json",
        "",
        json.dumps({"id": "b"}),
        '{"id": "c", "text": "x"}\n{"id": "d", "text": "y"}',
        json.dumps({"note_id": 5, "body": AFFIRMED}),
        '{"id": "e", "text": "a raw \x01 control character"}',
        '{"id": "f", "text": "cut',
    ])
    recs = [json.loads(l) for l in out]
    assert len(recs) == 8
    # As the command reads the same lines from standard input.
    assert recs[6]["id"] == "e" and "codes" in recs[6], recs[6]
    # A request ends with its line, as on the command's standard input
    # where every request line ends in a newline: an unclosed string is
    # damage, not a cut.
    assert "not a JSON object" in recs[7]["error"]["message"]
    assert recs[0]["id"] == "a" and recs[0]["codes"]
    assert recs[1]["error"]["location"] == "<input>:2 (byte 0)"
    assert "blank" in recs[2]["error"]["message"]
    assert recs[3]["id"] == "b" and "text" in recs[3]["error"]["message"]
    assert "one line" in recs[4]["error"]["message"]
    assert "error" in recs[5]
    renamed = analyzer.scan_lines([json.dumps({"note_id": 5, "body": AFFIRMED})], "note_id", "body")
    assert json.loads(renamed[0])["id"] == "5"


def test_bad_options_are_errors_that_say_what_is_allowed():
    with pytest.raises(ValueError, match="chars or utf16"):
        docgap.Analyzer(offsets="utf8")
    with pytest.raises(ValueError, match="cited, all or none"):
        docgap.Analyzer(findings="some")
    with pytest.raises(OSError):
        docgap.Analyzer(lexicons="/nonexistent/lexicons")
    a = docgap.Analyzer(findings="all", offsets="utf16")
    assert (a.findings, a.offsets) == ("all", "utf16")
    assert repr(a) == 'Analyzer(findings="all", offsets="utf16")'


def test_the_package_is_typed():
    pkg = pathlib.Path(docgap.__file__).parent
    assert (pkg / "py.typed").exists()
    assert (pkg / "_docgap.pyi").exists()
    assert docgap.__version__
