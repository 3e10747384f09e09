"""AIO302: asyncio queues, events, locks, streams used from another thread."""
from __future__ import annotations

import ast

from ..diagnostics import Applicability, Fixability
from ..index.local_types import asyncio_class
from ..knowledge.threads import PRIMITIVE_METHODS
from ._aio3 import report_unsafe_method
from .base import Rule

_METHODS = frozenset(m for ms in PRIMITIVE_METHODS.values() for m in ms)


class PrimitiveFromThread(Rule):
    code = "AIO302"
    name = "asyncio-primitive-from-thread"
    summary = "asyncio queue, event, lock, condition or stream used from another thread"
    message = "`{call}(...)` on an `{kind}` is not thread-safe, and this code {context}; {advice}"
    fixable = Fixability.SOMETIMES
    fix_applicability = Applicability.UNSAFE
    node_types = (ast.Call,)
    callee_names = _METHODS
    why = """
        asyncio's synchronisation primitives and queues are made for tasks of
        one loop, not for threads: `Queue.put_nowait()`, `Event.set()`,
        `Condition.notify()`, `Lock.release()`, `Semaphore.release()` wake
        waiters with the loop's `call_soon` (not thread-safe, does not wake
        the loop), and a `StreamWriter` or transport `write` touches the
        selector from the wrong thread. The waiting task may never wake up,
        or wake up late, and nothing in the traceback points here.

        `queue.Queue`, `threading.Event` and thread-safe queues (janus) are
        fine and not flagged; so are the same method names on objects not
        known to be asyncio ones. The object is known from its constructor
        or annotation (locals, captured variables, `self` attributes, the
        transport an `asyncio.Protocol` gets in `connection_made`), from
        the arguments the thread entry passes, or where it travels (a
        `queue.Queue`, a dict, a `ContextVar`, an attribute of an object
        handed to the thread), as for AIO301. See AIO300 for how the thread
        is found.
    """
    bad_example = """
        import asyncio
        import threading

        events = asyncio.Queue()


        def on_message(payload):   # runs in the listener thread
            events.put_nowait(payload)


        def listen():
            threading.Thread(target=on_message, args=(b"hello",)).start()
    """
    good_example = """
        import asyncio
        import threading

        events = asyncio.Queue()


        def on_message(loop, payload):   # runs in the listener thread
            loop.call_soon_threadsafe(events.put_nowait, payload)


        async def listen():
            loop = asyncio.get_running_loop()
            threading.Thread(target=on_message, args=(loop, b"hello")).start()
    """
    fix_notes = """
        When a reference to the loop thread's loop is in scope,
        `q.put_nowait(x)` becomes `loop.call_soon_threadsafe(q.put_nowait, x)`
        (unsafe: it now happens later, on the loop thread, and an error such
        as `QueueFull` is raised there).
    """

    def check(self, node: ast.Call, ctx) -> None:
        func = node.func
        if not isinstance(func, ast.Attribute) or func.attr not in _METHODS:
            return
        fn = ctx.function
        if fn is None or fn.is_async:
            return
        report_unsafe_method(ctx, node, "primitive", lambda obj: _known_kind(ctx, obj, func.attr))


def _known_kind(ctx, obj: ast.AST, method: str):
    """{"kind": class} when `obj` is a known asyncio primitive that has
    `method`, False when it is one without it, None when unknown."""
    kind = asyncio_class(ctx, obj)
    if kind is None:
        return None
    return {"kind": kind} if method in PRIMITIVE_METHODS.get(kind, ()) else False
