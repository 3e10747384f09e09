"""Each finding with its source lines around it and the fix on offer."""
from __future__ import annotations

from typing import Dict, List, Optional

CONTEXT = 1  # lines shown before and after the finding


def render(diagnostics, sources: Optional[Dict[str, List[str]]] = None, **_) -> str:
    blocks = []
    for d in diagnostics:
        out = [d.format_text()]
        lines = (sources or {}).get(d.path) or []
        if 1 <= d.line <= len(lines):
            last = d.end_line if d.end_line and d.end_line >= d.line else d.line
            first_shown = max(1, d.line - CONTEXT)
            last_shown = min(len(lines), last + CONTEXT)
            width = len(str(last_shown))
            gutter = " " * width + " |"
            out.append(gutter)
            for n in range(first_shown, last_shown + 1):
                out.append(f"{n:>{width}} | {lines[n - 1]}".rstrip())
                if n == d.line:
                    end = d.end_col if (d.end_line == d.line and d.end_col and d.end_col > d.col) \
                        else len(lines[n - 1]) + 1
                    out.append(f"{gutter} {' ' * (d.col - 1)}{'^' * max(1, end - d.col)} {d.code}")
            out.append(gutter)
        if d.fix is not None:
            out.append(f"  = fix ({d.fix.applicability.value}): {d.fix.description}")
        blocks.append("\n".join(out) + "\n")
    return "\n".join(blocks)
