"""AIO400: the task a call creates is thrown away at once."""
from __future__ import annotations

import ast

from ..context import dotted
from ..diagnostics import Applicability, Fix, Fixability
from ..index.local_types import is_event_loop
from ..knowledge.loops import LOOP_TASK_METHODS, TASK_SPAWNERS
from .base import Rule


class DiscardedTask(Rule):
    code = "AIO400"
    name = "discarded-task-reference"
    summary = "Task created and its reference discarded: it can vanish mid-flight and its exception is lost"
    message = (
        "`{call}(...)` result is discarded: the task can be garbage-collected before it finishes "
        "and its exception is never retrieved; keep a reference or use an `asyncio.TaskGroup`"
    )
    fixable = Fixability.SOMETIMES
    fix_applicability = Applicability.UNSAFE
    node_types = (ast.Expr,)
    why = """
        The event loop holds only weak references to tasks. A task whose
        reference is dropped right after `asyncio.create_task()` (or
        `asyncio.ensure_future()`, `loop.create_task()`) may be
        garbage-collected while it is still running, and when it fails, the
        exception is never retrieved: asyncio logs "Task exception was never
        retrieved" at some later point, far from the cause, or not at all.
        See "Detect never-retrieved exceptions" in the asyncio guide.

        Calls on a `TaskGroup` or a trio/anyio nursery are not flagged: the
        group keeps the reference and propagates the exception.
    """
    bad_example = """
        import asyncio


        async def audit(request): ...


        async def handle(request):
            asyncio.create_task(audit(request))
            return "ok"
    """
    good_example = """
        import asyncio

        background_tasks = set()


        async def audit(request): ...


        async def handle(request):
            task = asyncio.create_task(audit(request))
            background_tasks.add(task)
            task.add_done_callback(background_tasks.discard)
            return "ok"


        async def handle_all(requests):   # or, when the caller should wait for them
            async with asyncio.TaskGroup() as tg:
                for request in requests:
                    tg.create_task(audit(request))
    """
    fix_notes = """
        Inside `async with asyncio.TaskGroup() as tg`, the call is moved onto
        `tg` (safe). Elsewhere the task is added to a module-level set of
        background tasks with a `discard` done-callback (unsafe: it changes
        when the task may be collected).
    """

    def check(self, node: ast.Expr, ctx) -> None:
        call = node.value
        if isinstance(call, (ast.List, ast.Tuple, ast.Set, ast.ListComp, ast.SetComp)):
            # `[asyncio.create_task(c) for c in coros]` as a statement: the
            # list, and with it every reference to the tasks, is dropped
            for elt in (call.elts if isinstance(call, (ast.List, ast.Tuple, ast.Set)) else [call.elt]):
                if isinstance(elt, ast.Call) and self._spawns(elt, ctx):
                    ctx.report(elt, call=_source(elt.func))
            return
        if not isinstance(call, ast.Call):
            return
        func = call.func
        name = dotted(ctx.symbol(func))
        if name in TASK_SPAWNERS:
            ctx.report(call, fix=_fix(call, ctx), call=_source(func))
        elif isinstance(func, ast.Attribute) and func.attr in LOOP_TASK_METHODS and is_event_loop(ctx, func.value):
            ctx.report(call, fix=_fix(call, ctx), call=_source(func))


    @staticmethod
    def _spawns(call: ast.Call, ctx) -> bool:
        func = call.func
        if dotted(ctx.symbol(func)) in TASK_SPAWNERS:
            return True
        return isinstance(func, ast.Attribute) and func.attr in LOOP_TASK_METHODS and is_event_loop(ctx, func.value)


_TASK_GROUPS = frozenset({"asyncio.TaskGroup", "asyncio.taskgroups.TaskGroup"})


def _task_group(ctx) -> str:
    """The name bound by the innermost `async with asyncio.TaskGroup() as NAME`
    around the statement, in the same function; "" when there is none."""
    for parent in reversed(ctx.parents):
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            return ""
        if isinstance(parent, ast.AsyncWith):
            for item in parent.items:
                expr = item.context_expr
                if isinstance(expr, ast.Call) and isinstance(item.optional_vars, ast.Name) \
                        and ctx.qualified_name(expr.func) in _TASK_GROUPS:
                    return item.optional_vars.id
    return ""


def _fix(call: ast.Call, ctx) -> Fix:
    func = call.func
    last = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    group = _task_group(ctx)
    if group and last == "create_task":
        return Fix(f"create the task on the task group `{group}`", Applicability.SAFE, ("keep-task-reference",))
    return Fix("keep a reference in a module-level set of background tasks until the task is done",
               Applicability.UNSAFE, ("keep-task-reference",))


def _source(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 60 else text[:57] + "..."
