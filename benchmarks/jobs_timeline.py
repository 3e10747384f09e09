"""Where a cold `--jobs N` run's wall time goes: the parent against its workers.

    python benchmarks/jobs_timeline.py FOLDER [--jobs N]

Runs the real engine (no cache, N processes: the parent and N-1 workers)
over FOLDER and prints the parent's timeline: start-up and discovery, phase
1 (the workers' batches arriving: when, how many files, how many bytes of
results, how long the parent spent unpickling them; the batches the parent
analysed itself), the index and phase 2, and the CPU time of the parent and
of the workers (and of the forked copies that answer part of phase 2). The
serial part is what the parent does after the last batch arrived, while the
workers are idle.
"""
from __future__ import annotations

import argparse
import os
import pickle
import resource
import sys
import threading
import time
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    folder = Path(args.folder).resolve()
    t0 = time.perf_counter()
    c0 = time.process_time()

    from asynclint import engine, pool
    from asynclint.config import Config
    from asynclint.discovery import discover
    from asynclint.engine import FileJob, Settings, lint_files
    from asynclint.rules import all_rules

    lock = threading.Lock()
    arrivals = []  # (wall since t0, files, bytes, unpickle wall)
    unpickled = [0.0]
    copies = []  # the same for the outputs of phase 2's forked copies

    class TimedPickle:
        HIGHEST_PROTOCOL = pickle.HIGHEST_PROTOCOL
        dumps = staticmethod(pickle.dumps)

        @staticmethod
        def loads(data):
            t = time.perf_counter()
            out = pickle.loads(data)
            took = time.perf_counter() - t
            if isinstance(out, list) and "phase 2 starts (index built next)" in marks:
                copies.append((time.perf_counter() - t0, len(out), len(data), took))
            elif isinstance(out, list):
                with lock:
                    unpickled[0] += took
                    arrivals.append((time.perf_counter() - t0, len(out), len(data), took))
            return out

    pool.pickle = TimedPickle  # the parent's side of the channel only
    here_files = [0]
    original_run_batches = pool.run_batches

    def run_batches(batches, settings, workers, here=None):
        def counted(*item):
            here_files[0] += 1
            return here(*item)
        return original_run_batches(batches, settings, workers, counted if here is not None else None)
    pool.run_batches = run_batches
    marks = {}
    original_index = engine._Run._index

    def index(self, *a, **k):
        marks.setdefault("phase 2 starts (index built next)", (time.perf_counter() - t0, time.process_time() - c0))
        return original_index(self, *a, **k)
    engine._Run._index = index
    original_result = engine._Run._result

    def result(self, *a, **k):
        marks.setdefault("phase 2 answered (grouping next)", (time.perf_counter() - t0, time.process_time() - c0))
        return original_result(self, *a, **k)
    engine._Run._result = result

    cfg = Config()
    enabled = cfg.enabled_codes(all_rules())
    jobs = [FileJob(f.path, f.display, real=True) for f in discover([str(folder)], folder, cfg.exclude, False)]
    marks["discovered"] = (time.perf_counter() - t0, time.process_time() - c0)
    run = lint_files(jobs, Settings(cfg, enabled), folder, use_cache=False, workers=args.jobs)
    marks["done"] = (time.perf_counter() - t0, time.process_time() - c0)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"{len(jobs)} files, {len(run.diagnostics)} findings, --jobs {args.jobs}")
    print(f"batches: {len(arrivals)}; results {sum(a[2] for a in arrivals) / 1e6:.1f} MB pickled; "
          f"parent unpickling {unpickled[0]:.2f} s wall")
    print(f"files analysed by the parent itself: {here_files[0]}")
    for when, files, size, took in arrivals[-4:]:
        print(f"  last batches: at {when:.2f} s, {files} files, {size / 1e6:.2f} MB, unpickled in {took:.3f} s")
    if arrivals:
        first, last = arrivals[0][0], arrivals[-1][0]
        print(f"  first batch at {first:.2f} s, last at {last:.2f} s")
    for when, files, size, took in copies:
        print(f"  phase 2, from a forked copy: {files} items (parts of joins, then findings) at {when:.2f} s, {size / 1e6:.2f} MB, "
              f"unpickled in {took:.3f} s")
    for name, (wall, cpu) in sorted(marks.items(), key=lambda m: m[1][0]):
        print(f"{name}: {wall:.2f} s wall, parent CPU {cpu:.2f} s")
    if arrivals:
        serial = marks["done"][0] - arrivals[-1][0]
        print(f"serial tail (after the last batch): {serial:.2f} s wall")
    print(f"children's CPU (workers, and phase 2's forked copies) {children.ru_utime + children.ru_stime:.2f} s; "
          f"parent CPU {marks['done'][1]:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
