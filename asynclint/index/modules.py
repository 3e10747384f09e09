"""Module names from file paths, and the project root."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Optional

ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")


def find_project_root(paths: Iterable[Path]) -> Path:
    """The nearest folder above the given paths that holds a project marker,
    else their common parent."""
    resolved = [p.resolve() for p in paths] or [Path.cwd().resolve()]
    try:
        common = Path(os.path.commonpath([str(p) for p in resolved]))
    except ValueError:  # different drives
        common = resolved[0]
    start = common if common.is_dir() else common.parent
    for folder in (start, *start.parents):
        if any((folder / marker).exists() for marker in ROOT_MARKERS):
            return folder
    return start


def module_name(path: Path, root: Optional[Path] = None, folders: Optional[dict] = None) -> tuple[str, bool]:
    """(dotted module name, is_package) for a file.

    Walks up through folders holding `__init__.py` (regular packages). Above
    the top package, a `src/` layout or the project root ends the name. A file
    outside any package is a top-level module named after its stem. `folders`
    (a dict kept by the caller for one run) remembers each folder's package
    path, so many files in one folder cost one walk.
    """
    text = str(path)
    if folders is None or os.path.islink(text):
        folder, name = os.path.split(str(Path(text).resolve()))
        folders = {} if folders is None else folders
    else:  # resolve each folder once (strings: a run names thousands of files)
        folder, name = os.path.split(text)
        folder = real_folder(folder, folders)
    return _named(folder, name, _package(folder, None if root is None else str(root), folders))


def _named(folder: str, name: str, package: tuple) -> tuple[str, bool]:
    """(module, is_package) of the file `name` in the real folder `folder`
    whose package path is `package`."""
    if name == "__init__.py":  # an __init__.py whose folder is the root itself: named after it
        return (".".join(package) if package else os.path.basename(folder)), True
    return ".".join((*package, os.path.splitext(name)[0])), False


def module_names(paths: Iterable[str], root: Optional[Path] = None, real: bool = False) -> list:
    """`module_name` of each absolute path (strings), for a whole run: a
    folder's package path is found once, and a file costs a split and a
    symlink test (a symlinked file is named from its target). `real`: the
    paths are known to be real files, not symlinks (discovery's): no test."""
    folders: dict = {}
    top = None if root is None else str(root)
    packages: dict = {}  # folder as given -> (real folder, package path)
    split = os.path.split
    out = []
    for text in paths:
        folder, name = split(text)
        if not real and os.path.islink(text):
            out.append(module_name(Path(text), root, folders))
            continue
        known = packages.get(folder)
        if known is None:
            real = real_folder(folder, folders)
            known = packages[folder] = (real, _package(real, top, folders))
        out.append(_named(known[0], name, known[1]))
    return out


def _package(folder: str, root: Optional[str], folders: dict) -> tuple:
    """The dotted package path of `folder` (a real path, as a string): the
    folders from the top regular package (or namespace portion inside one)
    down to it, stopping at `root` (a string). Kept per folder, from its
    parent's: a run costs one `__init__.py` look-up per folder, not one per
    folder above each file's."""
    key = (folder, root)
    package = folders.get(key)
    if package is None:
        parent, name = os.path.split(folder)
        if not (_has_init(folder, folders) or _namespace_portion(folder, root, folders)):
            package = ()
        elif folder == root or parent == folder:
            package = (name,)
        else:
            package = (*_package(parent, root, folders), name)
        folders[key] = package
    return package


def _has_init(folder: str, folders: dict) -> bool:
    key = ("init", folder)
    found = folders.get(key)
    if found is None:
        found = folders[key] = os.path.exists(os.path.join(folder, "__init__.py"))
    return found


def real_folder(folder: str, folders: dict) -> str:
    """`folder` with symlinks resolved, from its parent's (one `lstat` per
    folder, not one per component of every folder); `folders` keeps the
    answers (the caller's, for as long as it wants them)."""
    real = folders.get(folder)
    if real is None:
        parent, name = os.path.split(folder)
        if parent == folder or name in ("", ".", "..") or not os.path.isabs(folder) or os.path.islink(folder):
            real = str(Path(folder).resolve())
        else:
            real = os.path.join(real_folder(parent, folders), name)
        folders[folder] = real
    return real


def _namespace_portion(folder: str, root: Optional[str], folders: dict) -> bool:
    """A folder without `__init__.py` inside a regular package (`discord/ext/`
    between `discord/__init__.py` and `discord/ext/commands/__init__.py`) is
    a namespace package: it is part of the dotted name."""
    if folder == root:
        return False
    parent, name = os.path.split(folder)
    return name.isidentifier() and _has_init(parent, folders)


def resolve_relative(current: str, is_package: bool, level: int, target: Optional[str]) -> Optional[str]:
    """Absolute module for `from {'.'*level}{target} import ...` in `current`."""
    if level == 0:
        return target
    base = current.split(".")
    if not is_package:
        base = base[:-1]
    drop = level - 1
    if drop > len(base):
        return None
    if drop:
        base = base[:-drop]
    if target:
        base = base + target.split(".")
    return ".".join(base) if base else None
