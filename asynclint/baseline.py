"""Baselines: adopt asynclint on a codebase that already has findings.

`--baseline FILE --update-baseline` records today's findings; later runs with
`--baseline FILE` report only findings that are not recorded. A finding is
recorded by a fingerprint that survives unrelated edits: its rule, its file
(relative to the project root), the whitespace-normalised text of the lines
it spans, and the names of the functions and classes around it; never its
line number, so code added above it does not make it new. Identical
fingerprints are counted: a second copy of a recorded mistake is new.

The file is JSON (data only: reading it can never run code), sorted so that
it diffs well in review.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections import Counter
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from .config import ConfigError
from .diagnostics import Diagnostic

FORMAT = "asynclint-baseline"
VERSION = 1

_NOQA_TAIL = re.compile(r"#\s*noqa\b.*$", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
_DEF = re.compile(r"^(\s*)(?:async\s+def|def|class)\s+([A-Za-z_]\w*)")


def _statement_text(lines: List[str], d: Diagnostic) -> str:
    if not (1 <= d.line <= len(lines)):
        return ""
    last = d.end_line if d.end_line and d.line <= d.end_line <= len(lines) else d.line
    text = " ".join(_NOQA_TAIL.sub("", lines[n - 1]) for n in range(d.line, last + 1))
    return _SPACE.sub(" ", text).strip()


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _scope(lines: List[str], line: int) -> str:
    """`Class.method` around `line`, read from the `def`/`class` lines above
    it with less indentation."""
    if not (1 <= line <= len(lines)):
        return ""
    names: List[str] = []
    limit = _indent(lines[line - 1])
    for n in range(line - 1, 0, -1):
        text = lines[n - 1]
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        indent = _indent(text)
        if indent < limit:
            m = _DEF.match(text)
            if m:
                names.append(m.group(2))
            limit = indent
            if indent == 0:
                break
    return ".".join(reversed(names))


def base_fingerprint(d: Diagnostic, lines: List[str], rel_path: str) -> str:
    key = "\0".join((d.code, rel_path.replace("\\", "/"), _scope(lines, d.line), _statement_text(lines, d)))
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def base_fingerprints(diagnostics: Sequence[Diagnostic], sources: Dict[str, List[str]],
                      display_to_rel: Dict[str, str]) -> List[str]:
    return [base_fingerprint(d, (sources or {}).get(d.path) or [], display_to_rel.get(d.path, d.path))
            for d in diagnostics]


def fingerprints(diagnostics: Sequence[Diagnostic], sources: Dict[str, List[str]],
                 display_to_rel: Dict[str, str]) -> List[str]:
    """One fingerprint per finding, unique within the run: the n-th copy of
    the same base fingerprint gets `-n` (n >= 2)."""
    seen: Counter = Counter()
    out = []
    for fp in base_fingerprints(diagnostics, sources, display_to_rel):
        seen[fp] += 1
        out.append(fp if seen[fp] == 1 else f"{fp}-{seen[fp]}")
    return out


def _base(fp: str) -> str:
    return fp.split("-", 1)[0]


def new_only(diagnostics: Sequence[Diagnostic], prints: Sequence[str], known: Counter) -> Tuple[List[Diagnostic], int]:
    """The findings the baseline does not cover, and how many it hid."""
    budget = Counter(known)
    out, hidden = [], 0
    for d, fp in zip(diagnostics, prints):
        b = _base(fp)
        if budget[b] > 0:
            budget[b] -= 1
            hidden += 1
        else:
            out.append(d)
    return out, hidden


def read(path: Path) -> Counter:
    if not path.exists():
        raise ConfigError(f"baseline {path} does not exist; create it with --baseline {path} --update-baseline")
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read baseline {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"baseline {path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("findings"), list):
        raise ConfigError(f"baseline {path} is not an asynclint baseline (no \"format\": \"{FORMAT}\")")
    if data.get("version") != VERSION:
        raise ConfigError(f"baseline {path} has version {data.get('version')!r}; this asynclint reads version "
                          f"{VERSION}: re-create it with --update-baseline")
    known: Counter = Counter()
    for entry in data["findings"]:
        if not (isinstance(entry, dict) and isinstance(entry.get("fingerprint"), str)
                and isinstance(entry.get("count", 1), int)):
            raise ConfigError(f"baseline {path}: malformed entry {entry!r}")
        known[entry["fingerprint"]] += max(0, entry.get("count", 1))
    return known


def write(path: Path, diagnostics: Sequence[Diagnostic], prints: Sequence[str]) -> None:
    entries: Dict[str, dict] = {}
    for d, fp in zip(diagnostics, prints):
        b = _base(fp)
        entry = entries.get(b)
        if entry is None:
            entries[b] = {"fingerprint": b, "code": d.code, "path": d.path, "count": 1}
        else:
            entry["count"] += 1
    findings = sorted(entries.values(), key=lambda e: (e["path"], e["code"], e["fingerprint"]))
    doc = {"format": FORMAT, "version": VERSION, "findings": findings}
    text = json.dumps(doc, indent=2, ensure_ascii=True) + "\n"
    target = path.resolve()
    if target.is_dir():
        raise ConfigError(f"--baseline {path}: is a folder")
    if not target.parent.is_dir():
        raise ConfigError(f"--baseline {path}: folder {target.parent} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(dir=str(target.parent), prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except OSError as exc:
        raise ConfigError(f"cannot write baseline {path}: {exc.strerror or exc}") from None
