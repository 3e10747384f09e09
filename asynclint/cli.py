"""The `asynclint` command: arguments -> config -> engine -> reporter -> exit code.

Exit status: 0 no findings, 1 findings, 2 usage or internal error.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from . import __version__
from . import config as configmod
from .diagnostics import FAMILIES, Fixability
from .discovery import DiscoveryError, discover
from .engine import FileJob, Settings, lint_files
from .index.modules import ROOT_MARKERS, find_project_root
from .reporters import FORMATS, render, statistics
from .rules import all_rules

SUBCOMMANDS = ("check", "rules", "rule", "run", "server")


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # exit 2 with our prefix, like every other error
        raise UsageError(message)


def _codes(value: str) -> List[str]:
    return [c.strip().upper() for c in value.replace(" ", ",").split(",") if c.strip()]


def _check_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="asynclint", description="Find asyncio mistakes in Python code.",
                epilog="Other commands: `asynclint rules`, `asynclint rule CODE`, `asynclint run -- python app.py`.")
    p.add_argument("paths", nargs="*", help="files or folders to check (default: .); - reads standard input")
    p.add_argument("--select", type=_codes, help="only these codes or prefixes (e.g. AIO1,AIO400)")
    p.add_argument("--ignore", type=_codes, help="skip these codes or prefixes")
    p.add_argument("--extend-select", type=_codes, default=[], help="add codes to the selection (opt-in rules)")
    p.add_argument("--extend-ignore", type=_codes, default=[], help="add codes to skip")
    p.add_argument("--format", choices=sorted(FORMATS), default="text", help="output format (default: text)")
    p.add_argument("--output-file", "-o", help="write the report to this file instead of standard output")
    p.add_argument("--statistics", action="store_true", help="count findings per code")
    p.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    p.add_argument("--show-source", action="store_true", help="print the source line under each finding")
    p.add_argument("--config", help="read options from this TOML file instead of the nearest pyproject.toml")
    p.add_argument("--isolated", action="store_true", help="ignore all configuration files")
    p.add_argument("--no-cache", action="store_true", help="neither read nor write .asynclint_cache")
    p.add_argument("--jobs", "-j", type=int, default=None, help="worker processes (default: CPU count)")
    p.add_argument("--python", help="interpreter, virtualenv or site-packages whose installed packages the "
                                    "index reads (default: the active $VIRTUAL_ENV)")
    p.add_argument("--stdin-filename", help="the name to report for input read from -")
    p.add_argument("--quiet", "-q", action="store_true", help="print findings only, no summary")
    p.add_argument("--fix", action="store_true", help="apply safe fixes, then report what remains")
    p.add_argument("--unsafe-fixes", action="store_true", help="with --fix or --diff: also apply fixes that may change behaviour")
    p.add_argument("--diff", action="store_true", help="print what --fix would change as a unified diff; write nothing")
    p.add_argument("--show-fixes", action="store_true", help="with --fix or --diff: list each fix")
    p.add_argument("--watch", "-w", action="store_true", help="check, then re-check and print new findings whenever a file changes")
    p.add_argument("--version", action="version", version=f"asynclint {__version__}")
    return p


def _load_config(args, first_path: Path) -> configmod.Config:
    rules = all_rules()
    values: Dict[str, object] = {}
    origin = "defaults"
    root: Optional[Path] = None
    if args.config:
        cfg_path = Path(args.config)
        if not cfg_path.is_file():
            raise configmod.ConfigError(f"--config {args.config}: no such file")
        values = _read_any_toml(cfg_path)
        origin = str(cfg_path)
        values = configmod.validate(values, origin, rules)
    elif not args.isolated:
        pyproject = configmod.find_pyproject(first_path)
        if pyproject is not None:
            raw = configmod.load_file(pyproject)
            origin = f"{pyproject} [tool.asynclint]"
            values = configmod.validate(raw, origin, rules)
            root = pyproject.parent
    cfg = configmod.build(values, origin, root)
    for flag, attr in (("select", "select"), ("ignore", "ignore")):
        value = getattr(args, flag)
        if value is not None:
            for code in value:
                configmod.check_code(code, list(rules), f"--{flag}")
            setattr(cfg, attr, value)
    for code in [*args.extend_select, *args.extend_ignore]:
        configmod.check_code(code, list(rules), "--extend-select/--extend-ignore")
    cfg.extend_select = [*cfg.extend_select, *args.extend_select]
    cfg.extend_ignore = [*cfg.extend_ignore, *args.extend_ignore]
    return cfg


def _read_any_toml(path: Path) -> Dict[str, object]:
    try:
        with open(path, "rb") as fh:
            data = configmod.tomllib.load(fh)
    except OSError as exc:
        raise configmod.ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    except configmod.tomllib.TOMLDecodeError as exc:
        raise configmod.ConfigError(f"{path}: invalid TOML: {exc}") from None
    section = data.get("tool", {}).get("asynclint")
    return section if isinstance(section, dict) else data


def _progress_printer(total: int):
    if total < 500 or not sys.stderr.isatty():
        return None

    def show(done: int, total_: int) -> None:
        width = 30
        filled = int(width * done / max(total_, 1))
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total_} files")
        if done >= total_:
            sys.stderr.write("\r" + " " * (width + 30) + "\r")
        sys.stderr.flush()
    return show


def cmd_check(argv: Sequence[str]) -> int:
    args = _check_parser().parse_args(list(argv))
    paths = args.paths or ["."]
    stdin_data: Optional[bytes] = None
    if "-" in paths:
        if len(paths) > 1:
            raise UsageError("- (standard input) cannot be combined with other paths")
        stdin_data = sys.stdin.buffer.read()
    first = Path(args.stdin_filename or ".") if stdin_data is not None else Path(paths[0])
    if stdin_data is None:
        for given in paths:
            if not Path(given).exists():
                raise UsageError(f"{given}: no such file or directory")
    cfg = _load_config(args, first if first.exists() else Path("."))
    if args.python:
        cfg.python = args.python
    rules = all_rules()
    enabled = cfg.enabled_codes(rules)
    settings = Settings(cfg, enabled)

    if stdin_data is not None:
        name = args.stdin_filename or "-"
        root = cfg.root or find_project_root([Path(name).parent if args.stdin_filename else Path(".")])
        jobs = [FileJob(Path(name).resolve(), name, data=stdin_data)]
    else:
        root = cfg.root or find_project_root([Path(p) for p in paths])
        excludes = [*cfg.exclude, *cfg.extend_exclude]
        files = discover(paths, root, excludes, cfg.respect_gitignore)
        jobs = [FileJob(f.path, f.display) for f in files]
        jobs += _context_jobs(root, jobs, excludes, cfg.respect_gitignore)

    workers = args.jobs if args.jobs is not None else (os.cpu_count() or 1)
    if workers < 1:
        raise UsageError("--jobs must be at least 1")
    if args.watch:
        return _watch(args, paths, jobs, settings, root, workers)
    progress = _progress_printer(len(jobs))
    wants_fixes = bool(getattr(args, "fix", False) or getattr(args, "diff", False))
    result = lint_files(jobs, settings, root, use_cache=not args.no_cache, workers=workers, progress=progress,
                        need_index=wants_fixes)
    if args.fix or args.diff:  # libcst is imported only when a fix is applied
        from .fixes import command as fix_command
        result, fix_exit = fix_command.run(args, jobs, result, settings, root)
        if fix_exit is not None:
            return fix_exit

    sources = None
    if args.show_source:
        sources = {}
        for job in jobs:
            if job.report:
                data = job.data if job.data is not None else _read(job.path)
                sources[job.display] = data.decode("utf-8", "replace").splitlines() if data else []
    output = render(args.format, result.diagnostics, show_source=args.show_source, sources=sources)
    if args.statistics:
        stats = statistics(result.diagnostics)
        if result.not_analysed:
            stats.append(f"{len(result.not_analysed):<6} files not analysed")
        if args.format == "text":
            output += "\n".join(stats) + ("\n" if stats else "")
        else:
            sys.stderr.write("\n".join(stats) + ("\n" if stats else ""))
    if args.output_file:
        Path(args.output_file).write_text(output, encoding="utf-8")
    else:
        sys.stdout.write(output)
    if not args.quiet and args.format == "text":
        _summary(result)
    if result.diagnostics and not args.exit_zero:
        return 1
    return 0


def _watch(args, paths, jobs, settings, root, workers) -> int:
    from . import watch

    if args.fix or args.diff or args.output_file or "-" in paths:
        raise UsageError("--watch cannot be combined with --fix, --diff, --output-file or -")
    excludes = [*settings.config.exclude, *settings.config.extend_exclude]

    def rediscover() -> List[FileJob]:
        try:
            found = [FileJob(f.path, f.display) for f in discover(paths, root, excludes, settings.config.respect_gitignore)]
        except DiscoveryError:
            return [j for j in jobs]
        return found + _context_jobs(root, found, excludes, settings.config.respect_gitignore)

    return watch.run(jobs, settings, root, rediscover, lambda found: render(args.format, found), workers,
                     early=args.format == "text")


def _summary(result) -> None:
    if result.not_analysed:
        n = len(result.not_analysed)
        sys.stderr.write(f"asynclint: {n} file{'s' if n != 1 else ''} not analysed (see AIO001 findings)\n")


def _read(path: Path) -> Optional[bytes]:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _context_jobs(root: Path, jobs: List[FileJob], excludes, respect_gitignore: bool) -> List[FileJob]:
    """Files of the project that were not named, indexed (not reported) so
    that cross-module questions see the whole project, as when pre-commit
    passes only the changed files. Only inside a real project root."""
    if not any((root / m).exists() for m in ROOT_MARKERS):
        return []
    named = {j.path for j in jobs}
    try:
        everything = discover([str(root)], root, excludes, respect_gitignore)
    except DiscoveryError:
        return []
    if all(f.path in named for f in everything):
        return []
    return [FileJob(f.path, f.display, report=False) for f in everything if f.path not in named]


def cmd_rules(argv: Sequence[str]) -> int:
    p = _Parser(prog="asynclint rules", description="List every rule.")
    p.add_argument("--format", choices=("text", "json"), default="text")
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
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return 0
    for r in rows:
        fix = "-" if r["fixable"] == "never" else f"{r['fixable']} ({r['fix_applicability']})"
        opt = "" if r["default"] else " [opt-in]"
        sys.stdout.write(f"{r['code']}  {r['name']:<34} fix: {fix:<20} {r['summary']}{opt}\n")
    return 0


def cmd_rule(argv: Sequence[str]) -> int:
    p = _Parser(prog="asynclint rule", description="Show a rule's documentation.")
    p.add_argument("code")
    args = p.parse_args(list(argv))
    rule = all_rules().get(args.code.upper())
    if rule is None:
        raise UsageError(f"unknown rule {args.code!r}; `asynclint rules` lists them")
    sys.stdout.write(rule.documentation())
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


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in SUBCOMMANDS:
            command, rest = argv[0], argv[1:]
        else:
            command, rest = "check", argv
        handler = {"check": cmd_check, "rules": cmd_rules, "rule": cmd_rule, "run": cmd_run, "server": cmd_server}[command]
        return handler(rest)
    except (UsageError, configmod.ConfigError, DiscoveryError) as exc:
        sys.stderr.write(f"asynclint: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("asynclint: interrupted\n")
        return 130
    except BrokenPipeError:
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
