"""CPU time of a full-corpus run with and without the transitive pass (AIO208)."""
import sys, time
from pathlib import Path
from asynclint.config import Config
from asynclint.discovery import discover
from asynclint.engine import FileJob, Settings, lint_files
from asynclint.rules import all_rules
import asynclint.engine as E

root = Path(sys.argv[1])
which = sys.argv[2]
cfg = Config()
enabled = set(cfg.enabled_codes(all_rules()))
if which == "without":
    enabled.discard("AIO208")
files = discover([str(root)], root, cfg.exclude, False)
jobs = [FileJob(f.path, f.display) for f in files]
# time phase 2 separately: wrap findings_of
spent = [0.0]
orig = E.findings_of
def timed(*a, **k):
    t = time.process_time(); r = orig(*a, **k); spent[0] += time.process_time() - t; return r
E.findings_of = timed
t0 = time.process_time()
res = lint_files(jobs, Settings(cfg, frozenset(enabled)), root, use_cache=False, workers=1)
total = time.process_time() - t0
print(f"{which}: files={len(jobs)} cpu={total:.1f}s phase2={spent[0]:.2f}s findings={len(res.diagnostics)} aio208={sum(d.code=='AIO208' for d in res.diagnostics)}")
