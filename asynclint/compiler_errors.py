"""Which parsed trees can hold an error that only CPython's compiler reports.

`ast.parse` accepts some code that never runs: `compile()` rejects it later
(symbol-table, future-import and code-generation errors: `return` outside a
function, `nonlocal` at module level, a duplicate parameter, a late
`from __future__` import, too many nested blocks, ...). Such a file is
AIO001. Compiling every tree costs about 0.6x its parse, and almost every
tree compiles, so the engine's walk looks, at the node types those errors
are made of, for a shape that *could* be one (`suspect`); the tree is
compiled only when one is seen (and the compiler decides). Shapes whose
rules all lie inside one top-level statement (`global`/`nonlocal` in a def
or class, `match`, `try*`) have that statement compiled alone first. Each test below
is an over-approximation of the compiler's own check on CPython 3.11, where
it was established (`benchmarks/compile_gate.py --check` compiles every
file of a corpus and fails when a file that does not compile had no
suspect); other versions compile every tree (`GATED`). Errors of nesting
depth (the compiler's recursion limit) are left to `parsing`, which parses
under a lower recursion limit. `__debug__` as a name is looked for in the
text, normalised as the parser normalises identifiers (`text_suspect`).
"""
from __future__ import annotations

import ast
import sys
import unicodedata
import warnings

from .index.nodes import parent_of

# The tests below were established against CPython 3.11's compiler.
GATED = sys.version_info[:2] == (3, 11)

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_UNITS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)
_STAR_LOAD_PARENTS = (ast.Call, ast.List, ast.Tuple, ast.Set)
_STAR_STORE_PARENTS = (ast.List, ast.Tuple)
# An upper bound of the frame blocks (compile.c's `fblock`s, at most 20 open
# in one code unit) a statement of each type opens around what it contains
# (a `with`: one per item). Measured on 3.11 by nesting each shape until the
# compiler refuses: a loop or a `with` item opens 1, a `try` with handlers
# and `finally` 2 around its body, a named handler and a `try`/`finally` in
# it about 2.9 together.
_BLOCKS = {ast.For: 1, ast.AsyncFor: 1, ast.While: 1, ast.Try: 2, ast.ExceptHandler: 1}
_BLOCK_LIMIT = 16  # the compiler refuses the 21st; a margin below it
_TRY_STAR = getattr(ast, "TryStar", ast.Try)  # 3.11+
_FUTURE_FEATURES = frozenset(__import__("__future__").all_feature_names)


def text_suspect(text: str) -> bool:
    """`__debug__` can be assigned, deleted, imported as, used as a
    parameter or a keyword only where the text spells it. The parser
    NFKC-normalises identifiers (`__ｄｅｂｕｇ__` is `__debug__`): an
    identifier that normalises to it leaves `__debug__` in the normalised
    text too (its ASCII characters are starters that compose with nothing
    around them), so text that is not ASCII is normalised and searched."""
    if "__debug__" in text:
        return True
    return not text.isascii() and "__debug__" in unicodedata.normalize("NFKC", text)


def _in_body_of(child, fn) -> bool:
    """`child` (a direct child of a def or lambda) is its body, not a
    default, an annotation or a decorator (those run in the enclosing scope)."""
    if type(fn) is ast.Lambda:
        return child is fn.body
    return any(child is stmt for stmt in fn.body)


def _code_owner(node):
    """(the def, lambda or class whose code evaluates `node`, or the module;
    whether a comprehension lies between them)."""
    child, parent = node, parent_of(node)
    through_comprehension = False
    while parent is not None:
        t = type(parent)
        if t in _COMPREHENSIONS:
            through_comprehension = True
        elif t is ast.Lambda or t is ast.FunctionDef or t is ast.AsyncFunctionDef:
            if _in_body_of(child, parent):
                return parent, through_comprehension
        elif t is ast.ClassDef:
            if any(child is stmt for stmt in parent.body):
                return parent, through_comprehension
        child, parent = parent, parent_of(parent)
    return child, through_comprehension


def _awaitable_here(node) -> bool:
    """`await` is certainly allowed: evaluated by an `async def`'s own body,
    directly or in comprehensions there (which 3.11 makes asynchronous,
    nested ones too), not through a lambda or class."""
    owner, _through = _code_owner(node)
    return type(owner) is ast.AsyncFunctionDef


def _yield_allowed(node, t, ctx) -> bool:
    owner, through = _code_owner(node)
    if through:
        return False
    to = type(owner)
    if to is ast.FunctionDef or to is ast.Lambda:
        return True
    # In an `async def`, a `yield` makes an async generator: a `return` with
    # a value (`return None` too) is then an error, and `yield from` always.
    # The def is the scope being walked (`ctx.scopes[-1]`).
    if to is ast.AsyncFunctionDef and t is ast.Yield:
        state = ctx.scopes[-1].state
        found = state.get("_returns_value")
        if found is None:
            found = state["_returns_value"] = _returns_value(owner)
        return not found
    return False


def _returns_value(fn) -> bool:
    """A `return` with a value among the statements of `fn`'s own body (not
    those of nested defs and classes; a lambda holds no statement)."""
    stack = list(fn.body)
    while stack:
        stmt = stack.pop()
        t = type(stmt)
        if t is ast.Return:
            if stmt.value is not None:
                return True
        elif t not in _NESTED_UNITS:
            for name in _STATEMENT_LISTS:  # blocks, their handlers and match cases
                stack.extend(getattr(stmt, name, ()))
    return False


_NESTED_UNITS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_STATEMENT_LISTS = ("body", "orelse", "finalbody", "handlers", "cases")


def _loop_around(node) -> bool:
    """A `break`/`continue` statement is inside the body of a loop of its
    own code unit (a loop's `else` is outside that loop)."""
    child, parent = node, parent_of(node)
    while parent is not None:
        t = type(parent)
        if t in _LOOPS:
            if any(child is stmt for stmt in parent.body):
                return True
        elif t in _UNITS or t is _TRY_STAR:
            return False
        child, parent = parent, parent_of(parent)
    return False


def _blocks_around(node) -> int:
    """An upper bound of the frame blocks open inside `node` (a block
    statement), counting its enclosing statements up to its code unit."""
    total = 0
    while node is not None:
        t = type(node)
        if t in _UNITS:
            break
        if t is ast.With or t is ast.AsyncWith:
            total += len(node.items)
        else:
            total += _BLOCKS.get(t, 0)
        node = parent_of(node)
    return total


def _future_in_place(node: ast.ImportFrom) -> bool:
    """A `from __future__ import` of known features, among the module's
    first statements (after at most a docstring and other future imports)."""
    if any(alias.name not in _FUTURE_FEATURES for alias in node.names):
        return False
    module = parent_of(node)
    if type(module) is not ast.Module:
        return False
    for i, stmt in enumerate(module.body):
        if stmt is node:
            return True
        if type(stmt) is ast.ImportFrom and stmt.module == "__future__" and stmt.level == 0:
            continue
        if i == 0 and type(stmt) is ast.Expr and type(stmt.value) is ast.Constant \
                and type(stmt.value.value) is str:
            continue
        return False
    return False


def _duplicate_parameters(args: ast.arguments) -> bool:
    params = (*args.posonlyargs, *args.args, *args.kwonlyargs)
    if len(params) < 2 and args.vararg is None and args.kwarg is None:
        return False  # most lambdas, many defs
    names = {a.arg for a in params}
    count = len(params)
    for extra in (args.vararg, args.kwarg):
        if extra is not None:
            names.add(extra.arg)
            count += 1
    return len(names) != count


def duplicate_keywords(keywords: list) -> bool:
    """`f(a=1, a=2)`, `class C(a=1, a=2)` (only the compiler rejects them)."""
    names = [k.arg for k in keywords if k.arg is not None]
    return len(set(names)) != len(names)


def _statement_scope(ctx) -> str:
    return ctx.scopes[-1].kind


def suspect(node, t, ctx) -> bool:
    """Whether the compiler may reject the tree because of `node` (of type
    `t`, one of `NODE_TYPES`), visited by the engine's walk (parent links
    set, `ctx.scopes` the scopes around it, the def being entered not yet
    among them). The walk calls the test of the type (`SUSPECT_TESTS`)."""
    return SUSPECT_TESTS[t](node, ctx)


# One test per node type, `(node, ctx) -> bool`.
def _call(node, ctx) -> bool:
    keywords = node.keywords
    return len(keywords) > 1 and duplicate_keywords(keywords)


def _return(node, ctx) -> bool:
    return _statement_scope(ctx) != "function"


def _await(node, ctx) -> bool:
    return not _awaitable_here(node)


def _yield(node, ctx) -> bool:
    return not _yield_allowed(node, type(node), ctx)


def _break(node, ctx) -> bool:
    return not _loop_around(node)


def _async_block(node, ctx) -> bool:
    scope = ctx.scopes[-1]
    return not (scope.kind == "function" and scope.is_async) or _blocks_around(node) >= _BLOCK_LIMIT


def _try(node, ctx) -> bool:  # a bare `except:` must be the last handler
    return any(h.type is None for h in node.handlers[:-1]) or _blocks_around(node) >= _BLOCK_LIMIT


def _block(node, ctx) -> bool:
    return _blocks_around(node) >= _BLOCK_LIMIT


def _function(node, ctx) -> bool:
    return _duplicate_parameters(node.args)


def _class(node, ctx) -> bool:
    return duplicate_keywords(node.keywords)


def _import_from(node, ctx) -> bool:
    if node.module == "__future__":
        return not _future_in_place(node)
    return node.names[0].name == "*" and _statement_scope(ctx) != "module"


def _starred(node, ctx) -> bool:
    parent = parent_of(node)
    tc = type(node.ctx)
    if tc is ast.Load:
        return type(parent) not in _STAR_LOAD_PARENTS
    if tc is ast.Store and type(parent) in _STAR_STORE_PARENTS:
        # `a, *b = x`: one starred target in a tuple or list, with fewer than
        # 256 targets before it ("too many expressions in star-unpacking")
        stars = [i for i, elt in enumerate(parent.elts) if type(elt) is ast.Starred]
        return len(stars) != 1 or stars[0] >= 255
    return True


def _named_expr(node, ctx) -> bool:
    """The comprehension rules of assignment expressions: not in a
    comprehension's iterable (through lambdas too), not in a comprehension
    of a class body, not binding a name a comprehension binds as its
    iteration variable (any comprehension of the outermost one around it:
    an inner loop may not rebind it either)."""
    child, parent = node, parent_of(node)
    outermost = None  # the outermost comprehension of the scope the target binds in
    in_scope = True
    while parent is not None:
        t = type(parent)
        if t is ast.comprehension:
            if child is parent.iter:
                return True
        elif t in _COMPREHENSIONS:
            if in_scope:
                outermost = parent
        elif t is ast.Lambda or t is ast.FunctionDef or t is ast.AsyncFunctionDef:
            if _in_body_of(child, parent):  # not a default, which binds where the def stands
                in_scope = False
        elif t is ast.ClassDef:
            if any(child is stmt for stmt in parent.body):
                in_scope = False
        child, parent = parent, parent_of(parent)
    if outermost is None:
        return False
    if ctx.scopes[-1].kind == "class":
        return True
    target = node.target.id
    for sub in ast.walk(outermost):
        if type(sub) is ast.comprehension and any(
                type(n) is ast.Name and n.id == target for n in ast.walk(sub.target)):
            return True
    return False


def _comprehension(node, ctx) -> bool:
    return node.is_async != 0


def _declaration(node, ctx) -> bool:
    """`global` / `nonlocal`: at module level the module's earlier
    statements matter (`x = 1` then `global x`), so the whole tree is
    compiled; in a def or class every rule about the names they declare
    (a parameter, an earlier use or assignment, an annotation, a binding for
    `nonlocal` in an enclosing def) lies inside the top-level statement that
    holds it, which is compiled alone."""
    if ctx.scopes[-1].kind == "module":
        return True
    return _fails_alone(node, ctx)


def _fails_alone(node, ctx) -> bool:
    """`match`, `try`/`except*` (rare, with many rules of their own), and
    the declarations above: compile the module's top-level statement that
    holds `node` on its own (a small part of the file, where these errors
    all lie; most files with a `global` in some function would otherwise
    be compiled whole). A statement that compiles leaves the other
    suspects of the file to be looked for; each is compiled once."""
    top, parent = node, parent_of(node)
    while parent is not None and type(parent) is not ast.Module:
        top, parent = parent, parent_of(parent)
    if parent is None:
        return True
    verdicts = ctx.scopes[0].state.setdefault("_compiled_alone", {})
    failed = verdicts.get(id(top))
    if failed is None:
        failed = verdicts[id(top)] = not _compiles(ast.Module(body=[top], type_ignores=[]))
    return failed


def _compiles(tree: ast.Module) -> bool:
    with warnings.catch_warnings():  # SyntaxWarnings are not ours to print
        warnings.simplefilter("ignore")
        try:
            compile(tree, "<statement>", "exec", dont_inherit=True)
        except (SyntaxError, RecursionError, MemoryError, ValueError):
            return False
    return True


def _ancestors(node):
    node = parent_of(node)
    while node is not None:
        yield node
        node = parent_of(node)


# The node types `suspect` looks at, and the test of each.
SUSPECT_TESTS = {
    ast.Call: _call, ast.Return: _return, ast.Await: _await, ast.Yield: _yield, ast.YieldFrom: _yield,
    ast.Break: _break, ast.Continue: _break, ast.AsyncFor: _async_block, ast.AsyncWith: _async_block,
    ast.For: _block, ast.While: _block, ast.With: _block, ast.Try: _try, ast.ExceptHandler: _block,
    ast.FunctionDef: _function, ast.AsyncFunctionDef: _function, ast.Lambda: _function, ast.ClassDef: _class,
    ast.ImportFrom: _import_from, ast.Starred: _starred, ast.NamedExpr: _named_expr,
    ast.comprehension: _comprehension, ast.Global: _declaration, ast.Nonlocal: _declaration,
    ast.Match: _fails_alone,
}
SUSPECT_TESTS[_TRY_STAR] = _fails_alone if _TRY_STAR is not ast.Try else _try
NODE_TYPES = frozenset(SUSPECT_TESTS)
