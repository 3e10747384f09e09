"""The thread context of the project index (asynclint.index.threads)."""
from __future__ import annotations

import json
import textwrap

from asynclint.config import Config
from asynclint.engine import lint_source
from asynclint.index.project import ProjectIndex
from asynclint.index.threads import thread_context

from .harness import run_cli

WORKER = textwrap.dedent("""
    import asyncio
    import threading

    def helper(loop):
        loop.call_soon(print, 1)

    def worker(loop):
        helper(loop)

    async def main():
        threading.Thread(target=worker, args=(asyncio.get_running_loop(),)).start()
""")


def _index(tmp_path, files):
    from asynclint.engine import FileJob, Settings, lint_files
    from asynclint.rules import all_rules

    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    cfg = Config(select=["AIO3"])
    jobs = [FileJob(tmp_path / name, name) for name in sorted(files)]
    return lint_files(jobs, Settings(cfg, cfg.enabled_codes(all_rules())), tmp_path, use_cache=False)


def test_propagates_through_sync_calls_and_names_the_entry(tmp_path):
    result = _index(tmp_path, {"app.py": WORKER})
    ctx = thread_context(result.index)
    assert set(ctx) == {("app", "worker"), ("app", "helper")}
    assert "started by `threading.Thread(target=worker" in ctx[("app", "helper")].text
    assert ctx[("app", "helper")].text.endswith(", through `worker`")
    [d] = result.diagnostics
    assert (d.code, d.line) == ("AIO300", 6)
    assert "app.py:12" in d.message


def test_memoised_on_the_index(tmp_path):
    index = _index(tmp_path, {"app.py": WORKER}).index
    assert thread_context(index) is thread_context(index)
    assert thread_context(index, ("x.y",)) is not thread_context(index)


def test_async_functions_are_not_followed(tmp_path):
    text = WORKER.replace("def helper(loop):", "async def helper(loop):")
    result = _index(tmp_path, {"app.py": text})
    assert ("app", "helper") not in thread_context(result.index)
    assert result.diagnostics == []


def test_across_modules(tmp_path):
    files = {
        "pkg/__init__.py": "",
        "pkg/work.py": "def job(loop):\n    loop.stop()\n",
        "pkg/main.py": "import asyncio\nfrom .work import job\n\nasync def main(loop):\n"
                       "    await loop.run_in_executor(None, job, loop)\n",
    }
    result = _index(tmp_path, files)
    [d] = result.diagnostics
    assert d.path == "pkg/work.py" and d.code == "AIO300"
    assert "submitted by `loop.run_in_executor(None, job, loop)`" in d.message


def test_config_thread_entry_points():
    text = textwrap.dedent("""
        from jobs import spawn

        def task(loop):
            loop.call_soon(print)

        def start(loop):
            spawn(task, loop)
    """)
    assert lint_source(text, "app.py", enabled=["AIO300"]) == []
    cfg = Config(thread_entry_points=["jobs.spawn"])
    [d] = lint_source(text, "app.py", config=cfg, enabled=["AIO300"])
    assert "thread-entry-points" in d.message


def test_cached_run_gives_the_same_findings(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\n")
    (tmp_path / "app.py").write_text(WORKER)
    runs = [run_cli(["--format", "json", "--select", "AIO3", "app.py"], tmp_path) for _ in range(2)]
    first, second = (json.loads(r.stdout) for r in runs)
    assert first == second and len(first) == 1
    assert (tmp_path / ".asynclint_cache").is_dir()


def test_old_summaries_without_the_field_are_tolerated():
    from asynclint.index.summary import ModuleSummary

    summary = ModuleSummary(name="m", path="m.py", is_package=False)
    del summary.__dict__["thread_entries"]
    assert thread_context(ProjectIndex([summary])) == {}
