"""AIO102: a coroutine is used as if it were the call's result."""
from __future__ import annotations

import ast

from ..knowledge.coroutines import STR_FORMATTERS, VALUE_CONSUMERS
from ..index import values
from ..index.nodes import parent_of
from ..index.queries import query
from ..index.summary import dotted
from ._coroutine_common import _coroutine_value, callee_symbol, source_text, worth_asking
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
    node_types = (ast.Call, ast.Assign, ast.NamedExpr, ast.Name)
    why = """
        Without `await`, calling a coroutine function gives a coroutine
        object, not the function's result. Testing it (`if client.ready():`)
        is always true, comparing it is always unequal, formatting it prints
        `<coroutine object ...>`, iterating or indexing it raises, and the
        coroutine itself is never run.

        The same holds when the coroutine is first bound to a local
        (`status = client.status()`, or `if (status := client.status()):`)
        and that name is then only tested, compared, formatted, logged,
        indexed or iterated. As soon as the name is awaited, returned,
        stored, passed to another function or read in a nested function,
        the coroutine may be consumed there, and nothing is reported; a
        name assigned more than once is left alone too. A function
        annotated `-> Coroutine[...] | None` gives a value that is tested for
        None, so only coroutines the index knows are always created count.

        A coroutine passed straight to a sync project function whose
        parameter is annotated with a plain class (`def ship(order: Order)`,
        `count: int`) is reported too: that function takes a value. Classes
        with `__await__` or `__call__`, protocols and classes with bases
        outside the project, `Coroutine`/`Awaitable`/`Any` and unannotated
        parameters may well take the coroutine, and are left alone.
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

    watched_names_only = True  # `_name` looks only at names `_bound` recorded

    def check(self, node, ctx) -> None:
        t = type(node)
        if t is ast.Name:
            self._name(node, ctx)
            return
        if t is ast.Assign or t is ast.NamedExpr:
            self._bound(node, ctx)
            return
        # a call whose parent is none of those `_use` and `_passed` look at
        # (an expression statement, an assignment, `await`, `return`: most)
        held_in = type(parent_of(node))
        if held_in not in _USE_PARENTS and held_in is not ast.keyword:
            return
        use = _use(node, ctx)
        if use is None:
            self._passed(node, ctx)
            return
        sym = callee_symbol(ctx, node.func)
        if not worth_asking(sym):
            return
        ctx.report_if(("coroutine-value", sym), node, use=use, callee=source_text(node.func))

    def _passed(self, node: ast.Call, ctx) -> None:
        """`g(fetch())` where `g` is a project function whose parameter is
        annotated with a plain class: the coroutine is not what it takes."""
        parent = ctx.parent
        if type(parent) is ast.keyword:
            parent = parent_of(parent)
        if type(parent) is not ast.Call or type(parent.func) is not ast.Name:
            return
        if any(type(a) is ast.Starred for a in parent.args) or any(k.arg is None for k in parent.keywords):
            return
        where = next((i for i, a in enumerate(parent.args) if a is node), None)
        if where is None:
            where = next((k.arg for k in parent.keywords if k.value is node), None)
            if where is None:
                return
        sym = callee_symbol(ctx, node.func)
        if not worth_asking(sym):
            return
        receiver = ctx.symbol(parent.func)
        if receiver is None:
            return
        ctx.report_if(("coroutine-to-typed-parameter", sym, receiver, where), node,
                      use=f"a call of `{parent.func.id}()`", callee=source_text(node.func))

    # -- a coroutine bound to a local, then used as a value ------------------
    # state per function scope: name -> [call, sym, stores, consumed, uses]
    def _bound(self, node, ctx) -> None:
        scope = ctx.scopes[-1]
        if scope.kind != "function":
            return
        if type(node) is ast.Assign:
            if len(node.targets) != 1:
                return
            target = node.targets[0]
        else:
            target = node.target
        call = node.value
        if type(target) is not ast.Name or type(call) is not ast.Call:
            return
        name = target.id
        cands = scope.state.setdefault(self.code, {})
        if name in cands or name in scope.loads or name in _parameters(scope):
            cands[name] = None  # bound before, read before, or a parameter: not one value
            return
        sym = callee_symbol(ctx, call.func)
        if not worth_asking(sym):
            return
        uses = []
        if type(node) is ast.NamedExpr:  # `if (x := f()):` tests the coroutine itself
            use = _use(node, ctx)
            if use is not None:
                uses.append((node, use))
        cands[name] = [call, sym, 0, False, uses]
        ctx.scopes[0].state.setdefault(_NAMES, set()).add(name)
        ctx.watch_name(self, name)  # from now on, `name` nodes reach `_name`

    def _name(self, node: ast.Name, ctx) -> None:
        names = ctx.scopes[0].state.get(_NAMES)
        if names is None or node.id not in names:
            return  # no candidate of that name in any scope of the file (most names)
        scope = ctx.binding_scope(node.id)
        if scope is None:
            return
        cands = scope.state.get(self.code)
        entry = cands.get(node.id) if cands else None
        if entry is None:
            return
        if type(node.ctx) is not ast.Load:
            entry[2] += 1  # a store (the binding itself counts once) or `del`
            return
        if scope is not ctx.scope:
            entry[3] = True  # read in a nested function: may be awaited there
            return
        parent = ctx.parent
        if type(parent) is ast.Compare and all(type(op) in (ast.Is, ast.IsNot) for op in parent.ops):
            return  # `x is None`: neither a use of the value nor a hand-over
        use = _use(node, ctx)
        if use is None:
            entry[3] = True  # awaited, returned, stored, passed on: may be consumed
        else:
            entry[4].append((node, use))

    def leave_scope(self, scope, ctx) -> None:
        cands = scope.state.get(self.code)
        if not cands or scope.loads & _DYNAMIC:
            return
        for name, entry in cands.items():
            if entry is None:
                continue
            call, sym, stores, consumed, uses = entry
            if stores != 1 or consumed or not uses:
                continue
            node, use = uses[0]
            ctx.report_if(("coroutine-value", sym), node, use=f"{use}, through `{name}`,",
                          callee=source_text(call.func))


_DYNAMIC = frozenset({"locals", "vars", "eval", "exec"})
# per file (module scope state): every name that has had a candidate entry
_NAMES = "AIO102-names"

# Plain classes a coroutine never is (a parameter annotated so takes a value).
_PLAIN_BUILTINS = frozenset(f"builtins.{n}" for n in (
    "int", "float", "complex", "str", "bytes", "bytearray", "bool", "list", "dict", "set", "frozenset", "tuple"))


@query("coroutine-to-typed-parameter")
def _coroutine_to_typed_parameter(index, module, func_sym, receiver_sym, where):
    """The coroutine goes to a sync project function (not a method) whose
    parameter `where` (position or keyword) is annotated with a builtin
    value class or a project class that is not awaitable."""
    target = index.resolve(receiver_sym)
    if target.kind != "function" or "." in target.qualname:
        return None
    if values.function_kind(index, target.module, target.qualname) != values.SYNC:
        return None
    info = index.function(target.module, target.qualname)
    params = info.params
    if isinstance(where, int):
        if where >= len(params) or any(n.startswith("*") for n, _ in params[:where + 1]):
            return None
        annotation = params[where][1]
    else:
        annotation = next((a for n, a in params if n == where), None)
    if annotation is None or annotation[0] != "inst":
        return None
    expected = index.resolve(annotation)
    if expected.kind == "xinstance":
        if expected.qualname not in _PLAIN_BUILTINS:
            return None
    elif expected.kind == "instance":
        if any(index.find_method(expected.module, expected.qualname, m) is not None
               for m in ("__await__", "__call__")) or _opaque_bases(index, expected):
            return None
    else:
        return None
    return _coroutine_value(index, module, func_sym)


def _opaque_bases(index, instance) -> bool:
    """A base class outside the project might make instances awaitable."""
    return any(entry[0] == "external" and entry[1] not in ("builtins.object", "typing.Generic")
               for entry in values.linearised(index, instance.module, instance.qualname))


def _parameters(scope) -> frozenset:
    """The parameter names of a function scope, listed once per function
    (asked for every assignment of a call in it)."""
    found = scope.state.get(_PARAMETERS)
    if found is None:
        a = scope.node.args
        found = scope.state[_PARAMETERS] = frozenset(
            arg.arg for arg in (*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg) if arg is not None)
    return found


_PARAMETERS = "AIO102-parameters"


def _use(node: ast.Call, ctx):
    p = ctx.parent
    t = type(p)
    # the parents most calls have first: a call (as an argument), an
    # attribute, a keyword (never a use)
    if t is ast.Call:
        if not any(a is node for a in p.args):
            return None
        func = p.func
        if isinstance(func, ast.Attribute) and func.attr in STR_FORMATTERS and isinstance(func.value, ast.Constant) \
                and isinstance(func.value.value, str):
            return "`str.format()`"
        name = ctx.qualified_name(func)
        if name in VALUE_CONSUMERS:
            return f"a call of {VALUE_CONSUMERS[name]}"
        if isinstance(func, ast.Attribute) and func.attr in _LOGGING_CONSUMERS:
            made = ctx.symbol(func.value)  # `log = logging.getLogger(...)`, then `log.info(...)`
            if made is not None and made[0] == "call" and dotted(made[1]) in _LOGGER_FACTORIES:
                return f"a call of `{func.attr}()` on a logger"
        return None
    if t is ast.Attribute:
        return f"an attribute access (`.{p.attr}`)" if p.value is node and p.attr not in _COROUTINE_ATTRS else None
    if t is ast.keyword:
        return None
    if t in (ast.If, ast.While, ast.IfExp, ast.Assert):
        return _TRUTH if p.test is node else None
    if t is ast.UnaryOp:
        return _TRUTH if isinstance(p.op, ast.Not) else "arithmetic"
    if t is ast.BoolOp:
        if node is not p.values[-1]:
            return _TRUTH
        grand = parent_of(p)
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
        grand = parent_of(p)
        return "a sync `with`" if p.context_expr is node and isinstance(grand, ast.With) else None
    if t is ast.Subscript:
        return "a subscript" if p.value is node else None
    return None


_LOGGER_FACTORIES = frozenset({"logging.getLogger"})
# the last names of `logging.NAME` consumers: a logger's method of that name
_LOGGING_CONSUMERS = frozenset(name[len("logging."):] for name in VALUE_CONSUMERS if name.startswith("logging."))
# the parents `_use` may find a use in
_USE_PARENTS = frozenset({ast.If, ast.While, ast.IfExp, ast.Assert, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.BinOp,
                          ast.FormattedValue, ast.For, ast.comprehension, ast.withitem, ast.Subscript,
                          ast.Attribute, ast.Call})
