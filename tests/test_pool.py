"""Phase 1's worker processes (`asynclint.pool.run_batches`): every batch
comes back once, whoever analysed it, and a batch whose worker is gone is
handed back to the caller."""
from __future__ import annotations

import subprocess
import sys

import pytest

from asynclint import pool
from asynclint.config import Config
from asynclint.phase1 import Settings
from asynclint.rules import all_rules

SOURCE = b"import time\n\n\nasync def main():\n    time.sleep(1)\n"


def _settings() -> Settings:
    config = Config()
    return Settings(config, config.enabled_codes(all_rules()))


def _batches(count: int, size: int = 3) -> list:
    return [[(f"/nowhere/m{b}_{i}.py", f"m{b}_{i}", False, SOURCE) for i in range(size)] for b in range(count)]


def _codes(result) -> list:
    return sorted(d.code for d in result.diagnostics)


@pytest.mark.parametrize("fork", [True, False])
def test_this_process_shares_the_batches_with_one_worker_fewer(monkeypatch, fork):
    monkeypatch.setattr(pool, "_CAN_FORK", fork and pool._CAN_FORK)
    started = []
    for name in ("_fork", "_spawn"):
        monkeypatch.setattr(pool, name, lambda held, start=getattr(pool, name): started.append(1) or start(held))
    here_paths = []

    def here(path, module, is_package, data):
        here_paths.append(path)
        from asynclint.phase1 import analyse_path
        from asynclint.walker import Walker
        settings = _settings()
        return analyse_path(path, module, is_package, data, Walker(settings.enabled), settings)

    batches = _batches(6)
    got = list(pool.run_batches(batches, _settings(), 2, here))
    assert len(started) == 1  # two jobs: this process and one worker
    assert sorted(map(id, (b for b, _ in got))) == sorted(map(id, batches))  # each batch once
    assert all(out is not None for _, out in got)
    by_here = [b for b, _ in got if b[0][0] in here_paths]
    assert by_here and len(by_here) < len(batches)  # the worker had batches too
    for batch, out in got:
        assert [path for path, _ in out] == [item[0] for item in batch]
        assert all("AIO200" in _codes(result) for _, result in out)


def test_the_batches_of_a_worker_that_died_come_back_to_the_caller(monkeypatch):
    def dying(held):  # a worker that ends before it answers
        proc = subprocess.Popen([sys.executable, "-c", "pass"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        proc.wait()
        return proc.stdin.fileno(), proc.stdout.fileno(), lambda: pool._close(proc)
    for name in ("_fork", "_spawn"):
        monkeypatch.setattr(pool, name, dying)
    batches = _batches(5)
    got = list(pool.run_batches(batches, _settings(), 2))
    assert sorted(map(id, (b for b, _ in got))) == sorted(map(id, batches))
    assert all(out is None for _, out in got)


def test_batches_all_taken_by_the_workers_leave_this_process_none():
    # Two batches: the worker holds both (`_IN_FLIGHT`) before this process takes one.
    batches = _batches(2)
    got = list(pool.run_batches(batches, _settings(), 2, lambda *item: None))
    assert sorted(map(id, (b for b, _ in got))) == sorted(map(id, batches))
    assert all(out is not None and all(result is not None for _, result in out) for _, out in got)
