"""Source text -> `ast.Module`, or a clear reason why not.

Wraps `ast.parse` so that every caller (engine, flake8 adapter) treats parse
failures the same way: a `ParseFailure` with a user-facing message and a
position, flagged `unsupported` when the file is valid for a newer Python than
the one running (see `asynclint.newsyntax`).
"""
from __future__ import annotations

import ast
import warnings
from typing import Optional

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
    try:
        tree, rejected = _native(text, filename)
        if tree is not None:
            return tree
        if _newsyntax is not None:
            return _newsyntax.parse(text, filename, rejected)
        return ast.parse(text, filename)
    except SyntaxError as exc:
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
