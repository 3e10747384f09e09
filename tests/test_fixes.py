"""The fix machinery: each kind on real snippets, the guarantees (formatting,
idempotence, atomic writes keeping encoding/BOM/line endings/mode, unparsable
files untouched, overlapping fixes over rounds), and the command's --fix,
--unsafe-fixes, --diff and --show-fixes."""
from __future__ import annotations

import ast
import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from asynclint import fixes
from asynclint.diagnostics import Applicability, Diagnostic, Fix
from asynclint.engine import lint_source
from asynclint.fixes import transforms
from asynclint.fixes.apply import apply_fixes
from asynclint.fixes.files import atomic_write, source_of
from asynclint.fixes.runner import fix_text
from asynclint.positions import char_col

from .fix_rules import installed
from .harness import ROOT, run_cli

SAFE, UNSAFE = Applicability.SAFE, Applicability.UNSAFE


def diag_for(src: str, callee: str, data: tuple, applicability=SAFE, nth: int = 0) -> Diagnostic:
    """A finding on the `nth` call of `callee` (its source text), as a rule
    would report it (character columns)."""
    lines = src.splitlines()
    calls = [n for n in ast.walk(ast.parse(src)) if isinstance(n, ast.Call) and ast.unparse(n.func) == callee]
    calls.sort(key=lambda n: (n.lineno, n.col_offset))
    node = calls[nth]
    return Diagnostic(path="t.py", line=node.lineno, col=char_col(lines, node.lineno, node.col_offset),
                      end_line=node.end_lineno, end_col=char_col(lines, node.end_lineno, node.end_col_offset),
                      code="AIO990", message="m", fix=Fix("d", applicability, data))


def fix1(src: str, callee: str, data: tuple, nth: int = 0) -> str:
    src = textwrap.dedent(src)
    applicability = UNSAFE if data[0] in ("keep-task-reference", "to-thread", "threadsafe-call") else SAFE
    return apply_fixes(src, [diag_for(src, callee, data, applicability, nth=nth)]).text


def d(text: str) -> str:
    return textwrap.dedent(text)


# -- each kind -------------------------------------------------------------------
KIND_CASES = [
    # insert-await: an expression statement in an async def body
    ("insert-await", "work", ("insert-await",),
     "async def f():\n    work(1)  # keep me\n", "async def f():\n    await work(1)  # keep me\n"),
    ("insert-await-parens", "work", ("insert-await",),
     "async def f():\n    (work(\n        1))\n", "async def f():\n    (await work(\n        1))\n"),
    ("insert-await-method", "self.work", ("insert-await",),
     "class C:\n    async def f(self):\n        self.work()\n", "class C:\n    async def f(self):\n        await self.work()\n"),
    ("insert-await-sync-def", "work", ("insert-await",), "def f():\n    work()\n", None),
    ("insert-await-nested-def", "work", ("insert-await",),
     "async def f():\n    def g():\n        work()\n    g()\n", None),
    ("insert-await-lambda", "work", ("insert-await",), "async def f():\n    g = lambda: work()\n", None),
    ("insert-await-not-statement", "work", ("insert-await",), "async def f():\n    x = work()\n", None),
    ("insert-await-module", "work", ("insert-await",), "work()\n", None),
    # asyncio-sleep
    ("sleep-nested-default", "time.sleep", ("asyncio-sleep",),  # the default runs in `f`
     "import asyncio\nimport time\n\n\nasync def f():\n    def g(x=time.sleep(1)):\n        return x\n",
     "import asyncio\nimport time\n\n\nasync def f():\n    def g(x=await asyncio.sleep(1)):\n        return x\n"),
    ("sleep-async-def-default", "time.sleep", ("asyncio-sleep",),  # runs at module level
     "import asyncio\nimport time\n\n\nasync def f(x=time.sleep(1)):\n    return x\n", None),
    ("sleep-annotation", "time.sleep", ("asyncio-sleep",),  # an annotation may not await
     "from __future__ import annotations\nimport asyncio\nimport time\n\n\nasync def f():\n"
     "    def g() -> time.sleep(1):\n        pass\n", None),
    ("sleep", "time.sleep", ("asyncio-sleep",),
     "import asyncio\nimport time\n\n\nasync def f():\n    time.sleep(0.5)  # wait\n",
     "import asyncio\nimport time\n\n\nasync def f():\n    await asyncio.sleep(0.5)  # wait\n"),
    ("sleep-alias", "pause", ("asyncio-sleep",),
     "import asyncio as aio\nfrom time import sleep as pause\n\n\nasync def f(n):\n    pause(n * 2)\n",
     "import asyncio as aio\nfrom time import sleep as pause\n\n\nasync def f(n):\n    await aio.sleep(n * 2)\n"),
    ("sleep-adds-import", "time.sleep", ("asyncio-sleep",),
     '"""Doc."""\nfrom __future__ import annotations\n\n# stdlib\nimport time\n\n\nasync def f():\n    time.sleep(1)\n',
     '"""Doc."""\nfrom __future__ import annotations\n\n# stdlib\nimport asyncio\nimport time\n\n\nasync def f():\n'
     '    await asyncio.sleep(1)\n'),
    ("sleep-adds-import-no-imports", "sleep", ("asyncio-sleep",),
     "async def f(sleep):\n    sleep(1)\n", None),  # `sleep` is a parameter here: fine, but asyncio import is added
    ("sleep-in-expression", "time.sleep", ("asyncio-sleep",),
     "import asyncio, time\nasync def f():\n    x = time.sleep(1).real\n",
     "import asyncio, time\nasync def f():\n    x = (await asyncio.sleep(1)).real\n"),
    ("sleep-list-comprehension", "time.sleep", ("asyncio-sleep",),
     "import asyncio, time\nasync def f():\n    [time.sleep(1) for _ in range(2)]\n",
     "import asyncio, time\nasync def f():\n    [await asyncio.sleep(1) for _ in range(2)]\n"),
    ("sleep-generator", "time.sleep", ("asyncio-sleep",),
     "import asyncio, time\nasync def f():\n    any(time.sleep(1) for _ in range(2))\n", None),
    ("sleep-shadowed-asyncio", "time.sleep", ("asyncio-sleep",),
     "import asyncio, time\nasync def f(asyncio):\n    time.sleep(1)\n", None),
    ("sleep-asyncio-read-as-a-value", "time.sleep", ("asyncio-sleep",),
     "import asyncio, time\nOK = hasattr(asyncio, 'TaskGroup')\nasync def f(x):\n    (x.a, x[0]) = asyncio, 1\n    time.sleep(1)\n",
     "import asyncio, time\nOK = hasattr(asyncio, 'TaskGroup')\nasync def f(x):\n    (x.a, x[0]) = asyncio, 1\n"
     "    await asyncio.sleep(1)\n"),
    ("sleep-asyncio-bound-in-a-loop", "time.sleep", ("asyncio-sleep",),
     "import asyncio, time\nasync def f(mods):\n    for asyncio in mods:\n        time.sleep(1)\n", None),
    ("sleep-asyncio-except-as", "time.sleep", ("asyncio-sleep",),
     "import asyncio, time\ntry:\n    pass\nexcept Exception as asyncio:\n    pass\nasync def f():\n    time.sleep(1)\n", None),
    ("sleep-asyncio-is-something-else", "time.sleep", ("asyncio-sleep",),
     "import time\nasyncio = None\nasync def f():\n    time.sleep(1)\n", None),
    ("sleep-local-import-of-asyncio", "time.sleep", ("asyncio-sleep",),
     "import time\nasync def f():\n    time.sleep(1)\n    import asyncio\n", None),
    ("sleep-keyword", "time.sleep", ("asyncio-sleep",), "import asyncio, time\nasync def f():\n    time.sleep(secs=1)\n", None),
    ("sleep-already-awaited", "time.sleep", ("asyncio-sleep",),
     "import asyncio, time\nasync def f():\n    await time.sleep(1)\n", None),
    ("sleep-sync", "time.sleep", ("asyncio-sleep",), "import asyncio, time\ndef f():\n    time.sleep(1)\n", None),
    # to-thread
    ("to-thread", "requests.get", ("to-thread",),
     "import asyncio\nasync def f(url):\n    r = requests.get(url, timeout=5)\n",
     "import asyncio\nasync def f(url):\n    r = await asyncio.to_thread(requests.get, url, timeout=5)\n"),
    ("to-thread-star", "blocking", ("to-thread",),
     "import asyncio\nasync def f(*a, **k):\n    blocking(*a, **k)\n",
     "import asyncio\nasync def f(*a, **k):\n    await asyncio.to_thread(blocking, *a, **k)\n"),
    ("to-thread-no-args", "blocking", ("to-thread",),
     "import asyncio\nasync def f():\n    return blocking()\n",
     "import asyncio\nasync def f():\n    return await asyncio.to_thread(blocking)\n"),
    ("to-thread-method", "self.conn.execute", ("to-thread",),
     "import asyncio\nclass C:\n    async def f(self, q):\n        self.conn.execute(q)\n",
     "import asyncio\nclass C:\n    async def f(self, q):\n        await asyncio.to_thread(self.conn.execute, q)\n"),
    ("to-thread-call-result", "blocking", ("to-thread",),
     "import asyncio\nasync def f():\n    blocking()()\n",
     "import asyncio\nasync def f():\n    (await asyncio.to_thread(blocking))()\n"),
    ("to-thread-lambda", "blocking", ("to-thread",), "import asyncio\nasync def f():\n    g = lambda: blocking()\n", None),
    # rename-call
    ("rename-attr", "loop.call_soon", ("rename-call", "call_soon_threadsafe"),
     "def cb(loop):\n    loop.call_soon(print, 1)  # from a thread\n",
     "def cb(loop):\n    loop.call_soon_threadsafe(print, 1)  # from a thread\n"),
    ("rename-get-event-loop", "asyncio.get_event_loop", ("rename-call", "get_running_loop"),
     "import asyncio\nasync def f():\n    loop = asyncio.get_event_loop()\n",
     "import asyncio\nasync def f():\n    loop = asyncio.get_running_loop()\n"),
    ("rename-bare-adds-import", "get_event_loop", ("rename-call", "get_running_loop"),
     "from asyncio import get_event_loop\nasync def f():\n    loop = get_event_loop()\n",
     "from asyncio import get_event_loop, get_running_loop\nasync def f():\n    loop = get_running_loop()\n"),
    ("rename-bare-reuses-import", "gel", ("rename-call", "get_running_loop"),
     "from asyncio import (\n    get_event_loop as gel,\n    get_running_loop as grl,\n)\nasync def f():\n    gel()\n",
     "from asyncio import (\n    get_event_loop as gel,\n    get_running_loop as grl,\n)\nasync def f():\n    grl()\n"),
    ("rename-bare-parenthesized-import", "get_event_loop", ("rename-call", "get_running_loop"),
     "from asyncio import (\n    sleep,\n    get_event_loop,\n)\nasync def f():\n    get_event_loop()\n",
     "from asyncio import (\n    sleep,\n    get_event_loop, get_running_loop,\n)\nasync def f():\n    get_running_loop()\n"),
    ("rename-bare-local-function", "get_event_loop", ("rename-call", "get_running_loop"),
     "def get_event_loop():\n    pass\nget_event_loop()\n", None),
    ("rename-bad-name", "loop.call_soon", ("rename-call", "not valid"), "loop.call_soon(f)\n", None),
    # threadsafe-call
    ("threadsafe", "fut.set_result", ("threadsafe-call", "loop"),
     "def done(loop, fut, v):\n    fut.set_result(v)\n",
     "def done(loop, fut, v):\n    loop.call_soon_threadsafe(fut.set_result, v)\n"),
    ("threadsafe-attr-loop", "self.future.set_exception", ("threadsafe-call", "self._loop"),
     "class W:\n    def run(self):\n        self.future.set_exception(ValueError('x'))\n",
     "class W:\n    def run(self):\n        self._loop.call_soon_threadsafe(self.future.set_exception, ValueError('x'))\n"),
    ("threadsafe-keywords", "fut.set_result", ("threadsafe-call", "loop"), "fut.set_result(result=1)\n", None),
    ("threadsafe-not-statement", "fut.set_result", ("threadsafe-call", "loop"), "x = fut.set_result(1)\n", None),
    ("threadsafe-bad-loop", "fut.set_result", ("threadsafe-call", "loop("), "fut.set_result(1)\n", None),
    # keep-task-reference
    ("task-group", "asyncio.create_task", ("keep-task-reference",),
     "import asyncio\nasync def f():\n    async with asyncio.TaskGroup() as tg:\n        asyncio.create_task(job())\n",
     "import asyncio\nasync def f():\n    async with asyncio.TaskGroup() as tg:\n        tg.create_task(job())\n"),
    ("task-group-not-asyncio", "asyncio.create_task", ("keep-task-reference",),
     "import asyncio\nfrom mylib import TaskGroup\nasync def f():\n    async with TaskGroup() as tg:\n"
     "        asyncio.create_task(job())\n",
     "import asyncio\nfrom mylib import TaskGroup\n\n_background_tasks: set[asyncio.Task] = set()\n\n"
     "async def f():\n    async with TaskGroup() as tg:\n        _task = asyncio.create_task(job())\n"
     "        _background_tasks.add(_task)\n        _task.add_done_callback(_background_tasks.discard)\n"),
    ("background-reuses-set", "asyncio.create_task", ("keep-task-reference",),
     "import asyncio\n\n_background_tasks: set[asyncio.Task] = set()\n\nasync def f():\n    asyncio.create_task(job())\n",
     "import asyncio\n\n_background_tasks: set[asyncio.Task] = set()\n\nasync def f():\n"
     "    _task = asyncio.create_task(job())\n    _background_tasks.add(_task)\n"
     "    _task.add_done_callback(_background_tasks.discard)\n"),
    ("background-fresh-names", "loop.create_task", ("keep-task-reference",),
     "import asyncio\n_background_tasks = []\ndef f(loop, _task):\n    loop.create_task(job())\n",
     "import asyncio\n\n_background_tasks_1: set[asyncio.Task] = set()\n\n_background_tasks = []\ndef f(loop, _task):\n"
     "    _task_1 = loop.create_task(job())\n    _background_tasks_1.add(_task_1)\n"
     "    _task_1.add_done_callback(_background_tasks_1.discard)\n"),
    ("background-semicolons", "asyncio.create_task", ("keep-task-reference",),
     "import asyncio\nasync def f(x):\n    if x: asyncio.create_task(job())\n",
     "import asyncio\n\n_background_tasks: set[asyncio.Task] = set()\n\nasync def f(x):\n"
     "    if x: _task = asyncio.create_task(job()); _background_tasks.add(_task); "
     "_task.add_done_callback(_background_tasks.discard)\n"),
    ("background-before-asyncio-import", "spawn", ("keep-task-reference",),
     "from asyncio import create_task as spawn\nspawn(job())\nimport asyncio\n", None),
    ("background-class-body", "asyncio.create_task", ("keep-task-reference",),
     "import asyncio\nclass C:\n    asyncio.create_task(job())\n", None),
    ("background-not-statement", "asyncio.create_task", ("keep-task-reference",),
     "import asyncio\nasync def f():\n    return asyncio.create_task(job())\n", None),
    ("background-bound-name", "asyncio.create_task", ("keep-task-reference",),
     "import asyncio\n\n\nasync def f():\n    task = asyncio.create_task(job())  # noqa: F841\n    return 1\n",
     "import asyncio\n\n_background_tasks: set[asyncio.Task] = set()\n\n\nasync def f():\n"
     "    task = asyncio.create_task(job())  # noqa: F841\n    _background_tasks.add(task)\n"
     "    task.add_done_callback(_background_tasks.discard)\n    return 1\n"),
    ("background-annotated-name", "asyncio.create_task", ("keep-task-reference",),
     "import asyncio\nasync def f():\n    t: asyncio.Task = asyncio.create_task(job()); x = 1\n",
     "import asyncio\n\n_background_tasks: set[asyncio.Task] = set()\n\nasync def f():\n"
     "    t: asyncio.Task = asyncio.create_task(job()); _background_tasks.add(t); "
     "t.add_done_callback(_background_tasks.discard); x = 1\n"),
    ("background-tuple-target", "asyncio.create_task", ("keep-task-reference",),
     "import asyncio\nasync def f():\n    a, b = asyncio.create_task(job()), 1\n", None),
    ("task-group-bound-name", "asyncio.create_task", ("keep-task-reference",),
     "import asyncio\nasync def f():\n    async with asyncio.TaskGroup() as tg:\n        t = asyncio.create_task(job())\n",
     "import asyncio\nasync def f():\n    async with asyncio.TaskGroup() as tg:\n        t = tg.create_task(job())\n"),
]


@pytest.mark.parametrize("name,callee,data,before,after", KIND_CASES, ids=[c[0] for c in KIND_CASES])
def test_kind(name, callee, data, before, after):
    got = fix1(before, callee, data)
    if name == "sleep-adds-import-no-imports":
        after = "import asyncio\n\nasync def f(sleep):\n    await asyncio.sleep(1)\n"
    assert got == (before if after is None else after)
    compile(got, "t.py", "exec")


def test_safe_task_reference_fix_is_never_the_unsafe_form():
    src = "import asyncio\nasync def f():\n    asyncio.create_task(job())\n"
    diag = diag_for(src, "asyncio.create_task", ("keep-task-reference",), applicability=SAFE)
    assert apply_fixes(src, [diag]).text == src
    diag = diag_for(src, "asyncio.create_task", ("keep-task-reference",), applicability=UNSAFE)
    assert "_background_tasks.add(_task)" in apply_fixes(src, [diag]).text


def test_every_kind_has_a_transform():
    assert set(transforms.TRANSFORMS) == fixes.KINDS
    assert {c[2][0] for c in KIND_CASES} == fixes.KINDS


def test_unknown_kind_and_missing_node_are_declined():
    src = "import asyncio\nasync def f():\n    work()\n"
    good = diag_for(src, "work", ("insert-await",))
    unknown = Diagnostic(**{**good.__dict__, "fix": Fix("d", SAFE, ("no-such-kind",))})
    elsewhere = Diagnostic(**{**good.__dict__, "line": 1, "col": 1})
    assert not fixes.is_applicable(unknown, True)
    result = apply_fixes(src, [elsewhere])
    assert result.text == src and not result.applied and result.declined == [elsewhere]


def test_columns_are_characters_not_bytes():
    src = 'import asyncio, time\nasync def f():\n    x = ("é€", time.sleep(1))\n'
    assert fix1(src, "time.sleep", ("asyncio-sleep",)) == src.replace("time.sleep(1)", "await asyncio.sleep(1)")


def test_tabs_and_unicode_indentation():
    src = "import asyncio\nasync def f():\n\tif 1:\n\t\twork()  # é\n"
    assert fix1(src, "work", ("insert-await",)) == src.replace("work()", "await work()")


def test_libcst_parses_python_312_syntax():
    import libcst as cst

    src = 'type Alias[T] = list[T]\ndef f[T](x: T) -> T:\n    return f"{"nested"}"\n'
    assert cst.parse_module(src).code == src


def _parses_312() -> bool:
    from asynclint.parsing import ParseFailure, parse

    try:
        parse("type Alias[T] = list[T]\n", "t.py")
    except ParseFailure:
        return False
    return True


@pytest.mark.skipif(not _parses_312(), reason="the check cannot parse Python 3.12 syntax on this interpreter")
def test_python_312_syntax_is_fixed():
    src = 'import asyncio\ntype Alias[T] = list[T]\nasync def f[T](x: T):\n    work(f"{"nested"}")\n'
    with installed():
        found = lint_source(src, enabled=["AIO990"])
        out = fix_text(source_of(src.encode()), found, True, lambda t: lint_source(t, enabled=["AIO990"]))
    assert out.new_text == src.replace("work(", "await work(") and out.remaining == []


def test_formatting_and_comments_are_untouched():
    src = d('''\
        #!/usr/bin/env python
        # A header comment.
        import asyncio   # two spaces too many
        import time


        async def main( a,b ):   # odd spacing
            x = [1,2 ,
                 3]   # continuation
            time.sleep( 1 )   # the call to fix
            # a comment line
            y = {  'k' :  x }
            return y  ;  pass
        ''')
    got = fix1(src, "time.sleep", ("asyncio-sleep",))
    old, new = src.splitlines(), got.splitlines()
    changed = [(a, b) for a, b in zip(old, new) if a != b]
    assert len(old) == len(new)
    assert changed == [("    time.sleep( 1 )   # the call to fix", "    await asyncio.sleep( 1 )   # the call to fix")]


def test_overlapping_fixes_take_several_rounds():
    src = "import asyncio\nasync def f():\n    outer(inner(1))\n"
    first = apply_fixes(src, [diag_for(src, "outer", ("to-thread",)), diag_for(src, "inner", ("to-thread",))])
    assert first.text == "import asyncio\nasync def f():\n    await asyncio.to_thread(outer, inner(1))\n"
    assert len(first.applied) == 1
    with installed():
        out = fix_text(source_of(src.encode()), lint_source(src, enabled=["AIO990"]), True,
                       lambda t: lint_source(t, enabled=["AIO990"]))
    assert out.new_text == "import asyncio\nasync def f():\n    await asyncio.to_thread(outer, await asyncio.to_thread(inner, 1))\n"
    assert len(out.applied) == 2 and out.remaining == []


def test_rounds_are_bounded():
    """A (broken) rule whose fix never satisfies it: the loop stops."""
    src = "def f(loop):\n    loop.a()\n"
    calls = []

    def recheck(text):
        calls.append(text)
        name = "b" if "loop.a(" in text else "a"
        return [diag_for(text, f"loop.{'a' if name == 'b' else 'b'}", ("rename-call", name))]

    out = fix_text(source_of(src.encode()), recheck(src), True, recheck)
    assert len(calls) == fixes.MAX_PASSES + 1
    assert out.new_text in ("def f(loop):\n    loop.a()\n", "def f(loop):\n    loop.b()\n")


def test_unparsable_text_is_never_touched():
    src = "async def f(:\n    work()\n"
    diag = Diagnostic(path="t.py", line=2, col=5, end_line=2, end_col=11, code="AIO990", message="m",
                      fix=Fix("d", SAFE, ("insert-await",)))
    out = fix_text(source_of(src.encode()), [diag], True, lambda t: [diag])
    assert out.new_text == src and not out.applied and out.error


def test_a_transform_that_breaks_the_code_is_dropped(monkeypatch):
    import libcst as cst

    src = "import asyncio\nasync def f():\n    work()\n    other()\n"
    # a transform whose result does not parse: `x := 1` as a statement
    walrus = cst.NamedExpr(target=cst.Name("x"), value=cst.Integer("1"))
    monkeypatch.setitem(transforms.TRANSFORMS, "to-thread", lambda site: site.plan(site.call, walrus))
    good = diag_for(src, "work", ("insert-await",))
    bad = diag_for(src, "other", ("to-thread",))
    result = apply_fixes(src, [good, bad])
    assert result.text == "import asyncio\nasync def f():\n    await work()\n    other()\n"
    assert result.applied == [good] and bad in result.declined


# -- files: encoding, BOM, line endings, mode, atomicity ----------------------------------
def _fix_bytes(data: bytes, callee: str, data_kind: tuple) -> bytes:
    source = source_of(data)
    diag = diag_for(source.text, callee, data_kind, UNSAFE)
    out = fix_text(source, [diag], True, lambda t: [])
    return out.new_bytes()


def test_latin1_file_stays_latin1():
    data = "# -*- coding: latin-1 -*-\nimport asyncio, time\nasync def f():\n    s = 'café'\n    time.sleep(1)\n".encode("latin-1")
    out = _fix_bytes(data, "time.sleep", ("asyncio-sleep",))
    assert out == data.replace(b"time.sleep(1)", b"await asyncio.sleep(1)")
    assert b"caf\xe9" in out


def test_bom_is_kept():
    data = b"\xef\xbb\xbfimport asyncio, time\nasync def f():\n    time.sleep(1)\n"
    out = _fix_bytes(data, "time.sleep", ("asyncio-sleep",))
    assert out == data.replace(b"time.sleep(1)", b"await asyncio.sleep(1)")


def test_crlf_is_kept_also_on_inserted_lines():
    data = b"import asyncio\r\n\r\n\r\nasync def f():\r\n    asyncio.create_task(job())\r\n"
    out = _fix_bytes(data, "asyncio.create_task", ("keep-task-reference",))
    assert b"_background_tasks.add(_task)" in out
    assert out.count(b"\n") == out.count(b"\r\n") and out.count(b"\n") > data.count(b"\n")


def test_text_that_does_not_fit_the_encoding_is_not_written():
    data = "# coding: ascii\nimport time\nasync def f():\n    time.sleep(1)\n".encode("ascii")
    source = source_of(data)
    # pretend a fix brought in a non-ASCII character
    out = fix_text(source, [diag_for(source.text, "time.sleep", ("asyncio-sleep",))], True, lambda t: [])
    assert out.new_bytes().decode("ascii")
    with pytest.raises(UnicodeEncodeError):
        source.encode("é")


def test_atomic_write_keeps_mode_and_symlink_and_leaves_no_temp(tmp_path):
    real = tmp_path / "real.py"
    real.write_bytes(b"old\n")
    os.chmod(real, 0o640)
    link = tmp_path / "link.py"
    link.symlink_to(real)
    atomic_write(link, b"new\n")
    assert link.is_symlink() and real.read_bytes() == b"new\n"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.py", "real.py"]


def test_atomic_write_failure_leaves_the_file_intact(tmp_path, monkeypatch):
    target = tmp_path / "m.py"
    target.write_bytes(b"old\n")

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        atomic_write(target, b"new\n")
    assert target.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["m.py"]


# -- the command ------------------------------------------------------------------------
AIO400_SRC = d('''\
    import asyncio


    async def job():
        await asyncio.sleep(0)


    async def main():
        asyncio.create_task(job())  # fire and forget
        async with asyncio.TaskGroup() as tg:
            asyncio.create_task(job())
    ''')


def _cli(tmp_path, *args, stdin=b""):
    return run_cli(["--isolated", "--no-cache", *args], tmp_path, stdin=stdin)


def _cli_test_rules(tmp_path, *args):
    env = {"PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "tests.fix_rules", "--isolated", "--no-cache", *args], cwd=tmp_path,
                          capture_output=True, env={**os.environ, **env}, timeout=120)


def test_fix_applies_safe_fixes_only_and_exits_1_when_findings_remain(tmp_path):
    (tmp_path / "m.py").write_text(AIO400_SRC)
    proc = _cli(tmp_path, "--select", "AIO400", "--fix", "m.py")
    assert proc.returncode == 1, proc.stderr
    text = (tmp_path / "m.py").read_text()
    assert "tg.create_task(job())" in text and "asyncio.create_task(job())  # fire and forget" in text
    assert proc.stdout.decode().startswith("m.py:9:5: AIO400")
    assert "fixed 1 finding" in proc.stderr.decode() and "1 more with --unsafe-fixes" in proc.stderr.decode()


def test_fix_with_unsafe_fixes_everything_and_exits_0(tmp_path):
    (tmp_path / "m.py").write_text(AIO400_SRC)
    proc = _cli(tmp_path, "--select", "AIO400", "--fix", "--unsafe-fixes", "--show-fixes", "m.py")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    assert "m.py:9:5: AIO400 fixed: keep a reference" in out
    assert "m.py:11:9: AIO400 fixed: create the task on the task group `tg`" in out
    assert "_background_tasks.add(_task)" in (tmp_path / "m.py").read_text()
    again = _cli(tmp_path, "--select", "AIO400", "--fix", "--unsafe-fixes", "m.py")
    assert again.returncode == 0 and "fixed 0 findings" in again.stderr.decode()


def test_diff_writes_nothing_and_exits_1_when_there_are_changes(tmp_path):
    (tmp_path / "m.py").write_text(AIO400_SRC)
    proc = _cli(tmp_path, "--select", "AIO400", "--diff", "m.py")
    assert proc.returncode == 1
    assert (tmp_path / "m.py").read_text() == AIO400_SRC
    assert proc.stdout.decode().splitlines()[:2] == ["--- m.py", "+++ m.py"]
    assert "-        asyncio.create_task(job())\n+        tg.create_task(job())\n" in proc.stdout.decode()
    patched = tmp_path / "patched"
    patched.mkdir()
    (patched / "m.py").write_text(AIO400_SRC)
    if shutil.which("patch"):
        subprocess.run(["patch", "-s", "-p0"], input=proc.stdout, cwd=patched, check=True)
        _cli(tmp_path, "--select", "AIO400", "--fix", "m.py")
        assert (patched / "m.py").read_text() == (tmp_path / "m.py").read_text()


def test_diff_marks_a_missing_final_newline():
    from asynclint.fixes.command import unified_diff

    out = unified_diff("m.py", "a\nb", "a\nc")
    assert out.endswith("-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n")


def test_diff_of_standard_input(tmp_path):
    proc = _cli(tmp_path, "--select", "AIO400", "--diff", "--stdin-filename", "app.py", "-", stdin=AIO400_SRC.encode())
    assert proc.returncode == 1
    assert proc.stdout.decode().startswith("--- app.py\n+++ app.py\n")


def test_diff_exits_0_without_changes(tmp_path):
    (tmp_path / "m.py").write_text("import asyncio\n")
    proc = _cli(tmp_path, "--select", "AIO400", "--diff", "m.py")
    assert proc.returncode == 0 and proc.stdout == b""


def test_json_and_sarif_carry_the_fix(tmp_path):
    (tmp_path / "m.py").write_text(AIO400_SRC)
    found = json.loads(_cli(tmp_path, "--select", "AIO400", "--format", "json", "m.py").stdout)
    assert {f["fix"]["applicability"] for f in found} == {"safe", "unsafe"}
    sarif = json.loads(_cli(tmp_path, "--select", "AIO400", "--format", "sarif", "m.py").stdout)
    results = sarif["runs"][0]["results"]
    assert all(r["properties"]["fix"]["description"] for r in results)


def test_json_fix_output_is_the_remaining_findings(tmp_path):
    (tmp_path / "m.py").write_text(AIO400_SRC)
    proc = _cli(tmp_path, "--select", "AIO400", "--format", "json", "--fix", "--show-fixes", "m.py")
    remaining = json.loads(proc.stdout)
    assert [(f["line"], f["fix"]["applicability"]) for f in remaining] == [(9, "unsafe")]
    assert "AIO400 fixed:" in proc.stderr.decode()


def test_stdin_fix_prints_the_fixed_source(tmp_path):
    proc = _cli(tmp_path, "--select", "AIO400", "--fix", "--unsafe-fixes", "-", stdin=AIO400_SRC.encode())
    assert proc.returncode == 0
    assert b"tg.create_task(job())" in proc.stdout and b"_background_tasks" in proc.stdout


def test_broken_file_is_untouched_by_fix(tmp_path):
    (tmp_path / "ok.py").write_text(AIO400_SRC)
    (tmp_path / "broken.py").write_bytes(b"import asyncio\nasyncio.create_task(job(\n")
    proc = _cli(tmp_path, "--select", "AIO001,AIO400", "--fix", "--unsafe-fixes", ".")
    assert proc.returncode == 1
    assert (tmp_path / "broken.py").read_bytes() == b"import asyncio\nasyncio.create_task(job(\n"
    assert "AIO001" in proc.stdout.decode() and "_background_tasks" in (tmp_path / "ok.py").read_text()


def test_fix_keeps_file_mode_crlf_and_encoding_through_the_command(tmp_path):
    data = ("# -*- coding: latin-1 -*-\r\nimport asyncio\r\n\r\nasync def main():\r\n    s = 'é'\r\n"
            "    asyncio.create_task(main())\r\n").encode("latin-1")
    path = tmp_path / "m.py"
    path.write_bytes(data)
    os.chmod(path, 0o754)
    proc = _cli(tmp_path, "--select", "AIO400", "--fix", "--unsafe-fixes", "m.py")
    assert proc.returncode == 0, proc.stderr
    out = path.read_bytes()
    assert stat.S_IMODE(path.stat().st_mode) == 0o754
    assert b"'\xe9'" in out and out.count(b"\n") == out.count(b"\r\n")
    assert b"_task.add_done_callback(_background_tasks.discard)\r\n" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.py"]


def test_every_kind_through_the_command(tmp_path):
    src = d('''\
        import asyncio
        import time
        from asyncio import get_event_loop


        async def main(loop, fut, url):
            work()
            time.sleep(1)
            data = requests.get(url, timeout=5)
            loop.call_soon(print, data)
            get_event_loop()
            fut.set_result(data)
            outer(inner(1))
        ''')
    (tmp_path / "k.py").write_text(src)
    safe = _cli_test_rules(tmp_path, "--select", "AIO990", "--fix", "k.py")
    assert safe.returncode == 1, safe.stderr  # the unsafe ones remain
    proc = _cli_test_rules(tmp_path, "--select", "AIO990", "--fix", "--unsafe-fixes", "--show-fixes", "k.py")
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    assert (tmp_path / "k.py").read_text() == d('''\
        import asyncio
        import time
        from asyncio import get_event_loop, get_running_loop


        async def main(loop, fut, url):
            await work()
            await asyncio.sleep(1)
            data = await asyncio.to_thread(requests.get, url, timeout=5)
            loop.call_soon_threadsafe(print, data)
            get_running_loop()
            loop.call_soon_threadsafe(fut.set_result, data)
            await asyncio.to_thread(outer, await asyncio.to_thread(inner, 1))
        ''')
    again = _cli_test_rules(tmp_path, "--select", "AIO990", "--fix", "--unsafe-fixes", "k.py")
    assert again.returncode == 0 and "fixed 0 findings" in again.stderr.decode()


def test_rules_command_shows_fixability():
    proc = run_cli(["rules"], ROOT)
    line = next(l for l in proc.stdout.decode().splitlines() if l.startswith("AIO400"))
    assert "fix: sometimes (unsafe)" in line


# -- libcst stays out of the check path --------------------------------------------------
PROBE = ("import sys\nfrom asynclint.cli import main\ncode = main(sys.argv[1:])\n"
         "sys.stdout.write('\\nLIBCST=%s\\n' % ('libcst' in sys.modules))\n")


def _libcst_loaded(tmp_path, *args) -> bool:
    proc = subprocess.run([sys.executable, "-c", PROBE, "--isolated", "--no-cache", "--jobs", "1", *args],
                          cwd=tmp_path, capture_output=True, timeout=120)
    return proc.stdout.decode().strip().splitlines()[-1] == "LIBCST=True"


def test_check_path_does_not_import_libcst(tmp_path):
    (tmp_path / "m.py").write_text(AIO400_SRC)
    (tmp_path / "clean.py").write_text("import asyncio\n")
    assert not _libcst_loaded(tmp_path, "m.py")
    assert not _libcst_loaded(tmp_path, "--format", "json", "m.py")
    assert not _libcst_loaded(tmp_path, "--fix", "clean.py")  # nothing to fix
    assert not _libcst_loaded(tmp_path, "--fix", "--select", "AIO001", "m.py")
    assert _libcst_loaded(tmp_path, "--fix", "--diff", "m.py")


# -- a real package ------------------------------------------------------------------------
def test_fix_on_a_copy_of_a_real_package(tmp_path):
    """The standard library's asyncio package, copied: every file still
    compiles after --fix --unsafe-fixes, and findings only shrink."""
    source = Path(os.path.dirname(ast.__file__)) / "asyncio"
    target = tmp_path / "pkg" / "asyncio"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    # a few findings of our own, so that the run has something to fix
    (target / "zz_fixme.py").write_text(AIO400_SRC)
    before = json.loads(_cli(tmp_path, "--format", "json", "pkg").stdout)
    proc = _cli(tmp_path, "--format", "json", "--fix", "--unsafe-fixes", "pkg")
    assert proc.returncode in (0, 1), proc.stderr
    for path in target.rglob("*.py"):
        compile(path.read_bytes(), str(path), "exec")
    after = json.loads(_cli(tmp_path, "--format", "json", "pkg").stdout)
    count = lambda found: __import__("collections").Counter((f["path"], f["code"]) for f in found)
    assert not (count(after) - count(before)), count(after) - count(before)
    assert len(after) < len(before)
    assert sorted((f["path"], f["line"], f["code"]) for f in after) == \
        sorted((f["path"], f["line"], f["code"]) for f in json.loads(proc.stdout))
