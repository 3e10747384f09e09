"""Source text -> `ast.Module`, or a clear reason why not.

Wraps `ast.parse` so that every caller (engine, flake8 adapter) treats parse
failures the same way: a `ParseFailure` with a user-facing message and a
position, flagged `unsupported` when the file is valid for a newer Python than
the one running (see `asynclint.newsyntax`).
"""
from __future__ import annotations

import ast
import sys
import threading
import warnings
from typing import Optional, Tuple

from . import compiler_errors

try:  # position-preserving rewrites for syntax newer than this interpreter
    from . import newsyntax as _newsyntax
except ImportError:  # pragma: no cover - the module ships with the package
    _newsyntax = None


class ParseFailure(Exception):
    def __init__(self, message: str, line: int = 1, col: int = 1, unsupported: bool = False):
        super().__init__(message)
        self.message = message
        self.line = max(1, line or 1)
        self.col = max(1, col or 1)
        self.unsupported = unsupported


def _native(text: str, filename: str):
    """The tree when this interpreter both parses and compiles the text.

    Some errors CPython raises only when compiling (a late `from __future__`,
    `return` outside a function, duplicate argument names, `nonlocal` at
    module level): such a file never runs, so it is AIO001 like any syntax
    error, and `--fix` (which refuses files that do not parse) leaves it alone.
    The tree is compiled, not the text: no second parse. (None, the
    parser's error) when the text does not parse here (newer syntax is then
    tried)."""
    with warnings.catch_warnings():  # SyntaxWarnings are not ours to print
        warnings.simplefilter("ignore")
        try:
            tree = ast.parse(text, filename)
        except SyntaxError as exc:
            return None, exc
        compile(tree, filename, "exec", dont_inherit=True)
    return tree, None


def parse(text: str, filename: str) -> ast.Module:
    """The tree of text that this interpreter parses and compiles (or that
    the newer-syntax layer rewrites), else `ParseFailure`."""
    return _failing_clearly(_parse, text, filename)


def parse_unchecked(text: str, filename: str) -> Tuple[ast.Module, bool]:
    """(tree, compiled): like `parse`, except that a tree the native parser
    built is not always compiled. `compiled` False: the caller compiles it
    (`compile_check`) when its walk finds a shape the compiler may reject
    (`compiler_errors.suspect`). That holds only for a tree shallow enough
    for `compile()` (its conversion of the tree stops at the recursion
    limit): it is parsed under a lower limit, and a tree too deep for that
    is parsed and compiled again as `parse` does."""
    return _failing_clearly(_parse_unchecked, text, filename)


def compile_check(tree: ast.Module, filename: str) -> None:
    """Raise `ParseFailure` when CPython's compiler rejects the tree."""
    _failing_clearly(_compile, tree, filename)


def _parse(text: str, filename: str) -> ast.Module:
    tree, rejected = _native(text, filename)
    if tree is not None:
        return tree
    if _newsyntax is not None:
        return _newsyntax.parse(text, filename, rejected)
    return ast.parse(text, filename)


def _parse_unchecked(text: str, filename: str) -> Tuple[ast.Module, bool]:
    if compiler_errors.GATED and not compiler_errors.text_suspect(text) and threading.active_count() == 1:
        tree, rejected = _shallow(text, filename)
        if tree is not None:
            return tree, False
        if rejected is not None:  # newer syntax (or none): the parser's error is not the limit's
            if _newsyntax is not None:
                return _newsyntax.parse(text, filename, rejected), True
            raise rejected
    return _parse(text, filename), True


# `compile()` of a tree converts it node by node under the interpreter's
# recursion limit (one level per node of depth, on 3.11); `ast.parse` builds
# the tree under three levels per unit of that limit. Parsing under a third
# of the limit, less a margin for the frames between here and the caller's
# compile, accepts only trees that compile() can convert.
_DEPTH_MARGIN = 100


def _shallow(text: str, filename: str) -> Tuple[Optional[ast.Module], Optional[SyntaxError]]:
    """(the tree, None) when the text parses natively under a recursion
    limit lowered so that `compile()` can convert the tree (threads: only
    with one running, since the limit is the interpreter's); (None, the
    parser's error) when it does not parse; (None, None) when it is too
    deep for that or anything else went wrong (the caller then takes the
    usual path)."""
    limit = sys.getrecursionlimit()
    frame, depth = sys._getframe(), 0
    while frame is not None:
        depth += 1
        frame = frame.f_back
    low = (limit + 2 * depth - _DEPTH_MARGIN) // 3
    if low < depth + 50:
        return None, None
    with warnings.catch_warnings():  # SyntaxWarnings are not ours to print
        warnings.simplefilter("ignore")
        sys.setrecursionlimit(low)
        try:
            return ast.parse(text, filename), None
        except SyntaxError as exc:
            # Without its traceback: the traceback holds this frame, whose
            # caller's frame holds the error (a cycle that kept each such
            # file's tree alive until the cyclic collector ran).
            return None, exc.with_traceback(None)
        except (RecursionError, MemoryError, ValueError):
            return None, None
        finally:
            sys.setrecursionlimit(limit)


def _compile(tree: ast.Module, filename: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compile(tree, filename, "exec", dont_inherit=True)


def _failing_clearly(step, *args):
    try:
        return step(*args)
    except SyntaxError as exc:
        # Without its traceback: a frame in it may hold the error (the
        # parser's error handed to the newer-syntax layer and raised again)
        exc.__traceback__ = None
        raise ParseFailure(f"syntax error: {exc.msg}", exc.lineno or 1, exc.offset or 1) from None
    except RecursionError:
        raise ParseFailure("file is nested too deeply for Python's parser to analyse") from None
    except MemoryError:
        raise ParseFailure("file is too large or nested too deeply to parse") from None
    except ValueError as exc:  # e.g. NUL bytes on older Pythons
        raise ParseFailure(f"cannot parse: {exc}") from None
    except Exception as exc:  # newsyntax.UnsupportedSyntax and anything unexpected
        if _newsyntax is not None and isinstance(exc, getattr(_newsyntax, "UnsupportedSyntax", ())):
            raise ParseFailure(str(exc), getattr(exc, "lineno", 1), getattr(exc, "col", 1), unsupported=True) from None
        raise


def unsupported_reason(failure: ParseFailure) -> Optional[str]:
    return failure.message if failure.unsupported else None
