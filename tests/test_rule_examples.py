"""Every rule's documented example is real: its `bad_example` fires the rule
and its `good_example` does not, through the real command (issue #13).
Runtime-only rules are shown by the shim, not the static checks."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from asynclint.rules import all_rules

RULES = all_rules()
RUNTIME_ONLY = {code for code, rule in RULES.items() if getattr(rule, "runtime_only", False)}
# AIO001's examples are a syntax error and its repair; AIO002 reports asynclint's own bugs
NO_EXAMPLES = {"AIO002"}
STATIC = sorted(set(RULES) - RUNTIME_ONLY - NO_EXAMPLES)


@pytest.fixture(scope="module")
def findings(tmp_path_factory):
    root = tmp_path_factory.mktemp("examples")
    for code in STATIC:
        for kind in ("bad", "good"):
            text = textwrap.dedent(getattr(RULES[code], f"{kind}_example")).lstrip("\n")
            assert text.strip(), f"{code} has no {kind}_example"
            (root / f"{kind}_{code}.py").write_text(text)
    proc = subprocess.run([sys.executable, "-m", "asynclint", "--isolated", "--no-cache", "--select", "ALL",
                           "--format", "json", "."], cwd=root, capture_output=True, text=True, timeout=300)
    assert proc.returncode in (0, 1), proc.stderr
    out = {}
    for d in json.loads(proc.stdout):
        out.setdefault(d["path"].removeprefix("./"), set()).add(d["code"])
    return out


def test_runtime_only_rules_are_known():
    assert RUNTIME_ONLY >= {"AIO505", "AIO506"}


@pytest.mark.parametrize("code", STATIC)
def test_bad_example_fires(findings, code):
    assert code in findings.get(f"bad_{code}.py", set()), f"{code}'s bad_example does not fire"


@pytest.mark.parametrize("code", STATIC)
def test_good_example_is_silent(findings, code):
    assert code not in findings.get(f"good_{code}.py", set()), f"{code}'s good_example fires"
