"""docgap: finds the documentation gaps that stop osteomyelitis (ICD-10-CM
M86) from being coded correctly, in free-text clinical notes.

    >>> import docgap
    >>> a = docgap.Analyzer()
    >>> r = a.analyze("Assessment: chronic osteomyelitis of the left femur. Bone biopsy grew MRSA.")
    >>> [c["code"] for c in r["codes"]]
    ['M86.652', 'B95.62']

A result is the record `docgap scan` writes (see the project README: "The
wire format"), as plain dicts and lists: "codes", "flags" (each with the
query to send), "findings" (the evidence, with "start"/"end" offsets into
the text). Offsets count code points by default, as Python indexes strings,
so ``text[f["start"]:f["end"]] == f["text"]``.

analyze_many() and scan_lines() run on every core with the GIL released.
"""

from ._docgap import SCHEMA_VERSION, Analyzer, __version__

__all__ = ["Analyzer", "SCHEMA_VERSION", "__version__"]
