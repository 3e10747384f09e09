"""GitLab Code Quality report (`artifacts: reports: codequality:`).

GitLab requires `description`, `check_name`, `fingerprint`, `severity` (one
of info, minor, major, critical, blocker) and `location.path` with
`location.lines.begin` or `location.positions.begin.line`. Paths are relative
to the project root (GitLab resolves them against the repository), and the
fingerprint is the line-independent one of `--baseline`, so an unrelated
edit above a finding does not make GitLab call it new.
"""
from __future__ import annotations

import json

from .. import baseline

_SEVERITY = {"error": "major", "warning": "minor", "note": "info"}


def render(diagnostics, sources=None, display_to_rel=None, **_) -> str:
    rel = display_to_rel or {}
    prints = baseline.fingerprints(diagnostics, sources or {}, rel)
    issues = []
    for d, fp in zip(diagnostics, prints):
        issues.append({
            "type": "issue",
            "description": f"{d.code} {d.message}",
            "check_name": d.code,
            "categories": ["Bug Risk"],
            "fingerprint": fp,
            "severity": _SEVERITY.get(d.severity.value, "minor"),
            "location": {
                "path": rel.get(d.path, d.path).replace("\\", "/"),
                "positions": {
                    "begin": {"line": d.line, "column": d.col},
                    "end": {"line": d.end_line or d.line, "column": d.end_col or d.col},
                },
            },
        })
    return json.dumps(issues, indent=2) + "\n"
