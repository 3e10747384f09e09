"""AIO100: a coroutine is created by a call used as a statement and dropped."""
from __future__ import annotations

import ast
import re

from ..diagnostics import Applicability, Fix, Fixability
from ..index.queries import query
from ._callers import async_callers
from ._coroutine_common import _coroutine_call, callee_symbol, source_text, worth_asking
from ._text import mentions
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
        coroutine functions, derived from typeshed. Installed libraries are
        read too when asynclint is given the environment (`--python PATH`,
        else the active virtualenv), so a command handler's
        `ctx.send(...)` with `ctx: commands.Context` is known to be a
        coroutine when discord.py is installed there. Calls of a
        `functools.partial` of an async function, class and static methods
        reached through the class, names bound by `:=` and getters
        annotated `Alias | None` count too. When it cannot prove it,
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
        if type(call) is ast.Call:  # most expression statements
            self._check_call(call, ctx)
            return
        if isinstance(call, (ast.List, ast.Tuple, ast.Set, ast.ListComp, ast.SetComp)):
            # `[notify(u) for u in users]` as a statement: every coroutine in
            # the dropped list is lost (no fix: awaiting each changes the order)
            for elt in (call.elts if isinstance(call, (ast.List, ast.Tuple, ast.Set)) else [call.elt]):
                if isinstance(elt, ast.Call):
                    self._check_call(elt, ctx, in_display=True)

    def _check_call(self, call: ast.Call, ctx, in_display: bool = False) -> None:
        sym = callee_symbol(ctx, call.func)
        if not worth_asking(sym):
            return
        if _silenced_for_type_checkers(ctx, call):
            return
        if ctx.in_async:
            if in_display:
                ctx.report_if(("coroutine-call", sym), call, advice="await them (`await asyncio.gather(...)`)",
                              callee=source_text(call.func))
                return
            # a certain coroutine gets the `await` fix; a `Coroutine | None` one
            # is awaited only when it is not None (the queries exclude each other)
            callee = source_text(call.func)
            ctx.report_if(("coroutine-value", sym), call, fix=_AWAIT_FIX, advice="add `await`", callee=callee)
            ctx.report_if(("maybe-coroutine-call", sym), call, advice="await it when it is not None", callee=callee)
            return
        # Sync code: `asyncio.run()` only fits where no loop runs. A sync def
        # nested in an async def, or called from async code, runs inside the
        # running loop (phase 2 knows the callers).
        fn = ctx.function
        nested = any(s.kind == "function" and s.is_async for s in ctx.scopes[:-1]) if fn is not None else False
        qual = fn.info.qualname if fn is not None and fn.info is not None else None
        ctx.report_if(("coroutine-call-sync", sym, nested, qual), call, fix=None,
                      advice=_IN_LOOP if nested else _NO_LOOP, callee=source_text(call.func))


_NO_LOOP = "run it with `asyncio.run()` or schedule it as a task from async code"
_IN_LOOP = ("this code runs inside the running event loop: schedule it with `asyncio.create_task(...)` "
            "and keep the task (or `asyncio.run_coroutine_threadsafe(...)` from another thread)")


@query("coroutine-call-sync")
def _coroutine_call_sync(index, module, func_sym, nested, qualname):
    answer = _coroutine_call(index, module, func_sym)
    if answer is None:
        return None
    if not nested and qualname is not None and async_callers(index).get((module, qualname)):
        answer = {**answer, "advice": _IN_LOOP}
    return answer


def _silenced_for_type_checkers(ctx, call: ast.Call) -> bool:
    """The line already says the coroutine is dropped on purpose, for mypy
    (`# type: ignore[unused-coroutine]`) or pyright
    (`# pyright: ignore[reportUnusedCoroutine]`)."""
    if not mentions(ctx, _IGNORE_WORDS):
        return False
    for line in range(call.lineno, (call.end_lineno or call.lineno) + 1):
        if 1 <= line <= len(ctx.lines):
            text = ctx.lines[line - 1]
            if "ignore[" in text and (_ignores(_MYPY_IGNORE, text, "unused-coroutine")
                                      or _ignores(_PYRIGHT_IGNORE, text, "reportUnusedCoroutine")):
                return True
    return False


# The exact comment forms, not any text that contains the word.
_MYPY_IGNORE = re.compile(r"#\s*type:\s*ignore\[([^\]]*)\]")
_PYRIGHT_IGNORE = re.compile(r"#\s*pyright:\s*ignore\[([^\]]*)\]")
_IGNORE_WORDS = ("ignore[",)  # what both forms spell


def _ignores(pattern, text: str, code: str) -> bool:
    return any(code in (c.strip() for c in m.group(1).split(",")) for m in pattern.finditer(text))
