"""The engine: files -> findings.

Phase 1 (per file, in worker processes for large trees): read, parse once,
summarise into the index, and walk the tree once, dispatching each node to the
rules registered for its type. Findings that need the whole project are kept
as `Pending` queries. Phase 1 results are cached on disk by content hash.

Phase 2 (in the main process): join all summaries into a `ProjectIndex`,
answer the pending queries, apply per-file ignores, sort.
"""
from __future__ import annotations

import ast
import hashlib
import os
import re
import sys
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

from . import __version__, noqa
from .config import Config
from .context import Context, Pending, Scope
from .context import dotted
from .diagnostics import Diagnostic, Severity
from .index import facts, installed, queries
from .index import threads as thread_index
from .index.modules import module_name
from .index.project import Knowledge, ProjectIndex
from .index.local_types import is_event_loop
from .index.summary import ModuleSummary, summarise
from .knowledge.futures import LOOP_RUN_METHODS, PROGRAM_LOOP_RUNNERS
from .parsing import ParseFailure, parse
from .positions import char_col
from .rules import all_rules
from .rules import aio003_unused_noqa as unused_noqa
from .rules.base import Rule
from .source import SourceError, decode

SYNTAX_ERROR = "AIO001"
INTERNAL_ERROR = "AIO002"
UNUSED_NOQA = "AIO003"


@dataclass
class FileResult:
    """Phase-1 output for one file: plain data, cached and sent between processes."""

    summary: Optional[ModuleSummary]
    diagnostics: List[Diagnostic] = field(default_factory=list)  # path left empty
    pendings: List[Pending] = field(default_factory=list)
    not_analysed: Optional[str] = None  # why the file could not be analysed


@dataclass
class Settings:
    """What phase 1 needs besides the file: picklable for workers."""

    config: Config
    enabled: FrozenSet[str]
    # False in the flake8 adapter: flake8 applies `# noqa` itself (and honours
    # its --disable-noqa), so the engine must not drop findings first.
    honour_noqa: bool = True


# -- the walk -----------------------------------------------------------------
_FUNCTION_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef)
_SCOPE_TYPES = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef})
# Node types the engine itself tracks (bindings, call graph).
_TRACKED = frozenset({ast.Call, ast.Name, ast.Assign, ast.AnnAssign, ast.Import, ast.ImportFrom,
                      ast.withitem, ast.Return, ast.Yield, ast.YieldFrom, ast.Global, ast.Nonlocal,
                      ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef})
# Leaf nodes no rule needs: `Load`/`Store` contexts and operators.
_SKIP = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)
_SKIP_TYPES = frozenset(c for base in _SKIP for c in base.__subclasses__()) | frozenset({type(None), str, int})
_LEAVE = "leave"


class Walker:
    def __init__(self, enabled: Iterable[str]):
        rules = all_rules()
        self.rules = [rules[c] for c in sorted(enabled) if c in rules]
        self.dispatch: Dict[type, list] = defaultdict(list)
        for rule in self.rules:
            for node_type in rule.node_types:
                self.dispatch[node_type].append(rule)
        self.leavers = [r for r in self.rules if type(r).leave_scope is not Rule.leave_scope]

    def run(self, tree: ast.Module, ctx: Context) -> None:
        """Depth-first, in source order, with an explicit stack (no recursion
        limit on deeply nested code). Children get a parent link
        (`_al_parent`) instead of the walk keeping an ancestor stack; only
        scopes need a second visit, to close them."""
        dispatch = self.dispatch
        disabled: set = set()
        ctx.scopes.append(Scope("module", tree, ""))
        stack: list = [tree]
        skip = _SKIP_TYPES
        AST = ast.AST
        scope_types = _SCOPE_TYPES
        enter = self._enter
        leave_marker = _LEAVE
        while stack:
            node = stack.pop()
            if type(node) is tuple:  # (_LEAVE, scope node)
                self._leave_scope(ctx, disabled)
                continue
            ctx.node = node
            t = type(node)
            if t in _TRACKED:
                enter(node, t, ctx)
            rules = dispatch.get(t)
            if rules:
                for rule in rules:
                    if rule.code in disabled:
                        continue
                    ctx.current_rule = rule
                    try:
                        rule.check(node, ctx)
                    except Exception as exc:  # one broken rule must not stop the others
                        self._crashed(rule, node, ctx, disabled, exc)
                ctx.current_rule = None
            if t in scope_types:
                self._push_scope(node, ctx)
                stack.append((leave_marker, node))
            children = []
            for name in node._fields:
                value = getattr(node, name, None)
                if type(value) is list:
                    for item in value:
                        if type(item) not in skip and isinstance(item, AST):
                            item._al_parent = node
                            children.append(item)
                elif type(value) not in skip and isinstance(value, AST):
                    value._al_parent = node
                    children.append(value)
            if children:
                children.reverse()
                stack.extend(children)
        ctx.node = tree
        self._leave_scope(ctx, disabled)

    def _call(self, rule, fn, arg, ctx: Context, disabled: set) -> None:
        ctx.current_rule = rule
        try:
            fn(arg, ctx)
        except Exception as exc:  # one broken rule must not stop the others
            self._crashed(rule, arg, ctx, disabled, exc)
        finally:
            ctx.current_rule = None

    @staticmethod
    def _crashed(rule, arg, ctx: Context, disabled: set, exc: Exception) -> None:
        """Report AIO002 once and skip the rule for the rest of the file."""
        disabled.add(rule.code)
        ctx.current_rule = None
        line = getattr(arg, "lineno", None) or getattr(getattr(arg, "node", None), "lineno", 1)
        ctx.diagnostics.append(Diagnostic(
            path=ctx.path, line=line, col=1, code=INTERNAL_ERROR, name="internal-error",
            message=f"internal error in rule {rule.code} ({rule.name}): "
                    f"{type(exc).__name__}: {exc}; please report it",
            severity=Severity.ERROR,
        ))

    # -- structure the engine tracks for the rules --
    def _enter(self, node: ast.AST, t: type, ctx: Context) -> None:
        # Bindings are made when the binding node is entered, before its
        # children: the value is resolved first (x = x.f()), and the target
        # names visited afterwards keep what was bound here.
        if t is ast.Call:
            fn = ctx.function
            if fn is not None and fn.info is not None:
                sym = ctx.symbol(node.func)
                if sym is not None:
                    fn.info.calls.append((sym, node.lineno, node.col_offset))
            thread_index.note_call(node, ctx)
            if not ctx.module.runs_loop and _runs_loop(ctx, node):
                ctx.module.runs_loop = True
        elif t is ast.Name:
            if type(node.ctx) is not ast.Store:
                ctx.scopes[-1].loads.add(node.id)
            elif ctx.scope.kind != "module" and not _bound_by_owner(node):
                ctx.bind(node.id, None)
        elif t is ast.Global or t is ast.Nonlocal:
            ctx.scopes[-1].loads.update(node.names)
        elif t is ast.Assign or t is ast.AnnAssign:
            if t is ast.Assign:
                thread_index.note_assign(node, ctx)
            if ctx.scope.kind != "module":
                sym = None
                if t is ast.AnnAssign:
                    sym = ctx.annotation_symbol(node.annotation)
                if sym is None and node.value is not None:
                    sym = ctx.symbol(node.value)
                for target in (node.targets if t is ast.Assign else (node.target,)):
                    if type(target) is ast.Name:
                        ctx.bind(target.id, sym)
                    else:
                        for name in _store_names(target):
                            ctx.bind(name, None)
                facts.note_assign(ctx, node)  # tuple items, attribute types
        elif t is ast.withitem:
            if node.optional_vars is not None and ctx.scope.kind != "module":
                for name in _store_names(node.optional_vars):
                    ctx.bind(name, None)
                facts.note_withitem(ctx, node, isinstance(node._al_parent, ast.AsyncWith))
        elif t is ast.Return:
            facts.note_return(ctx, node)
        elif t is ast.Yield or t is ast.YieldFrom:
            facts.note_yield(ctx)
        elif t is ast.Import or t is ast.ImportFrom:
            if ctx.scope.kind != "module":
                ctx.bind_import(node)
        else:  # def or class: the name is bound in the enclosing scope
            scope = ctx.scope
            if scope.kind != "module":
                ctx.bind(node.name, ("global", ctx.module.name, _child_prefix(scope) + node.name))

    def _push_scope(self, node: ast.AST, ctx: Context) -> None:
        outer = ctx.scope
        prefix = _child_prefix(outer)
        if isinstance(node, ast.Lambda):
            scope = Scope("lambda", node, prefix + "<lambda>")
            for arg in _all_args(node.args):
                scope.bindings[arg.arg] = None
        elif isinstance(node, ast.ClassDef):
            qual = prefix + node.name
            scope = Scope("class", node, qual, class_sym=("global", ctx.module.name, qual))
        else:
            qual = prefix + node.name
            scope = Scope("function", node, qual, is_async=isinstance(node, ast.AsyncFunctionDef),
                          info=ctx.module.functions.get(qual))
            for arg in _all_args(node.args):
                scope.bindings[arg.arg] = ctx.annotation_symbol(arg.annotation)
            positional = [*node.args.posonlyargs, *node.args.args]
            decorators = {d.id for d in node.decorator_list if isinstance(d, ast.Name)}
            if outer.kind == "class" and positional and "staticmethod" not in decorators:
                # `self` is an instance of the class, `cls` the class itself
                first = positional[0].arg
                scope.bindings[first] = outer.class_sym if "classmethod" in decorators else ("inst", outer.class_sym)
        ctx.scopes.append(scope)

    def _leave_scope(self, ctx: Context, disabled: set) -> None:
        scope = ctx.scope
        for rule in self.leavers:
            if rule.code not in disabled:
                self._call(rule, lambda s, c, r=rule: r.leave_scope(s, c), scope, ctx, disabled)
        ctx.scopes.pop()
        if ctx.scopes:  # a closure's reads count as reads of the enclosing scope
            ctx.scopes[-1].loads |= scope.loads


_LOOP_RUN_NAMES = frozenset({"run", "run_until_complete", "run_forever", "run_app", "Runner"})


def _runs_loop(ctx: Context, call: ast.Call) -> bool:
    """The call runs an asyncio event loop (for ModuleSummary.runs_loop)."""
    func = call.func
    last = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    if last not in _LOOP_RUN_NAMES:
        return False
    if dotted(ctx.symbol(func)) in PROGRAM_LOOP_RUNNERS:
        return True
    return last in LOOP_RUN_METHODS and isinstance(func, ast.Attribute) and is_event_loop(ctx, func.value)


def _store_names(target: ast.AST):
    """Names bound by an assignment target (through tuples, lists, starred)."""
    if type(target) is ast.Name:
        yield target.id
    elif type(target) in (ast.Tuple, ast.List):
        for elt in target.elts:
            yield from _store_names(elt)
    elif type(target) is ast.Starred:
        yield from _store_names(target.value)


def _bound_by_owner(name: ast.Name) -> bool:
    """True when the assignment or `with` item owning this target name has
    already bound it on entry."""
    node, parent = name, name._al_parent
    while type(parent) in (ast.Tuple, ast.List, ast.Starred):
        node, parent = parent, parent._al_parent
    t = type(parent)
    if t is ast.Assign or t is ast.AnnAssign:
        return node is not parent.value
    if t is ast.withitem:
        return node is parent.optional_vars
    return False


def _child_prefix(scope: Scope) -> str:
    if scope.kind == "module":
        return ""
    if scope.kind == "class":
        return scope.qualname + "."
    return scope.qualname + ".<locals>."


def _all_args(args: ast.arguments) -> list:
    out = [*args.posonlyargs, *args.args]
    if args.vararg:
        out.append(args.vararg)
    out.extend(args.kwonlyargs)
    if args.kwarg:
        out.append(args.kwarg)
    return out


# -- phase 1 ------------------------------------------------------------------
def _failure(code: str, message: str, line: int = 1, col: int = 1, name: str = "syntax-error") -> Diagnostic:
    return Diagnostic(path="", line=line, col=col, code=code, name=name, message=message, severity=Severity.ERROR)


def analyse_text(text: str, module: str, is_package: bool, path_for_summary: str,
                 walker: Walker, settings: Settings) -> FileResult:
    try:
        tree = parse(text, path_for_summary)
    except ParseFailure as failure:
        lines = source_lines(text)
        silenced = failure.line <= len(lines) and noqa.line_suppresses(lines[failure.line - 1], SYNTAX_ERROR)
        diagnostics = [] if silenced else [_failure(SYNTAX_ERROR, failure.message, failure.line, failure.col)]
        return FileResult(summary=None, diagnostics=diagnostics, not_analysed=failure.message)
    return analyse_tree(tree, source_lines(text), module, is_package, path_for_summary, walker, settings)


def analyse_tree(tree: ast.Module, lines: List[str], module: str, is_package: bool, path_for_summary: str,
                 walker: Walker, settings: Settings) -> FileResult:
    """Phase 1 on a tree that is already parsed (the flake8 adapter passes
    flake8's own tree: one parse per file). `lines` are the source lines
    without their line endings, numbered as `ast` numbers them."""
    summary = summarise(tree, module, path_for_summary, is_package)
    ctx = Context("", lines, summary, settings.config, walker.rules)
    if not settings.honour_noqa:
        ctx.honour_noqa = False
    walker.run(tree, ctx)
    if UNUSED_NOQA in settings.enabled and ctx.honour_noqa \
            and not any(d.code == INTERNAL_ERROR for d in ctx.diagnostics):
        ctx.diagnostics.extend(unused_noqa.findings(
            lines, ctx.noqa_used, settings.enabled, all_rules(),
            {c for c, r in all_rules().items() if r.runtime_only}))
    return FileResult(summary=summary, diagnostics=ctx.diagnostics, pendings=ctx.pendings)


_LINE_END = re.compile(r"\r\n|\r|\n")


def source_lines(text: str) -> List[str]:
    """Lines as Python numbers them: only \\r\\n, \\r and \\n end a line
    (`str.splitlines` also splits at form feeds and other separators, which
    would shift every later line against `ast`'s line numbers)."""
    lines = _LINE_END.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def analyse_bytes(data: bytes, module: str, is_package: bool, path: str, walker: Walker, settings: Settings) -> FileResult:
    try:
        source = decode(data)
    except SourceError as exc:
        return FileResult(summary=None, diagnostics=[_failure(SYNTAX_ERROR, str(exc), exc.line)], not_analysed=str(exc))
    return analyse_text(source.text, module, is_package, path, walker, settings)


# -- cache --------------------------------------------------------------------
class Cache:
    """Phase-1 results on disk, one pickle per settings fingerprint, entries
    keyed by path and validated by (size, mtime) and then content hash."""

    def __init__(self, root: Path, fingerprint: str):
        self.dir = root / ".asynclint_cache"
        self.file = self.dir / f"v{__version__}-py{sys.version_info[0]}{sys.version_info[1]}-{fingerprint}.pickle"
        self.entries: Dict[str, tuple] = {}
        self.dirty = False
        try:
            import pickle
            with open(self.file, "rb") as fh:
                self.entries = pickle.load(fh)
        except Exception:  # missing, truncated or from another version: start afresh
            self.entries = {}

    def lookup(self, path: Path, stat: os.stat_result) -> Tuple[Optional[FileResult], Optional[bytes], Optional[str]]:
        key = str(path)
        entry = self.entries.get(key)
        if entry is not None and entry[0] == stat.st_size and entry[1] == stat.st_mtime_ns:
            return entry[3], None, entry[2]
        try:
            data = path.read_bytes()
        except OSError:
            return None, None, None
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        if entry is not None and entry[2] == digest:
            self.entries[key] = (stat.st_size, stat.st_mtime_ns, digest, entry[3])
            self.dirty = True
            return entry[3], None, digest
        return None, data, digest

    def store(self, path: Path, stat: os.stat_result, digest: str, result: FileResult) -> None:
        self.entries[str(path)] = (stat.st_size, stat.st_mtime_ns, digest, result)
        self.dirty = True

    def save(self, keep: Iterable[Path]) -> None:
        if not self.dirty:
            return
        import pickle
        import tempfile
        keep_keys = {str(p) for p in keep}
        entries = {k: v for k, v in self.entries.items() if k in keep_keys} if len(self.entries) > 2 * len(keep_keys) else self.entries
        try:
            self.dir.mkdir(exist_ok=True)
            gitignore = self.dir / ".gitignore"
            if not gitignore.exists():
                gitignore.write_text("# Created by asynclint\n*\n")
            for old in self.dir.glob("v*.pickle"):
                if old != self.file:
                    old.unlink(missing_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.dir, suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(entries, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.file)
        except OSError:
            pass  # a read-only tree still gets its findings


# -- workers --------------------------------------------------------------------
_WORKER: Dict[str, object] = {}


def _worker_init(settings: Settings) -> None:
    _WORKER["settings"] = settings
    _WORKER["walker"] = Walker(settings.enabled)


def _worker_batch(batch: List[Tuple[str, str, bool, Optional[bytes]]]) -> List[Tuple[str, FileResult]]:
    settings: Settings = _WORKER["settings"]  # type: ignore[assignment]
    walker: Walker = _WORKER["walker"]  # type: ignore[assignment]
    out = []
    for path, module, is_package, data in batch:
        out.append((path, _analyse_path(Path(path), module, is_package, data, walker, settings)))
    return out


def _analyse_path(path: Path, module: str, is_package: bool, data: Optional[bytes], walker: Walker, settings: Settings) -> FileResult:
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            return FileResult(summary=None, diagnostics=[_failure(SYNTAX_ERROR, f"cannot read file: {exc.strerror}", name="syntax-error")],
                              not_analysed=f"cannot read file: {exc.strerror}")
    return analyse_bytes(data, module, is_package, str(path), walker, settings)


# -- the run ------------------------------------------------------------------
@dataclass
class RunResult:
    diagnostics: List[Diagnostic]
    files: int
    not_analysed: Dict[str, str]  # display path -> reason
    from_cache: int = 0
    index: Optional[ProjectIndex] = None


@dataclass
class FileJob:
    path: Path  # absolute
    display: str
    report: bool = True  # False: indexed for knowledge only
    data: Optional[bytes] = None  # stdin content


def lint_files(jobs: Sequence[FileJob], settings: Settings, root: Path, use_cache: bool = True,
               workers: int = 1, progress: Optional[Callable[[int, int], None]] = None,
               need_index: bool = False) -> RunResult:
    """Check `jobs`. With the cache, a re-run in which no file changed returns
    the previous findings without loading any per-file entry (unless the
    caller needs the project index, as --fix and the flake8 adapter do)."""
    fingerprint = settings.config.fingerprint(settings.enabled)
    run_key = _run_key(jobs, settings, fingerprint) if use_cache else None
    run_file = root / ".asynclint_cache" / f"run-{fingerprint}.pickle"
    if run_key is not None and not need_index:
        previous = _load_run(run_file, run_key)
        if previous is not None:
            return previous
    result = _lint_files(jobs, settings, root, use_cache, workers, progress)
    if run_key is not None:
        _save_run(run_file, run_key, result)
    return result


def _run_key(jobs: Sequence[FileJob], settings: Settings, fingerprint: str) -> Optional[str]:
    """Everything a run's findings depend on: the settings, and each file's
    path, displayed name, role, size and modification time."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{__version__}\0{sys.version_info[:2]}\0{fingerprint}\0{getattr(settings.config, 'python', None)}\n".encode())
    for job in jobs:
        if job.data is not None:
            return None
        try:
            st = job.path.stat()
        except OSError:
            return None
        h.update(f"{job.path}\0{job.display}\0{job.report}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _load_run(path: Path, key: str) -> Optional[RunResult]:
    import pickle
    try:
        with open(path, "rb") as fh:
            stored_key, diagnostics, files, not_analysed = pickle.load(fh)
    except Exception:  # missing or from another version
        return None
    if stored_key != key:
        return None
    return RunResult(diagnostics, files, not_analysed, from_cache=files, index=None)


def _save_run(path: Path, key: str, result: RunResult) -> None:
    import pickle
    import tempfile
    try:
        path.parent.mkdir(exist_ok=True)
        ignore = path.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# Created by asynclint\n*\n")
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump((key, result.diagnostics, result.files, result.not_analysed), fh,
                        protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass


def _lint_files(jobs: Sequence[FileJob], settings: Settings, root: Path, use_cache: bool,
                workers: int, progress: Optional[Callable[[int, int], None]]) -> RunResult:
    cache = Cache(root, settings.config.fingerprint(settings.enabled)) if use_cache else None
    results: Dict[Path, FileResult] = {}
    todo: List[Tuple[FileJob, str, bool, Optional[bytes], Optional[os.stat_result], Optional[str]]] = []
    from_cache = 0
    for job in jobs:
        module, is_package = module_name(job.path, root)
        if job.data is not None or cache is None:
            todo.append((job, module, is_package, job.data, None, None))
            continue
        try:
            stat = job.path.stat()
        except OSError:
            todo.append((job, module, is_package, None, None, None))
            continue
        cached, data, digest = cache.lookup(job.path, stat)
        if cached is not None:
            results[job.path] = cached
            from_cache += 1
        else:
            todo.append((job, module, is_package, data, stat, digest))

    done = len(results)
    total = len(jobs)
    if workers > 1 and len(todo) >= 64:
        batches = _batches(todo, workers)
        by_path = {str(t[0].path): t for t in todo}
        with ProcessPoolExecutor(max_workers=workers, initializer=_worker_init, initargs=(settings,)) as pool:
            payloads = [[(str(t[0].path), t[1], t[2], t[3]) for t in batch] for batch in batches]
            for out in pool.map(_worker_batch, payloads):
                for path, result in out:
                    t = by_path[path]
                    results[t[0].path] = result
                    _remember(cache, t, result)
                done += len(out)
                if progress:
                    progress(done, total)
    else:
        walker = Walker(settings.enabled)
        for t in todo:
            result = _analyse_path(t[0].path, t[1], t[2], t[3], walker, settings)
            results[t[0].path] = result
            _remember(cache, t, result)
            done += 1
            if progress and done % 50 == 0:
                progress(done, total)

    index = ProjectIndex((r.summary for j in jobs for r in [results[j.path]] if r.summary is not None),
                         Knowledge.from_config(settings.config),
                         installed.view(getattr(settings.config, "python", None), root if use_cache else None))
    diagnostics: List[Diagnostic] = []
    not_analysed: Dict[str, str] = {}
    for job in jobs:
        if not job.report:
            continue
        result = results[job.path]
        if result.not_analysed:
            not_analysed[job.display] = result.not_analysed
        ignored = settings.config.ignored_for(job.display, job.path)
        found = findings_of(result, index, job.display)
        for d in found:
            if d.code not in settings.enabled:
                continue
            if ignored and noqa.suppresses(frozenset(ignored), d.code):
                continue
            diagnostics.append(d)
    if cache is not None:
        cache.save(j.path for j in jobs)
    diagnostics.sort(key=Diagnostic.sort_key)
    return RunResult(diagnostics, len([j for j in jobs if j.report]), not_analysed, from_cache, index)


def _remember(cache: Optional[Cache], t, result: FileResult) -> None:
    job, _, _, data, stat, digest = t
    if cache is None or job.data is not None or stat is None:
        return
    if digest is None:
        try:
            data = job.path.read_bytes()
        except OSError:
            return
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    cache.store(job.path, stat, digest, result)


def _batches(todo: list, workers: int) -> List[list]:
    """Batches of similar total size, largest files first, so no worker idles."""
    sized = []
    for t in todo:
        try:
            size = len(t[3]) if t[3] is not None else t[0].path.stat().st_size
        except OSError:
            size = 0
        sized.append((size, t))
    sized.sort(key=lambda s: -s[0])
    target = max(1, sum(s for s, _ in sized) // (workers * 8))
    batches: List[list] = []
    current: list = []
    current_size = 0
    for size, t in sized:
        current.append(t)
        current_size += size
        if current_size >= target:
            batches.append(current)
            current, current_size = [], 0
    if current:
        batches.append(current)
    return batches


def findings_of(result: FileResult, index: ProjectIndex, display: str) -> List[Diagnostic]:
    """Phase 2 for one file: its local findings plus the pending ones the
    index confirms."""
    found = [d.with_path(display) for d in result.diagnostics]
    if not result.pendings:
        return found
    rules = all_rules()
    module = result.summary.name if result.summary else ""
    failed = set()
    for pending in result.pendings:
        if pending.code in failed:
            continue
        try:
            answer = queries.answer(index, module, pending.query)
        except Exception as exc:  # a bug in the index must not cost the other files
            failed.add(pending.code)
            found.append(Diagnostic(
                path=display, line=pending.line, col=1, code=INTERNAL_ERROR, name="internal-error",
                message=f"internal error in rule {pending.code} while asking the project index "
                        f"{pending.query[0]!r}: {type(exc).__name__}: {exc}; please report it",
                severity=Severity.ERROR,
            ))
            continue
        if answer is None:
            continue
        rule = rules[pending.code]
        found.append(Diagnostic(
            path=display, line=pending.line, col=pending.col, end_line=pending.end_line,
            end_col=pending.end_col, code=rule.code, name=rule.name,
            message=rule.message.format(**{**pending.fields, **answer}),
            severity=rule.severity, fix=pending.fix,
        ))
    return found


def lint_source(text: str, path: str = "<stdin>", config: Optional[Config] = None,
                enabled: Optional[Iterable[str]] = None) -> List[Diagnostic]:
    """Check one piece of source in isolation (tests, editors)."""
    config = config or Config()
    codes = frozenset(enabled) if enabled is not None else config.enabled_codes(all_rules())
    result = analyse_text(text, Path(path).stem or "module", False, path, Walker(codes), Settings(config, codes))
    index = ProjectIndex([result.summary] if result.summary else [], Knowledge.from_config(config))
    return sorted(findings_of(result, index, path), key=Diagnostic.sort_key)
