"""The parse component of a cold run against its floor, piece by piece.

    python benchmarks/parse_component.py FOLDER [--repeat N]

Per file, as phase 1 does it: read the bytes, decode them (`source.decode`),
parse them (`parsing.parse_unchecked`: `ast.parse` under a lowered recursion
limit, the newer-syntax layer for text the running parser rejects; the
`compile()` check is left to the engine's walk, which compiles only trees
with a suspect, about 5% of files: see `compile_gate.py`) and split the
lines (`phase1.source_lines`). The floor is read + `ast.parse` of the UTF-8 text
(rejected files included, at the cost of their failed parse). Times are CPU
(`process_time`), the best of N passes, with the collector set as phase 1
sets it (imports frozen, young threshold 100,000).
"""
from __future__ import annotations

import argparse
import ast
import gc
import os
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from asynclint import newsyntax, parsing  # noqa: E402
from asynclint.phase1 import source_lines  # noqa: E402
from asynclint.source import SourceError, decode  # noqa: E402
from newsyntax_corpus import _files  # noqa: E402  (this script's folder is on sys.path)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    paths = _files(args.folder)
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
    warnings.simplefilter("ignore")
    datas = {}
    for p in paths:
        with open(p, "rb") as f:
            datas[p] = f.read()
    texts = {}
    for p, data in datas.items():
        try:
            texts[p] = decode(data).text
        except SourceError:
            pass
    rejected = {}
    for p, text in texts.items():
        try:
            ast.parse(text, p)
        except SyntaxError as exc:
            rejected[p] = exc
        except ValueError:
            pass

    def floor():
        for p in paths:
            with open(p, "rb") as f:
                data = f.read()
            try:
                ast.parse(data.decode("utf-8", "replace"), p)
            except (SyntaxError, ValueError):
                pass

    def component():
        for p in paths:
            with open(p, "rb") as f:
                data = f.read()
            try:
                text = decode(data).text
            except SourceError:
                continue
            try:
                parsing.parse_unchecked(text, p)
            except parsing.ParseFailure:
                pass
            source_lines(text)

    def read_decode():
        for p in paths:
            with open(p, "rb") as f:
                data = f.read()
            try:
                decode(data)
            except SourceError:
                pass

    def native_parse():
        for p, text in texts.items():
            try:
                ast.parse(text, p)
            except (SyntaxError, ValueError):
                pass

    def compile_check():
        for p, text in texts.items():
            if p not in rejected:
                try:
                    compile(ast.parse(text, p), p, "exec", dont_inherit=True)
                except (SyntaxError, ValueError):
                    pass

    def newer_syntax():
        for p, exc in rejected.items():
            try:
                newsyntax.parse(texts[p], p, exc)
            except Exception:
                pass

    def lines():
        for text in texts.values():
            source_lines(text)

    runs = [("floor: read + ast.parse", floor), ("parse component (read, decode, parse, lines)", component),
            ("  read + decode", read_decode), ("  ast.parse", native_parse),
            ("  ast.parse + compile() (every file, as before the gate)", compile_check),
            (f"  newer-syntax layer ({len(rejected)} files)", newer_syntax), ("  source_lines", lines)]
    best = {}
    for _ in range(args.repeat):
        for name, fn in runs:
            t = time.process_time()
            fn()
            best[name] = min(best.get(name, 1e9), time.process_time() - t)
    print(f"{len(paths)} files under {args.folder}, Python {sys.version.split()[0]}, CPU s (best of {args.repeat})")
    for name, _ in runs:
        print(f"  {name:56s} {best[name]:7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
