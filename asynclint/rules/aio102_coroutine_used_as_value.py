"""AIO102: a coroutine is used as if it were the call's result."""
from __future__ import annotations

import ast

from ..knowledge.coroutines import STR_FORMATTERS, VALUE_CONSUMERS
from ._coroutine_common import callee_symbol, source_text, worth_asking
from .base import Rule

# Attributes that belong to the coroutine object itself.
_COROUTINE_ATTRS = frozenset({
    "send", "throw", "close", "__await__", "cr_await", "cr_frame", "cr_running", "cr_code",
    "cr_origin", "cr_suspended", "__name__", "__qualname__", "__class__",
})
_TRUTH = "a truth test (a coroutine object is always true)"


class CoroutineUsedAsValue(Rule):
    code = "AIO102"
    name = "coroutine-used-as-value"
    summary = "Coroutine used where the call's result was meant (missing `await`)"
    message = "coroutine `{callee}`{where} is used in {use} without `await`: it is the coroutine, not its result"
    node_types = (ast.Call,)
    why = """
        Without `await`, calling a coroutine function gives a coroutine
        object, not the function's result. Testing it (`if client.ready():`)
        is always true, comparing it is always unequal, formatting it prints
        `<coroutine object ...>`, iterating or indexing it raises, and the
        coroutine itself is never run.
    """
    bad_example = """
        class Client:
            async def is_ready(self) -> bool: ...
            async def fetch(self) -> dict: ...


        async def sync_user(client: Client):
            if client.is_ready():          # a coroutine object: always true
                profile = client.fetch()["name"]   # TypeError
    """
    good_example = """
        class Client:
            async def is_ready(self) -> bool: ...
            async def fetch(self) -> dict: ...


        async def sync_user(client: Client):
            if await client.is_ready():
                profile = (await client.fetch())["name"]
    """

    fix_notes = """
        No automatic fix: adding `await` changes the expression's precedence
        (`(await f())["x"]`) and needs async code; do it by hand.
    """

    def check(self, node: ast.Call, ctx) -> None:
        use = _use(node, ctx)
        if use is None:
            return
        sym = callee_symbol(ctx, node.func)
        if not worth_asking(sym):
            return
        ctx.report_if(("coroutine-call", sym), node, use=use, callee=source_text(node.func))


def _use(node: ast.Call, ctx):
    p = ctx.parent
    t = type(p)
    if t in (ast.If, ast.While, ast.IfExp, ast.Assert):
        return _TRUTH if p.test is node else None
    if t is ast.UnaryOp:
        return _TRUTH if isinstance(p.op, ast.Not) else "arithmetic"
    if t is ast.BoolOp:
        if node is not p.values[-1]:
            return _TRUTH
        grand = ctx.parents[-2] if len(ctx.parents) > 1 else None
        if isinstance(grand, (ast.If, ast.While, ast.IfExp, ast.Assert)) and grand.test is p:
            return _TRUTH
        return None
    if t is ast.Compare:
        return "a comparison"
    if t is ast.BinOp:
        return "arithmetic"
    if t is ast.FormattedValue:
        return "an f-string" if p.value is node else None
    if t is ast.For:
        return "a `for` loop" if p.iter is node else None
    if t is ast.comprehension:
        if p.iter is node:
            return None if p.is_async else "a comprehension's `for`"
        return _TRUTH if any(c is node for c in p.ifs) else None
    if t is ast.withitem:
        grand = ctx.parents[-2] if len(ctx.parents) > 1 else None
        return "a sync `with`" if p.context_expr is node and isinstance(grand, ast.With) else None
    if t is ast.Subscript:
        return "a subscript" if p.value is node else None
    if t is ast.Attribute:
        return f"an attribute access (`.{p.attr}`)" if p.value is node and p.attr not in _COROUTINE_ATTRS else None
    if t is ast.Call and any(a is node for a in p.args):
        func = p.func
        if isinstance(func, ast.Attribute) and func.attr in STR_FORMATTERS and isinstance(func.value, ast.Constant) \
                and isinstance(func.value.value, str):
            return "`str.format()`"
        name = ctx.qualified_name(func)
        if name in VALUE_CONSUMERS:
            return f"a call of {VALUE_CONSUMERS[name]}"
    return None
