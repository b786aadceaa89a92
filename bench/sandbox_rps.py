"""Requests per second of the TechLink sandbox (latency 0) for a mix of list and detail GETs.

    .venv/bin/python bench/sandbox_rps.py [--requests 6000] [--connections 16] [--sites 300] [--workorders 3000]

Seeds a temporary data directory, starts ``python -m techlink_sandbox serve`` as its own process on a free
loopback port, drives it over keep-alive connections for a bounded number of requests (and at most
``--max-seconds``), prints the rate and latency percentiles, and stops the server.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AUTH = "demo:" + hashlib.md5(b"demo-password").hexdigest()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def fetch(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str) -> tuple[int, bytes]:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: bench\r\nX-Authorization: {AUTH}\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length)


async def wait_ready(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise SystemExit("the sandbox exited while starting")
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            await fetch(reader, writer, "/api/light/project")
            writer.close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit("the sandbox did not start") from None
            await asyncio.sleep(0.05)


async def drive(
    port: int, total: int, connections: int, max_seconds: float
) -> tuple[int, float, list[float], int]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    _, body = await fetch(reader, writer, "/api/light/site")
    site_ids = json.loads(body)["data"]
    _, body = await fetch(reader, writer, "/api/light/workorder")
    workorder_ids = json.loads(body)["data"]
    writer.close()
    rng = random.Random(1)
    paths = []
    for _ in range(total):
        roll = rng.random()
        if roll < 0.15:
            paths.append("/api/light/site?state=TX")
        elif roll < 0.30:
            paths.append("/api/light/workorder?status_code=60")
        elif roll < 0.55:
            paths.append(f"/api/light/site/{rng.choice(site_ids)}")
        elif roll < 0.85:
            paths.append(f"/api/light/workorder/{rng.choice(workorder_ids)}")
        else:
            paths.append(f"/api/light/workorder/{rng.choice(workorder_ids)}/note")
    queue = iter(paths)
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + max_seconds

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for path in queue:
            if time.monotonic() > deadline:
                break
            started = time.perf_counter()
            status, _ = await fetch(reader, writer, path)
            latencies.append(time.perf_counter() - started)
            errors += status != 200
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return len(latencies), time.perf_counter() - started, latencies, errors


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--sites", type=int, default=300)
    parser.add_argument("--workorders", type=int, default=3000)
    parser.add_argument("--max-seconds", type=float, default=60)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as data_dir:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "techlink_sandbox",
                "seed",
                "--data-dir",
                data_dir,
                "--sites",
                str(args.sites),
                "--workorders",
                str(args.workorders),
            ],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        port = free_port()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "techlink_sandbox",
                "serve",
                "--data-dir",
                data_dir,
                "--port",
                str(port),
                "--latency",
                "0",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
        )
        try:
            asyncio.run(wait_ready(port, proc))
            done, elapsed, latencies, errors = asyncio.run(
                drive(port, args.requests, args.connections, args.max_seconds)
            )
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    print(
        f"sandbox: {done} GETs over {args.connections} connections in {elapsed:.2f}s = {done / elapsed:.0f} "
        f"requests/second; latency p50 {pct(0.5):.1f} ms, p95 {pct(0.95):.1f} ms, p99 {pct(0.99):.1f} ms; "
        f"{errors} non-200"
    )


if __name__ == "__main__":
    main()
