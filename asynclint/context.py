"""What a rule sees while the engine walks a file.

The engine owns the scope stack and the ancestors of the current node; rules
read them through `Context` and report through it. Findings that need the
whole project (phase 2) are reported with `report_if(query, ...)`: the query is
plain data that `asynclint.index.project.ProjectIndex` answers once every file
has been summarised.
"""
from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from . import noqa
from .diagnostics import Diagnostic, Fix
from .index.nodes import parent_of
from .index.summary import FunctionInfo, ModuleSummary, Sym, SymbolBuilder, import_bindings
from .index.summary import dotted  # noqa: F401  re-exported: rules read it from here
from .positions import char_col

_BUILTINS = frozenset(dir(builtins))
_UNSET = object()


@dataclass(eq=False)  # one object per scope: compared by identity (`scopes.index(fn)` was a field-by-field compare)
class Scope:
    kind: str  # "module", "class", "function", "lambda"
    node: ast.AST
    qualname: str  # "" for the module; "C", "f", "f.<locals>.g"
    is_async: bool = False
    bindings: Dict[str, Sym] = field(default_factory=dict)
    state: Dict[str, Any] = field(default_factory=dict)  # per-rule scratch, keyed by rule code
    info: Optional[FunctionInfo] = None  # the summary entry of a def
    # Names read (or deleted, or declared global/nonlocal) in this scope and
    # in the scopes nested in it, complete when the scope is left.
    loads: set = field(default_factory=set)
    class_sym: Sym = None  # for a class scope: the class itself


@dataclass
class Pending:
    """A finding that holds only if the project index answers `query`."""

    code: str
    line: int
    col: int
    end_line: Optional[int]
    end_col: Optional[int]
    fields: Dict[str, Any]
    query: tuple
    fix: Optional[Fix] = None


def _code_of(rule) -> str:
    return rule.code


class Context:
    def __init__(self, path: str, lines: List[str], summary: ModuleSummary, options, rules_by_code,
                 text: Optional[str] = None):
        self.path = path
        self.lines = lines
        self.module = summary
        self.options = options
        self.rules = rules_by_code
        self.node: Optional[ast.AST] = None  # the node being visited
        self.scopes: List[Scope] = []
        self.diagnostics: List[Diagnostic] = []
        self.pendings: List[Pending] = []
        self.current_rule = None
        self.honour_noqa = True  # False when flake8 applies `# noqa` itself
        self.noqa_used: set = set()  # (line of the noqa, code) it silenced: for AIO003
        self._noqa_lines: Optional[frozenset] = None  # lines that may hold a suppression, found on first use
        self._symbols = SymbolBuilder(self.lookup)
        # `symbol(node)` answers since the bindings or the scope stack last
        # changed: a call's callee is asked for by the walk and by several
        # rules in turn. Emptied by every bind, push and pop.
        self._symbol_memo: Dict[ast.AST, Sym] = {}
        # `lookup(name)` answers, valid as long as the scope stack is: a
        # bind changes only its own name's answer. Most names looked up
        # (`self`, the module's imports) are looked up again and again.
        self._lookup_memo: Dict[str, Sym] = {}
        self._functions: List[Scope] = []  # the def and lambda scopes among `scopes`
        self._queries: Dict[tuple, tuple] = {}
        self._positioned: Optional[ast.AST] = None  # the last node `_position` was asked for
        # `text()`: given by a caller that has it (it must be the lines
        # joined with "\n"), else made when first asked
        self._text: Optional[str] = text
        self._position_found: tuple = ()
        # id(words) -> (words, whether the text spells any): `rules/_text.mentions`
        self.mentioned: Dict[int, tuple] = {}
        self.interned: Dict[tuple, tuple] = {}  # one object per distinct symbol the summary records
        self.function: Optional[Scope] = None
        self.in_async = False
        # The tree was not compiled (`parsing.parse_unchecked`): the walk
        # notes whether the compiler may reject it (`compiler_errors`).
        self.compile_pending = False
        self.compile_suspect = False
        # identifier -> the rules (`Rule.watched_names_only`) its `Name`
        # nodes reach, in code order
        self.watched_names: Dict[str, list] = {}

    def close(self) -> None:
        """Drop what ties the context into reference cycles (the symbol
        builder calls back into `lookup`) and what points into the tree, so
        the file's data is freed by reference counting when the walk is done."""
        self._symbols = None
        self._symbol_memo = {}
        self._lookup_memo = {}
        self.scopes = []
        self._functions = []
        self.function = None
        self.node = None
        self._positioned = None

    def text(self) -> str:
        """The file's text (its lines joined), made once per file: rules and
        index helpers test it for words before doing work."""
        text = self._text
        if text is None:
            text = self._text = "\n".join(self.lines)
        return text

    def watch_name(self, rule, name: str) -> None:
        """From now on, `Name` nodes spelling `name` reach `rule` (one that
        sees only the names it asked for, `Rule.watched_names_only`)."""
        rules = self.watched_names.get(name)
        if rules is None:
            self.watched_names[name] = [rule]
        elif rule not in rules:
            rules.append(rule)
            rules.sort(key=_code_of)

    # -- scopes -----------------------------------------------------------
    @property
    def scope(self) -> Scope:
        return self.scopes[-1]

    # `function` (the innermost def or lambda scope, None at module or class
    # level) and `in_async` (the code runs in the body of an `async def`, not
    # in a nested sync def or lambda) are plain attributes the walk keeps
    # up to date as it enters and leaves scopes: rules read them for nearly
    # every node, so they are not re-derived from the scope stack each time.

    def push_scope(self, scope: Scope) -> None:
        self._symbol_memo.clear()
        self._lookup_memo.clear()
        self.scopes.append(scope)
        if scope.kind == "function" or scope.kind == "lambda":
            self._functions.append(scope)
            self.function = scope
            self.in_async = scope.is_async

    def pop_scope(self) -> Scope:
        self._symbol_memo.clear()
        self._lookup_memo.clear()
        scope = self.scopes.pop()
        if scope is self.function:
            functions = self._functions
            functions.pop()
            fn = self.function = functions[-1] if functions else None
            self.in_async = fn is not None and fn.is_async
        return scope

    # The parent link read in place (`parent_of` without its call): rules
    # ask for it at most nodes they check.
    @property
    def parent(self) -> Optional[ast.AST]:
        """The direct parent of the node being visited."""
        cell = getattr(self.node, "_al_parent", None)
        return cell[0] if cell else None

    @property
    def parents(self) -> List[ast.AST]:
        """Ancestors of the node being visited, outermost first."""
        chain = []
        node = parent_of(self.node)
        while node is not None:
            chain.append(node)
            node = parent_of(node)
        chain.reverse()
        return chain

    @property
    def statement(self) -> Optional[ast.stmt]:
        """The innermost statement containing the node being visited."""
        node = self.node
        stmt = ast.stmt
        while node is not None and not isinstance(node, stmt):
            node = parent_of(node)
        return node

    # -- symbols ----------------------------------------------------------
    def binding_scope(self, name: str) -> Optional[Scope]:
        """The function, lambda or class scope that binds `name` as seen from
        here, following Python's scoping (class bodies only for code directly
        in them); None when the name is the module's or unknown."""
        scopes = self.scopes
        if not scopes:
            return None
        scope = scopes[-1]
        if scope.kind == "module":
            return None
        if name in scope.bindings:
            return scope
        for i in range(len(scopes) - 2, -1, -1):
            scope = scopes[i]
            kind = scope.kind
            if kind == "module":
                return None
            if kind != "class" and name in scope.bindings:
                return scope
        return None

    def lookup(self, name: str) -> Sym:
        """Symbol a name refers to here: the binding scope's, else the
        module's, else a builtin."""
        memo = self._lookup_memo
        sym = memo.get(name, _UNSET)
        if sym is _UNSET:
            sym = memo[name] = self._lookup(name)
        return sym

    def _lookup(self, name: str) -> Sym:
        scope = self.binding_scope(name)
        if scope is not None:
            return scope.bindings[name]
        sym = self.module.bindings.get(name)
        if sym is not None or name in self.module.bindings:
            return sym
        if name in _BUILTINS:
            return ("builtin", name)
        return ("global", self.module.name, name)

    def symbol(self, node: ast.AST) -> Sym:
        memo = self._symbol_memo
        sym = memo.get(node, _UNSET)
        if sym is _UNSET:
            sym = memo[node] = self._symbols.expr(node)
        return sym

    def annotation_symbol(self, node: Optional[ast.AST]) -> Sym:
        return self._symbols.annotation(node)

    def bind(self, name: str, sym: Sym) -> None:
        self._symbol_memo.clear()
        self._lookup_memo.pop(name, None)
        self.scopes[-1].bindings[name] = sym

    def bind_import(self, node: ast.AST) -> None:
        for name, sym in import_bindings(node, self.module.name, self.module.is_package):
            self.bind(name, sym)

    def qualified_name(self, node: ast.AST) -> Optional[str]:
        """Dotted name an expression statically refers to, through imports and
        aliases (`aio.create_task` -> "asyncio.create_task"); None if unknown."""
        return dotted(self.symbol(node))

    # -- reporting --------------------------------------------------------
    def _position(self, node: ast.AST):
        """(line, col, end_line, end_col) of `node`, columns in characters
        (`char_col`, inlined for the usual ASCII line). Kept for the last
        node asked: rules report up to three pending queries at one call."""
        if node is self._positioned:
            return self._position_found
        lines = self.lines
        count = len(lines)
        line = getattr(node, "lineno", 1)
        col = getattr(node, "col_offset", 0)
        if 1 <= line <= count and not lines[line - 1].isascii():
            col = char_col(lines, line, col)
        else:
            col += 1
        end_line = getattr(node, "end_lineno", None)
        end_col = getattr(node, "end_col_offset", None)
        if end_line is not None and end_col is not None:
            if 1 <= end_line <= count and not lines[end_line - 1].isascii():
                end_col = char_col(lines, end_line, end_col)
            else:
                end_col += 1
        found = self._position_found = (line, col, end_line, end_col)
        self._positioned = node
        return found

    def suppressed(self, code: str, line: int) -> bool:
        if not self.honour_noqa:
            return False
        noqa_lines = self._noqa_lines
        if noqa_lines is None:
            noqa_lines = self._noqa_lines = _noqa_lines(self.text())
        if not noqa_lines:  # most files: no line to look at
            return False
        candidates = {line}
        statement = self.statement
        if statement is not None and getattr(statement, "lineno", line) <= line:
            candidates.add(statement.lineno)
        for ln in candidates:
            if ln in noqa_lines and 1 <= ln <= len(self.lines) and noqa.line_suppresses(
                    self.lines[ln - 1], code, foreign=getattr(self.options, "foreign_noqa", True)):
                self.noqa_used.add((ln, code))
                return True
        return False

    def report(self, node: ast.AST, fix: Optional[Fix] = None, rule=None, **fields) -> None:
        rule = rule or self.current_rule
        line, col, end_line, end_col = self._position(node)
        if self.suppressed(rule.code, line):
            return
        self.diagnostics.append(Diagnostic(
            path=self.path, line=line, col=col, end_line=end_line, end_col=end_col,
            code=rule.code, name=rule.name, message=rule.message.format(**fields),
            severity=rule.severity, fix=fix,
        ))

    def report_if(self, query: tuple, node: ast.AST, fix: Optional[Fix] = None, rule=None, **fields) -> None:
        """Report when the project index answers `query` (phase 2). The
        answer's fields are merged into the message fields."""
        rule = rule or self.current_rule
        line, col, end_line, end_col = self._position(node)
        if self.suppressed(rule.code, line):
            return
        try:  # one object per distinct query of the file: pickled once, answered once
            query = self._queries.setdefault(query, query)
        except TypeError:  # a query holding a list
            pass
        self.pendings.append(Pending(rule.code, line, col, end_line, end_col, fields, query, fix))


def _noqa_lines(text: str) -> frozenset:
    """The 1-based numbers of the lines of `text` (the file's lines joined,
    `Context.text()`) holding a suppression's marker in any case, "noqa" or
    ruff's "ignore[" (only they can silence a finding: `noqa.line_suppresses`):
    one search of the whole text per marker instead of one per finding and
    line."""
    text = text.lower()
    out = set()
    for marker in noqa.MARKERS:
        line, counted = 1, 0  # newlines counted from the last hit on, not from the start each time
        at = text.find(marker)
        while at != -1:
            line += text.count("\n", counted, at)
            counted = at
            out.add(line)
            at = text.find(marker, at + len(marker))
    return frozenset(out)

