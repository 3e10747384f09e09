"""CI and editor doors: GitHub annotations, SARIF for code scanning, JSON,
and living next to ruff. The documented workflow steps are run for real."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict, List
from urllib.parse import unquote

import jsonschema
import pytest
import yaml

from .harness import FIXTURES, rule_folders, run_cli
from .integration_snippets import ROOT, snippet, snippets

SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"
INSTALL = 'pip install "git+https://github.com/asynclint/asynclint"'


DISCARDED = """
    import asyncio


    async def work():
        await asyncio.sleep(0)


    async def main():
        asyncio.create_task(work())
        result = 100  # 100% sure
        return result
"""


def write(root: Path, files: Dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


@pytest.fixture()
def project(tmp_path):
    write(tmp_path, {
        "pyproject.toml": '[project]\nname = "shop"\nversion = "0"\n',
        "app/jobs.py": DISCARDED,
        "app/odd, name: 100%.py": DISCARDED,  # characters GitHub wants escaped
        "app/clean.py": "X = 1\n",
    })
    return tmp_path


def shell(command: str, cwd: Path) -> subprocess.CompletedProcess:
    """A documented `run:` step, as a CI runner would run it (bash), with this
    interpreter's scripts (asynclint, ruff) first on PATH."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.pop("PYTHONASYNCIODEBUG", None)
    return subprocess.run(["bash", "-e", "-c", command], cwd=cwd, env=env, capture_output=True, timeout=300)


def workflow_steps(name: str) -> List[dict]:
    doc = yaml.safe_load(textwrap.dedent(snippet(name)))
    if isinstance(doc, dict):  # a whole workflow
        (job,) = doc["jobs"].values()
        return job["steps"]
    return doc


def asynclint_steps(steps: List[dict]) -> List[str]:
    runs = [s["run"] for s in steps if "run" in s]
    assert any(r.strip() == INSTALL for r in runs), runs  # installed here already (test_ci_install_step_works)
    return [r for r in runs if r.strip().startswith("asynclint ")]


def json_findings(cwd: Path, *args: str) -> List[dict]:
    proc = run_cli(["--format", "json", *args], cwd)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return json.loads(proc.stdout)


# -- GitHub annotations -----------------------------------------------------------
_ANNOTATION = re.compile(r"^::(?P<level>error|warning|notice) (?P<props>[^:]*)::(?P<message>.*)$")


def _unescape(value: str) -> str:
    return (value.replace("%3A", ":").replace("%2C", ",").replace("%0A", "\n").replace("%0D", "\r")
            .replace("%25", "%"))


def parse_annotation(line: str) -> dict:
    m = _ANNOTATION.match(line)
    assert m, f"not a GitHub workflow command: {line!r}"
    props = {}
    for item in m.group("props").split(","):
        key, _, value = item.partition("=")
        props[key] = _unescape(value)
    return {"level": m.group("level"), **props, "message": _unescape(m.group("message"))}


def test_github_annotations_from_the_documented_step(project):
    (step,) = asynclint_steps(workflow_steps("github-annotations"))
    proc = shell(step, project)
    assert proc.returncode == 1, proc.stderr.decode()  # findings fail the job
    annotations = [parse_annotation(line) for line in proc.stdout.decode().splitlines()]
    findings = json_findings(project, ".")
    assert len(annotations) == len(findings) == 2
    for a, f in zip(annotations, findings):
        assert a["level"] == ("error" if f["severity"] == "error" else "warning")
        assert a["file"] == f["path"]
        assert (int(a["line"]), int(a["col"])) == (f["line"], f["column"])
        assert (int(a["endLine"]), int(a["endColumn"])) == (f["end_line"], f["end_column"])
        assert a["title"] == f"{f['code']} {f['name']}"
        assert a["message"] == f"{f['code']} {f['message']}"
    assert {a["file"] for a in annotations} == {"app/jobs.py", "app/odd, name: 100%.py"}


# -- SARIF --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sarif_validator():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


# RFC 3986 characters of a relative reference (unreserved, sub-delims, ":",
# "@", "/", and %XX escapes); the schema's "uri-reference" format needs an
# extra package to be checked by jsonschema, so check it here.
_URI_REFERENCE = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})+")


def assert_valid(validator, doc) -> None:
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def test_sarif_from_the_documented_workflow_validates(project, sarif_validator):
    steps = workflow_steps("sarif-workflow")
    (step,) = asynclint_steps(steps)
    proc = shell(step, project)
    assert proc.returncode == 0, proc.stderr.decode()  # --exit-zero: the upload step runs
    upload = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
    assert len(upload) == 1
    sarif_file = project / upload[0]["with"]["sarif_file"]
    assert sarif_file.is_file(), "the upload step must name the file asynclint wrote"
    doc = yaml.safe_load(textwrap.dedent(snippet("sarif-workflow")))
    (job,) = doc["jobs"].values()
    assert job["permissions"]["security-events"] == "write"

    log = json.loads(sarif_file.read_text(encoding="utf-8"))
    assert_valid(sarif_validator, log)
    (run,) = log["runs"]
    findings = json_findings(project, ".")
    assert len(run["results"]) == len(findings) == 2
    rules = run["tool"]["driver"]["rules"]
    for result, f in zip(run["results"], findings):
        assert result["ruleId"] == f["code"] and rules[result["ruleIndex"]]["id"] == f["code"]
        loc = result["locations"][0]["physicalLocation"]
        uri = loc["artifactLocation"]["uri"]
        assert _URI_REFERENCE.fullmatch(uri), f"not a valid URI reference: {uri!r}"
        assert unquote(uri) == f["path"]
        region = loc["region"]
        assert (region["startLine"], region["startColumn"], region["endLine"], region["endColumn"]) == (
            f["line"], f["column"], f["end_line"], f["end_column"])
        assert result["message"]["text"] == f["message"]


def test_sarif_validates_for_every_rule_and_for_no_findings(tmp_path, sarif_validator):
    """All fixture trees at once (every rule that exists, its documentation in
    help.markdown), and an empty run."""
    tree = tmp_path / "fixtures"
    for code in rule_folders():
        shutil.copytree(FIXTURES / code, tree / code, ignore=shutil.ignore_patterns("__pycache__"))
    proc = run_cli(["--isolated", "--no-cache", "--format", "sarif", "--extend-select", "ALL", "."], tree)
    assert proc.returncode == 1, proc.stderr.decode()
    log = json.loads(proc.stdout)
    assert_valid(sarif_validator, log)
    used = {r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert used >= set(rule_folders()) - {"AIO002"}

    (tmp_path / "empty").mkdir()
    write(tmp_path / "empty", {"ok.py": "X = 1\n"})
    proc = run_cli(["--no-cache", "--format", "sarif", "."], tmp_path / "empty")
    assert proc.returncode == 0
    empty = json.loads(proc.stdout)
    assert_valid(sarif_validator, empty)
    assert empty["runs"][0]["results"] == []


# -- JSON ---------------------------------------------------------------------------
def documented_json_fields() -> List[tuple]:
    rows = []
    for line in snippets()["json-fields"].splitlines():
        m = re.match(r"^\| `(\w+)` \| ([^|]+) \|", line)
        if m:
            rows.append((m.group(1), m.group(2).strip()))
    return rows


_TYPES = {"string": str, "integer": int, "object or null": (dict, type(None))}


def test_json_fields_are_the_documented_ones(project):
    fields = documented_json_fields()
    findings = json_findings(project, ".")
    assert findings
    for finding in findings:
        assert list(finding) == [name for name, _ in fields]
        for name, kind in fields:
            assert isinstance(finding[name], _TYPES[kind]), (name, finding[name])
        assert finding["severity"] in ("error", "warning", "note")
        assert finding["source"] in ("static", "runtime")
        if finding["fix"] is not None:
            assert set(finding["fix"]) == {"description", "applicability"}
            assert finding["fix"]["applicability"] in ("safe", "unsafe")
    assert json_findings(project, "app/clean.py") == []


# -- ruff ---------------------------------------------------------------------------
SILENCED = """
    import asyncio


    async def work():
        await asyncio.sleep(0)


    async def main():
        asyncio.create_task(work())  # noqa: AIO400
"""


def test_ruff_keeps_asynclint_noqa_with_lint_external(tmp_path):
    control, tmp_path = tmp_path / "control", tmp_path / "project"
    write(tmp_path, {"pyproject.toml": '[project]\nname = "shop"\nversion = "0"\n', "app.py": SILENCED})
    # without the setting, ruff calls the code invalid and --fix deletes the comment
    shutil.copytree(tmp_path, control)
    proc = shell("ruff check --select RUF100,RUF102 --fix --output-format concise .", control)
    assert "# noqa: AIO400" not in (control / "app.py").read_text(), proc.stdout.decode()

    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n" + snippet("ruff-external"), encoding="utf-8")
    proc = shell("ruff check --select RUF100,RUF102 --fix --output-format concise .", tmp_path)
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()
    assert "asyncio.create_task(work())  # noqa: AIO400" in (tmp_path / "app.py").read_text()

    both = snippet("ruff-and-asynclint").strip()
    proc = shell(both, tmp_path)
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()  # the noqa holds for asynclint
    write(tmp_path, {"more.py": DISCARDED})
    proc = shell(both, tmp_path)
    assert proc.returncode == 1 and "more.py:9:5: AIO400" in proc.stdout.decode()


# -- docs ---------------------------------------------------------------------------
def test_migration_table_lists_every_rule():
    """Every rule asynclint has (and every family) has a row in
    docs/migration.md, so the table grows with the rules."""
    from asynclint.rules import all_rules

    text = (ROOT / "docs" / "migration.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\| (AIO\d{3}) \|", text, re.M))
    missing = sorted(set(all_rules()) - rows)
    assert not missing, f"docs/migration.md has no row for {missing}"
    for family in ("AIO0xx", "AIO1xx", "AIO2xx", "AIO3xx", "AIO4xx", "AIO5xx"):
        assert f"| **{family}** |" in text


def test_readme_snippets_are_the_tested_ones():
    """A snippet the README shows (same `<!-- snippet:NAME -->` markers) is
    word for word the one in docs/integrations.md that the tests run."""
    readme = snippets(ROOT / "README.md")
    docs = snippets()
    unknown = sorted(set(readme) - set(docs))
    assert not unknown, f"README.md shows snippets no test runs: {unknown}"
    for name, body in readme.items():
        assert body == docs[name], f"README.md's snippet {name!r} differs from docs/integrations.md"


def test_ci_install_step_works(tmp_path):
    """The documented install step, for real: pip installs asynclint from a
    git repository URL (this tree committed to a local repository stands in
    for the hosted one) into a fresh virtualenv, and the documented check
    step then runs with that install."""
    from .test_precommit import GIT_ENV, _tree_files

    repo = tmp_path / "asynclint"
    for rel in _tree_files():
        target = repo / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_ENV)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "tree"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, timeout=120)
    steps = workflow_steps("github-annotations")
    install = [s["run"] for s in steps if "run" in s and s["run"].startswith("pip install")][0]
    assert install == INSTALL
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    command = install.replace("https://github.com/asynclint/asynclint", f"file://{repo}")
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONASYNCIODEBUG")}
    env["PATH"] = os.pathsep.join([str(venv / "bin"), env.get("PATH", "")])
    proc = subprocess.run(["bash", "-e", "-c", command + " -q"], env=env, capture_output=True, timeout=900)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    project = tmp_path / "project"
    write(project, {"pyproject.toml": '[project]\nname = "x"\n', "app/jobs.py": DISCARDED})
    (step,) = asynclint_steps(steps)
    check = subprocess.run(["bash", "-e", "-c", step], cwd=project, env=env, capture_output=True, timeout=300)
    assert check.returncode == 1 and check.stdout.decode().startswith("::warning file=app/jobs.py,line=9"), \
        check.stdout.decode() + check.stderr.decode()
