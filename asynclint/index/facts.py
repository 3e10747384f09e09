"""Facts the engine walk adds to the module summary (phase 1).

The summary (`summary.py`) looks at statements only; these hooks run during
the engine's single walk, where local bindings are known, and record what the
project index needs later:
- a function that yields is a generator (`async def` + `yield` is an async
  generator, not a coroutine function);
- what a function returns when it is plain (a nested def, a parameter), so a
  project decorator can be followed;
- the types of `self.attr = ...` assignments in methods;
- local bindings from tuple unpacking and `with ... as name`.
"""
from __future__ import annotations

import ast

from .summary import child_prefix

_UNKNOWN = ("unknown",)


def note_yield(ctx) -> None:
    fn = ctx.function
    if fn is not None and fn.info is not None:
        fn.info.is_generator = True


def note_return(ctx, node: ast.Return) -> None:
    fn = ctx.function
    if fn is None or fn.info is None:
        return
    info = fn.info
    value = node.value
    if value is None or (isinstance(value, ast.Constant) and value.value is None) or _falls_through(fn.node):
        _maybe_none(info)
        if value is None or isinstance(value, ast.Constant):
            return
    kind = ("mixed",)
    if isinstance(value, ast.Name):
        if any(name == value.id for name, _ in info.params):
            kind = ("param", value.id)
        else:
            sym = ctx.lookup(value.id)
            prefix = child_prefix("function", fn.qualname)
            if (sym is not None and sym[0] == "global" and sym[1] == ctx.module.name
                    and isinstance(sym[2], str) and sym[2].startswith(prefix)
                    and "." not in sym[2][len(prefix):]):
                kind = ("local", sym[2])
            elif sym is not None and sym[0] in ("call", "inst", "await", "attr", "enter", "item"):
                kind = ("value", sym)
    elif isinstance(value, (ast.Call, ast.Attribute, ast.Await)):
        sym = ctx.symbol(value)
        if sym is not None:
            kind = ("value", sym)
    old = info.returns_value
    if old is None:
        info.returns_value = kind
    elif old == ("none",) and kind[0] == "value":
        info.returns_value = ("value?", kind[1])
    elif old[0] == "value?" and kind[0] == "value" and old[1] == kind[1]:
        pass
    elif old[0] in ("local", "locals") and kind[0] == "local":
        # a decorator returning one of several wrappers (usually a sync and
        # an async one, chosen by `iscoroutinefunction(func)`)
        names = old[1:] if old[0] == "locals" else (old[1],)
        if kind[1] not in names:
            names = names + (kind[1],)
        info.returns_value = ("locals", *names) if len(names) > 1 else ("local", names[0])
    elif old != kind:
        info.returns_value = ("mixed",)


def _maybe_none(info) -> None:
    """The function may also return None: a returned value is only "maybe"."""
    old = info.returns_value
    if old is None:
        info.returns_value = ("none",)
    elif old[0] == "value":
        info.returns_value = ("value?", old[1])
    elif old[0] in ("local", "param"):
        info.returns_value = ("mixed",)


def _falls_through(node) -> bool:
    body = getattr(node, "body", None)
    return not body or not isinstance(body[-1], (ast.Return, ast.Raise))


def note_assign(ctx, node: ast.AST) -> None:
    """After an Assign/AnnAssign in a function: tuple unpacking bindings and
    `self.attr = value` types."""
    if isinstance(node, ast.Assign):
        targets, value = node.targets, node.value
        sym = None
        computed = False
        for target in targets:
            if isinstance(target, (ast.Tuple, ast.List)):
                if not computed:
                    sym, computed = ctx.symbol(value), True
                if sym is None or any(isinstance(e, ast.Starred) for e in target.elts):
                    continue
                for i, elt in enumerate(target.elts):
                    if isinstance(elt, ast.Name):
                        ctx.bind(elt.id, ("item", sym, i))
            elif isinstance(target, ast.Attribute):
                if not computed:
                    sym, computed = ctx.symbol(value), True
                _note_attr(ctx, target, sym, value)
    elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Attribute):
        sym = ctx.annotation_symbol(node.annotation)
        if sym is None and node.value is not None:
            sym = ctx.symbol(node.value)
        _note_attr(ctx, node.target, sym, node.value, annotated=sym is not None)


def _note_attr(ctx, target: ast.Attribute, sym, value, annotated: bool = False) -> None:
    base = target.value
    if not isinstance(base, ast.Name):
        return
    owner = ctx.lookup(base.id)
    if owner is None or owner[0] != "inst":
        return
    cls = owner[1]
    if cls is None or cls[0] != "global" or cls[1] != ctx.module.name:
        return
    info = ctx.module.classes.get(cls[2])
    if info is None:
        return
    if sym is None and isinstance(value, ast.Constant) and value.value is None:
        return  # `self.x = None` placeholders say nothing
    attrs = info.attrs
    old = attrs.get(target.attr, None) if target.attr in attrs else "missing"
    if sym is None:
        sym = _UNKNOWN
    if old == "missing":
        attrs[target.attr] = sym
    elif old != sym:
        if old is not None and old[0] == "inst" and not annotated:
            return  # a class-level or earlier annotation wins
        if annotated:
            attrs[target.attr] = sym
        elif old is None or old == _UNKNOWN or sym == _UNKNOWN:
            attrs[target.attr] = _UNKNOWN
        else:
            # assigned different values in different places: the union
            items = old[1] if old[0] == "union" else (old,)
            if sym not in items:
                items = items + (sym,)
            attrs[target.attr] = ("union", items) if len(items) <= 4 else _UNKNOWN


def note_withitem(ctx, node: ast.withitem, is_async: bool) -> None:
    target = node.optional_vars
    if isinstance(target, ast.Name) and ctx.scope.kind != "module":
        sym = ctx.symbol(node.context_expr)
        ctx.bind(target.id, ("enter", sym, is_async) if sym is not None else None)
