"""Shared by the AIO1xx rules: the phase-2 query "does calling this give a
coroutine?" and cheap phase-1 filters (no rule in this module)."""
from __future__ import annotations

import ast
import sys

from ..index import local_types, values
from ..index.summary import dotted
from ..index.queries import query
from ._text import source as source_text  # noqa: F401  the AIO1 rules' name for it

# Top-level stdlib modules with no coroutine functions: calls into them are
# never coroutines, so no query is deferred for them.
_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ()))
_ASYNC_TOPS = frozenset({"asyncio", "_asyncio", "contextlib", "unittest", "types", "typing", "builtins"})


def worth_asking(sym) -> bool:
    """False when `sym` surely names no coroutine function."""
    if sym is None:
        return False
    root = sym
    while root is not None and root[0] == "attr":
        root = root[1]
    if root is None:
        return False
    kind = root[0]
    if kind == "builtin":
        return root[1] == "anext" and sym is root
    if kind == "module":
        top = root[1].split(".", 1)[0]
        if top in _STDLIB and top not in _ASYNC_TOPS:
            return False
    return True


def callee_symbol(ctx, func):
    """`ctx.symbol(func)`, knowing what `super().name` means in a method and
    that calling `functools.partial(f, ...)` calls `f`. Kept for the last
    callee asked at the node being visited (nothing is bound between two
    rules' checks of one node): AIO101 and AIO102 both ask for the call an
    assignment binds."""
    state = ctx.scopes[0].state
    kept = state.get(_LAST_CALLEE)
    node = ctx.node
    if kept is not None and kept[0] is node and kept[1] is func:
        return kept[2]
    sym = _callee_symbol(ctx, func)
    state[_LAST_CALLEE] = (node, func, sym)
    return sym


_LAST_CALLEE = "AIO1-last-callee"


def _callee_symbol(ctx, func):
    attribute = type(func) is ast.Attribute
    if attribute:
        value = func.value
        if type(value) is ast.Call and not value.args and type(value.func) is ast.Name \
                and value.func.id == "super":
            cls = _enclosing_class(ctx)
            return ("attr", ("super", cls), func.attr) if cls is not None else None
    sym = ctx.symbol(func)
    if sym is not None and sym[0] == "call" and dotted(sym[1]) in _PARTIALS:
        made = _partial_call(ctx, func)
        return ctx.symbol(made.args[0]) if made is not None and made.args else None
    if attribute and type(value) is ast.Name and value.id == "self" \
            and _names_partial(ctx) and _class_may_make_partial(ctx):
        made = _partial_call(ctx, func)  # `self._refresh = partial(self.refresh, ...)` in a method
        # only `self.name` means the same here as where the partial was made
        if made is not None and made.args and isinstance(made.args[0], ast.Attribute) \
                and isinstance(made.args[0].value, ast.Name) and made.args[0].value.id == "self":
            return ctx.symbol(made.args[0])
    return sym


_PARTIALS = frozenset({"functools.partial"})


def _names_partial(ctx) -> bool:
    """The file's text says `partial`: without it no name or attribute in
    it can be bound to `functools.partial(...)` (phase 1 resolves only this
    file's own imports and assignments), so no class method's assignments
    need scanning for one (once per file)."""
    state = ctx.scopes[0].state
    found = state.get("AIO1-partial")
    if found is None:
        found = state["AIO1-partial"] = "partial" in ctx.text()
    return found


def _class_may_make_partial(ctx) -> bool:
    """The text of the class around the current method spells a name that
    resolves to `functools.partial` here (`partial`, `functools.partial`, an
    alias of it): else none of its methods assigns `self.x = partial(...)`,
    and the walk of all of them for the values of `self.x`, once per class
    and attribute, is left out. Decided once per class and set of names."""
    klass = local_types.method_class(ctx, ctx.function, "self")
    if klass is None:
        return False  # `_partial_call` finds no values outside a method either
    words = _partial_spellings(ctx)
    if words is None:
        return True
    found = klass.state.get(_SAYS_PARTIAL)
    if found is None:
        found = klass.state[_SAYS_PARTIAL] = {}
    answer = found.get(words)
    if answer is None:
        node = klass.node
        text = "\n".join(ctx.lines[node.lineno - 1:node.end_lineno or len(ctx.lines)])
        answer = found[words] = any(word in text for word in words)
    return answer


_SAYS_PARTIAL = "AIO1-says-partial"


def _partial_spellings(ctx):
    """The names that may spell `functools.partial` where the walk is: the
    word itself, and every name bound to it in the module or a scope around
    the current node; None when this module is `functools` itself (its own
    names resolve to it)."""
    if ctx.module.name == "functools":
        return None
    state = ctx.scopes[0].state
    module_words = state.get(_SPELLINGS)
    if module_words is None:
        module_words = state[_SPELLINGS] = ("partial", *sorted(
            name for name, sym in ctx.module.bindings.items() if dotted(sym) in _PARTIALS))
    local = [name for scope in ctx.scopes[1:] for name, sym in scope.bindings.items()
             if sym is not None and sym[-1] in _PARTIAL_ENDS and dotted(sym) in _PARTIALS]
    return (*module_words, *local) if local else module_words


# What the last item of a symbol spelling `functools.partial` is (`dotted`
# joins it last): every binding of a scope is tested, most fail here, with
# no string built for them.
_PARTIAL_ENDS = ("partial", "functools.partial")


_SPELLINGS = "AIO1-partial-spellings"


def _partial_call(ctx, func):
    """The `functools.partial(...)` call that made `func`: the call itself, or
    the one value of a local or `self` attribute assigned nowhere else."""
    if isinstance(func, ast.Call):
        return func
    if isinstance(func, ast.Name):
        values = local_types.local_assignments(ctx, func.id)
    elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        values = local_types.self_attr_assignments(ctx, func.value.id, func.attr)
    else:
        return None
    if not values or len(values) != 1 or not isinstance(values[0], ast.Call):
        return None
    made = values[0]
    return made if dotted(ctx.symbol(made.func)) in _PARTIALS else None


def _enclosing_class(ctx):
    scopes = ctx.scopes
    for i in range(len(scopes) - 1, 0, -1):
        if scopes[i].kind == "function":
            outer = scopes[i - 1]
            return outer.class_sym if outer.kind == "class" else None
        if scopes[i].kind == "lambda":
            continue
        return None
    return None


@query("coroutine-call")
def _coroutine_call(index, module, func_sym, maybe_none=True):
    """Calling `func_sym` gives a coroutine (or, with `maybe_none`, a
    coroutine or None): {callee, where} (the configured extra coroutine
    functions are the index's own knowledge)."""
    target = values.coroutine_callee(index, func_sym, maybe_none)
    if target is None:
        return None
    callee, where = values.describe(index, target)
    answer = {"where": where}
    if callee:  # else the rule's own text of the call stands
        answer["callee"] = callee
    return answer


@query("coroutine-value")
def _coroutine_value(index, module, func_sym):
    """Calling `func_sym` always gives a coroutine: using the result as a
    value is wrong (a `Coroutine | None` result is tested for None)."""
    return _coroutine_call(index, module, func_sym, maybe_none=False)


@query("maybe-coroutine-call")
def _maybe_coroutine_call(index, module, func_sym):
    """Calling `func_sym` gives a coroutine or None (`-> Coroutine | None`)."""
    target = values.coroutine_callee(index, func_sym)
    if target is None or target.kind != values.MAYBE:
        return None
    return _coroutine_call(index, module, func_sym)


@query("coroutine-function")
def _coroutine_function(index, module, func_sym):
    """`func_sym` is a coroutine function (passed as a callback)."""
    return _coroutine_call(index, module, func_sym)
