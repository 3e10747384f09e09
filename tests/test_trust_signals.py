"""Signals, shutdown and offloaded reads on a command-line asyncio app
(issue 14): what stays reported and what is left alone, through the real
`asynclint` command and real flake8 on real files."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from .harness import run_cli

APP = '''
import asyncio
import os
import signal
import threading


class ExitCli(SystemExit):
    pass


class Server:
    async def run(self):
        await asyncio.sleep(3600)

    async def aclose(self):
        await asyncio.sleep(0)


def run_worker(server: Server):
    loop = asyncio.new_event_loop()
    done = loop.create_future()
    escalating = False
    requested = False

    def escalate():
        nonlocal escalating
        escalating = True
        signal.raise_signal(signal.SIGTERM)

    def on_exit(sig, frame):
        nonlocal escalating, requested
        if escalating:
            escalating = False
            raise ExitCli(1)
        if requested:
            os._exit(1)
        requested = True
        loop.call_soon_threadsafe(done.cancel)
        threading.Timer(5.0, escalate).start()

    signal.signal(signal.SIGTERM, on_exit)
    loop.run_until_complete(server.run())


def run_console(server: Server):
    loop = asyncio.new_event_loop()
    stopping = False

    async def graceful():
        await server.aclose()

    def on_exit(sig, frame):
        nonlocal stopping
        if not stopping:
            stopping = True
            raise ExitCli(0)
        asyncio.run_coroutine_threadsafe(graceful(), loop)

    signal.signal(signal.SIGINT, on_exit)
    loop.run_until_complete(server.run())


async def avatar(path, limit):
    with open(path, "rb") as source:
        return await asyncio.to_thread(source.read, limit + 1)
'''


def _project(tmp_path: Path) -> Path:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "__init__.py").write_text("")
    (tmp_path / "svc" / "cli.py").write_text(textwrap.dedent(APP))
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\n")
    return tmp_path


def _line(text: str) -> int:
    return textwrap.dedent(APP).splitlines().index(text) + 1


def test_escalating_handler_is_left_alone_and_the_rest_stays_reported(tmp_path):
    proc = run_cli(["--no-cache", "--format", "json", "svc"], _project(tmp_path))
    assert proc.returncode == 1, proc.stderr.decode()
    found = [(d["line"], d["code"]) for d in json.loads(proc.stdout)]
    assert found == [
        # nothing for run_worker's handler: a thread-safe first step, a raise
        # only once the watchdog set the flag, as asyncio's own SIGINT handler.
        # The dropped shutdown future: a failed shutdown is never heard of
        (_line("        asyncio.run_coroutine_threadsafe(graceful(), loop)"), "AIO402"),
        # run_console's handler raises on the first signal
        (_line("    signal.signal(signal.SIGINT, on_exit)"), "AIO502"),
        # opening is on the loop even though the read is not
        (_line('    with open(path, "rb") as source:'), "AIO203"),
    ]


def test_flake8_agrees_on_the_signal_handlers(tmp_path):
    project = _project(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "flake8", "--select", "AIO5", "svc/cli.py"], cwd=project,
                          capture_output=True, text=True, timeout=300)
    assert proc.stdout.splitlines() == [
        f"svc/cli.py:{_line('    signal.signal(signal.SIGINT, on_exit)')}:5: AIO502 `signal.signal()` in a module "
        "that runs an event loop: the handler runs at an arbitrary point of the event loop's thread and cannot "
        "safely touch the loop; use `loop.add_signal_handler()`"]
