"""Turn findings into output. Reporters only translate; no rule logic here.

Every reporter is `render(diagnostics, **options) -> str`; the options it may
use are `show_source`, `sources` (display path -> source lines), `root` (the
project root) and `display_to_rel` (display path -> path relative to the
root), and it ignores the rest.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Sequence

from ..diagnostics import Diagnostic
from . import full, github, gitlab, json_format, json_lines, junit, pylint, rdjson, sarif, text

FORMATS: Dict[str, Callable[..., str]] = {
    "text": text.render,
    "concise": text.render,  # ruff's name for the one-line-per-finding format
    "full": full.render,
    "json": json_format.render,
    "json-lines": json_lines.render,
    "sarif": sarif.render,
    "github": github.render,
    "gitlab": gitlab.render,
    "junit": junit.render,
    "pylint": pylint.render,
    "rdjson": rdjson.render,
}
FORMAT_NAMES = tuple(FORMATS)


def render(fmt: str, diagnostics: Sequence[Diagnostic], **options) -> str:
    return FORMATS[fmt](list(diagnostics), **options)


def statistics(diagnostics: Sequence[Diagnostic]) -> List[str]:
    """`COUNT CODE name` lines, most frequent first (like flake8 --statistics)."""
    counts: Dict[str, List] = {}
    for d in diagnostics:
        entry = counts.setdefault(d.code, [0, d.name])
        entry[0] += 1
    rows = sorted(counts.items(), key=lambda kv: (-kv[1][0], kv[0]))
    return [f"{n:<6} {code} {name}" for code, (n, name) in rows]
