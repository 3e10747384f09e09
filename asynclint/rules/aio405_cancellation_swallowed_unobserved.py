"""AIO405: cancellation swallowed where nobody observes it (opt-in AIO404)."""
from __future__ import annotations

from .aio404_swallowed_cancellation import SwallowedCancellation


class SwallowedCancellationUnobserved(SwallowedCancellation):
    code = "AIO405"
    name = "cancellation-swallowed-unobserved"
    summary = ("Handler in async code catches CancelledError and carries on, in a task nobody in the module "
               "waits for; opt-in")
    default_enabled = False
    message = (
        "{what} in async code catches `asyncio.CancelledError` and carries on: the task finishes its "
        "work instead of stopping, and whoever cancels it is not told; re-raise it after cleanup "
        "(or catch `Exception`)"
    )
    why = """
        The shapes of AIO404 that the triage of real applications found
        harmless in practice: the handler swallows the cancellation once,
        outside any loop, and the function then finishes (more cleanup,
        a final flush, waiting for a child), in a coroutine whose task
        nobody in the module awaits, gathers, waits for, runs in a
        `TaskGroup` or puts under `asyncio.timeout()` (a fire-and-forget
        task, a request handler, the cleanup in a `finally:`). The task
        still ends, and nobody is waiting to see how. It is still not what
        `cancel()` promises: the task runs on until it returns, and it ends
        as "done", not "cancelled". Enable with `--extend-select AIO405`
        for libraries, whose callers may await the task in code this
        project cannot see.
    """
    bad_example = """
        import asyncio


        async def handle(request):
            try:
                await stream_events(request)
            except asyncio.CancelledError:
                pass  # AIO405 (opt-in): the handler goes on
            await request.finish()
    """
    good_example = """
        import asyncio


        async def stream_events(request): ...


        async def handle(request):
            try:
                await stream_events(request)
            except asyncio.CancelledError:
                await request.finish()
                raise
            await request.finish()
    """
    fix_notes = """
        None: add a bare `raise` at the end of the handler, or narrow it to
        `except Exception` when cancellation was never meant to be caught.
    """

    def reports(self, loops: bool, observed: bool) -> bool:
        """The complement of AIO404: no loop goes on, nobody observes."""
        return not (loops or observed)
