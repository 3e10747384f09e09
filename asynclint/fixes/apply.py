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

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import libcst as cst
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider

from ..diagnostics import Diagnostic
from ..parsing import ParseFailure, parse as parse_python
from . import fix_kind
from .module_facts import ModuleFacts, Plan

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
