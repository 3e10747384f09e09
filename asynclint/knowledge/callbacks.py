"""APIs that call a callable synchronously and drop what it returns: passing
a coroutine function to them creates a coroutine nobody awaits (AIO103)."""

# Dotted function or class -> (positional index, keyword name) of the callable.
CALLBACK_FUNCTIONS = {
    "threading.Thread": (1, "target"),
    "threading.Timer": (1, "function"),
    "asyncio.to_thread": (0, "func"),
    "asyncio.threads.to_thread": (0, "func"),
    "atexit.register": (0, "func"),
    "signal.signal": (1, "handler"),
    "concurrent.futures.ThreadPoolExecutor.submit": (0, "fn"),
    "sched.scheduler.enter": (2, "action"),
}

# Event loop methods (receiver must be a loop) -> positional index of the callable.
LOOP_CALLBACK_METHODS = {
    "call_soon": 0,
    "call_soon_threadsafe": 0,
    "call_later": 1,
    "call_at": 1,
    "add_signal_handler": 1,
    "run_in_executor": 1,
    "add_reader": 1,
    "add_writer": 1,
}

# Methods taking a callback on any receiver -> positional index.
ANY_RECEIVER_CALLBACK_METHODS = {
    "add_done_callback": 0,
}

# Executor methods (receiver must be an executor) -> positional index.
EXECUTOR_METHODS = {"submit": 0}
EXECUTOR_CLASSES = frozenset({
    "concurrent.futures.ThreadPoolExecutor", "concurrent.futures.ProcessPoolExecutor",
    "concurrent.futures.Executor", "concurrent.futures.thread.ThreadPoolExecutor",
    "concurrent.futures.process.ProcessPoolExecutor", "concurrent.futures._base.Executor",
})
EXECUTOR_NAMES = frozenset({"executor", "_executor", "thread_pool", "_thread_pool", "thread_executor"})
