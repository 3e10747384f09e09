"""Thread-context census: how many project functions the index knows run off
the event-loop thread, by the door they are reached through.

    python benchmarks/thread_census.py /tmp/asynclint-corpus/full [--entry-points a.b,c.D.on_*]

A door is the kind of entry point (`knowledge.threads.CONTEXT_WORDS`):
`thread` (Thread/Timer targets, `Thread.run` overrides), `worker`
(executors, `to_thread`, ...), `signal`, `handler` (threading socketserver),
the library doors of `knowledge.threads.LIBRARY_THREAD_DOORS`, and so on.
Callables put on a `queue.Queue` that a thread takes out and calls are the
`queue` door. "seeds" counts the functions an entry point names directly, "reached" those
plus every sync function they call (the propagation), each counted once, by
the door of the entry that reached it first; "own loop" the reached ones
that run a loop of their own (the AIO3 rules keep quiet there).
"""
from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

from asynclint.config import Config
from asynclint.context import Context
from asynclint.discovery import discover
from asynclint.engine import Walker
from asynclint.index.modules import find_project_root, module_name
from asynclint.index.project import ProjectIndex
from asynclint.index.summary import summarise
from asynclint.index.threads import _Builder, thread_context
from asynclint.parsing import ParseFailure, parse
from asynclint.rules import all_rules
from asynclint.source import SourceError, decode


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("path")
    ap.add_argument("--entry-points", default="", help="comma-separated thread-entry-points patterns")
    args = ap.parse_args()
    patterns = tuple(p for p in args.entry_points.split(",") if p)
    cfg = Config(select=["AIO3"], thread_entry_points=list(patterns))
    enabled = cfg.enabled_codes(all_rules())
    walker = Walker(enabled)
    root = find_project_root([Path(args.path)])
    files = discover([args.path], root, cfg.exclude, False)
    start = time.perf_counter()
    summaries = []
    for f in files:
        mod, is_pkg = module_name(f.path, root)
        try:
            text = decode(f.path.read_bytes()).text
            tree = parse(text, str(f.path))
        except (OSError, SourceError, ParseFailure):
            continue
        summary = summarise(tree, mod, str(f.path), is_pkg)
        ctx = Context("", text.splitlines(), summary, cfg, walker.rules)
        walker.run(tree, ctx)
        summaries.append(summary)
    index = ProjectIndex(summaries)
    walked = time.perf_counter() - start
    a = time.perf_counter()
    found = thread_context(index, patterns)
    phase2 = time.perf_counter() - a

    seeds: Counter = Counter()
    seen = set()
    index_fn = index.function
    builder = _Builder(index, patterns)
    drained = builder._drained_seeds(found, builder._drains())
    for key, _text, kind, _cls in (*builder.seeds(), *drained):
        fn = index_fn(*key)
        if fn is None or fn.is_async or key in seen:
            continue
        seen.add(key)
        seeds[kind] += 1
    reached = Counter(info.kind for info in found.values())
    own = Counter(info.kind for info in found.values() if info.own_loop)
    print(f"files {len(summaries)}  (walk {walked:.1f}s, thread context {phase2:.2f}s)")
    print(f"{'door':12s} {'seeds':>7s} {'reached':>8s} {'own loop':>9s}")
    for kind in sorted(set(seeds) | set(reached)):
        print(f"{kind:12s} {seeds[kind]:7d} {reached[kind]:8d} {own[kind]:9d}")
    print(f"{'total':12s} {sum(seeds.values()):7d} {len(found):8d} {sum(own.values()):9d}")
    # Site-level doors: asyncio objects that travel to threads through
    # carriers (decided where the object is used, not per function).
    carriers: Counter = Counter()
    for summary in summaries:
        for entry in summary.thread_entries:
            if entry[0] == "put" and any(t for t in entry[3] if isinstance(t, str)):
                carriers[_carrier_name(summary, entry[1])] += 1
            elif entry[0] in ("drain", "putfn"):
                carriers[{"drain": "callable taken out of a carrier and called", "putfn": "callable stored in a carrier"}[entry[0]]] += 1
    print()
    print(f"{'carrier stores of asyncio objects / queued callables':52s} {'count':>6s}")
    for name in sorted(carriers):
        print(f"{name:52s} {carriers[name]:6d}")


def _carrier_name(summary, key) -> str:
    """Which kind of carrier a store entry's key is (for the census)."""
    if key[0] == "objattr":
        return "object attribute (`self.x = loop.create_future()`)"
    return "queue / dict / ContextVar item"


if __name__ == "__main__":
    main()
