"""The index facts the AIO4xx/AIO5xx rules add: ModuleSummary.runs_loop and
the async-callers map built from FunctionInfo.calls."""
from __future__ import annotations

import textwrap

from asynclint.config import Config
from asynclint.engine import Settings, Walker, analyse_text
from asynclint.index.project import ProjectIndex
from asynclint.rules import all_rules
from asynclint.rules._callers import async_callers


def _summary(src: str, module: str = "m"):
    codes = frozenset(all_rules())
    result = analyse_text(textwrap.dedent(src), module, False, f"{module}.py", Walker(codes), Settings(Config(), codes))
    return result.summary


def test_runs_loop_is_set_by_loop_runners():
    assert _summary("import asyncio\nasyncio.run(main())\n").runs_loop
    assert _summary("from asyncio import run\ndef main():\n    run(go())\n").runs_loop
    assert _summary("import asyncio\nloop = asyncio.new_event_loop()\nloop.run_until_complete(go())\n").runs_loop
    assert _summary("from aiohttp import web\nweb.run_app(app)\n").runs_loop


def test_runs_loop_stays_false_otherwise():
    assert not _summary("import asyncio\nasync def f():\n    await asyncio.sleep(1)\n").runs_loop
    assert not _summary("import subprocess\nsubprocess.run(['ls'])\n").runs_loop
    assert not _summary("def run():\n    pass\nrun()\n").runs_loop


def test_runs_loop_does_not_depend_on_enabled_rules():
    result = analyse_text("import asyncio\nasyncio.run(main())\n", "m", False, "m.py", Walker(frozenset()),
                          Settings(Config(), frozenset()))
    assert result.summary.runs_loop


def test_async_callers_follow_imports_and_self_methods():
    lib = _summary("""
        import asyncio
        def blocking():
            return asyncio.run(go())
        class C:
            def helper(self):
                pass
            async def run(self):
                self.helper()
    """, "lib")
    app = _summary("""
        from lib import blocking
        async def handler():
            blocking()
    """, "app")
    callers = async_callers(ProjectIndex([lib, app]))
    assert callers[("lib", "blocking")] == [("app", "handler")]
    assert callers[("lib", "C.helper")] == [("lib", "C.run")]
