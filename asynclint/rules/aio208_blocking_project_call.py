"""AIO208: a call from async code to a project sync function that blocks."""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, List, Tuple

from .. import noqa
from ..context import dotted
from ..knowledge.blocking import NONBLOCKING_ARG_ATTRS
from ..knowledge.threads import THREAD_IDENTITY_CALLS
from ..positions import char_col
from ..diagnostics import Applicability, Diagnostic, Fixability, Related
from ..index import blocking as B
from ..index import debug_flags, once
from ..index.nodes import called_name, children, walk
from ._blocking import (ENVIRONMENT_WORDS, HARMLESS_RECEIVER_ATTRS, TO_THREAD, analyse, fix_if_possible,
                        harmless_receiver, in_quiet_file, in_setup_code, knobs, left_alone_here, local_env,
                        module_debug_flags, note_self_attribute, once_if)
from ._text import callee_text, mentions
from .base import Rule


def _is_type_checking(test: ast.AST) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    if isinstance(test, ast.Attribute):
        return test.attr == "TYPE_CHECKING"
    return False


_TYPE_TESTS = frozenset({"isinstance", "hasattr", "callable"})


def _calls_and_items(test: ast.AST) -> tuple:
    """The calls in the test of an `if` of a sync function, and whether it
    holds an item (`os.environ[...]`), found in one walk: the parameter-type
    and thread tests look only at its calls, and the debug-only test needs
    a call or an item; most tests (`x is None`) hold neither."""
    calls = []
    item = False
    stack = [test]
    while stack:
        node = stack.pop()
        t = type(node)
        if t is ast.Call:
            calls.append(node)
        elif t is ast.Subscript:
            item = True
        stack.extend(children(node))
    return calls, item


def _is_method(ctx, fn) -> bool:
    scopes = ctx.scopes
    for i in range(len(scopes) - 1, 0, -1):
        if scopes[i] is fn:
            return scopes[i - 1].kind == "class"
    return False


def _tests_parameter_type(ctx, calls: list, fn) -> bool:
    """`isinstance(p, ...)`, `hasattr(p, ...)`, `callable(p)` (possibly
    negated or combined) on a parameter the caller passes (not `self`/`cls`:
    `hasattr(self, "_cache")` tests the object's state, not an argument).
    The tested names first: most tests with a call test no type."""
    tested = [node.args[0].id for node in calls
              if isinstance(node.func, ast.Name) and node.func.id in _TYPE_TESTS
              and node.args and isinstance(node.args[0], ast.Name)]
    if not tested:
        return False
    params = _params(fn.node)
    if params and _is_method(ctx, fn):
        params = params[1:]
    params = {a.arg for a in params}
    return any(name in params for name in tested)


_RUNNING_LOOP = frozenset({"asyncio.get_running_loop", "asyncio._get_running_loop", "asyncio.events._get_running_loop",
                           "asyncio.events.get_running_loop"})
_NO_LOOP_ERRORS = frozenset({"builtins.RuntimeError"})
# What every name resolving to one of `_RUNNING_LOOP` spells in the file
# (phase 1 resolves only the file's own imports and assignments).
_RUNNING_LOOP_WORDS = ("running_loop",)


def _tests_thread_or_loop(ctx, calls: list) -> bool:
    """The test (`calls`: its calls) asks which thread runs, or whether a
    loop runs here."""
    for node in calls:
        name = dotted(ctx.symbol(node.func))
        if name in THREAD_IDENTITY_CALLS or name in _RUNNING_LOOP:
            return True
        if isinstance(node.func, ast.Attribute) and node.func.attr == "is_running" and not node.args:
            return True
    return False


def _asks_running_loop(ctx, body) -> bool:
    return any(isinstance(n, ast.Call) and dotted(ctx.symbol(n.func)) in _RUNNING_LOOP
               for stmt in body for n in walk(stmt))


def _params(node: ast.AST) -> list:
    args = getattr(node, "args", None)
    if args is None:
        return []
    out = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    if args.vararg:
        out.append(args.vararg)
    if args.kwarg:
        out.append(args.kwarg)
    return out


class BlockingProjectCall(Rule):
    code = "AIO208"
    name = "blocking-project-call"
    summary = "Async code calls a project sync function that blocks, directly or through further calls"
    message = "`{call}(...)` blocks the event loop: {chain}; run it with `await asyncio.to_thread(...)`"
    # The default view: one finding at the blocking call itself.
    root_message = ("`{api}()` in `{helper}` blocks the event loop: {count} ({first}); "
                    "make `{helper}` async, or call it with `await asyncio.to_thread(...)`")
    fixable = Fixability.SOMETIMES
    fix_applicability = Applicability.UNSAFE
    node_types = (ast.Call, ast.Assign, ast.AnnAssign, ast.If, ast.Try, ast.Yield, ast.YieldFrom)
    notes_self_attributes_only = True  # at assignments: the blocking family notes them for it
    why = """
        A sync helper that opens a file, sleeps, runs a subprocess or queries
        a sync client blocks the loop just as much as the call itself, and
        call-site checkers (ruff, flake8-async) never see it. The index
        follows the project's own sync functions and methods across modules,
        to any depth (40 calls). Each blocking call is reported once, where
        the fix belongs: at the call in the helper, with how many async call
        sites reach it and the first few of them (all of them, each with its
        chain `load_settings() -> read_file() -> open()`, as related
        locations in JSON and SARIF). `report-each-caller = true` reports
        every async call site instead (with its fix; flake8, which sees one
        file at a time, always does). A chain names the costliest call on it
        (a download or a subprocess rather than an `exists()` check), and
        cheap file metadata (AIO210) never makes a helper blocking. Generators, functions
        behind decorators it does not know, calls made only under
        `if TYPE_CHECKING:`, calls in a branch on a parameter's type
        (`if isinstance(fp, io.IOBase): ... else: open(fp)`: whether they
        run depends on the caller's argument) and calls that are
        non-blocking by their arguments, by their receiver (`connect()` on
        a UDP socket, an archive over an in-memory buffer) or by the test
        around them (a queue's `get()` under `while not q.empty():`) are not
        counted, nor are branches that run only off the loop (under a
        thread-identity or running-loop test, or in the `RuntimeError`
        handler of `get_running_loop()`).
        Blocking calls in test code are left alone unless
        `blocking-in-tests = true`, call sites in developer tooling
        (`tooling-paths`: `evals/`, `benchmarks/`) unless
        `blocking-in-tooling = true`, and so are call sites in start-up code
        (`lifespan`, a traitlets `Application`'s `initialize`/`init_*`,
        framework start-up hooks, the main
        coroutine outside its loops: they run once, before anything is
        served) unless `blocking-at-startup = true`, and call sites in the
        own work of a one-shot command that serves nothing (a click/typer
        command or `__main__` running its coroutine with `asyncio.run()`,
        its `for` loops included) unless `blocking-in-commands = true`; a helper also reached
        from anywhere else is still reported. So is memoised one-time work
        (a `functools.cache` function without parameters, the block of a
        lazy `if self._x is None: self._x = ...` whose value is the same for
        every caller): its cost is paid on the first call only. A call site
        in the set-up code of a resource (a `setup()`, `init_*()` or
        `on_mount()` method, an async factory `open_*()`/`create_*()` that
        returns a new object) is left alone when the helper reaches nothing
        costlier than file I/O, unless `blocking-at-setup = true`. Code that
        runs only while a debug flag from the environment is on (`if not
        DUMP_AUDIO: return`, with `DUMP_AUDIO = os.getenv(...)`) is left
        alone unless `blocking-in-debug-code = true`. Calls to names listed in
        `extra-blocking-calls` are reported here too; names listed in
        `allowed-blocking-calls` (APIs or project functions) are never
        reported or followed.
    """
    bad_example = """
        def read_file(path):
            with open(path) as f:
                return f.read()

        def load_settings():
            return toml.loads(read_file("settings.toml"))

        async def handler(request):
            settings = load_settings()
    """
    good_example = """
        import asyncio
        import json


        def load_settings():
            with open("settings.json") as f:
                return json.load(f)


        async def handler(request):
            settings = await asyncio.to_thread(load_settings)
            return settings
    """
    fix_notes = """
        With `report-each-caller = true`, each async call site is moved to a
        worker thread: `await asyncio.to_thread(load_settings)` (unsafe). The
        default finding at the helper's blocking call has no automatic fix:
        whether to make the helper async or offload its callers is a design
        choice.
    """

    def check(self, node: ast.AST, ctx) -> None:
        t = type(node)
        if t is ast.Call:
            if ctx.in_async:
                if in_quiet_file(ctx):
                    return
                result = analyse(ctx, node)
                # a catalogued API of another rule: nothing to report here
                if result[0] == "defer" or (result[0] == "hit" and result[1] == self.code):
                    if not left_alone_here(ctx):
                        self._check_async_call(node, ctx)
            else:
                self._note_sync_call(node, ctx)
        elif t is ast.If:
            fn = ctx.function
            if fn is None or fn.info is None or not node.body:
                return
            found = None  # (calls, item) of the test, walked once when asked
            if _is_type_checking(node.test):
                fn.info.uncounted_lines.append((node.body[0].lineno, node.body[-1].end_lineno or node.lineno))
            elif not fn.is_async:
                if once.guarded_target(node.test) is not None and once_if(ctx, node):
                    # a lazy initialisation: counted only with `blocking-at-startup = true`
                    fn.info.once_lines.append(once.line_range(node))
                else:
                    found = calls, _ = _calls_and_items(node.test)
                    if calls and (_tests_parameter_type(ctx, calls, fn)
                                  or _tests_thread_or_loop(ctx, calls)):
                        # `if isinstance(fp, io.IOBase): ... else: open(fp)`: whether
                        # it blocks depends on what the caller passes; unproven.
                        # `if threading.current_thread() is main: ... else: wait()`,
                        # `if not loop.is_running(): ...`: the code already tells the
                        # loop thread from the others, one branch is off the loop.
                        last = (node.orelse or node.body)[-1]
                        fn.info.uncounted_lines.append((node.body[0].lineno, last.end_lineno or node.lineno))
            parent = ctx.parent
            if not fn.is_async and parent is not None:
                # debug-only code: counted only with `blocking-in-debug-code = true`.
                # Without a module flag only a test reading the environment
                # (a call or `os.environ[...]`) can say so: most tests cannot,
                # and none in a file that never spells `getenv` or `environ`.
                flags = module_debug_flags(ctx)
                if flags or (mentions(ctx, ENVIRONMENT_WORDS) and any(found or _calls_and_items(node.test))):
                    fn.info.debug_lines.extend(debug_flags.debug_ranges(
                        node, debug_flags.block_of(node, parent), flags))
        elif t is ast.Try:
            fn = ctx.function
            if fn is None or fn.info is None or fn.is_async or not mentions(ctx, _RUNNING_LOOP_WORDS) \
                    or not _asks_running_loop(ctx, node.body):
                return
            for handler in node.handlers:
                # `try: asyncio.get_running_loop() except RuntimeError: <no loop runs here>`
                if handler.body and (handler.type is None or dotted(ctx.symbol(handler.type)) in _NO_LOOP_ERRORS):
                    fn.info.uncounted_lines.append((handler.body[0].lineno,
                                                    handler.body[-1].end_lineno or handler.lineno))
        elif t is ast.Yield or t is ast.YieldFrom:
            fn = ctx.function
            if fn is not None and fn.info is not None:
                fn.info.is_generator = True
        else:
            note_self_attribute(node, ctx)

    def _check_async_call(self, node: ast.Call, ctx) -> None:
        result = analyse(ctx, node)
        if result[0] == "hit":
            if result[1] == self.code:  # declared blocking in config
                ctx.report(node, fix=fix_if_possible(ctx, TO_THREAD), call=callee_text(ctx, node.func),
                           chain=f"`{B.short(result[2])}` is listed in `extra-blocking-calls`")
        elif result[0] == "defer":
            q = ("aio2-transitive", result[1], knobs(ctx))
            if in_setup_code(ctx):
                q += ("setup",)  # a resource's set-up: file I/O alone is left alone
            ctx.report_if(q, node, fix=fix_if_possible(ctx, TO_THREAD), call=callee_text(ctx, node.func))

    def _note_sync_call(self, node: ast.Call, ctx) -> None:
        fn = ctx.function
        if fn is None or fn.info is None:
            return
        info = fn.info
        calls = info.calls
        if not (calls and calls[-1][1] == node.lineno and calls[-1][2] == node.col_offset):  # not recorded
            sym = B.call_symbol(ctx, node)  # `with requests.Session() as s: s.get()`
            if sym is None:
                return
            calls.append((sym, node.lineno, node.col_offset))
        func = node.func
        name = called_name(func)
        # the name first: most calls are none of these and look no further
        if (name in B.NONBLOCKING_MODE_ATTRS and B.expects_nonblocking(ctx)) \
                or (name in B.LAZY_LISTING_ATTRS and B.lazy_listing_unconsumed(ctx, node)):
            info.quiet_calls.append((node.lineno, node.col_offset))
        elif name in NONBLOCKING_ARG_ATTRS:  # `B.may_be_nonblocking`
            hit = local_env(ctx).classify(info.calls[-1][0])
            names = [hit[1]] if hit else B.NONBLOCKING_BY_LAST.get(name, ())
            if any(B.returns_at_once(n, node) for n in names):
                info.quiet_calls.append((node.lineno, node.col_offset))
        elif name in HARMLESS_RECEIVER_ATTRS and type(func) is ast.Attribute and type(func.value) is ast.Name:
            hit = local_env(ctx).classify(info.calls[-1][0])
            if hit is not None and harmless_receiver(ctx, node, hit[1]):
                info.quiet_calls.append((node.lineno, node.col_offset))


def group(diagnostics: List[Diagnostic], files: Dict[str, Tuple[str, Path]], ignored_for) -> List[Diagnostic]:
    """One AIO208 finding per blocking call instead of one per async caller
    (and one AIO210 finding per metadata call reached through helpers).

    `files`: module -> (display path, path) of the files being reported.
    Callers whose blocking call lies in a file not reported (pre-commit
    passing only changed files) keep their own findings. A `# noqa` for
    AIO208 on the blocking call, or a per-file ignore of its file, silences
    the whole group; one on a caller line silences that caller (phase 1)."""
    groups: Dict[tuple, List[Diagnostic]] = {}
    out: List[Diagnostic] = []
    for d in diagnostics:
        root = dict(d.extra).get("_root") if d.extra else None
        if root is None or root[0] not in files:
            out.append(d)
        else:
            groups.setdefault((d.code, root), []).append(d)
    lines: Dict[Path, List[str]] = {}
    for (code, root), callers in groups.items():
        module, qualname, line, col, api = root
        display, path = files[module]
        if path not in lines:
            try:
                lines[path] = path.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                lines[path] = []
        text = lines[path][line - 1] if 0 < line <= len(lines[path]) else ""
        if noqa.line_suppresses(text, code):
            continue
        if noqa.suppresses(frozenset(ignored_for(display, path)), code):
            continue
        callers.sort(key=Diagnostic.sort_key)
        shown = ", ".join(f"{c.path}:{c.line}:{c.col}" for c in callers[:3])
        more = f", +{len(callers) - 3} more" if len(callers) > 3 else ""
        count = "1 async call site reaches it" if len(callers) == 1 else f"{len(callers)} async call sites reach it"
        helper = display_function(qualname)[:-2]
        first = callers[0]
        out.append(Diagnostic(
            path=display, line=line, col=char_col([text], 1, col), code=first.code, name=first.name,
            message=BlockingProjectCall.root_message.format(api=api, helper=helper, count=count,
                                                           first=shown + more),
            severity=first.severity,
            related=tuple(Related(c.path, c.line, c.col, c.message) for c in callers),
        ))
    return out


def display_function(qualname: str) -> str:
    return B.display_function(qualname)

