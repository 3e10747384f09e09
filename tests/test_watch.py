"""`asynclint --watch`: the real command in a subprocess, files edited on disk."""
from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

TIMEOUT = 60  # seconds

LIB = "def fetch(url):\n    return url\n"
APP = """\
import time

from pkg.lib import fetch


async def main():
    fetch("https://example.invalid")
    time.sleep(1)
"""


def _project(root: Path) -> Path:
    (root / "pyproject.toml").write_text('[project]\nname = "demo"\n\n[tool.asynclint]\n')
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "lib.py").write_text(LIB)
    (root / "pkg" / "app.py").write_text(APP)
    return root


class Watcher:
    def __init__(self, root: Path, *args: str, env=None):
        # As started from a terminal: Ctrl-C (SIGINT) not ignored, even when
        # the test run itself was started in the background (where a shell
        # ignores SIGINT for the job, and children inherit that).
        self.proc = subprocess.Popen([sys.executable, "-m", "asynclint", "--watch", *args, "."], cwd=root,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                                     preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        self.lines: "queue.Queue[str]" = queue.Queue()
        self.seen: list = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def until(self, predicate) -> list:
        """Lines printed up to and including the first one `predicate` accepts."""
        got = []
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"not printed within {TIMEOUT} s; printed: {self.seen + got}")
            got.append(line)
            if predicate(line):
                self.seen += got
                return got

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout=TIMEOUT)


def _write(path: Path, text: str) -> None:
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text)
    if path.stat().st_mtime_ns == before:  # coarse file-system clock: make the change visible
        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))


def test_watch_prints_new_findings_when_a_file_changes(tmp_path):
    root = _project(tmp_path)
    watcher = Watcher(root)
    try:
        first = watcher.until(lambda line: "watching for changes" in line)
        assert first[0] == "pkg/app.py:8:5: AIO200 `time.sleep(...)` blocks the event loop; use `await asyncio.sleep(...)`"
        assert "1 finding in 3 files" in first[-1]

        # Another module's function becomes a coroutine function: the call in
        # app.py, which did not change, is now never awaited.
        _write(root / "pkg" / "lib.py", LIB.replace("def fetch", "async def fetch"))
        got = watcher.until(lambda line: "changed:" in line)
        assert got[0].startswith("pkg/app.py:7:5: AIO100 coroutine `pkg.lib.fetch`"), got
        assert len(got) == 2  # only the new finding, then the summary
        assert "pkg/lib.py changed: 1 new, 0 gone, 2 in total" in got[-1]

        _write(root / "pkg" / "lib.py", LIB)
        got = watcher.until(lambda line: "changed:" in line)
        assert got == [got[-1]] and "pkg/lib.py changed: 0 new, 1 gone, 1 in total" in got[-1]

        # A new file is picked up; a syntax error is a finding, not a crash.
        _write(root / "pkg" / "broken.py", "async def main(:\n    pass\n")
        got = watcher.until(lambda line: "changed:" in line)
        assert got[0].startswith("pkg/broken.py:1:16: AIO001 "), got
        assert "pkg/broken.py changed: 1 new, 0 gone, 2 in total" in got[-1]
    finally:
        code = watcher.stop()
    assert code == 0
    assert not any("Traceback" in line for line in watcher.seen)


def test_watch_honours_the_output_format(tmp_path):
    import json

    root = _project(tmp_path)
    watcher = Watcher(root, "--format", "json")
    try:
        got = watcher.until(lambda line: "watching for changes" in line)
        found = json.loads("\n".join(got[:-1]))
        assert [(d["path"], d["code"]) for d in found] == [("pkg/app.py", "AIO200")]
    finally:
        watcher.stop()


def test_watch_refuses_fix_with_one_line(tmp_path):
    root = _project(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "asynclint", "--watch", "--fix", "."], cwd=root,
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 2
    assert proc.stderr == "asynclint: error: --watch cannot be combined with --fix\n"


def test_watch_sees_files_added_and_renamed_in_folders_whose_listing_it_keeps(tmp_path):
    """The polls reuse each folder's listing while the folder's stat is
    unchanged (as CLI runs do): a file added to, or renamed inside, a
    folder listed long enough ago to be kept is still picked up."""
    root = _project(tmp_path)
    (root / "pkg" / "sub").mkdir()
    (root / "pkg" / "sub" / "__init__.py").write_text("")
    time.sleep(2.2)  # older than the two seconds within which a folder is listed again every time
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "userhome")}
    watcher = Watcher(root, env=env)
    try:
        watcher.until(lambda line: "watching for changes" in line)
        time.sleep(1.5)  # a few polls from the kept listings
        _write(root / "pkg" / "sub" / "late.py", "import time\n\n\nasync def late():\n    time.sleep(1)\n")
        got = watcher.until(lambda line: "changed:" in line)
        assert got[0].startswith("pkg/sub/late.py:5:5: AIO200 "), got
        time.sleep(2.2)
        os.rename(root / "pkg" / "sub" / "late.py", root / "pkg" / "sub" / "later.py")
        got = watcher.until(lambda line: "changed:" in line)
        assert got[0].startswith("pkg/sub/later.py:5:5: AIO200 "), got
        assert "1 new, 1 gone, 2 in total" in got[-1]
    finally:
        code = watcher.stop()
    assert code == 0
    assert list((root / ".asynclint_cache").rglob("listing-*"))
