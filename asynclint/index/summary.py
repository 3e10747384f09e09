"""Phase 1 of the index: a plain-data summary of one module.

Built from the statements of a parsed module (not its expressions: that is
the engine walk's job) so it costs a fraction of the check. Everything here is
picklable and cached with the file's findings.
"""
from __future__ import annotations

import ast
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from .modules import resolve_relative

Sym = Optional[tuple]


class _Compact:
    """Pickled as a tuple of field values, empty lists and dicts as None
    (most of them are empty): a summary travels from every worker to the
    parent and into the cache, and a record of field names per object
    would be most of its size and of the parent's time to load it."""

    __slots__ = ()
    _FIELDS: Tuple[str, ...] = ()
    _CONTAINERS: Tuple[Tuple[int, type], ...] = ()  # (position, list or dict)

    def __getstate__(self):
        values = [getattr(self, f) for f in self._FIELDS]
        for i, _kind in self._CONTAINERS:
            if not values[i]:
                values[i] = None
        return tuple(values)

    def __setstate__(self, state) -> None:
        if isinstance(state, dict):  # the plain form
            state = [state[f] for f in self._FIELDS]
        values = list(state)
        for i, kind in self._CONTAINERS:
            if values[i] is None:
                values[i] = kind()
        for name, value in zip(self._FIELDS, values):
            setattr(self, name, value)


def _compact(cls):
    """Fill in the field order and the container fields of a dataclass."""
    import dataclasses
    fs = dataclasses.fields(cls)
    cls._FIELDS = tuple(f.name for f in fs)
    cls._CONTAINERS = tuple((i, f.default_factory) for i, f in enumerate(fs)
                            if f.default_factory in (list, dict))
    return cls


@_compact
@dataclass(slots=True)
class FunctionInfo(_Compact):
    qualname: str
    is_async: bool
    lineno: int
    col: int
    decorators: List[Sym] = field(default_factory=list)
    returns: Sym = None  # symbol of the return annotation
    params: List[Tuple[str, Sym]] = field(default_factory=list)
    is_generator: bool = False
    # Filled by the engine walk for cross-function analyses: (Sym, line, col)
    calls: List[Tuple[Sym, int, int]] = field(default_factory=list)
    # Filled by the AIO2 rules' walk: calls that do not block given their
    # arguments (`lock.acquire(blocking=False)`), as (line, col), and line
    # ranges whose calls the transitive blocking summary does not count
    # (`if TYPE_CHECKING:` bodies; branches on a parameter's type).
    quiet_calls: List[Tuple[int, int]] = field(default_factory=list)
    uncounted_lines: List[Tuple[int, int]] = field(default_factory=list)
    # Line ranges of one-time work (index/once.py: the body of a lazy
    # initialisation), uncounted unless `blocking-at-startup = true`.
    once_lines: List[Tuple[int, int]] = field(default_factory=list)
    # Line ranges that run only while a debug flag is on (index/debug_flags.py),
    # uncounted unless `blocking-in-debug-code = true`.
    debug_lines: List[Tuple[int, int]] = field(default_factory=list)
    # Line ranges of `if` statements whose test checks which thread runs
    # (`threading.get_ident()`, `current_thread()`, ...): code that already
    # tells threads apart, which thread-context propagation does not enter.
    thread_checked_lines: List[Tuple[int, int]] = field(default_factory=list)
    # Filled by the engine walk: what the function returns when it is plain
    # enough to follow: ("local", qualname) a def nested in it, ("param", name)
    # one of its parameters (a decorator returning the function, `return
    # self`), ("value", Sym) a value with a symbol, ("value?", Sym) that or
    # None, ("none",) only None, ("locals", q1, q2, ...) one of several nested
    # defs, ("mixed",) anything else.
    # None: no value returned.
    returns_value: Optional[tuple] = None
    # The same qualname is defined more than once (version branches, try/except
    # fallbacks) with different async-ness: which one runs is not known.
    ambiguous: bool = False


@_compact
@dataclass(slots=True)
class ClassInfo(_Compact):
    qualname: str
    lineno: int
    bases: List[Sym] = field(default_factory=list)
    methods: Dict[str, str] = field(default_factory=dict)  # name -> function qualname
    attrs: Dict[str, Sym] = field(default_factory=dict)  # instance/class attribute types


@_compact
@dataclass(slots=True)
class ModuleSummary(_Compact):
    name: str
    path: str
    is_package: bool
    bindings: Dict[str, Sym] = field(default_factory=dict)  # module-level names
    all_names: Optional[List[str]] = None  # __all__, when literal
    star_imports: List[str] = field(default_factory=list)
    functions: Dict[str, FunctionInfo] = field(default_factory=dict)
    classes: Dict[str, ClassInfo] = field(default_factory=dict)
    runs_loop: bool = False  # calls asyncio.run / run_until_complete / run_forever
    # Places that hand a callable to another thread (asynclint.index.threads).
    thread_entries: List[tuple] = field(default_factory=list)
    # Module-level names bound to different things in conditional code
    # (`try: from fast import f` / `except ImportError: async def f()`).
    ambiguous: List[str] = field(default_factory=list)
    # Per async method: which `self` locks it acquires and which `self`
    # coroutines it awaits (filled and read by `asynclint.index.locks`).
    lock_facts: Dict[str, tuple] = field(default_factory=dict)


def child_prefix(kind: str, qualname: str) -> str:
    """How names defined inside a scope are qualified (as `__qualname__`
    does): nothing at module level, "C." in a class body, "f.<locals>." in a
    function or lambda. The one place this rule is written."""
    if kind == "module":
        return ""
    if kind == "class":
        return qualname + "."
    return qualname + ".<locals>."


def import_bindings(node: ast.AST, module: str, is_package: bool) -> List[Tuple[str, Sym]]:
    """Names an import statement binds, as symbols."""
    out: List[Tuple[str, Sym]] = []
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                out.append((alias.asname, ("module", alias.name)))
            else:
                top = alias.name.split(".", 1)[0]
                out.append((top, ("module", top)))
    elif isinstance(node, ast.ImportFrom):
        target = resolve_relative(module, is_package, node.level or 0, node.module)
        for alias in node.names:
            if alias.name == "*":
                continue
            sym = ("global", target, alias.name) if target else None
            out.append((alias.asname or alias.name, sym))
    return out


def star_target(node: ast.ImportFrom, module: str, is_package: bool) -> Optional[str]:
    if any(a.name == "*" for a in node.names):
        return resolve_relative(module, is_package, node.level or 0, node.module)
    return None


_Name, _Attribute, _Call = ast.Name, ast.Attribute, ast.Call
_NAME_OR_ATTRIBUTE = frozenset({ast.Name, ast.Attribute})


class SymbolBuilder:
    """Turns expressions into symbols given a name lookup."""

    def __init__(self, lookup):
        self.lookup = lookup  # name -> Sym

    def expr(self, node: ast.AST, depth: int = 0) -> Sym:
        if depth > 50:  # pathological attribute chains: give up quietly
            return None
        t = type(node)
        if t is _Name:
            return self.lookup(node.id)
        if t is _Attribute:
            base = self.expr(node.value, depth + 1)
            return ("attr", base, node.attr) if base is not None else None
        if t is _Call:
            func = self.expr(node.func, depth + 1)
            return ("call", func) if func is not None else None
        if t is ast.Await:
            inner = self.expr(node.value, depth + 1)
            return ("await", inner) if inner is not None else None
        if t is ast.Subscript and type(node.value) in _NAME_OR_ATTRIBUTE:
            base = self.expr(node.value, depth + 1)  # `Store[dict]`: the class, if it is one
            return ("generic", base) if base is not None else None
        if t is ast.BinOp and type(node.op) is ast.Div:
            # `base / "x"` calls the left operand's `__truediv__`: a `Path`
            # joined with `/` is still a `Path` (knowledge.blocking.RETURNS)
            left = self.expr(node.left, depth + 1)
            return ("call", ("attr", left, "__truediv__")) if left is not None else None
        return None

    def annotation(self, node: Optional[ast.AST]) -> Sym:
        """Symbol for the instance an annotation describes (`X`, `Optional[X]`,
        `X | None`, `"X"`); None when it is anything else."""
        if node is None:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            node = parse_string_annotation(node.value)
            if node is None:
                return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            left, right = node.left, node.right
            if _is_none(right):
                return _maybe_none(self.annotation(left))
            if _is_none(left):
                return _maybe_none(self.annotation(right))
            return self._union([left, right])
        if isinstance(node, ast.Subscript):
            outer = self.expr(node.value)
            name = _typing_name(outer)
            if name == "Optional":
                return _maybe_none(self.annotation(node.slice))
            if name == "Union":
                items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
                union = self._union([e for e in items if not _is_none(e)])
                return _maybe_none(union) if any(_is_none(e) for e in items) else union
            if name == "Annotated" and isinstance(node.slice, ast.Tuple) and node.slice.elts:
                return self.annotation(node.slice.elts[0])
            if name in ("Coroutine", "CoroutineType"):
                return ("inst", outer)  # a coroutine object
            if name in ("IO", "BinaryIO", "TextIO"):
                return ("inst", outer)  # `IO[str]`: a file object
            if name == "Callable" and isinstance(node.slice, ast.Tuple) and len(node.slice.elts) == 2:
                returned = self.annotation(node.slice.elts[1])
                return ("callable", returned) if returned is not None else None
            if name is not None or outer is None or outer[0] == "builtin":
                return None  # typing/builtin generics: containers, callables
            return ("inst", outer)  # `Client[T]`: an instance of the generic class
        cls = self.expr(node)
        return ("inst", cls) if cls is not None else None

    def _union(self, items) -> Sym:
        """`A | B`, `Union[A, B]`: a union of instances (the engine binds it;
        phase 2 says "coroutine" only when every member agrees)."""
        syms = []
        for item in items:
            sym = self.annotation(item)
            if sym is None:
                return None
            if sym not in syms:
                syms.append(sym)
        if not syms or len(syms) > 4:
            return None
        return syms[0] if len(syms) == 1 else ("union", tuple(syms))


def _maybe_none(sym: Sym) -> Sym:
    """`Coroutine[...] | None` stays marked optional ("optional", sym): a
    truth test of it is a None check, not a forgotten `await`. Instances
    or None are used as the instance, so other types drop the None."""
    if sym is not None and sym[0] == "inst" and _typing_name(sym[1]) in ("Coroutine", "CoroutineType"):
        return ("optional", sym)
    return sym


def _generic_origin(node: ast.AST) -> ast.AST:
    """`Base[T]` in a class's bases is the class `Base`."""
    return node.value if isinstance(node, ast.Subscript) else node


_TYPING_MODULES = frozenset({"typing", "typing_extensions", "collections.abc", "builtins"})


def _typing_name(sym: Sym) -> Optional[str]:
    """"Optional" for `typing.Optional` / `from typing import Optional`, etc."""
    if sym is None:
        return None
    if sym[0] == "global" and sym[1] in _TYPING_MODULES:
        return sym[2]
    if sym[0] == "attr" and sym[1] is not None and sym[1][0] == "module" and sym[1][1] in _TYPING_MODULES:
        return sym[2]
    return None


@lru_cache(maxsize=4096)
def parse_string_annotation(text: str) -> Optional[ast.expr]:
    """The expression a string annotation (`"Client | None"`) holds; None if
    it does not parse. Cached: the same strings recur across a project, and
    callers only read the returned nodes."""
    try:
        return ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def summarise(tree: ast.Module, module: str, path: str, is_package: bool) -> ModuleSummary:
    summary = ModuleSummary(name=module, path=path, is_package=is_package)
    bindings = summary.bindings
    builder = SymbolBuilder(lambda name: bindings.get(name, ("global", module, name)))

    annotation, expr = builder.annotation, builder.expr

    def add_function(node, prefix: str, class_info: Optional[ClassInfo]) -> FunctionInfo:
        qual = prefix + node.name
        args = node.args
        # (most parameters have no annotation: no call for them)
        params = [(a.arg, None if a.annotation is None else annotation(a.annotation))
                  for a in (*args.posonlyargs, *args.args)]
        if args.vararg is not None or args.kwonlyargs:
            # a '*' entry ends the positional parameters: a call's extra
            # positional arguments go to `*args`, never to a keyword-only one
            star = args.vararg
            params.append(("*" + (star.arg if star else ""), annotation(star.annotation) if star else None))
        params += [(a.arg, None if a.annotation is None else annotation(a.annotation)) for a in args.kwonlyargs]
        returns = node.returns
        info = FunctionInfo(
            qualname=qual,
            is_async=type(node) is ast.AsyncFunctionDef,
            lineno=node.lineno,
            col=node.col_offset,
            decorators=[expr(d) for d in node.decorator_list] if node.decorator_list else [],
            returns=None if returns is None else annotation(returns),
            params=params,
        )
        previous = summary.functions.get(qual)
        if previous is not None and (previous.is_async != info.is_async or previous.ambiguous):
            info.ambiguous = True
        summary.functions[qual] = info
        if class_info is not None:
            class_info.methods[node.name] = qual
        return info

    conditional = [0]  # depth of if/try/with/loop blocks around top-level code
    seen: Dict[str, Sym] = {}
    ambiguous = set()

    def note(name: str, sym: Sym) -> None:
        if name in seen and seen[name] != sym and conditional[0]:
            ambiguous.add(name)
        seen[name] = sym

    def visit_body(body, prefix: str, class_info: Optional[ClassInfo], top: bool) -> None:
        # the statements `visit_stmt` does nothing with, skipped without a call:
        # most of a function body
        skip = _SKIP_AT_TOP if top else _SKIP_IN_CLASS if class_info is not None else _SKIP_IN_FUNCTION
        kinds = _STMT_KINDS
        for stmt in body:
            kind = kinds.get(type(stmt))
            if kind is None:
                kind = _stmt_kind(type(stmt))
            if kind not in skip:
                visit_stmt(stmt, kind, prefix, class_info, top)

    def type_params(stmt) -> None:
        # PEP 695: `class Entity[T: Coordinator]` -- T stands for its bound
        for param in getattr(stmt, "type_params", None) or ():
            bound = getattr(param, "bound", None)
            if bound is not None and type(param).__name__ == "TypeVar":
                sym = builder.annotation(bound)
                if sym is not None and sym[0] == "inst":
                    bindings.setdefault(param.name, ("typevar", sym[1]))

    def visit_stmt(stmt, kind: int, prefix, class_info, top) -> None:
        # `kind`: the statement's `_STMT_KINDS` entry, one branch each
        if kind is _FUNCTION:
            type_params(stmt)
            add_function(stmt, prefix, class_info)
            if top:
                bindings[stmt.name] = ("global", module, prefix + stmt.name)
                note(stmt.name, ("def", stmt.lineno))
            visit_body(stmt.body, child_prefix("function", prefix + stmt.name), None, False)
        elif kind is _ASSIGN:
            if not top and class_info is None:
                return  # in a function body: nothing to record
            targets = stmt.targets if type(stmt) is ast.Assign else [stmt.target]
            value = stmt.value
            for target in targets:
                if type(target) is ast.Name:
                    if top and target.id == "__all__":
                        summary.all_names = _literal_names(value)
                        continue
                    sym = _assigned_sym(builder, stmt, value)
                    if top:
                        bindings[target.id] = sym if sym is not None else ("opaque", module, target.id)
                    elif class_info is not None and sym is not None:
                        class_info.attrs[target.id] = sym
        elif kind is _BLOCK:
            conditional[0] += 1
            for name in _BLOCK_FIELDS[type(stmt)]:
                visit_body(getattr(stmt, name, ()), prefix, class_info, top)
            for handler in getattr(stmt, "handlers", ()):
                visit_body(handler.body, prefix, class_info, top)
            conditional[0] -= 1
        elif kind is _IMPORT:
            if top:
                for name, sym in import_bindings(stmt, module, is_package):
                    bindings[name] = sym
                    note(name, sym)
                if type(stmt) is ast.ImportFrom:
                    star = star_target(stmt, module, is_package)
                    if star:
                        summary.star_imports.append(star)
        elif kind is _CLASS:
            type_params(stmt)
            qual = prefix + stmt.name
            info = ClassInfo(qualname=qual, lineno=stmt.lineno, bases=[builder.expr(_generic_origin(b)) for b in stmt.bases])
            summary.classes[qual] = info
            if top:
                bindings[stmt.name] = ("global", module, qual)
            visit_body(stmt.body, child_prefix("class", qual), info, False)
        elif kind is _ALIAS and top:  # `type Alias = Client[int]`
            name = getattr(stmt.name, "id", None)
            if name:
                sym = builder.expr(stmt.value)
                bindings[name] = sym if sym is not None else ("opaque", module, name)

    visit_body(tree.body, "", None, True)
    summary.ambiguous = sorted(ambiguous)
    visit_body = visit_stmt = None  # noqa: F811  the closures refer to each other: a cycle to break, not to collect
    return summary


# What `summarise` does with a statement, by type (its `isinstance` tests,
# kept per type): it records module-level aliases, imports and assignments,
# class-level assignments, and every def and class, and looks into blocks.
_OTHER, _ALIAS, _FUNCTION, _CLASS, _IMPORT, _ASSIGN, _BLOCK = range(7)
_STMT_KINDS: Dict[type, int] = {}
_SKIP_AT_TOP = frozenset({_OTHER})
_SKIP_IN_CLASS = frozenset({_OTHER, _ALIAS, _IMPORT})
_SKIP_IN_FUNCTION = frozenset({_OTHER, _ALIAS, _IMPORT, _ASSIGN})
# The statement lists of a block that `summarise` looks into, in its order
# (then the handlers' bodies).
_BLOCK_FIELDS: Dict[type, tuple] = {}


def _stmt_kind(t: type) -> int:
    if t.__name__ == "TypeAlias":
        kind = _ALIAS
    elif issubclass(t, (ast.FunctionDef, ast.AsyncFunctionDef)):
        kind = _FUNCTION
    elif issubclass(t, ast.ClassDef):
        kind = _CLASS
    elif issubclass(t, (ast.Import, ast.ImportFrom)):
        kind = _IMPORT
    elif issubclass(t, (ast.Assign, ast.AnnAssign)):
        kind = _ASSIGN
    elif issubclass(t, (ast.If, ast.Try, ast.With, ast.For, ast.While)) or t.__name__ == "TryStar":
        kind = _BLOCK
        _BLOCK_FIELDS[t] = tuple(f for f in ("body", "orelse", "finalbody") if f in t._fields)
    else:
        kind = _OTHER
    _STMT_KINDS[t] = kind
    return kind


def _assigned_sym(builder: SymbolBuilder, stmt: ast.AST, value: Optional[ast.AST]) -> Sym:
    if isinstance(stmt, ast.AnnAssign):
        annotated = builder.annotation(stmt.annotation)
        if annotated is not None:
            return annotated
    if isinstance(value, ast.Subscript) and _typing_name(builder.expr(value.value)) in ("Union", "Optional"):
        return builder.annotation(value)  # a type alias: `Channel = Union[Voice, Stage]`
    if isinstance(value, ast.Call) and _typing_name(builder.expr(value.func)) == "TypeVar":
        for kw in value.keywords:  # T = TypeVar("T", bound=Client): T stands for Client
            if kw.arg == "bound":
                bound = builder.annotation(kw.value)
                if bound is not None and bound[0] == "inst":
                    return ("typevar", bound[1])
        return None
    return builder.expr(value) if value is not None else None


def _literal_names(node: Optional[ast.AST]) -> Optional[List[str]]:
    if isinstance(node, (ast.List, ast.Tuple)):
        names = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        if len(names) == len(node.elts):
            return names
    return None


def dotted(sym: Sym) -> Optional[str]:
    """"asyncio.create_task" for module/global/attr chains; None otherwise."""
    if sym is None:
        return None
    kind = sym[0]
    if kind == "module":
        return sym[1]
    if kind == "global":
        return f"{sym[1]}.{sym[2]}"
    if kind == "builtin":
        return f"builtins.{sym[1]}"
    if kind == "attr":
        base = dotted(sym[1])
        return f"{base}.{sym[2]}" if base else None
    return None
