"""What a fix needs to know about the module it edits, and what one fix
changes: shared by the transforms (`transforms.py`) and the machinery that
applies them (`apply.py`), which imports the transforms."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Dict, Iterator, Optional, Set, Tuple

import libcst as cst

from ..diagnostics import Diagnostic

Pos = Tuple[int, int]  # (line, 0-based column)


@dataclass
class Plan:
    """What one fix changes."""

    diagnostic: Diagnostic
    target: cst.CSTNode  # the Call (an expression edit) or its Expr statement (a statement edit)
    replacement: object  # a BaseExpression, or a list of small statements
    needs_asyncio: bool = False  # the module must import asyncio (as `facts.asyncio_name()`)
    background_set: Optional[str] = None  # the module needs this set of background tasks
    from_import_additions: Tuple[Tuple[cst.ImportFrom, str], ...] = ()
    start: Pos = (0, 0)
    end: Pos = (0, 0)


# -- what the module holds ------------------------------------------------------
class _Names(cst.CSTVisitor):
    """Every identifier used as a name (`any`), and which of those uses bind
    it (`binds`: assignment and loop targets, parameters, def and class
    names, `as` names, imports, global/nonlocal, match captures), apart from
    `import asyncio`, counted in `asyncio_binds`. Attribute names and keyword
    argument names are not names."""

    def __init__(self) -> None:
        self.any: Counter = Counter()  # identifiers that occur (bindings and reads)
        self.binds: Counter = Counter()  # bindings, other than `import asyncio`
        self.attr_base: Counter = Counter()  # `NAME.attr` reads
        self.skip: Set[int] = set()
        self.binding: Set[int] = set()  # ids of Name nodes that bind
        self.asyncio_binds: Counter = Counter()  # names bound by `import asyncio[.x] [as y]`
        self.from_asyncio: Dict[str, str] = {}  # local name -> asyncio attribute (`from asyncio import x as y`)

    def _bind(self, node) -> None:
        """Mark the names a target binds (`a`, `a, *b`, `[a, b]`; not `a.x` or `a[i]`)."""
        if isinstance(node, cst.Name):
            self.binding.add(id(node))
        elif isinstance(node, (cst.Tuple, cst.List)):
            for element in node.elements:
                self._bind(element.value)
        elif isinstance(node, cst.StarredElement):
            self._bind(node.value)

    def visit_AssignTarget(self, node) -> None:
        self._bind(node.target)

    def visit_AnnAssign(self, node) -> None:
        self._bind(node.target)

    def visit_AugAssign(self, node) -> None:
        self._bind(node.target)

    def visit_For(self, node) -> None:
        self._bind(node.target)

    def visit_CompFor(self, node) -> None:
        self._bind(node.target)

    def visit_NamedExpr(self, node) -> None:
        self._bind(node.target)

    def visit_Del(self, node) -> None:
        self._bind(node.target)

    def visit_AsName(self, node) -> None:  # with ... as x, except ... as x
        self._bind(node.name)

    def visit_Param(self, node) -> None:
        self._bind(node.name)

    def visit_FunctionDef(self, node) -> None:
        self._bind(node.name)

    def visit_ClassDef(self, node) -> None:
        self._bind(node.name)

    def visit_NameItem(self, node) -> None:  # global x / nonlocal x
        self._bind(node.name)

    def visit_MatchAs(self, node) -> None:
        if node.name is not None:
            self._bind(node.name)

    def visit_MatchStar(self, node) -> None:
        if node.name is not None:
            self._bind(node.name)

    def visit_MatchMapping(self, node) -> None:
        if node.rest is not None:
            self._bind(node.rest)

    def visit_TypeVar(self, node) -> None:
        self._bind(node.name)

    def visit_TypeVarTuple(self, node) -> None:
        self._bind(node.name)

    def visit_ParamSpec(self, node) -> None:
        self._bind(node.name)

    def visit_TypeAlias(self, node) -> None:
        self._bind(node.name)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.skip.add(id(node.attr))
        if isinstance(node.value, cst.Name):
            self.attr_base[node.value.value] += 1

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.skip.add(id(node.keyword))

    def visit_Import(self, node: cst.Import) -> bool:
        for alias in node.names:
            dotted = _dotted(alias.name)
            bound = _asname(alias) or dotted.split(".")[0]
            if dotted == "asyncio" or (dotted.startswith("asyncio.") and _asname(alias) is None):
                self.asyncio_binds[bound] += 1
            else:
                self.any[bound] += 1
                self.binds[bound] += 1
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        module = _dotted(node.module) if node.module is not None else ""
        if isinstance(node.names, cst.ImportStar):
            return False
        for alias in node.names:
            name = _dotted(alias.name)
            bound = _asname(alias) or name
            self.any[bound] += 1
            self.binds[bound] += 1
            if module == "asyncio" and not node.relative:
                self.from_asyncio[bound] = name
        return False

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) not in self.skip:
            self.any[node.value] += 1
            if id(node) in self.binding:
                self.binds[node.value] += 1


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _asname(alias: cst.ImportAlias) -> Optional[str]:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return None


_BACKGROUND = re.compile(r"_background_tasks(?:_\d+)?\Z")


class ModuleFacts:
    """What the transforms need to know about the module, computed once per
    round, plus the module-level additions the accepted plans ask for."""

    def __init__(self, module: cst.Module, positions, parents):
        self.module = module
        self.positions = positions
        self.parents = parents
        names = _Names()
        module.visit(names)
        self.names = names
        self._function_names: Dict[int, _Names] = {}

    # -- asyncio --
    def _clean(self, name: str) -> bool:
        """Nothing but `import asyncio` binds `name` anywhere in the module."""
        return self.names.binds[name] == 0

    def top_level_asyncio_imports(self) -> Dict[str, int]:
        """Names bound by a module-level `import asyncio [as x]` -> statement index."""
        out: Dict[str, int] = {}
        for i, stmt in enumerate(self.module.body):
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Import):
                        for alias in small.names:
                            dotted = _dotted(alias.name)
                            if dotted == "asyncio" or (dotted.startswith("asyncio.") and _asname(alias) is None):
                                out.setdefault(_asname(alias) or "asyncio", i)
        return out

    def asyncio_name(self) -> Tuple[Optional[str], bool]:
        """(the name to write `NAME.sleep` with, whether `import asyncio` must
        be added); (None, False) when no name is safe to use."""
        existing = self.top_level_asyncio_imports()
        for name in sorted(existing, key=lambda n: (n != "asyncio", n)):
            if self._clean(name):
                return name, False
        if not existing and self._clean("asyncio"):
            # nothing else is called asyncio (a function-level `import asyncio`
            # may exist: a module-level one beside it is harmless)
            return "asyncio", True
        return None, False

    def from_asyncio_local(self, attr: str) -> Optional[str]:
        """The local name of `from asyncio import ATTR [as local]`, if any."""
        for local, name in self.names.from_asyncio.items():
            if name == attr:
                return local
        return None

    # -- names --
    def is_free(self, name: str) -> bool:
        return self.names.any[name] == 0 and self.names.asyncio_binds[name] == 0 and self.names.attr_base[name] == 0

    def fresh_name(self, base: str, scope: Optional[cst.CSTNode] = None) -> str:
        """`base`, or `base_1`, `base_2`... not used in `scope` (a function:
        its locals cannot clash) or anywhere in the module (no scope)."""
        used = self._scope_names(scope) if scope is not None else None
        for i in range(1000):
            candidate = base if i == 0 else f"{base}_{i}"
            if used is not None:
                if candidate not in used:
                    return candidate
            elif self.is_free(candidate):
                return candidate
        raise RuntimeError("no free name")  # pragma: no cover

    def _scope_collector(self, scope: cst.CSTNode) -> _Names:
        key = id(scope)
        if key not in self._function_names:
            collector = _Names()
            scope.visit(collector)
            self._function_names[key] = collector
        return self._function_names[key]

    def _scope_names(self, scope: cst.CSTNode) -> Set[str]:
        c = self._scope_collector(scope)
        return set(c.any) | set(c.asyncio_binds) | set(c.attr_base)

    def rebinds(self, scope: cst.CSTNode, name: str) -> bool:
        """`scope` (a function, with what it nests) binds `name` itself."""
        c = self._scope_collector(scope)
        return c.asyncio_binds[name] > 0 or c.binds[name] > 0

    def background_set(self) -> Tuple[str, bool]:
        """(name, exists): a module-level `NAME = set()` made by an earlier
        fix, or a fresh name for one."""
        for stmt in self.module.body:
            if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
                small = stmt.body[0]
                target = value = None
                if isinstance(small, cst.AnnAssign):
                    target, value = small.target, small.value
                elif isinstance(small, cst.Assign) and len(small.targets) == 1:
                    target, value = small.targets[0].target, small.value
                if isinstance(target, cst.Name) and _BACKGROUND.match(target.value) and _is_empty_set(value):
                    return target.value, True
        return self.fresh_name("_background_tasks"), False

    # -- tree --
    def parent(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        return self.parents.get(node)

    def ancestors(self, node: cst.CSTNode) -> Iterator[Tuple[cst.CSTNode, cst.CSTNode]]:
        """(ancestor, the child of it on the way up) from the innermost out."""
        child = node
        parent = self.parents.get(child)
        while parent is not None:
            yield parent, child
            child, parent = parent, self.parents.get(parent)

    def top_level_index(self, node: cst.CSTNode) -> Optional[int]:
        for ancestor, child in self.ancestors(node):
            if isinstance(ancestor, cst.Module):
                for i, stmt in enumerate(ancestor.body):
                    if stmt is child:
                        return i
        return None


def _is_empty_set(value) -> bool:
    return isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value == "set" \
        and not value.args
