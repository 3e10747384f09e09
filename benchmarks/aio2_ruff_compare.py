"""Side-by-side: ruff's ASYNC2xx findings vs asynclint's AIO2xx, mapped by (file, line).

    ruff check --no-cache --isolated --select ASYNC2 --output-format json CORPUS > ruff.json
    asynclint --no-cache --select AIO2 --format json CORPUS > asynclint.json
    python benchmarks/aio2_ruff_compare.py ruff.json asynclint.json CORPUS
"""
import json, sys, collections
ruff = json.load(open(sys.argv[1]))
ours = json.load(open(sys.argv[2]))
base = sys.argv[3]
def rel(p): return p.replace(base, "").lstrip("/")
ours_lines = {(rel(d["path"]), d["line"]) for d in ours}
r_lines = {}
for r in ruff:
    r_lines[(rel(r["filename"]), r["location"]["row"])] = r["code"]
matched = [k for k in r_lines if k in ours_lines]
missed = [(k, v) for k, v in r_lines.items() if k not in ours_lines]
only = [d for d in ours if (rel(d["path"]), d["line"]) not in r_lines]
print("ruff findings:", len(r_lines), collections.Counter(r_lines.values()))
print("asynclint findings:", len(ours), collections.Counter(d["code"] for d in ours))
print("ruff findings asynclint also makes:", len(matched))
print("ruff-only:"); [print("  ", v, k) for k, v in sorted(missed)]
print("asynclint-only:", len(only), collections.Counter(d["code"] for d in only))
