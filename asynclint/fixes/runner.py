"""The fix loop: findings -> fixed text, file by file.

For each reported file with fixes this mode may apply: apply a round of fixes
(`apply.apply_fixes`), re-check the new text with the same engine, settings
and project index, and repeat while something changed and fixable findings
remain (at most `MAX_PASSES` rounds: overlapping fixes need one round each).
A file that does not decode or parse is never touched, and the final text
must parse and encode in the file's own encoding, or the file is left as it
was. libcst is imported only when some file has a fix to apply.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from .. import noqa
from ..diagnostics import Diagnostic
from ..parsing import ParseFailure, parse
from ..source import SourceError
from . import MAX_PASSES, is_applicable
from .files import SourceFile, source_of


@dataclass
class FileFix:
    """The outcome for one file."""

    display: str
    path: Optional[Path]  # None for standard input
    source: SourceFile
    new_text: str
    applied: List[Diagnostic] = field(default_factory=list)  # as reported before fixing
    remaining: List[Diagnostic] = field(default_factory=list)  # findings of the new text
    error: Optional[str] = None  # why the file was left alone

    @property
    def changed(self) -> bool:
        return self.new_text != self.source.text

    def new_bytes(self) -> bytes:
        return self.source.encode(self.new_text)


class Checker:
    """Re-checks one file's new text the way the engine checked it."""

    def __init__(self, settings, root: Path, index):
        from ..engine import Walker

        self.settings = settings
        self.root = root
        self.index = index
        self.walker = Walker(settings.enabled)

    def check(self, path: Path, display: str, text: str) -> List[Diagnostic]:
        from ..engine import analyse_text, findings_of
        from ..index.modules import module_name
        from ..index.project import Knowledge, ProjectIndex

        module, is_package = module_name(path, self.root)
        result = analyse_text(text, module, is_package, str(path), self.walker, self.settings)
        index = self.index if self.index is not None else ProjectIndex([], Knowledge.from_config(self.settings.config))
        if result.summary is not None:
            old = index.modules.get(module)
            if (old is None or old.path == result.summary.path) and old != result.summary:
                index = self.index = index.with_module(result.summary)  # the module as it is now
        ignored = self.settings.config.ignored_for(display)
        out = []
        for d in findings_of(result, index, display):
            if d.code not in self.settings.enabled:
                continue
            if ignored and noqa.suppresses(frozenset(ignored), d.code):
                continue
            out.append(d)
        return sorted(out, key=Diagnostic.sort_key)


def _parses(text: str) -> bool:
    try:
        parse(text, "<fix>")
    except ParseFailure:
        return False
    return True


def fix_text(source: SourceFile, diagnostics: Sequence[Diagnostic], unsafe: bool, recheck, display: str = "",
             path: Optional[Path] = None) -> FileFix:
    """Fix one file's text. `recheck(text)` returns the findings of a text."""
    outcome = FileFix(display, path, source, source.text, remaining=list(diagnostics))
    todo = [d for d in diagnostics if is_applicable(d, unsafe)]
    if not todo:
        return outcome
    if not _parses(source.text):
        outcome.error = "the file does not parse; left untouched"
        return outcome
    from .apply import apply_fixes  # libcst from here on

    text = source.text
    current = list(diagnostics)
    applied: List[Diagnostic] = []
    attempted: set = set()
    for _ in range(MAX_PASSES):
        todo = [d for d in current if is_applicable(d, unsafe)]
        if not todo:
            break
        result = apply_fixes(text, todo)
        if not result.applied or result.text == text:
            break
        text = result.text
        applied.extend(_original_of(d, diagnostics, attempted) for d in result.applied)
        current = recheck(text)
    if text == source.text:
        return outcome
    if not _parses(text):  # pragma: no cover - apply_fixes already checks each round
        outcome.error = "fixing produced code that does not parse; left untouched"
        return outcome
    try:
        source.encode(text)
    except UnicodeEncodeError:
        outcome.error = f"the fixed text does not fit the file's encoding ({source.encoding}); left untouched"
        return outcome
    outcome.new_text = text
    outcome.applied = applied
    outcome.remaining = current
    return outcome


def _original_of(d: Diagnostic, originals: Sequence[Diagnostic], used: set) -> Diagnostic:
    """A fix applied in a later round is reported with the position it had
    before fixing when that finding can be told apart (same code and message),
    else as found in that round."""
    if d in originals and id(d) not in used:
        used.add(id(d))
        return d
    for o in originals:
        if id(o) not in used and o.code == d.code and o.message == d.message:
            used.add(id(o))
            return o
    return d


def fix_files(jobs, diagnostics: Sequence[Diagnostic], settings, root: Path, index, unsafe: bool,
              earlier: Optional[Dict[str, FileFix]] = None) -> Dict[str, FileFix]:
    """Fix every reported file (jobs of the engine run) that has applicable
    fixes. Returns display path -> FileFix for those files; nothing is written.
    `earlier`: fixes of a previous round; a file there is fixed further from
    its fixed text, and keeps the source it was read with."""
    earlier = earlier or {}
    by_display: Dict[str, List[Diagnostic]] = {}
    for d in diagnostics:
        by_display.setdefault(d.path, []).append(d)
    checker: Optional[Checker] = None
    out: Dict[str, FileFix] = {}
    for job in jobs:
        if not job.report:
            continue
        found = by_display.get(job.display, [])
        if not any(is_applicable(d, unsafe) for d in found):
            continue
        before = earlier.get(job.display)
        try:
            data = job.data if job.data is not None else Path(job.path).read_bytes()
            source = source_of(data) if before is None else replace(before.source, text=before.new_text)
        except (OSError, SourceError):
            continue
        if checker is None:
            checker = Checker(settings, root, index)
        path = Path(job.path)
        fixed = fix_text(source, found, unsafe, lambda text, p=path, disp=job.display: checker.check(p, disp, text),
                         job.display, None if job.data is not None else path)
        if before is not None:  # report against the text as it was read
            fixed = replace(fixed, path=before.path, source=before.source, applied=before.applied + fixed.applied,
                            new_text=fixed.new_text if fixed.changed else before.new_text)
        out[job.display] = fixed
    return out


def fix_project(jobs, result, settings, root: Path, unsafe: bool, workers: int = 1):
    """Fix, then check the whole project again with the fixed texts, and fix
    what that finds, until nothing changes: a fix in one file can expose a
    fixable finding in another (a helper moved into `to_thread` now runs in a
    thread), and `--fix` must leave nothing a second `--fix` would change.
    Returns (display -> FileFix, the findings of the final texts or None
    when nothing changed)."""
    from ..engine import lint_files

    fixed = fix_files(jobs, result.diagnostics, settings, root, result.index, unsafe)
    final = None
    for _ in range(MAX_PASSES):
        if not any(f.changed for f in fixed.values()):
            break
        now = [replace(j, data=fixed[j.display].new_bytes()) if j.display in fixed and fixed[j.display].changed else j
               for j in jobs]
        again = lint_files(now, settings, root, use_cache=False, workers=workers, need_index=True)
        final = again.diagnostics
        more = fix_files(now, again.diagnostics, settings, root, again.index, unsafe, earlier=fixed)
        grown = {d: f for d, f in more.items() if f.changed and (d not in fixed or f.new_text != fixed[d].new_text)}
        if not grown:
            break
        fixed.update(grown)
        final = None
    if final is None and any(f.changed for f in fixed.values()):  # the last round changed something
        now = [replace(j, data=fixed[j.display].new_bytes()) if j.display in fixed and fixed[j.display].changed else j
               for j in jobs]
        final = lint_files(now, settings, root, use_cache=False, workers=workers, need_index=True).diagnostics
    return fixed, final
