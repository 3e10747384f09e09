"""Where a cold single-process run spends its time, component by component.

    python benchmarks/profile_components.py FOLDER [--top N]

Runs the real engine (no cache, one process) over FOLDER with timers around
its components (no profiler: cProfile's per-call overhead would inflate the
Python-heavy parts several times over against `ast.parse`): decoding,
parsing (with the newer-syntax layer on old Pythons), the summary, the engine
walk, each rule's checks inside it (with its `leave_scope`, the rule's work
at the end of a scope), phase 2, and the cyclic garbage collector
(timed with `gc.callbacks`, whatever code triggered it). Times are CPU
time of this process (`process_time`, user+sys), so a loaded machine
inflates them less than wall time. The rules' checks are called millions of
times: they are timed with the cheaper wall clock, and their CPU is the
walk's CPU split in the proportion of their wall time inside it.
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
    from asynclint.rules.base import Rule

    clock = time.perf_counter  # for the rules' checks (cheap to read)
    cpu_clock = time.process_time  # for the components (a few calls per file)
    spent = defaultdict(float)
    walls = defaultdict(float)

    def timed(owner, name, label):
        original = getattr(owner, name)

        def wrapper(*a, **k):
            t, w = cpu_clock(), clock()
            try:
                return original(*a, **k)
            finally:
                spent[label] += cpu_clock() - t
                walls[label] += clock() - w
        setattr(owner, name, wrapper)

    timed(phase1, "decode", "decode")
    if hasattr(phase1, "parse_unchecked"):  # compiled only when the walk sees a suspect
        timed(phase1, "parse_unchecked", "parse (ast.parse + newer-syntax layer)")
        timed(phase1, "compile_check", "compile() of trees with a suspect")
    else:
        timed(phase1, "parse", "parse (ast.parse + compile() + newer-syntax layer)")
    if hasattr(phase1, "summarise"):  # before the summary was built in the engine's walk
        timed(phase1, "summarise", "summary (its own walk)")
    from asynclint import parsing
    if parsing._newsyntax is not None:
        timed(parsing._newsyntax, "parse", "  of which the newer-syntax layer (files 3.11 rejects)")
    timed(walker.Walker, "run", "engine walk incl. rules")
    timed(engine, "findings_of", "phase 2 (findings_of)")
    rules = defaultdict(float)
    checks = [(code, type(rule)) for code, rule in all_rules().items()]
    try:  # the blocking-call rules that share one check run as one family
        from asynclint.rules._blocking import BlockingFamily
        family = [code for code, rule in all_rules().items() if BlockingFamily.joins(rule)]
        checks = [(code, cls) for code, cls in checks if code not in family]
        checks.append((f"{family[0]}-{family[-1]} (one shared check)", BlockingFamily))
    except ImportError:  # before the family
        pass

    def timed(method, code):
        """`method` with its wall time added to rule `code`'s."""
        def run(self, *args):
            t = clock()
            try:
                return method(self, *args)
            finally:
                rules[code] += clock() - t
        return run

    for code, cls in checks:
        cls.check = timed(cls.check, code)
        if getattr(cls, "leave_scope", Rule.leave_scope) is not Rule.leave_scope:  # its work at a scope's end
            cls.leave_scope = timed(cls.leave_scope, code)

    cfg = Config()
    enabled = cfg.enabled_codes(all_rules())
    jobs = [FileJob(f.path, f.display) for f in discover([str(folder)], folder, cfg.exclude, False)]

    gc_time = [0.0, 0.0]

    def on_gc(phase, info):
        if phase == "start":
            gc_time[1] = cpu_clock()
        else:
            gc_time[0] += cpu_clock() - gc_time[1]

    gc.callbacks.append(on_gc)
    start, cpu = clock(), time.process_time()
    result = lint_files(jobs, Settings(cfg, enabled), folder, use_cache=False, workers=1)
    total, cpu = clock() - start, time.process_time() - cpu
    gc.callbacks.remove(on_gc)

    walk, walk_wall = spent["engine walk incl. rules"], walls["engine walk incl. rules"]
    scale = walk / walk_wall if walk_wall else 1.0  # rules' wall time -> CPU time
    for code in rules:
        rules[code] *= scale
    rule_total = sum(rules.values())
    print(f"{len(jobs)} files, {len(result.diagnostics)} findings, {total:.2f} s wall, {cpu:.2f} s CPU "
          f"(shares below are of the CPU time)")
    print("| component | s | share |")
    print("| --- | ---: | ---: |")
    rows = [(k, v) for k, v in spent.items() if k != "engine walk incl. rules"]
    rows += [("engine walk and context tracking (without rules)", walk - rule_total),
             ("rules' checks (all)", rule_total)]
    rows += [(f"  {code}", t) for code, t in sorted(rules.items(), key=lambda r: -r[1])[:args.top]]
    accounted = sum(v for k, v in spent.items() if not k.startswith(" "))
    rows.append(("other (reading files, the index, start-up of the run)", cpu - accounted))
    rows.append(("cyclic GC (inside any of the above)", gc_time[0]))
    for name, t in rows:
        print(f"| {name} | {t:.2f} | {100 * t / cpu:.1f}% |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
