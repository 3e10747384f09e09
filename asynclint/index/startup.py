"""Start-up code of one module (phase 1, from its syntax tree alone).

A blocking call is harmless where it runs once while the program or a
component starts or stops, before anything is served (triage rule 1 of
benchmarks/triage/apps.md). What counts, with evidence in the module:
  - a function whose name matches a `startup-functions` pattern
    (`lifespan`), or a method matching `Base.pattern` in the class `Base`
    or a class deriving from it (`Application.initialize`, `Application.init_*`: the
    traitlets application convention, run once by `launch_instance()`;
    a bare `initialize` would also match a client's reconnect step);
  - a function registered as a framework start-up/shutdown hook, by
    decorator (`@app.on_event("startup")`, `@app.before_serving`) or by a
    registration call (`app.on_startup.append(f)`, `Starlette(on_startup=[f])`,
    `FastAPI(lifespan=f)`, `app.add_event_handler("shutdown", f)`);
  - the program's main coroutine, the one given to `asyncio.run()` or
    `run_until_complete()` in this module, and the coroutines it awaits
    by name (`await run()`, `await self._run()`) outside any loop.
Only their statements outside loops count (a loop in start-up code may be
the serving loop); callbacks and nested functions they define run later,
while serving, and are not start-up code.
"""
from __future__ import annotations

import ast
import fnmatch
import functools
import re
from typing import FrozenSet, Iterable, Tuple

from ..knowledge.startup import EVENT_HOOKS, STARTUP_EVENTS
from .nodes import walk

_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
# `asyncio.run(...)` as the text can spell it: only spaces, line
# continuations and comments may stand between the name, the dot and `run`
_GAP = r"(?:[\s\\]|#[^\n]*\n)*"  # one way to match: no backtracking blow-up
# searched without a leading `\b` (which keeps `re` from scanning for the
# literal `asyncio` at C speed); `_word_start` checks the boundary instead
_RUN = re.compile(r"asyncio" + _GAP + r"\." + _GAP + r"run\b")


class Startup:
    """The start-up functions of a module: named, decorated or registered
    ones (`_whole`) and `mains` (main coroutines and what they await);
    their statements outside loops run once.

    Built for every module with a blocking call, so it walks the tree only
    when the source names a hook or a loop runner (`text`), and decides
    named and decorated functions one at a time, when asked."""

    def __init__(self, tree: ast.AST, patterns: Iterable[str], hooks: Iterable[str], text: str = None):
        self.patterns = tuple(patterns)
        self._named_by_base = _named_by_base(self.patterns)
        self.hooks = frozenset(hooks)
        self._whole: dict = {}
        # the loop runner first: its answer is kept for `OneShot`, and when
        # the text names one, the dozen hook words need no search
        if text is None or names_loop_runner(text) or any(word in text for word in (*self.hooks, *EVENT_HOOKS)):
            self.registered, mains = self._scan(tree)
        else:
            self.registered, mains = frozenset(), set()
        if mains:
            defs = [n for n in walk(tree) if isinstance(n, ast.AsyncFunctionDef)]
            self.mains: FrozenSet[int] = self._main_closure(defs, mains)
        else:
            self.mains = frozenset()

    def _is_whole(self, fn: ast.AST, klass) -> bool:
        """Named, registered or decorated as start-up code; `klass` is the
        class whose body defines `fn` (None for a function)."""
        found = self._whole.get(id(fn))
        if found is None:
            found = self._named(fn.name, ()) or fn.name in self.registered or self._decorated(fn)
            if not found and klass is not None:
                # `Base.pattern` names the methods of `Base` itself too: a
                # user who writes `Updater._start_webhook` means that method
                bases = [klass.name] + [b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", None)
                                        for b in klass.bases]
                found = self._named(fn.name, bases)
            self._whole[id(fn)] = found
        return found

    def _named(self, name: str, bases) -> bool:
        """`pattern` matches any function; `Base.pattern` a method of a
        class named `Base` or deriving directly from a class so named."""
        by_base = self._named_by_base
        for base in (None, *bases):
            match = by_base.get(base)
            if match is not None and match(name) is not None:
                return True
        return False

    def _hook_name(self, node: ast.AST):
        """`on_startup` of `app.on_startup`, `app.on_startup.append`."""
        if isinstance(node, ast.Attribute):
            if node.attr in self.hooks:
                return node.attr
            if node.attr == "append" and isinstance(node.value, ast.Attribute) and node.value.attr in self.hooks:
                return node.value.attr
        if isinstance(node, ast.Name) and node.id in self.hooks:
            return node.id
        return None

    def _decorated(self, fn: ast.AST) -> bool:
        for deco in fn.decorator_list:
            target = deco.func if isinstance(deco, ast.Call) else deco
            if self._hook_name(target) is not None:
                return True
            if isinstance(deco, ast.Call) and _event_call(deco):
                return True
        return False

    def _scan(self, tree: ast.AST) -> Tuple[set, set]:
        registered, mains = set(), set()
        for node in walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if self._hook_name(func) is not None:
                registered.update(_names(node.args))
            elif _event_call(node) and len(node.args) > 1:
                registered.update(_names(node.args[1:2]))
            for kw in node.keywords:
                if kw.arg in self.hooks:
                    value = kw.value
                    registered.update(_names(value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]))
            if runs_loop(func) and node.args:
                name = _called(node.args[0])
                if name is not None:
                    mains.add(name)
        return registered, mains

    def _main_closure(self, defs, names: set) -> FrozenSet[int]:
        by_name = {}
        for fn in defs:
            if isinstance(fn, ast.AsyncFunctionDef):
                by_name.setdefault(fn.name, []).append(fn)
        seen, todo = set(), [n for n in names if n in by_name]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            for fn in by_name[name]:
                for node in _once(fn.body):
                    if isinstance(node, ast.Await) and isinstance(node.value, ast.Call):
                        func = node.value.func
                        own = isinstance(func, ast.Name) or (isinstance(func, ast.Attribute) and isinstance(
                            func.value, ast.Name) and func.value.id in ("self", "cls"))
                        callee = _called(node.value)
                        if own and callee in by_name and callee not in seen:
                            todo.append(callee)
        return frozenset(id(fn) for name in seen for fn in by_name[name])

    def covers(self, fn_node: ast.AST, parents: Iterable[ast.AST]) -> bool:
        """Is a call inside `fn_node` (its ancestors `parents`, outermost
        first) start-up code?"""
        if id(fn_node) not in self.mains and self._whole.get(id(fn_node)) is False:
            return False  # decided for the function already: no call in it is start-up code
        parents = list(parents)
        if id(fn_node) not in self.mains:
            at = next((i for i, p in enumerate(parents) if p is fn_node), None)
            if at is None:
                return False
            owner = parents[at - 1] if at else None
            klass = owner if isinstance(owner, ast.ClassDef) and fn_node in owner.body else None
            if not self._is_whole(fn_node, klass):
                return False
        inside = False
        for parent in parents:
            if parent is fn_node:
                inside = True
            elif inside and isinstance(parent, _LOOPS):
                return False
        return inside


@functools.lru_cache(maxsize=8)
def _named_by_base(patterns: tuple) -> dict:
    """The patterns as one regular expression per class base (None for the
    plain ones), made once per process, not tried one by one per function."""
    keyed = [(base if dot else None, p) for base, dot, p in (p.rpartition(".") for p in patterns)]
    return {key: _any_of([p for k, p in keyed if k == key]) for key, _p in keyed}


def _any_of(patterns: list):
    """The `match` of one expression matching what any of the `fnmatch`
    patterns matches (`fnmatch.fnmatchcase`)."""
    return re.compile("|".join(fnmatch.translate(p) for p in patterns)).match


@functools.lru_cache(maxsize=2)  # asked by `Startup` and `OneShot` for the same file's text
def names_loop_runner(text: str) -> bool:
    """The source may call `asyncio.run()` or `run_until_complete()`."""
    if "run_until_complete" in text:
        return True
    if "asyncio" not in text:
        return False
    found = _RUN.search(text)
    while found is not None:
        if _word_start(text, found.start()):
            return True
        found = _RUN.search(text, found.start() + 1)
    return False


def _word_start(text: str, at: int) -> bool:
    """`text[at:]` starts a word (what `\b` before a word character tests)."""
    if at == 0:
        return True
    before = text[at - 1]
    return not (before.isalnum() or before == "_")


def _once(body):
    """The nodes of a body that run at most once: not in loops, nested
    functions or classes."""
    stack = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, _LOOPS) or isinstance(node, _SCOPES):
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _event_call(call: ast.Call) -> bool:
    """`app.on_event("startup")`, `app.add_event_handler("shutdown", f)`."""
    func = call.func
    return isinstance(func, ast.Attribute) and func.attr in EVENT_HOOKS and bool(call.args) \
        and isinstance(call.args[0], ast.Constant) and call.args[0].value in STARTUP_EVENTS


def runs_loop(func: ast.AST) -> bool:
    """`asyncio.run(...)`, `loop.run_until_complete(...)`."""
    if isinstance(func, ast.Attribute):
        if func.attr == "run_until_complete":
            return True
        return func.attr == "run" and isinstance(func.value, ast.Name) and func.value.id == "asyncio"
    return False


def _called(node: ast.AST):
    if isinstance(node, ast.Call):
        func = node.func
        return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    return None


def _names(nodes):
    for node in nodes:
        if isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, ast.Attribute):
            yield node.attr
