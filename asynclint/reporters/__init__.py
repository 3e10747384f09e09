"""Turn findings into output. Reporters only translate; no rule logic here."""
from __future__ import annotations

from typing import Callable, Dict, List, Sequence

from ..diagnostics import Diagnostic
from . import github, json_format, sarif, text

FORMATS: Dict[str, Callable[..., str]] = {
    "text": text.render,
    "json": json_format.render,
    "sarif": sarif.render,
    "github": github.render,
}


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
