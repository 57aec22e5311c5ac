"""Surveys service throughput on PostgreSQL (or SQLite), as ratios to a baseline (prints, never asserts).

    .venv/bin/python -m bench.surveys                       # 1,000 cases (2,000 invitations), PostgreSQL
    .venv/bin/python -m bench.surveys --backend sqlite --cases 500 --in-flight 32

The surveys service runs in its own process exactly as ``python -m services.surveys`` runs it
(interceptors, JWT, migrations, default templates). The client measures, in one run:

* baseline: ``grpc.health.v1.Health/Check`` on the same server (the cost of a call that does nothing);
* IssueInvitations for a whole lot (invitations with their links and CSV, per second);
* OpenSurvey and SubmitSurveyResponse (each a transaction with a row lock and the quality checks);
* ListPartyAggregates over every consultancy of the period (alpha, intervals, signals).

Ratios are submits/s over health checks/s: how much of the server's call budget an answer costs.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc

from bench.common import PG_ADMIN_URL, create_database, drive


def serve_surveys(database_url: str, workers: int, secret: str, ports: Any) -> None:
    os.environ["DGCP_JWT_SECRET"] = secret
    from runtime import config
    from runtime.logging import configure
    from runtime.server import start
    from services.surveys.app import APP

    configure("json", "WARNING")
    settings = config.Settings(
        service="surveys", database_url=database_url, workers=workers, db_pool_size=workers
    )
    server, port, _, _ = start(APP, settings, port=0)
    ports.put(port)
    server.wait_for_termination()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--cases", type=int, default=1000, help="cases in the lot (two invitations each)")
    parser.add_argument("--firms", type=int, default=100, help="consultancies the cases spread over")
    parser.add_argument("--in-flight", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4, help="server threads")
    parser.add_argument("--pg-admin-url", default=os.environ.get("DGCP_TEST_PG_ADMIN_URL", PG_ADMIN_URL))
    args = parser.parse_args()
    secret = "bench-" + uuid.uuid4().hex
    tmp = tempfile.TemporaryDirectory()
    if args.backend == "postgresql":
        database_url, drop = create_database(args.pg_admin_url, "surveys")
    else:
        database_url, drop = f"sqlite:///{tmp.name}/surveys.db", (lambda: None)
    ctx = mp.get_context("spawn")
    ports: Any = ctx.Queue()
    proc = ctx.Process(target=serve_surveys, args=(database_url, args.workers, secret, ports), daemon=True)
    try:
        proc.start()
        run(args, secret, int(ports.get(timeout=120)))
    finally:
        proc.terminate()
        proc.join(5)
        drop()
        tmp.cleanup()


def run(args: Any, secret: str, port: int) -> None:
    from google.protobuf import timestamp_pb2
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    from dgcp.surveys.v1 import surveys_pb2 as pb
    from dgcp.surveys.v1 import surveys_pb2_grpc as pb_grpc
    from runtime import auth

    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    stub = pb_grpc.SurveysServiceStub(channel)
    health = health_pb2_grpc.HealthStub(channel)
    authority = [("authorization", "Bearer " + auth.issue_token(secret, subject="bench", role="authority"))]
    public = [("authorization", "Bearer " + auth.issue_token(secret, subject="bench", role="public"))]
    rng = random.Random(11)

    def case(i: int) -> pb.CaseFacts:
        firm = i % args.firms
        return pb.CaseFacts(
            case=f"lots/bench/cases/{i}",
            case_display_name=f"第{i}号",
            lot="lots/bench",
            enterprise=f"enterprises/{i}",
            enterprise_display_name=f"示例企业{i}",
            consultancy=f"consultancies/{firm:04d}",
            consultancy_display_name=f"咨询机构{firm}",
            review_agency=f"reviewAgencies/{i % 3}",
            review_agency_display_name=f"评审机构{i % 3}",
        )

    deadline = timestamp_pb2.Timestamp()
    deadline.FromDatetime(datetime.now(UTC) + timedelta(days=30))
    ping = health_pb2.HealthCheckRequest(service="")
    drive([lambda: health.Check.future(ping)] * 500, args.in_flight)  # warm up
    baseline = drive([lambda: health.Check.future(ping)] * 4000, args.in_flight)

    t0 = time.perf_counter()
    tokens: list[str] = []
    for start in range(0, args.cases, 500):
        batch = [case(i) for i in range(start, min(args.cases, start + 500))]
        issued = stub.IssueInvitations(
            pb.IssueInvitationsRequest(cases=batch, deadline=deadline), metadata=authority, timeout=120
        )
        tokens += [link.url.rsplit("/s/", 1)[1] for link in issued.links]
    issue_seconds = time.perf_counter() - t0

    def answers() -> dict[str, pb.Answer]:
        level = rng.randint(2, 5)
        out = {
            key: pb.Answer(scale=min(5, max(1, level + rng.randint(-1, 1))))
            for key in (
                "tan_1", "tan_2", "tan_3", "rel_1", "rel_2", "rel_3", "rel_4", "res_1", "res_2", "res_3",
                "ass_1", "ass_2", "ass_3", "ass_4", "emp_1", "emp_2", "emp_3",
            )
        }  # fmt: skip
        out.update(
            overall=pb.Answer(scale=2 * level),
            quality_score=pb.Answer(scale=20 * level - rng.randint(0, 9)),
            hire_again=pb.Answer(yes=level >= 3),
        )
        return out

    def opener(token: str) -> Callable[[], grpc.Future]:
        req = pb.OpenSurveyRequest(token=token)
        return lambda: stub.OpenSurvey.future(req, metadata=public, timeout=30)

    def submitter(token: str) -> Callable[[], grpc.Future]:
        req = pb.SubmitSurveyResponseRequest(token=token, answers=answers())
        return lambda: stub.SubmitSurveyResponse.future(req, metadata=public, timeout=30)

    answered = tokens[: int(len(tokens) * 0.7)]  # a 70 % response rate
    opened = drive([opener(t) for t in answered], args.in_flight)
    submitted = drive([submitter(t) for t in answered], args.in_flight)
    period = datetime.now(UTC).strftime("%Y")
    t0 = time.perf_counter()
    listed = stub.ListPartyAggregates(
        pb.ListPartyAggregatesRequest(
            rated_party_kind=pb.RATED_PARTY_KIND_CONSULTANCY, period=period, page_size=1000
        ),
        metadata=authority,
        timeout=120,
    )
    aggregate_seconds = time.perf_counter() - t0

    print(
        f"surveys on {args.backend}: {args.cases} cases, {len(tokens)} invitations, {args.firms} firms, "
        f"{args.in_flight} in flight, {args.workers} server threads"
    )
    print(baseline.line("Health/Check (baseline)"))
    print(
        f"{'IssueInvitations':<34} {len(tokens) / issue_seconds:8.0f} invitations/s ({issue_seconds:.2f} s)"
    )
    print(opened.line("OpenSurvey"))
    print(submitted.line("SubmitSurveyResponse"))
    print(
        f"{'ListPartyAggregates':<34} {len(listed.party_aggregates)} firms in {aggregate_seconds:.2f} s "
        f"({len(answered) // 2} consultancy responses)"
    )
    print(
        f"ratio submit / baseline: {submitted.rate / baseline.rate:.2f}   "
        f"open / baseline: {opened.rate / baseline.rate:.2f}"
    )
    channel.close()


if __name__ == "__main__":
    main()
