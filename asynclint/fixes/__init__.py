"""Fixes: rules describe them, this package applies them with libcst.

A rule attaches `Fix(description, applicability, data=(KIND, *params))`
(`asynclint.diagnostics.Fix`) to the finding whose reported node is the Call
the fix applies to. This package finds that Call in a libcst tree by its
position and applies the transform registered for KIND:

- ``("insert-await",)``: ``f(x)`` -> ``await f(x)`` (an expression statement
  in the body of an ``async def``);
- ``("asyncio-sleep",)``: ``time.sleep(x)`` -> ``await asyncio.sleep(x)``,
  reusing the module's ``asyncio`` import or alias, adding one if missing;
- ``("to-thread",)``: ``f(*a, **k)`` -> ``await asyncio.to_thread(f, *a, **k)``;
- ``("rename-call", NEW)``: the called name's last part becomes NEW
  (``loop.call_soon`` -> ``loop.call_soon_threadsafe``);
- ``("threadsafe-call", LOOP_SOURCE)``: ``fut.set_result(v)`` ->
  ``LOOP.call_soon_threadsafe(fut.set_result, v)``;
- ``("keep-task-reference",)``: inside ``async with asyncio.TaskGroup() as tg``
  the task is created on ``tg``; elsewhere it is kept in a module-level set
  of background tasks that discards it when it is done.

Layout: `files` (reading and atomic writing that keep encoding, BOM, line
endings and mode), `runner` (the fix loop over files: apply, re-check, repeat
until nothing changes), `command` (what the CLI's --fix/--diff/--show-fixes
do), `apply` and `transforms` (the libcst part).

Importing this package, `files`, `runner` or `command` does not import
libcst: only applying a fix does, so the check path's start-up stays small.
"""
from __future__ import annotations

from typing import Optional

from ..diagnostics import Applicability, Diagnostic

# Every kind a rule may name in `Fix.data[0]`; `transforms.TRANSFORMS` holds
# the implementations (a test keeps the two in step).
KINDS = frozenset({
    "insert-await",
    "asyncio-sleep",
    "to-thread",
    "rename-call",
    "threadsafe-call",
    "keep-task-reference",
})

# How many apply-and-recheck rounds a file gets: overlapping fixes (one
# fix's node inside another's) are applied one per round.
MAX_PASSES = 10


def fix_kind(diagnostic: Diagnostic) -> Optional[str]:
    fix = diagnostic.fix
    if fix is None or not fix.data or not isinstance(fix.data[0], str):
        return None
    return fix.data[0] if fix.data[0] in KINDS else None


def is_applicable(diagnostic: Diagnostic, unsafe: bool) -> bool:
    """The finding has a fix of a known kind that this mode may apply."""
    if fix_kind(diagnostic) is None:
        return False
    return unsafe or diagnostic.fix.applicability is Applicability.SAFE
