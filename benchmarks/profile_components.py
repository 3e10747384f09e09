"""Where a cold single-process run spends its CPU, component by component.

    python benchmarks/profile_components.py FOLDER [--top N]

Runs the real engine (no cache, one process) over FOLDER under cProfile and
prints each component's share of the CPU time: parsing (with the newer-syntax
layer on old Pythons), the summary, the engine walk and its context tracking,
each rule's checks, phase 2, and the cyclic garbage collector (timed with
`gc.callbacks`, whatever code triggered it). Shares are of the profiled run;
cProfile's own overhead inflates the Python-heavy parts a little.
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
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

    from asynclint.config import Config
    from asynclint.discovery import discover
    from asynclint.engine import FileJob, Settings, lint_files
    from asynclint.rules import all_rules

    cfg = Config()
    enabled = cfg.enabled_codes(all_rules())
    jobs = [FileJob(f.path, f.display) for f in discover([str(folder)], folder, cfg.exclude, False)]

    gc_time = [0.0, 0.0]

    def on_gc(phase, info):
        if phase == "start":
            gc_time[1] = time.process_time()
        else:
            gc_time[0] += time.process_time() - gc_time[1]

    gc.callbacks.append(on_gc)
    profiler = cProfile.Profile(time.process_time)
    start = time.process_time()
    profiler.enable()
    result = lint_files(jobs, Settings(cfg, enabled), folder, use_cache=False, workers=1)
    profiler.disable()
    total = time.process_time() - start
    gc.callbacks.remove(on_gc)

    stats = pstats.Stats(profiler).stats  # (file, line, name) -> (cc, nc, tt, ct, callers)
    cum = defaultdict(float)
    rules = defaultdict(float)
    for (filename, _, name), (_, _, tt, ct, _) in stats.items():
        path = filename.replace("\\", "/")
        if path.endswith("asynclint/parsing.py") and name == "parse":
            cum["parse (ast.parse + newer-syntax layer)"] += ct
        elif path.endswith("asynclint/newsyntax.py") and name == "parse":
            cum["  of which newer-syntax layer"] += ct
        elif path.endswith("asynclint/index/summary.py") and name == "summarise":
            cum["summary (its own walk)"] += ct
        elif path.endswith("asynclint/walker.py") and name == "run":
            cum["engine walk incl. rules"] += ct
        elif path.endswith("asynclint/walker.py") and name == "_enter":
            cum["  engine tracking (_enter)"] += ct
        elif path.endswith("asynclint/phase2.py") and name == "findings_of":
            cum["phase 2 (findings_of)"] += ct
        elif path.endswith("asynclint/source.py") and name == "decode":
            cum["decode"] += ct
        elif "/asynclint/rules/" in path and name in ("check", "leave_scope"):
            stem = Path(path).stem
            rules[stem.split("_", 1)[0].upper() if stem.startswith("aio") else stem] += ct
    rule_total = sum(rules.values())
    print(f"{len(jobs)} files, {len(result.diagnostics)} findings, CPU {total:.2f} s (profiled)")
    print("| component | CPU s | share |")
    print("| --- | ---: | ---: |")
    rows = list(cum.items()) + [("  rules' checks (all)", rule_total)]
    rows += [(f"    {code}", t) for code, t in sorted(rules.items(), key=lambda r: -r[1])[:args.top]]
    rows.append(("cyclic GC (inside any of the above)", gc_time[0]))
    for name, t in rows:
        print(f"| {name} | {t:.2f} | {100 * t / total:.1f}% |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
