"""The warm path as a user meets it: the real `asynclint` command run again
and again on real trees (a fresh copy or checkout, edits, renames and
touches within the same second), watched through Python's audit hooks to
see which source files a run opens: a run where nothing changed should
read none, and a run must never miss a change."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from .harness import USER, run_cli, write

# Installed in the runs through PYTHONPATH: logs every `.py` file under the
# project that the process (or a worker it starts) opens.
SITECUSTOMIZE = '''
import os, sys
_log = os.environ["ASYNCLINT_TEST_OPEN_LOG"]
_under = os.environ["ASYNCLINT_TEST_OPEN_UNDER"]
def _hook(event, args):
    if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.fsdecode(os.fspath(args[0]))
        if path.startswith(_under) and ".asynclint_cache" in path:
            with open(_log, "a") as fh:
                fh.write("cache:" + os.path.basename(path) + "\\n")
        elif path.startswith(_under) and path.endswith(".py"):
            with open(_log, "a") as fh:
                fh.write(path + "\\n")
sys.addaudithook(_hook)
'''


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "proj"
    write(root, "pyproject.toml", "[tool.asynclint]\n")
    write(root, "pkg/__init__.py", "")
    write(root, "pkg/lib.py", "def helper():\n    return 1\n")
    write(root, "pkg/user.py", USER)
    for i in range(5):
        write(root, f"pkg/sub{i % 2}/other{i}.py",
              f"import asyncio\n\n\nasync def f{i}():\n    await asyncio.sleep({i})\n")
    return root


class Runs:
    """Runs of the real command on one project with a private cache key,
    each telling which of the project's source files it opened."""

    def __init__(self, root: Path, tmp: Path):
        self.root = root
        hooks = tmp / "hooks"
        hooks.mkdir()
        (hooks / "sitecustomize.py").write_text(SITECUSTOMIZE)
        home = tmp / "userhome"
        home.mkdir()
        self.log = tmp / "opened.log"
        self.env = {"XDG_CACHE_HOME": str(home), "PYTHONPATH": str(hooks),
                    "ASYNCLINT_TEST_OPEN_LOG": str(self.log), "ASYNCLINT_TEST_OPEN_UNDER": str(root.resolve())}

    def check(self, *extra: str):
        """(findings, names of the project's .py files the run opened)."""
        self.log.write_text("")
        proc = run_cli(["--format", "json", *extra, "."], self.root, env_extra=self.env)
        assert proc.returncode in (0, 1), proc.stderr.decode()
        found = [(d["path"], d["line"], d["column"], d["code"]) for d in json.loads(proc.stdout)]
        lines = [p for p in self.log.read_text().split("\n") if p]
        opened = {os.path.relpath(p, self.root.resolve()) for p in lines if not p.startswith("cache:")}
        self.cache_opened = {p[len("cache:"):].split("-")[0] for p in lines if p.startswith("cache:")}
        return found, opened

    def fresh(self):
        return self.check("--no-cache")[0]


def _settle() -> None:
    """Let the tree's last changes age past the two seconds within which
    a file's stat cannot be trusted (coarse timestamps)."""
    time.sleep(2.2)


def _sources(root: Path) -> set:
    return {str(p.relative_to(root)) for p in root.rglob("*.py") if ".asynclint_cache" not in p.parts}


def test_a_fresh_checkout_is_read_once_more_then_trusted(project, tmp_path):
    """A run right after a copy or checkout cannot trust the stat of files
    changed within two seconds before it; the next run reads them again,
    and records them, so the runs after it open no source file at all."""
    runs = Runs(project, tmp_path)
    # As a checkout leaves them, but a few seconds ahead: the first run is
    # then racy for them however long a loaded machine takes to start it.
    ahead = time.time_ns() + 5_000_000_000
    for rel in _sources(project):
        os.utime(project / rel, ns=(ahead, ahead))
    first, opened = runs.check()
    assert opened == _sources(project)
    time.sleep(max(0.0, (ahead - time.time_ns()) / 1e9) + 2.2)
    again, opened = runs.check()
    assert again == first
    assert opened == _sources(project)  # racy in the first run: read again, and now settled
    warm, opened = runs.check()
    assert warm == first == runs.fresh()
    assert opened == set()
    # The run that settled them kept the saved index: an edit that changes
    # a module's summary starts from its joins, not from nothing.
    write(project, "pkg/lib.py", "async def helper():\n    return 1\n")
    edited, opened = runs.check()
    assert opened == {"pkg/lib.py"}
    assert "joins" in runs.cache_opened, runs.cache_opened
    assert edited == runs.fresh() != first


def test_edits_in_the_same_second_as_a_warm_run_are_seen(project, tmp_path):
    """An edit, a touch, a rename and an added file right after a run, in
    the same second, each with the size (and, for the edit, the mtime) of
    what was there, are seen by the next run as by a --no-cache run."""
    runs = Runs(project, tmp_path)
    runs.check()
    _settle()
    runs.check()
    assert runs.check()[1] == set()  # settled: nothing read

    user = project / "pkg" / "user.py"
    st = user.stat()
    same_size = USER.replace("asyncio.ensure_future(main())", "await asyncio.sleep(0.001)  #")
    assert len(same_size) == len(USER)
    user.write_text(same_size)
    os.utime(user, ns=(st.st_atime_ns, st.st_mtime_ns))
    found, opened = runs.check()
    assert opened == {"pkg/user.py"}
    assert found == runs.fresh()
    assert not any(f[0] == "pkg/user.py" and f[3] == "AIO400" for f in found)

    user.write_text(USER)  # back, at once: the run above recorded it within the same second
    found, _ = runs.check()
    assert found == runs.fresh()
    assert any(f[0] == "pkg/user.py" and f[3] == "AIO400" for f in found)

    os.rename(user, project / "pkg" / "caller.py")
    found, _ = runs.check()
    assert found == runs.fresh()
    assert {f[0] for f in found} >= {"pkg/caller.py"} and "pkg/user.py" not in {f[0] for f in found}

    write(project, "pkg/sub0/late.py", "import asyncio\n\n\nasync def g():\n    asyncio.ensure_future(g())\n")
    found, _ = runs.check()
    assert found == runs.fresh()
    assert "pkg/sub0/late.py" in {f[0] for f in found}


def test_a_damaged_run_record_is_skipped_with_one_warning(project, tmp_path):
    runs = Runs(project, tmp_path)
    before, _ = runs.check()
    for record in (project / ".asynclint_cache").rglob("run-*"):
        data = bytearray(record.read_bytes())
        data[len(data) // 2] ^= 0xFF
        record.write_bytes(bytes(data))
    proc = run_cli(["--format", "json", "."], project, env_extra=runs.env)
    assert proc.stderr.decode().count("warning") == 1, proc.stderr.decode()
    assert [(d["path"], d["line"], d["column"], d["code"]) for d in json.loads(proc.stdout)] == before
    proc = run_cli(["--format", "json", "."], project, env_extra=runs.env)
    assert proc.stderr == b""
