"""What `--fix`, `--unsafe-fixes`, `--diff` and `--show-fixes` do.

`run(args, jobs, result, settings, root)` is called by the CLI after the
normal check. It returns `(result, exit_code)`: with an exit code the command
is done (`--diff`, standard input); otherwise `result` holds the findings that
remain after fixing and the CLI reports them as usual (exit 0 when none
remain, 1 otherwise).

- `--fix` writes each changed file atomically (`files.atomic_write`).
- `--diff` prints a unified diff of what `--fix` would change, writes
  nothing, and exits 1 when there would be changes, 0 otherwise.
- With `-` (standard input), `--fix` prints the fixed source to standard
  output (findings that remain go to standard error).
- `--show-fixes` lists each fix applied (or, with --diff, that would be).
"""
from __future__ import annotations

import difflib
import sys
from dataclasses import replace
from typing import List, Optional, Tuple

from ..diagnostics import Applicability, Diagnostic
from . import fix_kind
from .files import ChangedSinceRead, atomic_write
from .runner import FileFix, fix_project


def unified_diff(display: str, old: str, new: str) -> str:
    a = old.splitlines(keepends=True)
    b = new.splitlines(keepends=True)
    lines = []
    for line in difflib.unified_diff(a, b, fromfile=display, tofile=display):
        if not line.endswith(("\n", "\r")):
            line += "\n\\ No newline at end of file\n"
        lines.append(line)
    return "".join(lines)


def _fix_lines(fixes: List[FileFix]) -> List[str]:
    out = []
    for f in fixes:
        for d in sorted(f.applied, key=Diagnostic.sort_key):
            out.append(f"{d.path}:{d.line}:{d.col}: {d.code} fixed: {d.fix.description}")
    return out


def _write_err(text: str) -> None:
    sys.stderr.write(text)
    sys.stderr.flush()


def run(args, jobs, result, settings, root) -> Tuple[object, Optional[int]]:
    unsafe = bool(getattr(args, "unsafe_fixes", False))
    diff_only = bool(getattr(args, "diff", False))
    quiet = bool(getattr(args, "quiet", False))
    show = bool(getattr(args, "show_fixes", False))
    stdin_job = next((j for j in jobs if j.report and j.data is not None), None)

    workers = getattr(args, "jobs", None) or 1
    fixed, final = fix_project(jobs, result, settings, root, unsafe, workers)
    changed = [f for f in fixed.values() if f.changed]
    for f in fixed.values():
        if f.error and not quiet:
            _write_err(f"asynclint: {f.display}: not fixed: {f.error}\n")
    n_fixes = sum(len(f.applied) for f in changed)
    fix_text = _fix_lines(changed)
    machine = args.format != "text" or bool(getattr(args, "output_file", None))

    if diff_only:
        out = sys.stdout
        for f in sorted(changed, key=lambda f: f.display):
            out.write(unified_diff(f.display, f.source.text, f.new_text))
        out.flush()
        if show and fix_text:
            _write_err("\n".join(fix_text) + "\n")
        if not quiet:
            _write_err(f"asynclint: would fix {n_fixes} finding{'s' if n_fixes != 1 else ''} "
                       f"in {len(changed)} file{'s' if len(changed) != 1 else ''}\n")
        return result, (1 if changed else 0)

    # the findings that remain: the new ones for fixed files, the old ones elsewhere
    if final is not None:  # the whole project checked again with the fixed texts
        remaining = list(final)
    else:
        remaining = [d for d in result.diagnostics if d.path not in fixed or not fixed[d.path].changed]
        for f in changed:
            remaining.extend(f.remaining)
    remaining.sort(key=Diagnostic.sort_key)

    if stdin_job is not None:
        f = fixed.get(stdin_job.display)
        data = f.new_bytes() if f is not None and f.changed else stdin_job.data
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        if show and fix_text:
            _write_err("\n".join(fix_text) + "\n")
        if remaining and not quiet:
            _write_err("".join(d.format_text() + "\n" for d in remaining))
        if getattr(args, "fix_only", False):
            changed_stdin = f is not None and f.changed
            return result, (1 if changed_stdin and getattr(args, "exit_non_zero_on_fix", False) else 0)
        return result, (1 if remaining and not args.exit_zero else 0)

    written = []
    for f in changed:
        try:
            atomic_write(f.path, f.new_bytes(), expected=f.source.data)
            written.append(f)
        except ChangedSinceRead:
            _write_err(f"asynclint: {f.display}: not fixed: the file changed since it was read; run again\n")
            remaining = [d for d in remaining if d.path != f.display] + \
                [d for d in result.diagnostics if d.path == f.display]
        except OSError as exc:
            _write_err(f"asynclint: {f.display}: cannot write the fixed file: {exc.strerror or exc}\n")
            remaining = [d for d in remaining if d.path != f.display] + \
                [d for d in result.diagnostics if d.path == f.display]
    remaining.sort(key=Diagnostic.sort_key)
    fix_text = _fix_lines(written)
    n_fixes = sum(len(f.applied) for f in written)
    args.files_fixed = len(written)  # for --exit-non-zero-on-fix
    if show and fix_text:
        text = "\n".join(fix_text) + "\n"
        if machine:
            _write_err(text)
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
    if not quiet:
        more = sum(1 for d in remaining if fix_kind(d) and d.fix.applicability is Applicability.UNSAFE) if not unsafe else 0
        hint = f"; {more} more with --unsafe-fixes" if more else ""
        _write_err(f"asynclint: fixed {n_fixes} finding{'s' if n_fixes != 1 else ''} in {len(written)} "
                   f"file{'s' if len(written) != 1 else ''}, {len(remaining)} remaining{hint}\n")
    return replace(result, diagnostics=remaining), None
