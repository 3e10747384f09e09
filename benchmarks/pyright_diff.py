"""Differential benchmark: asynclint AIO100 against pyright's reportUnusedCoroutine.

Usage:
    # pyright (npm), every check off but reportUnusedCoroutine, see
    # ../shared/bench/run_bench.sh `phase_pyright_full` for the config:
    pyright --outputjson > pyright.json
    asynclint --no-cache --select AIO1 --format json CORPUS > asynclint.json
    python benchmarks/pyright_diff.py pyright.json asynclint.json [--show-source]

Findings are compared by (real path, line). Prints how many of pyright's
findings asynclint also makes (coverage), and lists the findings only one
of them makes, with the source line, for triage (benchmarks/triage/AIO1.md).
"""
from __future__ import annotations

import argparse
import json
import os
from collections import Counter
from typing import Dict, Set, Tuple

Key = Tuple[str, int]


def pyright_findings(path: str) -> Dict[Key, str]:
    with open(path) as fh:
        data = json.load(fh)
    out: Dict[Key, str] = {}
    for d in data.get("generalDiagnostics", []):
        if d.get("rule") != "reportUnusedCoroutine":
            continue
        key = (os.path.realpath(d["file"]), d["range"]["start"]["line"] + 1)
        out[key] = d.get("message", "")
    return out


def asynclint_findings(path: str, codes: Set[str]) -> Dict[Key, str]:
    with open(path) as fh:
        data = json.load(fh)
    out: Dict[Key, str] = {}
    for d in data:
        if d["code"] in codes:
            out[(os.path.realpath(d["path"]), d["line"])] = f'{d["code"]} {d["message"]}'
    return out


def source_line(key: Key) -> str:
    try:
        with open(key[0], encoding="utf-8", errors="replace") as fh:
            for i, line in enumerate(fh, 1):
                if i == key[1]:
                    return line.strip()
    except OSError:
        pass
    return ""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("pyright_json")
    ap.add_argument("asynclint_json")
    ap.add_argument("--codes", default="AIO100", help="asynclint codes compared (default AIO100)")
    ap.add_argument("--root", default="", help="strip this prefix from paths when printing")
    ap.add_argument("--show-source", action="store_true")
    ap.add_argument("--truth", help="MUTANTS.tsv from make_mutants.py: report recall of each tool on it")
    ap.add_argument("--only-files", action="store_true", help="compare only files named in --truth")
    args = ap.parse_args()
    pyr = pyright_findings(args.pyright_json)
    ours = asynclint_findings(args.asynclint_json, set(args.codes.split(",")))
    truth: Set[Key] = set()
    if args.truth:
        with open(args.truth) as fh:
            for row in fh:
                if row.strip():
                    path, line = row.rstrip("\n").split("\t")
                    truth.add((os.path.realpath(path), int(line)))
        if args.only_files:
            files = {k[0] for k in truth}
            pyr = {k: v for k, v in pyr.items() if k[0] in files}
            ours = {k: v for k, v in ours.items() if k[0] in files}
    both = set(pyr) & set(ours)
    only_pyright = sorted(set(pyr) - set(ours))
    only_ours = sorted(set(ours) - set(pyr))
    root = os.path.realpath(args.root) + os.sep if args.root else ""

    def show(key: Key) -> str:
        path = key[0][len(root):] if root and key[0].startswith(root) else key[0]
        text = f"{path}:{key[1]}"
        if args.show_source:
            text += f"  `{source_line(key)}`"
        return text

    print(f"pyright reportUnusedCoroutine findings: {len(pyr)}")
    print(f"asynclint {args.codes} findings: {len(ours)}")
    print(f"both: {len(both)}")
    if pyr:
        print(f"coverage (share of pyright's findings asynclint also makes): {len(both) / len(pyr):.1%}")
    by_project = Counter(k[0][len(root):].split(os.sep, 1)[0] if root else "" for k in pyr)
    if root:
        print("pyright findings per project:", dict(by_project.most_common()))
    if truth:
        print(f"seeded never-awaited calls: {len(truth)}; found by pyright: {len(truth & set(pyr))} "
              f"({len(truth & set(pyr)) / len(truth):.1%}); by asynclint: {len(truth & set(ours))} "
              f"({len(truth & set(ours)) / len(truth):.1%})")
        print(f"pyright findings beyond the seeds: {len(set(pyr) - truth)}; asynclint: {len(set(ours) - truth)}")
    print(f"\n## pyright only ({len(only_pyright)})")
    for key in only_pyright:
        print("-", show(key), "--", pyr[key][:120])
    print(f"\n## asynclint only ({len(only_ours)})")
    for key in only_ours:
        print("-", show(key), "--", ours[key][:160])


if __name__ == "__main__":
    main()
