"""AIO208: a call from async code to a project sync function that blocks."""
from __future__ import annotations

import ast

from ..diagnostics import Applicability, Fixability
from ..index import blocking as B
from ._blocking import TO_THREAD, analyse, fix_if_possible, knobs, note_self_attribute, source
from .base import Rule


def _is_type_checking(test: ast.AST) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    if isinstance(test, ast.Attribute):
        return test.attr == "TYPE_CHECKING"
    return False


_TYPE_TESTS = frozenset({"isinstance", "hasattr", "callable"})


def _is_method(ctx, fn) -> bool:
    scopes = ctx.scopes
    for i in range(len(scopes) - 1, 0, -1):
        if scopes[i] is fn:
            return scopes[i - 1].kind == "class"
    return False


def _tests_parameter_type(test: ast.AST, fn, method: bool) -> bool:
    """`isinstance(p, ...)`, `hasattr(p, ...)`, `callable(p)` (possibly
    negated or combined) on a parameter the caller passes (not `self`/`cls`:
    `hasattr(self, "_cache")` tests the object's state, not an argument)."""
    params = _params(fn.node)
    if method and params:
        params = params[1:]
    params = {a.arg for a in params}
    for node in ast.walk(test):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _TYPE_TESTS \
                and node.args and isinstance(node.args[0], ast.Name) and node.args[0].id in params:
            return True
    return False


def _params(node: ast.AST) -> list:
    args = getattr(node, "args", None)
    if args is None:
        return []
    out = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    if args.vararg:
        out.append(args.vararg)
    if args.kwarg:
        out.append(args.kwarg)
    return out


class BlockingProjectCall(Rule):
    code = "AIO208"
    name = "blocking-project-call"
    summary = "Async code calls a project sync function that blocks, directly or through further calls"
    message = "`{call}(...)` blocks the event loop: {chain}; run it with `await asyncio.to_thread(...)`"
    fixable = Fixability.SOMETIMES
    fix_applicability = Applicability.UNSAFE
    node_types = (ast.Call, ast.Assign, ast.AnnAssign, ast.If, ast.Yield, ast.YieldFrom)
    why = """
        A sync helper that opens a file, sleeps, runs a subprocess or queries
        a sync client blocks the loop just as much as the call itself, and
        call-site checkers (ruff, flake8-async) never see it. The index
        follows the project's own sync functions and methods across modules,
        to any depth (40 calls), and the message shows the chain
        (`load_settings() -> read_file() -> open()`). Generators, functions
        behind decorators it does not know, calls made only under
        `if TYPE_CHECKING:`, calls in a branch on a parameter's type
        (`if isinstance(fp, io.IOBase): ... else: open(fp)`: whether they
        run depends on the caller's argument) and calls that are
        non-blocking by their arguments are not counted. Calls to names listed in
        `extra-blocking-calls` are reported here too; names listed in
        `allowed-blocking-calls` (APIs or project functions) are never
        reported or followed.
    """
    bad_example = """
        def read_file(path):
            with open(path) as f:
                return f.read()

        def load_settings():
            return toml.loads(read_file("settings.toml"))

        async def handler(request):
            settings = load_settings()
    """
    good_example = """
        import asyncio
        import json


        def load_settings():
            with open("settings.json") as f:
                return json.load(f)


        async def handler(request):
            settings = await asyncio.to_thread(load_settings)
            return settings
    """
    fix_notes = "The call is moved to a worker thread: `await asyncio.to_thread(load_settings)` (unsafe)."

    def check(self, node: ast.AST, ctx) -> None:
        t = type(node)
        if t is ast.Call:
            if ctx.in_async:
                self._check_async_call(node, ctx)
            else:
                self._note_sync_call(node, ctx)
        elif t is ast.If:
            fn = ctx.function
            if fn is None or fn.info is None or not node.body:
                return
            if _is_type_checking(node.test):
                fn.info.uncounted_lines.append((node.body[0].lineno, node.body[-1].end_lineno or node.lineno))
            elif not fn.is_async and _tests_parameter_type(node.test, fn, _is_method(ctx, fn)):
                # `if isinstance(fp, io.IOBase): ... else: open(fp)`: whether
                # it blocks depends on what the caller passes; unproven.
                last = (node.orelse or node.body)[-1]
                fn.info.uncounted_lines.append((node.body[0].lineno, last.end_lineno or node.lineno))
        elif t is ast.Yield or t is ast.YieldFrom:
            fn = ctx.function
            if fn is not None and fn.info is not None:
                fn.info.is_generator = True
        else:
            note_self_attribute(node, ctx)

    def _check_async_call(self, node: ast.Call, ctx) -> None:
        result = analyse(ctx, node)
        if result[0] == "hit":
            if result[1] == self.code:  # declared blocking in config
                ctx.report(node, fix=fix_if_possible(ctx, TO_THREAD), call=source(node.func),
                           chain=f"`{B.short(result[2])}` is listed in `extra-blocking-calls`")
        elif result[0] == "defer":
            ctx.report_if(("aio2-transitive", result[1], knobs(ctx)), node, fix=fix_if_possible(ctx, TO_THREAD), call=source(node.func))

    def _note_sync_call(self, node: ast.Call, ctx) -> None:
        fn = ctx.function
        if fn is None or fn.info is None:
            return
        info = fn.info
        recorded = bool(info.calls) and info.calls[-1][1] == node.lineno and info.calls[-1][2] == node.col_offset
        if not recorded:
            sym = B.call_symbol(ctx, node)  # `with requests.Session() as s: s.get()`
            if sym is None:
                return
            info.calls.append((sym, node.lineno, node.col_offset))
        if _last(node.func) in B.NONBLOCKING_MODE_ATTRS and B.expects_nonblocking(ctx):
            info.quiet_calls.append((node.lineno, node.col_offset))
        elif B.may_be_nonblocking(node):
            hit = B.LocalEnv(knobs(ctx)).classify(info.calls[-1][0])
            names = [hit[1]] if hit else [n for n in B.K.NONBLOCKING_ARGS
                                          if n.rsplit(".", 1)[1] == _last(node.func)]
            if any(B.nonblocking_by_args(n, node) for n in names):
                info.quiet_calls.append((node.lineno, node.col_offset))


def _last(func: ast.AST):
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None
