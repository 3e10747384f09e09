"""One round of fixes on one module's text, with libcst.

`apply_fixes(text, diagnostics)` parses the text once, finds each finding's
Call by its position, asks the transform of the fix's kind for a `Plan`
(what to replace, and what the module needs: an `import asyncio`, the
background-task set, a name added to a `from` import), keeps the plans whose
source ranges do not overlap (the others wait for the next round, after a
re-check) and applies them in one pass. The result must parse again, or the
round is dropped.

Positions: diagnostics carry 1-based lines and 1-based *character* columns
(end exclusive); libcst's `PositionProvider` gives 0-based character columns
without the node's own parentheses, which is also where `ast` puts a Call.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Sequence, Set, Tuple

import libcst as cst
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider

from ..diagnostics import Diagnostic
from ..parsing import ParseFailure, parse as parse_python
from . import fix_kind

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


# -- module-level insertions -----------------------------------------------------
def _is_docstring(stmt: cst.CSTNode) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Expr) \
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))


def _is_import_line(stmt: cst.CSTNode, future: Optional[bool] = None) -> bool:
    if not isinstance(stmt, cst.SimpleStatementLine):
        return False
    for small in stmt.body:
        if isinstance(small, cst.ImportFrom):
            is_future = isinstance(small.module, cst.Name) and small.module.value == "__future__"
            if future is not None and is_future != future:
                return False
        elif isinstance(small, cst.Import):
            if future:
                return False
        else:
            return False
    return True


def _only_imports(block: cst.CSTNode) -> bool:
    """An `if`/`try` at module level whose every branch only imports (or passes)."""
    bodies = []
    if isinstance(block, cst.If):
        bodies.append(block.body)
        orelse = block.orelse
        while orelse is not None:
            bodies.append(orelse.body)
            orelse = orelse.orelse if isinstance(orelse, cst.If) else None
    elif isinstance(block, cst.Try):
        bodies.append(block.body)
        bodies += [h.body for h in block.handlers]
        if block.orelse is not None:
            bodies.append(block.orelse.body)
        if block.finalbody is not None:
            bodies.append(block.finalbody.body)
    else:
        return False
    for body in bodies:
        if not isinstance(body, cst.IndentedBlock):
            return False
        for stmt in body.body:
            if not isinstance(stmt, cst.SimpleStatementLine):
                return False
            if not all(isinstance(s, (cst.Import, cst.ImportFrom, cst.Pass)) for s in stmt.body):
                return False
    return True


def import_block_end(body: Sequence[cst.CSTNode]) -> int:
    """Index just after the module's leading docstring and imports."""
    i = 0
    if body and _is_docstring(body[0]):
        i = 1
    end = i
    while i < len(body) and (_is_import_line(body[i]) or _only_imports(body[i])):
        i += 1
        end = i
    return end


def _insert_import(body: List[cst.CSTNode]) -> Tuple[List[cst.CSTNode], int]:
    """`import asyncio` before the first (non-__future__) import, or after the
    docstring and __future__ imports when there is none. Returns the new body
    and the new statement's index."""
    i = 1 if body and _is_docstring(body[0]) else 0
    while i < len(body) and _is_import_line(body[i], future=True):
        i += 1
    new = cst.SimpleStatementLine(body=[cst.Import(names=[cst.ImportAlias(name=cst.Name("asyncio"))])])
    body = list(body)
    if i < len(body) and (_is_import_line(body[i]) or _only_imports(body[i])):
        # take over the first import's leading comments and blank lines
        new = new.with_changes(leading_lines=body[i].leading_lines)
        body[i] = body[i].with_changes(leading_lines=[])
    else:
        if i > 0:
            new = new.with_changes(leading_lines=[cst.EmptyLine()])
        if i < len(body) and not body[i].leading_lines:
            body[i] = body[i].with_changes(leading_lines=[cst.EmptyLine()])
    body.insert(i, new)
    return body, i


def _insert_background_set(body: List[cst.CSTNode], name: str, asyncio_name: str, after: int) -> List[cst.CSTNode]:
    stmt = cst.parse_statement(f"{name}: set[{asyncio_name}.Task] = set()\n")
    stmt = stmt.with_changes(leading_lines=[cst.EmptyLine()])
    body = list(body)
    at = max(import_block_end(body), after)
    if at < len(body) and not body[at].leading_lines:
        body[at] = body[at].with_changes(leading_lines=[cst.EmptyLine()])
    body.insert(at, stmt)
    return body


# -- applying ---------------------------------------------------------------------
class _Apply(cst.CSTTransformer):
    def __init__(self, plans: Sequence[Plan]):
        super().__init__()
        self.expr: Dict[int, cst.BaseExpression] = {}
        self.small: Dict[int, List[cst.BaseSmallStatement]] = {}
        self.imports: Dict[int, List[str]] = {}
        for plan in plans:
            if isinstance(plan.replacement, list):
                self.small[id(plan.target)] = plan.replacement
            else:
                self.expr[id(plan.target)] = plan.replacement
            for node, name in plan.from_import_additions:
                names = self.imports.setdefault(id(node), [])
                if name not in names:
                    names.append(name)

    def leave_Call(self, original_node, updated_node):
        return self.expr.get(id(original_node), updated_node)

    def leave_ImportFrom(self, original_node, updated_node):
        extra = self.imports.get(id(original_node))
        if not extra or isinstance(updated_node.names, cst.ImportStar):
            return updated_node
        names = list(updated_node.names)
        last_comma = names[-1].comma  # a trailing comma stays the trailing comma
        space = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        names[-1] = names[-1].with_changes(comma=space)
        for name in extra:
            names.append(cst.ImportAlias(name=cst.Name(name), comma=space))
        names[-1] = names[-1].with_changes(comma=last_comma)
        return updated_node.with_changes(names=names)

    def _replace_small(self, original_body, updated_body) -> Optional[List[cst.BaseSmallStatement]]:
        if not any(id(s) in self.small for s in original_body):
            return None
        out: List[cst.BaseSmallStatement] = []
        for orig, upd in zip(original_body, updated_body):
            new = self.small.get(id(orig))
            if new is None:
                out.append(upd)
                continue
            new = list(new)
            new = [s.with_changes(semicolon=cst.MaybeSentinel.DEFAULT) for s in new[:-1]] + \
                [new[-1].with_changes(semicolon=upd.semicolon)]
            out.extend(new)
        return out

    def leave_SimpleStatementLine(self, original_node, updated_node):
        if len(original_node.body) == 1 and id(original_node.body[0]) in self.small:
            new = self.small[id(original_node.body[0])]
            lines = [cst.SimpleStatementLine(body=[new[0]], leading_lines=updated_node.leading_lines,
                                             trailing_whitespace=updated_node.trailing_whitespace)]
            lines += [cst.SimpleStatementLine(body=[s]) for s in new[1:]]
            return cst.FlattenSentinel(lines)
        body = self._replace_small(original_node.body, updated_node.body)
        return updated_node if body is None else updated_node.with_changes(body=body)

    def leave_SimpleStatementSuite(self, original_node, updated_node):
        body = self._replace_small(original_node.body, updated_node.body)
        return updated_node if body is None else updated_node.with_changes(body=body)


def parse(text: str) -> Optional[cst.Module]:
    """The libcst module, or None when libcst cannot parse the text exactly."""
    try:
        module = cst.parse_module(text)
    except Exception:
        return None
    return module if module.code == text else None


def _locate(diagnostic: Diagnostic, calls: Dict[tuple, List[cst.Call]], starts: Dict[tuple, List[cst.Call]]) -> Optional[cst.Call]:
    if diagnostic.end_line is not None and diagnostic.end_col is not None:
        found = calls.get((diagnostic.line, diagnostic.col, diagnostic.end_line, diagnostic.end_col), [])
    else:
        found = starts.get((diagnostic.line, diagnostic.col), [])
    return found[0] if len(found) == 1 else None


@dataclass
class RoundResult:
    text: str
    applied: List[Diagnostic] = field(default_factory=list)
    declined: List[Diagnostic] = field(default_factory=list)  # the transform said no (or no node found)


def apply_fixes(text: str, diagnostics: Sequence[Diagnostic]) -> RoundResult:
    """One round: apply every fix of `diagnostics` whose range overlaps no
    other accepted fix. The caller decides which diagnostics may be fixed."""
    from .transforms import TRANSFORMS, Site

    module = parse(text)
    if module is None:
        return RoundResult(text)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    metadata = wrapper.resolve_many([PositionProvider, ParentNodeProvider])  # one walk for both
    positions, parents = metadata[PositionProvider], metadata[ParentNodeProvider]
    calls: Dict[tuple, List[cst.Call]] = {}
    starts: Dict[tuple, List[cst.Call]] = {}
    for node, pos in positions.items():
        if isinstance(node, cst.Call):
            calls.setdefault((pos.start.line, pos.start.column + 1, pos.end.line, pos.end.column + 1), []).append(node)
            starts.setdefault((pos.start.line, pos.start.column + 1), []).append(node)
    facts = ModuleFacts(module, positions, parents)

    plans: List[Plan] = []
    declined: List[Diagnostic] = []
    for diagnostic in diagnostics:
        kind = fix_kind(diagnostic)
        call = _locate(diagnostic, calls, starts) if kind else None
        plan = None
        if call is not None:
            try:
                plan = TRANSFORMS[kind](Site(call, diagnostic, facts))
            except Exception:  # a transform that cannot cope declines; the file stays intact
                plan = None
        if plan is None:
            declined.append(diagnostic)
            continue
        pos = positions[plan.target]
        plan.start, plan.end = (pos.start.line, pos.start.column), (pos.end.line, pos.end.column)
        plans.append(plan)

    accepted: List[Plan] = []
    for plan in sorted(plans, key=lambda p: (p.start, (-p.end[0], -p.end[1]))):
        if accepted and plan.start < max(p.end for p in accepted):
            continue  # overlaps: next round
        accepted.append(plan)
    if not accepted:
        return RoundResult(text, declined=declined)

    new_text = _render(module, facts, accepted)
    if new_text is None:
        # some plan breaks the code (a transform's blind spot): keep the ones
        # that are fine on their own, and only if they are fine together
        good = [p for p in accepted if _render(module, facts, [p]) is not None]
        declined += [p.diagnostic for p in accepted if p not in good]
        accepted = good
        new_text = _render(module, facts, accepted) if accepted else None
        if new_text is None:
            return RoundResult(text, declined=list(diagnostics))
    return RoundResult(new_text, [p.diagnostic for p in accepted], declined)


def _render(module: cst.Module, facts: ModuleFacts, plans: Sequence[Plan]) -> Optional[str]:
    """The module's code with `plans` applied, or None if it does not parse."""
    new_module = _module_additions(module.visit(_Apply(plans)), facts, plans)
    new_text = new_module.code
    try:
        parse_python(new_text, "<fixed>")  # as the engine parses (newer syntax included)
    except ParseFailure:
        return None
    return new_text


def _module_additions(module: cst.Module, facts: ModuleFacts, plans: Sequence[Plan]) -> cst.Module:
    body = list(module.body)
    asyncio_name, must_import = facts.asyncio_name()
    import_at: Optional[int] = None
    if must_import and any(p.needs_asyncio for p in plans):
        body, import_at = _insert_import(body)
    sets = sorted({p.background_set for p in plans if p.background_set})
    for name in sets:
        if name == facts.background_set()[0] and facts.background_set()[1]:
            continue  # already there
        if import_at is not None:
            after = import_at + 1
        else:
            after = facts.top_level_asyncio_imports().get(asyncio_name, -1) + 1
        body = _insert_background_set(body, name, asyncio_name, after)
    if body == list(module.body):
        return module
    return module.with_changes(body=body)
