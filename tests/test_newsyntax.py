"""Tests for asynclint.newsyntax: newer syntax parsed on older interpreters.

Trees are compared node by node with ``ast.parse`` run by a newer Python in
a subprocess (found on PATH as python3.12/3.13/3.14 or under
/root/.pyenv/versions/3.1[2-4]*/bin/python3); those tests skip, naming what
was searched, when none is found.
"""
from __future__ import annotations

import ast
import functools
import glob
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from asynclint import newsyntax
from asynclint.newsyntax import UnsupportedSyntax

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures" / "newsyntax"
DUMPER = HERE / "newsyntax_dump.py"
sys.path.insert(0, str(HERE))
from newsyntax_dump import dump  # noqa: E402

SEARCHED = "PATH python3.12, python3.13, python3.14 and /root/.pyenv/versions/3.1[2-4]*/bin/python3"


@functools.lru_cache(maxsize=None)
def interpreters() -> dict:
    """{(major, minor): path} of newer interpreters found."""
    candidates = [shutil.which(f"python3.{m}") for m in (12, 13, 14)]
    candidates += sorted(glob.glob("/root/.pyenv/versions/3.1[2-4]*/bin/python3"))
    found = {}
    for exe in filter(None, candidates):
        try:
            out = subprocess.run(
                [exe, "-c", "import sys; print(*sys.version_info[:2])"],
                capture_output=True, text=True, timeout=10,
            ).stdout.split()
        except (OSError, subprocess.SubprocessError):
            continue
        if len(out) == 2:
            found.setdefault((int(out[0]), int(out[1])), exe)
    return found


def newest(at_least: tuple) -> tuple:
    """(version, path) of the newest interpreter >= at_least, or skip."""
    ok = {v: p for v, p in interpreters().items() if v >= at_least}
    if not ok:
        pytest.skip(f"no Python >= {at_least[0]}.{at_least[1]} found (searched {SEARCHED})")
    v = max(ok)
    return v, ok[v]


@functools.lru_cache(maxsize=None)
def reference_dumps(exe: str) -> dict:
    """ast.parse positions of every fixture as seen by interpreter `exe`."""
    files = sorted(str(p) for p in FIXTURES.glob("*.py"))
    out = subprocess.run([exe, str(DUMPER), *files], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return {Path(f).name: json.loads(line) for f, line in zip(files, out.stdout.splitlines())}


def read(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def without_312_quirk(rows: list) -> list:
    # 3.12.x adds a zero-width empty Constant after a format spec ending in a
    # field; 3.13 (the layout newsyntax builds) does not.
    return [r for r in rows if not (r[0] == "Constant" and r[1:3] == r[3:5] and r[5:] == ["''"])]


NEWER_FIXTURES = [
    ("py312_type_params.py", (3, 12)),
    ("py312_fstrings.py", (3, 12)),
    ("py313_defaults.py", (3, 13)),
    ("py314_except_tstrings.py", (3, 14)),
]


@pytest.mark.parametrize("name,version", NEWER_FIXTURES)
def test_fixture_is_newer_syntax(name, version):
    """The fixture really needs `version` (else the comparison proves nothing)."""
    src = read(name)
    if sys.version_info[:2] < version:
        with pytest.raises(SyntaxError):
            ast.parse(src)
    older = {v: p for v, p in interpreters().items() if v < version}
    if older:
        exe = older[max(older)]
        got = reference_dumps(exe)[name]
        assert isinstance(got, dict) and "error" in got, f"{exe} parses {name}"


@pytest.mark.parametrize("name,version", NEWER_FIXTURES)
def test_positions_match_newer_python(name, version):
    v, exe = newest(version)
    ref = reference_dumps(exe)[name]
    assert not (isinstance(ref, dict) and "error" in ref), f"{exe}: {ref}"
    mine = dump(newsyntax.parse(read(name), name))
    if v < (3, 13):
        ref, mine = without_312_quirk(ref), without_312_quirk(mine)
    assert len(mine) == len(ref)
    for got, want in zip(mine, ref):
        assert got == want


def test_312_fixture_also_matches_312():
    """Same comparison with 3.12 itself (modulo its format-spec quirk)."""
    exe = interpreters().get((3, 12))
    if exe is None:
        pytest.skip(f"no Python 3.12 found (searched {SEARCHED})")
    for name in ("py312_type_params.py", "py312_fstrings.py"):
        ref = without_312_quirk(reference_dumps(exe)[name])
        assert without_312_quirk(dump(newsyntax.parse(read(name), name))) == ref


# --------------------------------------------------------------------------
# shape of the rewritten trees (independent of a newer interpreter)


def test_type_alias_binds_name_and_spans_statement():
    tree = newsyntax.parse("import x\n    \ntype Pair[T] = tuple[T, T]\nif x: type A = int; type B = str\n")
    stmts = [tree.body[1], *tree.body[2].body]
    assert [type(s).__name__ for s in stmts] == ["Assign", "Assign", "Assign"]
    pair = stmts[0]
    assert isinstance(pair.targets[0], ast.Name) and pair.targets[0].id == "Pair"
    assert isinstance(pair.targets[0].ctx, ast.Store)
    assert (pair.lineno, pair.col_offset, pair.end_lineno, pair.end_col_offset) == (3, 0, 3, 26)
    assert (pair.targets[0].col_offset, pair.value.col_offset) == (5, 15)
    assert [s.targets[0].id for s in stmts[1:]] == ["A", "B"]
    assert (stmts[1].col_offset, stmts[2].col_offset) == (6, 20)


def test_generic_async_def_keeps_body():
    src = "async def f[T: int, *Ts, **P](x: T) -> T:\n    await g(x)\n"
    fn = newsyntax.parse(src).body[0]
    assert isinstance(fn, ast.AsyncFunctionDef) and fn.name == "f"
    call = fn.body[0].value.value
    assert (call.lineno, call.col_offset, call.end_col_offset) == (2, 10, 14)


def test_except_tuple_and_template_strings_shape():
    tree = newsyntax.parse(read("py314_except_tstrings.py"))
    handlers = [n for n in ast.walk(tree) if isinstance(n, ast.ExceptHandler)]
    first = handlers[0].type
    assert isinstance(first, ast.Tuple) and [ast.unparse(e) for e in first.elts] == [
        "TimeoutError", "asyncio.CancelledError"]
    assert (first.lineno, first.col_offset, first.end_lineno, first.end_col_offset) == (13, 11, 13, 47)
    third = handlers[2].type
    assert (third.lineno, third.col_offset, third.end_lineno, third.end_col_offset) == (21, 11, 22, 23)
    assert len(third.elts) == 3
    templates = [n for n in ast.walk(tree) if isinstance(n, newsyntax.TemplateStr)]
    assert len(templates) == 2
    interp = templates[0].values[1]
    assert isinstance(interp, newsyntax.Interpolation)
    assert (interp.str, interp.conversion) == ("name", ord("r"))
    assert (interp.value.lineno, interp.value.col_offset) == (25, 24)
    assert isinstance(interp.format_spec, ast.JoinedStr)
    # the async code inside is all there
    awaits = [n for n in ast.walk(tree) if isinstance(n, ast.Await)]
    assert len(awaits) == 4


def test_valid_file_costs_nothing(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("rewriter used for a file that parses")

    monkeypatch.setattr(newsyntax, "_Rewriter", boom)
    src = "async def f():\n    await g(f'{x!r}')\n"
    assert ast.dump(newsyntax.parse(src), include_attributes=True) == ast.dump(
        ast.parse(src), include_attributes=True)


# --------------------------------------------------------------------------
# broken files versus newer files


def original_error(src: str, filename: str) -> SyntaxError:
    with pytest.raises(SyntaxError) as info:
        ast.parse(src, filename)
    return info.value


def same_error(got: SyntaxError, want: SyntaxError) -> None:
    assert not isinstance(got, UnsupportedSyntax)
    assert (got.msg, got.lineno, got.offset, got.end_lineno, got.end_offset, got.filename) == (
        want.msg, want.lineno, want.offset, want.end_lineno, want.end_offset, want.filename)


def test_plain_typo_gives_original_error():
    src = read("broken_typo.py")
    with pytest.raises(SyntaxError) as info:
        newsyntax.parse(src, "broken_typo.py")
    same_error(info.value, original_error(src, "broken_typo.py"))


def test_typo_plus_newer_syntax_gives_original_error_with_note():
    src = read("broken_typo_with_type_alias.py")
    with pytest.raises(SyntaxError) as info:
        newsyntax.parse(src, "f.py")
    same_error(info.value, original_error(src, "f.py"))
    if sys.version_info < (3, 12):
        assert "line 8" in " ".join(getattr(info.value, "__notes__", []))


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="3.12 parses it natively")
def test_unrewritable_construct_raises_unsupported():
    src = read("unsupported_blank_line_in_type_params.py")
    with pytest.raises(UnsupportedSyntax) as info:
        newsyntax.parse(src, "u.py")
    err = info.value
    assert err.construct == "type parameter list spanning lines"
    assert err.needs == (3, 12)
    assert (err.lineno, err.col) == (4, 8)
    assert str(err) == (
        "type parameter list spanning lines needs Python 3.12; run asynclint under Python >= 3.12")


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="3.12 parses it natively")
def test_unrewritable_construct_advice_covers_whole_file():
    src = read("unsupported_blank_line_in_type_params.py") + "x = t'{1}'\n"
    with pytest.raises(UnsupportedSyntax) as info:
        newsyntax.parse(src)
    assert info.value.needs == (3, 14) and info.value.own_needs == (3, 12)
    assert str(info.value).endswith("run asynclint under Python >= 3.14")


def test_unrewritable_construct_plus_typo_gives_original_error():
    src = read("unsupported_blank_line_in_type_params.py") + "x = = 1\n"
    with pytest.raises(SyntaxError) as info:
        newsyntax.parse(src, "u.py")
    same_error(info.value, original_error(src, "u.py"))


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="needs an interpreter without PEP 695")
def test_describe_newer_syntax():
    src = "import x\ntype A = int\n"
    err = original_error(src, "<unknown>")
    desc = newsyntax.describe_newer_syntax(err, src)
    assert (desc.construct, desc.needs, desc.lineno, desc.col) == ("type alias statement", (3, 12), 2, 1)
    assert newsyntax.describe_newer_syntax(original_error("x = = 1\n", "<unknown>"), "x = = 1\n") is None


@pytest.mark.parametrize(
    "src",
    [
        "def f[T(x): pass\n",  # unbalanced
        "type X[T] = \n",  # no value
        "x = f'{a!z}'\ntype A = int\n",  # bad conversion
        "x = f'{'\ntype A = int\n",  # unterminated
        "except A, B as e:\n    pass\n",
    ],
)
def test_broken_newer_looking_files_give_original_error(src):
    with pytest.raises(SyntaxError) as info:
        newsyntax.parse(src)
    same_error(info.value, original_error(src, "<unknown>"))


def test_positions_are_utf8_byte_offsets():
    src = "type Ä = 'é'\ndef ü[Tü](x='ß'): return x\n"
    tree = newsyntax.parse(src)
    fn = tree.body[1]
    default = fn.args.defaults[0]
    # "def ü[Tü](x=" is 12 characters, 14 UTF-8 bytes; "'ß'" is 4 bytes
    assert (default.col_offset, default.end_col_offset) == (14, 18)
    assert tree.body[0].targets[0].end_col_offset == 7
