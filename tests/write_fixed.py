"""Write `NAME.fixed.py` beside each fixture file that `--fix` changes.

    python -m tests.write_fixed AIO200 [AIO201 ...]

Runs `asynclint --fix --unsafe-fixes --select CODE` on a copy of the rule's
fixture folder (as the fixture tests do) and writes the result of every
changed file beside its original. Read each one before committing it: it
becomes the exact expected result.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from .harness import FIXTURES, copy_fixture, fix_by_cli, python_files


def write_fixed(code: str) -> list:
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = copy_fixture(code, Path(tmp))
        fix_by_cli(folder, code)
        for original in python_files(FIXTURES / code):
            rel = original.relative_to(FIXTURES / code)
            fixed = (folder / rel).read_bytes()
            if fixed != original.read_bytes():
                target = original.with_name(original.name[:-3] + ".fixed.py")
                target.write_bytes(fixed)
                written.append(target)
    return written


def main(argv) -> int:
    if not argv:
        sys.stderr.write(__doc__)
        return 2
    for code in argv:
        for path in write_fixed(code.upper()):
            print(path.relative_to(FIXTURES.parent.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
