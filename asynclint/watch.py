"""`asynclint --watch`: check, then re-check whenever a file changes.

Polls the files' size and modification time (no extra dependency; a content
hash then tells a real change from a touch) and re-discovers the tree for new
files. Each round prints the findings that are new since the previous report
and one summary line; the first round prints them all. The same in-memory
`Session` as the language server does the work.
"""
from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Callable, List, Sequence, Set

from .diagnostics import Diagnostic
from .engine import FileJob, Settings
from .session import Job, Session, default_workers

INTERVAL = 0.5  # seconds between polls


def run(jobs: Sequence[FileJob], settings: Settings, root: Path, rediscover: Callable[[], List[FileJob]],
        render: Callable[[List[Diagnostic]], str], workers: int = 0, interval: float = INTERVAL,
        out=None, early: bool = True) -> int:
    """`early`: print the changed files' new findings before re-answering the
    rest of the project (line formats); otherwise one report a round."""
    out = out or sys.stdout
    session = Session(root, settings)
    started = time.perf_counter()
    session.load([Job(j.path, j.display, j.report) for j in jobs], workers or default_workers())
    shown = _all(session, session.reported())
    _emit(out, render(sorted(shown, key=Diagnostic.sort_key)))
    _status(out, f"{len(shown)} finding{_s(len(shown))} in {len(session.reported())} files "
                 f"({_ms(started)}); watching for changes (Ctrl-C to stop)")
    discover_every = 1
    rounds = 0
    try:
        while True:
            time.sleep(interval)
            rounds += 1
            changed = session.changed_on_disk()
            if rounds % discover_every == 0:
                t = time.perf_counter()
                current = {j.path: j for j in rediscover()}
                # Re-discovering a large tree every poll would cost more than
                # the checks: space it out so that it takes at most a tenth of
                # the time (new files show up within a minute at worst).
                took = time.perf_counter() - t
                discover_every = max(1, min(120, int(took / (max(interval, 0.05) * 0.1))))
                changed += [p for p in current if p not in session]
                changed += [p for p in session.reported() if p not in current]
            else:
                current = None
            if not changed:
                continue
            started = time.perf_counter()
            names, index_changed = [], False
            for path in dict.fromkeys(changed):
                job = current.get(path) if current else None
                change = session.update(path, display=job.display if job else None,
                                        report=job.report if job else True)
                if change.changed:
                    names.append(path)
                    index_changed |= change.summary_changed
            if not names:
                continue
            # The changed files first: their findings are printed before the
            # rest of the project is re-answered (only when the index changed).
            reported = session.reported()
            first = _all(session, [p for p in names if p in set(reported)])
            new = [d for d in first if d not in shown]
            early_now = early and index_changed
            if early_now:
                _emit(out, render(sorted(new, key=Diagnostic.sort_key)))
            # Unchanged files answer from memory unless the index changed.
            now = _all(session, reported)
            later = [d for d in now if d not in shown and d not in first]
            _emit(out, render(sorted(later if early_now else new + later, key=Diagnostic.sort_key)))
            new += later
            gone = len([d for d in shown if d not in now])
            which = ", ".join(session.display_of(p) for p in names[:3]) + (" ..." if len(names) > 3 else "")
            _status(out, f"{which} changed: {len(new)} new, {gone} gone, {len(now)} in total ({_ms(started)})")
            shown = now
    except KeyboardInterrupt:
        return 0


def _all(session: Session, paths: Sequence[Path]) -> Set[Diagnostic]:
    out: Set[Diagnostic] = set()
    for path in paths:
        out.update(session.findings(path))
    return out


def _emit(out, text: str) -> None:
    if text:
        out.write(text)
    out.flush()


def _status(out, message: str) -> None:
    out.write(f"[{datetime.now().strftime('%H:%M:%S')}] asynclint: {message}\n")
    out.flush()


def _ms(started: float) -> str:
    return f"{(time.perf_counter() - started) * 1000:.0f} ms"


def _s(n: int) -> str:
    return "" if n == 1 else "s"

