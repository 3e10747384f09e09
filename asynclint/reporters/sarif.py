"""SARIF 2.1.0, as GitHub code scanning accepts it."""
from __future__ import annotations

import json

from .. import __version__

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFO_URI = "https://github.com/asynclint/asynclint"


def _level(d) -> str:
    return {"error": "error", "warning": "warning", "note": "note"}[d.severity.value]


def render(diagnostics, rules=None, **_) -> str:
    from ..rules import all_rules

    catalogue = rules if rules is not None else all_rules()
    used = sorted({d.code for d in diagnostics})
    rule_entries = []
    index_of = {}
    for code in used:
        rule = catalogue.get(code)
        index_of[code] = len(rule_entries)
        entry = {"id": code, "shortDescription": {"text": rule.summary if rule else code}}
        if rule is not None:
            entry["name"] = rule.name
            entry["fullDescription"] = {"text": rule.summary}
            entry["help"] = {"text": rule.summary, "markdown": rule.documentation()}
            entry["defaultConfiguration"] = {"level": _level_of_rule(rule)}
        rule_entries.append(entry)
    results = []
    for d in diagnostics:
        region = {"startLine": d.line, "startColumn": d.col}
        if d.end_line is not None:
            region["endLine"] = d.end_line
        if d.end_col is not None:
            region["endColumn"] = d.end_col
        result = {
            "ruleId": d.code,
            "ruleIndex": index_of[d.code],
            "level": _level(d),
            "message": {"text": d.message},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": _uri(d.path)},
                "region": region,
            }}],
        }
        if d.fix is not None:
            result["properties"] = {"fix": d.fix.to_json()}
        results.append(result)
    doc = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "asynclint", "version": __version__, "informationUri": INFO_URI,
                "rules": rule_entries,
            }},
            "results": results,
        }],
    }
    return json.dumps(doc, indent=2) + "\n"


def _uri(path: str) -> str:
    """SARIF wants a URI reference: relative paths percent-encoded (spaces,
    `%`, `:`, ...), absolute ones as file: URIs."""
    import os
    from pathlib import PurePath, PureWindowsPath
    from urllib.parse import quote

    if PureWindowsPath(path).is_absolute() and "\\" in path:
        return PureWindowsPath(path).as_uri()
    if PurePath(path).is_absolute():
        return PurePath(path).as_uri()
    # the name's bytes on disk: a name that is not UTF-8 stays exact (%FF)
    return quote(os.fsencode(path.replace("\\", "/")), safe="/")


def _level_of_rule(rule) -> str:
    return {"error": "error", "warning": "warning", "note": "note"}[rule.severity.value]
