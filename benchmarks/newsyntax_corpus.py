"""Measure how many files newsyntax.parse rescues from ast.parse's rejection.

Usage: python3 benchmarks/newsyntax_corpus.py [DIR] [--jobs N] [--check]

Counts the .py files that ``ast.parse`` rejects on the running Python, then
how many ``asynclint.newsyntax.parse`` still rejects, grouped by cause, and
times both passes (wall clock, over a process pool).

``--check`` (3.11) is the differential test of the fast path against the full
rewrite it stands in for: every rejected file gives the same outcome (tree
node for node with every position and value, the `type_params` kept for the
index, or the same error) with the fast path as without it; and every file
that parses and holds an f-string gives the same tree from the fast path's
f-string rebuild as from the full rewrite forced through it.
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


def _outcome(fn):
    try:
        tree = fn()
    except newsyntax.UnsupportedSyntax as e:
        return ("unsupported", str(e), e.lineno, e.col)
    except SyntaxError as e:
        return ("error", e.msg, e.lineno, e.offset, getattr(e, "__notes__", None))
    if tree is None:
        return None
    rows = [ast.dump(tree, include_attributes=True)]
    for node in ast.walk(tree):
        params = getattr(node, "type_params", None)
        if params is not None:
            rows.append((node.lineno, node.name, [(t.name, t.bound and ast.dump(t.bound, include_attributes=True))
                                                 for t in params]))
    return rows


def _check(path: str):
    """(path, problem or None, whether the fast path served the file)."""
    src = _read(path)
    if src is None or "\0" in src:
        return path, None, False

    def rejected():
        try:
            ast.parse(src, path)
        except SyntaxError as e:
            return e
        return None

    if rejected() is not None:
        fast = newsyntax._fast_parse(src, path)
        with_fast = _outcome(lambda: newsyntax.parse(src, path, rejected()))
        saved, newsyntax._fast_parse = newsyntax._fast_parse, lambda *a: None
        try:
            without = _outcome(lambda: newsyntax.parse(src, path, rejected()))
        finally:
            newsyntax._fast_parse = saved
        return path, None if with_fast == without else "rejected file: outcome differs", fast is not None
    if not newsyntax._FQUOTE_RE.search(src):
        return path, None, False
    rw = newsyntax._Rewriter(src, path)
    full = _outcome(lambda: rw.fix(ast.parse(rw.text(), path)) if (rw.scan() or True) and all(c.exact for c in rw.constructs) else None)
    fast = _outcome(lambda: newsyntax._Fast(src, path).splice_fstrings(ast.parse(src, path)))
    return path, None if full == fast else "f-string rebuild differs", True


def check(files: list, jobs: int) -> int:
    with cf.ProcessPoolExecutor(jobs) as ex:
        results = list(ex.map(_check, files, chunksize=16))
    bad = [(p, why) for p, why, _ in results if why]
    print(f"fast path vs full rewrite: {len(files)} files, {sum(f for _, _, f in results)} through the fast path, "
          f"{len(bad)} differences")
    for p, why in bad[:50]:
        print(f"  {p}: {why}")
    return 1 if bad else 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("root", nargs="?", default="/tmp/asynclint-corpus/full")
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    ap.add_argument("--show", type=int, default=20, help="list up to N remaining files")
    ap.add_argument("--check", action="store_true", help="fast path against the full rewrite (see above)")
    args = ap.parse_args()

    files = _files(args.root)
    if args.check:
        return check(files, args.jobs)
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
