"""Recall proxy for AIO100 that needs no other tool: of all `await f(...)`
expressions in a corpus, how many calls does the project index prove to be
coroutine calls? (Those are exactly the calls AIO100 would flag if the
`await` were missing.) Also samples the ones it cannot prove, by shape.

    python benchmarks/await_recall.py /tmp/asynclint-corpus/full [--sample 30]
"""
from __future__ import annotations

import argparse
import ast
import random
from collections import Counter
from pathlib import Path

from asynclint.config import Config
from asynclint.context import Context
from asynclint.discovery import discover
from asynclint.engine import Walker
from asynclint.index import queries
from asynclint.index.modules import find_project_root, module_name
from asynclint.index.project import ProjectIndex
from asynclint.index.summary import summarise
from asynclint.parsing import ParseFailure, parse
from asynclint.rules._coroutine_common import callee_symbol
from asynclint.rules.base import Rule
from asynclint.source import SourceError, decode


class _Probe(Rule):
    code = "AIO199"
    name = "await-probe"
    node_types = (ast.Await,)

    def check(self, node, ctx) -> None:
        call = node.value
        if isinstance(call, ast.Call):
            sym = callee_symbol(ctx, call.func)
            ctx.pendings.append((ctx.module.name, sym, ast.unparse(call.func)[:80], call.lineno))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("path", nargs="+")
    ap.add_argument("--sample", type=int, default=30)
    args = ap.parse_args()
    cfg = Config()
    walker = Walker(frozenset())
    probe = _Probe()
    walker.rules.append(probe)
    walker.dispatch[ast.Await].append(probe)
    root = find_project_root([Path(p) for p in args.path])
    summaries, probes = [], []
    for f in discover(args.path, root, cfg.exclude, False):
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
        probes.extend((f.display, *p) for p in ctx.pendings)
    index = ProjectIndex(summaries)
    proven = 0
    shapes, unproven = Counter(), []
    for display, module, sym, text, line in probes:
        ok = sym is not None and queries.answer(index, module, ("coroutine-call", sym)) is not None
        if ok:
            proven += 1
        else:
            shape = "no symbol" if sym is None else _shape(sym)
            shapes[shape] += 1
            unproven.append((display, line, text, shape))
    total = len(probes)
    print(f"awaited calls: {total}; proven coroutine calls: {proven} ({proven / max(total, 1):.1%})")
    print("unproven, by callee shape:", dict(shapes.most_common()))
    random.seed(1)
    for item in random.sample(unproven, min(args.sample, len(unproven))):
        print("  ", *item)


def _shape(sym) -> str:
    parts = []
    while sym is not None and sym[0] in ("attr", "call", "await"):
        parts.append(sym[0])
        sym = sym[1]
    parts.append(sym[0] if sym else "None")
    return ".".join(reversed(parts))


if __name__ == "__main__":
    main()
