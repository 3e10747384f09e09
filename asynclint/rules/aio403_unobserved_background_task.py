"""AIO403: a background task nobody will ever look at (opt-in)."""
from __future__ import annotations

import ast

from ..context import dotted
from ..knowledge.futures import CONTAINER_ADDERS, CONTAINER_FORGETTERS
from ._lifecycle import is_task_call, source, top_level_defs
from .base import Rule


class UnobservedBackgroundTask(Rule):
    code = "AIO403"
    name = "unobserved-background-task"
    summary = "Background task kept only in a set with a discard callback: its exception is never seen"
    message = (
        "task from `{call}(...)` is kept only in `{container}` and forgotten by `{container}.{forget}` when "
        "done: nothing ever retrieves its exception; add a done-callback that logs `task.exception()` "
        "or run it in an `asyncio.TaskGroup`"
    )
    default_enabled = False
    node_types = (ast.Assign, ast.Name)
    why = """
        The documented recipe for fire-and-forget tasks (keep them in a set,
        `add_done_callback(tasks.discard)`) fixes garbage collection but not
        error reporting: when the task fails, the set forgets it and the
        exception is never retrieved. asyncio only logs "Task exception was
        never retrieved" when the task object happens to be collected, often
        much later or never. This rule reports such tasks when, in the whole
        module, the container is only ever added to, discarded from,
        measured with `len()` or initialised, and the task itself is used for
        nothing else: no other callback, no await, no `.result()` or
        `.exception()`, no `gather()`/`wait()` over the container. A task
        running a coroutine of the same module that wraps its work in
        `try: ... except Exception:` reports its own errors and is left alone.

        It is opt-in (strict): some programs accept losing those errors, or
        report them from inside the coroutine.
    """
    bad_example = """
        import asyncio

        background = set()


        async def audit(request): ...


        async def handle(request):
            task = asyncio.create_task(audit(request))
            background.add(task)
            task.add_done_callback(background.discard)
    """
    good_example = """
        import asyncio
        import logging

        log = logging.getLogger(__name__)
        background = set()


        async def audit(request): ...


        def _finished(task):
            background.discard(task)
            if not task.cancelled() and task.exception() is not None:
                log.error("background task failed", exc_info=task.exception())


        async def handle(request):
            task = asyncio.create_task(audit(request))
            background.add(task)
            task.add_done_callback(_finished)
    """
    fix_notes = """
        None: add a done-callback that logs `task.exception()` (and discards
        the task), or create the task in an `asyncio.TaskGroup` whose owner
        waits for it.
    """

    def check(self, node: ast.AST, ctx) -> None:
        scope = ctx.scope
        if scope.kind != "function":
            return
        state = scope.state.get(self.code)
        if state is None:
            state = scope.state[self.code] = {"binds": [], "uses": {}}
        if isinstance(node, ast.Assign):
            if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and is_task_call(ctx, node.value):
                state["binds"].append((node.targets[0].id, node.value))
            return
        if isinstance(node.ctx, ast.Store) and not isinstance(ctx.parent, ast.AugAssign):
            return
        state["uses"].setdefault(node.id, []).append(_classify(node, ctx))

    def leave_scope(self, scope, ctx) -> None:
        if scope.kind == "module":
            self._confirm(scope, ctx)
            return
        state = scope.state.get(self.code)
        if state is None:
            return
        # names used by a nested scope are "other" uses of the outer ones
        outer = ctx.scopes[-2] if len(ctx.scopes) >= 2 else None
        if outer is not None and outer.kind == "function":
            outer_state = outer.state.setdefault(self.code, {"binds": [], "uses": {}})
            for var in state["uses"]:
                outer_state["uses"].setdefault(var, []).append(("other",))
        if scope.kind != "function":
            return
        module_state = ctx.scopes[0].state.setdefault(self.code, [])
        names = [b[0] for b in state["binds"]]
        for var, call in state["binds"]:
            if names.count(var) != 1:
                continue
            uses = state["uses"].get(var, [])
            adds = {u[1] for u in uses if u[0] == "add"}
            forgets = {u[1]: u[2] for u in uses if u[0] == "forget"}
            if any(u[0] == "other" for u in uses) or len(adds) != 1 or set(forgets) != adds:
                continue
            container = next(iter(adds))
            module_state.append((call, container, forgets[container], _coroutine_qualname(scope, call)))

    def _confirm(self, scope, ctx) -> None:
        candidates = scope.state.get(self.code)
        if not candidates:
            return
        keys = {c[1] for c in candidates}
        observed = _observed_containers(scope.node, keys)
        defs = top_level_defs(scope.node)
        for call, container, forget, coro in candidates:
            if container in observed or (coro in defs and _reports_own_errors(ctx, defs[coro])):
                continue
            ctx.report(call, call=source(call.func), container=container, forget=forget)


def _classify(node: ast.Name, ctx) -> tuple:
    parent = ctx.parent
    parents = ctx.parents
    if isinstance(parent, ast.Call) and node in parent.args and len(parent.args) == 1 \
            and isinstance(parent.func, ast.Attribute) and parent.func.attr in CONTAINER_ADDERS \
            and isinstance(parents[-2], ast.Expr):
        return ("add", ast.unparse(parent.func.value))
    if isinstance(parent, ast.Attribute) and parent.attr == "add_done_callback" and len(parents) >= 2:
        call = parents[-2]
        if isinstance(call, ast.Call) and call.func is parent and len(call.args) == 1 and not call.keywords:
            arg = call.args[0]
            if isinstance(arg, ast.Attribute) and arg.attr in CONTAINER_FORGETTERS:
                return ("forget", ast.unparse(arg.value), arg.attr)
    return ("other",)


def _observed_containers(tree: ast.AST, keys: set) -> set:
    """Containers used, anywhere in the module, other than by adding,
    forgetting, `len()` or (re)initialising them."""
    last = {k.rsplit(".", 1)[-1] for k in keys}
    observed = set()
    stack = [(tree, None)]
    while stack:
        node, parent = stack.pop()
        for child in ast.iter_child_nodes(node):
            stack.append((child, node))
        name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
        if name is None or name not in last:
            continue
        key = ast.unparse(node)
        if key not in keys or key in observed:
            continue
        if isinstance(parent, ast.Attribute) and parent.value is node \
                and parent.attr in CONTAINER_ADDERS | CONTAINER_FORGETTERS:
            continue
        if isinstance(parent, ast.Call) and node in parent.args and isinstance(parent.func, ast.Name) \
                and parent.func.id == "len":
            continue
        if isinstance(getattr(node, "ctx", None), ast.Store):
            continue
        if isinstance(parent, (ast.Global, ast.Nonlocal)):
            continue
        observed.add(key)
    return observed


def _coroutine_qualname(scope, call: ast.Call):
    """Qualname of the same-module coroutine function the task runs:
    `f(...)` or `self.m(...)`."""
    if not call.args or not isinstance(call.args[0], ast.Call):
        return None
    func = call.args[0].func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self" \
            and "." in scope.qualname and "<locals>" not in scope.qualname:
        return scope.qualname.rsplit(".", 1)[0] + "." + func.attr
    return None


_CATCH_ALL = frozenset({"builtins.Exception", "builtins.BaseException"})


def _reports_own_errors(ctx, fn: ast.AST) -> bool:
    """The coroutine wraps its work in `try: ... except Exception:`."""
    for stmt in fn.body:
        if isinstance(stmt, ast.Try):
            for handler in stmt.handlers:
                if handler.type is None or dotted(ctx.symbol(handler.type)) in _CATCH_ALL:
                    return True
    return False
