"""Fast child iteration over `ast` trees, for the walk and the helpers that
look again at one function's body.

`ast.iter_child_nodes` goes through two generators per node and yields the
`Load`/`Store` contexts and operators too; these read, per node type, only
the fields that can hold a node (cached), so a `Name` or a `Constant` costs
one dictionary look-up. The order is `ast.iter_child_nodes`' order without
the contexts and operators, which no caller looks at.
"""
from __future__ import annotations

import ast
from collections import deque
from typing import Dict, Iterable, Iterator, List, Optional

# Fields that never hold a node (names, numbers, contexts, operators).
# `name` is a string everywhere but in `TypeAlias` (3.12+), where it is a
# `Name`; `names` is a list of strings in `Global`/`Nonlocal`, of `alias`
# nodes in imports.
SCALAR_FIELDS = frozenset({"ctx", "op", "ops", "id", "attr", "arg", "asname", "module", "level", "kind",
                           "conversion", "type_comment", "is_async", "simple", "tag", "rest", "kwd_attrs",
                           "str"})  # `str`: the text of a t-string's `Interpolation` (newsyntax)
_SKIP = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)
CHILD_FIELDS: Dict[type, tuple] = {}  # per node type: `child_fields`, filled as types are met
_AST = ast.AST


def parent_of(node: Optional[ast.AST]) -> Optional[ast.AST]:
    """The parent the engine's walk linked to `node`: None for the module,
    for a node the walk has not reached and once the walk has ended. The
    link is a one-item list shared by the parent's children (`Walker.run`
    empties the lists at the end)."""
    cell = getattr(node, "_al_parent", None)
    return cell[0] if cell else None


def child_fields(t: type) -> tuple:
    """The fields of node type `t` that may hold child nodes, in `_fields` order."""
    fields = CHILD_FIELDS.get(t)
    if fields is None:
        if t is ast.Constant or t.__name__ == "MatchSingleton" or issubclass(t, _SKIP):
            fields = ()  # `value` is a Python constant
        else:
            skip = SCALAR_FIELDS if t.__name__ == "TypeAlias" else SCALAR_FIELDS | {"name"}
            if t is ast.Global or t is ast.Nonlocal:  # lists of strings
                skip = skip | {"names"}
            fields = tuple(f for f in getattr(t, "_fields", ()) if f not in skip)
        CHILD_FIELDS[t] = fields
    return fields


def children(node: ast.AST) -> List[ast.AST]:
    """The child nodes of `node`, in source order (without contexts and operators)."""
    fields = CHILD_FIELDS.get(type(node))
    if fields is None:
        fields = child_fields(type(node))
    out: List[ast.AST] = []
    for name in fields:
        value = getattr(node, name, None)
        if type(value) is list:
            for item in value:
                if isinstance(item, _AST):
                    out.append(item)
        elif isinstance(value, _AST):
            out.append(value)
    return out


def walk(node: ast.AST) -> Iterator[ast.AST]:
    """`ast.walk` (breadth first, `node` itself first) without contexts and operators.
    `children` inlined: the scans of a module or a function body that use
    this visit most of its nodes, and a call and a list per node were about
    a third of their cost."""
    todo = deque((node,))
    pop, add = todo.popleft, todo.append
    fields_of = CHILD_FIELDS
    AST = _AST
    while todo:
        node = pop()
        t = type(node)
        fields = fields_of.get(t)
        if fields is None:
            fields = child_fields(t)
        for name in fields:
            value = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, AST):
                        add(item)
            elif isinstance(value, AST):
                add(value)
        yield node


def called_name(func: ast.AST) -> Optional[str]:
    """The last name of a called expression: `f` in `f()`, `m` in `x.y.m()`;
    None for anything else (`f()()`, `fs[0]()`)."""
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


# Nodes whose bodies run at another time than the code around them.
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def own_nodes(nodes: Iterable[ast.AST]) -> Iterator[ast.AST]:
    """`nodes` and everything under them that runs as part of them: nested
    functions, lambdas and classes are not entered (comprehensions and
    generator expressions are)."""
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, SCOPES):
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))
