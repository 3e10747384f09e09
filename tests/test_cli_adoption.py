"""Issue #17 as a ruff user meets it: output formats, the flags they type out
of habit, and adopting asynclint on a codebase that already has findings
(baseline, --add-noqa). The real console script on real files."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import jsonschema
import pytest
from junitparser import Failure, JUnitXml

from .harness import ROOT, run_cli

SOURCE = textwrap.dedent("""\
    import asyncio
    import time


    async def job():
        await asyncio.sleep(0)


    class Service:
        async def run(self):
            asyncio.create_task(job())
            time.sleep(1)
""")


def write(root: Path, rel: str, text) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path):
    write(tmp_path, "pyproject.toml", "[project]\nname = 'demo'\n")
    write(tmp_path, "app/__init__.py", "")
    write(tmp_path, "app/service.py", SOURCE)
    return tmp_path


def out(proc) -> str:
    return proc.stdout.decode("utf-8", "surrogateescape")


def err(proc) -> str:
    return proc.stderr.decode("utf-8", "surrogateescape")


# -- formats ------------------------------------------------------------------
def test_output_format_is_an_alias_of_format_and_concise_is_text(project):
    a = run_cli(["--no-cache", "--output-format", "json", "app"], project)
    b = run_cli(["--no-cache", "--format", "json", "app"], project)
    assert a.returncode == b.returncode == 1 and out(a) == out(b)
    text = run_cli(["--no-cache", "app"], project)
    concise = run_cli(["--no-cache", "--output-format", "concise", "app"], project)
    assert out(text) == out(concise) and out(text).count("\n") == 2


def test_summary_line(project):
    proc = run_cli(["--no-cache", "app"], project)
    assert err(proc).splitlines()[-1] == "Found 2 findings (1 fixable with `--fix`; 1 more with `--fix --unsafe-fixes`)."
    quiet = run_cli(["--no-cache", "-q", "app"], project)
    assert err(quiet) == "" and out(quiet) == out(proc)
    write(project, "clean.py", "X = 1\n")
    clean = run_cli(["--no-cache", "clean.py"], project)
    assert clean.returncode == 0 and out(clean) == "" and err(clean) == "All checks passed!\n"


def test_json_lines(project):
    lines = out(run_cli(["--no-cache", "--output-format", "json-lines", "app"], project)).splitlines()
    whole = json.loads(out(run_cli(["--no-cache", "--output-format", "json", "app"], project)))
    assert [json.loads(line) for line in lines] == whole and len(whole) == 2


def test_pylint_format(project):
    lines = out(run_cli(["--no-cache", "--output-format", "pylint", "app"], project)).splitlines()
    assert lines[0].startswith("app/service.py:11: [AIO400] `asyncio.create_task(...)` result is discarded")
    assert re.fullmatch(r"app/service\.py:12: \[AIO200\] .+", lines[1])


def test_full_format_shows_context_and_fix(project):
    text = out(run_cli(["--no-cache", "--output-format", "full", "app"], project))
    block = text.split("\n\n")[1]
    assert block.splitlines() == [
        "app/service.py:12:9: AIO200 `time.sleep(...)` blocks the event loop; use `await asyncio.sleep(...)`",
        "   |",
        "11 |         asyncio.create_task(job())",
        "12 |         time.sleep(1)",
        "   |         ^^^^^^^^^^^^^ AIO200",
        "   |",
        "  = fix (safe): replace with `await asyncio.sleep(...)`",
    ]


def test_junit_is_read_by_a_junit_consumer(project):
    path = project / "report.xml"
    proc = run_cli(["--no-cache", "--output-format", "junit", "-o", str(path), "app"], project)
    assert proc.returncode == 1
    xml = JUnitXml.fromfile(str(path))
    cases = [(suite.name, case.name, [r.message for r in case.result if isinstance(r, Failure)])
             for suite in xml for case in suite]
    assert [c[:2] for c in cases] == [("app/service.py", "org.asynclint.AIO400"), ("app/service.py", "org.asynclint.AIO200")]
    assert all(len(c[2]) == 1 for c in cases) and xml.failures == 2
    write(project, "clean.py", "X = 1\n")
    run_cli(["--no-cache", "--output-format", "junit", "-o", str(path), "clean.py"], project)
    clean = JUnitXml.fromfile(str(path))
    assert clean.failures == 0 and clean.tests == 1


# GitLab's documented Code Quality fields (docs.gitlab.com, "Code Quality
# report format"): these five are required; severity is one of five words;
# the location needs a path and a begin line (lines.begin or positions.begin.line).
GITLAB_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object", "required": ["path"],
                "properties": {"path": {"type": "string"}},
                "anyOf": [
                    {"required": ["lines"], "properties": {"lines": {
                        "type": "object", "required": ["begin"], "properties": {"begin": {"type": "integer", "minimum": 1}}}}},
                    {"required": ["positions"], "properties": {"positions": {
                        "type": "object", "required": ["begin"], "properties": {"begin": {
                            "type": "object", "required": ["line"], "properties": {"line": {"type": "integer", "minimum": 1}}}}}}},
                ],
            },
        },
    },
}


def test_gitlab_code_quality(project):
    data = json.loads(out(run_cli(["--no-cache", "--output-format", "gitlab", "app"], project)))
    jsonschema.validate(data, GITLAB_SCHEMA)
    assert [d["location"]["path"] for d in data] == ["app/service.py", "app/service.py"]
    assert len({d["fingerprint"] for d in data}) == 2
    # paths are relative to the project root wherever asynclint runs from
    inside = json.loads(out(run_cli(["--no-cache", "--output-format", "gitlab", "."], project / "app")))
    assert [d["location"]["path"] for d in inside] == ["app/service.py", "app/service.py"]
    assert [d["fingerprint"] for d in inside] == [d["fingerprint"] for d in data]
    # an unrelated edit above the findings keeps their fingerprints
    write(project, "app/service.py", "# a new first line\n\n" + SOURCE)
    moved = json.loads(out(run_cli(["--no-cache", "--output-format", "gitlab", "app"], project)))
    assert [d["fingerprint"] for d in moved] == [d["fingerprint"] for d in data]


# reviewdog's published Diagnostic Format (proto/rdf, DiagnosticResult):
# message required; positions are 1-based lines and UTF-8 byte columns;
# severity is a name of the Severity enum.
_POSITION = {"type": "object", "required": ["line"],
             "properties": {"line": {"type": "integer", "minimum": 1}, "column": {"type": "integer", "minimum": 1}}}
RDJSON_SCHEMA = {
    "type": "object",
    "required": ["diagnostics"],
    "properties": {
        "source": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "url": {"type": "string"}}},
        "severity": {"enum": ["UNKNOWN_SEVERITY", "ERROR", "WARNING", "INFO"]},
        "diagnostics": {"type": "array", "items": {
            "type": "object", "required": ["message", "location"],
            "properties": {
                "message": {"type": "string"},
                "severity": {"enum": ["UNKNOWN_SEVERITY", "ERROR", "WARNING", "INFO"]},
                "location": {"type": "object", "required": ["path"], "properties": {
                    "path": {"type": "string"},
                    "range": {"type": "object", "required": ["start"],
                              "properties": {"start": _POSITION, "end": _POSITION}}}},
                "code": {"type": "object", "required": ["value"], "properties": {"value": {"type": "string"}}},
            },
        }},
    },
}


def test_rdjson_for_reviewdog_counts_utf8_bytes(project):
    write(project, "app/service.py", SOURCE.replace("time.sleep(1)", "é = 1; time.sleep(1)"))
    data = json.loads(out(run_cli(["--no-cache", "--output-format", "rdjson", "app"], project)))
    jsonschema.validate(data, RDJSON_SCHEMA)
    sleep = [d for d in data["diagnostics"] if d["code"]["value"] == "AIO200"][0]
    # "        é = 1; " is 15 characters but 16 bytes: the call starts at byte column 17
    assert sleep["location"]["range"] == {"start": {"line": 12, "column": 17}, "end": {"line": 12, "column": 30}}


# -- flags ruff users type ------------------------------------------------------
def test_version_does_not_import_the_engine():
    code = ("import sys; from asynclint.cli import main\n"
            "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith(('asynclint.engine', 'asynclint.rules', 'libcst'))))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=ROOT, timeout=60)
    assert proc.stdout.decode().splitlines() == ["asynclint 0.1.0", "[]"]


def test_abbreviations_are_errors_with_a_suggestion(project):
    proc = run_cli(["--fi", "app"], project)
    assert proc.returncode == 2
    assert err(proc) == "asynclint: error: unrecognized arguments: --fi; `--fi`: did you mean `--fix`?\n"
    typo = run_cli(["--statistic", "app"], project)
    assert typo.returncode == 2 and "did you mean `--statistics`?" in err(typo)


def test_unknown_subcommand_is_not_a_path(project):
    proc = run_cli(["chek", "app"], project)
    assert proc.returncode == 2
    assert err(proc).startswith("asynclint: error: `chek` is neither a command nor a file or folder; "
                                "did you mean `asynclint check`?")
    # a folder that happens to have a bare name is still a path
    write(project, "services/x.py", "X = 1\n")
    assert run_cli(["--no-cache", "services"], project).returncode == 0


def test_rule_by_name_and_all(project):
    by_code = run_cli(["rule", "AIO400"], project)
    by_name = run_cli(["rule", "discarded-task-reference"], project)
    assert by_code.returncode == by_name.returncode == 0 and out(by_code) == out(by_name)
    everything = out(run_cli(["rule", "--all"], project))
    assert everything.count("\n# AIO") + everything.startswith("# AIO") == len(
        json.loads(out(run_cli(["rules", "--format", "json"], project))))
    typo = run_cli(["rule", "discarded-task-refrence"], project)
    assert typo.returncode == 2 and "did you mean `discarded-task-reference`?" in err(typo)


def test_rule_docs_list_settings_and_peer_codes(project):
    doc = out(run_cli(["rule", "AIO200"], project))
    assert "`extra-blocking-calls`" in doc and "`allowed-blocking-calls`" in doc
    assert "ASYNC251" in doc  # ruff's and flake8-async's blocking sleep


def test_show_settings(project):
    write(project, "pyproject.toml", "[project]\nname = 'demo'\n[tool.asynclint]\nextend-ignore = ['AIO5']\n")
    proc = run_cli(["--show-settings", "--extend-exclude", "gen/", "app"], project)
    assert proc.returncode == 0
    text = out(proc)
    assert f"config: {project / 'pyproject.toml'} [tool.asynclint]" in text
    assert "extend-ignore = ['AIO5']" in text and "extend-exclude = ['gen/']" in text
    assert "AIO500" not in text.split("enabled")[1] and "AIO400" in text.split("enabled")[1]
    # the settings that decide where blocking counts are shown too, with their defaults
    assert "blocking-at-startup = False" in text and "startup-functions = ['lifespan'," in text


def test_exclude_patterns_like_ruff(project):
    write(project, "generated/bad.py", SOURCE)
    write(project, "app/generated.py", SOURCE)  # a file named like the folder stays checked
    write(project, "pyproject.toml", "[project]\nname = 'demo'\n[tool.asynclint]\nextend-exclude = ['generated/']\n")
    files = {line.split(":")[0] for line in out(run_cli(["--no-cache", "."], project)).splitlines()}
    assert files == {"app/service.py", "app/generated.py"}
    cli = {line.split(":")[0] for line in out(run_cli(["--no-cache", "--extend-exclude", "app/generated.py", "."],
                                                     project)).splitlines()}
    assert cli == {"app/service.py"}
    write(project, "build/x.py", SOURCE)  # `build` is in the default excludes ...
    assert "build/x.py" not in out(run_cli(["--no-cache", "."], project))
    replaced = {line.split(":")[0] for line in out(run_cli(["--no-cache", "--exclude", "service.py", "."],
                                                          project)).splitlines()}
    # ... which --exclude replaces; extend-exclude still holds
    assert replaced == {"app/generated.py", "build/x.py"}


def test_force_exclude_applies_to_named_files(project):
    write(project, "generated/bad.py", SOURCE)
    write(project, "pyproject.toml", "[project]\nname = 'demo'\n[tool.asynclint]\nextend-exclude = ['generated/']\n")
    named = run_cli(["--no-cache", "generated/bad.py"], project)
    assert named.returncode == 1  # a named file is checked ...
    forced = run_cli(["--no-cache", "--force-exclude", "generated/bad.py", "app/service.py"], project)
    assert forced.returncode == 1 and "generated/" not in out(forced) and "app/service.py" in out(forced)
    only = run_cli(["--no-cache", "--force-exclude", "generated/bad.py"], project)
    assert only.returncode == 0 and out(only) == ""
    stdin = run_cli(["--no-cache", "--force-exclude", "--stdin-filename", "generated/bad.py", "-"], project,
                    stdin=SOURCE.encode())
    assert stdin.returncode == 0 and out(stdin) == ""


def test_no_respect_gitignore(project):
    write(project, ".gitignore", "scratch/\n")
    write(project, "scratch/bad.py", SOURCE)
    assert "scratch" not in out(run_cli(["--no-cache", "."], project))
    assert "scratch/bad.py" in out(run_cli(["--no-cache", "--no-respect-gitignore", "."], project))


def test_clean_removes_the_cache(project):
    run_cli(["app"], project)
    assert (project / ".asynclint_cache").is_dir()
    proc = run_cli(["clean"], project / "app")
    assert proc.returncode == 0 and not (project / ".asynclint_cache").exists()
    assert err(proc) == f"asynclint: removed {project / '.asynclint_cache'}\n"


def test_exit_non_zero_on_fix_and_fix_only(project):
    write(project, "app/only_sleep.py", "import time\n\n\nasync def main():\n    time.sleep(1)\n")
    fixed = run_cli(["--no-cache", "--fix", "app/only_sleep.py"], project)
    assert fixed.returncode == 0 and "await asyncio.sleep(1)" in (project / "app/only_sleep.py").read_text()
    write(project, "app/only_sleep.py", "import time\n\n\nasync def main():\n    time.sleep(1)\n")
    strict = run_cli(["--no-cache", "--fix", "--exit-non-zero-on-fix", "app/only_sleep.py"], project)
    assert strict.returncode == 1 and out(strict) == ""
    again = run_cli(["--no-cache", "--fix", "--exit-non-zero-on-fix", "app/only_sleep.py"], project)
    assert again.returncode == 0  # nothing left to change
    only = run_cli(["--no-cache", "--fix-only", "app/service.py"], project)
    # the AIO200 fix is applied; the unsafe AIO400 remains but --fix-only reports nothing
    assert only.returncode == 0 and out(only) == ""
    assert "await asyncio.sleep(1)" in (project / "app/service.py").read_text()
    assert run_cli(["--no-cache", "app/service.py"], project).returncode == 1


# -- adopting on a legacy codebase ---------------------------------------------------
def test_baseline_reports_only_new_findings(project):
    base = project / "asynclint-baseline.json"
    missing = run_cli(["--no-cache", "--baseline", str(base), "app"], project)
    assert missing.returncode == 2 and err(missing).count("\n") == 1 and "--update-baseline" in err(missing)
    rec = run_cli(["--no-cache", "--baseline", str(base), "--update-baseline", "app"], project)
    assert rec.returncode == 0 and out(rec) == ""
    data = json.loads(base.read_text())
    assert data["format"] == "asynclint-baseline" and len(data["findings"]) == 2
    assert run_cli(["--no-cache", "--baseline", str(base), "app"], project).returncode == 0
    # unrelated edits: lines above, re-indentation of a neighbour, a comment
    edited = ("# header\n\n" + SOURCE).replace("await asyncio.sleep(0)", "await asyncio.sleep(0)  # fine")
    write(project, "app/service.py", edited)
    after = run_cli(["--no-cache", "--baseline", str(base), "app"], project)
    assert after.returncode == 0 and out(after) == "", out(after)
    assert "2 more in the baseline" in err(after)
    # a new finding, including a second copy of a recorded one, is reported
    write(project, "app/service.py", edited + "        time.sleep(1)\n")
    new = run_cli(["--no-cache", "--baseline", str(base), "app"], project)
    assert new.returncode == 1
    assert [ln.split(": ")[1].split()[0] for ln in out(new).splitlines()] == ["AIO200"]
    assert out(new).startswith("app/service.py:15:9:")
    # the same finding in another function is new too (scope is part of the fingerprint)
    write(project, "app/other.py", SOURCE.replace("class Service", "class Other"))
    other = run_cli(["--no-cache", "--baseline", str(base), "app/other.py", "app/service.py"], project)
    assert {ln.split(":")[0] for ln in out(other).splitlines()} == {"app/other.py", "app/service.py"}


def test_bad_baseline_is_a_one_line_error(project):
    for body in (b"{not json", b"[]", b'{"format": "asynclint-baseline", "version": 99, "findings": []}', b"\xff\xfe"):
        write(project, "b.json", body)
        proc = run_cli(["--no-cache", "--baseline", "b.json", "app"], project)
        assert proc.returncode == 2 and err(proc).count("\n") == 1 and err(proc).startswith("asynclint: error: ")
    assert run_cli(["--no-cache", "--update-baseline", "app"], project).returncode == 2


def test_add_noqa(project):
    src = ("import asyncio, time\r\n"
           "async def job():\r\n"
           "    pass\r\n"
           "async def main():\r\n"
           "    asyncio.create_task(job())  # keep this\r\n"
           "    time.sleep(1)  # noqa: AIO1\r\n"
           "    time.sleep(2)  # noqa:AIO200\r\n"
           "    text = '''\r\n"
           "%s''' % time.sleep(3)\r\n"
           "    x = 1 + \\\r\n"
           "        time.sleep(4)\r\n")
    path = write(project, "legacy.py", src.encode("utf-8"))
    proc = run_cli(["--no-cache", "--add-noqa", "legacy.py"], project)
    assert proc.returncode == 0
    assert err(proc) == "asynclint: added 4 noqa comments\n"
    assert path.read_bytes().decode("utf-8") == (
        "import asyncio, time\r\n"
        "async def job():\r\n"
        "    pass\r\n"
        "async def main():\r\n"
        "    asyncio.create_task(job())  # keep this  # noqa: AIO400\r\n"
        "    time.sleep(1)  # noqa: AIO1, AIO200\r\n"
        "    time.sleep(2)  # noqa:AIO200\r\n"
        "    text = '''\r\n"
        "%s''' % time.sleep(3)  # noqa: AIO200\r\n"
        "    x = 1 + \\\r\n"
        "        time.sleep(4)  # noqa: AIO200\r\n")
    assert run_cli(["--no-cache", "legacy.py"], project).returncode == 0
    # the comments it wrote are all in use; the user's own `AIO1` never was
    stale = run_cli(["--no-cache", "--extend-select", "AIO003", "legacy.py"], project)
    assert out(stale) == "legacy.py:6:20: AIO003 unused `# noqa` code AIO1: nothing on this line reports it\n"


def test_add_noqa_skips_lines_it_cannot_comment(project):
    src = "import time\n\n\nasync def main():\n    x = f'''{\ntime.sleep(1)}\n'''\n    return x\n"
    path = write(project, "strings.py", src)
    before = run_cli(["--no-cache", "strings.py"], project)
    proc = run_cli(["--no-cache", "--add-noqa", "strings.py"], project)
    if before.returncode == 1:  # the call inside the f-string is found: its line ends inside the string
        assert "left alone" in err(proc)
    assert path.read_text() == src


def test_add_noqa_keeps_the_encoding(project):
    src = "# -*- coding: latin-1 -*-\nimport time\n\n\nasync def main():\n    s = 'caf\xe9'\n    time.sleep(1)\n"
    path = write(project, "latin.py", src.encode("latin-1"))
    assert run_cli(["--no-cache", "--add-noqa", "latin.py"], project).returncode == 0
    assert path.read_bytes() == src.replace("time.sleep(1)", "time.sleep(1)  # noqa: AIO200").encode("latin-1")


# -- one engine, every face ---------------------------------------------------------
def test_stdin_uses_the_project_index(project):
    write(project, "app/db.py", "async def save():\n    pass\n")
    caller = "from app.db import save\n\n\nasync def main():\n    save()\n"
    write(project, "app/caller.py", caller)
    disk = run_cli(["--no-cache", "app/caller.py"], project)
    stdin = run_cli(["--no-cache", "--stdin-filename", "app/caller.py", "-"], project, stdin=caller.encode())
    assert disk.returncode == stdin.returncode == 1
    assert out(stdin) == out(disk) and "AIO100 coroutine `app.db.save`" in out(stdin)
    # the buffer, not the file on disk, is what is checked
    fixed = caller.replace("    save()", "    await save()")
    assert run_cli(["--no-cache", "--stdin-filename", "app/caller.py", "-"], project, stdin=fixed.encode()).returncode == 0


def test_flake8_honours_noqa_on_the_first_line_of_a_statement(project):
    src = ("import time\n\n\nasync def main():\n"
           "    print(  # noqa: AIO200\n        time.sleep(1),\n    )\n"
           "    print(\n        time.sleep(2),\n    )\n")
    write(project, "multi.py", src)
    cli = run_cli(["--no-cache", "multi.py"], project)
    flake = subprocess.run([sys.executable, "-m", "flake8", "--select", "AIO", "multi.py"], cwd=project,
                           capture_output=True, timeout=300)
    assert [ln.split(":")[:3] for ln in out(cli).splitlines()] == [["multi.py", "9", "9"]]
    assert [ln.split(":")[:3] for ln in out(flake).splitlines()] == [["multi.py", "9", "9"]]
    disabled = subprocess.run([sys.executable, "-m", "flake8", "--disable-noqa", "--select", "AIO", "multi.py"],
                              cwd=project, capture_output=True, timeout=300)
    assert len(out(disabled).splitlines()) == 2


def test_ruff_short_flags_silent_show_files_ignore_noqa(project):
    write(project, "app/quiet.py", "import time\n\n\nasync def main():\n    time.sleep(1)  # noqa: AIO200\n")
    silent = run_cli(["-n", "-s", "app"], project)
    assert silent.returncode == 1 and silent.stdout == b"" and silent.stderr == b""
    assert run_cli(["-n", "-e", "app"], project).returncode == 0
    files = run_cli(["--show-files", "app"], project)
    assert files.returncode == 0 and out(files) == "app/__init__.py\napp/quiet.py\napp/service.py\n"
    normal = run_cli(["--no-cache", "app/quiet.py"], project)
    ignoring = run_cli(["--ignore-noqa", "app/quiet.py"], project)
    assert normal.returncode == 0 and ignoring.returncode == 1 and "app/quiet.py:5:5: AIO200" in out(ignoring)
    # --ignore-noqa never leaves its findings in the cache for a normal run
    assert run_cli(["app/quiet.py"], project).returncode == 0


def test_add_noqa_with_a_reason(project):
    path = write(project, "r.py", "import time\n\n\nasync def main():\n    time.sleep(1)\n")
    assert run_cli(["--no-cache", "--add-noqa=legacy, see #12", "r.py"], project).returncode == 0
    assert path.read_text().splitlines()[-1] == "    time.sleep(1)  # noqa: AIO200  # legacy, see #12"
    assert run_cli(["--no-cache", "--extend-select", "AIO003", "r.py"], project).returncode == 0
