"""Worker processes for phase 1.

Each worker is a copy of this process made by `fork()` (Linux, and only
while this process runs no other thread), else a child
`python -m asynclint.pool`. Its batches arrive on a pipe only the parent
holds: it reads the settings, then batches of files, and writes back each
batch's results. When the parent ends in any way (even killed), the pipe
closes, the worker reads end-of-file and exits, so a killed run leaves no
worker behind. The channel carries data between this run's own processes,
never anything read from disk.
"""
from __future__ import annotations

import collections
import gc
import os
import pickle
import select
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Iterator, List, Optional, Tuple

Batch = List[Tuple[str, str, bool, Optional[bytes]]]  # (path, module, is_package, data)


def run_batches(batches: List[Batch], settings, workers: int,
                here: Optional[Callable[..., object]] = None) -> Iterator[Tuple[Batch, Optional[list]]]:
    """Yield (batch, results) as they are done; results is None for a batch
    whose worker died (the caller analyses it itself).

    `here(path, module, is_package, data)`, when given, analyses one file in
    this process, which is then one of the `workers`: it starts one worker
    fewer and takes batches from the same queue, its share neither pickled
    nor decoded. Between two of its files it moves the workers' batches and
    results along their pipes (`_pump`), so a worker never waits long for it.
    No threads do that: a process running other threads parses on a slower
    path (`parsing._parse_unchecked` lowers the recursion limit only when
    alone). Each worker holds its next batch before it finishes the current
    one (`_IN_FLIGHT`)."""
    todo = collections.deque(batches)
    payload = pickle.dumps(settings, protocol=pickle.HIGHEST_PROTOCOL)
    channels: List[_Channel] = []
    # Forked from this process when it is alone (nothing to import again),
    # a fresh interpreter otherwise: a forked copy of a process running
    # threads may find a lock held for ever.
    start = _fork if _CAN_FORK and threading.active_count() == 1 else _spawn
    for _ in range(min(workers - (here is not None), len(batches))):
        try:
            channels.append(_Channel(*start([fd for c in channels for fd in (c.out_fd, c.in_fd)])))
        except OSError:
            break
        channels[-1].queue(payload)
    left = len(batches)
    try:
        while left:
            if here is not None and todo:
                for done in _pump(channels, todo, 0):  # the workers first: they wait, this process does not
                    left -= 1
                    yield done
                if not todo:  # the workers took the last ones
                    continue
                batch = todo.popleft()
                out = []
                for item in batch:
                    out.append((item[0], here(*item)))
                    for done in _pump(channels, todo, 0):
                        left -= 1
                        yield done
                left -= 1
                yield batch, out
            elif any(c.alive for c in channels):
                for done in _pump(channels, todo, 1.0):
                    left -= 1
                    yield done
            else:  # no worker left (or none could start): the rest is the caller's
                while todo:
                    left -= 1
                    yield todo.popleft(), None
    finally:
        for c in channels:
            c.end()


def _spawn(held: List[int]) -> Tuple[int, int, Callable[[], None]]:
    """A worker in a fresh interpreter: (the fd of its batches pipe, the fd
    of its results pipe, how to end it)."""
    # This very asynclint, whatever the working folder holds (safe path).
    home = str(Path(__file__).resolve().parent.parent)
    path = os.pathsep.join(p for p in (home, os.environ.get("PYTHONPATH", "")) if p)
    proc = subprocess.Popen(
        [sys.executable, "-m", "asynclint.pool"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONSAFEPATH": "1", "PYTHONPATH": path}, close_fds=True)
    _widen(proc.stdout.fileno())
    return proc.stdin.fileno(), proc.stdout.fileno(), lambda: _close(proc)


def _fork(held: List[int]) -> Tuple[int, int, Callable[[], None]]:
    """A worker forked from this process, as `_spawn`. `held`: this
    process's ends of the other workers' pipes, which the new one closes,
    so that each worker's batches pipe stays open only in this process."""
    down_read, down_write = os.pipe()
    up_read, up_write = os.pipe()
    _widen(up_write)
    for stream in (sys.stdout, sys.stderr):  # or the copy could write out this process's buffered output again
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            for fd in (*held, down_write, up_read):
                os.close(fd)
            _serve(os.fdopen(down_read, "rb"), os.fdopen(up_write, "wb"))
            status = 0
        finally:  # never back into the caller's code (nor its atexit handlers)
            os._exit(status)
    os.close(down_read)
    os.close(up_write)
    return down_write, up_read, lambda: _end_fork(pid, down_write, up_read)


def _end_fork(pid: int, down: int, up: int) -> None:
    os.close(down)  # the worker reads end-of-file and exits
    deadline = time.monotonic() + 5
    while os.waitpid(pid, os.WNOHANG)[0] == 0:
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            break
        time.sleep(0.005)
    os.close(up)


def _widen(fd: int) -> None:
    """The results pipe as large as Linux allows by default (1 MiB, not
    64 KiB): most batches' results then fit in it, and the worker goes on
    with its next batch without waiting for the parent to read them (the
    first batches' results, 3 to 4 MB on the full corpus, do not)."""
    try:
        import fcntl
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)
    except (ImportError, AttributeError, OSError):  # not Linux, or a lower limit: the default size
        pass


# Batches a worker holds at once: the one it works on and the next, already
# in its pipe, so it starts that one while the parent reads the results.
_IN_FLIGHT = 2


class _Channel:
    """One worker's two pipes, written and read without blocking: batches
    to send wait in `outbox`, results are gathered in `inbox` until whole.
    `sent` holds the batches sent and not yet answered, in order."""

    def __init__(self, out_fd: int, in_fd: int, end: Callable[[], None]):
        self.out_fd = out_fd
        self.in_fd = in_fd
        self.end = end
        os.set_blocking(self.out_fd, False)
        os.set_blocking(self.in_fd, False)
        self.outbox = bytearray()
        self.inbox = bytearray()
        self.sent: "collections.deque" = collections.deque()
        self.alive = True

    def queue(self, data: bytes) -> None:
        self.outbox += len(data).to_bytes(8, "little")
        self.outbox += data

    def top_up(self, todo: "collections.deque") -> None:
        while self.alive and todo and len(self.sent) < _IN_FLIGHT:
            batch = todo.popleft()
            self.sent.append(batch)
            self.queue(pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL))

    def write(self) -> None:
        try:
            n = os.write(self.out_fd, self.outbox[:1 << 20])
        except BlockingIOError:
            return
        except OSError:  # the worker is gone
            self.alive = False
            return
        del self.outbox[:n]

    def read(self) -> List[Tuple[Batch, list]]:
        """The results read whole so far."""
        try:
            data = os.read(self.in_fd, 1 << 20)
        except BlockingIOError:
            return []
        except OSError:
            data = b""
        if not data:  # the worker died (it never ends while it holds a batch)
            self.alive = False
            return []
        inbox = self.inbox
        inbox += data
        out = []
        while len(inbox) >= 8:
            size = int.from_bytes(inbox[:8], "little")
            if len(inbox) < 8 + size:
                break
            out.append((self.sent.popleft(), pickle.loads(inbox[8:8 + size])))
            del inbox[:8 + size]
        return out

    def lost(self) -> List[Tuple[Batch, None]]:
        """A dead worker's unanswered batches, for the caller to analyse."""
        out = [(batch, None) for batch in self.sent]
        self.sent.clear()
        self.outbox.clear()
        return out


def _pump(channels: List[_Channel], todo: "collections.deque", timeout: float) -> List[Tuple[Batch, Optional[list]]]:
    """Batches sent and results taken as far as the pipes allow, waiting at
    most `timeout` seconds for any of them to be ready; the batches done
    (results None: its worker died)."""
    for c in channels:
        c.top_up(todo)
    writing = [c for c in channels if c.alive and c.outbox]
    reading = [c for c in channels if c.alive and c.sent]
    done: List[Tuple[Batch, Optional[list]]] = []
    if writing or reading:
        readable, writable, _ = select.select([c.in_fd for c in reading], [c.out_fd for c in writing], [], timeout)
        for c in writing:
            if c.out_fd in writable:
                c.write()
        for c in reading:
            if c.in_fd in readable:
                done.extend(c.read())
    for c in channels:
        if not c.alive and c.sent:
            done.extend(c.lost())
    return done


def _close(proc: subprocess.Popen) -> None:
    try:
        proc.stdin.close()
    except OSError:
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


def _send(stream, data: bytes) -> None:
    stream.write(len(data).to_bytes(8, "little"))
    stream.write(data)
    stream.flush()


def _receive(stream) -> bytes:
    head = _read_exactly(stream, 8)
    return _read_exactly(stream, int.from_bytes(head, "little"))


def _read_exactly(stream, n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        chunk = stream.read(n - got)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def in_forks(items: list, work: Callable[[object], object], shares: int, weight: Callable[[object], int],
             prepare: Optional[Callable[[int, int], object]] = None,
             adopt: Optional[Callable[[list], None]] = None) -> Optional[list]:
    """`[work(item) for item in items]`, the items cut into `shares`
    consecutive shares of about equal weight: this process does the first,
    forked copies of it the others (they share everything built so far
    without shipping it, and send back only their outputs). None where
    there is no `fork` or where other threads run (the caller does the
    work itself). A share whose copy fails is done here. `work` must not change anything the caller
    keeps: a copy's changes stay in the copy.

    `prepare(share, shares)`, when given, runs first in every process, and
    each then hands `adopt` what the others' `prepare` returned (work that
    all shares need, split among them: the whole-project joins' parts)."""
    if not _CAN_FORK or shares < 2 or len(items) < 2 or threading.active_count() > 1:
        return None  # (a thread of ours could hold a lock the copy needs: only a single-threaded process forks)
    cuts = _cut(items, shares, weight)
    # What exists now is kept to the end of the run: frozen, the collectors
    # of this process and of the copies never walk it, so they do not write
    # to (and copy) every page the processes share.
    gc.freeze()
    children: List[_Copy] = []
    try:
        for number, (start, end) in enumerate(cuts[1:], 1):
            children.append(_Copy(number, len(cuts), items[start:end], work, prepare, adopt, start, end, children))
        if prepare is not None:
            mine = prepare(0, len(cuts))
            theirs = [(child, child.prepared()) for child in children]
            given = [data for child, data in theirs if child.alive]
            for child, data in theirs:
                if child.alive:
                    child.give([mine] + [d for c, d in theirs if c is not child and c.alive])
            adopt(given)
        first, end = cuts[0]
        out = [work(item) for item in items[first:end]]
        for child in children:
            got = child.outputs()
            out.extend(got if got is not None else [work(item) for item in items[child.start:child.end]])
        return out
    finally:
        for child in children:  # a copy not collected (the parent failed first): ended
            child.end_it()


# Linux only: a forked copy of a process that imported system frameworks is
# not safe on macOS, and Windows has no fork.
_CAN_FORK = hasattr(os, "fork") and sys.platform.startswith("linux")


def _cut(items: list, shares: int, weight: Callable[[object], int]) -> List[Tuple[int, int]]:
    weights = [max(1, weight(item)) for item in items]
    total = sum(weights)
    cuts, start, acc = [], 0, 0
    for i, w in enumerate(weights):
        acc += w
        if len(cuts) < shares - 1 and acc * shares >= total * (len(cuts) + 1) and i + 1 < len(items):
            cuts.append((start, i + 1))
            start = i + 1
    cuts.append((start, len(items)))
    return cuts


class _Copy:
    """A forked copy of this process doing one share of `in_forks`. It sends
    up to two messages on its pipe (what its `prepare` returned, then its
    outputs) and reads one on the other (what the other shares prepared)."""

    def __init__(self, number: int, shares: int, share: list, work, prepare, adopt, start: int, end: int,
                 older: List["_Copy"]):
        self.start, self.end = start, end
        self.alive = True
        up_read, up_write = os.pipe()
        down_read, down_write = (os.pipe() if prepare is not None else (None, None))
        pid = os.fork()
        if pid == 0:
            for copy in older:  # their pipes: a parent that dies must leave them at end-of-file
                for stream in (copy.up, copy.down):
                    if stream is not None:
                        os.close(stream.fileno())
            os.close(up_read)
            if down_write is not None:
                os.close(down_write)
            _copy_main(number, shares, share, work, prepare, adopt, up_write, down_read)
        self.pid = pid
        os.close(up_write)
        if down_read is not None:
            os.close(down_read)
        self.up = os.fdopen(up_read, "rb")
        self.down = os.fdopen(down_write, "wb") if down_write is not None else None

    def prepared(self):
        try:
            return pickle.loads(_receive(self.up))
        except Exception:  # noqa: BLE001 - the copy failed: its share is done here
            self.end_it()
            return None

    def give(self, data: list) -> None:
        try:
            _send(self.down, pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
            self.down.close()
        except OSError:
            self.end_it()

    def outputs(self) -> Optional[list]:
        """The copy's outputs (it ends once they are written), or None when it failed."""
        if not self.alive:
            return None
        try:
            got = pickle.loads(_receive(self.up))
        except Exception:  # noqa: BLE001 - any failure: the parent does that share
            got = None
        self.end_it(wait=True)
        return got if isinstance(got, list) and len(got) == self.end - self.start else None

    def end_it(self, wait: bool = False) -> None:
        if self.pid is None:
            return
        self.alive = False
        for stream in (self.up, self.down):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass
        try:
            if not wait and os.waitpid(self.pid, os.WNOHANG)[0] == 0:
                os.kill(self.pid, 9)
            os.waitpid(self.pid, 0)
        except (ChildProcessError, ProcessLookupError):
            pass
        self.pid = None


def _copy_main(number: int, shares: int, share: list, work, prepare, adopt, up: int, down: Optional[int]) -> None:
    """The copy: never returns into the caller (os._exit: no atexit handlers,
    no flushing of the parent's buffered output a second time)."""
    status = 1
    try:
        parent = os.getppid()
        with os.fdopen(up, "wb") as channel:
            if prepare is not None:
                _send(channel, pickle.dumps(prepare(number, shares), protocol=pickle.HIGHEST_PROTOCOL))
                with os.fdopen(down, "rb") as given:
                    adopt(pickle.loads(_receive(given)))
            out = []
            for item in share:
                if os.getppid() != parent:  # the parent is gone: so are we
                    break
                out.append(work(item))
            else:
                _send(channel, pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL))
                status = 0
    except BaseException:  # noqa: B036 - whatever happens, the copy ends here
        pass
    finally:
        os._exit(status)


def _worker_main() -> None:
    channel_in = sys.stdin.buffer
    channel_out = sys.stdout.buffer
    _serve(channel_in, channel_out)


def _serve(channel_in, channel_out) -> None:
    """A worker's life: the settings, then batches, each answered with its
    results, until the parent closes the pipe (or is gone)."""
    sys.stdout = sys.stderr  # nothing but results goes down the channel
    from .phase1 import analyse_path
    from .walker import Walker
    try:
        settings = pickle.loads(_receive(channel_in))
        walker = Walker(settings.enabled)
        gc.freeze()  # the imports and tables above (a forked worker's: all it was given) are never garbage
        gc.disable()  # a file's data hold no cycles: see engine._collector_for_a_run
        while True:
            batch = pickle.loads(_receive(channel_in))
            out = [(path, analyse_path(path, module, is_package, data, walker, settings))
                   for path, module, is_package, data in batch]
            _send(channel_out, pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL))
    except (EOFError, OSError, KeyboardInterrupt):
        pass  # the parent is gone or done: so are we


if __name__ == "__main__":
    _worker_main()
