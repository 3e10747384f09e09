"""AIO602: an asyncio lock, semaphore or condition used with the wrong protocol."""
from __future__ import annotations

import ast

from ..index import locks
from ..index.nodes import parent_of
from ..knowledge.locks import CONDITION_HELD_METHODS
from .base import Rule


class AsyncioPrimitiveWrongProtocol(Rule):
    code = "AIO602"
    name = "asyncio-primitive-wrong-protocol"
    summary = "asyncio lock, semaphore or condition entered with sync `with`, or a Condition used without its lock"
    message = "{problem}"
    node_types = (ast.With, ast.Call)
    callee_names = frozenset(CONDITION_HELD_METHODS)  # for calls; every `with` is checked
    why = """
        asyncio's `Lock`, `Semaphore`, `BoundedSemaphore` and `Condition`
        are entered with `async with`; a plain `with` on one raises
        `TypeError` at run time (the protocol is `__aenter__`/`__aexit__`).
        `Condition.wait()`, `wait_for()`, `notify()` and `notify_all()` need
        the condition's lock held (`RuntimeError: cannot wait on un-acquired
        lock`).

        The primitive is known from its constructor or annotation (see
        AIO600). A condition method is reported only where the lock is
        provably not held: outside every `async with` of that condition in
        a function that itself enters it elsewhere (so its callers cannot be
        holding it), or on a condition created in the same function. A
        helper whose caller holds the lock, a coroutine that calls
        `acquire()`/`release()` by hand, and a condition built on a lock
        passed in (`Condition(lock)`) are not reported.
    """
    bad_example = """
        import asyncio

        class Mailbox:
            def __init__(self):
                self._ready = asyncio.Condition()
                self._items = []

            async def put(self, item):
                async with self._ready:
                    self._items.append(item)
                self._ready.notify()
    """
    good_example = """
        import asyncio

        class Mailbox:
            def __init__(self):
                self._ready = asyncio.Condition()
                self._items = []

            async def put(self, item):
                async with self._ready:
                    self._items.append(item)
                    self._ready.notify()
    """
    fix_notes = "`with` -> `async with` needs an enclosing coroutine; moving a call under the lock is a design choice."

    def check(self, node, ctx) -> None:
        if isinstance(node, ast.With):
            for item in node.items:
                expr = item.context_expr
                info = locks.lock_info(ctx, expr)
                if info is None or info is locks.INHERITED or info.family != "asyncio":
                    continue
                ctx.report(expr, problem=(
                    f"`{ast.unparse(expr)}` is an `{info.kind}`: a sync `with` raises `TypeError`; "
                    f"use `async with {ast.unparse(expr)}:`"))
            return
        func = node.func
        if not isinstance(func, ast.Attribute) or func.attr not in CONDITION_HELD_METHODS:
            return
        fn = ctx.function
        if fn is None or fn.kind != "function":
            return
        receiver = func.value
        me = locks.self_name(ctx)
        key = locks.key_of(receiver, me)
        if key is None:
            return
        info = locks.lock_info(ctx, receiver)
        if info is None or info is locks.INHERITED or info.category != "condition" or not info.plain:
            return
        if _held_here(ctx, key, me):
            return
        nodes = list(locks.own_nodes(fn.node.body))
        if any(locks.method_call(n, key, me, ("acquire", "release", "locked")) for n in nodes):
            return  # managed by hand
        entered = any(isinstance(n, ast.AsyncWith) and any(locks.key_of(i.context_expr, me) == key for i in n.items)
                      for n in nodes)
        if not (entered or locks.private_to_call(ctx, receiver)):
            return
        ctx.report(node, problem=(
            f"`{ast.unparse(func)}()` outside `async with {ast.unparse(receiver)}:` raises `RuntimeError` "
            f"(the condition's lock is not held); move it under the lock"))


def _held_here(ctx, key, me) -> bool:
    """An enclosing `async with` (in this function) enters that condition."""
    fn_node = ctx.function.node
    node = parent_of(ctx.node)
    while node is not None and node is not fn_node:
        if isinstance(node, ast.AsyncWith) and any(locks.key_of(i.context_expr, me) == key for i in node.items):
            return True
        if isinstance(node, locks.NESTED_SCOPES):
            return False
        node = parent_of(node)
    return False
