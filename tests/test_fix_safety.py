"""`--fix` never overwrites an edit it did not read, and it converges over
the whole project: after it says "0 remaining" a second `--fix` changes
nothing (issue #13, fault 4)."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from asynclint.fixes.files import ChangedSinceRead, atomic_write


def _asynclint(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "asynclint", "--isolated", "--no-cache", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=180)


def _write(root: Path, files: dict) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


HELPER_MOVED_TO_A_THREAD = {
    "pkg/__init__.py": "",
    "pkg/helpers.py": """
        import asyncio
        import time


        def slow(loop: asyncio.AbstractEventLoop) -> None:
            time.sleep(1)
            loop.call_soon(print, "done")
    """,
    "pkg/app.py": """
        import asyncio

        from pkg.helpers import slow


        async def main() -> None:
            loop = asyncio.get_running_loop()
            slow(loop)
    """,
}


def test_a_fix_that_moves_a_helper_to_a_thread_also_fixes_what_that_exposes(tmp_path):
    _write(tmp_path, HELPER_MOVED_TO_A_THREAD)
    first = _asynclint(tmp_path, "--fix", "--unsafe-fixes", ".")
    assert "0 remaining" in first.stderr, first.stderr
    helpers = (tmp_path / "pkg/helpers.py").read_text()
    assert "loop.call_soon_threadsafe(print" in helpers  # the AIO300 the first fix exposed
    assert "await asyncio.to_thread(slow, loop)" in (tmp_path / "pkg/app.py").read_text()
    snapshot = {p: p.read_bytes() for p in tmp_path.rglob("*.py")}
    second = _asynclint(tmp_path, "--fix", "--unsafe-fixes", ".")
    assert "fixed 0 findings" in second.stderr, second.stderr
    assert {p: p.read_bytes() for p in tmp_path.rglob("*.py")} == snapshot
    check = _asynclint(tmp_path, "--format", "json", ".")
    assert [d for d in json.loads(check.stdout) if d.get("fix")] == []


def test_remaining_counts_findings_a_fix_exposes_in_another_file(tmp_path):
    # with safe fixes only, the to_thread fix (unsafe) is not applied, so no
    # helper moves to a thread and nothing new is exposed
    _write(tmp_path, HELPER_MOVED_TO_A_THREAD)
    safe = _asynclint(tmp_path, "--fix", ".")
    assert "1 remaining" in safe.stderr and "--unsafe-fixes" in safe.stderr, safe.stderr
    assert "call_soon(print" in (tmp_path / "pkg/helpers.py").read_text()


def test_an_edit_saved_after_reading_is_never_overwritten(tmp_path):
    path = tmp_path / "app.py"
    path.write_bytes(b"read = 1\n")
    read = path.read_bytes()
    path.write_bytes(b"edited in the editor meanwhile = 2\n")
    with pytest.raises(ChangedSinceRead):
        atomic_write(path, b"fixed = 1\n", expected=read)
    assert path.read_bytes() == b"edited in the editor meanwhile = 2\n"
    assert [p.name for p in tmp_path.iterdir()] == ["app.py"]  # no temporary file left


def test_an_unchanged_file_is_replaced(tmp_path):
    path = tmp_path / "app.py"
    path.write_bytes(b"read = 1\n")
    path.chmod(0o640)
    atomic_write(path, b"fixed = 1\n", expected=path.read_bytes())
    assert path.read_bytes() == b"fixed = 1\n"
    assert path.stat().st_mode & 0o777 == 0o640
