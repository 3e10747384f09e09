"""Shared machinery for fixture tests.

A fixture folder `tests/fixtures/AIO123/` holds real Python files. A line to
be flagged ends with a marker comment `# expect: AIO123:COL` (several
markers separated by spaces); every other line must stay clean. Files are
named `bad_*.py` (has markers) and `good_*.py` (tricky correct code, no
markers); sub-folders are multi-module packages for the project index. A
first-line comment `# asynclint-args: --extend-select AIO403` adds
command-line arguments for that file's run. `X.fixed.py` beside `X.py` holds
the exact result of `asynclint --fix --unsafe-fixes --select CODE` on `X.py`
(copies of fixture folders leave the `.fixed.py` files out).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Set, Tuple

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
MARKER = re.compile(r"#\s*expect:\s*((?:AIO\d{3}:\d+[\s,]*)+)")
ARGS = re.compile(r"^#\s*asynclint-args:\s*(.*)$")

Finding = Tuple[str, int, int, str]  # relative path, line, col, code


def rule_folders() -> List[str]:
    return sorted(p.name for p in FIXTURES.iterdir() if p.is_dir() and re.fullmatch(r"AIO\d{3}", p.name))


def python_files(folder: Path) -> List[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts and not p.name.endswith(".fixed.py"))


def expected(folder: Path) -> Set[Finding]:
    out: Set[Finding] = set()
    for path in python_files(folder):
        rel = path.relative_to(folder).as_posix()
        text = path.read_bytes().decode("utf-8", "replace")
        for lineno, line in enumerate(text.splitlines(), 1):
            m = MARKER.search(line)
            if m:
                for item in re.split(r"[\s,]+", m.group(1).strip()):
                    code, col = item.split(":")
                    out.add((rel, lineno, int(col), code))
    return out


def file_args(path: Path) -> Tuple[str, ...]:
    try:
        first = path.read_bytes().decode("utf-8", "replace").splitlines()[:1]
    except OSError:
        return ()
    m = ARGS.match(first[0]) if first else None
    return tuple(m.group(1).split()) if m else ()


def copy_fixture(code: str, dest: Path) -> Path:
    target = dest / code
    shutil.copytree(FIXTURES / code, target, ignore=shutil.ignore_patterns("__pycache__", "*.fixed.py"))
    return target


def write(root: Path, rel: str, text: str) -> Path:
    """A text file at `rel` under `root`, its folders made."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def asynclint_command() -> List[str]:
    """The installed console script beside the running interpreter (the one
    a user gets from `pip install`), else whatever is on PATH."""
    beside = Path(sys.executable).parent / "asynclint"
    if beside.exists():
        return [str(beside)]
    exe = shutil.which("asynclint")
    if exe:
        return [exe]
    raise RuntimeError("the asynclint console script is not installed: pip install -e '.[test]'")


def run_cli(args: List[str], cwd: Path, stdin: bytes = b"", env_extra: Dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The real console script, in a subprocess."""
    cmd = asynclint_command()
    env = dict(os.environ)
    env.pop("PYTHONASYNCIODEBUG", None)
    if env_extra:
        env.update(env_extra)
    return subprocess.run(cmd + args, cwd=cwd, input=stdin, capture_output=True, env=env, timeout=300)


def findings_by_cli(folder: Path, code: str) -> Set[Finding]:
    """Run the CLI over the folder, grouping files by their extra args."""
    groups: Dict[Tuple[str, ...], List[str]] = {}
    for path in python_files(folder):
        top = path.relative_to(folder).parts[0]
        # a package is run as a whole so the index sees all its modules
        key = file_args(path)
        entry = top if (folder / top).is_dir() else path.relative_to(folder).as_posix()
        groups.setdefault(key, [])
        if entry not in groups[key]:
            groups[key].append(entry)
    found: Set[Finding] = set()
    for extra, entries in groups.items():
        proc = run_cli(["--no-cache", "--isolated", "--format", "json", "--select", code, *extra, *entries], folder)
        assert proc.returncode in (0, 1), proc.stderr.decode()
        for d in json.loads(proc.stdout):
            found.add((Path(d["path"]).as_posix(), d["line"], d["column"], d["code"]))
    return found


def lint_folder(folder: Path, select: List[str], extra_select: List[str] = ()) -> List:
    """In-process run (for the many small variants the harness makes)."""
    from asynclint.config import Config
    from asynclint.discovery import discover
    from asynclint.engine import FileJob, Settings, lint_files
    from asynclint.rules import all_rules

    cfg = Config(select=list(select), extend_select=list(extra_select))
    enabled = cfg.enabled_codes(all_rules())
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        files = discover(["."], folder, cfg.exclude, False)
        result = lint_files([FileJob(f.path, f.display) for f in files], Settings(cfg, enabled), folder,
                            use_cache=False, workers=1)
    finally:
        os.chdir(cwd)
    return result.diagnostics


_ASYNC = re.compile(r"\basync\s+(?=def\b|with\b|for\b)")
_AWAIT = re.compile(r"\bawait\s+")


def strip_async(text: str) -> str:
    """The same code with `async`/`await` removed: nothing should be a
    coroutine any more."""
    return _AWAIT.sub("", _ASYNC.sub("", text))


# -- fixes: `X.fixed.py` beside `X.py` ---------------------------------------------
def fixed_pairs(folder: Path) -> List[Tuple[Path, Path]]:
    """(X.py, X.fixed.py) for every fixture file with an expected fix result."""
    out = []
    for path in python_files(folder):
        fixed = path.with_name(path.name[:-3] + ".fixed.py")
        if fixed.is_file():
            out.append((path, fixed))
    return out


def cli_groups(folder: Path) -> Dict[Tuple[str, ...], List[str]]:
    """Entries to pass to the CLI, grouped by their files' extra arguments (a
    package is one entry so the index sees all its modules)."""
    groups: Dict[Tuple[str, ...], List[str]] = {}
    for path in python_files(folder):
        top = path.relative_to(folder).parts[0]
        entry = top if (folder / top).is_dir() else path.relative_to(folder).as_posix()
        entries = groups.setdefault(file_args(path), [])
        if entry not in entries:
            entries.append(entry)
    return groups


def findings_json(folder: Path, code: str, extra_cli: List[str] = ()) -> List[dict]:
    """Every finding of `code` over the folder as JSON objects (CLI)."""
    out: List[dict] = []
    for extra, entries in cli_groups(folder).items():
        proc = run_cli(["--no-cache", "--isolated", "--format", "json", "--select", code, *extra_cli, *extra, *entries], folder)
        assert proc.returncode in (0, 1), proc.stderr.decode()
        out.extend(json.loads(proc.stdout))
    return out


def fix_by_cli(folder: Path, code: str, extra_cli: List[str] = ()) -> Tuple[List[dict], List[str]]:
    """`asynclint --fix --unsafe-fixes --show-fixes --select CODE` over the
    folder (in place); returns the findings it reports as remaining and the
    fixes it lists."""
    remaining: List[dict] = []
    fixes: List[str] = []
    for extra, entries in cli_groups(folder).items():
        proc = run_cli(["--no-cache", "--isolated", "--format", "json", "--fix", "--unsafe-fixes", "--show-fixes",
                        "--select", code, *extra_cli, *extra, *entries], folder)
        assert proc.returncode in (0, 1), proc.stderr.decode()
        found = json.loads(proc.stdout)
        assert (proc.returncode == 1) == bool(found), (proc.returncode, found)
        remaining.extend(found)
        fixes += [line for line in proc.stderr.decode().splitlines() if f" {code} fixed: " in line]
    return remaining, fixes


def snapshot(folder: Path) -> Dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*.py"))
            if "__pycache__" not in p.parts}


# A module of the small cache-test projects: awaits nothing it calls from
# `pkg.lib` and keeps no reference to its task (AIO100/AIO400 and their kin).
USER = (
    "import asyncio\n"
    "from pkg.lib import helper\n\n\n"
    "async def main():\n"
    "    helper()\n"
    "    asyncio.ensure_future(main())\n"
)
