"""Set-up code of a resource (phase 1, from one module's syntax tree).

A file opened or read while an object is set up (a firmware image loaded
as a driver initialises, a device file opened as a transport opens, a
prompt file read as a service is set up) is read once per resource, before
the resource serves anything; the per-message or per-chunk work comes
later, elsewhere. The AIO2 rules leave such file I/O (AIO203, and AIO208
call sites whose helper reaches nothing costlier than file I/O) alone
unless `blocking-at-setup = true`. Set-up code is, with evidence in the
module:
  - a method (of a class defined at module level, not in a function,
    where it would be built again on every call) whose name matches a
    `setup-functions` pattern (`setup`, `init_*`, `on_mount`), and the
    methods of the same class it awaits by name (`await self._load()`)
    outside loops, transitively;
  - an async factory: a coroutine whose name matches a `setup-factories`
    pattern (`open_*`, `create_*`), or an async classmethod, without any
    other decorator (a decorated coroutine may be a request handler), each
    `return` of which gives None or a new object of a class of the project
    (a class of the same module, or of the package the module belongs to;
    `cls(...)` in a classmethod), and at least one of which does.
Only statements outside loops count: a loop in set-up code may be the one
that streams; nested functions and classes run later and are not set-up
code.
"""
from __future__ import annotations

import ast
import fnmatch
from typing import Callable, Iterable, Optional

from .nodes import SCOPES, called_name, own_nodes

_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_METHOD_KINDS = frozenset({"classmethod", "staticmethod"})


class ResourceSetup:
    """The set-up functions of one module, decided one at a time, when a
    call in them blocks on file I/O. `project_class(func)` says whether a
    called name is a class of the project (the caller knows the imports)."""

    def __init__(self, functions: Iterable[str], factories: Iterable[str], project_class: Callable):
        self.functions = tuple(functions)
        self.factories = tuple(factories)
        self.project_class = project_class
        self._decided: dict = {}

    def ruled_out(self, fn_node: ast.AST) -> bool:
        """Decided for the function already: none of its code is set-up code."""
        return self._decided.get(("function", id(fn_node))) is False

    def covers(self, fn_node: ast.AST, parents) -> bool:
        """Is a node inside `fn_node` (its ancestors `parents`, outermost
        first) set-up code?"""
        if self.ruled_out(fn_node):
            return False
        parents = list(parents)
        at = next((i for i, p in enumerate(parents) if p is fn_node), None)
        if at is None or not isinstance(fn_node, ast.AsyncFunctionDef):
            return False
        if any(isinstance(p, _LOOPS) for p in parents[at + 1:]):
            return False
        # the rest depends on the function alone (its ancestors are the same
        # for every call in it): decided once per function
        key = ("function", id(fn_node))
        found = self._decided.get(key)
        if found is None:
            found = self._decided[key] = self._function_is_setup(fn_node, parents[:at])
        return found

    def _function_is_setup(self, fn_node: ast.AST, outer: list) -> bool:
        """`outer`: the ancestors of `fn_node`, outermost first."""
        owner = outer[-1] if outer else None
        klass = owner if isinstance(owner, ast.ClassDef) and any(fn_node is s for s in owner.body) else None
        if klass is not None and any(isinstance(p, (*_FUNCS, ast.Lambda)) for p in outer[:-1]):
            return False  # a class defined in a function: built again on every call
        found = self._decided.get(id(fn_node))
        if found is None:
            found = self._factory(fn_node, klass is not None)
            if not found and klass is not None:
                found = id(fn_node) in self._class_setup(klass)
            self._decided[id(fn_node)] = found
        return found

    # -- set-up methods ----------------------------------------------------
    def _class_setup(self, klass: ast.ClassDef) -> frozenset:
        """The methods of `klass` that are set-up code: named ones and what
        they await of `self` outside loops."""
        key = ("class", id(klass))
        found = self._decided.get(key)
        if found is None:
            methods = {}
            for stmt in klass.body:
                if isinstance(stmt, _FUNCS):
                    methods.setdefault(stmt.name, []).append(stmt)
            todo = [name for name in methods if _matches(name, self.functions)]
            seen = set()
            while todo:
                name = todo.pop()
                if name in seen:
                    continue
                seen.add(name)
                for fn in methods[name]:
                    if isinstance(fn, ast.AsyncFunctionDef):
                        todo.extend(n for n in _awaited_own_methods(fn) if n in methods and n not in seen)
            found = self._decided[key] = frozenset(id(fn) for name in seen for fn in methods[name])
        return found

    # -- async factories -----------------------------------------------------
    def _factory(self, fn: ast.AsyncFunctionDef, is_method: bool) -> bool:
        kinds = [_decorator_name(d) for d in fn.decorator_list]
        if any(k not in _METHOD_KINDS for k in kinds):
            return False
        classmethod_ = is_method and "classmethod" in kinds
        if not (classmethod_ or (not is_method or "staticmethod" in kinds) and _matches(fn.name, self.factories)):
            return False
        builds = False
        for node in own_nodes(fn.body):
            if not isinstance(node, ast.Return):
                continue
            value = node.value
            if value is None or (isinstance(value, ast.Constant) and value.value is None):
                continue
            if self._new_object(fn, value, classmethod_):
                builds = True
            else:
                return False
        return builds

    def _new_object(self, fn: ast.AsyncFunctionDef, value: ast.AST, classmethod_: bool) -> bool:
        """`value`, returned by factory `fn`, is a new object: `cls(...)` in a
        classmethod; else a project class called (`FileTransport(...)`),
        directly or through a local name bound to nothing else, or the
        awaited result of another factory (`await open_x_transport(...)`)."""
        if isinstance(value, ast.Name) and not classmethod_:
            bound = [node.value for node in own_nodes(fn.body)
                     if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.NamedExpr))
                     and any(isinstance(t, ast.Name) and t.id == value.id for t in _targets(node))]
            return bool(bound) and all(isinstance(v, ast.Call) and self._builds(fn, v.func) for v in bound) \
                and not _bound_otherwise(fn, value.id)
        if isinstance(value, ast.Await) and not classmethod_:
            call = value.value
            return isinstance(call, ast.Call) and _matches(called_name(call.func) or "", self.factories)
        if not isinstance(value, ast.Call):
            return False
        if classmethod_:
            return isinstance(value.func, ast.Name) and value.func.id == _first_param(fn)
        return self._builds(fn, value.func)

    def _builds(self, fn: ast.AsyncFunctionDef, func: ast.AST) -> bool:
        """`func` names a class of the project: one defined in the factory
        itself (`class FileTransport(Transport)`), or `project_class`."""
        if isinstance(func, ast.Name) and any(isinstance(n, ast.ClassDef) and n.name == func.id
                                              for n in ast.walk(fn)):
            return True
        return self.project_class(func)


def _matches(name: str, patterns) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def _targets(node: ast.AST) -> list:
    return node.targets if isinstance(node, ast.Assign) else [node.target]


def _bound_otherwise(fn: ast.AST, name: str) -> bool:
    """`name` is a parameter of `fn`, or bound by unpacking, a loop, a
    `with` or an import in it: not only by the assignments looked at."""
    args = fn.args
    if any(a.arg == name for a in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg)
           if a is not None):
        return True
    for node in own_nodes(fn.body):
        if isinstance(node, ast.Assign):
            targets = [t for t in node.targets if not isinstance(t, ast.Name)]  # `a, b = ...`
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            targets = [node.target]
        elif isinstance(node, ast.withitem):
            targets = [node.optional_vars] if node.optional_vars is not None else []
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            if any((a.asname or a.name).partition(".")[0] == name for a in node.names):
                return True
            continue
        else:
            continue
        if any(isinstance(n, ast.Name) and n.id == name for t in targets for n in ast.walk(t)):
            return True
    return False


def _decorator_name(deco: ast.AST) -> Optional[str]:
    target = deco.func if isinstance(deco, ast.Call) else deco
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    return None


def _first_param(fn: ast.AST) -> Optional[str]:
    args = fn.args
    params = [*args.posonlyargs, *args.args]
    return params[0].arg if params else None


def _awaited_own_methods(fn: ast.AsyncFunctionDef):
    """Names of `await self.m(...)` outside loops of `fn`."""
    self_name = _first_param(fn)
    stack = list(fn.body)
    while stack:
        node = stack.pop()
        if isinstance(node, _LOOPS) or isinstance(node, SCOPES):
            continue
        if isinstance(node, ast.Await) and isinstance(node.value, ast.Call):
            func = node.value.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == self_name:
                yield func.attr
        stack.extend(ast.iter_child_nodes(node))
