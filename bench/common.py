"""Helpers the benchmarks share: a load driver with latencies, a throw-away database, CPU time."""

from __future__ import annotations

import os
import statistics
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import grpc

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@dataclass
class Result:
    calls: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def rate(self) -> float:
        return self.calls / self.seconds

    def line(self, label: str) -> str:
        lat = sorted(self.latencies)
        p50 = statistics.median(lat) * 1000
        p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))] * 1000
        return (
            f"{label:<34} {self.rate:8.0f} req/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms"
            f"   ({self.calls} calls, {self.errors} errors)"
        )


def drive(calls: list[Callable[[], grpc.Future]], in_flight: int) -> Result:
    """Run every call with ``in_flight`` outstanding (a semaphore over futures); latency per call."""
    gate = threading.Semaphore(in_flight)
    lock = threading.Lock()
    latencies: list[float] = []
    errors = 0
    pending = [len(calls)]
    done = threading.Event()

    def finished(fut: grpc.Future, started: float) -> None:
        nonlocal errors
        with lock:
            latencies.append(time.perf_counter() - started)
            errors += fut.exception() is not None
            pending[0] -= 1
            if pending[0] == 0:
                done.set()
        gate.release()

    t0 = time.perf_counter()
    for call in calls:
        gate.acquire()
        started = time.perf_counter()
        call().add_done_callback(lambda f, s=started: finished(f, s))
    if calls:
        done.wait()
    return Result(len(calls), time.perf_counter() - t0, latencies, errors)


def create_database(admin_url: str, prefix: str = "run") -> tuple[str, Callable[[], None]]:
    """A fresh PostgreSQL database for this run, and how to drop it."""
    from sqlalchemy import create_engine, text

    name = f"dgcp_bench_{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name}
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()

    return admin_url.rsplit("/", 1)[0] + f"/{name}", drop


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc), to compare work per call across runs."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
