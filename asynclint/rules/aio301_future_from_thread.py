"""AIO301: an asyncio Future or Task touched from another thread."""
from __future__ import annotations

import ast

from ..diagnostics import Applicability, Fixability
from ..index.local_types import is_asyncio_future
from ..knowledge.threads import UNSAFE_FUTURE_METHODS
from ._aio3 import report_unsafe_method
from .base import Rule


class FutureFromThread(Rule):
    code = "AIO301"
    name = "asyncio-future-from-thread"
    summary = "asyncio Future or Task resolved, cancelled or given callbacks from another thread"
    message = "`{call}(...)` on an asyncio future is not thread-safe, and this code {context}; {advice}"
    fixable = Fixability.SOMETIMES
    fix_applicability = Applicability.UNSAFE
    node_types = (ast.Call,)
    callee_names = frozenset(UNSAFE_FUTURE_METHODS)
    why = """
        `asyncio.Future` and `asyncio.Task` are not thread-safe: `set_result`,
        `set_exception`, `cancel`, `add_done_callback` and
        `remove_done_callback` schedule callbacks with the loop's
        `call_soon`, which neither locks nor wakes the loop. From another
        thread, the awaiting task may resume late, never, or the loop's
        internal state may be corrupted; in debug mode asyncio raises
        "Non-thread-safe operation invoked on an event loop other than the
        current one". (A `concurrent.futures.Future` is thread-safe and is not
        flagged.)

        The object is known to be an asyncio future when it comes from
        `loop.create_future()`, `asyncio.Future()`, `create_task()`,
        `ensure_future()`, `run_in_executor()` or an annotation, as a local,
        a captured variable or a `self` attribute, or when every thread entry
        that starts the function passes one as that (unannotated) parameter
        (`Thread(target=f, args=(fut,))`, `executor.submit(f, fut)`). It is
        also followed where it travels: taken out of a `queue.Queue`, a dict
        (`pending[rid] = fut` on the loop, `pending.pop(rid).set_result(v)`
        in the thread) or a `ContextVar` whose stores all hold asyncio
        futures, or read as `job.done` from an object handed to the thread
        whose class assigns `self.done = loop.create_future()`. See AIO300
        for how the thread is found.
    """
    bad_example = """
        import asyncio
        import threading


        def compute(): ...


        async def main():
            loop = asyncio.get_running_loop()
            fut = loop.create_future()

            def worker():
                fut.set_result(compute())

            threading.Thread(target=worker).start()
            print(await fut)
    """
    good_example = """
        import asyncio
        import threading


        def compute(): ...


        async def main():
            loop = asyncio.get_running_loop()
            fut = loop.create_future()

            def worker():
                loop.call_soon_threadsafe(fut.set_result, compute())

            threading.Thread(target=worker).start()
            print(await fut)
    """
    fix_notes = """
        When a reference to the loop thread's loop is in scope,
        `fut.set_result(v)` becomes `loop.call_soon_threadsafe(fut.set_result, v)`
        (unsafe: the call now happens later, on the loop thread, and a
        `set_result` on a cancelled future raises there instead of here).
    """

    def check(self, node: ast.Call, ctx) -> None:
        func = node.func
        if not isinstance(func, ast.Attribute) or func.attr not in UNSAFE_FUTURE_METHODS:
            return
        fn = ctx.function
        if fn is None or fn.is_async:
            return
        report_unsafe_method(ctx, node, "future", lambda obj: {} if is_asyncio_future(ctx, obj) else None)
