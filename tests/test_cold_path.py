"""The cold path's shortcuts change no finding: calls routed by callee name
reach their rules through aliases, the blocking family reports like its
rules one by one, and a file's data holds no reference cycle. Run the real
command on real files where a user would."""
from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from asynclint import __version__
from asynclint.config import Config
from asynclint.phase1 import Settings, analyse_path
from asynclint.rules import all_rules
from asynclint.walker import Walker


def _lint(tmp_path: Path, source: str, *options: str) -> list:
    target = tmp_path / "mod.py"
    target.write_text(textwrap.dedent(source), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "asynclint", "--no-cache", "--format", "json", *options, str(target)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    return [(d["code"], d["line"]) for d in json.loads(proc.stdout)]


def test_a_rule_declaring_callee_names_is_reached_through_an_alias(tmp_path):
    found = _lint(tmp_path, """\
        from asyncio import get_event_loop as current_loop
        import asyncio as aio

        gel = aio.get_event_loop


        async def handler():
            current_loop()
            gel()
            aio.get_event_loop()
        """, "--select", "AIO500")
    assert found == [("AIO500", 8), ("AIO500", 9), ("AIO500", 10)]


def test_the_blocking_family_reports_each_call_under_its_own_rule(tmp_path):
    source = """\
        import subprocess
        import time

        import requests


        async def handler():
            time.sleep(1)
            requests.get("https://example.com")
            subprocess.run(["ls"])
            open("f").read()
        """
    assert _lint(tmp_path, source) == [("AIO200", 8), ("AIO201", 9), ("AIO202", 10), ("AIO203", 11)]
    # a selection of some of the family: the others stay silent
    assert _lint(tmp_path, source, "--select", "AIO201,AIO203") == [("AIO201", 9), ("AIO203", 11)]
    assert _lint(tmp_path, source, "--ignore", "AIO200,AIO201,AIO202") == [("AIO203", 11)]


def test_version_answers(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "asynclint", "--version"], capture_output=True, text=True,
                          cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout == f"asynclint {__version__}\n"


def test_a_file_analysed_leaves_no_cyclic_garbage(tmp_path):
    """Its tree, context and summary are freed by reference counting: the
    cyclic collector finds nothing to collect after phase 1."""
    target = tmp_path / "mod.py"
    target.write_text(textwrap.dedent("""\
        import asyncio
        import time


        class Service:
            def __init__(self, loop):
                self.loop = loop

            async def run(self, items):
                for item in items:
                    time.sleep(0.1)
                    self.loop.call_soon(print, [x for x in item if x])
                    asyncio.ensure_future(self.step(item))
                    value = (lambda y: y + 1)(item)
                    yield value

            async def step(self, item):
                with open(item) as fh:
                    return fh.read()
        """), encoding="utf-8")
    assert _cyclic_garbage_of(target, analysed=True) == 0


@pytest.mark.parametrize("source", [
    "type Pairs = list[tuple[int, int]]\n\nasync def f(x: Pairs):\n    return x\n",  # the newer-syntax layer on 3.11
    "async def f(:\n    pass\n",  # AIO001
])
def test_a_file_the_native_parser_rejects_leaves_no_cyclic_garbage(tmp_path, source):
    """The parser's error handed to the newer-syntax layer (or reported)
    holds no frames: a traceback kept the caller's frame, which held the
    error and the file's tree, alive until the collector ran, and a run
    turns the collector off (`engine._collector_for_a_run`)."""
    target = tmp_path / "mod.py"
    target.write_text(source, encoding="utf-8")
    assert _cyclic_garbage_of(target) == 0


def _cyclic_garbage_of(target, analysed: bool = False) -> int:
    """What the cyclic collector finds after phase 1 of `target` (run once
    before, to build the lazily made tables) with its result dropped;
    `analysed`: the run must have found something."""
    config = Config()
    enabled = config.enabled_codes(all_rules())
    walker, settings = Walker(enabled), Settings(config, enabled)
    analyse_path(target, "mod", False, None, walker, settings)
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        result = analyse_path(target, "mod", False, None, walker, settings)
        assert not analysed or result.diagnostics or result.pendings
        del result
        return gc.collect()
    finally:
        if was_enabled:
            gc.enable()


def test_nodes_under_fields_that_may_hold_none_are_walked(tmp_path):
    """The walk links and pushes a list field's children in one go; fields
    whose lists may hold `None` (a `{**d}` key, a keyword-only parameter
    without a default) still have every node under them visited, in order,
    with their parents."""
    found = _lint(tmp_path, """\
        import time


        async def handler(base, *, flag, retries=3):
            merged = {**base, "slept": time.sleep(1)}
            later = lambda *, now, then=time.sleep(2): time.sleep(3)
            return merged, later, {**base}, {"a": 1, **base, "b": time.sleep(4)}
        """, "--select", "AIO200")
    # line 6: the lambda's default runs in `handler` (its body does not)
    assert found == [("AIO200", 5), ("AIO200", 6), ("AIO200", 7)]


@pytest.mark.parametrize("text", ["", "\n", "x = 1", "x = 1\n", "x = 1\n\n", "a\r\nb\n", "a\rb", "a\fb\n"])
def test_the_text_phase1_hands_the_context_is_its_lines_joined(text):
    # phase 1 gives the context its text without joining the lines again
    from asynclint.phase1 import _joined, source_lines
    lines = source_lines(text)
    joined = _joined(text, lines)
    assert joined is None or joined == "\n".join(lines)


def test_a_noqa_is_found_with_the_text_handed_over(tmp_path):
    found = _lint(tmp_path, """\
        import time


        async def handler():
            time.sleep(1)  # noqa: AIO200
            time.sleep(2)
        """, "--select", "AIO200")
    assert found == [("AIO200", 6)]


@pytest.mark.parametrize("expr", [
    "f", "a.b.c", "super().__init__", "self.loop().close", "f()()", "a.b().c().d",
    # the shapes left to `ast.unparse`
    "f(x).g", "a[0].b", "(a or b).c", "f(*args).g", "f(k=1).g", "'x'.join", "(1).real",
])
def test_message_text_of_a_callee_is_that_of_ast_unparse(expr):
    import ast

    from asynclint.rules._text import source, unparse
    node = ast.parse(expr, mode="eval").body
    assert unparse(node) == ast.unparse(node)
    long = ast.parse("a" * 40 + "." + "b" * 40, mode="eval").body
    assert source(long) == ast.unparse(long)[:57] + "..."


def test_assignments_reach_aio208_only_when_no_blocking_family_notes_them(tmp_path):
    import ast
    family = Walker(all_rules())
    assert [r.code for r in family.dispatch[ast.Assign] if r.code.startswith("AIO2")] == [
        "AIO200+AIO201+AIO202+AIO203+AIO204+AIO205+AIO206+AIO207"]
    alone = Walker(["AIO208"])
    assert [r.code for r in alone.dispatch[ast.Assign]] == ["AIO208"]
    # the same findings either way
    source = """\
        import sqlite3


        class Store:
            def __init__(self):
                self.db = sqlite3.connect("x.db")

            def load(self):
                return self.db.execute("select 1")

            async def handler(self):
                return self.load()
        """
    assert _lint(tmp_path, source, "--select", "AIO208") == _lint(tmp_path, source) == [("AIO208", 9)]


def test_a_folder_s_real_path_is_found_from_its_parent_s(tmp_path):
    from asynclint.rules._blocking import _real_folder
    real = tmp_path / "real" / "tests"
    (real / "sub").mkdir(parents=True)
    (tmp_path / "link").symlink_to(real)
    (tmp_path / "real" / "up").symlink_to("../real/tests")  # a relative link
    for folder in (real / "sub", tmp_path / "link" / "sub", tmp_path / "real" / "up" / "sub",
                   tmp_path / "link" / "missing" / "deeper"):
        assert _real_folder(str(folder)) == os.path.realpath(folder)


def test_a_file_s_kind_is_decided_by_its_folders_and_its_own_name():
    from asynclint.rules._blocking import _kind
    patterns = ("evals", "/tools/*/", "", "bench*")
    assert _kind(("pkg", "tests", "unit"), "helpers.py", patterns) == "test"
    assert _kind(("evals", "tests"), "run.py", patterns) == "test"  # tests win over tooling
    assert _kind(("pkg",), "conftest.py", patterns) == "test"
    assert _kind(("pkg",), "api_test.py", patterns) == "test"
    assert _kind(("pkg", "evals"), "suite.py", patterns) == "tooling"
    assert _kind(("pkg",), "bench_io.py", patterns) == "tooling"  # the file's own name
    assert _kind(("tools", "release"), "x.py", patterns) == "tooling"  # a path from the root
    assert _kind(("tools",), "release.py", patterns) == "tooling"
    assert _kind(("pkg", "tools"), "release.py", patterns) == "code"
    assert _kind(("pkg",), "evals.py", patterns) == "code"


def test_start_up_function_patterns_match_as_fnmatch_does_each():
    import fnmatch
    from asynclint.index.startup import Startup
    patterns = ["lifespan", "*_lifespan", "Application.init_*", "Application.start", ".x", "a.b.c", "[ab]?c*"]
    startup = Startup(None, patterns, [], text="")

    def one_by_one(name, bases):
        return any((not dot or base in bases) and fnmatch.fnmatchcase(name, pattern)
                   for base, dot, pattern in (p.rpartition(".") for p in patterns))

    for name in ("lifespan", "app_lifespan", "init_x", "start", "x", "c", "abc", "bcd", "Lifespan", "init"):
        for bases in ((), ("Application",), (None, "B"), ("a.b",), ("",)):
            assert startup._named(name, bases) == one_by_one(name, bases), (name, bases)



@pytest.mark.parametrize("text", ["", "isinstance", "a\nisinstance(x, C) and isinstance(y, D)\n\nxisinstancex\nisinstanc\n",
                                  "\n\nisinstance\n"])
def test_the_lines_spelling_a_word_are_found_in_the_joined_text(text):
    from asynclint.index.blocking import _lines_spelling
    lines = text.split("\n")
    assert _lines_spelling(text, "isinstance") == [n for n, line in enumerate(lines, 1) if "isinstance" in line]


def test_a_call_rule_declaring_file_words_sees_no_call_of_a_file_without_them(monkeypatch):
    from asynclint.phase1 import analyse_text
    rule = all_rules()["AIO209"]
    seen = []
    check = type(rule).check
    monkeypatch.setattr(type(rule), "check", lambda self, node, ctx: (seen.append(node), check(self, node, ctx)))
    walker = Walker(["AIO209", "AIO102"])
    settings = Settings(Config(), frozenset({"AIO209", "AIO102"}))
    without = "import logging\nlog = logging.getLogger(__name__)\nlog.info('x', {'class': 1})\n"
    analyse_text(without, "m", False, "m.py", walker, settings)
    assert seen == []
    with_handler = ("import logging.handlers\nh = logging.handlers.SMTPHandler('m', 'a', ['b'], 's')\n"
                    "config = {'class': 'logging.handlers.HTTPHandler'}\n")
    result = analyse_text(with_handler, "m", False, "m.py", walker, settings)
    assert len(seen) == 2 and [p.code for p in result.pendings] == ["AIO209", "AIO209"]
    seen.clear()
    analyse_text(without, "m", False, "m.py", walker, settings)  # the walker's dispatch without it, kept
    assert seen == []


_TABLE_CASES = {
    "plain": "def f(self, q):\n    self.x = {}\n    if q:\n        self.x = dict()\n    for k in q:\n        y = k\n",
    "docstring": 'def f(self):\n    """Wait for x := 1,\n    for ever."""\n    self.x = {}\n',
    "comprehension": "def f(self, q):\n    self.x = {}\n    return [1 for self.x in q]\n",
    "comprehension on a loop line": "def f(self, q):\n    self.x = {}\n    for k in [x for x in q]:\n        y = k\n",
    "comprehension after the docstring": 'def f(q):\n    """Doc."""; y = [1 for y in q]\n    y = {}\n',
    "walrus": "def f(q):\n    y = {}\n    if (y := q):\n        pass\n",
    "walrus in a decorator": "@d(y := 1)\ndef f(q):\n    y = {}\n",
    "nested def": "def f(q):\n    y = {}\n    def g():\n        for y in q:\n            pass\n",
    "no space before the for": "def f(q):\n    y = {}\n    return [(1)for y in q]\n",
}


@pytest.mark.parametrize("name", sorted(_TABLE_CASES))
def test_a_function_s_assignment_table_from_its_statements_is_the_whole_walk_s(name):
    import ast
    from asynclint.index import local_types
    source = _TABLE_CASES[name]
    fn = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef) and n.name == "f")
    whole = local_types._assignment_table(fn)
    assert local_types._table_of(fn, source.split("\n")) == whole
    quick = local_types._statement_table(fn, source.split("\n"))
    # the text decides: only a function without expressions that bind is read from its statements
    assert (quick is not None) == (name in ("plain", "docstring"))


def test_a_function_without_its_position_takes_the_whole_walk_for_its_table():
    # a rebuilt tree's node may lack its position: the text then says nothing
    import ast
    from asynclint.index import local_types
    source = _TABLE_CASES["docstring"]
    fn = ast.parse(source).body[0]
    del fn.lineno, fn.body[0].lineno
    assert local_types._table_of(fn, source.split("\n")) == local_types._assignment_table(fn)
