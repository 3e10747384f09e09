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
    del summary.thread_entries
    assert thread_context(ProjectIndex([summary])) == {}


def test_documented_entry_point_examples_work(tmp_path):
    """The second `thread-entry-points` example of docs/configuration.md, on
    the code it describes, through the real command."""
    doc = (__import__("pathlib").Path(__file__).parent.parent / "docs" / "configuration.md").read_text()
    block = doc.split("thread-entry-points = [\n    \"websocket.WebSocketApp\"", 1)[1].split("```", 1)[0]
    (tmp_path / "pyproject.toml").write_text(
        "[tool.asynclint]\nthread-entry-points = [\n    \"websocket.WebSocketApp\"" + block)
    (tmp_path / "app.py").write_text(textwrap.dedent("""
        import asyncio
        import tkinter as tk

        import socketio
        import websocket

        inbox: asyncio.Queue = asyncio.Queue()

        def on_message(ws, message):
            inbox.put_nowait(message)

        def on_chat(data):
            inbox.put_nowait(data)

        def tick():
            inbox.put_nowait("tick")

        def main():
            app = websocket.WebSocketApp("wss://example.org", on_message=on_message)
            sio = socketio.Client()
            sio.on("chat", on_chat)
            root = tk.Tk()
            root.after(100, tick)
            return app
    """))
    found = json.loads(run_cli(["--format", "json", "--select", "AIO3", "app.py"], tmp_path).stdout)
    assert sorted(d["line"] for d in found) == [11, 14, 17]
    assert all("thread-entry-points" in d["message"] for d in found)
    (tmp_path / "pyproject.toml").write_text("[tool.asynclint]\n")
    assert json.loads(run_cli(["--format", "json", "--select", "AIO3", "app.py"], tmp_path).stdout) == []


def test_queued_callables_and_carriers_are_recorded_as_data(tmp_path):
    """Summaries hold only plain data for the new entries (they are cached)."""
    text = textwrap.dedent("""
        import asyncio, queue, threading
        work = queue.Queue()
        pending = {}
        def job():
            pass
        def drain():
            fn = work.get()
            fn()
        async def main():
            pending[1] = asyncio.get_running_loop().create_future()
            work.put(job)
            threading.Thread(target=drain).start()
    """)
    result = _index(tmp_path, {"app.py": text})
    tags = sorted({e[0] for s in result.index.modules.values() for e in s.thread_entries})
    assert tags == ["call", "drain", "put", "putfn"]
    ctx = thread_context(result.index)
    assert ctx[("app", "job")].kind == "queue"
    assert "queued by `work.put(job)`" in ctx[("app", "job")].text


def test_a_drained_local_counts_every_binding_of_its_function(tmp_path):
    """A local called after `fn = work.get()` drains `work` when that is its
    only binding in the function: assignments in blocks, handlers, cases and
    nested defs count, and so do assignment expressions and comprehension
    targets in any expression."""
    def drains(body):
        text = "import queue\nwork = queue.Queue()\ndef drain(x):\n" + textwrap.indent(textwrap.dedent(body), "    ")
        result = _index(tmp_path, {"app.py": text})
        return [e for s in result.index.modules.values() for e in s.thread_entries if e[0] == "drain"]

    assert drains("""
        try:
            pass
        except OSError:
            match x:
                case 1:
                    fn = work.get()
        fn()
        """)
    assert not drains("""
        fn = work.get()
        if (fn := x):
            pass
        fn()
        """)
    assert not drains("""
        fn = work.get()
        [x for fn in x]
        fn()
        """)
    assert not drains("""
        fn = work.get()
        def inner():
            fn = None
        fn()
        """)
    assert not drains("""
        fn = work.get()
        for fn in x:
            pass
        fn()
        """)
