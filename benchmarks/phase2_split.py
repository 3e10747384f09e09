"""Phase 2 of a cold run in one process against phase 2 shared with forked
copies (`pool.in_forks`), on the same phase-1 results, in one sitting.

    python benchmarks/phase2_split.py FOLDER [--jobs N] [--repeat R]

Runs phase 1 once (with N workers), then, alternately and R times each,
answers every file on a fresh index in this process alone and with N-1
forked copies: wall time, CPU of this process and of the copies. The
findings of both must be equal (it stops otherwise). On a loaded machine
compare the two in the same run; alternating spreads the load's drift.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    folder = Path(args.folder).resolve()

    from asynclint import engine, pool
    from asynclint.config import Config
    from asynclint.discovery import discover
    from asynclint.engine import FileJob, Settings
    from asynclint.index.modules import module_names
    from asynclint.rules import all_rules

    cfg = Config()
    settings = Settings(cfg, cfg.enabled_codes(all_rules()))
    jobs = [FileJob(f.path, f.display, real=True) for f in discover([str(folder)], folder, cfg.exclude, False)]
    run = engine._Run(jobs, settings, folder, None, args.jobs, None)
    names = module_names([str(j.path) for j in jobs], folder, real=True)
    modules = {str(j.path): name for j, name in zip(jobs, names)}
    with engine._collector_for_a_run():
        t = time.perf_counter()
        run._analyse(list(jobs), modules, {})
        print(f"{len(jobs)} files; phase 1 {time.perf_counter() - t:.1f} s wall; "
              f"{sum(r.pending_count for r in run.results.values())} pending queries")
        reference = None
        rows = {"one process": [], f"{args.jobs} processes": []}
        for _ in range(args.repeat):
            for label, can_fork in (("one process", False), (f"{args.jobs} processes", True)):
                pool._CAN_FORK = can_fork and sys.platform.startswith("linux") and hasattr(os, "fork")
                index = run._index(modules, {})
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                wall, cpu = time.perf_counter(), time.process_time()
                found = [(str(job.path), sorted(d.sort_key() for d in f))
                         for job, _result, f, _deps, _answers in run._answers(list(jobs), index, modules, {}, lambda path: None)]
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                copies = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
                rows[label].append((wall, cpu, copies))
                if reference is None:
                    reference = found
                elif found != reference:
                    raise SystemExit(f"FINDINGS DIFFER: {label}")
    print("| phase 2 | wall s | CPU s (this process) | CPU s (copies) |")
    print("| --- | ---: | ---: | ---: |")
    for label, runs in rows.items():
        for wall, cpu, copies in runs:
            print(f"| {label} | {wall:.2f} | {cpu:.2f} | {copies:.2f} |")
    print("findings equal in every run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
