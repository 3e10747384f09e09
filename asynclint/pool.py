"""Worker processes for phase 1.

Each worker is a child `python -m asynclint.pool` whose standard input is a
pipe only the parent holds: it reads the settings, then batches of files, and
writes back each batch's results. When the parent ends in any way (even
killed), the pipe closes, the worker reads end-of-file and exits, so a killed
run leaves no worker behind. The channel carries data between this run's own
processes, never anything read from disk.
"""
from __future__ import annotations

import gc
import os
import pickle
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import Callable, Iterator, List, Optional, Tuple

Batch = List[Tuple[str, str, bool, Optional[bytes]]]  # (path, module, is_package, data)


def run_batches(batches: List[Batch], settings, workers: int) -> Iterator[Tuple[Batch, Optional[list]]]:
    """Yield (batch, results) as workers finish them; results is None for a
    batch whose worker died (the caller analyses it itself).

    Each worker has its next batch before it finishes the current one
    (`_IN_FLIGHT`), and the parent unpickles results on its own thread, so
    a worker never waits for the parent between batches."""
    todo: "queue.Queue" = queue.Queue()
    for batch in batches:
        todo.put(batch)
    done: "queue.Queue" = queue.Queue()
    payload = pickle.dumps(settings, protocol=pickle.HIGHEST_PROTOCOL)
    procs = []
    for _ in range(min(workers, len(batches))):
        try:
            procs.append(_start())
        except OSError:
            break
    channels = [_Channel(p, payload, todo, done) for p in procs]
    try:
        remaining = len(batches)
        while remaining:
            if not any(c.alive() for c in channels) and done.empty():
                # no worker left (or none could start): the rest is the caller's
                while remaining:
                    yield todo.get_nowait(), None
                    remaining -= 1
                break
            try:
                batch, raw = done.get(timeout=0.2)
            except queue.Empty:
                continue
            remaining -= 1
            yield batch, (pickle.loads(raw) if raw is not None else None)
    finally:
        for p in procs:
            _close(p)
        for c in channels:  # they end with their worker's pipes
            for t in c.threads:
                t.join(timeout=5)


def _start() -> subprocess.Popen:
    # This very asynclint, whatever the working folder holds (safe path).
    home = str(Path(__file__).resolve().parent.parent)
    path = os.pathsep.join(p for p in (home, os.environ.get("PYTHONPATH", "")) if p)
    proc = subprocess.Popen(
        [sys.executable, "-m", "asynclint.pool"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONSAFEPATH": "1", "PYTHONPATH": path}, close_fds=True)
    _widen(proc.stdout)
    return proc


def _widen(stream) -> None:
    """The results pipe as large as Linux allows by default (1 MiB, not
    64 KiB): the thread reading a worker's results needs the interpreter
    lock after every read, which the parent's other threads give up only
    every `sys.getswitchinterval()`; fewer reads, less time a worker waits
    to write."""
    try:
        import fcntl
        fcntl.fcntl(stream.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)
    except (ImportError, AttributeError, OSError):  # not Linux, or a lower limit: the default size
        pass


# Batches a worker holds at once: the one it works on and the next, already
# in its pipe, so it starts that one while the parent reads the results.
_IN_FLIGHT = 2


class _Channel:
    """One worker's two pipes: a sender thread hands it batches (at most
    `_IN_FLIGHT` unanswered), a receiver thread passes its raw results on
    (`done`: (batch, bytes), or (batch, None) for a batch it will never
    answer). Two threads, not one: a batch and a result may each be larger
    than a pipe's buffer, and a single thread writing one while the worker
    writes the other would wait forever."""

    def __init__(self, proc: subprocess.Popen, payload: bytes, todo: "queue.Queue", done: "queue.Queue"):
        self.proc = proc
        self.todo = todo
        self.done = done
        self.sent: "queue.Queue" = queue.Queue()  # batches sent, in order; None after the last
        self.slots = threading.Semaphore(_IN_FLIGHT)
        self.dead = False
        self.threads = [threading.Thread(target=self._send_all, args=(payload,), daemon=True),
                        threading.Thread(target=self._receive_all, daemon=True)]
        for t in self.threads:
            t.start()

    def alive(self) -> bool:
        return any(t.is_alive() for t in self.threads)

    def _send_all(self, payload: bytes) -> None:
        try:
            _send(self.proc.stdin, payload)
            while True:
                self.slots.acquire()
                if self.dead:
                    return
                try:
                    batch = self.todo.get_nowait()
                except queue.Empty:
                    return
                self.sent.put(batch)  # before sending: if sending fails, the receiver hands it back
                _send(self.proc.stdin, pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL))
        except (OSError, ValueError):  # the worker is gone
            self.dead = True
        finally:
            self.sent.put(None)

    def _receive_all(self) -> None:
        while True:
            batch = self.sent.get()
            if batch is None:
                return
            if not self.dead:
                try:
                    self.done.put((batch, _receive(self.proc.stdout)))
                    self.slots.release()
                    continue
                except (OSError, ValueError, EOFError):  # the worker died: stop using it
                    self.dead = True
                    self.slots.release()  # wakes the sender, which stops
            self.done.put((batch, None))


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
    sys.stdout = sys.stderr  # nothing but results goes down the channel
    from .phase1 import analyse_path
    from .walker import Walker
    try:
        settings = pickle.loads(_receive(channel_in))
        walker = Walker(settings.enabled)
        import gc
        gc.freeze()  # the imports and tables above are never garbage
        gc.disable()  # a file's data hold no cycles: see engine._collector_for_a_run
        while True:
            batch = pickle.loads(_receive(channel_in))
            out = [(path, analyse_path(Path(path), module, is_package, data, walker, settings))
                   for path, module, is_package, data in batch]
            _send(channel_out, pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL))
    except (EOFError, OSError, KeyboardInterrupt):
        pass  # the parent is gone or done: so are we


if __name__ == "__main__":
    _worker_main()
