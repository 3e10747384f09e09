"""AIO505: callbacks and task steps that hold the event loop too long.

`Handle._run` is timed; each running handle is announced in `_RUNNING` (by
thread). A watchdog thread (a bare `_thread`, invisible to
`threading.enumerate()` so programs and test suites that count threads see no
difference) samples the loop thread's stack while a handle has run longer
than half the threshold. A slow step is then blamed on the line where the
samples found it, not on where the task happened to suspend afterwards (300 ms
of work in `main()` followed by `await quick_helper()` is `main()`'s).
"""
from __future__ import annotations

import asyncio
import functools
import inspect
from asyncio import events
from collections import Counter

from . import _prims
from ._core import _USER, _Busy, classify, code_location, record

_CO_ASYNC = inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR
_perf = _prims.perf_counter
_get_ident = _prims.get_ident

# thread id -> [t0, samples or None] of the handle running on that thread
_RUNNING: dict = {}
_WATCH = {"generation": 0}


def _sample_location(frame):
    """(blamed, innermost): `blamed` is the line of the innermost user
    coroutine on the stack (else the outermost user frame, i.e. the callback
    itself); `innermost` the innermost user frame (a helper it called)."""
    inner = outer = coro = None
    f = frame
    while f is not None:
        code = f.f_code
        if code.co_filename == __file__:  # Handle._run: what runs below is not the handle's
            break
        if classify(code.co_filename) == _USER:
            here = (code.co_filename, f.f_lineno, getattr(code, "co_qualname", code.co_name))
            if inner is None:
                inner = here
            if coro is None and code.co_flags & _CO_ASYNC:
                coro = here
            outer = here
        f = f.f_back
    blamed = coro or outer
    return (blamed, inner) if blamed is not None else None


def _watchdog(generation, state) -> None:
    sleep, perf, frames_of = _prims.sleep, _perf, _prims.current_frames
    while _WATCH["generation"] == generation:
        threshold = state.slow_threshold
        sleep(max(0.002, min(threshold / 4.0, 0.05)))
        if not _RUNNING:
            continue
        now = perf()
        late = [(tid, slot) for tid, slot in list(_RUNNING.items())
                if now - slot[0] > threshold / 2.0]
        if not late:
            continue
        try:
            frames = frames_of()
            for tid, slot in late:
                frame = frames.get(tid)
                where = _sample_location(frame) if frame is not None else None
                if where is not None:
                    if slot[1] is None:
                        slot[1] = []
                    slot[1].append(where)
            del frames, frame
        except Exception:
            pass


def _callback_location(cb):
    seen = 0
    while seen < 10:
        seen += 1
        if isinstance(cb, functools.partial):
            cb = cb.func
            continue
        func = getattr(cb, "__func__", None)
        if func is not None:
            cb = func
            continue
        wrapped = getattr(cb, "__wrapped__", None)
        if wrapped is not None:
            cb = wrapped
            continue
        break
    code = getattr(cb, "__code__", None)
    qual = getattr(cb, "__qualname__", None) or repr(cb)
    return code_location(code), qual


def _awaiting_location(task):
    """Fallback when no sample was taken (the step was one C call holding the
    GIL): the innermost user coroutine of the task's await chain."""
    chain = []
    c = task.get_coro()
    while c is not None and len(chain) < 50:
        code = getattr(c, "cr_code", None) or getattr(c, "gi_code", None)
        if code is None:
            break
        chain.append(code)
        c = getattr(c, "cr_await", None) or getattr(c, "gi_yieldfrom", None)
    for code in reversed(chain):
        loc = code_location(code)
        if loc is not None:
            return loc
    return None


def _report_slow(handle, dt, samples, threshold) -> None:
    with _Busy():
        cb = handle._callback
        owner = getattr(cb, "__self__", None)
        ms = dt * 1000.0
        loc = inner = None
        if samples:
            (loc, inner), _ = Counter(samples).most_common(1)[0]
        if isinstance(owner, asyncio.Task):
            if loc is None:
                loc = _awaiting_location(owner)
            what = f"task {owner.get_name()!r} step in {loc[2] if loc else '?'}()"
        else:
            cb_loc, qual = _callback_location(cb)
            loc = loc or cb_loc
            what = f"callback {qual}()"
        spent = ""
        if inner is not None and inner != loc:
            spent = f" (time spent in {inner[2]}() at line {inner[1]})"
        msg = (f"{what} took {ms:.0f} ms (threshold {threshold * 1000:.0f} ms){spent}, "
               f"blocking the event loop; move slow work to asyncio.to_thread()")
    record("AIO505", msg, loc, (("duration_ms", round(ms, 1)),))


def install(state, patcher) -> None:
    orig = events.Handle._run

    def _run(self, _orig=orig, _perf=_perf, _state=state, _running=_RUNNING,
             _get_ident=_get_ident):
        tid = _get_ident()
        prev = _running.get(tid)  # a loop run from inside a callback (nested)
        slot = _running[tid] = [_perf(), None]
        try:
            _orig(self)
        finally:
            if prev is None:
                _running.pop(tid, None)
            else:
                _running[tid] = prev
        dt = _perf() - slot[0]
        threshold = _state.slow_threshold
        if dt > threshold:
            try:
                _report_slow(self, dt, slot[1], threshold)
            except Exception:
                pass

    functools.update_wrapper(_run, orig)
    patcher.set(events.Handle, "_run", _run)
    _WATCH["generation"] += 1
    _prims.start_new_thread(_watchdog, (_WATCH["generation"], state))


def uninstall() -> None:
    _WATCH["generation"] += 1
    _RUNNING.clear()
