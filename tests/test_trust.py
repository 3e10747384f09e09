"""Default output on real applications (issue 14): one AIO208 finding per
root cause, the cost model, related locations, the per-caller setting.
Everything through the real command on real files."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

from .harness import run_cli

HELPERS = '''
import os
import subprocess

import yaml


def read_settings(path):
    if os.path.exists(path):
        with open(path) as fh:
            return yaml.safe_load(fh.read())
    return {}


def deploy(tag):
    os.makedirs("build", exist_ok=True)
    read_settings("deploy.yml")
    subprocess.run(["git", "tag", tag], check=True)


def is_ready(path):
    return os.path.isfile(path) and os.path.getsize(path) > 0
'''

CALLERS = '''
from .helpers import deploy, is_ready, read_settings


async def a():
    return read_settings("a.yml")


async def b():
    return read_settings("b.yml")


async def c():
    deploy("v1")
    return is_ready("flag")
'''


def _project(tmp_path: Path, extra_toml: str = "") -> Path:
    pkg = tmp_path / "svc"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "helpers.py").write_text(HELPERS)
    (pkg / "api.py").write_text(CALLERS)
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\n" + extra_toml)
    return tmp_path


def _json(tmp_path: Path, *args: str) -> list:
    proc = run_cli(["--no-cache", "--format", "json", "--select", "AIO2", *args, "svc"], tmp_path)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return json.loads(proc.stdout)


def test_one_finding_per_blocking_call_with_callers_as_related(tmp_path):
    found = _json(_project(tmp_path))
    assert [(d["path"], d["line"], d["code"]) for d in found] == [
        ("svc/helpers.py", 10, "AIO208"),  # open() in read_settings
        ("svc/helpers.py", 18, "AIO208"),  # subprocess.run() in deploy
    ]
    first, second = found
    assert first["message"].startswith("`open()` in `read_settings` blocks the event loop: 2 async call sites reach it")
    assert "svc/api.py:6:12, svc/api.py:10:12" in first["message"]
    assert [(r["path"], r["line"], r["column"]) for r in first["related"]] == [("svc/api.py", 6, 12),
                                                                              ("svc/api.py", 10, 12)]
    assert "read_settings() -> open()" in first["related"][0]["message"]
    # the costliest call names the chain: the subprocess, not makedirs or the file read
    assert second["message"].startswith("`subprocess.run()` in `deploy`")
    assert "deploy() -> subprocess.run()" in second["related"][0]["message"]


def test_sarif_carries_related_locations(tmp_path):
    proc = run_cli(["--no-cache", "--format", "sarif", "--select", "AIO208", "svc"], _project(tmp_path))
    results = json.loads(proc.stdout)["runs"][0]["results"]
    related = results[0]["relatedLocations"]
    assert [r["physicalLocation"]["region"]["startLine"] for r in related] == [6, 10]
    assert related[0]["physicalLocation"]["artifactLocation"]["uri"] == "svc/api.py"
    assert related[0]["message"]["text"].startswith("`read_settings(...)` blocks the event loop")


def test_report_each_caller_setting(tmp_path):
    found = _json(_project(tmp_path, "report-each-caller = true\n"))
    assert [(d["path"], d["line"], d["column"]) for d in found] == [
        ("svc/api.py", 6, 12), ("svc/api.py", 10, 12), ("svc/api.py", 14, 5)]
    assert all(d["fix"] is not None and d["related"] == [] for d in found)
    assert "deploy() -> subprocess.run()" in found[2]["message"]


def test_metadata_only_helper_is_not_blocking_and_aio210_is_opt_in(tmp_path):
    project = _project(tmp_path, "report-each-caller = true\n")
    assert not [d for d in _json(project) if "is_ready" in d["message"]]
    (project / "svc" / "api.py").write_text(CALLERS + textwrap.dedent('''

        async def d(path):
            import os
            return os.path.exists(path)
    '''))
    assert not [d for d in _json(project) if d["code"] == "AIO210"]
    assert [(d["line"], d["code"]) for d in _json(project, "--extend-select", "AIO210")
            if d["code"] == "AIO210"] == [(15, "AIO210"), (20, "AIO210")]


def test_noqa_on_the_blocking_call_silences_the_root_cause(tmp_path):
    project = _project(tmp_path)
    helpers = project / "svc" / "helpers.py"
    helpers.write_text(helpers.read_text().replace("with open(path) as fh:", "with open(path) as fh:  # noqa: AIO208"))
    assert [d["line"] for d in _json(project)] == [18]


def test_blocking_call_in_a_file_not_reported_keeps_its_callers(tmp_path):
    """pre-commit passes changed files only: when the helper's file is not
    among them, the async call sites carry the finding."""
    project = _project(tmp_path)
    proc = run_cli(["--no-cache", "--format", "json", "--select", "AIO208", "svc/api.py"], project)
    found = json.loads(proc.stdout)
    assert [(d["path"], d["line"]) for d in found] == [("svc/api.py", 6), ("svc/api.py", 10), ("svc/api.py", 14)]


FOREIGN = '''
import asyncio
import time


async def job():
    await asyncio.sleep(0)


async def main():
    time.sleep(1)  # noqa: ASYNC251
    time.sleep(1)  # noqa: ASYNC230
    asyncio.create_task(job())  # noqa: RUF006
    with open("x") as fh:  # noqa: ASYNC230
        fh.read()


async def ruff_style():
    time.sleep(1)  # ruff: ignore[blocking-sleep-in-async-function]
    time.sleep(1)  # ruff: ignore[ASYNC251]
    time.sleep(1)  # ruff: ignore[unused-import]
'''


def test_foreign_noqa_codes_map_to_the_same_mistake_and_can_be_turned_off(tmp_path):
    (tmp_path / "app.py").write_text(FOREIGN)
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\n")

    def lines():
        proc = run_cli(["--no-cache", "--format", "json", "app.py"], tmp_path)
        return [(d["line"], d["code"]) for d in json.loads(proc.stdout)]

    # ASYNC230 is about open(), not time.sleep(); ruff's own comment counts
    # with a code or a rule name, and a rule of another mistake silences nothing
    assert lines() == [(12, "AIO200"), (21, "AIO200")]
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\nforeign-noqa = false\n")
    assert lines() == [(11, "AIO200"), (12, "AIO200"), (13, "AIO400"), (14, "AIO203"), (19, "AIO200"),
                       (20, "AIO200"), (21, "AIO200")]


TEST_MODULE = '''
import subprocess
import time


async def fetch():
    return 1


async def test_reload():
    subprocess.run(["true"], check=True)
    time.sleep(0.1)
    assert fetch()
'''


def test_blocking_in_test_code_is_left_alone_by_default_but_aio1_stays(tmp_path):
    for name in ("test_reload.py", "reload_test.py", "conftest.py"):
        (tmp_path / name).write_text(TEST_MODULE)
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\n")

    def codes():
        proc = run_cli(["--no-cache", "--format", "json", "."], tmp_path)
        return sorted({(d["path"].removeprefix("./"), d["code"]) for d in json.loads(proc.stdout)})

    # the assert on a coroutine can never fail: a real bug, in tests too
    assert codes() == [("conftest.py", "AIO102"), ("reload_test.py", "AIO102"), ("test_reload.py", "AIO102")]
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\nblocking-in-tests = true\n")
    assert {c for _, c in codes()} == {"AIO102", "AIO200", "AIO202"}


TOOLING_MODULE = '''
import asyncio


async def write_log(path, text):
    with open(path, "w") as f:
        f.write(text)


async def run_all(jobs):
    asyncio.create_task(jobs.run())
'''


def test_developer_tooling_paths_default_setting_and_opt_in(tmp_path):
    for rel in ("pkg/evals/suite.py", "pkg/scripts/pack.py", "benchmarks/bench_io.py", "tools/release.py",
                "pkg/devtools/profile.py", "pkg/evals.py", "pkg/server.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(TOOLING_MODULE)

    def found(config):
        (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\n" + config)
        proc = run_cli(["--no-cache", "--format", "json", "."], tmp_path)
        assert proc.returncode in (0, 1), proc.stderr
        out = {}
        for d in json.loads(proc.stdout):
            out.setdefault(d["path"].removeprefix("./"), set()).add(d["code"])
        return out

    everywhere = {"AIO203", "AIO400"}
    # default: evals/ and benchmarks/ folders keep only the bugs that are
    # bugs anywhere (a dropped task); a module named evals.py, a scripts/ or
    # tools/ folder and any other folder are application code
    assert found("") == {
        "pkg/evals/suite.py": {"AIO400"}, "pkg/scripts/pack.py": everywhere, "benchmarks/bench_io.py": {"AIO400"},
        "tools/release.py": everywhere, "pkg/devtools/profile.py": everywhere, "pkg/evals.py": everywhere,
        "pkg/server.py": everywhere}
    # the project's own list replaces the default: a folder at any depth,
    # or a path from the project root
    assert found('tooling-paths = ["devtools", "tools/*"]\n') == {
        "pkg/evals/suite.py": everywhere, "pkg/scripts/pack.py": everywhere, "benchmarks/bench_io.py": everywhere,
        "tools/release.py": {"AIO400"}, "pkg/devtools/profile.py": {"AIO400"}, "pkg/evals.py": everywhere,
        "pkg/server.py": everywhere}
    assert all(codes == everywhere for codes in found("blocking-in-tooling = true\n").values())
    (tmp_path / "pyproject.toml").write_text('[tool.asynclint]\ntooling-paths = "evals"\n')
    proc = run_cli(["--no-cache", "."], tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.decode().strip().splitlines()[-1].endswith("`tooling-paths` must be a list of strings, got 'evals'")


def test_memoised_one_time_work_is_start_up_code_and_its_setting_brings_it_back(tmp_path):
    fixtures = Path(__file__).parent / "fixtures"
    good = (fixtures / "AIO208" / "good_memoised.py").read_text()
    (tmp_path / "once.py").write_text(good)
    (tmp_path / "lazy.py").write_text((fixtures / "AIO203" / "good_lazy_init.py").read_text())

    def found(config):
        (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\n" + config)
        proc = run_cli(["--no-cache", "--format", "json", "."], tmp_path)
        assert proc.returncode in (0, 1), proc.stderr
        return sorted((d["path"].removeprefix("./"), d["line"], d["code"]) for d in json.loads(proc.stdout))

    assert found("") == []
    lines = good.splitlines()
    reads = [n for n, text in enumerate(lines, 1) if "with open(" in text or "create_default_context()" in text]
    lazy = (tmp_path / "lazy.py").read_text().splitlines()
    assert found("blocking-at-startup = true\n") == sorted(
        [("lazy.py", n, "AIO203") for n, text in enumerate(lazy, 1) if "with open(" in text]
        + [("once.py", n, "AIO208") for n in reads])


def test_debug_only_code_is_left_alone_by_default_and_its_setting_brings_it_back(tmp_path):
    fixtures = Path(__file__).parent / "fixtures"
    for code in ("AIO203", "AIO208"):
        (tmp_path / f"{code.lower()}.py").write_text((fixtures / code / "good_debug_dump.py").read_text())

    def found(config):
        (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\n" + config)
        proc = run_cli(["--no-cache", "--format", "json", "."], tmp_path)
        assert proc.returncode in (0, 1), proc.stderr
        return sorted((d["path"].removeprefix("./"), d["line"], d["code"]) for d in json.loads(proc.stdout))

    assert found("") == []
    expected = []
    for code in ("AIO203", "AIO208"):
        lines = (tmp_path / f"{code.lower()}.py").read_text().splitlines()
        expected += [(f"{code.lower()}.py", n, code) for n, text in enumerate(lines, 1) if "with open(" in text]
    assert found("blocking-in-debug-code = true\n") == sorted(expected)


def test_messages_fit_the_place(tmp_path):
    (tmp_path / "script.py").write_text(textwrap.dedent('''
        import asyncio


        class Store:
            async def flush(self):
                await asyncio.sleep(0)


        def on_saved(store: Store):
            store.flush()


        async def save(store: Store):
            on_saved(store)


        def main():
            Store().flush()


        if __name__ == "__main__":
            loop = asyncio.get_event_loop()
            loop.run_until_complete(save(Store()))
    '''))
    proc = run_cli(["--no-cache", "--isolated", "--format", "json", "script.py"], tmp_path)
    found = {(d["line"], d["code"]): d["message"] for d in json.loads(proc.stdout)}
    assert "runs inside the running event loop" in found[(11, "AIO100")]
    assert "asyncio.run()" not in found[(11, "AIO100")]
    assert "asyncio.run()" in found[(19, "AIO100")]  # no loop runs in main()
    assert "when the script starts" in found[(23, "AIO500")]
    assert "import time" not in found[(23, "AIO500")]


STARTUP_APP = '''
import asyncio
import json

from traitlets.config import Application


def write_pid_file():
    with open("app.pid", "w") as fh:
        fh.write("1")


class App(Application):
    async def initialize(self):
        write_pid_file()
        with open("app.json") as fh:
            self.settings = json.load(fh)

    async def setup_routes(self):
        with open("routes.json") as fh:
            self.routes = json.load(fh)

    async def handle(self, request):
        async def stream():
            with open(request.path) as fh:
                return fh.read()
        return await stream()


async def main():
    app = App()
    await app.initialize()
    with open("banner.txt") as fh:
        print(fh.read())
    while True:
        with open("heartbeat", "w") as fh:
            fh.write("1")
        await asyncio.sleep(10)


if __name__ == "__main__":
    asyncio.run(main())
'''


def test_startup_code_is_left_alone_by_default_and_the_settings_change_it(tmp_path):
    (tmp_path / "server.py").write_text(STARTUP_APP)

    def findings(config):
        (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\n" + config)
        proc = run_cli(["--no-cache", "--format", "json", "."], tmp_path)
        assert proc.returncode in (0, 1), proc.stderr
        return sorted((d["line"], d["code"]) for d in json.loads(proc.stdout))

    # initialize() (and the pid file it writes) and the main coroutine before
    # its loop run once; the nested request callback and the loop do not
    assert findings("") == [(20, "AIO203"), (25, "AIO203"), (36, "AIO203")]
    everything = [(9, "AIO208"), (16, "AIO203"), (20, "AIO203"), (25, "AIO203"), (33, "AIO203"), (36, "AIO203")]
    assert findings("blocking-at-startup = true\n") == everything
    # the name patterns are a setting: `setup_*` is start-up code, `Application.initialize` no longer is
    assert findings('startup-functions = ["setup_*"]\n') == [(9, "AIO208"), (16, "AIO203"), (25, "AIO203"),
                                                              (36, "AIO203")]
    # `Class.pattern` names the methods of that class itself, as well as those of the classes deriving from it
    assert findings('startup-functions = ["App.setup_*"]\n') == [(9, "AIO208"), (16, "AIO203"), (25, "AIO203"),
                                                                  (36, "AIO203")]
    assert findings('startup-functions = ["Other.setup_*"]\n') == [(9, "AIO208"), (16, "AIO203"), (20, "AIO203"),
                                                                    (25, "AIO203"), (36, "AIO203")]
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\nblocking-at-startup = \"yes\"\n")
    proc = run_cli(["--no-cache", "."], tmp_path)
    assert proc.returncode == 2
    assert b"blocking-at-startup" in proc.stderr and b"Traceback" not in proc.stderr
