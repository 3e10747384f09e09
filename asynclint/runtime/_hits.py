"""What the shim does when a patched call (or a sys.monitoring event) hits:
shared by `_install` (attribute patches) and `_monitoring` (PEP 669), which
import this module and never each other's internals."""
from __future__ import annotations

import functools
import inspect
from asyncio import current_task as _current_task
from asyncio.events import _get_running_loop

from . import _prims
from ._core import _USER, _Busy, _tls, classify, is_allowed, record, stack_summary, thread_name
from ._core import user_location

_getframe = _prims.getframe
_CO_COROUTINE = inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR

# original -> wrapper, for rebinding references taken before install and for
# the sys.monitoring layer
WRAPPERS: dict = {}

SLEEP_HINT = "use 'await asyncio.sleep(...)'"
NET_HINT = "use asyncio streams / loop.sock_*() or 'await asyncio.to_thread(...)'"
DNS_HINT = "use 'await loop.getaddrinfo(...)'"
PROC_HINT = "use asyncio.create_subprocess_exec() or 'await asyncio.to_thread(...)'"
FILE_HINT = "use 'await asyncio.to_thread(...)' (or aiofiles)"
THREAD_HINT = "use 'await asyncio.to_thread(...)', asyncio primitives or asyncio.wrap_future()"
DB_HINT = "use an async driver (aiosqlite) or 'await asyncio.to_thread(...)'"
INPUT_HINT = "read stdin with 'await asyncio.to_thread(input)' or a StreamReader"


def task_context(loop, frame=None) -> str:
    """'(in task 'Task-3', coroutine test_x)': the coroutine named is the
    innermost *user* coroutine on the stack (under anyio's or pytest-asyncio's
    runner the test itself, not the runner's task coroutine)."""
    try:
        task = _current_task(loop)
    except Exception:
        task = None
    if task is None:
        return " (in a callback)"
    qual = None
    f = frame
    while f is not None:
        code = f.f_code
        if code.co_flags & _CO_COROUTINE and classify(code.co_filename) == _USER:
            qual = getattr(code, "co_qualname", code.co_name)
            break
        f = f.f_back
    if qual is None:
        coro = task.get_coro()
        qual = getattr(coro, "__qualname__", None) or type(coro).__name__
    return f" (in task {task.get_name()!r}, coroutine {qual})"


def safe_cond(cond, args, kwargs) -> bool:
    try:
        return bool(cond(*args, **kwargs))
    except Exception:  # bad arguments: the real call raises, it does not block
        return False


def blocking_hit(code, api, hint, frame, direct) -> None:
    # direct: only calls made by user code itself count (asyncio, the import
    # system, pytest, logging... open files and wait on locks legitimately)
    if direct and classify(frame.f_code.co_filename) != _USER:
        return
    if is_allowed(api, frame):
        return
    loop = _get_running_loop()
    with _Busy():
        loc = user_location(frame)
        if loc is None:
            return
        msg = f"blocking call {api}() on the event loop thread{task_context(loop, frame)}; {hint}"
        evidence = (
            ("call", api),
            ("thread", _prims.current_thread().name),
            ("stack", stack_summary(frame)),
        )
    record(code, msg, loc, evidence, can_raise=True)


def wrap_blocking(orig, code, api, hint, cond=None, direct=False):
    """Wrap a blocking callable: report when called on a thread running an
    event loop (and `cond(*args)` says it will block), then call through."""

    def wrapper(*args, **kwargs):
        if _get_running_loop() is None or getattr(_tls, "busy", False):
            return orig(*args, **kwargs)
        if cond is not None and not safe_cond(cond, args, kwargs):
            return orig(*args, **kwargs)
        blocking_hit(code, api, hint, _getframe(1), direct)
        with _Busy():
            return orig(*args, **kwargs)

    try:
        functools.update_wrapper(wrapper, orig)
    except Exception:  # pragma: no cover
        pass
    wrapper.__asynclint_original__ = orig
    wrapper.__asynclint_meta__ = (code, api, hint, cond, direct)
    WRAPPERS[orig] = wrapper
    return wrapper


def thread_hit(code, api, hint, loop_tid, frame) -> None:
    with _Busy():
        here = _prims.current_thread().name
        there = thread_name(loop_tid)
        loc = user_location(frame)
        msg = (f"{api}() called from thread {here!r} while the loop runs in {there!r}; "
               f"{hint}")
        evidence = (("call", api), ("thread", here), ("loop_thread", there),
                    ("stack", stack_summary(frame)))
    record(code, msg, loc, evidence, can_raise=True)
