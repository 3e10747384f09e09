"""`# noqa` comments, flake8-compatible, shared by the engine and the runtime shim.

`# noqa` silences every code on its line; `# noqa: AIO400`, `# noqa:AIO4`
(a prefix: the whole family) or several codes separated by commas or spaces
silence only those. With `foreign=True`, ruff's and flake8-async's codes
for the same mistake count too (`# noqa: ASYNC230` silences AIO203; the
table is `knowledge/noqa_codes.py`), and so does ruff's own suppression
comment, with codes or rule names (`# ruff: ignore[async-busy-wait]`).
"""
from __future__ import annotations

import re
from typing import FrozenSet, Optional

# Same shape flake8 accepts: "noqa", optional ":" and a list of codes.
_NOQA = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>[A-Z][0-9A-Z]*(?:[,\s]+[A-Z][0-9A-Z]*)*))?",
    re.IGNORECASE,
)

ALL: FrozenSet[str] = frozenset({"*"})

# ruff's end-of-line suppression: `# ruff: ignore[ASYNC110, unused-import]`.
_RUFF_IGNORE = re.compile(r"#\s*ruff\s*:\s*ignore\[(?P<rules>[^\]]*)\]", re.IGNORECASE)
# What `Context` searches a file's text for to find the lines that may hold
# a suppression, in lower case: a `# noqa` or a `# ruff: ignore[...]`.
MARKERS = ("noqa", "ignore[")


def parse(line: str) -> Optional[FrozenSet[str]]:
    """Return None (no noqa), `ALL`, or the set of code prefixes on `line`."""
    if "noqa" not in line.lower():
        return None
    m = _NOQA.search(line)
    if m is None:
        return None
    codes = m.group("codes")
    if not codes:
        return ALL
    return frozenset(c.upper() for c in re.split(r"[,\s]+", codes.strip()) if c)


def suppresses(noqa: Optional[FrozenSet[str]], code: str) -> bool:
    if noqa is None:
        return False
    if noqa is ALL:
        return True
    return any(code.startswith(prefix) for prefix in noqa)


def line_suppresses(line: str, code: str, foreign: bool = False) -> bool:
    codes = parse(line)
    if foreign and codes is not ALL:
        if codes is not None:
            codes = codes | _translated(codes)
        ruff = _ruff_ignored(line)
        if ruff:
            codes = (codes or frozenset()) | _translated(ruff)
    return suppresses(codes, code)


def _ruff_ignored(line: str) -> Optional[FrozenSet[str]]:
    """The codes of a `# ruff: ignore[...]` comment on `line` (its rule
    names turned into codes; names of rules asynclint has no match for
    are left out), or None."""
    if "ignore[" not in line.lower():
        return None
    m = _RUFF_IGNORE.search(line)
    if m is None:
        return None
    from .knowledge.noqa_codes import RUFF_RULE_NAMES

    out = set()
    for item in re.split(r"[,\s]+", m.group("rules").strip()):
        if not item:
            continue
        if item[0].isupper():
            out.add(item.upper())
        elif item.lower() in RUFF_RULE_NAMES:
            out.add(RUFF_RULE_NAMES[item.lower()])
    return frozenset(out)


def _translated(codes: FrozenSet[str]) -> FrozenSet[str]:
    """The asynclint codes of the foreign codes (or flake8-style prefixes
    of them) among `codes`."""
    from .knowledge.noqa_codes import FOREIGN_NOQA

    out = set()
    for given in codes:
        if given.startswith("AIO"):
            continue
        for foreign, ours in FOREIGN_NOQA.items():
            if foreign.startswith(given):
                out.update(ours)
    return frozenset(out)
