"""AIO600 recall on real code: put an `await` under every real lock.

Released libraries almost never hold a thread lock across `await`, so the
corpus alone cannot show whether AIO600 would see it. This probe finds every
sync `with <x>:` directly in a coroutine (not in a nested def) whose context
expression mentions a lock, copies the projects that hold one, inserts
`await asyncio.sleep(0)` as the first statement of each such block, and runs
the real `asynclint --select AIO600` on the copies. Each site is then either
found, or missed (read the listed ones: the lock is not provably a thread
lock, or AIO600 missed it).

    python benchmarks/aio6_recall.py /tmp/asynclint-corpus/full /tmp/asynclint-apps/full
"""
from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_MUTANT = "await __import__('asyncio').sleep(0)  # aio6-recall mutant"


def lock_sites(tree: ast.Module):
    """(line of the `with`, line of its first body statement, col, lock text)."""
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.AsyncFunctionDef):
            continue
        stack = [s for s in fn.body if not isinstance(s, _NESTED)]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.With):
                for item in node.items:
                    text = ast.unparse(item.context_expr)
                    if "lock" in text.lower():
                        first = node.body[0]
                        yield node.lineno, first.lineno, first.col_offset, text
                        break
            stack.extend(c for c in ast.iter_child_nodes(node) if not isinstance(c, _NESTED))


def main(roots) -> int:
    asynclint = Path(sys.executable).parent / "asynclint"
    work = Path(tempfile.mkdtemp(prefix="aio6-recall-"))
    found_total = sites_total = 0
    try:
        for root in map(Path, roots):
            sites = {}
            for path in sorted(root.rglob("*.py")):
                try:
                    tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
                except (SyntaxError, ValueError):
                    continue
                found = list(lock_sites(tree))
                if found:
                    sites[path] = found
            copy_root = work / root.name
            projects = sorted({p.relative_to(root).parts[0] for p in sites})
            for project in projects:
                shutil.copytree(root / project, copy_root / project, symlinks=True)
            expected = {}
            for path, found in sites.items():
                rel = path.relative_to(root)
                lines = (copy_root / rel).read_text(encoding="utf-8", errors="replace").split("\n")
                # insert bottom-up so earlier line numbers stay valid; the
                # await's own line is where the finding must be
                shift = 0
                for with_line, first_line, col, text in sorted(found):
                    lines.insert(first_line - 1 + shift, " " * col + _MUTANT)
                    expected[(rel.as_posix(), first_line + shift)] = (text, with_line)
                    shift += 1
                (copy_root / rel).write_text("\n".join(lines), encoding="utf-8")
            proc = subprocess.run([str(asynclint), "--no-cache", "--isolated", "--format", "json", "--select", "AIO600",
                                   *projects], cwd=copy_root, capture_output=True)
            got = {(d["path"], d["line"]) for d in json.loads(proc.stdout or b"[]")}
            print(f"## {root}")
            for (rel, line), (text, with_line) in sorted(expected.items()):
                mark = "found " if (rel, line) in got else "missed"
                print(f"{mark} {rel}:{with_line} with {text}")
            hits = sum(1 for k in expected if k in got)
            print(f"{hits}/{len(expected)} found; findings elsewhere: {len(got - set(expected))}\n")
            found_total += hits
            sites_total += len(expected)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"total: {found_total}/{sites_total} lock blocks found with an await inserted")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["/tmp/asynclint-corpus/full", "/tmp/asynclint-apps/full"]))
