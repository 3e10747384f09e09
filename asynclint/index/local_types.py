"""Recognising asyncio objects from what one file shows (phase 1).

Small, precise predicates shared by rules: they say yes only on evidence
(a factory call, a conventional name, an annotation, every assignment of a
local or `self` attribute agreeing) and no otherwise. They read the walk's
context (`ctx`) but never import it: the index sits below the walk.
"""
from __future__ import annotations

import ast
import re

from typing import TYPE_CHECKING

from ..knowledge.loops import LOOP_FACTORIES, LOOP_NAMES
from ..knowledge.threads import FUTURE_CLASSES, FUTURE_FACTORIES, LOOP_BOUND_COROUTINE_METHODS, PRIMITIVE_METHODS
from . import nodes
from .summary import dotted, parse_string_annotation

if TYPE_CHECKING:  # the walk's context; index modules do not import it at run time
    from ..context import Context


def is_event_loop(ctx: Context, node: ast.AST) -> bool:
    """`asyncio.get_running_loop()`, a name bound to one, or a name/attribute
    called loop/_loop/event_loop."""
    if isinstance(node, ast.Call):
        return dotted(ctx.symbol(node.func)) in LOOP_FACTORIES
    sym = ctx.symbol(node)
    if sym is not None and sym[0] == "call" and dotted(sym[1]) in LOOP_FACTORIES:
        return True
    if isinstance(node, ast.Name):
        return node.id in LOOP_NAMES
    if isinstance(node, ast.Attribute):
        return node.attr in LOOP_NAMES
    return False


# -- asyncio futures and primitives (for the AIO3 rules) ----------------------
# Evidence only: a factory call, an annotation, or every assignment of a
# local / `self.attr` in this file agreeing.

def is_asyncio_future(ctx: Context, node: ast.AST) -> bool:
    """An `asyncio.Future` or `asyncio.Task` (not a concurrent.futures one)."""
    return asyncio_class(ctx, node) == "future"


def is_asyncio_primitive(ctx: Context, node: ast.AST) -> bool:
    """An asyncio queue, event, lock, condition, semaphore, stream writer or
    transport."""
    kind = asyncio_class(ctx, node)
    return kind is not None and kind != "future"


def asyncio_class(ctx: Context, node: ast.AST) -> "str | None":
    """What asyncio object `node` holds: "future" (an asyncio Future or Task),
    the dotted class of a primitive in `knowledge.threads.PRIMITIVE_METHODS`
    or `LOOP_BOUND_COROUTINE_METHODS` (`"asyncio.Queue"`), or None."""
    if not may_hold_asyncio_objects(ctx):
        return None
    found = _classify_sym(ctx.symbol(node))
    if found is not None:
        return found
    values = None
    if isinstance(node, ast.Name):
        annotation = _param_annotation(ctx, node.id)
        if annotation is not None:
            return _annotation_class(ctx, annotation)
        values = local_assignments(ctx, node.id)
    elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        values = self_attr_assignments(ctx, node.value.id, node.attr)
        if values is None or not values:
            values = instance_attr_assignments(ctx, node.value.id, node.attr)
    if not values:
        return None
    kinds = {_classify_value(ctx, v) for v in values
             if not (isinstance(v, ast.Constant) and v.value is None)}
    return kinds.pop() if len(kinds) == 1 else None


# Every answer but None of `asyncio_class` and `_classify_value` comes from
# a dotted name under `asyncio` (the known classes, factories and loop
# factories), which phase 1 resolves only from what the file spells (its
# imports) or from the module's own name, or from a loop method call that
# makes a future (`loop.create_future()`, the receiver known by its name).
_ASYNCIO_NAMES = ("asyncio",)
_FUTURE_METHODS = ("create_future", "create_task", "run_in_executor")


def may_hold_asyncio_objects(ctx: Context) -> bool:
    """False when nothing in the file can be an asyncio future or primitive
    to `asyncio_class` (most files: no `asyncio` in them), found once per
    file. Text that is not ASCII counts as evidence: identifiers are
    NFKC-normalised by the parser, so other spellings may name the same."""
    state = ctx.scopes[0].state
    found = state.get("_asyncio_evidence")
    if found is None:
        text = ctx.text()
        found = state["_asyncio_evidence"] = (
            "asyncio" in text or ctx.module.name.startswith(_ASYNCIO_NAMES) or not text.isascii()
            or any(_spells(text, name) for name in _FUTURE_METHODS))
    return found


def _spells(text: str, name: str) -> bool:
    """`name` occurs in ASCII `text` as a whole identifier (`create_task`,
    not `async_create_task`): found with `str.find`, which a regular
    expression starting with `\\b` would not use."""
    at = text.find(name)
    while at != -1:
        end = at + len(name)
        if (at == 0 or not _is_word(text[at - 1])) and (end == len(text) or not _is_word(text[end])):
            return True
        at = text.find(name, end)
    return False


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


_KNOWN_CLASSES = (FUTURE_CLASSES, FUTURE_FACTORIES, frozenset(PRIMITIVE_METHODS) | frozenset(LOOP_BOUND_COROUTINE_METHODS))


def _known_classes():
    return _KNOWN_CLASSES


def _classify_sym(sym) -> "str | None":
    if sym is None or sym[0] not in ("call", "inst"):
        return None
    future_classes, future_factories, primitives = _known_classes()
    name = dotted(sym[1])
    if name is None:
        inner = sym[1]
        # `<loop>.create_future()` where the loop is a factory call result
        if sym[0] == "call" and inner is not None and inner[0] == "attr" \
                and inner[2] in ("create_future", "create_task") \
                and inner[1] is not None and inner[1][0] == "call" and dotted(inner[1][1]) in LOOP_FACTORIES:
            return "future"
        return None
    if name in (future_factories if sym[0] == "call" else future_classes) or name == "asyncio.wrap_future":
        return "future"
    if name in primitives:
        return name
    return None


def _param_annotation(ctx: Context, name: str):
    """The annotation of the parameter `name` refers to, if it is one."""
    scope = ctx.binding_scope(name)
    if scope is None or scope.kind != "function":
        return None
    args = scope.node.args
    for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
        if arg.arg == name:
            return arg.annotation
    return None


def _annotation_class(ctx: Context, node, depth: int = 0) -> "str | None":
    """Like the annotation symbol, but also through `X[...]` generics,
    `Optional[X]` and `X | None`."""
    if node is None or depth > 5:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        node = parse_string_annotation(node.value)
        if node is None:
            return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        sides = [s for s in (node.left, node.right) if not (isinstance(s, ast.Constant) and s.value is None)]
        return _annotation_class(ctx, sides[0], depth + 1) if len(sides) == 1 else None
    if isinstance(node, ast.Subscript):
        outer = dotted(ctx.symbol(node.value))
        if outer in ("typing.Optional",):
            return _annotation_class(ctx, node.slice, depth + 1)
        node = node.value
    return _classify_sym(("inst", ctx.symbol(node)))


class _Annotation:
    def __init__(self, node: ast.AST):
        self.node = node


# The transport an asyncio protocol's `connection_made(self, transport)` gets.
_TRANSPORT = object()
_PROTOCOL_BASES = frozenset({
    "asyncio.Protocol", "asyncio.BaseProtocol", "asyncio.BufferedProtocol", "asyncio.DatagramProtocol",
    "asyncio.SubprocessProtocol", "asyncio.protocols.Protocol", "asyncio.protocols.BaseProtocol",
    "asyncio.protocols.BufferedProtocol", "asyncio.protocols.DatagramProtocol",
})


def _is_asyncio_protocol(ctx: Context, class_node: ast.ClassDef) -> bool:
    return any(dotted(ctx.symbol(base)) in _PROTOCOL_BASES for base in class_node.bases)


def _classify_value(ctx: Context, node) -> "str | None":
    if not may_hold_asyncio_objects(ctx):
        return None
    if isinstance(node, _Annotation):
        if node.node is _TRANSPORT:
            return "asyncio.Transport"
        return _annotation_class(ctx, node.node)
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in ("create_future", "create_task", "run_in_executor") \
                and is_event_loop(ctx, func.value):
            return "future"
    return _classify_sym(ctx.symbol(node))


def local_assignments(ctx: Context, name: str):
    """Values assigned to `name` in the scope that binds it (a function), when
    every binding there is a plain assignment; None otherwise."""
    scope = ctx.binding_scope(name)
    if scope is None or scope.kind != "function":
        return None
    return _assignments_in(scope.node, ("name", name), ctx.lines)


def method_class(ctx: Context, fn, first: str):
    """The class scope when the function scope `fn` is a method of it whose
    first positional parameter is named `first` (`self`, `cls`); else None."""
    if fn is None or fn.kind != "function":
        return None
    idx = ctx.scopes.index(fn)
    if idx == 0 or ctx.scopes[idx - 1].kind != "class":
        return None
    args = fn.node.args
    positional = [*args.posonlyargs, *args.args]
    if not positional or positional[0].arg != first:
        return None
    return ctx.scopes[idx - 1]


def self_attr_assignments(ctx: Context, base: str, attr: str):
    """Values assigned to `self.attr` in the methods of the enclosing class
    (and its class-body annotation), when the code runs in a method whose
    first parameter is `base`."""
    klass = method_class(ctx, ctx.function, base)
    if klass is None:
        return None
    cache = klass.state.setdefault("_self_attr_values", {})
    if attr not in cache:
        values = []
        ok = True
        for stmt, found in _self_attr_sources(klass, ctx.lines).get(attr, ()):
            if found is None:  # a class-body annotation
                values.append(_Annotation(stmt.annotation))
                continue
            if found is _POISONED:
                ok = False
                break
            a = stmt.args
            pos = [*a.posonlyargs, *a.args]
            annotated = {p.arg: p.annotation for p in (*pos, *a.kwonlyargs) if p.annotation is not None}
            if stmt.name == "connection_made" and len(pos) > 1 and pos[1].arg not in annotated \
                    and _is_asyncio_protocol(ctx, klass.node):
                annotated[pos[1].arg] = _TRANSPORT
            values.extend(_Annotation(annotated[v.id]) if isinstance(v, ast.Name) and v.id in annotated else v
                          for v in found)
        cache[attr] = values if ok else None
    return cache[attr]


_POISONED = "poisoned"


def _self_attr_sources(klass, lines: "list | None" = None) -> dict:
    """attr -> what the class body says of `self.attr`, in body order: (a
    class-body `attr: T`, None), (a method, the values it assigns) or (a
    method, `_POISONED`: it binds the attribute another way). Built once per
    class, from every method's assignment table, so that each attribute
    asked for reads only its own entries."""
    sources = klass.state.get("_self_attr_sources")
    if sources is None:
        sources = klass.state["_self_attr_sources"] = {}
        for stmt in klass.node.body:
            t = type(stmt)
            if t is ast.AnnAssign and type(stmt.target) is ast.Name:
                sources.setdefault(stmt.target.id, []).append((stmt, None))
            elif t is ast.FunctionDef or t is ast.AsyncFunctionDef:
                a = stmt.args
                first = a.posonlyargs[0] if a.posonlyargs else a.args[0] if a.args else None
                if first is None:
                    continue
                me = first.arg
                for key, found in _table_of(stmt, lines).items():
                    if key[0] == "attr" and key[1] == me:
                        sources.setdefault(key[2], []).append((stmt, _POISONED if found is None else found))
    return sources


def instance_attr_assignments(ctx: Context, name: str, attr: str):
    """Values of `name.attr` when `name` is a parameter annotated with a
    class of this module (`state: _StreamState`, a dataclass whose field is
    `queue: asyncio.Queue`): the class body's annotation of `attr` and every
    `self.attr = ...` of its methods; None when the class is not this
    module's top-level class or a method binds the attribute another way."""
    annotation = _param_annotation(ctx, name)
    if annotation is None:
        return None
    sym = ctx.annotation_symbol(annotation)
    if sym is not None and sym[0] == "inst":
        sym = sym[1]
    if sym is None or sym[0] != "global" or sym[1] != ctx.module.name:
        return None
    klass = _top_level_class(ctx.scopes[0].node, sym[2])
    if klass is None:
        return None
    values = []
    for stmt in klass.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == attr:
            values.append(_Annotation(stmt.annotation))
            if stmt.value is not None:
                values.append(stmt.value)
        elif isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == attr for t in stmt.targets):
            values.append(stmt.value)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            pos = [*stmt.args.posonlyargs, *stmt.args.args]
            if not pos:
                continue
            found = _assignments_in(stmt, ("attr", pos[0].arg, attr), ctx.lines)
            if found is None:
                return None
            # `self.q = q` from a parameter: only its annotation says what it is
            annotated = {p.arg: p.annotation for p in (*pos, *stmt.args.kwonlyargs)}
            for v in found:
                if isinstance(v, ast.Name) and v.id in annotated:
                    if annotated[v.id] is None:
                        return None
                    values.append(_Annotation(annotated[v.id]))
                else:
                    values.append(v)
    return values or None


def _top_level_class(tree: ast.AST, name: str):
    found = [n for n in getattr(tree, "body", ()) if isinstance(n, ast.ClassDef) and n.name == name]
    return found[0] if len(found) == 1 else None


def _assignments_in(fn_node: ast.AST, key: tuple, lines: "list | None" = None):
    """Values assigned to a target in a function body (not in nested
    functions or classes): key ("name", id) or ("attr", base_name, attr).
    None if that target is also bound in another way (for/with/augmented/
    tuple unpacking/global). The table is built once per function."""
    return _table_of(fn_node, lines).get(key, [])


def _table_of(fn_node: ast.AST, lines: "list | None" = None) -> dict:
    """The function's assignment table (`_assignment_table`), built once.
    With the file's `lines`, from its statements alone when the text shows
    that no expression of the function binds a name (`_statement_table`)."""
    table = getattr(fn_node, "_al_assignments", None)
    if table is None:
        try:
            table = None if lines is None else _statement_table(fn_node, lines)
        except AttributeError:  # a node without its position (a rebuilt tree's): the text says nothing
            table = None
        if table is None:
            table = _assignment_table(fn_node)
        fn_node._al_assignments = table
    return table


def _target_keys(target: ast.AST):
    for node in nodes.walk(target):
        if isinstance(node, ast.Name):
            yield ("name", node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            yield ("attr", node.value.id, node.attr)


def _direct_key(target: ast.AST):
    if isinstance(target, ast.Name):
        return ("name", target.id)
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
        return ("attr", target.value.id, target.attr)
    return None


def _assignment_table(fn_node: ast.AST) -> dict:
    table: dict = {}
    poisoned: set = set()
    # Last pushed, first visited, as `nodes.children` orders them; the
    # children are pushed inline (this walks most of a function's nodes)
    # and a node of no interest costs one dictionary look-up. A list is
    # pushed whole: the `None` some lists hold (a `{**d}` key, a missing
    # keyword-only default) is such an item of no interest, with no fields.
    stack = nodes.children(fn_node)
    pop, push, push_all = stack.pop, stack.append, stack.extend
    kinds = _TABLE_KINDS
    child_fields = nodes.child_fields
    fields_of = nodes.CHILD_FIELDS
    while stack:
        node = pop()
        t = type(node)
        kind = kinds.get(t)
        if kind is not None:
            if kind is _NESTED:
                continue
            _note_binding(node, kind, table, poisoned)
        fields = fields_of.get(t)
        if fields is None:
            fields = child_fields(t)
        for name in fields:
            value = getattr(node, name, None)
            if type(value) is list:
                push_all(value)
            elif value is not None:
                push(value)
    return table


def _note_binding(node: ast.AST, kind: str, table: dict, poisoned: set) -> None:
    """Record what a binding node (`_TABLE_KINDS`) says into the table: the
    values of plain assignments, None for a target bound another way."""
    if kind is _ASSIGN:
        for target in node.targets:
            if isinstance(target, (ast.Tuple, ast.List)):
                _poison(_target_keys(target), table, poisoned)
            else:
                key = _direct_key(target)
                if key is not None and key not in poisoned:
                    table.setdefault(key, []).append(node.value)
    elif kind is _ANNASSIGN:
        key = _direct_key(node.target)
        if key is not None and key not in poisoned:
            values = table.setdefault(key, [])
            if node.value is not None:
                values.append(node.value)
            values.append(_Annotation(node.annotation))
    elif kind is _POISON:
        target = getattr(node, "target", None) or getattr(node, "optional_vars", None)
        if target is not None:
            _poison(_target_keys(target), table, poisoned)
    else:  # global, nonlocal
        _poison((("name", n) for n in node.names), table, poisoned)


def _poison(keys, table: dict, poisoned: set) -> None:
    for key in keys:
        poisoned.add(key)
        table[key] = None


def _statement_table(fn_node: ast.AST, lines: list) -> "dict | None":
    """`_assignment_table` from the function's statements alone (about a
    sixth of its nodes), or None when the text of the function (decorators
    to last line) may hold an expression that binds: an assignment
    expression (`:=`) or a comprehension, whose `for` is the only one on
    its line that no `for` statement accounts for. The statements are
    visited in the order the whole walk visits them (the same pushes,
    without the expressions), so each target's values keep their order."""
    body = getattr(fn_node, "body", None)
    if type(body) is not list:  # a lambda
        return None
    table: dict = {}
    poisoned: set = set()
    loops: set = set()  # lines where a `for` statement of the function starts
    stack = list(body)
    pop, push_all = stack.pop, stack.extend
    kinds = _TABLE_KINDS
    while stack:
        node = pop()
        t = type(node)
        kind = kinds.get(t)
        if kind is not None:
            if kind is _NESTED:
                continue
            if t is ast.For or t is ast.AsyncFor:
                loops.add(node.lineno)
            _note_binding(node, kind, table, poisoned)
        fields = _STATEMENT_FIELDS.get(t)
        if fields is None:
            fields = _STATEMENT_FIELDS[t] = tuple(f for f in t._fields if f in _STATEMENT_FIELD_NAMES)
        for name in fields:
            push_all(getattr(node, name, None) or ())
    return table if _binds_in_statements_only(fn_node, lines, loops) else None


def _binds_in_statements_only(fn_node: ast.AST, lines: list, loops: set) -> bool:
    """No `:=` in the function's lines, and no `for` but those of its `for`
    statements, its docstring left out (other strings and comments that
    spell them count too: such a function takes the whole walk)."""
    first = min([fn_node.lineno, *(d.lineno for d in fn_node.decorator_list)])
    last = getattr(fn_node, "end_lineno", None)
    if last is None or last > len(lines):
        return False
    doc = _docstring(fn_node)
    for number in range(first, last + 1):
        line = lines[number - 1]
        if doc is not None and doc[0] <= number <= doc[2]:
            line = _outside(line, number, doc)
        if ":=" in line:
            return False
        if "for" in line and len(_FOR.findall(line)) != (number in loops):
            return False
    return True


def _docstring(fn_node: ast.AST) -> "tuple | None":
    """(line, col, end line, end col) of the function's docstring."""
    first = fn_node.body[0]
    if type(first) is ast.Expr and type(first.value) is ast.Constant and type(first.value.value) is str:
        return first.lineno, first.col_offset, first.end_lineno, first.end_col_offset
    return None


def _outside(line: str, number: int, span: tuple) -> str:
    """What of `line` lies outside `span` (line, col, end line, end col):
    nothing of a line inside it, the rest of a first or last line (its
    columns count bytes: a line that is not ASCII is kept whole)."""
    start, col, end, end_col = span
    if start < number < end:
        return ""
    if not line.isascii():
        return line
    before = line[:col] if number == start else ""
    return before + line[end_col:] if number == end else before


# The fields of a statement (of a `try` handler, a `match` case) that hold
# statements, handlers, `with` items or cases: where `_statement_table` goes.
_STATEMENT_FIELD_NAMES = frozenset({"body", "orelse", "finalbody", "handlers", "items", "cases"})
_STATEMENT_FIELDS: dict = {}
# `for` as a keyword can be: not followed by a character of an identifier
# (one not ASCII counts, to be safe).
_FOR = re.compile(r"for(?![0-9A-Za-z_])")


_NESTED_DEFS = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda})
_NESTED, _ASSIGN, _ANNASSIGN, _POISON, _GLOBAL = "nested", "assign", "annassign", "poison", "global"
# What `_assignment_table` does at a node of each type (most types: nothing).
_TABLE_KINDS = {
    **dict.fromkeys(_NESTED_DEFS, _NESTED), ast.Assign: _ASSIGN, ast.AnnAssign: _ANNASSIGN,
    **dict.fromkeys((ast.AugAssign, ast.For, ast.AsyncFor, ast.withitem, ast.NamedExpr, ast.comprehension), _POISON),
    ast.Global: _GLOBAL, ast.Nonlocal: _GLOBAL,
}
