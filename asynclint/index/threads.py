"""Thread context: which functions run off the event-loop thread.

Phase 1 (`note_call`, `note_assign`, called by the engine walk for every call
and assignment) records, as plain data in `ModuleSummary.thread_entries`, the
places where a file hands a callable to another thread:

    ("call", target_sym, kind, label, line, col, passed_types)
        `Thread(target=f)`, `executor.submit(f)`, `signal.signal(s, f)`, ...
        (a lambda counts as each function it calls, `functools.partial(f, ...)`
        as `f`); `passed_types` says, by position, which asyncio objects the
        call hands to `f` as arguments (`Thread(target=f, args=(fut,))`)
    ("server", handler_class_sym, server_sym, label, line, col)
        `SomeServer(address, Handler)`: Handler's methods run in a thread when
        the server mixes in `socketserver.ThreadingMixIn` (checked in phase 2)
    ("attr", target_sym, kind, label, line, col, start_call)
        `client.on_message = f` for a library that calls it from its own
        thread once `start_call` (`loop_start`) is called in the same module
    ("started", name, line)
        evidence for the previous kind

Phase 2 (`thread_context(index, patterns)`, memoised on the `ProjectIndex`)
adds the methods the libraries call from their threads (`Thread.run`
overrides, watchdog handlers), resolves every entry to a project function
and propagates "runs off the loop thread" through `FunctionInfo.calls`: a
sync function called from one that runs in a thread runs there too (async
functions are not followed: calling one in a thread only creates a coroutine).
Calls on `self` dispatch to overrides in project subclasses of the class
`self` is known to be on that path. A function that sets up or runs a loop
of its own (`asyncio.run`, `new_event_loop`, `set_event_loop`,
`run_forever`, ..., also through a helper it calls) makes that thread an
"own loop" thread: the AIO3 rules keep quiet there and in what it calls.
`param_types(index)` joins the `passed_types` of the entries of each
function (AIO301/AIO302 on unannotated parameters).

Messages name the entry point as `path:line`, the path relative to the
current directory when the file is under it (so usually as the user typed
it), else absolute; within one file, that is the file the finding is in.
"""
from __future__ import annotations

import ast
import functools
import os
import re
from collections import deque
from dataclasses import dataclass
from fnmatch import fnmatchcase, translate as fnmatch_translate
from typing import Dict, List, Optional, Tuple

from . import nodes
from .nodes import parent_of
from .local_types import (_classify_value, asyncio_class, is_event_loop, local_assignments, method_class,
                          self_attr_assignments)
from .summary import dotted
from ..knowledge import threads as K
from .project import rebuildable
from .queries import query

_PARTIALS = frozenset({"functools.partial", "functools.partialmethod"})
_SPAWN_CALLS = {**K.LIBRARY_THREAD_CALLS, **K.THREAD_SPAWN_CALLS}
_CALL_NAMES = frozenset(
    {name.rsplit(".", 1)[-1] for name in _SPAWN_CALLS}
    | set(K.EXECUTOR_METHODS) | set(K.EXECUTOR_METHOD_NAMES) | {K.RUN_IN_EXECUTOR[0], K.EXECUTOR_FUTURE_CALLBACK}
    | {start for _kind, _attrs, start in K.THREAD_CALLBACK_ATTRS.values()}
)
_DRIVEN_NAMES = K.LOOP_DRIVEN_CLIENT_CALLS | K.LOOP_DRIVER_CALLS
_LIST_DOORS = frozenset({"zeroconf"})
_CALLBACK_ATTRS = frozenset(a for _k, attrs, _s in K.THREAD_CALLBACK_ATTRS.values() for a in attrs)
_LAST_NAMES_CACHE: Dict[tuple, frozenset] = {}


def _patterns(ctx) -> tuple:
    return tuple(getattr(ctx.options, "thread_entry_points", None) or ())


def _pattern_last_names(patterns: tuple) -> frozenset:
    names = _LAST_NAMES_CACHE.get(patterns)
    if names is None:
        names = frozenset(p.rsplit(".", 1)[-1] for p in patterns)
        _LAST_NAMES_CACHE[patterns] = names
    return names


def _short(node: ast.AST, limit: int = 60) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # pragma: no cover - unparse of odd nodes
        return "..."
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 4] + "...)"


# -- phase 1 ----------------------------------------------------------------------
def _arg(call: ast.Call, pos: int, kw: Optional[str]) -> Optional[ast.AST]:
    if kw:
        for keyword in call.keywords:
            if keyword.arg == kw:
                return keyword.value
    args = call.args
    if pos is not None and pos < len(args) and not any(isinstance(a, ast.Starred) for a in args[: pos + 1]):
        return args[pos]
    return None


def _type_name(ctx, node: ast.AST) -> Optional[str]:
    """Dotted class of the value of `node` when a constructor call or an
    annotation says it."""
    sym = ctx.symbol(node)
    if sym is not None and sym[0] in ("call", "inst"):
        return dotted(sym[1])
    return None


def _callee_names(ctx, call: ast.Call) -> List[str]:
    names = []
    qn = ctx.qualified_name(call.func)
    if qn:
        names.append(qn)
    if isinstance(call.func, ast.Attribute):
        recv = call.func.value
        owner = _type_name(ctx, recv)
        if owner is None and isinstance(recv, ast.Name):
            bound = _with_bound(ctx, recv.id)  # `with ThreadPool(4) as pool:`
            if isinstance(bound, ast.Call):
                owner = dotted(ctx.symbol(bound.func))
        if owner:
            names.append(f"{owner}.{call.func.attr}")
    return names


def _with_bound(ctx, name: str) -> Optional[ast.AST]:
    """The context expression of an enclosing `with X as name`."""
    for parent in reversed(ctx.parents):
        if isinstance(parent, (ast.With, ast.AsyncWith)):
            for item in parent.items:
                if isinstance(item.optional_vars, ast.Name) and item.optional_vars.id == name:
                    return item.context_expr
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            break
    return None


def _executor_kind(ctx, node: ast.AST) -> Optional[str]:
    """"thread" for a thread pool, "process" for a process pool, else None."""
    candidates = [node]
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        values = self_attr_assignments(ctx, node.value.id, node.attr)
        if values:
            candidates = [v for v in values if isinstance(v, ast.AST)] or candidates
    elif isinstance(node, ast.Name):
        bound = _with_bound(ctx, node.id)
        if bound is not None:
            candidates = [bound]
        else:
            values = local_assignments(ctx, node.id)
            if values:
                candidates = values
    kinds = set()
    for cand in candidates:
        name = _type_name(ctx, cand) if not isinstance(cand, ast.Call) else dotted(ctx.symbol(cand.func))
        if name in K.EXECUTOR_CLASSES:
            kinds.add("thread")
        elif name in K.PROCESS_EXECUTOR_CLASSES:
            kinds.add("process")
        else:
            kinds.add(None)
    if kinds == {"thread"}:
        return "thread"
    if "process" in kinds:
        return "process"
    text = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
    lowered = text.lower()
    if any(hint in lowered for hint in K.EXECUTOR_NAME_HINTS) and "process" not in lowered:
        return "thread"
    return None


def _is_executor_future(ctx, node: ast.AST) -> bool:
    """A `concurrent.futures.Future` a thread pool's `submit` returned: bound
    to a local or an attribute, or walked from a list of them."""
    values = [node]
    if isinstance(node, ast.Name):
        values = local_assignments(ctx, node.id) or []
        if not values:
            elements = _loop_values(ctx, node)
            if elements is None:
                elements = _comprehension_futures(ctx, node)
            values = elements or []
    elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        values = self_attr_assignments(ctx, node.value.id, node.attr) or []
    if not values:
        return False
    for value in values:
        if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
                and value.func.attr == "submit" and _executor_kind(ctx, value.func.value) == "thread"):
            return False
    return True


def _comprehension_futures(ctx, name: ast.Name) -> Optional[List[ast.AST]]:
    """`for fut in futures:` where `futures = [executor.submit(...) for ...]`:
    the element expression of that comprehension."""
    for parent in reversed(ctx.parents):
        if isinstance(parent, (ast.For, ast.AsyncFor)) and isinstance(parent.target, ast.Name) \
                and parent.target.id == name.id:
            source = parent.iter
            if isinstance(source, ast.Name):
                values = local_assignments(ctx, source.id) or []
                if len(values) == 1 and isinstance(values[0], (ast.ListComp, ast.GeneratorExp)):
                    return [values[0].elt]
            if isinstance(source, (ast.ListComp, ast.GeneratorExp)):
                return [source.elt]
            return None
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            break
    return None


def classify_entry_call(ctx, call: ast.Call) -> Optional[Tuple[str, List[ast.AST]]]:
    """(kind, callable argument nodes) when `call` hands callables to code
    that runs them in another thread (or as a signal handler)."""
    func = call.func
    if isinstance(func, ast.Attribute):
        last = func.attr
    elif isinstance(func, ast.Name):
        last = func.id
    else:
        return None
    patterns = _patterns(ctx)
    if last not in _CALL_NAMES and not (patterns and last in _pattern_last_names(patterns)):
        return None
    names = _callee_names(ctx, call)
    for name in names:
        spec = _SPAWN_CALLS.get(name)
        if spec is not None:
            kind, pos, kw = spec[:3]
            if kind == "scheduler-decorator":
                return _decorated(call, "scheduler")
            extras = spec[3] if len(spec) > 3 else ()
            args = [a for a in [_arg(call, pos, kw), *(_arg(call, None, x) for x in extras)] if a is not None]
            if len(spec) > 3 or kind in _LIST_DOORS:  # a list of handlers counts element by element
                args = [e for a in args for e in (a.elts if isinstance(a, (ast.List, ast.Tuple)) else [a])]
            return (kind, args) if args else None
    if isinstance(func, ast.Attribute):
        spec = K.EXECUTOR_METHOD_NAMES.get(last)
        if spec is not None:
            arg = _arg(call, spec[1], spec[2])
            return (spec[0], [arg]) if arg is not None else None
        if last in K.EXECUTOR_METHODS and _executor_kind(ctx, func.value) == "thread":
            arg = _arg(call, K.EXECUTOR_METHODS[last], None)
            return ("worker", [arg]) if arg is not None else None
        if last == K.RUN_IN_EXECUTOR[0]:

            if is_event_loop(ctx, func.value) and call.args and _executor_kind(ctx, call.args[0]) != "process":
                arg = _arg(call, K.RUN_IN_EXECUTOR[1], None)
                return ("worker", [arg]) if arg is not None else None
        if last == K.EXECUTOR_FUTURE_CALLBACK and call.args and _is_executor_future(ctx, func.value):
            return ("worker", [call.args[0]])
    if patterns:
        for name in names:
            if any(fnmatchcase(name, p) for p in patterns):
                args = [a for a in call.args if not isinstance(a, ast.Starred)]
                args += [k.value for k in call.keywords if k.arg]
                return ("config", args)
    return None


def _decorated(call: ast.Call, kind: str) -> Optional[Tuple[str, List[ast.AST]]]:
    """A decorator call (`@scheduler.scheduled_job(...)`): the function it
    decorates is the callable handed over."""
    parent = parent_of(call)
    if isinstance(parent, ast.FunctionDef) and any(d is call for d in parent.decorator_list):
        return kind, [ast.Name(id=parent.name, ctx=ast.Load())]
    return None


def _loop_values(ctx, name: ast.Name) -> Optional[List[ast.AST]]:
    """Elements a `for` loop (or comprehension) variable takes when it walks
    a literal list/tuple/set, or a local or module name bound to one
    (`for job in (a, b): Thread(target=job)`)."""
    for parent in reversed(ctx.parents):
        gens = []
        if isinstance(parent, (ast.For, ast.AsyncFor)):
            gens = [parent]
        elif isinstance(parent, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            gens = parent.generators
        for gen in gens:
            if isinstance(gen.target, ast.Name) and gen.target.id == name.id:
                return _literal_elements(ctx, gen.iter)
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            break
    return None


def _literal_elements(ctx, node: ast.AST, depth: int = 0) -> Optional[List[ast.AST]]:
    """Elements of a literal list/tuple/set (values of a literal dict, for
    `.values()`), directly or through a name bound once to one."""
    if depth > 2:
        return None
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return list(node.elts)
    if isinstance(node, ast.Dict):
        return list(node.values)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "values" \
            and not node.args:
        found = _literal_elements(ctx, node.func.value, depth + 1)
        return found
    values = None
    if isinstance(node, ast.Name):
        values = local_assignments(ctx, node.id)
        if values is None and ctx.binding_scope(node.id) is None:
            values = _module_literal(ctx, node.id)
    elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        values = self_attr_assignments(ctx, node.value.id, node.attr)
    if not values or len(values) != 1 or not isinstance(values[0], ast.AST):
        return None
    return _literal_elements(ctx, values[0], depth + 1)


def _module_literal(ctx, name: str) -> Optional[List[ast.AST]]:
    """The value of a module-level `NAME = [...]`/`{...}` assigned once."""
    tree = ctx.parents[0] if ctx.parents else None
    if not isinstance(tree, ast.Module):
        return None
    found = []
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets):
            found.append(stmt.value)
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == name \
                and stmt.value is not None:
            found.append(stmt.value)
    return found if len(found) == 1 and isinstance(found[0], (ast.List, ast.Tuple, ast.Set, ast.Dict)) else None


def _targets(ctx, node: Optional[ast.AST], depth: int = 0) -> List[tuple]:
    """Symbols of the functions a callable expression runs: a function, a
    lambda (each function it calls), `functools.partial(f, ...)`, an element
    of a literal list/tuple/dict of callables (a loop variable over one, a
    subscript of one), a bound method stored in an attribute."""
    if node is None or depth > 3:
        return []
    if isinstance(node, ast.Subscript):
        elements = _literal_elements(ctx, node.value)
        return [t for e in elements or () for t in _targets(ctx, e, depth + 1)]
    if isinstance(node, ast.Name):
        elements = _loop_values(ctx, node)
        if elements is not None:
            return [t for e in elements for t in _targets(ctx, e, depth + 1)]
    if isinstance(node, ast.Lambda):
        params = {a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)}
        out = []
        for sub in nodes.walk(node.body):
            if isinstance(sub, ast.Call):
                root = sub.func
                while isinstance(root, ast.Attribute):
                    root = root.value
                if isinstance(root, ast.Name) and root.id in params:
                    continue
                out.extend(_targets(ctx, sub.func, depth + 1))
        return out
    if isinstance(node, ast.Call):
        if dotted(ctx.symbol(node.func)) in _PARTIALS and node.args:
            return _targets(ctx, node.args[0], depth + 1)
        if isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.args:
            # `HANDLERS.get(name)` of a literal dict of handlers
            elements = _literal_elements(ctx, ast.Call(func=ast.Attribute(value=node.func.value, attr="values"),
                                                       args=[], keywords=[]))
            return [t for e in elements or () for t in _targets(ctx, e, depth + 1)]
        return []
    if isinstance(node, (ast.Name, ast.Attribute)):
        stored = _stored_callable(ctx, node, depth) if isinstance(node, ast.Attribute) else []
        if stored:
            return stored
        sym = ctx.symbol(node)
        if sym is not None:
            return [sym]
        return _stored_callable(ctx, node, depth) if isinstance(node, ast.Name) else []
    return []


def _stored_callable(ctx, node: ast.AST, depth: int) -> List[tuple]:
    """`self._job` assigned `self._run` (or another callable) in the class,
    a local bound once to a callable."""
    values = None
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        values = self_attr_assignments(ctx, node.value.id, node.attr)
    elif isinstance(node, ast.Name):
        values = local_assignments(ctx, node.id)
    if not values:
        return []
    out = []
    for value in values:
        if not isinstance(value, (ast.Attribute, ast.Name, ast.Lambda, ast.Call)):
            return []
        out.extend(_targets(ctx, value, depth + 1))
    return out


def _best_effort(hook):
    """Engine hooks run outside the per-rule error guard: knowledge they fail
    to record is lost, the file is still checked."""
    def guarded(node, ctx):
        try:
            hook(node, ctx)
        except (RecursionError, Exception):  # pragma: no cover - defensive
            pass
    guarded.__name__ = hook.__name__
    guarded.__doc__ = hook.__doc__
    return guarded


_IDENTITY_LAST = frozenset(name.rsplit(".", 1)[1] for name in K.THREAD_IDENTITY_CALLS)


def in_thread_checked_branch(ctx, node: ast.AST) -> bool:
    """True when `node` sits in an `if` (of its own function) whose test asks
    which thread runs: such code already tells the loop thread apart."""
    child, parent = node, parent_of(node)
    while parent is not None and not isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        if isinstance(parent, ast.If) and child is not parent.test:
            for sub in nodes.walk(parent.test):
                if isinstance(sub, ast.Call) and dotted(ctx.symbol(sub.func)) in K.THREAD_IDENTITY_CALLS:
                    return True
            if _in_stopped_loop_arm(ctx, parent, child):
                return True
        child, parent = parent, parent_of(parent)
    return False


def _in_stopped_loop_arm(ctx, stmt: ast.If, child: ast.AST) -> bool:
    """`child` is in the arm of `if loop.is_running():` (or `if not ...`)
    that runs while the loop is stopped. The other arm runs while the loop
    runs, on whatever thread this is, so it is not exempt."""
    arm = _stopped_arm(stmt.test, lambda c: _loop_state_check(ctx, c))
    if arm is None:
        return False
    return any(c is child for c in (stmt.orelse if arm == "orelse" else stmt.body))


def _stopped_arm(test: ast.AST, is_check) -> Optional[str]:
    """Which arm of an `if` runs only while the loop is stopped (or absent):
    "orelse" for `loop.is_running()` and `loop and loop.is_running()`,
    "body" for `not loop.is_running()` and `not loop or not ...`; None when
    the test does not say."""
    def check(node):
        return isinstance(node, ast.Call) and is_check(node)

    def negated(node):
        return isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not) and check(node.operand)

    if check(test) or (isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) and any(map(check, test.values))):
        return "orelse"
    if negated(test) or (isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or) and any(map(negated, test.values))):
        return "body"
    return None


def off_loop_branch(ctx, node: ast.AST) -> Optional[str]:
    """The context text when `node` sits in the arm of an `if` (of its own
    function) that runs only off the loop thread by the test itself:
    `if threading.current_thread() is not threading.main_thread():`,
    `if threading.get_ident() != self._loop_thread_id:`,
    `if asyncio._get_running_loop() is not self.loop:` (the body), or the
    `else` of the `==`/`is` forms. None when unknown."""
    child, parent = node, parent_of(node)
    while parent is not None and not isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        if isinstance(parent, ast.If) and child is not parent.test:
            negated = _off_loop_test(ctx, parent.test)
            if negated is not None:
                in_body = any(child is stmt for stmt in parent.body)
                if in_body == negated:
                    return (f"runs off the loop thread: in the branch of `if {_short(parent.test, 70)}` "
                            f"at {display_path(ctx.module.path)}:{parent.lineno}")
                return None
        child, parent = parent, parent_of(parent)
    return None


# Docstrings saying code is called from other threads ("called from worker
# threads", "from another thread"); "on the loop thread" does not count.
_FROM_THREADS = re.compile(
    r"\b(from|in|by|on)\s+(other|another|any|worker|background|multiple|different|foreign|non-loop|"
    r"a\s+(worker|background|different|separate|another))\b[\w\s-]{0,20}?threads?\b")


def bridge_context(ctx, node: ast.AST) -> Optional[str]:
    """The context text when `node` calls a method on `self.X` in a sync
    method of a sync/async bridge class: a sibling method already hands the
    same `self.X` to the loop thread with `call_soon_threadsafe` /
    `run_coroutine_threadsafe`, and the class or the method is documented as
    called from threads. The direct call is then the thread side done wrong."""
    fn = ctx.function
    if fn is None or fn.kind != "function" or fn.is_async or not isinstance(node, ast.Call):
        return None
    func = node.func
    receiver = func.value if isinstance(func, ast.Attribute) else None
    args = fn.node.args
    positional = [*args.posonlyargs, *args.args]
    if not (positional and isinstance(receiver, ast.Attribute) and isinstance(receiver.value, ast.Name)
            and receiver.value.id == positional[0].arg):
        return None
    idx = ctx.scopes.index(fn)
    if idx == 0 or ctx.scopes[idx - 1].kind != "class":
        return None
    cls = ctx.scopes[idx - 1].node
    docs = " ".join(filter(None, (ast.get_docstring(cls), ast.get_docstring(fn.node)))).lower()
    if "thread" not in docs or not _FROM_THREADS.search(" ".join(docs.split())):
        return None
    attr = receiver.attr
    for sibling in cls.body:
        if not isinstance(sibling, (ast.FunctionDef, ast.AsyncFunctionDef)) or sibling is fn.node:
            continue
        for sub in nodes.walk(sibling):
            if not isinstance(sub, ast.Call):
                continue
            last = sub.func.attr if isinstance(sub.func, ast.Attribute) else None
            name = dotted(ctx.symbol(sub.func)) if last is None or last not in K.THREADSAFE_LOOP_METHODS else None
            if last not in K.THREADSAFE_LOOP_METHODS and name not in K.THREADSAFE_CALLS:
                continue
            for part in nodes.walk(sub):
                if isinstance(part, ast.Attribute) and part.attr == attr and isinstance(part.value, ast.Name) \
                        and part.value.id == receiver.value.id:
                    how = last or (name or "").rsplit(".", 1)[-1]
                    return (f"runs in a thread: `{cls.name}.{fn.node.name}` is documented as called from threads, "
                            f"and `{cls.name}.{sibling.name}` hands `self.{attr}` over with `{how}` "
                            f"at {display_path(ctx.module.path)}:{sub.lineno}")
    return None


def _off_loop_test(ctx, test: ast.AST) -> Optional[bool]:
    """For a test comparing the current thread (or running loop) with the loop
    thread's: True when it holds off the loop thread (`is not`, `!=`),
    False when it holds on it (`is`, `==`), None when not such a test."""
    negate = False
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        negate, test = True, test.operand
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return None
    op = test.ops[0]
    if isinstance(op, (ast.IsNot, ast.NotEq)):
        holds_off = True
    elif isinstance(op, (ast.Is, ast.Eq)):
        holds_off = False
    else:
        return None
    left, right = test.left, test.comparators[0]
    for here, other in ((left, right), (right, left)):
        name = dotted(ctx.symbol(here.func)) if isinstance(here, ast.Call) else None
        if name in K.CURRENT_THREAD_CALLS and _is_loop_thread(ctx, other):
            return holds_off != negate
        if name in K.RUNNING_LOOP_PROBES and not here.args and _names_a_loop(other):
            return holds_off != negate
    return None


def _is_loop_thread(ctx, node: ast.AST) -> bool:
    """`threading.main_thread()`, or a name/attribute that says it holds the
    loop thread (`self._loop_thread`, `loop_thread_id`)."""
    if isinstance(node, ast.Call):
        return dotted(ctx.symbol(node.func)) in K.MAIN_THREAD_CALLS
    text = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
    return "loop" in text.lower() and "thread" in text.lower()


def _names_a_loop(node: ast.AST) -> bool:
    text = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
    return text.lstrip("_").lower() in ("loop", "event_loop", "main_loop", "loop_", "asyncio_loop")


def thread_queue_symbol(ctx, node: ast.AST):
    """The symbol of a `queue.Queue` (known from its constructor or an
    annotation), else None."""
    name = _type_name(ctx, node)
    if name is None:
        values = None
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            values = self_attr_assignments(ctx, node.value.id, node.attr)
        elif isinstance(node, ast.Name):
            values = local_assignments(ctx, node.id)
        if values and all(isinstance(v, ast.Call) and dotted(ctx.symbol(v.func)) in K.THREAD_QUEUE_CLASSES
                          for v in values):
            name = "queue.Queue"
    if name not in K.THREAD_QUEUE_CLASSES:
        return None
    return _queue_key(ctx, node)


def _queue_key(ctx, node: ast.AST):
    """Which queue: ("global", module, name) for a module's (followed through
    imports in phase 2), ("selfattr", class qualname, attr) for `self.x`."""
    if isinstance(node, ast.Name):
        scope = ctx.binding_scope(node.id)
        if scope is None:
            bound = ctx.module.bindings.get(node.id)
            if bound is not None and bound[0] == "global":
                return bound  # imported from another module
            return ("global", ctx.module.name, node.id)
        return ("local", scope.qualname, node.id)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        fn = ctx.function
        if fn is not None and fn.kind == "function":
            idx = ctx.scopes.index(fn)
            if idx > 0 and ctx.scopes[idx - 1].kind == "class":
                # the module too: two modules' `Client._waiters` are not one
                return ("selfattr", f"{ctx.module.name}:{ctx.scopes[idx - 1].qualname}", node.attr)
    return None


def carrier_kind(ctx, node: ast.AST) -> Optional[str]:
    """"queue", "dict" or "contextvar" when `node` holds a carrier an asyncio
    object can travel through to a thread (known from its constructor, a
    literal or an annotation), else None."""
    name = _type_name(ctx, node)
    if name in K.THREAD_QUEUE_CLASSES:
        return "queue"
    if name in K.DICT_CLASSES:
        return "dict"
    if name in K.CONTEXTVAR_CLASSES:
        return "contextvar"
    values = None
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        values = self_attr_assignments(ctx, node.value.id, node.attr)
    elif isinstance(node, ast.Name):
        values = local_assignments(ctx, node.id)
        if values is None and ctx.binding_scope(node.id) is None:
            values = _module_values(ctx, node.id)
    if not values:
        return None
    kinds = set()
    for value in values:
        if isinstance(value, ast.Dict):
            kinds.add("dict")
            continue
        value = getattr(value, "node", value)  # a class-body annotation
        if isinstance(value, ast.Subscript):
            value = value.value
        target = dotted(ctx.symbol(value.func if isinstance(value, ast.Call) else value))
        kinds.add("queue" if target in K.THREAD_QUEUE_CLASSES else "dict" if target in K.DICT_CLASSES
                  else "contextvar" if target in K.CONTEXTVAR_CLASSES else None)
    return kinds.pop() if len(kinds) == 1 else None


def _module_values(ctx, name: str) -> Optional[List[ast.AST]]:
    """Values (or annotations) a module-level name is bound to by plain
    assignments; None when the module binds it no other way it can see."""
    tree = ctx.parents[0] if ctx.parents else None
    if not isinstance(tree, ast.Module):
        return None
    table = getattr(tree, "_al_module_values", None)
    if table is None:  # built once per file: modules can hold thousands of `d[k] = v`
        table = {}
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign):
                for t in stmt.targets:
                    if isinstance(t, ast.Name):
                        table.setdefault(t.id, []).append(stmt.value)
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                table.setdefault(stmt.target.id, []).append(
                    stmt.value if stmt.value is not None else stmt.annotation)
        tree._al_module_values = table
    return table.get(name)


def carrier_read(ctx, node: ast.AST) -> Optional[tuple]:
    """The carrier's key when `node` takes an item out of one: `q.get()`,
    `pending[rid]`, `pending.pop(rid)` / `.get(rid)`, `var.get()`."""
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
        return _queue_key(ctx, node.value) if carrier_kind(ctx, node.value) == "dict" else None
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return None
    attr, recv = node.func.attr, node.func.value
    if attr in K.THREAD_QUEUE_GETS or attr in K.DICT_READS or attr in K.CONTEXTVAR_READS:
        kind = carrier_kind(ctx, recv)
        if (kind == "queue" and attr in K.THREAD_QUEUE_GETS) or (kind == "dict" and attr in K.DICT_READS) \
                or (kind == "contextvar" and attr in K.CONTEXTVAR_READS and not node.args):
            return _queue_key(ctx, recv)
    return None


def _carrier_store(ctx, call: ast.Call) -> Optional[Tuple[tuple, ast.AST]]:
    """(carrier key, stored value) for `q.put(v)`, `d.setdefault(k, v)`,
    `var.set(v)` on a known carrier."""
    func = call.func
    attr = func.attr
    if attr in K.THREAD_QUEUE_PUTS:
        wanted, pos = "queue", 0
    elif attr in K.DICT_STORES:
        wanted, pos = "dict", 1
    elif attr in K.CONTEXTVAR_STORES:
        wanted, pos = "contextvar", 0
    else:
        return None
    if len(call.args) <= pos or isinstance(call.args[pos], ast.Starred):
        return None
    if carrier_kind(ctx, func.value) != wanted:
        return None
    key = _queue_key(ctx, func.value)
    return (key, call.args[pos]) if key is not None else None


def _carrier_origins(ctx, fn) -> Dict[str, tuple]:
    """name -> (carrier key, position or -1) for the locals of the function
    bound once, by a plain assignment, from a carrier read (`fut, args =
    q.get()` gives position 0 for `fut`); no entry for the other locals.
    A binding anywhere in the function counts, nested defs' bodies too, as
    they always did. The statements are read first: a name with a single
    plain assignment among them whose value is a carrier read (few) is
    kept only if no assignment expression or comprehension target in the
    function's expressions binds it too, which only then needs a walk of
    every node (that walk, for every function calling a local, was about
    0.3 s of a cold run over the full corpus)."""
    cache = getattr(fn.node, "_al_carrier_origins", None)
    if cache is not None:
        return cache
    cache = {}
    for name, binds in _statement_bindings(fn.node).items():
        if len(binds) == 1 and binds[0][1] is not None:
            key = carrier_read(ctx, binds[0][1])
            if key is not None:
                cache[name] = (key, binds[0][0])
    if cache:
        for sub in nodes.walk(fn.node):
            if type(sub) in _EXPRESSION_TARGETS:
                for _i, name in _bound_names(sub.target):
                    cache.pop(name, None)
    fn.node._al_carrier_origins = cache
    return cache


def _statement_bindings(fn_node: ast.AST) -> Dict[str, list]:
    """name -> [(position, value or None), ...] for the names the statements
    of a function (nested defs' and classes' too) bind by assignment or as
    a `for` target (`_bound_names`); value only for a plain assignment."""
    bindings: Dict[str, list] = {}
    todo = [fn_node.body]
    while todo:
        for stmt in todo.pop():
            t = type(stmt)
            if t is ast.Assign:
                targets, value = stmt.targets, stmt.value
            elif t in _ONE_TARGET:
                targets, value = (stmt.target,), None
            else:
                targets = ()
            for target in targets:
                for i, name in _bound_names(target):
                    bindings.setdefault(name, []).append((i, value))
            lists = _STATEMENT_LISTS.get(t)
            if lists is None:
                lists = _statement_lists(t)
            for field in lists:
                value = getattr(stmt, field, None) or ()
                if field == "handlers" or field == "cases":  # parts with a body each
                    todo.extend(part.body for part in value)
                else:
                    todo.append(value)
    return bindings


def _statement_lists(t: type) -> tuple:
    """The fields of statement type `t` holding statements, or parts with a
    body each (an `except` handler, a `case`)."""
    lists = _STATEMENT_LISTS[t] = tuple(
        f for f in ("body", "orelse", "finalbody", "handlers", "cases") if f in getattr(t, "_fields", ()))
    return lists


# The statements binding a name (`_statement_bindings`; only `ast.For` of the
# loops, as always) and the expressions that do (`_carrier_origins`).
_ONE_TARGET = frozenset({ast.AugAssign, ast.AnnAssign, ast.For})
_EXPRESSION_TARGETS = frozenset({ast.NamedExpr, ast.comprehension})
_STATEMENT_LISTS: Dict[type, tuple] = {}  # per statement type: `_statement_lists`


def queue_item_origin(ctx, node: ast.AST) -> Optional[tuple]:
    """(carrier key, position or -1) when `node` is an item taken out of a
    carrier: a local bound once, in this function, from `q.get()` of a
    thread-safe queue, a dict read or `ContextVar.get()` (`fut, args =
    q.get()` gives position 0 for `fut`), or such a read itself."""
    fn = ctx.function
    if fn is None or fn.kind != "function":
        return None
    if isinstance(node, (ast.Subscript, ast.Call)):
        key = carrier_read(ctx, node)
        return (key, -1) if key is not None else None
    if not isinstance(node, ast.Name) or ctx.binding_scope(node.id) is not fn:
        return None
    return _carrier_origins(ctx, fn).get(node.id)


def _bound_names(target: ast.AST):
    if isinstance(target, ast.Name):
        yield -1, target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for i, elt in enumerate(target.elts):
            if isinstance(elt, ast.Name):
                yield i, elt.id
            else:
                for _j, name in _bound_names(elt):
                    yield None, name


def _loop_state_check(ctx, call: ast.Call) -> bool:
    """`loop.is_running()` on an event loop (typed, or named as one)."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr in K.LOOP_STATE_CHECKS):
        return False
    recv = func.value
    text = recv.attr if isinstance(recv, ast.Attribute) else recv.id if isinstance(recv, ast.Name) else ""
    return "loop" in text.lower() or is_event_loop(ctx, recv)


def _note_thread_check(call: ast.Call, ctx, loop_state: bool = False) -> None:
    """Record the `if` whose test holds this thread-identity call. For a
    loop-state test (`loop.is_running()`) only the arm where the loop is
    stopped is recorded: a running loop says nothing about which thread this
    is, so the other arm stays in the thread's context."""
    fn = ctx.function
    if fn is None or fn.info is None:
        return
    child, parent = call, parent_of(call)
    while parent is not None and not isinstance(parent, ast.stmt):
        child, parent = parent, parent_of(parent)
    if not (isinstance(parent, ast.If) and child is parent.test):
        return
    if not loop_state:
        fn.info.thread_checked_lines.append((parent.lineno, parent.end_lineno or parent.lineno))
        return
    arm = _stopped_arm(parent.test, lambda c: c is call)
    if arm is None:
        return  # no arm is known to run with the loop stopped
    stopped = parent.orelse if arm == "orelse" else parent.body
    if stopped:
        fn.info.thread_checked_lines.append((stopped[0].lineno, stopped[-1].end_lineno or stopped[-1].lineno))


def note_call(node: ast.Call, ctx) -> None:
    """Engine hook: record the thread entry points a call creates, and `if`
    statements that tell threads apart. Decided by the callee's last name
    first: most calls have none of the names below and are not a called
    local, so they return here without a look at the symbols."""
    func = node.func
    tf = type(func)
    if tf is ast.Attribute:
        last = func.attr
    elif tf is ast.Name:
        last = func.id
        fn = ctx.function
        if fn is not None and last in fn.bindings:  # a called local (the drain below)
            _note_call(node, ctx)
            return
    else:
        return
    if last in _NOTED_CALL_NAMES or "Server" in last or getattr(ctx.options, "thread_entry_points", None):
        _note_call(node, ctx)


@_best_effort
def _note_call(node: ast.Call, ctx) -> None:
    func = node.func
    last = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    if last is None:
        return
    if last in _IDENTITY_LAST and dotted(ctx.symbol(func)) in K.THREAD_IDENTITY_CALLS:
        _note_thread_check(node, ctx)
    elif last in K.LOOP_STATE_CHECKS and _loop_state_check(ctx, node):
        _note_thread_check(node, ctx, loop_state=True)
    entries = ctx.module.thread_entries
    if "Server" in last and len(node.args) + len(node.keywords) >= 2:
        handler = _arg(node, *K.SERVER_HANDLER_ARG)
        server = ctx.symbol(func)
        if handler is not None and server is not None:
            hsym = ctx.symbol(handler)
            if hsym is not None:
                entries.append(("server", hsym, server, _short(node), node.lineno, node.col_offset))
        if not _patterns(ctx):
            return
    if last in _STORE_NAMES and isinstance(func, ast.Attribute) and node.args:
        stored = _carrier_store(ctx, node)
        if stored is not None:
            _note_store(ctx, node, stored[0], stored[1], always=last not in K.THREAD_QUEUE_PUTS)
        return
    if isinstance(func, ast.Name) and ctx.function is not None and ctx.function.kind == "function" \
            and ctx.binding_scope(last) is ctx.function:
        origin = _carrier_origins(ctx, ctx.function).get(last)
        if origin is not None and origin[0][0] != "local":
            # `fn = work.get(); fn()`: whatever is put on `work` runs here
            entries.append(("drain", origin[0], origin[1], ctx.function.qualname))
    if last in _DRIVEN_NAMES and isinstance(func, ast.Attribute):
        if last in K.LOOP_DRIVEN_CLIENT_CALLS or any(
                isinstance(a, ast.Attribute) and a.attr in K.LOOP_DRIVEN_CLIENT_CALLS for a in node.args):
            entries.append(("driven", last, node.lineno))
        return
    if last == "connect" and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Attribute) \
            and func.value.attr == K.QT_THREAD_STARTED_SIGNAL and node.args:
        _note_qt_started(ctx, node)
        return
    if last in _CALLBACK_METHOD_NAMES and isinstance(func, ast.Attribute):
        _note_callback_method(ctx, node)
        return
    if last not in _CALL_NAMES:
        patterns = _patterns(ctx)
        if not (patterns and last in _pattern_last_names(patterns)):
            return
    if isinstance(func, ast.Attribute) and any(last == start for _k, _a, start in K.THREAD_CALLBACK_ATTRS.values()):
        entries.append(("started", last, node.lineno))
        return
    found = classify_entry_call(ctx, node)
    if found is None:
        return
    kind, args = found
    label = _short(node)
    for arg in args:
        types = _passed_types(ctx, node, arg) if kind != "config" else ()
        for sym in _targets(ctx, arg):
            entries.append(("call", sym, kind, label, node.lineno, node.col_offset, types))
        owner = _param_owner(ctx, arg)
        if owner is not None:
            entries.append(("param", owner, kind, label, node.lineno, node.col_offset))


_STORE_NAMES = K.THREAD_QUEUE_PUTS | K.DICT_STORES | K.CONTEXTVAR_STORES


def _value_class(ctx, node: ast.AST) -> Optional[str]:
    """`asyncio_class` of a stored value, a `loop.create_future()` call too."""
    return asyncio_class(ctx, node) or (_classify_value(ctx, node) if isinstance(node, ast.Call) else None)


def _note_store(ctx, node: ast.AST, key: tuple, item: ast.AST, always: bool) -> None:
    """Record what a store puts into a carrier: the asyncio object kinds (by
    tuple position) and the callables (`work.put(fn)`, `work.put((fn, args))`:
    a thread draining `work` and calling the item runs them). `always`
    records a store of nothing known too, so that mixed carriers stay quiet."""
    entries = ctx.module.thread_entries
    elts = item.elts if isinstance(item, ast.Tuple) else [item]
    types = tuple(_value_class(ctx, e) for e in elts)
    if always or any(types):
        entries.append(("put", key, isinstance(item, ast.Tuple), types))
    if key[0] == "local":
        return
    for i, elt in enumerate(elts):
        if not isinstance(elt, (ast.Name, ast.Attribute, ast.Lambda, ast.Call)):
            continue
        for sym in _targets(ctx, elt):
            if sym[0] not in ("call", "inst"):
                entries.append(("putfn", key, i if isinstance(item, ast.Tuple) else -1, sym, _short(node),
                                node.lineno))


def _param_owner(ctx, arg: ast.AST) -> Optional[str]:
    """Qualname of the function whose parameter `arg` is (through a
    `functools.partial` too), when that parameter is never rebound: a
    decorator whose wrapper hands the decorated function to a thread."""
    if isinstance(arg, ast.Call) and dotted(ctx.symbol(arg.func)) in _PARTIALS and arg.args:
        arg = arg.args[0]
    if not isinstance(arg, ast.Name):
        return None
    scope = ctx.binding_scope(arg.id)
    if scope is None or scope.kind != "function" or scope.is_async:
        return None
    if arg.id not in _param_names(scope.node):
        return None
    if local_assignments_in(scope, arg.id):
        return None
    return scope.qualname


def _param_names(fn_node: ast.AST) -> set:
    args = fn_node.args
    return {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}


def local_assignments_in(scope, name: str) -> bool:
    """The function rebinds `name` somewhere in its body."""
    for sub in nodes.walk(scope.node):
        if isinstance(sub, ast.Name) and sub.id == name and isinstance(sub.ctx, ast.Store):
            return True
    return False


def _passed_types(ctx, call: ast.Call, target: ast.AST) -> tuple:
    """What asyncio objects the spawning call passes to the callable, by
    position (`Thread(target=f, args=(fut,))`, `executor.submit(f, q)`,
    `partial(f, ev)`): a tuple of `asyncio_class` answers, () when none."""
    passed: List[ast.AST] = []
    if isinstance(target, ast.Call) and dotted(ctx.symbol(target.func)) in _PARTIALS:
        passed.extend(target.args[1:])
        target = target.args[0] if target.args else target
    if isinstance(target, ast.Lambda):
        return ()
    tuple_spec = None
    for name in _callee_names(ctx, call):
        tuple_spec = K.SPAWN_ARGS_TUPLE.get(name)
        if tuple_spec:
            break
    if tuple_spec is not None:
        node = _arg(call, tuple_spec[1], tuple_spec[0])
        if isinstance(node, (ast.Tuple, ast.List)):
            passed.extend(node.elts)
    else:
        position = next((i for i, a in enumerate(call.args) if a is target or (
            isinstance(a, ast.Call) and target in a.args)), None)
        if position is not None:
            passed.extend(call.args[position + 1:])
    types = []
    for node in passed:
        if isinstance(node, ast.Starred):
            break
        kind = asyncio_class(ctx, node)
        if kind is None:
            sym = ctx.symbol(node)
            if sym is not None and sym[0] in ("call", "inst") and sym[1] is not None:
                kind = ("obj", sym[1])  # an instance, if sym[1] is a project class (phase 2)
        types.append(kind)
    return tuple(types)


@_best_effort
def note_assign(node: ast.Assign, ctx) -> None:
    """Engine hook: `client.on_message = handler` for libraries that call
    such attributes from their own thread; stores into carriers
    (`pending[rid] = fut`, `self.done = loop.create_future()`)."""
    patterns = _patterns(ctx)
    for target in node.targets:
        if isinstance(target, ast.Subscript):
            if carrier_kind(ctx, target.value) == "dict":
                key = _queue_key(ctx, target.value)
                if key is not None:
                    _note_store(ctx, node, key, node.value, always=True)
            continue
        if not isinstance(target, ast.Attribute):
            continue
        _note_attr_store(ctx, node, target)
        attr = target.attr
        if attr not in _CALLBACK_ATTRS and not patterns:
            continue
        owner = _type_name(ctx, target.value)
        spec = None
        for cls, (kind, attrs, start) in K.THREAD_CALLBACK_ATTRS.items():
            if attr not in attrs:
                continue
            if owner == cls or (owner is None and _imports(ctx, cls.split(".", 1)[0])):
                spec = (kind, start)
                break
        if spec is None and patterns and owner and any(fnmatchcase(f"{owner}.{attr}", p) for p in patterns):
            spec = ("config", None)
        if spec is None:
            continue
        label = _short(node, 70)
        for sym in _targets(ctx, node.value):
            ctx.module.thread_entries.append(("attr", sym, spec[0], label, node.lineno, node.col_offset, spec[1]))


def _note_attr_store(ctx, node: ast.Assign, target: ast.Attribute) -> None:
    """`self.done = loop.create_future()` in a method: the attribute carries
    that asyncio object kind to whoever gets the instance (a thread handed
    the object reads `job.done`). Recorded with the kind all of the class's
    assignments to it agree on (None when they do not)."""
    if not isinstance(target.value, ast.Name):
        return
    klass = method_class(ctx, ctx.function, target.value.id)  # the cheaper test first
    if klass is None or _value_class(ctx, node.value) is None:
        return
    key = ("objattr", ctx.module.name, klass.qualname, target.attr)
    ctx.module.thread_entries.append(("put", key, False, (asyncio_class(ctx, target),)))


_CALLBACK_METHOD_NAMES = frozenset(name.rsplit(".", 1)[1] for name in K.THREAD_CALLBACK_METHODS)
# The callee last names `_note_call` acts on (besides a "Server" in the
# name, a called local and the configured entry points).
_NOTED_CALL_NAMES = (_IDENTITY_LAST | K.LOOP_STATE_CHECKS | _STORE_NAMES | _DRIVEN_NAMES | {"connect"}
                     | _CALLBACK_METHOD_NAMES | _CALL_NAMES)


def _note_callback_method(ctx, node: ast.Call) -> None:
    """`client.message_callback_add(topic, cb)`: like `client.on_message =
    cb` (an "attr" entry, live once the client's thread is started)."""
    owner = _type_name(ctx, node.func.value)
    for name, (kind, pos, kw, start) in K.THREAD_CALLBACK_METHODS.items():
        cls, _, method = name.rpartition(".")
        if method != node.func.attr or not (owner == cls or (owner is None and _imports(ctx, cls.split(".", 1)[0]))):
            continue
        arg = _arg(node, pos, kw)
        label = _short(node, 70)
        for sym in _targets(ctx, arg):
            ctx.module.thread_entries.append(("attr", sym, kind, label, node.lineno, node.col_offset, start))
        return


def _note_qt_started(ctx, node: ast.Call) -> None:
    """`thread.started.connect(worker.run)` after `worker.moveToThread(thread)`
    in the same function: `worker.run` runs in that QThread."""
    slot, thread = node.args[0], node.func.value.value
    if not isinstance(slot, ast.Attribute) or not any(_imports(ctx, p) for p in K.QT_PACKAGES):
        return
    fn = ctx.function
    body = fn.node if fn is not None else (ctx.parents[0] if ctx.parents else None)
    if body is None:
        return
    receiver, where = ast.dump(slot.value), ast.dump(thread)
    for sub in nodes.walk(body):
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) \
                and sub.func.attr == K.QT_MOVE_TO_THREAD and len(sub.args) == 1 \
                and ast.dump(sub.func.value) == receiver and ast.dump(sub.args[0]) == where:
            label = _short(node)
            for sym in _targets(ctx, slot):
                ctx.module.thread_entries.append(("call", sym, "qt", label, node.lineno, node.col_offset, ()))
            return


def _imports(ctx, top: str) -> bool:
    for sym in ctx.module.bindings.values():
        name = dotted(sym) if sym is not None and sym[0] in ("module", "global") else None
        if name and (name == top or name.startswith(top + ".")):
            return True
    return False


def lambda_entry(ctx, lam: ast.Lambda) -> Optional[Tuple[str, str, int]]:
    """(kind, label, line) when the lambda itself is handed to a thread."""
    try:
        i = len(ctx.parents) - 1 - ctx.parents[::-1].index(lam)
    except ValueError:
        return None
    node: ast.AST = lam
    for parent in reversed(ctx.parents[:i]):
        if isinstance(parent, ast.keyword):
            node = parent
            continue
        if isinstance(parent, ast.Call):
            if parent.func is node:
                return None
            if dotted(ctx.symbol(parent.func)) in _PARTIALS:
                node = parent
                continue
            found = classify_entry_call(ctx, parent)
            if found is None:
                return None
            kind, args = found
            if any(a is lam or (isinstance(a, ast.Call) and lam in a.args) for a in args):
                return kind, _short(parent), parent.lineno
            return None
        return None
    return None


# -- phase 2 ----------------------------------------------------------------------
@dataclass
class ThreadInfo:
    """Why a function runs off the loop thread."""

    text: str  # "runs in a thread: started by `...` at app.py:42"
    entry: str  # qualname of the entry function
    setup: bool = False  # it, or a caller on the way, sets up a loop of its own
    run_above: bool = False  # a caller on the way runs a loop (run_forever, ...)
    runs: bool = False  # it runs a loop itself
    kind: str = "thread"  # the entry's kind (knowledge.threads.CONTEXT_WORDS)
    self_cls: Optional[Tuple[str, str]] = None  # class `self` is known to be in it

    @property
    def own_loop(self) -> bool:
        return self.setup or self.run_above or self.runs


def display_path(path: str) -> str:
    if not path or path.startswith("<"):
        return path or "?"
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def _where(index, module: str, line: int) -> str:
    summary = index.modules.get(module)
    path = display_path(summary.path) if summary is not None else module
    return f"{path}:{line}"


def _describe(kind: str, how: str, where: str) -> str:
    what, verb = K.CONTEXT_WORDS.get(kind, K.CONTEXT_WORDS["thread"])
    return f"runs in {what}: {verb} `{how}` at {where}"


_BASES_CALLING: Dict[str, tuple] = {}


def _method_patterns() -> Tuple[Dict[str, set], list]:
    """THREAD_BASE_METHODS' method patterns by what matching them takes:
    plain names (method -> entry numbers), and the wildcard ones
    ((compiled match, entry number), ...; `fnmatchcase` compiles the same)."""
    plain: Dict[str, set] = {}
    wild = []
    for number, (_kind, methods) in enumerate(K.THREAD_BASE_METHODS.values()):
        for pattern in methods:
            if any(c in pattern for c in "*?["):
                wild.append((re.compile(fnmatch_translate(pattern)).match, number))
            else:
                plain.setdefault(pattern, set()).add(number)
    return plain, wild


_PLAIN_METHODS, _WILD_METHODS = _method_patterns()
_BASE_ENTRIES = tuple((base, kind) for base, (kind, _methods) in K.THREAD_BASE_METHODS.items())


def _bases_calling(method: str) -> tuple:
    """(base pattern, kind) of the THREAD_BASE_METHODS entries whose method
    patterns match this method name, in table order (memoised: names repeat
    across classes; most match a plain name or nothing, so the wildcards
    are the only patterns tried one by one)."""
    found = _BASES_CALLING.get(method)
    if found is None:
        numbers = set(_PLAIN_METHODS.get(method, ()))
        numbers.update(number for match, number in _WILD_METHODS if match(method))
        found = _BASES_CALLING[method] = tuple(_BASE_ENTRIES[n] for n in sorted(numbers))
    return found


@functools.lru_cache(maxsize=4096)
def _base_matches(name: str, pattern: str) -> bool:
    """`fnmatchcase`, memoised: a wildcard base pattern is matched against
    the bases of every class with a method it names (`[!_]*` of gRPC
    servicers: any public method), the same base names over and over, and a
    regular expression with two `*` costs microseconds a name."""
    return fnmatchcase(name, pattern)


class _Builder:
    def __init__(self, index, patterns: tuple):
        self.index = index
        self.patterns = patterns

    # -- resolution --
    # The memoised answers below are index facts (with their dependencies),
    # not the builder's own tables: the per-module seed facts that use them
    # then know every module they looked at, and carry over to an updated
    # index when none of those changed.
    def function_of(self, sym, construct: bool = True) -> Optional[Tuple[str, str]]:
        return self.index.fact("thread-function-of", (sym, construct), lambda: self._function_of_guarded(sym, construct))

    def _function_of_guarded(self, sym, construct: bool) -> Optional[Tuple[str, str]]:
        try:
            return self._function_of(sym, construct)
        except RecursionError:  # pragma: no cover - pathological symbol chains
            return None

    def _function_of(self, sym, construct: bool) -> Optional[Tuple[str, str]]:
        index = self.index
        if sym is None:
            return None
        if sym[0] == "attr" and sym[1] is not None and sym[1][0] in ("inst", "call"):
            owner = index.resolve(sym[1][1])
            if owner.kind == "class":
                return index.find_method(owner.module, owner.qualname, sym[2])
            return None
        target = index.resolve(sym)
        if target.kind == "function":
            return target.module, target.qualname
        if target.kind == "class" and construct:
            return index.find_method(target.module, target.qualname, "__init__")
        return None

    def functions_of(self, sym, construct: bool = True, self_cls=None) -> List[tuple]:
        """[(function, class of `self` in it)] a call of `sym` may run: the
        function it names and, for a method called on an instance, the
        overrides in project subclasses (virtual dispatch). `self_cls` is
        the class `self` is known to be where the call is made: a call on
        `self` then dispatches from that class, not from the declaring one."""
        return self.index.fact("thread-functions-of", (sym, construct, self_cls),
                               lambda: self._functions_of(sym, construct, self_cls))

    def _functions_of(self, sym, construct: bool, self_cls) -> List[tuple]:
        found = []
        if sym is not None and sym[0] == "attr" and sym[1] is not None and sym[1][0] == "inst":
            owner = self.index.resolve(sym[1][1])
            if owner.kind == "class":
                start = (owner.module, owner.qualname)
                if self_cls is not None and self_cls != start and start in self.index.mro(*self_cls):
                    start = self_cls
                method = self.index.find_method(start[0], start[1], sym[2])
                if method is not None:
                    found.append((method, start))
                for sub in self.subclasses(*start):
                    info = self.index.klass(*sub)
                    name = info.methods.get(sym[2]) if info else None
                    if name is not None and all(f[0] != (sub[0], name) for f in found):
                        found.append(((sub[0], name), sub))
        else:
            first = self.function_of(sym, construct)
            if first is not None:
                found.append((first, None))
        return found

    def subclasses(self, module: str, qualname: str, limit: int = 200) -> List[Tuple[str, str]]:
        """Project classes deriving from the class, transitively."""
        children = self._children()
        out, stack, seen = [], [(module, qualname)], {(module, qualname)}
        while stack and len(out) < limit:
            for child in children.get(stack.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    out.append(child)
                    stack.append(child)
        return out

    def _children(self) -> Dict[Tuple[str, str], List[Tuple[str, str]]]:
        return self.index.join_modules("class-children", None, _class_bases_part, _child_classes)

    def _class_bases(self, mod: str) -> tuple:
        """((class, project base class), ...) of one module, in order."""
        out = []
        summary = self.index.modules.get(mod)
        for qual, info in summary.classes.items() if summary is not None else ():
            for base in info.bases:
                if base is None:
                    continue
                target = self.index.resolve(base)
                if target.kind == "class":
                    out.append(((mod, qual), (target.module, target.qualname)))
        return tuple(out)

    def class_of(self, sym) -> Optional[Tuple[str, str]]:
        target = self.index.resolve(sym)
        return (target.module, target.qualname) if target.kind == "class" else None

    def external_bases(self, module: str, qualname: str) -> frozenset:
        return self.index.fact("thread-external-bases", (module, qualname),
                               lambda: self._external_bases(module, qualname))

    def _external_bases(self, module: str, qualname: str) -> frozenset:
        names = set()
        for mod, qual in self.index.mro(module, qualname):
            info = self.index.klass(mod, qual)
            names.add(f"{mod}.{qual}")
            for base in info.bases if info else ():
                target = self.index.resolve(base)
                if target.kind == "external":
                    names.add(target.qualname)
        return frozenset(names)

    def own_loop(self, module: str, qualname: str, depth: int = 0) -> Tuple[bool, bool]:
        """(sets up a loop, runs a loop) from the function's own calls, or
        the calls of the sync project functions it calls (two levels: a
        `_make_loop()` helper)."""
        key = (module, qualname)
        table = self.index.memo("thread-own-loop")
        memo = (module, qualname, depth)
        if memo in table:
            return table.lookup(memo)
        table.put(memo, (False, False))  # cycles
        with self.index.tracking() as deps:
            found = self._own_loop(key, module, qualname, depth)
        table.put(memo, found, deps)
        return found

    def _own_loop(self, key, module: str, qualname: str, depth: int) -> Tuple[bool, bool]:
        setup = runs = False
        info = self.index.function(module, qualname)
        if depth < 2:
            for sym, _line, _col in info.calls if info else ():
                callee = self.function_of(sym)
                if callee is not None and callee != key:
                    cfn = self.index.function(*callee)
                    if cfn is not None and not cfn.is_async:
                        sub_setup, sub_runs = self.own_loop(*callee, depth=depth + 1)
                        setup = setup or sub_setup
                        runs = runs or sub_runs
        for sym, _line, _col in info.calls if info else ():
            name = dotted(sym)
            if name is None and sym[0] == "global":
                target = self.index.resolve(sym)
                name = target.qualname if target.kind == "external" else None
            if name in K.OWN_LOOP_CALLS:
                setup = True
            elif sym[0] == "attr" and sym[2] in K.OWN_LOOP_METHODS | K.LOOP_RUN_METHODS:
                runs = True
        return setup, runs

    # -- seeds --
    def seeds(self):
        seeds, movers, _drains = self._inputs()
        yield from seeds
        if movers:
            yield from self._decorated_seeds(movers)

    def _inputs(self):
        """(seeds, functions handing a parameter to a thread, queue drains
        with what is put on them) of the whole project: a join of one part
        per module (`_module_inputs`), so that an edit builds again only the
        parts that looked at the edited module, and the thread context that
        used the join keeps its value while the join comes out the same."""
        return self.index.join_modules("thread-inputs", self.patterns, functools.partial(_inputs_part, self.patterns),
                                       _join_inputs)

    def _module_inputs(self, module: str) -> tuple:
        index = self.index
        entries = getattr(index.modules[module], "thread_entries", None) or ()
        seeds = tuple(self._module_seeds(module))
        movers = tuple(((module, e[1]), (e, module)) for e in entries if e[0] == "param")
        drains = tuple((_resolved(index, e[1]), e[2], module, e[3]) for e in entries if e[0] == "drain")
        puts = tuple(((_resolved(index, e[1]), e[2]), (e[3], e[4], module, e[5])) for e in entries if e[0] == "putfn")
        return seeds, movers, drains, puts

    def _started(self) -> frozenset:
        """A library's thread started anywhere in the project (`loop_start()`
        in another module than the one setting the callbacks)."""
        return self.index.join_modules("thread-started", None, _started_part, _union_parts)

    def _module_seeds(self, module: str):
        index = self.index
        summary = index.modules[module]
        entries = getattr(summary, "thread_entries", None) or ()
        if any(e[0] == "driven" for e in entries):  # this module drives it from the loop
            here = {e[1] for e in entries if e[0] == "started"}
        else:
            here = None  # the project's, looked up when needed
        for entry in entries:
            tag = entry[0]
            if tag == "attr" and entry[6] is not None and here is None:
                here = self._started()
            if tag == "call" or (tag == "attr" and (entry[6] is None or entry[6] in here)):
                for target, self_cls in self.functions_of(entry[1], construct=False):
                    yield target, _describe(entry[2], entry[3], _where(index, module, entry[4])), entry[2], self_cls
            elif tag == "server":
                yield from self._server_seeds(module, entry)
        for qualname in summary.classes:
            yield from self._class_seeds(module, qualname)

    def _decorators(self, module: str) -> tuple:
        """((function qualname, (what each project decorator of it names, ...)), ...)
        of one module: ("function", key) or ("factory", (module, prefix))."""
        index = self.index
        out = []
        for qualname, fn in index.modules[module].functions.items():
            if not fn.decorators:  # most functions: nothing to resolve
                continue
            found = []
            for deco in fn.decorators:
                if deco is None:
                    continue
                target = index.resolve(deco)
                if target.kind == "function":
                    found.append(("function", (target.module, target.qualname)))
                elif deco[0] == "call":
                    outer = index.resolve(deco[1])
                    if outer.kind == "function":
                        found.append(("factory", (outer.module, outer.qualname + ".<locals>.")))
            if found:
                out.append((qualname, tuple(found)))
        return tuple(out)

    def _decorated_seeds(self, movers):
        """Functions decorated by a project decorator whose wrapper hands the
        decorated function to a thread (`@run_in_thread`), also through a
        decorator factory (`@in_thread(daemon=True)`)."""
        index = self.index
        for module, decorated in index.join_modules("thread-decorators", None, _decorators_part, _sorted_parts):
            for qualname, decorators in decorated:
                for kind, key in decorators:
                    hit = None
                    if kind == "function":
                        hit = movers.get(key)
                    else:
                        outer_module, prefix = key
                        for (mod, owner), value in movers.items():
                            if mod == outer_module and owner.startswith(prefix) \
                                    and ".<locals>." not in owner[len(prefix):]:
                                hit = value
                                break
                    if hit is None:
                        continue
                    entry, where_mod = hit
                    deco_name = entry[1].split(".<locals>.")[0]
                    what, _verb = K.CONTEXT_WORDS.get(entry[2], K.CONTEXT_WORDS["thread"])
                    text = (f"runs in {what}: decorated with `@{deco_name}`, which hands it to "
                            f"`{entry[3]}` at {_where(index, where_mod, entry[4])}")
                    yield (module, qualname), text, entry[2], None
                    break

    def _server_seeds(self, module: str, entry: tuple):
        _tag, handler_sym, server_sym, label, line, _col = entry
        server = self.index.resolve(server_sym)
        threading = False
        if server.kind == "external":
            threading = server.qualname in K.THREADING_SERVERS
        elif server.kind == "class":
            bases = self.external_bases(server.module, server.qualname)
            threading = bool(bases & (K.THREADING_MIXINS | K.THREADING_SERVERS))
        if not threading:
            return
        handler = self.class_of(handler_sym)
        if handler is None:
            return
        text = _describe("handler", label, _where(self.index, module, line))
        for mod, qual in self.index.mro(*handler):
            info = self.index.klass(mod, qual)
            for name, method in (info.methods.items() if info else ()):
                if any(fnmatchcase(name, p) for p in K.HANDLER_METHODS):
                    yield (mod, method), text, "handler", handler

    def _class_seeds(self, module: str, qualname: str):
        info = self.index.klass(module, qualname)
        if info is None or not info.bases:
            return
        bases = None
        matches: Dict[str, Optional[str]] = {}  # base pattern -> the base it matches, per class
        for name, method in info.methods.items():
            for base_name, kind in _bases_calling(name):
                if bases is None:
                    bases = self.external_bases(module, qualname)
                if base_name not in matches:
                    if base_name in bases:
                        matches[base_name] = base_name
                    elif "*" in base_name:  # a pattern: the first base it matches
                        matches[base_name] = next((b for b in sorted(bases) if _base_matches(b, base_name)), None)
                    else:
                        matches[base_name] = None
                matched = matches[base_name]
                if matched is not None:
                    fn = self.index.function(module, method)
                    where = _where(self.index, module, fn.lineno if fn else info.lineno)
                    what, _verb = K.CONTEXT_WORDS.get(kind, K.CONTEXT_WORDS["thread"])
                    short = matched.rsplit(".", 1)[-1]
                    text = f"runs in {what}: `{qualname}.{name}` of a `{short}` subclass at {where}"
                    yield ((module, method), text,
                           kind, (module, qualname))
                    break
            else:
                for pattern in self.patterns:
                    cls_pat, _, meth_pat = pattern.rpartition(".")
                    if not cls_pat or not fnmatchcase(name, meth_pat):
                        continue
                    if bases is None:
                        bases = self.external_bases(module, qualname)
                    if any(_base_matches(b, cls_pat) for b in bases - {f"{module}.{qualname}"}):
                        fn = self.index.function(module, method)
                        where = _where(self.index, module, fn.lineno if fn else info.lineno)
                        text = (f"runs in a thread: `{qualname}.{name}` per `thread-entry-points` "
                                f"(`{pattern}`) at {where}")
                        yield ((module, method), text,
                               "config", (module, qualname))
                        break

    # -- propagation --
    def build(self) -> Dict[Tuple[str, str], ThreadInfo]:
        out: Dict[Tuple[str, str], ThreadInfo] = {}
        drains = self._inputs()[2]
        self._propagate(out, self.seeds())
        for _round in range(3):  # a drained callable may drain another queue
            before = len(out)
            self._propagate(out, self._drained_seeds(out, drains))
            if len(out) == before:
                break
        return out

    def _drained_seeds(self, out, drains):
        """Callables put on a `queue.Queue` that a thread takes them out of
        and calls (`fn = work.get(); fn()`): they run in that thread."""
        for (_key, _pos, module, qualname), puts in drains:
            info = out.get((module, qualname))
            if info is None or info.own_loop:
                continue
            short = qualname.replace(".<locals>.", ".")
            for sym, label, put_module, line in puts:
                text = (f"runs in a thread: queued by `{label}` at {_where(self.index, put_module, line)} "
                        f"and called by `{short}` ({info.text})")
                for target, self_cls in self.functions_of(sym, construct=False):
                    yield target, text, "queue", self_cls

    def _propagate(self, out, seeds) -> None:
        queue: deque = deque()
        for key, text, kind, self_cls in seeds:
            if not self._sync_function(key):
                continue
            setup, runs = self.own_loop(*key)
            if key not in out:
                out[key] = ThreadInfo(text, key[1], setup=setup, runs=runs, kind=kind, self_cls=self_cls)
                queue.append(key)
        while queue:
            key = queue.popleft()
            info = out[key]
            for callee, self_cls in self._callees_of(key, info.self_cls):
                if callee == key or not self._sync_function(callee):
                    continue
                setup, runs = self.own_loop(*callee)
                new_setup = info.setup or setup
                new_above = info.run_above or info.runs
                current = out.get(callee)
                if current is None:
                    out[callee] = ThreadInfo(_through(info.text, info.entry), info.entry, setup=new_setup,
                                             run_above=new_above, runs=runs, kind=info.kind, self_cls=self_cls)
                    queue.append(callee)
                elif (new_setup and not current.setup) or (new_above and not current.run_above):
                    current.setup = current.setup or new_setup
                    current.run_above = current.run_above or new_above
                    queue.append(callee)

    # Facts, not summary reads: the thread context is rebuilt after an edit
    # (in the next CLI run too) without reading every module on its paths.
    def _sync_function(self, key: Tuple[str, str]) -> bool:
        return self.index.fact("thread-sync-function", key, lambda: _is_sync(self.index.function(*key)))

    def _callees_of(self, key: Tuple[str, str], self_cls) -> tuple:
        return self.index.fact("thread-callees", (key, self_cls),
                               lambda: tuple(self._callees(self.index.function(*key), self_cls)))

    def _callees(self, fn, self_cls) -> List[tuple]:
        out: List[tuple] = []
        seen = set()
        checked = getattr(fn, "thread_checked_lines", None) or ()
        for sym, line, _col in fn.calls if fn else ():
            if checked and any(start <= line <= end for start, end in checked):
                continue  # the code already tells the loop thread from the others
            for callee, cls in self.functions_of(sym, True, self_cls):
                if callee not in seen:
                    seen.add(callee)
                    out.append((callee, cls))
        return out


def _is_sync(fn) -> bool:
    return fn is not None and not fn.is_async


def module_entries(index, module: str) -> tuple:
    """A module's thread entries as a fact of its own: a query that goes
    through every module's entries (`_thread_queue_item_query`) reads no
    summary of a module unchanged since the index it was saved from
    (`ProjectIndex.restore`). The joins read them through their parts."""
    return index.fact("thread-entries", module,
                      lambda: tuple(getattr(index.modules.get(module), "thread_entries", None) or ()))


def _context_builder(patterns: tuple):
    return lambda index: _Builder(index, patterns).build()


def _inputs_part(patterns: tuple, index, module: str) -> tuple:
    return _Builder(index, patterns)._module_inputs(module)


def _join_inputs(parts) -> tuple:
    seeds: list = []
    movers: dict = {}
    drains: list = []
    puts: dict = {}
    for _module, (found, moved, drained, put) in sorted(parts, key=lambda part: part[0]):
        seeds.extend(found)
        for key, value in moved:
            movers.setdefault(key, value)
        drains.extend(drained)
        for key, value in put:
            puts.setdefault(key, []).append(value)
    return tuple(seeds), movers, [(d, puts[(d[0], d[1])]) for d in drains if (d[0], d[1]) in puts]


def _decorators_part(index, module: str) -> tuple:
    return _Builder(index, ())._decorators(module)


def _sorted_parts(parts) -> tuple:
    """The parts that are not empty, by module name."""
    return tuple(sorted(((module, value) for module, value in parts if value), key=lambda part: part[0]))


def _class_bases_part(index, module: str) -> tuple:
    return _Builder(index, ())._class_bases(module)


def _child_classes(parts) -> Dict[Tuple[str, str], List[Tuple[str, str]]]:
    children: Dict[Tuple[str, str], List[Tuple[str, str]]] = {}
    for _module, bases in sorted(parts, key=lambda part: part[0]):
        for child, parent in bases:
            children.setdefault(parent, []).append(child)
    return children


def _started_part(index, module: str) -> frozenset:
    summary = index.modules.get(module)
    entries = getattr(summary, "thread_entries", None) or ()
    return frozenset(e[1] for e in entries if e[0] == "started")


def _union_parts(parts) -> frozenset:
    return frozenset().union(*(value for _module, value in parts))


def param_types(index) -> Dict[Tuple[str, str], Dict[int, set]]:
    """(module, qualname) -> {parameter position: asyncio classes passed
    there by the thread entry points that start the function}."""
    return index.join_modules("thread-param-types", None, _param_types_part, _join_param_types)


def _param_types_part(index, module: str) -> tuple:
    """(target function, parameter position, asyncio class) for what the
    thread entries of `module` pass to the functions they start."""
    builder = _Builder(index, ())
    out = []
    for entry in getattr(index.modules[module], "thread_entries", None) or ():
        if entry[0] != "call" or len(entry) < 7 or not entry[6]:
            continue
        for target, _cls in builder.functions_of(entry[1], construct=False):
            offset = 1 if entry[1][0] == "attr" and _is_method(index, target) else 0
            out.extend((target, i + offset, kind) for i, kind in enumerate(entry[6]))
    return tuple(out)


def _join_param_types(parts) -> Dict[Tuple[str, str], Dict[int, set]]:
    out: Dict[Tuple[str, str], Dict[int, set]] = {}
    for _module, passed in sorted(parts, key=lambda part: part[0]):
        for target, position, kind in passed:
            out.setdefault(target, {}).setdefault(position, set()).add(kind)
    return out


def _is_method(index, target: Tuple[str, str]) -> bool:
    module, qualname = target
    owner = qualname.rpartition(".")[0]
    fn = index.function(module, qualname)
    if not owner or index.klass(module, owner) is None or fn is None:
        return False
    return not any(dotted(d) in ("builtins.staticmethod",) for d in fn.decorators)


@query("thread_param")
def _thread_param_query(index, module: str, qualname: str, position: int, method: str, wanted: str,
                        patterns: tuple = ()):
    """A method called on an unannotated parameter of a function that runs
    in a thread, when every thread entry that passes something known there
    passes the same asyncio object kind (`wanted`: "future" or "primitive")."""
    info = thread_context(index, tuple(patterns)).get((module, qualname))
    if info is None or info.own_loop:
        return None
    kinds = param_types(index).get((module, qualname), {}).get(position)
    if not kinds or len(kinds) != 1:
        return None
    return _unsafe_use(info, next(iter(kinds)), method, wanted)


def _unsafe_use(info, kind: Optional[str], method: str, wanted: str):
    """The answer when `method` on an asyncio object of `kind` is unsafe off
    the loop thread (`wanted`: "future" or "primitive"), else None."""
    if kind is None:
        return None
    if wanted == "future":
        ok = kind == "future" and method in K.UNSAFE_FUTURE_METHODS
    else:
        ok = method in K.PRIMITIVE_METHODS.get(kind, ())
    return {"context": info.text, "kind": kind} if ok else None


@query("thread_queue_item")
def _thread_queue_item_query(index, module: str, qualname: str, qsym, position: int, method: str, wanted: str,
                             patterns: tuple = ()):
    """A method called on an object a thread took out of a `queue.Queue`,
    when every `put` of that queue in the project puts the same asyncio
    object kind there (`wanted`: "future" or "primitive")."""
    info = thread_context(index, tuple(patterns)).get((module, qualname))
    if info is None or info.own_loop:
        return None
    kinds = set()
    target = _resolved(index, qsym)
    for mod in sorted(index.modules):
        for entry in module_entries(index, mod):
            if entry[0] != "put" or _resolved(index, entry[1]) != target:
                continue
            _tag, _sym, is_tuple, types = entry
            if position == -1:
                kinds.add(types[0] if not is_tuple else None)
            else:
                kinds.add(types[position] if is_tuple and position < len(types) else None)
    if len(kinds) != 1:
        return None
    return _unsafe_use(info, next(iter(kinds)), method, wanted)


@query("thread_obj_attr")
def _thread_obj_attr_query(index, module: str, qualname: str, cls_sym, position, attr: str, method: str,
                           wanted: str, patterns: tuple = ()):
    """A method called on `p.attr` in a function that runs in a thread, where
    `p` is an instance of a project class (its annotation `cls_sym`, or what
    every thread entry passes at `position`) whose methods only ever assign
    one asyncio object kind to `self.attr`: the object travelled to the
    thread inside the instance."""
    info = thread_context(index, tuple(patterns)).get((module, qualname))
    if info is None or info.own_loop:
        return None
    if cls_sym is None:
        kinds = param_types(index).get((module, qualname), {}).get(position)
        if not kinds or len(kinds) != 1:
            return None
        kind = next(iter(kinds))
        if not (isinstance(kind, tuple) and kind[0] == "obj"):
            return None
        cls_sym = kind[1]
    target = index.resolve(cls_sym)
    if target.kind != "class":
        return None
    kinds = set()
    for mod, qual in index.mro(target.module, target.qualname):
        key = ("objattr", mod, qual, attr)
        for entry in getattr(index.modules.get(mod), "thread_entries", None) or ():
            if entry[0] == "put" and entry[1] == key:
                kinds.add(entry[3][0])
        if kinds:
            break  # the nearest class assigning it
    if len(kinds) != 1:
        return None
    return _unsafe_use(info, next(iter(kinds)), method, wanted)


def _resolved(index, sym):
    """A comparable identity for a symbol (module globals across imports)."""
    seen = 0
    while sym is not None and sym[0] == "global" and seen < 10:
        summary = index.modules.get(sym[1])
        nxt = summary.bindings.get(sym[2]) if summary is not None else None
        if nxt is None or nxt[0] != "global" or nxt == sym:
            break  # defined here (`work = queue.Queue()`), not imported
        sym, seen = nxt, seen + 1
    return sym


def _through(text: str, entry: str) -> str:
    marker = ", through `"
    if marker in text:
        return text
    short = entry.replace(".<locals>.", ".")
    return f"{text}, through `{short}`"


def thread_context(index, patterns: tuple = ()) -> Dict[Tuple[str, str], ThreadInfo]:
    """(module, qualname) -> ThreadInfo for every project function that runs
    off the loop thread; computed once per index and set of config patterns."""
    return index.join("thread-context", patterns, _context_builder(patterns))


@query("thread_context")
def _thread_context_query(index, module: str, qualname: str, patterns: tuple = (), mode: str = "any"):
    """Answers whether code in `qualname` runs off the loop thread.

    mode "quiet-own": no finding in a thread that runs a loop of its own;
    "thread-only": as "quiet-own", and none in a signal handler either (it
    runs on the loop thread, so the running loop is there);
    "run": as "quiet-own" but ignoring a loop the function runs itself (for
    `run_until_complete` on the main loop); "any": whatever the thread does.
    """
    info = thread_context(index, tuple(patterns)).get((module, qualname))
    if info is None:
        return None
    if mode == "quiet-own" and info.own_loop:
        return None
    if mode == "run" and (info.setup or info.run_above):
        return None
    if mode == "thread-only" and (info.own_loop or info.kind == "signal"):
        return None
    return {"context": info.text}


@query("thread_direct")
def _thread_direct_query(index, module: str, kind: str, label: str, line: int):
    """A lambda handed straight to a thread API (known in phase 1)."""
    return {"context": _describe(kind, label, _where(index, module, line))}


def site_query(ctx, mode: str = "quiet-own") -> Optional[tuple]:
    """The phase-2 query that says whether the code being walked runs off the
    loop thread, or None when it cannot (module level, async def, ...)."""
    fn = ctx.function
    if fn is None:
        return None
    if fn.kind == "lambda":
        found = lambda_entry(ctx, fn.node)
        if found is None:
            return None
        kind, label, line = found
        if mode == "thread-only" and kind == "signal":
            return None
        return ("thread_direct", kind, label, line)
    if fn.is_async or fn.info is None:
        return None
    return ("thread_context", fn.qualname, _patterns(ctx), mode)


__all__ = ["note_call", "note_assign", "classify_entry_call", "lambda_entry", "thread_context",
           "site_query", "ThreadInfo"]


# The joins above, rebuildable from a saved index in the next run: a plain
# join's factory gives its build, a `join_modules` join's its (part, combine);
# the key is the join's key (the config patterns of the thread context and
# of its inputs).
rebuildable("class-children", lambda _key: (_class_bases_part, _child_classes))
rebuildable("thread-started", lambda _key: (_started_part, _union_parts))
rebuildable("thread-inputs", lambda key: (functools.partial(_inputs_part, key), _join_inputs))
rebuildable("thread-decorators", lambda _key: (_decorators_part, _sorted_parts))
rebuildable("thread-param-types", lambda _key: (_param_types_part, _join_param_types))
rebuildable("thread-context", _context_builder)
