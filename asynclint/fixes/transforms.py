"""The transforms, one per fix kind (see the package docstring).

Each takes a `Site` (the reported Call, its diagnostic, the module's facts)
and returns a `Plan`, or None to decline: a transform declines whenever it is
not sure the result means what the fix promises (an `await` outside an
`async def` body, a shadowed `asyncio`, keyword arguments a target API does
not take...). A declined fix leaves the finding in place.
"""
from __future__ import annotations

import keyword
from typing import Callable, Dict, Optional

import libcst as cst

from ..diagnostics import Applicability, Diagnostic
from .module_facts import ModuleFacts, Plan

_SPACE = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


class Site:
    def __init__(self, call: cst.Call, diagnostic: Diagnostic, facts: ModuleFacts):
        self.call = call
        self.diagnostic = diagnostic
        self.facts = facts
        self.params = tuple(diagnostic.fix.data[1:]) if diagnostic.fix else ()

    def plan(self, target, replacement, **needs) -> Plan:
        return Plan(self.diagnostic, target, replacement, **needs)

    # -- where the call sits --
    def statement(self) -> Optional[cst.Expr]:
        """The expression statement whose whole value is the call."""
        parent = self.facts.parent(self.call)
        if isinstance(parent, cst.Expr) and parent.value is self.call:
            return parent
        return None

    def in_async_body(self) -> bool:
        """`await` may go where the call is: in the body of an `async def`,
        not in a nested def, lambda, class body or generator expression (list,
        set and dict comprehensions of an async function may await). A def's
        decorators, defaults and annotations, a lambda's defaults and a
        class's bases run where the def, lambda or class stands; an
        annotation may not await (a syntax error where annotations are
        postponed)."""
        for ancestor, child in self.facts.ancestors(self.call):
            if isinstance(ancestor, cst.Annotation):
                return False
            if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                if child is not ancestor.body:
                    continue
                return isinstance(ancestor, cst.FunctionDef) and ancestor.asynchronous is not None
            if isinstance(ancestor, (cst.GeneratorExp, cst.Module)):
                return False
        return False

    def function(self) -> Optional[cst.FunctionDef]:
        for ancestor, _child in self.facts.ancestors(self.call):
            if isinstance(ancestor, cst.FunctionDef):
                return ancestor
        return None

    def locally_bound(self, name: str) -> bool:
        """Some function around the call binds `name` itself (a parameter, an
        assignment, a function-level import...): the module's name is not
        the one seen there."""
        return any(isinstance(a, (cst.FunctionDef, cst.Lambda)) and self.facts.rebinds(a, name)
                   for a, _child in self.facts.ancestors(self.call))

    def in_class_body(self) -> bool:
        for ancestor, _child in self.facts.ancestors(self.call):
            if isinstance(ancestor, (cst.FunctionDef, cst.Lambda)):
                return False
            if isinstance(ancestor, cst.ClassDef):
                return True
        return False

    def needs_parens(self) -> bool:
        """`await X` in the call's place binds less tightly than the primary
        around it: `(await f()).attr`, `(await f())[0]`, `(await f())()`."""
        if self.call.lpar:
            return False
        parent = self.facts.parent(self.call)
        if isinstance(parent, cst.Attribute) and parent.value is self.call:
            return True
        if isinstance(parent, cst.Subscript) and parent.value is self.call:
            return True
        if isinstance(parent, cst.Call) and parent.func is self.call:
            return True
        return False

    def already_awaited(self) -> bool:
        return isinstance(self.facts.parent(self.call), cst.Await)

    def awaited(self, call: cst.Call) -> cst.Await:
        """`await CALL`, carrying the original call's own parentheses (or new
        ones when the context needs them)."""
        if self.call.lpar:
            return cst.Await(expression=call.with_changes(lpar=[], rpar=[]), lpar=self.call.lpar, rpar=self.call.rpar)
        node = cst.Await(expression=call)
        if self.needs_parens():
            node = node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return node


def _asyncio_attr(site: Site, attr: str):
    """`asyncio.ATTR` (with the module's alias) and whether to add the import."""
    name, must_import = site.facts.asyncio_name()
    if name is None or site.locally_bound(name):
        return None, False
    return cst.Attribute(value=cst.Name(name), attr=cst.Name(attr)), must_import


def _identifier(value: object) -> bool:
    return isinstance(value, str) and value.isidentifier() and not keyword.iskeyword(value)


# -- the kinds --------------------------------------------------------------------
def insert_await(site: Site) -> Optional[Plan]:
    """`f(x)` -> `await f(x)`, for an expression statement in async code."""
    if site.statement() is None or not site.in_async_body():
        return None
    return site.plan(site.call, site.awaited(site.call))  # (an awaited call is no expression statement)


def asyncio_sleep(site: Site) -> Optional[Plan]:
    """`time.sleep(x)` (any spelling) -> `await asyncio.sleep(x)`."""
    call = site.call
    if not site.in_async_body() or site.already_awaited() or len(call.args) != 1 \
            or call.args[0].keyword is not None or call.args[0].star:
        return None
    func, must_import = _asyncio_attr(site, "sleep")
    if func is None:
        return None
    new = call.with_changes(func=func, args=[call.args[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)])
    return site.plan(call, site.awaited(new), needs_asyncio=must_import)


def to_thread(site: Site) -> Optional[Plan]:
    """`f(*a, **k)` -> `await asyncio.to_thread(f, *a, **k)`."""
    call = site.call
    if not site.in_async_body() or site.already_awaited():
        return None
    func, must_import = _asyncio_attr(site, "to_thread")
    if func is None:
        return None
    first = cst.Arg(value=call.func.with_changes(lpar=[], rpar=[]) if _plain(call.func) else call.func,
                    comma=_SPACE if call.args else cst.MaybeSentinel.DEFAULT)
    new = call.with_changes(func=func, args=[first, *call.args])
    return site.plan(call, site.awaited(new), needs_asyncio=must_import)


def _plain(node: cst.BaseExpression) -> bool:
    """A name or attribute chain: its parentheses (if any) can go."""
    while isinstance(node, cst.Attribute):
        node = node.value
    return isinstance(node, cst.Name)


def rename_call(site: Site) -> Optional[Plan]:
    """The last name of the callee becomes `new`: `loop.call_soon(...)` ->
    `loop.call_soon_threadsafe(...)`. A bare name must come from a `from M
    import name`; the new name is imported beside it."""
    if not site.params or not _identifier(site.params[0]):
        return None
    new_name = site.params[0]
    call, func = site.call, site.call.func
    if isinstance(func, cst.Attribute):
        if func.attr.value == new_name:
            return None
        return site.plan(call, call.with_changes(func=func.with_changes(attr=func.attr.with_changes(value=new_name))))
    if not isinstance(func, cst.Name) or func.value == new_name:
        return None
    source = _from_import_of(site.facts.module, func.value)
    if source is None:
        return None
    statement, module_name = source
    already = _local_for(site.facts.module, module_name, new_name)
    if already is not None:
        return site.plan(call, call.with_changes(func=func.with_changes(value=already)))
    if not site.facts.is_free(new_name):
        return None
    return site.plan(call, call.with_changes(func=func.with_changes(value=new_name)),
                     from_import_additions=((statement, new_name),))


def _from_import_of(module: cst.Module, local: str):
    """The module-level `from M import x [as local]` binding `local`: (the
    ImportFrom node, M)."""
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.ImportFrom) and not small.relative and small.module is not None \
                    and not isinstance(small.names, cst.ImportStar):
                for alias in small.names:
                    bound = alias.asname.name.value if alias.asname is not None else alias.name.value \
                        if isinstance(alias.name, cst.Name) else None
                    if bound == local:
                        return small, _dotted(small.module)
    return None


def _local_for(module: cst.Module, module_name: str, attr: str) -> Optional[str]:
    """The local name of a module-level `from MODULE_NAME import attr [as x]`."""
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.ImportFrom) and not small.relative and small.module is not None \
                    and _dotted(small.module) == module_name and not isinstance(small.names, cst.ImportStar):
                for alias in small.names:
                    if isinstance(alias.name, cst.Name) and alias.name.value == attr:
                        return alias.asname.name.value if alias.asname is not None else attr
    return None


def _dotted(node) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def threadsafe_call(site: Site) -> Optional[Plan]:
    """`fut.set_result(v)` -> `LOOP.call_soon_threadsafe(fut.set_result, v)`
    (positional arguments only: call_soon_threadsafe passes no keywords)."""
    call = site.call
    if not site.params or not isinstance(site.params[0], str) or site.statement() is None:
        return None
    if any(arg.keyword is not None or arg.star == "**" for arg in call.args):
        return None
    try:
        loop = cst.parse_expression(site.params[0].strip())
    except Exception:
        return None
    if isinstance(loop, (cst.Await, cst.Lambda, cst.IfExp, cst.BinaryOperation, cst.BooleanOperation,
                         cst.UnaryOperation, cst.Comparison, cst.NamedExpr, cst.Yield)):
        loop = loop.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    first = cst.Arg(value=call.func, comma=_SPACE if call.args else cst.MaybeSentinel.DEFAULT)
    new = call.with_changes(func=cst.Attribute(value=loop, attr=cst.Name("call_soon_threadsafe")), args=[first, *call.args])
    return site.plan(call, new)


def keep_task_reference(site: Site) -> Optional[Plan]:
    """Inside `async with asyncio.TaskGroup() as tg`: `create_task(c)` ->
    `tg.create_task(c)`. Elsewhere, for an expression statement or a call
    assigned to a name (`task = create_task(c)`): keep the task in a
    module-level set until it is done."""
    call, facts = site.call, site.facts
    group = _task_group(site)
    if group is not None and _last_name(call.func) == "create_task":
        new = call.with_changes(func=cst.Attribute(value=cst.Name(group), attr=cst.Name("create_task")))
        return site.plan(call, new)
    if site.diagnostic.fix.applicability is Applicability.SAFE:
        return None  # only the task-group form is safe; the rule saw a group this fixer does not
    statement, bound = site.statement(), None
    if statement is None:
        statement, bound = _bound_to_name(site)  # `task = create_task(c)` whose name is never used (AIO401)
    if statement is None or site.in_class_body():
        return None
    asyncio_name, must_import = facts.asyncio_name()
    if asyncio_name is None:
        return None
    set_name, exists = facts.background_set()
    top = facts.top_level_index(call)
    if top is None:
        return None
    if not must_import:
        # the set is defined after the asyncio import: the call must come later
        import_at = facts.top_level_asyncio_imports().get(asyncio_name, 0)
        if not exists and top <= import_at:
            return None
    if exists:
        defined_at = next((i for i, s in enumerate(facts.module.body) if _defines(s, set_name)), None)
        if defined_at is None or top <= defined_at:
            return None
    if bound is not None:
        task, first = bound, statement
    else:
        function = site.function()
        task = facts.fresh_name("_task", function) if function is not None else facts.fresh_name("_task")
        first = cst.Assign(targets=[cst.AssignTarget(target=cst.Name(task))], value=statement.value)
    statements = [
        first,
        cst.Expr(cst.parse_expression(f"{set_name}.add({task})")),
        cst.Expr(cst.parse_expression(f"{task}.add_done_callback({set_name}.discard)")),
    ]
    return site.plan(statement, statements, needs_asyncio=must_import, background_set=set_name)


def _bound_to_name(site: Site):
    """(the assignment, the name) for `NAME = call` / `NAME: T = call`."""
    parent = site.facts.parent(site.call)
    if isinstance(parent, cst.Assign) and parent.value is site.call and len(parent.targets) == 1 \
            and isinstance(parent.targets[0].target, cst.Name):
        return parent, parent.targets[0].target.value
    if isinstance(parent, cst.AnnAssign) and parent.value is site.call and isinstance(parent.target, cst.Name):
        return parent, parent.target.value
    return None, None


def _defines(stmt, name: str) -> bool:
    if not isinstance(stmt, cst.SimpleStatementLine):
        return False
    for small in stmt.body:
        if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.target.value == name:
            return True
        if isinstance(small, cst.Assign) and any(isinstance(t.target, cst.Name) and t.target.value == name
                                                 for t in small.targets):
            return True
    return False


def _last_name(func) -> Optional[str]:
    if isinstance(func, cst.Attribute):
        return func.attr.value
    if isinstance(func, cst.Name):
        return func.value
    return None


def _task_group(site: Site) -> Optional[str]:
    """The name bound by the innermost enclosing `async with
    asyncio.TaskGroup() as NAME` of the same function, if any."""
    facts = site.facts
    for ancestor, child in facts.ancestors(site.call):
        if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return None
        if isinstance(ancestor, cst.With) and ancestor.asynchronous is not None and child is ancestor.body:
            for item in ancestor.items:
                if isinstance(item.item, cst.Call) and _is_task_group(facts, item.item.func) \
                        and item.asname is not None and isinstance(item.asname.name, cst.Name):
                    return item.asname.name.value
    return None


def _is_task_group(facts: ModuleFacts, func) -> bool:
    if isinstance(func, cst.Attribute) and func.attr.value == "TaskGroup" and isinstance(func.value, cst.Name):
        return func.value.value in facts.top_level_asyncio_imports() or facts.names.asyncio_binds[func.value.value] > 0
    if isinstance(func, cst.Name):
        return facts.names.from_asyncio.get(func.value) == "TaskGroup"
    return False


TRANSFORMS: Dict[str, Callable[[Site], Optional[Plan]]] = {
    "insert-await": insert_await,
    "asyncio-sleep": asyncio_sleep,
    "to-thread": to_thread,
    "rename-call": rename_call,
    "threadsafe-call": threadsafe_call,
    "keep-task-reference": keep_task_reference,
}
