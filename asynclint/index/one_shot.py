"""One-shot command-line programs (phase 1, from one module's syntax tree).

A command that serves nothing runs its coroutine on a loop of its own, from
start to end, and then exits: every task on that loop is the command's own
work, so a blocking call there delays only the command itself, as it would
in a sync script (the `pipecat eval` command writing a log after each
scenario, `datasette inspect` loading its plugins). Evidence, all in the
module:
  - an entry point: a sync function decorated as a command-line command
    (`@click.command()`, `@cli.command()`, typer's `@app.command("run")`,
    `@click.group()`), a sync function that parses its own command line
    (`parser.parse_args()`), the module's `if __name__ == "__main__":`
    block, or a module function that block calls by name;
  - in it, a loop runner given the command's coroutine: `asyncio.run(f())`,
    `loop.run_until_complete(f())`, or a module function that runs its
    argument so (`def run_sync(fn): return loop.run_until_complete(fn())`)
    called as `run_sync(lambda: f(...))` or `run_sync(f)`;
  - the command's work: the coroutine function `f` and, transitively, the
    coroutine functions its body calls by name (`g()`, `self.g()`,
    `cls.g()`: awaited or handed to `gather`), nested ones included, loops
    included; a function or lambda it only hands over (a callback, an event
    handler) runs when someone else decides and is not part of it, nor is
    a function also named anywhere else in the module;
  - and it serves nothing: neither the entry point nor the command's work
    calls a serving API (`start_server`, `serve_forever`, `run_forever`,
    `web.run_app`, `uvicorn.run`, ...) or starts work beside its own steps
    (`create_task`, `ensure_future`, `call_later`, ...): then others wait
    on the loop, and the blocking call is a real delay;
  - and it ends: the command's work has no `while` or `async for` loop (a
    daemon's heartbeat, a tail, a REPL, a stream: it runs until stopped,
    and someone may be waiting on each turn). `for` loops over items are
    the command's per-item work.
"""
from __future__ import annotations

import ast
from typing import Dict, FrozenSet, List, Optional, Set

from ..knowledge.startup import BESIDE_CALLS, COMMAND_DECORATORS, COMMAND_LINE_PARSERS, SERVING_CALLS
from .nodes import SCOPES, called_name, children, own_nodes
from .startup import names_loop_runner, runs_loop

_STREAMING_LOOPS = (ast.While, ast.AsyncFor)


class OneShot:
    """The coroutine functions of a module that are a one-shot command's
    own work (`work`, node ids). Built only for a module whose text names
    a loop runner (`text`); callers test `covers()`."""

    def __init__(self, tree: ast.AST, text: Optional[str] = None):
        self.work: FrozenSet[int] = frozenset()
        if text is not None and not names_loop_runner(text):
            return
        coroutines: Dict[str, List[ast.AST]] = {}
        for node in _statements(tree):
            if isinstance(node, ast.AsyncFunctionDef):
                coroutines.setdefault(node.name, []).append(node)
        if not coroutines:
            return
        wrappers = _runner_wrappers(tree)
        work: Set[int] = set()
        for entry in _entry_points(tree):
            if _serves(entry):
                continue
            mains = {name for name in _runner_targets(entry, wrappers) if name in coroutines}
            if not mains:
                continue
            members = _closure(tree, coroutines, mains, entry)
            if members and not any(_serves(fn) or _runs_until_stopped(fn) for fn in members):
                work.update(id(fn) for fn in members)
        self.work = frozenset(work)

    def covers(self, fn_node: ast.AST) -> bool:
        """Is a call directly inside `fn_node` a one-shot command's own work?"""
        return id(fn_node) in self.work


def _statements(tree: ast.AST):
    """Every statement of the module, nested ones included (a def is a
    statement, and statements sit only in the blocks of statements, `except`
    handlers and `case`s): the defs without a visit of every expression."""
    stack = list(getattr(tree, "body", ()))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.stmt):
            yield node
        for field in _BLOCK_FIELDS:
            block = getattr(node, field, None)
            if block:
                stack.extend(block)


_BLOCK_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")


def _dotted(func: ast.AST) -> Optional[str]:
    parts = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        parts.append(func.id)
        return ".".join(reversed(parts))
    return None


def _is_main_test(test: ast.AST) -> bool:
    """`__name__ == "__main__"` (either way round)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = (test.left, test.comparators[0])
    return any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides) \
        and any(isinstance(s, ast.Constant) and s.value == "__main__" for s in sides)


def _entry_points(tree: ast.AST) -> List[ast.AST]:
    """Sync command functions, argument-parsing functions, the `__main__`
    block (as an `ast.If`) and the module functions it calls by name."""
    entries: List[ast.AST] = []
    module_functions = {n.name: n for n in getattr(tree, "body", ()) if isinstance(n, ast.FunctionDef)}
    for node in _statements(tree):
        if isinstance(node, ast.FunctionDef):
            if any(called_name(d.func if isinstance(d, ast.Call) else d) in COMMAND_DECORATORS
                   for d in node.decorator_list):
                entries.append(node)
            elif any(isinstance(n, ast.Call) and called_name(n.func) in COMMAND_LINE_PARSERS
                     for n in own_nodes(node.body)):
                entries.append(node)
    for stmt in getattr(tree, "body", ()):
        if isinstance(stmt, ast.If) and _is_main_test(stmt.test):
            entries.append(stmt)
            for n in own_nodes(stmt.body):
                if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in module_functions:
                    fn = module_functions[n.func.id]
                    if fn not in entries:
                        entries.append(fn)
    return entries


def _runner_wrappers(tree: ast.AST) -> FrozenSet[str]:
    """Module functions that run their argument on a loop:
    `def run_sync(fn): return loop.run_until_complete(fn())`."""
    found = set()
    for fn in getattr(tree, "body", ()):
        if not isinstance(fn, ast.FunctionDef):
            continue
        params = {a.arg for a in (*fn.args.posonlyargs, *fn.args.args)}
        for n in own_nodes(fn.body):
            if isinstance(n, ast.Call) and runs_loop(n.func) and n.args:
                arg = n.args[0]
                target = arg.func if isinstance(arg, ast.Call) else arg
                if isinstance(target, ast.Name) and target.id in params:
                    found.add(fn.name)
    return frozenset(found)


def _target_name(arg: ast.AST) -> Optional[str]:
    """The coroutine function a runner is given: `f()`, `self.f()`, `f`,
    `lambda: f(...)`."""
    if isinstance(arg, ast.Lambda):
        arg = arg.body
    if isinstance(arg, ast.Call):
        arg = arg.func
    return called_name(arg)


def _runner_targets(entry: ast.AST, wrappers: FrozenSet[str]) -> Set[str]:
    names = set()
    for n in own_nodes(entry.body):
        if isinstance(n, ast.Call) and n.args and (
                runs_loop(n.func) or (isinstance(n.func, ast.Name) and n.func.id in wrappers)):
            name = _target_name(n.args[0])
            if name is not None:
                names.add(name)
    return names


def _own_callee(call: ast.Call) -> Optional[str]:
    """`g()`, `self.g()`, `cls.g()`: a call the module can resolve by name."""
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in ("self", "cls"):
        return func.attr
    return None


def _closure(tree: ast.AST, coroutines: Dict[str, List[ast.AST]], mains: Set[str], entry: ast.AST) -> List[ast.AST]:
    """The coroutine functions the mains call by name, transitively. A
    function (a main too) also named elsewhere in the module, outside the
    command's work and its entry point (in a callback, a handler, another
    function), may run while something else is served: it is left out, and
    the closure is computed again until it no longer shrinks."""
    blocked: Set[str] = set()
    while True:
        members: List[ast.AST] = []
        seen: Set[str] = set()
        todo = [n for n in mains if n not in blocked]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            for fn in coroutines.get(name, ()):
                members.append(fn)
                for n in own_nodes(fn.body):
                    if isinstance(n, ast.Call):
                        callee = _own_callee(n)
                        if callee in coroutines and callee not in seen and callee not in blocked:
                            todo.append(callee)
        named_elsewhere = _names_outside(tree, {id(fn) for fn in members}, entry, {fn.name for fn in members})
        if not named_elsewhere - blocked:
            return members
        blocked |= named_elsewhere


def _names_outside(tree: ast.AST, members: Set[int], entry: ast.AST, names: Set[str]) -> Set[str]:
    """Which of `names` the module names outside the bodies of `members` and
    of the entry point. Functions and lambdas nested in a member are outside
    (callbacks); a lambda in the entry point is inside (`run_sync(lambda:
    main())`)."""
    if not names:
        return set()
    found = set()
    stack = [(tree, None)]
    while stack:
        node, inside = stack.pop()
        if node is entry:
            inside = "entry"
        elif isinstance(node, SCOPES):
            if id(node) in members:
                inside = "member"
            elif not (inside == "entry" and isinstance(node, ast.Lambda)):
                inside = None
        if inside is None:
            if isinstance(node, ast.Name) and node.id in names:
                found.add(node.id)
            elif isinstance(node, ast.Attribute) and node.attr in names:
                found.add(node.attr)
        for child in children(node):  # no contexts and operators: only names matter here
            stack.append((child, inside))
    return found


def _runs_until_stopped(fn: ast.AST) -> bool:
    """A `while` or `async for` loop in the function's own body."""
    return any(isinstance(n, _STREAMING_LOOPS) for n in own_nodes(fn.body))


def _serves(fn: ast.AST) -> bool:
    """The function's own body calls a serving API or starts work beside its
    own steps."""
    for n in own_nodes(fn.body):
        if isinstance(n, ast.Call):
            last = called_name(n.func)
            if last in BESIDE_CALLS or last in SERVING_CALLS:
                return True
            dotted = _dotted(n.func)
            if dotted is not None and dotted in SERVING_CALLS:
                return True
    return False
