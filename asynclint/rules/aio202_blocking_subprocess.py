"""AIO202: subprocesses and process waits in async code."""
from __future__ import annotations

from ._blocking import BlockingCallRule


class BlockingSubprocess(BlockingCallRule):
    code = "AIO202"
    name = "blocking-subprocess"
    summary = "Blocking subprocess call or process wait in async code"
    why = """
        `subprocess.run()`, `check_output()`, `os.system()` and friends wait
        for the child process with the loop's thread, and
        `Popen.wait()`/`communicate()` and `os.wait*()` wait for a child that
        is already running. Starting a process with `subprocess.Popen`,
        `os.spawn*()` (any mode) or `os.posix_spawn*()` is reported too: the
        process object it returns cannot be awaited, so every later wait or
        pipe read blocks the loop. asyncio has its own subprocess API that
        waits without blocking. `os.waitpid(pid, os.WNOHANG)` returns at once
        and is not flagged.
    """
    bad_example = """
        import subprocess


        async def version():
            return subprocess.check_output(["git", "describe"]).decode()
    """
    good_example = """
        import asyncio


        async def version():
            proc = await asyncio.create_subprocess_exec(
                "git", "describe", stdout=asyncio.subprocess.PIPE)
            out, _ = await proc.communicate()
            return out.decode()
    """
    fix_notes = "The call is moved to a worker thread with `await asyncio.to_thread(...)` (unsafe); `asyncio.create_subprocess_exec` is the better rewrite but not a mechanical one."
