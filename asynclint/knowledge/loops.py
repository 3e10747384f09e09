"""Event loops and the calls that create tasks on them."""

# Calls that return an event loop.
LOOP_FACTORIES = frozenset({
    "asyncio.get_event_loop",
    "asyncio.get_running_loop",
    "asyncio.new_event_loop",
    "asyncio.events.get_event_loop",
    "asyncio.events.get_running_loop",
    "asyncio.events.new_event_loop",
    "asyncio.get_event_loop_policy.get_event_loop",
})

# Names that, by near-universal convention, hold an event loop (as a
# parameter, a local or an attribute: `loop`, `self._loop`).
LOOP_NAMES = frozenset({"loop", "_loop", "event_loop", "_event_loop", "ioloop_loop"})

# Module-level functions that schedule a coroutine as a task and return it.
TASK_SPAWNERS = frozenset({
    "asyncio.create_task",
    "asyncio.ensure_future",
    "asyncio.tasks.create_task",
    "asyncio.tasks.ensure_future",
    "asyncio.async",
})

# Loop methods that create a task and return it.
LOOP_TASK_METHODS = frozenset({"create_task"})
