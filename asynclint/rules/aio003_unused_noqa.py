"""AIO003: a `# noqa` naming asynclint codes that silence nothing (opt-in).

Reported by the engine after a file's walk, from the `# noqa` comments that
`ctx.report*` consulted (`Context.noqa_used`): the shape of ruff's RUF100.
"""
from __future__ import annotations

import io
import re
import tokenize
from typing import Collection, Iterable, List, Set, Tuple

from ..diagnostics import Diagnostic, Severity
from .base import Rule

_NOQA = re.compile(r"#\s*noqa(?::\s?(?P<codes>[A-Z][0-9A-Z]*(?:[,\s]+[A-Z][0-9A-Z]*)*))?", re.IGNORECASE)
# Codes the static engine cannot judge: findings it never makes (the runtime
# shim's) or makes outside the walk (a file that does not parse or a crash).
_NOT_JUDGED = {"AIO001", "AIO002", "AIO003"}


class UnusedNoqaRule(Rule):
    code = "AIO003"
    name = "unused-noqa"
    summary = "`# noqa` names an asynclint code that silences nothing here, or a code that does not exist"
    message = "{detail}"
    severity = Severity.WARNING
    default_enabled = False
    why = """
        A suppression outlives the finding it was written for: the code was
        fixed, moved, or the rule got smarter. A stale `# noqa: AIO200` then
        hides the next real blocking call on that line. A code that no rule
        has (`AIO9`, a typo such as `AI0400`) silences nothing at all. Only
        codes starting with `AIO` are judged (other tools' codes belong to
        them), only codes enabled in this run (a disabled rule reports
        nothing, so its noqa cannot be judged), and never codes that only the
        runtime shim reports; a bare `# noqa` is left alone. In the flake8
        plugin, flake8 applies `# noqa` itself, so this rule does not run
        there.
    """
    bad_example = """
        import asyncio


        async def main():
            await asyncio.sleep(1)  # noqa: AIO200
    """
    good_example = """
        import asyncio
        import time


        async def main():
            time.sleep(0.01)  # noqa: AIO200 (measured: shorter than a loop tick)
            await asyncio.sleep(1)
    """
    fix_notes = "Remove the stale code from the comment (or the whole comment); `--add-noqa` writes only codes that are needed."


def _comments(lines: List[str]) -> Iterable[Tuple[int, int, str]]:
    """(line, 0-based column, text) of every comment token."""
    text = "\n".join(lines) + "\n"
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT and "noqa" in tok.string.lower():
                yield tok.start[0], tok.start[1], tok.string
    except (tokenize.TokenError, SyntaxError):
        return


def _silenced(comment: str) -> bool:
    """Any `# noqa` in the comment covering AIO003 itself."""
    for m in _NOQA.finditer(comment):
        codes = m.group("codes")
        if not codes:
            return True
        if any("AIO003".startswith(c.upper()) for c in re.split(r"[,\s]+", codes) if c):
            return True
    return False


def findings(lines: List[str], used: Set[Tuple[int, str]], enabled: Collection[str], known: Collection[str],
             runtime_only: Collection[str]) -> List[Diagnostic]:
    """AIO003 findings for one analysed file. `used` holds (line, code) for
    each finding a `# noqa` on that line silenced; `known` every rule code."""
    out = []
    used_by_line = {}
    for line, code in used:
        used_by_line.setdefault(line, set()).add(code)
    for line, col, comment in _comments(lines):
        m = _NOQA.search(comment)
        if m is None or not m.group("codes"):
            continue
        silenced_here = used_by_line.get(line, set())
        unused, unknown = [], []
        for raw in re.split(r"[,\s]+", m.group("codes")):
            c = raw.upper()
            if not c.startswith(("AIO", "AI0")):  # AI0: the zero-for-O typo is ours too
                continue
            covers = [k for k in known if k.startswith(c)]
            if not covers:
                unknown.append(raw)
                continue
            judged = [k for k in covers if k in enabled and k not in runtime_only and k not in _NOT_JUDGED]
            if not judged or len(judged) < len([k for k in covers if k not in _NOT_JUDGED]):
                continue  # some code it covers is off or not judged here: say nothing
            if not any(k.startswith(c) for k in silenced_here):
                unused.append(raw)
        if not unused and not unknown:
            continue
        if _silenced(comment):
            continue
        parts = []
        if unused:
            parts.append(f"unused `# noqa` code{'s' if len(unused) > 1 else ''} {', '.join(unused)}: "
                         f"nothing on this line reports {'them' if len(unused) > 1 else 'it'}")
        if unknown:
            parts.append(f"unknown code{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} in `# noqa`: "
                         f"no asynclint rule has {'them' if len(unknown) > 1 else 'it'}")
        # the token column is in characters already (tokenize works on text)
        out.append(Diagnostic(path="", line=line, col=col + 1, end_line=line, end_col=col + 1 + len(comment),
                              code=UnusedNoqaRule.code, name=UnusedNoqaRule.name, message="; ".join(parts),
                              severity=UnusedNoqaRule.severity))
    return out
