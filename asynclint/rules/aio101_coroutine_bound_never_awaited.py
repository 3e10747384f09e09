"""AIO101: a coroutine is bound to a name that is never used again."""
from __future__ import annotations

import ast

from ..index.nodes import parent_of, walk
from ._coroutine_common import callee_symbol, source_text, worth_asking
from .base import Rule

_DYNAMIC = frozenset({"locals", "vars", "eval", "exec"})


class CoroutineBoundNeverAwaited(Rule):
    code = "AIO101"
    name = "coroutine-bound-never-awaited"
    summary = "Coroutine assigned to a name (or put in a list or dict) that is never awaited, returned, passed on or stored"
    message = (
        "coroutine `{callee}`{where} is {how} `{target}`, which is never {never}: "
        "the coroutine never runs; await it or schedule it as a task"
    )
    node_types = (ast.Assign, ast.AnnAssign, ast.Expr)
    why = """
        A coroutine object does nothing until it is awaited or scheduled.
        Binding it to a name and then never touching that name (no `await`,
        no `return`, not passed to a function, not stored, not scheduled)
        drops it exactly like a bare call: the work never happens and Python
        warns "coroutine ... was never awaited" at garbage collection.

        Any later use of the name in the scope (or in a nested function)
        counts as handing the coroutine on, so only names that are never
        read again are reported.

        The same goes for coroutines put in a list, set, tuple or dict
        (a display or a comprehension) bound to a name that is never read,
        and for coroutines appended (`.append`, `.add`, `.insert`,
        `.appendleft`, `d[key] = ...`) to a local list or dict that is only
        ever filled: the `await asyncio.gather(*coros)` was forgotten. A
        container that is read in any other way (iterated, returned, passed
        to a function, read in a nested function) may be gathered there, and
        nothing is reported.
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
        if type(node) is ast.Expr:  # the node alone tells most are no `coros.append(fetch(u))`
            self._filled(node.value, ctx)
            return
        scope = ctx.scopes[-1]
        if scope.kind not in ("function", "module"):
            return
        if isinstance(node, ast.Assign):
            if len(node.targets) != 1:
                return
            target = node.targets[0]
        else:
            target = node.target
        value = node.value
        if type(target) is ast.Subscript and type(value) is ast.Call:  # `pending[key] = fetch(key)`
            self._fill(target.value, value, ctx)
            return
        if not isinstance(target, ast.Name) or value is None or target.id == "_":
            return
        if isinstance(value, ast.Call):
            calls, how = [value], "assigned to"
        elif scope.kind == "function":
            calls, how = _held_calls(value), f"put in {_KIND.get(type(value), '')} assigned to"
        else:
            return
        for call in calls:
            sym = callee_symbol(ctx, call.func)
            if worth_asking(sym):
                scope.state.setdefault(self.code, []).append((target.id, how, call, sym))

    def _filled(self, call, ctx) -> None:
        """`coros.append(fetch(u))` (and `.add`, `.insert`, `.appendleft`)."""
        if type(call) is not ast.Call or type(call.func) is not ast.Attribute or call.func.attr not in _FILLERS \
                or not call.args or type(call.args[-1]) is not ast.Call:
            return
        self._fill(call.func.value, call.args[-1], ctx)

    def _fill(self, container, call, ctx) -> None:
        scope = ctx.scope
        if scope.kind != "function" or type(container) is not ast.Name:
            return
        sym = callee_symbol(ctx, call.func)
        if worth_asking(sym):
            scope.state.setdefault(self.code + "fill", []).append((container.id, call, sym))

    def leave_scope(self, scope, ctx) -> None:
        candidates = scope.state.get(self.code)
        filled = scope.state.get(self.code + "fill")
        if not candidates and not filled:
            return
        if scope.loads & _DYNAMIC:  # locals()/vars()/eval() may read anything
            return
        used = scope.loads  # names the scope and its closures read (the engine collects them)
        for name, how, call, sym in candidates or ():
            if name in used:
                continue
            if scope.kind == "module" and not name.startswith("_"):
                continue  # a public module-level name may be imported and used elsewhere
            ctx.report_if(("coroutine-call", sym), call, how=how, target=name, never="used afterwards",
                          callee=source_text(call.func))
        if filled:
            only_filled = _only_filled(scope.node, {name for name, _, _ in filled})
            for name, call, sym in filled:
                if name in only_filled:
                    ctx.report_if(("coroutine-call", sym), call, how="put in", target=name,
                                  never="awaited, gathered or passed on", callee=source_text(call.func))


_FILLERS = frozenset({"append", "add", "insert", "appendleft"})
_KIND = {ast.List: "a list", ast.ListComp: "a list", ast.Tuple: "a tuple", ast.Set: "a set",
         ast.SetComp: "a set", ast.Dict: "a dict", ast.DictComp: "a dict"}
_EMPTY_MAKERS = frozenset({"list", "dict", "set"})


def _held_calls(value) -> list:
    """The calls a display or comprehension holds as its items (a generator
    expression creates nothing until it is iterated)."""
    t = type(value)
    if t in (ast.List, ast.Tuple, ast.Set):
        return [e for e in value.elts if type(e) is ast.Call]
    if t is ast.Dict:
        return [v for v in value.values if type(v) is ast.Call]
    if t in (ast.ListComp, ast.SetComp):
        return [value.elt] if type(value.elt) is ast.Call else []
    if t is ast.DictComp:
        return [value.value] if type(value.value) is ast.Call else []
    return []


def _only_filled(fn, names: set) -> set:
    """Of `names`, the locals of `fn` bound once to a list, set or dict (a
    display or `list()`...) and read only to be filled (`x.append(...)`,
    `x[k] = ...`), here or in nested functions."""
    a = fn.args
    params = {arg.arg for arg in (*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg) if arg is not None}
    bound: dict = {}
    read_otherwise = set()
    for node in walk(fn):  # names, not their contexts: no visit of the `Load`/`Store` nodes
        t = type(node)
        if t is ast.Name and node.id in names:
            if type(node.ctx) is not ast.Load:
                bound[node.id] = bound.get(node.id, 0) + (1 if _is_empty_container_target(node) else 2)
                continue
            parent = parent_of(node)
            if type(parent) is ast.Attribute and parent.attr in _FILLERS:
                grand = parent_of(parent)
                if type(grand) is ast.Call and grand.func is parent \
                        and type(parent_of(grand)) is ast.Expr:
                    continue
            if type(parent) is ast.Subscript and parent.value is node and type(parent.ctx) is ast.Store:
                continue
            read_otherwise.add(node.id)
        elif t in (ast.Global, ast.Nonlocal):
            read_otherwise.update(node.names)
    return {n for n in names if bound.get(n) == 1 and n not in params and n not in read_otherwise}


def _is_empty_container_target(name: ast.Name) -> bool:
    """`name = []` / `{}` / `set()` / `[...]` as a plain single assignment."""
    parent = parent_of(name)
    if type(parent) is ast.AnnAssign:
        value = parent.value
    elif type(parent) is ast.Assign and len(parent.targets) == 1 and parent.targets[0] is name:
        value = parent.value
    else:
        return False
    if type(value) in (ast.List, ast.Dict, ast.Set):
        return True
    return (type(value) is ast.Call and type(value.func) is ast.Name and value.func.id in _EMPTY_MAKERS
            and not value.args and not value.keywords)

