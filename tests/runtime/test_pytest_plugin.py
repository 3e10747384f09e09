"""The pytest plugin as a user meets it: real pytest runs in a subprocess on
real test files (with blockbuster, anyio's and pytest-asyncio's plugins)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from test_runtime_shim import env


def run_pytest(tmp_path, *args, files=None):
    for name, text in (files or {}).items():
        (tmp_path / name).write_text(text)
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rA", *args]
    return subprocess.run(cmd, cwd=tmp_path, env=env(), capture_output=True, text=True,
                          timeout=180)


BLOCKBUSTER = '''
import asyncio

from blockbuster import BlockBuster


async def child():
    return 1


async def main():
    return await asyncio.create_task(child())


def test_blockbuster_and_shim():
    bb = BlockBuster()
    bb.activate()
    try:
        assert asyncio.run(main()) == 1
    finally:
        bb.deactivate()
'''


def test_blockbuster_suite_unchanged_under_the_shim(tmp_path):
    """The shim never calls a function blockbuster patched (os.path.abspath,
    os.getcwd, os.stat, open) while the loop runs."""
    pytest.importorskip("blockbuster")
    files = {"test_bb.py": BLOCKBUSTER}
    plain = run_pytest(tmp_path, "test_bb.py", files=files)
    assert plain.returncode == 0, plain.stdout
    proc = run_pytest(tmp_path, "--asynclint-runtime", "test_bb.py")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout


PATCHED_OS_PATH = '''
import asyncio
import os
import time


def boom(*args, **kwargs):
    raise AssertionError("patched os function called")


async def nap():
    time.sleep(0.001)


async def main():
    await asyncio.create_task(nap())


def test_program_patches_os_path(monkeypatch):
    for name in ("abspath", "realpath", "normpath", "normcase", "join", "relpath", "exists"):
        monkeypatch.setattr(os.path, name, boom)
    monkeypatch.setattr(os, "getcwd", boom)
    monkeypatch.setattr(os, "stat", boom)
    asyncio.run(main())
'''


def test_program_that_patches_os_path(tmp_path):
    proc = run_pytest(tmp_path, "--asynclint-runtime=report", "test_patch.py",
                      files={"test_patch.py": PATCHED_OS_PATH})
    assert "1 passed" in proc.stdout, proc.stdout + proc.stderr
    assert proc.returncode == 0
    # the finding is still made, at the user's line
    assert "test_patch.py:12:1: AIO200" in proc.stdout


SUITE = '''
import asyncio
import time

import pytest


async def blocking():
    time.sleep(0.001)


def test_one():
    asyncio.run(blocking())


def test_two():
    asyncio.run(blocking())
    asyncio.run(blocking())


@pytest.mark.asynclint_allow("AIO200")
def test_allowed():
    asyncio.run(blocking())


def test_clean():
    pass
'''


def test_report_mode_table_json_and_marker(tmp_path):
    report = tmp_path / "findings.json"
    proc = run_pytest(tmp_path, "--asynclint-runtime=report", "--asynclint-report", str(report),
                      "test_suite.py", files={"test_suite.py": SUITE})
    out = proc.stdout
    assert proc.returncode == 0, out  # report mode never fails a test
    assert "4 passed" in out
    # the summary table: code, location, count, tests, first test
    table = out[out.index("asynclint runtime ="):]
    assert "code    location         count  tests  first test" in table
    assert "AIO200  test_suite.py:9  3      2      test_suite.py::test_one" in table
    assert "asynclint runtime: 1 finding (3 occurrences)" in table
    data = json.loads(report.read_text())
    got = sorted((d["test"], d["code"], d["line"], d["count"]) for d in data)
    # every occurrence with its test; the allowed test reports nothing
    assert got == [("test_suite.py::test_one", "AIO200", 9, 1),
                   ("test_suite.py::test_two", "AIO200", 9, 2)]
    # fail mode: the same suite fails the two tests, the marked one passes
    proc = run_pytest(tmp_path, "--asynclint-runtime", "test_suite.py")
    assert proc.returncode == 1
    assert "FAILED test_suite.py::test_one" in proc.stdout
    assert "FAILED test_suite.py::test_two" in proc.stdout
    assert "PASSED test_suite.py::test_allowed" in proc.stdout


def test_flag_before_a_path_and_bad_mode(tmp_path):
    (tmp_path / "test_suite.py").write_text(SUITE)
    (tmp_path / "test_other.py").write_text("def test_x():\n    pass\n")
    # the path after the flag is a path, not the mode
    proc = run_pytest(tmp_path, "--asynclint-runtime", "test_suite.py")
    assert "2 failed, 2 passed" in proc.stdout, proc.stdout
    assert "test_x" not in proc.stdout
    proc = run_pytest(tmp_path, "--asynclint-runtime=loud")
    assert proc.returncode == 4
    assert "--asynclint-runtime takes 'fail' or 'report', not 'loud'" in proc.stderr
    assert "Traceback" not in proc.stderr


ANYIO = '''
import time

import pytest


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.anyio
async def test_under_anyio():
    time.sleep(0.001)
'''

PYTEST_ASYNCIO = '''
import time

import pytest


@pytest.mark.asyncio
async def test_under_pytest_asyncio():
    time.sleep(0.001)
'''


@pytest.mark.parametrize("runner,text", [("anyio", ANYIO), ("pytest_asyncio", PYTEST_ASYNCIO)])
def test_findings_name_the_test_under_async_runners(tmp_path, runner, text):
    pytest.importorskip(runner)
    report = tmp_path / "r.json"
    proc = run_pytest(tmp_path, "--asynclint-runtime", "--asynclint-report", str(report),
                      "test_runner.py", files={"test_runner.py": text})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    test = "test_under_anyio" if runner == "anyio" else "test_under_pytest_asyncio"
    [entry] = json.loads(report.read_text())
    assert entry["test"] == f"test_runner.py::{test}"
    assert f", coroutine {test})" in entry["message"]
    assert f"FAILED test_runner.py::{test}" in proc.stdout
