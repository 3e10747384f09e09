"""AIO200: `time.sleep()` in async code."""
from __future__ import annotations

from ..diagnostics import Applicability, Fix, Fixability
from ._blocking import BlockingCallRule


class BlockingSleep(BlockingCallRule):
    code = "AIO200"
    name = "blocking-sleep"
    summary = "`time.sleep()` in async code stops every task on the loop"
    fixable = Fixability.SOMETIMES
    fix_applicability = Applicability.SAFE
    fix = Fix("replace with `await asyncio.sleep(...)`", Applicability.SAFE, ("asyncio-sleep",))
    why = """
        `time.sleep()` suspends the whole OS thread, and with it the event
        loop: no other task, callback or I/O runs until it returns ("Running
        Blocking Code" in the asyncio guide). Any import form is recognised
        (`from time import sleep as pause`). Inside a sync `def` or `lambda`
        handed to `asyncio.to_thread()` or `loop.run_in_executor()` the call
        runs in a worker thread and is not flagged.
    """
    bad_example = """
        import time


        async def poll(client):
            while not client.ready():
                time.sleep(0.5)
    """
    good_example = """
        import asyncio


        async def poll(client):
            while not client.ready():
                await asyncio.sleep(0.5)
    """
    fix_notes = "`time.sleep(x)` becomes `await asyncio.sleep(x)` (and `import asyncio` is added when missing); not inside a generator expression, where `await` would make it an async generator."
