"""Fuzzing as a test (issue #13): programs from Python's grammar
(hypothesmith) and mutations of real files (truncated, lines deleted,
indentation shuffled, `async`/`await` inserted), checked as a project by the
real command. Nothing may crash (no traceback, no AIO002), hang, or exit with
anything but 0/1; `--fix --unsafe-fixes` on a copy keeps every file that
compiled compiling, never touches one that did not, and converges.

The default run is short for CI. The long mode, for the benchmark machine:
    ASYNCLINT_FUZZ_EXAMPLES=500 python -m pytest -q tests/test_fuzz.py
"""
from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import hypothesmith
from hypothesis import HealthCheck, given, settings, strategies as st

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = int(os.environ.get("ASYNCLINT_FUZZ_EXAMPLES", "5"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
# real files to mutate: asynclint's own asyncio fixtures and sources
SEEDS = sorted(p for p in [*(ROOT / "tests" / "fixtures").rglob("*.py"), *(ROOT / "asynclint" / "rules").glob("*.py")]
               if not p.name.endswith(".fixed.py"))


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "asynclint", "--isolated", "--no-cache", *args, "."],
                          cwd=cwd, capture_output=True, text=True, timeout=300)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode in (0, 1), (proc.returncode, proc.stderr[-3000:])
    return proc


def _compiles(path: Path) -> bool:
    try:
        compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


def check_project(project: Path, work: Path) -> None:
    found = json.loads(_run(project, "--format", "json").stdout)
    internal = [d for d in found if d["code"] == "AIO002"]
    assert not internal, internal
    copy = work / "copy"
    shutil.copytree(project, copy)
    before = {p.relative_to(copy): (p.read_bytes(), _compiles(p)) for p in copy.rglob("*.py")}
    _run(copy, "--fix", "--unsafe-fixes")
    for rel, (data, compiled) in before.items():
        path = copy / rel
        if compiled:
            assert _compiles(path), f"--fix broke {rel}:\n{path.read_text()}"
        else:
            assert path.read_bytes() == data, f"--fix touched {rel}, which did not compile"
    fixed = {p: p.read_bytes() for p in copy.rglob("*.py")}
    _run(copy, "--fix", "--unsafe-fixes")
    assert {p: p.read_bytes() for p in copy.rglob("*.py")} == fixed, "a second --fix changed the files"


def _write(project: Path, texts) -> None:
    (project / "pkg").mkdir(parents=True)
    (project / "pkg" / "__init__.py").write_text("")
    for i, text in enumerate(texts):
        (project / "pkg" / f"mod{i}.py").write_text(text)


@FUZZ
@given(st.lists(hypothesmith.from_grammar(), min_size=2, max_size=6))
def test_programs_from_the_grammar(tmp_path_factory, texts):
    work = tmp_path_factory.mktemp("grammar")
    _write(work / "project", texts)
    check_project(work / "project", work)


def _mutate(text: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True)
    kind = rng.choice(["truncate", "delete", "indent", "async", "await", "swap"])
    if not lines:
        return text
    if kind == "truncate":
        return text[:rng.randrange(len(text) + 1)]
    if kind == "delete":
        for _ in range(rng.randint(1, 3)):
            if lines:
                del lines[rng.randrange(len(lines))]
    elif kind == "indent":
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(lines))
            lines[i] = " " * rng.choice([0, 1, 2, 4, 8]) + lines[i].lstrip(" ")
    elif kind == "async":
        i = rng.randrange(len(lines))
        lines[i] = lines[i].replace("def ", "async def ", 1).replace("with ", "async with ", 1).replace("for ", "async for ", 1)
    elif kind == "await":
        i = rng.randrange(len(lines))
        stripped = lines[i].lstrip(" ")
        lines[i] = lines[i][:len(lines[i]) - len(stripped)] + "await " + stripped
    else:
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    return "".join(lines)


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(SEEDS), st.integers(0, 2**32 - 1), st.integers(1, 4)), min_size=1, max_size=4))
def test_mutated_real_files(tmp_path_factory, picks):
    work = tmp_path_factory.mktemp("mutants")
    texts = []
    for seed_file, seed, rounds in picks:
        rng = random.Random(seed)
        text = seed_file.read_text(encoding="utf-8")
        for _ in range(rounds):
            text = _mutate(text, rng)
        texts.append(text)
    _write(work / "project", texts)
    check_project(work / "project", work)
