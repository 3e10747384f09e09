"""Optional sys.monitoring (PEP 669, Python 3.12+) layer: catches calls to
blocking functions through references taken before the shim was installed
(`from time import sleep` in a module imported earlier, a local alias, a
default argument), which attribute patching cannot see.

Each call site is reported to us once; sites whose callee is not a blocking
function are then switched off with DISABLE, so the steady-state cost is near
zero (see README.md, "sys.monitoring evaluation").
"""
from __future__ import annotations

import os
import stat
import sys

from asyncio.events import _get_running_loop

from ._core import _tls
from ._hits import FILE_HINT, blocking_hit, safe_cond

_ASYNCLINT_DIR = __file__.rsplit("/", 1)[0]


class Monitor:
    def __init__(self, wrappers):
        mon = sys.monitoring
        self.mon = mon
        self.tool = None
        for tool in (4, 3, 5):
            if mon.get_tool(tool) is None:
                self.tool = tool
                break
        if self.tool is None:
            raise RuntimeError("asynclint: no free sys.monitoring tool id")
        # id(original) -> (original, meta)
        self.targets = {}
        for orig, wrapper in wrappers.items():
            meta = getattr(wrapper, "__asynclint_meta__", None)
            if meta is not None:
                self.targets[id(orig)] = (orig, meta)
        # Methods of C file objects cannot be patched, but a CALL event names
        # the method descriptor: reads/writes of regular files opened before
        # the loop started are visible here (AIO203).
        for meta_api, descr in _file_methods():
            meta = ("AIO203", meta_api, FILE_HINT, _is_disk_file, True)
            self.targets[id(descr)] = (descr, meta)
        mon.use_tool_id(self.tool, "asynclint")
        mon.register_callback(self.tool, mon.events.CALL, self._on_call)
        mon.set_events(self.tool, mon.events.CALL)

    def _on_call(self, code, offset, func, arg0):
        hit = self.targets.get(id(func))
        if hit is None or hit[0] is not func or code.co_filename.startswith(_ASYNCLINT_DIR):
            return self.mon.DISABLE
        if _get_running_loop() is None or getattr(_tls, "busy", False):
            return None
        code_, api, hint, cond, direct = hit[1]
        if cond is not None:
            args = () if arg0 is self.mon.MISSING else (arg0,)
            if not safe_cond(cond, args, {}):
                return None
        blocking_hit(code_, api, hint, sys._getframe(1), direct)
        return None

    def stop(self):
        mon = self.mon
        mon.set_events(self.tool, 0)
        mon.register_callback(self.tool, mon.events.CALL, None)
        mon.free_tool_id(self.tool)


def _file_methods():
    import _io

    table = {
        _io.TextIOWrapper: ("read", "readline", "readlines", "write", "writelines"),
        _io.BufferedReader: ("read", "read1", "readline", "readlines", "readinto"),
        _io.BufferedWriter: ("write", "writelines"),
        _io.BufferedRandom: ("read", "read1", "readline", "readlines", "readinto", "write"),
        _io.FileIO: ("read", "readall", "readinto", "write"),
    }
    for cls, names in table.items():
        for name in names:
            descr = cls.__dict__.get(name)
            if descr is None:  # inherited from a base: look it up there
                descr = getattr(cls, name, None)
            if descr is not None:
                yield f"{cls.__name__}.{name}", descr


def _is_disk_file(f=None, *args, **kwargs) -> bool:
    """Regular files only: not stdin/stdout/stderr, ttys, pipes or sockets."""
    try:
        fd = f.fileno()
        return fd > 2 and stat.S_ISREG(os.fstat(fd).st_mode)
    except Exception:
        return False


def start(wrappers):
    if not hasattr(sys, "monitoring"):
        return None
    return Monitor(wrappers)
