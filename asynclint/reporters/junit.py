"""JUnit XML, as CI servers read test reports: one test suite per file, one
failed test case per finding (ruff's shape); a clean run is one passing case."""
from __future__ import annotations

from collections import OrderedDict
from html import escape  # light; xml.sax.saxutils would import urllib and http


def quoteattr(value: str) -> str:
    return f'"{escape(value, quote=True)}"'


def _text(value: str) -> str:
    # XML 1.0 cannot carry most control characters, nor lone surrogates
    # (file names that are not UTF-8): replace them rather than emit bad XML
    clean = "".join(ch if ch in "\t\n\r" or (" " <= ch and not "\ud800" <= ch <= "\udfff") else "\ufffd"
                    for ch in value)
    return clean


def render(diagnostics, **_) -> str:
    by_file: "OrderedDict[str, list]" = OrderedDict()
    for d in diagnostics:
        by_file.setdefault(d.path, []).append(d)
    n = len(diagnostics)
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<testsuites name="asynclint" tests="{max(n, 1)}" failures="{n}" errors="0">']
    if not diagnostics:
        out.append('  <testsuite name="asynclint" tests="1" disabled="0" errors="0" failures="0" package="org.asynclint">')
        out.append('    <testcase name="No findings" classname="asynclint"/>')
        out.append("  </testsuite>")
    for path, items in by_file.items():
        p = quoteattr(_text(path))
        out.append(f'  <testsuite name={p} tests="{len(items)}" disabled="0" errors="0" failures="{len(items)}" '
                   f'package="org.asynclint">')
        for d in items:
            out.append(f'    <testcase name={quoteattr("org.asynclint." + d.code)} classname={p} '
                       f'file={p} line="{d.line}">')
            out.append(f'      <failure message={quoteattr(_text(d.message))} type={quoteattr(d.code)}>'
                       f'{escape(_text(f"line {d.line}, col {d.col}, {d.message}"), quote=False)}</failure>')
            out.append("    </testcase>")
        out.append("  </testsuite>")
    out.append("</testsuites>")
    return "\n".join(out) + "\n"
