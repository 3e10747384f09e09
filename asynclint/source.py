"""Reading Python source the way the interpreter does (PEP 263 cookies, BOM)."""
from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass


class SourceError(Exception):
    """The file cannot be turned into text; the message is shown to the user."""


@dataclass
class Source:
    text: str
    encoding: str
    bom: bool


def decode(data: bytes) -> Source:
    if b"\x00" in data:
        raise SourceError("file is not Python source: it contains NUL bytes (a binary file?)")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:  # bad or unknown coding cookie
        raise SourceError(f"cannot determine the file's encoding: {exc}") from None
    bom = data.startswith(b"\xef\xbb\xbf")
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise SourceError(f"cannot decode the file as {encoding}: {exc}") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return Source(text=text, encoding=encoding, bom=bom)
