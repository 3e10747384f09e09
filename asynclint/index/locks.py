"""Locks: what lock an expression holds, and which locks a coroutine acquires.

Phase 1 (`lock_info`): from what one file shows, whether an expression is a
thread/process lock or an asyncio primitive (`knowledge.locks`). Evidence
only: a constructor call or an annotation on every assignment of a local, a
module global or a `self` attribute (any method or the class body), or a
parameter's annotation. An inherited `self` attribute with no assignment in
this file is left to phase 2 (`aio600-inherited-lock`).

"Which locks does this coroutine acquire" (AIO601): `note_function` records,
for each async method, the `self` attributes it enters with `async with` or
`await ... .acquire()` and the `self` coroutines it awaits
(`ModuleSummary.lock_facts`); `acquires_through` follows those awaits
across the project in phase 2, on the same instance (`self`), through the
class's MRO.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator, Optional, Tuple

from ..knowledge.locks import ASYNCIO_LOCKS, THREAD_LOCKS
from .local_types import _assignments_in, local_assignments, method_class, self_attr_assignments
from .queries import query
from . import nodes
from .nodes import parent_of
from .summary import dotted

if TYPE_CHECKING:  # the walk's context; index modules do not import it at run time
    from ..context import Context

# Subtrees whose code does not run where they are written (or runs as a
# lazily evaluated generator): never part of a function's own flow.
NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.GeneratorExp)
_NESTED_TYPES = frozenset(NESTED_SCOPES)


@dataclass(frozen=True)
class LockInfo:
    family: str  # "thread" (threading/multiprocessing) or "asyncio"
    kind: str  # class shown in messages: "threading.Lock", "asyncio.Semaphore"
    category: str = ""  # asyncio only: "lock", "semaphore", "condition"
    count: Optional[int] = None  # semaphore initial value when literal (None: unknown)
    plain: bool = False  # constructed with no arguments (a Condition with its own lock)


# Answer of `lock_info` for a `self` attribute this file never assigns: the
# caller may ask phase 2 (inherited from a base class).
INHERITED = LockInfo("inherited", "")


def lock_info(ctx: Context, node: ast.AST) -> Optional[LockInfo]:
    """The lock `node` refers to, when every assignment agrees; else None
    (or INHERITED for an unassigned `self.attr` in a method)."""
    if isinstance(node, ast.Name):
        return _name_info(ctx, node.id)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        owner = method_owner(ctx, node.value.id)
        if owner is None:
            return None
        kind, method, klass = owner
        class_values = _class_body_values(klass, node.attr)
        if kind == "cls":  # `cls.attr` in a classmethod: the class attribute
            return _agree(ctx, class_values) if class_values else None
        if method is ctx.function:
            values = self_attr_assignments(ctx, node.value.id, node.attr)
        else:  # `self` captured by a function nested in the method
            values = _self_values(klass, node.attr)
        if values is None:
            return None
        values = list(values) + class_values
        if not values:
            return INHERITED
        return _agree(ctx, values)
    return None


def _name_info(ctx: Context, name: str) -> Optional[LockInfo]:
    scope = ctx.binding_scope(name)
    if scope is None:  # a module global (or unknown)
        if name in ctx.module.ambiguous or name not in ctx.module.bindings:
            return None
        return _agree(ctx, _module_values(ctx, name))
    if scope.kind != "function":
        return None
    values = local_assignments(ctx, name)
    if values is None:
        return None
    values = list(values)
    annotation = _param_annotation(scope.node, name)
    if annotation is not None:
        values.append(_Annotation(annotation))
    return _agree(ctx, values)


def private_to_call(ctx: Context, node: ast.AST) -> bool:
    """A local of the current function made there by a constructor (not a
    parameter, not captured from an enclosing function): only this one
    invocation can hold it."""
    fn = ctx.function
    if fn is None or fn.kind != "function" or not isinstance(node, ast.Name):
        return False
    if ctx.binding_scope(node.id) is not fn or _param_annotation(fn.node, node.id, any_param=True) is not None:
        return False
    values = local_assignments(ctx, node.id)
    return bool(values) and all(isinstance(v, ast.Call) for v in values)


class _Annotation:
    def __init__(self, node: ast.AST):
        self.node = node


_NO_ANNOTATION = ast.Constant(value=None)


def _param_annotation(fn_node: ast.AST, name: str, any_param: bool = False):
    args = fn_node.args
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs, *(a for a in (args.vararg, args.kwarg) if a)]
    for arg in every:
        if arg.arg == name:
            if arg.annotation is not None:
                return arg.annotation
            return _NO_ANNOTATION if any_param else None
    return None


def method_owner(ctx: Context, name: str):
    """("self" | "cls", method scope, class scope) when `name`, as seen from
    here (also from a function nested in the method), is the first
    parameter of a method or classmethod; else None."""
    scope = ctx.binding_scope(name)
    klass = method_class(ctx, scope, name)
    if klass is None:
        return None
    decorators = {d.id for d in scope.node.decorator_list if isinstance(d, ast.Name)}
    if "staticmethod" in decorators:
        return None
    return ("cls" if "classmethod" in decorators else "self", scope, klass)


def _is_self(ctx: Context, name: str) -> bool:
    owner = method_owner(ctx, name)
    return owner is not None and owner[0] == "self"


def owner_class(ctx: Context, name: str):
    """The class symbol of the method whose `self` is `name`."""
    owner = method_owner(ctx, name)
    return owner[2].class_sym if owner is not None else None


def _class_body_values(klass, attr: str) -> list:
    """Class-level assignments `attr = threading.Lock()` (shared by instances)."""
    out = []
    for stmt in klass.node.body:
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == attr for t in stmt.targets):
            out.append(stmt.value)
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == attr:
            out.append(_Annotation(stmt.annotation))
            if stmt.value is not None:
                out.append(stmt.value)
    return out


def _self_values(klass, attr: str):
    """Values assigned to `<self>.attr` in the methods of a class (each
    method's own first parameter); None when also bound another way."""
    cache = klass.state.setdefault("_lock_self_values", {})
    if attr not in cache:
        values: Optional[list] = []
        for stmt in klass.node.body:
            if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            positional = [*stmt.args.posonlyargs, *stmt.args.args]
            if not positional:
                continue
            found = _assignments_in(stmt, ("attr", positional[0].arg, attr))
            if found is None:
                values = None
                break
            values.extend(found)
        cache[attr] = values
    return cache[attr]


def _module_values(ctx: Context, name: str) -> list:
    """Values assigned to a module global at the top level (through if/try
    blocks); a `global name` rebinding in a function makes it unknown."""
    cache = ctx.scopes[0].state.setdefault("_lock_globals", {})
    if name not in cache:
        values: list = []
        rebound = False
        tree = ctx.scopes[0].node
        stack = list(tree.body)
        while stack:
            stmt = stack.pop()
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name) and target.id == name:
                        values.append(stmt.value)
                    elif any(isinstance(n, ast.Name) and n.id == name for n in nodes.walk(target)):
                        rebound = True
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == name:
                values.append(_Annotation(stmt.annotation))
                if stmt.value is not None:
                    values.append(stmt.value)
            elif isinstance(stmt, (ast.If, ast.Try, ast.With, ast.For, ast.While)) or type(stmt).__name__ == "TryStar":
                for field_name in ("body", "orelse", "finalbody"):
                    stack.extend(getattr(stmt, field_name, ()))
                for handler in getattr(stmt, "handlers", ()):
                    stack.extend(handler.body)
        if not rebound:
            declared = ctx.scopes[0].state.get("_lock_global_decls")
            if declared is None:  # once per file, not one walk of the tree per name
                declared = ctx.scopes[0].state["_lock_global_decls"] = {
                    n for node in nodes.walk(tree) if isinstance(node, ast.Global) for n in node.names}
            rebound = name in declared
        cache[name] = None if rebound else values
    return cache[name] or []


def _agree(ctx: Context, values) -> Optional[LockInfo]:
    infos = set()
    for value in values:
        if isinstance(value, ast.Constant) and value.value is None:
            continue  # `self._lock = None` placeholders say nothing
        infos.add(_classify(ctx, value))
    if len(infos) != 1:
        return None
    return infos.pop()


def _classify(ctx: Context, value) -> Optional[LockInfo]:
    if not isinstance(value, ast.AST):  # an annotation (ours or `local_types`')
        annotation = getattr(value, "node", None)
        if not isinstance(annotation, ast.AST):
            return None
        sym = ctx.annotation_symbol(annotation)
        if sym is None or sym[0] != "inst":
            return None
        return from_name(dotted(sym[1]), plain=False, count=None)
    if isinstance(value, ast.Call):
        name = dotted(ctx.symbol(value.func))
        return from_name(name, plain=not value.args and not value.keywords, count=_semaphore_value(value))
    return None


def from_name(name: Optional[str], plain: bool, count: Optional[int]) -> Optional[LockInfo]:
    if name in THREAD_LOCKS:
        return LockInfo("thread", THREAD_LOCKS[name])
    if name in ASYNCIO_LOCKS:
        category, kind = ASYNCIO_LOCKS[name]
        return LockInfo("asyncio", kind, category, count if category == "semaphore" else None, plain)
    return None


def _semaphore_value(call: ast.Call) -> Optional[int]:
    arg = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "value"), None)
    if arg is None:
        return 1 if not call.args and not call.keywords else None
    if isinstance(arg, ast.Constant) and type(arg.value) is int:
        return arg.value
    return None


# -- identity of a lock expression within one function ------------------------
def key_of(node: ast.AST, self_name: Optional[str]) -> Optional[Tuple[str, ...]]:
    """("self", attr) for `<self>.attr`, ("name", id) for a plain name; None
    for anything whose identity one function cannot pin down. `self_name`
    comes from `self_name(ctx)`."""
    if isinstance(node, ast.Name):
        return ("name", node.id)
    if self_name and isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
            and node.value.id == self_name:
        return ("self", node.attr)
    return None


def self_name(ctx: Context) -> Optional[str]:
    """The name `self` has here: the first parameter of the enclosing method
    (also inside a function nested in it), unless rebound on the way."""
    for scope in reversed(ctx.scopes):
        if scope.kind == "class" or scope.kind == "module":
            return None
        args = scope.node.args
        positional = [*args.posonlyargs, *args.args]
        if positional and _is_self(ctx, positional[0].arg):
            return positional[0].arg
    return None


def own_nodes(body) -> Iterator[ast.AST]:
    """Nodes of a statement list in source order, not entering nested
    functions, classes, lambdas or generator expressions."""
    nested = _NESTED_TYPES
    stack = [n for n in reversed(body) if type(n) not in nested]
    children = nodes.children
    while stack:
        node = stack.pop()
        yield node
        below = [c for c in children(node) if type(c) not in nested]
        below.reverse()
        stack.extend(below)


def method_call(node: ast.AST, receiver_key, self_name_: Optional[str], names) -> bool:
    """`<receiver>.name(...)` for one of `names`, on the receiver with that key."""
    return (receiver_key is not None and isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in names and key_of(node.func.value, self_name_) == receiver_key)


# -- which locks does a coroutine acquire (AIO601) ----------------------------
def notes_function(scope) -> bool:
    """`note_function` records facts for this scope."""
    return scope.kind == "function" and scope.is_async and ".<locals>." not in scope.qualname


def in_own_body(node: ast.AST, fn_node: ast.AST) -> bool:
    """`node`, visited by the walk inside the function scope of `fn_node`,
    is one `own_nodes(fn_node.body)` yields: in a statement of the body (not
    in a decorator, default or annotation), not in a generator expression."""
    child = node
    parent = parent_of(node)
    while parent is not None and parent is not fn_node:
        if isinstance(parent, ast.GeneratorExp):
            return False
        child, parent = parent, parent_of(parent)
    return parent is fn_node and isinstance(child, ast.stmt)


def note_function(ctx: Context, scope, nodes=None) -> None:
    """Record the lock facts of an async method or module-level coroutine
    function (called as its scope ends): `self` attributes and module
    globals it acquires, `self` coroutines and project functions it awaits,
    and locks it inspects or releases by hand (`locked()`, `release()`).
    `nodes`: its `AsyncWith`, `Await` and `.locked()`/`.release()` nodes of
    `own_nodes(body)`, when the walk collected them (else the body is
    walked again here)."""
    if not notes_function(scope):
        return
    me = self_name(ctx)
    if me is not None and method_owner(ctx, me)[1] is not scope:
        me = None
    acquires, awaits, guarded, gacquires, gawaits, gguarded = set(), set(), set(), set(), set(), set()

    def lock_of(expr):
        key = key_of(expr, me)
        if key is None:
            return None, None
        if key[0] == "self":
            return acquires, key[1]
        if ctx.binding_scope(key[1]) is None and key[1] in ctx.module.bindings:
            return gacquires, global_identity(ctx, key[1])
        return None, None

    for node in own_nodes(scope.node.body) if nodes is None else nodes:
        if isinstance(node, ast.AsyncWith):
            for item in node.items:
                into, lock = lock_of(item.context_expr)
                if into is not None:
                    into.add(lock)
        elif isinstance(node, ast.Await) and isinstance(node.value, ast.Call):
            func = node.value.func
            if isinstance(func, ast.Attribute) and func.attr == "acquire":
                into, lock = lock_of(func.value)
                if into is not None:
                    into.add(lock)
                    continue
            if me is not None and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
                    and func.value.id == me:
                awaits.add(func.attr)
            else:
                sym = awaited_function(ctx, func)
                if sym is not None:
                    gawaits.add(sym)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("locked", "release"):
            into, lock = lock_of(node.func.value)
            if into is acquires:
                guarded.add(lock)
            elif into is gacquires:
                gguarded.add(lock)
    if acquires or awaits or gacquires or gawaits:
        ctx.module.lock_facts[scope.qualname] = tuple(tuple(sorted(x)) for x in (
            acquires, awaits, guarded, gacquires, gawaits, gguarded))


def global_identity(ctx: Context, name: str) -> Tuple[str, str]:
    """(module, name) of a module global, through one import (phase 2
    follows re-exports with `canonical_global`)."""
    sym = ctx.module.bindings.get(name)
    if sym is not None and sym[0] == "global" and sym[1] != ctx.module.name:
        return (sym[1], sym[2])
    return (ctx.module.name, name)


def canonical_global(index, identity: Tuple[str, str]) -> Tuple[str, str]:
    module, name = identity
    for _ in range(10):
        summary = index.modules.get(module)
        sym = summary.bindings.get(name) if summary is not None else None
        if sym is None or sym[0] != "global" or (sym[1], sym[2]) == (module, name) or sym[1] not in index.modules:
            break
        module, name = sym[1], sym[2]
    return (module, name)


def awaited_function(ctx: Context, func: ast.AST):
    """The symbol of a module-level function name or `module.function`
    being awaited (phase 2 resolves it to a project coroutine function)."""
    if isinstance(func, ast.Name) and ctx.binding_scope(func.id) is None:
        sym = ctx.symbol(func)
    elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
            and ctx.binding_scope(func.value.id) is None:
        sym = ctx.symbol(func)  # `module.function` (a global's method also keeps the global lock's identity)
    else:
        return None
    return sym if sym is not None and sym[0] in ("global", "attr") else None


def global_acquires_through(index, sym, identity: Tuple[str, str], limit: int = 40):
    """The chain of function names by which awaiting the function `sym`
    acquires the module-global lock `identity`, following awaited project
    coroutine functions; None when that is not shown."""
    lock = canonical_global(index, identity)
    stack = [(sym, ())]
    seen = set()
    while stack and len(seen) < limit:
        current, chain = stack.pop()
        target = index.resolve(current)
        if target.kind != "function" or (target.module, target.qualname) in seen:
            continue
        seen.add((target.module, target.qualname))
        chain = chain + (target.qualname.rsplit(".", 1)[-1],)
        summary = index.modules.get(target.module)
        facts = summary.lock_facts.get(target.qualname) if summary is not None else None
        if facts is None:
            continue
        gacquires, gawaits, gguarded = facts[3], facts[4], facts[5]
        if any(canonical_global(index, g) == lock for g in gguarded):
            continue
        if any(canonical_global(index, g) == lock for g in gacquires):
            return chain
        stack.extend((callee, chain) for callee in gawaits)
    return None


def acquires_through(index, cls_module: str, cls_qual: str, method: str, attr: str, limit: int = 40):
    """The chain of method names by which awaiting `self.method()` on an
    instance of the class acquires `self.<attr>`; None when that is not
    shown (unknown methods, a method that checks `locked()` or calls
    `release()` on it)."""
    start = index.find_method(cls_module, cls_qual, method)
    if start is None:
        return None
    stack = [(start, (method,))]
    seen = set()
    while stack and len(seen) < limit:
        (mod, qual), chain = stack.pop()
        if (mod, qual) in seen:
            continue
        seen.add((mod, qual))
        summary = index.modules.get(mod)
        facts = summary.lock_facts.get(qual) if summary is not None else None
        if facts is None:
            continue
        acquires, awaits, guarded = facts[:3]
        if attr in guarded:
            continue
        if attr in acquires:
            return chain
        for name in awaits:
            found = index.find_method(cls_module, cls_qual, name)
            if found is not None:
                stack.append((found, chain + (name,)))
    return None


@query("aio601-reacquire")
def _reacquire(index, module, cls_module, cls_qual, method, attr, inherited=False):
    """`method` None: the lock is entered again directly. `inherited`: the
    attribute is assigned in a base class, whose assignment must show an
    `asyncio.Lock` (a semaphore's count is not kept in the summary)."""
    answer = {}
    if inherited:
        found = inherited_lock(index, cls_module, cls_qual, attr)
        if found is None or found.category != "lock":
            return None
        answer["kind"] = found.kind
    if method is None:
        answer["how"] = "directly"
        return answer
    chain = acquires_through(index, cls_module, cls_qual, method, attr)
    if chain is None:
        return None
    answer["how"] = "through " + " -> ".join(f"`{name}()`" for name in chain)
    return answer


@query("aio601-reacquire-global")
def _reacquire_global(index, module, lock_module, lock_name, callee):
    chain = global_acquires_through(index, callee, (lock_module, lock_name))
    if chain is None:
        return None
    return {"how": "through " + " -> ".join(f"`{name}()`" for name in chain)}


@query("aio600-inherited-lock")
def _inherited_thread_lock(index, module, cls_module, cls_qual, attr):
    found = inherited_lock(index, cls_module, cls_qual, attr)
    return {"kind": found.kind} if found is not None and found.family == "thread" else None


def inherited_lock(index, cls_module: str, cls_qual: str, attr: str) -> Optional[LockInfo]:
    """The lock `self.attr` holds when the nearest class of the project MRO
    that assigns it assigns a known lock constructor or annotation."""
    for mod, qual in index.mro(cls_module, cls_qual):
        info = index.klass(mod, qual)
        if info is None or attr not in info.attrs:
            continue
        sym = info.attrs[attr]
        if sym is None or sym[0] not in ("call", "inst"):
            return None
        target = index.resolve(sym[1])
        name = target.qualname if target.kind == "external" else None
        return from_name(name, plain=False, count=None)
    return None
