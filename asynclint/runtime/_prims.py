"""Standard-library functions the shim needs, bound once when the shim is
first imported, before the program or another tool (blockbuster, a test's
monkeypatch) can replace them: the shim must never run through a patched
`os.path`, `os.getcwd`, `open` or `time.sleep`, or it trips those tools (and
their patches trip it). Import nothing from asynclint here.
"""
from __future__ import annotations

import _io
import _thread
import os
import posixpath
import sys
import threading
import time

getcwd = os.getcwd
fspath = os.fspath
SEP = os.sep
# posixpath.normpath touches nothing but os.fspath and str methods (C on 3.12+)
normpath = posixpath.normpath if SEP == "/" else os.path.normpath
normcase = (lambda p: p) if SEP == "/" else os.path.normcase
open_ = _io.open
perf_counter = time.perf_counter
monotonic = time.monotonic
sleep = time.sleep
get_ident = _thread.get_ident
start_new_thread = _thread.start_new_thread
allocate_lock = _thread.allocate_lock
current_thread = threading.current_thread
enumerate_threads = threading.enumerate
main_thread = threading.main_thread
current_frames = sys._current_frames
getframe = sys._getframe


def abspath(path: str) -> str:
    """os.path.abspath without going through (possibly patched) os.path."""
    path = fspath(path)
    if not (path.startswith(SEP) or (SEP != "/" and len(path) > 1 and path[1] == ":")):
        path = getcwd() + SEP + path
    return normpath(path)
