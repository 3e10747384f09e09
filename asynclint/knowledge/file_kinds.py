"""Kinds of files whose blocking calls serve nobody (the AIO2 rules leave
them alone by default; rules/_blocking.py `file_kind` decides). From the
triage of real applications and the library corpus (benchmarks/triage/)."""

# pytest's conventions: folders of test code (`blocking-in-tests`).
TEST_DIRS = frozenset({"tests", "test", "testing"})

# Default of `tooling-paths`: developer tooling shipped with the code, which
# a developer runs by hand and which serves nobody. A pattern without `/`
# names a folder (or file) at any depth. Chosen on both corpora: `evals/`
# (pipecat's eval harness, 10 findings nobody would change; livekit's
# `agents/evals` LLM judges for a user's tests), `benchmarks/` (asv,
# pytest-benchmark; no finding in either corpus). Not `scripts/`: Home
# Assistant's `scripts/auth.py` (`hass --script auth`) hashes passwords with
# bcrypt in coroutines, triaged true in the library corpus. Not `tools/`:
# open-webui's `open_webui/tools` and livekit's `agents/beta/tools` are LLM
# tools that run on every request. Not `cli/` or `examples/`: livekit's
# `agents/cli` runs the worker, and example code is what users copy.
TOOLING_PATHS = (
    "evals",
    "benchmarks",
)
