"""Requests/s of a scoring POST through the HTTP gateway vs the same gRPC call direct (prints only).

    .venv/bin/python -m bench.gateway                       # 32 in flight, 4 s per phase
    .venv/bin/python -m bench.gateway --seconds 8 --in-flight 64 --sqlite

Processes: the scoring service as ``python -m services.scoring`` runs it (PostgreSQL in a fresh
database by default), the gateway as ``python -m gateway`` runs it, and a stand-in assignment
service answering CheckPanelMembership. Every measured call is a SubmitScore revision by a panel
expert with its own request id: the same work on both paths. The direct client keeps
``--in-flight`` grpcio futures outstanding; the HTTP client keeps as many keep-alive HTTP/1.1
connections busy with a minimal asyncio client (so that the client's own cost, not httpx's, is
what the machine also pays). Phases: warm-up (first submits), direct, gateway, direct again; the
ratio printed is gateway / mean(direct).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from concurrent import futures
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import grpc

from bench.common import cpu_seconds

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
AGENCY = "reviewAgencies/00000000-0000-7000-8000-000000000001"


@dataclass(frozen=True)
class World:
    cases: list[tuple[str, list[str]]]  # (case, panel)
    consultancy: str


def make_world(n_cases: int, n_experts: int, seed: int = 11) -> World:
    rng = random.Random(seed)
    experts = [f"experts/{uuid.UUID(int=rng.getrandbits(128))}" for _ in range(n_experts)]
    cases = [(f"cases/{uuid.UUID(int=rng.getrandbits(128))}", rng.sample(experts, 3)) for _ in range(n_cases)]
    return World(cases=cases, consultancy=f"consultancies/{uuid.uuid4()}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_assignment(world: World, port: int) -> None:
    """A stand-in assignment service: panel membership from the world."""
    from dgcp.assignment.v1 import assignment_pb2 as apb
    from dgcp.assignment.v1 import assignment_pb2_grpc as apb_grpc

    panels = dict(world.cases)

    class Fake(apb_grpc.AssignmentServiceServicer):
        def CheckPanelMembership(
            self, request: apb.CheckPanelMembershipRequest, context: grpc.ServicerContext
        ) -> apb.PanelMembership:
            panel = panels.get(request.case, [])
            return apb.PanelMembership(
                case=request.case,
                expert=request.expert,
                member=request.expert in panel,
                stage=apb.CASE_STAGE_EVALUATION,
                track=apb.CASE_TRACK_STANDARD,
                consultancy=world.consultancy,
                review_agency=AGENCY,
                panel=panel,
            )

    server = grpc.server(futures.ThreadPoolExecutor(4))
    apb_grpc.add_AssignmentServiceServicer_to_server(Fake(), server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    server.wait_for_termination()


@contextmanager
def process(
    args: list[str], env: dict[str, str], ready: Callable[[], bool]
) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not ready():
            if proc.poll() is not None or time.monotonic() > deadline:
                err = proc.stderr.read().decode() if proc.stderr else ""
                raise RuntimeError(f"{args} did not start: {err[-2000:]}")
            time.sleep(0.1)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def grpc_ready(addr: str) -> Callable[[], bool]:
    def check() -> bool:
        ch = grpc.insecure_channel(addr)
        try:
            grpc.channel_ready_future(ch).result(timeout=0.5)
            return True
        except grpc.FutureTimeoutError:
            return False
        finally:
            ch.close()

    return check


def http_ready(url: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=0.5) as r:
                return bool(r.status == 200)
        except OSError:
            return False

    return check


@dataclass
class Result:
    calls: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0

    def line(self, label: str) -> str:
        lat = sorted(self.latencies) or [0.0]
        p50 = lat[len(lat) // 2] * 1000
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
        return (
            f"{label:<22} {self.rate:8.0f} req/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  "
            f"({self.calls} calls, {self.errors} errors)"
        )


class Calls:
    """An endless supply of (case, expert, body) revisions, each with its own request id."""

    def __init__(self, world: World, criteria: list[tuple[str, float]]) -> None:
        self.pairs = [(case, e) for case, panel in world.cases for e in panel]
        self.criteria = criteria
        self.i = 0
        self.lock = threading.Lock()

    def next(self) -> tuple[str, str, dict[str, object]]:
        with self.lock:
            case, expert = self.pairs[self.i % len(self.pairs)]
            self.i += 1
        deduct = random.choice([0.0, 0.5, 1.0, 2.0])
        items = [
            {
                "criterion_id": cid,
                "points": mx - (deduct if n == 0 else 0.0),
                "comment": "gap" if deduct and n == 0 else "",
            }
            for n, (cid, mx) in enumerate(self.criteria)
        ]
        return case, expert, {"case": case, "items": items, "request_id": uuid.uuid4().hex}


def run_direct(addr: str, calls: Calls, tokens: dict[str, str], in_flight: int, seconds: float) -> Result:
    from google.protobuf import json_format

    from dgcp.scoring.v1 import scoring_pb2 as pb
    from dgcp.scoring.v1 import scoring_pb2_grpc as pb_grpc

    channel = grpc.insecure_channel(addr)
    stub = pb_grpc.ScoringServiceStub(channel)
    lock = threading.Lock()
    done = threading.Event()
    stats = Result(0, 0, 0.0, [])
    stop_at = time.monotonic() + seconds
    outstanding = [0]

    def launch() -> None:
        _, expert, body = calls.next()
        req = json_format.ParseDict(body, pb.SubmitScoreRequest())
        started = time.perf_counter()
        fut = stub.SubmitScore.future(
            req, metadata=[("authorization", f"Bearer {tokens[expert]}")], timeout=30
        )
        fut.add_done_callback(lambda f: finish(f, started))

    def finish(fut: grpc.Future, started: float) -> None:
        elapsed = time.perf_counter() - started
        with lock:
            if fut.exception() is None:
                stats.calls += 1
                stats.latencies.append(elapsed)
            else:
                stats.errors += 1
            again = time.monotonic() < stop_at
            if not again:
                outstanding[0] -= 1
                if outstanding[0] == 0:
                    done.set()
        if again:
            launch()

    begun = time.perf_counter()
    outstanding[0] = in_flight
    for _ in range(in_flight):
        launch()
    done.wait()
    stats.seconds = time.perf_counter() - begun
    channel.close()
    return stats


async def _http_worker(
    host: str, port: int, calls: Calls, tokens: dict[str, str], stop_at: float, stats: Result
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.monotonic() < stop_at:
            _, expert, body = calls.next()
            payload = json.dumps(body).encode()
            head = (
                f"POST /v1/scores:submit HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Authorization: Bearer {tokens[expert]}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(payload)}\r\n\r\n"
            ).encode()
            started = time.perf_counter()
            writer.write(head + payload)
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value.strip())
            await reader.readexactly(length)
            elapsed = time.perf_counter() - started
            if status_line.split()[1] == b"200":
                stats.calls += 1
                stats.latencies.append(elapsed)
            else:
                stats.errors += 1
    finally:
        writer.close()


def run_gateway(port: int, calls: Calls, tokens: dict[str, str], in_flight: int, seconds: float) -> Result:
    stats = Result(0, 0, 0.0, [])
    stop_at = time.monotonic() + seconds

    async def main() -> None:
        await asyncio.gather(
            *(_http_worker("127.0.0.1", port, calls, tokens, stop_at, stats) for _ in range(in_flight))
        )

    begun = time.perf_counter()
    asyncio.run(main())
    stats.seconds = time.perf_counter() - begun
    return stats


def via_gateway(
    pid: int, port: int, calls: Calls, tokens: dict[str, str], args: argparse.Namespace, label: str
) -> Result:
    """One gateway phase, with the gateway process's CPU per request."""
    cpu0 = cpu_seconds(pid)
    result = run_gateway(port, calls, tokens, args.in_flight, args.seconds)
    per_call = (cpu_seconds(pid) - cpu0) / max(1, result.calls + result.errors) * 1000
    print(f"{result.line(label)}  gateway CPU {per_call:.2f} ms/req")
    return result


@contextmanager
def database(args: argparse.Namespace, tmp: str) -> Iterator[str]:
    if args.sqlite:
        yield f"sqlite:///{tmp}/scoring.db"
        return
    from sqlalchemy import create_engine, text

    name = f"dgcp_bench_gw_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield args.pg_admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name}
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=4.0, help="per measured phase")
    parser.add_argument("--in-flight", type=int, default=32)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--sqlite", action="store_true", help="scoring on SQLite instead of PostgreSQL")
    parser.add_argument("--pg-admin-url", default=os.environ.get("DGCP_TEST_PG_ADMIN_URL", PG_ADMIN_URL))
    args = parser.parse_args()

    from runtime import auth
    from services.scoring.rubrics import EVALUATION_STANDARD

    secret = "bench-" + uuid.uuid4().hex
    world = make_world(args.cases, max(12, args.cases // 4))
    criteria = [(c.id, c.max_points) for c in EVALUATION_STANDARD.criteria]
    experts = {e for _, panel in world.cases for e in panel}
    tokens = {
        e: auth.issue_token(secret, subject=e, role=auth.Role.REVIEWER, ttl_seconds=3600) for e in experts
    }
    a_port, s_port, g_port, g2_port = free_port(), free_port(), free_port(), free_port()
    with tempfile.TemporaryDirectory(prefix="dgcp-bench-gw-") as tmp, ExitStack() as stack:
        url = stack.enter_context(database(args, tmp))
        fake = mp.get_context("spawn").Process(target=serve_assignment, args=(world, a_port), daemon=True)
        fake.start()
        stack.callback(fake.terminate)
        base = {
            **os.environ,
            "DGCP_JWT_SECRET": secret,
            "DGCP_DATA_DIR": tmp,
            "DGCP_LOG_LEVEL": "WARNING",
            "DGCP_LOG_FORMAT": "json",
            "DGCP_ASSIGNMENT_ADDR": f"127.0.0.1:{a_port}",
            "DGCP_SCORING_PORT": str(s_port),
            "DGCP_SCORING_ADDR": f"127.0.0.1:{s_port}",
            "DGCP_GATEWAY_PORT": str(g_port),
            "DGCP_LOCAL_MODE": "1",
        }
        stack.enter_context(
            process(
                [sys.executable, "-m", "services.scoring"],
                {**base, "DATABASE_URL": url},
                grpc_ready(f"127.0.0.1:{s_port}"),
            )
        )
        gw = stack.enter_context(
            process(
                [sys.executable, "-m", "gateway"],
                {**base, "DATABASE_URL": f"sqlite:///{tmp}/gateway.db"},
                http_ready(f"http://127.0.0.1:{g_port}/healthz"),
            )
        )
        # The same gateway on the plain stack (asyncio loop, h11 parser), for the stack choice.
        plain_env = {
            **base,
            "DATABASE_URL": f"sqlite:///{tmp}/gateway.db",
            "DGCP_GATEWAY_PORT": str(g2_port),
            "DGCP_GATEWAY_LOOP": "asyncio",
            "DGCP_GATEWAY_HTTP": "h11",
        }
        gw_plain = stack.enter_context(
            process(
                [sys.executable, "-m", "gateway"],
                plain_env,
                http_ready(f"http://127.0.0.1:{g2_port}/healthz"),
            )
        )
        calls = Calls(world, criteria)
        backend = "SQLite" if args.sqlite else "PostgreSQL"
        print(f"scoring on {backend}; {args.in_flight} in flight; {args.seconds:.0f} s per phase")
        warm = run_direct(f"127.0.0.1:{s_port}", calls, tokens, args.in_flight, max(2.0, args.seconds / 2))
        print(warm.line("warm-up (direct)"))
        d1 = run_direct(f"127.0.0.1:{s_port}", calls, tokens, args.in_flight, args.seconds)
        print(d1.line("gRPC direct"))
        g = via_gateway(gw.pid, g_port, calls, tokens, args, "HTTP via gateway")
        via_gateway(gw_plain.pid, g2_port, calls, tokens, args, "  same, asyncio+h11")
        d2 = run_direct(f"127.0.0.1:{s_port}", calls, tokens, args.in_flight, args.seconds)
        print(d2.line("gRPC direct (again)"))
        direct = statistics.mean([d1.rate, d2.rate])
        ratio = g.rate / direct if direct else 0.0
        print(f"ratio gateway/direct = {ratio:.2f} (target >= 0.5)")


if __name__ == "__main__":
    main()
