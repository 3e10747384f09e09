"""AIO100: a coroutine is created by a call used as a statement and dropped."""
from __future__ import annotations

import ast

from ..diagnostics import Applicability, Fix, Fixability
from ._coroutine_common import callee_symbol, source_text, worth_asking
from .base import Rule

_AWAIT_FIX = Fix("Add `await`", Applicability.SAFE, data=("insert-await",))


class CoroutineNeverAwaited(Rule):
    code = "AIO100"
    name = "coroutine-never-awaited"
    summary = "Coroutine created and never awaited: the call does nothing"
    message = "coroutine `{callee}`{where} is never awaited: the call only creates a coroutine object; {advice}"
    fixable = Fixability.SOMETIMES
    fix_applicability = Applicability.SAFE
    node_types = (ast.Expr,)
    why = """
        Calling a coroutine function does not run it: it creates a coroutine
        object, and nothing happens until that object is awaited or scheduled
        as a task. A call used as a statement throws the coroutine away, so
        the work is silently skipped and, at garbage collection, Python
        prints "RuntimeWarning: coroutine ... was never awaited" (see
        "Detect never-awaited coroutines" in the asyncio guide).

        asynclint proves the callee returns a coroutine through the project
        index: `async def` functions and methods anywhere in the project
        (imports, re-exports, `import *`, base classes, typed or constructed
        instances, decorators it can follow) and the standard library's
        coroutine functions, derived from typeshed. When it cannot prove it,
        it says nothing. A line marked for mypy or pyright as dropping the
        coroutine on purpose (`# type: ignore[unused-coroutine]`,
        `# pyright: ignore[reportUnusedCoroutine]`) is left alone too.
    """
    bad_example = """
        import asyncio


        class Database:
            async def flush(self, record): ...


        db = Database()


        async def save(record):
            db.flush(record)        # `flush` is `async def`: nothing is written
            asyncio.sleep(1)        # no pause either
    """
    good_example = """
        import asyncio


        class Database:
            async def flush(self, record): ...


        db = Database()


        async def save(record):
            await db.flush(record)
            await asyncio.sleep(1)
    """
    fix_notes = """
        In async code the fix adds `await` (safe: the call was a statement).
        In sync code there is no automatic fix: run the coroutine with
        `asyncio.run()` or schedule it as a task from async code.
    """

    def check(self, node: ast.Expr, ctx) -> None:
        call = node.value
        if isinstance(call, (ast.List, ast.Tuple, ast.Set, ast.ListComp, ast.SetComp)):
            # `[notify(u) for u in users]` as a statement: every coroutine in
            # the dropped list is lost (no fix: awaiting each changes the order)
            for elt in (call.elts if isinstance(call, (ast.List, ast.Tuple, ast.Set)) else [call.elt]):
                if isinstance(elt, ast.Call):
                    self._check_call(elt, ctx, in_display=True)
            return
        if not isinstance(call, ast.Call):
            return
        self._check_call(call, ctx)

    def _check_call(self, call: ast.Call, ctx, in_display: bool = False) -> None:
        sym = callee_symbol(ctx, call.func)
        if not worth_asking(sym):
            return
        if _silenced_for_type_checkers(ctx, call):
            return
        if ctx.in_async and in_display:
            advice, fix = "await them (`await asyncio.gather(...)`)", None
        elif ctx.in_async:
            advice, fix = "add `await`", _AWAIT_FIX
        else:
            advice, fix = "run it with `asyncio.run()` or schedule it as a task from async code", None
        ctx.report_if(("coroutine-call", sym), call, fix=fix, advice=advice, callee=source_text(call.func))


def _silenced_for_type_checkers(ctx, call: ast.Call) -> bool:
    """The line already says the coroutine is dropped on purpose, for mypy
    (`# type: ignore[unused-coroutine]`) or pyright
    (`# pyright: ignore[reportUnusedCoroutine]`)."""
    for line in range(call.lineno, (call.end_lineno or call.lineno) + 1):
        if 1 <= line <= len(ctx.lines):
            text = ctx.lines[line - 1]
            if "unused-coroutine" in text or "reportUnusedCoroutine" in text:
                return True
    return False
