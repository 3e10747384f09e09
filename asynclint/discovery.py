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
import re
import sys
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Dict, Iterable, List, Optional, Tuple

if TYPE_CHECKING:  # imported when a .gitignore is read: a run from kept listings reads none
    import pathspec


class DiscoveryError(Exception):
    pass


@dataclass(frozen=True)
class SourceFile:
    file: str  # absolute path (a string: a large tree has thousands, and a warm run needs no Path)
    display: str  # as the user should see it

    @cached_property
    def path(self) -> Path:
        return Path(self.file)


class _Excludes:
    """The exclude patterns compiled once: one regular expression for files
    and one for folders (trailing-slash patterns match folders only), with
    `fnmatch`'s meaning (case-insensitive where the platform's paths are)."""

    def __init__(self, patterns: Iterable[str]):
        files, dirs = [], []
        for pattern in patterns:
            folder_only = pattern.endswith("/")
            pattern = pattern.rstrip("/") if folder_only else pattern
            pattern = pattern[2:] if pattern.startswith("./") else pattern
            regex = fnmatch.translate(os.path.normcase(pattern))
            dirs.append(regex)
            if not folder_only:
                files.append(regex)
        self._file = re.compile("|".join(files)).match if files else None
        self._dir = re.compile("|".join(dirs)).match if dirs else None

    def __call__(self, name: str, rels: Iterable[str], is_dir: bool = False) -> bool:
        match = self._dir if is_dir else self._file
        if match is None:
            return False
        norm = os.path.normcase
        return bool(match(norm(name))) or any(match(norm(rel)) for rel in rels)


def _rel(path: str, base: str) -> Optional[str]:
    """`path` relative to `base` as a posix string (lexically, as
    `Path.relative_to`), "." for the base itself, None when not under it."""
    if path == base:
        return "."
    head = base if base.endswith(os.sep) else base + os.sep
    if not path.startswith(head):
        return None
    rel = path[len(head):]
    return rel.replace(os.sep, "/") if os.sep != "/" else rel


def _rels_of(path: str, *bases: str) -> List[str]:
    out = []
    for base in bases:
        rel = _rel(path, base)
        if rel is not None and rel != "." and rel not in out:
            out.append(rel)
    return out


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
_WARNINGS = [0]  # warnings met, shown or not: a walk that met one keeps no listing


def warn(message: str) -> None:
    """One line on stderr, once per run (discovery walks the project twice)."""
    _WARNINGS[0] += 1
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
        self._root = str(root)
        self._specs: Dict[Path, Optional[pathspec.PathSpec]] = {}
        self._chains: Dict[str, tuple] = {}  # folder -> ((base folder, spec), ...) from the root down
        self.read = None  # told of each .gitignore looked for (`_Listings`)

    def _spec(self, folder: Path) -> Optional[pathspec.PathSpec]:
        if folder not in self._specs:
            spec = None
            ignore = folder / ".gitignore"
            if self.read is not None:
                self.read(str(ignore))
            if os.path.isfile(ignore):
                try:
                    lines = ignore.read_text(encoding="utf-8", errors="replace").splitlines()
                except OSError as exc:
                    warn(f"{ignore}: cannot read ({exc.strerror}); its patterns are not applied")
                    lines = []
                spec = _gitignore_spec(ignore, lines)
            self._specs[folder] = spec
        return self._specs[folder]

    def _chain(self, folder: str) -> tuple:
        """The (folder, spec) pairs with patterns that apply in `folder`
        (which is under the root), from the root down."""
        chain = self._chains.get(folder)
        if chain is None:
            parent = os.path.dirname(folder)
            above = () if folder == self._root or parent == folder else self._chain(parent)
            spec = self._spec(Path(folder))
            chain = self._chains[folder] = above + ((folder, spec),) if spec is not None else above
        return chain

    def ignored_in(self, folder: str, name: str, is_dir: bool) -> bool:
        """`ignored` for `name` in `folder` (a walked folder under the root,
        as a string): the chain of specs is kept per folder."""
        path = os.path.join(folder, name)
        suffix = "/" if is_dir else ""
        for base, spec in self._chain(folder):
            if spec.match_file(_rel(path, base) + suffix):
                return True
        return False

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
    import pathspec

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
             force_exclude: bool = False, problems: Optional[List[Tuple[str, str]]] = None,
             remember: bool = False) -> List[SourceFile]:
    """The Python files under `paths`. A folder that cannot be read is added
    to `problems` as (display path, reason) when a list is given.
    `remember`: keep what each folder held in the cache (`_Listings`)."""
    exclude = list(exclude)
    excludes = _Excludes(exclude)
    gitignores = _GitIgnores(root) if respect_gitignore else None
    listings = _Listings.of(paths, root, exclude, respect_gitignore) if remember else None
    if listings is not None and gitignores is not None:
        gitignores.read = listings.gitignore_read
    found: Dict[str, SourceFile] = {}  # by path (strings: cheaper to hash than Path)
    for given in paths:
        p = Path(given)
        if not p.exists():
            raise DiscoveryError(f"{given}: no such file or directory")
        absolute = p.resolve()
        if p.is_file():
            if force_exclude and (is_excluded(absolute, root, exclude)
                                  or (gitignores is not None and gitignores.ignored(absolute, False))):
                continue
            found.setdefault(str(absolute), SourceFile(str(absolute), display_path(absolute, given, p)))
            continue

        def unreadable(exc: OSError, given=given, p=p) -> None:
            if problems is not None and exc.filename:
                folder = Path(exc.filename)
                problems.append((display_path(folder, given, p),
                                 f"cannot read folder: {exc.strerror}; the files in it were not checked"))

        _walk(str(absolute), str(root), given, p, excludes, gitignores, found, unreadable,
              listings)
    if listings is not None:
        listings.save()
    return sorted(found.values(), key=lambda s: s.display)


class _Listings:
    """What each walked folder held, kept between runs: the Python files
    and the sub-folders the walk kept (after the excludes and `.gitignore`
    files), keyed on everything else the walk depends on (the paths as
    given, the working folder, the root, the patterns).

    A folder's entry is used while the folder's stat (mtime, ctime, inode,
    device) is unchanged: POSIX updates a directory's mtime and ctime
    whenever an entry is created, removed or renamed in it, which is all
    that changes its listing (editing a file inside does not). A folder
    changed within two seconds before its listing was taken is listed
    again (coarse timestamps), and so is one holding a symlink (its
    target may change without the folder) or an entry that could not be
    read. The `.gitignore` files the walk read (or found missing) are
    checked by stat too; any change there lists everything again. Runs
    that warned (an invalid pattern, an unreadable folder) keep nothing,
    so the warning is given again next time."""

    def __init__(self, file: Path, saved: Optional[dict]):
        self.file = file
        self.started = time.time_ns()
        self.old: Dict[str, tuple] = {}
        self.gitignores: Dict[str, Optional[tuple]] = {}  # path -> stat key (None: missing) of every one read
        if saved is not None and all(_stat_of(p) == st for p, st in saved["gitignores"].items()):
            self.old = saved["folders"]
            self.gitignores = dict(saved["gitignores"])
        self.new: Dict[str, tuple] = {}
        self.warnings = _WARNINGS[0]
        self.changed = saved is None or not self.old

    @classmethod
    def of(cls, paths: List[str], root: Path, exclude: List[str], respect_gitignore: bool) -> Optional["_Listings"]:
        from . import cache as disk
        if disk.secret() is None:
            return None
        import hashlib
        key = hashlib.blake2b(repr((paths, os.getcwd(), str(root), exclude, respect_gitignore,
                                    os.path.normcase("A"))).encode(), digest_size=16).hexdigest()
        file = disk.folder(root) / disk.build_id()[:12] / f"listing-{key}"
        saved = disk.load(file, "listing")
        if not (isinstance(saved, dict) and isinstance(saved.get("folders"), dict)
                and isinstance(saved.get("gitignores"), dict)):
            saved = None
        return cls(file, saved)

    def gitignore_read(self, path: str) -> None:
        if path not in self.gitignores:
            self.gitignores[path] = _stat_of(path)
            self.changed = True

    def get(self, given: str, folder: str) -> tuple:
        """(kept sub-folders, [(file, display)]) of `folder` walked from the
        path `given`, when still true (else None), and the folder's stat."""
        try:
            st = os.stat(folder)
        except OSError:
            return None, None
        stat = (st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)
        key = (given, folder)
        entry = self.old.get(key)
        if entry is not None and entry[0] == stat:
            self.new[key] = entry
            return entry[1:], stat
        self.changed = True
        return None, stat

    def put(self, given: str, folder: str, stat: Optional[tuple], dirs: List[str], files: List[tuple]) -> None:
        if stat is not None and max(stat[0], stat[1]) < self.started - 2_000_000_000:
            self.new[(given, folder)] = (stat, dirs, files)

    def save(self) -> None:
        from . import cache as disk
        if _WARNINGS[0] != self.warnings:
            return
        if self.changed or len(self.new) != len(self.old):
            disk.store(self.file, "listing", {"folders": self.new, "gitignores": self.gitignores})


def _stat_of(path: str) -> Optional[tuple]:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def _walk(top: str, root: str, given: str, given_path: Path, excluded: _Excludes, gitignores: Optional[_GitIgnores],
          found: Dict[str, SourceFile], unreadable, listings: Optional[_Listings] = None) -> None:
    """The Python files under the folder `top`, depth first in name order
    (symlinked folders are not entered; a symlinked file counts once, under
    its real path). Works on strings and directory entries: a large tree
    costs one `scandir` per folder and no `stat` per file; with `listings`,
    a folder whose stat is unchanged costs one `stat`."""
    under_root = _rel(top, root) is not None
    stack = [top]
    while stack:
        folder = stack.pop()
        stat = None
        if listings is not None:
            kept, stat = listings.get(given, folder)
            if kept is not None:
                stack.extend(reversed(kept[0]))
                for file, display in kept[1]:
                    if file not in found:
                        found[file] = SourceFile(file, display)
                continue
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError as exc:
            unreadable(exc)
            continue
        dirs, files = [], []
        plain = True  # no symlink, every entry readable: the listing can be kept
        for entry in entries:
            try:
                (dirs if entry.is_dir() else files).append(entry)
                if entry.is_symlink():
                    plain = False
            except OSError:
                files.append(entry)
                plain = False
        shown = display_path(Path(folder), given, given_path)
        ignores = gitignores if gitignores is not None and under_root else None
        keep = []
        for entry in sorted(dirs, key=lambda e: e.name):
            name = entry.name
            sub = entry.path
            if excluded(name, _rels_of(sub, top, root), is_dir=True) or entry.is_symlink():
                continue
            if ignores is not None and ignores.ignored_in(folder, name, True):
                continue
            keep.append(sub)
        stack.extend(reversed(keep))
        kept_files: List[tuple] = []
        for entry in sorted(files, key=lambda e: e.name):
            name = entry.name
            if not name.endswith(".py"):
                continue
            file = entry.path
            if excluded(name, _rels_of(file, top, root)):
                continue
            if ignores is not None and ignores.ignored_in(folder, name, False):
                continue
            try:
                if not entry.is_file():
                    continue
                link = entry.is_symlink()
            except OSError:
                continue
            if link:
                path = Path(file)
                resolved = path.resolve()
                found.setdefault(str(resolved), SourceFile(str(resolved), display_path(path, given, given_path)))
            else:
                display = file if os.path.isabs(given) else (name if shown == "." else os.path.join(shown, name))
                if file not in found:
                    found[file] = SourceFile(file, display)
                kept_files.append((file, display))
        if listings is not None and plain:
            listings.put(given, folder, stat, keep, kept_files)
