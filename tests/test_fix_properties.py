"""Property-based tests of --fix: random modules made of fixture snippets
(and of AIO400 statement templates), in random encodings, BOMs and line
endings. Whatever the module, --fix --unsafe-fixes must give code that
parses, keeps every comment and every unrelated line, keeps the file's
encoding, BOM and line endings, finds nothing new on re-checking, and changes
nothing when run again; --diff must write nothing."""
from __future__ import annotations

import ast
import contextlib
import io
import json
import re
import tempfile
from collections import Counter
from pathlib import Path
from typing import List, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asynclint.cli import main as cli_main

from .harness import FIXTURES, fixed_pairs, python_files, rule_folders

PROPERTY_SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                             suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def run(args: List[str], cwd: Path) -> Tuple[int, str]:
    """The command, in this process (fast), from `cwd`."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()), _chdir(cwd):
        code = cli_main(["--isolated", "--no-cache", "--jobs", "1", *args])
    return code, out.getvalue()


@contextlib.contextmanager
def _chdir(path: Path):
    import os

    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


# -- module shapes -------------------------------------------------------------------------
FORMATS = st.tuples(st.sampled_from(["\n", "\r\n"]), st.booleans(), st.sampled_from(["utf-8", "latin-1"]))


def encode(text: str, newline: str, bom: bool, encoding: str) -> bytes:
    if encoding == "latin-1":
        text = "# -*- coding: latin-1 -*-\n" + text
        bom = False  # a BOM means UTF-8
    data = text.replace("\n", newline).encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def snippets_of(path: Path) -> Tuple[List[str], List[str]]:
    """(import lines, other top-level statements' source) of a fixture file."""
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    imports, others = [], []
    for node in tree.body:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        source = "".join(lines[start - 1:node.end_lineno])
        (imports if isinstance(node, (ast.Import, ast.ImportFrom)) else others).append(source)
    return imports, others


CODES_WITH_FIXES = [c for c in rule_folders() if fixed_pairs(FIXTURES / c)]


def fixture_module(code: str):
    """A module made of the fixture snippets of one rule: all its files'
    imports, then a random selection of their other top-level statements."""
    imports: List[str] = []
    pieces: List[str] = []
    for path in python_files(FIXTURES / code):
        if path.parent != FIXTURES / code:
            continue  # packages need their siblings
        imp, other = snippets_of(path)
        imports += [i for i in imp if i not in imports]
        pieces += other
    future = [i for i in imports if "__future__" in i]
    rest = [i for i in imports if "__future__" not in i]
    return st.lists(st.sampled_from(pieces), min_size=1, max_size=6).map(
        lambda chosen: "".join(future + rest) + "\n\n" + "\n\n".join(p.rstrip("\n") + "\n" for p in chosen))


def non_ascii_ok(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def check_fix_properties(tmp: Path, data: bytes, code: str, newline: str, bom: bool, encoding: str,
                         all_fixed: bool = False) -> None:
    path = tmp / "m.py"
    path.write_bytes(data)
    # --diff writes nothing
    diff_exit, diff_out = run(["--select", code, "--diff", "--unsafe-fixes", "m.py"], tmp)
    assert path.read_bytes() == data
    before_exit, before_out = run(["--select", code, "--format", "json", "m.py"], tmp)
    before = json.loads(before_out)
    fix_exit, fix_out = run(["--select", code, "--format", "json", "--fix", "--unsafe-fixes", "m.py"], tmp)
    remaining = json.loads(fix_out)
    fixed = path.read_bytes()
    assert (diff_exit == 1) == (fixed != data) and (fixed == data) == (diff_out == "")
    assert fix_exit == (1 if remaining else 0)
    if all_fixed:
        assert remaining == [], remaining
    # encoding, BOM and line endings kept
    assert fixed.startswith(b"\xef\xbb\xbf") == data.startswith(b"\xef\xbb\xbf")
    text = fixed.decode("utf-8-sig" if bom else encoding)
    if newline == "\r\n":
        assert text.count("\n") == text.count("\r\n")
    else:
        assert "\r" not in text
    # it parses, and every comment and every unrelated line is still there
    compile(fixed, "m.py", "exec")
    original = data.decode("utf-8-sig" if bom else encoding)
    flagged = {n for d in before for n in range(d["line"], d["end_line"] + 1)}
    # (import lines may gain a name: `from asyncio import get_event_loop, get_running_loop`)
    old_lines = Counter(line for n, line in enumerate(original.splitlines(), 1)
                        if n not in flagged and not line.startswith(("import ", "from ")))
    new_lines = Counter(fixed.decode("utf-8-sig" if bom else encoding).splitlines())
    assert not (old_lines - new_lines), old_lines - new_lines
    comments = lambda t: Counter(re.findall(r"#[^\n\r]*", t))
    assert not (comments(original) - comments(text))
    # re-checking finds exactly what --fix said remains, nothing new
    after = json.loads(run(["--select", code, "--format", "json", "m.py"], tmp)[1])
    key = lambda d: (d["line"], d["column"], d["code"], d["message"])
    assert sorted(map(key, after)) == sorted(map(key, remaining))
    assert not (Counter(d["message"] for d in after) - Counter(d["message"] for d in before))
    assert len(after) <= len(before)
    # a second --fix changes nothing
    again_exit, _ = run(["--select", code, "--format", "json", "--fix", "--unsafe-fixes", "m.py"], tmp)
    assert path.read_bytes() == fixed and again_exit == fix_exit


@pytest.mark.parametrize("code", CODES_WITH_FIXES)
def test_fixture_snippets_combined(code):
    @PROPERTY_SETTINGS
    @given(text=fixture_module(code), fmt=FORMATS)
    def prop(text, fmt):
        newline, bom, encoding = fmt
        if not non_ascii_ok(text, encoding):
            encoding = "utf-8"
        with tempfile.TemporaryDirectory() as tmp:
            check_fix_properties(Path(tmp), encode(text, newline, bom, encoding), code, newline,
                                 bom and encoding == "utf-8", encoding)

    prop()


# -- AIO400 statement templates -------------------------------------------------------------
HEADERS = [
    ("import asyncio\n", "asyncio"),
    ("import asyncio as aio\n", "aio"),
    ('"""Module docstring."""\nfrom __future__ import annotations\n\n# imports\nimport asyncio\nimport time\n', "asyncio"),
    ("import time\nimport asyncio\nfrom asyncio import TaskGroup\n", "asyncio"),
]
STATEMENTS = [
    "{A}.create_task(job())  # fire and forget",
    "{A}.ensure_future(job())",
    "loop.create_task(job())",
    "x = 1; {A}.create_task(job()); y = 2",
    "if flag: {A}.create_task(job())",
    "{A}.create_task(\n        job(),  # the coroutine\n    )",
    "task = {A}.create_task(job())",
    "await {A}.sleep(0)",
    "# a comment line",
    "async with {A}.TaskGroup() as tg:\n        {A}.create_task(job())\n        tg.create_task(job())",
    "_task = 5",
    "_background_tasks = None",
    "for _ in range(2):\n        {A}.create_task(job())",
    "text = 'é ü'",
    "pass",
]


@st.composite
def aio400_module(draw):
    header, alias = draw(st.sampled_from(HEADERS))
    parts = [header, "\n\nasync def job():\n    pass\n"]
    for i in range(draw(st.integers(1, 4))):
        body = draw(st.lists(st.sampled_from(STATEMENTS), min_size=1, max_size=6))
        lines = "\n".join("    " + s.format(A=alias) for s in body)
        parts.append(f"\n\nasync def f{i}(loop, flag):\n{lines}\n    pass\n")
    if draw(st.booleans()):
        parts.append("\n\ndef sync_start(loop):\n    loop.create_task(job())  # from sync code\n")
    return "".join(parts)


@PROPERTY_SETTINGS
@given(text=aio400_module(), fmt=FORMATS)
def test_aio400_random_modules(text, fmt):
    newline, bom, encoding = fmt
    with tempfile.TemporaryDirectory() as tmp:
        check_fix_properties(Path(tmp), encode(text, newline, bom, encoding), "AIO400", newline,
                             bom and encoding == "utf-8", encoding, all_fixed=True)


# -- every kind, through the test-only rule of tests/fix_rules.py ---------------------------
KIND_STATEMENTS = [
    "work()  # insert-await",
    "if flag: work()",
    "time.sleep(0.1)",
    "value = [time.sleep(0) for _ in range(2)]",
    "x = requests.get(url, timeout=5)",
    "blocking(*args)",
    "blocking(\n        1,  # first\n        2,\n    )",
    "loop.call_soon(print, 1)",
    "get_event_loop()",
    "fut.set_result(1)",
    "outer(inner(2))",
    "y = time.sleep(0).real",
    "# a comment line",
    "text = 'é ü'",
    "pass",
]
KIND_HEADERS = [
    "import asyncio\nimport time\n\nimport requests\nfrom asyncio import get_event_loop\n",
    '"""Doc."""\nimport time\nfrom asyncio import get_event_loop\nimport requests\n',
    "import asyncio as aio\nimport time, requests\nfrom asyncio import (\n    get_event_loop,\n)\n",
]


@st.composite
def kinds_module(draw):
    parts = [draw(st.sampled_from(KIND_HEADERS))]
    for i in range(draw(st.integers(1, 3))):
        body = draw(st.lists(st.sampled_from(KIND_STATEMENTS), min_size=1, max_size=7))
        parts.append(f"\n\nasync def f{i}(loop, fut, url, flag, *args):\n" + "\n".join("    " + s for s in body) + "\n    pass\n")
    return "".join(parts)


@PROPERTY_SETTINGS
@given(text=kinds_module(), fmt=FORMATS)
def test_every_kind_in_random_modules(text, fmt):
    from .fix_rules import installed

    newline, bom, encoding = fmt
    with installed(), tempfile.TemporaryDirectory() as tmp:
        check_fix_properties(Path(tmp), encode(text, newline, bom, encoding), "AIO990", newline,
                             bom and encoding == "utf-8", encoding, all_fixed=True)
