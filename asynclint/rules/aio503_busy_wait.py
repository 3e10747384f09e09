"""AIO503: polling in-process state with sleep instead of waiting on it."""
from __future__ import annotations

import ast

from ..context import dotted
from ..knowledge.futures import JOIN_POLLERS, PROCESS_POLLERS, SLEEPS, STATE_READER_BUILTINS, STATE_READERS
from .base import Rule

_PURE = (ast.Name, ast.Attribute, ast.Constant, ast.Compare, ast.BoolOp, ast.UnaryOp, ast.Subscript,
         ast.BinOp, ast.expr_context, ast.boolop, ast.cmpop, ast.unaryop, ast.operator, ast.Tuple, ast.Slice)


class BusyWait(Rule):
    code = "AIO503"
    name = "busy-wait-polling"
    summary = "`while` loop that only checks a condition and sleeps: wait on an Event or Condition"
    message = "busy-wait: this loop only re-checks `{test}` and sleeps; {advice}"
    node_types = (ast.While,)
    why = """
        A loop whose body only sleeps and re-checks a flag, a counter or a
        future's `done()` wakes up again and again for nothing, and still
        reacts up to one sleep interval late. When the condition is state of
        the same program (another task sets it), an `asyncio.Event`
        (`await event.wait()`), an `asyncio.Condition` (`await
        cond.wait_for(predicate)`), or awaiting the future or task itself
        (`await asyncio.wait([task])`) wakes the waiter exactly when it
        changes.

        Reported only for loops in async code whose condition reads
        in-process state: names, attributes, comparisons and side-effect-free
        calls such as `done()`, `is_set()`, `empty()` or `len()`. Polling the
        outside world (a file, a process, a clock, a network call) is left
        alone, as is `while True: await asyncio.sleep(n)` with nothing to
        check. A child process is the exception: `proc.returncode` of an
        asyncio process, or `popen.poll()` of a `subprocess.Popen`, polled
        with sleep waits for what `await proc.wait()` (on a process from
        `asyncio.create_subprocess_exec`) delivers at once; so is a thread or
        `multiprocessing.Process` polled with `is_alive()` (`await
        asyncio.to_thread(t.join)`, or a `call_soon_threadsafe` from the
        thread when it ends).
    """
    bad_example = """
        import asyncio


        class Service:
            ready = False

            async def wait_ready(self):
                while not self.ready:
                    await asyncio.sleep(0.1)
    """
    good_example = """
        import asyncio


        class Service:
            def __init__(self):
                self.ready_event = asyncio.Event()   # set() by whoever makes it ready

            async def wait_ready(self):
                await self.ready_event.wait()
    """
    fix_notes = """
        None: the code that changes the state has to signal the Event or
        Condition, which the rule cannot see.
    """

    def check(self, node: ast.While, ctx) -> None:
        if not ctx.in_async or node.orelse:
            return
        body = [s for s in node.body if not _is_noise(s)]
        test = None
        if len(body) == 1 and _is_sleep(ctx, body[0]) and not _is_constant(node.test):
            test = node.test
        elif len(body) == 2 and _is_constant(node.test) and node.test.value is True:
            guard = [s for s in body if isinstance(s, ast.If)]
            sleeps = [s for s in body if _is_sleep(ctx, s)]
            if len(guard) == 1 and len(sleeps) == 1 and not guard[0].orelse and len(guard[0].body) == 1 \
                    and isinstance(guard[0].body[0], (ast.Break, ast.Return)) \
                    and (not isinstance(guard[0].body[0], ast.Return) or guard[0].body[0].value is None
                         or _is_constant(guard[0].body[0].value)):
                test = guard[0].test
        if test is None:
            return
        polls = _polls_process(ctx, test, PROCESS_POLLERS)
        joins = not polls and _polls_process(ctx, test, JOIN_POLLERS)
        if not polls and not joins and not _reads_state(ctx, test):
            return
        text = ast.unparse(test)
        advice = _POPEN_ADVICE if polls else _JOIN_ADVICE if joins else _WAIT_ADVICE if "returncode" in text \
            else _ADVICE
        ctx.report(node, test=text if len(text) <= 50 else text[:47] + "...", advice=advice)


_ADVICE = ("wait for it instead (`asyncio.Event`, `asyncio.Condition`, or await the future/task "
           "itself)")
_WAIT_ADVICE = "`await proc.wait()` instead, which returns when the process exits"
_POPEN_ADVICE = ("start the process with `asyncio.create_subprocess_exec(...)` and `await proc.wait()`, "
                   "which returns when it exits")


_JOIN_ADVICE = ("wait with `await asyncio.to_thread(t.join)` instead, or have the thread signal the loop "
                "when it ends (`loop.call_soon_threadsafe(event.set)`)")


def _polls_process(ctx, test: ast.AST, pollers: dict) -> bool:
    """The test calls a polling method of `pollers` (`poll()` on a
    `subprocess.Popen`, `is_alive()` on a `threading.Thread`; the class known
    from the call that made it or an annotation), and otherwise only
    compares."""
    found = False
    for n in ast.walk(test):
        if isinstance(n, ast.Call):
            func = n.func
            if not (isinstance(func, ast.Attribute) and not n.args and not n.keywords):
                return False
            sym = ctx.symbol(func.value)
            cls = dotted(sym[1]) if sym is not None and sym[0] in ("call", "inst") else None
            if func.attr not in pollers.get(cls, ()):
                return False
            found = True
        elif not isinstance(n, _PURE):
            return False
    return found


def _is_noise(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Pass) or (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant))


def _is_constant(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant)


def _is_sleep(ctx, stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Await) \
        and isinstance(stmt.value.value, ast.Call) and dotted(ctx.symbol(stmt.value.value.func)) in SLEEPS


def _reads_state(ctx, test: ast.AST) -> bool:
    saw_state = False
    for n in ast.walk(test):
        if isinstance(n, ast.Call):
            func = n.func
            if isinstance(func, ast.Attribute) and func.attr in STATE_READERS and not n.args and not n.keywords:
                saw_state = True
                continue
            if dotted(ctx.symbol(func)) in STATE_READER_BUILTINS:
                continue
            return False
        if isinstance(n, (ast.Name, ast.Attribute)):
            saw_state = True
            continue
        if not isinstance(n, _PURE):
            return False
    return saw_state
