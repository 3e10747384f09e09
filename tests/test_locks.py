"""The lock family (AIO6xx) the way a user meets it: the cross-module answer
surviving the on-disk cache, and the premises of the messages checked on a
real running loop. (Fixtures: tests/fixtures/AIO600-AIO602; the documented
examples: tests/test_rule_examples.py.)"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from asynclint.rules import all_rules

from .harness import run_cli

LOCK_CODES = sorted(code for code in all_rules() if code.startswith("AIO6"))


def _codes(folder: Path, code: str, *extra: str) -> list:
    proc = run_cli(["--format", "json", "--select", code, *extra, "."], folder)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return [d["code"] for d in json.loads(proc.stdout)]


def test_the_family_is_registered():
    assert LOCK_CODES == ["AIO600", "AIO601", "AIO602"]


def test_reacquire_through_another_module_survives_the_cache(tmp_path):
    """The facts of `base.py` reach phase 2 from the cache when only
    `api.py` changes."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "base.py").write_text(textwrap.dedent("""
        import asyncio

        class Session:
            def __init__(self):
                self._lock = asyncio.Lock()

            async def refresh(self):
                async with self._lock:
                    return 1
    """))
    api = pkg / "api.py"
    source = textwrap.dedent("""
        from .base import Session

        class Api(Session):
            async def call(self):
                async with self._lock:
                    return await self.refresh()
    """)
    api.write_text(source)
    assert _codes(tmp_path, "AIO601") == ["AIO601"]
    api.write_text(source + "\n# edited\n")
    assert _codes(tmp_path, "AIO601") == ["AIO601"]
    api.write_text(source.replace("await self.refresh()", "1"))
    assert _codes(tmp_path, "AIO601") == []


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, timeout=60)


def test_sync_with_on_an_asyncio_lock_fails_at_run_time():
    """What AIO602's message promises, on this interpreter."""
    proc = _run("""
        import asyncio

        async def main():
            lock = asyncio.Lock()
            with lock:
                pass

        asyncio.run(main())
    """)
    assert proc.returncode != 0
    assert b"TypeError" in proc.stderr


def test_condition_notify_outside_its_lock_fails_at_run_time():
    proc = _run("""
        import asyncio

        async def main():
            cond = asyncio.Condition()
            async with cond:
                pass
            cond.notify()

        asyncio.run(main())
    """)
    assert proc.returncode != 0
    assert b"RuntimeError" in proc.stderr and b"un-acquired lock" in proc.stderr


def test_reacquired_asyncio_lock_never_completes_on_a_real_loop():
    """AIO601's premise: the holder waits for itself (the loop has nothing
    else to run, so `wait_for` gives up instead of the program hanging)."""
    proc = _run("""
        import asyncio

        async def main():
            lock = asyncio.Lock()
            async with lock:
                try:
                    await asyncio.wait_for(lock.acquire(), 0.2)
                except (asyncio.TimeoutError, TimeoutError):
                    print("deadlocked")

        asyncio.run(main())
    """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == b"deadlocked"
