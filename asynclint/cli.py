"""The `asynclint` command: arguments -> config -> engine -> reporter -> exit code.

Exit status: 0 no findings, 1 findings, 2 usage, configuration or internal
error (an AIO002 finding counts as an internal error).

This module imports only what parsing the arguments needs; the engine, the
rules and libcst are imported when a command needs them, so `--version` and
usage errors answer at once.
"""
from __future__ import annotations

import argparse
import difflib
import errno
import os
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence

from . import __version__

if TYPE_CHECKING:  # imported when a command needs it: --version answers without it
    from . import config as configmod

SUBCOMMANDS = ("check", "rules", "rule", "run", "clean", "server")
INTERNAL_ERROR = "AIO002"


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)  # `--fi` is not `--fix`: typos are errors
        super().__init__(*args, **kwargs)

    def error(self, message):  # exit 2 with our prefix, like every other error
        raise UsageError(_with_suggestion(message, self))


def _with_suggestion(message: str, parser: argparse.ArgumentParser) -> str:
    """argparse's message plus "did you mean" for a mistyped option."""
    prefix = "unrecognized arguments: "
    if not message.startswith(prefix):
        return message
    known = [s for a in parser._actions for s in a.option_strings]
    hints = []
    for word in message[len(prefix):].split():
        if word.startswith("-"):
            close = difflib.get_close_matches(word.split("=", 1)[0], known, n=1, cutoff=0.6)
            if close:
                hints.append(f"`{word}`: did you mean `{close[0]}`?")
    return message + ("; " + "; ".join(hints) if hints else "")


def _codes(value: str) -> List[str]:
    return [c.strip().upper() for c in value.replace(" ", ",").split(",") if c.strip()]


def _patterns(value: str) -> List[str]:
    return [p.strip() for p in value.split(",") if p.strip()]


def _check_parser() -> argparse.ArgumentParser:
    from .reporters import FORMAT_NAMES  # imported when a check needs it, not for --version
    p = _Parser(prog="asynclint", description="Find asyncio mistakes in Python code.",
                epilog="Other commands: `asynclint rules`, `asynclint rule CODE|NAME|--all`, "
                       "`asynclint clean`, `asynclint run -- python app.py`.")
    p.add_argument("paths", nargs="*", help="files or folders to check (default: .); - reads standard input")
    sel = p.add_argument_group("rule selection")
    sel.add_argument("--select", type=_codes, help="only these codes or prefixes (e.g. AIO1,AIO400)")
    sel.add_argument("--ignore", type=_codes, help="skip these codes or prefixes")
    sel.add_argument("--extend-select", type=_codes, action="extend", default=[], help="add codes to the selection (opt-in rules)")
    sel.add_argument("--extend-ignore", type=_codes, action="extend", default=[], help="add codes to skip")
    out = p.add_argument_group("output")
    out.add_argument("--output-format", "--format", dest="format", choices=FORMAT_NAMES, default="text",
                     metavar="FORMAT", help=f"output format: {', '.join(FORMAT_NAMES)} (default: text)")
    out.add_argument("--output-file", "-o", help="write the report to this file instead of standard output")
    out.add_argument("--statistics", action="store_true", help="count findings per code")
    out.add_argument("--show-source", action="store_true", help="print the source line under each finding")
    out.add_argument("--quiet", "-q", action="store_true", help="print findings only, no summary")
    out.add_argument("--silent", "-s", action="store_true", help="print nothing; the exit status tells")
    out.add_argument("--show-settings", action="store_true", help="print the settings in effect for the paths and exit")
    out.add_argument("--show-files", action="store_true", help="print the files that would be checked and exit")
    st = p.add_argument_group("exit status")
    st.add_argument("--exit-zero", "-e", action="store_true", help="exit 0 even when there are findings")
    st.add_argument("--exit-non-zero-on-fix", action="store_true",
                    help="with --fix: exit 1 when a file was changed, even if nothing remains")
    cfg = p.add_argument_group("configuration and files")
    cfg.add_argument("--config", help="read options from this TOML file instead of the nearest pyproject.toml")
    cfg.add_argument("--isolated", action="store_true", help="ignore all configuration files")
    cfg.add_argument("--exclude", type=_patterns, help="replace the excluded patterns (comma-separated globs)")
    cfg.add_argument("--extend-exclude", type=_patterns, action="extend", default=[],
                     help="exclude these patterns too (comma-separated globs; `generated/` is a folder)")
    cfg.add_argument("--force-exclude", action="store_true",
                     help="apply the excludes to files named on the command line too (for pre-commit)")
    cfg.add_argument("--respect-gitignore", dest="respect_gitignore", action="store_true", default=None,
                     help="skip what .gitignore files ignore (the default)")
    cfg.add_argument("--no-respect-gitignore", dest="respect_gitignore", action="store_false",
                     help="check files that .gitignore files ignore")
    cfg.add_argument("--no-cache", "-n", action="store_true", help="neither read nor write .asynclint_cache")
    cfg.add_argument("--jobs", "-j", type=int, default=None, help="worker processes (default: CPU count)")
    cfg.add_argument("--python", help="interpreter, virtualenv or site-packages whose installed packages the "
                                      "index reads (default: the active $VIRTUAL_ENV)")
    cfg.add_argument("--stdin-filename", help="the name to report for input read from -")
    fx = p.add_argument_group("fixes and adoption")
    fx.add_argument("--fix", action="store_true", help="apply safe fixes, then report what remains")
    fx.add_argument("--unsafe-fixes", action="store_true", help="with --fix or --diff: also apply fixes that may change behaviour")
    fx.add_argument("--fix-only", action="store_true", help="apply fixes and report nothing that remains (exit 0)")
    fx.add_argument("--diff", action="store_true", help="print what --fix would change as a unified diff; write nothing")
    fx.add_argument("--show-fixes", action="store_true", help="with --fix or --diff: list each fix")
    fx.add_argument("--add-noqa", action="store_true",
                    help="add `# noqa: CODE` to every line with a finding (`--add-noqa=REASON` adds `# REASON` after it)")
    fx.add_argument("--add-noqa-reason", default="", help=argparse.SUPPRESS)
    fx.add_argument("--ignore-noqa", action="store_true", help="report findings that `# noqa` comments silence")
    fx.add_argument("--baseline", metavar="FILE", help="report only findings not recorded in this baseline file")
    fx.add_argument("--update-baseline", action="store_true",
                    help="with --baseline: record today's findings in FILE (and report none)")
    p.add_argument("--watch", "-w", action="store_true",
                   help="check, then re-check and print new findings whenever a file changes")
    p.add_argument("--version", action="version", version=f"asynclint {__version__}")
    return p


def _load_config(args, start: Path) -> configmod.Config:
    from . import config as configmod
    from .rules import all_rules

    rules = all_rules()
    cfg = configmod.load(start, args.config, args.isolated, rules)
    for flag in ("select", "ignore"):
        value = getattr(args, flag)
        if value is not None:
            for code in value:
                configmod.check_code(code, list(rules), f"--{flag}")
            setattr(cfg, flag, value)
    for code in [*args.extend_select, *args.extend_ignore]:
        configmod.check_code(code, list(rules), "--extend-select/--extend-ignore")
    cfg.extend_select = [*cfg.extend_select, *args.extend_select]
    cfg.extend_ignore = [*cfg.extend_ignore, *args.extend_ignore]
    if args.exclude is not None:
        cfg.exclude = list(args.exclude)
    cfg.extend_exclude = [*cfg.extend_exclude, *args.extend_exclude]
    if args.respect_gitignore is not None:
        cfg.respect_gitignore = args.respect_gitignore
    if args.python:
        cfg.python = args.python
    return cfg


def _progress_printer(total: int):
    if total < 500 or sys.stderr is None or not sys.stderr.isatty():
        return None

    def show(done: int, total_: int) -> None:
        width = 30
        filled = int(width * done / max(total_, 1))
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total_} files")
        if done >= total_:
            sys.stderr.write("\r" + " " * (width + 30) + "\r")
        sys.stderr.flush()
    return show


def _check_output_file(name: str) -> None:
    """Refuse an `-o` target we cannot write before doing the work."""
    target = Path(name)
    if target.is_dir():
        raise UsageError(f"-o {name}: is a folder; name a file")
    parent = target.parent
    if not parent.is_dir():
        raise UsageError(f"-o {name}: folder {parent} does not exist")


def _named_problem(given: str) -> Optional[str]:
    """Why a path named on the command line cannot be read as source, or None.
    Never opens it (a FIFO would block)."""
    try:
        mode = os.stat(given).st_mode
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return None  # reported as "no such file" above
        return f"cannot read: {exc.strerror}"
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    kind = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device" \
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file"
    return f"not a regular file ({kind}): not read, not checked"


def _stdin_bytes() -> bytes:
    if sys.stdin is None:
        raise UsageError("- (standard input) was named but standard input is closed")
    try:
        buffer = getattr(sys.stdin, "buffer", None)
        return buffer.read() if buffer is not None else sys.stdin.read().encode("utf-8", "surrogateescape")
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read standard input: {getattr(exc, 'strerror', None) or exc}") from None


def _split_optional_values(argv: Sequence[str]) -> List[str]:
    """`--add-noqa=REASON` (ruff's spelling) -> `--add-noqa --add-noqa-reason
    REASON`: the reason is given only with `=`, so `--add-noqa src/` keeps
    `src/` as a path."""
    out: List[str] = []
    for i, arg in enumerate(argv):
        if arg == "--":
            out.extend(argv[i:])
            break
        if arg.startswith("--add-noqa="):
            out += ["--add-noqa", "--add-noqa-reason", arg.split("=", 1)[1]]
        else:
            out.append(arg)
    return out


def cmd_check(argv: Sequence[str]) -> int:
    args = _check_parser().parse_args(_split_optional_values(list(argv)))
    if args.update_baseline and not args.baseline:
        raise UsageError("--update-baseline needs --baseline FILE")
    exclusive = [f for f, on in (("--fix-only", args.fix_only), ("--diff", args.diff),
                                 ("--add-noqa", args.add_noqa),
                                 ("--update-baseline", args.update_baseline)) if on]
    if len(exclusive) > 1:
        raise UsageError(f"{' and '.join(exclusive)} cannot be combined")
    if args.fix_only:
        args.fix = True
    if args.silent:
        args.quiet = True
    paths = args.paths or ["."]
    if "-" in paths and len(paths) > 1:
        raise UsageError("- (standard input) cannot be combined with other paths")
    reading_stdin = paths == ["-"]
    if not reading_stdin:
        for given in paths:
            if not os.path.lexists(given):
                raise UsageError(f"{given}: no such file or directory")
    if args.output_file:
        _check_output_file(args.output_file)
    first = Path(args.stdin_filename or ".") if reading_stdin else Path(paths[0])
    cfg = _load_config(args, first if first.exists() else (first.parent if first.parent.exists() else Path(".")))
    if args.show_settings:
        _emit(_settings_text(cfg, args, paths), args.output_file)
        return 0
    stdin_data = _stdin_bytes() if reading_stdin else None

    from .discovery import discover, is_excluded
    from .engine import FileJob, Settings, lint_files
    from .index.modules import find_project_root
    from .rules import all_rules

    rules = all_rules()
    enabled = cfg.enabled_codes(rules)
    settings = Settings(cfg, enabled, honour_noqa=not args.ignore_noqa)
    if args.ignore_noqa:
        args.no_cache = True  # cached results have `# noqa` applied
    excludes = [*cfg.exclude, *cfg.extend_exclude]
    problems: List[tuple] = []  # (display, message): named or walked paths that cannot be read

    if stdin_data is not None:
        name = args.stdin_filename or "-"
        start = Path(name).parent if args.stdin_filename else Path(".")
        root = cfg.root or find_project_root([start if start.exists() else Path(".")])
        job = FileJob(Path(name).resolve(), name, data=stdin_data)
        if args.force_exclude and args.stdin_filename and is_excluded(Path(name).resolve(), root, excludes):
            return _finish_empty(args)
        # the rest of the project is indexed, not reported, as for the file on disk
        jobs = [job] + _context_jobs(root, [job], excludes, cfg.respect_gitignore, remember=not args.no_cache)
    else:
        root = cfg.root or find_project_root([Path(p) for p in paths])
        walkable = []
        for given in paths:
            problem = _named_problem(given)
            if problem:
                problems.append((given, problem))
            else:
                walkable.append(given)
        files = discover(walkable, root, excludes, cfg.respect_gitignore, force_exclude=args.force_exclude,
                         problems=problems, remember=not args.no_cache) if walkable else []
        jobs = [FileJob(f.file, f.display, real=True) for f in files]  # discovery resolves symlinked files
        if args.show_files:
            _emit("".join(f"{j.display}\n" for j in jobs), args.output_file)
            return 0
        if not any(os.path.isdir(given) and Path(given).resolve() == root for given in walkable):
            # (a walk of the root itself found every file of the project already)
            jobs += _context_jobs(root, jobs, excludes, cfg.respect_gitignore, remember=not args.no_cache)

    workers = args.jobs if args.jobs is not None else (os.cpu_count() or 1)
    if workers < 1:
        raise UsageError("--jobs must be at least 1")
    if args.watch:
        return _watch(args, paths, jobs, settings, root, workers)
    progress = _progress_printer(len(jobs))
    wants_fixes = bool(args.fix or args.diff)
    result = lint_files(jobs, settings, root, use_cache=not args.no_cache, workers=workers, progress=progress,
                        need_index=wants_fixes)
    if problems and "AIO001" in enabled:
        from dataclasses import replace
        from .diagnostics import Diagnostic, Severity
        extra = [Diagnostic(path=d, line=1, col=1, code="AIO001", name="syntax-error", message=m,
                            severity=Severity.ERROR) for d, m in problems]
        result = replace(result, diagnostics=sorted([*result.diagnostics, *extra], key=Diagnostic.sort_key),
                         not_analysed={**result.not_analysed, **{d: m for d, m in problems}})

    fixed_files = 0
    if args.fix or args.diff:  # libcst is imported only when a fix is applied
        from .fixes import command as fix_command
        result, fix_exit = fix_command.run(args, jobs, result, settings, root)
        if fix_exit is not None:
            return fix_exit
        fixed_files = getattr(args, "files_fixed", 0)

    if args.add_noqa:
        from . import noqa_writer
        added, skipped = noqa_writer.add_noqa(jobs, result.diagnostics, reason=args.add_noqa_reason)
        if not args.quiet:
            _err(f"asynclint: added {added} noqa comment{'s' if added != 1 else ''}"
                 + (f"; {skipped} line{'s' if skipped != 1 else ''} left alone (inside a string or after a "
                    f"line continuation)" if skipped else "") + "\n")
        return 0

    sources = _sources(jobs) if (args.show_source or args.baseline or args.format in ("full", "gitlab", "rdjson")) else None
    diagnostics = result.diagnostics
    if args.baseline:
        from . import baseline as baselinemod
        prints = baselinemod.base_fingerprints(diagnostics, sources, _root_relative(jobs, root, diagnostics))
        if args.update_baseline:
            baselinemod.write(Path(args.baseline), diagnostics, prints)
            if not args.quiet:
                _err(f"asynclint: recorded {len(diagnostics)} finding{'s' if len(diagnostics) != 1 else ''} "
                     f"in {args.baseline}\n")
            return 0
        known = baselinemod.read(Path(args.baseline))
        diagnostics, hidden = baselinemod.new_only(diagnostics, prints, known)
    else:
        hidden = 0

    if args.fix_only:
        return 1 if args.exit_non_zero_on_fix and fixed_files else 0

    from .reporters import render, statistics
    output = render(args.format, diagnostics, show_source=args.show_source, sources=sources,
                    root=root, display_to_rel=_root_relative(jobs, root, diagnostics))
    if args.statistics:
        stats = statistics(diagnostics)
        if result.not_analysed:
            stats.append(f"{len(result.not_analysed):<6} files not analysed")
        if args.format in ("text", "concise", "full"):
            output += "\n".join(stats) + ("\n" if stats else "")
        else:
            _err("\n".join(stats) + ("\n" if stats else ""))
    if not args.silent:
        _emit(output, args.output_file)
    if not (args.quiet or args.silent) and args.format in ("text", "concise", "full"):
        _summary(result, diagnostics, hidden, bool(args.fix))
    if any(d.code == INTERNAL_ERROR for d in diagnostics):
        return 2
    if args.exit_non_zero_on_fix and fixed_files:
        return 1
    if diagnostics and not args.exit_zero:
        return 1
    return 0


def _finish_empty(args) -> int:
    """Nothing to check (an excluded file named with --force-exclude)."""
    if args.format not in ("text", "concise", "full"):
        from .reporters import render
        _emit(render(args.format, []), args.output_file)
    return 0


def _root_relative(jobs, root: Path, diagnostics) -> Dict[str, str]:
    """display path -> path relative to the project root (posix), for output
    that must not depend on the folder asynclint was run from; only for the
    files with findings (a warm run of a large tree reports few)."""
    out = {}
    shown = {d.path for d in diagnostics}
    for j in jobs:
        if j.report and j.display in shown:
            try:
                out[j.display] = j.path.relative_to(root).as_posix()
            except ValueError:
                out[j.display] = j.path.as_posix()
    return out


def _sources(jobs) -> Dict[str, List[str]]:
    from .engine import source_lines
    from .source import SourceError, decode

    sources: Dict[str, List[str]] = {}
    for job in jobs:
        if job.report:
            data = job.data if job.data is not None else _read(job.path)
            if not data:
                sources[job.display] = []
                continue
            try:
                sources[job.display] = source_lines(decode(data).text)
            except SourceError:
                sources[job.display] = source_lines(data.decode("utf-8", "replace"))
    return sources


def _settings_text(cfg: configmod.Config, args, paths) -> str:
    from .rules import all_rules

    enabled = sorted(cfg.enabled_codes(all_rules()))
    lines = [f"asynclint {__version__}", f"config: {cfg.origin}", f"paths: {', '.join(paths)}"]
    for name in ("select", "ignore", "extend_select", "extend_ignore", "per_file_ignores", "exclude",
                 "extend_exclude", "respect_gitignore", "extra_blocking_calls", "allowed_blocking_calls",
                 "extra_coroutine_functions", "preserving_decorators", "thread_entry_points",
                 "report_each_caller", "foreign_noqa", "blocking_in_tests", "blocking_in_tooling",
                 "tooling_paths", "blocking_in_debug_code", "blocking_at_startup", "startup_functions", "startup_hooks",
                 "blocking_in_commands", "blocking_at_setup", "setup_functions", "setup_factories", "python"):
        lines.append(f"{name.replace('_', '-')} = {getattr(cfg, name)!r}")
    lines.append(f"enabled ({len(enabled)}): {', '.join(enabled)}")
    lines.append(f"cache: {'off' if args.no_cache else 'on (.asynclint_cache in the project root)'}")
    return "\n".join(lines) + "\n"


def _watch(args, paths, jobs, settings, root: Path, workers: int) -> int:
    from . import watch
    from .discovery import discover
    from .engine import FileJob
    from .reporters import render

    clashing = [f for f, on in (("--fix", args.fix), ("--diff", args.diff), ("--add-noqa", args.add_noqa),
                                ("--baseline", args.baseline), ("--output-file", args.output_file),
                                ("-", paths == ["-"])) if on]
    if clashing:
        raise UsageError(f"--watch cannot be combined with {', '.join(clashing)}")
    cfg = settings.config
    excludes = [*cfg.exclude, *cfg.extend_exclude]

    remember = not args.no_cache  # a poll reads only the folders whose stat moved, as a CLI run does

    def rediscover() -> List[FileJob]:
        try:
            found = [FileJob(f.file, f.display, real=True) for f in discover(
                [p for p in paths if os.path.exists(p)], root, excludes, cfg.respect_gitignore,
                force_exclude=args.force_exclude, remember=remember)]
        except Exception:  # a folder vanished mid-walk: keep what we had until the next round
            return list(jobs)
        return found + _context_jobs(root, found, excludes, cfg.respect_gitignore, remember=remember)

    return watch.run(jobs, settings, root, rediscover, lambda found: render(args.format, found), workers,
                     early=args.format in ("text", "concise"))


def _summary(result, diagnostics, hidden: int, fixing: bool) -> None:
    from .diagnostics import Applicability

    n = len(diagnostics)
    if n == 0:
        msg = "All checks passed!"
    else:
        safe = sum(1 for d in diagnostics if d.fix is not None and d.fix.applicability is Applicability.SAFE)
        unsafe = sum(1 for d in diagnostics if d.fix is not None and d.fix.applicability is not Applicability.SAFE)
        msg = f"Found {n} finding{'s' if n != 1 else ''}"
        hints = []
        if safe and not fixing:
            hints.append(f"{safe} fixable with `--fix`")
        if unsafe:
            hints.append(f"{unsafe} more with `--fix --unsafe-fixes`" if safe and not fixing
                         else f"{unsafe} fixable with `--fix --unsafe-fixes`")
        msg += f" ({'; '.join(hints)})." if hints else "."
    if hidden:
        msg += f" {hidden} more in the baseline."
    _err(msg + "\n")
    if result.not_analysed:
        k = len(result.not_analysed)
        _err(f"asynclint: {k} file{'s' if k != 1 else ''} not analysed (see AIO001 findings)\n")


# -- writing ------------------------------------------------------------------
class OutputError(Exception):
    pass


def _emit(text: str, output_file: Optional[str] = None) -> None:
    """Write the report. File names that are not valid UTF-8 are written as
    the bytes they are on disk (surrogateescape), never a traceback."""
    data = text.encode("utf-8", "surrogateescape")
    if output_file:
        try:
            with open(output_file, "wb") as fh:
                fh.write(data)
        except OSError as exc:
            raise OutputError(f"cannot write {output_file}: {exc.strerror or exc}") from None
        return
    if sys.stdout is None:
        raise OutputError("standard output is closed")
    try:
        sys.stdout.flush()
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is None:  # a text-only stream (a caller's StringIO)
            sys.stdout.write(data.decode("utf-8", "replace"))
        else:
            buffer.write(data)
            buffer.flush()
    except BrokenPipeError:
        _silence_stdout()
        raise
    except (OSError, ValueError) as exc:
        _silence_stdout()
        raise OutputError(f"cannot write to standard output: {getattr(exc, 'strerror', None) or exc}") from None


def _silence_stdout() -> None:
    """After a failed write the interpreter would flush stdout again at exit
    and print a second error: point fd 1 at /dev/null first."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    except OSError:
        pass


def _err(text: str) -> None:
    if sys.stderr is None:
        return
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _read(path: Path) -> Optional[bytes]:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _context_jobs(root: Path, jobs, excludes, respect_gitignore: bool, remember: bool = False):
    """Files of the project that were not named, indexed (not reported) so
    that cross-module questions see the whole project, as when pre-commit
    passes only the changed files. Only inside a real project root."""
    from .discovery import DiscoveryError, discover
    from .engine import FileJob
    from .index.modules import ROOT_MARKERS

    if not any((root / m).exists() for m in ROOT_MARKERS):
        return []
    named = {j.file for j in jobs}
    try:
        everything = discover([str(root)], root, excludes, respect_gitignore, remember=remember)
    except DiscoveryError:
        return []
    if all(f.file in named for f in everything):
        return []
    return [FileJob(f.file, f.display, report=False, real=True) for f in everything if f.file not in named]


# -- other commands -------------------------------------------------------------
def cmd_rules(argv: Sequence[str]) -> int:
    from .diagnostics import FAMILIES, Fixability
    from .rules import all_rules
    import json

    p = _Parser(prog="asynclint rules", description="List every rule.")
    p.add_argument("--format", "--output-format", dest="format", choices=("text", "json"), default="text")
    args = p.parse_args(list(argv))
    rows = []
    for rule in all_rules().values():
        rows.append({
            "code": rule.code, "name": rule.name, "family": rule.family,
            "family_name": FAMILIES.get(rule.family, ""), "summary": rule.summary,
            "fixable": rule.fixable.value,
            "fix_applicability": rule.fix_applicability.value if rule.fixable is not Fixability.NEVER else None,
            "default": rule.default_enabled,
        })
    if args.format == "json":
        _emit(json.dumps(rows, indent=2) + "\n")
        return 0
    text = []
    for r in rows:
        fix = "-" if r["fixable"] == "never" else f"{r['fixable']} ({r['fix_applicability']})"
        opt = "" if r["default"] else " [opt-in]"
        text.append(f"{r['code']}  {r['name']:<34} fix: {fix:<20} {r['summary']}{opt}\n")
    _emit("".join(text))
    return 0


def cmd_rule(argv: Sequence[str]) -> int:
    from .rules import all_rules

    p = _Parser(prog="asynclint rule", description="Show a rule's documentation (by code or name).")
    p.add_argument("rule", nargs="?", help="a code (AIO400) or a name (discarded-task-reference)")
    p.add_argument("--all", action="store_true", help="every rule's documentation")
    args = p.parse_args(list(argv))
    rules = all_rules()
    if args.all:
        if args.rule:
            raise UsageError("give a rule or --all, not both")
        _emit("\n".join(r.documentation() for r in rules.values()))
        return 0
    if not args.rule:
        raise UsageError("name a rule (code or name), or use --all")
    wanted = args.rule.strip()
    rule = rules.get(wanted.upper()) or next((r for r in rules.values() if r.name == wanted.lower()), None)
    if rule is None:
        names = [*rules, *(r.name for r in rules.values())]
        close = difflib.get_close_matches(wanted, names, n=1, cutoff=0.6)
        hint = f"; did you mean `{close[0]}`?" if close else ""
        raise UsageError(f"unknown rule {args.rule!r}{hint} (`asynclint rules` lists them)")
    _emit(rule.documentation())
    return 0


def cmd_clean(argv: Sequence[str]) -> int:
    import shutil

    p = _Parser(prog="asynclint clean", description="Remove the cache (.asynclint_cache) of the project.")
    p.add_argument("paths", nargs="*", help="project folders (default: the project of the current folder)")
    args = p.parse_args(list(argv))
    from .index.modules import find_project_root

    removed = []
    for given in args.paths or ["."]:
        if not os.path.isdir(given):
            raise UsageError(f"{given}: not a folder")
        root = find_project_root([Path(given)])
        for folder in {root, Path(given).resolve()}:
            cache = folder / ".asynclint_cache"
            if cache.is_dir() and not cache.is_symlink():
                try:
                    shutil.rmtree(cache)
                except OSError as exc:
                    raise OutputError(f"cannot remove {cache}: {exc.strerror or exc}") from None
                removed.append(cache)
    for cache in removed:
        _err(f"asynclint: removed {cache}\n")
    return 0


def cmd_run(argv: Sequence[str]) -> int:
    from .runtime.cli import main as runtime_main

    argv = list(argv)
    if argv and argv[0] == "--":
        argv = argv[1:]
    elif "--" in argv:
        i = argv.index("--")
        argv = argv[:i] + argv[i + 1:]
    return runtime_main(argv)


def cmd_server(argv: Sequence[str]) -> int:
    p = _Parser(prog="asynclint server", description="Run the language server (LSP over standard input/output).")
    p.parse_args(list(argv))
    try:
        from .lsp import serve
    except ImportError as exc:
        missing = (exc.name or "").split(".")[0]
        if missing not in ("pygls", "lsprotocol", "cattrs"):
            raise
        raise UsageError(f"the language server needs pygls ({missing} is not installed): "
                         "pip install 'asynclint[lsp]'") from None
    return serve()


HANDLERS = {"check": cmd_check, "rules": cmd_rules, "rule": cmd_rule, "run": cmd_run, "clean": cmd_clean,
            "server": cmd_server}


def _looks_like_command(word: str) -> bool:
    """A bare word that is not a path on disk is a mistyped command, not a
    file to check (`asynclint chek`)."""
    return (not word.startswith("-") and word.replace("-", "").isalpha() and "." not in word
            and not os.path.lexists(word))


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--version"]:  # answered before any parser, configuration or reporter is imported
        print(f"asynclint {__version__}")
        return 0
    try:
        if argv and argv[0] in HANDLERS:
            command, rest = argv[0], argv[1:]
        elif argv and _looks_like_command(argv[0]):
            close = difflib.get_close_matches(argv[0], list(HANDLERS), n=1, cutoff=0.6)
            hint = f"did you mean `asynclint {close[0]}`? " if close else ""
            raise UsageError(f"`{argv[0]}` is neither a command nor a file or folder; {hint}"
                             f"commands: {', '.join(HANDLERS)}")
        else:
            command, rest = "check", argv
        return HANDLERS[command](rest)
    except (UsageError, OutputError) as exc:
        _err(f"asynclint: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        _err("asynclint: interrupted\n")
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return 1
    except Exception as exc:  # ConfigError, DiscoveryError and any bug: one line, exit 2
        from .config import ConfigError
        from .discovery import DiscoveryError
        if isinstance(exc, (ConfigError, DiscoveryError)):
            _err(f"asynclint: error: {exc}\n")
            return 2
        if os.environ.get("ASYNCLINT_DEBUG"):
            raise
        _err(f"asynclint: internal error: {type(exc).__name__}: {exc} (set ASYNCLINT_DEBUG=1 for the traceback)\n")
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
