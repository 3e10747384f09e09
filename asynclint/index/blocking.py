"""Blocking calls: which API a call reaches, and which project sync functions
block (the AIO2xx family).

Phase 1 (`LocalEnv`) classifies a call from what one file shows: the dotted
name of the callee through imports, or `Class.method` when the receiver's
class is known (`s = requests.Session()`, a parameter annotated
`redis.Redis`, `with sqlite3.connect(p) as db`). What needs other modules
(attributes set in `__init__`, values imported from another module, return
annotations of project functions) is deferred to phase 2, where `IndexEnv`
answers the same questions through the `ProjectIndex`.

The transitive summary (`IndexEnv.blocks`) answers "does this project sync
function block?" from the calls the engine records for every function
(`FunctionInfo.calls`): a function blocks when one of its calls is a
catalogued blocking API, or a call to another project sync function that
blocks. It is memoized per function; a function on the current path of the
search (a cycle) counts as not blocking for that path.
"""
from __future__ import annotations

import ast
import sys
from bisect import bisect_left
from typing import Dict, List, Optional, Tuple, Union

from . import nodes
from .nodes import parent_of
from . import once
from .summary import dotted
from ..knowledge import blocking as K
from .queries import query
from .summary import FunctionInfo, Sym

# name -> (code, alternative)
CATALOGUE: Dict[str, Tuple[str, str]] = {
    name: (code, alt) for code, table in K.FAMILIES.items() for name, alt in table.items()
}
# "redis.Redis" -> (code, alternative) for `Class.*` entries
WILDCARDS: Dict[str, Tuple[str, str]] = {
    name[:-2]: hit for name, hit in CATALOGUE.items() if name.endswith(".*")
}
# code -> last components of its names (phase-1 pre-filter for deferring)
LAST_NAMES: Dict[str, frozenset] = {
    code: frozenset(n.rsplit(".", 1)[1] for n in table if not n.endswith(".*"))
    for code, table in K.FAMILIES.items()
}
HAS_WILDCARD = frozenset(code for name, (code, _) in CATALOGUE.items() if name.endswith(".*"))
# last name -> the `NONBLOCKING_ARGS` entries it may be (in table order)
NONBLOCKING_BY_LAST: Dict[str, Tuple[str, ...]] = {}
for _name in K.NONBLOCKING_ARGS:
    NONBLOCKING_BY_LAST[_name.rsplit(".", 1)[1]] = NONBLOCKING_BY_LAST.get(_name.rsplit(".", 1)[1], ()) + (_name,)
del _name
STDLIB = frozenset(getattr(sys, "stdlib_module_names", ())) | {"builtins"}

TypeRef = Union[str, Tuple[str, str, str], None]  # dotted external class, or ("class", module, qualname)
MAX_DEPTH = 12


def canonical(name: Optional[str]) -> Optional[str]:
    if name is None:
        return None
    return K.ALIASES.get(name, name)


def catalogue_hit(name: str) -> Optional[Tuple[str, str]]:
    hit = CATALOGUE.get(name)
    if hit is not None:
        return hit
    cls, _, method = name.rpartition(".")
    if cls in WILDCARDS and not method.startswith("_") and method not in K.ANY_METHOD_EXCEPT.get(cls, ()):
        return WILDCARDS[cls]
    return None


def short(name: str) -> str:
    return name[len("builtins."):] if name.startswith("builtins.") else name


def knobs_of(config) -> tuple:
    """(extra, allowed, quiet_once, quiet_debug) from config: plain data,
    carried by queries. quiet_once: one-time work (index/once.py) does not
    make a helper blocking (`blocking-at-startup = false`, the default);
    quiet_debug: nor does debug-only code (index/debug_flags.py,
    `blocking-in-debug-code = false`)."""
    extra = tuple(sorted(getattr(config, "extra_blocking_calls", None) or ()))
    allowed = tuple(sorted(getattr(config, "allowed_blocking_calls", None) or ()))
    return (extra, allowed, not getattr(config, "blocking_at_startup", True),
            not getattr(config, "blocking_in_debug_code", True))


class Env:
    """Name and type questions; subclasses answer them with or without the
    project index."""

    def __init__(self, knobs: tuple):
        self.extra = frozenset(knobs[0])
        self.allowed = frozenset(knobs[1])
        self.quiet_once = len(knobs) > 2 and knobs[2]
        self.quiet_debug = len(knobs) > 3 and knobs[3]

    # -- to override --
    def name(self, sym: Sym) -> Optional[str]:
        return dotted(sym)

    def project_class(self, sym: Sym) -> Optional[Tuple[str, str, str]]:
        return None

    def project_function(self, sym: Sym, depth: int = 0) -> Optional[Tuple[str, str, FunctionInfo]]:
        return None

    def class_attr(self, cls: Tuple[str, str, str], attr: str) -> Sym:
        return None

    def project_module(self, sym: Sym) -> Optional[str]:
        return None

    def value(self, sym: Sym) -> Sym:
        return None

    # -- shared --
    def type_of(self, sym: Sym, depth: int = 0) -> TypeRef:
        """The class of the value `sym` stands for, when known."""
        if sym is None or depth > MAX_DEPTH:
            return None
        kind = sym[0]
        if kind == "call":
            func = sym[1]
            cls = self.project_class(func)
            if cls is not None:
                return cls
            fn = self.project_function(func, depth + 1)
            if fn is not None:
                return self.type_of(fn[2].returns, depth + 1) if fn[2].returns else None
            names = self.callee_names(func, depth + 1)
            for name in names:
                if name in K.RETURNS:
                    return K.RETURNS[name]
            return names[0] if names else None
        if kind == "inst":
            cls = self.project_class(sym[1])
            if cls is not None:
                return cls
            return canonical(self.name(sym[1]))
        if kind == "attr":
            module = self.project_module(sym[1])
            if module is not None:  # `clients.session` with `session = requests.Session()` there
                return self.type_of(("global", module, sym[2]), depth + 1)
            base = self.type_of(sym[1], depth + 1)
            if isinstance(base, str):
                return K.NAMED_ATTRIBUTE_TYPES.get(f"{base}.{sym[2]}") or K.ATTRIBUTE_TYPES.get(base)
            if base is not None:
                return self.type_of(self.class_attr(base, sym[2]), depth + 1)
            return None
        if kind == "global":
            value = self.value(sym)
            return self.type_of(value, depth + 1) if value is not None else None
        return None

    def callee_names(self, func: Sym, depth: int = 0) -> List[str]:
        """Dotted names a called expression may go by: its plain name, and
        `Class.method` when the receiver's class is known."""
        out = []
        name = canonical(self.name(func))
        if name is not None:
            out.append(name)
        if func is not None and func[0] == "attr":
            recv = self.type_of(func[1], depth + 1)
            if isinstance(recv, str):
                out.append(f"{recv}.{func[2]}")
        return out

    def classify(self, func: Sym) -> Optional[Tuple[str, str, str]]:
        """(code, api, alternative) when calling `func` blocks; extra names
        from config report as AIO208."""
        if func is None:
            return None
        for name in self.callee_names(func):
            if name in self.allowed:
                return None
            hit = catalogue_hit(name)
            if hit is not None:
                return (hit[0], name, hit[1])
            if name in self.extra:
                return ("AIO208", name, "`await asyncio.to_thread(...)`")
        return None


class LocalEnv(Env):
    """Phase 1: dotted names only. A file asks about the same callee again
    and again (`self.hass.async_create_task`), and files ask about the same
    library callees (`logging.getLogger`, `os.path.join`): the answers
    depend on the symbol and the knobs alone, and are kept for the
    process's files with the same knobs (up to `_KEPT` of them)."""

    def __init__(self, knobs: tuple):
        super().__init__(knobs)
        classified = _CLASSIFIED.get(knobs)
        if classified is None or len(classified) > _KEPT:
            classified = _CLASSIFIED[knobs] = {}
        self._classified: Dict[Sym, Optional[Tuple[str, str, str]]] = classified

    def classify(self, func: Sym) -> Optional[Tuple[str, str, str]]:
        try:
            found = self._classified.get(func, _UNSET)  # a miss (a file's first ask) raises nothing
        except TypeError:  # unhashable: never with well-formed symbols
            return super().classify(func)
        if found is _UNSET:
            found = self._classified[func] = super().classify(func)
        return found


_UNSET = object()
# knobs -> callee -> `LocalEnv.classify`'s answer, shared by the files of a
# process; begun afresh (by the next file) once it holds more than `_KEPT`
_CLASSIFIED: Dict[tuple, dict] = {}
_KEPT = 20000


class IndexEnv(Env):
    """Phase 2: names and types through the project index."""

    def __init__(self, index, knobs: tuple):
        super().__init__(knobs)
        self.index = index
        self._resolved: Dict[Sym, object] = {}
        self._blocks: Dict[Tuple[str, str], object] = {}
        self._tainted = False
        self._budget = 20000
        self._types: Dict[Sym, TypeRef] = {}
        self._costs: Dict[Tuple[str, str], int] = {}  # blocking function -> cost of its chain's last call
        # blocking function -> where its chain ends: (module, qualname, line,
        # col, api) of the blocking call itself (AIO208's root cause)
        self.roots: Dict[Tuple[str, str], tuple] = {}
        self._meta: Dict[Tuple[str, str], object] = {}
        # callee -> `classify`'s answer: the same callee is asked about by
        # every file calling it, by up to three queries at one call (AIO201
        # and AIO205 share catalogue names, AIO208 asks too) and in `blocks`
        self._classified: Dict[Sym, object] = {}
        # What each memoised answer above looked at (module names), added to
        # the dependencies of every query that reuses it (`ProjectIndex.fact`).
        # An index that tracks no dependencies (a `--no-cache` run) records
        # none: its look-ups add nothing to them, and each reuse would hash
        # the symbol again for an empty set.
        self._deps: Dict[tuple, frozenset] = {}
        self._tracked = index.tracked

    def _reuse(self, table: str, key):
        deps = self._deps.get((table, key))
        if deps:
            self.index.depend(deps)

    def _tracking(self):
        """The dependencies of a computation about to be memoised: a set
        collected on the index's stack, or an empty one when it tracks none."""
        return self.index.tracking() if self._tracked else _UNTRACKED

    def _keep_deps(self, table: str, key, deps) -> None:
        if self._tracked:
            self._deps[(table, key)] = self.index.freeze_deps(deps)

    def _resolve(self, sym: Sym):
        try:
            hit = self._resolved[sym]
        except KeyError:
            pass
        except TypeError:  # unhashable: never with well-formed symbols
            return self.index.resolve(sym)
        else:
            if self._tracked:
                self._reuse("r", sym)
            return hit
        with self._tracking() as deps:
            target = self.index.resolve(sym)
        self._resolved[sym] = target
        self._keep_deps("r", sym, deps)
        return target

    def classify(self, func: Sym) -> Optional[Tuple[str, str, str]]:
        try:
            hit = self._classified[func]
        except KeyError:
            pass
        except TypeError:  # unhashable: never with well-formed symbols
            return super().classify(func)
        else:
            if self._tracked:
                self._reuse("c", func)
            return hit
        with self._tracking() as deps:
            found = super().classify(func)
        self._classified[func] = found
        self._keep_deps("c", func, deps)
        return found

    def name(self, sym: Sym) -> Optional[str]:
        if sym is None:
            return None
        target = self._resolve(sym)
        if target.kind == "external":
            return target.qualname
        if target.kind in ("function", "class", "module"):
            return target.dotted
        return None

    def project_class(self, sym: Sym):
        if sym is None:
            return None
        target = self._resolve(sym)
        if target.kind == "class":
            return ("class", target.module, target.qualname)
        return None

    def type_of(self, sym: Sym, depth: int = 0) -> TypeRef:
        try:
            hit = self._types[sym]
        except KeyError:
            pass
        except TypeError:
            return None
        else:
            if self._tracked:
                self._reuse("t", sym)
            return hit
        if depth > MAX_DEPTH:
            return None
        self._types[sym] = None  # a self-referencing attribute ends here
        with self._tracking() as deps:
            found = super().type_of(sym, depth)
        self._types[sym] = found
        self._keep_deps("t", sym, deps)
        return found

    def project_function(self, sym: Sym, depth: int = 0):
        if sym is None or depth > MAX_DEPTH:
            return None
        target = self._resolve(sym)
        if target.kind == "function":
            info = self.index.function(target.module, target.qualname)
            return (target.module, target.qualname, info) if info is not None else None
        if sym[0] == "attr":
            recv = self.type_of(sym[1], depth + 1)
            if isinstance(recv, tuple):
                found = self.index.find_method(recv[1], recv[2], sym[2])
                if found is not None:
                    info = self.index.function(*found)
                    if info is not None:
                        return (found[0], found[1], info)
        return None

    def project_module(self, sym: Sym) -> Optional[str]:
        if sym is None or sym[0] not in ("module", "global", "attr"):
            return None
        target = self._resolve(sym)
        return target.module if target.kind == "module" else None

    def class_attr(self, cls, attr: str) -> Sym:
        for mod, qual in self.index.mro(cls[1], cls[2]):
            info = self.index.klass(mod, qual)
            if info is not None and attr in info.attrs:
                return info.attrs[attr]
        return None

    def value(self, sym: Sym) -> Sym:
        seen = 0
        while sym is not None and sym[0] == "global" and seen < 10:
            summary = self.index.modules.get(sym[1])
            if summary is None:
                return None
            bound = summary.bindings.get(sym[2])
            if bound is None or bound == sym:
                return None
            sym = bound
            seen += 1
        return sym if sym is not None and sym[0] in ("call", "inst") else None

    # -- the transitive summary --
    def callee(self, func: Sym) -> Optional[Tuple[str, str, FunctionInfo]]:
        """The project sync function a call runs, with its body executed at
        call time (not a generator, no unknown decorator)."""
        fn = self.project_function(func)
        if fn is None:
            cls = self.project_class(func)
            if cls is None:
                return None
            found = self.index.find_method(cls[1], cls[2], "__init__")
            if found is None:
                return None
            info = self.index.function(*found)
            fn = (found[0], found[1], info) if info is not None else None
            if fn is None:
                return None
        info = fn[2]
        if info.is_async or info.is_generator:
            return None
        if f"{fn[0]}.{fn[1]}" in self.allowed:
            return None
        for deco in info.decorators:
            if deco is not None and deco[0] == "call":
                deco = deco[1]
            if canonical(self.name(deco)) not in K.TRANSPARENT_DECORATORS:
                return None
        return fn

    def blocks(self, module: str, qualname: str, info: FunctionInfo, depth: int = 0) -> Optional[List[str]]:
        """The chain of calls by which the function blocks, or None.

        Positive answers are always memoized. A negative answer that relied
        on a function still on the search path (a cycle) or on the depth or
        work limits is provisional and not memoized, so the order of queries
        never changes an answer."""
        key = (module, qualname)
        if depth == 0:
            self._budget = 20000
        found = self._blocks.get(key, _UNSEEN)
        if found is _ON_PATH:
            self._tainted = True
            return None
        if found is not _UNSEEN:
            if self._tracked:
                self._reuse("b", key)
            return found
        self._budget -= 1
        if depth > 40 or self._budget <= 0:
            self._tainted = True
            return None
        outer_taint = self._tainted
        self._tainted = False
        self._blocks[key] = _ON_PATH
        with self._tracking() as deps:
            result = self._blocks_of(key, module, qualname, info, depth)
        if result is None and self._tainted:
            del self._blocks[key]
        else:
            self._blocks[key] = result
            self._keep_deps("b", key, deps)
        self._tainted = outer_taint or (self._tainted and result is None)
        return result

    def counted_calls(self, info: FunctionInfo) -> list:
        """The calls of a function that count for the transitive summary:
        not quiet by their arguments, not in uncounted lines, and, unless
        `blocking-at-startup = true`, not one-time work (index/once.py): a
        memoised function's whole body, a lazy initialisation's block;
        unless `blocking-in-debug-code = true`, not debug-only code."""
        if self.quiet_once and info.decorators and once.memoised(
                (canonical(self.name(d[1] if d[0] == "call" else d)) for d in info.decorators if d is not None),
                bool(info.params)):
            return []
        quiet = set(info.quiet_calls)
        dead = info.uncounted_lines
        if self.quiet_once:
            dead = dead + info.once_lines
        if self.quiet_debug:
            dead = dead + info.debug_lines
        return [c for c in info.calls
                if (c[1], c[2]) not in quiet and not any(a <= c[1] <= b for a, b in dead)]

    def _blocks_of(self, key, module: str, qualname: str, info: FunctionInfo, depth: int):
        result = None
        calls = self.counted_calls(info)
        # The chain names the costliest call the function reaches (a YAML
        # parse or a download, not the `os.path.exists` before it); among
        # equals, a direct call, then the first found. Cheap metadata
        # (cost 0) never makes a function blocking.
        best_cost = 0
        root = None
        for sym, line, col in calls:
            hit = self.classify(sym)
            cost = K.COST.get(hit[0], 2) if hit is not None else 0
            if cost > best_cost:
                best_cost, result = cost, [short(hit[1]) + "()"]
                root = (module, qualname, line, col, short(hit[1]))
        if best_cost < _TOP_COST:
            for sym, _line, _col in calls:
                fn = self.callee(sym)
                if fn is None or (fn[0], fn[1]) == key:
                    continue
                sub = self.blocks(fn[0], fn[1], fn[2], depth + 1)
                if sub is not None and self._costs[(fn[0], fn[1])] > best_cost:
                    best_cost = self._costs[(fn[0], fn[1])]
                    result = [display_function(fn[1])] + sub
                    root = self.roots[(fn[0], fn[1])]
                    if best_cost >= _TOP_COST:
                        break
        if result is not None:
            self._costs[key] = best_cost
            self.roots[key] = root
        return result


    def file_io_only(self, module: str, qualname: str) -> bool:
        """A blocking function (after `blocks`) whose costliest call reads
        or writes file data (AIO203): nothing costlier on any path."""
        key = (module, qualname)
        root = self.roots.get(key)
        if root is None or self._costs.get(key) != K.COST["AIO203"]:
            return False
        hit = catalogue_hit(root[4]) or catalogue_hit("builtins." + root[4])
        return hit is not None and hit[0] == "AIO203"

    def metadata_chain(self, module: str, qualname: str, info: FunctionInfo, depth: int = 0):
        """(chain, root) by which a function reaches a cheap-metadata call
        (AIO210, opt-in), first found; None when it reaches none. Asked only
        for functions that do not block otherwise."""
        key = (module, qualname)
        found = self._meta.get(key, _UNSEEN)
        if found is _ON_PATH or depth > 40:
            return None
        if found is not _UNSEEN:
            if self._tracked:
                self._reuse("m", key)
            return found
        self._meta[key] = _ON_PATH
        with self._tracking() as deps:
            result = self._metadata_of(key, module, qualname, info, depth)
        self._meta[key] = result
        self._keep_deps("m", key, deps)
        return result

    def _metadata_of(self, key, module: str, qualname: str, info: FunctionInfo, depth: int):
        calls = self.counted_calls(info)
        result = None
        for sym, line, col in calls:
            hit = self.classify(sym)
            if hit is not None and K.COST.get(hit[0], 2) == 0:
                result = ([short(hit[1]) + "()"], (module, qualname, line, col, short(hit[1])))
                break
        if result is None:
            for sym, _line, _col in calls:
                fn = self.callee(sym)
                if fn is None or (fn[0], fn[1]) == key:
                    continue
                sub = self.metadata_chain(fn[0], fn[1], fn[2], depth + 1)
                if sub is not None:
                    result = ([display_function(fn[1])] + sub[0], sub[1])
                    break
        return result


_UNSEEN = object()
_ON_PATH = object()
_TOP_COST = max(K.COST.values())


def display_function(qualname: str) -> str:
    return qualname.replace(".<locals>.", ".") + "()"


class _Untracked:
    """`IndexEnv._tracking()` on an index that tracks no dependencies."""

    __slots__ = ()

    def __enter__(self) -> frozenset:
        return frozenset()

    def __exit__(self, *exc) -> None:
        return None


_UNTRACKED = _Untracked()


def env_for(index, knobs: tuple) -> IndexEnv:
    # Never carried to an updated index (it holds this one); its memoised
    # answers keep their own dependencies.
    return index.fact("blocking-env", knobs, lambda: IndexEnv(index, knobs), carry=False)


# -- phase 1 helpers (used by the rules) ------------------------------------------
def nonblocking_by_args(name: str, call: ast.Call) -> bool:
    """True when the arguments make the catalogued call return at once
    (`lock.acquire(blocking=False)`, `q.get(False)`, `os.waitpid(p, os.WNOHANG)`)."""
    specs = K.NONBLOCKING_ARGS.get(name)
    if not specs:
        return False
    for pos, keyword, values in specs:
        arg = None
        if pos is not None and pos < len(call.args) and not any(
                isinstance(a, ast.Starred) for a in call.args[:pos + 1]):
            arg = call.args[pos]
        else:
            for kw in call.keywords:
                if kw.arg == keyword:
                    arg = kw.value
        if arg is None:
            continue
        if isinstance(arg, ast.Constant) and not isinstance(arg.value, str) and any(
                arg.value == v and type(arg.value) in (bool, int, float) for v in values if not isinstance(v, str)):
            return True
        words = {v for v in values if isinstance(v, str)}
        if words and any((type(n) is ast.Name and n.id in words) or (type(n) is ast.Attribute and n.attr in words)
                         for n in nodes.walk(arg)):
            return True
    return False


def may_be_nonblocking(call: ast.Call) -> bool:
    func = call.func
    last = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    return last in K.NONBLOCKING_ARG_ATTRS


def with_bound_symbol(ctx, name: str, depth: int = 0) -> Sym:
    """The symbol of `x` in `with EXPR as x:` around the current node: the
    context manager's `__enter__` returns itself for every class in the
    catalogue (sessions, connections, cursors, files, pools). Up from the
    node through its parent links to the enclosing scope only (asked for a
    call on any local bound to an unknown value: a loop variable, an
    exception), not a list of all its ancestors."""
    parent = parent_of(ctx.node)
    while parent is not None:
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            return None
        if isinstance(parent, ast.With):
            for item in parent.items:
                if isinstance(item.optional_vars, ast.Name) and item.optional_vars.id == name:
                    sym = expr_symbol(ctx, item.context_expr, depth + 1)
                    return sym if sym is not None and sym[0] in ("call", "inst") else None
        parent = parent_of(parent)
    return None


def unwrap_enter(sym: Sym, depth: int = 0) -> Sym:
    """`with EXPR as x` binds x to ("enter", EXPR, is_async); for a sync `with`
    on a call or instance, the catalogue's classes return themselves from
    `__enter__` (see with_bound_symbol)."""
    if sym is None or depth > 20 or type(sym) is not tuple:
        return sym
    if sym[0] == "enter":
        inner = sym[1]
        if not sym[2] and inner is not None and inner[0] in ("call", "inst"):
            return unwrap_enter(inner, depth + 1)
        return sym
    if sym[0] in ("attr", "call", "await", "item"):
        inner = unwrap_enter(sym[1], depth + 1)
        if inner is not sym[1]:
            return (sym[0], inner, *sym[2:])
    return sym


def expr_symbol(ctx, node: ast.AST, depth: int = 0) -> Sym:
    """`ctx.symbol(node)`, also through names bound by `with ... as x` and
    names narrowed by an enclosing `if isinstance(x, C):`."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        narrowed = isinstance_narrowed(ctx, node.value.id)
        if narrowed is None:
            narrowed = _own_file_parameter(ctx, node.value.id)
        elif canonical(dotted(narrowed[1])) in K.FILE_LIKE:
            narrowed = _FILE
        if narrowed is not None:
            return ("attr", narrowed, node.attr)
    sym = unwrap_enter(ctx.symbol(node))
    if sym is not None or depth > 6:
        return sym
    if isinstance(node, ast.Attribute):
        base = expr_symbol(ctx, node.value, depth + 1)
        return ("attr", base, node.attr) if base is not None else None
    if isinstance(node, ast.Call):
        func = expr_symbol(ctx, node.func, depth + 1)
        return ("call", func) if func is not None else None
    if isinstance(node, ast.Name) and ctx.lookup(node.id) is None:
        return with_bound_symbol(ctx, node.id, depth + 1) or unpacked_symbol(ctx, node.id)
    return None


LAZY_LISTING_ATTRS = frozenset(n.rsplit(".", 1)[1] for n in K.LAZY_LISTINGS)


def iterated_in_place(ctx, call: ast.Call) -> bool:
    """The call's result is iterated right where it is made: the iterable of
    a sync `for` or comprehension, or the argument of a builtin that
    consumes it (`list(...)`, `sorted(...)`), also through lazy wrappers
    (`enumerate(...)`)."""
    node = call
    parents = ctx.parents
    for i in range(len(parents) - 1, -1, -1):
        parent = parents[i]
        if isinstance(parent, ast.For):
            return parent.iter is node
        if isinstance(parent, ast.comprehension):
            return parent.iter is node and not parent.is_async
        if isinstance(parent, ast.Call) and node in parent.args and isinstance(parent.func, ast.Name) \
                and ctx.lookup(parent.func.id) == ("builtin", parent.func.id):
            if parent.func.id in K.CONSUMERS:
                return True
            if parent.func.id in K.LAZY_WRAPPERS:
                node = parent
                continue
        return False
    return False


def lazy_listing_attr(call: ast.Call) -> bool:
    return isinstance(call.func, ast.Attribute) and call.func.attr in LAZY_LISTING_ATTRS


def lazy_listing_unconsumed(ctx, call: ast.Call, api: Optional[str] = None) -> bool:
    """A listing that may be lazy (`Path.glob`), not iterated where it is
    made: nothing shows the directory is read here. `api` when known, else
    the method name decides."""
    if api is not None:
        if api not in K.LAZY_LISTINGS:
            return False
    elif not lazy_listing_attr(call):
        return False
    return not iterated_in_place(ctx, call)


_FILE = ("inst", ("attr", ("module", "io"), "IOBase"))


def _own_file_parameter(ctx, name: str) -> Sym:
    """A file when `name` is a parameter of the current function annotated
    with a file-like type (`BinaryIO`, `IO[str]`; knowledge.FILE_LIKE)."""
    fn = ctx.function
    if fn is None:
        return None
    # the binding first: one dictionary look-up rules out most names
    sym = fn.bindings.get(name)
    if sym is None or sym[0] != "inst" or ctx.binding_scope(name) is not fn:
        return None
    args = getattr(fn.node, "args", None)
    if args is None or not any(a.arg == name for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)):
        return None
    if canonical(dotted(sym[1])) in K.FILE_LIKE:
        return _FILE
    return None


def isinstance_narrowed(ctx, name: str) -> Sym:
    """An instance of `C` when the current node sits in the body of `if
    isinstance(name, C):` (or of a test that `and`s it) in this function:
    the test proves the class whatever the name was bound to."""
    if not _scope_says_isinstance(ctx):
        return None
    # up through the parent links, the child on the path kept at hand
    child = parent_of(ctx.node)
    node = parent_of(child)
    while node is not None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            return None
        if isinstance(node, ast.If) and child in node.body:
            tests = node.test.values if isinstance(node.test, ast.BoolOp) and isinstance(node.test.op, ast.And) \
                else [node.test]
            for test in tests:
                if isinstance(test, ast.Call) and isinstance(test.func, ast.Name) and test.func.id == "isinstance" \
                        and len(test.args) == 2 and not test.keywords \
                        and isinstance(test.args[0], ast.Name) and test.args[0].id == name \
                        and ctx.lookup("isinstance") == ("builtin", "isinstance"):
                    cls = ctx.symbol(test.args[1])
                    return ("inst", cls) if cls is not None else None
        child, node = node, parent_of(node)
    return None


def _lines_spelling(text: str, word: str) -> list:
    """The 1-based numbers, ascending, of the lines of `text` (lines joined
    with "\n") that spell `word`: searched in the whole text at once, not
    line by line (most files spell it a few times, or never)."""
    out = []
    line, counted = 1, 0  # newlines counted from the last hit on
    at = text.find(word)
    while at != -1:
        line += text.count("\n", counted, at)
        counted = at
        if not out or out[-1] != line:
            out.append(line)
        at = text.find(word, at + len(word))
    return out


def _scope_says_isinstance(ctx) -> bool:
    """The text of the innermost scope (def, lambda, class or module) spells
    `isinstance`: without it no `if isinstance(...)` test lies between a
    node and that scope, where `isinstance_narrowed` stops looking. Asked
    for most method calls; decided once per scope, without listing the
    ancestors of each call."""
    scope = ctx.scopes[-1]
    found = scope.state.get("AIO2-says-isinstance")
    if found is None:
        # the lines that spell it, listed once per file: a scope's answer
        # is then one search of its line range
        module_state = ctx.scopes[0].state
        at = module_state.get("AIO2-isinstance-lines")
        if at is None:
            at = module_state["AIO2-isinstance-lines"] = _lines_spelling(ctx.text(), "isinstance")
        if scope.kind == "module" or not at:
            found = bool(at)
        else:
            node = scope.node
            first = bisect_left(at, node.lineno)
            found = first < len(at) and at[first] <= (node.end_lineno or len(ctx.lines))
        scope.state["AIO2-says-isinstance"] = found
    return found


def unpacked_symbol(ctx, name: str) -> Sym:
    """`p` after `(p, q) = (Path("a"), Path("b"))` in the current function
    (the engine binds only plain `name = value` targets). Computed once per
    function; a name unpacked twice is ambiguous and stays unknown."""
    fn = ctx.function
    if fn is None or fn.kind != "function":
        return None
    table = fn.state.get("AIO2-unpacked")
    if table is None:
        table = fn.state["AIO2-unpacked"] = {}
        seen: Dict[str, int] = {}
        # Statements only: an assignment is never inside an expression, so
        # the walk goes down through bodies, handlers and match cases alone.
        stack = list(fn.node.body)
        while stack:
            node = stack.pop()
            if type(node) in _NESTED_DEFS:
                continue
            if type(node) is ast.Assign and len(node.targets) == 1:
                target, value = node.targets[0], node.value
                if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)) \
                        and len(target.elts) == len(value.elts) \
                        and not any(isinstance(e, ast.Starred) for e in (*target.elts, *value.elts)):
                    for t, v in zip(target.elts, value.elts):
                        if isinstance(t, ast.Name):
                            seen[t.id] = seen.get(t.id, 0) + 1
                            table[t.id] = v
            for field in _BLOCK_FIELDS:
                block = getattr(node, field, None)
                if block:
                    stack.extend(block)
        for key, count in seen.items():
            if count > 1:
                table[key] = None
    value = table.get(name)
    if value is None:
        return None
    sym = ctx.symbol(value)
    return sym if sym is not None and sym[0] in ("call", "inst") else None


_NESTED_DEFS = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef})
# Where a statement (or an `except` handler, or a `case`) holds statements,
# handlers and cases: never in an expression, which the walk does not visit.
_BLOCK_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")


def call_symbol(ctx, call: ast.Call) -> Sym:
    """The callee's symbol, with names bound by an enclosing `with ... as x`."""
    return expr_symbol(ctx, call.func)


def needs_index(sym: Sym) -> bool:
    """The symbol involves a project name phase 1 cannot see through."""
    while sym is not None:
        kind = sym[0]
        if kind == "global":
            return sym[1].split(".", 1)[0] not in STDLIB
        if kind == "module":
            return sym[1].split(".", 1)[0] not in STDLIB
        if kind in ("attr", "call", "inst", "await"):
            sym = sym[1]
            continue
        return False
    return False


def is_offloaded_or_awaited(ctx, call: ast.Call) -> bool:
    """The call's result is awaited or used as an async context/iterator:
    it is an async API (our type guess is wrong), not a blocking one."""
    parent = ctx.parent
    if isinstance(parent, ast.Await):
        return True
    if isinstance(parent, ast.withitem):
        return isinstance(parent_of(parent), ast.AsyncWith)
    if isinstance(parent, ast.AsyncFor) and parent.iter is call:
        return True
    if isinstance(parent, ast.comprehension) and parent.is_async and parent.iter is call:
        return True
    return False


_NONBLOCKING_ERRORS = frozenset({"BlockingIOError", "SSLWantReadError", "SSLWantWriteError"})
# Calls worth checking for a `try: ... except BlockingIOError` around them.
NONBLOCKING_MODE_ATTRS = frozenset({"connect", "recv", "recv_into", "recvfrom", "recvfrom_into", "send", "sendall",
                                    "sendto", "accept", "read", "readline", "write", "flush", "sendfile"})


def expects_nonblocking(ctx) -> bool:
    """The call sits in the body of a `try` that handles `BlockingIOError`
    (or an SSL want-read/want-write error): the code runs on a non-blocking
    socket or pipe and handles "would block" itself. Up from the node
    through its parent links to the enclosing scope only."""
    child, node = ctx.node, parent_of(ctx.node)
    while node is not None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            return False
        if (isinstance(node, ast.Try) or type(node).__name__ == "TryStar") and child in node.body:
            for handler in node.handlers:
                if handler.type is None:
                    continue
                names = {n.id for n in nodes.walk(handler.type) if isinstance(n, ast.Name)} | {
                    n.attr for n in nodes.walk(handler.type) if isinstance(n, ast.Attribute)}
                if names & _NONBLOCKING_ERRORS:
                    return True
        child, node = node, parent_of(node)
    return False


def returns_at_once(api: str, call: ast.Call) -> bool:
    """The catalogued blocking call `api` returns at once here: by its
    arguments, or as a queue read under a test that the queue holds an item.
    The one question the direct rules and AIO208's helper record ask."""
    return nonblocking_by_args(api, call) or get_after_nonempty_test(call, api)


def get_after_nonempty_test(call: ast.Call, api: str) -> bool:
    """`call` (a `queue` `get()` known as `api`, `K.GUARDED_GET_APIS`) sits
    in the body of an `if` or `while` whose test says its receiver holds an
    item: it takes an item that is there and returns at once (the drain
    idiom of a queue the loop thread alone consumes). Up from the call
    through its parent links to the enclosing scope only."""
    if api not in K.GUARDED_GET_APIS or type(call.func) is not ast.Attribute:
        return False
    receiver = _chain(call.func.value)
    if receiver is None:
        return False
    child, node = call, parent_of(call)
    while node is not None and not isinstance(node, nodes.SCOPES):
        if (type(node) is ast.If or type(node) is ast.While) and child in node.body \
                and _says_nonempty(node.test, receiver):
            return True
        child, node = node, parent_of(node)
    return False


def _says_nonempty(test: ast.AST, receiver: tuple) -> bool:
    """`not q.empty()`, `q.qsize()`, `q.qsize() > 0`, or an `and` of which
    one operand says so, for the queue `receiver`."""
    if type(test) is ast.BoolOp and type(test.op) is ast.And:
        return any(_says_nonempty(value, receiver) for value in test.values)
    if type(test) is ast.UnaryOp and type(test.op) is ast.Not:
        return _queue_call(test.operand, receiver, "empty")
    if type(test) is ast.Compare and len(test.ops) == 1 and type(test.ops[0]) is ast.Gt \
            and type(test.comparators[0]) is ast.Constant and test.comparators[0].value == 0:
        return _queue_call(test.left, receiver, "qsize")
    return _queue_call(test, receiver, "qsize")


def _queue_call(node: ast.AST, receiver: tuple, method: str) -> bool:
    return type(node) is ast.Call and not node.args and not node.keywords and type(node.func) is ast.Attribute \
        and node.func.attr == method and _chain(node.func.value) == receiver


def _chain(node: ast.AST) -> Optional[tuple]:
    """("self", "_queue") for `self._queue`: a name and its attributes; None
    for any other expression."""
    parts = []
    while type(node) is ast.Attribute:
        parts.append(node.attr)
        node = node.value
    if type(node) is not ast.Name:
        return None
    parts.append(node.id)
    return tuple(reversed(parts))


# -- phase 2 queries ------------------------------------------------------------------
def _guarded(fn):
    """A pathological project (huge self-referencing chains) must not crash
    the run: no answer is "no finding"."""
    def run(*args):
        try:
            return fn(*args)
        except RecursionError:
            return None
    run.__name__ = fn.__name__
    return run


@query("aio2-direct")
@_guarded
def _direct(index, module: str, code: str, func: Sym, knobs: tuple):
    env = env_for(index, knobs)
    hit = env.classify(func)
    if hit is None or hit[0] != code:
        return None
    return {"api": f" (`{short(hit[1])}`)", "alternative": hit[2]}


@query("aio2-transitive")
@_guarded
def _transitive(index, module: str, func: Sym, knobs: tuple, site: str = ""):
    """`site` is "setup" for a call site in a resource's set-up code
    (index/setup.py): a helper that reaches nothing costlier than file I/O
    is not reported from there (`blocking-at-setup = false`)."""
    env = env_for(index, knobs)
    if env.classify(func) is not None:
        return None  # a catalogued API: the family's own rule reports it
    fn = env.callee(func)
    if fn is None:
        return None
    chain = env.blocks(fn[0], fn[1], fn[2])
    if chain is None:
        return None
    if site == "setup" and env.file_io_only(fn[0], fn[1]):
        return None
    # `_root`: where the chain ends, so that every caller reaching the same
    # blocking call is reported once, there (rules/aio208 `group`).
    return {"chain": " -> ".join([display_function(fn[1])] + chain), "_root": env.roots[(fn[0], fn[1])]}


@query("aio210-transitive")
@_guarded
def _transitive_metadata(index, module: str, func: Sym, knobs: tuple):
    """A project helper that only touches file metadata (opt-in AIO210)."""
    env = env_for(index, knobs)
    if env.classify(func) is not None:
        return None
    fn = env.callee(func)
    if fn is None or env.blocks(fn[0], fn[1], fn[2]) is not None:
        return None  # AIO208 reports it
    found = env.metadata_chain(fn[0], fn[1], fn[2])
    if found is None:
        return None
    chain, root = found
    return {"api": " (`" + " -> ".join([display_function(fn[1])] + chain) + "`)",
            "alternative": "`await asyncio.to_thread(...)`", "_root": root}
