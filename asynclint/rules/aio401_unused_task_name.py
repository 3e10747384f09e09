"""AIO401: a task bound to a local name that is never used again."""
from __future__ import annotations

import ast

from ..diagnostics import Applicability, Fix, Fixability
from ..knowledge.loops import LOOP_TASK_METHODS, TASK_SPAWNERS
from ._lifecycle import is_task_call, source
from ._text import mentions, spellings
from .base import Rule

_LOST = " and its exception is never retrieved"

# Names whose call reads every local of the frame: a bound task may be used.
_FRAME_READERS = frozenset({"locals", "vars", "eval", "exec"})
# A task is bound only from a call spelled with one of these (`is_task_call`):
# a file without them binds none, and its names need no bookkeeping.
_SPAWNER_WORDS = spellings(TASK_SPAWNERS, LOOP_TASK_METHODS)


class UnusedTaskName(Rule):
    code = "AIO401"
    name = "task-reference-dies-with-frame"
    summary = "Task bound to a local name that is never used again: the reference dies with the frame"
    message = (
        "task from `{call}(...)` is bound to `{var}` but `{var}` {fate}: the reference dies "
        "{when}, the task can be garbage-collected mid-flight{lost}"
    )
    fixable = Fixability.ALWAYS
    fix_applicability = Applicability.UNSAFE
    node_types = (ast.Assign, ast.AnnAssign, ast.Name, ast.Global, ast.Nonlocal)
    why = """
        Naming a task is not keeping it. When the local variable is never
        awaited, stored, returned, passed on, cancelled or given a
        done-callback, the only strong reference goes away when the function
        returns (a loop that rebinds the name drops the previous task at
        once). The event loop keeps only weak references to tasks, so the
        task may be collected before it finishes, and an exception it raises
        is never retrieved ("Task exception was never retrieved", the
        asyncio guide). Unlike a discarded `create_task()` (AIO400), linters
        that look only at bare expression statements miss this, and the
        unused-variable warning is often silenced with `# noqa: F841`.

        A task name rebound later in the same block before any use of it
        (`t = create_task(a()); t = create_task(b()); await t`) loses the
        first task at the rebinding.

        A done-callback is stored on the task itself and keeps nothing
        alive: in a sync function (a callback the loop or a library calls,
        often a closure) a task only given `add_done_callback(...)` is
        dropped when the function returns, which is at once.

        Otherwise a use anywhere in the function counts, before or after the binding
        (loops), in a nested function or lambda, through `del`, augmented
        assignment, `global`/`nonlocal` or a `locals()`/`vars()`/`eval()`
        call: then nothing is reported.
    """
    bad_example = """
        import asyncio


        async def audit(request): ...


        async def handle(request):
            task = asyncio.create_task(audit(request))  # noqa: F841
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
    """
    fix_notes = """
        The task is added to a module-level set of background tasks with a
        `discard` done-callback (unsafe: it changes when the task may be
        collected, and the exception still needs someone to look at it).
    """

    file_words = _SPAWNER_WORDS  # the check below returns at once without them

    def check(self, node: ast.AST, ctx) -> None:
        scope = ctx.scope
        if scope.kind == "module" or not mentions(ctx, _SPAWNER_WORDS):
            return
        state = scope.state.get(self.code)
        if state is None:
            state = scope.state[self.code] = {"binds": [], "used": set(), "opaque": False}
        t = type(node)
        if t is ast.Name:
            kind = type(node.ctx)
            if kind is ast.Load:
                if scope.kind == "function" and not scope.is_async and _done_callback_receiver(ctx, node):
                    state.setdefault("callback_only", set()).add(node.id)
                    return
                state["used"].add(node.id)
                if node.id in _FRAME_READERS:
                    state["opaque"] = True
            elif kind is ast.Del:
                state["used"].add(node.id)
            elif isinstance(ctx.parent, ast.AugAssign):
                state["used"].add(node.id)
        elif t is ast.Global or t is ast.Nonlocal:
            state["used"].update(node.names)
            state.setdefault("declared", set()).update(node.names)
        elif scope.kind == "function":
            if t is ast.Assign:
                if len(node.targets) != 1:
                    return
                target = node.targets[0]
            else:
                target = node.target
            if isinstance(target, ast.Name) and node.value is not None and is_task_call(ctx, node.value):
                rebind = _rebound_before_use(ctx, node, target.id)
                if rebind is not None:
                    fix = Fix("keep a reference to the task in a module-level set of background tasks",
                              Applicability.UNSAFE, data=("keep-task-reference",))
                    ctx.report(node.value, fix=fix, call=source(node.value.func), var=target.id,
                               fate=f"is rebound on line {rebind} before it is used",
                               when="at the rebinding", lost=_LOST)
                    return
                state["binds"].append((target.id, node.value))

    def leave_scope(self, scope, ctx) -> None:
        state = scope.state.get(self.code)
        if state is None:
            return
        if scope.kind == "function" and not state["opaque"]:
            for var, call in state["binds"]:
                if var not in state["used"]:
                    fix = Fix("keep a reference to the task in a module-level set of background tasks",
                              Applicability.UNSAFE, data=("keep-task-reference",))
                    if var in state.get("callback_only", ()):
                        ctx.report(call, fix=fix, call=source(call.func), var=var,
                                   fate="is only given a done-callback (which does not keep it alive)",
                                   when="when the function returns", lost="")
                    else:
                        ctx.report(call, fix=fix, call=source(call.func), var=var, fate="is never used again",
                                   when="with the frame", lost=_LOST)
        # a nested function or lambda that uses a free name uses the enclosing one
        if len(ctx.scopes) >= 2:
            outer = ctx.scopes[-2]
            if outer.kind != "module":
                free = {n for n in state["used"] | state.get("callback_only", set()) if n not in scope.bindings} \
                    | state.get("declared", set())
                outer_state = outer.state.get(self.code)
                if outer_state is None:
                    outer.state[self.code] = {"binds": [], "used": free, "opaque": state["opaque"]}
                else:
                    outer_state["used"] |= free
                    outer_state["opaque"] = outer_state["opaque"] or state["opaque"]


def _done_callback_receiver(ctx, node: ast.Name) -> bool:
    """`task.add_done_callback(cb)`: the callback is stored on the task
    itself, so it keeps nothing alive; in a sync function (a callback run
    by the loop, a closure handed to a library) the frame and its
    reference end as soon as it returns."""
    parent = ctx.parent
    if not (isinstance(parent, ast.Attribute) and parent.value is node and parent.attr == "add_done_callback"):
        return False
    parents = ctx.parents
    return len(parents) > 2 and isinstance(parents[-2], ast.Call) and parents[-2].func is parent \
        and isinstance(parents[-3], ast.Expr)


def _rebound_before_use(ctx, stmt: ast.stmt, var: str):
    """Line of a plain rebinding of `var` later in the same block, with no
    mention of `var` in between; None otherwise."""
    parent = ctx.parent
    block = None
    for field in ("body", "orelse", "finalbody"):
        candidate = getattr(parent, field, None)
        if isinstance(candidate, list) and stmt in candidate:
            block = candidate
            break
    if block is None:
        return None
    for later in block[block.index(stmt) + 1:]:
        if isinstance(later, (ast.Assign, ast.AnnAssign)) and later.value is not None:
            targets = later.targets if isinstance(later, ast.Assign) else [later.target]
            if len(targets) == 1 and isinstance(targets[0], ast.Name) and targets[0].id == var \
                    and not _mentions(later.value, var):
                return later.lineno
        if _mentions(later, var):
            return None
    return None


def _mentions(node: ast.AST, var: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == var for n in ast.walk(node)) or \
        any(isinstance(n, (ast.Global, ast.Nonlocal)) and var in n.names for n in ast.walk(node))
