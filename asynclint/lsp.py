"""`asynclint server`: the language server (LSP over stdio, on pygls).

Diagnostics are published for the documents open in the editor, on open,
change and save. The project is indexed once, in the background, into a
`Session` (asynclint.session) that stays in memory: an edit re-analyses the
edited buffer and re-answers the open documents' cross-module queries only
when the edit changed what the index knows. Until the first indexing is done,
open documents are checked on their own (their local findings show at once).

Code actions: each finding's fix (safe fixes marked preferred) and adding
`# noqa: CODE` to its line. Hover over a finding shows its rule's docs.
Settings come from the nearest pyproject.toml, as for the command line; the
file is read again when it is saved in the editor.
"""
from __future__ import annotations

import asyncio
import os
import re
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from . import __version__
from . import config as configmod
from . import noqa_writer
from .diagnostics import Applicability, Diagnostic, Severity
from .engine import Settings
from .rules import all_rules
from .session import Session, default_workers, load_settings, project_jobs

RULES_URL = "https://github.com/asynclint/asynclint/blob/main/docs/rules.md"
_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.NOTE: types.DiagnosticSeverity.Information,
}
_LINE_END = re.compile(r"\r\n|\r|\n")


def rule_url(code: str) -> str:
    rule = all_rules().get(code)
    anchor = f"{code}-{rule.name}".lower() if rule is not None else code.lower()
    return f"{RULES_URL}#{anchor}"


# -- positions: asynclint counts characters from 1, LSP UTF-16 units from 0 ------
def _lines(text: str) -> List[str]:
    return _LINE_END.split(text)


def _utf16(line: str, chars: int) -> int:
    head = line[:chars]
    return chars + sum(1 for ch in head if ord(ch) > 0xFFFF)


def _range(d: Diagnostic, lines: List[str]) -> types.Range:
    def pos(line: int, col: int) -> types.Position:
        i = min(max(line - 1, 0), max(len(lines) - 1, 0))
        text = lines[i] if lines else ""
        return types.Position(line=i, character=_utf16(text, max(col - 1, 0)))

    start = pos(d.line, d.col)
    if d.end_line is not None and d.end_col is not None:
        end = pos(d.end_line, d.end_col)
    else:  # no extent: to the end of the line
        i = start.line
        end = types.Position(line=i, character=_utf16(lines[i], len(lines[i])) if i < len(lines) else start.character)
    return types.Range(start=start, end=end)


def to_lsp(d: Diagnostic, lines: List[str]) -> types.Diagnostic:
    return types.Diagnostic(
        range=_range(d, lines), message=d.message, severity=_SEVERITY.get(d.severity, types.DiagnosticSeverity.Warning),
        code=d.code, code_description=types.CodeDescription(href=rule_url(d.code)), source="asynclint",
    )


def _text_edit(old: str, new: str) -> types.TextEdit:
    """One edit replacing the lines that differ (keeps the cursor and folds
    of the rest of the document)."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a, end_b = end_a - 1, end_b - 1
    return types.TextEdit(
        range=types.Range(start=types.Position(line=start, character=0), end=types.Position(line=end_a, character=0)),
        new_text="".join(b[start:end_b]),
    )


# -- `# noqa` ---------------------------------------------------------------------
def add_noqa(text: str, line: int, code: str) -> Optional[str]:
    """`text` with `code` added to the `# noqa` comment of `line` (1-based),
    or a new comment at its end (`noqa_writer`, as `--add-noqa` writes it);
    None when no comment can end that line (inside a string, after a
    backslash), the source does not tokenize, or nothing changes."""
    lines = text.splitlines(keepends=True)
    if not 1 <= line <= len(lines) or line in noqa_writer.uncommentable_lines(text):
        return None
    body = lines[line - 1].rstrip("\r\n")
    new = noqa_writer.add_to_line(body, [code])
    if new == body:
        return None
    lines[line - 1] = new + lines[line - 1][len(body):]
    return "".join(lines)


# -- the server -------------------------------------------------------------------
class AsynclintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("asynclint", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.root: Path = Path.cwd()
        self.settings: Optional[Settings] = None
        self.session: Optional[Session] = None  # the whole project, once indexed
        self.provisional: Optional[Session] = None  # open documents only, until then
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="asynclint")  # one writer
        self.dirty: Dict[str, None] = {}
        self.draining = False
        self.published: Dict[str, Tuple[str, List[Diagnostic]]] = {}  # uri -> (text, findings)
        self.loading = 0  # generation of the background indexing
        self.pyproject_mtime: Optional[int] = None
        self.timings: Dict[str, float] = {}
        self.event_loop: Optional[asyncio.AbstractEventLoop] = None  # set on `initialize`
        # Project files discovery found (the settings' excludes and .gitignore
        # applied), and files not among them already re-discovered for.
        self.discovered: set = set()
        self.rediscovered_for: set = set()
        self.background: set = set()  # tasks and executor jobs in flight (kept, and their errors logged)
        self.shutdown_requested = False  # the exit code says whether `shutdown` came before `exit`

    def in_background(self, future) -> None:
        """Keep `future` alive until it is done and log its error, if any:
        asynclint's own AIO400/AIO402 on this module."""
        self.background.add(future)
        future.add_done_callback(self._finished)

    def _finished(self, future) -> None:
        self.background.discard(future)
        if not future.cancelled() and future.exception() is not None:
            exc = future.exception()
            self._log_now(f"asynclint: background work failed: {type(exc).__name__}: {exc}")

    # -- set-up --
    def configure(self) -> None:
        start = self.root
        try:
            self.settings, root = load_settings(start)
        except configmod.ConfigError as exc:
            self.show(types.MessageType.Error, f"asynclint: {exc}; using the default settings")
            from .config import Config

            cfg = Config()
            self.settings, root = Settings(cfg, cfg.enabled_codes(all_rules())), start
        self.root = root
        pyproject = configmod.find_pyproject(root)
        self.pyproject_mtime = _mtime(pyproject)
        self.provisional = Session(self.root, self.settings)
        self.session = None
        self.loading += 1
        generation = self.loading
        threading.Thread(target=self._index_project, args=(generation,), daemon=True, name="asynclint-index").start()

    def _index_project(self, generation: int) -> None:
        started = time.perf_counter()
        try:
            session = Session(self.root, self.settings)
            jobs = project_jobs(self.root, self.settings)
            session.load(jobs, workers=default_workers())
        except Exception as exc:  # keep serving open documents on their own
            self.log(f"asynclint: indexing the project failed: {type(exc).__name__}: {exc}")
            return
        took = time.perf_counter() - started
        self.timings["index"] = took
        self.log(f"asynclint: indexed {len(session.files)} files in {took:.2f} s")
        self.from_thread(self._indexed, generation, session, {j.path for j in jobs})

    def _indexed(self, generation: int, session: Session, discovered: set) -> None:
        if generation != self.loading:
            return  # settings changed meanwhile; a newer indexing is running
        self.session = session
        self.discovered = discovered
        self.rediscovered_for = set()
        self.provisional = None
        for uri in self.workspace.text_documents:
            self.dirty[uri] = None
        self.drain()

    # -- linting (one worker thread; the event loop only publishes) --
    def touch(self, uri: str) -> None:
        if _path_of(uri) is None:
            return
        self.dirty[uri] = None
        self.drain()

    def drain(self) -> None:
        if not self.draining:
            self.draining = True
            self.in_background(asyncio.ensure_future(self._drain()))

    async def _drain(self) -> None:
        try:
            while self.dirty:
                uris = list(self.dirty)
                self.dirty.clear()
                snapshots = []
                for uri in uris:
                    doc = self.workspace.text_documents.get(uri)
                    if doc is not None:
                        snapshots.append((uri, doc.version, doc.source))
                try:
                    results = await self.event_loop.run_in_executor(self.worker, self._lint, snapshots)
                except Exception as exc:  # never let a crash stop the server
                    self.log(f"asynclint: internal error: {type(exc).__name__}: {exc}")
                    continue
                edited = {s[0] for s in snapshots}
                for uri, version, text, found in results:
                    doc = self.workspace.text_documents.get(uri)
                    if doc is None:
                        continue
                    if uri not in edited and self.published.get(uri) == (text, found):
                        continue  # re-answered after another file's edit, and the same: nothing to send
                    self.published[uri] = (text, found)
                    lines = _lines(text)
                    self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
                        uri=uri, version=version, diagnostics=[to_lsp(d, lines) for d in found]))
        finally:
            self.draining = False

    def _lint(self, snapshots: Sequence[Tuple[str, Optional[int], str]]) -> List[tuple]:
        session = self.session or self.provisional
        if session is None:
            return []
        started = time.perf_counter()
        out = []
        index_changed = False
        todo = []
        for uri, version, text in snapshots:
            if session is self.session and not self._checked(_path_of(uri)):
                out.append((uri, version, text, []))  # excluded by the settings, as on the command line
                continue
            change = session.update(_path_of(uri), text)
            index_changed |= change.summary_changed
            todo.append((uri, version, text))
        if index_changed:  # the other open documents' cross-module findings may have changed
            named = {s[0] for s in snapshots}
            for uri, doc in list(self.workspace.text_documents.items()):
                path = _path_of(uri)
                if uri not in named and path is not None and path in session:
                    todo.append((uri, doc.version, doc.source))
                    session.update(path, doc.source)
        for uri, version, text in todo:
            out.append((uri, version, text, session.findings(_path_of(uri))))
        self.timings["lint"] = time.perf_counter() - started
        return out

    def _checked(self, path: Path) -> bool:
        """The file is one the command line would check in this project: a
        file outside the project folder is checked on its own; one inside it
        only when discovery finds it (a new file: discovery runs again)."""
        try:
            path.relative_to(self.root)
        except ValueError:
            return True
        if path not in self.discovered and path not in self.rediscovered_for:
            self.rediscovered_for.add(path)
            self.discovered = {j.path for j in project_jobs(self.root, self.settings)}
        return path in self.discovered

    def closed(self, uri: str) -> None:
        path = _path_of(uri)
        if path is None:
            return
        session = self.session or self.provisional
        self.published.pop(uri, None)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        if session is not None and path in session:  # back to what the disk says
            self.in_background(self.event_loop.run_in_executor(self.worker, session.update, path))

    def saved(self, uri: str) -> None:
        pyproject = configmod.find_pyproject(self.root)
        if _mtime(pyproject) != self.pyproject_mtime:
            self.log("asynclint: pyproject.toml changed; reloading the settings")
            self.configure()
            for other in self.workspace.text_documents:
                self.dirty[other] = None
            self.drain()
            return
        session = self.session
        if session is not None:  # files changed by other programs (a checkout, a formatter)
            self.in_background(self.event_loop.run_in_executor(self.worker, self._refresh_disk, session))
        self.touch(uri)

    def _refresh_disk(self, session: Session) -> None:
        open_paths = {_path_of(u) for u in self.workspace.text_documents}
        changed = False
        for path in session.changed_on_disk():
            if path not in open_paths:
                changed |= session.update(path).summary_changed
        if changed:
            self.from_thread(self._relint_open)

    def _relint_open(self) -> None:
        for uri in self.workspace.text_documents:
            self.dirty[uri] = None
        self.drain()

    # -- messages --
    def from_thread(self, callback, *args) -> None:
        """Run `callback` on the event loop, from a worker or indexing thread.
        Once the client has said `exit` the loop is closed and the process is
        leaving: the result has nobody to go to, so it is dropped quietly."""
        if self.event_loop is None:
            return
        try:
            self.event_loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:  # the loop is closed
            pass

    def log(self, message: str) -> None:
        """Thread-safe: the message is written from the event loop."""
        self.from_thread(self._log_now, message)

    def _log_now(self, message: str) -> None:
        try:
            self.window_log_message(types.LogMessageParams(type=types.MessageType.Log, message=message))
        except Exception:  # not connected any more: nothing to tell
            pass

    def show(self, kind: types.MessageType, message: str) -> None:
        try:
            self.window_show_message(types.ShowMessageParams(type=kind, message=message))
        except Exception:
            pass

    # -- code actions and hover --
    def findings_at(self, uri: str, rng: types.Range) -> Tuple[Optional[str], List[Diagnostic]]:
        doc = self.workspace.text_documents.get(uri)
        published = self.published.get(uri)
        if doc is None or published is None or published[0] != doc.source:
            return None, []  # not checked yet, or stale: a fix computed now could land in the wrong place
        text, found = published
        lines = _lines(text)
        out = []
        for d in found:
            r = _range(d, lines)
            if _before(r.end, rng.start) or _before(rng.end, r.start):
                continue
            out.append(d)
        return text, out


def _before(a: types.Position, b: types.Position) -> bool:
    return (a.line, a.character) < (b.line, b.character)


def _path_of(uri: str) -> Optional[Path]:
    if not uri.startswith("file:"):
        return None
    path = to_fs_path(uri)
    if path is None or not path.endswith((".py", ".pyi")):
        return None
    return Path(path).resolve()


def _mtime(path: Optional[Path]) -> Optional[int]:
    try:
        return path.stat().st_mtime_ns if path is not None else None
    except OSError:
        return None


def _fix_action(uri: str, text: str, d: Diagnostic, lines: List[str]) -> Optional[types.CodeAction]:
    from .fixes import fix_kind

    if fix_kind(d) is None:
        return None
    from .fixes.apply import apply_fixes  # libcst: only when a fix is asked for

    try:
        result = apply_fixes(text, [d])
    except Exception:
        return None
    if not result.applied or result.text == text:
        return None
    safe = d.fix.applicability is Applicability.SAFE
    title = f"{d.code}: {d.fix.description}" + ("" if safe else " (unsafe)")
    return types.CodeAction(
        title=title, kind=types.CodeActionKind.QuickFix, diagnostics=[to_lsp(d, lines)], is_preferred=safe,
        edit=types.WorkspaceEdit(changes={uri: [_text_edit(text, result.text)]}),
    )


def _noqa_action(uri: str, text: str, d: Diagnostic, lines: List[str]) -> Optional[types.CodeAction]:
    new = add_noqa(text, d.line, d.code)
    if new is None:
        return None
    return types.CodeAction(
        title=f"{d.code}: add `# noqa: {d.code}` on line {d.line}", kind=types.CodeActionKind.QuickFix,
        diagnostics=[to_lsp(d, lines)], edit=types.WorkspaceEdit(changes={uri: [_text_edit(text, new)]}),
    )


def hover_text(found: Sequence[Diagnostic]) -> str:
    rules = all_rules()
    parts = []
    for code in dict.fromkeys(d.code for d in found):
        rule = rules.get(code)
        messages = "\n".join(f"- {d.message}" for d in found if d.code == code)
        docs = rule.documentation() if rule is not None else ""
        parts.append(f"{messages}\n\n{docs}\n[{code} in the asynclint rules]({rule_url(code)})")
    return "\n\n---\n\n".join(parts)


def build_server() -> AsynclintServer:
    server = AsynclintServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: AsynclintServer, params: types.InitializeParams) -> None:
        root = None
        if params.workspace_folders:
            root = to_fs_path(params.workspace_folders[0].uri)
        elif params.root_uri:
            root = to_fs_path(params.root_uri)
        elif params.root_path:
            root = params.root_path
        ls.root = Path(root).resolve() if root else Path.cwd()
        ls.event_loop = asyncio.get_running_loop()

    @server.feature(types.INITIALIZED)
    def initialized(ls: AsynclintServer, params: types.InitializedParams) -> None:
        ls.configure()

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: AsynclintServer, params: None) -> None:
        ls.shutdown_requested = True

    @server.feature(types.EXIT)
    def exit_(ls: AsynclintServer, params: None) -> None:
        leave(ls)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: AsynclintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.touch(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: AsynclintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.touch(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: AsynclintServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.saved(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: AsynclintServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.closed(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    async def code_action(ls: AsynclintServer, params: types.CodeActionParams) -> List[types.CodeAction]:
        uri = params.text_document.uri
        text, found = ls.findings_at(uri, params.range)
        if text is None or not found:
            return []
        lines = _lines(text)

        def actions() -> List[types.CodeAction]:
            fixes, noqas = [], []
            for d in found:
                fix = _fix_action(uri, text, d, lines)
                if fix is not None:
                    fixes.append(fix)
                action = _noqa_action(uri, text, d, lines)
                if action is not None:
                    noqas.append(action)
            return fixes + noqas

        return await ls.event_loop.run_in_executor(ls.worker, actions)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: AsynclintServer, params: types.HoverParams) -> Optional[types.Hover]:
        pos = params.position
        _, found = ls.findings_at(params.text_document.uri, types.Range(start=pos, end=pos))
        if not found:
            return None
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=hover_text(found)))

    return server


def leave(server: AsynclintServer) -> None:
    """Leave the process now: exit 0 after `shutdown`, 1 without it, as the
    protocol asks. Called on `exit` from its handler, before pygls' own
    teardown (closing the loop, cancelling tasks, joining its reader thread),
    none of which can then keep the process alive; and when the client
    closed our input. Every message was flushed when it was written; a lint
    or a project indexing still under way is dropped (pool workers end when
    their pipes close)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (ValueError, OSError):  # closed by pygls, or the client is gone
            pass
    os._exit(0 if server.shutdown_requested else 1)


def serve() -> int:
    server = build_server()
    server.start_io()  # returns when the client closed our input
    leave(server)
