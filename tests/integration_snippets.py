"""The snippets users paste, read from docs/integrations.md.

Each sits between `<!-- snippet:NAME -->` and `<!-- /snippet -->`; the README
carries the same blocks with the same markers, so what the tests run is what
users read.
"""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "integrations.md"

_BLOCK = re.compile(r"<!-- snippet:(?P<name>[\w-]+) -->\n(?P<body>.*?)<!-- /snippet -->", re.S)
_FENCE = re.compile(r"^```[\w-]*\n(?P<code>.*?)^```\s*$", re.S | re.M)


def snippets(path: Path = DOC) -> dict:
    return {m.group("name"): m.group("body") for m in _BLOCK.finditer(path.read_text(encoding="utf-8"))}


def snippet(name: str, path: Path = DOC) -> str:
    """The snippet's text; for a fenced code block, the code inside the fence."""
    body = snippets(path).get(name)
    assert body is not None, f"{path.name} has no <!-- snippet:{name} --> block"
    fence = _FENCE.search(body)
    return fence.group("code") if fence else body
