"""`# noqa` comments, flake8-compatible, shared by the engine and the runtime shim.

`# noqa` silences every code on its line; `# noqa: AIO400`, `# noqa:AIO4`
(a prefix: the whole family) or several codes separated by commas or spaces
silence only those.
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


def line_suppresses(line: str, code: str) -> bool:
    return suppresses(parse(line), code)
