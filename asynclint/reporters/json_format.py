"""A JSON array of findings; fields are documented in docs/integrations.md ("JSON")."""
from __future__ import annotations

import json


def render(diagnostics, **_) -> str:
    return json.dumps([d.to_json() for d in diagnostics], indent=2) + "\n"
