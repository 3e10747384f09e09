"""`python -m asynclint.runtime [options] (app.py | -m module) args...`

`main(argv)` is also what `asynclint run [options] -- python app.py args...`
calls: a leading python executable word in the program part is skipped.
"""
from __future__ import annotations

import os
import re
import sys
from typing import List, Optional, Tuple

USAGE = """\
usage: python -m asynclint.runtime [options] [python] (script.py | -m module) [args...]

Run a program under the asynclint runtime shim and report asyncio misuse.

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
# python flags that may follow the python word (taking no argument / one argument)
_PY_FLAGS0 = {"-u", "-B", "-O", "-OO", "-E", "-s", "-S", "-I", "-q", "-b", "-bb", "-v", "-d", "-i"}
_PY_FLAGS1 = {"-X", "-W"}


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
    if rest and _is_python_word(rest[0]):
        rest = rest[1:]
        while rest and (rest[0] in _PY_FLAGS0 or rest[0] in _PY_FLAGS1):
            rest = rest[2:] if rest[0] in _PY_FLAGS1 else rest[1:]
    if not rest:
        raise UsageError("no program given")
    if rest[0] == "-m":
        if len(rest) < 2:
            raise UsageError("-m needs a module name")
        return opts, out, ("module", rest[1], rest[2:])
    if rest[0].startswith("-m") and len(rest[0]) > 2:
        return opts, out, ("module", rest[0][2:], rest[1:])
    if rest[0].startswith("-"):
        raise UsageError(f"unknown option {rest[0]}")
    return opts, out, ("script", rest[0], rest[1:])


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
    if sys.path:
        sys.path[0] = path
    else:
        sys.path.insert(0, path)


def _run(kind: str, target: str, args: List[str]) -> int:
    import runpy

    if kind == "script":
        sys.argv = [target] + list(args)
        _set_path0(os.path.dirname(os.path.abspath(target)))
        # python gives __main__ an absolute __file__ (3.9+): tracebacks and
        # warnings then look the same with and without the shim
        runpy.run_path(os.path.abspath(target), run_name="__main__")
    else:
        sys.argv = [target] + list(args)  # runpy replaces argv[0] with the file
        _set_path0(os.getcwd())
        runpy.run_module(target, run_name="__main__", alter_sys=True)
    return 0


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
            interrupted = e
        except BaseException:
            # print the traceback as python would, without our frames
            etype, value, tb = sys.exc_info()
            while tb is not None and _is_own_frame(tb.tb_frame):
                tb = tb.tb_next
            sys.excepthook(etype, value, tb)
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
        raise interrupted
    if out["fail"] and findings:
        return code or 1
    return code


def _is_own_frame(frame) -> bool:
    fn = frame.f_code.co_filename
    return fn == __file__ or os.path.basename(os.path.dirname(fn)) == "runpy" or fn.endswith(
        os.sep + "runpy.py")
