"""Reading a source file for fixing and writing it back without damage.

The text is decoded the way the interpreter does (PEP 263 cookie, BOM) and
its line endings are left alone (libcst keeps them, and inserted lines use the
file's own newline). Writing encodes with the same codec, restores the BOM,
and replaces the file atomically: a temporary file in the same folder, synced,
given the original's mode, then `os.replace`d over it (so a crash leaves
either the old or the new file, never half of one). A symlink is followed:
the file it points to is replaced, the link stays.
"""
from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..source import SourceError, decode

BOM = b"\xef\xbb\xbf"


@dataclass
class SourceFile:
    data: bytes  # exactly what was read
    text: str  # decoded, BOM removed, line endings as in the file
    encoding: str
    bom: bool

    def encode(self, text: str) -> bytes:
        """`text` in this file's encoding, BOM included when it had one.
        Raises UnicodeEncodeError when the text does not fit the encoding."""
        return encode_text(text, self.encoding, self.bom)


def encode_text(text: str, encoding: str, bom: bool) -> bytes:
    out = text.encode(encoding)
    if bom and not out.startswith(BOM):
        out = BOM + out
    return out


def source_of(data: bytes) -> SourceFile:
    """Raises SourceError for binary or undecodable data."""
    src = decode(data)
    return SourceFile(data=data, text=src.text, encoding=src.encoding, bom=src.bom)


def read_source(path: Path) -> SourceFile:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read file: {exc.strerror}") from None
    return source_of(data)


class ChangedSinceRead(OSError):
    """The file on disk is no longer what the fix was computed from."""


def atomic_write(path: Path, data: bytes, expected: Optional[bytes] = None) -> None:
    """Replace the file's content with `data`, keeping its permission bits.
    With `expected`, the file must still hold exactly those bytes right
    before the replace (an edit saved while fixing is never overwritten);
    otherwise ChangedSinceRead and the file is left as it is."""
    target = Path(os.path.realpath(path))
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None
    fd, tmp = tempfile.mkstemp(dir=str(target.parent), prefix=f".{target.name}.", suffix=".asynclint-tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        if expected is not None and _digest_of(target) != hashlib.blake2b(expected).digest():
            raise ChangedSinceRead(f"{path} changed since it was read")
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _digest_of(path: Path) -> Optional[bytes]:
    try:
        return hashlib.blake2b(path.read_bytes()).digest()
    except OSError:
        return None


__all__ = ["ChangedSinceRead", "SourceFile", "SourceError", "atomic_write", "encode_text", "read_source", "source_of"]
