"""Measure how many files newsyntax.parse rescues from ast.parse's rejection.

Usage: python3 benchmarks/newsyntax_corpus.py [DIR] [--jobs N]

Counts the .py files that ``ast.parse`` rejects on the running Python, then
how many ``asynclint.newsyntax.parse`` still rejects, grouped by cause, and
times both passes (wall clock, over a process pool).
"""
from __future__ import annotations

import argparse
import ast
import collections
import concurrent.futures as cf
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from asynclint import newsyntax  # noqa: E402


def _files(root: str) -> list:
    out = []
    for d, _, names in os.walk(root):
        out.extend(os.path.join(d, n) for n in names if n.endswith(".py"))
    return sorted(out)


def _read(path: str):
    with open(path, "rb") as f:
        data = f.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _plain(path: str):
    src = _read(path)
    if src is None:
        return path, "undecodable"
    try:
        ast.parse(src, path)
        return path, None
    except SyntaxError as e:
        return path, f"SyntaxError: {e.msg}"
    except ValueError as e:
        return path, f"ValueError: {e}"


def _rescued(path: str):
    src = _read(path)
    t0 = time.perf_counter()
    try:
        newsyntax.parse(src, path)
        cause = None
    except newsyntax.UnsupportedSyntax as e:
        cause = f"UnsupportedSyntax: {e.construct} (needs {e.own_needs[0]}.{e.own_needs[1]})"
    except SyntaxError as e:
        cause = f"SyntaxError: {e.msg}"
    except Exception as e:  # a bug in newsyntax: report, do not hide
        cause = f"CRASH {type(e).__name__}: {e}"
    return path, cause, time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("root", nargs="?", default="/tmp/asynclint-corpus/full")
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    ap.add_argument("--show", type=int, default=20, help="list up to N remaining files")
    args = ap.parse_args()

    files = _files(args.root)
    print(f"Python {sys.version.split()[0]}, {len(files)} files under {args.root}")
    with cf.ProcessPoolExecutor(args.jobs) as ex:
        t0 = time.perf_counter()
        plain = [r for r in ex.map(_plain, files, chunksize=64) if r[1] is not None]
        t1 = time.perf_counter()
        failing = [p for p, _ in plain if _ != "undecodable"]
        rescued = list(ex.map(_rescued, failing, chunksize=8))
        t2 = time.perf_counter()

    print(f"ast.parse rejects: {len(plain)} files  (pass over all files: {t1 - t0:.2f}s wall)")
    for cause, n in collections.Counter(c for _, c in plain).most_common():
        print(f"  {n:6d}  {cause}")
    left = [(p, c) for p, c, _ in rescued if c is not None]
    undecodable = [p for p, c in plain if c == "undecodable"]
    cpu = sum(t for _, _, t in rescued)
    print(
        f"newsyntax.parse still rejects: {len(left) + len(undecodable)} files  "
        f"(rewrite pass over {len(failing)} files: {t2 - t1:.2f}s wall, {cpu:.2f}s cpu, "
        f"{1000 * cpu / max(1, len(failing)):.1f} ms/file)"
    )
    counts = collections.Counter(c for _, c in left)
    counts.update("undecodable" for _ in undecodable)
    for cause, n in counts.most_common():
        print(f"  {n:6d}  {cause}")
    for p, c in left[: args.show]:
        print(f"    {p}: {c}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
