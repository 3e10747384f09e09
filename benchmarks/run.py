"""Corpus benchmark: asynclint against the parse-only floor and ruff.

    python benchmarks/run.py [--corpus DIR] [--repeat N] [--sets full,small]

Builds the real corpus with ../shared/bench/make_corpus.sh (idempotent), then
times, on the same files in one run:
  - asynclint cold (--no-cache) with 1 job and with all cores,
  - asynclint on a warm cache, and after one file changed,
  - the parse-only floor (read + ast.parse of every file, same process count),
  - ruff with its asyncio rules (ruff check --no-cache --select ASYNC,RUF006),
and prints each wall time with its ratio to the floor and to ruff, the peak
RSS of the run, and how time scales from the small to the full set.
Figures vary with machine load: run it on a quiet machine.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHARED_BENCH = REPO.parent / "shared" / "bench"


def run_timed(cmd, cwd=None, env=None):
    """Wall seconds and peak RSS (MiB, largest process of the run)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode not in (0, 1):
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(map(str, cmd))}\n{stderr}")
    return wall, usage.ru_maxrss / 1024


def best_of(n, cmd, **kw):
    runs = [run_timed(cmd, **kw) for _ in range(n)]
    return min(r[0] for r in runs), max(r[1] for r in runs), statistics.median(r[0] for r in runs)


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


def asynclint_command():
    beside = Path(sys.executable).parent / "asynclint"
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "asynclint"]


def bench_set(name: str, folder: Path, repeat: int, cores: int, ruff, lint) -> dict:
    files, lines = count_lines(folder)
    print(f"\n## {name}: {files} files, {lines:,} lines ({folder})", flush=True)
    parse = [sys.executable, str(SHARED_BENCH / "parse_bench.py"), "ast"]
    out = {"files": files, "lines": lines}
    out["floor-j1"] = best_of(repeat, parse + [str(folder)])
    out["floor-jN"] = best_of(repeat, parse + ["-j", str(cores), str(folder)])
    out["ruff"] = best_of(repeat, ruff + ["check", "--no-cache", "--select", "ASYNC,RUF006", "--exit-zero", str(folder)])
    out["cold-j1"] = best_of(max(1, repeat - 1), lint + ["--no-cache", "-q", "-j", "1", str(folder)])
    out["cold-jN"] = best_of(repeat, lint + ["--no-cache", "-q", "-j", str(cores), str(folder)])
    cache = folder / ".asynclint_cache"
    shutil.rmtree(cache, ignore_errors=True)
    run_timed(lint + ["-q", str(folder)])  # fill the cache
    out["warm"] = best_of(repeat, lint + ["-q", str(folder)])
    victim = sorted(folder.rglob("*.py"))[len(list(folder.rglob("*.py"))) // 2]
    original = victim.read_bytes()
    changed = []
    try:
        for i in range(repeat):
            victim.write_bytes(original + f"\n# touched {i}\n".encode())
            changed.append(run_timed(lint + ["-q", str(folder)]))
    finally:
        victim.write_bytes(original)
        run_timed(lint + ["-q", str(folder)])
    out["one-changed"] = (min(c[0] for c in changed), max(c[1] for c in changed), statistics.median(c[0] for c in changed))
    shutil.rmtree(cache, ignore_errors=True)

    floor, ruff_t = out["floor-jN"][0], out["ruff"][0]
    print(f"| run | wall s (best of {repeat}) | median s | x floor (j{cores}) | x ruff | peak RSS MiB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for key in ("floor-j1", "floor-jN", "ruff", "cold-j1", "cold-jN", "warm", "one-changed"):
        wall, rss, med = out[key]
        print(f"| {key.replace('jN', f'j{cores}')} | {wall:.2f} | {med:.2f} | {wall / floor:.2f} | {wall / ruff_t:.1f} | {rss:.0f} |")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default="/tmp/asynclint-corpus")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sets", default="small,full")
    args = ap.parse_args()
    corpus = Path(args.corpus)
    subprocess.run(["bash", str(SHARED_BENCH / "make_corpus.sh"), str(corpus)], check=True,
                   stdout=subprocess.DEVNULL)
    cores = os.cpu_count() or 1
    ruff, lint = ruff_command(), asynclint_command()
    print(f"# asynclint benchmark: {cores} cores, Python {sys.version.split()[0]}")
    results = {}
    for name in args.sets.split(","):
        results[name] = bench_set(name, corpus / name, args.repeat, cores, ruff, lint)
    if "small" in results and "full" in results:
        s, f = results["small"], results["full"]
        line_ratio = f["lines"] / s["lines"]
        time_ratio = f["cold-jN"][0] / s["cold-jN"][0]
        print(f"\nLinearity: full/small lines x{line_ratio:.1f}, cold time x{time_ratio:.1f} "
              f"({time_ratio / line_ratio:.2f} of the line ratio)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
