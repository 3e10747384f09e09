"""Shared machinery of the runtime shim: options, patch bookkeeping, locating
user frames, recording findings (noqa, select/ignore, dedupe) and output.

Only the standard library, `asynclint.diagnostics` and `asynclint.noqa` are
imported here (and everywhere under `asynclint.runtime`).
"""
from __future__ import annotations

import json
import linecache
import os
import site
import sys
import sysconfig
import threading
from dataclasses import dataclass, replace
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from asynclint import noqa as _noqa
from asynclint.diagnostics import Diagnostic, Severity

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
}

SEVERITY: Dict[str, Severity] = {
    "AIO100": Severity.ERROR,
    "AIO300": Severity.ERROR,
    "AIO301": Severity.ERROR,
    "AIO302": Severity.ERROR,
    "AIO402": Severity.ERROR,
}


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
    return os.path.normcase(os.path.abspath(p)).rstrip(os.sep) + os.sep


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
    """Innermost user frame from `frame` outwards; else innermost third-party
    frame; else None."""
    third = None
    f = frame
    while f is not None:
        code = f.f_code
        kind = classify(code.co_filename)
        if kind == _USER:
            return (code.co_filename, f.f_lineno, code.co_name)
        if kind == _THIRD_PARTY and third is None:
            third = (code.co_filename, f.f_lineno, code.co_name)
        f = f.f_back
    return third


def location_from_tuples(frames: Iterable[Tuple[str, int, str]]) -> Optional[Location]:
    """Same as user_location, over `cr_origin`-style (file, line, name) tuples,
    innermost first."""
    third = None
    for fn, line, name in frames:
        kind = classify(fn)
        if kind == _USER:
            return (fn, line, name)
        if kind == _THIRD_PARTY and third is None:
            third = (fn, line, name)
    return third


def stack_summary(frame, limit: int = 6) -> str:
    parts = []
    f = frame
    while f is not None and len(parts) < limit:
        code = f.f_code
        if classify(code.co_filename) != _LIBRARY:
            parts.append(f"{display_path(code.co_filename)}:{f.f_lineno} in {code.co_name}")
        f = f.f_back
    return " <- ".join(parts)


def display_path(path: str) -> str:
    if path.startswith("<"):
        return path
    try:
        absp = os.path.abspath(path)
        cwd = os.getcwd()
        if absp == cwd or absp.startswith(cwd.rstrip(os.sep) + os.sep):
            return os.path.relpath(absp, cwd)
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
    for t in threading.enumerate():
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
# Handles and the global state


class RuntimeHandle:
    """What `install()` returns: live `findings` and `uninstall()`."""

    def __init__(self, options: Options):
        self.options = options
        self.findings: List[Diagnostic] = []
        self._index: Dict[tuple, int] = {}
        self._counts: Dict[tuple, int] = {}
        self.active = False

    def _add(self, diag: Diagnostic) -> None:
        key = (diag.code, diag.path, diag.line, diag.col)
        i = self._index.get(key)
        if i is None:
            self._index[key] = len(self.findings)
            self._counts[key] = 1
            self.findings.append(diag)
            return
        n = self._counts[key] = self._counts[key] + 1
        old = self.findings[i]
        base = dict(old.extra).get("message", old.message)
        extra = tuple((k, v) for k, v in old.extra if k not in ("count", "message"))
        self.findings[i] = replace(
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
        return self.findings

    def __exit__(self, *exc):
        collect_garbage()
        self.uninstall()
        return False


def to_json(d: Diagnostic) -> dict:
    out = d.to_json()
    ev = {k: v for k, v in d.extra if k != "message"}
    if ev:
        out["evidence"] = ev
    return out


def collect_garbage() -> None:
    import gc

    gc.collect()


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
                from . import _install

                self.patcher = Patcher()
                try:
                    _install.install_all(self, self.patcher)
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
            from . import _install

            _install.uninstall_all(self)
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


def record(
    code: str,
    message: str,
    loc: Optional[Location],
    evidence: Sequence[Tuple[str, object]] = (),
    can_raise: bool = False,
) -> Optional[Diagnostic]:
    """Record one finding in every active handle; raise in `raise_` mode.

    Returns the diagnostic, or None when nobody wants it or `# noqa` silences it.
    """
    state = _STATE
    if not state.handles:
        return None
    wanted = [h for h in list(state.handles) if h.options.wants(code)]
    if not wanted:
        return None
    with _Busy():
        if loc is None:
            path, line = "<unknown>", 1
        else:
            path, line = loc[0], int(loc[1] or 1)
        if loc is not None and not path.startswith("<"):
            text = linecache.getline(path, line)
            if text and _noqa.line_suppresses(text, code):
                return None
        diag = Diagnostic(
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
        with state.lock:
            for h in wanted:
                h._add(diag)
    if can_raise and state.raise_ and state.handles and state.handles[-1] in wanted:
        raise AsyncioMisuseError(diag)
    return diag


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


def write_report(findings: Sequence[Diagnostic], path: str) -> None:
    ordered = sorted(findings, key=Diagnostic.sort_key)
    with _Busy():
        with open(path, "w", encoding="utf-8") as fh:
            json.dump([to_json(d) for d in ordered], fh, indent=2)
            fh.write("\n")
