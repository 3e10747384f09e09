"""AIO504: asyncio debug mode switched on in the code."""
from __future__ import annotations

import ast
from pathlib import PurePath

from ..context import dotted
from ..diagnostics import Severity
from ..index.local_types import is_event_loop
from ..knowledge.futures import DEBUG_OK_PARTS, LOOP_RUNNERS
from ._lifecycle import in_main_guard, source
from .base import Rule, last_names


class HardcodedDebug(Rule):
    code = "AIO504"
    name = "hardcoded-debug-mode"
    summary = "asyncio debug mode hard-coded on outside tests and `__main__` guards"
    message = (
        "`{call}(...)` turns asyncio debug mode on unconditionally: it slows every callback and is meant "
        "for development; enable it with `PYTHONASYNCIODEBUG=1` or `python -X dev` instead"
    )
    severity = Severity.NOTE
    node_types = (ast.Call,)
    callee_names = last_names(["set_debug"], LOOP_RUNNERS)
    why = """
        Debug mode ("Debug Mode" in the asyncio guide) logs slow callbacks,
        records where every coroutine and task was created, and checks
        thread-safety of loop calls: invaluable while developing, and a real
        cost in production. Hard-coding `asyncio.run(main(), debug=True)` or
        `loop.set_debug(True)` ships it. The environment (`PYTHONASYNCIODEBUG=1`,
        `python -X dev`) or a configuration value switches it on only where
        it is wanted.

        Not reported in tests, examples and docs folders, `test_*.py` and
        `conftest.py`, under an `if __name__ == "__main__":` guard or any
        other condition, in debugging tooling (a module or function named
        for debugging), or when the flag is not the literal `True`.
    """
    bad_example = """
        import asyncio


        async def main(): ...


        def serve():
            asyncio.run(main(), debug=True)
    """
    good_example = """
        import asyncio
        import os


        async def main(): ...


        def serve():
            asyncio.run(main(), debug=os.environ.get("APP_DEBUG") == "1")
    """
    fix_notes = """
        None: whether to read the flag from configuration or drop it is the
        project's choice.
    """

    def check(self, node: ast.Call, ctx) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "set_debug":
            if not (len(node.args) == 1 and _is_true(node.args[0]) and is_event_loop(ctx, func.value)):
                return
        elif dotted(ctx.symbol(func)) in LOOP_RUNNERS:
            if not any(k.arg == "debug" and _is_true(k.value) for k in node.keywords):
                return
        else:
            return
        if _is_dev_path(ctx.module.path, ctx.module.name) or in_main_guard(ctx) or _conditional(ctx):
            return
        fn = ctx.function
        if "debug" in ctx.module.name.lower() or (fn is not None and "debug" in fn.qualname.lower()):
            return  # debugging tooling switching debug mode on is the point
        ctx.report(node, call=source(func))


def _is_true(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _is_dev_path(path: str, module: str) -> bool:
    name = PurePath(path).name
    if name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py":
        return True
    # folders inside the project (the module name, or the nearest folders of
    # a script outside packages), not those far above it
    near = PurePath(path).parts[-4:-1]
    return any(part in DEBUG_OK_PARTS for part in (*module.split(".")[:-1], *near))


def _conditional(ctx) -> bool:
    """Under an `if`/conditional expression of the same function: the switch
    depends on something (a setting, a flag), it is not hard-coded."""
    for p in reversed(ctx.parents):
        if isinstance(p, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            return False
        if isinstance(p, (ast.If, ast.IfExp)):
            return True
    return False
