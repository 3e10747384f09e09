"""AIO402: a future-returning call used as a statement."""
from __future__ import annotations

import ast

from ..context import dotted
from ..index.local_types import is_event_loop
from ..knowledge.futures import FUTURE_RETURNING, LOOP_FUTURE_METHODS
from ._lifecycle import expects_raise, source
from .base import Rule


class DiscardedFuture(Rule):
    code = "AIO402"
    name = "discarded-future"
    summary = "Future-returning call used as a statement: its exception is never retrieved"
    message = (
        "`{call}(...)` returns a future that is thrown away: if it fails, its exception is never "
        "retrieved; await it, keep it and check its result, or add a done-callback"
    )
    node_types = (ast.Expr,)
    why = """
        `asyncio.gather()`, `asyncio.shield()`, `loop.run_in_executor()`,
        `asyncio.run_coroutine_threadsafe()` and `asyncio.wrap_future()`
        return a future, not a coroutine: the work starts whether or not the
        result is kept. Used as a bare statement, the future is dropped, so
        an exception raised by the work is never retrieved (asyncio logs
        "exception was never retrieved" at some later point, or, for
        `run_coroutine_threadsafe` and executor jobs, nothing at all), and
        nobody can wait for it or cancel it. See "Detect never-retrieved
        exceptions" in the asyncio guide.

        Not reported inside `with pytest.raises(...)` or
        `self.assertRaises(...)`, where the call is expected to fail.
    """
    bad_example = """
        async def save(loop, record):
            loop.run_in_executor(None, write_to_disk, record)

        def from_worker_thread(loop):
            asyncio.run_coroutine_threadsafe(notify(), loop)
    """
    good_example = """
        import asyncio


        def write_to_disk(record): ...


        async def notify(): ...


        async def save(record):
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, write_to_disk, record)


        def from_worker_thread(loop):
            future = asyncio.run_coroutine_threadsafe(notify(), loop)
            future.result(timeout=10)  # or add a done-callback that logs
    """
    fix_notes = """
        None: whether to await the future, wait for it from the thread, or
        attach a done-callback that reports its exception depends on the
        program.
    """

    def check(self, node: ast.Expr, ctx) -> None:
        call = node.value
        if not isinstance(call, ast.Call):
            return
        func = call.func
        if expects_raise(ctx):
            return  # a test checking that the call fails
        if dotted(ctx.symbol(func)) in FUTURE_RETURNING:
            ctx.report(call, call=source(func))
        elif isinstance(func, ast.Attribute) and func.attr in LOOP_FUTURE_METHODS and is_event_loop(ctx, func.value):
            ctx.report(call, call=source(func))
