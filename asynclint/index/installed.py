"""Installed third-party packages as part of the index (phase 2, on demand).

When a symbol resolves into a module that is not part of the checked
project, the index looks for it in the site-packages of the target
environment (`--python PATH`: an interpreter, a virtualenv or a
site-packages folder; else the active `$VIRTUAL_ENV`), prefers `.pyi` stubs
(and `NAME-stubs` packages) over `.py` sources, and summarises the file
exactly like a project module -- parsed, never imported. Summaries are cached
on disk by path, size and mtime (`.asynclint_cache/installed-*.pickle`), so
a package is read once. Nothing here runs when no environment is given.
"""
from __future__ import annotations

import ast
import atexit
import glob
import hashlib
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from .summary import ModuleSummary, summarise

_CACHE_VERSION = 1
_NOT_COROUTINES = ("AsyncIterator", "AsyncGenerator", "AsyncIterable")


def site_packages_for(python: Optional[str]) -> List[str]:
    """The site-packages folders of an interpreter, virtualenv or folder."""
    if not python:
        venv = os.environ.get("VIRTUAL_ENV")
        return _venv_site(Path(venv)) if venv else []
    path = Path(python)
    if path.is_dir():
        found = _venv_site(path)
        return found or [str(path)]
    if path.is_file() and os.access(path, os.X_OK):
        try:
            out = subprocess.run(
                [str(path), "-I", "-c", "import json, sys; print(json.dumps(sys.path))"],
                capture_output=True, text=True, timeout=20, check=True).stdout
            entries = json.loads(out)
        except (OSError, subprocess.SubprocessError, ValueError):
            return []
        return [e for e in entries if e and e.rstrip("/").endswith(("site-packages", "dist-packages"))]
    return []


def _venv_site(root: Path) -> List[str]:
    patterns = [root / "lib" / "python*" / "site-packages", root / "Lib" / "site-packages"]
    out: List[str] = []
    for pattern in patterns:
        out.extend(sorted(glob.glob(str(pattern))))
    return out


class InstalledPackages:
    def __init__(self, dirs: List[str], cache_dir: Optional[Path]):
        self.dirs = [Path(d) for d in dirs if Path(d).is_dir()]
        self.loaded: Dict[str, Optional[ModuleSummary]] = {}
        self.cache_file = None
        self.cache: Dict[str, Tuple[int, int, ModuleSummary]] = {}
        self.dirty = False
        if cache_dir is not None and self.dirs:
            key = hashlib.sha256("\0".join(map(str, self.dirs)).encode()).hexdigest()[:12]
            self.cache_file = cache_dir / f"installed-v{_CACHE_VERSION}-py{sys.version_info[0]}{sys.version_info[1]}-{key}.pickle"
            try:
                with open(self.cache_file, "rb") as fh:
                    self.cache = pickle.load(fh)
            except Exception:
                self.cache = {}
            atexit.register(self.save)

    def find(self, module: str) -> Optional[Tuple[Path, bool]]:
        parts = module.split(".")
        for root in self.dirs:
            bases = [root.joinpath(parts[0] + "-stubs", *parts[1:]), root.joinpath(*parts)]
            for base in bases:
                for candidate, is_pkg in ((base / "__init__.pyi", True), (base / "__init__.py", True),
                                          (base.with_name(base.name + ".pyi"), False),
                                          (base.with_name(base.name + ".py"), False)):
                    if candidate.is_file():
                        return candidate, is_pkg
        return None

    def summary(self, module: str) -> Optional[ModuleSummary]:
        if module in self.loaded:
            return self.loaded[module]
        self.loaded[module] = None  # guard against re-entry
        found = self.find(module) if self.dirs else None
        result = None
        if found is not None:
            path, is_pkg = found
            result = self._summarise(path, module, is_pkg)
        self.loaded[module] = result
        return result

    def _summarise(self, path: Path, module: str, is_pkg: bool) -> Optional[ModuleSummary]:
        try:
            stat = path.stat()
        except OSError:
            return None
        entry = self.cache.get(str(path))
        if entry is not None and entry[0] == stat.st_size and entry[1] == stat.st_mtime_ns and entry[2].name == module:
            return entry[2]
        try:
            tree = ast.parse(path.read_bytes(), str(path))
        except (SyntaxError, ValueError, OSError, RecursionError, MemoryError):
            return None
        summary = summarise(tree, module, str(path), is_pkg)
        _mark_generators(tree, summary, path.suffix == ".pyi")
        self.cache[str(path)] = (stat.st_size, stat.st_mtime_ns, summary)
        self.dirty = True
        return summary

    def save(self) -> None:
        if not self.dirty or self.cache_file is None:
            return
        try:
            self.cache_file.parent.mkdir(exist_ok=True)
            tmp = self.cache_file.with_suffix(".tmp")
            with open(tmp, "wb") as fh:
                pickle.dump(self.cache, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.cache_file)
            self.dirty = False
        except OSError:
            pass


def _mark_generators(tree: ast.Module, summary: ModuleSummary, stub: bool) -> None:
    """No engine walk runs on installed files: find the async generators here
    (a `yield` in the body; in stubs, an `AsyncIterator`-like return)."""
    def visit(body, prefix: str) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                qual = prefix + node.name
                info = summary.functions.get(qual)
                if info is not None and isinstance(node, ast.AsyncFunctionDef):
                    if stub:
                        ann = node.returns
                        head = ann.value if isinstance(ann, ast.Subscript) else ann
                        name = head.attr if isinstance(head, ast.Attribute) else getattr(head, "id", "")
                        info.is_generator = info.is_generator or name in _NOT_COROUTINES
                    elif _yields(node):
                        info.is_generator = True
                visit(node.body, qual + ".<locals>.")
            elif isinstance(node, ast.ClassDef):
                visit(node.body, prefix + node.name + ".")
            elif isinstance(node, (ast.If, ast.Try)):
                visit(node.body, prefix)
                visit(getattr(node, "orelse", []), prefix)
                for handler in getattr(node, "handlers", ()):
                    visit(handler.body, prefix)
    visit(tree.body, "")


def _yields(fn) -> bool:
    stack = list(fn.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False


def view(python: Optional[str], root: Optional[Path]) -> Optional["InstalledPackages"]:
    """The installed packages of the environment `python` that an index may
    read, or None when there is none."""
    dirs = site_packages_for(python)
    if not dirs:
        return None
    cache_dir = (root / ".asynclint_cache") if root is not None else None
    return InstalledPackages(dirs, cache_dir)
