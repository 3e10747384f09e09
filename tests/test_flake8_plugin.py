"""The flake8 door: the real `flake8` in a subprocess, compared with `asynclint`."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from asynclint import __version__
from asynclint import config as configmod

from .harness import copy_fixture, expected, file_args, python_files, rule_folders, run_cli
from .integration_snippets import snippet

FOLDERS = rule_folders()


def run_flake8(args: List[str], cwd: Path, stdin: bytes = b"") -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("PYTHONASYNCIODEBUG", None)
    return subprocess.run([sys.executable, "-m", "flake8", *args], cwd=cwd, input=stdin,
                          capture_output=True, env=env, timeout=300)


def lines_of(proc: subprocess.CompletedProcess) -> List[str]:
    out = proc.stdout.decode("utf-8")
    return sorted(line[2:] if line.startswith("./") else line for line in out.splitlines() if line.strip())


# asynclint option -> flake8 option, for fixture headers (`# asynclint-args:`)
_SAME = {"--select", "--extend-select", "--ignore", "--extend-ignore"}


# Settings that change how findings are grouped or where blocking counts,
# which the flake8 adapter does not take: flake8 checks one file at a time, so
# it reports AIO208/AIO210 at every async call site (`report-each-caller`)
# and runs the AIO2 rules on the files it is given.
_VIEWS = {"report-each-caller", "blocking-in-tests", "blocking-in-tooling"}
_PER_CALLER = "[tool.asynclint]\nreport-each-caller = true\n"


def flake8_args(args: Tuple[str, ...], folder: Path) -> List[str]:
    """Translate a fixture's asynclint arguments into flake8's."""
    out: List[str] = []
    items = list(args)
    while items:
        arg = items.pop(0)
        name, eq, value = arg.partition("=")
        if name in _SAME:
            out += [name, value if eq else items.pop(0)]
        elif name == "--config":
            # [tool.asynclint] of the given file: selection as flake8 flags,
            # knowledge as --asynclint-* options
            path = folder / (value if eq else items.pop(0))
            values = configmod.load_file(path) if path.suffix == ".toml" else {}
            for key, val in values.items():
                if key in _VIEWS:
                    continue  # see _VIEWS
                flag = f"--{key}" if f"--{key}" in _SAME else f"--asynclint-{key}"
                out += [flag, ",".join(val)]
        else:
            pytest.fail(f"tests/test_flake8_plugin.py cannot translate the fixture argument {arg!r} for flake8; teach flake8_args")
    return out


def groups(folder: Path) -> Dict[Tuple[str, ...], List[str]]:
    """Entries to check together, as the fixture harness groups them."""
    out: Dict[Tuple[str, ...], List[str]] = {}
    for path in python_files(folder):
        top = path.relative_to(folder).parts[0]
        entry = top if (folder / top).is_dir() else path.relative_to(folder).as_posix()
        entries = out.setdefault(file_args(path), [])
        if entry not in entries:
            entries.append(entry)
    return out


@pytest.mark.parametrize("code", FOLDERS)
def test_flake8_output_equals_asynclint_per_rule(code, tmp_path):
    """Same codes, positions and messages, on every rule's fixture tree (with
    flake8's worker processes, so the index is shared across them)."""
    folder = copy_fixture(code, tmp_path)
    marked = {f for f in expected(folder) if f[3] == code}
    seen = 0
    for extra, entries in groups(folder).items():
        if "--config" in extra and set(configmod.load_file(folder / extra[extra.index("--config") + 1])) \
                & {"blocking-in-tests", "blocking-in-tooling"}:
            marked = {f for f in marked if not any(f[0] == e or f[0].startswith(e + "/") for e in entries)}
            continue  # a setting flake8 does not take (see _VIEWS)
        if code in ("AIO208", "AIO210") and "--config" not in extra:
            (folder / "_per_caller.toml").write_text(_PER_CALLER)
            extra = (*extra, "--config", "_per_caller.toml")
        mine = run_cli(["--isolated", "--no-cache", "--select", code, *extra, *entries], folder)
        assert mine.returncode in (0, 1), mine.stderr.decode()
        if code == "AIO001":
            # flake8 parses the file before any plugin sees it and reports a
            # file it cannot parse itself, as E999: same files, same lines
            theirs = run_flake8(["--isolated", "--select", "E999", *entries], folder)
            assert [ln.split(":")[:2] for ln in lines_of(theirs)] == [ln.split(":")[:2] for ln in lines_of(mine)]
            seen += len(lines_of(mine))
            continue
        theirs = run_flake8(["--isolated", "--jobs", "2", "--select", code, *flake8_args(extra, folder), *entries], folder)
        assert theirs.returncode in (0, 1), theirs.stderr.decode()
        if code == "AIO003":
            # flake8 applies `# noqa` itself, so the plugin cannot know which
            # comment silenced something: AIO003 is a CLI check (documented)
            assert lines_of(theirs) == [] and lines_of(mine), theirs.stdout.decode()
            seen += len(lines_of(mine))
            continue
        assert lines_of(theirs) == lines_of(mine), (
            f"flake8 and asynclint disagree on {code} ({' '.join(entries)})\n"
            f"flake8:\n{theirs.stdout.decode()}\nasynclint:\n{mine.stdout.decode()}")
        seen += len(lines_of(mine))
    assert seen >= len(marked), "the fixture's findings did not all appear"


def write(root: Path, files: Dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


APP = """
    import asyncio
    import os, sys


    async def work():
        await asyncio.sleep(0)


    async def main():
        asyncio.create_task(work())
        x = 1
        return x
"""


@pytest.fixture()
def project(tmp_path):
    write(tmp_path, {"pyproject.toml": '[project]\nname = "demo"\nversion = "0"\n', "app.py": APP})
    return tmp_path


def codes(proc) -> List[str]:
    return sorted(line.split(" ")[1] for line in lines_of(proc))


def test_plugin_shows_in_flake8_version(tmp_path):
    proc = run_flake8(["--version"], tmp_path)
    assert proc.returncode == 0
    assert f"asynclint: {__version__}" in proc.stdout.decode()


def test_aio_codes_on_by_default_and_select_aio_keeps_only_them(project):
    everything = codes(run_flake8(["app.py"], project))
    assert "AIO400" in everything and "E401" in everything  # multiple imports on one line
    only = run_flake8(["--select", "AIO", "app.py"], project)
    assert only.returncode == 1
    assert lines_of(only) == ["app.py:10:5: AIO400 `asyncio.create_task(...)` result is discarded: the task can be "
                              "garbage-collected before it finishes and its exception is never retrieved; keep a "
                              "reference or use an `asyncio.TaskGroup`"]
    assert lines_of(only) == lines_of(run_cli(["app.py"], project))


def test_extend_ignore_a_family(project):
    proc = run_flake8(["--extend-ignore", "AIO4", "app.py"], project)
    found = codes(proc)
    assert "AIO400" not in found and "E401" in found
    assert codes(run_flake8(["--extend-ignore", "AIO4", "--select", "AIO", "app.py"], project)) == []
    assert run_flake8(["--select", "AIO", "--extend-ignore", "AIO4", "app.py"], project).returncode == 0


def test_noqa_is_left_to_flake8(project):
    text = (project / "app.py").read_text().replace("create_task(work())", "create_task(work())  # noqa: AIO400")
    (project / "app.py").write_text(text)
    assert codes(run_flake8(["--select", "AIO", "app.py"], project)) == []
    assert codes(run_flake8(["--select", "AIO", "--disable-noqa", "app.py"], project)) == ["AIO400"]


def test_tool_asynclint_selection_applies(project):
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[tool.asynclint]\nper-file-ignores = {"app.py" = ["AIO4"]}\n')
    assert codes(run_flake8(["--select", "AIO", "app.py"], project)) == []
    assert codes(run_cli(["app.py"], project)) == []
    write(project, {"other.py": APP})
    assert codes(run_flake8(["--select", "AIO", "other.py"], project)) == ["AIO400"]


def test_bad_tool_asynclint_is_a_clean_error(project):
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[tool.asynclint]\nextra-blocking-calls = "not a list"\n')
    proc = run_flake8(["--select", "AIO", "app.py"], project)
    out = proc.stdout.decode() + proc.stderr.decode()
    assert proc.returncode != 0
    assert "asynclint: error:" in out and "extra-blocking-calls" in out and "Traceback" not in out


def test_stdin_equals_asynclint_stdin(project):
    data = (project / "app.py").read_bytes()
    theirs = run_flake8(["--select", "AIO", "--stdin-display-name", "app.py", "-"], project, stdin=data)
    mine = run_cli(["--stdin-filename", "app.py", "-"], project, stdin=data)
    assert lines_of(theirs) == lines_of(mine) != []


_STATE_PROBE = r"""
import json, sys
from flake8.options.parse_args import parse_args
from asynclint import flake8_plugin
plugins, options = parse_args(sys.argv[1:])
state = flake8_plugin._STATE["current"]
cfg = state.settings.config
print(json.dumps({
    "root": str(state.root),
    "enabled": sorted(state.settings.enabled),
    "modules": sorted(state.index.modules),
    "extra_blocking_calls": cfg.extra_blocking_calls,
    "extra_coroutine_functions": cfg.extra_coroutine_functions,
    "thread_entry_points": cfg.thread_entry_points,
    "allowed_blocking_calls": cfg.allowed_blocking_calls,
}))
"""


def probe(cwd: Path, args: List[str]) -> dict:
    """flake8's real option parsing (config files, command line, plugin
    options), then what the plugin made of it."""
    proc = subprocess.run([sys.executable, "-c", _STATE_PROBE, *args], cwd=cwd, capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode()
    return json.loads(proc.stdout)


def test_options_from_flake8_config_and_tool_asynclint(project):
    (project / ".flake8").write_text(snippet("flake8-config"), encoding="utf-8")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[tool.asynclint]\nextra-blocking-calls = ["corp.db.query"]\n'
                         'allowed-blocking-calls = ["corp.fast_sync"]\n')
    state = probe(project, ["--asynclint-thread-entry-points", "x.Handler.run, y.cb", "app.py"])
    assert state["extra_blocking_calls"] == ["corp.db.query", "mylib.fetch_sync", "mylib.Client.get"]
    assert state["extra_coroutine_functions"] == ["mylib.connect"]
    assert state["allowed_blocking_calls"] == ["corp.fast_sync"]
    # the command line overrides the config file's value, as flake8 does for every option
    assert state["thread_entry_points"] == ["x.Handler.run", "y.cb"]
    assert Path(state["root"]) == project.resolve()
    # the snippet's `extend-ignore = AIO5` is flake8's business: the plugin still runs AIO5 rules
    # and flake8 drops them, exactly as for `--extend-ignore AIO5` on the command line
    assert state["enabled"]


def test_opt_in_rules_need_their_full_code(project):
    """As in asynclint: an opt-in rule runs when flake8's --select or
    --extend-select names its full code, never through a prefix."""
    from asynclint.rules import all_rules

    rules = all_rules()
    default = probe(project, ["--select", "AIO", "app.py"])["enabled"]
    assert set(default) == {c for c, r in rules.items() if r.default_enabled}
    for code, rule in rules.items():
        if not rule.default_enabled:
            assert code in probe(project, ["--extend-select", code, "app.py"])["enabled"]
            assert code in probe(project, ["--select", f"AIO,{code}", "app.py"])["enabled"]


def test_spawned_workers_load_the_index_from_the_cache(project):
    """With the `spawn` start method (macOS, Windows) flake8's workers parse
    the options again: each loads the index from the cache the main process
    saved, and the findings are the same."""
    write(project, {f"pkg/m{i}.py": APP for i in range(4)})
    script = (
        "import multiprocessing, sys\n"
        "multiprocessing.set_start_method('spawn', force=True)\n"
        "from flake8.main.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script, "--jobs", "2", "--select", "AIO", "pkg", "app.py"],
                          cwd=project, capture_output=True, timeout=300)
    assert proc.returncode == 1, proc.stderr.decode()
    assert lines_of(proc) == lines_of(run_cli(["pkg", "app.py"], project))
    assert len(lines_of(proc)) == 5


def test_knowledge_options_give_the_same_findings_as_tool_asynclint(project):
    """extra-blocking-calls / extra-coroutine-functions given to flake8 act as
    they do in [tool.asynclint] for the command."""
    write(project, {"svc.py": """
        import mylib


        async def handler():
            mylib.fetch_sync("x")
            mylib.connect()
    """})
    flake8 = run_flake8(["--select", "AIO", "--asynclint-extra-blocking-calls", "mylib.fetch_sync",
                         "--asynclint-extra-coroutine-functions", "mylib.connect", "svc.py"], project)
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[tool.asynclint]\nextra-blocking-calls = ["mylib.fetch_sync"]\n'
                         'extra-coroutine-functions = ["mylib.connect"]\n')
    command = run_cli(["--no-cache", "svc.py"], project)
    assert flake8.returncode == command.returncode
    assert lines_of(flake8) == lines_of(command)


def test_index_covers_the_project_and_is_built_once(project):
    """The index holds every module of the project, not only the files given
    to flake8, and is built once per flake8 run, not per file or worker."""
    write(project, {f"pkg/m{i}.py": APP for i in range(6)})
    write(project, {"pkg/__init__.py": "", "tools/helper.py": "async def helper():\n    pass\n"})
    state = probe(project, ["pkg"])
    assert {"app", "pkg", "pkg.m0", "pkg.m5", "helper"} <= set(state["modules"])  # tools/ is no package
    counter = project / "builds.txt"
    script = (
        "import os, sys\n"
        "import asynclint.engine as engine\n"
        "original = engine.lint_files\n"
        "def counted(*a, **k):\n"
        f"    with open({str(counter)!r}, 'a') as fh: fh.write(str(os.getpid()) + '\\n')\n"
        "    return original(*a, **k)\n"
        "engine.lint_files = counted\n"
        "from flake8.main.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script, "--jobs", "3", "--select", "AIO", "pkg"], cwd=project,
                          capture_output=True, timeout=300)
    assert proc.returncode == 1, proc.stderr.decode()
    assert len(lines_of(proc)) == 6
    assert len(counter.read_text().split()) == 1
    # and the cache it saved is the one the command reads
    assert list((project / ".asynclint_cache").glob("*/files-*/*"))


def test_cross_module_never_awaited_AIO100_in_flake8(tmp_path):
    """Needs AIO100 (issue 3, built in parallel): an async def in an unchanged
    module, called without await in the file flake8 checks."""
    write(tmp_path, {
        "pyproject.toml": '[project]\nname = "demo"\nversion = "0"\n',
        "a.py": "async def fetch():\n    return 1\n",
        "b.py": "from a import fetch\n\n\nasync def main():\n    fetch()\n",
    })
    theirs = run_flake8(["--select", "AIO1", "b.py"], tmp_path)
    mine = run_cli(["--select", "AIO1", "b.py"], tmp_path)
    assert any(line.startswith("b.py:5:5: AIO100 ") for line in lines_of(theirs)), theirs.stdout.decode()
    assert lines_of(theirs) == lines_of(mine)
