"""Precision on real applications: re-run asynclint and join with the triage.

    python benchmarks/apps_triage.py run   [--apps DIR] [--out FILE]
    python benchmarks/apps_triage.py sample --findings FILE   (new TSV rows to triage)
    python benchmarks/apps_triage.py score  --findings FILE   (tables for apps.md)

`run` lints each application folder of the applications corpus (built by
../shared/bench/make_corpus.sh with CORPUS=apps) with its default output,
one process per application, no cache, no configuration file, and writes the
findings as JSON lines (app, path, line, code, message, source line).

The triage (`benchmarks/triage/apps.tsv`) is keyed by (app, path, code,
normalised source line): line numbers move when code is edited, the text of
the flagged line rarely does, so a verdict given once keeps applying while the
rules change. `score` joins a run with the triage:
  - a finding with a verdict counts as TP, FP or debatable;
  - a triaged key absent from the run was silenced (listed, so that a silenced
    TP is visible: "nothing real may be lost");
  - a finding without a verdict is reported as untriaged (never counted).
`sample` draws the seeded sample the triage covers: every finding of an
application with at most 40 in application code, else 40 (seed 14) from
application code and 10 from tests.
"""
from __future__ import annotations

import argparse
import collections
import csv
import json
import random
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TRIAGE = HERE / "triage" / "apps.tsv"
DEFAULT_APPS = Path("/tmp/asynclint-apps/full")
COLUMNS = ["app", "path", "line", "code", "verdict", "cause", "reason", "source"]
SEED = 14

_TEST_PART = re.compile(r"(^|/)(tests?|testing|test_utils|conftest\.py|test_[^/]*\.py|[^/]*_test\.py)(/|$)")
_DOC_PART = re.compile(r"(^|/)(docs?|examples?|samples?|scripts|benchmarks?|\.github)(/|$)")


def area(path: str) -> str:
    """'tests', 'docs' (docs, examples, scripts) or 'app'."""
    if _TEST_PART.search(path):
        return "tests"
    if _DOC_PART.search(path):
        return "docs"
    return "app"


def normalise(line: str) -> str:
    return " ".join(line.split())


def asynclint_command():
    beside = Path(sys.executable).parent / "asynclint"
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "asynclint"]


def run(apps: Path, out: Path, extra: list[str]) -> None:
    rows = []
    for app in sorted(p for p in apps.iterdir() if p.is_dir()):
        cmd = asynclint_command() + ["--isolated", "--no-cache", "--format", "json", "--exit-zero", *extra, "."]
        proc = subprocess.run(cmd, cwd=app, capture_output=True, text=True)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{app.name}: asynclint failed\n{proc.stderr}")
        found = json.loads(proc.stdout)
        for d in found:
            path = d["path"].removeprefix("./")
            rows.append({
                "app": app.name, "path": path, "line": d["line"], "code": d["code"],
                "message": d["message"], "source": _line(app, path, d["line"]),
                # a grouped finding (AIO208 at the blocking call) keeps its
                # callers: each was triaged where it used to be reported
                "related": [{"path": r["path"].removeprefix("./"), "line": r["line"],
                             "source": _line(app, r["path"].removeprefix("./"), r["line"])}
                            for r in d.get("related") or ()],
            })
        print(f"{app.name}: {len(found)} findings", file=sys.stderr, flush=True)
    with open(out, "w") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")


def _line(app: Path, path: str, line: int) -> str:
    try:
        return normalise((app / path).read_text(encoding="utf-8", errors="replace").splitlines()[line - 1])
    except (OSError, IndexError):
        return ""


def load_findings(path: Path) -> list[dict]:
    return [json.loads(line) for line in open(path) if line.strip()]


def load_triage() -> dict:
    table = {}
    if not TRIAGE.exists():
        return table
    with open(TRIAGE, newline="") as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            table[(r["app"], r["path"], r["code"], normalise(r["source"]))] = r
    return table


def key(f: dict) -> tuple:
    return (f["app"], f["path"], f["code"], f["source"])


def verdict_of(f: dict, triage: dict):
    """The triage row of a finding. A finding grouping several callers takes
    the most serious verdict among its triaged callers (TP, then FP, then
    debatable) unless it was triaged itself."""
    own = triage.get(key(f))
    if own is not None or not f.get("related"):
        return own
    rows = [triage.get((f["app"], r["path"], f["code"], r["source"])) for r in f["related"]]
    rows = [r for r in rows if r is not None]
    for v in ("TP", "FP", "debatable"):
        for r in rows:
            if r["verdict"] == v:
                return r
    return None


def present_keys(findings: list[dict]) -> set:
    out = set()
    for f in findings:
        out.add(key(f))
        for r in f.get("related") or ():
            out.add((f["app"], r["path"], f["code"], r["source"]))
    return out


def sample(findings: list[dict]) -> list[dict]:
    """The seeded sample, deterministic for a given findings file."""
    by_app = collections.defaultdict(list)
    for f in findings:
        by_app[f["app"]].append(f)
    picked = []
    for app, fs in sorted(by_app.items()):
        rng = random.Random(f"{SEED}:{app}")
        appcode = sorted((f for f in fs if area(f["path"]) == "app"), key=lambda f: (f["path"], f["line"], f["code"]))
        other = sorted((f for f in fs if area(f["path"]) != "app"), key=lambda f: (f["path"], f["line"], f["code"]))
        if len(appcode) > 40:
            appcode = rng.sample(appcode, 40)
            other = rng.sample(other, min(10, len(other)))
        elif len(other) > 10:
            other = rng.sample(other, 10)
        picked += appcode + other
    return picked


def score(findings: list[dict], show_missing: bool) -> None:
    triage = load_triage()
    present = present_keys(findings)
    per_app = collections.defaultdict(collections.Counter)
    per_family = collections.defaultdict(collections.Counter)
    per_area = collections.Counter()
    causes = collections.Counter()
    untriaged = 0
    for f in findings:
        a = area(f["path"])
        per_area[a] += 1
        per_app[f["app"]]["all"] += 1
        per_app[f["app"]][a] += 1
        t = verdict_of(f, triage)
        if t is None:
            untriaged += 1
            continue
        v = t["verdict"]
        where = "app" if a == "app" else "tests/docs"
        per_app[f["app"]][f"{where}:{v}"] += 1
        per_family[(f["code"][:4], where)][v] += 1
        if t["cause"] and a == "app":
            causes[t["cause"]] += 1
    print("| app | findings | app code | tests/docs | app TP/FP/deb | tests TP/FP/deb |")
    print("|---|---:|---:|---:|---|---|")
    tot = collections.Counter()
    for app in sorted(per_app):
        c = per_app[app]
        tot.update(c)
        print(f"| {app} | {c['all']} | {c['app']} | {c['tests'] + c['docs']} | "
              f"{c['app:TP']}/{c['app:FP']}/{c['app:debatable']} | "
              f"{c['tests/docs:TP']}/{c['tests/docs:FP']}/{c['tests/docs:debatable']} |")
    print(f"| **total** | {tot['all']} | {tot['app']} | {tot['tests'] + tot['docs']} | "
          f"{tot['app:TP']}/{tot['app:FP']}/{tot['app:debatable']} | "
          f"{tot['tests/docs:TP']}/{tot['tests/docs:FP']}/{tot['tests/docs:debatable']} |")
    print()
    print("| family | where | TP | FP | debatable | TP/(TP+FP) | debatable share |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for (fam, where), c in sorted(per_family.items()):
        tp, fp, deb = c["TP"], c["FP"], c["debatable"]
        prec = f"{100 * tp / (tp + fp):.0f}%" if tp + fp else "-"
        share = f"{100 * deb / (tp + fp + deb):.0f}%" if tp + fp + deb else "-"
        print(f"| {fam} | {where} | {tp} | {fp} | {deb} | {prec} | {share} |")
    print()
    total = sum(per_area.values())
    print(f"findings: {total}; in tests/docs: {per_area['tests'] + per_area['docs']} "
          f"({100 * (per_area['tests'] + per_area['docs']) / max(total, 1):.0f}%); untriaged: {untriaged}")
    # Largest cluster of findings sharing one source line (path, code, text)
    # in the run itself: the fan-out measure, independent of the triage.
    # AIO208 findings of one root cause share the end of their chain (the
    # helper and its blocking call), whatever the caller.
    by_line = collections.Counter()
    for f in findings:
        chain = re.search(r"blocks the event loop: ([^;]*);", f["message"])
        end = " -> ".join(chain.group(1).split(" -> ")[-2:]) if chain and f["code"] == "AIO208" else None
        by_line[(f["app"], f["code"], end or f"{f['path']}:{f['source']}")] += 1
    (cluster, n), = by_line.most_common(1) or [(("-", "-", "-"), 0)]
    print(f"largest root-cause cluster: {n} findings {cluster}")
    print(f"largest triaged root cause (app code): {causes.most_common(3)}")
    lost = [r for k, r in triage.items() if k not in present]
    lost_tp = [r for r in lost if r["verdict"] == "TP"]
    print(f"triaged but absent now: {len(lost)} (TP among them: {len(lost_tp)})")
    if show_missing:
        for r in lost:
            print(f"  {r['verdict']:9} {r['app']} {r['path']}:{r['line']} {r['code']} [{r['cause']}] {r['reason']}")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("command", choices=["run", "sample", "score"])
    ap.add_argument("--apps", type=Path, default=DEFAULT_APPS)
    ap.add_argument("--out", type=Path, default=Path("/tmp/asynclint-apps-findings.jsonl"))
    ap.add_argument("--findings", type=Path, default=Path("/tmp/asynclint-apps-findings.jsonl"))
    ap.add_argument("--missing", action="store_true", help="with score: list triaged findings now absent")
    ap.add_argument("extra", nargs="*", help="with run: extra asynclint arguments (after --)")
    args = ap.parse_args(argv)
    if args.command == "run":
        run(args.apps, args.out, args.extra)
    elif args.command == "sample":
        triage = load_triage()
        w = csv.writer(sys.stdout, delimiter="\t", lineterminator="\n")
        for f in sample(load_findings(args.findings)):
            if verdict_of(f, triage) is None:
                w.writerow([f["app"], f["path"], f["line"], f["code"], "", "", f["message"], f["source"]])
    else:
        score(load_findings(args.findings), args.missing)


if __name__ == "__main__":
    main()
