"""One-shot command-line programs (`blocking-in-commands`): through the
real command on real files, with the cache on, as a user meets it."""
from __future__ import annotations

import json
from pathlib import Path

from .harness import FIXTURES, MARKER, run_cli

FILES = {
    "tool/commands.py": FIXTURES / "AIO203" / "good_one_shot_commands.py",
    "tool/serving.py": FIXTURES / "AIO203" / "bad_one_shot_commands.py",
    "tool/replay.py": FIXTURES / "AIO208" / "good_one_shot_command.py",
    "tool/watch.py": FIXTURES / "AIO208" / "bad_one_shot_command.py",
}


def _marked(text: str) -> list:
    return [n for n, line in enumerate(text.splitlines(), 1) if MARKER.search(line)]


def _project(tmp_path: Path) -> Path:
    for rel, source in FILES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(source.read_text())
    return tmp_path


def _found(tmp_path: Path, config: str) -> list:
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\n" + config)
    proc = run_cli(["--format", "json", "--select", "AIO2", "tool"], tmp_path)  # the cache is on
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return sorted((d["path"].removeprefix("./"), d["line"], d["code"]) for d in json.loads(proc.stdout))


def test_one_shot_commands_are_left_alone_by_default_and_the_setting_brings_them_back(tmp_path):
    _project(tmp_path)
    reported = sorted(
        [("tool/serving.py", n, "AIO203") for n in _marked((tmp_path / "tool/serving.py").read_text())]
        + [("tool/watch.py", n, "AIO208") for n in _marked((tmp_path / "tool/watch.py").read_text())])
    # default: the commands that serve nothing are quiet; a command that
    # serves, a task beside the command's steps, a callback, a streaming
    # loop and a coroutine a handler also awaits are still reported
    assert _found(tmp_path, "") == reported
    everything = _found(tmp_path, "blocking-in-commands = true\n")
    assert set(reported) < set(everything)
    commands = (tmp_path / "tool/commands.py").read_text().splitlines()
    blocking = [n for n, text in enumerate(commands, 1)
                if any(api in text for api in ("write_text(", "read_text(", "open(", "index.write(", "index.flush("))]
    # with start-up code too, every blocking call of the commands; the
    # command's own setting brings back all but the main coroutine's steps
    # outside loops, which are start-up code
    both = _found(tmp_path, "blocking-in-commands = true\nblocking-at-startup = true\n")
    assert [(line, code) for path, line, code in both if path == "tool/commands.py"] == \
        [(n, "AIO203") for n in blocking]
    startup_only = set(both) - set(everything)
    assert startup_only == {("tool/commands.py", n, "AIO203") for n in blocking if "index.jsonl" in commands[n - 1]}
    assert any(path == "tool/replay.py" and code == "AIO208" for path, _line, code in everything)
    # and back to the default: the cache does not keep the opt-in view
    assert _found(tmp_path, "blocking-in-commands = false\n") == reported


def test_one_shot_setting_is_shown_and_checked(tmp_path):
    _project(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\nblocking-in-commands = true\n")
    proc = run_cli(["--show-settings", "tool"], tmp_path)
    assert proc.returncode == 0, proc.stderr.decode()
    assert "blocking-in-commands = True" in proc.stdout.decode()
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\nblocking-in-commands = \"no\"\n")
    proc = run_cli(["--no-cache", "tool"], tmp_path)
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert "blocking-in-commands" in err and "Traceback" not in err
