"""AIO501: running an event loop from code that already runs in one."""
from __future__ import annotations

import ast

from ..context import dotted
from ..diagnostics import Severity
from ..index.local_types import is_event_loop
from ..index.queries import query
from ..knowledge.futures import LOOP_RUN_METHODS, LOOP_RUNNERS, NESTED_LOOP_PATCHES, RUNNING_LOOP_CHECKS
from ._callers import async_callers
from ._lifecycle import expects_raise, source, walk_local
from .base import Rule, last_names


class NestedEventLoop(Rule):
    code = "AIO501"
    name = "nested-event-loop"
    summary = "Event loop run from code that already runs inside one: RuntimeError"
    message = (
        "`{call}(...)` {where}: running a loop from inside a running loop raises RuntimeError; "
        "await the coroutine instead"
    )
    severity = Severity.ERROR
    node_types = (ast.Call,)
    callee_names = last_names(LOOP_RUNNERS, LOOP_RUN_METHODS)
    why = """
        `asyncio.run()`, `loop.run_until_complete()` and `loop.run_forever()`
        start an event loop and block until it is done. Called from a
        coroutine, or from a sync function that a coroutine calls directly,
        the thread already runs a loop, and asyncio refuses: `RuntimeError:
        asyncio.run() cannot be called from a running event loop` (or "This
        event loop is already running" / "Cannot run the event loop while
        another loop is running"). The same code often works in a script and
        fails once it is used from an async application or a notebook.

        For sync functions the project index must show a direct call from an
        `async def`. Not reported when the function checks for a running loop
        first (`get_running_loop()`, `loop.is_running()`), in a thread's own
        function, nor in modules that import `nest_asyncio`.
    """
    bad_example = """
        import asyncio


        async def fetch_config(): ...


        def load_config():
            return asyncio.run(fetch_config())


        async def main():
            config = load_config()
    """
    good_example = """
        async def fetch_config(): ...


        async def load_config():
            return await fetch_config()


        async def main():
            config = await load_config()
            return config
    """
    fix_notes = """
        None: make the caller chain async and await the coroutine, or run the
        loop in a thread of its own (`await asyncio.to_thread(asyncio.run, coro())`).
    """

    def check(self, node: ast.Call, ctx) -> None:
        func = node.func
        if dotted(ctx.symbol(func)) in LOOP_RUNNERS:
            pass
        elif not (isinstance(func, ast.Attribute) and func.attr in LOOP_RUN_METHODS and is_event_loop(ctx, func.value)):
            return
        if any(sym is not None and sym[0] == "module" and sym[1] in NESTED_LOOP_PATCHES
               for sym in ctx.module.bindings.values()):
            return
        if expects_raise(ctx):
            return  # a test checking the RuntimeError
        call = source(func)
        if ctx.in_async:
            ctx.report(node, call=call, where="inside async code")
            return
        fn = ctx.function
        if fn is None or fn.kind != "function" or fn.info is None:
            return
        if _checks_running_loop(ctx, fn.node):
            return
        ctx.report_if(("aio501-called-from-async", fn.info.qualname), node, call=call)


def _checks_running_loop(ctx, fn: ast.AST) -> bool:
    for n in walk_local(fn.body):
        if isinstance(n, ast.Call):
            if dotted(ctx.symbol(n.func)) in RUNNING_LOOP_CHECKS:
                return True
            if isinstance(n.func, ast.Attribute) and n.func.attr in ("is_running", "get_running_loop", "_get_running_loop"):
                return True
    return False


@query("aio501-called-from-async")
def _called_from_async(index, module: str, qualname: str):
    callers = async_callers(index).get((module, qualname))
    if not callers:
        return None
    mod, qual = callers[0]
    if qualname.endswith(".__init__"):
        return {"where": f"in `{qualname}`, which async `{qual}` runs by creating a "
                         f"`{qualname.rsplit('.', 2)[-2]}`"}
    return {"where": f"in sync `{qualname}`, which async `{qual}` calls directly"}
