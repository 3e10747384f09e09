"""Phase 2 never crashes a run: cyclic code resolves to "unknown", and an
exception while answering one file's queries is that file's AIO002 while
every other file is still reported (issue #13, fault 1)."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(tmp_path: Path, files: dict, *args: str) -> subprocess.CompletedProcess:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return subprocess.run([sys.executable, "-m", "asynclint", "--isolated", "--no-cache", "--format", "json", *args, "."],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)


CYCLES = {
    # the seven lines from a real application that crashed the run
    "attribute through a local": """
        class Job:
            def update(self):
                cb = self.cb
                self.cb = cb
            def fire(self):
                self.cb()
    """,
    "attributes of two classes feeding each other": """
        class A:
            def __init__(self, b):
                self.x = b.y
        class B:
            def __init__(self, a: A):
                self.y = a.x
            async def go(self):
                self.y()
                self.y.z()
    """,
    "classes that inherit from each other": """
        class A(B):
            pass
        class B(A):
            async def run(self):
                pass
        async def main():
            A().run()
    """,
    "module globals bound to each other": """
        x = y
        y = x
        async def main():
            x()
            y.close()
    """,
    "functions returning each other's results": """
        def f():
            return g()
        def g():
            return f()
        async def main():
            f().send()
    """,
    "decorators that decorate themselves": """
        def deco(fn):
            return deco(fn)
        @deco
        async def work():
            pass
        async def main():
            work()
    """,
}


@pytest.mark.parametrize("name", sorted(CYCLES))
def test_cyclic_code_is_checked_without_error(tmp_path, name):
    proc = _run(tmp_path, {"app.py": CYCLES[name]})
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1), proc.stderr
    codes = [d["code"] for d in json.loads(proc.stdout)]
    assert "AIO002" not in codes


def test_a_long_chain_of_assignments_resolves_without_error(tmp_path):
    # deeper than any resolution budget: the tail is unknown, nothing crashes
    chain = "\n".join(f"v{i} = v{i + 1}" for i in range(3000))
    proc = _run(tmp_path, {"chain.py": chain + "\nv3000 = None\nasync def main():\n    v0()\n"})
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr


RAISING_QUERY = """
import ast
import sys
from asynclint.cli import main
from asynclint.index.queries import query
from asynclint.rules import all_rules
from asynclint.rules.base import Rule


@query("test-raises")
def _raises(index, module, name):
    if name == "boom":
        raise RecursionError("maximum recursion depth exceeded")
    return {}


class AskEveryCall(Rule):
    code = "AIO099"
    name = "test-ask-every-call"
    summary = "test only"
    message = "call to {callee}"
    node_types = (ast.Call,)

    def check(self, node, ctx):
        if isinstance(node.func, ast.Name):
            ctx.report_if(("test-raises", node.func.id), node, callee=node.func.id)


all_rules()["AIO099"] = AskEveryCall()
sys.exit(main(sys.argv[1:]))
"""


def test_an_exception_in_phase_2_is_that_files_internal_error(tmp_path):
    """The buggy query is test-only (injected like tests/fix_rules.py); what
    is under test is the real engine and command around it."""
    (tmp_path / "bad.py").write_text("boom()\nfine()\n")
    (tmp_path / "good.py").write_text("fine()\n")
    proc = subprocess.run([sys.executable, "-c", RAISING_QUERY, "--isolated", "--no-cache", "--select", "AIO099,AIO002",
                           "--format", "json", "."], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert "Traceback" not in proc.stderr, proc.stderr
    found = {(Path(d["path"]).name, d["line"], d["code"]) for d in json.loads(proc.stdout)}
    assert ("bad.py", 1, "AIO002") in found
    assert ("good.py", 1, "AIO099") in found  # the other file is still reported
    internal = [d for d in json.loads(proc.stdout) if d["code"] == "AIO002"]
    assert "RecursionError" in internal[0]["message"] and "AIO099" in internal[0]["message"]
    assert proc.returncode != 0
