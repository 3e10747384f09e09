"""JSON Lines: one finding per line, the same object as `--format json`."""
from __future__ import annotations

import json


def render(diagnostics, **_) -> str:
    return "".join(json.dumps(d.to_json()) + "\n" for d in diagnostics)
