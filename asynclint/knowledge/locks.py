"""Lock constructors and lock types (data for the AIO6 rules).

Names are dotted as `ctx.qualified_name()` spells them. A name here is
matched both as a call (`threading.Lock()`) and as an annotation
(`lock: threading.Lock`), so the private implementation classes that
annotations sometimes name are listed too.
"""

# Locks that block the calling *thread* in `acquire()` / `with lock:`.
# dotted name -> short kind shown in messages
THREAD_LOCKS = {
    "threading.Lock": "threading.Lock",
    "threading.RLock": "threading.RLock",
    "threading.Semaphore": "threading.Semaphore",
    "threading.BoundedSemaphore": "threading.BoundedSemaphore",
    "threading.Condition": "threading.Condition",
    "threading._RLock": "threading.RLock",
    "threading._CRLock": "threading.RLock",
    "_thread.allocate_lock": "threading.Lock",
    "_thread.allocate": "threading.Lock",
    "_thread.LockType": "threading.Lock",
    "_thread.lock": "threading.Lock",
    "_thread.RLock": "threading.RLock",
    "multiprocessing.Lock": "multiprocessing.Lock",
    "multiprocessing.RLock": "multiprocessing.RLock",
    "multiprocessing.Semaphore": "multiprocessing.Semaphore",
    "multiprocessing.BoundedSemaphore": "multiprocessing.BoundedSemaphore",
    "multiprocessing.Condition": "multiprocessing.Condition",
    "multiprocessing.synchronize.Lock": "multiprocessing.Lock",
    "multiprocessing.synchronize.RLock": "multiprocessing.RLock",
    "multiprocessing.synchronize.Semaphore": "multiprocessing.Semaphore",
    "multiprocessing.synchronize.BoundedSemaphore": "multiprocessing.BoundedSemaphore",
    "multiprocessing.synchronize.Condition": "multiprocessing.Condition",
}

# asyncio primitives that must be entered with `async with`.
# dotted name -> ("lock" | "semaphore" | "condition", class shown in messages)
ASYNCIO_LOCKS = {
    "asyncio.Lock": ("lock", "asyncio.Lock"),
    "asyncio.locks.Lock": ("lock", "asyncio.Lock"),
    "asyncio.Semaphore": ("semaphore", "asyncio.Semaphore"),
    "asyncio.locks.Semaphore": ("semaphore", "asyncio.Semaphore"),
    "asyncio.BoundedSemaphore": ("semaphore", "asyncio.BoundedSemaphore"),
    "asyncio.locks.BoundedSemaphore": ("semaphore", "asyncio.BoundedSemaphore"),
    "asyncio.Condition": ("condition", "asyncio.Condition"),
    "asyncio.locks.Condition": ("condition", "asyncio.Condition"),
}

# asyncio.Condition methods that need the condition's lock held
# (RuntimeError "cannot wait on un-acquired lock" / "cannot notify on
# un-acquired lock").
CONDITION_HELD_METHODS = frozenset({"wait", "wait_for", "notify", "notify_all"})
