"""A long-lived check of one project, with the index kept in memory.

`asynclint server` (the language server) and `asynclint --watch` both keep one
`Session`: every file's phase-1 result (`FileResult`: local findings, pending
queries, module summary) stays in memory, so an edit costs one file's
analysis plus the phase-2 answers that can have changed:

- an edit that leaves the file's module summary as it was (the summary
  records definitions, imports, calls and their positions, so: most edits
  within one line) cannot change what any other file's queries see: only the
  edited file's own queries are answered again, against the same index, whose
  derived facts stay valid;
- an edit that changes the summary (a `def` became `async def`, an import
  was added, lines were inserted) gets an updated index
  (`ProjectIndex.updated`) that keeps the derived facts which did not look
  at the changed module; a file's phase-2 answers are kept with the module
  names they looked up, and only those that looked at the changed module
  (or at every module) are answered again, when asked for (`findings`).
  The server asks only for the files open in the editor; `--watch` asks for
  every file, the edited ones first.

A file answered again re-asks only the queries that looked at a changed
module: its answers are kept per query with what each looked up
(`_File.answered`). The module table is patched when one file's summary
changes (`_patched_table`), not rebuilt from every file.

Engine names used here (the batch engine may change around them):
`analyse_text`, `analyse_bytes`, `findings_of`, `FileResult`, `Walker`,
`Settings`, `ProjectIndex` and `Knowledge`, plus `index.installed.view` and
`index.modules.module_name`.
"""
from __future__ import annotations

import gc
import hashlib
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from . import config as configmod
from . import noqa
from .diagnostics import Diagnostic
from .engine import FileResult, Settings, Walker, analyse_bytes, analyse_text, findings_of
from .index import installed
from .index.modules import find_project_root, module_name
from .index.project import ALL, Knowledge, ModuleTable, ProjectIndex
from .rules import all_rules


@dataclass
class _File:
    path: Path  # absolute
    display: str
    module: str
    is_package: bool
    report: bool  # False: indexed for knowledge only
    digest: str  # of the content analysed
    result: FileResult
    stat: Optional[Tuple[int, int]] = None  # (size, mtime_ns) of the disk file read
    overlay: bool = False  # the content came from an editor buffer, not the disk
    findings: Optional[List[Diagnostic]] = None  # phase 2; None: to be answered
    deps: frozenset = frozenset()  # the module names `findings` looked up (ALL: every module)
    # (module, query) -> (answer, the module names it looked up): answers
    # kept while what they looked up is unchanged, also across edits of the
    # file itself (the same query asked again is not answered again).
    answered: dict = field(default_factory=dict)
    text: Optional[str] = None  # the editor buffer analysed (overlays only): an edit is compared with it


@dataclass
class Change:
    """What one update did."""

    path: Path
    changed: bool  # the content differed from what was analysed
    summary_changed: bool  # other files' findings may have changed too


@dataclass
class Job:
    path: Path  # absolute
    display: str
    report: bool = True


def load_settings(start: Path, isolated: bool = False) -> Tuple[Settings, Path]:
    """Settings from the nearest pyproject.toml, read by the CLI's loader
    (without flags), and the project root. Raises `config.ConfigError`."""
    rules = all_rules()
    cfg = configmod.load(start, None, isolated, rules)
    root = cfg.root or find_project_root([start])
    return Settings(cfg, cfg.enabled_codes(rules)), root


def digest_of(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


# What a trailing comment must not hold to be left out of the comparison:
# quotes (it could close a string that an earlier line opened), and the
# words of comments that phase 1 reads (`# noqa`, `# type: ignore[...]`,
# encoding declarations, asynclint's own).
_TAIL_WORDS = ("noqa", "type:", "ignore", "coding", "asynclint")
_TAIL_CHARS = frozenset("\'\"\r\x00\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def _code_end(text: str) -> Optional[int]:
    """Where the trailing lines of `text` that are blank or only a comment
    begin (len(text): none); None when a trailing line holds something the
    comparison cannot leave out."""
    end = len(text)
    while True:
        start = text.rfind("\n", 0, end) + 1 if end else 0
        line = text[start:end]
        if line.endswith("\r"):
            line = line[:-1]
        body = line.strip(" \t")
        if body and not body.startswith("#"):
            return end if end == len(text) else end + 1
        if _TAIL_CHARS.intersection(line) or any(w in line.lower() for w in _TAIL_WORDS):
            return None
        if start == 0:
            return 0
        end = start - 1


def same_code(old: str, new: str) -> bool:
    """`new` differs from `old` (a text that parses) only in trailing lines
    that are blank or hold only a comment, so both parse to the same tree
    with the same positions: the lines before them are identical, and the
    last of those neither continues (backslash) into the comments nor is a
    comment line inside a string (a trailing line with a quote is not left
    out). Proven on the text alone: no tokenizer pass."""
    old_end, new_end = _code_end(old), _code_end(new)
    if old_end is None or new_end is None or old_end != new_end or not old_end:
        return False
    code = old[:old_end]
    if new[:new_end] != code:
        return False
    return not code.rstrip("\r\n").endswith("\\")


class Session:
    """One project's phase-1 results and index, updated file by file.

    Thread-safe: every public method holds the session's lock."""

    def __init__(self, root: Path, settings: Settings, python: Optional[str] = None):
        self.root = root
        self.settings = settings
        self.python = python if python is not None else getattr(settings.config, "python", None)
        self.walker = Walker(settings.enabled)
        # The installed packages the index may read: one reader for the
        # session, so what it has loaded survives index rebuilds.
        self.installed = installed.view(self.python, root)
        self.files: Dict[Path, _File] = {}
        self.generation = 0  # bumped whenever the index changes
        self.index = self._new_index()
        self.lock = threading.RLock()

    # -- loading ------------------------------------------------------------
    def load(self, jobs: Sequence[Job], workers: int = 1) -> None:
        """Phase 1 for every job, read from disk (files already held with
        editor content keep it)."""
        todo = []
        for job in jobs:
            path = job.path
            try:
                st = path.stat()
                data = path.read_bytes()
            except OSError:
                continue
            todo.append((job, (st.st_size, st.st_mtime_ns), data))
        if workers > 1 and len(todo) >= 64:
            results = _analyse_parallel(todo, self.root, self.settings, workers)
        else:
            results = [self._analyse_bytes(job.path, data) for job, _, data in todo]
        with self.lock:
            for (job, stat, data), (module, is_package, result) in zip(todo, results):
                if job.path in self.files and self.files[job.path].overlay:
                    continue
                self.files[job.path] = _File(job.path, job.display, module, is_package, job.report,
                                             digest_of(data), result, stat)
            self._order = None
            self._rebuild()
        # What was loaded lives as long as the session: keep the cyclic
        # garbage collector from re-scanning it (millions of objects on a
        # large project: seconds a pass) at every later collection.
        gc.freeze()

    def _analyse_bytes(self, path: Path, data: bytes) -> Tuple[str, bool, FileResult]:
        module, is_package = module_name(path, self.root)
        return module, is_package, analyse_bytes(data, module, is_package, str(path), self.walker, self.settings)

    def _table(self) -> ModuleTable:
        # Sorted by path, as the batch engine's discovery order: when two
        # files claim one module name, the same one wins.
        files = getattr(self, "files", {})
        if getattr(self, "_order", None) is None or len(self._order) != len(files):
            self._order = sorted(files, key=str)
        table = ModuleTable()
        for path in self._order:
            f = files.get(path)
            if f is not None and f.result.summary is not None:
                dict.setdefault(table, f.result.summary.name, f.result.summary)
        return table

    def _new_index(self) -> ProjectIndex:
        index = ProjectIndex((), Knowledge.from_config(self.settings.config), self.installed)
        index.modules = self._table()
        return index

    def _rebuild(self) -> None:
        self.index = self._new_index()
        self.generation += 1
        for f in self.files.values():
            f.findings = None
            f.answered = {}

    def _update_index(self, names: Iterable[str], table: Optional[ModuleTable] = None) -> None:
        """The modules `names` changed (or appeared, or went): a new index
        keeping the facts that did not look at them, and the answers of the
        files that did not look at them either. `table`: the new module
        table when the caller could patch it (else rebuilt from the files)."""
        old = self.index
        if table is None:
            table = self._table()
        changed = frozenset(names)
        self.index = old.updated(table, changed)
        changed = changed | self.index.changed_joins
        self.generation += 1
        for f in self.files.values():
            if f.findings is None or ALL in f.deps or not f.deps.isdisjoint(changed):
                f.findings = None
                if f.answered:
                    f.answered = {q: kept for q, kept in f.answered.items()
                                  if ALL not in kept[1] and kept[1].isdisjoint(changed)}

    # -- updates ------------------------------------------------------------
    def update(self, path: Path, text: Optional[str] = None, display: Optional[str] = None,
               report: bool = True) -> Change:
        """Analyse `path` again: with `text` (an editor buffer), or from the
        disk when `text` is None. A file the session did not hold is added."""
        path = Path(path)
        stat = None
        if text is None:
            try:
                st = path.stat()
                data = path.read_bytes()
            except OSError:
                return self.remove(path)
            stat = (st.st_size, st.st_mtime_ns)
            digest = digest_of(data)
        else:
            digest = digest_of(text.encode("utf-8", "surrogatepass"))
        with self.lock:
            old = self.files.get(path)
            if old is not None and old.digest == digest:
                old.stat = stat if stat is not None else old.stat
                old.overlay = text is not None
                old.text = text
                return Change(path, False, False)
            if old is not None and text is not None and old.text is not None \
                    and old.result.not_analysed is None and same_code(old.text, text):
                # Only trailing comments changed: the same tree, so the same
                # phase-1 result, summary and answers (no parse, no walk).
                new = _File(path, display or old.display, old.module, old.is_package, old.report, digest, old.result,
                            old.stat, overlay=True, findings=old.findings, deps=old.deps, answered=old.answered,
                            text=text)
                self.files[path] = new
                return Change(path, True, False)
            if text is None:
                module, is_package, result = self._analyse_bytes(path, data)
            else:
                module, is_package = module_name(path, self.root)
                result = analyse_text(text, module, is_package, str(path), self.walker, self.settings)
            new = _File(path, display or (old.display if old else self.display_of(path)), module, is_package,
                        old.report if old else report, digest, result, stat, overlay=text is not None)
            if old is not None and text is not None:
                new.stat = old.stat
            new.text = text
            if old is not None:
                new.answered = old.answered  # valid against the index until it changes (below)
            if old is None:
                self._order = None
            self.files[path] = new
            summary_changed = old is None or old.result.summary != result.summary
            if summary_changed:
                names = {module}
                if old is not None:
                    names.add(old.module)
                self._update_index(names, self._patched_table(old, new))
            return Change(path, True, summary_changed)

    def _patched_table(self, old: Optional[_File], new: _File) -> Optional[ModuleTable]:
        """The module table with `new`'s summary in place of `old`'s, when
        that is all that changed (same module name, `old` was the file that
        provided it, `new` has a summary): a copy, in the same order, without
        going through every file. None: rebuild it."""
        current = self.index.modules
        summary = new.result.summary
        if (old is None or summary is None or old.result.summary is None or old.result.summary.name != summary.name
                or dict.get(current, summary.name) is not old.result.summary):
            return None
        table = ModuleTable()
        dict.update(table, dict.items(current))  # not `current` itself: its keys() records a dependency on every module
        dict.__setitem__(table, summary.name, summary)
        return table

    def remove(self, path: Path) -> Change:
        with self.lock:
            old = self.files.pop(Path(path), None)
            if old is None:
                return Change(Path(path), False, False)
            self._order = None
            if old.result.summary is not None:
                self._update_index({old.module})
            return Change(Path(path), True, old.result.summary is not None)

    def display_of(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def changed_on_disk(self) -> List[Path]:
        """Files whose size or modification time differs from what was read
        (editor buffers excepted), and files that are gone."""
        out = []
        with self.lock:
            held = [(f.path, f.stat) for f in self.files.values() if not f.overlay]
        for path, stat in held:
            try:
                st = path.stat()
            except OSError:
                out.append(path)
                continue
            if stat != (st.st_size, st.st_mtime_ns):
                out.append(path)
        return out

    # -- phase 2 ------------------------------------------------------------
    def findings(self, path: Path) -> List[Diagnostic]:
        """The file's findings against the current index, sorted; answered
        again only when the file or the index changed since last asked."""
        with self.lock:
            f = self.files.get(Path(path))
            if f is None:
                return []
            if f.findings is None:
                deps: set = set()
                f.findings = self._answer(f, deps)
                f.deps = frozenset(deps)
            return f.findings

    def _answer(self, f: _File, deps: set) -> List[Diagnostic]:
        enabled = self.settings.enabled
        ignored = self.settings.config.ignored_for(f.display, f.path)
        out = []
        for d in findings_of(f.result, self.index, f.display, deps, f.answered):
            if d.code not in enabled:
                continue
            if ignored and noqa.suppresses(frozenset(ignored), d.code):
                continue
            out.append(d)
        out.sort(key=Diagnostic.sort_key)
        return out

    def reported(self) -> List[Path]:
        with self.lock:
            return sorted((f.path for f in self.files.values() if f.report), key=str)

    def invalidate(self, path: Path) -> None:
        """Forget a file's phase-2 answers (its content did not change but
        the caller needs them answered again)."""
        with self.lock:
            f = self.files.get(Path(path))
            if f is not None:
                f.findings = None
                f.answered = {}

    def __contains__(self, path: object) -> bool:
        return path in self.files


# -- parallel phase 1 ------------------------------------------------------------
def _analyse_parallel(todo, root: Path, settings: Settings, workers: int) -> List[Tuple[str, bool, FileResult]]:
    """Phase 1 of `todo` in the CLI's worker processes (`asynclint.pool`):
    they exit as soon as this process ends in any way, even killed, so an
    editor that ends the server while it indexes leaves no worker behind
    (a `ProcessPoolExecutor`'s workers hold both ends of their queue's pipe,
    never see their parent go, and kept the server's output pipes open)."""
    from . import pool

    named = [(str(job.path), *module_name(job.path, root), data) for job, _, data in todo]
    size = max(1, len(named) // (workers * 8))
    batches = [named[i:i + size] for i in range(0, len(named), size)]
    walker = None
    found: Dict[str, FileResult] = {}
    for batch, results in pool.run_batches(batches, settings, workers):
        if results is None:  # its worker died: analyse the batch here
            walker = walker or Walker(settings.enabled)
            results = [(path, analyse_bytes(data, module, is_package, path, walker, settings))
                       for path, module, is_package, data in batch]
        found.update(results)
    return [(module, is_package, found[path]) for path, module, is_package, _ in named]


def project_jobs(root: Path, settings: Settings, paths: Optional[Iterable[str]] = None) -> List[Job]:
    """The files a session holds: those under `paths` (default: the root),
    reported, and the rest of the project, indexed for knowledge only, as the
    CLI does for the files it was not given."""
    from .discovery import DiscoveryError, discover

    cfg = settings.config
    excludes = [*cfg.exclude, *cfg.extend_exclude]
    named = discover(list(paths) if paths else [str(root)], root, excludes, cfg.respect_gitignore)
    jobs = [Job(f.path, f.display) for f in named]
    seen = {j.path for j in jobs}
    if paths:
        try:
            rest = discover([str(root)], root, excludes, cfg.respect_gitignore)
        except DiscoveryError:
            rest = []
        jobs += [Job(f.path, f.display, report=False) for f in rest if f.path not in seen]
    return jobs


def default_workers() -> int:
    return os.cpu_count() or 1
