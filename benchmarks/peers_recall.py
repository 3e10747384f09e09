"""The peers' own test cases, run through asynclint: recall per peer rule.

    python benchmarks/peers_recall.py [--work /tmp/asynclint-peers] [--ruff DIR]
                                      [--excluded benchmarks/triage/peers_excluded.tsv]

Downloads (into --work, never into the repository) the sdists of
flake8-async (`tests/eval_files/`) and mypy (`test-data/unit/
check-async-await.test`) with `pip download`, and reads ruff's fixtures
(`crates/ruff_linter/resources/test/fixtures/flake8_async/`, `ruff/RUF006.py`)
and expected results (the `.snap` snapshots) from --ruff: an unpacked ruff
sdist or source tree, or a bare git repository of it (read with `git show`).
ruff's sdist cannot be fetched by `pip download` without building it.

Each case is a line a peer flags with a rule that has an asynclint
counterpart (PEER_RULES). The files are run as real code: names a fixture
uses without importing them get the import real code would need
(FORGOTTEN_IMPORTS, added as one line on top; lines are counted back). A
case is found when asynclint reports a code of the counterpart family on
that line. Cases listed in --excluded (peer, file, line, reason) are ones
that real code cannot contain; recall is given on all cases and on the rest.
Every miss is printed for triage (`benchmarks/triage/peers.md`).
"""
from __future__ import annotations

import argparse
import ast
import json
import re
import subprocess
import sys
import tarfile
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Optional, Tuple

# peer rule -> asynclint code prefixes that count as finding it
PEER_RULES = {
    "ASYNC210": ("AIO2",), "ASYNC211": ("AIO2",), "ASYNC212": ("AIO2",),
    "ASYNC220": ("AIO2",), "ASYNC221": ("AIO2",), "ASYNC222": ("AIO2",),
    "ASYNC230": ("AIO2",), "ASYNC231": ("AIO2",), "ASYNC232": ("AIO2",),
    "ASYNC240": ("AIO2",), "ASYNC250": ("AIO2",), "ASYNC251": ("AIO2",),
    "ASYNC300": ("AIO4",), "RUF006": ("AIO4",),
    "ASYNC103": ("AIO404",), "ASYNC104": ("AIO404",),
    "ASYNC110": ("AIO503",),
    "unused-coroutine": ("AIO1",), "missing-await": ("AIO1",),
}

# Names fixtures use without importing them -> the import real code has.
FORGOTTEN_IMPORTS = {
    "request": "from urllib import request",
    "Path": "from pathlib import Path",
    "urlopen": "from urllib.request import urlopen",
    "Optional": "from typing import Optional",
    "Union": "from typing import Union",
    "Any": "from typing import Any",
    "trio": "import trio",
    "anyio": "import anyio",
    "httpx": "import httpx",
    "httpx2": "import httpx2",
    "requests": "import requests",
    "urllib3": "import urllib3",
    "aiofiles": "import aiofiles",
}
_STDLIB = set(getattr(sys, "stdlib_module_names", ()))


def pip_download(package: str, work: Path) -> Path:
    found = sorted(work.glob(f"{package.replace('-', '_')}-*.tar.gz")) or sorted(work.glob(f"{package}-*.tar.gz"))
    if not found:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", package,
                        package, "-d", str(work)], check=True)
        found = sorted(work.glob(f"{package.replace('-', '_')}-*.tar.gz")) or sorted(work.glob(f"{package}-*.tar.gz"))
    return found[-1]


def extract(sdist: Path, inside: str, work: Path) -> List[Path]:
    out = []
    with tarfile.open(sdist) as tar:
        for member in tar.getmembers():
            if member.isfile() and f"/{inside}" in member.name and ".." not in member.name:
                target = work / "src" / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(tar.extractfile(member).read())
                out.append(target)
    return out


# -- cases ------------------------------------------------------------------------
Case = Tuple[str, str, int, str]  # (peer, file name, line, rule)


def flake8_async_cases(files: List[Path]) -> Tuple[Dict[str, str], List[Case]]:
    sources, cases = {}, []
    names = {f.name for f in files}
    marker = re.compile(r"#\s*(ASYNC\d+)(_[a-z_]+)?:")
    for f in sorted(files):
        if not f.name.endswith(".py") or f.name.replace(".py", "_asyncio.py") in names:
            continue  # the asyncio variant of the same cases is taken instead
        text = f.read_text()
        header = text[:2000]
        if "# NOASYNCIO" in header or "# ASYNCIO_NO_ERROR" in header:
            continue
        sources[f.name] = text
        for n, line in enumerate(text.splitlines(), 1):
            for code, suffix in marker.findall(line):
                if code in PEER_RULES and (not suffix or "asyncio" in suffix):
                    cases.append(("flake8-async", f.name, n, code))
    return sources, sorted(set(cases))


def ruff_cases(root: str) -> Tuple[Dict[str, str], List[Case]]:
    fixtures = "crates/ruff_linter/resources/test/fixtures/"
    snaps = ["crates/ruff_linter/src/rules/flake8_async/snapshots/", "crates/ruff_linter/src/rules/ruff/snapshots/"]
    read, listing = _reader(root)
    sources, cases = {}, []
    for d in snaps:
        for name in listing(d):
            if not name.endswith(".snap") or ("RUF006" not in name and "flake8_async" not in d):
                continue
            text = read(d + name)
            for m in re.finditer(r"^(ASYNC\d+|RUF006)\b.*\n\s*-->\s*(\S+?):(\d+):\d+", text, re.M):
                code, fname, line = m.group(1), m.group(2), int(m.group(3))
                if code in PEER_RULES:
                    cases.append(("ruff", fname, line, code))
    for fname in {c[1] for c in cases}:
        sub = "ruff/" if fname.startswith("RUF") else "flake8_async/"
        sources[fname] = read(fixtures + sub + fname)
    return sources, sorted(set(cases))


def _reader(root: str):
    path = Path(root)
    if (path / "crates").is_dir():
        return (lambda p: (path / p).read_text()), (lambda d: [x.name for x in (path / d).iterdir()])

    def read(p):
        return subprocess.run(["git", "--git-dir", root, "show", f"HEAD:{p}"], check=True,
                              capture_output=True, text=True).stdout

    def listing(d):
        out = subprocess.run(["git", "--git-dir", root, "ls-tree", "--name-only", "HEAD", d], check=True,
                             capture_output=True, text=True).stdout
        return [line.rsplit("/", 1)[-1] for line in out.splitlines()]
    return read, listing


def mypy_cases(test_file: Path) -> Tuple[Dict[str, str], List[Case]]:
    """Each `[case name]` block's main file; `# E: ... [unused-coroutine]` and
    `# N: Are you missing an await?` / `Maybe you forgot to use "await"?`
    (continued on the next lines with `\\`) mark the cases."""
    sources, cases = {}, []
    blocks = re.split(r"^\[case (\w+)\]\s*$", test_file.read_text(), flags=re.M)
    for name, body in zip(blocks[1::2], blocks[2::2]):
        main = re.split(r"^\[(?!file main\])", body, maxsplit=1, flags=re.M)[0]
        if name.endswith("-skip") or "[file " in main and "[file main]" not in main:
            continue
        lines = main.replace("[file main]\n", "").splitlines()
        out, owner = [], None
        for n, line in enumerate(lines, 1):
            code_part, _, comment = line.partition("# E:") if "# E:" in line else line.partition("# N:")
            is_cont = line.strip().startswith("#") and owner is not None
            target = owner if is_cont else n
            if "[unused-coroutine]" in line:
                cases.append(("mypy", f"{name}.py", target, "unused-coroutine"))
            if "missing an await" in line or 'forgot to use "await"' in line:
                cases.append(("mypy", f"{name}.py", target, "missing-await"))
            owner = target if line.rstrip().endswith("\\") else None
            out.append(code_part.rstrip() if ("# E:" in line or "# N:" in line) and code_part.strip() else
                       ("" if line.strip().startswith("#") else line))
        sources[f"{name}.py"] = "\n".join(out) + "\n"
    return sources, sorted(set(cases))


# -- running ----------------------------------------------------------------------
def with_imports(text: str) -> Tuple[str, int]:
    """The source with the imports it forgot on one added first line."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return text, 0
    bound, loaded = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                bound.add((alias.asname or alias.name).split(".")[0])
    imports = []
    for name in sorted(loaded - bound):
        if name in FORGOTTEN_IMPORTS:
            imports.append(FORGOTTEN_IMPORTS[name])
        elif name in _STDLIB and name not in dir(__builtins__) and not name.startswith("_"):
            imports.append(f"import {name}")
    if not imports:
        return text, 0
    return "; ".join(imports) + "\n" + text, 1


def run(peer: str, sources: Dict[str, str], work: Path) -> Dict[Tuple[str, int], set]:
    folder = work / "cases" / peer
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.py"):
        old.unlink()
    offsets = {}
    for name, text in sources.items():
        fixed, offset = with_imports(text)
        module = re.sub(r"\W", "_", name[:-3]) + ".py"
        (folder / module).write_text(fixed)
        offsets[module] = (name, offset)
    from asynclint.rules import all_rules

    opt_in = [code for code, rule in all_rules().items() if not getattr(rule, "default_enabled", True)]
    cmd = [sys.executable, "-m", "asynclint", "--no-cache", "--isolated", "--format", "json", "--select", "AIO"]
    if opt_in:
        cmd += ["--extend-select", ",".join(opt_in)]
    proc = subprocess.run(cmd + [str(folder)], capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"asynclint failed on {peer}: {proc.stderr.strip()}")
    found: Dict[Tuple[str, int], set] = defaultdict(set)
    for d in json.loads(proc.stdout or "[]"):
        module = Path(d["path"]).name
        name, offset = offsets.get(module, (module, 0))
        found[(name, d["line"] - offset)].add(d["code"])
    return found


def load_excluded(path: Optional[str]) -> Dict[Tuple[str, str, int], str]:
    out = {}
    if path and Path(path).exists():
        for line in Path(path).read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                peer, fname, lineno, reason = line.split("\t", 3)
                out[(peer, fname, int(lineno))] = reason
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default="/tmp/asynclint-peers")
    ap.add_argument("--ruff", help="ruff source tree, unpacked sdist, or bare git repository")
    ap.add_argument("--excluded", default=str(Path(__file__).parent / "triage" / "peers_excluded.tsv"))
    ap.add_argument("--misses", action="store_true", help="print every miss with its source line")
    args = ap.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    peers = []
    sdist = pip_download("flake8-async", work)
    files = extract(sdist, "tests/eval_files/", work)
    peers.append(("flake8-async",) + flake8_async_cases(files))
    if args.ruff:
        peers.append(("ruff",) + ruff_cases(args.ruff))
    else:
        print("ruff: skipped (give --ruff DIR: its sdist needs a Rust build to be fetched by pip)")
    sdist = pip_download("mypy", work)
    test_files = extract(sdist, "test-data/unit/check-async-await.test", work)
    peers.append(("mypy",) + mypy_cases(test_files[0]))
    excluded = load_excluded(args.excluded)

    totals: Dict[str, List[int]] = defaultdict(lambda: [0, 0, 0, 0])
    print(f"{'peer':13s} {'rule':17s} {'cases':>5s} {'found':>5s} {'recall':>7s}   "
          f"{'real-code cases':>15s} {'found':>5s} {'recall':>7s}")
    for peer, sources, cases in peers:
        found = run(peer, sources, work)
        per_rule: Dict[str, List[int]] = defaultdict(lambda: [0, 0, 0, 0])
        misses = []
        for _peer, fname, line, rule in cases:
            hit = any(code.startswith(PEER_RULES[rule]) for code in found.get((fname, line), ()))
            real = (peer, fname, line) not in excluded
            row = per_rule[rule]
            row[0] += 1
            row[1] += hit
            row[2] += real
            row[3] += hit and real
            if not hit:
                src = sources[fname].splitlines()[line - 1].strip() if line <= len(sources[fname].splitlines()) else ""
                misses.append((fname, line, rule, src, excluded.get((peer, fname, line))))
        for rule in sorted(per_rule):
            n, hit, real, real_hit = per_rule[rule]
            family = PEER_RULES[rule][0][:4]
            for key in (family, "all"):
                t = totals[key]
                t[0] += n
                t[1] += hit
                t[2] += real
                t[3] += real_hit
            print(f"{peer:13s} {rule:17s} {n:5d} {hit:5d} {_pct(hit, n):>7s}   {real:15d} {real_hit:5d} "
                  f"{_pct(real_hit, real):>7s}")
        if args.misses:
            for fname, line, rule, src, reason in misses:
                tag = f"  [excluded: {reason}]" if reason else ""
                print(f"    miss {peer} {fname}:{line} {rule}: {src[:100]}{tag}")
    print()
    for key in sorted(totals):
        n, hit, real, real_hit = totals[key]
        print(f"{'total ' + key:31s} {n:5d} {hit:5d} {_pct(hit, n):>7s}   {real:15d} {real_hit:5d} "
              f"{_pct(real_hit, real):>7s}")


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:.0f}%" if b else "-"


if __name__ == "__main__":
    main()
