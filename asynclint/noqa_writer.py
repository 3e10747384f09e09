"""`# noqa` comments written into source: `--add-noqa` (every current finding,
like ruff's) and the language server's quick fix (one finding) share it.

Codes are merged into a `# noqa: ...` already on the line (its spacing and
the codes it has are kept); a bare `# noqa` already silences everything and
is left as it is. A comment cannot go at the end of a line that continues
with a backslash or inside a multi-line string: such lines are left alone
and counted. The file is written only if it still parses, in its own
encoding, BOM and line endings, and only if it did not change since it was
read.
"""
from __future__ import annotations

import hashlib
import io
import re
import tokenize
from collections import defaultdict
from pathlib import Path
from typing import Dict, Iterable, List, Set, Tuple

from . import noqa
from .diagnostics import Diagnostic

_NOQA_CODES = re.compile(r"(?P<head>#\s*noqa\s*:\s*)(?P<codes>[A-Z][0-9A-Z]*(?:(?:\s*,\s*|\s+)[A-Z][0-9A-Z]*)*)",
                         re.IGNORECASE)


def uncommentable_lines(text: str) -> Set[int]:
    """Lines whose end lies inside a multi-line token (a triple-quoted string
    or an f-string part), or that continue with a backslash."""
    bad: Set[int] = set()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.start[0] != tok.end[0] and tok.type != tokenize.NL and tok.type != tokenize.NEWLINE:
                bad.update(range(tok.start[0], tok.end[0]))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return set(range(1, text.count("\n") + 2))  # do not guess
    for n, line in enumerate(text.splitlines(), 1):
        if line.rstrip("\r\n").endswith("\\"):
            bad.add(n)
    return bad


def add_to_line(line: str, codes: Iterable[str], reason: str = "") -> str:
    """`line` (without its line ending) with `codes` in its noqa comment;
    a new comment gets `# reason` after it (a separate comment, so that no
    word of it can be read as a code)."""
    codes = sorted(set(codes))
    existing = noqa.parse(line)
    if existing is noqa.ALL:
        return line
    if existing is not None:
        m = _NOQA_CODES.search(line)
        if m is not None:
            have = [c for c in re.split(r"[,\s]+", m.group("codes")) if c]
            missing = [c for c in codes if not noqa.suppresses(frozenset(x.upper() for x in have), c)]
            if not missing:
                return line
            sep = ", " if "," in m.group("codes") or len(have) == 1 else " "
            return line[:m.end("codes")] + sep + sep.join(missing) + line[m.end("codes"):]
    stripped = line.rstrip()
    tail = f"  # {reason.strip()}" if reason and reason.strip() else ""
    return f"{stripped}  # noqa: {', '.join(codes)}{tail}"


def add_noqa(jobs, diagnostics: List[Diagnostic], reason: str = "") -> Tuple[int, int]:
    """Edit the files; returns (comments added or extended, lines skipped)."""
    from .fixes.files import atomic_write, source_of
    from .parsing import ParseFailure, parse
    from .source import SourceError

    by_display: Dict[str, Dict[int, Set[str]]] = defaultdict(lambda: defaultdict(set))
    for d in diagnostics:
        if d.code == "AIO001":
            continue  # nothing was analysed there; a noqa would hide the file for good
        by_display[d.path][d.line].add(d.code)
    added = skipped = 0
    for job in jobs:
        if not job.report or job.data is not None or job.display not in by_display:
            continue
        try:
            data = Path(job.path).read_bytes()
            src = source_of(data)
        except (OSError, SourceError):
            continue
        lines = src.text.splitlines(keepends=True)
        unsafe = uncommentable_lines(src.text)
        changed = 0
        for n, codes in sorted(by_display[job.display].items()):
            if not (1 <= n <= len(lines)) or n in unsafe:
                skipped += 1
                continue
            body = lines[n - 1].rstrip("\r\n")
            ending = lines[n - 1][len(body):]
            new = add_to_line(body, codes, reason)
            if new != body:
                lines[n - 1] = new + ending
                changed += 1
        if not changed:
            continue
        new_text = "".join(lines)
        try:
            parse(new_text, str(job.path))
            new_bytes = src.encode(new_text)
        except (ParseFailure, UnicodeEncodeError):
            skipped += changed
            continue
        try:  # an edit saved meanwhile wins: write only over what was read
            if hashlib.sha256(Path(job.path).read_bytes()).digest() != hashlib.sha256(data).digest():
                skipped += changed
                continue
            atomic_write(job.path, new_bytes)
        except OSError:
            skipped += changed
            continue
        added += changed
    return added, skipped
