"""GitHub Actions workflow commands: one annotation per finding."""
from __future__ import annotations


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def render(diagnostics, **_) -> str:
    out = []
    for d in diagnostics:
        level = "error" if d.severity.value == "error" else "warning"
        props = [f"file={_escape_property(d.path)}", f"line={d.line}", f"col={d.col}"]
        if d.end_line is not None:
            props.append(f"endLine={d.end_line}")
        if d.end_col is not None and d.end_line == d.line:
            props.append(f"endColumn={d.end_col}")
        props.append(f"title={_escape_property(d.code + ' ' + d.name)}")
        out.append(f"::{level} {','.join(props)}::{_escape_data(d.code + ' ' + d.message)}")
    return "\n".join(out) + ("\n" if out else "")
