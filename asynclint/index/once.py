"""Memoised one-time work: code whose result is computed once and then
reused, so that a blocking call in it delays the loop once, like start-up
code (the AIO2 rules leave it alone unless `blocking-at-startup = true`).

"Once" is meant strictly: the same value for every caller, kept for good.
- A function decorated `functools.cache` / `functools.lru_cache` that takes
  no parameter at all (a module function or a static method): one entry,
  computed on the first call. A cache keyed by arguments (`self`, a path)
  computes again for every new key, and is not once.
- A lazy initialisation: `if M is None: ... M = <value>` or
  `if not hasattr(self, "m"): ... self.m = <value>`, where M is an attribute
  of `self`/`cls` or a module global declared `global`, the guarded block
  assigns M, reads no parameter of the function (`self` included, other than
  to store M): its value is the same whoever calls, and nothing else in the
  class (outside `__init__`) or module sets M back to None or deletes it.
Only plain syntax is read; anything else is not once.
"""
from __future__ import annotations

import ast
from typing import Iterable, Optional

from ..knowledge.blocking import MEMOISING_DECORATORS
from .nodes import children, walk

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def memoised(decorator_names: Iterable[Optional[str]], takes_arguments: bool) -> bool:
    """A function whose body runs once: a no-argument function behind a
    memoising decorator (canonical dotted names of its decorators)."""
    return not takes_arguments and any(n in MEMOISING_DECORATORS for n in decorator_names)


def guarded_target(test: ast.AST) -> Optional[ast.AST]:
    """The memo a lazy-initialisation test checks is unset: `M is None`,
    `not hasattr(self, "m")` (as the node `self.m`); else None."""
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Is) \
            and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value is None:
        return test.left if _memo_shape(test.left) else None
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        call = test.operand
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "hasattr" \
                and len(call.args) == 2 and not call.keywords and isinstance(call.args[0], ast.Name) \
                and call.args[0].id in ("self", "cls") and isinstance(call.args[1], ast.Constant) \
                and isinstance(call.args[1].value, str):
            return ast.Attribute(value=call.args[0], attr=call.args[1].value, ctx=ast.Load())
    return None


def _memo_shape(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) or (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                                          and node.value.id in ("self", "cls"))


def _same(a: ast.AST, b: ast.AST) -> bool:
    if isinstance(a, ast.Name) and isinstance(b, ast.Name):
        return a.id == b.id
    return isinstance(a, ast.Attribute) and isinstance(b, ast.Attribute) and a.attr == b.attr \
        and isinstance(a.value, ast.Name) and isinstance(b.value, ast.Name) and a.value.id == b.value.id


def _walk(nodes):
    """Nodes of statements, not entering nested functions or classes."""
    stack = list(nodes)
    while stack:
        node = stack.pop()
        yield node
        stack.extend(n for n in children(node) if not isinstance(n, _SCOPES))


def _params(fn: ast.AST) -> set:
    args = getattr(fn, "args", None)
    if args is None:
        return set()
    names = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
    names.update(a.arg for a in (args.vararg, args.kwarg) if a is not None)
    return names


def _globals_of(fn: ast.AST) -> frozenset:
    """The names `fn` declares `global`, kept on the function node: every
    lazy `if` of a module asks about every function of it."""
    found = getattr(fn, _GLOBALS_ATTR, None)
    if found is None:
        found = frozenset(name for node in _walk(fn.body) if isinstance(node, ast.Global) for name in node.names)
        setattr(fn, _GLOBALS_ATTR, found)
    return found


_GLOBALS_ATTR = "_asynclint_globals"


def once_block(node: ast.If, fn: ast.AST, klass: Optional[ast.ClassDef], module: ast.AST) -> bool:
    """Is the body of `node`, an `if` in function `fn` (a method of `klass`,
    or None), one-time work (see the module docstring)?"""
    memo = guarded_target(node.test)
    if memo is None or not node.body:
        return False
    if isinstance(memo, ast.Name):
        if memo.id not in _globals_of(fn):
            return False  # a local: recomputed on every call
    elif klass is None:
        return False
    stores = 0
    params = _params(fn)
    for sub in _walk(node.body):
        if isinstance(sub, (ast.Assign, ast.AnnAssign)):
            targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target]
            stores += any(_same(t, memo) for t in targets)
        if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id in params:
            if not (_same(sub, memo) and isinstance(sub.ctx, ast.Store)):
                return False  # reads the instance, or an argument's attribute
        elif isinstance(sub, ast.Name) and sub.id in params and not (
                sub.id in ("self", "cls") and _is_memo_base(sub, node.body, memo)):
            return False  # the value depends on an argument: one per key
    if not stores:
        return False
    return not _reset_elsewhere(memo, fn, klass, module)


def _is_memo_base(name: ast.Name, body, memo: ast.AST) -> bool:
    """`self` as the base of the memo being stored (`self.m = ...`)."""
    for sub in _walk(body):
        if isinstance(sub, ast.Attribute) and sub.value is name:
            return _same(sub, memo) and isinstance(sub.ctx, ast.Store)
    return False


def _reset_elsewhere(memo: ast.AST, fn: ast.AST, klass: Optional[ast.ClassDef], module: ast.AST) -> bool:
    """Something other than the initialisation itself sets the memo back to
    None or deletes it: a cache invalidated, not one-time work."""
    if isinstance(memo, ast.Name):
        scopes = [n for n in walk(module) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                  and n is not fn and memo.id in _globals_of(n)]
    else:
        scopes = [n for n in walk(klass) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                  and n is not fn and n.name != "__init__"]
    for scope in scopes:
        for sub in _walk(scope.body):
            if isinstance(sub, ast.Delete) and any(_same(t, memo) for t in sub.targets):
                return True
            if isinstance(sub, (ast.Assign, ast.AnnAssign)) and sub.value is not None:
                targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target]
                if any(_same(t, memo) for t in targets):
                    return True  # any other store: the memo is state, not a constant
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id == "delattr":
                return True
    return False


def line_range(node: ast.If) -> tuple:
    return (node.body[0].lineno, node.body[-1].end_lineno or node.body[-1].lineno)
