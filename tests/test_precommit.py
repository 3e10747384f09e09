"""The pre-commit door: the real `pre-commit` on temporary git repositories.

pre-commit installs a hook repository by cloning a commit of it and
pip-installing it into a virtualenv of its own. The tests therefore commit a
copy of this working tree (uncommitted changes included) into a temporary
repository once per session, and share one PRE_COMMIT_HOME, so that the hook
environment is created once for all tests.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict, List

import pytest

from .integration_snippets import ROOT, snippet

GIT_ENV = {
    "GIT_AUTHOR_NAME": "asynclint tests", "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "asynclint tests", "GIT_COMMITTER_EMAIL": "tests@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def _env(home: Path) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "PYTHONASYNCIODEBUG"}
    env.update(GIT_ENV)
    env["PRE_COMMIT_HOME"] = str(home)
    env["HOME"] = str(home.parent)  # no user-level git config or hooks leak in
    env["PRE_COMMIT_COLOR"] = "never"
    # the `pre-commit` of the interpreter running the tests
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def git(args: List[str], cwd: Path, env: Dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, timeout=300)
    if check:
        assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr.decode()}"
    return proc


def _tree_files() -> List[str]:
    """This repository's files as they are now (tracked or new, not ignored)."""
    try:
        out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT,
                             capture_output=True, check=True, timeout=60).stdout.decode()
        return [f for f in out.split("\0") if f and (ROOT / f).is_file()]
    except (OSError, subprocess.CalledProcessError):
        skip = {".git", ".venv", "venv", "__pycache__", ".pytest_cache", ".asynclint_cache", "build", "dist"}
        return [p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*")
                if p.is_file() and not (set(p.relative_to(ROOT).parts) & skip)]


@pytest.fixture(scope="session")
def precommit(tmp_path_factory):
    """(hook repository path, its commit, environment) shared by all tests."""
    base = tmp_path_factory.mktemp("precommit")
    home = base / "pre-commit-home"
    home.mkdir()
    env = _env(home)
    repo = base / "asynclint-hooks"
    for rel in _tree_files():
        target = repo / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target)
    git(["init", "-q", "-b", "main"], repo, env)
    git(["add", "-A"], repo, env)
    git(["commit", "-q", "-m", "asynclint working tree"], repo, env)
    from asynclint import __version__
    git(["tag", f"v{__version__}"], repo, env)  # what docs/releasing.md makes on release day
    sha = git(["rev-parse", "HEAD"], repo, env).stdout.decode().strip()
    return repo, sha, env


def user_project(root: Path, env: Dict[str, str], files: Dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(["init", "-q", "-b", "main"], root, env)
    write(root, {"pyproject.toml": '[project]\nname = "shop"\nversion = "0"\n', **files})
    git(["add", "-A"], root, env)
    git(["commit", "-q", "-m", "start"], root, env)
    return root


def write(root: Path, files: Dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def config_from_snippet(name: str, repo: Path, sha: str) -> str:
    """A documented .pre-commit-config.yaml as the user pastes it. The local
    hook (`repo: local`) is used word for word; the release variant gets the
    repository URL replaced by the local hook repository, which carries the
    release tag the snippet pins (nothing else changes)."""
    text = snippet(name)
    if "repo: local" in text:
        return text
    assert "repo: https://github.com/asynclint/asynclint" in text and "rev: " in text
    return text.replace("https://github.com/asynclint/asynclint", str(repo))


def try_repo(precommit, project: Path, *args: str) -> subprocess.CompletedProcess:
    """`pre-commit try-repo`: it ignores PRE_COMMIT_HOME and builds the hook
    environment afresh in a temporary store each time (~20 s), so the other
    tests use a configuration and the shared store instead."""
    repo, sha, env = precommit
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(repo), "asynclint", "--ref", sha,
                           "--verbose", *args], cwd=project, env=env, capture_output=True, timeout=900)


def commit(project: Path, env, message: str) -> subprocess.CompletedProcess:
    return git(["commit", "-m", message], project, env, check=False)


def output(proc: subprocess.CompletedProcess) -> str:
    return proc.stdout.decode("utf-8", "replace") + proc.stderr.decode("utf-8", "replace")


DISCARDED = """
    import asyncio


    async def work():
        await asyncio.sleep(0)


    async def main():
        asyncio.create_task(work())
"""

KEPT = """
    import asyncio

    background = set()


    async def work():
        await asyncio.sleep(0)


    async def main():
        task = asyncio.create_task(work())
        background.add(task)
        task.add_done_callback(background.discard)
"""


def test_hook_definitions():
    import yaml

    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"asynclint", "asynclint-fix"}
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["types"] == ["python"] and hook["require_serial"] is True
    assert hooks["asynclint"]["entry"] == "asynclint"
    # users' `args:` replace a hook's args, so --fix must live in the entry
    assert hooks["asynclint-fix"]["entry"] == "asynclint --fix" and "args" not in hooks["asynclint-fix"]


def test_try_repo_fails_on_the_finding_and_passes_when_corrected(precommit, tmp_path):
    repo, sha, env = precommit
    project = user_project(tmp_path / "shop", env, {
        "other.py": "X = 1\n",
        ".pre-commit-config.yaml": config_from_snippet("pre-commit-config", repo, sha),
    })
    write(project, {"jobs.py": DISCARDED})
    git(["add", "jobs.py"], project, env)
    bad = try_repo(precommit, project, "--files", "jobs.py")
    assert bad.returncode == 1, output(bad)
    assert "jobs.py:9:5: AIO400 `asyncio.create_task(...)` result is discarded" in output(bad)
    write(project, {"jobs.py": KEPT})
    # the same hook from the shared store (a second try-repo would build a
    # second environment)
    good = subprocess.run([sys.executable, "-m", "pre_commit", "run", "--files", "jobs.py"], cwd=project, env=env,
                          capture_output=True, timeout=900)
    assert good.returncode == 0, output(good)
    assert "AIO400" not in output(good)


def test_commit_with_the_readme_config_fails_then_passes(precommit, tmp_path):
    repo, sha, env = precommit
    project = user_project(tmp_path / "shop", env, {})
    (project / ".pre-commit-config.yaml").write_text(config_from_snippet("pre-commit-config", repo, sha))
    git(["add", ".pre-commit-config.yaml"], project, env)
    git(["commit", "-q", "-m", "pre-commit config"], project, env)
    proc = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=project, env=env,
                          capture_output=True, timeout=300)
    assert proc.returncode == 0, output(proc)
    write(project, {"jobs.py": DISCARDED})
    git(["add", "jobs.py"], project, env)
    refused = commit(project, env, "add jobs")
    assert refused.returncode != 0, output(refused)
    assert "jobs.py:9:5: AIO400" in output(refused)
    write(project, {"jobs.py": KEPT})
    git(["add", "jobs.py"], project, env)
    accepted = commit(project, env, "add jobs, keeping the task")
    assert accepted.returncode == 0, output(accepted)


def test_only_passed_files_are_reported(precommit, tmp_path):
    """An unchanged file with a finding is indexed but not reported."""
    repo, sha, env = precommit
    project = user_project(tmp_path / "shop", env, {
        "legacy.py": DISCARDED,
        ".pre-commit-config.yaml": config_from_snippet("pre-commit-config", repo, sha),
    })
    write(project, {"new.py": KEPT, "also_new.py": DISCARDED})
    git(["add", "new.py", "also_new.py"], project, env)
    proc = subprocess.run([sys.executable, "-m", "pre_commit", "run", "--files", "new.py", "also_new.py"],
                          cwd=project, env=env, capture_output=True, timeout=900)
    assert proc.returncode == 1, output(proc)
    assert "also_new.py:9:5: AIO400" in output(proc)
    assert "legacy.py" not in output(proc)


CALLER = """
    from store import fetch_orders


    async def report():
        fetch_orders()
        return "done"
"""

CALLER_FIXED = """
    from store import fetch_orders


    async def report():
        await fetch_orders()
        return "done"
"""


def test_cross_module_never_awaited_AIO100_commit(precommit, tmp_path):
    """Needs AIO100 (issue 3, built in parallel). A commit adds `report.py`,
    which calls without `await` an `async def` of the unchanged `store.py`:
    pre-commit passes only `report.py`, and the hook must still know, from the
    whole project's index, that `fetch_orders()` is a coroutine."""
    repo, sha, env = precommit
    project = user_project(tmp_path / "shop", env, {
        "store.py": "async def fetch_orders():\n    return []\n",
        ".pre-commit-config.yaml": config_from_snippet("pre-commit-config-release", repo, sha),
    })
    write(project, {"report.py": CALLER})
    git(["add", "report.py"], project, env)
    staged = try_repo(precommit, project)  # like a commit: the staged files only
    assert staged.returncode == 1, output(staged)
    assert "report.py:5:5: AIO100" in output(staged)
    proc = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=project, env=env,
                          capture_output=True, timeout=300)
    assert proc.returncode == 0, output(proc)
    refused = commit(project, env, "add report")
    assert refused.returncode != 0 and "report.py:5:5: AIO100" in output(refused), output(refused)
    write(project, {"report.py": CALLER_FIXED})
    git(["add", "report.py"], project, env)
    accepted = commit(project, env, "add report, awaited")
    assert accepted.returncode == 0, output(accepted)


SLEEPER = """
    import asyncio
    import time


    async def poll():
        time.sleep(1)
        await asyncio.sleep(0)
"""


def test_fix_hook_applies_safe_fixes__needs_fix_and_AIO200(precommit, tmp_path):
    """Needs `asynclint --fix` and AIO200 (built in parallel). The README's
    asynclint-fix configuration rewrites `time.sleep(1)` in async code to
    `await asyncio.sleep(1)`; pre-commit fails the commit because the hook
    changed a file; once the change is staged the commit passes."""
    repo, sha, env = precommit
    project = user_project(tmp_path / "shop", env, {
        ".pre-commit-config.yaml": config_from_snippet("pre-commit-config-fix", repo, sha),
    })
    proc = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=project, env=env,
                          capture_output=True, timeout=300)
    assert proc.returncode == 0, output(proc)
    write(project, {"poller.py": SLEEPER})
    git(["add", "poller.py"], project, env)
    refused = commit(project, env, "add poller")
    assert refused.returncode != 0, output(refused)
    fixed = (project / "poller.py").read_text()
    assert "await asyncio.sleep(1)" in fixed and "time.sleep(" not in fixed, fixed
    git(["add", "poller.py"], project, env)
    accepted = commit(project, env, "add poller, fixed")
    assert accepted.returncode == 0, output(accepted)


def test_snippets_pin_the_current_release():
    """The README's `rev:` is the tag of this version, so users who paste it
    get the hooks this repository defines."""
    from asynclint import __version__

    for name in ("pre-commit-config-release", "pre-commit-config-fix"):
        assert f"rev: v{__version__}\n" in snippet(name), name
    assert "repo: local" in snippet("pre-commit-config")  # the one that works before any release


def test_local_hook_honours_excludes_for_named_files(precommit, tmp_path):
    """The README's local hook passes --force-exclude: pre-commit names
    `generated/api.py`, and `extend-exclude = ["generated/"]` still holds."""
    _, _, env = precommit
    project = user_project(tmp_path / "shop", env, {
        ".pre-commit-config.yaml": snippet("pre-commit-config"),
    })
    (project / "pyproject.toml").write_text('[project]\nname = "shop"\nversion = "0"\n'
                                            '[tool.asynclint]\nextend-exclude = ["generated/"]\n')
    write(project, {"generated/api.py": DISCARDED, "jobs.py": DISCARDED})
    git(["add", "-A"], project, env)
    proc = subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files"], cwd=project, env=env,
                          capture_output=True, timeout=900)
    assert proc.returncode == 1, output(proc)
    assert "jobs.py:9:5: AIO400" in output(proc) and "generated/api.py" not in output(proc)
