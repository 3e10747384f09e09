"""flake8 adapter: asynclint's rules as flake8 errors (`flake8 --select AIO`).

It holds no rule logic. For each file it takes the tree flake8 has already
parsed (no second parse), runs the engine's single walk over it
(`engine.analyse_tree`), answers the file's cross-module questions from the
project index, and yields the same codes, positions and messages as the
`asynclint` command. `# noqa` is left to flake8 (so `--disable-noqa` works).

Project index in plugin mode
----------------------------
`parse_options` runs once in flake8's main process before any file is
checked. There the adapter finds the project root (pyproject.toml, setup.cfg,
setup.py or .git above the paths given to flake8), and builds the project
index from the on-disk cache `.asynclint_cache` (the same cache the
`asynclint` command uses: files whose content is unchanged are not analysed
again; missing or stale entries are analysed and saved). The index is kept in
a module-level memo:

- with the `fork` start method (Linux's default) flake8's worker processes
  inherit the memo: the index is built once per flake8 run;
- with `spawn`/`forkserver` each worker re-parses the options, which calls
  `parse_options` again: the worker loads the index from the cache the main
  process has just saved (warm: no file is analysed again), once per worker,
  never once per file.

Options come from `[tool.asynclint]` in the nearest pyproject.toml and from
flake8's own configuration or command line (`--asynclint-extra-blocking-calls`
and friends, comma-separated); lists from both are joined. Rule selection is
flake8's (`--select`, `--extend-ignore`, `per-file-ignores`), on top of what
`[tool.asynclint]` enables: opt-in rules run when their full code is named in
flake8's `--select`/`--extend-select` or in `[tool.asynclint]`.
"""
from __future__ import annotations

import ast
import dataclasses
import multiprocessing
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from . import __version__, noqa
from . import config as configmod
from .diagnostics import Diagnostic
from .engine import FileJob, Settings, Walker, analyse_tree, findings_of, lint_files
from .index.modules import find_project_root, module_name
from .index.project import Knowledge, ProjectIndex
from .rules import all_rules

# flake8 option (without the --asynclint- prefix) -> Config attribute
KNOWLEDGE_OPTIONS = {
    "extra-blocking-calls": "dotted names of functions that block (besides asynclint's catalogue)",
    "allowed-blocking-calls": "dotted names of blocking calls to accept in async code",
    "extra-coroutine-functions": "dotted names of functions that return coroutines (code the index cannot see)",
    "preserving-decorators": "dotted names of decorators that keep a function async (or sync)",
    "thread-entry-points": "dotted names of callbacks that libraries call from their own threads",
}

STDIN_NAMES = ("-", "stdin")


@dataclass
class _State:
    """Everything one flake8 process needs, built once (see module doc)."""

    key: tuple
    root: Path
    settings: Settings  # what the plugin runs: flake8 filters the codes further
    index: ProjectIndex
    walker: Walker
    cwd: Path


_STATE: Dict[str, _State] = {}


def _option_list(value) -> List[str]:
    if not value:
        return []
    if isinstance(value, str):
        value = value.split(",")
    return [v.strip() for v in value if v and v.strip()]


def _join(first: Sequence[str], second: Sequence[str]) -> List[str]:
    out = list(first)
    for v in second:
        if v not in out:
            out.append(v)
    return out


def _config_for(options, start: Path) -> configmod.Config:
    """[tool.asynclint] from the nearest pyproject.toml (the same loader as
    the `asynclint` command), plus flake8's options."""
    cfg = configmod.load(start, known_codes=all_rules())  # the loader the `asynclint` command uses
    for option in KNOWLEDGE_OPTIONS:
        attr = option.replace("-", "_")
        extra = _option_list(getattr(options, "asynclint_" + attr, None))
        if extra:
            setattr(cfg, attr, _join(getattr(cfg, attr), extra))
    return cfg


def _opt_in_named_by_flake8(options, rules) -> List[str]:
    """Opt-in rules whose full code flake8's --select/--extend-select names
    (asynclint enables an opt-in rule only by its full code, never by prefix)."""
    named = set()
    for attr in ("select", "extend_select"):
        for code in _option_list(getattr(options, attr, None)):
            named.add(code.upper())
    return sorted(c for c, r in rules.items() if c in named and not getattr(r, "default_enabled", True))


def _roots_of(paths: Sequence[str]) -> List[Path]:
    return [Path(p) for p in paths if p not in STDIN_NAMES and Path(p).exists()]


def build_state(options, paths: Sequence[str], use_cache: bool = True, workers: Optional[int] = None) -> _State:
    """Settings and the project index for the files flake8 was given."""
    from .cli import _context_jobs
    from .discovery import discover

    given = _roots_of(paths)
    stdin_name = getattr(options, "stdin_display_name", None)
    if not given and stdin_name and stdin_name != "stdin":
        start = [Path(stdin_name).parent if Path(stdin_name).parent.exists() else Path.cwd()]
    else:
        start = given or [Path.cwd()]
    cfg = _config_for(options, start[0])
    root = cfg.root or find_project_root(start)  # as the `asynclint` command decides it
    rules = all_rules()
    # The index is built with exactly the settings the `asynclint` command
    # would use, so that both share one on-disk cache.
    index_settings = Settings(cfg, cfg.enabled_codes(rules))
    run_cfg = dataclasses.replace(cfg, extend_select=_join(cfg.extend_select, _opt_in_named_by_flake8(options, rules)))
    settings = Settings(run_cfg, run_cfg.enabled_codes(rules), honour_noqa=False)

    excludes = [*cfg.exclude, *cfg.extend_exclude]
    try:
        files = discover([str(p) for p in given] or [str(root)], root, excludes, cfg.respect_gitignore)
    except Exception:  # an unreadable path: flake8 itself reports it
        files = []
    jobs = [FileJob(f.path, f.display, report=False) for f in files]
    if given and not any(p.resolve() == root for p in given):  # else the walk above covered the project
        jobs += _context_jobs(root, jobs, excludes, cfg.respect_gitignore)
    if workers is None:
        # flake8's pool workers are daemonic and may not start processes of
        # their own; there the cache is warm anyway (see the module doc).
        workers = 1 if multiprocessing.current_process().daemon else (os.cpu_count() or 1)
    result = lint_files(jobs, index_settings, root, use_cache=use_cache, workers=workers, need_index=True)
    index = result.index if result.index is not None else ProjectIndex([], Knowledge.from_config(cfg))
    key = _key(options, paths)
    return _State(key, root, settings, index, Walker(settings.enabled), Path.cwd())


def _key(options, paths: Sequence[str]) -> tuple:
    values = [tuple(paths), os.getcwd(), getattr(options, "stdin_display_name", None)]
    for attr in ("select", "extend_select", "asynclint_no_cache",
                 *("asynclint_" + o.replace("-", "_") for o in KNOWLEDGE_OPTIONS)):
        v = getattr(options, attr, None)
        values.append(tuple(v) if isinstance(v, list) else v)
    return tuple(values)


def _state_for(options, paths: Sequence[str]) -> _State:
    key = _key(options, paths)
    state = _STATE.get("current")
    if state is None or state.key != key:
        state = build_state(options, paths, use_cache=not getattr(options, "asynclint_no_cache", False))
        _STATE["current"] = state
    return state


class Plugin:
    """The `AIO` entry point of the `flake8.extension` group."""

    name = "asynclint"
    version = __version__

    _options = None
    _paths: Sequence[str] = (".",)

    def __init__(self, tree: ast.AST, filename: str = "stdin", lines: Optional[Sequence[str]] = None):
        self.tree = tree
        self.filename = filename
        self.lines = lines

    # -- options ------------------------------------------------------------
    @classmethod
    def add_options(cls, manager) -> None:
        for option, help_text in KNOWLEDGE_OPTIONS.items():
            manager.add_option(
                f"--asynclint-{option}", default="", parse_from_config=True, comma_separated_list=True,
                help=f"asynclint: {help_text} (comma-separated; joined with [tool.asynclint] {option})",
            )
        manager.add_option(
            "--asynclint-no-cache", default=False, action="store_true", parse_from_config=True,
            help="asynclint: neither read nor write .asynclint_cache when building the project index",
        )

    @classmethod
    def parse_options(cls, *args) -> None:
        # flake8 calls parse_options(option_manager, options, filenames) and,
        # on TypeError, parse_options(options): accept both.
        options = args[1] if len(args) >= 2 else args[0]
        paths = args[2] if len(args) >= 3 else getattr(options, "filenames", None)
        cls._options = options
        cls._paths = tuple(paths or (".",))
        try:
            _state_for(options, cls._paths)  # build (or load) the index now, before flake8 forks
        except configmod.ConfigError as exc:
            # flake8 prints this as a critical error and exits non-zero,
            # as `asynclint` does with `asynclint: error: ...`
            from flake8 import exceptions

            raise exceptions.ExecutionError(f"asynclint: error: {exc}") from None

    # -- checking -----------------------------------------------------------
    def run(self) -> Iterator[Tuple[int, int, str, type]]:
        options = self._options
        if options is None:  # used without flake8's option parsing (e.g. in a test)
            import argparse
            options = argparse.Namespace()
        state = _state_for(options, self._paths)
        for d in self.diagnostics(state):
            yield d.line, d.col - 1, f"{d.code} {d.message}", type(self)

    def diagnostics(self, state: _State) -> List[Diagnostic]:
        if not isinstance(self.tree, ast.Module):
            return []
        stdin = self.filename in STDIN_NAMES
        path = (state.cwd / self.filename).resolve() if not stdin else (state.cwd / "stdin.py")
        module, is_package = module_name(path, state.root)
        lines = _lines(self.lines)
        result = analyse_tree(self.tree, lines, module, is_package, str(path), state.walker, state.settings)
        index = state.index
        if result.summary is not None and index.modules.get(module) != result.summary:
            # the file differs from what is on disk (stdin, unsaved editor
            # buffer): answer its questions with its current summary
            index = index.with_module(result.summary)
        display = self.filename[2:] if self.filename.startswith("./") else self.filename
        ignored = frozenset(state.settings.config.ignored_for(display))
        honour_noqa = not getattr(self._options, "disable_noqa", False)
        starts = _statement_starts(self.tree) if honour_noqa else {}
        out = []
        foreign = getattr(state.settings.config, "foreign_noqa", True)
        for d in findings_of(result, index, display):
            if d.code not in state.settings.enabled:
                continue
            if foreign and 0 < d.line <= len(lines) and noqa.line_suppresses(lines[d.line - 1], d.code, foreign=True) \
                    and not noqa.line_suppresses(lines[d.line - 1], d.code):
                continue  # `# noqa: ASYNC251`: flake8 leaves our codes alone, the mapping is ours
            if ignored and any(d.code.startswith(p) for p in ignored):
                continue
            first = starts.get(d.line)
            if first is not None and first < d.line <= len(lines) and noqa.line_suppresses(lines[first - 1], d.code):
                # flake8 reads `# noqa` on the reported line only; the CLI also
                # honours it on the first line of a multi-line statement
                continue
            out.append(d)
        out.sort(key=Diagnostic.sort_key)
        return out


def _statement_starts(tree: ast.Module) -> Dict[int, int]:
    """line -> first line of the innermost statement spanning it (the
    statement whose first line `# noqa` may sit on, as in the CLI)."""
    starts: Dict[int, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt):
            end = getattr(node, "end_lineno", None) or node.lineno
            for line in range(node.lineno, end + 1):
                if starts.get(line, 0) < node.lineno:
                    starts[line] = node.lineno
    return starts


def _lines(lines: Optional[Sequence[str]]) -> List[str]:
    if not lines:
        return []
    return [line.rstrip("\r\n") for line in lines]
