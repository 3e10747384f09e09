"""AIO505: a callback or task step ran longer than the threshold (runtime shim only)."""
from ..diagnostics import Severity
from .base import Rule


class SlowCallback(Rule):
    code = "AIO505"
    name = "slow-callback"
    summary = "A callback or task step blocked the event loop longer than the threshold (runtime shim)"
    message = "{reason}"
    severity = Severity.WARNING
    runtime_only = True
    why = """
        While one callback or task step runs, nothing else on the loop does:
        every other task, timer and socket waits. asyncio's debug mode logs
        callbacks slower than `loop.slow_callback_duration` (100 ms); the
        runtime shim (`asynclint run -- python app.py`, or
        `pytest --asynclint-runtime`) reports them as findings at the
        callback or coroutine, with the duration. Static analysis cannot
        know how long code runs, so this code comes only from the shim;
        `--slow-callback-ms N` sets the threshold.
    """
    bad_example = """
        async def handler(rows):
            return sorted(rows, key=expensive_key)   # 300 ms of CPU on the loop
    """
    good_example = """
        async def handler(rows):
            return await asyncio.to_thread(sorted, rows, key=expensive_key)
    """
    fix_notes = "No automatic fix: move the work to a thread or process executor, or split it with `await asyncio.sleep(0)`."
