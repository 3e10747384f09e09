"""AIO500: asyncio.get_event_loop() where get_running_loop() is meant, or where no loop runs."""
from __future__ import annotations

import ast

from ..context import dotted
from ..diagnostics import Applicability, Fix, Fixability
from ..knowledge.futures import GET_EVENT_LOOP, LOOP_RUN_METHODS, SET_EVENT_LOOP
from ._lifecycle import in_main_guard, walk_local
from .base import Rule


class GetEventLoop(Rule):
    code = "AIO500"
    name = "deprecated-get-event-loop"
    summary = "`asyncio.get_event_loop()` in a coroutine, or where no event loop is running"
    message = "`{call}()` {where}"
    fixable = Fixability.SOMETIMES
    fix_applicability = Applicability.SAFE
    node_types = (ast.Call,)
    why = """
        `asyncio.get_event_loop()` has two behaviours. Inside a coroutine or
        callback it returns the running loop, which
        `asyncio.get_running_loop()` does explicitly (and without the legacy
        policy machinery). With no running loop it used to create one
        implicitly: that is deprecated since Python 3.10-3.12 (a
        `DeprecationWarning`) and an error (`RuntimeError`) since 3.14, and
        the loop it made was rarely the one `asyncio.run()` later runs.

        Reported in async code (use `get_running_loop()`), at module or class
        level (import time: no loop runs), and in a sync function that
        itself goes on to run the loop it got (`run_until_complete`,
        `run_forever`): there no loop is running. Not reported when the code
        sets the loop first with `asyncio.set_event_loop()`, when a `try`
        around the call alone catches `RuntimeError` or falls back to a new
        loop in its handler (a broad `except Exception` that only logs or
        exits does not), nor in other sync functions (they may be callbacks
        running inside the loop).
    """
    bad_example = """
        import asyncio


        def read(): ...


        async def serve(): ...


        async def fetch():
            loop = asyncio.get_event_loop()
            return await loop.run_in_executor(None, read)


        def main():
            loop = asyncio.get_event_loop()
            loop.run_until_complete(serve())
    """
    good_example = """
        import asyncio


        def read(): ...


        async def serve(): ...


        async def fetch():
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(None, read)


        def main():
            asyncio.run(serve())
    """
    fix_notes = """
        In async code `asyncio.get_event_loop()` becomes
        `asyncio.get_running_loop()` (safe: there it returns the same loop;
        a bare `get_event_loop()` imported by name is left to the user). Elsewhere there is no mechanical fix:
        use `asyncio.run()` or create the loop with `asyncio.new_event_loop()`
        and `asyncio.set_event_loop()`.
    """

    def check(self, node: ast.Call, ctx) -> None:
        name = dotted(ctx.symbol(node.func))
        if name in SET_EVENT_LOOP:
            ctx.scope.state[self.code] = True  # the loop is set from here on
            return
        if name not in GET_EVENT_LOOP or node.args or node.keywords:
            return
        call = ast.unparse(node.func)
        if ctx.in_async:
            # the rename touches only an attribute call (`asyncio.get_event_loop()`):
            # a bare imported name would need an import the fix does not add
            fix = Fix("use `asyncio.get_running_loop()`", Applicability.SAFE,
                      data=("rename-call", "get_running_loop")) if isinstance(node.func, ast.Attribute) else None
            ctx.report(node, fix=fix, call=call,
                       where="in async code: use `asyncio.get_running_loop()`, which returns the running loop "
                             "without the deprecated fallback")
            return
        if any(s.state.get(self.code) for s in ctx.scopes) or _handles_runtime_error(ctx, node):
            return
        fn = ctx.function
        if fn is None:
            # the message fits the place: under `if __name__ == "__main__":`
            # it runs when the script starts, not when it is imported
            when = "when the script starts" if in_main_guard(ctx) else "at import time"
            ctx.report(node, call=call,
                       where=f"{when}, where no event loop is running: deprecated, and a RuntimeError "
                             "since Python 3.14; use `asyncio.run()` or get the loop inside a coroutine")
            return
        if fn.kind == "function" and _runs_loop_itself(fn.node):
            ctx.report(node, call=call,
                       where="in a function that then runs the loop itself, so none is running: deprecated, "
                             "and a RuntimeError since Python 3.14; use `asyncio.run()` or `asyncio.new_event_loop()`")


def _runs_loop_itself(fn: ast.AST) -> bool:
    """The function runs a loop and never asks whether one is running."""
    runs = False
    for n in walk_local(fn.body):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute):
            if n.func.attr in LOOP_RUN_METHODS:
                runs = True
            elif n.func.attr in ("is_running", "get_running_loop", "_get_running_loop"):
                return False
    return runs


_NO_LOOP_ERRORS = frozenset({"builtins.RuntimeError"})
_BROAD_ERRORS = frozenset({"builtins.Exception", "builtins.BaseException"})


def _handles_runtime_error(ctx, node: ast.AST) -> bool:
    """The call sits in a `try` whose handler catches the no-loop RuntimeError:
    by name, or with a broad handler around the call alone that makes a loop
    of its own (a probe). A broad `except Exception` around a whole `main()`
    is error reporting, not a probe."""
    parents = ctx.parents
    for i in range(len(parents) - 1, -1, -1):
        p = parents[i]
        if isinstance(p, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            return False
        if isinstance(p, ast.Try) and i + 1 < len(parents) and parents[i + 1] in p.body:
            for handler in p.handlers:
                types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
                names = {dotted(ctx.symbol(t)) for t in types} if handler.type is not None else set()
                if names & _NO_LOOP_ERRORS:
                    return True
                if (handler.type is None or names & _BROAD_ERRORS) and len(p.body) == 1 \
                        and _makes_loop(ctx, handler):
                    return True
    return False


_LOOP_MAKERS = frozenset({"asyncio.new_event_loop", "asyncio.events.new_event_loop", "asyncio.run",
                          "asyncio.runners.run", "uvloop.new_event_loop", "uvloop.install"}) | SET_EVENT_LOOP


def _makes_loop(ctx, handler: ast.ExceptHandler) -> bool:
    """The handler falls back to a loop of its own: a probe. One that only
    logs, exits or re-raises leaves the program without a loop on 3.14."""
    return any(isinstance(n, ast.Call) and dotted(ctx.symbol(n.func)) in _LOOP_MAKERS
               for stmt in handler.body for n in ast.walk(stmt))
