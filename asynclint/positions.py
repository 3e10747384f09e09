"""The one place where `ast` byte offsets become the character columns users see.

`ast` reports `col_offset` in UTF-8 bytes; editors, flake8 and our output
count characters. Everything that turns a node into a Diagnostic goes through
`char_col`.
"""
from __future__ import annotations

from typing import Sequence


def char_col(lines: Sequence[str], lineno: int, byte_col: int) -> int:
    """1-based character column for a 1-based line and a 0-based byte offset."""
    if 1 <= lineno <= len(lines):
        line = lines[lineno - 1]
        if not line.isascii():
            return len(line.encode("utf-8")[:byte_col].decode("utf-8", "replace")) + 1
    return byte_col + 1
