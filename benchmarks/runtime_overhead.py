"""Overhead of the asynclint runtime shim on a real asyncio TCP echo workload.

A stream-based echo server and CLIENTS concurrent clients (each sending
REQUESTS line requests and awaiting each echo) run on 127.0.0.1 in a child
process, once with plain python and once under `python -m asynclint.runtime`
(default options), alternating ROUNDS times. Prints throughput (req/s), p50/p99
latency and the throughput loss (median of rounds).

    PYTHONPATH=. python benchmarks/runtime_overhead.py [--clients 20] [--requests 500] [--rounds 5]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time

HARD_LIMIT_S = 60.0


async def _handle(reader, writer):
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            writer.write(line)
            await writer.drain()
    finally:
        writer.close()
        await writer.wait_closed()


async def _client(addr, n, latencies):
    reader, writer = await asyncio.open_connection(*addr)
    payload = b"x" * 64 + b"\n"
    for _ in range(n):
        t0 = time.perf_counter()
        writer.write(payload)
        await writer.drain()
        echoed = await reader.readline()
        latencies.append(time.perf_counter() - t0)
        assert echoed == payload
    writer.close()
    await writer.wait_closed()


async def _child_main(clients, requests):
    server = await asyncio.start_server(_handle, "127.0.0.1", 0)
    addr = server.sockets[0].getsockname()[:2]
    latencies: list = []
    async with server:
        t0 = time.perf_counter()
        c0 = time.process_time()
        await asyncio.wait_for(
            asyncio.gather(*(_client(addr, requests, latencies) for _ in range(clients))),
            HARD_LIMIT_S,
        )
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - c0
    latencies.sort()
    n = len(latencies)
    return {
        "requests": n,
        "elapsed_s": elapsed,
        "rps": n / elapsed,
        "cpu_us_per_req": cpu / n * 1e6,
        "p50_ms": latencies[n // 2] * 1000,
        "p99_ms": latencies[min(n - 1, int(n * 0.99))] * 1000,
    }


def child(clients, requests):
    print(json.dumps(asyncio.run(_child_main(clients, requests))))


def _run(with_shim, clients, requests, extra):
    here = os.path.abspath(__file__)
    prog = [here, "--child", "--clients", str(clients), "--requests", str(requests)]
    cmd = [sys.executable] + (["-m", "asynclint.runtime", *extra] if with_shim else []) + prog
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(here))
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=HARD_LIMIT_S * 2)
    if proc.returncode != 0:
        raise SystemExit(f"child failed: {proc.stderr}")
    if with_shim and proc.stderr.strip():
        print("shim findings on the benchmark itself:\n" + proc.stderr, file=sys.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--child", action="store_true")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--shim-opt", action="append", default=[],
                    help="extra option for the shim, e.g. --shim-opt=--monitoring")
    args = ap.parse_args(argv)
    if args.child:
        child(args.clients, args.requests)
        return 0
    base, shim = [], []
    for _ in range(args.rounds):
        base.append(_run(False, args.clients, args.requests, args.shim_opt))
        shim.append(_run(True, args.clients, args.requests, args.shim_opt))

    def med(rows, key):
        return statistics.median(r[key] for r in rows)

    print(f"python {sys.version.split()[0]}, {args.clients} clients x {args.requests} requests, "
          f"{args.rounds} rounds (median), shim options: {args.shim_opt or 'default'}")
    print(f"{'':10} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'CPU us/req':>11}")
    for label, rows in (("plain", base), ("shim", shim)):
        print(f"{label:10} {med(rows, 'rps'):10.0f} {med(rows, 'p50_ms'):8.3f} "
              f"{med(rows, 'p99_ms'):8.3f} {med(rows, 'cpu_us_per_req'):11.1f}")
    loss = (1 - med(shim, "rps") / med(base, "rps")) * 100
    cpu = (med(shim, "cpu_us_per_req") / med(base, "cpu_us_per_req") - 1) * 100
    print(f"throughput loss: {loss:.1f}%   CPU per request: +{cpu:.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
