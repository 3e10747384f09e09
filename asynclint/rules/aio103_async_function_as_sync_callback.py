"""AIO103: a coroutine function is handed to an API that calls it without awaiting."""
from __future__ import annotations

import ast

from ..index.local_types import is_event_loop
from ..index.queries import query
from ..knowledge import callbacks as cb
from ..knowledge import coroutines as kb
from ._coroutine_common import _coroutine_call, worth_asking
from .base import Rule, last_names


class AsyncFunctionAsSyncCallback(Rule):
    code = "AIO103"
    name = "async-function-as-sync-callback"
    summary = "Coroutine function passed as a callback to an API that calls it without awaiting"
    message = (
        "coroutine function `{callee}`{where} is passed to `{api}`, which calls it synchronously: "
        "the coroutine it returns is never awaited"
    )
    node_types = (ast.Call,)
    why = """
        `loop.call_soon()`, `loop.call_later()`, `loop.run_in_executor()`,
        `threading.Thread(target=...)`, `executor.submit()`,
        `asyncio.to_thread()`, `fut.add_done_callback()`, `atexit.register()`,
        `signal.signal()` and friends call the callable they are given and
        ignore (or hand back) its return value. A coroutine function called
        that way only creates a coroutine: its body never runs.
    """
    bad_example = """
        async def refresh():
            ...

        loop.call_later(5, refresh)
    """
    good_example = """
        import asyncio


        async def refresh(): ...


        def schedule(loop: asyncio.AbstractEventLoop):
            loop.call_later(5, lambda: asyncio.ensure_future(refresh()))


        async def refresh_after(delay):   # or, from async code, a task that waits
            await asyncio.sleep(delay)
            await refresh()
    """

    fix_notes = """
        No automatic fix: schedule the coroutine yourself (`asyncio.ensure_future`
        or `loop.create_task` in a sync callback, `asyncio.run` in a thread).
    """

    # The check acts only on these callees (its three method tables by name,
    # the callback functions by their dotted name or an alias of it); the
    # walker routes no other call to it.
    callee_names = last_names(cb.LOOP_CALLBACK_METHODS, cb.ANY_RECEIVER_CALLBACK_METHODS, cb.EXECUTOR_METHODS,
                              kb.names_of(cb.CALLBACK_FUNCTIONS))

    def check(self, node: ast.Call, ctx) -> None:
        func = node.func
        callback = None
        receiver = None
        if isinstance(func, ast.Attribute):
            attr = func.attr
            if attr in cb.LOOP_CALLBACK_METHODS:
                if not is_event_loop(ctx, func.value):
                    return
                callback = _arg(node, cb.LOOP_CALLBACK_METHODS[attr], None)
            elif attr in cb.ANY_RECEIVER_CALLBACK_METHODS:
                callback = _arg(node, cb.ANY_RECEIVER_CALLBACK_METHODS[attr], None)
            elif attr in cb.EXECUTOR_METHODS:
                callback = _arg(node, cb.EXECUTOR_METHODS[attr], None)
                name = func.value.attr if isinstance(func.value, ast.Attribute) else getattr(func.value, "id", None)
                if name not in cb.EXECUTOR_NAMES:
                    receiver = ctx.symbol(func.value)
                    if receiver is None:
                        return
        if callback is None and receiver is None:
            dotted = ctx.qualified_name(func)
            if dotted is None:
                return
            spec = cb.CALLBACK_FUNCTIONS.get(dotted) or cb.CALLBACK_FUNCTIONS.get(kb.canonical(dotted))
            if spec is None:
                return
            callback = _arg(node, *spec)
        if callback is None:
            return
        api = _source(func)
        if isinstance(callback, ast.Call) and ctx.qualified_name(callback.func) == "functools.partial" and callback.args:
            callback = callback.args[0]
        if isinstance(callback, ast.Lambda):
            body = callback.body
            if isinstance(body, ast.Call):
                sym = ctx.symbol(body.func)
                if worth_asking(sym):
                    ctx.report_if(("async-callback", receiver, sym), callback, api=api, callee=_source(callback))
            return
        if not isinstance(callback, (ast.Name, ast.Attribute)):
            return
        sym = ctx.symbol(callback)
        if worth_asking(sym):
            ctx.report_if(("async-callback", receiver, sym), callback, api=api, callee=_source(callback))


def _arg(call: ast.Call, index, keyword):
    if keyword is not None:
        for kw in call.keywords:
            if kw.arg == keyword:
                return kw.value
    if index is not None and index < len(call.args):
        arg = call.args[index]
        return None if isinstance(arg, ast.Starred) else arg
    return None


def _source(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 60 else text[:57] + "..."


@query("async-callback")
def _async_callback(index, module, receiver, func_sym):
    if receiver is not None:
        if receiver[0] == "enter":
            receiver = receiver[1]
        if receiver[0] == "call":  # `with ThreadPoolExecutor() as ex` or `ThreadPoolExecutor().submit`
            receiver = ("inst", receiver[1])
        target = index.resolve(receiver)
        if target.kind != "xinstance" or kb.canonical(target.qualname) not in cb.EXECUTOR_CLASSES:
            return None
    return _coroutine_call(index, module, func_sym)
