"""The runtime shim on real projects' own test suites (issue #19).

Downloads each project's sdist from PyPI (`pip download --no-deps
--no-binary :all:`) into a work folder outside the repository, then runs its
test suite with pytest, plain and under `--asynclint-runtime=report`,
interleaved, several rounds. Per project it reports: tests, outcomes without
and with the shim (every outcome change is listed: one that is not explained
by a finding is a defect of the shim), the median wall time of each, the
overhead, and the findings (code, location, count, first test).

The Python given with --python must have pytest, the projects and their test
dependencies installed, and asynclint importable (e.g. `pip install -e .`).

    python benchmarks/runtime_suites.py --python /tmp/suites-venv/bin/python \\
        --projects janus,aiosqlite,httpx,starlette --rounds 3 \\
        [--baseline-path DIR]  # also time the shim from another checkout (PYTHONPATH)
        [--markdown benchmarks/runtime_suites_results.md]

A project's run is limited to 10 minutes.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import tarfile
import time
import xml.etree.ElementTree as ET

# name -> (test path inside the sdist, extra pytest arguments)
PROJECTS = {
    "janus": ("tests", ["--ignore=tests/test_benchmarks.py"]),  # needs pytest-codspeed
    "aiosqlite": ("aiosqlite/tests/smoke.py", []),  # perf.py: timing loops
    "httpx": ("tests", ["-p", "no:asyncio"]),  # it uses anyio; pytest-asyncio warns (= error)
    "starlette": ("tests", ["-p", "no:asyncio"]),
}
LIMIT_S = 600


def fetch(name: str, workdir: str, python: str) -> str:
    """The unpacked sdist folder of `name` (downloaded once)."""
    found = sorted(p for p in glob.glob(os.path.join(workdir, f"{name}-*"))
                   if os.path.isdir(p))
    if found:
        return found[-1]
    subprocess.run([python, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
                    "-d", workdir, name], check=True)
    [archive] = sorted(glob.glob(os.path.join(workdir, f"{name}-*.tar.gz")))[-1:]
    with tarfile.open(archive) as tar:
        tar.extractall(workdir, filter="data")
    return archive[: -len(".tar.gz")]


def outcomes(junit: str) -> dict:
    """test id -> worst outcome (passed < skipped < failed < error)."""
    rank = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}
    out: dict = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        tid = f"{case.get('classname')}::{case.get('name')}"
        state = "passed"
        for child in case:
            tag = {"failure": "failed", "error": "error", "skipped": "skipped"}.get(child.tag)
            if tag and rank[tag] > rank[state]:
                state = tag
        if rank[state] >= rank.get(out.get(tid, "passed"), 0):
            out[tid] = state
    return out


def run_suite(python, src, tests, extra, shim, report, junit, pythonpath=None, gc_mode=None):
    env = dict(os.environ)
    env.pop("PYTHONASYNCIODEBUG", None)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    cmd = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
           f"--junitxml={junit}", *extra, tests]
    if shim:
        # an older checkout may not know the report mode: time it in fail mode
        mode = "--asynclint-runtime" if pythonpath else "--asynclint-runtime=report"
        cmd[3:3] = [mode, f"--asynclint-report={report}"]
        if gc_mode:
            cmd[3:3] = [f"--asynclint-gc={gc_mode}"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=src, env=env, capture_output=True, text=True,
                          timeout=LIMIT_S)
    wall = time.perf_counter() - t0
    if not os.path.exists(junit):
        raise SystemExit(f"{src}: pytest produced no report\n{proc.stdout[-3000:]}"
                         f"{proc.stderr[-3000:]}")
    return wall, outcomes(junit)


def summarize(tag, counts):
    return ", ".join(f"{counts.get(k, 0)} {k}" for k in ("passed", "failed", "error", "skipped")
                     if counts.get(k))


def bench(name, args):
    src = fetch(name, args.workdir, args.python)
    tests, extra = PROJECTS[name]
    junit = os.path.join(args.workdir, f"{name}.xml")
    report = os.path.join(args.workdir, f"{name}.findings.json")
    plain_t, shim_t, base_t = [], [], []
    plain_o = shim_o = None
    for i in range(args.rounds):
        order = (False, True) if i % 2 == 0 else (True, False)
        for shim in order:
            wall, got = run_suite(args.python, src, tests, extra, shim, report, junit)
            (shim_t if shim else plain_t).append(wall)
            if shim:
                shim_o = got
            else:
                plain_o = got
    gc_t = {}
    for gc_mode in filter(None, args.gc_modes.split(",")):
        gc_t[gc_mode] = [run_suite(args.python, src, tests, extra, True, report + ".gc", junit,
                                   gc_mode=gc_mode)[0] for _ in range(args.baseline_rounds)]
    if args.baseline_path:
        for _ in range(args.baseline_rounds):
            wall, base_o = run_suite(args.python, src, tests, extra, True, report + ".base",
                                     junit, pythonpath=args.baseline_path)
            base_t.append(wall)
    findings = json.load(open(report))
    changed = sorted((t, plain_o.get(t), shim_o.get(t)) for t in set(plain_o) | set(shim_o)
                     if plain_o.get(t) != shim_o.get(t))
    count = lambda o: {k: list(o.values()).count(k) for k in set(o.values())}  # noqa: E731
    rows = {}
    for f in findings:
        key = (f["code"], f["path"], f["line"])
        row = rows.setdefault(key, {"count": 0, "first": f["test"], "message": f["message"]})
        row["count"] += f["count"]
    pm, sm = statistics.median(plain_t), statistics.median(shim_t)
    return {
        "project": os.path.basename(src),
        "tests": len(plain_o),
        "plain": summarize("plain", count(plain_o)),
        "shim": summarize("shim", count(shim_o)),
        "changed": changed,
        "plain_s": pm, "shim_s": sm, "overhead": (sm / pm - 1) * 100,
        "plain_all": plain_t, "shim_all": shim_t,
        "baseline_s": statistics.median(base_t) if base_t else None,
        "gc_s": {k: statistics.median(v) for k, v in gc_t.items()},
        "findings": sorted(rows.items()),
    }


def markdown(results, args) -> str:
    out = [f"Rounds: {args.rounds} interleaved (median wall time); Python "
           f"{subprocess.run([args.python, '-c', 'import sys; print(sys.version.split()[0])'], capture_output=True, text=True).stdout.strip()}.", "",
           "| project | tests | outcomes without | outcomes with shim | changed | without (s) "
           "| with (s) | overhead | previous shim (s) | findings |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        base = f"{r['baseline_s']:.1f}" if r["baseline_s"] else "-"
        out.append(f"| {r['project']} | {r['tests']} | {r['plain']} | {r['shim']} | "
                   f"{len(r['changed'])} | {r['plain_s']:.1f} | {r['shim_s']:.1f} | "
                   f"{r['overhead']:+.1f} % | {base} | {len(r['findings'])} |")
    for r in results:
        out += ["", f"### {r['project']}", "",
                f"wall times without: {', '.join(f'{t:.1f}' for t in r['plain_all'])}; "
                f"with: {', '.join(f'{t:.1f}' for t in r['shim_all'])}"]
        for mode, t in r["gc_s"].items():
            out.append(f"; with `--asynclint-gc={mode}`: {t:.1f} s ({(t / r['plain_s'] - 1) * 100:+.0f} %)")
        if r["changed"]:
            out += ["", "Outcome changes:", ""]
            out += [f"- `{t}`: {a} -> {b}" for t, a, b in r["changed"]]
        if r["findings"]:
            out += ["", "| code | location | count | first test |", "|---|---|---|---|"]
            for (code, path, line), row in r["findings"]:
                out.append(f"| {code} | `{path}:{line}` | {row['count']} | `{row['first']}` |")
    return "\n".join(out) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--projects", default="janus,aiosqlite,httpx,starlette")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workdir", default="/tmp/asynclint-suites")
    ap.add_argument("--baseline-path", default=None,
                    help="PYTHONPATH of another asynclint checkout to time as well")
    ap.add_argument("--baseline-rounds", type=int, default=1)
    ap.add_argument("--gc-modes", default="",
                    help="also time these --asynclint-gc modes (test,phase), baseline-rounds each")
    ap.add_argument("--markdown", default=None, help="append the results table to this file")
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    results = []
    for name in args.projects.split(","):
        r = bench(name.strip(), args)
        results.append(r)
        print(json.dumps({k: v for k, v in r.items() if k != "findings"}, default=str))
        for (code, path, line), row in r["findings"]:
            print(f"  {code} {path}:{line} x{row['count']} first={row['first']}")
    text = markdown(results, args)
    print(text)
    if args.markdown:
        with open(args.markdown, "a", encoding="utf-8") as fh:
            fh.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
