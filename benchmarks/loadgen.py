"""A small loopback HTTP/1.1 load generator for the benchmarks: open-loop at a fixed rate, or closed-loop.

Open-loop latency is measured from each request's *scheduled* send time, not from when it was actually sent, so a
slow server cannot hide its stalls by holding the generator back (coordinated omission). Connections are kept alive
when the server allows it and reopened when it closes them (gunicorn's sync workers close after every response).
Everything runs on one asyncio loop with raw sockets, which costs far less CPU than threads on a two-core machine
that also runs the server and the database.
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

REQUEST_TIMEOUT = 15.0
# Few enough that an overloaded run leaves a backlog the server drains in seconds, so it cannot bill the next run.
MAX_CONNECTIONS = 64


@dataclass
class Sample:
    scheduled: float
    latency: float
    status: int


@dataclass
class Stats:
    """Samples of one run; ``summary()`` turns them into the figures a result file records."""

    samples: list[Sample] = field(default_factory=list)
    sent: int = 0
    seconds: float = 0.0
    max_connections: int = 0

    def summary(self) -> dict:
        latencies = sorted(s.latency * 1000 for s in self.samples)
        ok = sum(1 for s in self.samples if s.status == 200)
        # Throughput over the span from the first measured send to the last answer: an overloaded server that answers
        # late must not be credited with the rate it was offered.
        span = (max(s.scheduled + s.latency for s in self.samples) - min(s.scheduled for s in self.samples)
                if self.samples else 0.0)
        statuses: dict[str, int] = {}
        for s in self.samples:
            statuses[str(s.status)] = statuses.get(str(s.status), 0) + 1
        return {
            "requests_sent": self.sent,
            "completed": len(self.samples),
            "ok_200": ok,
            "errors": len(self.samples) - ok + (self.sent - len(self.samples)),
            "statuses": statuses,
            "measured_seconds": round(self.seconds, 2),
            "span_seconds": round(span, 2),
            "throughput_per_second": round(ok / max(span, self.seconds), 1) if self.seconds else 0.0,
            "latency_ms": {
                "p50": _percentile(latencies, 50),
                "p95": _percentile(latencies, 95),
                "p99": _percentile(latencies, 99),
                "max": round(latencies[-1], 1) if latencies else None,
                "mean": round(sum(latencies) / len(latencies), 1) if latencies else None,
            },
            "connections_opened_max": self.max_connections,
        }


def _percentile(ordered: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile, so the figure is a latency some request really had."""
    if not ordered:
        return None
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return round(ordered[rank - 1], 1)


class _Pool:
    """Idle keep-alive connections to one host and port."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.open = 0
        self.peak = 0
        self.slots = asyncio.Semaphore(MAX_CONNECTIONS)

    async def get(self):
        if self.idle:
            return self.idle.pop()
        reader, writer = await asyncio.open_connection(self.host, self.port)
        self.open += 1
        self.peak = max(self.peak, self.open)
        return reader, writer

    def put(self, connection, reusable: bool) -> None:
        if reusable:
            self.idle.append(connection)
        else:
            connection[1].close()
            self.open -= 1

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()
        self.idle.clear()


async def _exchange(pool: _Pool, request: bytes) -> int:
    """Send one request and read the whole response; returns the status (599 for a failure on our side)."""
    async with pool.slots:
        for attempt in range(2):
            reused = bool(pool.idle)
            connection = await pool.get()
            reader, writer = connection
            reusable = False
            try:
                writer.write(request)
                await writer.drain()
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                status = int(lines[0].split(" ", 2)[1])
                headers = {k.strip().lower(): v.strip()
                           for k, _, v in (line.partition(":") for line in lines[1:] if line)}
                if "content-length" in headers:
                    await reader.readexactly(int(headers["content-length"]))
                    reusable = headers.get("connection", "").lower() != "close"
                else:
                    await reader.read()  # no length: the body ends when the server closes
                return status
            except (asyncio.IncompleteReadError, ConnectionResetError, BrokenPipeError) as error:
                # A kept-alive connection the server closed while idle fails before any answer: retry once, as
                # browsers do; anything else is the server's failure.
                stale = reused and attempt == 0 and (not isinstance(error, asyncio.IncompleteReadError)
                                                     or not error.partial)
                if not stale:
                    return 599
            except (OSError, asyncio.LimitOverrunError, ValueError, IndexError):
                return 599
            finally:
                pool.put(connection, reusable)
        return 599


def _request_bytes(path: str, host: str, port: int, cookie: str | None) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Accept: text/html", "Connection: keep-alive"]
    if cookie:
        lines.append(f"Cookie: {cookie}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _open_loop(host, port, paths: Callable[[random.Random], str], cookie, rate, warmup, duration, seed):
    pool = _Pool(host, port)
    rng = random.Random(seed)
    stats = Stats()
    total = int(rate * (warmup + duration))
    interval = 1.0 / rate
    tasks = []
    start = time.perf_counter() + 0.05

    async def one(scheduled: float, request: bytes, measured: bool) -> None:
        try:
            status = await asyncio.wait_for(_exchange(pool, request), REQUEST_TIMEOUT)
        except TimeoutError:
            status = 598
        if measured:
            stats.samples.append(Sample(scheduled, time.perf_counter() - scheduled, status))

    for i in range(total):
        scheduled = start + i * interval
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        measured = i >= rate * warmup
        stats.sent += measured
        tasks.append(asyncio.create_task(one(scheduled, _request_bytes(paths(rng), host, port, cookie), measured)))
    await asyncio.gather(*tasks)
    stats.seconds = duration
    stats.max_connections = pool.peak
    pool.close()
    return stats


async def _closed_loop(host, port, paths, cookie, clients, warmup, duration, seed):
    pool = _Pool(host, port)
    stats = Stats()
    began = time.perf_counter()
    measure_from = began + warmup
    stop_at = measure_from + duration

    async def client(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        while (sent := time.perf_counter()) < stop_at:
            try:
                status = await asyncio.wait_for(_exchange(pool, _request_bytes(paths(rng), host, port, cookie)),
                                                REQUEST_TIMEOUT)
            except TimeoutError:
                status = 598
            if sent >= measure_from:
                stats.sent += 1
                stats.samples.append(Sample(sent, time.perf_counter() - sent, status))

    await asyncio.gather(*(client(n) for n in range(clients)))
    stats.seconds = duration
    stats.max_connections = pool.peak
    pool.close()
    return stats


def open_loop(host: str, port: int, paths: Callable[[random.Random], str], *, cookie: str | None = None,
              rate: float = 200.0, warmup: float = 5.0, duration: float = 30.0, seed: int = 1) -> Stats:
    """Send ``rate`` requests a second for ``warmup + duration`` seconds; only the last ``duration`` are measured."""
    return asyncio.run(_open_loop(host, port, paths, cookie, rate, warmup, duration, seed))


def closed_loop(host: str, port: int, paths: Callable[[random.Random], str], *, cookie: str | None = None,
                clients: int = 8, warmup: float = 5.0, duration: float = 15.0, seed: int = 1) -> Stats:
    """``clients`` clients each sending their next request as soon as the last is answered."""
    return asyncio.run(_closed_loop(host, port, paths, cookie, clients, warmup, duration, seed))
