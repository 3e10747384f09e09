"""Corpus benchmark: asynclint against the parse-only floor and ruff.

    python benchmarks/run.py [--corpus DIR] [--repeat N] [--sets full,small] [--only RUNS]

Builds the real corpus with ../shared/bench/make_corpus.sh (idempotent), then
times, on the same files in one run:
  - the parse-only floor (read + ast.parse of every file) with 1 process and
    with all cores,
  - ruff with its asyncio rules (ruff check --no-cache --select ASYNC,RUF006),
  - pyflakes, one process: a linter in pure Python that walks every node of
    one module at a time with no project index, the reference for what a
    walk in Python costs next to the parse (its ratio is to the 1-process
    floor),
  - asynclint cold (--no-cache) with 1 job and with all cores,
  - asynclint with the cache on a private copy of the set: the first run,
    which fills the cache (`cache-fill`, timed once), warm (nothing
    changed), one file changed by a comment (`one-changed`), and one file
    whose top-level `def` another module imports and calls made `async def`
    (`async-def`), each edit undone and re-recorded between repeats,
checks after the first edit of each kind and after its undo that the cached
run's findings equal a cold `--no-cache` run's (`--check`; it stops with the
difference otherwise), and prints the median wall time of the repeats with its ratio to the floor
of the same run (cold -j1 to the 1-process floor), the ratio to ruff and the
peak RSS. The floors, ruff and the cold runs are timed in rounds (each once
per round), and a cold run's ratio is the median of its ratios to the floor
of its own round: a shared host's speed drifts by tens of percent within a
run. On a shared machine the absolute times are noise: compare ratios
taken in one run, and repeat the run.
"""
from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# ../shared/bench beside the repository (or beside the main checkout, from a
# worktree under ../wt/NAME).
SHARED_BENCH = next((p / "shared" / "bench" for p in REPO.parents if (p / "shared" / "bench").is_dir()),
                    REPO.parent / "shared" / "bench")


def run_timed(cmd, cwd=None, env=None, stdout=None):  # noqa: D103
    """Wall seconds, peak RSS (MiB, largest process of the run) and CPU
    seconds (user+sys of the run and the worker processes it waited for).
    `stdout`: an open file for the run's output (else it is dropped)."""
    # stderr goes to a file: a pipe nobody reads while waiting would stall a
    # command that writes more than the pipe holds (pyflakes on the corpus)
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=stdout or subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(map(str, cmd))}\n{stderr}")
    return wall, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def best_of(n, cmd, **kw):
    """(best wall, peak RSS, median wall, median CPU)."""
    runs = [run_timed(cmd, **kw) for _ in range(n)]
    return (min(r[0] for r in runs), max(r[1] for r in runs), statistics.median(r[0] for r in runs),
            statistics.median(r[2] for r in runs))


def count_lines(folder: Path) -> tuple[int, int]:
    files = lines = 0
    for path in folder.rglob("*.py"):
        files += 1
        with open(path, "rb") as fh:
            lines += sum(1 for _ in fh)
    return files, lines


def ruff_command():
    exe = shutil.which("ruff")
    if exe:
        return [exe]
    venv = Path(tempfile.gettempdir()) / "asynclint-bench-ruff"
    if not (venv / "bin" / "ruff").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "ruff"], check=True)
    return [str(venv / "bin" / "ruff")]


def pyflakes_command():
    """pyflakes in a private virtual environment made with this interpreter
    (so it parses with the same Python as the floor)."""
    venv = Path(tempfile.gettempdir()) / f"asynclint-bench-pyflakes-{sys.version_info[0]}.{sys.version_info[1]}"
    if not (venv / "bin" / "pyflakes").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "pyflakes"], check=True)
    return [str(venv / "bin" / "python"), "-m", "pyflakes"]


def asynclint_command():
    beside = Path(sys.executable).parent / "asynclint"
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "asynclint"]


def async_def_victim(folder: Path):
    victim, name, _caller = async_def_victim_and_caller(folder)
    return victim, name


def async_def_victim_and_caller(folder: Path):
    """A file with a top-level sync `def name(` that another file imports
    and calls: making it `async def` changes another module's findings."""
    import re
    defs = {}
    files = sorted(p for p in folder.rglob("*.py") if ".asynclint_cache" not in p.parts)
    texts = {}
    for path in files:
        try:
            texts[path] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for name in re.findall(r"^def (\w+)\(", texts[path], re.M):
            defs.setdefault((path.stem, name), path)
    pattern = re.compile(r"^from [\w.]*?\b(\w+) import ([\w, ]+)$", re.M)
    for path in files:
        text = texts.get(path, "")
        for module, names in pattern.findall(text):
            for name in (n.strip() for n in names.split(",")):
                victim = defs.get((module, name))
                if victim is not None and victim != path and re.search(rf"\b{name}\(", text.split("import", 1)[-1]):
                    return victim, name, path
    return None, None, None


def findings_json(cmd, cwd=None, env=None) -> list:
    """The findings of one run (`--format json`), as comparable tuples."""
    proc = subprocess.run(cmd + ["--format", "json"], cwd=cwd, env=env, capture_output=True)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(map(str, cmd))}\n{proc.stderr.decode()}")
    return _findings(proc.stdout)


def _findings(output: bytes) -> list:
    import json
    return sorted((d["path"], d["line"], d["column"], d["code"], d["message"]) for d in json.loads(output))


def check_same(label: str, lint, copy: Path, env, cold: list = None) -> None:
    """Findings of a cached (incremental) run must equal a cold --no-cache
    run's on the same files (`cold`: known already): fail loudly otherwise."""
    cached = findings_json(lint + ["-q", str(copy)], env=env)
    if cold is None:
        cold = findings_json(lint + ["--no-cache", "-q", str(copy)], env=env)
    if cached != cold:
        extra = [f for f in cached if f not in cold]
        missing = [f for f in cold if f not in cached]
        raise SystemExit(f"FINDINGS DIFFER after {label}: the cached run has {len(extra)} extra and "
                         f"{len(missing)} missing findings\n  extra: {extra[:10]}\n  missing: {missing[:10]}")
    print(f"  {label}: cached findings equal a --no-cache run ({len(cold)} findings)", flush=True)



def bench_cached(name: str, folder: Path, repeat: int, lint, want, work: Path, check: str) -> dict:
    """Cached runs on a private copy: warm, and each edit kind timed on
    the run after the edit, the edit undone and re-recorded between
    repeats. `check`: after which edited runs the findings are compared
    with a cold run ("first" repeat of each edit and its undo, "all", "none")."""
    out: dict = {}
    # The corpus is shared and read-only: cached runs and edits use a private copy.
    copy = work / name
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(folder, copy, ignore=shutil.ignore_patterns(".asynclint_cache"))
    env = {**os.environ, "XDG_CACHE_HOME": str(work / "xdg")}
    # Fill the cache; with an empty cache every file is analysed and answered
    # afresh, so these are the cold findings of the unedited copy. Timed: its
    # peak memory is the highest of the runs with the cache on (the parent
    # keeps the index it saves).
    with tempfile.TemporaryFile() as fh:
        out["cache-fill"] = run_timed(lint + ["-q", "--format", "json", str(copy)], env=env, stdout=fh)
        fh.seek(0)
        baseline = _findings(fh.read())
    fill = out["cache-fill"]
    print(f"  cache-fill: {fill[0]:.2f} s, {fill[2]:.2f} s CPU, {fill[1]:.0f} MiB", flush=True)
    if want("warm"):
        out["warm"] = best_of(repeat, lint + ["-q", str(copy)], env=env)
        print(f"  warm: {out['warm'][2]:.2f} s median, {out['warm'][3]:.2f} s CPU, {out['warm'][1]:.0f} MiB", flush=True)
    py_files = sorted(copy.rglob("*.py"))
    edits = []
    if want("one-changed"):
        victim = py_files[len(py_files) // 2]
        edits.append(("one-changed", victim, lambda text, i: text + f"\n# touched {i}\n"))
    if want("async-def"):
        victim, fn = async_def_victim(copy)
        if victim is None:
            print("  async-def: no suitable file in this set")
        else:
            print(f"  async-def: `{fn}` in {victim.relative_to(copy)}")
            edits.append(("async-def", victim,
                          lambda text, i, fn=fn: text.replace(f"\ndef {fn}(", f"\nasync def {fn}(", 1)
                          + f"\n# touched {i}\n"))
    for key, victim, edit in edits:
        original = victim.read_text(encoding="utf-8")
        changed = []
        try:
            for i in range(repeat):
                victim.write_text(edit(original, i), encoding="utf-8")
                changed.append(run_timed(lint + ["-q", str(copy)], env=env))
                if check == "all" or (check == "first" and i == 0):
                    check_same(f"{key} edit", lint, copy, env)
                victim.write_text(original, encoding="utf-8")
                run_timed(lint + ["-q", str(copy)], env=env)  # back to the recorded state
                if check == "all" or (check == "first" and i == 0):
                    check_same(f"{key} undone", lint, copy, env, baseline)
        finally:
            victim.write_text(original, encoding="utf-8")
        out[key] = (min(c[0] for c in changed), max(c[1] for c in changed), statistics.median(c[0] for c in changed),
                    statistics.median(c[2] for c in changed))
        print(f"  {key}: {out[key][2]:.2f} s median, {out[key][3]:.2f} s CPU, {out[key][1]:.0f} MiB", flush=True)
    shutil.rmtree(copy, ignore_errors=True)
    return out


def bench_set(name: str, folder: Path, repeat: int, cores: int, ruff, lint, only, work: Path,
              check: str = "first", pyflakes=None) -> dict:
    files, lines = count_lines(folder)
    print(f"\n## {name}: {files} files, {lines:,} lines ({folder})", flush=True)
    parse = [sys.executable, str(SHARED_BENCH / "parse_bench.py"), "ast"]
    out = {"files": files, "lines": lines}
    want = lambda key: not only or key in only
    commands = [(key, cmd) for key, cmd in (
        ("floor-j1", parse + [str(folder)]), ("floor-jN", parse + ["-j", str(cores), str(folder)]),
        ("ruff", ruff + ["check", "--no-cache", "--select", "ASYNC,RUF006", "--exit-zero", str(folder)]),
        ("pyflakes", (pyflakes or []) + [str(folder)]),
        ("cold-j1", lint + ["--no-cache", "-q", "-j", "1", str(folder)]),
        ("cold-jN", lint + ["--no-cache", "-q", "-j", str(cores), str(folder)])) if want(key)]
    # In rounds, each command once per round: on a machine whose speed
    # drifts (a shared host), a round's floor and cold runs see the same
    # speed, and a cold run's ratio is taken to the floor of its own round.
    runs: dict = {key: [] for key, _ in commands}
    for _ in range(repeat):
        for key, cmd in commands:
            runs[key].append(run_timed(cmd))
    for key, _ in commands:
        timed = runs[key]
        out[key] = (min(r[0] for r in timed), max(r[1] for r in timed), statistics.median(r[0] for r in timed),
                    statistics.median(r[2] for r in timed))
        print(f"  {key}: {out[key][2]:.2f} s median, {out[key][3]:.2f} s CPU, {out[key][1]:.0f} MiB", flush=True)
    per_round = {}  # cold run -> (median wall ratio, median CPU ratio) to its round's floor
    for key, floor_key in (("cold-j1", "floor-j1"), ("cold-jN", "floor-jN"), ("pyflakes", "floor-j1")):
        if key in runs and floor_key in runs:
            pairs = list(zip(runs[key], runs[floor_key]))
            per_round[key] = (statistics.median(a[0] / b[0] for a, b in pairs),
                              statistics.median(a[2] / b[2] for a, b in pairs))
    if any(want(k) for k in ("cache-fill", "warm", "one-changed", "async-def")):
        out.update(bench_cached(name, folder, repeat, lint, want, work, check))

    floor_n = out.get("floor-jN", (None,))[0]
    floor_1 = out.get("floor-j1", (None,))[0]
    ruff_t = out.get("ruff", (None,))[0]
    print(f"\nMedians of {repeat}; ratios are to the parse-only floor measured in this run "
          f"(cold -j1 and pyflakes to the 1-process floor, the rest to the j{cores} floor; a cold run's "
          f"and pyflakes', the median "
          f"of its ratios to the floor of the same round). CPU is user+sys of the "
          f"run and its workers: on a shared machine its ratio is steadier than the wall ratio.")
    print("| run | median s | best s | x floor | x ruff | CPU s | CPU x floor | peak RSS MiB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    one_process = ("floor-j1", "cold-j1", "pyflakes")
    for key in ("floor-j1", "floor-jN", "ruff", "pyflakes", "cold-j1", "cold-jN", "cache-fill", "warm", "one-changed",
                "async-def"):
        if key not in out:
            continue
        wall, rss, med, cpu = out[key] if key != "cache-fill" else (out[key][0], out[key][1], out[key][0], out[key][2])
        floor = floor_1 if key in one_process else floor_n
        floor_med = None
        if floor is not None:
            floor_med = out["floor-j1" if key in one_process else "floor-jN"][2]
        ratio = f"{med / floor_med:.2f}" if floor_med else "-"
        vs_ruff = f"{med / out['ruff'][2]:.1f}" if ruff_t else "-"
        floor_key = "floor-j1" if key in one_process else "floor-jN"
        floor_cpu = out[floor_key][3] if floor_key in out else None
        cpu_ratio = f"{cpu / floor_cpu:.2f}" if floor_cpu else "-"
        if key in per_round:
            ratio, cpu_ratio = (f"{r:.2f}" for r in per_round[key])
        print(f"| {key.replace('jN', f'j{cores}')} | {med:.2f} | {wall:.2f} | {ratio} | {vs_ruff} | {cpu:.2f} | "
              f"{cpu_ratio} | {rss:.0f} |")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default="/tmp/asynclint-corpus")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sets", default="small,full")
    ap.add_argument("--only", default="", help="comma-separated runs: floor-j1,floor-jN,ruff,pyflakes,cold-j1,cold-jN,"
                                              "cache-fill,warm,one-changed,async-def (default: all)")
    ap.add_argument("--check", default="first", choices=("first", "all", "none"),
                    help="compare the findings of edited cached runs with a --no-cache run after the first "
                         "repeat of each edit and its undo (default), after every one, or never")
    ap.add_argument("--work", default=None, help="folder for the private copy the cached runs edit")
    ap.add_argument("--lint", default=None, help="the asynclint command to time, as one shell-quoted string "
                                                 "(default: the one beside this interpreter); e.g. another build")
    args = ap.parse_args()
    corpus = Path(args.corpus)
    subprocess.run(["bash", str(SHARED_BENCH / "make_corpus.sh"), str(corpus)], check=True,
                   stdout=subprocess.DEVNULL)
    cores = os.cpu_count() or 1
    only = {o for o in args.only.split(",") if o}
    ruff = ruff_command() if not only or "ruff" in only else ["ruff"]
    pyflakes = pyflakes_command() if not only or "pyflakes" in only else None
    lint = shlex.split(args.lint) if args.lint else asynclint_command()
    # A user's interpreter caches compiled modules: measure start-up that way.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="asynclint-bench-"))
    print(f"# asynclint benchmark: {cores} cores, Python {sys.version.split()[0]}")
    results = {}
    for name in args.sets.split(","):
        results[name] = bench_set(name, corpus / name, args.repeat, cores, ruff, lint, only, work, args.check,
                                  pyflakes)
    if "small" in results and "full" in results and "cold-jN" in results["small"]:
        s, f = results["small"], results["full"]
        line_ratio = f["lines"] / s["lines"]
        time_ratio = f["cold-jN"][0] / s["cold-jN"][0]
        print(f"\nLinearity: full/small lines x{line_ratio:.1f}, cold time x{time_ratio:.1f} "
              f"({time_ratio / line_ratio:.2f} of the line ratio)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
