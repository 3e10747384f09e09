"""Share of a full default-rules run spent in the transitive pass: AIO208's
phase-1 check (timed per call, so an upper bound) plus answering its phase-2
queries. Single process, CPU time (robust on a shared machine).

    python benchmarks/aio2_transitive_share.py CORPUS
"""
import sys
import time
from pathlib import Path

from asynclint.config import Config
from asynclint.discovery import discover
from asynclint.engine import FileJob, Settings, lint_files
from asynclint.index import blocking as B
from asynclint.index import queries
from asynclint.rules import all_rules

root = Path(sys.argv[1])
rule = all_rules()["AIO208"]
spent = {"check": 0.0, "queries": 0.0}
clock = time.process_time
original_check = rule.check


def timed_check(node, ctx):
    t = clock()
    try:
        original_check(node, ctx)
    finally:
        spent["check"] += clock() - t


rule.check = timed_check
original_answer = queries._QUERIES["aio2-transitive"]


def timed_answer(*args):
    t = clock()
    try:
        return original_answer(*args)
    finally:
        spent["queries"] += clock() - t


queries._QUERIES["aio2-transitive"] = timed_answer
cfg = Config()
enabled = cfg.enabled_codes(all_rules())
files = discover([str(root)], root, cfg.exclude, False)
t0 = clock()
result = lint_files([FileJob(f.path, f.display) for f in files], Settings(cfg, enabled), root,
                    use_cache=False, workers=1)
total = clock() - t0
part = spent["check"] + spent["queries"]
print(f"files={len(files)} total_cpu={total:.1f}s aio208_check={spent['check']:.2f}s "
      f"aio208_queries={spent['queries']:.2f}s share={100 * part / total:.1f}% "
      f"(slowdown vs without: {100 * part / (total - part):.1f}%)")
