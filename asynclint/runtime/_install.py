"""The patches the shim applies while installed, one section per code family."""
from __future__ import annotations

import asyncio
import builtins
import functools
import io
import os
import sys
import threading
import time
import warnings
import weakref
from asyncio import base_events

from . import _prims, _slow
from ._core import (
    _LIBRARY,
    display_path,
    _STATE,
    _USER,
    _Busy,
    _tls,
    classify,
    code_location,
    location_from_tuples,
    record,
    track,
    user_location,
)
from ._hits import (
    DB_HINT,
    DNS_HINT,
    FILE_HINT,
    INPUT_HINT,
    NET_HINT,
    PROC_HINT,
    SLEEP_HINT,
    THREAD_HINT,
    WRAPPERS,
    blocking_hit,
    thread_hit,
    wrap_blocking,
)

_get_running_loop = asyncio._get_running_loop
_current_task = asyncio.current_task
_get_ident = _prims.get_ident
_getframe = _prims.getframe


def _non_binding(wrapper):
    """Builtins do not bind as methods, Python functions do: `class C: pause =
    time.sleep` must keep working, so module-level wrappers are staticmethod
    objects (callable since 3.10)."""
    sm = staticmethod(wrapper)
    for attr in ("__asynclint_original__", "__asynclint_meta__", "__wrapped__", "__name__",
                 "__qualname__", "__doc__", "__module__"):
        try:
            setattr(sm, attr, getattr(wrapper, attr))
        except (AttributeError, TypeError):
            pass
    WRAPPERS[wrapper.__asynclint_original__] = sm
    return sm


def _patch_blocking(patcher, owner, name, code, api, hint, cond=None, direct=False):
    orig = getattr(owner, name, None)
    if orig is None:
        return
    wrapper = wrap_blocking(orig, code, api, hint, cond, direct)
    if not isinstance(owner, type):
        wrapper = _non_binding(wrapper)
    patcher.set(owner, name, wrapper)


# ---------------------------------------------------------------------------
# AIO2xx blocking calls


def _sock_wrapper(orig, api):
    """Socket methods are hot (asyncio's transports call them on non-blocking
    sockets): one cheap test on the fast path."""

    def wrapper(self, *args, **kwargs):
        if self.gettimeout() == 0.0 or _get_running_loop() is None or getattr(_tls, "busy", False):
            return orig(self, *args, **kwargs)
        blocking_hit("AIO201", api, NET_HINT, _getframe(1), False)
        with _Busy():
            return orig(self, *args, **kwargs)

    functools.update_wrapper(wrapper, orig)
    wrapper.__asynclint_original__ = orig
    return wrapper


class _CheckedLock:
    """Stands in for `threading.Lock()`/`RLock()` created by user code while
    installed (the C lock type cannot be patched). A `Lock` taken by a task on
    a loop thread remembers that task and where it was taken: if another task
    on the same thread then waits for it, the holder can never run again to
    release it (AIO600, the deadlock about to happen)."""

    __slots__ = ("_lock", "_kind", "_holder", "__weakref__")

    def __init__(self, lock, kind):
        self._lock = lock
        self._kind = kind
        self._holder = None  # (task, thread id, user location) of the last owner

    def _note_owner(self, frame):
        if self._kind == "Lock":
            loop = _get_running_loop()
            task = _current_task(loop) if loop is not None else None
            self._holder = (task, _get_ident(), user_location(frame)) if task is not None \
                else None

    def acquire(self, blocking=True, timeout=-1):
        lock = self._lock
        if _get_running_loop() is None or getattr(_tls, "busy", False):
            got = lock.acquire(blocking, timeout)
            if got:
                self._holder = None
            return got
        frame = _getframe(1)
        if frame.f_code is _CheckedLock.__enter__.__code__:
            frame = frame.f_back
        if lock.acquire(False):
            self._note_owner(frame)
            return True
        if blocking and timeout != 0:
            held = self._holder
            if held is not None and held[1] == _get_ident() and held[0] is not _current_task():
                _deadlock_hit(self._kind, held, frame)
            else:
                blocking_hit("AIO204", f"threading.{self._kind}.acquire", THREAD_HINT, frame,
                             True)
        got = lock.acquire(blocking, timeout)
        if got:
            self._note_owner(frame)
        return got

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self._holder = None
        self._lock.release()

    def release(self):
        self._holder = None
        self._lock.release()

    def __getattr__(self, name):
        return getattr(self._lock, name)

    def __repr__(self):
        return repr(self._lock)


def _deadlock_hit(kind, held, frame) -> None:
    if classify(frame.f_code.co_filename) != _USER:
        return
    task, _, where = held
    with _Busy():
        loc = user_location(frame)
        if where is not None:
            taken = f" (taken at {display_path(where[0])}:{where[1]} in {where[2]}())"
        else:
            taken = ""
        msg = (f"threading.{kind} acquired on the event loop thread while task "
               f"{task.get_name()!r} holds it across an await{taken}: the loop thread blocks "
               f"and that task cannot run to release it (deadlock); use an asyncio.Lock, or "
               f"release the lock before awaiting")
        evidence = (("holder_task", task.get_name()),
                    ("holder", f"{where[0]}:{where[1]}" if where else "?"))
    record("AIO600", msg, loc, evidence, can_raise=True)


def _lock_factory(real, kind):
    def factory(*args, **kwargs):
        lock = real(*args, **kwargs)
        if classify(_getframe(1).f_code.co_filename) == _USER:
            return _CheckedLock(lock, kind)
        return lock

    factory.__asynclint_original__ = real
    return factory


def _install_blocking(patcher) -> None:
    import concurrent.futures
    import pathlib
    import queue
    import socket
    import subprocess

    # AIO200
    _patch_blocking(
        patcher, time, "sleep", "AIO200", "time.sleep", SLEEP_HINT,
        cond=lambda secs=None, *a, **k: secs is None or secs > 0,
    )
    # AIO201: DNS and blocking socket methods
    for fn in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr",
               "getnameinfo", "getfqdn"):
        _patch_blocking(patcher, socket, fn, "AIO201", f"socket.{fn}", DNS_HINT)
    _patch_blocking(patcher, socket, "create_connection", "AIO201",
                    "socket.create_connection", NET_HINT)
    global _PlainSocket
    plain_ns = {"__slots__": ()}
    for meth in ("accept", "connect", "recv", "recv_into", "recvfrom", "recvfrom_into",
                 "send", "sendall", "sendto", "sendfile"):
        orig = getattr(socket.socket, meth)
        plain_ns[meth] = orig
        patcher.set(socket.socket, meth, _sock_wrapper(orig, f"socket.socket.{meth}"))
    # Sockets owned by asyncio transports are non-blocking by contract and
    # their recv/send are the hottest calls of a network server: they get a
    # subclass with the unpatched methods (see _patch_transport).
    _PlainSocket = type("socket", (socket.socket,), plain_ns)
    _PlainSocket.__module__ = "socket"
    # AIO202
    for fn in ("run", "call", "check_call", "check_output", "getoutput", "getstatusoutput"):
        _patch_blocking(patcher, subprocess, fn, "AIO202", f"subprocess.{fn}", PROC_HINT)
    _patch_blocking(patcher, subprocess.Popen, "wait", "AIO202", "subprocess.Popen.wait",
                    PROC_HINT, cond=lambda self, timeout=None: self.returncode is None and timeout != 0)
    _patch_blocking(patcher, subprocess.Popen, "communicate", "AIO202",
                    "subprocess.Popen.communicate", PROC_HINT)
    _patch_blocking(patcher, os, "system", "AIO202", "os.system", PROC_HINT)
    # AIO203: only calls made directly by user code (imports, asyncio,
    # logging, test runners... open files too)
    real_open = builtins.open
    wrapped_open = _non_binding(wrap_blocking(real_open, "AIO203", "open", FILE_HINT, direct=True))
    patcher.set(builtins, "open", wrapped_open)
    if io.open is real_open:
        patcher.set(io, "open", wrapped_open)
    for meth in ("open", "read_text", "read_bytes", "write_text", "write_bytes"):
        _patch_blocking(patcher, pathlib.Path, meth, "AIO203", f"pathlib.Path.{meth}",
                        FILE_HINT, direct=True)
    # AIO204: only when the wait would really block
    _patch_blocking(patcher, threading.Event, "wait", "AIO204", "threading.Event.wait",
                    THREAD_HINT, cond=lambda self, timeout=None: not self.is_set() and timeout != 0,
                    direct=True)
    _patch_blocking(patcher, threading.Condition, "wait", "AIO204", "threading.Condition.wait",
                    THREAD_HINT, cond=lambda self, timeout=None: timeout != 0, direct=True)
    _patch_blocking(patcher, threading.Semaphore, "acquire", "AIO204",
                    "threading.Semaphore.acquire", THREAD_HINT,
                    cond=lambda self, blocking=True, timeout=None: blocking and timeout != 0
                    and self._value == 0, direct=True)
    _patch_blocking(patcher, threading.Barrier, "wait", "AIO204", "threading.Barrier.wait",
                    THREAD_HINT, direct=True)
    _patch_blocking(patcher, threading.Thread, "join", "AIO204", "threading.Thread.join",
                    THREAD_HINT, cond=lambda self, timeout=None: self.is_alive() and timeout != 0,
                    direct=True)
    _patch_blocking(patcher, queue.Queue, "get", "AIO204", "queue.Queue.get", THREAD_HINT,
                    cond=lambda self, block=True, timeout=None: block and timeout != 0
                    and not self._qsize(), direct=True)
    _patch_blocking(patcher, queue.Queue, "put", "AIO204", "queue.Queue.put", THREAD_HINT,
                    cond=lambda self, item=None, block=True, timeout=None: block and timeout != 0
                    and 0 < self.maxsize <= self._qsize(), direct=True)
    _patch_blocking(patcher, queue.Queue, "join", "AIO204", "queue.Queue.join", THREAD_HINT,
                    cond=lambda self: self.unfinished_tasks > 0, direct=True)
    for meth in ("result", "exception"):
        _patch_blocking(patcher, concurrent.futures.Future, meth, "AIO204",
                        f"concurrent.futures.Future.{meth}", THREAD_HINT,
                        cond=lambda self, timeout=None: not self.done() and timeout != 0,
                        direct=True)
    patcher.set(threading, "Lock", _lock_factory(threading.Lock, "Lock"))
    patcher.set(threading, "RLock", _lock_factory(threading.RLock, "RLock"))
    # AIO205
    _install_sqlite(patcher)
    # AIO207
    _patch_blocking(patcher, builtins, "input", "AIO207", "input", INPUT_HINT)


def _install_sqlite(patcher) -> None:
    try:
        import sqlite3
    except Exception:  # pragma: no cover - no _sqlite3
        return

    def db_method(name, owner_name):
        base = getattr(getattr(sqlite3, owner_name), name)
        return wrap_blocking(base, "AIO205", f"sqlite3.{owner_name}.{name}", DB_HINT)

    cursor_ns = {m: db_method(m, "Cursor") for m in
                 ("execute", "executemany", "executescript", "fetchone", "fetchmany", "fetchall")}
    CheckedCursor = type("Cursor", (sqlite3.Cursor,), cursor_ns)
    CheckedCursor.__module__ = "sqlite3"  # reprs and type names as without the shim
    conn_ns = {m: db_method(m, "Connection") for m in ("commit", "rollback")}
    real_cursor = sqlite3.Connection.cursor

    def conn_execute(name):
        # The C Connection.execute*() makes a plain cursor internally (not
        # through .cursor()), so the cursor it returns would escape: do what
        # it does through the checking cursor, so that
        # `conn.execute(...).fetchall()` is seen in full.
        base = getattr(sqlite3.Connection, name)

        def impl(self, *args, **kwargs):
            return getattr(self.cursor(), name)(*args, **kwargs)

        functools.update_wrapper(impl, base)
        wrapper = wrap_blocking(impl, "AIO205", f"sqlite3.Connection.{name}", DB_HINT)
        WRAPPERS[base] = WRAPPERS.pop(impl)  # sys.monitoring sees the C method
        return wrapper

    for m in ("execute", "executemany", "executescript"):
        conn_ns[m] = conn_execute(m)

    def cursor(self, factory=None, *a, **k):
        return real_cursor(self, factory or CheckedCursor, *a, **k)

    conn_ns["cursor"] = cursor
    CheckedConnection = type("Connection", (sqlite3.Connection,), conn_ns)
    CheckedConnection.__module__ = "sqlite3"
    real_connect = sqlite3.connect

    def connect(*args, **kwargs):
        if len(args) < 6 and "factory" not in kwargs:
            kwargs["factory"] = CheckedConnection
        return real_connect(*args, **kwargs)

    functools.update_wrapper(connect, real_connect)
    wrapper = _non_binding(wrap_blocking(connect, "AIO205", "sqlite3.connect", DB_HINT))
    WRAPPERS[real_connect] = WRAPPERS.pop(connect)
    wrapper.__asynclint_original__ = real_connect  # rebinding of `from sqlite3 import connect`
    patcher.set(sqlite3, "connect", wrapper)


# ---------------------------------------------------------------------------
# AIO3xx asyncio objects used from another thread


def _wrong_thread(loop) -> int:
    tid = getattr(loop, "_thread_id", None)
    if tid is not None and tid != _get_ident() and not getattr(_tls, "busy", False):
        return tid
    return 0


_CALL_SOON_NAMES = ("_check_closed", "_debug", "_check_thread", "_check_callback", "_call_soon",
                    "_source_traceback")


def _loop_method(orig, name, hint):
    api = f"loop.{name}"

    if name == "call_soon" and orig.__code__.co_names == _CALL_SOON_NAMES:
        # The hottest loop method (every future resolution goes through it).
        # Its body has been the same from 3.10 to 3.13 (checked above by the
        # names it uses): do the thread check and the same work in one frame.

        def wrapper(self, callback, *args, context=None):
            if self._thread_id != _get_ident():
                tid = self._thread_id
                if tid is not None and not getattr(_tls, "busy", False):
                    thread_hit("AIO300", api, hint, tid, _getframe(1))
                    with _Busy():
                        return orig(self, callback, *args, context=context)
            self._check_closed()
            if self._debug:
                self._check_thread()
                self._check_callback(callback, "call_soon")
            handle = self._call_soon(callback, args, context)
            if handle._source_traceback:
                del handle._source_traceback[-1]
            return handle

    else:

        def wrapper(self, *args, **kwargs):
            if self._thread_id != _get_ident():
                tid = self._thread_id
                if tid is not None and not getattr(_tls, "busy", False):
                    thread_hit("AIO300", api, hint, tid, _getframe(1))
                    with _Busy():
                        return orig(self, *args, **kwargs)
            return orig(self, *args, **kwargs)

    functools.update_wrapper(wrapper, orig)
    return wrapper


FUT_HINT = "use loop.call_soon_threadsafe({})"


def _check_future(fut, name) -> bool:
    """Report a future/task method called off the loop thread; True if it was
    (the caller then runs the real method under the guard, so what it does
    next -- e.g. cancel() scheduling callbacks -- is not reported again)."""
    tid = _wrong_thread(fut._loop)
    if tid:
        kind = "Task" if isinstance(fut, asyncio.Task) else "Future"
        thread_hit("AIO301", f"{kind}.{name}", FUT_HINT.format(f"fut.{name}, ..."), tid,
                    _getframe(2))
        return True
    return False


# creator locations of tasks/futures not made by our classes (custom task factories)
_CREATORS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


_Future = asyncio.Future
_F_set_result = _Future.set_result
_F_set_exception = _Future.set_exception
_F_cancel = _Future.cancel
_F_add_done_callback = _Future.add_done_callback


class CheckedFuture(_Future):
    """What loop.create_future() returns while installed: a subclass of the C
    future that checks the calling thread. Creating futures is hot (every
    stream read makes one), so no creation frame is captured; a lost
    exception is located where set_exception() was called instead."""

    __slots__ = ("_asynclint_created",)

    def set_result(self, result):
        if self._loop._thread_id != _get_ident() and _check_future(self, "set_result"):
            with _Busy():
                return _F_set_result(self, result)
        return _F_set_result(self, result)

    def set_exception(self, exception):
        self._asynclint_created = user_location(_getframe(1))
        track(self)
        if self._loop._thread_id != _get_ident() and _check_future(self, "set_exception"):
            with _Busy():
                return _F_set_exception(self, exception)
        return _F_set_exception(self, exception)

    def cancel(self, *args, **kwargs):
        if self._loop._thread_id != _get_ident() and _check_future(self, "cancel"):
            with _Busy():
                return _F_cancel(self, *args, **kwargs)
        return _F_cancel(self, *args, **kwargs)

    def add_done_callback(self, fn, *, context=None):
        if self._loop._thread_id != _get_ident() and _check_future(self, "add_done_callback"):
            with _Busy():
                return _F_add_done_callback(self, fn, context=context)
        return _F_add_done_callback(self, fn, context=context)


_Task = asyncio.Task
_T_set_result = _Task.set_result
_T_set_exception = _Task.set_exception
_T_cancel = _Task.cancel
_T_add_done_callback = _Task.add_done_callback


class CheckedTask(_Task):
    """What loop.create_task() makes while installed (unless the program set a
    task factory): checks the calling thread and remembers the creating line."""

    __slots__ = ("_asynclint_created", "_asynclint_name")

    def __init__(self, *args, **kwargs):
        self._asynclint_created = user_location(_getframe(1))
        _Task.__init__(self, *args, **kwargs)
        track(self)

    def set_result(self, result):  # Task forbids it, but from which thread?
        if self._loop._thread_id != _get_ident() and _check_future(self, "set_result"):
            with _Busy():
                return _T_set_result(self, result)
        return _T_set_result(self, result)

    def set_exception(self, exception):
        if self._loop._thread_id != _get_ident() and _check_future(self, "set_exception"):
            with _Busy():
                return _T_set_exception(self, exception)
        return _T_set_exception(self, exception)

    def cancel(self, *args, **kwargs):
        if self._loop._thread_id != _get_ident() and _check_future(self, "cancel"):
            with _Busy():
                return _T_cancel(self, *args, **kwargs)
        return _T_cancel(self, *args, **kwargs)

    def add_done_callback(self, fn, *, context=None):
        if self._loop._thread_id != _get_ident() and _check_future(self, "add_done_callback"):
            with _Busy():
                return _T_add_done_callback(self, fn, context=context)
        return _T_add_done_callback(self, fn, context=context)


# keep reprs and log messages as without the shim ("Task exception was never retrieved")
CheckedFuture.__name__ = CheckedFuture.__qualname__ = "Future"
CheckedTask.__name__ = CheckedTask.__qualname__ = "Task"


def _checked_task_factory(loop, coro, **kwargs):
    task = CheckedTask(coro, loop=loop, **kwargs)
    task._asynclint_name = task.get_name()
    return task


def _install_threads(patcher) -> None:
    BEL = base_events.BaseEventLoop
    for name, hint in (
        ("call_soon", "use loop.call_soon_threadsafe(callback, *args)"),
        ("call_later", "use loop.call_soon_threadsafe(loop.call_later, delay, callback)"),
        ("call_at", "use loop.call_soon_threadsafe(loop.call_at, when, callback)"),
        ("stop", "use loop.call_soon_threadsafe(loop.stop)"),
    ):
        patcher.set(BEL, name, _loop_method(getattr(BEL, name), name, hint))

    def create_future(self):
        if self._thread_id != _get_ident():
            tid = _wrong_thread(self)
            if tid:
                thread_hit("AIO300", "loop.create_future",
                            "create futures on the loop thread (loop.call_soon_threadsafe)", tid,
                            _getframe(1))
        return CheckedFuture(loop=self)

    patcher.set(BEL, "create_future", create_future)
    real_create_task = BEL.create_task

    def create_task(self, coro, *args, **kwargs):
        tid = _wrong_thread(self)
        if tid:
            thread_hit("AIO300", "loop.create_task",
                        "use asyncio.run_coroutine_threadsafe(coro, loop)", tid, _getframe(1))
            with _Busy():
                return _create_task(self, coro, args, kwargs)
        return _create_task(self, coro, args, kwargs)

    def _create_task(self, coro, args, kwargs):
        if self._task_factory is None:
            name = kwargs.get("name")
            if name is None:
                self._task_factory = _checked_task_factory
            else:  # named at construction: auto-numbering stays as without the shim
                self._task_factory = lambda loop, coro, **kw: _checked_task_factory(
                    loop, coro, name=name, **kw)
            try:
                task = real_create_task(self, coro, *args, **kwargs)
            finally:
                self._task_factory = None
            # 3.13.0 calls task.set_name(name) even when name is None
            if kwargs.get("name") is None and task.get_name() == "None":
                auto = getattr(task, "_asynclint_name", None)
                if auto is not None:
                    task.set_name(auto)
            return task
        task = real_create_task(self, coro, *args, **kwargs)
        if not isinstance(task, CheckedTask):
            try:
                _CREATORS[task] = user_location(_getframe(2))
            except TypeError:
                pass
            track(task)
        return task

    functools.update_wrapper(create_task, real_create_task)
    patcher.set(BEL, "create_task", create_task)

    # asyncio synchronisation primitives and queues
    prim_hint = "use loop.call_soon_threadsafe({}, ...)"
    targets = (
        (asyncio.Queue, ("put_nowait", "get_nowait", "task_done")),
        (asyncio.Event, ("set", "clear")),
        (asyncio.Lock, ("release",)),
        (asyncio.Semaphore, ("release",)),
        (asyncio.Condition, ("notify", "notify_all")),
    )
    for cls, methods in targets:
        patcher.set(cls, "__init__", _prim_init(cls.__init__))
        for m in methods:
            patcher.set(cls, m, _prim_method(getattr(cls, m), f"asyncio.{cls.__name__}.{m}",
                                             prim_hint.format(f"{cls.__name__.lower()}.{m}")))


def _prim_init(orig):
    def __init__(self, *args, **kwargs):
        orig(self, *args, **kwargs)
        loop = _get_running_loop()
        if loop is not None:
            self.__dict__["_asynclint_loop"] = loop

    functools.update_wrapper(__init__, orig)
    return __init__


def _prim_method(orig, api, hint):
    def wrapper(self, *args, **kwargs):
        loop = getattr(self, "_loop", None) or self.__dict__.get("_asynclint_loop")
        tid = getattr(loop, "_thread_id", None)
        if tid is not None and tid != _get_ident() and not getattr(_tls, "busy", False):
            thread_hit("AIO302", api, hint, tid, _getframe(1))
            with _Busy():
                return orig(self, *args, **kwargs)
        return orig(self, *args, **kwargs)

    functools.update_wrapper(wrapper, orig)
    return wrapper


# ---------------------------------------------------------------------------
# AIO100 never-awaited coroutines


def _install_unawaited(state, patcher, depth) -> None:
    state.saved_origin_depth = sys.get_coroutine_origin_tracking_depth()
    user_tracking = state.saved_origin_depth > 0 or sys.flags.dev_mode or bool(
        os.environ.get("PYTHONASYNCIODEBUG"))
    if depth > state.saved_origin_depth:
        sys.set_coroutine_origin_tracking_depth(depth)
    orig = getattr(warnings, "_warn_unawaited_coroutine", None)

    def _warn_unawaited_coroutine(coro):
        try:
            _report_unawaited(coro, _getframe(1))
        except Exception:
            pass
        # Keep the program's own stderr as it would be without the shim.
        if orig is not None and user_tracking:
            return orig(coro)
        warnings.warn(f"coroutine '{coro.__qualname__}' was never awaited",
                      RuntimeWarning, stacklevel=2, source=coro)

    patcher.set(warnings, "_warn_unawaited_coroutine", _warn_unawaited_coroutine)


def _report_unawaited(coro, frame) -> None:
    with _Busy():
        origin = getattr(coro, "cr_origin", None)
        loc = location_from_tuples(origin) if origin else None
        how = "created"
        if loc is None or classify(loc[0]) != _USER:
            # no origin (created before install, or created by library code
            # deeper than origin_depth): where it was dropped is the next best
            collected = user_location(frame)
            if collected is not None and (loc is None or classify(collected[0]) == _USER):
                loc, how = collected, "dropped"
        qual = getattr(coro, "__qualname__", "?")
        where = f" in {loc[2]}()" if loc else ""
        msg = (f"coroutine '{qual}' was never awaited ({how}{where}); "
               f"await it or schedule it with asyncio.create_task()")
        evidence = (("coroutine", qual),)
        if origin:
            evidence += (("origin", " <- ".join(f"{fn}:{ln} in {nm}" for fn, ln, nm in origin)),)
    record("AIO100", msg, loc, evidence)


# ---------------------------------------------------------------------------
# AIO4xx lost exceptions / destroyed tasks


def _creator_of(fut):
    loc = getattr(fut, "_asynclint_created", None)
    if loc is None:
        try:
            loc = _CREATORS.get(fut)
        except TypeError:
            loc = None
    return loc


def _coro_location(coro):
    return code_location(getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None))


def _tb_location(exc):
    tb = getattr(exc, "__traceback__", None)
    best = None
    while tb is not None:
        code = tb.tb_frame.f_code
        if classify(code.co_filename) == _USER:
            best = (code.co_filename, tb.tb_lineno, code.co_name)
        tb = tb.tb_next
    return best


def _on_exception_context(context) -> None:
    message = str(context.get("message", ""))
    if "exception was never retrieved" in message:
        fut = context.get("future")
        exc = context.get("exception")
        loc = _creator_of(fut)
        if loc is None and isinstance(fut, asyncio.Task):
            loc = _coro_location(fut.get_coro())
        if loc is None:
            loc = _tb_location(exc)
        what = "task" if isinstance(fut, asyncio.Task) else "future"
        name = ""
        if isinstance(fut, asyncio.Task):
            coro = fut.get_coro()
            name = f" {getattr(coro, '__qualname__', fut.get_name())}()"
        msg = (f"{what}{name} exception was never retrieved: {exc!r}; await the {what}, "
               f"keep a reference and check it, or add a done callback")
        record("AIO402", msg, loc, (("exception", repr(exc)),
                                    ("raised_at", "%s:%s in %s" % (_tb_location(exc) or ("?", 0, "?")))))
    elif "destroyed but it is pending" in message:
        task = context.get("task")
        loc = _creator_of(task)
        coro = task.get_coro() if isinstance(task, asyncio.Task) else None
        if loc is None and coro is not None:
            loc = _coro_location(coro)
        name = getattr(coro, "__qualname__", "?")
        msg = (f"task {name}() was destroyed while still pending; keep a reference to the "
               f"task and await or cancel it before the loop closes")
        record("AIO400", msg, loc, (("task", repr(task)[:200]),))


def _install_lifecycle(patcher) -> None:
    BEL = base_events.BaseEventLoop
    orig = BEL.call_exception_handler

    def call_exception_handler(self, context):
        try:
            if not getattr(_tls, "busy", False):
                _on_exception_context(context)
        except Exception:
            pass
        return orig(self, context)

    functools.update_wrapper(call_exception_handler, orig)
    patcher.set(BEL, "call_exception_handler", call_exception_handler)


# ---------------------------------------------------------------------------
# AIO506 unclosed transports (AIO505 slow callbacks: _slow.py)

def _install_transports(patcher) -> None:
    """AIO506: transports garbage-collected without close()."""
    targets = []
    try:
        from asyncio import selector_events

        targets.append((selector_events._SelectorTransport, lambda t: t._sock is not None))
    except Exception:  # pragma: no cover
        pass
    try:
        from asyncio import unix_events

        targets.append((unix_events._UnixReadPipeTransport, lambda t: t._pipe is not None))
        targets.append((unix_events._UnixWritePipeTransport, lambda t: t._pipe is not None))
    except Exception:
        pass
    try:
        from asyncio import base_subprocess

        targets.append((base_subprocess.BaseSubprocessTransport, lambda t: not t._closed))
    except Exception:  # pragma: no cover
        pass
    try:
        from asyncio import sslproto

        targets.append((sslproto._SSLProtocolTransport, lambda t: not t._closed))
    except Exception:  # pragma: no cover
        pass
    if "__del__" in vars(asyncio.StreamWriter):  # 3.11.5+: closes its transport itself
        targets.append((asyncio.StreamWriter, lambda w: not w._transport.is_closing()))
    for cls, unclosed in targets:
        _patch_transport(patcher, cls, unclosed)


_PlainSocket = None


def _patch_transport(patcher, cls, unclosed) -> None:
    orig_init = cls.__init__
    orig_del = cls.__dict__.get("__del__")
    if orig_del is None:
        return

    def __init__(self, *args, **kwargs):
        orig_init(self, *args, **kwargs)
        try:
            self.__dict__["_asynclint_created"] = user_location(_getframe(1))
            sock = self.__dict__.get("_sock")
            if _PlainSocket is not None and type(sock) is _PlainSocket.__base__:
                sock.__class__ = _PlainSocket
        except Exception:
            pass

    def __del__(self, *args, **kwargs):
        try:
            if unclosed(self) and not getattr(_tls, "busy", False):
                _report_unclosed(self)
        except Exception:
            pass
        return orig_del(self, *args, **kwargs)

    functools.update_wrapper(__init__, orig_init)
    patcher.set(cls, "__init__", __init__)
    patcher.set(cls, "__del__", __del__)


def _report_unclosed(transport) -> None:
    with _Busy():
        loc = transport.__dict__.get("_asynclint_created")
        if loc is None:
            proto = getattr(transport, "_protocol", None)
            cb = getattr(proto, "_client_connected_cb", None)
            if cb is not None:
                loc = _slow._callback_location(cb)[0]
            elif proto is not None:
                for value in vars(type(proto)).values():
                    loc = code_location(getattr(value, "__code__", None))
                    if loc is not None:
                        break
        msg = (f"unclosed {type(transport).__name__} garbage-collected; "
               f"call transport.close() / writer.close() and 'await writer.wait_closed()'")
    record("AIO506", msg, loc, (("transport", type(transport).__name__),))


# ---------------------------------------------------------------------------
# references bound before install (e.g. `from time import sleep` in a module
# imported earlier): rebind module globals that are the original objects.


def _rebind_prebound(patcher) -> None:
    if not WRAPPERS:
        return
    originals = {id(k): v for k, v in WRAPPERS.items()}
    stdlib = getattr(sys, "stdlib_module_names", ())
    for name, module in list(sys.modules.items()):
        if name.partition(".")[0] in stdlib or name.startswith("asynclint."):
            continue
        fn = getattr(module, "__file__", None)
        if not fn or classify(fn) == _LIBRARY:
            continue
        try:
            items = list(vars(module).items())
        except Exception:
            continue
        for attr, value in items:
            wrapper = originals.get(id(value))
            if wrapper is not None and wrapper.__asynclint_original__ is value:
                patcher.set(module, attr, wrapper)


# ---------------------------------------------------------------------------


def install_all(state, patcher) -> None:
    opts = state.options
    WRAPPERS.clear()
    _install_unawaited(state, patcher, opts.origin_depth)
    _install_blocking(patcher)
    _install_threads(patcher)
    _install_lifecycle(patcher)
    _slow.install(state, patcher)
    _install_transports(patcher)
    _rebind_prebound(patcher)
    if opts.monitoring:
        from . import _monitoring

        state.monitor = _monitoring.start(WRAPPERS)


def uninstall_all(state) -> None:
    if state.monitor is not None:
        try:
            state.monitor.stop()
        finally:
            state.monitor = None
    sys.set_coroutine_origin_tracking_depth(state.saved_origin_depth)
    _slow.uninstall()


# the state calls back here on the first install and the last uninstall
_STATE.installer = (install_all, uninstall_all)
