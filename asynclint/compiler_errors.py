"""Which parsed trees can hold an error that only CPython's compiler reports.

`ast.parse` accepts some code that never runs: `compile()` rejects it later
(symbol-table, future-import and code-generation errors: `return` outside a
function, `nonlocal` at module level, a duplicate parameter, a late
`from __future__` import, too many nested blocks, ...). Such a file is
AIO001. Compiling every tree costs about 0.6x its parse, and almost every
tree compiles, so the engine's walk looks, at the node types those errors
are made of, for a shape that *could* be one (`suspect`); the tree is
compiled only when one is seen (and the compiler decides). Each test below
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

# The tests below were established against CPython 3.11's compiler.
GATED = sys.version_info[:2] == (3, 11)

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_UNITS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)
_STAR_LOAD_PARENTS = (ast.Call, ast.List, ast.Tuple, ast.Set)
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


def _parent(node):
    return getattr(node, "_al_parent", None)


def _in_body_of(child, fn) -> bool:
    """`child` (a direct child of a def or lambda) is its body, not a
    default, an annotation or a decorator (those run in the enclosing scope)."""
    if type(fn) is ast.Lambda:
        return child is fn.body
    return any(child is stmt for stmt in fn.body)


def _code_owner(node):
    """(the def, lambda or class whose code evaluates `node`, or the module;
    whether a comprehension lies between them)."""
    child, parent = node, _parent(node)
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
        child, parent = parent, _parent(parent)
    return child, through_comprehension


def _awaitable_here(node) -> bool:
    """`await` (or `yield`) is certainly allowed: evaluated by an `async def`'s
    own body, not through a comprehension, lambda or class."""
    owner, through = _code_owner(node)
    return type(owner) is ast.AsyncFunctionDef and not through


def _yield_allowed(node, t) -> bool:
    owner, through = _code_owner(node)
    if through:
        return False
    to = type(owner)
    if to is ast.FunctionDef or to is ast.Lambda:
        return True
    # In an `async def`, a `yield` makes an async generator: a `return` with
    # a value is then an error, which is left to the compiler.
    return False


def _loop_around(node) -> bool:
    """A `break`/`continue` statement is inside the body of a loop of its
    own code unit (a loop's `else` is outside that loop)."""
    child, parent = node, _parent(node)
    while parent is not None:
        t = type(parent)
        if t in _LOOPS:
            if any(child is stmt for stmt in parent.body):
                return True
        elif t in _UNITS or t is _TRY_STAR:
            return False
        child, parent = parent, _parent(parent)
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
        node = _parent(node)
    return total


def _future_in_place(node: ast.ImportFrom) -> bool:
    """A `from __future__ import` of known features, among the module's
    first statements (after at most a docstring and other future imports)."""
    if any(alias.name not in _FUTURE_FEATURES for alias in node.names):
        return False
    module = _parent(node)
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
    names = [a.arg for a in args.posonlyargs]
    names += [a.arg for a in args.args]
    names += [a.arg for a in args.kwonlyargs]
    if args.vararg is not None:
        names.append(args.vararg.arg)
    if args.kwarg is not None:
        names.append(args.kwarg.arg)
    return len(set(names)) != len(names)


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
    among them)."""
    if t is ast.Call:
        keywords = node.keywords
        return len(keywords) > 1 and duplicate_keywords(keywords)
    if t is ast.Return:
        return _statement_scope(ctx) != "function"
    if t is ast.Await:
        return not _awaitable_here(node)
    if t is ast.Yield or t is ast.YieldFrom:
        return not _yield_allowed(node, t)
    if t is ast.Break or t is ast.Continue:
        return not _loop_around(node)
    if t is ast.AsyncFor or t is ast.AsyncWith:
        scope = ctx.scopes[-1]
        return not (scope.kind == "function" and scope.is_async) or _blocks_around(node) >= _BLOCK_LIMIT
    if t is ast.Try:  # a bare `except:` must be the last handler
        return any(h.type is None for h in node.handlers[:-1]) or _blocks_around(node) >= _BLOCK_LIMIT
    if t in _BLOCKS or t is ast.With:
        return _blocks_around(node) >= _BLOCK_LIMIT
    if t is ast.FunctionDef or t is ast.AsyncFunctionDef or t is ast.Lambda:
        return _duplicate_parameters(node.args)
    if t is ast.ClassDef:
        return duplicate_keywords(node.keywords)
    if t is ast.ImportFrom:
        if node.module == "__future__":
            return not _future_in_place(node)
        return node.names[0].name == "*" and _statement_scope(ctx) != "module"
    if t is ast.Starred:
        return type(node.ctx) is not ast.Load or type(_parent(node)) not in _STAR_LOAD_PARENTS
    if t is ast.NamedExpr:  # the comprehension rules of assignment expressions
        return any(type(p) in _COMPREHENSIONS for p in _ancestors(node))
    if t is ast.comprehension:
        return node.is_async != 0
    # Global, Nonlocal, TryStar, Match: rare, with many rules of their own
    return True


def _ancestors(node):
    node = _parent(node)
    while node is not None:
        yield node
        node = _parent(node)


# The node types `suspect` looks at.
NODE_TYPES = frozenset({
    ast.Call, ast.Return, ast.Await, ast.Yield, ast.YieldFrom, ast.Break, ast.Continue, ast.AsyncFor, ast.AsyncWith,
    ast.For, ast.While, ast.With, ast.Try, ast.ExceptHandler, ast.FunctionDef, ast.AsyncFunctionDef,
    ast.Lambda, ast.ClassDef, ast.ImportFrom, ast.Starred, ast.NamedExpr, ast.comprehension,
    ast.Global, ast.Nonlocal, _TRY_STAR, ast.Match,
})
