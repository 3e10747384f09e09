"""The README's commands and the output it shows stay true."""
from __future__ import annotations

import re
from pathlib import Path

from .harness import ROOT, run_cli

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _block(name: str) -> str:
    m = re.search(rf"<!-- {name}:start -->\n```\n(.*?)```\n<!-- {name}:end -->", README, re.S)
    assert m, f"README has no {name} block"
    return m.group(1)


def test_sample_output_in_readme_is_real():
    proc = run_cli(["--no-cache", "examples/sample_project"], ROOT)
    assert proc.returncode == 1
    assert proc.stdout.decode() == _block("sample-output")


def test_good_half_of_the_sample_is_clean():
    proc = run_cli(["--no-cache", "examples/sample_project/shop/good.py"], ROOT)
    assert proc.returncode == 0, proc.stdout.decode()


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    command = [line for line in ci.splitlines() if line.startswith("python3 -m venv")][0]
    assert f"```sh\n{command}\n```" in README


def test_readme_install_command_targets_the_sample():
    assert "```sh\npython3 -m venv .venv && .venv/bin/pip install -q . && .venv/bin/asynclint examples/sample_project\n```" in README
