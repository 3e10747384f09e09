"""AIO600: a thread or process lock held across a suspension point."""
from __future__ import annotations

import ast
from typing import Optional

from ..index import locks
from ..index.nodes import parent_of
from .base import Rule

_SUSPEND = (ast.Await, ast.AsyncFor, ast.AsyncWith)
_WORDS = {ast.Await: "`await`", ast.AsyncFor: "`async for`", ast.AsyncWith: "`async with`"}


class ThreadLockHeldAcrossAwait(Rule):
    code = "AIO600"
    name = "thread-lock-held-across-await"
    summary = "Thread or process lock held across an `await`: the next coroutine that takes it freezes the loop"
    message = ("`{lock}` (a `{kind}`) is held across this {what} (taken on line {line}): "
               "another coroutine that takes it blocks the loop's thread, so this one can never resume "
               "to release it; use an `asyncio.Lock`, or release it before the {what}")
    node_types = (ast.With, ast.Expr)
    why = """
        A coroutine that takes a `threading.Lock` (or `RLock`, `Semaphore`,
        `Condition`, a `multiprocessing` lock) and then suspends at an
        `await`, `async for` or `async with` gives the loop to other tasks
        while it holds the lock. The next task that reaches `with lock:`
        blocks in `acquire()`, and it blocks the loop's only thread: the
        first coroutine can never be resumed to release the lock, and the
        whole program freezes. It is Rust clippy's `await_holding_lock`.

        The lock is known from its constructor or annotation: a module
        global, a `self` attribute assigned in any method or the class body
        (or in a project base class), a local, a parameter's annotation.
        Both `with lock:` and `lock.acquire()` ... `lock.release()` are
        followed. Not reported: a lock created in the same function (only
        this call can hold it), sync helpers that take the lock and run in
        a worker thread, and an acquire whose `release()` comes before the
        `await`. Every `await` is treated as a possible suspension point.
    """
    bad_example = """
        import threading

        _lock = threading.Lock()

        async def refresh(client):
            with _lock:
                token = await client.fetch_token()
            return token
    """
    good_example = """
        import asyncio

        _lock = asyncio.Lock()

        async def refresh(client):
            async with _lock:
                token = await client.fetch_token()
            return token
    """
    fix_notes = "Which replacement is right (an `asyncio.Lock`, or a shorter critical section) is a design choice."

    def check(self, node, ctx) -> None:
        if not ctx.in_async:
            return
        if isinstance(node, ast.With):
            for item in node.items:  # one finding per statement
                if self._held(ctx, item.context_expr, node.body, node.lineno, None):
                    break
            return
        call = node.value
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "acquire"):
            return
        if _non_blocking(call):
            return
        body = _following(node)
        if body:
            self._held(ctx, call.func.value, body, node.lineno, "release")

    def _held(self, ctx, expr: ast.AST, body, line: int, release: Optional[str]) -> bool:
        info = locks.lock_info(ctx, expr)
        if info is None or locks.private_to_call(ctx, expr):
            return False
        if info is not locks.INHERITED and info.family != "thread":
            return False
        suspension = _first_suspension(ctx, expr, body, release)
        if suspension is None:
            return False
        fields = dict(lock=ast.unparse(expr), what=_WORDS[type(suspension)], line=line)
        if info is locks.INHERITED:
            cls = locks.owner_class(ctx, expr.value.id)
            ctx.report_if(("aio600-inherited-lock", cls[1], cls[2], expr.attr), suspension, **fields)
        else:
            ctx.report(suspension, kind=info.kind, **fields)
        return True


def _non_blocking(call: ast.Call) -> bool:
    """`acquire(False)`, `acquire(blocking=False)`: the result decides, and
    a bare statement drops it (AIO204 and others judge the call itself)."""
    arg = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "blocking"), None)
    return isinstance(arg, ast.Constant) and not arg.value


def _following(stmt: ast.stmt) -> list:
    """The statements after `stmt` in the block that holds it."""
    parent = parent_of(stmt)
    for name in ("body", "orelse", "finalbody", "handlers"):
        block = getattr(parent, name, None)
        if isinstance(block, list) and any(s is stmt for s in block):
            i = next(i for i, s in enumerate(block) if s is stmt)
            return block[i + 1:]
    return []


def _first_suspension(ctx, lock_expr: ast.AST, body, release: Optional[str]):
    """The first suspension point in `body` (source order), unless the lock
    is released before it (only checked for explicit `acquire()`)."""
    me = locks.self_name(ctx)
    key = locks.key_of(lock_expr, me)
    for node in locks.own_nodes(body):
        if isinstance(node, _SUSPEND):
            return node
        if release and locks.method_call(node, key, me, (release,)):
            return None
    return None
