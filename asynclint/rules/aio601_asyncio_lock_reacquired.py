"""AIO601: an asyncio lock acquired again by the task that holds it."""
from __future__ import annotations

import ast

from ..index import locks
from .base import Rule


class AsyncioLockReacquired(Rule):
    code = "AIO601"
    name = "asyncio-lock-reacquired"
    summary = "asyncio lock acquired again by the task that holds it: the task waits for itself forever"
    message = ("`{lock}` (an `{kind}`) is acquired again {how} while this task holds it "
               "(taken on line {line}): the task waits for itself forever")
    # Awaits and `.locked()`/`.release()` calls only feed `locks.note_function`
    node_types = (ast.AsyncWith, ast.Await, ast.Call)
    callee_names = frozenset({"locked", "release"})
    why = """
        `asyncio.Lock` is not reentrant: a task that holds it and reaches
        `async with lock:` (or `await lock.acquire()`) again waits for the
        lock to be released, which only it could do. That task freezes
        forever, and so does every other task that needs the lock; nothing
        raises. It usually happens through a helper: a method that takes
        `self._lock` awaits another method of the same object that takes it
        too.

        Reported only where the identity of the lock is certain: the same
        local or global name, the same `self` attribute reached through
        `self` in methods of one class (followed through awaited `self`
        coroutines across modules, along the class's MRO), or a module
        global followed through awaited project coroutine functions
        (`await helper()`, `await module.helper()`). The lock must be
        known to be an `asyncio.Lock` or an `asyncio.Semaphore` /
        `BoundedSemaphore` whose count is 1. An `asyncio.Condition`, a
        semaphore with a larger or unknown count, a coroutine that checks
        `lock.locked()` or calls `release()`, and a coroutine started as a
        separate task (it waits, but does not deadlock the holder) are not
        reported.
    """
    bad_example = """
        import asyncio

        class Pool:
            def __init__(self):
                self._lock = asyncio.Lock()

            async def _connect(self):
                async with self._lock:
                    ...

            async def get(self):
                async with self._lock:
                    await self._connect()
    """
    good_example = """
        import asyncio

        class Pool:
            def __init__(self):
                self._lock = asyncio.Lock()

            async def _connect_locked(self):
                ...  # caller holds self._lock

            async def get(self):
                async with self._lock:
                    await self._connect_locked()
    """
    fix_notes = "Splitting a locked and an unlocked variant of the helper is a design choice."

    def check(self, node: ast.AST, ctx) -> None:
        t = type(node)
        if t is not ast.AsyncWith:
            if (type(node.value) is ast.Call) if t is ast.Await else \
                    (type(node.func) is ast.Attribute and node.func.attr in self.callee_names):
                _collect(node, ctx)
            return
        _collect(node, ctx)
        me = locks.self_name(ctx)
        for item in node.items:
            expr = item.context_expr
            key = locks.key_of(expr, me)
            if key is None:
                continue
            info = locks.lock_info(ctx, expr)
            if info is None:
                continue
            if info is not locks.INHERITED:  # else phase 2 checks the base class's assignment
                if info.family != "asyncio":
                    continue
                if not (info.category == "lock" or (info.category == "semaphore" and info.count == 1)):
                    continue
            self._scan(ctx, node, expr, key, me, info)

    def leave_scope(self, scope, ctx) -> None:
        # what this coroutine acquires, for phase 2
        locks.note_function(ctx, scope, scope.state.get(_NODES, ()))

    def _scan(self, ctx, node: ast.AsyncWith, expr, key, me, info) -> None:
        body = list(locks.own_nodes(node.body))
        if any(locks.method_call(n, key, me, ("release", "locked")) for n in body):
            return  # the holder manages the lock by hand: not provable
        if key[0] == "name" and _rebound(body, key[1]):
            return
        inherited = info is locks.INHERITED
        fields = dict(lock=ast.unparse(expr), line=node.lineno)
        if not inherited:
            fields["kind"] = info.kind
        cls = locks.owner_class(ctx, expr.value.id) if key[0] == "self" else None
        # a module global: the same lock wherever the module's functions reach it
        identity = None
        if key[0] == "name" and ctx.binding_scope(key[1]) is None:
            identity = locks.global_identity(ctx, key[1])
        reported = ctx.scope.state.setdefault(self.code, set())
        for inner in body:
            target, method = None, None
            if isinstance(inner, ast.AsyncWith):
                target = next((i.context_expr for i in inner.items if locks.key_of(i.context_expr, me) == key), None)
            elif isinstance(inner, ast.Await) and locks.method_call(inner.value, key, me, ("acquire",)):
                target = inner
            elif cls is not None and isinstance(inner, ast.Await) and isinstance(inner.value, ast.Call):
                func = inner.value.func
                if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == me:
                    target, method = inner, func.attr
            elif identity is not None and isinstance(inner, ast.Await) and isinstance(inner.value, ast.Call):
                callee = locks.awaited_function(ctx, inner.value.func)
                if callee is not None and (inner.lineno, inner.col_offset) not in reported:
                    reported.add((inner.lineno, inner.col_offset))
                    ctx.report_if(("aio601-reacquire-global", *identity, callee), inner, **fields)
                continue
            if target is None:
                continue
            position = (target.lineno, target.col_offset)
            if position in reported:
                continue
            reported.add(position)
            if method is None and not inherited:
                ctx.report(target, how="directly", **fields)
            else:
                ctx.report_if(("aio601-reacquire", cls[1], cls[2], method, key[1], inherited), target, **fields)


_NODES = "AIO601-nodes"


def _collect(node: ast.AST, ctx) -> None:
    """Keep the nodes `locks.note_function` reads as the walk passes them
    (one pass over the tree instead of a second walk of every coroutine)."""
    scope = ctx.scope
    if locks.notes_function(scope) and locks.in_own_body(node, scope.node):
        scope.state.setdefault(_NODES, []).append(node)


def _rebound(nodes, name: str) -> bool:
    """`name` is assigned (or deleted) somewhere in these nodes."""
    for n in nodes:
        if isinstance(n, ast.Name) and n.id == name and not isinstance(n.ctx, ast.Load):
            return True
    return False
