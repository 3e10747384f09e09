"""Helpers shared by the AIO4xx/AIO5xx rules (not a rule module: the
registry skips names starting with an underscore)."""
from __future__ import annotations

import ast
from typing import Iterator

from ..context import dotted
from ..index.local_types import is_event_loop
from ..index.nodes import parent_of
from ..knowledge.loops import LOOP_TASK_METHODS, TASK_SPAWNERS
from ._text import unparse


def is_task_call(ctx, node: ast.AST) -> bool:
    """`asyncio.create_task(...)`, `ensure_future(...)`, `loop.create_task(...)`."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if dotted(ctx.symbol(func)) in TASK_SPAWNERS:
        return True
    return isinstance(func, ast.Attribute) and func.attr in LOOP_TASK_METHODS and is_event_loop(ctx, func.value)


def source(node: ast.AST, limit: int = 60) -> str:
    text = unparse(node)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def walk_local(nodes) -> Iterator[ast.AST]:
    """Nodes under `nodes` (a node or a list), not entering nested defs,
    lambdas or classes."""
    stack = list(nodes) if isinstance(nodes, list) else [nodes]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                stack.append(child)


def has_await(nodes) -> bool:
    return any(isinstance(n, (ast.Await, ast.AsyncFor, ast.AsyncWith)) for n in walk_local(nodes))


def in_main_guard(ctx) -> bool:
    """Inside `if __name__ == "__main__":`."""
    for parent in ctx.parents:
        if isinstance(parent, ast.If) and _is_main_test(parent.test):
            return True
    return False


def _is_main_test(test: ast.AST) -> bool:
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq):
        sides = [test.left, test.comparators[0]]
        names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
        consts = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
        return bool(names and consts)
    return False


def top_level_defs(tree: ast.AST) -> dict:
    """Module-level functions and methods of module-level classes, by qualname."""
    out = {}
    for stmt in getattr(tree, "body", ()):
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out[stmt.name] = stmt
        elif isinstance(stmt, ast.ClassDef):
            for item in stmt.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    out[f"{stmt.name}.{item.name}"] = item
    return out


# `with self.assertRaises(...)`, `with pytest.raises(...)`: the code inside is
# expected to fail, deliberately.
_EXPECTS_RAISE = frozenset({"assertRaises", "assertRaisesRegex", "raises"})


def expects_raise(ctx) -> bool:
    # up through the parent links, innermost first: no list of all the ancestors
    parent = parent_of(ctx.node)
    while parent is not None:
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            return False
        if isinstance(parent, (ast.With, ast.AsyncWith)):
            for item in parent.items:
                expr = item.context_expr
                if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) \
                        and expr.func.attr in _EXPECTS_RAISE:
                    return True
        parent = parent_of(parent)
    return False
