"""Turn findings into output. Reporters only translate; no rule logic here.

Every reporter is `render(diagnostics, **options) -> str`; the options it may
use are `show_source`, `sources` (display path -> source lines), `root` (the
project root) and `display_to_rel` (display path -> path relative to the
root), and it ignores the rest.
"""
from __future__ import annotations

import importlib
from typing import Dict, List, Sequence

from ..diagnostics import Diagnostic

# format -> the module here that renders it, imported when a run uses it
# (each format's imports, e.g. SARIF's or GitLab's, cost start-up otherwise)
FORMATS: Dict[str, str] = {
    "text": "text",
    "concise": "text",  # ruff's name for the one-line-per-finding format
    "full": "full",
    "json": "json_format",
    "json-lines": "json_lines",
    "sarif": "sarif",
    "github": "github",
    "gitlab": "gitlab",
    "junit": "junit",
    "pylint": "pylint",
    "rdjson": "rdjson",
}
FORMAT_NAMES = tuple(FORMATS)


def render(fmt: str, diagnostics: Sequence[Diagnostic], **options) -> str:
    return importlib.import_module(f"{__name__}.{FORMATS[fmt]}").render(list(diagnostics), **options)


def statistics(diagnostics: Sequence[Diagnostic]) -> List[str]:
    """`COUNT CODE name` lines, most frequent first (like flake8 --statistics)."""
    counts: Dict[str, List] = {}
    for d in diagnostics:
        entry = counts.setdefault(d.code, [0, d.name])
        entry[0] += 1
    rows = sorted(counts.items(), key=lambda kv: (-kv[1][0], kv[0]))
    return [f"{n:<6} {code} {name}" for code, (n, name) in rows]
