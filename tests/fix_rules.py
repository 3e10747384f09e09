"""Test-only rules that attach each fix kind, so that every kind can be
exercised through the real command before the rules that will use them
exist. They flag calls by the callee's source text (`CALLEES`) and are put in
the registry only inside a test (`installed()`) or a subprocess (`main`).

Run the command with them: `python -m tests.fix_rules ARGS...` (with the
repository root on PYTHONPATH).
"""
from __future__ import annotations

import ast
import contextlib
import sys

from asynclint.diagnostics import Applicability, Fix, Fixability
from asynclint.rules import all_rules
from asynclint.rules.base import Rule

SAFE, UNSAFE = Applicability.SAFE, Applicability.UNSAFE

# callee source -> (fix data, applicability, only in async code)
CALLEES = {
    "work": (("insert-await",), SAFE, True),
    "self.work": (("insert-await",), SAFE, True),
    "time.sleep": (("asyncio-sleep",), SAFE, True),
    "sleep": (("asyncio-sleep",), SAFE, True),
    "pause": (("asyncio-sleep",), SAFE, True),
    "requests.get": (("to-thread",), UNSAFE, True),
    "blocking": (("to-thread",), UNSAFE, True),
    "outer": (("to-thread",), UNSAFE, True),
    "inner": (("to-thread",), UNSAFE, True),
    "self.conn.execute": (("to-thread",), UNSAFE, True),
    "loop.call_soon": (("rename-call", "call_soon_threadsafe"), SAFE, False),
    "self._loop.call_soon": (("rename-call", "call_soon_threadsafe"), SAFE, False),
    "asyncio.get_event_loop": (("rename-call", "get_running_loop"), SAFE, True),
    "get_event_loop": (("rename-call", "get_running_loop"), SAFE, True),
    "fut.set_result": (("threadsafe-call", "loop"), UNSAFE, False),
    "self.future.set_exception": (("threadsafe-call", "self._loop"), UNSAFE, False),
}


class FixKindsForTests(Rule):
    code = "AIO990"
    name = "test-fix-kinds"
    summary = "test only: flags calls named in tests/fix_rules.py with each fix kind"
    message = "`{callee}(...)` (test rule)"
    fixable = Fixability.SOMETIMES
    fix_applicability = Applicability.UNSAFE
    node_types = (ast.Call,)
    why = "test only"
    fix_notes = "test only"

    def check(self, node: ast.Call, ctx) -> None:
        callee = ast.unparse(node.func)
        entry = CALLEES.get(callee)
        if entry is None:
            return
        data, applicability, needs_async = entry
        if needs_async and not ctx.in_async or isinstance(ctx.parent, ast.Await):
            return
        ctx.report(node, fix=Fix(f"test fix {data[0]}", applicability, data), callee=callee)


@contextlib.contextmanager
def installed():
    rules = all_rules()  # the registry's cached dict
    rules[FixKindsForTests.code] = FixKindsForTests()
    try:
        yield
    finally:
        rules.pop(FixKindsForTests.code, None)


def main(argv) -> int:
    from asynclint.cli import main as cli_main

    with installed():
        return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
