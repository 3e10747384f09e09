"""Findings and fixes: the one data shape every part of asynclint speaks.

The static engine, the flake8 adapter, the reporters and the runtime shim all
produce or consume `Diagnostic`. It is plain, immutable and picklable so that
worker processes and the on-disk cache can carry it.

Positions are 1-based lines and 1-based *character* columns (what editors and
flake8 users count); the engine converts from `ast`'s UTF-8 byte offsets in
one place (`asynclint.positions`).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import Optional

__all__ = [
    "Applicability",
    "Diagnostic",
    "Fix",
    "Fixability",
    "Related",
    "Severity",
    "family_of",
    "FAMILIES",
]


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


class Applicability(str, enum.Enum):
    """How safe it is to apply a fix without a human looking."""

    SAFE = "safe"  # keeps the program's meaning apart from the bug fixed
    UNSAFE = "unsafe"  # may change behaviour beyond the finding


class Fixability(str, enum.Enum):
    """What a rule promises about fixes (shown by `asynclint rules`)."""

    NEVER = "never"
    SOMETIMES = "sometimes"
    ALWAYS = "always"


# Code families: the first digit after "AIO" (see design.md, "Codes").
FAMILIES = {
    "AIO0": "asynclint itself",
    "AIO1": "coroutines and awaitables",
    "AIO2": "blocking calls in async code",
    "AIO3": "asyncio objects used from another thread",
    "AIO4": "task and future lifecycle",
    "AIO5": "debug mode and loop hygiene",
}


def family_of(code: str) -> str:
    """`AIO203` -> `AIO2`."""
    return code[:4]


@dataclass(frozen=True)
class Fix:
    """A fix a rule offers for one finding.

    `description` is shown to users (`--show-fixes`, JSON, SARIF).
    `data` is rule-private, picklable information the rule's libcst transform
    needs to apply it (never libcst objects: the check path must not import
    libcst).
    """

    description: str
    applicability: Applicability = Applicability.SAFE
    data: tuple = ()

    def to_json(self) -> dict:
        return {"description": self.description, "applicability": self.applicability.value}


@dataclass(frozen=True)
class Related:
    """A secondary location of a finding."""

    path: str
    line: int
    col: int
    message: str = ""

    def to_json(self) -> dict:
        return {"path": self.path, "line": self.line, "column": self.col, "message": self.message}


@dataclass(frozen=True, order=False)
class Diagnostic:
    path: str
    line: int
    col: int
    code: str
    message: str
    name: str = ""  # the rule's kebab-case name
    end_line: Optional[int] = None
    end_col: Optional[int] = None
    severity: Severity = Severity.WARNING
    fix: Optional[Fix] = None
    source: str = "static"  # "static" or "runtime"
    extra: tuple = field(default=(), compare=False)  # (key, value) pairs, e.g. call chain
    # Other places that make up this finding, as `Related` (e.g. the async
    # callers of a blocking helper): JSON "related", SARIF relatedLocations.
    related: tuple = field(default=(), compare=False)

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.col, self.code, self.message)

    def with_path(self, path: str) -> "Diagnostic":
        return replace(self, path=path)

    def to_json(self) -> dict:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.col,
            "end_line": self.end_line if self.end_line is not None else self.line,
            "end_column": self.end_col if self.end_col is not None else self.col,
            "code": self.code,
            "name": self.name,
            "message": self.message,
            "severity": self.severity.value,
            "source": self.source,
            "fix": self.fix.to_json() if self.fix else None,
            "related": [r.to_json() for r in self.related],
        }

    def format_text(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.code} {self.message}"
