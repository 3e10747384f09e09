"""Phase 2 of the index: every module's summary, joined.

`ProjectIndex.resolve(sym)` follows a symbol through imports, re-exports and
`import *` to what it names: a project function or class, a module, or an
external dotted name. Rules' deferred queries (`queries.py`) build on it.
"""
from __future__ import annotations

import builtins
from dataclasses import dataclass
from pathlib import PurePath
from typing import Callable, Dict, FrozenSet, Hashable, Iterable, Optional, Tuple, TypeVar

from . import values
from .summary import ClassInfo, FunctionInfo, ModuleSummary, Sym
from .targets import UNKNOWN, Target

T = TypeVar("T")
# Nested resolutions deeper than this give up (UNKNOWN) instead of
# exhausting the interpreter's stack on long or cyclic chains.
RESOLVE_DEPTH = 60


_BUILTIN_NAMES = frozenset(dir(builtins))
# Symbols that denote values rather than names (answered by `values.py`).
_VALUE_KINDS = frozenset({"call", "inst", "await", "item", "enter", "super", "union", "typevar", "generic", "callable", "unknown"})


@dataclass(frozen=True)
class Knowledge:
    """What the configuration tells the index that the code cannot
    (`extra-coroutine-functions`, `preserving-decorators`)."""

    extra_coroutines: FrozenSet[str] = frozenset()
    preserving: FrozenSet[str] = frozenset()

    @classmethod
    def from_config(cls, config) -> "Knowledge":
        return cls(frozenset(getattr(config, "extra_coroutine_functions", None) or ()),
                   frozenset(getattr(config, "preserving_decorators", None) or ()))


class ProjectIndex:
    """Every module's summary, the configured knowledge, the installed
    packages it may read, and the facts derived from them.

    Derived facts (light types, thread context, blocking summaries, callers)
    live in one place, `fact()`: each is computed once per index and key and
    never changes, since an index never changes after it is built; a changed
    module makes a new index (`with_module`).
    """

    def __init__(self, summaries: Iterable[ModuleSummary], knowledge: Optional[Knowledge] = None,
                 installed=None):
        self.modules: Dict[str, ModuleSummary] = {}
        for summary in summaries:
            # Two files may claim one module name (scripts in different
            # folders): keep the first, deterministic because input is sorted.
            self.modules.setdefault(summary.name, summary)
        self.knowledge = knowledge or Knowledge()
        self.installed = installed  # installed.InstalledPackages, or None
        self._facts: Dict[str, dict] = {}
        self._resolving: set = set()

    def with_module(self, summary: ModuleSummary) -> "ProjectIndex":
        """The same project with one module as it is now (an unsaved buffer,
        a fixed file): a new index, so no derived fact goes stale."""
        others = (s for name, s in self.modules.items() if name != summary.name)
        return ProjectIndex([summary, *others], self.knowledge, self.installed)

    # -- derived facts ----------------------------------------------------
    def fact(self, name: str, key: Hashable, build: Callable[[], T]) -> T:
        """The fact `name` for `key`, built on first use."""
        table = self._facts.setdefault(name, {})
        try:
            return table[key]
        except KeyError:
            value = table[key] = build()
            return value

    def memo(self, name: str) -> dict:
        """The table of fact `name`, for facts filled in piece by piece."""
        return self._facts.setdefault(name, {})

    # -- names ------------------------------------------------------------
    def function(self, module: str, qualname: str) -> Optional[FunctionInfo]:
        summary = self.modules.get(module)
        return summary.functions.get(qualname) if summary else None

    def klass(self, module: str, qualname: str) -> Optional[ClassInfo]:
        summary = self.modules.get(module)
        return summary.classes.get(qualname) if summary else None

    def resolve_global(self, module: str, name: str, _seen: Optional[set] = None) -> Target:
        """What `name` means at the top of `module` (or a dotted qualname)."""
        seen = _seen if _seen is not None else set()
        key = (module, name)
        if key in seen or len(seen) > 50:
            return UNKNOWN
        seen.add(key)
        summary = self.modules.get(module) or self._installed(module)
        if summary is None:
            alias = self.namespace_alias(module)
            if alias is not None:
                return self.resolve_global(alias, name, seen)
            sub = f"{module}.{name}"
            if sub in self.modules:
                return Target("module", sub)
            return Target("external", qualname=f"{module}.{name}")
        if name in summary.functions:
            return Target("function", module, name)
        if name in summary.classes:
            return Target("class", module, name)
        if name in summary.bindings:
            sym = summary.bindings[name]
            if sym == ("global", module, name):
                return UNKNOWN
            if sym is not None and sym[0] == "opaque":
                return Target("value", module, name)
            return self._resolve(sym, seen)
        sub = f"{module}.{name}"
        if sub in self.modules:
            return Target("module", sub)
        for star in summary.star_imports:
            star_summary = self.modules.get(star)
            if star_summary is not None and star_summary.all_names is not None and name not in star_summary.all_names:
                continue
            if star_summary is not None and name.startswith("_") and star_summary.all_names is None:
                continue
            target = self.resolve_global(star, name, seen)
            if target.kind != "unknown" and not (target.kind == "external" and star in self.modules):
                return target
        if "." in name:  # a nested qualname we do not know
            return UNKNOWN
        if name in _BUILTIN_NAMES:  # summaries write unbound names as globals
            return Target("external", qualname=f"builtins.{name}")
        return UNKNOWN

    def resolve(self, sym: Sym) -> Target:
        """Resolutions nest (an attribute's value is resolved while resolving
        the attribute); a symbol already being resolved, or nesting deeper
        than RESOLVE_DEPTH, is UNKNOWN: a cycle in the code (`cb = self.cb;
        self.cb = cb`) must not become a RecursionError."""
        active = self._resolving
        try:
            if sym in active or len(active) >= RESOLVE_DEPTH:
                return UNKNOWN
        except TypeError:  # unhashable: never with well-formed symbols
            return UNKNOWN
        active.add(sym)
        try:
            return self._resolve(sym, set())
        finally:
            active.discard(sym)

    def _resolve(self, sym: Sym, seen: set) -> Target:
        if sym is None:
            return UNKNOWN
        kind = sym[0]
        if kind == "module":
            known = sym[1] in self.modules or self._installed(sym[1]) is not None
            if known:
                return Target("module", sym[1])
            alias = self.namespace_alias(sym[1])
            return Target("module", alias) if alias is not None else Target("external", qualname=sym[1])
        if kind == "global":
            return self.resolve_global(sym[1], sym[2], seen)
        if kind == "builtin":
            return Target("external", qualname=f"builtins.{sym[1]}")
        if kind == "attr":
            base = self._resolve(sym[1], seen)
            if base.kind == "module":
                return self.resolve_global(base.module, sym[2], seen)
            if base.kind == "external":
                return Target("external", qualname=f"{base.qualname}.{sym[2]}")
            if base.kind == "class":
                method = self.find_method(base.module, base.qualname, sym[2])
                if method is not None:
                    return Target("function", method[0], method[1])
            return values.attribute(self, base, sym[2])  # instances, attributes
        if kind in _VALUE_KINDS:
            return values.evaluate(self, sym)
        return UNKNOWN

    def namespace_alias(self, module: str) -> Optional[str]:
        """The project module an absolute import names through folders
        without `__init__.py`: module names start at the top regular package
        (`myint.helpers`), while code may import it from a folder above
        (`custom_components.myint.helpers`, a Home Assistant integration;
        any namespace package). The dropped prefix must be the very folders
        that hold that package, so it resolves exactly like a relative
        import would."""
        if "." not in module:
            return None
        return self.fact("namespace-alias", module, lambda: self._find_namespace_alias(module))

    def _find_namespace_alias(self, module: str) -> Optional[str]:
        parts = module.split(".")
        for i in range(1, len(parts)):
            candidate = ".".join(parts[i:])
            summary = self.modules.get(candidate)
            if summary is None or not summary.path:
                continue
            folders = PurePath(summary.path).parents
            # the folder holding the top package, then the ones above it
            start = len(parts) - i - (0 if summary.is_package else 1)
            above = [folders[start + k].name for k in range(i) if start + k < len(folders)]
            if above == list(reversed(parts[:i])):
                return candidate
        return None

    def _installed(self, module: str) -> Optional[ModuleSummary]:
        """An installed package's module (`installed.py`), when the run has
        an environment to read; added to `modules` once loaded."""
        if self.installed is None or not module:
            return None
        summary = self.installed.summary(module)
        if summary is not None:
            self.modules.setdefault(module, summary)
        return summary

    # -- classes ----------------------------------------------------------
    def mro(self, module: str, qualname: str, limit: int = 30) -> Tuple[Tuple[str, str], ...]:
        """Project classes in method resolution order (depth-first, left to
        right, duplicates removed; enough for the usual hierarchies)."""
        order, stack, seen = [], [(module, qualname)], set()
        while stack and len(order) < limit:
            mod, qual = stack.pop(0)
            if (mod, qual) in seen:
                continue
            seen.add((mod, qual))
            info = self.klass(mod, qual)
            if info is None:
                continue
            order.append((mod, qual))
            bases = []
            for base in info.bases:
                target = self.resolve(base)
                if target.kind == "class":
                    bases.append((target.module, target.qualname))
            stack = bases + stack
        return tuple(order)

    def find_method(self, module: str, qualname: str, name: str) -> Optional[Tuple[str, str]]:
        for mod, qual in self.mro(module, qualname):
            info = self.klass(mod, qual)
            if info is not None and name in info.methods:
                return mod, info.methods[name]
        return None
