"""Engine behaviour that no source file can trigger on its own."""
from __future__ import annotations

import ast

from asynclint.engine import lint_source
from asynclint.rules import all_rules
from asynclint.rules.base import Rule

SOURCE = "import asyncio\n\ndef f():\n    asyncio.ensure_future(x)\n    asyncio.ensure_future(y)\n"


class Crashing(Rule):
    code = "AIO099"
    name = "crashing-test-rule"
    summary = message = why = "test"
    node_types = (ast.Call,)

    def check(self, node, ctx):
        raise ValueError("boom")


def test_a_crashing_rule_is_reported_once_and_others_keep_running(monkeypatch):
    monkeypatch.setitem(all_rules(), "AIO099", Crashing())
    found = lint_source(SOURCE, "m.py", enabled={"AIO002", "AIO099", "AIO400"})
    internal = [d for d in found if d.code == "AIO002"]
    assert len(internal) == 1
    assert internal[0].line == 4
    assert internal[0].message == ("internal error in rule AIO099 (crashing-test-rule): ValueError: boom; "
                                   "please report it")
    assert [d.line for d in found if d.code == "AIO400"] == [4, 5]


def test_nested_sync_def_inside_async_is_sync_code():
    seen = []

    class Probe(Rule):
        code = "AIO098"
        name = "probe"
        summary = message = why = "test"
        node_types = (ast.Call,)

        def check(self, node, ctx):
            seen.append((node.func.id, ctx.in_async, ctx.function.qualname if ctx.function else None))

    src = ("async def outer():\n    a()\n    def inner():\n        b()\n    f = lambda: c()\n"
           "    async def deeper():\n        d()\n")
    all_rules()["AIO098"] = Probe()
    try:
        lint_source(src, "m.py", enabled={"AIO098"})
    finally:
        del all_rules()["AIO098"]
    assert seen == [("a", True, "outer"), ("b", False, "outer.<locals>.inner"),
                    ("c", False, "outer.<locals>.<lambda>"), ("d", True, "outer.<locals>.deeper")]
