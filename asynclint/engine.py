"""The engine: files -> findings.

The rooms: `walker` (the single walk of one tree), `phase1` (one file ->
findings, pending queries and summary), `pool` (worker processes),
`phase2` (pending queries answered by the project index), `cache` (the one
safe on-disk writer). This module runs them over a set of files.

With the cache on, a run keeps a record (per settings) of every file's
content digest, its summary digest, its final findings and what its phase-2
answers depended on, one entry per file holding its phase-1 result, and the
project index's derived facts and joins (`ProjectIndex.saved_shards`). A re-run then
- returns the recorded findings when no file changed (the digests are
  trusted while a file's size, mtime, ctime and inode are unchanged: an edit
  always moves the ctime);
- re-checks only the changed files when none of their summaries changed (a
  comment or body edit), on the saved joins: the other files' answers cannot
  have changed, and the changed file's queries read the summaries they need
  from their entries;
- otherwise starts the index from the saved facts (`ProjectIndex.restore`),
  builds the saved joins again and answers the files whose answers looked at
  a moved module, or used a join whose value changed: of such a file, only
  the queries whose own answers did (each file's answers are kept with
  their dependencies in an answers file).
"""
from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import sys
import time
from dataclasses import dataclass, fields
from functools import cached_property
from pathlib import Path
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

from . import cache as disk
from . import noqa
from .config import Config
from .diagnostics import Diagnostic
from .index import installed
from .index.modules import module_names
from .index.project import ALL, Knowledge, ProjectIndex
from .phase1 import FileResult, Settings, analyse_path, analyse_text
# The names callers import from here (the flake8 adapter, the fixer, tools).
from .phase1 import INTERNAL_ERROR, SYNTAX_ERROR, analyse_bytes, analyse_tree, source_lines
from .phase2 import LazyModules, findings_of, shared_parts
from .rules import all_rules
from .walker import Walker

__all__ = ["FileJob", "FileResult", "RunResult", "Settings", "Walker", "analyse_bytes", "analyse_text",
           "analyse_tree", "findings_of", "lint_files", "lint_source", "source_lines", "INTERNAL_ERROR",
           "SYNTAX_ERROR"]


@dataclass
class RunResult:
    diagnostics: List[Diagnostic]
    files: int
    not_analysed: Dict[str, str]  # display path -> reason
    from_cache: int = 0
    # The project index (None when no file was analysed); one that a run
    # without the cache made for itself (`need_index` False) does not track
    # dependencies: it answers queries but cannot be updated or saved.
    index: Optional[ProjectIndex] = None


@dataclass
class FileJob:
    file: str  # absolute path (a Path is accepted and kept as its string)
    display: str
    report: bool = True  # False: indexed for knowledge only
    data: Optional[bytes] = None  # stdin content
    real: bool = False  # `file` is known to be a real file, not a symlink (from discovery)

    def __post_init__(self):
        if type(self.file) is not str:
            self.file = os.fspath(self.file)

    @cached_property
    def path(self) -> Path:  # made when asked for: a warm run of a large tree asks for few
        return Path(self.file)


# A file as the run record remembers it.
@dataclass
class _Seen:
    display: str
    report: bool
    stat: tuple  # (size, mtime_ns, ctime_ns, inode, device)
    digest: str  # content
    module: str
    is_package: bool
    summary: Optional[str]  # digest of the summary; None when not analysed
    findings: List[Diagnostic]  # final (after per-file ignores)
    not_analysed: Optional[str]
    # The module names the findings' phase-2 answers looked up (`ALL`: every
    # module); None when not known (then any change answers the file again).
    deps: Optional[frozenset] = None
    recorded: Optional[tuple] = None  # the run record's tuple this was read from
    # The token of the run that wrote this file's answers file (each query's
    # answer with its own dependencies); None: no such file.
    answers: Optional[str] = None


# Racily clean: a file changed within this many ns of the recording run may
# still show the recorded stat on a coarse-clock filesystem.
_RACY_NS = 2_000_000_000


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _stat_key(st: os.stat_result) -> tuple:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def _summary_digest(result: FileResult) -> Optional[str]:
    blob = result.summary_blob
    return _digest(blob) if blob is not None else None


def run_key(settings: Settings, root: Path) -> str:
    """Everything besides the files that changes a run's findings: the whole
    configuration (per-file ignores included), the rules enabled, the
    interpreter, `$VIRTUAL_ENV` and this asynclint build. (Installed packages
    the index read are checked file by file, see `_Store`.)"""
    config = settings.config
    parts = [disk.build_id(), os.path.realpath(sys.executable), sys.prefix, sys.version, os.environ.get("VIRTUAL_ENV", ""), str(root),
             repr(sorted(settings.enabled)), repr(settings.honour_noqa)]
    for f in fields(config):
        if f.name != "origin":
            parts.append(f"{f.name}={getattr(config, f.name)!r}")
    return hashlib.blake2b("\0".join(parts).encode(), digest_size=16).hexdigest()


class _Store:
    """The run record and the per-file entries of one settings key."""

    def __init__(self, root: Path, settings: Settings):
        self.key = run_key(settings, root)
        fingerprint = settings.config.fingerprint(settings.enabled)
        base = disk.folder(root) / f"{disk.build_id()[:12]}"
        self.record_file = base / f"run-{self.key}"
        self.facts_file = base / f"facts-{self.key}"
        self.joins_file = base / f"joins-{self.key}"
        self.shards = base / f"shards-{self.key}"
        self.listing: Optional[dict] = None  # the saved facts' listing the run restored from
        self.entries = base / f"files-{fingerprint}-{int(settings.honour_noqa)}"
        self.answers = base / f"answers-{self.key}"

    def load_record(self) -> Optional[dict]:
        record = disk.load(self.record_file, "run", keep=True)
        if not isinstance(record, dict) or record.get("key") != self.key:
            return None
        if not installed.unchanged(record.get("installed") or ()):
            return None
        return record

    def save_record(self, started: int, files: Dict[str, _Seen], installed_reads, facts: Optional[str] = None) -> None:
        # One object per distinct dependency set and name: pickle writes a
        # repeated object once, so the record stays small and quick to load.
        names: dict = {}
        sets: dict = {}

        def shared(deps):
            if deps is None:
                return None
            deps = frozenset(names.setdefault(d, d) for d in deps)
            return sets.setdefault(deps, deps)

        def entry(s: _Seen) -> tuple:
            r = s.recorded  # the recorded tuple this one was read from: kept when nothing in it moved
            if r is not None and r[6] is s.summary and r[7] is s.findings and r[9] is s.deps and r[2] == s.stat \
                    and r[0] == s.display and r[1] == s.report and r[8] == s.not_analysed and r[10] == s.answers:
                return r
            return (s.display, s.report, s.stat, s.digest, names.setdefault(s.module, s.module),
                    s.is_package, s.summary, s.findings, s.not_analysed, shared(s.deps), s.answers)

        disk.store(self.record_file, "run", {
            "key": self.key, "started": started, "installed": installed_reads, "facts": facts,
            "files": {path: entry(s) for path, s in files.items()},
        })

    def load_facts(self, record: dict, joins_only: bool = False) -> Optional[dict]:
        """The derived facts and joins of the index that answered the
        recorded findings (`ProjectIndex.saved_shards`), when they belong to
        this record and to this working folder (thread-context texts hold
        paths relative to it). `joins_only`: the joins, without the facts,
        for a run in which no module moved.

        The facts stay on disk in shards (`shards-KEY/`, a table's facts cut
        by key); `facts-KEY` lists each shard with the run that wrote it
        and, for each dependency, the shards holding facts that depended on
        it, so that an update reads only the shards holding facts of what
        moved, and a look-up reads the shard of its key
        (`ProjectIndex.restore`)."""
        token = record.get("facts")
        if not token:
            return None
        cwd = os.getcwd()
        joins = disk.load(self.joins_file, "joins", keep=True)
        if not isinstance(joins, dict) or joins.get("token") != token or joins.get("cwd") != cwd \
                or not isinstance(joins.get("joins"), list):
            return None
        if joins_only:
            return {"joins": joins["joins"], "decode": disk.loads}
        listing = disk.load(self.facts_file, "facts", keep=True)
        if not isinstance(listing, dict) or listing.get("token") != token or listing.get("cwd") != cwd \
                or not isinstance(listing.get("tables"), dict) or not isinstance(listing.get("masks"), dict):
            return None
        self.listing = listing
        return {"joins": joins["joins"], "read": self._read_shard, "holding": self._holding, "decode": disk.loads,
                "shards": {name: (t[0], t[1]) for name, t in listing["tables"].items()},
                "part_orders": listing.get("part_orders") or {}}

    def _shard_file(self, name: str, i: int) -> Path:
        return self.shards / f"{hashlib.blake2b(name.encode(), digest_size=8).hexdigest()}-{i}"

    def _read_shard(self, name: str, i: int) -> Optional[dict]:
        """The facts of shard `i` of table `name` as the listing names them."""
        shard_token = self.listing["tables"][name][3][i]
        if shard_token is None:
            return {}  # no facts
        entry = disk.load(self._shard_file(name, i), "shard", keep=True)
        if isinstance(entry, tuple) and len(entry) == 4 and entry[:3] == (shard_token, name, i) \
                and isinstance(entry[3], dict):
            return entry[3]
        if entry is not None:
            disk.warn(self._shard_file(name, i))
        return None

    def _holding(self, names) -> Dict[str, list]:
        """{table: [shard, ...]}: the shards holding facts that depended on
        any of `names` (each dependency's bit mask of shard slots)."""
        masks = self.listing["masks"]
        bits = 0
        for name in names:
            bits |= masks.get(name, 0)
        slots = {}
        for table, (_, count, base, _) in self.listing["tables"].items():
            for i in range(count):
                slots[base + i] = (table, i)
        out: Dict[str, list] = {}
        while bits:
            low = bits & -bits
            bits ^= low
            table, i = slots[low.bit_length() - 1]
            out.setdefault(table, []).append(i)
        return out

    def save_facts(self, token: str, index: dict) -> bool:
        """Keep `index` (`ProjectIndex.saved_shards()`) for the next run: the
        shards it changed (all of them when it was not restored from
        shards), and their listing: each table's shards (the run that wrote
        each, None when empty) at a slot range, and for each dependency the
        bit mask of the slots holding facts that depended on it."""
        cwd = os.getcwd()
        saved = index["tables"]
        whole = all(len(groups) == count for _, count, groups in saved.values())
        before = self.listing if self.listing is not None and not whole else None
        # Every table written whole: the listing starts afresh (slots do not pile up).
        tables = dict(before["tables"]) if before else {}
        masks = dict(before["masks"]) if before else {}
        slots = before.get("slots", 0) if before else 0
        clear = 0
        for name in list(tables):
            if name not in saved:
                _, count, base, _ = tables.pop(name)
                clear |= ((1 << count) - 1) << base
        written = []
        for name, (is_memo, count, groups) in saved.items():
            old = tables.get(name)
            if old is not None and (old[0], old[1]) == (is_memo, count):
                base, tokens = old[2], list(old[3])
            else:  # a new table, or one cut anew: written whole at new slots
                if old is not None:
                    clear |= ((1 << old[1]) - 1) << old[2]
                base, tokens = slots, [None] * count
                slots += count
                groups = {i: groups.get(i, {}) for i in range(count)}
            for i, entries in groups.items():
                clear |= 1 << (base + i)
                if not entries:
                    tokens[i] = None  # nothing to read
                    continue
                if not disk.store(self._shard_file(name, i), "shard", (token, name, i, entries)):
                    return False
                tokens[i] = token
                written.append((base + i, entries))
            tables[name] = (is_memo, count, base, tokens)
        if clear:
            for dep, mask in list(masks.items()):
                if mask & clear:
                    mask &= ~clear
                    if mask:
                        masks[dep] = mask
                    else:
                        del masks[dep]
        for slot, entries in written:
            bit = 1 << slot
            deps: set = set()
            for entry in entries.values():
                deps.update(entry[1])
            for dep in deps:
                masks[dep] = masks.get(dep, 0) | bit
        stored = disk.store(self.facts_file, "facts", {"token": token, "cwd": cwd, "tables": tables, "masks": masks,
                                                       "slots": slots, "part_orders": index["part_orders"]})
        # Each join's value as a blob of its own: a run decodes only the
        # joins its queries use (a comment edit: few of them, if any), and
        # a join nobody read is written back as the blob it was.
        joins = [(name, key, value if encoded else disk.dumps(value), deps)
                 for name, key, value, deps, encoded in index["joins"]]
        return stored and disk.store(self.joins_file, "joins", {"token": token, "cwd": cwd, "joins": joins})

    def _entry(self, path: str) -> Path:
        return self.entries / hashlib.blake2b(path.encode(), digest_size=16).hexdigest()

    def load_entry(self, path: str, digest: str) -> Optional[FileResult]:
        return _keyed(disk.load(self._entry(path), "file", keep=True), path, digest, FileResult)

    def save_entry(self, path: str, digest: str, result: FileResult) -> None:
        disk.store(self._entry(path), "file", (path, digest, result))

    def _answers_of(self, path: str) -> Path:
        return self.answers / hashlib.blake2b(path.encode(), digest_size=16).hexdigest()

    def load_answers(self, path: str, token: str) -> Optional[dict]:
        """The phase-2 answers of `path` written by the run `token` (the
        one the run record names for it): (module, query) -> (answer, the
        dependencies of that answer)."""
        return _keyed(disk.load(self._answers_of(path), "answers", keep=True), path, token, dict)

    def save_answers(self, path: str, token: str, answered: dict) -> bool:
        return disk.store(self._answers_of(path), "answers", (path, token, answered))


def _keyed(entry, path: str, key: str, kind: type):
    """The value of a per-file cache entry `(path, key, value)` when it is
    the entry of `path` under `key` and holds a `kind`; else None (another
    file's entry under the same hash, an older run's, a damaged one)."""
    if isinstance(entry, tuple) and len(entry) == 3 and entry[0] == path and entry[1] == key \
            and isinstance(entry[2], kind):
        return entry[2]
    return None


def lint_files(jobs: Sequence[FileJob], settings: Settings, root: Path, use_cache: bool = True,
               workers: int = 1, progress: Optional[Callable[[int, int], None]] = None,
               need_index: bool = False) -> RunResult:
    """Check `jobs`. With the cache, a re-run in which no file changed returns
    the recorded findings without reading any per-file entry (unless the
    caller needs the project index, as --fix and the flake8 adapter do)."""
    store = None
    if use_cache and all(j.data is None for j in jobs) and disk.secret() is not None:
        store = _Store(root, settings)
    return _Run(jobs, settings, root, store, workers, progress).run(need_index)


class _Run:
    def __init__(self, jobs, settings: Settings, root: Path, store: Optional[_Store], workers: int, progress):
        self.jobs = jobs
        self.settings = settings
        self.root = root
        self.store = store
        self.workers = workers
        self.progress = progress
        self.results: Dict[str, FileResult] = {}  # phase-1 results at hand
        self.data: Dict[str, bytes] = {}  # content read while hashing
        self.walker: Optional[Walker] = None
        self.restored = False  # the index started from the previous run's facts
        self.need_index = False  # the caller uses the index (then it can be updated and saved)

    def run(self, need_index: bool) -> RunResult:
        self.need_index = need_index
        with _collector_for_a_run():
            return self._run(need_index)

    def _run(self, need_index: bool) -> RunResult:
        started = time.time_ns()
        store = self.store
        record = store.load_record() if store is not None else None
        if record is not None:
            # A run that starts from a record keeps almost everything it
            # loads (the record, the saved facts and joins, the summaries its
            # queries reach) to its end: frozen as it arrives, so the
            # collections `_collector_for_a_run` still allows do not re-scan
            # tens of megabytes of them (about a third of the CPU of an edit
            # that changes a summary).
            gc.freeze()
        return self._update(need_index, started, record)

    def _update(self, need_index: bool, started: int, record: Optional[dict]) -> RunResult:
        jobs = self.jobs
        store = self.store
        old: Dict[str, tuple] = record["files"] if record is not None else {}
        # A recorded digest is trusted while the stat is unchanged, unless the
        # file changed shortly before the recording run read it.
        racy_from = (record["started"] - _RACY_NS) if record is not None else 0
        # Files read again only because they were racy then and are old
        # enough now: recording them again (with this run's start) lets the
        # next run trust their stat. Without it a run where nothing changed
        # writes no record, and the files of a fresh copy or checkout made
        # just before the first run are read and hashed on every run.
        settled = 0
        settled_before = started - _RACY_NS
        seen: Dict[str, _Seen] = {}
        changed: List[FileJob] = []
        modules: Dict[str, Tuple[str, bool]] = {}
        names = module_names([j.file for j in jobs], self.root, real=all(j.real for j in jobs))
        for job, name in zip(jobs, names):
            path = job.file
            module, is_package = modules[path] = name
            if store is None:
                changed.append(job)
                continue
            try:
                stat = _stat_key(os.stat(path))
            except OSError:
                stat = None
            prev = old.get(path)
            digest = None
            if prev is not None and stat is not None and prev[2] == stat and max(stat[1], stat[2]) < racy_from:
                digest = prev[3]
            elif stat is not None:
                try:
                    with open(path, "rb") as fh:
                        data = fh.read()
                except OSError:
                    data = None
                if data is not None:
                    digest = _digest(data)
                    self.data[path] = data
                    if prev is not None and prev[2] == stat and max(stat[1], stat[2]) < settled_before:
                        settled += 1
            if digest is None:  # unreadable: analysed (and reported) afresh, never recorded
                changed.append(job)
                continue
            same = (prev is not None and prev[3] == digest and prev[4] == module and prev[5] == is_package)
            if same:
                seen[path] = _Seen(job.display, job.report, stat, digest, module, is_package, prev[6],
                                   prev[7], prev[8], prev[9] if len(prev) > 9 else None,
                                   prev, prev[10] if len(prev) > 10 else None)
            else:
                seen[path] = _Seen(job.display, job.report, stat, digest, module, is_package, None, [], None)
                changed.append(job)

        paths = {j.file for j in jobs}
        same_files = record is not None and set(old) == paths and all(
            old[p][0] == seen[p].display and old[p][1] == seen[p].report for p in seen) and len(seen) == len(paths)
        if same_files and not changed and not need_index:
            if settled or any(seen[p].stat != old[p][2] for p in seen):  # touched, or racy before: re-record
                # Nothing changed: the index's saved facts still hold and
                # stay linked, or the next summary change builds every join
                # from nothing (a fresh checkout settles on its second run).
                store.save_record(started, seen, record.get("installed") or [], record.get("facts"))
            return self._result(seen, from_cache=len(jobs), index=None)

        self._analyse(changed, modules, seen)
        moved = self._moved(seen, old) if record is not None else None
        # With no module moved the saved joins stand and answer the changed
        # files' queries; the saved facts are needed only to rebuild them.
        saved = store.load_facts(record, joins_only=not moved) if record is not None else None
        index = self._index(modules, seen, saved, moved)
        if record is not None:
            gc.freeze()  # the saved facts: kept to the end of the run (see _run)
        restored = self.restored
        redo = self._to_answer(changed, seen, old, moved, index.changed_joins if restored else None,
                               index.restored_joins if restored else None)
        incremental = len(redo) < sum(1 for j in jobs if j.report)
        token = f"{started}-{os.getpid()}"  # this run's: names its facts and the answers files it writes
        changed_joins = index.changed_joins if restored else None
        known_joins = index.restored_joins if restored else None

        def kept(path: str) -> Optional[dict]:
            """The file's recorded answers that cannot see what moved."""
            s = seen.get(path)
            if store is None or s is None or not s.digest:
                return None
            return self._kept_answers(path, s, moved, changed_joins, known_joins)

        for job, result, found, deps, answered in self._answers(redo, index, modules, seen, kept):
            path = job.file
            s = seen.get(path)
            if s is not None:
                s.findings = found
                s.not_analysed = result.not_analysed
                # module names, `ALL`, and ("join", name, key) tokens
                s.deps = index.freeze_deps(deps)
                if answered is not None:
                    s.answers = self._save_answers(path, token, answered)
            else:  # unreadable file: reported this run, not recorded
                seen[path] = _Seen(job.display, job.report, (), "", modules[path][0], modules[path][1], None, found,
                                   result.not_analysed)
        if store is not None:
            reads = installed.reads_of(index)
            if incremental and record is not None:
                reads = list({tuple(r): None for r in [*(record.get("installed") or ()), *reads]})
            facts = record.get("facts") if restored else None
            if not (restored and not moved):
                # the next run starts from this index's facts (nothing moved:
                # the saved ones still hold)
                facts = token
                if not store.save_facts(facts, index.saved_shards()):
                    facts = None
            store.save_record(started, {p: s for p, s in seen.items() if s.digest}, reads, facts)
        from_cache = len(jobs) - len(changed)
        return self._result(seen, from_cache, index)

    # -- phase 1 ----------------------------------------------------------
    def _analyse(self, changed: List[FileJob], modules, seen: Dict[str, _Seen]) -> None:
        store = self.store
        todo = []
        for job in changed:
            path = job.file
            s = seen.get(path)
            if store is not None and s is not None:
                cached = store.load_entry(path, s.digest)  # e.g. an edit undone
                if cached is not None:
                    self._keep(job, cached, seen)
                    continue
            todo.append(job)
        total = len(self.jobs)
        done = total - len(todo)
        if self.workers > 1 and len(todo) >= 64:
            by_path = {j.file: j for j in todo}
            payloads = [[(j.file, *modules[j.file], j.data if j.data is not None else self.data.pop(j.file, None))
                         for j in batch] for batch in _batches(todo, self.workers)]
            from .pool import run_batches
            # This process is one of the workers: it analyses batches too.
            walker = self.walker = self.walker or Walker(self.settings.enabled)
            settings = self.settings

            def here(path: str, module: str, is_package: bool, data: Optional[bytes]) -> FileResult:
                return analyse_path(path, module, is_package, data, walker, settings)

            for batch, out in run_batches(payloads, settings, self.workers, here):
                if out is None:  # its worker died: do it here
                    out = [(p, self._analyse_one(by_path[p], modules)) for p, *_ in batch]
                for path, result in out:
                    self._keep(by_path[path], result, seen, fresh=True)
                done += len(out)
                if self.progress:
                    self.progress(done, total)
        else:
            for job in todo:
                self._keep(job, self._analyse_one(job, modules), seen, fresh=True)
                done += 1
                if self.progress and done % 50 == 0:
                    self.progress(done, total)

    def _analyse_one(self, job: FileJob, modules) -> FileResult:
        if self.walker is None:
            self.walker = Walker(self.settings.enabled)
        path = job.file
        data = job.data if job.data is not None else self.data.pop(path, None)
        module, is_package = modules[path]
        return analyse_path(path, module, is_package, data, self.walker, self.settings)

    def _keep(self, job: FileJob, result: FileResult, seen: Dict[str, _Seen], fresh: bool = False) -> None:
        path = job.file
        self.results[path] = result
        if self.store is not None:
            # Held as blobs until phase 2 uses them (a worker's result
            # arrives so): the peak memory of a first run with the cache on
            # is then phase 2's index, not all of phase 1's objects as well.
            result.pack()
        elif result.has_summary:
            # A worker's result arrives packed: its summary is decoded now,
            # between this process's own files, not in phase 2, where each
            # forked copy would decode again what its queries reach.
            result.summary  # noqa: B018
        s = seen.get(path)
        if s is not None:
            s.summary = _summary_digest(result)
            if fresh and self.store is not None:
                self.store.save_entry(path, s.digest, result)

    def _result_of(self, job: FileJob, modules, seen: Dict[str, _Seen]) -> FileResult:
        """The phase-1 result of an unchanged file: its entry, else analysed again."""
        path = job.file
        s = seen.get(path)
        result = self.store.load_entry(path, s.digest) if self.store is not None and s is not None else None
        if result is None:
            result = self._analyse_one(job, modules)
            if s is not None and self.store is not None:
                self.store.save_entry(path, s.digest, result)
        self.results[path] = result
        return result

    # -- phase 2 ----------------------------------------------------------
    def _kept_answers(self, path: str, s: _Seen, moved: Optional[FrozenSet[str]], changed_joins: Optional[FrozenSet[tuple]],
                      known_joins: Optional[FrozenSet[tuple]]) -> dict:
        """The recorded answers of a file to be answered again that still
        hold: those whose own dependencies miss what moved, by the same test
        that decides which files are answered again (`_sees`). A file's
        recorded dependencies are the union of its answers', so an answer
        kept through runs that did not answer its file again is still one of
        the recorded state."""
        if s.answers is None or moved is None:
            return {}
        kept = self.store.load_answers(path, s.answers)
        if not kept:
            return {}
        if not moved:  # nothing moved: every recorded answer holds
            return kept
        return {q: entry for q, entry in kept.items() if not _sees(entry[1], moved, changed_joins, known_joins)}

    def _save_answers(self, path: str, token: str, answered: dict) -> Optional[str]:
        """Keep a file's answers (those of the queries it asks now, `_answers`);
        the token the run record keeps for them."""
        if not answered:
            return None
        return token if self.store.save_answers(path, token, answered) else None

    def _moved(self, seen: Dict[str, _Seen], old: Dict[str, tuple]) -> FrozenSet[str]:
        """The module names provided differently from the recording run:
        a summary changed, a file added, removed or shadowed by another."""
        before: Dict[str, tuple] = {}
        for path, prev in old.items():  # in the recording run's (sorted) order
            if prev[6] is not None:
                before.setdefault(prev[4], (path, prev[6]))
        now: Dict[str, tuple] = {}
        for job in self.jobs:
            s = seen.get(job.file)
            if s is not None and s.summary is not None:  # (an unreadable file provides nothing)
                now.setdefault(s.module, (job.file, s.summary))
        return frozenset(name for name in before.keys() | now.keys() if before.get(name) != now.get(name))

    def _to_answer(self, changed: List[FileJob], seen: Dict[str, _Seen], old: Dict[str, tuple],
                   moved: Optional[FrozenSet[str]], changed_joins: Optional[FrozenSet[tuple]],
                   known_joins: Optional[FrozenSet[tuple]] = None) -> List[FileJob]:
        """The reported files whose phase-2 answers can differ from the
        recorded ones: the changed files, those whose answers looked up a
        module in `moved` or went through every module, and those that used
        a whole-project join whose value changed (`changed_joins`; None: the
        joins were not restored, so any join counts as changed)."""
        jobs = self.jobs
        if moved is None:
            return [j for j in jobs if j.report]
        redo_paths = {j.file for j in changed}
        out = []
        # The record shares one object per distinct dependency set: each is tested once.
        seeing: Dict[frozenset, bool] = {}
        for job in jobs:
            if not job.report:
                continue
            path = job.file
            s = seen.get(path)
            prev = old.get(path)
            if path in redo_paths or s is None or prev is None or not prev[1] or prev[0] != job.display \
                    or s.deps is None:
                out.append(job)
            elif moved:
                sees = seeing.get(s.deps)
                if sees is None:
                    sees = seeing[s.deps] = _sees(s.deps, moved, changed_joins, known_joins)
                if sees:
                    out.append(job)
        return out

    def _answers(self, redo: List[FileJob], index: ProjectIndex, modules, seen: Dict[str, _Seen], kept):
        """(job, phase-1 result, findings, dependencies, answers) for each
        file of `redo`, reusing the answers `kept(path)` gives (a cached
        run's; the answers then hold the file's answers of this run, to be
        saved). A cold run with workers answers them in forked copies of
        this process too (`pool.in_forks`): the whole project is in memory,
        so a copy needs nothing shipped but its files' findings back. The
        per-module parts of the whole-project joins those answers build are
        split among the processes first and exchanged."""
        results = self.results
        if self.workers > 1 and len(redo) >= 64 and self.store is None \
                and all(job.file in results for job in redo) \
                and any(results[job.file].pending_count for job in redo):
            from .pool import in_forks

            def answer(job: FileJob):
                deps: set = set()
                return self._findings(job, results[job.file], index, deps), deps

            joins = shared_parts(self.settings.config)

            def adopt(given: list) -> None:
                for entries in given:
                    index.add_parts(entries)

            answered = in_forks(redo, answer, self.workers, lambda job: results[job.file].pending_count,
                                lambda share, shares: index.build_parts(joins, share, shares), adopt)
            if answered is not None:
                for job, (found, deps) in zip(redo, answered):
                    yield job, results[job.file], found, deps, None
                return
        for job in redo:
            path = job.file
            result = results.get(path) or self._result_of(job, modules, seen)
            deps: set = set()
            answers = kept(path)
            asked = set() if answers is not None else None
            found = self._findings(job, result, index, deps, answers, asked)
            if answers is not None:  # a changed file may no longer ask some of the kept ones
                answers = {q: entry for q, entry in answers.items() if q in asked}
            yield job, result, found, deps, answers

    def _index(self, modules, seen: Dict[str, _Seen], saved: Optional[dict] = None,
               moved: Optional[FrozenSet[str]] = None) -> ProjectIndex:
        sources: Dict[str, Callable] = {}
        for job in self.jobs:
            path = job.file
            name = modules[path][0]
            if name in sources:
                continue  # two files claim one module: the first wins (input is sorted)
            if path in self.results:
                result = self.results[path]
                if result.has_summary:
                    sources[name] = (lambda r=result: r.summary)  # decoded when a query reaches it
            elif path in seen and seen[path].summary is not None:
                sources[name] = (lambda j=job: self._result_of(j, modules, seen).summary)
        config = self.settings.config
        knowledge = Knowledge.from_config(config)
        view = installed.view(getattr(config, "python", None), self.root if self.store else None)
        if saved is not None:
            try:
                index = ProjectIndex.restore(saved, LazyModules(sources), moved or frozenset(), knowledge, view)
            except Exception:  # a saved index this build cannot use: start afresh
                pass
            else:
                self.restored = True
                return index
        # Without the cache, and when the caller does not ask for the index,
        # nothing reads what the answers depended on.
        index = ProjectIndex([], knowledge, view, tracked=self.store is not None or self.need_index)
        index.modules = LazyModules(sources)
        return index

    def _findings(self, job: FileJob, result: FileResult, index: ProjectIndex,
                  deps: Optional[set] = None, answered: Optional[dict] = None,
                  asked: Optional[set] = None) -> List[Diagnostic]:
        enabled = self.settings.enabled
        ignored = self.settings.config.ignored_for(job.display, job.path)
        ignored_codes = frozenset(ignored) if ignored else None
        out = []
        for d in findings_of(result, index, job.display, deps, answered, asked):
            if d.code not in enabled:
                continue
            if ignored_codes and noqa.suppresses(ignored_codes, d.code):
                continue
            out.append(d)
        return out

    def _result(self, seen: Dict[str, _Seen], from_cache: int, index) -> RunResult:
        diagnostics: List[Diagnostic] = []
        not_analysed: Dict[str, str] = {}
        files = 0
        for job in self.jobs:
            if not job.report:
                continue
            files += 1
            s = seen[job.file]
            if s.not_analysed:
                not_analysed[job.display] = s.not_analysed
            diagnostics.extend(s.findings)
        if not getattr(self.settings.config, "report_each_caller", False):
            # one AIO208 finding per blocking call, at the helper (not one per caller)
            from .rules.aio208_blocking_project_call import group
            reported = _ReportedFiles((seen[j.file].module, j) for j in self.jobs if j.report)
            diagnostics = group(diagnostics, reported, self.settings.config.ignored_for)
        diagnostics.sort(key=Diagnostic.sort_key)
        return RunResult(diagnostics, files, not_analysed, from_cache, index)


class _ReportedFiles(dict):
    """module -> (display path, Path) of the reported files, for
    `aio208.group`; the Path is made only for the modules it looks up (a
    handful, where a large tree has thousands of files)."""

    def __getitem__(self, module: str) -> Tuple[str, Path]:
        job = dict.__getitem__(self, module)
        return job.display, job.path


def _sees(deps: frozenset, moved: FrozenSet[str], changed_joins: Optional[FrozenSet[tuple]],
          known_joins: Optional[FrozenSet[tuple]] = None) -> bool:
    """Whether answers with these dependencies can differ now that the
    modules in `moved` are provided differently (not empty). A join the
    restored index did not hold (`known_joins`: built in a run that kept
    the saved facts) was not compared: it counts as changed."""
    if ALL in deps or not deps.isdisjoint(moved):
        return True
    if changed_joins is None:  # no saved joins to compare: any join may have changed
        return any(type(d) is tuple for d in deps)
    if not deps.isdisjoint(changed_joins):
        return True
    return known_joins is not None and any(type(d) is tuple and d not in known_joins for d in deps)


_FROZEN = []


@contextlib.contextmanager
def _collector_for_a_run():
    """Phase 1 allocates a tree per file and keeps small results, phase 2
    builds the index's tables on top of them. Neither holds reference
    cycles (a file's tree is freed by reference counting when its phase 1
    returns), so the cyclic collector would only re-scan the growing
    results and find nothing: with Home Assistant's results about 30
    young-generation collections (0.7 s) and, once the thresholds were
    restored, one collection over everything the run kept (1 s). So the
    collector is off for the run; what the imports built is frozen first
    (once per process) and what the run keeps is frozen at its end, so
    that the next collection does not scan it either. Frozen objects are
    still freed by reference counting when they are dropped."""
    if not _FROZEN:
        gc.freeze()
        _FROZEN.append(True)
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _batches(todo: list, workers: int) -> List[list]:
    """Batches largest files first, each about a quarter of what is left per
    worker (never under a 200th of the whole per worker): big batches early,
    when the results arrive while others are worked on, and small ones at the
    end, so the workers finish together instead of one of them working
    through a last big batch while the other idles."""
    sized = []
    for t in todo:
        try:
            size = len(t.data) if t.data is not None else t.path.stat().st_size
        except OSError:
            size = 0
        sized.append((size, t))
    sized.sort(key=lambda s: -s[0])
    left = sum(s for s, _ in sized)
    smallest = max(1, left // (workers * 200))
    batches: List[list] = []
    current: list = []
    current_size = 0
    target = max(smallest, left // (workers * 4))
    for size, t in sized:
        current.append(t)
        current_size += size
        if current_size >= target:
            batches.append(current)
            left -= current_size
            current, current_size = [], 0
            target = max(smallest, left // (workers * 4))
    if current:
        batches.append(current)
    return batches


def lint_source(text: str, path: str = "<stdin>", config: Optional[Config] = None,
                enabled: Optional[Iterable[str]] = None) -> List[Diagnostic]:
    """Check one piece of source in isolation (tests, editors)."""
    config = config or Config()
    codes = frozenset(enabled) if enabled is not None else config.enabled_codes(all_rules())
    result = analyse_text(text, Path(path).stem or "module", False, path, Walker(codes), Settings(config, codes))
    index = ProjectIndex([result.summary] if result.summary else [], Knowledge.from_config(config))
    return sorted(findings_of(result, index, path), key=Diagnostic.sort_key)
