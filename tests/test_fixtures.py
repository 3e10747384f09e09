"""Every rule's fixtures, through the real command and in variants."""
from __future__ import annotations

import re

import pytest

import ast
from collections import Counter

from asynclint.diagnostics import Fixability
from asynclint.rules import all_rules

from .harness import (FIXTURES, MARKER, copy_fixture, expected, file_args, findings_by_cli, findings_json,
                      fix_by_cli, fixed_pairs, lint_folder, python_files, rule_folders, snapshot, strip_async)

FOLDERS = rule_folders()


# AIO002 reports a crash inside asynclint itself; no source file can (or
# should) trigger it: tests/test_engine.py checks it with a rule made to fail.
NO_FIXTURE = {"AIO002"}
# A fixture file holding this line is left out of the async-stripped variant.


def test_every_rule_has_bad_and_good_fixtures():
    for code, rule in all_rules().items():
        if code in NO_FIXTURE or rule.runtime_only:  # runtime-only: tests/runtime covers them
            continue
        folder = FIXTURES / code
        assert folder.is_dir(), f"{code} has no fixture folder tests/fixtures/{code}"
        files = python_files(folder)
        assert any(p.name.startswith("bad") or p.parent != folder for p in files), f"{code}: no bad_*.py"
        assert any(p.name.startswith("good") for p in files), f"{code}: no good_*.py"
        assert expected(folder), f"{code}: no line is marked `# expect: {code}:COL`"


@pytest.mark.parametrize("code", FOLDERS)
def test_findings_match_markers_exactly(code, tmp_path):
    folder = copy_fixture(code, tmp_path)
    want = {f for f in expected(folder) if f[3] == code}
    got = findings_by_cli(folder, code)
    missing = sorted(want - got)
    unexpected = sorted(got - want)
    assert not missing and not unexpected, f"missing: {missing}\nunexpected (false positives): {unexpected}"


@pytest.mark.parametrize("code", FOLDERS)
def test_noqa_on_marker_line_silences(code, tmp_path):
    folder = copy_fixture(code, tmp_path)
    marks = sorted(f for f in expected(folder) if f[3] == code)
    if not marks:
        pytest.fail(f"{code}: fixture has no markers")
    # silence every marker at once, each with its own code (and a family prefix for half of them)
    by_file = {}
    for i, (rel, line, _col, c) in enumerate(marks):
        by_file.setdefault(rel, {})[line] = c if i % 2 == 0 else c[:4]
    for rel, lines in by_file.items():
        path = folder / rel
        text = path.read_bytes().decode("utf-8")
        out = []
        for n, line in enumerate(text.splitlines(keepends=True), 1):
            if n in lines:
                body = line.rstrip("\r\n")
                ending = line[len(body):]
                line = f"{body}  # noqa: {lines[n]}{ending}"
            out.append(line)
        path.write_bytes("".join(out).encode("utf-8"))
    extra = [a for p in python_files(folder) for a in file_args(p) if a.startswith("AIO")]
    left = [d for d in lint_folder(folder, [code], extra) if d.code == code]
    assert not left, [d.format_text() for d in left]


@pytest.mark.parametrize("code", [c for c in FOLDERS if c[:4] in ("AIO1", "AIO2")])
def test_without_async_nothing_is_flagged(code, tmp_path):
    """Strip `async`/`await`: no blocking call is in async code any more, and
    no call of the fixture's own functions creates a coroutine. Library
    coroutine APIs (`asyncio.sleep(...)`) stay coroutines, so AIO1 findings
    naming a callee outside the fixture are still right."""
    folder = copy_fixture(code, tmp_path)
    own = set()
    for path in python_files(folder):
        own.add(path.relative_to(folder).parts[0].removesuffix(".py"))
        text = path.read_bytes().decode("utf-8")
        path.write_bytes(MARKER.sub("", strip_async(text)).encode("utf-8"))
    found = []
    for d in lint_folder(folder, ["AIO1", "AIO2"]):
        if d.code.startswith("AIO2"):
            found.append(d)
        elif d.code.startswith("AIO1"):
            callee = re.search(r"`([\w.]+)`", d.message)
            if callee is None or callee.group(1).split(".")[0] in own or "." not in callee.group(1):
                found.append(d)
    assert not found, [d.format_text() for d in found]


# -- fixes ------------------------------------------------------------------------
FIXABLE = [c for c in FOLDERS if c in all_rules() and all_rules()[c].fixable is not Fixability.NEVER]
WITH_FIXED = [c for c in FOLDERS if fixed_pairs(FIXTURES / c)]


def test_every_fixable_rule_has_a_fixed_fixture():
    for code in FIXABLE:
        assert fixed_pairs(FIXTURES / code), \
            f"{code} says it can fix: add tests/fixtures/{code}/NAME.fixed.py beside a bad_*.py"


def test_fixed_fixtures_belong_to_fixture_files():
    for path in FIXTURES.rglob("*.fixed.py"):
        assert path.with_name(path.name[: -len(".fixed.py")] + ".py").is_file(), f"{path}: no X.py beside it"


@pytest.mark.parametrize("code", WITH_FIXED)
def test_fix_gives_the_fixed_files_exactly(code, tmp_path):
    folder = copy_fixture(code, tmp_path)
    fix_by_cli(folder, code)
    for original, fixed in fixed_pairs(FIXTURES / code):
        rel = original.relative_to(FIXTURES / code)
        got = (folder / rel).read_bytes()
        assert got == fixed.read_bytes(), f"{code}/{rel}: --fix result differs from {fixed.name}:\n" + got.decode("utf-8", "replace")


@pytest.mark.parametrize("code", sorted(set(FIXABLE) | set(WITH_FIXED)))
def test_fix_converges_parses_and_relints_clean(code, tmp_path):
    folder = copy_fixture(code, tmp_path)
    before = findings_json(folder, code)
    remaining, fixes = fix_by_cli(folder, code)
    after_fix = snapshot(folder)
    # the result parses
    for rel, data in after_fix.items():
        ast.parse(data, rel)
    # a second run changes nothing
    again, fixes_again = fix_by_cli(folder, code)
    assert not fixes_again
    assert snapshot(folder) == after_fix, "a second --fix changed the files"
    # re-linting agrees with what --fix said remains; nothing new appeared
    relint = findings_json(folder, code)
    key = lambda d: (d["path"], d["line"], d["column"], d["code"], d["message"])
    assert sorted(map(key, relint)) == sorted(map(key, remaining)) == sorted(map(key, again))
    old = Counter((d["path"], d["code"], d["message"]) for d in before)
    new = Counter((d["path"], d["code"], d["message"]) for d in relint)
    assert not (new - old), f"new findings after --fix: {new - old}"
    # exactly the fixed findings are gone
    assert len(before) - len(relint) == len(fixes), (len(before), len(relint), fixes)
    assert fixes or not [d for d in before if d["fix"] is not None], "nothing was fixed"
