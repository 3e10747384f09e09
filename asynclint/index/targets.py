"""What a symbol resolves to: the one vocabulary of phase 2.

Kept apart from `project.py` so that `values.py` (light types) can build
targets without importing the index that calls it.
"""
from __future__ import annotations

from dataclasses import dataclass

from .summary import Sym


@dataclass(frozen=True)
class Target:
    """What a symbol resolves to."""

    kind: str  # "function", "class", "module", "external", "value", "unknown"
    module: str = ""
    qualname: str = ""  # project function/class qualname, or external dotted name
    value: Sym = None  # for "value": the symbol a name was assigned

    @property
    def dotted(self) -> str:
        if self.kind == "external":
            return self.qualname
        return f"{self.module}.{self.qualname}" if self.qualname else self.module


UNKNOWN = Target("unknown")
