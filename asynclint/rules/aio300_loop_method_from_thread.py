"""AIO300: a loop method that is not thread-safe, called off the loop thread."""
from __future__ import annotations

import ast

from ..diagnostics import Applicability, Fix, Fixability
from ..knowledge.threads import LOOP_RUN_METHODS, NEEDS_RUNNING_LOOP, THREADSAFE_TWIN, UNSAFE_LOOP_METHODS
from ._aio3 import is_main_loop, loop_owner, report_in_thread, source
from .base import Rule


class LoopMethodFromThread(Rule):
    code = "AIO300"
    name = "loop-method-from-thread"
    summary = "Event-loop method that is not thread-safe called from another thread"
    message = "`{call}(...)` {problem}, and this code {context}; {advice}"
    fixable = Fixability.SOMETIMES
    fix_applicability = Applicability.SAFE
    node_types = (ast.Call,)
    why = """
        An event loop runs in one thread and almost none of its methods may be
        called from another: `call_soon`, `call_later`, `call_at`,
        `create_task`, `create_future`, `stop`, `close` change the loop's
        internal state without a lock and do not wake up the loop, which may
        sit in `select()` until some unrelated event arrives (or forever).
        `asyncio.create_task()`, `asyncio.ensure_future()` and
        `asyncio.get_running_loop()` fail outright in a thread without a
        running loop. See "Concurrency and Multithreading" in the asyncio
        guide.

        The code is known to run off the loop thread when it is the target of
        `threading.Thread`/`Timer`, a `Thread` subclass's `run`, a job given
        to an executor, `loop.run_in_executor`, `asyncio.to_thread` or
        `anyio.to_thread.run_sync`, a done-callback of a thread pool's future,
        a `signal.signal` handler, a `logging.Handler.emit` override, a
        callback of a library that calls it from its own thread (paho-mqtt
        after `loop_start()`, Pub/Sub subscribers, audio stream callbacks,
        APScheduler jobs, gRPC sync servicers, Qt `QThread.run` and slots
        of workers moved to a `QThread`, watchdog handlers, threading
        socketserver handlers, `multiprocessing` thread pools, pynput and
        `keyboard` listeners, zeroconf browsers, pyserial reader threads,
        `thread-entry-points` in the configuration), a function a project
        decorator hands to a thread, a callable put on a `queue.Queue` that
        a thread takes out and calls (`fn = work.get(); fn()`),
        the arm of an `if` that runs only off the loop thread
        (`threading.current_thread() is not threading.main_thread()`), or a
        sync function called from one of those, across modules. Targets are
        followed through lists, dicts, loops, `partial`, lambdas and bound
        methods stored in attributes. The message names the entry point. A
        thread that sets up its own loop (`asyncio.run`, `new_event_loop`,
        `set_event_loop`, `run_forever`) is left alone, and so is a loop
        fetched in the thread itself.

        Code the index cannot see into is declared in `[tool.asynclint]`
        as `thread-entry-points = [...]`, dotted names with `fnmatch`
        wildcards: a call of `"mylib.pool.spawn"` runs the callables given
        to it in a thread; `"mylib.Watcher.on_*"` makes overrides of those
        methods in subclasses run in a thread, and so do callables assigned
        to those attributes of a known `mylib.Watcher` instance. Messages
        name the entry point as `path:line`, the path relative to the
        current directory when the file is below it.
    """
    bad_example = """
        import asyncio
        import threading


        def deliver(result): ...


        def on_done(loop, result):      # runs in a worker thread
            loop.call_soon(deliver, result)


        async def main():
            loop = asyncio.get_running_loop()
            threading.Thread(target=on_done, args=(loop, 42)).start()
    """
    good_example = """
        import asyncio
        import threading


        def deliver(result): ...


        def on_done(loop, result):      # runs in a worker thread
            loop.call_soon_threadsafe(deliver, result)


        async def main():
            loop = asyncio.get_running_loop()
            threading.Thread(target=on_done, args=(loop, 42)).start()
    """
    fix_notes = """
        `loop.call_soon(...)` becomes `loop.call_soon_threadsafe(...)` (safe:
        same arguments, same order of callbacks). `call_later`/`call_at` have
        no thread-safe twin: wrap them, `loop.call_soon_threadsafe(loop.call_later, delay, cb)`;
        `create_task` becomes `asyncio.run_coroutine_threadsafe(coro, loop)`.
        Signal handlers are better installed with `loop.add_signal_handler`.
    """

    def check(self, node: ast.Call, ctx) -> None:
        fn = ctx.function
        if fn is None or fn.is_async:
            return
        func = node.func
        if isinstance(func, ast.Attribute):
            attr = func.attr
            if attr in UNSAFE_LOOP_METHODS and loop_owner(ctx, func.value) == "foreign":
                fix = None
                twin = THREADSAFE_TWIN.get(attr)
                if twin:
                    fix = Fix(f"Use `{twin}`", Applicability.SAFE, ("rename-call", twin))
                report_in_thread(ctx, node, fix=fix, call=source(func), problem=_UNSAFE,
                                 advice=_advice(attr, source(func.value)))
                return
            if attr in LOOP_RUN_METHODS and is_main_loop(ctx, func.value):
                report_in_thread(ctx, node, mode="run", call=source(func), problem=_UNSAFE,
                                 advice=f"this loop runs on the loop thread: use "
                                        f"`asyncio.run_coroutine_threadsafe(coro, {source(func.value)}).result()`")
                return
        name = ctx.qualified_name(func)
        if name in NEEDS_RUNNING_LOOP and not _probed(ctx, node):
            report_in_thread(ctx, node, mode="thread-only", call=source(func),
                             problem="needs a running loop in the calling thread",
                             advice="use `asyncio.run_coroutine_threadsafe(coro, loop)` with the loop thread's loop")


_UNSAFE = "is not thread-safe"


def _advice(attr: str, loop: str) -> str:
    if attr == "call_soon":
        return f"use `{loop}.call_soon_threadsafe(...)`"
    if attr in ("create_task",):
        return f"use `asyncio.run_coroutine_threadsafe(coro, {loop})`"
    if attr == "create_future":
        return "create the future on the loop thread, or use `concurrent.futures.Future`"
    return f"use `{loop}.call_soon_threadsafe({loop}.{attr}, ...)`"


_PROBE_CATCHES = frozenset({"builtins.RuntimeError", "builtins.Exception", "builtins.BaseException"})


def _probed(ctx, node: ast.AST) -> bool:
    """Inside the body of a `try` that catches RuntimeError: the code asks
    whether a loop runs here (`try: asyncio.get_running_loop() except
    RuntimeError: ...`), which is how to find out, not a mistake."""
    child = node
    for parent in reversed(ctx.parents):
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            return False
        if isinstance(parent, ast.Try) or type(parent).__name__ == "TryStar":
            if any(child is stmt for stmt in parent.body):
                for handler in parent.handlers:
                    if handler.type is None:
                        return True
                    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
                    if any(ctx.qualified_name(t) in _PROBE_CATCHES for t in types):
                        return True
        child = parent
    return False
