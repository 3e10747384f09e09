"""AIO404: a handler in async code that swallows asyncio.CancelledError."""
from __future__ import annotations

import ast

from ..context import dotted
from ..knowledge.futures import CANCELLED_ERRORS, LOOP_RUNNERS, PROCESS_EXITS
from ..knowledge.loops import TASK_SPAWNERS
from ..index.nodes import parent_of
from ._lifecycle import has_await, walk_local
from ._text import mentions, unparse
from .base import Rule

_LOOPS = (ast.For, ast.While, ast.AsyncFor)
_TRY_TYPES = tuple(t for t in (ast.Try, getattr(ast, "TryStar", None)) if t is not None)


class SwallowedCancellation(Rule):
    code = "AIO404"
    name = "cancellation-swallowed"
    summary = "Handler in async code catches CancelledError and carries on: cancel() and timeouts stop working"
    message = (
        "{what} in async code catches `asyncio.CancelledError` and carries on: `task.cancel()` and "
        "timeouts stop working; re-raise it after cleanup (or catch `Exception`)"
    )
    node_types = (*_TRY_TYPES, ast.Call, ast.Await)
    why = """
        Cancelling a task (`task.cancel()`, `asyncio.timeout()`,
        `wait_for()`, a `TaskGroup` shutting down) raises
        `asyncio.CancelledError` at the task's current `await`. Since Python
        3.8 it is a `BaseException`, so `except Exception` lets it through,
        but a bare `except:`, `except BaseException` or `except
        asyncio.CancelledError` catches it. A handler that then carries on
        (logs and loops again, or goes on to await more work) turns the
        cancellation into nothing: the task keeps running, `await task`
        does not raise, timeouts do not fire, and shutdown hangs.

        Reported only when the `try` body can actually be cancelled (it
        awaits), and the handler neither re-raises (a `raise` anywhere in
        it, even in a branch, counts), nor returns, breaks out or exits, nor
        falls through to the end of the function without awaiting again
        (cleanup, then done), nor hands the exception on (stores it, passes
        it to a call other than logging). Also left alone: waiting for a
        task or future object (`task.cancel(); try: await task except
        CancelledError: ...`: the error may be that task's own
        cancellation), a handler that sets the flag ending its `while`
        loop or a flag the function re-raises on later (`if cancelled:
        raise`), and the program's main coroutine (the one given to
        `asyncio.run()` in the module) ending quietly on Ctrl-C.

        Reported by default where the swallowed cancellation matters: the
        handler is in a `while` or `async for` loop that goes on (the task
        may never stop,
        and `asyncio.run()` hangs at exit waiting for it), or someone in the
        module observes the coroutine's cancellation: its task is awaited,
        gathered or waited for (`t = asyncio.create_task(f()); ...; await
        t`, `asyncio.gather(f())`, `asyncio.wait_for(f(), 5)`), it runs in
        an `asyncio.TaskGroup`, or it is awaited under `asyncio.timeout()`.
        The other shapes (a fire-and-forget task or a request handler that
        swallows its cancellation once and then finishes its cleanup) stop
        anyway and nobody waits for them: they are the opt-in AIO405.
    """
    bad_example = """
        async def worker(queue):
            while True:
                try:
                    item = await queue.get()
                    await process(item)
                except BaseException:
                    log.exception("failed")
    """
    good_example = """
        import asyncio
        import logging

        log = logging.getLogger(__name__)


        async def process(item): ...


        async def flush(): ...


        async def worker(queue: asyncio.Queue):
            while True:
                try:
                    item = await queue.get()
                    await process(item)
                except Exception:
                    log.exception("failed")
                except asyncio.CancelledError:
                    await flush()
                    raise
    """
    fix_notes = """
        None: add a bare `raise` at the end of the handler, or narrow it to
        `except Exception` when cancellation was never meant to be caught.
    """

    def check(self, node: ast.AST, ctx) -> None:
        if isinstance(node, ast.Call):
            func = node.func
            last = func.attr if type(func) is ast.Attribute else func.id if type(func) is ast.Name else None
            if last not in _NOTED_NAMES and type(parent_of(node)) is not ast.Await:
                return  # most calls: neither `asyncio.run(main())` nor a waiter (`_note_observer`)
            self._note_main(node, ctx)
            _note_observer(node, ctx, self._state(ctx))
            return
        if isinstance(node, ast.Await):
            if isinstance(node.value, (ast.Name, ast.Attribute)):
                self._state(ctx)["awaited"].add(unparse(node.value))
            return
        if not ctx.in_async or not has_await(node.body):
            return
        for handler in node.handlers:
            what = _catches_cancel(ctx, handler.type)
            if what is None or _escapes(ctx, handler) or _forwards(ctx, handler):
                continue
            if _awaits_cancelled_task(ctx, node) or _only_awaits_objects(ctx, node) or _ends_loop(ctx, handler) \
                    or _raises_later(ctx, handler):
                continue
            if not _carries_on(ctx, node):
                continue
            self._state(ctx)["found"].append((handler, what, ctx.function.qualname, _loops_on(ctx)))

    def _state(self, ctx) -> dict:
        state = ctx.scopes[0].state.get(self.code)
        if state is None:
            state = ctx.scopes[0].state[self.code] = {
                "mains": set(), "found": [], "observed": set(), "tasks": [], "awaited": set()}
        return state

    def _note_main(self, node: ast.Call, ctx) -> None:
        """`asyncio.run(main())`: `main` is the program's main coroutine."""
        func = node.func
        last = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
        if last not in ("run", "run_until_complete") or not node.args or not isinstance(node.args[0], ast.Call):
            return
        if last == "run" and dotted(ctx.symbol(func)) not in LOOP_RUNNERS:
            return
        inner = node.args[0].func
        name = inner.id if isinstance(inner, ast.Name) else None
        if name:
            self._state(ctx)["mains"].add(name)

    def leave_scope(self, scope, ctx) -> None:
        if scope.kind != "module":
            return
        state = scope.state.get(self.code)
        if not state:
            return
        observed = state["observed"] | {name for name, target in state["tasks"] if target in state["awaited"]}
        for handler, what, qualname, loops in state["found"]:
            if qualname in state["mains"]:
                continue  # the main coroutine ending quietly on Ctrl-C
            if self.reports(loops, qualname.rsplit(".", 1)[-1] in observed):
                ctx.report(handler, what=what)

    def reports(self, loops: bool, observed: bool) -> bool:
        """AIO404: the swallowed cancellation matters (see `why`)."""
        return loops or observed


_GATHERING = frozenset({"asyncio.gather", "asyncio.tasks.gather"})
_WAIT_FOR = frozenset({"asyncio.wait_for", "asyncio.tasks.wait_for"})
_WAIT = frozenset({"asyncio.wait", "asyncio.tasks.wait"})
_TASK_GROUPS = frozenset({"asyncio.TaskGroup", "asyncio.taskgroups.TaskGroup"})
_OBSERVER_NAMES = frozenset({"gather", "wait_for", "wait", "create_task", "ensure_future"})
# the callee names `check` looks at a call for (`_note_main`, `_note_observer`)
_NOTED_NAMES = _OBSERVER_NAMES | {"run", "run_until_complete"}
_TIMEOUTS = frozenset({"asyncio.timeout", "asyncio.timeouts.timeout", "asyncio.timeout_at",
                       "asyncio.timeouts.timeout_at"})
_TIMEOUT_WORDS = ("timeout",)  # what every name resolving to one of `_TIMEOUTS` spells


def _called_name(node: ast.AST):
    """`f` of a call `f(...)`, `self.f(...)`, `obj.f(...)`."""
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None


def _note_observer(node: ast.Call, ctx, state: dict) -> None:
    """Evidence that someone waits for a coroutine's task, and so sees
    whether it was cancelled: `gather(f())`, `wait_for(f(), t)`,
    `tg.create_task(f())` in a TaskGroup, `await f()` under
    `asyncio.timeout()`, or a task `t = create_task(f())` whose name is
    awaited, gathered or waited for in the module."""
    func = node.func
    last = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    parent = ctx.parent
    if last not in _OBSERVER_NAMES and not isinstance(parent, ast.Await):
        return  # cheap test first: most calls are none of these
    name = dotted(ctx.symbol(func))
    if name in _GATHERING or name in _WAIT_FOR or name in _WAIT:
        args = node.args[:1] if name not in _GATHERING else node.args
        for arg in args:
            if isinstance(arg, ast.Starred):
                arg = arg.value
            items = arg.elts if isinstance(arg, (ast.List, ast.Tuple, ast.Set)) else [arg]
            for item in items:
                called = _called_name(item)
                if called is not None and name not in _WAIT:
                    state["observed"].add(called)
                elif isinstance(item, (ast.Name, ast.Attribute)):
                    state["awaited"].add(unparse(item))
        return
    spawns = name in TASK_SPAWNERS or (isinstance(func, ast.Attribute) and func.attr == "create_task")
    if spawns and node.args:
        coro = _called_name(node.args[0])
        if coro is None:
            return
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
                and _bound_by_async_with(ctx, func.value.id, _TASK_GROUPS):
            state["observed"].add(coro)
            return
        if isinstance(parent, (ast.Assign, ast.AnnAssign)):
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            for target in targets:
                if isinstance(target, (ast.Name, ast.Attribute)):
                    state["tasks"].append((coro, unparse(target)))
        return
    if isinstance(parent, ast.Await) and parent.value is node and mentions(ctx, _TIMEOUT_WORDS) \
            and _under_async_with(ctx, _TIMEOUTS):
        called = _called_name(node)
        if called is not None:
            state["observed"].add(called)


def _bound_by_async_with(ctx, name: str, factories) -> bool:
    for parent in reversed(ctx.parents):
        if isinstance(parent, ast.AsyncWith):
            for item in parent.items:
                var = item.optional_vars
                if isinstance(var, ast.Name) and var.id == name and isinstance(item.context_expr, ast.Call) \
                        and dotted(ctx.symbol(item.context_expr.func)) in factories:
                    return True
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return False
    return False


def _under_async_with(ctx, factories) -> bool:
    """An `async with` of one of `factories` holds the node, in its
    function: up through the parent links (asked for every awaited call),
    not a list of every ancestor up to the module."""
    parent = parent_of(ctx.node)
    while parent is not None:
        if isinstance(parent, ast.AsyncWith) and any(
                isinstance(i.context_expr, ast.Call) and dotted(ctx.symbol(i.context_expr.func)) in factories
                for i in parent.items):
            return True
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return False
        parent = parent_of(parent)
    return False


def _loops_on(ctx) -> bool:
    """The try statement sits in a `while` or `async for` loop of its
    function: after the handler the loop goes round again, as long as it
    likes. (A `for` over a collection, closing each client in turn, ends.)"""
    for parent in reversed(ctx.parents):
        if isinstance(parent, (ast.While, ast.AsyncFor)):
            return True
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return False
    return False


def _catches_cancel(ctx, type_node):
    if type_node is None:
        return "bare `except:`"
    nodes = type_node.elts if isinstance(type_node, ast.Tuple) else [type_node]
    for n in nodes:
        name = dotted(ctx.symbol(n))
        if name in CANCELLED_ERRORS:
            short = "BaseException" if name == "builtins.BaseException" else "asyncio.CancelledError"
            return f"`except {unparse(type_node)}`" if len(unparse(type_node)) < 60 else f"`except {short}`"
    return None


def _escapes(ctx, handler: ast.ExceptHandler) -> bool:
    for n in walk_local(handler.body):
        if isinstance(n, (ast.Raise, ast.Return, ast.Break)):
            return True
        if isinstance(n, ast.Call) and dotted(ctx.symbol(n.func)) in PROCESS_EXITS:
            return True
    return False


_LOGGING = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "print"})


def _forwards(ctx, handler: ast.ExceptHandler) -> bool:
    """The handler passes the exception on (stores it, hands it to a call
    other than logging, throws it into something): a deliberate transfer."""
    logging_args = set()
    for n in walk_local(handler.body):
        if isinstance(n, ast.Call):
            func = n.func
            last = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
            if last in _LOGGING:
                logging_args.update(id(a) for a in walk_local([*n.args, *[k.value for k in n.keywords]]))
            elif dotted(ctx.symbol(func)) == "sys.exc_info" or last in ("throw", "set_exception"):
                return True
    if handler.name is None:
        return False
    for n in walk_local(handler.body):
        if isinstance(n, ast.Name) and n.id == handler.name and isinstance(n.ctx, ast.Load) \
                and id(n) not in logging_args:
            return True
    return False


def _awaits_cancelled_task(ctx, try_node: ast.AST) -> bool:
    """`task.cancel()` then `try: await task except CancelledError: ...`: the
    idiom for waiting until a child task has finished cancelling."""
    body = try_node.body
    if len(body) != 1 or not isinstance(body[0], (ast.Expr, ast.Assign)) or not isinstance(body[0].value, ast.Await):
        return False
    awaited = body[0].value.value
    if isinstance(awaited, ast.Call) and awaited.args and dotted(ctx.symbol(awaited.func)) in (
            "asyncio.wait_for", "asyncio.shield", "asyncio.gather", "asyncio.wait"):
        awaited = awaited.args[0]
    target = unparse(awaited)
    fn = ctx.function
    if fn is None:
        return False
    for n in walk_local(fn.node.body):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "cancel" \
                and unparse(n.func.value) == target and n.lineno <= try_node.lineno:
            return True
    return False


_NEUTRAL_CONTEXTS = frozenset({"asyncio.timeout", "asyncio.timeouts.timeout", "asyncio.timeout_at"})


def _only_awaits_objects(ctx, try_node: ast.AST) -> bool:
    """Every await in the try body waits on an existing task or future (a
    name or attribute, not a call): its CancelledError may be that task's own
    cancellation, which the handler may mean to absorb."""
    awaits = 0
    for n in walk_local(try_node.body):
        if isinstance(n, ast.Await):
            target = n.value
            if isinstance(target, ast.Call) and dotted(ctx.symbol(target.func)) in (
                    "asyncio.shield", "asyncio.wait_for") and target.args:
                target = target.args[0]
            if not isinstance(target, (ast.Name, ast.Attribute)):
                return False
            awaits += 1
        elif isinstance(n, ast.AsyncFor):
            return False
        elif isinstance(n, ast.AsyncWith):
            for item in n.items:
                expr = item.context_expr
                if not (isinstance(expr, ast.Call) and dotted(ctx.symbol(expr.func)) in _NEUTRAL_CONTEXTS):
                    return False
    return awaits > 0


def _raises_later(ctx, handler: ast.ExceptHandler) -> bool:
    """The handler records the cancellation in a flag and the function
    re-raises when the flag is set: `cancelled = True` ... `if cancelled: raise`."""
    flags = {t.id for n in walk_local(handler.body) if isinstance(n, ast.Assign)
             for t in n.targets if isinstance(t, ast.Name)}
    if not flags or ctx.function is None:
        return False
    for n in walk_local(ctx.function.node.body):
        if isinstance(n, ast.If) and any(isinstance(m, ast.Name) and m.id in flags for m in ast.walk(n.test)) \
                and any(isinstance(m, ast.Raise) for m in walk_local(n.body)):
            return True
    return False


def _ends_loop(ctx, handler: ast.ExceptHandler) -> bool:
    """The handler sets a flag that the enclosing `while` tests: it ends the loop."""
    loop = next((p for p in reversed(ctx.parents) if isinstance(p, _LOOPS)), None)
    if not isinstance(loop, ast.While):
        return False
    tested = {unparse(n) for n in ast.walk(loop.test) if isinstance(n, (ast.Name, ast.Attribute))}
    for n in walk_local(handler.body):
        if isinstance(n, ast.Assign) and any(unparse(t) in tested for t in n.targets):
            return True
    return False


def _carries_on(ctx, try_node: ast.AST) -> bool:
    """After the try statement, does the function go on to await again (or
    loop back) before it ends?"""
    current = try_node
    for parent in reversed(ctx.parents):
        for field in ("body", "orelse", "finalbody", "handlers"):
            block = getattr(parent, field, None)
            if isinstance(block, list) and current in block:
                if isinstance(parent, _LOOPS) and field == "body":
                    return True
                rest = block[block.index(current) + 1:]
                if has_await(rest) or any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in walk_local(rest)):
                    return True
                if any(isinstance(n, (ast.Raise, ast.Return)) for n in rest):
                    return False
                break
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return False
        current = parent
    return False
