"""The rule registry, released codes, and generated docs."""
from __future__ import annotations

import re
from pathlib import Path

from asynclint import docs
from asynclint.rules import all_rules

ROOT = Path(__file__).resolve().parent.parent


def test_released_codes_are_never_lost():
    released = (ROOT / "tests" / "released_codes.txt").read_text().split()
    codes = set(all_rules())
    lost = [c for c in released if c not in codes]
    assert not lost, f"released codes must keep existing: {lost}"
    unreleased = sorted(codes - set(released))
    assert not unreleased, f"add new codes to tests/released_codes.txt: {unreleased}"


def test_every_rule_is_documented():
    for code, rule in all_rules().items():
        assert re.fullmatch(r"AIO\d{3}", code)
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name), rule.name
        assert rule.summary and rule.message and rule.why.strip(), code
        assert rule.fix_notes.strip(), f"{code}: say what the fix does, or why there is none"
        if code not in ("AIO002",):
            assert rule.bad_example.strip() and rule.good_example.strip(), code


def test_readme_rule_table_is_current():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert docs.readme_with_table(readme) == readme, "run `python -m asynclint.docs` to regenerate"


def test_docs_rules_md_is_current():
    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == docs.rules_markdown(), \
        "run `python -m asynclint.docs` to regenerate"


def test_migration_table_is_current_and_lists_only_rules_that_exist():
    text = (ROOT / "docs" / "migration.md").read_text(encoding="utf-8")
    assert docs.migration_with_table(text) == text, "run `python -m asynclint.docs` to regenerate"
    from asynclint.knowledge.peers import PEERS
    from asynclint.rules import all_rules
    import re as _re

    table = text.split(docs.PEERS_START)[1].split(docs.PEERS_END)[0]
    assert set(_re.findall(r"^\| (AIO\d{3}) \|", table, _re.M)) == set(all_rules()) == set(PEERS)


def test_docs_command_checks_and_regenerates_a_copy(tmp_path):
    """The real `python -m asynclint.docs` on a copy of the generated files:
    `--check` names a stale file and writes nothing; without it the file is
    rewritten and `--check` then passes. A wrong folder is one usage line."""
    import shutil
    import subprocess
    import sys

    (tmp_path / "docs").mkdir()
    for name in ("README.md", "docs/rules.md", "docs/migration.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    run = lambda *a: subprocess.run([sys.executable, "-m", "asynclint.docs", *a],  # noqa: E731
                                    capture_output=True, text=True, cwd=tmp_path)
    assert run("--check").returncode == 0
    stale = (tmp_path / "docs" / "rules.md").read_text(encoding="utf-8") + "\nedited by hand\n"
    (tmp_path / "docs" / "rules.md").write_text(stale, encoding="utf-8")
    checked = run("--check")
    assert checked.returncode == 1 and "rules.md: stale" in checked.stdout
    assert (tmp_path / "docs" / "rules.md").read_text(encoding="utf-8") == stale
    assert run().returncode == 0
    assert run("--check").returncode == 0
    missing = run(str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr and "not found" in missing.stderr
