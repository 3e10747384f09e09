"""The fast path of asynclint.newsyntax (3.11) against the full rewrite.

The fast path finds `type X = ...` and `def f[T]` / `class C[T]` by regular
expressions and rebuilds f-strings from the tree; it must give exactly the
tree (every node, position and value, and the `type_params` kept for the
index) or the error that the full rewrite gives, and hand over to the full
rewrite whenever a match may sit in a string or a comment.  The whole-corpus
version of this comparison is `benchmarks/newsyntax_corpus.py --check`.
"""
from __future__ import annotations

import ast
import sys

import pytest

from asynclint import newsyntax

pytestmark = pytest.mark.skipif(sys.version_info >= (3, 12), reason="the fast path serves 3.11 only")


def outcome(src: str):
    try:
        tree = newsyntax.parse(src, "f.py")
    except newsyntax.UnsupportedSyntax as e:
        return ("unsupported", str(e), e.lineno, e.col)
    except SyntaxError as e:
        return ("error", e.msg, e.lineno, e.offset)
    rows = [ast.dump(tree, include_attributes=True)]
    for node in ast.walk(tree):
        params = getattr(node, "type_params", None)
        if params is not None:
            rows.append((node.lineno, node.name,
                         [(t.name, t.bound and ast.dump(t.bound, include_attributes=True)) for t in params]))
    return rows


def full_rewrite(src: str, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(newsyntax, "_fast_parse", lambda *a: None)
        return outcome(src)


TAKEN = {
    "alias": "type X = int\n",
    "generic alias": "type L[T] = list[T]\ntype M[K, V: (int, str)] = dict[K, V]\n",
    "generic def and class": "class C[T](Base[T]):\n    def m[S](self, s: S) -> T: ...\n"
                             "async def g[**P, *Ts](*a: *Ts) -> None:\n    await h()\n",
    "nested statements": "class C:\n    type A = int\n    def f(self):\n        type B = str\n"
                         "try:\n    pass\nexcept E:\n    type D = int\nelse:\n    type F = int\n"
                         "match x:\n    case 1:\n        type G = int\n",
    "params spanning lines": "def f[\n    T: int,  # a comment [ with brackets\n    U,\n](x: T) -> U: ...\n",
    "nested f-strings 3.11 reads": "type A = int\nx = f'{\"a\" + f\"{y}\"}'\n",
    "f-strings everywhere": "@dec(f\"{x}\" 'y'\n     f'{z!r:>{w}}')\ndef f[T](x: T) -> T:\n"
                            "    return f\"{d['k']!r} {f'{y}'} {x=}\"\n"
                            "type A = Annotated[int, f'x{y}']\nz = rf'\\d{n}' F'{a:{b}.{c}}'\n",
    "utf-8 columns": "type Ä = 'é'\ndef ü[Tü](x=f'ß{y}'): return f'{x}ü{x!s}'\n",
    "type as a name": "type = 1\nprint(type(x))\ndef type_of[T](x): ...\n",
}

HANDED_OVER = {  # the fast path cannot vouch for these: the full rewrite decides
    "alias text in a docstring": '"""\ntype X = int\n"""\ntype Y = str\n',
    "generic text in a comment": "# class Foo[T]: ...\ntype Y = str\n",
    "string in the parameter list": "def f[T: 'Foo'](x): ...\n",
    "alias after a semicolon": "x = 1; type A = int\n",
    "alias after a colon": "if x: type A = int\n",
    "CRLF line ends": "type A = int\r\nx = f'{y}'\r\n",
    "blank line in a parameter list": "def f[\n\n    T](x): ...\n",
    "PEP 701 f-string": "type A = int\nx = f'{'a' + f'{y}'}'\n",
    "typo elsewhere": "type A = int\nx = = 1\n",
    "def inside a longer name": "type A = int\nundef f[T]\n",
    "alias text in a continued line": "x = 1 \\\ntype A = int\n",
}


@pytest.mark.parametrize("name", sorted(TAKEN))
def test_fast_path_serves_and_matches_full_rewrite(name, monkeypatch):
    src = TAKEN[name]
    assert newsyntax._fast_parse(src, "f.py") is not None
    assert outcome(src) == full_rewrite(src, monkeypatch)


@pytest.mark.parametrize("name", sorted(HANDED_OVER))
def test_fast_path_hands_over_and_result_is_unchanged(name, monkeypatch):
    src = HANDED_OVER[name]
    assert newsyntax._fast_parse(src, "f.py") is None
    assert outcome(src) == full_rewrite(src, monkeypatch)


def test_fast_path_keeps_type_params_for_the_index():
    tree = newsyntax.parse("class C[T: int, *Ts]:\n    async def m[S: (str, bytes)](self): ...\n")
    cls = tree.body[0]
    assert [(t.name, ast.unparse(t.bound) if t.bound else None) for t in cls.type_params] == [("T", "int")]
    meth = cls.body[0]
    assert isinstance(meth, ast.AsyncFunctionDef)
    assert [(t.name, ast.unparse(t.bound)) for t in meth.type_params] == [("S", "(str, bytes)")]
