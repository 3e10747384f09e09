"""AIO502: signal handling that bypasses, or cannot use, the event loop."""
from __future__ import annotations

import ast

from ..context import dotted
from ..index.queries import query
from ..knowledge.futures import SIGNAL_DISPOSITIONS, SIGNAL_SIGNAL
from ._callers import async_callers
from ._lifecycle import top_level_defs, walk_local
from .base import Rule, last_names

# Calls that run their callable argument in another thread: name -> index of
# that argument (keyword "target" for threading.Thread).
_THREAD_RUNNERS = {
    "threading.Thread": ("target", None),
    "asyncio.to_thread": (None, 0),
    "asyncio.threads.to_thread": (None, 0),
}


_SIGNAL_WHAT = ("`signal.signal()` {}: the handler runs at an arbitrary point of the event loop's thread "
                "and cannot safely touch the loop; use `loop.add_signal_handler()`")


class SignalHandler(Rule):
    code = "AIO502"
    name = "signal-outside-event-loop"
    summary = "`signal.signal()` in a program that runs an event loop, or `add_signal_handler()` off the main thread"
    message = "{what}"
    node_types = (ast.Call,)
    callee_names = last_names(["add_signal_handler", "run_in_executor"], _THREAD_RUNNERS, SIGNAL_SIGNAL)
    why = """
        A handler installed with `signal.signal()` runs between two bytecodes
        of whatever the main thread is doing, which in an asyncio program is
        the event loop's own machinery: it cannot safely touch the loop,
        tasks or futures (no `task.cancel()`, no `loop.stop()`), and raising
        from it lands at a random point inside the loop.
        `loop.add_signal_handler()` runs the callback as an ordinary loop
        callback instead. Conversely `add_signal_handler()` only works in the
        main thread: from a thread's own function it raises (or silently
        never fires with a non-main loop).

        `signal.signal()` is reported inside async code, and in sync code of a
        module that runs an event loop (`asyncio.run`, `run_until_complete`,
        `aiohttp.web.run_app`, ...) or of a function a coroutine calls
        directly, when the handler is a function (restoring `SIG_DFL`,
        `SIG_IGN` or a saved handler is fine, and so is a handler that only
        sets flags or records the signal, or `signal.signal()` as the fallback
        where `add_signal_handler()` is not available). A handler is also left
        alone when it reaches the loop only through `call_soon_threadsafe()` /
        `run_coroutine_threadsafe()` (with logging, `os._exit()`, `os.kill()`
        or a watchdog thread beside) and raises only to escalate, the way
        asyncio's own SIGINT handler does (it cancels the main task on the
        first Ctrl+C and raises `KeyboardInterrupt` on a later one): the
        exception is `SystemExit` or `KeyboardInterrupt` (or a class of the
        module derived from one), which asyncio lets out of tasks and
        callbacks so that `run_until_complete()` ends with it, and the raise
        runs only once a flag kept across signals is set (`if FLAG:`, or the
        `else` of `if not FLAG:`, with FLAG declared `nonlocal`/`global`,
        False, None or 0 where the handler is defined, and not set by the
        handler before that test). Raising on the first
        signal is still reported: the asyncio docs warn that it can interrupt
        asyncio's internals and keep the program from exiting; so is raising
        any other exception (it is stored on whatever task was running).
        `add_signal_handler()` is
        reported in a function this module starts as a thread
        (`threading.Thread(target=...)`, `asyncio.to_thread(...)`,
        `loop.run_in_executor(...)`).
    """
    bad_example = """
        import asyncio
        import signal


        async def serve(): ...


        def main():
            task = None
            signal.signal(signal.SIGTERM, lambda *_: task.cancel())
            asyncio.run(serve())
    """
    good_example = """
        import asyncio
        import signal


        async def serve(): ...


        async def main():
            loop = asyncio.get_running_loop()
            task = asyncio.current_task()
            loop.add_signal_handler(signal.SIGTERM, task.cancel)
            await serve()
    """
    fix_notes = """
        None: move the handler into a coroutine and register it with
        `asyncio.get_running_loop().add_signal_handler(sig, callback)`.
    """

    def check(self, node: ast.Call, ctx) -> None:
        func = node.func
        module_state = ctx.scopes[0].state.setdefault(self.code, {"threads": [], "adders": [], "signals": []})
        if isinstance(func, ast.Attribute) and func.attr == "add_signal_handler":
            fn = ctx.function
            if fn is not None and fn.kind == "function":
                module_state["adders"].append((fn.qualname, node))
            return
        if isinstance(func, ast.Attribute) and func.attr == "run_in_executor" and len(node.args) > 1:
            module_state["threads"].append(ctx.symbol(node.args[1]))
            return
        name = dotted(ctx.symbol(func))
        if name in _THREAD_RUNNERS:
            keyword, index = _THREAD_RUNNERS[name]
            target = None
            if keyword:
                target = next((k.value for k in node.keywords if k.arg == keyword), None)
            elif len(node.args) > index:
                target = node.args[index]
            if target is not None:
                module_state["threads"].append(ctx.symbol(target))
            return
        if name not in SIGNAL_SIGNAL:
            return
        handler = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "handler"), None)
        if handler is None:
            return
        handler_qual = _handler_function(ctx, handler)
        if handler_qual is None:
            return
        handler_node = _handler_node(ctx, handler)
        if handler_node is not None and (_only_sets_flags(handler_node)
                                         or _leaves_asyncio_alone(ctx, handler_node, _handler_home(ctx, handler))):
            return  # records the signal, exits, or reaches the loop only through thread-safe calls
        fn = ctx.function
        if fn is not None and _also_adds_signal_handler(fn.node):
            return  # the fallback where add_signal_handler is not available
        qual = fn.info.qualname if fn is not None and fn.info is not None else None
        module_state["signals"].append((node, ctx.in_async, qual, handler_qual))

    def leave_scope(self, scope, ctx) -> None:
        if scope.kind != "module":
            return
        state = scope.state.get(self.code)
        if not state:
            return
        if state["signals"]:
            defs = top_level_defs(scope.node)
            for node, in_async, qual, handler_qual in state["signals"]:
                handler_def = defs.get(handler_qual)
                if handler_def is not None and _only_sets_flags(handler_def):
                    continue  # a handler that only records the signal is safe anywhere
                if in_async:
                    ctx.report(node, what=_SIGNAL_WHAT.format("in async code"))
                else:
                    ctx.report_if(("aio502-loop-program", qual), node, what="")
        if not state["adders"] or not state["threads"]:
            return
        targets = set()
        for sym in state["threads"]:
            if sym is None:
                continue
            if sym[0] == "global" and sym[1] == ctx.module.name:
                targets.add(sym[2])
            elif sym[0] == "attr" and sym[1] is not None and sym[1][0] == "inst" and sym[1][1] is not None \
                    and sym[1][1][0] == "global" and sym[1][1][1] == ctx.module.name:
                targets.add(f"{sym[1][1][2]}.{sym[2]}")
        for qual, node in state["adders"]:
            if qual in targets:
                ctx.report(node, what=f"`add_signal_handler()` in `{qual}`, which runs in another thread: it only "
                                      "works in the main thread; install it from the main thread's event loop")


def _handler_function(ctx, handler: ast.AST):
    """For a lambda, a def, a method, or a partial of one: its qualname
    ("<lambda>" for a lambda); None for SIG_DFL/SIG_IGN, a variable holding a
    saved handler, or anything unknown."""
    if isinstance(handler, ast.Lambda):
        return "<lambda>"
    if isinstance(handler, ast.Call):
        if dotted(ctx.symbol(handler.func)) == "functools.partial" and handler.args:
            return _handler_function(ctx, handler.args[0])
        return None
    if dotted(ctx.symbol(handler)) in SIGNAL_DISPOSITIONS:
        return None
    sym = ctx.symbol(handler)
    if sym is None:
        return None
    if sym[0] == "global" and sym[1] == ctx.module.name:
        return sym[2] if sym[2] in ctx.module.functions else None
    if sym[0] == "attr" and sym[1] is not None and sym[1][0] == "inst" and sym[1][1] is not None \
            and sym[1][1][0] == "global" and sym[1][1][1] == ctx.module.name:
        cls = ctx.module.classes.get(sym[1][1][2])
        return cls.methods[sym[2]] if cls is not None and sym[2] in cls.methods else None
    return None


def _also_adds_signal_handler(fn: ast.AST) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr == "add_signal_handler" for n in walk_local(fn.body))


_RECORDERS = frozenset({"append", "add", "debug", "info", "warning", "error", "exception"})

# Methods that change a loop, task, future or asyncio primitive (not safe
# from a signal handler); the thread-safe entry points are not among them.
_LOOP_MUTATORS = frozenset({
    "cancel", "stop", "close", "set_result", "set_exception", "create_task", "call_soon", "call_later",
    "call_at", "run_until_complete", "run_forever", "put_nowait", "get_nowait", "set", "clear", "release",
    "add_done_callback", "remove_done_callback", "throw", "send", "notify", "notify_all", "shutdown",
})
_THREADSAFE = frozenset({"asyncio.run_coroutine_threadsafe", "asyncio.tasks.run_coroutine_threadsafe"})


def _handler_node(ctx, handler: ast.AST):
    """The lambda or def the handler names: a lambda in place, a def nested
    in the enclosing function, a module-level function or a method of the
    enclosing class."""
    if isinstance(handler, ast.Lambda):
        return handler
    if isinstance(handler, ast.Call) and dotted(ctx.symbol(handler.func)) == "functools.partial" and handler.args:
        return _handler_node(ctx, handler.args[0])
    defs = top_level_defs(ctx.scopes[0].node)
    if isinstance(handler, ast.Name):
        fn = ctx.function
        if fn is not None:
            for n in ast.walk(fn.node):
                if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == handler.id and n is not fn.node:
                    return n
        return defs.get(handler.id)
    if isinstance(handler, ast.Attribute) and isinstance(handler.value, ast.Name) and handler.value.id == "self":
        for scope in reversed(ctx.scopes):
            if scope.kind == "class":
                return defs.get(f"{scope.node.name}.{handler.attr}")
    return None


def _leaves_asyncio_alone(ctx, fn: ast.AST, home: ast.AST = None) -> bool:
    """The handler never changes an asyncio object except through
    `call_soon_threadsafe` / `run_coroutine_threadsafe` (what `os._exit`,
    logging, `os.kill` or a watchdog thread do is not the loop's business),
    and raises only to escalate (`_escalating_raise`). `home`: the function
    or module the handler is defined in, where its flags start out."""
    body = [fn.body] if isinstance(fn, ast.Lambda) else fn.body
    escalations = set() if isinstance(fn, ast.Lambda) else _escalating_raises(ctx, fn, home)
    for n in walk_local(body):
        if isinstance(n, ast.Await) or (isinstance(n, ast.Raise) and n not in escalations):
            return False
        if isinstance(n, ast.Call):
            func = n.func
            if isinstance(func, ast.Attribute) and func.attr in _LOOP_MUTATORS:
                return False
            name = dotted(ctx.symbol(func)) or ""
            if name.startswith("asyncio.") and name not in _THREADSAFE:
                return False
    return True


# The two exceptions asyncio lets out of a task or callback (`Task.__step`
# and `Handle._run` re-raise them), so that `run_until_complete()` and
# `asyncio.run()` end with them; any other one is stored on whatever task was
# running when the signal came.
_STOPPING_EXCEPTIONS = frozenset({"builtins.SystemExit", "builtins.KeyboardInterrupt"})


def _escalating_raises(ctx, fn: ast.AST, home) -> set:
    """The `raise` statements of handler `fn` that escalate, as asyncio's own
    SIGINT handler does (it cancels the main task on the first Ctrl+C and
    raises `KeyboardInterrupt` only on a later one): the exception is
    `SystemExit`/`KeyboardInterrupt` or a class of this module derived from
    one, and the raise runs only once a flag kept across signals is set: in
    the body of `if FLAG:` (or `if FLAG and ...:`), or the `else` of `if not
    FLAG:`, where the handler declares FLAG `nonlocal`/`global` and every
    assignment to it where the handler is defined is False, None or 0 (and
    the handler sets it only after that test). A raise on the first signal
    is what the asyncio docs warn about: it can interrupt asyncio's
    internals and hang the program."""
    if home is None:
        return set()
    declared = {name for n in walk_local(_own_statements(fn)) if isinstance(n, (ast.Nonlocal, ast.Global))
                for name in n.names}
    flags = {name for name in declared if _starts_false(home, name)}
    if not flags:
        return set()
    # where the handler itself sets each flag: a test after that line no
    # longer tells a later signal from this one
    first_set = {}
    for n in walk_local(_own_statements(fn)):
        for target in n.targets if isinstance(n, ast.Assign) else \
                [n.target] if isinstance(n, (ast.AugAssign, ast.AnnAssign)) else []:
            if isinstance(target, ast.Name) and target.id in flags:
                first_set[target.id] = min(first_set.get(target.id, n.lineno), n.lineno)
    out = set()
    for node, guards in _raises_under(fn.body, ()):
        if _stops_the_loop(ctx, node.exc) and any(
                flag is not None and test.lineno < first_set.get(flag, test.lineno + 1)
                for test, in_body in guards for flag in [_flag_set_after_first_signal(test, in_body, flags)]):
            out.add(node)
    return out


def _raises_under(stmts, guards):
    """Each `raise` in `stmts` (not in nested defs) with the `if` tests it
    sits under: (test, True) in the body, (test, False) in the `else`."""
    for stmt in stmts:
        if isinstance(stmt, ast.Raise):
            yield stmt, guards
        elif isinstance(stmt, ast.If):
            yield from _raises_under(stmt.body, guards + ((stmt.test, True),))
            yield from _raises_under(stmt.orelse, guards + ((stmt.test, False),))
        elif isinstance(stmt, (ast.For, ast.While, ast.With, ast.Try)):
            for block in (stmt.body, getattr(stmt, "orelse", []), getattr(stmt, "finalbody", []),
                          *(h.body for h in getattr(stmt, "handlers", []))):
                yield from _raises_under(block, guards)


def _flag_set_after_first_signal(test: ast.AST, in_body: bool, flags: set):
    """The flag whose being set sends the code into this arm of `if test:`
    (the body when `in_body`, else the `else`), or None."""
    if in_body:
        tests = test.values if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) else [test]
        return next((t.id for t in tests if isinstance(t, ast.Name) and t.id in flags), None)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and isinstance(test.operand, ast.Name) \
            and test.operand.id in flags:
        return test.operand.id
    return None


def _starts_false(home: ast.AST, name: str) -> bool:
    """Every assignment to `name` in `home`'s own body (not in nested defs)
    is `name = False` / `None` / `0`, and there is one."""
    values = []
    for n in walk_local(_own_statements(home)):
        if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name) and n.target.id == name:
            if n.value is not None:  # a bare annotation binds nothing
                values.append(n.value)
        elif isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in n.targets):
            values.append(n.value)
        elif isinstance(n, (ast.Assign, ast.AugAssign, ast.For, ast.comprehension, ast.withitem, ast.NamedExpr)):
            targets = n.targets if isinstance(n, ast.Assign) else [getattr(n, "target", None) or n.optional_vars]
            if any(isinstance(x, ast.Name) and x.id == name for t in targets if t is not None for x in ast.walk(t)):
                values.append(None)  # bound some other way: its value is unknown
    return bool(values) and all(isinstance(v, ast.Constant) and v.value in (False, None, 0)
                                and not isinstance(v.value, str) for v in values)


def _own_statements(fn: ast.AST) -> list:
    """The statements of `fn`'s body that are not defs or classes
    (`walk_local` enters the nodes it is given)."""
    return [s for s in fn.body if not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]


def _stops_the_loop(ctx, exc) -> bool:
    """`exc` (what a `raise` raises) is SystemExit/KeyboardInterrupt, called
    or not, or a class of this module derived from one."""
    if isinstance(exc, ast.Call):
        exc = exc.func
    classes = {s.name: s for s in ctx.scopes[0].node.body if isinstance(s, ast.ClassDef)}
    seen = set()
    todo = [exc] if exc is not None else []
    while todo:
        node = todo.pop()
        if dotted(ctx.symbol(node)) in _STOPPING_EXCEPTIONS:
            return True
        if isinstance(node, ast.Name) and node.id in classes and node.id not in seen:
            seen.add(node.id)
            todo.extend(classes[node.id].bases)
    return False


def _handler_home(ctx, handler: ast.AST):
    """Where the handler's def sits: the enclosing function for a nested
    def, the module for a module-level one; None otherwise (a lambda, a
    method: its flags are attributes)."""
    if isinstance(handler, ast.Call) and dotted(ctx.symbol(handler.func)) == "functools.partial" and handler.args:
        return _handler_home(ctx, handler.args[0])
    if not isinstance(handler, ast.Name):
        return None
    fn = ctx.function
    if fn is not None and any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == handler.id
                              and n is not fn.node for n in ast.walk(fn.node)):
        return fn.node
    module = ctx.scopes[0].node
    return module if any(isinstance(s, ast.FunctionDef) and s.name == handler.id for s in module.body) else None


def _only_sets_flags(fn: ast.AST) -> bool:
    """The handler body only assigns flags, records the signal or logs."""
    for n in walk_local(fn.body):
        if isinstance(n, ast.Call):
            if not (isinstance(n.func, ast.Attribute) and n.func.attr in _RECORDERS):
                return False
        elif isinstance(n, (ast.Raise, ast.Await, ast.Yield, ast.YieldFrom, ast.Delete, ast.With, ast.For, ast.While)):
            return False
    return True


@query("aio502-loop-program")
def _loop_program(index, module: str, qualname):
    summary = index.modules.get(module)
    if summary is not None and summary.runs_loop:
        return {"what": _SIGNAL_WHAT.format("in a module that runs an event loop")}
    callers = async_callers(index).get((module, qualname)) if qualname is not None else None
    if callers:
        return {"what": _SIGNAL_WHAT.format(f"in `{qualname}`, which async `{callers[0][1]}` calls")}
    return None
