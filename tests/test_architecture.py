"""The house has no circles and nothing runs back up (issue #13): read from
the source with `ast` (every import, including those inside functions), so a
new circle or a wrong-way import fails here, not in review."""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Set

PACKAGE = Path(__file__).resolve().parent.parent / "asynclint"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: Dict[str, Path] = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _type_only(tree: ast.Module) -> Set[int]:
    """Imports under `if TYPE_CHECKING:` never run: annotations only."""
    out: Set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            out.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return out


def _imports(name: str, path: Path) -> Set[str]:
    is_package = path.name == "__init__.py"
    out: Set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = _type_only(tree)
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[:len(base) - node.level + 1]
                full = ".".join(base + ([node.module] if node.module else []))
            else:
                full = node.module or ""
            targets = [f"{full}.{a.name}" if f"{full}.{a.name}" in MODULES else full for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name and not (is_package and target.startswith(name + ".")):
                out.add(target)
    return out


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _reaches(start: str, goal: str) -> bool:
    seen, stack = set(), [start]
    while stack:
        node = stack.pop()
        for nxt in GRAPH[node]:
            if nxt == goal:
                return True
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return False


def test_no_module_imports_one_that_imports_it_back():
    circles = sorted({tuple(sorted((a, b))) for a, deps in GRAPH.items() for b in deps if _reaches(b, a)})
    assert circles == []


LEAVES = {m for m, deps in GRAPH.items() if not deps}  # import nothing of asynclint (cache, source, ...)


def test_the_index_sits_below_the_walk_and_the_rules():
    """The project index imports only the index, the knowledge tables and
    leaf modules: never the walk's context, the engine or a rule."""
    upward = {m: sorted(d for d in GRAPH[m]
                        if not d.startswith(("asynclint.index", "asynclint.knowledge")) and d not in LEAVES)
              for m in MODULES if m.startswith("asynclint.index")}
    assert {m: d for m, d in upward.items() if d} == {}


def test_libcst_only_under_fixes():
    users = sorted(m for m, p in MODULES.items() if "libcst" in {n.split(".")[0] for n in _external(p)})
    assert all(m.startswith("asynclint.fixes") for m in users), users


def test_the_runtime_shim_imports_only_diagnostics_and_noqa():
    allowed = ("asynclint.runtime", "asynclint.diagnostics", "asynclint.noqa")
    wrong = {m: sorted(d for d in GRAPH[m] if not d.startswith(allowed))
             for m in MODULES if m.startswith("asynclint.runtime")}
    assert {m: d for m, d in wrong.items() if d} == {}


def _external(path: Path) -> Set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            out.add(node.module)
    return out
