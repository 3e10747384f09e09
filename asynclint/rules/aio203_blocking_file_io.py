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
        `os.fdopen()`, `pathlib.Path` I/O methods (`open`, `read_text`,
        `write_bytes`, ...; also on paths joined with `/`), directory
        listings (`os.listdir`, `os.scandir`, and `Path.glob`, `rglob`,
        `iterdir` where they are iterated: `for p in d.glob("*")`,
        `list(d.iterdir())`; a listing returned uniterated may be lazy and
        is not reported), methods of a file object whose opening is known
        (`with open(p) as f: f.read()`, `self.log = open(...)` in
        `__init__`), annotated as a file (`io.TextIOWrapper`,
        `io.BufferedReader`; the file-like `typing.IO`, `BinaryIO`, `TextIO`
        only on the function's own parameters, since a holder's attribute may
        keep an in-memory buffer) or a parameter narrowed by
        `isinstance(f, io.BufferedIOBase)`, `shutil` copies and tree
        removal, `json`/`pickle` `load`/`dump` on files, `tarfile`/`zipfile`
        extraction, and `ssl.create_default_context()` /
        `load_verify_locations()` (they read the CA certificates from disk).
        In-memory buffers (`io.BytesIO`, `io.StringIO`), `aiofiles`,
        `anyio.Path` and awaited calls are not flagged. Cheap metadata
        (`exists`, `stat`, `mkdir`, ...) is the opt-in AIO210; an `open()`
        is not metadata, even when every read of the file runs in a worker
        thread (`with open(p, "rb") as f: await asyncio.to_thread(f.read)`):
        opening waits on the file system as a read does, and closing a
        written file flushes it on the loop. Like every
        AIO2 rule, it leaves test code, developer tooling (`evals/`,
        `benchmarks/` folders) and start-up code alone (a
        configuration file read once in an `Application.initialize()`, a
        `lifespan` or the main coroutine before its loop, or once in a lazy
        `if self._x is None:` initialisation), and the own work of a
        one-shot command that serves nothing (a click/typer command or
        `__main__` running its coroutine with `asyncio.run()`, its
        `for` loops included) unless `blocking-in-tests` / `blocking-in-tooling` /
        `blocking-at-startup` / `blocking-in-commands` is true. It also leaves
        alone a file opened or read once while a resource is set up (in a
        `setup()`, `init_*()` or `on_mount()` method, or an async factory such
        as `open_*_transport()` that returns a new object), unless
        `blocking-at-setup = true`: an opened file used in a loop there still
        is reported.
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
