"""AIO203: file I/O in async code."""
from __future__ import annotations

from ._blocking import BlockingCallRule


class BlockingFileIO(BlockingCallRule):
    code = "AIO203"
    name = "blocking-file-io"
    summary = "Blocking file-system call in async code (open, Path.read_text, shutil, json.load, ...)"
    why = """
        Disk and network file systems can take milliseconds to seconds to
        answer, and the loop waits for each call: `open()`, `io.open()`,
        `pathlib.Path` I/O methods (`open`, `read_text`, `write_bytes`,
        `exists`, `stat`, `iterdir`, ...), `os.path` metadata functions,
        methods of a file object whose opening is known (`with open(p) as
        f: f.read()`, `self.log = open(...)` in `__init__`), `shutil`
        copies and tree removal, `json`/`pickle` `load`/`dump` on files, and
        `tarfile`/`zipfile` extraction. `aiofiles`, `anyio.Path` and
        awaited calls are not flagged. Like every AIO2 rule, it leaves test
        code and start-up code alone (a configuration file read once in
        an `Application.initialize()`, a `lifespan` or the main coroutine before its
        loop) unless `blocking-in-tests` / `blocking-at-startup` is true.
    """
    bad_example = """
        async def load(path):
            with open(path) as f:
                return json.load(f)
    """
    good_example = """
        import asyncio
        import json
        from pathlib import Path


        async def load(path):
            text = await asyncio.to_thread(Path(path).read_text)
            return json.loads(text)
    """
    fix_notes = "The call is moved to a worker thread with `await asyncio.to_thread(...)` (unsafe)."
