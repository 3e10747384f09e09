"""AIO402: a future-returning call used as a statement."""
from __future__ import annotations

import ast

from ..context import dotted
from ..index.local_types import asyncio_class, is_event_loop
from ..knowledge.futures import CANNOT_FAIL_METHODS, FUTURE_RETURNING, LOOP_FUTURE_METHODS
from ._lifecycle import expects_raise, source, top_level_defs

_CATCH_ALL = frozenset({"builtins.Exception", "builtins.BaseException"})
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
        `self.assertRaises(...)`, where the call is expected to fail, nor
        when nothing can be lost: the work is `asyncio.Queue.put()` (it
        waits, it does not raise; the queue known from a factory call, an
        annotation, or the annotated field of a class of this module that a
        parameter is annotated with, such as a dataclass `state.queue`), or a function of the same module whose
        body is empty or entirely guarded by `try: ... except Exception:`
        that does not re-raise (it reports its own errors). A dropped task
        (AIO400) is still reported: that is about garbage collection. So is
        a shutdown coroutine dropped in a signal or exit handler: "the
        process is going away" is the plan, but if the shutdown fails the
        loop keeps running and nothing says why; keep the future and log
        its exception, or let the coroutine report its own errors.
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
        # the callee first: most statements call nothing that gives a future,
        # and are done before the ancestors are searched for a `raises` block
        name = dotted(ctx.symbol(func))
        if name in FUTURE_RETURNING:
            if expects_raise(ctx):
                return  # a test checking that the call fails
            work = list(call.args) if name.endswith(".gather") else call.args[:1]
            if not (work and all(_cannot_fail(ctx, w, called=True) for w in work)):
                ctx.report(call, call=source(func))
        elif isinstance(func, ast.Attribute) and func.attr in LOOP_FUTURE_METHODS and is_event_loop(ctx, func.value):
            if expects_raise(ctx):
                return
            if not (len(call.args) >= 2 and _cannot_fail(ctx, call.args[1], called=False)):
                ctx.report(call, call=source(func))


def _cannot_fail(ctx, work: ast.AST, called: bool) -> bool:
    """The work handed over (a coroutine call, or a function for an
    executor) provably raises nothing, so dropping its future loses nothing."""
    target = work.func if called and isinstance(work, ast.Call) else work
    if called and not isinstance(work, ast.Call):
        return False
    if isinstance(target, ast.Attribute):
        kind = asyncio_class(ctx, target.value)
        if kind is not None and target.attr in CANNOT_FAIL_METHODS.get(kind, ()):
            return True
    fn = _same_module_def(ctx, target)
    return fn is not None and _guards_itself(ctx, fn)


def _same_module_def(ctx, func: ast.AST):
    """`f` or `self.m` defined in this module (at top level, or as a method
    of the class the call is in)."""
    defs = top_level_defs(ctx.scopes[0].node)
    if isinstance(func, ast.Name):
        return defs.get(func.id)
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
        for scope in reversed(ctx.scopes):
            if scope.kind == "class":
                return defs.get(f"{scope.node.name}.{func.attr}")
    return None


def _guards_itself(ctx, fn: ast.AST) -> bool:
    """Empty body, or initialisations followed by one `try` whose handler
    catches everything and does not re-raise."""
    body = list(fn.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]  # docstring
    if all(isinstance(s, ast.Pass) or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
           for s in body):
        return True
    while body and isinstance(body[0], (ast.Assign, ast.AnnAssign)) \
            and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    if len(body) != 1 or not isinstance(body[0], ast.Try):
        return False
    for handler in body[0].handlers:
        if handler.type is None or dotted(ctx.symbol(handler.type)) in _CATCH_ALL:
            return not any(isinstance(n, ast.Raise) for h in handler.body for n in ast.walk(h))
    return False
