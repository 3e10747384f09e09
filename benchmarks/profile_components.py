"""Where a cold single-process run spends its time, component by component.

    python benchmarks/profile_components.py FOLDER [--top N]

Runs the real engine (no cache, one process) over FOLDER with timers around
its components (no profiler: cProfile's per-call overhead would inflate the
Python-heavy parts several times over against `ast.parse`): decoding,
parsing (with the newer-syntax layer on old Pythons), the summary, the engine
walk, each rule's checks inside it, phase 2, and the cyclic garbage collector
(timed with `gc.callbacks`, whatever code triggered it). Times are wall
clock of this process (`perf_counter`): on a loaded machine compare shares.
"""
from __future__ import annotations

import argparse
import gc
import sys
import time
from collections import defaultdict
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder")
    ap.add_argument("--top", type=int, default=8, help="rules listed one by one")
    args = ap.parse_args()
    folder = Path(args.folder).resolve()

    from asynclint import engine, phase1, walker
    from asynclint.config import Config
    from asynclint.discovery import discover
    from asynclint.engine import FileJob, Settings, lint_files
    from asynclint.rules import all_rules

    clock = time.perf_counter
    spent = defaultdict(float)

    def timed(owner, name, label):
        original = getattr(owner, name)

        def wrapper(*a, **k):
            t = clock()
            try:
                return original(*a, **k)
            finally:
                spent[label] += clock() - t
        setattr(owner, name, wrapper)

    timed(phase1, "decode", "decode")
    timed(phase1, "parse", "parse (ast.parse + newer-syntax layer)")
    timed(phase1, "summarise", "summary (its own walk)")
    timed(walker.Walker, "run", "engine walk incl. rules")
    timed(engine, "findings_of", "phase 2 (findings_of)")
    rules = defaultdict(float)
    for code, rule in all_rules().items():
        check = type(rule).check

        def rule_check(self, node, ctx, _check=check, _code=code):
            t = clock()
            try:
                return _check(self, node, ctx)
            finally:
                rules[_code] += clock() - t
        type(rule).check = rule_check

    cfg = Config()
    enabled = cfg.enabled_codes(all_rules())
    jobs = [FileJob(f.path, f.display) for f in discover([str(folder)], folder, cfg.exclude, False)]

    gc_time = [0.0, 0.0]

    def on_gc(phase, info):
        if phase == "start":
            gc_time[1] = clock()
        else:
            gc_time[0] += clock() - gc_time[1]

    gc.callbacks.append(on_gc)
    start, cpu = clock(), time.process_time()
    result = lint_files(jobs, Settings(cfg, enabled), folder, use_cache=False, workers=1)
    total, cpu = clock() - start, time.process_time() - cpu
    gc.callbacks.remove(on_gc)

    rule_total = sum(rules.values())
    print(f"{len(jobs)} files, {len(result.diagnostics)} findings, {total:.2f} s wall, {cpu:.2f} s CPU")
    print("| component | s | share |")
    print("| --- | ---: | ---: |")
    rows = [(k, v) for k, v in spent.items() if k != "engine walk incl. rules"]
    walk = spent["engine walk incl. rules"]
    rows += [("engine walk and context tracking (without rules)", walk - rule_total),
             ("rules' checks (all)", rule_total)]
    rows += [(f"  {code}", t) for code, t in sorted(rules.items(), key=lambda r: -r[1])[:args.top]]
    accounted = sum(v for k, v in spent.items())
    rows.append(("other (reading files, the index, start-up of the run)", total - accounted))
    rows.append(("cyclic GC (inside any of the above)", gc_time[0]))
    for name, t in rows:
        print(f"| {name} | {t:.2f} | {100 * t / total:.1f}% |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
