"""AIO207: reading the console in async code."""
from __future__ import annotations

from ._blocking import BlockingCallRule


class BlockingInput(BlockingCallRule):
    code = "AIO207"
    name = "blocking-input"
    summary = "`input()`, `sys.stdin.read*()` or `getpass.getpass()` in async code"
    why = """
        Reading the console waits for a human: the loop and every task on it
        stop until the user presses Enter.
    """
    bad_example = """
        async def main():
            name = input("name? ")
    """
    good_example = """
        import asyncio


        async def main():
            name = await asyncio.to_thread(input, "name? ")
            return name
    """
    fix_notes = "The call is moved to a worker thread with `await asyncio.to_thread(...)` (unsafe)."
