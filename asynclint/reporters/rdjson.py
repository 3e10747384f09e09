"""reviewdog's rdjson (`DiagnosticResult`), for `reviewdog -f=rdjson`.

rdjson columns count UTF-8 bytes (asynclint's count characters), and range
ends are exclusive, as asynclint's are.
"""
from __future__ import annotations

import json
from typing import Dict, List, Optional

from .sarif import INFO_URI

_SEVERITY = {"error": "ERROR", "warning": "WARNING", "note": "INFO"}


def _byte_col(lines: List[str], line: int, col: int) -> int:
    if 1 <= line <= len(lines):
        return len(lines[line - 1][: col - 1].encode("utf-8", "surrogatepass")) + 1
    return col


def render(diagnostics, sources: Optional[Dict[str, List[str]]] = None, **_) -> str:
    out = []
    for d in diagnostics:
        lines = (sources or {}).get(d.path) or []
        rng = {"start": {"line": d.line, "column": _byte_col(lines, d.line, d.col)}}
        if d.end_line is not None and d.end_col is not None:
            rng["end"] = {"line": d.end_line, "column": _byte_col(lines, d.end_line, d.end_col)}
        item = {
            "message": d.message,
            "location": {"path": d.path, "range": rng},
            "severity": _SEVERITY.get(d.severity.value, "WARNING"),
            "code": {"value": d.code},
        }
        out.append(item)
    doc = {"source": {"name": "asynclint", "url": INFO_URI}, "severity": "WARNING", "diagnostics": out}
    return json.dumps(doc, indent=2) + "\n"
