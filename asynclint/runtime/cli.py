"""`python -m asynclint.runtime [options] (app.py | -m module) args...`

`main(argv)` is also what `asynclint run [options] -- python app.py args...`
calls: a leading python executable word in the program part is skipped.
"""
from __future__ import annotations

import os
import re
import sys
import types
from typing import List, Optional, Tuple

USAGE = """\
usage: python -m asynclint.runtime [options] [python [python-options]] (script.py | -m module | -c code) [args...]

Run a program under the asynclint runtime shim and report asyncio misuse.
Interpreter options after the python word (-O, -W error, -X dev, -I, ...) apply
to the program: the shim then starts a fresh interpreter with them.

options:
  --report FILE           write findings as JSON to FILE
  --format {text,json}    summary format on stderr (default: text)
  --fail                  exit 1 when there are findings (program's own code if non-zero)
  --raise                 raise AsyncioMisuseError at the offending call
  --slow-callback-ms N    slow callback / task step threshold (default: 100)
  --select CODES          only these code prefixes, comma-separated (e.g. AIO2,AIO301)
  --ignore CODES          skip these code prefixes
  --allow MOD:FUNC        allow blocking calls in/of module:function (repeatable, comma-separated)
  --origin-depth N        coroutine origin tracking depth (default: 1)
  --monitoring            also use sys.monitoring (3.12+) for references bound before install
  -h, --help              show this help
"""

_PY_WORD = re.compile(r"^python(\d+(\.\d+)*)?(\.exe)?$", re.IGNORECASE)
# interpreter options that may follow the python word: without an argument
# (several may share one dash: -OO, -uB) and with one (-W error, -Werror)
_PY_FLAGS0 = set("bBdEhiIOPqsSuvVx")
_PY_FLAGS1 = set("WX")


class UsageError(Exception):
    pass


def _is_python_word(word: str) -> bool:
    if word == sys.executable:
        return True
    return bool(_PY_WORD.match(os.path.basename(word)))


def parse_args(argv: List[str]) -> Tuple[dict, dict, Optional[Tuple[str, str, List[str]]]]:
    """-> (install options, output options, (kind, target, args) or None for help)."""
    opts: dict = {}
    out = {"report": None, "format": "text", "fail": False}
    allow: List[str] = []
    i = 0
    n = len(argv)

    def value(flag: str, inline: Optional[str]) -> str:
        nonlocal i
        if inline is not None:
            return inline
        if i + 1 >= n:
            raise UsageError(f"{flag} needs a value")
        i += 1
        return argv[i]

    while i < n:
        arg = argv[i]
        if arg == "--":
            i += 1
            break
        if not arg.startswith("--") or arg == "-m":
            if arg in ("-h",):
                return opts, out, None
            break
        flag, eq, inline = arg.partition("=")
        inline = inline if eq else None
        if flag == "--help":
            return opts, out, None
        elif flag == "--report":
            out["report"] = value(flag, inline)
        elif flag == "--format":
            fmt = value(flag, inline)
            if fmt not in ("text", "json"):
                raise UsageError("--format must be text or json")
            out["format"] = fmt
        elif flag == "--fail":
            out["fail"] = True
        elif flag == "--raise":
            opts["raise_"] = True
        elif flag == "--slow-callback-ms":
            try:
                opts["slow_callback_ms"] = float(value(flag, inline))
            except ValueError:
                raise UsageError("--slow-callback-ms needs a number") from None
        elif flag == "--select":
            opts["select"] = value(flag, inline)
        elif flag == "--ignore":
            opts["ignore"] = value(flag, inline)
        elif flag == "--allow":
            allow.extend(value(flag, inline).split(","))
        elif flag == "--origin-depth":
            try:
                opts["origin_depth"] = int(value(flag, inline))
            except ValueError:
                raise UsageError("--origin-depth needs an integer") from None
        elif flag == "--monitoring":
            opts["monitoring"] = True
        else:
            raise UsageError(f"unknown option {arg}")
        i += 1
    if allow:
        opts["allow"] = allow
    rest = argv[i:]
    pyflags: List[str] = []
    if rest and _is_python_word(rest[0]):
        rest, pyflags = _python_options(rest[1:])
    if pyflags:
        shim_part = [a for a in argv[:i] if a != "--"]
        opts["_reexec"] = (pyflags, [*shim_part, "--", *rest])
    if not rest:
        raise UsageError("no program given")
    for flag, kind in (("-m", "module"), ("-c", "code")):
        if rest[0] == flag:
            if len(rest) < 2:
                raise UsageError(f"{flag} needs an argument")
            return opts, out, (kind, rest[1], rest[2:])
        if rest[0].startswith(flag) and len(rest[0]) > 2:
            return opts, out, (kind, rest[0][2:], rest[1:])
    if rest[0].startswith("-"):
        raise UsageError(f"unknown option {rest[0]}")
    return opts, out, ("script", rest[0], rest[1:])


def _python_options(rest: List[str]) -> Tuple[List[str], List[str]]:
    """Split `-O -W error -X dev prog.py ...` into (program part, options)."""
    flags: List[str] = []
    while rest and rest[0].startswith("-") and rest[0] not in ("-", "--") \
            and rest[0][1:2] not in ("m", "c"):
        word = rest[0]
        if word[1:2] in _PY_FLAGS1:
            if len(word) > 2:
                flags.append(word)
                rest = rest[1:]
            elif len(rest) > 1:
                flags.extend(rest[:2])
                rest = rest[2:]
            else:
                raise UsageError(f"python option {word} needs an argument")
        elif word.startswith("--"):
            raise UsageError(f"unsupported python option {word}")
        elif set(word[1:]) <= _PY_FLAGS0:
            flags.append(word)
            rest = rest[1:]
        else:
            raise UsageError(f"unknown python option {word}")
    if rest and rest[0] == "--":
        rest = rest[1:]
    return rest, flags


def _join_threads() -> None:
    """What the interpreter does at shutdown: wait for non-daemon threads, so
    their findings make it into the summary."""
    import threading

    main = threading.main_thread()
    for t in threading.enumerate():
        if t is main or t.daemon or not t.is_alive():
            continue
        try:
            t.join()
        except Exception:
            pass


def _set_path0(path: str) -> None:
    # python -P / -I put neither the script's folder nor the cwd first
    if getattr(sys.flags, "safe_path", False) or sys.flags.isolated:
        return
    if sys.path:
        sys.path[0] = path
    else:
        sys.path.insert(0, path)


def _run(kind: str, target: str, args: List[str]) -> int:
    import runpy

    sys.argv = [target] + list(args)
    if kind == "script":
        _set_path0(os.path.dirname(os.path.abspath(target)))
        # python gives __main__ an absolute __file__ (3.9+): tracebacks and
        # warnings then look the same with and without the shim
        runpy.run_path(os.path.abspath(target), run_name="__main__")
    elif kind == "module":
        _set_path0(os.getcwd())
        # what `python -m` itself calls: the same __main__ set-up and the same
        # two runpy frames at the top of a traceback; a fresh __main__ module
        # so the program does not run in the shim's own namespace
        sys.modules["__main__"] = types.ModuleType("__main__")
        runpy._run_module_as_main(target, alter_argv=True)
    else:  # -c CODE
        sys.argv[0] = "-c"
        _set_path0("")
        main = types.ModuleType("__main__")
        main.__dict__.update(__spec__=None, __loader__=None, __package__=None)
        sys.modules["__main__"] = main
        exec(compile(target, "<string>", "exec"), main.__dict__)
    return 0


_OWN_DIR = os.path.dirname(os.path.abspath(__file__))


def _is_own_frame(frame) -> bool:
    return os.path.dirname(frame.f_code.co_filename) == _OWN_DIR or "__asynclint_boot__" in \
        frame.f_globals


def _is_runpy_frame(frame) -> bool:
    fn = frame.f_code.co_filename
    return fn == "<frozen runpy>" or os.path.basename(fn) == "runpy.py"


def _strip_own_frames(exc: Optional[BaseException], kind: str, seen=None) -> None:
    """Remove the shim's frames from a traceback (and its causes), so an
    uncaught exception prints as it does without the shim: ours anywhere (a
    patched call in the middle), and runpy's above the program unless python
    itself shows them (`-m`)."""
    seen = set() if seen is None else seen
    if exc is None or id(exc) in seen:
        return
    seen.add(id(exc))
    kept = []
    tb = exc.__traceback__
    leading = True
    while tb is not None:
        frame = tb.tb_frame
        own = _is_own_frame(frame)
        if leading and not own and not (_is_runpy_frame(frame) and kind != "module"):
            leading = False
        if not own and not leading:
            kept.append(tb)
        tb = tb.tb_next
    for first, second in zip(kept, kept[1:]):
        first.tb_next = second
    if kept:
        kept[-1].tb_next = None
    exc.__traceback__ = kept[0] if kept else None
    _strip_own_frames(exc.__cause__, kind, seen)
    _strip_own_frames(exc.__context__, kind, seen)


def _reexec(pyflags: List[str], argv: List[str]) -> int:
    """Run the shim again in an interpreter started with the program's python
    options (-O, -W, -X, -I, ...: most act at start-up). The shim finds its
    own package even under -I/-S/-E: its folder is appended to sys.path for
    the import and removed before the program starts."""
    root = os.path.dirname(os.path.dirname(_OWN_DIR))
    boot = (f"import sys; __asynclint_boot__ = 1; sys.path.append({root!r}); "
            f"from asynclint.runtime.cli import _boot; _boot({root!r})")
    cmd = [sys.executable, *pyflags, "-c", boot, *argv]
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "posix":
        os.execv(sys.executable, cmd)
    import subprocess  # pragma: no cover - Windows has no real exec

    return subprocess.call(cmd)  # pragma: no cover


def _boot(root: str) -> None:
    import asynclint.runtime._install  # noqa: F401  everything the shim imports
    import asynclint.runtime._monitoring  # noqa: F401

    if sys.path and sys.path[-1] == root:
        sys.path.pop()
    sys.exit(main(sys.argv[1:]))


def _exit_code(exc: SystemExit) -> int:
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    try:
        sys.stderr.write(f"{code}\n")
    except Exception:
        pass
    return 1


def main(argv: Optional[List[str]] = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    try:
        opts, out, program = parse_args(list(argv))
    except UsageError as e:
        sys.stderr.write(USAGE + f"\nerror: {e}\n")
        return 2
    if program is None:
        sys.stdout.write(USAGE)
        return 0
    kind, target, args = program
    reexec = opts.pop("_reexec", None)
    if reexec:
        return _reexec(*reexec)
    if kind == "script" and not os.path.exists(target):
        sys.stderr.write(f"asynclint runtime: can't open file {target!r}\n")
        return 2

    from . import install
    from ._core import collect_garbage, write_report, write_summary

    handle = install(**opts)
    code = 0
    interrupted: Optional[BaseException] = None
    saved_argv, saved_path = sys.argv[:], sys.path[:]
    try:
        try:
            code = _run(kind, target, args)
        except SystemExit as e:
            code = _exit_code(e)
        except KeyboardInterrupt as e:
            _strip_own_frames(e, kind)
            interrupted = e
        except BaseException as e:
            # print the traceback as python would, without our frames
            _strip_own_frames(e, kind)
            sys.excepthook(type(e), e, e.__traceback__)
            code = 1
        try:
            if interrupted is None:
                _join_threads()
            collect_garbage()
        except KeyboardInterrupt as e:  # pragma: no cover
            interrupted = e
    finally:
        handle.uninstall()
        sys.argv, sys.path[:] = saved_argv, saved_path
        findings = handle.sorted_findings()
        try:
            write_summary(findings, out["format"])
            if out["report"]:
                write_report(findings, out["report"])
        except Exception as e:  # pragma: no cover
            sys.stderr.write(f"asynclint runtime: cannot write report: {e}\n")
    if interrupted is not None:
        # python prints it and exits by SIGINT; our frames stay out of it
        hook = sys.excepthook

        def excepthook(etype, value, tb):
            _strip_own_frames(value, kind)
            sys.excepthook = hook
            hook(etype, value, value.__traceback__)

        sys.excepthook = excepthook
        raise interrupted
    if out["fail"] and findings:
        return code or 1
    return code
