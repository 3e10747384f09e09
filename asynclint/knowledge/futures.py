"""Futures, cancellation, loop running and debug mode: catalogues for the
AIO4xx (task and future lifecycle) and AIO5xx (loop hygiene) rules."""

# Module-level calls that return a future (not a coroutine): used as a bare
# statement, the future's exception is never retrieved.
FUTURE_RETURNING = frozenset({
    "asyncio.gather",
    "asyncio.tasks.gather",
    "asyncio.shield",
    "asyncio.tasks.shield",
    "asyncio.run_coroutine_threadsafe",
    "asyncio.tasks.run_coroutine_threadsafe",
    "asyncio.wrap_future",
    "asyncio.futures.wrap_future",
})

# Event-loop methods that return a future.
LOOP_FUTURE_METHODS = frozenset({"run_in_executor"})

# Coroutine methods that cannot fail, by the class of their receiver: an
# `asyncio.Queue.put()` waits for room but raises nothing, so a dropped
# future of it loses no exception (AIO402).
CANNOT_FAIL_METHODS = {
    "asyncio.Queue": frozenset({"put"}),
    "asyncio.PriorityQueue": frozenset({"put"}),
    "asyncio.LifoQueue": frozenset({"put"}),
}

# Methods through which a task's outcome is observed or its life managed.
TASK_OBSERVERS = frozenset({"result", "exception", "cancel", "add_done_callback", "cancelled", "done"})

# Container methods that keep a reference, and the ones used as
# `add_done_callback(container.discard)` to forget it.
CONTAINER_ADDERS = frozenset({"add", "append"})
CONTAINER_FORGETTERS = frozenset({"discard", "remove"})

# Exception types whose handler catches `asyncio.CancelledError`.
CANCELLED_ERRORS = frozenset({
    "asyncio.CancelledError",
    "asyncio.exceptions.CancelledError",
    "builtins.BaseException",
})

# Calls that end the process or the thread: a handler calling one does not
# swallow anything.
PROCESS_EXITS = frozenset({"sys.exit", "os._exit", "builtins.exit", "builtins.quit", "os.abort"})

# The deprecated loop getter and its replacement inside coroutines.
GET_EVENT_LOOP = frozenset({"asyncio.get_event_loop", "asyncio.events.get_event_loop"})
SET_EVENT_LOOP = frozenset({"asyncio.set_event_loop", "asyncio.events.set_event_loop"})
RUNNING_LOOP_CHECKS = frozenset({
    "asyncio.get_running_loop", "asyncio.events.get_running_loop",
    "asyncio._get_running_loop", "asyncio.events._get_running_loop",
    "asyncio.current_task", "asyncio.tasks.current_task",
    "sniffio.current_async_library",
})

# Calls that run an event loop until something completes (a nested loop
# inside a running one raises RuntimeError).
LOOP_RUNNERS = frozenset({"asyncio.run", "asyncio.runners.run"})
LOOP_RUN_METHODS = frozenset({"run_until_complete", "run_forever"})

# Entry points that run an asyncio event loop for the whole program
# (ModuleSummary.runs_loop).
PROGRAM_LOOP_RUNNERS = frozenset({
    "asyncio.run",
    "asyncio.runners.run",
    "asyncio.Runner",
    "asyncio.runners.Runner",
    "uvloop.run",
    "aiohttp.web.run_app",
    "uvicorn.run",
    "anyio.run",
})

# Modules that make nested event loops possible.
NESTED_LOOP_PATCHES = frozenset({"nest_asyncio", "nest_asyncio2"})

# Signal handler installation.
SIGNAL_SIGNAL = frozenset({"signal.signal"})
SIGNAL_DISPOSITIONS = frozenset({"signal.SIG_DFL", "signal.SIG_IGN", "signal.default_int_handler"})

# Where an `await ...sleep(...)` in a loop body is a poll.
SLEEPS = frozenset({"asyncio.sleep", "asyncio.tasks.sleep", "anyio.sleep", "trio.sleep"})

# Calls that read in-process state without side effects: a `while` test
# made only of these, names and attributes is state another task sets.
STATE_READERS = frozenset({"done", "is_set", "empty", "full", "locked", "cancelled", "qsize", "is_closing"})
STATE_READER_BUILTINS = frozenset({"builtins.len", "builtins.bool", "builtins.any", "builtins.all"})
# Methods that poll a child process started without asyncio: class -> methods.
# A loop sleeping on them busy-waits for the process (`await proc.wait()` on
# an `asyncio.create_subprocess_exec` process wakes exactly at exit).
PROCESS_POLLERS = {"subprocess.Popen": frozenset({"poll"})}
# Methods that poll a thread or a process for its end: class -> methods. A
# loop sleeping on them waits for what `await asyncio.to_thread(t.join)` (or
# a `call_soon_threadsafe(event.set)` from the thread) delivers at once.
JOIN_POLLERS = {
    "threading.Thread": frozenset({"is_alive"}),
    "multiprocessing.Process": frozenset({"is_alive"}),
    "multiprocessing.context.Process": frozenset({"is_alive"}),
}

# Path parts and file names where hard-coded debug mode is expected.
DEBUG_OK_PARTS = frozenset({"tests", "test", "testing", "examples", "example", "docs", "doc", "benchmarks"})
