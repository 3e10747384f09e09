"""flake8-style lines: `path:line:col: CODE message`, optionally with the source."""
from __future__ import annotations

from typing import Dict, List, Optional


def render(diagnostics, show_source: bool = False, sources: Optional[Dict[str, List[str]]] = None, **_) -> str:
    out = []
    for d in diagnostics:
        out.append(d.format_text())
        if show_source and sources is not None:
            lines = sources.get(d.path)
            if lines and 1 <= d.line <= len(lines):
                line = lines[d.line - 1].rstrip("\r\n")
                out.append("    " + line)
                width = 1
                if d.end_line == d.line and d.end_col and d.end_col > d.col:
                    width = d.end_col - d.col
                out.append("    " + " " * (d.col - 1) + "^" * width)
    return "\n".join(out) + ("\n" if out else "")
