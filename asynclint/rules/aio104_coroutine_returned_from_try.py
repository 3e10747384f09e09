"""AIO104: a coroutine is returned unawaited from a `try` whose `except`
means to handle what it raises."""
from __future__ import annotations

import ast

from ._coroutine_common import callee_symbol, source_text, worth_asking
from .base import Rule

# What creating the coroutine itself can raise (bad arguments, a missing
# name or attribute): a handler for these may guard the call, not its work.
_CREATION_ERRORS = frozenset({"TypeError", "AttributeError", "NameError", "UnboundLocalError"})


class CoroutineReturnedFromTry(Rule):
    code = "AIO104"
    name = "coroutine-returned-from-try"
    summary = "Coroutine returned unawaited from a `try`: its `except` never sees the coroutine's errors"
    message = (
        "coroutine `{callee}`{where} is returned from a `try` without `await`: it runs later, where the "
        "caller awaits it, so `except {caught}` here never sees its exceptions; {advice}"
    )
    node_types = (ast.Return,)
    why = """
        Calling a coroutine function only creates the coroutine; its body runs
        when someone awaits it. `return fetch()` inside a `try` hands the
        coroutine to the caller before any of it has run, so the `except`
        that was written for `fetch`'s errors can never fire: the errors
        surface in the caller, unhandled. In a coroutine function the caller
        also gets a coroutine instead of the result.

        Reported when the `try` holds only that `return`, its arguments are
        plain names, constants and attributes (nothing else in the `try` can
        raise), the handler is not one for what creating the call can raise
        (`TypeError`, `AttributeError`, `NameError`), and the index proves
        the call always gives a coroutine.
    """
    bad_example = """
        import asyncio


        class Api:
            async def get(self, path: str) -> dict: ...


        async def profile(api: Api, user: str):
            try:
                return api.get(user)      # nothing has run yet
            except ConnectionError:       # never fires
                return {}
    """
    good_example = """
        import asyncio


        class Api:
            async def get(self, path: str) -> dict: ...


        async def profile(api: Api, user: str):
            try:
                return await api.get(user)
            except ConnectionError:
                return {}
    """
    fix_notes = """
        No automatic fix: `return await ...` changes what a caller that
        already awaits the returned coroutine receives; in a sync function the
        `try` has to move to where the coroutine is awaited.
    """

    def check(self, node: ast.Return, ctx) -> None:
        call = node.value
        if type(call) is not ast.Call:
            return
        fn = ctx.function
        if fn is None or ctx.scope is not fn:
            return
        parent = ctx.parent
        if type(parent) is not ast.Try or len(parent.body) != 1 or parent.body[0] is not node \
                or not parent.handlers:
            return
        caught = _caught(parent.handlers)
        if caught is None or not _plain(call.func) or not all(_plain(a) for a in _arguments(call)):
            return
        sym = callee_symbol(ctx, call.func)
        if not worth_asking(sym):
            return
        advice = ("write `return await ...`" if fn.is_async else
                  "await it inside the `try` (in a coroutine function) or handle its errors where it is awaited")
        ctx.report_if(("coroutine-value", sym), call, caught=caught, advice=advice, callee=source_text(call.func))


def _arguments(call: ast.Call):
    for arg in call.args:
        yield arg.value if type(arg) is ast.Starred else arg
    for kw in call.keywords:
        yield kw.value


def _plain(node) -> bool:
    """A name, constant or attribute chain: evaluating it raises nothing the
    handler could be meant for (attribute errors are left out below)."""
    while type(node) is ast.Attribute:
        node = node.value
    return type(node) in (ast.Name, ast.Constant)


def _caught(handlers) -> "str | None":
    """The handled exception names as written, or None when a handler may be
    for the call's creation (or is not a plain class or tuple of classes)."""
    names = []
    for handler in handlers:
        if handler.type is None:
            names.append("BaseException")
            continue
        items = handler.type.elts if type(handler.type) is ast.Tuple else [handler.type]
        for item in items:
            if not _plain(item) or type(item) is ast.Constant:
                return None
            text = ast.unparse(item)
            if text.rsplit(".", 1)[-1] in _CREATION_ERRORS:
                return None
            names.append(text)
    return names[0] if len(names) == 1 else f"({', '.join(names)})"
