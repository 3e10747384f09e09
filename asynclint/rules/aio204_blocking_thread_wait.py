"""AIO204: waiting on thread primitives from the loop thread."""
from __future__ import annotations

from ._blocking import BlockingCallRule


class BlockingThreadWait(BlockingCallRule):
    code = "AIO204"
    name = "blocking-thread-wait"
    summary = "Waiting on a thread lock, event, queue, thread or concurrent future in async code"
    why = """
        `threading.Lock.acquire()`, `Event.wait()`, `Condition.wait()`,
        `Thread.join()`, `queue.Queue.get()`, `concurrent.futures.Future.result()`,
        `concurrent.futures.wait()` and `multiprocessing` queue/pipe reads wait
        for another thread or process with the loop's thread. When the thing
        waited for needs the loop (a coroutine submitted with
        `asyncio.run_coroutine_threadsafe(...)` and then `.result()` in the
        loop's own thread), this is a deadlock. Non-blocking forms
        (`acquire(blocking=False)`, `get(block=False)`, `get_nowait()`,
        `wait(0)`) are not flagged, nor is a `queue` `get()` in the body of
        an `if` or `while` that tests the same queue for an item (`while not
        q.empty(): q.get()`, `if q.qsize() > 0:`): the item is there, and
        the loop drains a queue it alone consumes.

        `with lock:` on a `threading.Lock` is deliberately not flagged: the
        usual use is a short critical section guarding shared memory, which
        is held for microseconds and is the correct way to share state with
        worker threads. Only explicit `acquire()` calls are reported.
        `queue.Queue.put()` is not flagged either: it only blocks on a
        bounded queue, which the type alone does not show.
    """
    bad_example = """
        import queue


        async def handler(job_queue: queue.Queue):
            job = job_queue.get()      # waits for another thread to put a job
            return job
    """
    good_example = """
        import asyncio
        import queue


        async def handler(job_queue: queue.Queue):
            job = await asyncio.to_thread(job_queue.get)
            return job
    """
    fix_notes = "The wait is moved to a worker thread with `await asyncio.to_thread(...)` (unsafe)."
