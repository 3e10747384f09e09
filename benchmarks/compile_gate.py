"""Check, over a corpus, that phase 1 compiles every tree the compiler rejects.

    python benchmarks/compile_gate.py FOLDER [FOLDER ...] [--depth]

Phase 1 compiles a parsed tree only when its walk sees a shape the compiler
may reject (`asynclint/compiler_errors.py`). For every file of the folders
this runs that walk as phase 1 does (`parsing.parse_unchecked`, the summary,
the engine's walk with `compile_pending`), then compiles the tree anyway,
and fails (exit 1) when a tree the compiler rejects had no suspect. It also
says how many trees were compiled and for which first suspect, and what the
skipped compiles would have cost (CPU). `--depth` checks the depth guard:
chains of every shape and depth up to the parser's own limit, parsed at
several call depths, must never be left uncompiled when `compile()` fails.
"""
from __future__ import annotations

import argparse
import ast
import os
import sys
import time
import warnings
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from asynclint import compiler_errors, parsing  # noqa: E402
from asynclint.config import Config  # noqa: E402
from asynclint.context import Context  # noqa: E402
from asynclint.index.summary import summarise  # noqa: E402
from asynclint.rules import all_rules  # noqa: E402
from asynclint.source import SourceError, decode  # noqa: E402
from asynclint.walker import Walker  # noqa: E402


def _compiles(tree, path) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(tree, path, "exec", dont_inherit=True)
        return True
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return False


def check_corpus(folders) -> int:
    cfg = Config()
    walker = Walker(cfg.enabled_codes(all_rules()))
    first = Counter()
    original = dict(compiler_errors.SUSPECT_TESTS)

    def recording(test, t):
        def run(node, ctx):
            hit = test(node, ctx)
            if hit:
                first[t.__name__] += 1
            return hit
        return run
    for t, test in original.items():
        compiler_errors.SUSPECT_TESTS[t] = recording(test, t)
    files = unchecked = suspects = missed = rejected = 0
    compile_cpu = 0.0
    for folder in folders:
        for base, dirs, names in os.walk(folder):
            dirs.sort()
            for name in sorted(names):
                if not name.endswith(".py"):
                    continue
                path = os.path.join(base, name)
                with open(path, "rb") as f:
                    data = f.read()
                try:
                    text = decode(data).text
                except SourceError:
                    continue
                files += 1
                try:
                    tree, compiled = parsing.parse_unchecked(text, path)
                except parsing.ParseFailure:
                    rejected += 1
                    continue
                if compiled:
                    continue
                unchecked += 1
                ctx = Context("", text.splitlines(), summarise(tree, "m", path, False), cfg, walker.rules)
                ctx.compile_pending = True
                walker.run(tree, ctx)
                ctx.close()
                t = time.process_time()
                ok = _compiles(tree, path)
                compile_cpu += time.process_time() - t
                suspects += ctx.compile_suspect
                if not ok and not ctx.compile_suspect:
                    missed += 1
                    print(f"MISSED: {path} does not compile and had no suspect")
    compiler_errors.SUSPECT_TESTS.update(original)
    print(f"{files} files: {rejected} rejected by the parser or compiler as before, "
          f"{files - rejected - unchecked} compiled at once (text or interpreter), {unchecked} walked "
          f"uncompiled, of which {suspects} compiled after a suspect; compile() of all {unchecked}: "
          f"{compile_cpu:.2f} s CPU")
    print("first suspects:", ", ".join(f"{k} {v}" for k, v in first.most_common()))
    return 1 if missed else 0


_CHAINS = {
    "binary operators": lambda n: "x = " + " + ".join(["a"] * n) + "\n",
    "attributes": lambda n: "x = a" + ".b" * n + "\n",
    "calls": lambda n: "x = f" + "()" * n + "\n",
    "subscripts": lambda n: "x = a" + "[0]" * n + "\n",
    "elif": lambda n: "if a:\n    pass\n" + "elif a:\n    pass\n" * n,
    "unary": lambda n: "x = " + "-" * n + "1\n",
    "conditional": lambda n: "x = " + "a if b else " * n + "c\n",
}


def check_depth() -> int:
    bad = 0
    for extra in (0, 40, 150):
        for shape, make in _CHAINS.items():
            boundary = None
            for n in [*range(50, 600, 50), *range(600, 1100, 3), *range(1100, 3200, 100)]:
                text = make(n)
                try:
                    tree, compiled = _at_depth(extra, parsing.parse_unchecked, text, "chain.py")
                except parsing.ParseFailure:
                    continue
                if compiled:
                    continue
                boundary = n
                if not _at_depth(extra, _compiles, tree, "chain.py"):
                    bad += 1
                    print(f"MISSED: {shape} of depth {n} at call depth +{extra}: not compiled, and compile() fails")
            print(f"{shape}, call depth +{extra}: left uncompiled up to depth {boundary}")
    return 1 if bad else 0


def _at_depth(extra, fn, *args):
    if extra:
        return _at_depth(extra - 1, fn, *args)
    return fn(*args)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", nargs="*")
    ap.add_argument("--depth", action="store_true", help="check the depth guard on generated chains")
    args = ap.parse_args()
    if not compiler_errors.GATED:
        print("this interpreter compiles every tree: nothing to check")
        return 0
    status = check_depth() if args.depth else 0
    if args.folders:
        status |= check_corpus(args.folders)
    return status


if __name__ == "__main__":
    sys.exit(main())
