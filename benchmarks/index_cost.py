"""What the project index costs: time per phase over a corpus, one process.

    python benchmarks/index_cost.py /tmp/asynclint-corpus/full [--select AIO1]

Phases: read+decode+parse, index phase 1 (module summaries), the rule walk
(which also records the index facts: calls, returns, attribute types), and
phase 2 (joining the summaries and answering the deferred queries).
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from asynclint.config import Config
from asynclint.context import Context
from asynclint.discovery import discover
from asynclint.engine import FileResult, Settings, Walker, findings_of
from asynclint.index.modules import find_project_root, module_name
from asynclint.index.project import ProjectIndex
from asynclint.index.summary import summarise
from asynclint.parsing import ParseFailure, parse
from asynclint.rules import all_rules
from asynclint.source import SourceError, decode


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("path")
    ap.add_argument("--select", default="AIO1")
    args = ap.parse_args()
    cfg = Config(select=args.select.split(","))
    enabled = cfg.enabled_codes(all_rules())
    settings = Settings(cfg, enabled)
    walker = Walker(enabled)
    root = find_project_root([Path(args.path)])
    files = discover([args.path], root, cfg.exclude, False)
    t = {"parse": 0.0, "summary": 0.0, "walk": 0.0, "phase2": 0.0}
    results = []
    lines = 0
    for f in files:
        mod, is_pkg = module_name(f.path, root)
        a = time.perf_counter()
        try:
            text = decode(f.path.read_bytes()).text
            tree = parse(text, str(f.path))
        except (OSError, SourceError, ParseFailure):
            continue
        b = time.perf_counter()
        summary = summarise(tree, mod, str(f.path), is_pkg)
        c = time.perf_counter()
        src_lines = text.splitlines()
        lines += len(src_lines)
        ctx = Context("", src_lines, summary, cfg, walker.rules)
        walker.run(tree, ctx)
        d = time.perf_counter()
        t["parse"] += b - a
        t["summary"] += c - b
        t["walk"] += d - c
        results.append((f, FileResult(summary, ctx.diagnostics, ctx.pendings)))
    a = time.perf_counter()
    index = ProjectIndex(r.summary for _, r in results)
    found = 0
    pendings = sum(len(r.pendings) for _, r in results)
    for f, r in results:
        found += len(findings_of(r, index, f.display))
    t["phase2"] = time.perf_counter() - a
    total = sum(t.values())
    print(f"files {len(results)}, lines {lines}, deferred queries {pendings}, findings {found}")
    for k, v in t.items():
        print(f"{k:8s} {v:8.2f}s  {v / total:6.1%}")
    print(f"total    {total:8.2f}s")
    print(f"index phase 1 (summaries) share: {t['summary'] / total:.1%}; "
          f"index phase 2 share: {t['phase2'] / total:.1%}")


if __name__ == "__main__":
    main()
