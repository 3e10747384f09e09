"""AIO303: a thread runs, on a loop of its own, an awaitable bound to the loop thread."""
from __future__ import annotations

import ast
from typing import Optional

from ..index.local_types import asyncio_class
from ..knowledge.threads import AWAITABLE_WRAPPERS, LOOP_BOUND_COROUTINE_METHODS, NEW_LOOP_RUNNERS
from ._aio3 import _binding_scope, loop_owner, report_in_thread, source
from .base import Rule, last_names


class LoopBoundAwaitInThread(Rule):
    code = "AIO303"
    name = "loop-bound-awaitable-on-thread-loop"
    summary = "Thread runs an awaitable bound to the loop thread on a new event loop"
    message = ("`{call}(...)` runs `{inner}` on a new event loop in this thread, but `{obj}` belongs to the "
               "loop thread's loop, and this code {context}; use "
               "`asyncio.run_coroutine_threadsafe({inner}, loop).result()`")
    node_types = (ast.Call,)
    callee_names = last_names(NEW_LOOP_RUNNERS, ["run_until_complete"])
    why = """
        A thread may run a loop of its own (`asyncio.run(...)`,
        `new_loop.run_until_complete(...)`), and that is fine for its own
        coroutines. But asyncio queues, events, locks, conditions,
        semaphores, streams and futures belong to the loop that first used
        them: awaiting `queue.get()` or `event.wait()` of the main loop's
        objects on the thread's loop fails with "attached to a different
        loop", or never wakes up because the main loop's `set()` only
        schedules a callback on the main loop. To wait for something on the
        loop thread, submit the coroutine there with
        `asyncio.run_coroutine_threadsafe(coro, loop)` and block on
        `.result()`.

        Flagged when the awaitable is a coroutine method of an asyncio object
        (or an asyncio future) that the thread did not create itself (a
        parameter, a captured variable, an attribute), possibly wrapped in
        `wait_for`/`shield`/`gather`, or a coroutine given such an object as
        an argument (`asyncio.run(consume(queue))`). See AIO300 for how the
        thread is found.
    """
    bad_example = """
        import asyncio
        import threading

        jobs = asyncio.Queue()


        def producer(item):            # runs in a worker thread
            asyncio.run(jobs.put(item))


        async def main():
            threading.Thread(target=producer, args=(1,)).start()
            print(await jobs.get())
    """
    good_example = """
        import asyncio
        import threading

        jobs = asyncio.Queue()


        def producer(item, loop):            # runs in a worker thread
            asyncio.run_coroutine_threadsafe(jobs.put(item), loop).result()


        async def main():
            loop = asyncio.get_running_loop()
            threading.Thread(target=producer, args=(1, loop)).start()
            print(await jobs.get())
    """
    fix_notes = "No automatic fix: it needs the loop thread's loop."

    def check(self, node: ast.Call, ctx) -> None:
        fn = ctx.function
        if fn is None or fn.is_async or not node.args:
            return
        func = node.func
        runner = ctx.qualified_name(func)
        if runner not in NEW_LOOP_RUNNERS:
            if not (isinstance(func, ast.Attribute) and func.attr == "run_until_complete"
                    and loop_owner(ctx, func.value) == "own"):
                return
        found = self._loop_bound(ctx, node.args[0], 0)
        if found is None:
            return
        inner, obj = found
        report_in_thread(ctx, node, mode="any", call=source(func), inner=source(inner), obj=source(obj, 40))

    def _loop_bound(self, ctx, arg: ast.AST, depth: int) -> Optional[tuple]:
        if depth > 2:
            return None
        if isinstance(arg, ast.Call):
            func = arg.func
            if ctx.qualified_name(func) in AWAITABLE_WRAPPERS:
                for sub in arg.args:
                    found = self._loop_bound(ctx, sub.value if isinstance(sub, ast.Starred) else sub, depth + 1)
                    if found is not None:
                        return found
                return None
            if isinstance(func, ast.Attribute) and _not_created_here(ctx, func.value):
                kind = asyncio_class(ctx, func.value)
                if kind is not None:
                    if func.attr in LOOP_BOUND_COROUTINE_METHODS.get(kind, ()):
                        return arg, func.value
                    return None
            if depth == 0:
                # a coroutine function given the loop thread's objects: `asyncio.run(consume(queue))`
                for sub in [*arg.args, *(k.value for k in arg.keywords)]:
                    if _not_created_here(ctx, sub) and asyncio_class(ctx, sub) is not None:
                        return arg, sub
            return None
        if _not_created_here(ctx, arg) and asyncio_class(ctx, arg) == "future":
            return arg, arg
        return None


def _not_created_here(ctx, node: ast.AST) -> bool:
    """A parameter, a captured variable or an attribute: not an object the
    current function made (which would bind to the thread's own loop)."""
    if isinstance(node, ast.Attribute):
        return not _attribute_set_here(ctx, node)
    if not isinstance(node, ast.Name):
        return False
    scope = _binding_scope(ctx, node.id)
    fn = ctx.function
    if scope is None or scope is not fn:
        return True
    args = fn.node.args
    return node.id in {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}


def _attribute_set_here(ctx, node: ast.Attribute) -> bool:
    """`self._task = loop.create_task(...)` in the current function: the
    thread made the object itself, on its own loop."""
    fn = ctx.function
    if fn is None or not isinstance(node.value, ast.Name):
        return False
    base, attr = node.value.id, node.attr
    for sub in ast.walk(fn.node):
        targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target] if isinstance(
            sub, (ast.AnnAssign, ast.NamedExpr)) else []
        for target in targets:
            if isinstance(target, ast.Attribute) and target.attr == attr \
                    and isinstance(target.value, ast.Name) and target.value.id == base:
                return True
    return False
