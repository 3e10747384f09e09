"""Paths on the command line -> the Python files to check.

Directories are walked (no symlinked folders: no loops), skipping the
configured excludes and, by default, what `.gitignore` files say. A file the
user names explicitly is always checked.
"""
from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import pathspec


class DiscoveryError(Exception):
    pass


@dataclass(frozen=True)
class SourceFile:
    path: Path  # absolute
    display: str  # as the user should see it


def _excluded(name: str, rel: str, patterns: Iterable[str]) -> bool:
    for pattern in patterns:
        if fnmatch.fnmatch(name, pattern) or fnmatch.fnmatch(rel, pattern):
            return True
    return False


class _GitIgnores:
    """The .gitignore files that apply to a folder, from the root down."""

    def __init__(self, root: Path):
        self.root = root
        self._specs: Dict[Path, Optional[pathspec.PathSpec]] = {}

    def _spec(self, folder: Path) -> Optional[pathspec.PathSpec]:
        if folder not in self._specs:
            spec = None
            ignore = folder / ".gitignore"
            if ignore.is_file():
                try:
                    lines = ignore.read_text(encoding="utf-8", errors="replace").splitlines()
                    spec = pathspec.PathSpec.from_lines("gitwildmatch", lines)
                except OSError:
                    spec = None
            self._specs[folder] = spec
        return self._specs[folder]

    def ignored(self, path: Path, is_dir: bool) -> bool:
        try:
            path.relative_to(self.root)
        except ValueError:
            return False
        folder = path.parent
        chain = []
        while True:
            chain.append(folder)
            if folder == self.root or folder == folder.parent:
                break
            folder = folder.parent
        for base in reversed(chain):
            spec = self._spec(base)
            if spec is None:
                continue
            rel = path.relative_to(base).as_posix() + ("/" if is_dir else "")
            if spec.match_file(rel):
                return True
        return False


def display_path(path: Path, given: str, given_path: Path) -> str:
    """Relative when the user passed a relative path, absolute otherwise."""
    if os.path.isabs(given):
        return str(path)
    try:
        return os.path.relpath(path, Path.cwd())
    except ValueError:
        return str(path)


def discover(paths: List[str], root: Path, exclude: Iterable[str], respect_gitignore: bool) -> List[SourceFile]:
    exclude = list(exclude)
    gitignores = _GitIgnores(root) if respect_gitignore else None
    found: Dict[Path, SourceFile] = {}
    for given in paths:
        p = Path(given)
        if not p.exists():
            raise DiscoveryError(f"{given}: no such file or directory")
        absolute = p.resolve()
        if p.is_file():
            found.setdefault(absolute, SourceFile(absolute, display_path(absolute, given, p)))
            continue
        for dirpath, dirnames, filenames in os.walk(absolute, followlinks=False):
            folder = Path(dirpath)
            keep = []
            for d in sorted(dirnames):
                sub = folder / d
                rel = sub.relative_to(absolute).as_posix()
                if _excluded(d, rel, exclude) or sub.is_symlink():
                    continue
                if gitignores is not None and gitignores.ignored(sub, True):
                    continue
                keep.append(d)
            dirnames[:] = keep
            for f in sorted(filenames):
                if not f.endswith(".py"):
                    continue
                file = folder / f
                rel = file.relative_to(absolute).as_posix()
                if _excluded(f, rel, exclude):
                    continue
                if gitignores is not None and gitignores.ignored(file, False):
                    continue
                if not file.is_file():
                    continue
                resolved = file.resolve() if file.is_symlink() else file
                found.setdefault(resolved, SourceFile(resolved, display_path(file, given, p)))
    return sorted(found.values(), key=lambda s: s.display)
