"""Phase 2: a file's pending queries answered by the project index.

`findings_of` turns one file's phase-1 result into its findings: the local
ones plus each pending one the index confirms. Identical queries in a file are
answered once, and a message is formatted only for a confirmed finding.

`LazyModules` lets an index stand on summaries that stay on disk until a query
reaches them: re-checking one edited file reads the few modules its queries
look at, not the whole project.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional

from .diagnostics import Diagnostic, Severity
from .index import queries
from .index.project import ModuleTable, ProjectIndex
from .index.summary import ModuleSummary
from .phase1 import INTERNAL_ERROR, FileResult
from .rules import all_rules

_MISSING = object()


def findings_of(result: FileResult, index: ProjectIndex, display: str,
                deps: Optional[set] = None, answered: Optional[dict] = None,
                asked: Optional[set] = None) -> List[Diagnostic]:
    """Phase 2 for one file: its local findings plus the pending ones the
    index confirms. `deps`, when given, receives the module names the
    answers depended on (`index.project.ALL`: every module). `answered`
    (the language server's, kept between edits): query -> (answer, the
    dependencies of that answer); its answers are reused, new ones added,
    so the caller must drop those whose dependencies changed. `asked`, when
    given, receives the `(module, query)` keys the file asks (the queries
    that can be kept; one holding a list cannot)."""
    found = [d.with_path(display) for d in result.diagnostics]
    if not result.pending_count:
        return found
    with index.tracking() as used:
        _answer_pendings(result, index, display, found, answered, asked)
    if deps is not None:
        deps.update(used)
    return found


def _answer_pendings(result: FileResult, index: ProjectIndex, display: str, found: List[Diagnostic],
                     answered: Optional[dict] = None, asked: Optional[set] = None) -> None:
    rules = all_rules()
    module = result.summary.name if result.summary else ""
    answers: Dict[tuple, object] = {}
    failed = set()
    for pending in result.pendings:  # (decoded once here when the result is packed)
        if asked is not None:
            try:
                asked.add((module, pending.query))
            except TypeError:  # a query holding a list
                pass
        if failed and pending.code in failed:  # almost always empty: no lookup
            continue
        q = pending.query
        try:
            answer = answers.get(q, _MISSING)
        except TypeError:  # a query holding a list: not memoisable, still answerable
            answer, q = _MISSING, None
        if answer is _MISSING and q is not None and answered is not None:
            kept = answered.get((module, q))
            if kept is not None:
                answer = answers[q] = kept[0]
                index.depend(kept[1])
        if answer is _MISSING:
            try:
                if answered is None or q is None:
                    answer = queries.answer(index, module, pending.query)
                else:
                    with index.tracking() as looked:
                        answer = queries.answer(index, module, pending.query)
                    answered[(module, q)] = (answer, frozenset(looked))
            except Exception as exc:  # a bug in the index must not cost the other files
                failed.add(pending.code)
                found.append(Diagnostic(
                    path=display, line=pending.line, col=1, code=INTERNAL_ERROR, name="internal-error",
                    message=f"internal error in rule {pending.code} while asking the project index "
                            f"{pending.query[0]!r}: {type(exc).__name__}: {exc}; please report it",
                    severity=Severity.ERROR,
                ))
                continue
            if q is not None:
                answers[q] = answer
        if answer is None:
            continue
        rule = rules[pending.code]
        found.append(Diagnostic(
            path=display, line=pending.line, col=pending.col, end_line=pending.end_line,
            end_col=pending.end_col, code=rule.code, name=rule.name,
            message=rule.message.format(**{**pending.fields, **answer}),
            severity=rule.severity, fix=pending.fix,
            extra=tuple((k, v) for k, v in answer.items() if k.startswith("_")),  # data for post-passes
        ))


def shared_parts(config) -> List[tuple]:
    """The whole-project joins of per-module parts that answering a large
    project's queries builds, as (name, key) for `ProjectIndex.build_parts`,
    the joins another part uses first: the class hierarchy's children and
    the thread inputs (`index/threads.py`; the key of the inputs is the
    configured `thread-entry-points`), and the async callers
    (`rules/_callers.py`). About two fifths of phase 2 on Home Assistant;
    the processes answering a cold run's queries split them (`engine`)."""
    patterns = tuple(getattr(config, "thread_entry_points", None) or ())
    return [("class-children", None), ("thread-decorators", None), ("thread-inputs", patterns),
            ("async-callers", None)]


def LazyModules(sources: Dict[str, Callable[[], Optional[ModuleSummary]]]) -> ModuleTable:
    """`ProjectIndex.modules` whose summaries are read on first use.

    `sources` maps each module name to a function returning its summary;
    membership needs no read, iteration reads everything."""
    return ModuleTable(sources=sources)
