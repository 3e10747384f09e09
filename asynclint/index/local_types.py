"""Recognising asyncio objects from what one file shows (phase 1).

Small, precise predicates shared by rules: they say yes only on evidence
(a factory call, a conventional name) and no otherwise.
"""
from __future__ import annotations

import ast

from ..context import Context, dotted
from ..knowledge.loops import LOOP_FACTORIES, LOOP_NAMES


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
