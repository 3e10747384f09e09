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
        folder, name = os.path.split(str(path.resolve()))
    else:  # resolve each folder once (strings: a run names thousands of files)
        folder, name = os.path.split(text)
        folder = _real_folder(folder, folders)
    is_package = name == "__init__.py"
    package = _package(folder, root, {} if folders is None else folders)
    parts = list(package) if is_package else [*package, os.path.splitext(name)[0]]
    if not parts:  # an __init__.py whose folder is the root itself
        parts = [os.path.basename(folder)]
    return ".".join(parts), is_package


def module_names(paths: Iterable[str], root: Optional[Path] = None, real: bool = False) -> list:
    """`module_name` of each absolute path (strings), for a whole run: a
    folder's package path is found once, and a file costs a split and a
    symlink test (a symlinked file is named from its target). `real`: the
    paths are known to be real files, not symlinks (discovery's): no test."""
    folders: dict = {}
    packages: dict = {}  # folder as given -> package path
    out = []
    for text in paths:
        folder, name = os.path.split(text)
        package = packages.get(folder)
        if package is None or (not real and os.path.islink(text)):
            out.append(module_name(Path(text), root, folders))
            if package is None and (real or not os.path.islink(text)):
                packages[folder] = _package(_real_folder(folder, folders), root, folders)
            continue
        if name == "__init__.py":
            out.append((".".join(package) if package else os.path.basename(_real_folder(folder, folders)), True))
        else:
            out.append((".".join((*package, os.path.splitext(name)[0])), False))
    return out


def _package(folder: str, root: Optional[Path], folders: dict) -> tuple:
    """The dotted package path of `folder` (a real path): the folders from
    the top regular package (or namespace portion inside one) down to it,
    stopping at `root`. Kept per folder, from its parent's: a run costs one
    `__init__.py` look-up per folder, not one per folder above each file's."""
    key = (folder, root)
    package = folders.get(key)
    if package is None:
        here = Path(folder)
        if not (_has_init(folder, folders) or _namespace_portion(here, root, folders)):
            package = ()
        elif (root is not None and here == root) or here.parent == here:
            package = (here.name,)
        else:
            package = (*_package(os.path.dirname(folder), root, folders), here.name)
        folders[key] = package
    return package


def _has_init(folder: str, folders: dict) -> bool:
    key = ("init", folder)
    found = folders.get(key)
    if found is None:
        found = folders[key] = os.path.exists(os.path.join(folder, "__init__.py"))
    return found


def _real_folder(folder: str, folders: dict) -> str:
    """`folder` with symlinks resolved, from its parent's (one `lstat` per
    folder, not one per component of every folder)."""
    real = folders.get(folder)
    if real is None:
        parent, name = os.path.split(folder)
        if parent == folder or name in ("", ".", "..") or not os.path.isabs(folder) or os.path.islink(folder):
            real = str(Path(folder).resolve())
        else:
            real = os.path.join(_real_folder(parent, folders), name)
        folders[folder] = real
    return real


def _namespace_portion(folder: Path, root: Optional[Path], folders: dict) -> bool:
    """A folder without `__init__.py` inside a regular package (`discord/ext/`
    between `discord/__init__.py` and `discord/ext/commands/__init__.py`) is
    a namespace package: it is part of the dotted name."""
    if root is not None and folder == root:
        return False
    return folder.name.isidentifier() and _has_init(str(folder.parent), folders)


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
