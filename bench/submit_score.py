"""SubmitScore throughput on PostgreSQL against a raw grpcio echo server (prints, never asserts).

    .venv/bin/python -m bench.submit_score                 # 64 in flight, 5 rounds of 6,000 calls
    .venv/bin/python -m bench.submit_score --requests 2000 --in-flight 64 --workers 4

Three processes serve: a raw grpcio echo server (generic handler, identity serialisers, same thread
count), the scoring service exactly as ``python -m services.scoring`` runs it (interceptors, JWT,
idempotency, PostgreSQL with synchronous commit), and a stand-in assignment service answering
CheckPanelMembership. The client keeps ``--in-flight`` unary calls outstanding with futures.

Phases: echo (same request bytes); first submits (each (case, expert) once, so every call also
asks the assignment service); revisions (the steady state: membership cached, score upserted,
revision appended, each with its own request_id). Echo and revisions alternate for ``--rounds``
rounds; the ratio printed is the median round's revisions / echo. The
scoring service trusts a membership answer for ``MEMBERSHIP_TTL`` seconds here (10 by default) so
that the revisions phase measures the write path however long it runs; the first phase measures
the path with the membership call, and the count of calls the stand-in answered is printed.
A fresh database is created and dropped (``--pg-admin-url``).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import statistics
import time
import uuid
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass
from functools import partial
from typing import Any

import grpc

from bench.common import PG_ADMIN_URL, Result, cpu_seconds, create_database, drive

AGENCY = "reviewAgencies/00000000-0000-7000-8000-000000000001"
MEMBERSHIP_TTL = 600


@dataclass(frozen=True)
class World:
    """Cases with panels of three drawn from a small pool of experts."""

    cases: list[tuple[str, list[str], str]]  # (case, panel, consultancy)
    experts: list[str]


def make_world(n_cases: int, n_experts: int, seed: int = 7) -> World:
    rng = random.Random(seed)
    experts = [f"experts/{uuid.UUID(int=rng.getrandbits(128))}" for _ in range(n_experts)]
    firms = [f"consultancies/{uuid.UUID(int=rng.getrandbits(128))}" for _ in range(50)]
    cases = [
        (f"cases/{uuid.UUID(int=rng.getrandbits(128))}", rng.sample(experts, 3), rng.choice(firms))
        for _ in range(n_cases)
    ]
    return World(cases=cases, experts=experts)


# ---------------------------------------------------------------- server processes


def serve_echo(workers: int, ports: Any) -> None:
    def echo(request: bytes, context: grpc.ServicerContext) -> bytes:
        return request

    handler = grpc.method_handlers_generic_handler(
        "bench.Echo",
        {"Echo": grpc.unary_unary_rpc_method_handler(echo)},  # identity (de)serialisers
    )
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers))
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    ports.put(("echo", port))
    server.wait_for_termination()


def serve_assignment(world: World, ports: Any, asked: Any) -> None:
    from dgcp.assignment.v1 import assignment_pb2 as apb
    from dgcp.assignment.v1 import assignment_pb2_grpc as apb_grpc

    table = {c: (panel, firm) for c, panel, firm in world.cases}

    class Directory(apb_grpc.AssignmentServiceServicer):
        def CheckPanelMembership(
            self, request: apb.CheckPanelMembershipRequest, context: grpc.ServicerContext
        ) -> apb.PanelMembership:
            with asked.get_lock():
                asked.value += 1
            panel, firm = table[request.case]
            return apb.PanelMembership(
                case=request.case,
                expert=request.expert,
                member=request.expert in panel,
                stage=apb.CASE_STAGE_EVALUATION,
                track=apb.CASE_TRACK_STANDARD,
                consultancy=firm,
                review_agency=AGENCY,
                panel=panel,
            )

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    apb_grpc.add_AssignmentServiceServicer_to_server(Directory(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    ports.put(("assignment", port))
    server.wait_for_termination()


def serve_scoring(database_url: str, assignment: str, workers: int, secret: str, ports: Any) -> None:
    os.environ["DGCP_JWT_SECRET"] = secret
    os.environ["DGCP_MEMBERSHIP_TTL_SECONDS"] = str(MEMBERSHIP_TTL)
    os.environ.setdefault("DGCP_LOG_LEVEL", "WARNING")
    from runtime import config
    from runtime.logging import configure
    from runtime.server import start
    from services.scoring.app import APP

    configure("json", "WARNING")
    settings = config.Settings(
        service="scoring",
        database_url=database_url,
        workers=workers,
        db_pool_size=workers,
        peers={"assignment": assignment},
    )
    server, port, _, _ = start(APP, settings, port=0)
    ports.put(("scoring", port))
    server.wait_for_termination()


# ---------------------------------------------------------------- client


def commit_latency_ms(database_url: str, n: int = 100) -> float:
    """Median time of one durable INSERT + COMMIT: the floor under every durable write on this box."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    times = []
    with engine.connect() as conn:
        conn.execute(text("CREATE TABLE commit_probe (x int)"))
        conn.commit()
        for i in range(n):
            started = time.perf_counter()
            conn.execute(text("INSERT INTO commit_probe VALUES (:i)"), {"i": i})
            conn.commit()
            times.append(time.perf_counter() - started)
        conn.execute(text("DROP TABLE commit_probe"))
        conn.commit()
    engine.dispose()
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--requests", type=int, default=6000, help="measured revisions")
    parser.add_argument("--in-flight", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=5, help="alternating echo / revisions rounds")
    parser.add_argument("--workers", type=int, default=4, help="server threads (both servers)")
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--pg-admin-url", default=os.environ.get("DGCP_TEST_PG_ADMIN_URL", PG_ADMIN_URL))
    args = parser.parse_args()

    from runtime import auth
    from services.scoring.rubrics import EVALUATION_STANDARD

    secret = "bench-" + uuid.uuid4().hex
    world = make_world(args.cases, max(30, args.cases // 8))
    database_url, drop = create_database(args.pg_admin_url, "score")
    commit_ms = commit_latency_ms(database_url)
    ctx = mp.get_context("spawn")
    ports: Any = ctx.Queue()
    asked: Any = ctx.Value("i", 0)  # CheckPanelMembership calls the stand-in answered
    procs = [
        ctx.Process(target=serve_echo, args=(args.workers, ports), daemon=True),
        ctx.Process(target=serve_assignment, args=(world, ports, asked), daemon=True),
    ]
    try:
        for p in procs:
            p.start()
        found = dict(ports.get(timeout=60) for _ in procs)
        scoring = ctx.Process(
            target=serve_scoring,
            args=(database_url, f"127.0.0.1:{found['assignment']}", args.workers, secret, ports),
            daemon=True,
        )
        scoring.start()
        procs.append(scoring)
        found.update([ports.get(timeout=120)])
        pids = {"echo": procs[0].pid or 0, "scoring": scoring.pid or 0}
        run(args, world, secret, found, pids, asked, auth, EVALUATION_STANDARD)
        print(
            f"PostgreSQL durable INSERT + COMMIT, one connection: median {commit_ms:.2f} ms (before the run)"
        )
    finally:
        for p in procs:
            p.terminate()
            p.join(5)
        drop()


def measured(pid: int, run_calls: Callable[[], Result]) -> tuple[Result, float]:
    """A phase's result and the server's CPU milliseconds per call during it."""
    before = cpu_seconds(pid)
    result = run_calls()
    return result, (cpu_seconds(pid) - before) * 1000 / result.calls


def run(
    args: Any,
    world: World,
    secret: str,
    ports: dict[str, int],
    pids: dict[str, int],
    asked: Any,
    auth: Any,
    rubric: Any,
) -> None:
    from dgcp.scoring.v1 import scoring_pb2 as pb
    from dgcp.scoring.v1 import scoring_pb2_grpc as pb_grpc

    tokens = {
        e: [("authorization", "Bearer " + auth.issue_token(secret, subject=e, role="reviewer"))]
        for e in world.experts
    }

    def request(case: str, deduct: float) -> pb.SubmitScoreRequest:
        items = [pb.CriterionScore(criterion_id=c.id, points=c.max_points) for c in rubric.criteria]
        items[3].points -= deduct
        if deduct:
            items[3].comment = "balance does not close"
        return pb.SubmitScoreRequest(case=case, items=items, request_id=uuid.uuid4().hex)

    echo_channel = grpc.insecure_channel(f"127.0.0.1:{ports['echo']}")
    echo = echo_channel.unary_unary("/bench.Echo/Echo")
    scoring_channel = grpc.insecure_channel(f"127.0.0.1:{ports['scoring']}")
    stub = pb_grpc.ScoringServiceStub(scoring_channel)
    pairs = [(case, e) for case, panel, _ in world.cases for e in panel]
    payload = request(pairs[0][0], 2).SerializeToString()

    def echo_call() -> grpc.Future:
        return echo.future(payload)

    def submit_call(case: str, expert: str, deduct: float) -> Callable[[], grpc.Future]:
        req = request(case, deduct)
        return lambda: stub.SubmitScore.future(req, metadata=tokens[expert], timeout=30)

    drive([echo_call] * 500, args.in_flight)  # warm up channels and threads
    first_echo, _ = measured(pids["echo"], lambda: drive([echo_call] * args.requests, args.in_flight))
    # Calls in flight together come from different panels, as in real use (a panel's members
    # submitting at the same moment would queue on the case row lock, on purpose).
    random.Random(1).shuffle(pairs)
    first = drive([submit_call(c, e, 1) for c, e in pairs], args.in_flight)
    asked_first = asked.value
    print(f"SubmitScore on PostgreSQL, {args.in_flight} in flight, {args.workers} server threads, 2 cores")
    print(first_echo.line("raw grpcio echo"))
    print(first.line("SubmitScore, first (membership RPC)"))
    # Echo and revisions alternate, so that a slow spell of a shared machine hits both sides of
    # a ratio; the median round is the figure.
    rounds: list[tuple[float, float, float, float, float]] = []
    for r in range(args.rounds):
        start = len(pairs) * (r + 1)
        revisions = [
            submit_call(*pairs[i % len(pairs)], 2 + ((start + i) // len(pairs)) % 5)
            for i in range(args.requests)
        ]
        echo_result, echo_cpu = measured(
            pids["echo"], lambda: drive([echo_call] * args.requests, args.in_flight)
        )
        steady, steady_cpu = measured(pids["scoring"], partial(drive, revisions, args.in_flight))
        print(echo_result.line(f"round {r + 1}: raw grpcio echo"))
        print(steady.line(f"round {r + 1}: SubmitScore, revisions"))
        rounds.append((steady.rate / echo_result.rate, echo_cpu, steady_cpu, steady.rate, echo_result.rate))
    asked_steady = asked.value - asked_first
    ratios = sorted(x[0] for x in rounds)
    median = statistics.median(ratios)
    steady_rate = statistics.median(x[3] for x in rounds)
    echo_rate = statistics.median(x[4] for x in rounds)
    print(
        f"ratio revisions / echo: median {median:.2f} of {len(ratios)} rounds "
        f"({ratios[0]:.2f}-{ratios[-1]:.2f})   first / echo: {first.rate / first_echo.rate:.2f}"
    )
    # The echo swings more than SubmitScore on a shared machine; the ratio of the median rates is
    # the same figure, less moved by one fast or slow echo round.
    print(
        f"median rates: revisions {steady_rate:.0f}/s, echo {echo_rate:.0f}/s, "
        f"ratio {steady_rate / echo_rate:.2f}"
    )
    print(
        f"membership asked of the assignment service: first {asked_first} times in {first.calls} calls, "
        f"revisions {asked_steady} in {args.rounds * args.requests} "
        f"(answers trusted for {MEMBERSHIP_TTL} s here)"
    )
    echo_cpu = statistics.median(x[1] for x in rounds)
    steady_cpu = statistics.median(x[2] for x in rounds)
    print(
        f"server CPU per call (median): echo {echo_cpu:.2f} ms, SubmitScore {steady_cpu:.2f} ms "
        f"(PostgreSQL backends not included); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    echo_channel.close()
    scoring_channel.close()


if __name__ == "__main__":
    main()
