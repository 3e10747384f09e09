"""Every code block of the README works as written.

The README's fenced blocks are extracted and each one is claimed by exactly
one check below, which runs it for real (a block no check claims fails the
suite): the install command on a copy of this tree, the command lines of
"Using it", "Fixes", "Adopting ..." and the runtime shim in a scratch
project, the configuration example as a real pyproject.toml. Blocks between
`<!-- snippet:NAME -->` markers are the ones docs/integrations.md shows and
the integration tests run (tests/test_ci_formats.py checks they are word for
word the same).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import List, Tuple

import pytest

from .harness import ROOT, run_cli
from .integration_snippets import snippets

README = (ROOT / "README.md").read_text(encoding="utf-8")
_FENCE = re.compile(r"^```(?P<lang>[\w-]*)\n(?P<code>.*?)^```$", re.S | re.M)
_SNIPPET = re.compile(r"<!-- snippet:(?P<name>[\w-]+) -->\n(?P<body>.*?)<!-- /snippet -->", re.S)

# which test runs each marked snippet
SNIPPET_TESTS = {
    "flake8-config": "tests/test_flake8_plugin.py",
    "pre-commit-config": "tests/test_precommit.py",
    "github-annotations": "tests/test_ci_formats.py",
    "ruff-external": "tests/test_ci_formats.py",
    "ruff-and-asynclint": "tests/test_ci_formats.py",
}


def blocks() -> List[Tuple[str, str, str]]:
    """(language, code, snippet name or "") for every fenced block."""
    marked = {}
    for m in _SNIPPET.finditer(README):
        for f in _FENCE.finditer(m.group("body")):
            marked[f.group("code")] = m.group("name")
    return [(m.group("lang"), m.group("code"), marked.get(m.group("code"), "")) for m in _FENCE.finditer(README)]


def command_lines(code: str) -> List[str]:
    """Each command of a shell block, its trailing `# comment` removed."""
    out = []
    for line in code.splitlines():
        line = re.sub(r"\s+#\s.*$", "", line).strip()
        if line:
            out.append(line)
    return out


BAD = textwrap.dedent("""\
    import asyncio
    import time


    async def job():
        await asyncio.sleep(0)


    async def main():
        asyncio.create_task(job())
        time.sleep(0.01)
""")
APP = textwrap.dedent("""\
    import asyncio


    async def main():
        await asyncio.sleep(0)
        print("done")


    asyncio.run(main())
""")
TEST = "import asyncio\n\n\ndef test_runs():\n    asyncio.run(asyncio.sleep(0))\n"


def scratch_project(root: Path) -> Path:
    files = {"pyproject.toml": "[project]\nname = 'scratch'\nversion = '0'\n", "src/pkg/__init__.py": "",
             "src/pkg/jobs.py": BAD, "app.py": APP, "lib/util.py": BAD, "tests/test_app.py": TEST}
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def shell(command: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONASYNCIODEBUG"}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", command], cwd=cwd, env=env, capture_output=True,
                          timeout=600)


def run_block(code: str, cwd: Path, allowed=(0, 1)) -> List[subprocess.CompletedProcess]:
    done = []
    for line in command_lines(code):
        proc = shell(line, cwd)
        said = proc.stdout.decode("utf-8", "replace") + proc.stderr.decode("utf-8", "replace")
        assert proc.returncode in allowed, f"{line!r} exited {proc.returncode}:\n{said}"
        assert "Traceback" not in said and "error:" not in said, f"{line!r}:\n{said}"
        done.append(proc)
    return done


def _is(code: str, start: str) -> bool:
    return code.lstrip().startswith(start)


# -- every block is claimed -------------------------------------------------------
def claim(lang: str, code: str, name: str) -> str:
    if name:
        return "snippet"
    if lang == "sh" and _is(code, "python3 -m venv .venv && .venv/bin/pip install -q . &&"):
        return "install"
    if lang == "" and "AIO" in code and code.startswith("examples/sample_project/"):
        return "sample-output"
    if lang == "sh" and _is(code, "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]'"):
        return "test-command"
    if lang == "sh" and all(line.startswith(("asynclint", "cat ", "pytest ")) for line in command_lines(code)):
        return "commands"
    if lang == "toml" and _is(code, "[tool.asynclint]"):
        return "configuration"
    return ""


def test_every_readme_block_is_run_by_a_test():
    unclaimed = [(lang, code[:60]) for lang, code, name in blocks() if not claim(lang, code, name)]
    assert not unclaimed, f"README blocks no test runs: {unclaimed}"
    documented = snippets()
    for _, _, name in blocks():
        if name:
            assert name in SNIPPET_TESTS and name in documented, name
            assert f'"{name}"' in (ROOT / SNIPPET_TESTS[name]).read_text(encoding="utf-8"), name


def test_the_install_command_in_a_fresh_clone(tmp_path):
    """`Try it`, word for word, in a copy of this tree: a new virtualenv, a
    real `pip install .`, and the sample output the README shows."""
    from .test_precommit import _tree_files

    (code,) = [c for lang, c, n in blocks() if claim(lang, c, n) == "install"]
    clone = tmp_path / "asynclint"
    for rel in _tree_files():
        target = clone / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONASYNCIODEBUG")}
    proc = subprocess.run(["bash", "-e", "-c", code.strip()], cwd=clone, env=env, capture_output=True, timeout=900)
    assert proc.returncode == 1, proc.stderr.decode()[-3000:]
    (sample,) = [c for lang, c, n in blocks() if claim(lang, c, n) == "sample-output"]
    assert proc.stdout.decode() == sample


@pytest.mark.parametrize("heading", ["## Using it", "## Fixes", "## Adopting asynclint", "## The runtime shim"])
def test_command_blocks_run(heading, tmp_path):
    section = README.split(heading, 1)[1].split("\n## ", 1)[0]
    codes = [m.group("code") for m in _FENCE.finditer(section) if m.group("lang") == "sh"]
    assert codes, heading
    project = scratch_project(tmp_path / "project")
    for code in codes:
        assert claim("sh", code, "") == "commands", code
        run_block(code, project)


def test_adoption_path_ends_with_a_passing_gate(tmp_path):
    """The adoption block's promise: after steps 1 and 2, the CI gate of
    step 3 passes, and new code is caught."""
    section = README.split("## Adopting asynclint", 1)[1].split("\n## ", 1)[0]
    (code,) = [m.group("code") for m in _FENCE.finditer(section)]
    lines = command_lines(code)
    fix, record, _noqa, gate, _stale = lines
    project = scratch_project(tmp_path / "project")
    run_block(fix, project)
    run_block(record, project, allowed=(0,))
    assert shell(gate, project).returncode == 0
    (project / "src/pkg/new.py").write_text(BAD, encoding="utf-8")
    new = shell(gate, project)
    assert new.returncode == 1 and {ln.split(":")[0] for ln in new.stdout.decode().splitlines()} == {"src/pkg/new.py"}


def test_configuration_example_is_valid(tmp_path):
    (code,) = [c for lang, c, n in blocks() if claim(lang, c, n) == "configuration"]
    project = scratch_project(tmp_path / "project")
    (project / "pyproject.toml").write_text("[project]\nname = 'scratch'\nversion = '0'\n\n" + code, encoding="utf-8")
    (project / "generated").mkdir()
    (project / "generated" / "api.py").write_text(BAD, encoding="utf-8")
    proc = run_cli(["--no-cache", "."], project)
    assert proc.returncode == 1, proc.stderr.decode()
    files = {line.split(":")[0] for line in proc.stdout.decode().splitlines()}
    assert "generated/api.py" not in files and "src/pkg/jobs.py" in files  # `extend-exclude = ["generated/"]`
    settings = run_cli(["--show-settings", "."], project).stdout.decode()
    assert "extend-select = ['AIO403']" in settings and "AIO403" in settings.split("enabled")[1]
