"""Overhead of the asynclint runtime shim on a real asyncio TCP echo server.

The server (asyncio streams, 127.0.0.1 only) runs in a child process, either
with plain python or under `python -m asynclint.runtime` (default options).
A separate plain-python load process opens CLIENTS concurrent connections,
each sending REQUESTS 64-byte lines and awaiting each echo, and measures
throughput and latency; the server reports its CPU time per request.
Plain and shim runs are interleaved (alternating order) ROUNDS times; the
best and the median round are printed. Every run has a hard time limit.

    python benchmarks/runtime_overhead.py [--clients 20] [--requests 500] [--rounds 7]
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
PAYLOAD = b"x" * 63 + b"\n"


# -- server (the program measured) ------------------------------------------

async def _serve():
    stats = {"conns": 0, "requests": 0, "cpu0": None}
    done = asyncio.Event()

    async def handle(reader, writer):
        if stats["cpu0"] is None:
            stats["cpu0"] = time.process_time()
        stats["conns"] += 1
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                stats["requests"] += 1
                writer.write(line)
                await writer.drain()
        finally:
            writer.close()
            await writer.wait_closed()
            stats["conns"] -= 1
            if stats["conns"] == 0:
                done.set()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await asyncio.wait_for(done.wait(), HARD_LIMIT_S)
    cpu = time.process_time() - stats["cpu0"]
    print(json.dumps({"server_cpu_us_per_req": cpu / max(1, stats["requests"]) * 1e6}), flush=True)


# -- load generator (always plain python) -----------------------------------

async def _client(port, n, latencies):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for _ in range(n):
        t0 = time.perf_counter()
        writer.write(PAYLOAD)
        await writer.drain()
        echoed = await reader.readline()
        latencies.append(time.perf_counter() - t0)
        assert echoed == PAYLOAD
    writer.close()
    await writer.wait_closed()


async def _load(port, clients, requests):
    latencies: list = []
    t0 = time.perf_counter()
    await asyncio.wait_for(
        asyncio.gather(*(_client(port, requests, latencies) for _ in range(clients))),
        HARD_LIMIT_S)
    elapsed = time.perf_counter() - t0
    latencies.sort()
    n = len(latencies)
    return {"requests": n, "rps": n / elapsed, "p50_ms": latencies[n // 2] * 1000,
            "p99_ms": latencies[min(n - 1, int(n * 0.99))] * 1000}


# -- per-event costs (in-process, min of repeats: stable under background load)

def micro():
    import timeit

    def measure():
        loop = asyncio.new_event_loop()
        loop._thread_id = __import__("threading").get_ident()  # as if running
        from asyncio import events

        async def co():
            pass

        def cb(*a):
            pass

        def t(stmt, **g):
            n = 20000
            return min(timeit.repeat(stmt, globals=g, number=n, repeat=7)) / n * 1e9

        out = {
            "loop.call_soon": t("loop.call_soon(cb); loop._ready.clear()", loop=loop, cb=cb),
            "Handle._run": t("h._run()", h=events.Handle(cb, (), loop)),
            "create_future+set_result": t("f = loop.create_future(); f.set_result(1)", loop=loop),
            "future add_done_callback": t("f.add_done_callback(cb); f.remove_done_callback(cb)",
                                          f=loop.create_future(), cb=cb),
            "coroutine create+close": t("c = co(); c.close()", co=co),
        }
        loop._thread_id = None
        loop.close()
        return out

    base = measure()
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import asynclint.runtime

    handle = asynclint.runtime.install()
    try:
        shim = measure()
    finally:
        handle.uninstall()
    print(f"{'per-event cost (ns)':28} {'plain':>8} {'shim':>8} {'extra':>8}")
    for k in base:
        print(f"{k:28} {base[k]:8.0f} {shim[k]:8.0f} {shim[k] - base[k]:+8.0f}")


# -- driver -----------------------------------------------------------------

def _env():
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def _round(with_shim, clients, requests, shim_opts):
    here = os.path.abspath(__file__)
    cmd = [sys.executable] + (["-m", "asynclint.runtime", *shim_opts] if with_shim else [])
    server = subprocess.Popen(cmd + [here, "--serve"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=_env())
    try:
        port = int(server.stdout.readline())
        load = subprocess.run([sys.executable, here, "--load", str(port), "--clients",
                               str(clients), "--requests", str(requests)],
                              capture_output=True, text=True, env=_env(), timeout=HARD_LIMIT_S * 2)
        if load.returncode != 0:
            raise SystemExit(f"load failed: {load.stderr}")
        out, err = server.communicate(timeout=HARD_LIMIT_S)
    finally:
        if server.poll() is None:
            server.kill()
    row = json.loads(load.stdout)
    row.update(json.loads(out.strip().splitlines()[-1]))
    if with_shim and err.strip():
        print("shim findings on the benchmark server:\n" + err, file=sys.stderr)
    return row


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--serve", action="store_true")
    ap.add_argument("--load", type=int, metavar="PORT")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--micro", action="store_true", help="only the per-event costs")
    ap.add_argument("--shim-opt", action="append", default=[],
                    help="extra option for the shim, e.g. --shim-opt=--monitoring")
    args = ap.parse_args(argv)
    if args.serve:
        asyncio.run(_serve())
        return 0
    if args.load:
        print(json.dumps(asyncio.run(_load(args.load, args.clients, args.requests))))
        return 0
    if args.micro:
        micro()
        return 0
    base, shim = [], []
    for i in range(args.rounds):  # interleaved, alternating order: fair under background load
        for with_shim in ((False, True) if i % 2 == 0 else (True, False)):
            (shim if with_shim else base).append(
                _round(with_shim, args.clients, args.requests, args.shim_opt))

    def med(rows, key):
        return statistics.median(r[key] for r in rows)

    def best(rows, key):
        return (max if key == "rps" else min)(r[key] for r in rows)

    print(f"python {sys.version.split()[0]}, echo server, {args.clients} clients x "
          f"{args.requests} requests, {args.rounds} rounds, shim options: "
          f"{' '.join(args.shim_opt) or 'default'}")
    for agg, f in (("best", best), ("median", med)):
        print(f"[{agg}] {'':5} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'server CPU us/req':>18}")
        for label, rows in (("plain", base), ("shim", shim)):
            print(f"{'':8}{label:5} {f(rows, 'rps'):8.0f} {f(rows, 'p50_ms'):8.3f} "
                  f"{f(rows, 'p99_ms'):8.3f} {f(rows, 'server_cpu_us_per_req'):18.1f}")
        loss = (1 - f(shim, "rps") / f(base, "rps")) * 100
        cpu = (f(shim, "server_cpu_us_per_req") / f(base, "server_cpu_us_per_req") - 1) * 100
        print(f"{'':8}throughput loss: {loss:.1f}%   server CPU per request: {cpu:+.1f}%")
    print()
    micro()
    return 0


if __name__ == "__main__":
    sys.exit(main())
