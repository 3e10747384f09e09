"""Phase 1: one file -> its findings, its pending queries and its summary.

Read, decode, parse once, summarise into the index and walk the tree once
(`walker.Walker`). The result is plain data (`FileResult`): cached per file
and sent back from worker processes.
"""
from __future__ import annotations

import ast
import operator
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import FrozenSet, List, Optional, Union

from . import cache as disk
from . import noqa
from .config import Config
from .context import Context, Pending
from .diagnostics import Diagnostic, Severity
from .index.summary import ModuleSummary, summarise
from .parsing import ParseFailure, compile_check, parse_unchecked
from .rules import all_rules
from .rules import aio003_unused_noqa as unused_noqa
from .source import SourceError, decode
from .walker import Walker

SYNTAX_ERROR = "AIO001"
INTERNAL_ERROR = "AIO002"
UNUSED_NOQA = "AIO003"


class FileResult:
    """Phase-1 output for one file: plain data, cached and sent between processes.

    The summary and the pending queries cross a pipe or go into the cache as
    blobs of their own (`pack`), decoded only when used: the parent of a
    run with workers then holds the project's results as about 60 MB of
    bytes instead of about 500 MB of objects, and decodes a file's pending
    queries only while it answers them (phase 2 keeps none of them), and a
    summary only when a query reaches its module. A result made in this
    process keeps its objects until `pack` is called."""

    __slots__ = ("_summary", "_summary_blob", "diagnostics", "_pendings", "_pendings_blob", "pending_count",
                 "not_analysed")

    def __init__(self, summary: Optional[ModuleSummary], diagnostics: Optional[List[Diagnostic]] = None,
                 pendings: Optional[List[Pending]] = None, not_analysed: Optional[str] = None):
        self._summary = summary
        self._summary_blob: Optional[bytes] = None
        self.diagnostics = diagnostics if diagnostics is not None else []  # path left empty
        self._pendings = pendings if pendings is not None else []
        self._pendings_blob: Optional[bytes] = None
        # kept beside the blob: phase 2 and the split of its work count
        # pending queries without decoding them
        self.pending_count = len(self._pendings)
        self.not_analysed = not_analysed  # why the file could not be analysed

    @property
    def summary(self) -> Optional[ModuleSummary]:
        """Decoded on first use and kept (the index keeps it as well); the
        blob is let go then (made again if asked for)."""
        if self._summary is None and self._summary_blob is not None:
            self._summary = disk.loads(self._summary_blob)
            self._summary_blob = None
        return self._summary

    @property
    def has_summary(self) -> bool:
        return self._summary is not None or self._summary_blob is not None

    @property
    def summary_blob(self) -> Optional[bytes]:
        """The summary pickled (None without a summary): what the cache
        compares between runs to tell whether a module changed."""
        if self._summary_blob is None and self._summary is not None:
            self._summary_blob = disk.dumps(self._summary)
        return self._summary_blob

    @property
    def pendings(self) -> List[Pending]:
        """The pending queries; decoded afresh on each use when packed (the
        caller holds them while it answers the file, nothing else does)."""
        if self._pendings is not None:
            return self._pendings
        return [Pending(*values) for values in disk.loads(self._pendings_blob)]

    def pack(self) -> "FileResult":
        """Keep the summary and the pending queries as blobs only (until the
        summary is asked for)."""
        blob = self.summary_blob
        if blob is not None:
            self._summary = None
        if self._pendings is not None:
            self._pendings_blob = _pendings_blob(self._pendings)
            self._pendings = None
        return self

    # A pending query is pickled as the tuple of its fields: the full
    # corpus's pending queries pickled as objects (a dict of field names
    # each) took 0.66 s to write and 0.42 s to read, as tuples 0.39 and
    # 0.31 s (making the tuples and the objects again included).
    def __getstate__(self):
        pendings = self._pendings_blob
        if pendings is None:
            pendings = _pendings_blob(self._pendings)
        return (self.summary_blob, self.diagnostics, pendings, self.pending_count, self.not_analysed)

    def __setstate__(self, state) -> None:
        self._summary_blob, self.diagnostics, self._pendings_blob, self.pending_count, self.not_analysed = state
        self._summary = self._pendings = None


_pending_values = operator.attrgetter(*(f.name for f in fields(Pending)))


def _pendings_blob(pendings: List[Pending]) -> bytes:
    return disk.dumps([_pending_values(p) for p in pendings])


@dataclass
class Settings:
    """What phase 1 needs besides the file: picklable for workers."""

    config: Config
    enabled: FrozenSet[str]
    # False in the flake8 adapter: flake8 applies `# noqa` itself (and honours
    # its --disable-noqa), so the engine must not drop findings first.
    honour_noqa: bool = True


# -- phase 1 ------------------------------------------------------------------
def _failure(code: str, message: str, line: int = 1, col: int = 1, name: str = "syntax-error") -> Diagnostic:
    return Diagnostic(path="", line=line, col=col, code=code, name=name, message=message, severity=Severity.ERROR)


def analyse_text(text: str, module: str, is_package: bool, path_for_summary: str,
                 walker: Walker, settings: Settings) -> FileResult:
    try:
        tree, compiled = parse_unchecked(text, path_for_summary)
        lines = source_lines(text)
        joined = _joined(text, lines)
        if compiled:
            return analyse_tree(tree, lines, module, is_package, path_for_summary, walker, settings, text=joined)
        # Compiled only when the walk saw a shape the compiler may reject
        # (or when the walk itself failed: a tree that does not compile is
        # AIO001 whatever else happens to it).
        try:
            return analyse_tree(tree, lines, module, is_package, path_for_summary, walker, settings,
                                compile_pending=True, text=joined)
        except ParseFailure:
            raise
        except Exception:
            compile_check(tree, path_for_summary)
            raise
    except ParseFailure as failure:
        lines = source_lines(text)
        silenced = failure.line <= len(lines) and noqa.line_suppresses(lines[failure.line - 1], SYNTAX_ERROR)
        diagnostics = [] if silenced else [_failure(SYNTAX_ERROR, failure.message, failure.line, failure.col)]
        return FileResult(summary=None, diagnostics=diagnostics, not_analysed=failure.message)


def analyse_tree(tree: ast.Module, lines: List[str], module: str, is_package: bool, path_for_summary: str,
                 walker: Walker, settings: Settings, compile_pending: bool = False,
                 text: Optional[str] = None) -> FileResult:
    """Phase 1 on a tree that is already parsed (the flake8 adapter passes
    flake8's own tree: one parse per file). `lines` are the source lines
    without their line endings, numbered as `ast` numbers them.
    `compile_pending`: the tree was not compiled (`parsing.parse_unchecked`):
    it is, when the walk saw a shape the compiler may reject, and a tree the
    compiler rejects raises `ParseFailure`. `text`: the lines joined with
    "\n", when the caller has it (made from the lines otherwise)."""
    summary = summarise(tree, module, path_for_summary, is_package)
    ctx = Context("", lines, summary, settings.config, walker.rules, text)
    if not settings.honour_noqa:
        ctx.honour_noqa = False
    ctx.compile_pending = compile_pending
    walker.run(tree, ctx)
    if ctx.compile_suspect:
        try:
            compile_check(tree, path_for_summary)
        except ParseFailure:
            ctx.close()
            raise
    if UNUSED_NOQA in settings.enabled and ctx.honour_noqa \
            and not any(d.code == INTERNAL_ERROR for d in ctx.diagnostics):
        ctx.diagnostics.extend(unused_noqa.findings(
            lines, ctx.noqa_used, settings.enabled, all_rules(),
            {c for c, r in all_rules().items() if r.runtime_only}))
    ctx.close()
    return FileResult(summary=summary, diagnostics=ctx.diagnostics, pendings=ctx.pendings)


_LINE_END = re.compile(r"\r\n|\r|\n")


def source_lines(text: str) -> List[str]:
    """Lines as Python numbers them: only \\r\\n, \\r and \\n end a line
    (`str.splitlines` also splits at form feeds and other separators, which
    would shift every later line against `ast`'s line numbers)."""
    # most files end their lines with \n alone: split in C without the regex
    lines = text.split("\n") if "\r" not in text else _LINE_END.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _joined(text: str, lines: List[str]) -> Optional[str]:
    """`"\n".join(lines)` for the `source_lines` of `text`, without joining
    them again: the text without its last newline, when its lines end with
    \n alone; None otherwise (the context then joins the lines itself)."""
    if "\r" in text:
        return None
    return text[:-1] if text.endswith("\n") else text


def analyse_bytes(data: bytes, module: str, is_package: bool, path: str, walker: Walker, settings: Settings) -> FileResult:
    try:
        source = decode(data)
    except SourceError as exc:
        return FileResult(summary=None, diagnostics=[_failure(SYNTAX_ERROR, str(exc), exc.line)], not_analysed=str(exc))
    return analyse_text(source.text, module, is_package, path, walker, settings)



def analyse_path(path: Union[str, Path], module: str, is_package: bool, data: Optional[bytes], walker: Walker,
                 settings: Settings) -> FileResult:
    """Phase 1 on the file at `path` (or on `data`, its content already read).
    A string is read as it is: a `Path` made per file only to be read cost
    about 0.3 s over the full corpus."""
    if data is None:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as exc:
            return FileResult(summary=None, diagnostics=[_failure(SYNTAX_ERROR, f"cannot read file: {exc.strerror}", name="syntax-error")],
                              not_analysed=f"cannot read file: {exc.strerror}")
    return analyse_bytes(data, module, is_package, str(path), walker, settings)
