"""Issue #13, items 5 and 6: bad input gets one line and the right exit
status (0 clean, 1 findings, 2 usage, configuration or internal error),
never a traceback. The real console script, on real files, pipes and
devices."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .harness import asynclint_command, run_cli

BAD = "import time\n\n\nasync def main():\n    time.sleep(1)\n"


def write(root: Path, rel: str, data) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


def one_error_line(proc) -> str:
    text = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 2, (proc.returncode, text)
    assert "Traceback" not in text and text.count("\n") == 1 and text.startswith("asynclint: error: "), text
    return text


@pytest.fixture
def project(tmp_path):
    write(tmp_path, "pyproject.toml", "[project]\nname = 'demo'\n")
    write(tmp_path, "bad.py", BAD)
    write(tmp_path, "good.py", "X = 1\n")
    return tmp_path


def test_unknown_codec_cookie_is_aio001(project):
    write(project, "cookie.py", "# -*- coding: no-such-codec -*-\nX = 1\n")
    proc = run_cli(["--no-cache", "cookie.py", "good.py"], project)
    assert proc.returncode == 1
    assert proc.stdout.decode().startswith("cookie.py:1:1: AIO001 ")
    assert "no-such-codec" in proc.stdout.decode() and proc.stdout.decode().count("\n") == 1


@pytest.mark.parametrize("source, message", [
    ("X = 1\nfrom __future__ import annotations\n", "from __future__ imports must occur at the beginning of the file"),
    ("def f():\n    pass\nreturn 1\n", "'return' outside function"),
    ("def f(a, a):\n    pass\n", "duplicate argument 'a' in function definition"),
    ("nonlocal x\n", "nonlocal declaration not allowed at module level"),
])
def test_code_rejected_only_by_the_compiler_is_aio001_and_never_fixed(project, source, message):
    text = "import time\n\n\nasync def main():\n    time.sleep(1)\n" + source
    path = write(project, "late.py", text)
    proc = run_cli(["--no-cache", "late.py"], project)
    lines = proc.stdout.decode().splitlines()
    assert proc.returncode == 1 and len(lines) == 1, lines
    assert " AIO001 " in lines[0] and message in lines[0]
    fixed = run_cli(["--no-cache", "--fix", "late.py"], project)
    assert fixed.returncode == 1 and path.read_text() == text


@pytest.mark.parametrize("body, says", [
    ("tool = 1\n", "`tool` must be a table"),
    ("[tool]\nasynclint = 3\n", "[tool.asynclint] must be a table"),
    (b"[tool.asynclint]\nselect = ['AIO\xff']\n", "not valid UTF-8"),
    ("[tool.asynclint\n", "invalid TOML"),
    ("[tool.asynclint]\nselect = 'AIO1'\n", "must be a list of strings"),
])
def test_invalid_pyproject_is_one_line_and_exit_2(project, body, says):
    write(project, "pyproject.toml", body)
    text = one_error_line(run_cli(["--no-cache", "bad.py"], project))
    assert says in text and "pyproject.toml" in text


def test_invalid_pyproject_stops_flake8_with_one_message(project):
    write(project, "pyproject.toml", "tool = 1\n")
    proc = subprocess.run([sys.executable, "-m", "flake8", "--select", "AIO", "bad.py"], cwd=project,
                          capture_output=True, timeout=300)
    said = proc.stdout.decode() + proc.stderr.decode()
    assert proc.returncode != 0 and "Traceback" not in said
    assert "asynclint: error: " in said and "`tool` must be a table" in said


def test_bad_config_flag(project):
    assert "no such file" in one_error_line(run_cli(["--config", "missing.toml", "bad.py"], project))
    (project / "folder").mkdir()
    assert "is a folder" in one_error_line(run_cli(["--config", "folder", "bad.py"], project))
    write(project, "broken.toml", "select = [\n")
    assert "invalid TOML" in one_error_line(run_cli(["--config", "broken.toml", "bad.py"], project))
    write(project, "wrong.toml", "select = ['AIO9']\n")
    assert "unknown rule code" in one_error_line(run_cli(["--config", "wrong.toml", "bad.py"], project))


def test_output_file_to_a_folder_or_a_missing_folder(project):
    assert "is a folder" in one_error_line(run_cli(["--no-cache", "-o", str(project), "bad.py"], project))
    assert "does not exist" in one_error_line(run_cli(["--no-cache", "-o", "nowhere/report.txt", "bad.py"], project))
    assert not (project / "nowhere").exists()


def test_file_names_that_are_not_utf8(project):
    name = b"caf\xe9.py"  # latin-1 bytes: not valid UTF-8
    with open(os.path.join(os.fsencode(project), name), "wb") as fh:
        fh.write(BAD.encode())
    text = run_cli(["--no-cache", "."], project)
    assert text.returncode == 1 and text.stdout.startswith(b"bad.py:5:5: AIO200")
    assert b"caf\xe9.py:5:5: AIO200" in text.stdout  # the name as it is on disk
    report = project / "report.txt"
    to_file = run_cli(["--no-cache", "-o", str(report), "."], project)
    assert to_file.returncode == 1 and report.read_bytes() == text.stdout
    sarif = run_cli(["--no-cache", "--format", "sarif", "."], project)
    assert sarif.returncode == 1
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(sarif.stdout)["runs"][0]["results"]]
    assert sorted(uris) == ["bad.py", "caf%E9.py"]
    for fmt in ("json", "json-lines", "junit", "gitlab", "rdjson", "github", "pylint", "full"):
        proc = run_cli(["--no-cache", "--format", fmt, "."], project)
        assert proc.returncode == 1 and b"Traceback" not in proc.stderr, (fmt, proc.stderr)


def _as_unprivileged(cmd, cwd):
    """Root reads every folder: as root, run without the capabilities that
    bypass file permissions (util-linux `setpriv`)."""
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: cannot make a folder unreadable")
        cmd = [setpriv, "--bounding-set", "-dac_override,-dac_read_search", "--", *cmd]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONASYNCIODEBUG"}
    return subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=300, env=env)


def test_unreadable_folder_is_reported(tmp_path):
    base = tmp_path / "world"
    base.mkdir()
    os.chmod(tmp_path, 0o755)
    write(base, "pkg/ok.py", BAD)
    write(base, "secret/hidden.py", BAD)
    for p in [base, *base.rglob("*")]:
        os.chmod(p, 0o755 if p.is_dir() else 0o644)
    os.chmod(base / "secret", 0o000)
    try:
        proc = _as_unprivileged([*asynclint_command(), "--no-cache", "."], base)
    finally:
        os.chmod(base / "secret", 0o755)
    assert b"Traceback" not in proc.stderr, proc.stderr
    lines = proc.stdout.decode().splitlines()
    assert proc.returncode == 1
    assert "pkg/ok.py:5:5: AIO200" in lines[0]
    assert lines[1] == "secret:1:1: AIO001 cannot read folder: Permission denied; the files in it were not checked"


def test_invalid_gitignore_lines_are_skipped_with_a_warning(project):
    write(project, ".gitignore", "ignored/\nfoo\\\n[z-a]\n")
    write(project, "ignored/x.py", BAD)
    proc = run_cli(["--no-cache", "."], project)
    assert proc.returncode == 1 and b"Traceback" not in proc.stderr
    assert "ignored/x.py" not in proc.stdout.decode()  # the valid line still applies
    warnings = [ln for ln in proc.stderr.decode().splitlines() if ln.startswith("asynclint: warning:")]
    assert len(warnings) == 2 and ".gitignore:2: invalid pattern" in warnings[0] and ".gitignore:3:" in warnings[1]


def test_fifo_named_on_the_command_line_is_reported_not_read(project):
    os.mkfifo(project / "pipe.py")
    proc = run_cli(["--no-cache", "pipe.py", "bad.py"], project)  # would block forever if opened
    assert proc.returncode == 1
    assert proc.stdout.decode().splitlines() == [
        "bad.py:5:5: AIO200 `time.sleep(...)` blocks the event loop; use `await asyncio.sleep(...)`",
        "pipe.py:1:1: AIO001 not a regular file (a FIFO): not read, not checked",
    ]


def _run_raw(args, cwd, **kwargs):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONASYNCIODEBUG"}
    return subprocess.run([*asynclint_command(), *args], cwd=cwd, env=env, timeout=300, **kwargs)


def test_full_disk_and_closed_streams(project):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    with open("/dev/full", "wb") as full:
        proc = _run_raw(["--no-cache", "bad.py"], project, stdout=full, stderr=subprocess.PIPE)
    assert proc.returncode == 2
    assert proc.stderr.decode().splitlines()[-1] == \
        "asynclint: error: cannot write to standard output: No space left on device"
    assert b"Traceback" not in proc.stderr and b"Exception ignored" not in proc.stderr
    # stdout closed (`asynclint ... >&-`)
    closed = subprocess.run(f"{' '.join(asynclint_command())} --no-cache bad.py >&-", shell=True, cwd=project,
                            capture_output=False, stderr=subprocess.PIPE, timeout=300)
    assert closed.returncode == 2 and closed.stderr.decode() == "asynclint: error: standard output is closed\n"
    # stdin closed while `-` asks for it (`asynclint - <&-`)
    nostdin = subprocess.run(f"{' '.join(asynclint_command())} --no-cache - <&-", shell=True, cwd=project,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    assert nostdin.returncode == 2
    assert nostdin.stderr.decode() == "asynclint: error: - (standard input) was named but standard input is closed\n"


def test_output_file_on_a_full_disk(project):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    text = one_error_line(run_cli(["--no-cache", "-o", "/dev/full", "bad.py"], project))
    assert "No space left on device" in text


def test_exit_status_as_documented(project):
    assert run_cli(["--no-cache", "good.py"], project).returncode == 0
    assert run_cli(["--no-cache", "bad.py"], project).returncode == 1
    assert run_cli(["--no-cache", "--bogus"], project).returncode == 2
    write(project, "pyproject.toml", "[tool.asynclint]\nselect = ['AIO9']\n")
    assert run_cli(["--no-cache", "good.py"], project).returncode == 2


def test_phase_two_recursion_from_issue_13_is_no_traceback(project):
    """Issue #13's seven lines broke phase 2 with a traceback and exit 1 (the
    status that means "findings")."""
    write(project, "job.py", "class Job:\n    def update(self):\n        cb = self.cb\n        self.cb = cb\n"
                             "    def fire(self):\n        self.cb()\n")
    proc = run_cli(["--no-cache", "job.py"], project)
    assert b"Traceback" not in proc.stderr
    assert proc.returncode in (0, 2), (proc.returncode, proc.stdout, proc.stderr)


# A rule with a bug, as a user would meet one: the real command, one real
# rule whose check raises. Only the bug is put in; the engine, the CLI and
# the exit status are the product's own.
_BROKEN_RULE = """
import sys
from asynclint.rules import all_rules
rule = all_rules()["AIO400"]
def check(node, ctx):
    if ctx.module.name == "crash":
        raise RuntimeError("simulated bug")
    return original(node, ctx)
original = rule.check
rule.check = check
from asynclint.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_internal_error_aio002_exits_2_and_the_rest_is_reported(project):
    write(project, "crash.py", "import asyncio\n\n\nasync def main():\n    asyncio.create_task(main())\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONASYNCIODEBUG"}
    proc = subprocess.run([sys.executable, "-c", _BROKEN_RULE, "--no-cache", "--jobs", "1", "crash.py", "bad.py"],
                          cwd=project, capture_output=True, timeout=300, env=env)
    lines = proc.stdout.decode().splitlines()
    assert proc.returncode == 2, (proc.returncode, lines, proc.stderr)
    assert lines[0].startswith("bad.py:5:5: AIO200")
    assert lines[1].startswith("crash.py:5:1: AIO002 internal error in rule AIO400")
    exit_zero = subprocess.run([sys.executable, "-c", _BROKEN_RULE, "--no-cache", "--jobs", "1", "--exit-zero",
                                "crash.py"], cwd=project, capture_output=True, timeout=300, env=env)
    assert exit_zero.returncode == 2  # an internal error is not a finding --exit-zero may hide
    clean = subprocess.run([sys.executable, "-c", _BROKEN_RULE, "--no-cache", "good.py"], cwd=project,
                           capture_output=True, timeout=300, env=env)
    assert clean.returncode == 0


def test_docs_state_the_same_exit_statuses():
    from .harness import ROOT

    for doc in ("README.md", "docs/integrations.md", "docs/configuration.md"):
        text = " ".join((ROOT / doc).read_text(encoding="utf-8").split())
        if "exit status is 0" in text.lower():
            assert "2 for a usage, configuration or internal error" in text, doc
    cli_doc = " ".join((ROOT / "asynclint" / "cli.py").read_text().split())
    assert "2 usage, configuration or internal error" in cli_doc
