"""The one on-disk cache writer and reader.

Everything asynclint keeps between runs (per-file phase-1 results, the run
record, installed-package summaries) goes through `store()` and `load()`.
A cache folder sits inside the checked repository, so its files are input
like any other: a stranger's pull request can plant one. A file is therefore
only deserialised after its HMAC-SHA256 checks out under a per-user secret
kept outside every repository (`$XDG_CACHE_HOME/asynclint/secret`, mode
0600), and even then only through an unpickler that can build asynclint's
own plain-data classes and nothing else. The MAC also covers the asynclint
build (a hash of its source files) and the record's kind, so a file from
another build, another Python or another purpose is not taken for this one.

A file that is missing or from another build is rebuilt silently; one that is
damaged, forged or unreadable is rebuilt with one warning line per run.
Writes are atomic (a temporary file in the same folder, then `os.replace`).
"""
from __future__ import annotations

import gc
import hashlib
import hmac
import io
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any, Optional

CACHE_DIR = ".asynclint_cache"
_MAGIC = b"ALC2"
_MAC_SIZE = 32
_GITIGNORE = "# Created by asynclint\n*\n"

_state: dict = {}


def _secret_file() -> Optional[Path]:
    base = os.environ.get("XDG_CACHE_HOME")
    if base and os.path.isabs(base):
        return Path(base) / "asynclint" / "secret"
    home = os.path.expanduser("~")
    if not home or home == "~":
        return None
    return Path(home) / ".cache" / "asynclint" / "secret"


def secret() -> Optional[bytes]:
    """This user's cache key, created on first use; None when there is no
    private place to keep one (then nothing is cached)."""
    if "secret" in _state:
        return _state["secret"]
    key = None
    path = _secret_file()
    if path is not None:
        try:
            key = _read_secret(path)
            if key is None:
                path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                try:
                    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                except FileExistsError:  # a concurrent run made it first
                    key = _read_secret(path)
                else:
                    with os.fdopen(fd, "wb") as fh:
                        fh.write(os.urandom(32))
                    key = _read_secret(path)
        except OSError:
            key = None
    _state["secret"] = key
    return key


def _read_secret(path: Path) -> Optional[bytes]:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o077):
            return None  # someone else's, or readable by others: not a secret
        data = fh.read(64)
    return data if len(data) == 32 else None


def build_id() -> str:
    """Hash of this asynclint's own source files and the interpreter version:
    two builds that share a version string still never share a cache."""
    if "build" not in _state:
        h = hashlib.blake2b(digest_size=16)
        h.update(f"{sys.version_info[:3]}\0{sys.implementation.name}".encode())
        package = Path(__file__).resolve().parent
        for path in sorted(package.rglob("*.py")):
            try:
                h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
            except OSError:
                h.update(b"?")
        _state["build"] = h.hexdigest()
    return _state["build"]


def folder(root: Path) -> Path:
    return root / CACHE_DIR


# -- reading -------------------------------------------------------------------
class _DataOnly(pickle.Unpickler):
    """Builds asynclint's plain-data records and nothing else (defence in
    depth: the MAC already proves this user's asynclint wrote the file)."""

    def find_class(self, module: str, name: str):
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not cache data")


_ALLOWED = frozenset({
    ("asynclint.diagnostics", "Diagnostic"), ("asynclint.diagnostics", "Fix"),
    ("asynclint.diagnostics", "Severity"), ("asynclint.diagnostics", "Applicability"),
    ("asynclint.index.summary", "ModuleSummary"), ("asynclint.index.summary", "FunctionInfo"),
    ("asynclint.index.summary", "ClassInfo"),
    ("asynclint.context", "Pending"), ("asynclint.phase1", "FileResult"),
    # derived facts of a saved project index (`ProjectIndex.saved_shards`)
    ("asynclint.index.targets", "Target"), ("asynclint.index.threads", "ThreadInfo"),
})


def load(path: Path, kind: str, keep: bool = False) -> Optional[Any]:
    """The object stored at `path` by `store(path, kind, ...)`, or None.
    `keep`: the caller keeps it to the end of the process (a CLI run):
    frozen out of the cyclic collector's reach (it holds no cycles;
    reference counting still frees it)."""
    try:
        with open(path, "rb") as fh:
            blob = fh.read()
    except FileNotFoundError:
        return None
    except OSError:
        warn(path)
        return None
    key = secret()
    if key is None:
        return None
    head = len(_MAGIC) + _MAC_SIZE
    if len(blob) < head or not blob.startswith(_MAGIC):
        warn(path)
        return None
    mac = blob[len(_MAGIC):head]
    body = memoryview(blob)[head:]
    build = build_id().encode()
    if not hmac.compare_digest(mac, _mac(key, kind, body)):
        # Damaged or forged when it claims this build; else simply old.
        if body[:len(build)] == build:
            warn(path)
        return None
    if body[:len(build)] != build:  # ours, from another build: rebuilt silently
        return None
    # Unpickling allocates only what it returns (no garbage, no cycles to
    # find): the cyclic collector would re-scan the growing result many
    # times over (two thirds of the load time of a large fact table).
    collecting = gc.isenabled()
    gc.disable()
    try:
        loaded = _DataOnly(io.BytesIO(body[len(build):])).load()
    except Exception:
        warn(path)
        return None
    finally:
        if collecting:
            # The allocations counted meanwhile would start a collection of
            # everything just loaded at the next allocation: freezing resets
            # the count (and keeps the collector off the kept data for good).
            if keep:
                gc.freeze()
            gc.enable()
    return loaded


def dumps(obj: Any) -> bytes:
    """`obj` as a blob to store inside a cache file, decoded later (and only
    if needed) with `loads`."""
    return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)


def loads(blob: bytes) -> Any:
    """A blob made by `dumps`, read out of a file that `load` returned
    (so authenticated), through the same data-only unpickler."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _DataOnly(io.BytesIO(blob)).load()
    finally:
        if collecting:
            gc.enable()


def _mac(key: bytes, kind: str, body) -> bytes:
    h = hmac.new(key, kind.encode() + b"\0", hashlib.sha256)
    h.update(body)
    return h.digest()


def warn(path: Path) -> None:
    """One line per run however many cache files are bad."""
    if _state.get("warned"):
        return
    _state["warned"] = True
    try:
        sys.stderr.write(f"asynclint: warning: ignoring damaged or foreign cache file {path} (rebuilt)\n")
    except (OSError, ValueError):
        pass


# -- writing -------------------------------------------------------------------
def store(path: Path, kind: str, obj: Any) -> bool:
    """Write `obj` atomically; False (and nothing written) when the cache
    cannot be kept: no per-user secret, read-only tree, full disk."""
    key = secret()
    if key is None:
        return False
    body = build_id().encode() + pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    blob = _MAGIC + _mac(key, kind, body) + body
    directory = path.parent
    tmp = None
    try:
        prepare(directory)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(blob)
        os.replace(tmp, path)
        return True
    except OSError:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        return False


def prepare(directory: Path) -> None:
    """Make a cache folder (and its top, which git is told to ignore)."""
    if directory in _state.setdefault("prepared", set()):
        return
    directory.mkdir(parents=True, exist_ok=True)
    top = directory
    while top.name != CACHE_DIR and top.parent != top:
        top = top.parent
    if top.name == CACHE_DIR:
        ignore = top / ".gitignore"
        if not ignore.exists():
            ignore.write_text(_GITIGNORE)
    _state["prepared"].add(directory)
