"""Phase 2: light type knowledge over the project index.

`ProjectIndex.resolve()` follows names; this module adds what values are:
the instance a class call or an annotation gives, what a function returns
(its return annotation, or a coroutine for a coroutine function), attributes
of instances through the MRO (project classes, then known stdlib/third-party
bases), `await`, tuple items and `with ... as` targets, and decorators.

Targets used here besides those of `project.Target`:
    Target("instance", module, qualname)   an instance of a project class
    Target("xinstance", qualname=dotted)   an instance of an external class
    Target("coroutine", module, qualname, value=Target)
        the coroutine a call created; `qualname` names the callee, `value`
        is what awaiting it gives (UNKNOWN when not known)
    Target("tuple", value=(Target, ...))
    Target("super", module, qualname)      `super()` inside class qualname
    Target("union", value=(Target, ...))   one of these (never holds a coroutine)
    Target("callable", value=Target)       a callable whose calls give value
    Target("maybe-coroutine", module, qualname, value=Target)
        a coroutine or None (`-> Coroutine[...] | None`): dropping it loses
        the coroutine, but testing it is a None check
"""
from __future__ import annotations

from typing import Optional, Tuple

from ..knowledge import coroutines as kb
from .targets import UNKNOWN, Target

# function kinds
ASYNC, SYNC, OTHER = "async", "sync", "other"
MAYBE = "maybe-coroutine"
_COROUTINES = ("coroutine", MAYBE)

_HARMLESS_BASES = frozenset({
    "builtins.object", "typing.Generic", "typing.Protocol", "typing_extensions.Protocol",
    "abc.ABC", "typing.NamedTuple", "builtins.Exception", "builtins.BaseException",
})


def evaluate(index, sym) -> Target:
    """Value of a rich symbol (call, inst, await, item, enter, unknown);
    `index.resolve()` guards against cycles, this memoises."""
    try:
        hash(sym)
    except TypeError:
        return UNKNOWN
    return index.fact("values", sym, lambda: _evaluate(index, sym))


def _evaluate(index, sym) -> Target:
    kind = sym[0]
    if kind == "inst":
        return instance_of(index, index.resolve(sym[1]))
    if kind == "call":
        return call_result(index, index.resolve(sym[1]))
    if kind == "await":
        inner = index.resolve(sym[1])
        if inner.kind == "coroutine":
            return inner.value if isinstance(inner.value, Target) else UNKNOWN
        return UNKNOWN
    if kind == "item":
        inner = index.resolve(sym[1])
        if inner.kind == "tuple" and isinstance(sym[2], int) and 0 <= sym[2] < len(inner.value):
            return inner.value[sym[2]]
        return UNKNOWN
    if kind == "super":  # `super()` in a method of the class sym[1]
        cls = index.resolve(sym[1])
        return Target("super", cls.module, cls.qualname) if cls.kind == "class" else UNKNOWN
    if kind == "union":
        return _union([index.resolve(item) for item in sym[1]])
    if kind == "typevar":  # a TypeVar used as a type: its bound
        return index.resolve(sym[1]) if sym[1] is not None else UNKNOWN
    if kind == "generic":  # `Store[T]` called: the class itself
        target = index.resolve(sym[1])
        return target if target.kind in ("class", "external") else UNKNOWN
    if kind == "optional":  # `Coroutine[...] | None` (summary.py marks only those)
        coro = _as_coroutine(index.resolve(sym[1]))
        return Target(MAYBE, qualname=coro.qualname, value=UNKNOWN) if coro is not None else UNKNOWN
    if kind == "callable":
        returned = index.resolve(sym[1])
        return Target("callable", value=returned) if returned.kind != "unknown" else UNKNOWN
    if kind == "enter":
        return enter_result(index, index.resolve(sym[1]), bool(sym[2]))
    return UNKNOWN


def _union(targets) -> Target:
    if not targets or any(t.kind == "unknown" for t in targets):
        return UNKNOWN
    if all(t == targets[0] for t in targets):
        return targets[0]
    if all(t.kind == "coroutine" for t in targets):
        return targets[0]  # whichever it is, the call gives a coroutine
    if all(t.kind in _COROUTINES for t in targets):
        return next(t for t in targets if t.kind == MAYBE)
    if any(t.kind in _COROUTINES for t in targets):
        return UNKNOWN
    return Target("union", value=tuple(targets))


def instance_of(index, cls: Target) -> Target:
    if cls.kind in ("instance", "xinstance"):
        return cls  # through a type alias (`Alias = Union[A, B]`) that already names instances
    if cls.kind == "union":
        return _union([instance_of(index, t) for t in cls.value])
    if cls.kind == "class":
        return Target("instance", cls.module, cls.qualname)
    if cls.kind == "external":
        return Target("xinstance", qualname=kb.canonical(cls.qualname))
    return UNKNOWN


def _external_type(name) -> Target:
    if isinstance(name, tuple):
        return Target("tuple", value=tuple(_external_type(n) for n in name))
    if isinstance(name, str):
        return Target("xinstance", qualname=name)
    return UNKNOWN


def call_result(index, callee: Target) -> Target:
    """What calling `callee` gives."""
    k = callee.kind
    if k == "callable":
        returned = callee.value
        coro = _as_coroutine(returned)
        return coro if coro is not None else returned
    if k == "union":
        return _union([call_result(index, t) for t in callee.value])
    if k == "class":
        return Target("instance", callee.module, callee.qualname)
    if k == "instance":  # calling an instance runs its `__call__`
        method = _member(index, callee.module, callee.qualname, "__call__")
        return call_result(index, method) if method.kind == "function" else UNKNOWN
    if k == "function":
        fkind = function_kind(index, callee.module, callee.qualname)
        info = index.function(callee.module, callee.qualname)
        returned = _returned(index, info)
        if fkind == ASYNC:
            return Target("coroutine", callee.module, callee.qualname, value=returned)
        if fkind == SYNC:
            if returned.kind in _COROUTINES:
                # `def get(self): return self.request(...)` hands back the
                # coroutine `request` created: calling `get` gives one too
                return Target(returned.kind, callee.module, callee.qualname, value=returned.value)
            return returned
        return UNKNOWN
    if k == "external":
        name = callee.qualname
        if name in index.knowledge.extra_coroutines:
            return Target("coroutine", qualname=name, value=UNKNOWN)
        canon = kb.canonical(name)
        if kb.is_class(canon):
            return Target("xinstance", qualname=canon)
        coro = kb.is_coroutine_function(canon)
        returned = _external_type(kb.returns(canon))
        if coro:
            return Target("coroutine", qualname=name, value=returned)
        return returned
    return UNKNOWN


def _as_coroutine(t: Target) -> Optional[Target]:
    """A `typing.Coroutine` instance (from an annotation) as a coroutine."""
    if t.kind == "xinstance" and t.qualname.rsplit(".", 1)[-1] in ("Coroutine", "CoroutineType") \
            and t.qualname.split(".", 1)[0] in ("typing", "collections", "_collections_abc", "types",
                                                "typing_extensions"):
        return Target("coroutine", qualname=t.qualname, value=UNKNOWN)
    return None


def _returned(index, info) -> Target:
    """What a project function returns: its annotation, else the one call
    expression all its `return` statements give, when that is an instance."""
    if info is None:
        return UNKNOWN
    if info.returns is not None:
        annotated = index.resolve(info.returns)
        coro = _as_coroutine(annotated)
        if coro is not None:
            return coro  # `-> Coroutine[...]`
        if annotated.kind in ("instance", "xinstance", "union", "tuple", MAYBE):
            return annotated
    rv = info.returns_value
    if rv and rv[0] in ("value", "value?"):
        result = index.resolve(rv[1])
        # an instance-or-None is still used as the instance; a coroutine
        # only when every path returns it
        if result.kind in ("instance", "xinstance") or (result.kind == "coroutine" and rv[0] == "value"):
            return result
    return UNKNOWN


def enter_result(index, cm: Target, is_async: bool) -> Target:
    if cm.kind == "instance":
        method = index.find_method(cm.module, cm.qualname, "__aenter__" if is_async else "__enter__")
        if method is None:
            return UNKNOWN
        info = index.function(*method)
        if info is None:
            return UNKNOWN
        if info.returns is not None:
            return index.resolve(info.returns)
        if info.params and info.returns_value == ("param", info.params[0][0]):
            return cm  # `return self`
        return UNKNOWN
    if cm.kind == "xinstance":
        return _external_type(kb.enter_result(cm.qualname, is_async))
    return UNKNOWN


# -- attributes -----------------------------------------------------------------
def attribute(index, base: Target, name: str) -> Target:
    """`base.name` for instances and classes (the base kinds `project` does
    not handle itself)."""
    if base.kind in ("instance", "class"):
        return _member(index, base.module, base.qualname, name)
    if base.kind == "xinstance":
        return Target("external", qualname=f"{base.qualname}.{name}")
    if base.kind == "union":
        return _union([attribute(index, t, name) for t in base.value])
    if base.kind == "super":
        return _member(index, base.module, base.qualname, name, skip_first=True)
    return UNKNOWN


def linearised(index, module: str, qualname: str):
    """The class's MRO, external bases as ("external", dotted-or-None)."""
    return _linearised(index, module, qualname)


def _linearised(index, module: str, qualname: str):
    """Classes in method resolution order (C3, as Python computes it), with
    external bases kept in place as ("external", dotted-or-None) so that a
    base we cannot see into stops the search where Python would look into
    it. Falls back to depth-first order when C3 fails (broken hierarchies)."""
    memo = index.memo("c3")
    return _linearisation(index, ("class", module, qualname), memo, 0) or [("class", module, qualname)]


def _linearisation(index, entry, memo, depth):
    """The memoised C3 of a project class; None while it is being computed
    (a cycle). Each entry keeps the modules it looked at."""
    key = (entry[1], entry[2])
    if key in memo:
        return memo.lookup(key)
    memo.put(key, None)  # cycle guard
    with index.tracking() as deps:
        value = _c3(index, entry, memo, depth)
    memo.put(key, value, deps)
    return value


def _bases_of(index, entry):
    info = index.klass(entry[1], entry[2])
    out = []
    for base in info.bases if info is not None else ():
        target = index.resolve(base) if base is not None else UNKNOWN
        if target.kind == "class":
            out.append(("class", target.module, target.qualname))
        elif target.kind == "external":
            out.append(("external", kb.canonical(target.qualname)))
        else:
            out.append(("external", None))
    return out


def _c3(index, entry, memo, depth):
    if entry[0] != "class":
        return [entry]
    if depth > 30:
        return [entry]
    bases = _bases_of(index, entry)
    seqs = []
    for base in bases:
        if base[0] == "class":
            lin = _linearisation(index, base, memo, depth + 1)
            if lin is None:  # a cycle: give up on this base
                lin = [("external", None)]
            seqs.append(list(lin))
        else:
            seqs.append([base])
    seqs.append(list(bases))
    result = [entry]
    while True:
        seqs = [s for s in seqs if s]
        if not seqs:
            return result
        for seq in seqs:
            head = seq[0]
            if not any(head in s[1:] for s in seqs):
                break
        else:  # no consistent order: depth-first, duplicates removed
            for s in seqs:
                for item in s:
                    if item not in result:
                        result.append(item)
            return result
        result.append(head)
        for s in seqs:
            if s and s[0] == head:
                del s[0]


def _assigned_anywhere(index, entries, name: str) -> bool:
    """Some class of the hierarchy assigns `name` as a value (`self.close =
    ...` or `close = ...`), not only as an annotation."""
    for entry in entries:
        if entry[0] != "class":
            continue
        info = index.klass(entry[1], entry[2])
        if info is not None and name in info.attrs:
            sym = info.attrs[name]
            if sym is None or sym[0] != "inst":
                return True
    return False


def _is_property(index, method: Target) -> bool:
    info = index.function(method.module, method.qualname)
    for dec in info.decorators if info is not None else ():
        if dec is not None and dec[0] == "call":  # `@cached_slot_property("_cs_x")`
            dec = dec[1]
        if dec is None or dec[0] not in ("global", "attr", "builtin"):
            continue
        # by name: `property`, `functools.cached_property` and the many
        # project copies of it (`_compat.cached_property`, `reify`,
        # `utils.cached_slot_property(...)`, ...)
        name = dec[-1] if isinstance(dec[-1], str) else ""
        name = name.rsplit(".", 1)[-1]
        if name in _PROPERTY_NAMES or name.endswith("_property"):
            return True
    return False


_PROPERTY_NAMES = frozenset({"property", "cached_property", "reify", "lazy_property", "memoized_property",
                             "cachedproperty", "cached_attribute"})


def _member(index, module: str, qualname: str, name: str, skip_first: bool = False) -> Target:
    entries = _linearised(index, module, qualname)
    if skip_first:
        entries = entries[1:]
    for entry in entries:
        if entry[0] == "external":
            canon = entry[1]
            if canon in _HARMLESS_BASES:
                continue
            if canon is not None and kb.is_class(canon):
                if kb.method_is_async(canon, name):
                    return Target("external", qualname=f"{canon}.{name}")
                continue
            return UNKNOWN  # a base we cannot see into may define the name
        info = index.klass(entry[1], entry[2])
        if info is None:
            return UNKNOWN
        if name in info.methods:
            if _assigned_anywhere(index, entries, name):
                return UNKNOWN  # an instance attribute of that name shadows the method
            method = Target("function", entry[1], info.methods[name])
            if _is_property(index, method):
                return _returned(index, index.function(method.module, method.qualname))
            return method
        if name in info.attrs:
            sym = info.attrs[name]
            return UNKNOWN if sym is None else index.resolve(sym)
    return UNKNOWN


# -- functions and decorators ---------------------------------------------------
def function_kind(index, module: str, qualname: str, _depth: int = 0) -> Optional[str]:
    """ASYNC (calling it gives a coroutine), SYNC, OTHER, or None (unknown)."""
    info = index.function(module, qualname)
    if info is None or _depth > 8 or info.ambiguous:
        return None
    summary = index.modules.get(module)
    if summary is not None and summary.ambiguous and qualname.split(".", 1)[0] in summary.ambiguous:
        return None
    if info.is_async:
        kind = OTHER if info.is_generator else ASYNC
    else:
        kind = SYNC
    for dec in reversed(info.decorators):
        kind = _apply_decorator(index, dec, kind, _depth)
        if kind is None:
            return None
    return kind


def _apply_decorator(index, dec, kind: str, depth: int) -> Optional[str]:
    if dec is None:
        return None
    if dec[0] == "call":
        factory = index.resolve(dec[1])
        if factory.kind == "external":
            canon = kb.canonical(factory.qualname)
            if canon in kb.PRESERVING_FACTORIES or factory.qualname in index.knowledge.preserving or canon in index.knowledge.preserving:
                return kind
            return None
        if factory.kind == "function":
            info = index.function(factory.module, factory.qualname)
            if info is not None and info.returns_value and info.returns_value[0] == "local" and not info.is_async:
                return _through_project_decorator(index, factory.module, info.returns_value[1], kind, depth)
        return None
    target = index.resolve(dec)
    if target.kind == "external":
        name = target.qualname
        canon = kb.canonical(name)
        if canon in kb.PRESERVING_DECORATORS or name in index.knowledge.preserving or canon in index.knowledge.preserving:
            return kind
        if canon in kb.TO_SYNC:
            return SYNC
        if canon in kb.TO_ASYNC:
            return ASYNC
        if canon in kb.NOT_A_CALL:
            return OTHER
        return None
    if target.kind == "function":
        if target.dotted in index.knowledge.preserving:
            return kind
        return _through_project_decorator(index, target.module, target.qualname, kind, depth)
    return None


def _through_project_decorator(index, module: str, qualname: str, kind: str, depth: int) -> Optional[str]:
    info = index.function(module, qualname)
    if info is None or info.is_async:
        return None
    rv = info.returns_value
    if not rv:
        return None
    if rv[0] == "param" and info.params and rv[1] == info.params[0][0]:
        return kind  # registers and returns the function itself
    if rv[0] == "local":
        inner = function_kind(index, module, rv[1], depth + 1)
        # an async wrapper makes a coroutine function; a sync wrapper may
        # return the wrapped coroutine or run it: unknown
        return ASYNC if inner == ASYNC else None
    if rv[0] == "locals":
        kinds = {function_kind(index, module, q, depth + 1) for q in rv[1:]}
        if kinds == {ASYNC}:
            return ASYNC
        if kinds == {ASYNC, SYNC}:
            return kind  # a sync and an async wrapper: chosen by the wrapped function's kind
        return None
    return None


def coroutine_callee(index, func_sym, maybe_none: bool = True) -> Optional[Target]:
    """The coroutine target when calling `func_sym` gives a coroutine; with
    `maybe_none`, also when it gives a coroutine or None (dropping either
    loses the coroutine; only a certain one is wrong to test or compare)."""
    if func_sym is None:
        return None
    result = index.resolve(("call", func_sym))
    if result.kind == "coroutine" or (maybe_none and result.kind == MAYBE):
        return result
    return None


def describe(index, target: Target) -> Tuple[str, str]:
    """(callee, where) for messages."""
    if target.module:
        summary = index.modules.get(target.module)
        info = index.function(target.module, target.qualname)
        callee = f"{target.module}.{target.qualname}"
        if summary is not None and info is not None:
            import os
            try:
                path = os.path.relpath(summary.path)
            except ValueError:
                path = summary.path
            return callee, f" (defined at {path}:{info.lineno})"
        return callee, ""
    if _as_coroutine(Target("xinstance", qualname=target.qualname)) is not None:
        return "", ""  # typed as returning a Coroutine: no definition to name
    return target.qualname, ""
