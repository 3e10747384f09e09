"""State and recording of the runtime shim: options, handles, locating user
frames, recording findings (noqa, select/ignore, dedupe), garbage-collection
policy and output. Installation lives in `_install` (which registers itself
here through `_STATE.installer`), shared hit code in `_hits`; this module
imports neither.

Only the standard library, `asynclint.diagnostics` and `asynclint.noqa` are
imported here (and everywhere under `asynclint.runtime`). Every call into the
standard library that can run while the program runs goes through `_prims`
(bound at import), never through a module a tool or the program may patch.
"""
from __future__ import annotations

import gc
import json
import linecache
import os
import site
import sys
import sysconfig
import threading
import weakref
from dataclasses import dataclass, replace
from tokenize import detect_encoding
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from asynclint import noqa as _noqa
from asynclint.diagnostics import Diagnostic, Severity

from . import _prims

__all__ = ["Options", "RuntimeHandle", "AsyncioMisuseError", "NAMES"]

# Rule names shared with the static rules (kebab-case); tests/runtime checks
# they equal the static rules' names (the shim must not import the registry).
NAMES: Dict[str, str] = {
    "AIO100": "coroutine-never-awaited",
    "AIO200": "blocking-sleep",
    "AIO201": "blocking-network-call",
    "AIO202": "blocking-subprocess",
    "AIO203": "blocking-file-io",
    "AIO204": "blocking-thread-wait",
    "AIO205": "blocking-database-call",
    "AIO207": "blocking-input",
    "AIO300": "loop-method-from-thread",
    "AIO301": "asyncio-future-from-thread",
    "AIO302": "asyncio-primitive-from-thread",
    "AIO400": "discarded-task-reference",
    "AIO402": "discarded-future",
    "AIO505": "slow-callback",
    "AIO506": "unclosed-transport",
    "AIO600": "thread-lock-held-across-await",
}

# One severity per code, static or runtime: tests/runtime checks this table
# against the static rules (every code here is a WARNING there today).
SEVERITY: Dict[str, Severity] = {}


class AsyncioMisuseError(RuntimeError):
    """Raised at the offending call in `raise_` mode (`--raise`)."""

    def __init__(self, diagnostic: Diagnostic):
        super().__init__(f"{diagnostic.code} {diagnostic.message}")
        self.diagnostic = diagnostic


def _split_codes(value) -> Tuple[str, ...]:
    if not value:
        return ()
    if isinstance(value, str):
        value = [value]
    out: List[str] = []
    for item in value:
        out.extend(p.strip().upper() for p in str(item).replace(" ", ",").split(",") if p.strip())
    return tuple(out)


def _split_allow(value) -> Tuple[str, ...]:
    if not value:
        return ()
    if isinstance(value, str):
        value = value.split(",")
    return tuple(v.strip() for v in value if v and v.strip())


@dataclass
class Options:
    slow_callback_ms: float = 100.0
    select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    allow: Tuple[str, ...] = ()
    raise_: bool = False
    origin_depth: int = 1  # frames kept per coroutine; cost grows with depth
    monitoring: bool = False  # sys.monitoring (3.12+) for references bound before install

    @classmethod
    def make(cls, **kw) -> "Options":
        if "raise" in kw:
            kw["raise_"] = kw.pop("raise")
        opts = cls()
        for key, value in kw.items():
            if not hasattr(opts, key):
                raise TypeError(f"unknown runtime option {key!r}")
            setattr(opts, key, value)
        opts.select = _split_codes(opts.select)
        opts.ignore = _split_codes(opts.ignore)
        opts.allow = _split_allow(opts.allow)
        opts.slow_callback_ms = float(opts.slow_callback_ms)
        return opts

    def wants(self, code: str) -> bool:
        if self.select and not any(code.startswith(p) for p in self.select):
            return False
        if self.ignore and any(code.startswith(p) for p in self.ignore):
            return False
        return True


# ---------------------------------------------------------------------------
# Where is user code?

_USER, _THIRD_PARTY, _LIBRARY = 0, 1, 2


def _norm(p: str) -> str:
    return _prims.normcase(_prims.abspath(p)).rstrip(os.sep) + os.sep


def _both(p: str) -> List[str]:
    """A root as given and resolved (no realpath per file: too slow)."""
    out = [_norm(p)]
    real = os.path.normcase(os.path.realpath(p)).rstrip(os.sep) + os.sep
    if real != out[0]:
        out.append(real)
    return out


def _library_roots() -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    std: List[str] = []
    third: List[str] = []
    paths = sysconfig.get_paths()
    for key in ("stdlib", "platstdlib"):
        if paths.get(key):
            std.extend(_both(paths[key]))
    cand = [paths.get("purelib"), paths.get("platlib")]
    try:
        cand.extend(site.getsitepackages())
    except Exception:  # pragma: no cover - virtualenv quirks
        pass
    try:
        cand.append(site.getusersitepackages())
    except Exception:  # pragma: no cover
        pass
    for p in cand:
        if p:
            third.extend(_both(p))
    # asynclint itself counts as library code (never report inside the shim)
    std.extend(_both(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    return tuple(std), tuple(third)


_STD_ROOTS, _THIRD_ROOTS = _library_roots()
_KIND_CACHE: Dict[str, int] = {}


def classify(filename: str) -> int:
    kind = _KIND_CACHE.get(filename)
    if kind is not None:
        return kind
    if filename.startswith("<"):
        kind = _LIBRARY if filename.startswith("<frozen") else _USER
    else:
        full = _norm(filename)
        # site-packages usually lives inside the stdlib directory: test it first
        if any(full.startswith(r) for r in _THIRD_ROOTS):
            kind = _THIRD_PARTY
        elif any(full.startswith(r) for r in _STD_ROOTS):
            kind = _LIBRARY
        else:
            kind = _USER
    _KIND_CACHE[filename] = kind
    return kind


Location = Tuple[str, int, str]  # filename, line, function name


def user_location(frame) -> Optional[Location]:
    """Innermost user frame from `frame` outwards, or None: findings point at
    the user's code, never into the standard library or site-packages."""
    f = frame
    while f is not None:
        code = f.f_code
        if classify(code.co_filename) == _USER:
            return (code.co_filename, f.f_lineno, code.co_name)
        f = f.f_back
    return None


def location_from_tuples(frames: Iterable[Tuple[str, int, str]]) -> Optional[Location]:
    """Same as user_location, over `cr_origin`-style (file, line, name) tuples,
    innermost first."""
    for fn, line, name in frames:
        if classify(fn) == _USER:
            return (fn, line, name)
    return None


def code_location(code) -> Optional[Location]:
    """The `def` line of a code object, if it is user code."""
    if code is None or classify(code.co_filename) != _USER:
        return None
    return (code.co_filename, code.co_firstlineno, getattr(code, "co_qualname", code.co_name))


def stack_summary(frame, limit: int = 6) -> str:
    parts = []
    f = frame
    while f is not None and len(parts) < limit:
        code = f.f_code
        if classify(code.co_filename) != _LIBRARY:
            parts.append(f"{code.co_filename}:{f.f_lineno} in {code.co_name}")
        f = f.f_back
    return " <- ".join(parts)


def display_path(path: str) -> str:
    if path.startswith("<"):
        return path
    try:
        absp = _prims.abspath(path)
        cwd = _prims.getcwd()
        if absp == cwd:
            return "."
        if absp.startswith(cwd.rstrip(os.sep) + os.sep):
            return absp[len(cwd.rstrip(os.sep)) + 1:]
        return absp
    except Exception:
        return path


def frame_module_function(frame) -> Tuple[str, str, str]:
    g = frame.f_globals
    code = frame.f_code
    return g.get("__name__", ""), code.co_name, getattr(code, "co_qualname", code.co_name)


# ---------------------------------------------------------------------------
# Thread-local guard: set while the shim itself works or while an already
# reported call runs, so nested patched calls stay quiet.

_tls = threading.local()


def busy() -> bool:
    return getattr(_tls, "busy", False)


class _Busy:
    __slots__ = ("prev",)

    def __enter__(self):
        self.prev = getattr(_tls, "busy", False)
        _tls.busy = True

    def __exit__(self, *exc):
        _tls.busy = self.prev
        return False


def thread_name(ident: Optional[int]) -> str:
    if ident is None:
        return "?"
    for t in _prims.enumerate_threads():
        if t.ident == ident:
            return t.name
    return f"thread {ident}"


# ---------------------------------------------------------------------------
# Patch bookkeeping


class Patcher:
    def __init__(self):
        self._saved: List[Tuple[object, str, object, bool]] = []

    def set(self, obj, name: str, value) -> object:
        had = name in vars(obj) if isinstance(obj, type) else hasattr(obj, name)
        old = vars(obj).get(name) if isinstance(obj, type) else getattr(obj, name, None)
        self._saved.append((obj, name, old, had))
        setattr(obj, name, value)
        return old

    def restore(self) -> None:
        while self._saved:
            obj, name, old, had = self._saved.pop()
            try:
                if had:
                    setattr(obj, name, old)
                else:
                    delattr(obj, name)
            except Exception:  # pragma: no cover - best effort
                pass


# ---------------------------------------------------------------------------
# Source lines for `# noqa`, read without the (patchable) open/os.stat that
# linecache uses, and only when findings are materialised (see _Pending).

_LINES: Dict[str, Optional[List[str]]] = {}


def source_line(path: str, line: int) -> str:
    lines = _LINES.get(path, False)
    if lines is False:
        lines = None
        cached = linecache.cache.get(path)
        if cached is not None and len(cached) >= 3 and cached[2]:
            lines = list(cached[2])
        else:
            try:
                with _prims.open_(path, "rb") as fh:
                    data = fh.read()
                enc, _ = detect_encoding(iter(data.splitlines(True)).__next__)
                lines = data.decode(enc, "replace").splitlines(True)
            except Exception:
                lines = None
        _LINES[path] = lines
    if lines is None or not 0 < line <= len(lines):
        return ""
    return lines[line - 1]


# ---------------------------------------------------------------------------
# Handles and the global state


class RuntimeHandle:
    """What `install()` returns: `findings` (filled as they are read) and
    `uninstall()`."""

    def __init__(self, options: Options):
        self.options = options
        self._findings: List[Diagnostic] = []
        self._index: Dict[tuple, int] = {}
        self._counts: Dict[tuple, int] = {}
        self.active = False

    @property
    def findings(self) -> List[Diagnostic]:
        flush()
        return self._findings

    def _add(self, diag: Diagnostic) -> None:
        key = (diag.code, diag.path, diag.line, diag.col)
        i = self._index.get(key)
        if i is None:
            self._index[key] = len(self._findings)
            self._counts[key] = 1
            self._findings.append(diag)
            return
        n = self._counts[key] = self._counts[key] + 1
        old = self._findings[i]
        base = dict(old.extra).get("message", old.message)
        extra = tuple((k, v) for k, v in old.extra if k not in ("count", "message"))
        self._findings[i] = replace(
            old, message=f"{base} (seen {n} times)", extra=extra + (("count", n), ("message", base))
        )

    def uninstall(self) -> None:
        _STATE.remove(self)

    # convenience -------------------------------------------------------
    def sorted_findings(self) -> List[Diagnostic]:
        return sorted(self.findings, key=Diagnostic.sort_key)

    def format_text(self) -> str:
        return "".join(d.format_text() + "\n" for d in self.sorted_findings())

    def to_json(self) -> list:
        return [to_json(d) for d in self.sorted_findings()]

    def __enter__(self):
        return self._findings

    def __exit__(self, *exc):
        collect_garbage()
        self.uninstall()
        flush()
        return False


def to_json(d: Diagnostic) -> dict:
    out = d.to_json()
    ev = {k: v for k, v in d.extra if k != "message"}
    if ev:
        out["evidence"] = ev
    return out


# ---------------------------------------------------------------------------
# Garbage collection. Lost task exceptions, destroyed pending tasks and
# never-awaited coroutines are reported by finalisers. Reference counting runs
# most of them at once; only objects caught in reference cycles wait for the
# cyclic collector. A full gc.collect() costs in proportion to the whole heap
# (17 ms on a large test suite, after every test phase: 10x slower suites),
# so the shim tracks the objects whose finaliser can report (tasks created
# and futures given an exception while installed) and collects only while one
# of them is still alive and still able to report, youngest generation first.

_CANDIDATES: "weakref.WeakSet" = weakref.WeakSet()


def track(fut) -> None:
    try:
        _CANDIDATES.add(fut)
    except TypeError:  # pragma: no cover - not weak-referenceable
        pass


def _state_of(fut) -> int:
    """0: nothing to report any more (forget it); 1: could report if it were
    garbage now; 2: keep watching (pending on a loop that is running, e.g. a
    server thread's: the loop references it)."""
    try:
        if fut.done():
            return 1 if fut._log_traceback else 0
        return 2 if fut.get_loop().is_running() else 1
    except Exception:
        return 0


def _pending() -> bool:
    found = False
    for fut in list(_CANDIDATES):
        state = _state_of(fut)
        if state == 0:
            _CANDIDATES.discard(fut)
        elif state == 1:
            found = True
    return found


def collect_pending() -> int:
    """Collect garbage only if a tracked task or future that could still
    report is alive; returns the number of collections run."""
    if not _pending():
        return 0
    runs = 0
    for generation in (0, 1, 2):
        gc.collect(generation)
        runs += 1
        if not _pending():
            return runs
    # still alive after a full collection: referenced, not garbage. Forget
    # them (each candidate costs at most one full collection); their
    # finalisers still report whenever they die.
    _CANDIDATES.clear()
    return runs


def collect_garbage() -> None:
    """A full collection (program exit, end of a `watch()` block)."""
    gc.collect()
    _CANDIDATES.clear()


# ---------------------------------------------------------------------------
# Handles and the global state


class _State:
    def __init__(self):
        self.lock = threading.RLock()
        self.handles: List[RuntimeHandle] = []
        self.patcher: Optional[Patcher] = None
        self.slow_threshold = 0.1
        self.raise_ = False
        self.allow: Tuple[str, ...] = ()
        self.monitor = None
        self.saved_origin_depth = 0
        # set by _install when it is imported: (install_all, uninstall_all)
        self.installer = None

    @property
    def options(self) -> Options:
        return self.handles[-1].options

    def add(self, handle: RuntimeHandle) -> None:
        with self.lock:
            first = not self.handles
            self.handles.append(handle)
            handle.active = True
            self._apply_options()
            if first:
                self.patcher = Patcher()
                try:
                    self.installer[0](self, self.patcher)
                except BaseException:
                    self.patcher.restore()
                    self.handles.clear()
                    raise

    def remove(self, handle: RuntimeHandle) -> None:
        with self.lock:
            if handle not in self.handles:
                return
            self.handles.remove(handle)
            handle.active = False
            if self.handles:
                self._apply_options()
                return
            self.installer[1](self)
            if self.patcher is not None:
                self.patcher.restore()
                self.patcher = None

    def _apply_options(self) -> None:
        o = self.handles[-1].options
        self.slow_threshold = o.slow_callback_ms / 1000.0
        self.raise_ = o.raise_
        allow: List[str] = []
        for h in self.handles:
            allow.extend(h.options.allow)
        self.allow = tuple(allow)


_STATE = _State()


def is_allowed(api: str, frame) -> bool:
    """`allow` entries are "module:function" (or "module" / "module:*"). They
    match the blocking API itself ("time:sleep") or any frame on the stack."""
    allow = _STATE.allow
    if not allow:
        return False
    api_mod, _, api_fn = api.rpartition(".")
    for entry in allow:
        mod, _, fn = entry.partition(":")
        if mod == api_mod and fn in ("", "*", api_fn):
            return True
    f = frame
    while f is not None:
        mod, name, qual = frame_module_function(f)
        for entry in allow:
            emod, _, efn = entry.partition(":")
            if emod == mod and efn in ("", "*", name, qual):
                return True
        f = f.f_back
    return False


# ---------------------------------------------------------------------------
# Recording. A hit is queued as raw data; the `# noqa` look-up (a file read)
# and path display happen when findings are read (`flush()`), off the hot path
# and normally off the loop thread, so the shim performs no blocking call of
# its own while the loop runs. Raise mode decides at once (it must).

_QUEUE: List[tuple] = []


def _materialise(code, message, loc, evidence) -> Optional[Diagnostic]:
    path, line = loc[0], int(loc[1] or 1)
    if not path.startswith("<"):
        text = source_line(path, line)
        if text and _noqa.line_suppresses(text, code):
            return None
    return Diagnostic(
        path=display_path(path),
        line=line,
        col=1,
        code=code,
        message="[runtime] " + message,
        name=NAMES.get(code, ""),
        severity=SEVERITY.get(code, Severity.WARNING),
        source="runtime",
        extra=tuple(evidence),
    )


def flush() -> None:
    """Turn queued hits into findings in the handles that wanted them."""
    if not _QUEUE:
        return
    with _STATE.lock, _Busy():
        items = _QUEUE[:]
        del _QUEUE[: len(items)]
        for code, message, loc, evidence, wanted in items:
            diag = _materialise(code, message, loc, evidence)
            if diag is not None:
                for h in wanted:
                    h._add(diag)


def record(
    code: str,
    message: str,
    loc: Optional[Location],
    evidence: Sequence[Tuple[str, object]] = (),
    can_raise: bool = False,
) -> None:
    """Record one hit for every active handle that selects its code; raise in
    `raise_` mode. A hit without a user location is dropped: there is nothing
    in the user's code to point at or silence."""
    state = _STATE
    if not state.handles or loc is None:
        return
    wanted = [h for h in list(state.handles) if h.options.wants(code)]
    if not wanted:
        return
    if can_raise and state.raise_ and state.handles[-1] in wanted:
        with _Busy():
            diag = _materialise(code, message, loc, evidence)
        if diag is None:
            return
        with state.lock:
            for h in wanted:
                h._add(diag)
        raise AsyncioMisuseError(diag)
    _QUEUE.append((code, message, loc, tuple(evidence), wanted))


def write_summary(findings: Sequence[Diagnostic], fmt: str = "text", stream=None) -> None:
    stream = stream if stream is not None else sys.stderr
    ordered = sorted(findings, key=Diagnostic.sort_key)
    if fmt == "json":
        stream.write(json.dumps([to_json(d) for d in ordered], indent=2) + "\n")
    else:
        if not ordered:
            return
        for d in ordered:
            stream.write(d.format_text() + "\n")
        n = len(ordered)
        stream.write(f"asynclint runtime: {n} finding{'s' if n != 1 else ''}\n")
    try:
        stream.flush()
    except Exception:
        pass


def write_json(data, path: str) -> None:
    with _Busy():
        with _prims.open_(path, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2)
            fh.write("\n")


def write_report(findings: Sequence[Diagnostic], path: str) -> None:
    write_json([to_json(d) for d in sorted(findings, key=Diagnostic.sort_key)], path)
