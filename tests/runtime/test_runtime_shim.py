"""Runtime shim tests: real programs run under `python -m asynclint.runtime`
in a subprocess; findings are compared exactly with `# expect: CODE` markers."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = Path(__file__).resolve().parent / "programs"
MARK = re.compile(r"#\s*expect:\s*([A-Z0-9,\s]+?)\s*$")
OTHER_PYTHONS = [
    p for p in ("/root/.pyenv/versions/3.10.13/bin/python3", "/root/.pyenv/versions/3.12.1/bin/python3",
              "/root/.pyenv/versions/3.13.0/bin/python3")
    if os.path.exists(p)
]


def env():
    e = dict(os.environ)
    e["PYTHONPATH"] = str(ROOT) + (os.pathsep + e["PYTHONPATH"] if e.get("PYTHONPATH") else "")
    e.pop("PYTHONASYNCIODEBUG", None)
    e.pop("PYTHONDEVMODE", None)
    e["PYTHONDONTWRITEBYTECODE"] = "1"
    return e


def expected(name: str):
    out = set()
    for i, line in enumerate((PROGRAMS / name).read_text().splitlines(), 1):
        m = MARK.search(line)
        if m:
            for code in re.split(r"[,\s]+", m.group(1).strip()):
                out.add((code, name, i))
    return out


def run_shim(tmp_path, prog, *opts, stdin="", python=None, cwd=PROGRAMS, program_args=()):
    report = tmp_path / "report.json"
    cmd = [python or sys.executable, "-m", "asynclint.runtime", "--report", str(report), *opts,
           prog, *program_args]
    proc = subprocess.run(cmd, cwd=cwd, env=env(), input=stdin, capture_output=True, text=True,
                          timeout=60)
    findings = json.loads(report.read_text()) if report.exists() else None
    return proc, findings


def triples(findings):
    return [(f["code"], f["path"], f["line"]) for f in findings]


def run_plain(prog, *args, stdin=""):
    return subprocess.run([sys.executable, prog, *args], cwd=PROGRAMS, env=env(), input=stdin,
                          capture_output=True, text=True, timeout=60)


CASES = [
    ("never_awaited.py", ()),
    ("never_awaited_dynamic.py", ()),
    ("never_retrieved.py", ()),
    ("lost_future.py", ()),
    ("sleep_import.py", ()),
    ("sleep_from.py", ()),
    ("thread_calls.py", ()),
    ("executor_queue.py", ()),
    ("slow_callback.py", ("--slow-callback-ms", "50")),
    ("slow_blame.py", ()),
    ("sqlite_chain.py", ()),
    ("lock_across_await.py", ()),
    ("socket_read.py", ()),
    ("noqa_lines.py", ()),
    ("blocking_misc.py", ("--select", "AIO2")),  # the whole step is slow too (AIO505)
    ("destroyed_pending.py", ()),
    ("unclosed_transport.py", ()),
    ("correct.py", ()),
    ("task_names.py", ()),
]


def steady(prog, opts=()) -> tuple:
    """A program that expects no slow step (AIO505) runs with a threshold a
    loaded machine cannot reach by accident (a 100 ms step under a busy CI
    runner is load, not the program); the others keep their own."""
    if "--slow-callback-ms" in opts or any(code == "AIO505" for code, _, _ in expected(prog)):
        return tuple(opts)
    return ("--slow-callback-ms", "5000", *opts)


@pytest.mark.parametrize("prog,opts", CASES, ids=[c[0] for c in CASES])
def test_program_findings_exact(tmp_path, prog, opts):
    proc, findings = run_shim(tmp_path, prog, *steady(prog, opts), stdin="hello\n")
    assert findings is not None, proc.stderr
    got = triples(findings)
    assert len(got) == len(set(got)), got
    assert set(got) == expected(prog), proc.stderr
    for f in findings:
        assert f["source"] == "runtime"
        assert f["message"].startswith("[runtime] ")
        assert f["column"] == 1
        assert f["name"]
    # the text summary on stderr has the static format
    for code, path, line in got:
        assert re.search(rf"^{re.escape(path)}:{line}:1: {code} \[runtime\] ", proc.stderr, re.M)


@pytest.mark.parametrize("prog", ["sleep_from.py", "never_awaited.py", "thread_calls.py"])
@pytest.mark.skipif(not OTHER_PYTHONS, reason="no other python versions")
def test_other_python_versions(tmp_path, prog):
    for py in OTHER_PYTHONS:
        proc, findings = run_shim(tmp_path, prog, *steady(prog), python=py)
        assert set(triples(findings)) == expected(prog), (py, proc.stderr)


def test_messages_name_threads(tmp_path):
    proc, findings = run_shim(tmp_path, "thread_calls.py")
    by_code = {f["code"]: f for f in findings}
    msg = by_code["AIO300"]["message"]
    assert "called from thread 'Thread-1 (worker)' while the loop runs in 'MainThread'" in msg
    assert "loop.call_soon_threadsafe(" in msg
    assert by_code["AIO301"]["evidence"]["loop_thread"] == "MainThread"


def test_output_and_exit_status_untouched(tmp_path):
    for prog in ("correct.py", "never_awaited.py", "executor_queue.py", "task_names.py"):
        plain = run_plain(prog)
        proc, _ = run_shim(tmp_path, prog)
        assert proc.stdout == plain.stdout
        assert proc.returncode == plain.returncode
    assert plain.returncode == 0
    # the never-awaited warning is printed as python prints it
    plain = run_plain("never_awaited.py")
    proc, _ = run_shim(tmp_path, "never_awaited.py")
    assert plain.stderr in proc.stderr
    assert run_plain("correct.py").returncode == 3


def test_argv_and_exit_code_passthrough(tmp_path):
    proc, findings = run_shim(tmp_path, "argv_echo.py", program_args=("7", "--fail", "-m"))
    assert proc.stdout == "__main__ ['7', '--fail', '-m']\n"
    assert proc.returncode == 7
    assert findings == []


def test_fail_flag(tmp_path):
    proc, _ = run_shim(tmp_path, "sleep_from.py", "--fail")
    assert proc.returncode == 1
    assert proc.stdout == "done\n"
    proc, _ = run_shim(tmp_path, "argv_echo.py", "--fail")
    assert proc.returncode == 0
    proc, _ = run_shim(tmp_path, "correct.py", "--fail")
    assert proc.returncode == 3  # no findings: the program's own status


def test_raise_flag_raises_at_the_call(tmp_path):
    proc, findings = run_shim(tmp_path, "raise_mode.py", "--raise")
    assert proc.stdout == "caught AsyncioMisuseError\n"
    assert proc.returncode == 1
    assert "AsyncioMisuseError: AIO200 [runtime] blocking call time.sleep()" in proc.stderr
    assert 'raise_mode.py", line 10, in main' in proc.stderr
    assert set(triples(findings)) == expected("raise_mode.py")


def test_module_mode_and_python_word(tmp_path):
    report = tmp_path / "r.json"
    for prefix in (["-m", "sleep_from"], ["--", "python3", "-m", "sleep_from"],
                   ["python", "sleep_from.py"]):
        cmd = [sys.executable, "-m", "asynclint.runtime", "--report", str(report), *prefix]
        proc = subprocess.run(cmd, cwd=PROGRAMS, env=env(), capture_output=True, text=True,
                              timeout=60)
        assert proc.stdout == "done\n", proc.stderr
        assert set(triples(json.loads(report.read_text()))) == expected("sleep_from.py")


def test_cli_main_accepts_asynclint_run_argv():
    from asynclint.runtime.cli import parse_args

    opts, out, prog = parse_args(["--fail", "--select", "AIO2,AIO301", "--", "python3.11", "-u",
                                  "app.py", "--fail", "x"])
    assert prog == ("script", "app.py", ["--fail", "x"])
    assert out["fail"] and opts["select"] == "AIO2,AIO301"
    assert parse_args(["-m", "pkg.mod", "a"])[2] == ("module", "pkg.mod", ["a"])
    assert parse_args([sys.executable, "-m", "pkg.mod"])[2] == ("module", "pkg.mod", [])
    assert parse_args(["--slow-callback-ms=5", "--raise", "x.py"])[0] == {
        "slow_callback_ms": 5.0, "raise_": True}


def test_json_format_on_stderr(tmp_path):
    cmd = [sys.executable, "-m", "asynclint.runtime", "--format", "json", "sleep_from.py"]
    proc = subprocess.run(cmd, cwd=PROGRAMS, env=env(), capture_output=True, text=True, timeout=60)
    data = json.loads(proc.stderr)
    assert [(d["code"], d["path"], d["line"], d["source"]) for d in data] == [
        ("AIO200", "sleep_from.py", 6, "runtime")]


def test_select_ignore_allow(tmp_path):
    _, f = run_shim(tmp_path, "thread_calls.py", "--select", "AIO301")
    assert [x["code"] for x in f] == ["AIO301", "AIO301"]
    _, f = run_shim(tmp_path, "thread_calls.py", "--ignore", "AIO3")
    assert f == []
    _, f = run_shim(tmp_path, "sleep_import.py", "--allow", "time:sleep")
    assert f == []
    _, f = run_shim(tmp_path, "sleep_import.py", "--allow", "__main__:work")
    assert f == []
    _, f = run_shim(tmp_path, "sleep_import.py", "--allow", "__main__:other")
    assert [x["code"] for x in f] == ["AIO200", "AIO200"]


def test_summary_on_crash_and_ctrl_c(tmp_path):
    proc, f = run_shim(tmp_path, "crash.py")
    assert proc.returncode == 1
    assert "ValueError: boom" in proc.stderr
    assert "crash.py:7:1: AIO200" in proc.stderr
    assert set(triples(f)) == expected("crash.py")
    proc, f = run_shim(tmp_path, "crash.py", program_args=("interrupt",))
    assert proc.returncode in (130, -2, 1)
    assert proc.returncode == run_plain("crash.py", "interrupt").returncode
    assert "crash.py:7:1: AIO200" in proc.stderr
    assert set(triples(f)) == expected("crash.py")


def test_in_code_api():
    proc = subprocess.run([sys.executable, "api_watch.py"], cwd=PROGRAMS, env=env(),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "[('AIO200', 8, 'runtime')]",
        "[('AIO200', 8)]",
        "time sleep",
    ]
    assert proc.stderr == ""


def test_import_is_cheap_and_stdlib_only():
    code = textwrap.dedent("""
        import sys
        import asynclint.runtime, asynclint.runtime.cli, asynclint.runtime.pytest_plugin
        import asynclint.runtime._core, asynclint.runtime._install
        bad = [m for m in sys.modules if m.split('.')[0] in ('libcst', 'flake8', 'pathspec')
               or m.startswith('asynclint.') and not (m.startswith('asynclint.runtime')
               or m in ('asynclint.diagnostics', 'asynclint.noqa'))]
        print(bad)
    """)
    proc = subprocess.run([sys.executable, "-c", code], env=env(), capture_output=True, text=True)
    assert proc.stdout.strip() == "[]", proc.stderr


PYTEST_FILE = '''
import asyncio
import time


async def blocking():
    time.sleep(0.001)


def test_bad():
    asyncio.run(blocking())


def test_good():
    async def main():
        await asyncio.to_thread(time.sleep, 0.001)
    asyncio.run(main())


def test_forgot_await():
    async def work():
        pass

    async def main():
        work()

    asyncio.run(main())
'''


def test_pytest_plugin(tmp_path):
    (tmp_path / "test_sample.py").write_text(PYTEST_FILE)
    cmd = [sys.executable, "-m", "pytest",  # the plugin loads through its pytest11 entry point
           "--asynclint-runtime", "-p", "no:cacheprovider", "-q", "-rA", "test_sample.py"]
    proc = subprocess.run(cmd, cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=120)
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr
    assert "PASSED test_sample.py::test_good" in out
    assert "FAILED test_sample.py::test_bad" in out
    assert "FAILED test_sample.py::test_forgot_await" in out
    assert "test_sample.py:7:1: AIO200 [runtime] blocking call time.sleep()" in out
    assert "test_sample.py:25:1: AIO100 [runtime] coroutine" in out
    # without the flag the plugin is inert
    cmd.remove("--asynclint-runtime")
    proc = subprocess.run(cmd, cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout


def _expected_prebound(monitoring: bool):
    out = set()
    for i, line in enumerate((PROGRAMS / "prebound.py").read_text().splitlines(), 1):
        m = re.search(r"# expect(-monitoring)?: (AIO\d+)", line)
        if m and (monitoring or not m.group(1)):
            out.add((m.group(2), i))
    return out


@pytest.mark.parametrize("python", [sys.executable] + OTHER_PYTHONS)
def test_references_bound_before_install(python):
    """Module globals bound before install are rebound; with monitoring=True on
    3.12+ sys.monitoring also catches a default-argument alias and reads of a
    file opened before install."""
    proc = subprocess.run([python, "prebound.py"], cwd=PROGRAMS, env=env(), capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = {(x.split()[0], int(x.split()[1])) for x in proc.stdout.splitlines()
             if x.startswith("AIO")}
    ver = subprocess.run([python, "-c", "import sys; print(sys.version_info >= (3, 12))"],
                         capture_output=True, text=True).stdout.strip()
    assert lines == _expected_prebound(ver == "True")


@pytest.mark.skipif(not OTHER_PYTHONS, reason="no other python versions")
def test_task_names_and_reprs_unchanged_on_other_versions(tmp_path):
    for py in OTHER_PYTHONS:
        plain = subprocess.run([py, "task_names.py"], cwd=PROGRAMS, env=env(),
                               capture_output=True, text=True, timeout=60)
        proc, findings = run_shim(tmp_path, "task_names.py", python=py)
        assert proc.stdout == plain.stdout, py
        assert findings == []


def test_raise_flag_in_other_thread(tmp_path):
    proc, findings = run_shim(tmp_path, "raise_thread.py", "--raise")
    assert proc.stdout == "worker caught AsyncioMisuseError\n", proc.stderr
    assert proc.returncode == 0
    assert set(triples(findings)) == expected("raise_thread.py")


PYTEST_ASYNCIO_FILE = '''
import asyncio
import time

import pytest


@pytest.mark.asyncio
async def test_blocks():
    time.sleep(0.001)


@pytest.mark.asyncio
async def test_fine():
    await asyncio.sleep(0.001)
'''


def test_pytest_plugin_with_pytest_asyncio(tmp_path):
    pytest.importorskip("pytest_asyncio")
    (tmp_path / "test_async.py").write_text(PYTEST_ASYNCIO_FILE)
    cmd = [sys.executable, "-m", "pytest",  # the plugin loads through its pytest11 entry point
           "--asynclint-runtime", "-p", "no:cacheprovider", "-q", "-rA", "test_async.py"]
    proc = subprocess.run(cmd, cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=120)
    assert "FAILED test_async.py::test_blocks" in proc.stdout
    assert "PASSED test_async.py::test_fine" in proc.stdout
    assert "test_async.py:10:1: AIO200" in proc.stdout


FIXTURE_FILE = '''
import asyncio
import time

import pytest


@pytest.fixture
def blocking_setup():
    async def prepare():
        time.sleep(0.001)
    asyncio.run(prepare())
    yield
    async def cleanup():
        time.sleep(0.001)
    asyncio.run(cleanup())


def test_uses_fixture(blocking_setup):
    pass
'''


def test_pytest_plugin_setup_teardown_and_report(tmp_path):
    (tmp_path / "test_fixture.py").write_text(FIXTURE_FILE)
    report = tmp_path / "session.json"
    cmd = [sys.executable, "-m", "pytest",  # the plugin loads through its pytest11 entry point
           "--asynclint-runtime", "--asynclint-report", str(report), "-p", "no:cacheprovider",
           "-q", "-rA", "test_fixture.py"]
    proc = subprocess.run(cmd, cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=120)
    out = proc.stdout
    assert proc.returncode == 1, out
    assert "ERROR test_fixture.py::test_uses_fixture" in out
    assert "test_fixture.py:11:1: AIO200" in out
    assert "test_fixture.py:15:1: AIO200" in out
    data = json.loads(report.read_text())
    assert sorted((d["code"], d["line"]) for d in data) == [("AIO200", 11), ("AIO200", 15)]


def _interrupt(cmd):
    import signal

    # The program starts with Ctrl-C's default disposition: a suite run in
    # the background of a non-interactive shell inherits SIGINT ignored, and
    # so would the program, which would then sleep its 30 s out.
    proc = subprocess.Popen(cmd, cwd=PROGRAMS, env=env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        assert proc.stdout.readline() == "ready\n"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, err


def test_real_ctrl_c_prints_summary(tmp_path):
    report = tmp_path / "r.json"
    plain_rc, _ = _interrupt([sys.executable, "ctrl_c.py"])
    rc, err = _interrupt([sys.executable, "-m", "asynclint.runtime", "--report", str(report),
                          "ctrl_c.py"])
    assert rc == plain_rc
    assert "KeyboardInterrupt" in err
    assert "ctrl_c.py:6:1: AIO200 [runtime]" in err
    assert set(triples(json.loads(report.read_text()))) == expected("ctrl_c.py")


def test_importing_the_package_loads_nothing_heavy():
    code = ("import sys; import asynclint.runtime, asynclint.runtime.cli; "
            "print('asyncio' in sys.modules, 'asynclint.runtime._install' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], env=env(), capture_output=True, text=True)
    assert proc.stdout.strip() == "False False", proc.stderr


def test_runtime_codes_share_names_with_the_static_rules():
    from asynclint.rules import all_rules
    from asynclint.runtime._core import NAMES

    rules = all_rules()
    # the static AIO600 rule lands from the AIO6 branch; once merged it is checked too
    assert set(NAMES) - set(rules) <= {"AIO600"}
    assert {code: rules[code].name for code in NAMES if code in rules} == {
        code: name for code, name in NAMES.items() if code in rules}


def test_slow_step_blames_where_the_time_went(tmp_path):
    """300 ms of work in main() followed by `await quick_helper()`: the step is
    main()'s, at the line that did the work (issue #19)."""
    _, findings = run_shim(tmp_path, "slow_blame.py")
    [f] = findings
    assert "step in main() took" in f["message"], f["message"]
    assert "(time spent in busy() at line 7)" in f["message"]
    assert "quick_helper" not in f["message"]


def test_runtime_codes_share_severity_with_the_static_rules():
    from asynclint.diagnostics import Severity
    from asynclint.rules import all_rules
    from asynclint.runtime._core import NAMES, SEVERITY

    rules = all_rules()
    assert {c: SEVERITY.get(c, Severity.WARNING) for c in NAMES if c in rules} == {
        c: rules[c].severity for c in NAMES if c in rules}


def _runtime_imports():
    """module -> set of asynclint modules it imports (at top level or lazily)."""
    import ast

    pkg = ROOT / "asynclint" / "runtime"
    graph = {}
    for path in sorted(pkg.glob("*.py")):
        mod = "asynclint.runtime" + ("" if path.stem == "__init__" else "." + path.stem)
        deps = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = "asynclint.runtime"
                    target = base + ("." + node.module if node.module else "")
                    if node.module is None:
                        deps.update(f"{base}.{a.name}" for a in node.names)
                    else:
                        deps.add(target)
                elif node.module == "asynclint":
                    deps.update(f"asynclint.{a.name}" for a in node.names)
                elif node.module and node.module.startswith("asynclint."):
                    deps.add(node.module)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names if a.name.startswith("asynclint"))
        graph[mod] = deps - {mod}
    return graph


def test_runtime_has_no_import_cycle_and_imports_only_diagnostics_and_noqa():
    graph = _runtime_imports()
    outside = {d for deps in graph.values() for d in deps if not d.startswith("asynclint.runtime")}
    assert outside == {"asynclint.diagnostics", "asynclint.noqa"}
    # depth-first search for a cycle, lazy imports included
    state = {}

    def visit(mod, path):
        state[mod] = "open"
        for dep in graph.get(mod, ()):
            assert state.get(dep) != "open", " -> ".join(path + [dep])
            if dep not in state:
                visit(dep, path + [dep])
        state[mod] = "done"

    for mod in graph:
        if mod not in state:
            visit(mod, [mod])
    assert "asynclint.runtime._install" not in graph["asynclint.runtime._core"]
    assert "asynclint.runtime._install" not in graph["asynclint.runtime._monitoring"]


PY_OPTIONS = ["-O", "-W", "error", "-X", "dev", "-I"]


@pytest.mark.parametrize("front", [["-m", "asynclint.runtime", "--"], ["-m", "asynclint", "run", "--"]])
def test_interpreter_options_reach_the_program(front):
    """`asynclint run -- python -O -W error -X dev prog.py` (#13 item 8): the
    options act on the program as without the shim."""
    plain = subprocess.run([sys.executable, *PY_OPTIONS, "interp_options.py", "x"], cwd=PROGRAMS,
                           env=env(), capture_output=True, text=True, timeout=60)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.startswith("optimize 1 dev True isolated 1 filter error")
    proc = subprocess.run([sys.executable, *front, "python", *PY_OPTIONS, "interp_options.py", "x"],
                          cwd=PROGRAMS, env=env(), capture_output=True, text=True, timeout=60)
    assert (proc.stdout, proc.returncode) == (plain.stdout, plain.returncode), proc.stderr


def test_python_dash_c():
    code = "import sys; print(sys.argv, repr(sys.path[0])); raise SystemExit(5)"
    plain = subprocess.run([sys.executable, "-c", code, "a", "b"], cwd=PROGRAMS, env=env(),
                           capture_output=True, text=True, timeout=60)
    for cmd in (["python", "-c", code, "a", "b"], ["python", "-O", "-c", code, "a", "b"]):
        proc = subprocess.run([sys.executable, "-m", "asynclint.runtime", *cmd], cwd=PROGRAMS,
                              env=env(), capture_output=True, text=True, timeout=60)
        assert (proc.stdout, proc.stderr, proc.returncode) == (
            plain.stdout, plain.stderr, 5), proc.stderr
    crash = "import asyncio, time\nasync def f():\n    time.sleep(0)\n    1/0\nasyncio.run(f())"
    plain = subprocess.run([sys.executable, "-c", crash], cwd=PROGRAMS, env=env(),
                           capture_output=True, text=True, timeout=60)
    proc = subprocess.run([sys.executable, "-m", "asynclint.runtime", "-c", crash], cwd=PROGRAMS,
                          env=env(), capture_output=True, text=True, timeout=60)
    assert proc.returncode == plain.returncode == 1
    assert proc.stderr == plain.stderr


@pytest.mark.parametrize("how", [["traceback_prog.py"], ["-m", "traceback_prog"]])
def test_tracebacks_have_no_shim_frames(tmp_path, how):
    """An exception raised through a patched call prints exactly as without
    the shim (no frame of asynclint, no runpy frame python would not show)."""
    plain = subprocess.run([sys.executable, *how], cwd=PROGRAMS, env=env(), capture_output=True,
                           text=True, timeout=60)
    proc, findings = run_shim(tmp_path, how[-1], *how[:-1])
    assert plain.returncode == proc.returncode == 1
    assert "TypeError" in plain.stderr
    assert proc.stderr == plain.stderr
    assert "asynclint" not in proc.stderr
    assert findings == []  # a call that raises at once does not block


def test_thread_lock_held_across_await_names_both_places(tmp_path):
    _, findings = run_shim(tmp_path, "lock_across_await.py")
    [f] = findings
    assert "while task 'Task-2' holds it across an await (taken at lock_across_await.py:9 in " \
           "holder())" in f["message"]
    assert f["evidence"]["holder"].endswith("lock_across_await.py:9")
