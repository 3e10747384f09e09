"""Language-server latency, measured as an editor sees it.

    python benchmarks/lsp_latency.py [--project DIR --file REL_PATH]... [--edits N]

For each project, starts `asynclint server` as a subprocess, drives it with
pygls's LSP client over stdio (nothing is written to the project: edits are
unsaved buffer changes) and prints wall times from the client's side:

  - start: process start until `initialize` is answered;
  - first: `didOpen` of the file until its first diagnostics (the file
    checked on its own while the project is being indexed);
  - indexed: `initialized` until the project index is ready and the file's
    diagnostics are published again with cross-module knowledge;
  - edit, same summary: `didChange` (a comment appended at the end: the
    module's summary is unchanged) until the diagnostics for that version;
  - edit, body: `didChange` adding a `pass` after the file's last statement,
    at its indentation (a statement inside the last function's body, when
    the file ends with one) until the diagnostics for that version;
  - edit, new summary: `didChange` adding an `async def` at the end (the
    summary changes: the index is updated, keeping the facts and answers
    that did not look at the file) until the diagnostics for that version;
  - edit, callee made async: a second file opened, the one whose top-level
    `def f` another file imports and calls (`run.py`'s async-def victim;
    that caller is opened too), edited to `async def f` and back: the time
    until the edited file's diagnostics for that version, and until the
    caller's diagnostics are published again (the server publishes a file
    it did not edit only when its diagnostics changed: when they stay the
    same, nothing comes and the line is left out); median and max of N
    edits each; the server CPU figures cover the whole edit, the caller's
    answers included;
  - the server's peak RSS (its main process; the indexing workers are gone).

Default projects: examples/sample_project, the small and the full benchmark
corpus (/tmp/asynclint-corpus/{small,full}, built by
../shared/bench/make_corpus.sh). Figures vary with machine load.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import async_def_victim_and_caller  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULTS = [
    (REPO / "examples" / "sample_project", "shop/service.py"),
    (Path("/tmp/asynclint-corpus/small"), "aiohttp/aiohttp/client.py"),
    (Path("/tmp/asynclint-corpus/full"), "aiohttp/aiohttp/client.py"),
]


class Probe:
    def __init__(self) -> None:
        self.client = LanguageClient("asynclint-bench", "1")
        self.published: dict = {}
        self.event = asyncio.Event()
        self.indexed_at = None
        self.index_message = ""
        self.failure = None

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
            self.published[params.uri] = (params.version, len(params.diagnostics), time.perf_counter())
            self.event.set()

        @self.client.feature(types.WINDOW_LOG_MESSAGE)
        def on_log(params: types.LogMessageParams) -> None:
            if "failed" in params.message or "error" in params.message:
                self.failure = params.message
                self.event.set()
            if "indexed" in params.message:
                self.indexed_at = time.perf_counter()
                self.index_message = params.message

    async def wait(self, predicate, timeout: float) -> None:
        deadline = time.perf_counter() + timeout
        while not predicate():
            if self.failure:
                raise SystemExit(f"the server reported: {self.failure}")
            self.event.clear()
            await asyncio.wait_for(self.event.wait(), max(0.01, deadline - time.perf_counter()))


def _last_statement_indent(text: str) -> int:
    """The column of the file's lexically last statement (the body of its
    last function when it ends with one)."""
    import ast

    node = ast.parse(text)
    while True:
        inner = [n for n in ast.iter_child_nodes(node) if isinstance(n, (ast.stmt, ast.excepthandler))]
        if not inner:
            return getattr(node, "col_offset", 0)
        node = max(inner, key=lambda n: (n.end_lineno, n.end_col_offset))


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) the server process has used: on a
    shared, loaded machine a steadier figure than wall time (10 ms ticks)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


def _rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _send_whole_text(client, uri: str, version: int, text: str) -> tuple:
    """Send the document's new text; (server CPU before, wall time sent)."""
    cpu0 = _cpu_s(client._server.pid)
    sent = time.perf_counter()
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
    return cpu0, sent


async def measure(project: Path, rel: str, edits: int, timeout: float) -> dict:
    probe = Probe()
    client = probe.client
    out: dict = {"project": str(project), "file": rel}
    t0 = time.perf_counter()
    await client.start_io(sys.executable, "-m", "asynclint", "server", cwd=str(project))
    root = from_fs_path(str(project))
    await client.initialize_async(types.InitializeParams(
        capabilities=types.ClientCapabilities(), root_uri=root,
        workspace_folders=[types.WorkspaceFolder(uri=root, name=project.name)]))
    out["start"] = time.perf_counter() - t0
    path = project / rel
    uri = from_fs_path(str(path))
    text = path.read_text(encoding="utf-8")
    t_init = time.perf_counter()
    client.initialized(types.InitializedParams())
    t_open = time.perf_counter()
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri, language_id="python", version=1, text=text)))
    await probe.wait(lambda: uri in probe.published, timeout)
    out["first"] = probe.published[uri][2] - t_open
    await probe.wait(lambda: probe.indexed_at is not None and probe.published[uri][2] > probe.indexed_at, timeout)
    out["indexed"] = probe.published[uri][2] - t_init
    out["index_message"] = probe.index_message
    out["findings"] = probe.published[uri][1]

    version = 1
    body = "\n" + " " * _last_statement_indent(text) + "pass  # {n}\n"
    for label, suffix in (("same_summary", "\n# edited {n}\n"), ("body", body),
                          ("new_summary", "\n\nasync def _asynclint_probe_{n}():\n    pass\n")):
        times, cpu = [], []
        for n in range(edits):
            version += 1
            v = version
            cpu0, sent = _send_whole_text(client, uri, v, text + suffix.format(n=n))
            await probe.wait(lambda: probe.published[uri][0] == v, timeout)
            times.append(probe.published[uri][2] - sent)
            cpu.append(_cpu_s(client._server.pid) - cpu0)
        out[label] = (statistics.median(times), max(times), statistics.median(cpu))
    victim, fn, caller = async_def_victim_and_caller(project)
    if victim is not None:
        out["victim"] = f"{victim.relative_to(project)} `{fn}` (called from {caller.relative_to(project)})"
        vuri, curi = from_fs_path(str(victim)), from_fs_path(str(caller))
        vtext = victim.read_text(encoding="utf-8")
        for u, t in ((curi, caller.read_text(encoding="utf-8")), (vuri, vtext)):
            if u != uri:
                client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
                    uri=u, language_id="python", version=1, text=t)))
                await probe.wait(lambda u=u: u in probe.published, timeout)
        edited = vtext.replace(f"\ndef {fn}(", f"\nasync def {fn}(", 1)
        own, others, cpu = [], [], []
        vversion = 1
        for n in range(edits):
            for text in (edited + f"\n# edit {n}\n", vtext + f"\n# undo {n}\n"):
                vversion += 1
                v = vversion
                cpu0, sent = _send_whole_text(client, vuri, v, text)
                await probe.wait(lambda: probe.published[vuri][0] == v, timeout)
                own.append(probe.published[vuri][2] - sent)
                try:  # sent in the same batch as the edited file's, if at all
                    await probe.wait(lambda: probe.published[curi][2] > sent, 2)
                    others.append(probe.published[curi][2] - sent)
                except asyncio.TimeoutError:
                    pass  # the caller's findings were not published again
                cpu.append(_cpu_s(client._server.pid) - cpu0)
        out["callee_async"] = (statistics.median(own), max(own), statistics.median(cpu))
        if others:
            out["caller_again"] = (statistics.median(others), max(others), statistics.median(cpu))
    out["rss_mib"] = _rss_mib(client._server.pid)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--project", action="append", type=Path, help="project folder (repeatable; with --file)")
    p.add_argument("--file", action="append", help="the file to open, relative to its --project")
    p.add_argument("--edits", type=int, default=10, help="edits of each kind (default 10)")
    p.add_argument("--timeout", type=float, default=1800, help="seconds to wait for any one answer")
    args = p.parse_args()
    if args.project:
        if not args.file or len(args.file) != len(args.project):
            p.error("give one --file for each --project")
        targets = list(zip(args.project, args.file))
    else:
        targets = [(d, f) for d, f in DEFAULTS if (d / f).is_file()]
    for project, rel in targets:
        r = asyncio.run(measure(project.resolve(), rel, args.edits, args.timeout))
        print(f"{r['project']}  (open {r['file']}; {r['index_message'].replace('asynclint: ', '')})")
        print(f"  server start (initialize answered)   {r['start'] * 1000:8.0f} ms")
        print(f"  first diagnostics after didOpen     {r['first'] * 1000:8.0f} ms")
        print(f"  project indexed, diagnostics again  {r['indexed'] * 1000:8.0f} ms  ({r['findings']} findings)")
        for label in ("same_summary", "body", "new_summary"):
            median, worst, cpu = r[label]
            print(f"  edit, {label.replace('_', ' '):<12} -> diagnostics  {median * 1000:8.1f} ms median, "
                  f"{worst * 1000:.1f} ms max, server CPU {cpu * 1000:.0f} ms median")
        if "victim" in r:
            print(f"  callee made async and back: {r['victim']}")
            for label, what in (("callee_async", "  edited file's diagnostics     "),
                                ("caller_again", "  caller's diagnostics again    ")):
                if label in r:
                    median, worst, cpu = r[label]
                    print(f"  {what}    {median * 1000:8.1f} ms median, {worst * 1000:.1f} ms max, "
                          f"server CPU {cpu * 1000:.0f} ms median (both files)")
        print(f"  server peak RSS                     {r['rss_mib']:8.0f} MiB")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
