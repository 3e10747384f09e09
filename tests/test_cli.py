"""The `asynclint` command as a user meets it: the real console script in a
subprocess, on real files, comparing exact output."""
from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

from .harness import run_cli

BAD = textwrap.dedent("""\
    import asyncio


    async def job():
        await asyncio.sleep(0)


    async def main():
        asyncio.create_task(job())
""")
MSG = ("`asyncio.create_task(...)` result is discarded: the task can be garbage-collected before it "
       "finishes and its exception is never retrieved; keep a reference or use an `asyncio.TaskGroup`")


def write(root: Path, rel: str, text: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def out(proc) -> str:
    return proc.stdout.decode()


def err(proc) -> str:
    return proc.stderr.decode()


@pytest.fixture
def project(tmp_path):
    write(tmp_path, "pyproject.toml", "[project]\nname = 'demo'\n")
    write(tmp_path, "src/demo/__init__.py", "")
    write(tmp_path, "src/demo/b.py", BAD)
    write(tmp_path, "src/demo/a.py", BAD.replace("    asyncio.create_task(job())\n", "    t = asyncio.create_task(job())\n    await t\n"))
    return tmp_path


def test_text_output_is_flake8_style_sorted_and_relative(project):
    write(project, "src/demo/c.py", BAD + "    asyncio.ensure_future(job())\n")
    proc = run_cli(["--no-cache", "src"], project)
    assert proc.returncode == 1
    assert out(proc) == (
        f"src/demo/b.py:9:5: AIO400 {MSG}\n"
        f"src/demo/c.py:9:5: AIO400 {MSG}\n"
        f"src/demo/c.py:10:5: AIO400 {MSG.replace('asyncio.create_task', 'asyncio.ensure_future')}\n"
    )


def test_absolute_paths_stay_absolute(project):
    proc = run_cli(["--no-cache", str(project / "src")], project)
    assert out(proc).startswith(f"{project / 'src/demo/b.py'}:9:5: AIO400")


def test_no_path_means_current_directory_and_check_subcommand(project):
    a = run_cli(["--no-cache"], project)
    b = run_cli(["check", "--no-cache", "."], project)
    assert out(a) == out(b).replace("./", "") or out(a) == out(b)
    assert "src/demo/b.py:9:5: AIO400" in out(a)


def test_exit_codes(project):
    assert run_cli(["--no-cache", "src/demo/a.py"], project).returncode == 0
    assert run_cli(["--no-cache", "src/demo/b.py"], project).returncode == 1
    assert run_cli(["--no-cache", "--exit-zero", "src/demo/b.py"], project).returncode == 0
    missing = run_cli(["--no-cache", "nope.py"], project)
    assert missing.returncode == 2
    assert err(missing) == "asynclint: error: nope.py: no such file or directory\n"
    assert run_cli(["--bogus-flag"], project).returncode == 2


def test_stdin_with_filename(project):
    proc = run_cli(["--no-cache", "--stdin-filename", "src/demo/x.py", "-"], project, stdin=BAD.encode())
    assert proc.returncode == 1
    assert out(proc) == f"src/demo/x.py:9:5: AIO400 {MSG}\n"
    anon = run_cli(["--no-cache", "-"], project, stdin=BAD.encode())
    assert out(anon).startswith("-:9:5: AIO400")


def test_select_ignore_prefixes(project):
    assert out(run_cli(["--no-cache", "--select", "AIO4", "src"], project))
    assert out(run_cli(["--no-cache", "--ignore", "AIO4", "src"], project)) == ""
    assert out(run_cli(["--no-cache", "--extend-ignore", "AIO400", "src"], project)) == ""
    assert out(run_cli(["--no-cache", "--select", "AIO1", "--extend-select", "AIO400", "src"], project))
    bad = run_cli(["--no-cache", "--select", "AIO9", "src"], project)
    assert bad.returncode == 2 and "unknown rule code or prefix 'AIO9'" in err(bad)


def test_statistics_show_source_quiet(project):
    proc = run_cli(["--no-cache", "--statistics", "--show-source", "src/demo/b.py"], project)
    lines = out(proc).splitlines()
    assert lines[0].startswith("src/demo/b.py:9:5: AIO400")
    assert lines[1] == "        asyncio.create_task(job())"
    assert lines[2] == "        " + "^" * len("asyncio.create_task(job())")
    assert lines[3] == "1      AIO400 discarded-task-reference"


def test_json_format_fields(project):
    proc = run_cli(["--no-cache", "--format", "json", "src/demo/b.py"], project)
    data = json.loads(out(proc))
    assert data == [{
        "path": "src/demo/b.py", "line": 9, "column": 5, "end_line": 9, "end_column": 31,
        "code": "AIO400", "name": "discarded-task-reference", "message": MSG, "severity": "warning",
        "source": "static", "fix": data[0]["fix"], "related": [],
    }]


def test_github_format(project):
    proc = run_cli(["--no-cache", "--format", "github", "src/demo/b.py"], project)
    assert out(proc) == (
        "::warning file=src/demo/b.py,line=9,col=5,endLine=9,endColumn=31,"
        f"title=AIO400 discarded-task-reference::AIO400 {MSG}\n"
    )


def test_sarif_format_basic_shape(project):
    doc = json.loads(out(run_cli(["--no-cache", "--format", "sarif", "src"], project)))
    assert doc["version"] == "2.1.0"
    run = doc["runs"][0]
    assert run["tool"]["driver"]["name"] == "asynclint"
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["AIO400"]
    loc = run["results"][0]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "src/demo/b.py"
    assert loc["region"]["startLine"] == 9


def test_rules_and_rule_commands(project):
    text = out(run_cli(["rules"], project))
    assert "AIO400  discarded-task-reference" in text
    rows = json.loads(out(run_cli(["rules", "--format", "json"], project)))
    assert {"code", "name", "family", "fixable", "summary"} <= set(rows[0])
    doc = out(run_cli(["rule", "aio400"], project))
    assert doc.startswith("# AIO400 `discarded-task-reference`")
    assert "## Why is this bad?" in doc and "## Use instead" in doc
    unknown = run_cli(["rule", "AIO999"], project)
    assert unknown.returncode == 2 and "unknown rule 'AIO999'" in err(unknown)


def test_version(project):
    from asynclint import __version__
    assert out(run_cli(["--version"], project)) == f"asynclint {__version__}\n"


# -- configuration ------------------------------------------------------------
def test_pyproject_config_select_and_per_file_ignores(project):
    write(project, "pyproject.toml", textwrap.dedent("""\
        [project]
        name = 'demo'
        [tool.asynclint]
        per-file-ignores = { "b.py" = ["AIO4"] }
    """))
    assert out(run_cli(["--no-cache", "src"], project)) == ""
    assert out(run_cli(["--no-cache", "--isolated", "src"], project)) != ""


def test_config_exclude(project):
    write(project, "pyproject.toml", "[tool.asynclint]\nextend-exclude = ['b.py']\n")
    assert out(run_cli(["--no-cache", "src"], project)) == ""


@pytest.mark.parametrize("body, message", [
    ("colour = 1", "unknown option `colour`"),
    ("select = 'AIO4'", "`select` must be a list of strings, got 'AIO4'"),
    ("select = ['AIO7']", "unknown rule code or prefix 'AIO7'"),
    ("respect-gitignore = 'yes'", "`respect-gitignore` must be true or false"),
    ("per-file-ignores = ['x']", "`per-file-ignores` must be a table"),
])
def test_bad_config_values_are_one_line_errors(project, body, message):
    write(project, "pyproject.toml", f"[tool.asynclint]\n{body}\n")
    proc = run_cli(["--no-cache", "src"], project)
    assert proc.returncode == 2
    lines = err(proc).splitlines()
    assert len(lines) == 1 and lines[0].startswith("asynclint: error: ")
    assert message in lines[0] and "pyproject.toml [tool.asynclint]" in lines[0]


def test_invalid_toml_and_config_flag(project):
    write(project, "pyproject.toml", "[tool.asynclint\n")
    proc = run_cli(["--no-cache", "src"], project)
    assert proc.returncode == 2 and "invalid TOML" in err(proc)
    write(project, "custom.toml", "ignore = ['AIO400']\n")
    proc = run_cli(["--no-cache", "--config", "custom.toml", "src"], project)
    assert proc.returncode == 0 and out(proc) == ""


# -- discovery ----------------------------------------------------------------
def test_discovery_skips_virtualenvs_builds_and_gitignored(project):
    for folder in (".venv/lib", "build", "dist", "node_modules/x", "__pycache__", ".git", "ignored_dir"):
        write(project, f"{folder}/bad.py", BAD)
    write(project, ".gitignore", "ignored_dir/\ngen_*.py\n")
    write(project, "gen_client.py", BAD)
    assert out(run_cli(["--no-cache", "."], project)).splitlines() == [f"src/demo/b.py:9:5: AIO400 {MSG}"]
    # a file named explicitly is always checked
    assert out(run_cli(["--no-cache", "gen_client.py"], project)) == f"gen_client.py:9:5: AIO400 {MSG}\n"


def test_symlink_loop_does_not_hang(project):
    os.symlink(project / "src", project / "src" / "demo" / "loop")
    proc = run_cli(["--no-cache", "src"], project)
    assert proc.returncode == 1 and out(proc).count("AIO400") == 1


# -- bad input: a clear message, keep going -------------------------------------
BAD_INPUTS = {
    "syntax.py": (b"async def f(:\n    pass\n", "syntax.py:1:13: AIO001 syntax error: invalid syntax"),
    "binary.py": (b"\x00\x01\x02\xff", "binary.py:1:1: AIO001 file is not Python source: it contains NUL bytes (a binary file?)"),
    "badutf.py": (b"x = 1\ns = '\xe9'\n", "badutf.py:2:1: AIO001 cannot decode the file as utf-8: byte 0xe9 on line 2 is not valid utf-8"),
    "cookie.py": (b"# -*- coding: klingon -*-\n", "cookie.py:1:1: AIO001 cannot determine the file's encoding: unknown encoding: klingon"),
    "parens.py": (b"x = " + b"(" * 10000 + b"1" + b")" * 10000 + b"\n", "parens.py:1:205: AIO001 syntax error: too many nested parentheses"),
    "deep.py": (b"x = " + b"1+" * 100000 + b"1\n", "deep.py:1:1: AIO001 file is nested too deeply for Python's parser to analyse"),
}
CLEAN_INPUTS = {"empty.py": b"", "bom.py": b"\xef\xbb\xbf", "formfeed.py": b"\x0c\x0c\n\x0c"}


def test_bad_inputs_each_get_a_finding_and_others_are_still_checked(tmp_path):
    for name, (data, _) in BAD_INPUTS.items():
        write(tmp_path, name, data)
    for name, data in CLEAN_INPUTS.items():
        write(tmp_path, name, data)
    write(tmp_path, "z_good_file.py", BAD)
    proc = run_cli(["--no-cache", "."], tmp_path)
    assert proc.returncode == 1
    lines = out(proc).splitlines()
    assert "Traceback" not in err(proc)
    for name, (_, expected) in BAD_INPUTS.items():
        assert any(line.startswith(expected) for line in lines), (name, lines)
    assert f"z_good_file.py:9:5: AIO400 {MSG}" in lines
    assert len(lines) == len(BAD_INPUTS) + 1
    assert err(proc).endswith(f"asynclint: {len(BAD_INPUTS)} files not analysed (see AIO001 findings)\n")


def test_latin1_cookie_and_non_ascii_columns(tmp_path):
    write(tmp_path, "latin.py", b"# -*- coding: latin-1 -*-\nimport asyncio\ns = '\xe9\xe9'; asyncio.create_task(x())\n")
    write(tmp_path, "utf.py", "import asyncio\ns = 'ééé'; asyncio.create_task(x())\n")
    lines = out(run_cli(["--no-cache", "."], tmp_path)).splitlines()
    assert lines[0].startswith("latin.py:3:11: AIO400")
    assert lines[1].startswith("utf.py:2:12: AIO400")


def test_million_line_file(tmp_path):
    write(tmp_path, "huge.py", "import asyncio\n" + "x = 1\n" * 1_000_000 + "asyncio.ensure_future(x)\n")
    proc = run_cli(["--no-cache", "huge.py"], tmp_path)
    assert out(proc).startswith("huge.py:1000002:1: AIO400")


# -- noqa -----------------------------------------------------------------------
@pytest.mark.parametrize("comment, silenced", [
    ("# noqa", True), ("# noqa: AIO400", True), ("# noqa:AIO4", True), ("# NOQA: E501, AIO400", True),
    ("# noqa: E501 AIO400", True), ("# noqa: AIO401", False), ("# noqa: AIO1", False), ("# no qa", False),
])
def test_noqa_forms(tmp_path, comment, silenced):
    write(tmp_path, "m.py", f"import asyncio\nasyncio.ensure_future(x)  {comment}\n")
    assert (out(run_cli(["--no-cache", "m.py"], tmp_path)) == "") is silenced


def test_noqa_on_first_line_of_multiline_statement(tmp_path):
    write(tmp_path, "m.py", "import asyncio\nasyncio.ensure_future(  # noqa: AIO400\n    x\n)\nfoo(\n    asyncio.ensure_future(x)\n)\n")
    assert out(run_cli(["--no-cache", "m.py"], tmp_path)) == ""


# -- cache and workers ----------------------------------------------------------
def test_cache_reuses_and_invalidates(project):
    first = run_cli(["src"], project)
    cache = project / ".asynclint_cache"
    assert (cache / ".gitignore").read_text().strip().endswith("*")
    assert run_cli(["src"], project).stdout == first.stdout
    write(project, "src/demo/a.py", BAD)  # now flagged too
    third = run_cli(["src"], project)
    assert "src/demo/a.py:9:5: AIO400" in out(third)
    assert run_cli(["--no-cache", "src"], project).stdout == third.stdout


def test_parallel_output_equals_serial(tmp_path):
    for i in range(120):
        body = BAD if i % 3 == 0 else "import asyncio\n\nasync def ok():\n    await asyncio.sleep(0)\n"
        write(tmp_path, f"pkg/m{i:03}.py", body)
    serial = run_cli(["--no-cache", "-j", "1", "."], tmp_path)
    parallel = run_cli(["--no-cache", "-j", "2", "."], tmp_path)
    assert out(serial).count("AIO400") == 40
    assert parallel.stdout == serial.stdout


def _cross_module_project(tmp_path):
    """Findings that only the project index confirms (a coroutine, a
    blocking helper and a thread started from another module), in enough
    files for workers."""
    write(tmp_path, "pkg/__init__.py", "")
    for i in range(80):
        write(tmp_path, f"pkg/h{i:02}.py", "import time\n\n\nasync def fetch():\n    return 1\n\n\n"
                                            "def load():\n    time.sleep(1)\n")
        write(tmp_path, f"pkg/c{i:02}.py", f"from pkg.h{i:02} import fetch, load\n\n\ndef sync_caller():\n"
                                            "    fetch()\n\n\nasync def async_caller():\n    load()\n")
        if i % 4 == 0:  # a function another module starts in a thread
            write(tmp_path, f"pkg/w{i:02}.py", "import asyncio\n\n\ndef work(loop: asyncio.AbstractEventLoop):\n"
                                                "    loop.call_soon(print)\n")
            write(tmp_path, f"pkg/t{i:02}.py", f"import threading\n\nfrom pkg.w{i:02} import work\n\n\n"
                                                "def start(loop):\n    threading.Thread(target=work, args=(loop,)).start()\n")


def _serial_answers(tmp_path) -> list:
    found = json.loads(out(run_cli(["--no-cache", "-j", "1", "--format", "json", "."], tmp_path)))
    assert sum(d["code"] == "AIO100" for d in found) == 80
    assert sum(d["code"] == "AIO208" and len(d["related"]) == 1 for d in found) == 80
    assert sum(d["code"] == "AIO300" and "started by `threading.Thread" in d["message"] for d in found) == 20
    return found


def test_parallel_project_answers_equal_serial(tmp_path):
    # With workers, phase 2 and the whole-project joins are shared among
    # processes, and every file's answers, related locations included, must
    # come back as one process gives them.
    _cross_module_project(tmp_path)
    found = _serial_answers(tmp_path)
    parallel = run_cli(["--no-cache", "-j", "2", "--format", "json", "."], tmp_path)
    assert json.loads(out(parallel)) == found


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_answers_with_the_cache_on_equal_serial(tmp_path, jobs):
    # With the cache on, phase-1 results are held packed (summaries and
    # pending queries as blobs, decoded when phase 2 uses them): a worker's
    # as it arrives, one made in this process once its entry is written.
    _cross_module_project(tmp_path)
    found = _serial_answers(tmp_path)
    first = run_cli(["-j", jobs, "--format", "json", "."], tmp_path)
    assert json.loads(out(first)) == found
    (tmp_path / "pkg" / "c00.py").write_text((tmp_path / "pkg" / "c00.py").read_text() + "# edited\n")
    again = run_cli(["-j", jobs, "--format", "json", "."], tmp_path)  # the other files' entries read back
    assert json.loads(out(again)) == found


def test_per_file_ignores_are_relative_to_the_config_folder(project, tmp_path):
    write(project, "pyproject.toml", "[tool.asynclint]\nper-file-ignores = { \"src/demo/b.py\" = [\"AIO400\"] }\n")
    # run from elsewhere: the displayed path differs, the pattern still applies
    proc = run_cli(["--no-cache", str(project / "src")], tmp_path)
    assert out(proc) == ""
