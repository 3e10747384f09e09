"""pylint's parseable shape, as ruff writes it: `path:line: [CODE] message`
(what editors' and CI's pylint problem matchers read)."""
from __future__ import annotations


def render(diagnostics, **_) -> str:
    return "".join(f"{d.path}:{d.line}: [{d.code}] {d.message}\n" for d in diagnostics)
