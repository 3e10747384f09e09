"""Seeded travelling coroutines: recall of AIO101/AIO102 on real code.

    python benchmarks/travel_recall.py SRC WORK [--rate 0.15] [--only SUBPATH ...]

Copies SRC to WORK and removes the `await` from a deterministic sample of
`name = await f(...)` assignments in functions (the call and the `await` on
one line), so the coroutine now travels through `name`. Each mutant is
classified by what the function does with `name` afterwards:

- "lost": every later read is a use of the value that a coroutine cannot
  serve (test, comparison, subscript, iteration, attribute other than the
  coroutine's own, formatting, arithmetic) or there is none: the coroutine is
  never run, and AIO101/AIO102 should report it (at the call or at a use
  "through `name`");
- "handed on": some read awaits, returns, stores or passes the name on:
  the coroutine may still run, and precision-first rules stay quiet.

Runs the installed `asynclint --select AIO1` on WORK and reports, per class,
how many mutants got a finding, plus findings that match no mutant (the
unmutated code has none: each would be a false alarm).
"""
from __future__ import annotations

import argparse
import ast
import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

from make_mutants import sampled  # the same sample rule as the AIO100 mutants

_VALUE_PARENTS = (ast.If, ast.While, ast.IfExp, ast.Assert, ast.Compare, ast.BinOp, ast.UnaryOp, ast.For,
                  ast.comprehension, ast.Subscript, ast.FormattedValue, ast.BoolOp)
_COROUTINE_ATTRS = frozenset({"send", "throw", "close", "__await__", "cr_frame", "cr_running", "cr_code"})


def _parents(tree):
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            child._parent = node


def _classify(fn, assign, name: str) -> str:
    """"lost" or "handed on" (see the module docstring)."""
    stores = 0
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and node.id == name:
            if not isinstance(node.ctx, ast.Load):
                stores += 1
                continue
            parent = node._parent
            if isinstance(parent, ast.Compare) and all(isinstance(op, (ast.Is, ast.IsNot)) for op in parent.ops):
                continue
            if isinstance(parent, ast.Attribute):
                if parent.attr in _COROUTINE_ATTRS:
                    return "handed on"
                continue
            if isinstance(parent, _VALUE_PARENTS):
                if isinstance(parent, ast.BoolOp) and parent.values[-1] is node:
                    return "handed on"
                if isinstance(parent, (ast.For, ast.comprehension)) and parent.iter is not node:
                    return "handed on"
                if isinstance(parent, ast.Subscript) and parent.value is not node:
                    return "handed on"
                if isinstance(parent, ast.IfExp) and parent.test is not node:
                    return "handed on"
                continue
            return "handed on"
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) and node is not fn:
            if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node)):
                return "handed on"
    return "lost" if stores == 1 else "handed on"


def mutate(path: Path, rate: float, work: Path) -> list:
    try:
        data = path.read_bytes()
        tree = ast.parse(data)
    except (SyntaxError, ValueError, OSError):
        return []
    _parents(tree)
    lines = data.split(b"\n")
    done = []
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.AsyncFunctionDef):
            continue
        for node in ast.walk(fn):
            if not (isinstance(node, ast.Assign) and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Await)
                    and isinstance(node.value.value, ast.Call)):
                continue
            aw = node.value
            if aw.lineno != aw.value.lineno or _owner(node) is not fn:
                continue
            key = f"{path.relative_to(work)}:{aw.lineno}".encode()  # the same sample in any WORK
            if not sampled(key, rate):
                continue
            line = lines[aw.lineno - 1]
            col = aw.col_offset
            if not line[col:].startswith(b"await "):
                continue
            name = node.targets[0].id
            done.append((aw.lineno, name, fn.end_lineno, _classify(fn, node, name), col))
    for lineno, _name, _end, _kind, col in sorted(done, key=lambda d: (d[0], -d[4])):
        line = lines[lineno - 1]
        lines[lineno - 1] = line[:col] + line[col + 6:]
    if done:
        path.write_bytes(b"\n".join(lines))
    return done


def _owner(node):
    parent = getattr(node, "_parent", None)
    while parent is not None and not isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        parent = getattr(parent, "_parent", None)
    return parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("work")
    ap.add_argument("--rate", type=float, default=0.15)
    ap.add_argument("--only", action="append", default=[])
    ap.add_argument("--show", type=int, default=0, help="print this many missed 'lost' mutants")
    args = ap.parse_args()
    src, work = Path(args.src), Path(args.work)
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(src, work)
    roots = [work / o for o in args.only] or [work]
    mutants = {}
    for root in roots:
        for path in ([root] if root.is_file() else sorted(root.rglob("*.py"))):
            for lineno, name, end, kind, _col in mutate(path, args.rate, work):
                mutants[(str(path.resolve()), lineno)] = (name, end, kind)
    exe = Path(sys.executable).parent / "asynclint"
    out = subprocess.run([str(exe), "--no-cache", "--isolated", "--select", "AIO1", "--output-format", "json",
                          "--exit-zero", *[str(r) for r in roots]], capture_output=True, text=True, cwd=work)
    findings = json.loads(out.stdout or "[]")
    hit = set()
    unmatched = []
    for f in findings:
        path = str((work / f["path"]).resolve()) if not Path(f["path"]).is_absolute() else f["path"]
        key = None
        if (path, f["line"]) in mutants:
            key = (path, f["line"])
        else:
            for (mp, ml), (name, end, _kind) in mutants.items():
                if mp == path and ml <= f["line"] <= end and f"through `{name}`" in f["message"]:
                    key = (mp, ml)
                    break
        if key is None:
            unmatched.append(f)
        else:
            hit.add(key)
    kinds = Counter(kind for _n, _e, kind in mutants.values())
    found = Counter(mutants[k][2] for k in hit)
    print(f"{len(mutants)} mutants in {len({p for p, _ in mutants})} files")
    for kind in ("lost", "handed on"):
        n = kinds[kind]
        print(f"  {kind:9s}: {n:4d} seeded, {found[kind]:4d} reported ({100 * found[kind] / n:.0f}%)" if n else
              f"  {kind:9s}: none seeded")
    print(f"findings matching no mutant: {len(unmatched)}")
    for f in unmatched[:20]:
        print(f"    {f['filename']}:{f['line']} {f['code']} {f['message'][:120]}")
    for key in sorted(k for k in hit if mutants[k][2] == "handed on")[:args.show]:
        print(f"    reported, handed on: {Path(key[0]).relative_to(work.resolve())}:{key[1]} `{mutants[key][0]}`")
    missed = [(k, v) for k, v in mutants.items() if v[2] == "lost" and k not in hit]
    for (path, line), (name, _end, _kind) in missed[:args.show]:
        print(f"    missed {Path(path).relative_to(work.resolve())}:{line} `{name}`")


if __name__ == "__main__":
    main()
