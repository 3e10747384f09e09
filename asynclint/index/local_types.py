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


# -- asyncio futures and primitives (for the AIO3 rules) ----------------------
# The work is in `asyncio_objects` (locals, `self` attributes, annotations).

def asyncio_class(ctx: Context, node: ast.AST):
    """"future" for an asyncio Future/Task, the dotted class of an asyncio
    primitive (`"asyncio.Queue"`, `"asyncio.Event"`, ...), else None."""
    from .asyncio_objects import asyncio_class as found

    return found(ctx, node)


def is_asyncio_future(ctx: Context, node: ast.AST) -> bool:
    """An `asyncio.Future` or `asyncio.Task` (not a concurrent.futures one)."""
    return asyncio_class(ctx, node) == "future"


def is_asyncio_primitive(ctx: Context, node: ast.AST) -> bool:
    """An asyncio queue, event, lock, condition, semaphore, stream writer or
    transport."""
    kind = asyncio_class(ctx, node)
    return kind is not None and kind != "future"
