"""AIO101: a coroutine is bound to a name that is never used again."""
from __future__ import annotations

import ast

from ._coroutine_common import callee_symbol, source_text, worth_asking
from .base import Rule

_DYNAMIC = frozenset({"locals", "vars", "eval", "exec"})


class CoroutineBoundNeverAwaited(Rule):
    code = "AIO101"
    name = "coroutine-bound-never-awaited"
    summary = "Coroutine assigned to a name that is never awaited, returned, passed on or stored"
    message = (
        "coroutine `{callee}`{where} is assigned to `{target}`, which is never used afterwards: "
        "the coroutine never runs; await it or schedule it as a task"
    )
    node_types = (ast.Assign, ast.AnnAssign)
    why = """
        A coroutine object does nothing until it is awaited or scheduled.
        Binding it to a name and then never touching that name (no `await`,
        no `return`, not passed to a function, not stored, not scheduled)
        drops it exactly like a bare call: the work never happens and Python
        warns "coroutine ... was never awaited" at garbage collection.

        Any later use of the name in the scope (or in a nested function)
        counts as handing the coroutine on, so only names that are never
        read again are reported.
    """
    bad_example = """
        import logging

        log = logging.getLogger(__name__)


        class Cache:
            async def reload(self): ...


        async def refresh(cache: Cache):
            result = cache.reload()   # `reload` is `async def`: never runs
            log.info("refreshed")
    """
    good_example = """
        import logging

        log = logging.getLogger(__name__)


        class Cache:
            async def reload(self): ...


        async def refresh(cache: Cache):
            result = await cache.reload()
            log.info("refreshed %s", result)
    """

    fix_notes = """
        No automatic fix: whether to `await` the coroutine where it is created,
        later, or to schedule it as a task is a design decision.
    """

    def check(self, node, ctx) -> None:
        scope = ctx.scope
        if scope.kind not in ("function", "module"):
            return
        if isinstance(node, ast.Assign):
            if len(node.targets) != 1:
                return
            target = node.targets[0]
        else:
            target = node.target
        value = node.value
        if not isinstance(target, ast.Name) or not isinstance(value, ast.Call) or target.id == "_":
            return
        sym = callee_symbol(ctx, value.func)
        if not worth_asking(sym):
            return
        scope.state.setdefault(self.code, []).append((target.id, target, value, sym))

    def leave_scope(self, scope, ctx) -> None:
        candidates = scope.state.get(self.code)
        if not candidates:
            return
        if scope.loads & _DYNAMIC:  # locals()/vars()/eval() may read anything
            return
        used = scope.loads  # names the scope and its closures read (the engine collects them)
        for name, target, call, sym in candidates:
            if name in used:
                continue
            if scope.kind == "module" and not name.startswith("_"):
                continue  # a public module-level name may be imported and used elsewhere
            ctx.report_if(("coroutine-call", sym), call, target=name, callee=source_text(call.func))

