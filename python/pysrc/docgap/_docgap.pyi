"""Type stubs of docgap's compiled module."""

from os import PathLike
from typing import Any, Dict, List, Literal, Optional, Sequence, Union

SCHEMA_VERSION: int
__version__: str

Findings = Literal["cited", "all", "none"]
Offsets = Literal["chars", "utf16", "bytes"]

# The documented record: {"schema_version", "id", "codes", "flags",
# "findings"?, "assigned_codes"?, "warnings"?, "offsets"?}; see the README.
Record = Dict[str, Any]

class Analyzer:
    """Analyses clinical notes for osteomyelitis documentation gaps."""

    def __init__(
        self,
        findings: Findings = "cited",
        offsets: Offsets = "chars",
        lexicons: Optional[Union[str, PathLike[str]]] = None,
        max_note_bytes: int = ...,
    ) -> None: ...
    @property
    def findings(self) -> Findings: ...
    @property
    def offsets(self) -> Offsets: ...
    def analyze(
        self, text: str, id: str = "", assigned_codes: Optional[Sequence[str]] = None
    ) -> Record: ...
    def analyze_json(
        self, text: str, id: str = "", assigned_codes: Optional[Sequence[str]] = None
    ) -> str: ...
    def analyze_many(
        self,
        texts: Sequence[str],
        ids: Optional[Sequence[str]] = None,
        assigned_codes: Optional[Sequence[Optional[Sequence[str]]]] = None,
    ) -> List[Record]: ...
    def analyze_many_json(
        self,
        texts: Sequence[str],
        ids: Optional[Sequence[str]] = None,
        assigned_codes: Optional[Sequence[Optional[Sequence[str]]]] = None,
    ) -> List[str]: ...
    def scan_lines(
        self, lines: Sequence[str], id_field: str = "id", text_field: str = "text"
    ) -> List[str]: ...
    def _native_seconds(self, text: str, repeat: int = 1000) -> float: ...
