"""The on-disk cache as a user meets it: the real `asynclint` command on real
projects, run after run, with edits, planted files and killed runs."""
from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .harness import USER, asynclint_command, run_cli, write

LIB = "def helper():\n    return 1\n"


def _damage(paths) -> None:
    """Overwrite the last 20 bytes of each cache file in `paths`."""
    for path in paths:
        data = bytearray(path.read_bytes())
        data[-20:] = b"\xff" * 20
        path.write_bytes(bytes(data))


@pytest.fixture
def keyhome(tmp_path):
    """A private per-user cache home for the runs of one test."""
    home = tmp_path / "userhome"
    home.mkdir()
    return {"XDG_CACHE_HOME": str(home)}


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "proj"
    write(root, "pyproject.toml", "[tool.asynclint]\n")
    write(root, "pkg/__init__.py", "")
    write(root, "pkg/lib.py", LIB)
    write(root, "pkg/user.py", USER)
    for i in range(5):
        write(root, f"pkg/other{i}.py", f"import asyncio\n\n\nasync def f{i}():\n    await asyncio.sleep({i})\n")
    return root


def findings(proc) -> list:
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return [(d["path"], d["line"], d["column"], d["code"]) for d in json.loads(proc.stdout)]


def check(root: Path, env, *extra) -> subprocess.CompletedProcess:
    return run_cli(["--format", "json", *extra, "."], root, env_extra=env)


def fresh(root: Path, env, *extra) -> list:
    return findings(run_cli(["--no-cache", "--format", "json", *extra, "."], root, env_extra=env))


class Plant:
    """Unpickling this runs a shell command that leaves a marker file."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def old_cache_names(root: Path) -> list:
    """The predictable names earlier versions loaded with pickle."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from asynclint import __version__
    from asynclint.config import Config
    from asynclint.rules import all_rules

    cfg = Config()
    fp = cfg.fingerprint(cfg.enabled_codes(all_rules()))
    v = f"{sys.version_info[0]}{sys.version_info[1]}"
    return [root / ".asynclint_cache" / f"run-{fp}.pickle",
            root / ".asynclint_cache" / f"v{__version__}-py{v}-{fp}.pickle"]


def test_a_planted_pickle_never_runs(project, keyhome, tmp_path):
    marker = tmp_path / "pwned"
    expected = fresh(project, keyhome)
    assert check(project, keyhome).returncode == 1  # writes this user's cache
    payload = pickle.dumps(Plant(marker))
    planted = old_cache_names(project)
    # and every file the cache holds now, under its own name
    planted += [p for p in (project / ".asynclint_cache").rglob("*") if p.is_file() and p.name != ".gitignore"]
    assert len(planted) > 3
    for path in planted:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(payload)
    write(project, "pkg/other0.py", "# edited so that entries are read\n")
    proc = check(project, keyhome)
    assert not marker.exists()
    assert findings(proc) == fresh(project, keyhome)
    assert expected  # the project has findings: the planted cache did not replace them
    assert b"Traceback" not in proc.stderr
    assert len(proc.stderr.decode().splitlines()) <= 1


def test_a_cache_written_under_another_users_key_is_not_trusted(project, keyhome, tmp_path):
    assert check(project, keyhome).returncode == 1
    other = tmp_path / "someone-else"
    other.mkdir()
    # The other user's runs find files they cannot authenticate and rebuild them.
    proc = check(project, {"XDG_CACHE_HOME": str(other)})
    assert findings(proc) == fresh(project, keyhome)
    assert len(proc.stderr.decode().splitlines()) <= 1
    secret = other / "asynclint" / "secret"
    assert secret.stat().st_mode & 0o777 == 0o600
    assert not any(p.name == "secret" for p in project.rglob("*"))


def test_a_damaged_cache_is_rebuilt_with_at_most_one_warning(project, keyhome):
    check(project, keyhome)
    files = [p for p in (project / ".asynclint_cache").rglob("*") if p.is_file() and p.name != ".gitignore"]
    for i, path in enumerate(files):
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2] if i % 2 else data[:-1] + bytes([data[-1] ^ 1]))
    write(project, "pkg/other1.py", "# edited\n")
    proc = check(project, keyhome)
    assert findings(proc) == fresh(project, keyhome)
    lines = proc.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("asynclint: warning:"), lines
    # rebuilt: the next run is silent
    assert check(project, keyhome).stderr == b""


def test_an_unreadable_cache_folder_is_only_a_lost_speedup(project, keyhome):
    (project / ".asynclint_cache").write_text("not a folder")
    proc = check(project, keyhome)
    assert findings(proc) == fresh(project, keyhome)
    assert b"Traceback" not in proc.stderr


def test_an_edit_that_keeps_size_and_mtime_is_seen(project, keyhome):
    lib = project / "pkg" / "user.py"
    before = findings(check(project, keyhome))
    st = lib.stat()
    # same length: the fire-and-forget task becomes an awaited sleep
    new = USER.replace("asyncio.ensure_future(main())", "await asyncio.sleep(0.001)  #")
    assert len(new) == len(USER)
    lib.write_text(new)
    os.utime(lib, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert lib.stat().st_size == st.st_size and lib.stat().st_mtime_ns == st.st_mtime_ns
    after = findings(check(project, keyhome))
    assert after == fresh(project, keyhome)
    assert after != before


def test_the_run_record_is_keyed_on_per_file_ignores(project, keyhome):
    assert any(f[3] == "AIO400" for f in findings(check(project, keyhome)))
    write(project, "pyproject.toml", "[tool.asynclint]\nper-file-ignores = { \"pkg/user.py\" = [\"AIO400\"] }\n")
    after = findings(check(project, keyhome))
    assert not any(f[3] == "AIO400" for f in after)
    assert after == fresh(project, keyhome)


def test_the_run_record_is_keyed_on_the_virtualenv(project, keyhome, tmp_path):
    """An installed package's function becoming async changes the findings."""
    venv = tmp_path / "venv"
    site = venv / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"
    write(site, "extlib/__init__.py", "def fetch():\n    return 1\n")
    write(project, "pkg/ext_user.py", "import extlib\n\n\nasync def g():\n    extlib.fetch()\n")
    env = {**keyhome, "VIRTUAL_ENV": str(venv)}
    first = findings(check(project, env))
    assert first == fresh(project, env)
    write(site, "extlib/__init__.py", "async def fetch():\n    return 1\n")
    second = findings(check(project, env))
    assert second == fresh(project, env)
    assert second != first
    without = findings(check(project, keyhome))  # another environment: another answer
    assert without == fresh(project, keyhome)


@pytest.mark.parametrize("edit", ["comment", "new_async_def", "new_file", "removed_file"])
def test_incremental_runs_equal_a_fresh_run(project, keyhome, edit):
    check(project, keyhome)
    if edit == "comment":
        write(project, "pkg/user.py", USER + "# a comment\n")
    elif edit == "new_async_def":  # another module calls it: user.py gains a finding
        write(project, "pkg/lib.py", LIB.replace("def helper", "async def helper"))
    elif edit == "new_file":
        write(project, "pkg/lib2.py", "async def helper():\n    pass\n")
        write(project, "pkg/user.py", USER.replace("pkg.lib import", "pkg.lib2 import"))
    else:
        (project / "pkg" / "lib.py").unlink()
    proc = check(project, keyhome)
    assert findings(proc) == fresh(project, keyhome)
    assert check(project, keyhome).stdout == proc.stdout  # and the record now holds it


def _children(pid: int) -> set:
    out = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out.update(int(c) for c in (task / "children").read_text().split())
        except OSError:
            pass
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc to find the workers")
def test_a_killed_run_leaves_no_workers(tmp_path, keyhome):
    body = "".join(f"async def f{i}(x):\n    import time\n    time.sleep(x)\n    return [y for y in range(x)]\n\n"
                   for i in range(300))
    for i in range(160):
        write(tmp_path, f"big/m{i:03}.py", body)
    env = {**os.environ, **keyhome}
    # three jobs: this process and two workers
    proc = subprocess.Popen(asynclint_command() + ["--no-cache", "-j", "3", "big"], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set = set()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(workers) < 2 and proc.poll() is None:
        workers |= {c for c in _children(proc.pid) if _alive(c)}
        time.sleep(0.05)
    assert workers, "the run never started its workers"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.1)
    left = [w for w in workers if _alive(w)]
    for w in left:  # do not leave them to the next test either
        os.kill(w, signal.SIGKILL)
    assert not left


# -- phase-2 answers kept with their dependencies --------------------------------
MID = "from pkg.lib import helper as run_helper\n"
CALLER = (
    "from pkg.mid import run_helper\n\n\n"
    "async def main():\n"
    "    run_helper()\n"
)


def _aio100(found: list) -> list:
    return [f for f in found if f[3] == "AIO100"]


def test_an_answer_is_asked_again_when_a_module_it_looked_through_changes(project, keyhome):
    """caller.py calls lib.helper through a re-export in mid.py. Making
    helper `async def` changes only lib.py, whose summary caller.py's
    answer looked up while resolving: the next cached run must report the
    never-awaited coroutine (and drop it when the edit is undone), as a
    fresh run does; a run that kept caller.py's recorded answers would not."""
    write(project, "pkg/mid.py", MID)
    write(project, "pkg/caller.py", CALLER)
    first = findings(check(project, keyhome))
    assert not [f for f in _aio100(first) if f[0].endswith("caller.py")]
    write(project, "pkg/lib.py", LIB.replace("def helper", "async def helper"))
    edited = findings(check(project, keyhome))
    assert ("pkg/caller.py", 5, 5, "AIO100") in edited
    assert edited == fresh(project, keyhome)
    write(project, "pkg/lib.py", LIB)
    reverted = findings(check(project, keyhome))
    assert not [f for f in _aio100(reverted) if f[0].endswith("caller.py")]
    assert reverted == fresh(project, keyhome) == first


def test_a_new_module_that_shadows_a_lookup_is_seen(project, keyhome):
    """An answer that looked up a module that did not exist (`pkg.mid`
    missing: the import names nothing known) depends on that name: adding
    the module makes the next cached run answer it again."""
    write(project, "pkg/caller.py", CALLER)
    first = findings(check(project, keyhome))
    assert not [f for f in _aio100(first) if f[0].endswith("caller.py")]
    write(project, "pkg/lib.py", LIB.replace("def helper", "async def helper"))
    write(project, "pkg/mid.py", MID)
    found = findings(check(project, keyhome))
    assert ("pkg/caller.py", 5, 5, "AIO100") in found
    assert found == fresh(project, keyhome)
    (project / "pkg" / "mid.py").unlink()
    gone = findings(check(project, keyhome))
    assert not [f for f in _aio100(gone) if f[0].endswith("caller.py")]
    assert gone == fresh(project, keyhome)


def test_a_damaged_run_record_with_dependencies_is_rebuilt(project, keyhome):
    """The record now holds each file's dependencies: a damaged one is
    ignored with one warning and the run answers everything afresh."""
    write(project, "pkg/mid.py", MID)
    write(project, "pkg/caller.py", CALLER)
    first = findings(check(project, keyhome))
    records = list((project / ".asynclint_cache").rglob("run-*"))
    assert records
    _damage(records)
    write(project, "pkg/lib.py", LIB.replace("def helper", "async def helper"))
    proc = check(project, keyhome)
    assert "damaged" in proc.stderr.decode()
    assert findings(proc) == fresh(project, keyhome) != first


# -- whole-project joins kept between runs ---------------------------------------
WORK = (
    "def deliver(value):\n"
    "    print(value)\n\n\n"
    "def worker(loop, value):\n"
    "    loop.call_soon(deliver, value)\n"
)
START = (
    "import threading\n\n"
    "from pkg.work import worker\n\n\n"
    "def begin(loop):\n"
    "    threading.Thread(target=worker, args=(loop, 1)).start()\n"
)


def _in(found: list, name: str, code: str) -> list:
    return [f for f in found if f[0].endswith(name) and f[3] == code]


def test_an_edit_that_changes_a_join_changes_another_files_findings(project, keyhome):
    """work.py's finding rests on the thread context, a whole-project join
    built from every module: start.py runs `worker` in a thread. Editing
    start.py so that it calls `worker` directly changes the join, and the
    next cached run must drop work.py's finding (and bring it back when the
    edit is undone), as a fresh run does."""
    write(project, "pkg/work.py", WORK)
    write(project, "pkg/start.py", START)
    first = findings(check(project, keyhome))
    assert _in(first, "work.py", "AIO300") == [("pkg/work.py", 6, 5, "AIO300")]
    assert first == fresh(project, keyhome)
    write(project, "pkg/start.py", START.replace("threading.Thread(target=worker, args=(loop, 1)).start()",
                                                 "worker(loop, 1)"))
    edited = findings(check(project, keyhome))
    assert not _in(edited, "work.py", "AIO300")
    assert edited == fresh(project, keyhome)
    write(project, "pkg/start.py", START)
    undone = findings(check(project, keyhome))
    assert undone == first == fresh(project, keyhome)


def test_an_edit_that_keeps_a_join_keeps_the_findings_that_used_it(project, keyhome):
    """A summary change that leaves the thread context as it was (a new
    function in start.py, a new async function elsewhere) must leave
    work.py's finding in place, run after run, equal to a fresh run's."""
    write(project, "pkg/work.py", WORK)
    write(project, "pkg/start.py", START)
    first = findings(check(project, keyhome))
    write(project, "pkg/start.py", START + "\n\ndef unrelated():\n    return 2\n")
    edited = findings(check(project, keyhome))
    assert _in(edited, "work.py", "AIO300") == _in(first, "work.py", "AIO300") != []
    assert edited == fresh(project, keyhome)
    write(project, "pkg/other0.py", "import asyncio\n\n\nasync def g():\n    await asyncio.sleep(1)\n")
    again = findings(check(project, keyhome))
    assert _in(again, "work.py", "AIO300") == _in(first, "work.py", "AIO300")
    assert again == fresh(project, keyhome)


def test_a_damaged_saved_index_is_rebuilt(project, keyhome):
    """The facts and joins saved for the next run are cache files like the
    others: damaged, they are ignored with one warning, and the run's
    findings are a fresh run's."""
    write(project, "pkg/work.py", WORK)
    write(project, "pkg/start.py", START)
    check(project, keyhome)
    saved = list((project / ".asynclint_cache").rglob("facts-*"))
    assert saved
    _damage(saved)
    write(project, "pkg/start.py", START.replace("threading.Thread(target=worker, args=(loop, 1)).start()",
                                                 "worker(loop, 1)"))
    proc = check(project, keyhome)
    assert "damaged" in proc.stderr.decode()
    assert findings(proc) == fresh(project, keyhome)
    assert not _in(findings(proc), "work.py", "AIO300")


def _restore_input(index):
    """What the engine hands `ProjectIndex.restore` for `index`'s
    `saved_shards()` (plain data, through pickle as the cache does): the
    shards kept in memory, each read recorded in `reads`; and the listing
    {table: (is_memo, count, [dependencies of each shard, None: empty])}."""
    saved = pickle.loads(pickle.dumps(index.saved_shards()))
    disk = {(name, i): entries for name, (_, _, groups) in saved["tables"].items() for i, entries in groups.items()}
    listing = {name: (is_memo, count, [frozenset().union(*(e[1] for e in groups[i].values())) if groups[i] else None
                                       for i in range(count)])
               for name, (is_memo, count, groups) in saved["tables"].items()}
    reads = []

    def read(name, i):
        reads.append((name, i))
        return disk[(name, i)]

    def holding(deps):
        return {name: [i for i, d in enumerate(shards) if d is not None and not d.isdisjoint(deps)]
                for name, (_, _, shards) in listing.items()}

    given = {"joins": [(n, k, v, d) for n, k, v, d, _ in saved["joins"]], "read": read, "holding": holding,
             "shards": {name: (is_memo, count) for name, (is_memo, count, _) in listing.items()},
             "part_orders": saved["part_orders"]}
    return given, reads, disk, listing


def _indexing(root):
    """The five-module project written under `root`, and a function that
    lints it without the cache and returns the run's (tracked) index."""
    from asynclint.config import Config
    from asynclint.engine import FileJob, Settings, lint_files
    from asynclint.rules import all_rules

    write(root, "pkg/__init__.py", "")
    write(root, "pkg/work.py", WORK)
    write(root, "pkg/start.py", START)
    write(root, "pkg/lib.py", LIB)
    write(root, "pkg/user.py", USER)
    cfg = Config()
    settings = Settings(cfg, cfg.enabled_codes(all_rules()))
    names = ["pkg/__init__.py", "pkg/lib.py", "pkg/start.py", "pkg/user.py", "pkg/work.py"]

    def run():
        return lint_files([FileJob(root / n, n) for n in names], settings, root, use_cache=False, need_index=True).index
    return run


def test_a_restored_index_rebuilds_the_joins_of_parts(tmp_path):
    """`ProjectIndex.saved_shards()` keeps the per-module parts of the
    `join_modules` joins, and `restore` after an edit gives the joins a
    fresh index over the edited modules has: the dropped parts built again
    with the registered part functions, the others carried."""
    from asynclint.index.project import _PARTS, ModuleTable, ProjectIndex
    from asynclint.rules._callers import async_callers

    root = tmp_path / "proj"
    run = _indexing(root)

    before = run()
    async_callers(before)  # built here if no query of the run needed it
    saved, _, disk, _ = _restore_input(before)
    assert {key[0] for (name, _), entries in disk.items() if name.startswith(_PARTS) for key in entries} \
        >= {"async-callers", "thread-inputs"}
    write(root, "pkg/lib.py", "def other():\n    return 1\n")  # user.main no longer calls a project function
    after = run()
    modules = ModuleTable(dict(after.modules.items()))
    restored = ProjectIndex.restore(saved, modules, frozenset({"pkg.lib"}), before.knowledge, before.installed)
    assert ("join", "async-callers", None) in restored.changed_joins
    assert ("join", "thread-inputs", ()) not in restored.changed_joins
    assert async_callers(restored) == async_callers(after)
    for (name, key), build in restored._joins.items():
        assert restored._facts["<joins>"][(name, key)][0] == build(after), name



def test_a_restored_index_reads_only_the_shards_an_update_needs(tmp_path, monkeypatch):
    """Restored from shards (`saved_shards`, cut small here), an update
    reads the shards holding facts that depended on the changed module and
    none other, gives the joins a fresh index has, and hands back to be
    written only shards it read (or that were empty)."""
    from asynclint.index import project
    from asynclint.index.project import ModuleTable, ProjectIndex
    from asynclint.rules._callers import async_callers

    monkeypatch.setattr(project, "_SHARD_SIZE", 2)
    root = tmp_path / "proj"
    run = _indexing(root)

    before = run()
    async_callers(before)
    saved, reads, disk, listing = _restore_input(before)
    assert max(count for _, count, _ in listing.values()) >= 3
    write(root, "pkg/lib.py", "def other():\n    return 1\n")
    after = run()
    modules = ModuleTable(dict(after.modules.items()))
    restored = ProjectIndex.restore(saved, modules, frozenset({"pkg.lib"}), before.knowledge, before.installed)
    needed = {(name, i) for name, (_, _, deps) in listing.items() for i, d in enumerate(deps)
              if d is not None and "pkg.lib" in d}
    assert needed and needed <= set(reads) < set(disk)
    assert ("join", "async-callers", None) in restored.changed_joins
    assert ("join", "thread-inputs", ()) not in restored.changed_joins
    assert async_callers(restored) == async_callers(after)
    for (name, key), build in restored._joins.items():
        assert restored._facts["<joins>"][(name, key)][0] == build(after), name
    written = {(name, i) for name, (_, _, groups) in restored.saved_shards()["tables"].items() for i in groups
               if name in listing and listing[name][2][i] is not None}  # (not a table or a shard empty before)
    assert written <= set(reads)


# -- folder listings kept between runs ---------------------------------------------
LATE = "import asyncio\n\n\nasync def late():\n    asyncio.ensure_future(late())\n"


def _settle() -> None:
    """A folder listed within two seconds of its last change is listed
    again next time (coarse timestamps): let the project's changes age."""
    time.sleep(2.2)


def _paths(found: list) -> set:
    return {f[0] for f in found}


def test_a_folder_whose_listing_changes_is_listed_again(project, keyhome):
    """Runs keep each folder's listing while the folder's stat says nothing
    was added, removed or renamed in it: a file added to or removed from a
    listed folder, a new folder, and a .gitignore edited in place (the
    folder's stat unchanged) are all seen by the next run, as a --no-cache
    run sees them."""
    write(project, ".gitignore", "")
    _settle()
    check(project, keyhome)
    assert list((project / ".asynclint_cache").rglob("listing-*"))
    assert findings(check(project, keyhome)) == fresh(project, keyhome)  # from the kept listings
    write(project, "pkg/late.py", LATE)
    added = findings(check(project, keyhome))
    assert "pkg/late.py" in _paths(added)
    assert added == fresh(project, keyhome)
    _settle()
    write(project, "pkg/deeper/__init__.py", "")
    write(project, "pkg/deeper/later.py", LATE)
    (project / "pkg" / "late.py").unlink()
    moved = findings(check(project, keyhome))
    assert "pkg/deeper/later.py" in _paths(moved) and "pkg/late.py" not in _paths(moved)
    assert moved == fresh(project, keyhome)
    _settle()
    check(project, keyhome)
    ignore = project / ".gitignore"
    before = project.stat().st_mtime_ns
    ignore.write_text("pkg/deeper/\n")  # in place: the folder's own stat does not move
    assert project.stat().st_mtime_ns == before
    ignored = findings(check(project, keyhome))
    assert "pkg/deeper/later.py" not in _paths(ignored)
    assert ignored == fresh(project, keyhome)


def test_a_damaged_folder_listing_is_rebuilt(project, keyhome):
    _settle()
    check(project, keyhome)
    listings = list((project / ".asynclint_cache").rglob("listing-*"))
    assert listings
    _damage(listings)
    write(project, "pkg/late.py", LATE)
    proc = check(project, keyhome)
    assert "damaged" in proc.stderr.decode()
    assert findings(proc) == fresh(project, keyhome)
    assert "pkg/late.py" in _paths(findings(proc))
    assert check(project, keyhome).stderr == b""


# -- the saved facts: a base, and the changes of the runs since ---------------------
def _many_modules(root: Path, n: int = 24) -> None:
    """Enough modules that one edit changes a small part of the saved facts
    (each answers queries through the index: classes, threads, callers)."""
    for i in range(n):
        write(root, f"pkg/mod{i}.py",
              "import threading\n\nfrom pkg.lib import helper\n\n\n"
              f"class Base{i}:\n    def run(self):\n        return helper()\n\n\n"
              f"class Child{i}(Base{i}):\n    async def go(self):\n        self.run()\n        helper()\n\n\n"
              f"def start{i}():\n    threading.Thread(target=helper).start()\n")


def test_saved_facts_in_shards_and_a_damaged_shard_is_rebuilt(project, keyhome):
    """The saved facts stay on disk in shards (`shards-*/`, listed in
    `facts-*`): the runs after edits that change summaries find what a
    fresh run finds. A damaged shard is ignored with one warning, its facts are
    built again, and the findings are still a fresh run's."""
    _many_modules(project)
    first = findings(check(project, keyhome))
    cache = project / ".asynclint_cache"

    def shards() -> dict:
        return {p: p.read_bytes() for p in cache.rglob("shards-*/*")}

    before = shards()
    assert before and len(list(cache.rglob("facts-*"))) == 1
    for name in ("pkg/mod3.py", "pkg/mod5.py"):
        write(project, name, (project / name).read_text() + "\n\ndef more():\n    return 3\n")
        assert findings(check(project, keyhome)) == fresh(project, keyhome)
    after = shards()
    assert set(after) == set(before)
    _damage(after)
    write(project, "pkg/lib.py", LIB.replace("def helper", "async def helper"))
    proc = check(project, keyhome)
    assert "damaged" in proc.stderr.decode()
    edited = findings(proc)
    assert edited == fresh(project, keyhome) != first
    write(project, "pkg/lib.py", LIB)
    assert findings(check(project, keyhome)) == fresh(project, keyhome) == first


def test_damaged_saved_joins_are_rebuilt_on_a_comment_edit(project, keyhome):
    """A comment edit reads only the saved joins (each decoded when a query
    uses it), not the facts: damaged, they are ignored with one warning and
    the findings are a fresh run's."""
    write(project, "pkg/work.py", WORK)
    write(project, "pkg/start.py", START)
    first = findings(check(project, keyhome))
    saved = list((project / ".asynclint_cache").rglob("joins-*"))
    assert saved
    _damage(saved)
    write(project, "pkg/work.py", WORK + "# a comment\n")
    proc = check(project, keyhome)
    assert "damaged" in proc.stderr.decode()
    assert findings(proc) == fresh(project, keyhome) == first
    assert _in(first, "work.py", "AIO300")


# -- each file's answers kept with their own dependencies -------------------------
SLOW = "import time\n\n\ndef pause():\n    time.sleep(1)\n"
BOTH = (
    "from pkg.lib import helper\n"
    "from pkg.slow import pause\n\n\n"
    "async def main():\n"
    "    helper()\n"
    "    pause()\n"
)


def _answers_files(root: Path) -> list:
    return [p for p in (root / ".asynclint_cache").rglob("*") if p.is_file() and p.parent.name.startswith("answers-")]


def test_a_file_answered_again_keeps_only_the_answers_that_cannot_see_the_edit(project, keyhome):
    """both.py asks about lib.helper (a coroutine once it is `async def`)
    and about slow.pause (blocking through slow.py). Editing lib.py answers
    both.py again: the answer about helper must be asked again (the new
    never-awaited coroutine is reported), the one about pause is kept from
    the answers file and still reported; undoing the edit brings the first
    findings back. Each run equals a fresh one."""
    write(project, "pkg/slow.py", SLOW)
    write(project, "pkg/both.py", BOTH)
    first = findings(check(project, keyhome))
    assert first == fresh(project, keyhome)
    assert _in(first, "both.py", "AIO208") or _in(first, "slow.py", "AIO208")
    assert not _in(first, "both.py", "AIO100")
    assert _answers_files(project)
    write(project, "pkg/lib.py", LIB.replace("def helper", "async def helper"))
    edited = findings(check(project, keyhome))
    assert _in(edited, "both.py", "AIO100") == [("pkg/both.py", 6, 5, "AIO100")]
    assert [f for f in edited if f[3] == "AIO208"] == [f for f in first if f[3] == "AIO208"]
    assert edited == fresh(project, keyhome)
    write(project, "pkg/lib.py", LIB)
    undone = findings(check(project, keyhome))
    assert undone == first == fresh(project, keyhome)
    # a second edit of another kind, answered from the answers the undo wrote
    write(project, "pkg/slow.py", SLOW.replace("time.sleep(1)", "return 1"))
    again = findings(check(project, keyhome))
    assert not [f for f in again if f[3] == "AIO208"]
    assert again == fresh(project, keyhome)


def test_a_damaged_answers_file_is_rebuilt(project, keyhome):
    """An answers file is a cache file like the others: damaged, it is
    ignored with one warning, the file's queries are all answered again, and
    the findings are a fresh run's."""
    write(project, "pkg/slow.py", SLOW)
    write(project, "pkg/both.py", BOTH)
    check(project, keyhome)
    kept = _answers_files(project)
    assert kept
    _damage(kept)
    write(project, "pkg/lib.py", LIB.replace("def helper", "async def helper"))
    proc = check(project, keyhome)
    lines = proc.stderr.decode().splitlines()
    assert len(lines) == 1 and "damaged" in lines[0], lines
    assert findings(proc) == fresh(project, keyhome)
    assert _in(findings(proc), "both.py", "AIO100")
    write(project, "pkg/lib.py", LIB)
    proc = check(project, keyhome)
    assert proc.stderr == b""  # rebuilt
    assert findings(proc) == fresh(project, keyhome)


def test_a_forged_answers_file_never_runs_and_is_not_believed(project, keyhome, tmp_path):
    """An answers file replaced by a pickle that would run a command (or by
    plain answers that claim no finding) is not authenticated: it never
    runs, is not believed, and the run's findings are a fresh run's."""
    marker = tmp_path / "pwned"
    write(project, "pkg/slow.py", SLOW)
    write(project, "pkg/both.py", BOTH)
    check(project, keyhome)
    kept = _answers_files(project)
    assert kept
    for i, path in enumerate(kept):
        forged = pickle.dumps(Plant(marker)) if i % 2 else pickle.dumps((str(path), "x", {}))
        path.write_bytes(forged)
    write(project, "pkg/lib.py", LIB.replace("def helper", "async def helper"))
    proc = check(project, keyhome)
    assert not marker.exists()
    assert b"Traceback" not in proc.stderr
    assert len(proc.stderr.decode().splitlines()) <= 1
    assert findings(proc) == fresh(project, keyhome)
    assert _in(findings(proc), "both.py", "AIO100")


def test_a_packed_result_decodes_only_cache_data(tmp_path):
    """A phase-1 result holds its summary and pending queries as blobs
    (`FileResult.pack`, and so it arrives from a worker or an entry): they
    are decoded by the same data-only unpickler as the cache files, so a
    blob naming anything else is refused, never run."""
    from asynclint.phase1 import FileResult

    marker = tmp_path / "pwned"
    result = FileResult.__new__(FileResult)
    result.__setstate__((pickle.dumps(Plant(marker)), [], pickle.dumps(Plant(marker)), 1, None))
    assert result.has_summary and result.pending_count == 1
    with pytest.raises(pickle.UnpicklingError):
        result.summary
    with pytest.raises(pickle.UnpicklingError):
        result.pendings
    assert not marker.exists()


def test_an_index_keeps_one_object_per_distinct_dependency_set(tmp_path):
    """Most of a tracked index's facts depend on the same few modules: each
    distinct dependency set is kept once (`DepSets`), not once per fact."""
    index = _indexing(tmp_path)()
    kept = [entry[1] for table in index._facts.values() for entry in table.values()
            if isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[1], frozenset)]
    assert len(kept) > len(set(kept))  # facts do share dependency sets here
    assert len({id(deps) for deps in kept}) == len(set(kept))
