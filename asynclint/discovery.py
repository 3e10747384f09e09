"""Paths on the command line -> the Python files to check.

Directories are walked (no symlinked folders: no loops), skipping the
configured excludes and, by default, what `.gitignore` files say. A file the
user names explicitly is always checked, unless `force_exclude` (pre-commit
names files one by one and expects the excludes to hold for them too).

Exclude patterns behave as in ruff: a glob matches a file or folder by its
name (`*.pyi`, `build`) or by its path relative to the project root or to the
folder given (`src/generated`, `tests/*`); a trailing slash (`generated/`)
matches folders only. A folder that cannot be read, or a `.gitignore` line
that is not a valid pattern, is reported, never skipped silently.
"""
from __future__ import annotations

import fnmatch
import os
import sys
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


def _excluded(name: str, rels: Iterable[str], patterns: Iterable[str], is_dir: bool = False) -> bool:
    for pattern in patterns:
        if pattern.endswith("/"):
            if not is_dir:
                continue
            pattern = pattern.rstrip("/")
        pattern = pattern[2:] if pattern.startswith("./") else pattern
        if fnmatch.fnmatch(name, pattern) or any(fnmatch.fnmatch(rel, pattern) for rel in rels):
            return True
    return False


def _rels(path: Path, *bases: Path) -> List[str]:
    out = []
    for base in bases:
        try:
            rel = path.relative_to(base).as_posix()
        except ValueError:
            continue
        if rel != "." and rel not in out:
            out.append(rel)
    return out


def is_excluded(path: Path, root: Path, patterns: Iterable[str]) -> bool:
    """Whether an absolute path, or any folder above it up to the project
    root, matches an exclude pattern (for --force-exclude)."""
    patterns = list(patterns)
    if _excluded(path.name, _rels(path, root), patterns, is_dir=path.is_dir()):
        return True
    for folder in path.parents:
        if folder == root or root not in folder.parents:
            break
        if _excluded(folder.name, _rels(folder, root), patterns, is_dir=True):
            return True
    return False


_WARNED: set = set()


def warn(message: str) -> None:
    """One line on stderr, once per run (discovery walks the project twice)."""
    if message in _WARNED:
        return
    _WARNED.add(message)
    if sys.stderr is not None:
        try:
            sys.stderr.write(f"asynclint: warning: {message}\n")
        except (OSError, ValueError):
            pass


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
                except OSError as exc:
                    warn(f"{ignore}: cannot read ({exc.strerror}); its patterns are not applied")
                    lines = []
                spec = _gitignore_spec(ignore, lines)
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


def _gitignore_spec(ignore: Path, lines: List[str]) -> Optional[pathspec.PathSpec]:
    """The valid patterns of a .gitignore; an invalid line (git ignores it
    too) is skipped with a warning rather than dropping the whole file."""
    try:
        return pathspec.PathSpec.from_lines("gitwildmatch", lines)
    except Exception:  # pathspec's pattern errors have no common base
        pass
    good = []
    for n, line in enumerate(lines, 1):
        try:
            pathspec.PathSpec.from_lines("gitwildmatch", [line])
        except Exception as exc:
            warn(f"{ignore}:{n}: invalid pattern {line!r} skipped ({exc})")
            continue
        good.append(line)
    return pathspec.PathSpec.from_lines("gitwildmatch", good) if good else None


def display_path(path: Path, given: str, given_path: Path) -> str:
    """Relative when the user passed a relative path, absolute otherwise."""
    if os.path.isabs(given):
        return str(path)
    try:
        return os.path.relpath(path, Path.cwd())
    except ValueError:
        return str(path)


def discover(paths: List[str], root: Path, exclude: Iterable[str], respect_gitignore: bool,
             force_exclude: bool = False, problems: Optional[List[Tuple[str, str]]] = None) -> List[SourceFile]:
    """The Python files under `paths`. A folder that cannot be read is added
    to `problems` as (display path, reason) when a list is given."""
    exclude = list(exclude)
    gitignores = _GitIgnores(root) if respect_gitignore else None
    found: Dict[Path, SourceFile] = {}
    for given in paths:
        p = Path(given)
        if not p.exists():
            raise DiscoveryError(f"{given}: no such file or directory")
        absolute = p.resolve()
        if p.is_file():
            if force_exclude and (is_excluded(absolute, root, exclude)
                                  or (gitignores is not None and gitignores.ignored(absolute, False))):
                continue
            found.setdefault(absolute, SourceFile(absolute, display_path(absolute, given, p)))
            continue

        def unreadable(exc: OSError, given=given, p=p) -> None:
            if problems is not None and exc.filename:
                folder = Path(exc.filename)
                problems.append((display_path(folder, given, p),
                                 f"cannot read folder: {exc.strerror}; the files in it were not checked"))

        for dirpath, dirnames, filenames in os.walk(absolute, followlinks=False, onerror=unreadable):
            folder = Path(dirpath)
            keep = []
            for d in sorted(dirnames):
                sub = folder / d
                if _excluded(d, _rels(sub, absolute, root), exclude, is_dir=True) or sub.is_symlink():
                    continue
                if gitignores is not None and gitignores.ignored(sub, True):
                    continue
                keep.append(d)
            dirnames[:] = keep
            for f in sorted(filenames):
                if not f.endswith(".py"):
                    continue
                file = folder / f
                if _excluded(f, _rels(file, absolute, root), exclude):
                    continue
                if gitignores is not None and gitignores.ignored(file, False):
                    continue
                if not file.is_file():
                    continue
                resolved = file.resolve() if file.is_symlink() else file
                found.setdefault(resolved, SourceFile(resolved, display_path(file, given, p)))
    return sorted(found.values(), key=lambda s: s.display)
