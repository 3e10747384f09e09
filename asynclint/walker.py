"""The engine's single walk over one parsed file.

Depth-first, in source order, dispatching each node to the rules registered
for its type, while tracking the structure rules read through `Context`
(scopes, bindings, the call graph written into the module summary).
"""
from __future__ import annotations

import ast
from collections import defaultdict, deque
from typing import Dict, Iterable

from . import compiler_errors
from .context import Context, Scope
from .index.summary import dotted
from .diagnostics import Diagnostic, Severity
from .index import facts
from .index import nodes as _nodes
from .index import threads as thread_index
from .index.local_types import is_event_loop
from .index.summary import child_prefix
from .knowledge.futures import LOOP_RUN_METHODS, PROGRAM_LOOP_RUNNERS
from .rules import all_rules
from .rules._blocking import BlockingFamily
from .rules._text import mentions
from .rules.base import Rule

INTERNAL_ERROR = "AIO002"

_FUNCTION_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef)
_SCOPE_TYPES = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef})
_LEAVE = "leave"
_ENTER = "enter"
_REVERSED_FIELDS: Dict[type, tuple] = {}  # a node type's child fields, last first


class Walker:
    def __init__(self, enabled: Iterable[str]):
        rules = all_rules()
        self.rules = [rules[c] for c in sorted(enabled) if c in rules]
        self.dispatch: Dict[type, list] = defaultdict(list)
        dispatched = _with_families(self.rules)
        family = next((r for r in dispatched if isinstance(r, BlockingFamily)), None)
        for rule in dispatched:
            for node_type in rule.node_types if family is None else family.node_types_beside(rule):
                self.dispatch[node_type].append(rule)
        self.leavers = [r for r in self.rules if type(r).leave_scope is not Rule.leave_scope]
        # `Name` nodes: rules that see every one stay in `dispatch`; those
        # that see only the names they asked for are found per node in
        # `ctx.watched_names`.
        names = self.dispatch.get(ast.Name)
        if names:
            self.dispatch[ast.Name] = [r for r in names if not getattr(r, "watched_names_only", False)]
        # Rules left out of the walk of a file whose text lacks their words
        # (`Rule.file_words`), and the dispatch without them, per set left out.
        self._worded = [r for r in self.rules if getattr(r, "file_words", None)]
        self._without: Dict[frozenset, tuple] = {}
        self._calls = _CallRules(self.dispatch.pop(ast.Call, []))
        self._acting: Dict[int, frozenset] = {}  # per dispatch table: `_ACTING` and its node types

    def run(self, tree: ast.Module, ctx: Context) -> None:
        """Depth-first, in source order, with an explicit stack (no recursion
        limit on deeply nested code). Children get a parent link
        (`_al_parent`, read with `nodes.parent_of`) instead of the walk
        keeping an ancestor stack; only scopes need a second visit, to close
        them. A link is a one-item list holding the parent, shared by its
        children, and the walk empties every such list when it ends: a tree
        without child <-> parent cycles is freed by reference counting as
        soon as its file is done, so the cyclic collector never has to find
        it. Emptying the lists touches only them and each parent's reference
        count; deleting the attribute from every child instead was a second
        pass over all of a tree's nodes, out of the CPU's caches by then
        (0.9 s of a cold run of the corpus)."""
        cells: list = []
        try:
            self._walk(tree, ctx, cells)
        finally:
            deque(map(list.clear, cells), 0)  # in C: map + a zero-length deque

    def _walk(self, tree: ast.Module, ctx: Context, cells: list) -> None:
        # Locals for everything the loop touches per node: it runs once per
        # node of every file, so attribute and global look-ups add up.
        dispatch = self.dispatch
        leavers = self.leavers
        disabled: set = set()
        ctx.push_scope(Scope("module", tree, ""))
        calls = self._calls
        if self._worded:
            left_out = frozenset(r for r in self._worded if not mentions(ctx, r.file_words))
            if left_out:
                dispatch, leavers, calls = self._dispatch_without(left_out)
        # Node types that need more than their children pushed: most nodes
        # (attributes, constants, keywords, operators, ...) take the short way.
        acting = self._acting.get(id(dispatch))
        if acting is None:
            acting = self._acting[id(dispatch)] = _ACTING | frozenset(dispatch)
        handlers = _HANDLERS
        watched = ctx.watched_names  # filled by the rules as the walk goes
        name_rules = dispatch.get(ast.Name)
        name_type, store_type = ast.Name, ast.Store
        stack: list = [tree]
        pop, push, keep = stack.pop, stack.append, cells.append
        push_all = stack.extend
        AST = ast.AST
        scope_types = _SCOPE_TYPES
        rules_for_call = calls.rules_for
        leave_marker, enter_marker = _LEAVE, _ENTER
        reversed_fields = _REVERSED_FIELDS
        call_type = ast.Call
        # Until one is seen, every node of a type the compiler may reject
        # is looked at (`compiler_errors`): a tree phase 1 did not compile.
        suspects = compiler_errors.SUSPECT_TESTS if ctx.compile_pending else {}
        # The names the current scope reads (`Scope.loads`), kept at hand:
        # `Name` nodes are a third of all nodes.
        loads_add = ctx.scopes[-1].loads.add
        last = tree  # the last node visited: what `ctx.node` is when a scope is left
        while stack:
            node = pop()
            t = type(node)
            if t is name_type:
                if type(node.ctx) is not store_type:
                    loads_add(node.id)
                else:
                    ctx.node = node
                    _bind_name(node, ctx)
                last = node
                rules = name_rules
                if watched:
                    asked = watched.get(node.id)
                    if asked:
                        rules = sorted([*rules, *asked], key=_code_of) if rules else asked
                if rules:
                    ctx.node = node
                    self._check(rules, node, ctx, disabled)
                continue  # a `Name` has no child nodes
            if t in acting:
                if t is tuple:  # (_ENTER or _LEAVE, scope node)
                    if node[0] is enter_marker:
                        self._push_scope(node[1], ctx)
                    else:
                        ctx.node = last
                        self._leave_scope(ctx, disabled, leavers)
                    loads_add = ctx.scopes[-1].loads.add
                    continue
                ctx.node = node
                handler = handlers.get(t)
                if handler is not None:
                    handler(node, ctx)
                if t in suspects and suspects[t](node, ctx):
                    ctx.compile_suspect = True
                    suspects = {}
                rules = dispatch.get(t) if t is not call_type else rules_for_call(node, ctx)
                if rules:
                    self._check(rules, node, ctx, disabled)
                if t in scope_types:
                    # What a def, class or lambda evaluates where it stands
                    # (decorators, defaults, annotations, bases) is walked in
                    # the enclosing scope; then the scope opens for the body.
                    last = node
                    cell = [node]
                    keep(cell)
                    push((leave_marker, node))
                    _push_children(node, cell, _INNER_FIELDS[t], push, push_all)
                    push((enter_marker, node))
                    _push_children(node, cell, _OUTER_FIELDS[t], push, push_all)
                    continue
            last = node
            fields = reversed_fields.get(t)
            if fields is None:
                fields = reversed_fields[t] = _nodes.child_fields(t)[::-1]
            # Children pushed last field first, last item first: popped in
            # source order. Each gets its parent link. A child field holds a
            # node, a list of nodes or None; the rare exceptions (a `None` key
            # of `{**d}`, a missing keyword-only default) fail to take the
            # link and go the careful way.
            if not fields:
                continue
            cell = [node]
            keep(cell)
            for name in fields:
                value = getattr(node, name, None)
                if type(value) is list:
                    if value:
                        try:
                            for item in value:
                                item._al_parent = cell
                        except AttributeError:
                            value = [item for item in value if isinstance(item, AST)]
                            for item in value:
                                item._al_parent = cell
                        push_all(value[::-1])  # a reversed copy: extends faster than `reversed()`
                elif value is not None:
                    try:
                        value._al_parent = cell
                    except AttributeError:  # not a node
                        continue
                    push(value)
        ctx.node = tree
        self._leave_scope(ctx, disabled, leavers)

    def _dispatch_without(self, left_out: frozenset) -> tuple:
        """(dispatch, leavers, call rules) without the rules in `left_out`."""
        found = self._without.get(left_out)
        if found is None:
            dispatch = {t: [r for r in rules if r not in left_out] for t, rules in self.dispatch.items()}
            calls = self._calls
            if any(r in left_out for r in calls.rules):
                calls = _CallRules([r for r in calls.rules if r not in left_out])
            found = self._without[left_out] = (dispatch, [r for r in self.leavers if r not in left_out], calls)
        return found

    def _check(self, rules, node: ast.AST, ctx: Context, disabled: set) -> None:
        """Each rule's check of `node` (a node that has rules: most nodes
        reach none and never get here)."""
        for rule in rules:
            if disabled and rule.code in disabled:
                continue
            ctx.current_rule = rule
            try:
                rule.check(node, ctx)
            except Exception as exc:  # one broken rule must not stop the others
                self._crashed(rule, node, ctx, disabled, exc)
        ctx.current_rule = None

    @staticmethod
    def _crashed(rule, arg, ctx: Context, disabled: set, exc: Exception) -> None:
        """Report AIO002 once and skip the rule for the rest of the file (a
        family of rules run as one: each of its rules)."""
        disabled.add(rule.code)
        ctx.current_rule = None
        line = getattr(arg, "lineno", None) or getattr(getattr(arg, "node", None), "lineno", 1)
        for member in getattr(rule, "members", (rule,)):
            ctx.diagnostics.append(Diagnostic(
                path=ctx.path, line=line, col=1, code=INTERNAL_ERROR, name="internal-error",
                message=f"internal error in rule {member.code} ({member.name}): "
                        f"{type(exc).__name__}: {exc}; please report it",
                severity=Severity.ERROR,
            ))

    def _push_scope(self, node: ast.AST, ctx: Context) -> None:
        outer = ctx.scopes[-1]
        prefix = _child_prefix(outer)
        if isinstance(node, ast.Lambda):
            scope = Scope("lambda", node, prefix + "<lambda>")
            for arg in _all_args(node.args):
                scope.bindings[arg.arg] = None
        elif isinstance(node, ast.ClassDef):
            qual = prefix + node.name
            scope = Scope("class", node, qual, class_sym=("global", ctx.module.name, qual))
        else:
            qual = prefix + node.name
            is_async = type(node) is ast.AsyncFunctionDef
            scope = Scope("function", node, qual, is_async=is_async, info=ctx.module.functions.get(qual))
            bindings = scope.bindings
            annotation_symbol = ctx.annotation_symbol
            args = node.args
            for arg in _all_args(args):
                annotation = arg.annotation
                bindings[arg.arg] = annotation_symbol(annotation) if annotation is not None else None
            if outer.kind == "class" and (args.posonlyargs or args.args):
                decorators = {d.id for d in node.decorator_list if type(d) is ast.Name}
                if "staticmethod" not in decorators:
                    # `self` is an instance of the class, `cls` the class itself
                    first = (args.posonlyargs or args.args)[0].arg
                    bindings[first] = outer.class_sym if "classmethod" in decorators else ("inst", outer.class_sym)
        ctx.push_scope(scope)

    def _leave_scope(self, ctx: Context, disabled: set, leavers: list) -> None:
        scope = ctx.scopes[-1]
        for rule in leavers:
            if rule.code not in disabled:
                ctx.current_rule = rule
                try:
                    rule.leave_scope(scope, ctx)
                except Exception as exc:  # one broken rule must not stop the others
                    self._crashed(rule, scope, ctx, disabled, exc)
                ctx.current_rule = None
        ctx.pop_scope()
        if ctx.scopes:  # a closure's reads count as reads of the enclosing scope
            ctx.scopes[-1].loads |= scope.loads


# -- structure the engine tracks for the rules --
# Bindings are made when the binding node is entered, before its children:
# the value is resolved first (x = x.f()), and the target names visited
# afterwards keep what was bound here. One function per node type
# (`_HANDLERS`); `Name` nodes are handled in the walk's loop itself.
def _enter_call(node: ast.Call, ctx: Context) -> None:
    fn = ctx.function
    if fn is not None and fn.info is not None:
        sym = ctx.symbol(node.func)
        if sym is not None:
            try:  # shared by equal symbols: a summary pickles each one once
                sym = ctx.interned.setdefault(sym, sym)
            except TypeError:
                pass
            fn.info.calls.append((sym, node.lineno, node.col_offset))
    thread_index.note_call(node, ctx)
    func = node.func
    last = func.attr if type(func) is ast.Attribute else func.id if type(func) is ast.Name else None
    if last in _LOOP_RUN_NAMES and not ctx.module.runs_loop and _runs_loop(ctx, node):
        ctx.module.runs_loop = True


def _bind_name(node: ast.Name, ctx: Context) -> None:
    """A `Name` being stored to."""
    if ctx.scopes[-1].kind != "module" and not _bound_by_owner(node):
        ctx.bind(node.id, None)


def _enter_global(node, ctx: Context) -> None:
    ctx.scopes[-1].loads.update(node.names)


def _enter_assign(node: ast.Assign, ctx: Context) -> None:
    targets = node.targets
    names_only = True  # `x = ...`, most assignments: nothing for the hooks
    for target in targets:
        tt = type(target)
        if tt is not ast.Name:
            names_only = False
            # the thread hook looks only at stores into attributes and items
            if tt is ast.Attribute or tt is ast.Subscript:
                thread_index.note_assign(node, ctx)
                break
    if ctx.scopes[-1].kind != "module":
        sym = ctx.symbol(node.value)
        for target in targets:
            if type(target) is ast.Name:
                ctx.bind(target.id, sym)
            else:
                for name in _store_names(target):
                    ctx.bind(name, None)
        if not names_only:
            facts.note_assign(ctx, node)  # tuple items, attribute types


def _enter_annassign(node: ast.AnnAssign, ctx: Context) -> None:
    if ctx.scopes[-1].kind != "module":
        sym = ctx.annotation_symbol(node.annotation)
        if sym is None and node.value is not None:
            sym = ctx.symbol(node.value)
        target = node.target
        if type(target) is ast.Name:
            ctx.bind(target.id, sym)
        else:
            for name in _store_names(target):
                ctx.bind(name, None)
            facts.note_assign(ctx, node)  # attribute types


def _enter_namedexpr(node: ast.NamedExpr, ctx: Context) -> None:
    # `if (client := hub.get_client()):` binds like an assignment
    if ctx.scopes[-1].kind != "module":
        ctx.bind(node.target.id, ctx.symbol(node.value))


def _enter_withitem(node: ast.withitem, ctx: Context) -> None:
    if node.optional_vars is not None and ctx.scopes[-1].kind != "module":
        for name in _store_names(node.optional_vars):
            ctx.bind(name, None)
        facts.note_withitem(ctx, node, isinstance(_nodes.parent_of(node), ast.AsyncWith))


def _enter_return(node: ast.Return, ctx: Context) -> None:
    facts.note_return(ctx, node)


def _enter_yield(node, ctx: Context) -> None:
    facts.note_yield(ctx)


def _enter_import(node, ctx: Context) -> None:
    if ctx.scopes[-1].kind != "module":
        ctx.bind_import(node)


def _enter_definition(node, ctx: Context) -> None:
    """A def or class: the name is bound in the enclosing scope."""
    scope = ctx.scopes[-1]
    if scope.kind != "module":
        ctx.bind(node.name, ("global", ctx.module.name, _child_prefix(scope) + node.name))


_HANDLERS = {
    ast.Call: _enter_call, ast.Global: _enter_global, ast.Nonlocal: _enter_global,
    ast.Assign: _enter_assign, ast.AnnAssign: _enter_annassign, ast.NamedExpr: _enter_namedexpr,
    ast.withitem: _enter_withitem, ast.Return: _enter_return, ast.Yield: _enter_yield,
    ast.YieldFrom: _enter_yield, ast.Import: _enter_import, ast.ImportFrom: _enter_import,
    ast.FunctionDef: _enter_definition, ast.AsyncFunctionDef: _enter_definition, ast.ClassDef: _enter_definition,
}
# Node types the walk does more for than push their children (`Name`
# nodes have their own branch; the tuple is a scope's leave marker).
_ACTING = frozenset(_HANDLERS) | _SCOPE_TYPES | compiler_errors.NODE_TYPES | {tuple}



# A scope node's child fields evaluated in the enclosing scope when the
# statement or expression runs, and those of the scope itself (the body),
# last field first as `_push_children` takes them.
_OUTER_FIELDS: Dict[type, tuple] = {
    ast.FunctionDef: ("type_params", "returns", "decorator_list", "args"),
    ast.AsyncFunctionDef: ("type_params", "returns", "decorator_list", "args"),
    ast.ClassDef: ("type_params", "decorator_list", "keywords", "bases"),
    ast.Lambda: ("args",),
}
_INNER_FIELDS: Dict[type, tuple] = {t: ("body",) for t in _OUTER_FIELDS}


def _push_children(node: ast.AST, cell: list, fields: tuple, push, push_all) -> None:
    """Push the children held in `fields` (last field first) of `node`,
    each with its parent link `cell`, so that they are popped in field
    order (the walk's own loop does this inline for every other node)."""
    for name in fields:
        value = getattr(node, name, None)
        if type(value) is list:
            if value:
                try:
                    for item in value:
                        item._al_parent = cell
                except AttributeError:  # a missing keyword-only default
                    value = [item for item in value if isinstance(item, ast.AST)]
                    for item in value:
                        item._al_parent = cell
                push_all(value[::-1])  # a reversed copy: extends faster than `reversed()`
        elif isinstance(value, ast.AST):
            value._al_parent = cell
            push(value)


class _CallRules:
    """The rules `ast.Call` nodes reach, from the rules (in code order)
    that have calls among their node types: those that look at every
    call, plus per callee name those that declared it (`Rule.callee_names`)."""

    def __init__(self, rules: list):
        self.rules = rules
        self._every_call = [r for r in rules if getattr(r, "callee_names", None) is None]
        # outside an `async def`'s own body, without the rules that act on
        # calls only there (`Rule.calls_in_async_only`: the blocking checks)
        self._every_sync_call = [r for r in self._every_call if not getattr(r, "calls_in_async_only", False)]
        self._by_callee: Dict[str, set] = defaultdict(set)
        for rule in rules:
            for name in getattr(rule, "callee_names", None) or ():
                self._by_callee[name].add(rule)
        self._call_dispatch: Dict[tuple, list] = {}

    def rules_for(self, call: ast.Call, ctx: Context) -> list:
        """The rules a call reaches: those that look at every call, plus
        those that declared the callee's name as written (`x.name(...)`,
        `name(...)`) or as the last part of the dotted name a called name
        resolves to (`from asyncio import get_event_loop as gel`); outside
        async code, not those that act on calls only there."""
        func = call.func
        tf = type(func)
        in_async = ctx.in_async
        by_callee = self._by_callee
        # A callee no rule declared (most calls) reaches the rules that see
        # every call, without a look-up keyed by its name.
        if tf is ast.Attribute:
            if func.attr not in by_callee:
                return self._every_call if in_async else self._every_sync_call
            key = (func.attr, None, in_async)
        elif tf is ast.Name:
            resolved = dotted(ctx.symbol(func))  # the walk and the rules ask for it too: memoised
            last = resolved.rsplit(".", 1)[-1] if resolved else None
            if func.id not in by_callee and last not in by_callee:
                return self._every_call if in_async else self._every_sync_call
            key = (func.id, last, in_async)
        else:
            return self._every_call if in_async else self._every_sync_call
        rules = self._call_dispatch.get(key)
        if rules is None:
            chosen = by_callee.get(key[0], set()) | by_callee.get(key[1], set())
            rules = self._call_dispatch[key] = [
                r for r in self.rules
                if (r in chosen or getattr(r, "callee_names", None) is None)
                and (in_async or not getattr(r, "calls_in_async_only", False))]
        return rules


def _code_of(rule) -> str:
    return rule.code


def _with_families(rules: list) -> list:
    """The rules in code order, the blocking-call rules that share one check
    replaced by that check run once (at the place of the first of them)."""
    members = [r for r in rules if BlockingFamily.joins(r)]
    if len(members) < 2:
        return rules
    family = BlockingFamily(members)
    out = []
    for rule in rules:
        if rule is members[0]:
            out.append(family)
        elif rule not in members:
            out.append(rule)
    return out


_LOOP_RUN_NAMES = frozenset({"run", "run_until_complete", "run_forever", "run_app", "Runner"})


def _runs_loop(ctx: Context, call: ast.Call) -> bool:
    """The call runs an asyncio event loop (for ModuleSummary.runs_loop)."""
    func = call.func
    last = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    if last not in _LOOP_RUN_NAMES:
        return False
    if dotted(ctx.symbol(func)) in PROGRAM_LOOP_RUNNERS:
        return True
    return last in LOOP_RUN_METHODS and isinstance(func, ast.Attribute) and is_event_loop(ctx, func.value)


def _store_names(target: ast.AST):
    """Names bound by an assignment target (through tuples, lists, starred)."""
    if type(target) is ast.Name:
        yield target.id
    elif type(target) in (ast.Tuple, ast.List):
        for elt in target.elts:
            yield from _store_names(elt)
    elif type(target) is ast.Starred:
        yield from _store_names(target.value)


def _bound_by_owner(name: ast.Name) -> bool:
    """True when the assignment or `with` item owning this target name has
    already bound it on entry."""
    node, parent = name, _nodes.parent_of(name)
    while type(parent) in (ast.Tuple, ast.List, ast.Starred):
        node, parent = parent, _nodes.parent_of(parent)
    t = type(parent)
    if t is ast.Assign or t is ast.AnnAssign:
        return node is not parent.value
    if t is ast.withitem:
        return node is parent.optional_vars
    if t is ast.NamedExpr:
        return node is parent.target
    return False


def _child_prefix(scope: Scope) -> str:
    return child_prefix(scope.kind, scope.qualname)


def _all_args(args: ast.arguments) -> list:
    out = [*args.posonlyargs, *args.args]
    if args.vararg:
        out.append(args.vararg)
    out.extend(args.kwonlyargs)
    if args.kwarg:
        out.append(args.kwarg)
    return out
