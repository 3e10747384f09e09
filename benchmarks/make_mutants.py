"""Seed never-awaited coroutines into a copy of real code, for the
differential benchmark (the corpus itself has almost none: released
libraries are clean, and pyright finds nothing in them either).

    python benchmarks/make_mutants.py SRC DEST --rate 0.15 [--only SUBPATH ...]

Copies SRC to DEST and, in the files under each --only sub-path (all files
when none is given), removes the `await` from a deterministic sample of
statement-level `await f(...)` expressions (an expression statement whose
value is an awaited call). Writes DEST/MUTANTS.tsv: path, line of each
mutant. Both tools should then report these lines; compare with
benchmarks/pyright_diff.py (--truth DEST/MUTANTS.tsv).
"""
from __future__ import annotations

import argparse
import ast
import hashlib
import shutil
from pathlib import Path


def sampled(key: bytes, rate: float) -> bool:
    """A deterministic sample: the same key is in or out on every run."""
    return int(hashlib.sha1(key).hexdigest()[:8], 16) / 0xFFFFFFFF < rate


def mutate(path: Path, rate: float) -> list:
    try:
        data = path.read_bytes()
        tree = ast.parse(data)
    except (SyntaxError, ValueError, OSError):
        return []
    lines = data.split(b"\n")
    done = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Await)
                and isinstance(node.value.value, ast.Call)):
            continue
        aw = node.value
        if aw.lineno != aw.value.lineno:
            continue
        key = f"{path}:{aw.lineno}".encode()
        if not sampled(key, rate):
            continue
        line = lines[aw.lineno - 1]
        col = aw.col_offset
        if not line[col:].startswith(b"await "):
            continue
        lines[aw.lineno - 1] = line[:col] + line[col + 6:]
        done.append(aw.lineno)
    if done:
        path.write_bytes(b"\n".join(lines))
    return done


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dest")
    ap.add_argument("--rate", type=float, default=0.15)
    ap.add_argument("--only", action="append", default=[])
    args = ap.parse_args()
    src, dest = Path(args.src), Path(args.dest)
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(src, dest)  # follows symlinks: the originals stay untouched
    roots = [dest / o for o in args.only] or [dest]
    rows = []
    for root in roots:
        files = [root] if root.is_file() else sorted(root.rglob("*.py"))
        for path in files:
            for line in mutate(path, args.rate):
                rows.append(f"{path.resolve()}\t{line}")
    (dest / "MUTANTS.tsv").write_text("\n".join(rows) + "\n")
    print(f"{len(rows)} mutants in {len({r.split(chr(9))[0] for r in rows})} files")


if __name__ == "__main__":
    main()
