"""`asynclint server` driven by a real LSP client (pygls's) over stdio, as an
editor drives it: a subprocess, JSON-RPC on its standard input and output."""
from __future__ import annotations

import asyncio
import sys
import textwrap
from pathlib import Path
from typing import Callable, Dict, List

import pytest

pytest.importorskip("pygls")
from lsprotocol import types  # noqa: E402
from pygls.lsp.client import LanguageClient  # noqa: E402
from pygls.uris import from_fs_path  # noqa: E402

TIMEOUT = 60  # seconds; a loaded CI machine is slow to start Python


PYPROJECT = '[project]\nname = "demo"\n\n[tool.asynclint]\n'


def _project(tmp_path: Path, files: Dict[str, str], pyproject: str = PYPROJECT) -> Path:
    (tmp_path / "pyproject.toml").write_text(pyproject)
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp_path


LIB = """\
def fetch(url):
    return url
"""
APP = """\
import time

from pkg.lib import fetch


async def main():
    fetch("https://example.invalid")
    time.sleep(1)
"""


class Editor:
    """A test editor: opens documents, edits them, and keeps what the server
    published."""

    def __init__(self, root: Path):
        self.root = root
        self.client = LanguageClient("asynclint-tests", "1")
        self.published: Dict[str, List[types.Diagnostic]] = {}
        self.versions: Dict[str, int] = {}
        self.changed = asyncio.Event()
        self.logs: List[str] = []

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
            self.published[params.uri] = list(params.diagnostics)
            self.changed.set()

        @self.client.feature(types.WINDOW_LOG_MESSAGE)
        def on_log(params: types.LogMessageParams) -> None:
            self.logs.append(params.message)

        @self.client.feature(types.WINDOW_SHOW_MESSAGE)
        def on_show(params: types.ShowMessageParams) -> None:
            self.logs.append(params.message)

    async def start(self) -> None:
        # The command editors run (docs/editors.md, editors/vscode).
        script = Path(sys.executable).parent / "asynclint"
        command = [str(script)] if script.exists() else [sys.executable, "-m", "asynclint"]
        await self.client.start_io(*command, "server", cwd=str(self.root))
        uri = from_fs_path(str(self.root))
        await asyncio.wait_for(self.client.initialize_async(types.InitializeParams(
            capabilities=types.ClientCapabilities(), root_uri=uri,
            workspace_folders=[types.WorkspaceFolder(uri=uri, name="demo")])), TIMEOUT)
        self.client.initialized(types.InitializedParams())

    async def stop(self, shutdown: bool = True) -> int:
        """`shutdown` then `exit`, as editors end a session; the server must
        then leave at once, quietly, with the exit code the protocol asks for
        (0 after `shutdown`, 1 without it)."""
        if shutdown:
            await asyncio.wait_for(self.client.shutdown_async(None), TIMEOUT)
        self.client.exit(None)
        await asyncio.wait_for(self.client.stop(), TIMEOUT)
        process = self.client._server  # pygls keeps the server's process here
        errors = (await process.stderr.read()).decode(errors="replace")
        assert "internal error" not in errors and "Traceback" not in errors, errors
        assert process.returncode == (0 if shutdown else 1), (process.returncode, errors)
        return process.returncode

    def uri(self, name: str) -> str:
        return from_fs_path(str(self.root / name))

    def open(self, name: str) -> str:
        uri = self.uri(name)
        self.versions[uri] = 1
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
            uri=uri, language_id="python", version=1, text=(self.root / name).read_text())))
        return uri

    def replace(self, name: str, text: str) -> None:
        """An edit as editors send it: the whole buffer replaced (not saved)."""
        uri = self.uri(name)
        self.versions[uri] += 1
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))

    async def wait_for(self, uri: str, predicate: Callable[[List[types.Diagnostic]], bool]) -> List[types.Diagnostic]:
        async def loop():
            while not (uri in self.published and predicate(self.published[uri])):
                self.changed.clear()
                await self.changed.wait()
            return self.published[uri]
        try:
            return await asyncio.wait_for(loop(), TIMEOUT)
        except asyncio.TimeoutError:
            raise AssertionError(f"no such diagnostics for {uri}; last: {self.published.get(uri)}; log: {self.logs}")


def codes(diagnostics: List[types.Diagnostic]) -> List[str]:
    return sorted(str(d.code) for d in diagnostics)


def session(root: Path, scenario) -> None:
    """One editor session on `root`: start the server, play `scenario`, end it."""
    async def main():
        editor = Editor(root)
        await editor.start()
        try:
            await scenario(editor)
        finally:
            await editor.stop()
    asyncio.run(main())


def run(tmp_path: Path, files: Dict[str, str], scenario, pyproject: str = PYPROJECT) -> None:
    session(_project(tmp_path, files, pyproject), scenario)


def test_editing_the_defining_module_updates_the_other_modules_diagnostics(tmp_path):
    async def scenario(editor: Editor):
        app = editor.open("pkg/app.py")
        found = await editor.wait_for(app, lambda ds: "AIO200" in codes(ds))
        assert codes(found) == ["AIO200"]
        sleep = found[0]
        assert (sleep.range.start.line, sleep.range.start.character) == (7, 4)
        assert sleep.source == "asynclint"
        assert sleep.code_description.href.endswith("#aio200-blocking-sleep")

        # The library's `fetch` becomes a coroutine function in the editor
        # buffer (not saved): app.py's call to it is now never awaited.
        editor.open("pkg/lib.py")
        editor.replace("pkg/lib.py", LIB.replace("def fetch", "async def fetch"))
        found = await editor.wait_for(app, lambda ds: "AIO100" in codes(ds))
        assert codes(found) == ["AIO100", "AIO200"]
        never = next(d for d in found if d.code == "AIO100")
        assert "pkg.lib.fetch" in never.message
        assert (never.range.start.line, never.range.start.character) == (6, 4)

        # ... and back: the finding goes away again.
        editor.replace("pkg/lib.py", LIB)
        found = await editor.wait_for(app, lambda ds: "AIO100" not in codes(ds))
        assert codes(found) == ["AIO200"]

    run(tmp_path, {"pkg/__init__.py": "", "pkg/lib.py": LIB, "pkg/app.py": APP}, scenario)


def test_a_project_file_that_is_not_open_is_known_from_the_disk(tmp_path):
    async def scenario(editor: Editor):
        app = editor.open("pkg/app.py")
        found = await editor.wait_for(app, lambda ds: "AIO100" in codes(ds))
        assert codes(found) == ["AIO100", "AIO200"]

    lib = LIB.replace("def fetch", "async def fetch")
    run(tmp_path, {"pkg/__init__.py": "", "pkg/lib.py": lib, "pkg/app.py": APP}, scenario)


def _apply(text: str, edit: types.TextEdit) -> str:
    lines = text.splitlines(keepends=True)
    start, end = edit.range.start, edit.range.end
    assert start.character == 0 and end.character == 0  # the server replaces whole lines
    return "".join(lines[:start.line]) + edit.new_text + "".join(lines[end.line:])


def test_code_actions_fix_the_finding_and_add_noqa(tmp_path):
    async def scenario(editor: Editor):
        app = editor.open("pkg/app.py")
        found = await editor.wait_for(app, lambda ds: "AIO200" in codes(ds))
        sleep = next(d for d in found if d.code == "AIO200")
        actions = await asyncio.wait_for(editor.client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=app), range=sleep.range,
            context=types.CodeActionContext(diagnostics=[sleep]))), TIMEOUT)
        titles = [a.title for a in actions]
        fix = actions[0]
        assert fix.title.startswith("AIO200: ") and fix.is_preferred, titles
        noqa = next(a for a in actions if "noqa" in a.title)
        assert not noqa.is_preferred

        text = (editor.root / "pkg/app.py").read_text()
        fixed = _apply(text, fix.edit.changes[app][0])
        assert "await asyncio.sleep(1)" in fixed and "import asyncio" in fixed
        silenced = _apply(text, noqa.edit.changes[app][0])
        assert "    time.sleep(1)  # noqa: AIO200\n" in silenced

        # What the editor does with the edit: the buffer changes, and the
        # server checks it again.
        editor.replace("pkg/app.py", fixed)
        await editor.wait_for(app, lambda ds: codes(ds) == [])
        editor.replace("pkg/app.py", silenced)
        await editor.wait_for(app, lambda ds: codes(ds) == [])

    run(tmp_path, {"pkg/__init__.py": "", "pkg/lib.py": LIB, "pkg/app.py": APP}, scenario)


def test_hover_shows_the_rule_docs_with_a_link(tmp_path):
    async def scenario(editor: Editor):
        app = editor.open("pkg/app.py")
        await editor.wait_for(app, lambda ds: "AIO200" in codes(ds))
        hover = await asyncio.wait_for(editor.client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=app), position=types.Position(line=7, character=8))), TIMEOUT)
        assert hover.contents.kind == types.MarkupKind.Markdown
        assert "# AIO200 `blocking-sleep`" in hover.contents.value
        assert "Why is this bad?" in hover.contents.value
        assert "(https://github.com/asynclint/asynclint/blob/main/docs/rules.md#aio200-blocking-sleep)" in hover.contents.value
        nothing = await asyncio.wait_for(editor.client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=app), position=types.Position(line=0, character=2))), TIMEOUT)
        assert nothing is None

    run(tmp_path, {"pkg/__init__.py": "", "pkg/lib.py": LIB, "pkg/app.py": APP}, scenario)


def test_exit_without_shutdown_leaves_with_code_1(tmp_path):
    async def main():
        editor = Editor(_project(tmp_path, {"pkg/__init__.py": "", "pkg/lib.py": LIB, "pkg/app.py": APP}))
        await editor.start()
        app = editor.open("pkg/app.py")
        await editor.wait_for(app, lambda ds: "AIO200" in codes(ds))
        await editor.stop(shutdown=False)  # asserts the code and a quiet standard error
    asyncio.run(main())


def test_exit_during_indexing_leaves_at_once(tmp_path):
    """`exit` while the project is still being indexed, by worker processes
    (a project of a few hundred files): the server leaves at once, and its
    workers too (`stop` reads the server's standard error, which they share,
    to its end)."""
    if not Path("/proc/self/stat").exists():
        pytest.skip("looks for the server's worker processes in /proc")
    body = "".join(f"async def f{i}(x):\n    return [y * {i} for y in range(x)]\n\n\n" for i in range(40))
    files = {"pkg/__init__.py": "", "pkg/lib.py": LIB, "pkg/app.py": APP,
             **{f"pkg/m{n}.py": body for n in range(300)}}

    async def main():
        editor = Editor(_project(tmp_path, files))
        await editor.start()
        server = editor.client._server.pid
        workers = []
        for _ in range(TIMEOUT * 20):  # until the indexing has started its workers
            workers = _children(server)
            if workers:
                break
            await asyncio.sleep(0.05)
        assert workers, "the project was indexed without worker processes"
        await editor.stop(shutdown=False)
        for _ in range(TIMEOUT * 20):  # a worker leaves at its next read
            if not any(Path(f"/proc/{pid}").exists() for pid in workers):
                break
            await asyncio.sleep(0.05)
        assert not any(Path(f"/proc/{pid}").exists() for pid in workers), workers
    asyncio.run(main())


def _children(pid: int) -> List[int]:
    """Processes whose parent is `pid` (started by any of its threads)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_settings_come_from_pyproject(tmp_path):
    async def scenario(editor: Editor):
        app = editor.open("pkg/app.py")
        found = await editor.wait_for(app, lambda ds: len(ds) > 0)
        assert codes(found) == ["AIO100"]  # AIO200 is ignored by the project's settings

    lib = LIB.replace("def fetch", "async def fetch")
    run(tmp_path, {"pkg/__init__.py": "", "pkg/lib.py": lib, "pkg/app.py": APP}, scenario,
        pyproject=PYPROJECT + 'ignore = ["AIO200"]\n')


def test_a_bad_config_is_one_message_and_the_defaults(tmp_path):
    async def scenario(editor: Editor):
        app = editor.open("pkg/app.py")
        found = await editor.wait_for(app, lambda ds: len(ds) > 0)
        assert "AIO200" in codes(found)
        assert any("unknown option `bogus`" in m and "using the default settings" in m for m in editor.logs)
        assert not any("Traceback" in m for m in editor.logs)

    run(tmp_path, {"pkg/__init__.py": "", "pkg/lib.py": LIB, "pkg/app.py": APP}, scenario,
        pyproject='[tool.asynclint]\nbogus = 1\n')


def test_a_syntax_error_while_typing_is_one_finding(tmp_path):
    async def scenario(editor: Editor):
        app = editor.open("pkg/app.py")
        await editor.wait_for(app, lambda ds: "AIO200" in codes(ds))
        editor.replace("pkg/app.py", APP + "async def broken(:\n")
        found = await editor.wait_for(app, lambda ds: "AIO001" in codes(ds))
        assert codes(found) == ["AIO001"]
        editor.replace("pkg/app.py", APP)
        await editor.wait_for(app, lambda ds: codes(ds) == ["AIO200"])

    run(tmp_path, {"pkg/__init__.py": "", "pkg/lib.py": LIB, "pkg/app.py": APP}, scenario)


def _cli_findings(root: Path) -> Dict[str, set]:
    import json
    import subprocess

    proc = subprocess.run([sys.executable, "-m", "asynclint", "--no-cache", "--format", "json", "."], cwd=root,
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode in (0, 1), proc.stderr
    out: Dict[str, set] = {}
    for d in json.loads(proc.stdout):
        out.setdefault(d["path"], set()).add((d["line"], d["column"], d["code"], d["message"]))
    return out


def _as_set(diagnostics: List[types.Diagnostic]) -> set:
    return {(d.range.start.line + 1, d.range.start.character + 1, d.code, d.message) for d in diagnostics}


def test_the_server_finds_what_the_command_finds_before_and_after_edits(tmp_path):
    """Every file of the sample project open in the editor: the published
    findings equal `asynclint`'s on the same text, after edits in several
    modules too (the editor's buffers are saved to disk for the command)."""
    import shutil

    from .harness import ROOT

    root = tmp_path / "project"
    shutil.copytree(ROOT / "examples" / "sample_project", root)
    # The editor shows a blocking helper at each async call site (where its
    # quick fix is); the command groups those at the helper unless
    # `report-each-caller` is set (docs/editors.md): compare per-caller views.
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "report-each-caller = true\n")
    names = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.py"))
    edits = [
        ("shop/db.py", "async def save_order", "def save_order"),  # AIO100 in service.py goes away
        ("shop/db.py", "def load_settings", "async def load_settings"),  # AIO208 becomes AIO100
        ("shop/service.py", "import asyncio", "import asyncio\nimport time as clock"),  # lines shift
    ]

    async def scenario(editor: Editor):
        uris = {name: editor.open(name) for name in names}
        for step in range(len(edits) + 1):
            if step:
                name, old, new = edits[step - 1]
                text = (root / name).read_text().replace(old, new, 1)
                (root / name).write_text(text)
                editor.replace(name, text)
            expected = _cli_findings(root)
            assert any(expected.values())
            for name in names:
                want = expected.get(name, set())
                await editor.wait_for(uris[name], lambda ds, want=want: _as_set(ds) == want)

    session(root, scenario)


def test_noqa_action_merges_into_an_existing_noqa_comment(tmp_path):
    app = APP.replace("    time.sleep(1)", "    time.sleep(1)  # keep: noqa: AIO999 is not ours\n    time.sleep(2)  # noqa: AIO100")

    async def scenario(editor: Editor):
        uri = editor.open("pkg/app.py")
        found = await editor.wait_for(uri, lambda ds: len([d for d in ds if d.code == "AIO200"]) == 2)
        second = [d for d in found if d.code == "AIO200"][1]
        actions = await asyncio.wait_for(editor.client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=second.range,
            context=types.CodeActionContext(diagnostics=[second]))), TIMEOUT)
        noqa = next(a for a in actions if "noqa" in a.title)
        text = (editor.root / "pkg/app.py").read_text()
        assert "    time.sleep(2)  # noqa: AIO100, AIO200\n" in _apply(text, noqa.edit.changes[uri][0])

    run(tmp_path, {"pkg/__init__.py": "", "pkg/lib.py": LIB, "pkg/app.py": app}, scenario)


def test_no_noqa_action_where_a_comment_cannot_go(tmp_path):
    app = 'import time\n\n\nasync def main():\n    time.sleep(len("""\n    """))\n'

    async def scenario(editor: Editor):
        uri = editor.open("pkg/app.py")
        found = await editor.wait_for(uri, lambda ds: "AIO200" in codes(ds))
        actions = await asyncio.wait_for(editor.client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=found[0].range,
            context=types.CodeActionContext(diagnostics=found))), TIMEOUT)
        assert not any("noqa" in a.title for a in actions)  # line 5 ends inside a string

    run(tmp_path, {"pkg/__init__.py": "", "pkg/app.py": app}, scenario)


def test_noqa_action_writes_what_add_noqa_writes(tmp_path):
    # one writer for both: the codes already there keep their order and
    # spacing, and a line continued with a backslash gets no comment
    merged = "import time\n\n\nasync def main():\n    time.sleep(1)  # noqa:AIO5 AIO1\n"
    continued = "import time\n\n\nasync def main():\n    x = time.sleep(1) or \\\n        0\n    return x\n"

    async def scenario(editor: Editor):
        for name, text, expected in (("pkg/merged.py", merged, "    time.sleep(1)  # noqa:AIO5 AIO1 AIO200\n"),
                                     ("pkg/continued.py", continued, None)):
            uri = editor.open(name)
            found = await editor.wait_for(uri, lambda ds: "AIO200" in codes(ds))
            actions = await asyncio.wait_for(editor.client.text_document_code_action_async(types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri), range=found[0].range,
                context=types.CodeActionContext(diagnostics=found))), TIMEOUT)
            noqa = [a for a in actions if "noqa" in a.title]
            if expected is None:
                assert noqa == []
            else:
                assert expected in _apply(text, noqa[0].edit.changes[uri][0])

    run(tmp_path, {"pkg/__init__.py": "", "pkg/merged.py": merged, "pkg/continued.py": continued}, scenario)


def test_saving_after_pyproject_changed_reloads_the_settings(tmp_path):
    async def scenario(editor: Editor):
        app = editor.open("pkg/app.py")
        await editor.wait_for(app, lambda ds: codes(ds) == ["AIO200"])
        (editor.root / "pyproject.toml").write_text('[project]\nname = "demo"\n\n[tool.asynclint]\nignore = ["AIO2"]\n')
        editor.client.text_document_did_save(types.DidSaveTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=app)))
        await editor.wait_for(app, lambda ds: codes(ds) == [])

    run(tmp_path, {"pkg/__init__.py": "", "pkg/lib.py": LIB, "pkg/app.py": APP}, scenario)


def test_server_without_pygls_is_one_line(tmp_path):
    import subprocess

    code = ("import sys; sys.modules['pygls'] = None; from asynclint.cli import main; "
            "sys.exit(main(['server']))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == ("asynclint: error: the language server needs pygls (pygls is not installed): "
                           "pip install 'asynclint[lsp]'\n")


def test_server_rejects_arguments_with_one_line(tmp_path):
    import subprocess

    proc = subprocess.run([sys.executable, "-m", "asynclint", "server", "--bogus"], capture_output=True, text=True,
                          timeout=TIMEOUT, cwd=tmp_path, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2
    assert proc.stderr.startswith("asynclint: error: unrecognized arguments: --bogus") and proc.stderr.count("\n") == 1


def test_a_project_large_enough_for_worker_processes_is_indexed(tmp_path):
    """Indexing runs in worker processes from 64 files on, started from the
    server's indexing thread (a forked child of a threaded server could
    deadlock on a lock another thread held)."""
    files = {"pkg/__init__.py": "", "pkg/lib.py": LIB.replace("def fetch", "async def fetch"), "pkg/app.py": APP}
    files.update({f"pkg/filler{i}.py": f"def helper{i}():\n    return {i}\n" for i in range(70)})

    async def scenario(editor: Editor):
        app = editor.open("pkg/app.py")
        await editor.wait_for(app, lambda ds: codes(ds) == ["AIO100", "AIO200"])
        assert any("indexed 73 files" in m for m in editor.logs), editor.logs

    run(tmp_path, files, scenario)


def test_an_edit_reaches_the_answers_that_looked_through_a_re_export(tmp_path):
    """app.py calls lib.fetch through a re-export in mid.py and never
    imports lib itself. The server keeps each file's answers with the
    modules they looked up: making `fetch` async in lib.py's buffer must
    re-answer app.py (AIO100 appears) and undoing it must drop the finding;
    an open file that looked at none of them keeps its findings."""
    mid = "from pkg.lib import fetch as get\n"
    app = "from pkg.mid import get\n\n\nasync def main():\n    get('x')\n"
    other = "import time\n\n\nasync def tick():\n    time.sleep(1)\n"

    async def scenario(editor: Editor):
        app_uri = editor.open("pkg/app.py")
        other_uri = editor.open("pkg/other.py")
        await editor.wait_for(other_uri, lambda ds: codes(ds) == ["AIO200"])
        await editor.wait_for(app_uri, lambda ds: codes(ds) == [])
        editor.open("pkg/lib.py")
        for step in range(2):
            editor.replace("pkg/lib.py", LIB.replace("def fetch", "async def fetch"))
            found = await editor.wait_for(app_uri, lambda ds: "AIO100" in codes(ds))
            assert [(d.range.start.line, d.range.start.character) for d in found] == [(4, 4)]
            editor.replace("pkg/lib.py", LIB)
            await editor.wait_for(app_uri, lambda ds: codes(ds) == [])
        assert codes(editor.published[other_uri]) == ["AIO200"]

    run(tmp_path, {"pkg/__init__.py": "", "pkg/lib.py": LIB, "pkg/mid.py": mid, "pkg/app.py": app,
                   "pkg/other.py": other}, scenario)


def test_an_edit_that_changes_the_thread_context_re_answers_the_files_that_used_it(tmp_path):
    """work.py's AIO300 depends on start.py only through the project's
    thread context (a whole-project fact the server builds again after each
    summary change and, when it comes out the same, keeps the answers that
    used it). Handing `worker` to a thread or not, in start.py's buffer,
    must add and drop the finding in work.py; an edit of start.py that
    leaves the thread context as it was keeps it."""
    work = "def worker(loop, value):\n    loop.call_soon(print, value)\n"
    start = ("import threading\n\nfrom pkg.work import worker\n\n\n"
             "def go(loop):\n    threading.Thread(target=worker, args=(loop, 1)).start()\n")

    async def scenario(editor: Editor):
        work_uri = editor.open("pkg/work.py")
        await editor.wait_for(work_uri, lambda ds: codes(ds) == ["AIO300"])
        editor.open("pkg/start.py")
        for step in range(2):
            editor.replace("pkg/start.py", start.replace("target=worker", "target=print"))
            await editor.wait_for(work_uri, lambda ds: codes(ds) == [])
            editor.replace("pkg/start.py", start)
            await editor.wait_for(work_uri, lambda ds: codes(ds) == ["AIO300"])
        # A new function at the end: start.py's summary changes, the thread
        # context does not.
        editor.replace("pkg/start.py", start + "\n\ndef unrelated():\n    return 1\n")
        editor.replace("pkg/work.py", work + "# edited\n")
        found = await editor.wait_for(work_uri, lambda ds: editor.versions[work_uri] == 2 and codes(ds) == ["AIO300"])
        assert "pkg/start.py:7" in found[0].message

    run(tmp_path, {"pkg/__init__.py": "", "pkg/work.py": work, "pkg/start.py": start}, scenario)


def test_the_first_async_def_of_the_project_reaches_a_file_that_did_not_change(tmp_path):
    """AIO209 holds only in an asyncio program: "the project has an `async
    def`" is a join of one part per module, which the server keeps after an
    edit unless the edited module's part changed. Making `helper` async in
    util.py's buffer must add the finding in log.py (never edited), undoing
    it must drop it, and an edit of util.py that keeps its part (a new sync
    function) must leave log.py as the command line sees it."""
    log = ("from logging.handlers import SMTPHandler\n\n"
           "mail = SMTPHandler('mail.example.com', 'app@example.com', ['ops@example.com'], 'error')\n")
    util = "def helper():\n    return 1\n"

    async def scenario(editor: Editor):
        log_uri = editor.open("pkg/log.py")
        await editor.wait_for(log_uri, lambda ds: codes(ds) == [])
        editor.open("pkg/util.py")
        for step in range(2):
            editor.replace("pkg/util.py", util.replace("def helper", "async def helper"))
            await editor.wait_for(log_uri, lambda ds: codes(ds) == ["AIO209"])
            editor.replace("pkg/util.py", util)
            await editor.wait_for(log_uri, lambda ds: codes(ds) == [])
        edited = util.replace("def helper", "async def helper") + "\n\ndef more():\n    return 2\n"
        editor.replace("pkg/util.py", edited)
        (editor.root / "pkg" / "util.py").write_text(edited)
        found = await editor.wait_for(log_uri, lambda ds: codes(ds) == ["AIO209"])
        assert _as_set(found) == _cli_findings(editor.root)["pkg/log.py"]

    run(tmp_path, {"pkg/__init__.py": "", "pkg/log.py": log, "pkg/util.py": util}, scenario)


TAIL = '''\
import time


async def main():
    time.sleep(1)
    note = """
# inside the string """
'''


def test_edits_of_trailing_comments_keep_the_findings_and_the_rest_do_not(tmp_path):
    """Comments added, changed or removed after the last statement leave
    the findings as they were (the server keeps the file's analysis); a
    trailing line that only looks like a comment but sits in a string, a
    `# noqa`, or code after the comments is analysed again, and the
    published findings equal the command's on the same text."""
    async def scenario(editor: Editor):
        name = "pkg/tail.py"
        uri = editor.open(name)
        first = await editor.wait_for(uri, lambda ds: codes(ds) == ["AIO200"])
        for text in (TAIL + "# a comment\n\n# another\n", TAIL + "#\n", TAIL):
            editor.published.pop(uri, None)  # wait for this version's diagnostics
            editor.replace(name, text)
            again = await editor.wait_for(uri, lambda ds: True)
            assert _as_set(again) == _as_set(first)
        for text, want in ((TAIL.replace('string """', 'string """; time.sleep(2)'), ["AIO200", "AIO200"]),
                           (TAIL + "# noqa\n", ["AIO200"]),
                           (TAIL + "# a comment\ntime.sleep(3)\n", ["AIO200"]),
                           (TAIL + "# a comment\nasync def later():\n    time.sleep(4)\n", ["AIO200", "AIO200"])):
            editor.published.pop(uri, None)
            editor.replace(name, text)
            found = await editor.wait_for(uri, lambda ds, want=want: codes(ds) == want)
            (editor.root / name).write_text(text)
            assert _as_set(found) == _cli_findings(editor.root).get(name, set())

    run(tmp_path, {"pkg/__init__.py": "", "pkg/tail.py": TAIL}, scenario)
