"""Nothing real lost: every finding of a "before" run is found again in an
"after" run (same place and code, moved to the opt-in AIO210, or grouped as
a related location of one AIO208/AIO210 root-cause finding).

    asynclint --isolated --no-cache --format json --exit-zero CORPUS > before.json    # old code
    asynclint --isolated --no-cache --format json --exit-zero --extend-select AIO210 CORPUS > after.json
    python benchmarks/corpus_kept.py before.json after.json

Prints how each before finding is kept, and lists the ones that are not.
"""
from __future__ import annotations

import collections
import json
import sys


def main(before_path: str, after_path: str) -> int:
    before = json.load(open(before_path))
    after = json.load(open(after_path))
    exact = {(d["path"], d["line"], d["code"]) for d in after}
    related = {}
    for d in after:
        for r in d.get("related") or ():
            related[(r["path"], r["line"])] = d
    how = collections.Counter()
    lost = []
    for d in before:
        key = (d["path"], d["line"], d["code"])
        if key in exact:
            how["same place and code"] += 1
        elif d["code"] == "AIO203" and (d["path"], d["line"], "AIO210") in exact:
            how["AIO203 -> opt-in AIO210 (file metadata)"] += 1
        elif (d["path"], d["line"]) in related:
            root = related[(d["path"], d["line"])]
            how[f"grouped under one {root['code']} at its blocking call"] += 1
        else:
            lost.append(d)
    print(f"before: {len(before)} findings; after: {len(after)}")
    for what, n in how.most_common():
        print(f"  {n:4d}  {what}")
    print(f"  {len(lost):4d}  not found again")
    for d in lost:
        print(f"        {d['path']}:{d['line']} {d['code']} {d['message'][:110]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
