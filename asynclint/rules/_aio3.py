"""Shared pieces of the AIO3 rules (asyncio objects used from other threads).

Whether the code runs off the loop thread is the index's answer
(`asynclint.index.threads`); here: which loop an expression is, and where a
loop reference for a `call_soon_threadsafe` fix can be found.
"""
from __future__ import annotations

import ast
from typing import Optional

from ..context import dotted
from ..diagnostics import Applicability, Fix
from ..index.local_types import local_assignments, self_attr_assignments
from ..index.local_types import is_event_loop
from ..index.threads import (bridge_context, in_thread_checked_branch, off_loop_branch, queue_item_origin,
                              site_query)
from ..knowledge.loops import LOOP_FACTORIES, LOOP_NAMES
from ..knowledge.threads import OWN_LOOP_FACTORIES, RUNNING_LOOP_FACTORIES


def source(node: ast.AST, limit: int = 60) -> str:
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def report_in_thread(ctx, node: ast.AST, mode: str = "quiet-own", fix: Optional[Fix] = None, **fields) -> None:
    """Report `node` if the code being walked runs off the loop thread (the
    message gets a `{context}` field naming the entry point)."""
    branch = off_loop_branch(ctx, node)
    if branch is None and mode != "run" and not in_thread_checked_branch(ctx, node):
        branch = bridge_context(ctx, node)
    if branch is not None:
        ctx.report(node, fix=fix, context=branch, **fields)
        return
    if in_thread_checked_branch(ctx, node):
        return
    q = site_query(ctx, mode)
    if q is not None:
        ctx.report_if(q, node, fix=fix, **fields)


def _binding_scope(ctx, name: str):
    """The scope that binds `name` as seen from here (None: module or unknown)."""
    return ctx.binding_scope(name)


def _params(fn_node: ast.AST) -> set:
    args = fn_node.args
    out = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
    if args.vararg:
        out.add(args.vararg.arg)
    if args.kwarg:
        out.add(args.kwarg.arg)
    return out


def loop_owner(ctx, node: ast.AST) -> Optional[str]:
    """For an expression used as an event loop: "foreign" (a loop from the
    creating scope, a parameter, an attribute: it belongs to another thread),
    "own" (created or fetched here for this thread), or None (not known to be
    a loop)."""
    if isinstance(node, ast.Call):
        return "own" if is_event_loop(ctx, node) else None
    if not is_event_loop(ctx, node):
        return None
    if isinstance(node, ast.Attribute):
        if isinstance(node.value, ast.Name):
            values = self_attr_assignments(ctx, node.value.id, node.attr)
            if values and any(_not_a_loop(ctx, v) for v in values):
                return None
        return "foreign"
    if not isinstance(node, ast.Name):
        return None
    scope = _binding_scope(ctx, node.id)
    fn = ctx.function
    if scope is None or scope is not fn:
        return "foreign"  # captured from an enclosing function or the module
    if node.id in _params(fn.node):
        values = local_assignments(ctx, node.id)
        if not values:
            return "foreign"
    values = local_assignments(ctx, node.id)
    if not values:
        return None
    if any(_not_a_loop(ctx, v) for v in values):
        return None
    for value in values:
        if isinstance(value, ast.Call) and dotted(ctx.symbol(value.func)) in OWN_LOOP_FACTORIES | LOOP_FACTORIES:
            return "own"
    return "foreign"


def _not_a_loop(ctx, value) -> bool:
    """An assigned value that is known to be something else than an asyncio
    loop: a call of a known callable that is not a loop factory
    (`GLib.MainLoop()`, `tornado.ioloop.IOLoop.current()`, `pyglet.app.EventLoop()`)."""
    if not isinstance(value, ast.Call):
        return False
    name = ctx.qualified_name(value.func)
    if name is None:
        return False
    if name in LOOP_FACTORIES or name in OWN_LOOP_FACTORIES or name.startswith(("asyncio.", "uvloop.")):
        return False
    return True


def is_main_loop(ctx, node: ast.AST) -> bool:
    """A loop fetched on the loop thread (`get_running_loop()` /
    `get_event_loop()`) and captured here from the module or an enclosing
    function."""
    if not isinstance(node, ast.Name):
        return False
    scope = _binding_scope(ctx, node.id)
    if scope is ctx.function:
        return False
    sym = scope.bindings[node.id] if scope is not None else ctx.module.bindings.get(node.id)
    return sym is not None and sym[0] == "call" and dotted(sym[1]) in RUNNING_LOOP_FACTORIES


def foreign_loop_source(ctx) -> Optional[str]:
    """Source of a reference to the loop thread's loop usable here, for a
    `loop.call_soon_threadsafe(...)` fix: a loop parameter or a loop captured
    from an enclosing scope, else `self.<loop attr>` when the class assigns
    one."""
    for name in sorted(LOOP_NAMES):
        scope = _binding_scope(ctx, name)
        if scope is None:
            sym = ctx.module.bindings.get(name)
            if sym is not None and sym[0] == "call" and dotted(sym[1]) in LOOP_FACTORIES:
                return name
            continue
        if loop_owner(ctx, ast.Name(id=name, ctx=ast.Load())) == "foreign":
            return name
    fn = ctx.function
    if fn is not None and fn.kind == "function":
        args = fn.node.args
        positional = [*args.posonlyargs, *args.args]
        if positional:
            me = positional[0].arg
            for attr in sorted(LOOP_NAMES):
                values = self_attr_assignments(ctx, me, attr)
                if values:
                    return f"{me}.{attr}"
    return None


def threadsafe_fix(ctx, what: str) -> Optional[Fix]:
    loop = foreign_loop_source(ctx)
    if loop is None:
        return None
    return Fix(f"Run `{what}` on the loop thread with `{loop}.call_soon_threadsafe(...)`",
               Applicability.UNSAFE, ("threadsafe-call", loop))


def untyped_param_position(ctx, node: ast.AST) -> Optional[int]:
    """Position of `node` among the positional parameters of the current def
    when it names one without annotation that the function never rebinds."""
    fn = ctx.function
    if fn is None or fn.kind != "function" or fn.info is None or not isinstance(node, ast.Name):
        return None
    if _binding_scope(ctx, node.id) is not fn:
        return None
    args = fn.node.args
    positional = [*args.posonlyargs, *args.args]
    for i, arg in enumerate(positional):
        if arg.arg == node.id:
            if arg.annotation is not None or local_assignments(ctx, node.id):
                return None
            return i
    return None


def report_param_in_thread(ctx, node: ast.AST, receiver: ast.AST, method: str, wanted: str, fields_of) -> None:
    """Report when the thread entries starting this function pass an asyncio
    object of the `wanted` kind as the parameter `receiver` (phase 2).
    `fields_of()`: the report's fix and message fields, made only when it
    is reported."""
    position = untyped_param_position(ctx, receiver)
    if position is None or ctx.function.is_async:
        return
    patterns = tuple(getattr(ctx.options, "thread_entry_points", None) or ())
    ctx.report_if(("thread_param", ctx.function.qualname, position, method, wanted, patterns), node,
                  **fields_of())


def report_queue_item_in_thread(ctx, node: ast.AST, receiver: ast.AST, method: str, wanted: str,
                                fields_of) -> bool:
    """Report (phase 2) when `receiver` came out of a `queue.Queue` whose
    `put`s carry an asyncio object of the `wanted` kind there, in a function
    that runs in a thread. True when the question was asked."""
    origin = queue_item_origin(ctx, receiver)
    if origin is None or ctx.function.is_async:
        return False
    patterns = tuple(getattr(ctx.options, "thread_entry_points", None) or ())
    ctx.report_if(("thread_queue_item", ctx.function.qualname, origin[0], origin[1], method, wanted, patterns),
                  node, **fields_of())
    return True


def report_travelled_in_thread(ctx, node: ast.AST, receiver: ast.AST, method: str, wanted: str,
                               fields_of) -> bool:
    """Report (phase 2) a receiver whose asyncio object travelled to this
    thread: read straight out of a carrier (`pending.pop(rid)`,
    `var.get()`), or `p.attr` of a project object `p` whose class assigns
    `self.attr` one asyncio object kind. True when the question was asked."""
    fn = ctx.function
    if fn is None or fn.kind != "function" or fn.is_async:
        return False
    if isinstance(receiver, (ast.Subscript, ast.Call)):
        return report_queue_item_in_thread(ctx, node, receiver, method, wanted, fields_of)
    if not (isinstance(receiver, ast.Attribute) and isinstance(receiver.value, ast.Name)):
        return False
    base = receiver.value
    if _binding_scope(ctx, base.id) is not fn or base.id not in _params(fn.node):
        return False
    args = fn.node.args
    positional = [*args.posonlyargs, *args.args]
    idx = ctx.scopes.index(fn)
    if positional and positional[0].arg == base.id and idx > 0 and ctx.scopes[idx - 1].kind == "class":
        return False  # `self.attr`: the class's own assignments answer (asyncio_class)
    if local_assignments(ctx, base.id):
        return False
    sym = ctx.symbol(base)
    cls_sym = sym[1] if sym is not None and sym[0] == "inst" else None
    position = next((i for i, a in enumerate(positional) if a.arg == base.id), None)
    if cls_sym is None and (position is None or any(a.arg == base.id and a.annotation is not None
                                                    for a in positional)):
        return False
    patterns = tuple(getattr(ctx.options, "thread_entry_points", None) or ())
    ctx.report_if(("thread_obj_attr", fn.qualname, cls_sym, position, receiver.attr, method, wanted, patterns),
                  node, **fields_of())
    return True


def report_unsafe_method(ctx, node: ast.Call, wanted: str, known) -> None:
    """Report `node`, `obj.method(...)` that is not thread-safe on an asyncio
    object of the `wanted` kind ("future", "primitive"), where this code runs
    in a thread, by how `obj` is known: a local the thread took out of a
    carrier, its own type (`known(obj)`: a dict of extra message fields,
    None when unknown, False when it is a kind without this method), an
    untyped parameter the thread entries fill, or an object that travelled
    here. The advice and fix move the call onto the loop thread (made
    only for a report: most calls asked about are not reported, and the
    fix looks through the class for a loop attribute)."""
    func = node.func

    def fields() -> dict:
        fix = threadsafe_fix(ctx, source(func))
        loop = fix.data[1] if fix else "loop"
        return dict(fix=fix, call=source(func), advice=f"use `{loop}.call_soon_threadsafe({source(func)}, ...)`")

    if created_here(ctx, func.value):
        report_queue_item_in_thread(ctx, node, func.value, func.attr, wanted, fields)
        return
    extra = known(func.value)
    if extra is False:
        return
    if extra is not None:
        report_in_thread(ctx, node, **fields(), **extra)
    elif untyped_param_position(ctx, func.value) is not None:
        report_param_in_thread(ctx, node, func.value, func.attr, wanted, fields)
    elif isinstance(func.value, (ast.Subscript, ast.Call, ast.Attribute)):
        report_travelled_in_thread(ctx, node, func.value, func.attr, wanted, fields)


def created_here(ctx, node: ast.AST) -> bool:
    """A local of the current function that is not a parameter: an object the
    thread made for itself (its own loop binds it on first use)."""
    fn = ctx.function
    if fn is None or fn.kind != "function" or not isinstance(node, ast.Name):
        return False
    return _binding_scope(ctx, node.id) is fn and node.id not in _params(fn.node)
