"""Issue 10 end to end: files in newer syntax give, under the running
Python, exactly the findings a run under a newer interpreter gives."""
from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .harness import ROOT, run_cli

FIXTURES = ROOT / "tests" / "fixtures" / "newsyntax_findings"
SEARCHED = "PATH python3.12/python3.13/python3.14 and /root/.pyenv/versions/3.1[2-9]*/bin/python3"


def newer_interpreters():
    found = {}
    candidates = [shutil.which(f"python3.{n}") for n in (12, 13, 14)]
    candidates += sorted(glob.glob("/root/.pyenv/versions/3.1[2-9]*/bin/python3"))
    for exe in filter(None, candidates):
        try:
            version = subprocess.run([exe, "-c", "import sys; print(sys.version_info[:2])"],
                                     capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            continue
        if version and version not in found:
            found[version] = exe
    return found


def findings(proc):
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return sorted((d["path"], d["line"], d["column"], d["code"], d["message"]) for d in json.loads(proc.stdout))


def test_fixtures_have_findings_under_running_python():
    proc = run_cli(["--no-cache", "--isolated", "--format", "json", "."], FIXTURES)
    got = findings(proc)
    assert len(got) >= 5 and not any(f[3] == "AIO001" for f in got), got


def test_same_findings_as_newer_interpreter(tmp_path):
    interpreters = newer_interpreters()
    if not interpreters:
        pytest.skip(f"no Python >= 3.12 found (searched {SEARCHED})")
    ours = findings(run_cli(["--no-cache", "--isolated", "--format", "json", "."], FIXTURES))
    # asynclint's check path is pure Python: the newer interpreter runs this
    # checkout with the dependencies of the test environment on its path.
    site = [p for p in sys.path if p.endswith("site-packages")]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), *site]))
    for version, exe in interpreters.items():
        proc = subprocess.run([exe, "-m", "asynclint", "--no-cache", "--isolated", "--format", "json", "."],
                              cwd=FIXTURES, capture_output=True, env=env, timeout=300)
        assert findings(proc) == ours, f"differs under {exe} {version}"
