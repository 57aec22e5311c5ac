"""Faults on PostgreSQL: the database goes away and comes back; a service is killed -9."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from sqlalchemy import create_engine, text

from dgcp.assignment.v1 import assignment_pb2 as pb
from dgcp.assignment.v1 import assignment_pb2_grpc as pb_grpc
from runtime.errors import details_of
from services.assignment import creditcode
from services.assignment.app import APP
from tests.support import md, running
from tests.system.faults import CuttableProxy

ROOT = Path(__file__).resolve().parents[2]
AUTH = md("authority")


@pytest.fixture
def proxy() -> Iterator[CuttableProxy]:
    p = CuttableProxy("127.0.0.1", 5432)
    yield p
    p.close()


def _expert(rng: random.Random, n_specialties: int = 5) -> pb.Expert:
    return pb.Expert(
        display_name="王工",
        employer_name="某环境科学研究院",
        employer_credit_code=creditcode.synthesize(rng),
        specialties=[f"C{c}" for c in rng.sample(range(13, 44), n_specialties)],
    )


def test_database_outage_is_unavailable_then_recovers_without_restart(
    pg_url: str, proxy: CuttableProxy
) -> None:
    url = pg_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    rng = random.Random(7)
    with running(APP, database_url=url, schema=f"assignment_outage_{os.getpid()}") as svc:
        stub = pb_grpc.AssignmentServiceStub(svc.channel())
        stub.CreateExpert(pb.CreateExpertRequest(expert=_expert(rng)), metadata=AUTH, timeout=10)
        proxy.cut()
        started = time.monotonic()
        try:
            stub.ListExperts(pb.ListExpertsRequest(), metadata=AUTH, timeout=30)
            raise AssertionError("a call succeeded with the database cut off")
        except grpc.RpcError as err:
            got = details_of(err)
        assert got.code == grpc.StatusCode.UNAVAILABLE, got
        assert got.reason in ("DATABASE_UNAVAILABLE", "DATABASE_BUSY")
        assert time.monotonic() - started < 25, "the outage should fail fast, not hang"
        proxy.restore()
        deadline = time.monotonic() + 20
        while True:
            try:
                stub.CreateExpert(pb.CreateExpertRequest(expert=_expert(rng)), metadata=AUTH, timeout=10)
                break
            except grpc.RpcError as err:
                assert details_of(err).code == grpc.StatusCode.UNAVAILABLE
                assert time.monotonic() < deadline, "the service did not recover by itself"
                time.sleep(0.2)
        assert len(stub.ListExperts(pb.ListExpertsRequest(), metadata=AUTH).experts) == 2


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _spawn(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "services.assignment", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_kill_9_mid_load_loses_and_doubles_nothing(pg_url: str) -> None:
    schema = f"assignment_kill_{os.getpid()}"
    port = _free_port()
    env = dict(os.environ, DATABASE_URL=pg_url, DGCP_DB_SCHEMA=schema, DGCP_GRPC_WORKERS="8")
    proc = _spawn(port, env)
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    stub = pb_grpc.AssignmentServiceStub(channel)
    acknowledged: dict[str, str] = {}
    lock = threading.Lock()
    stop_at = time.monotonic() + 60

    def client(worker: int) -> None:
        rng = random.Random(worker)
        for i in range(25):
            request = pb.CreateExpertRequest(expert=_expert(rng), request_id=f"w{worker}-{i}")
            while time.monotonic() < stop_at:  # retry with the same request_id until it lands
                try:
                    reply = stub.CreateExpert(request, metadata=AUTH, timeout=5, wait_for_ready=True)
                    with lock:
                        acknowledged[request.request_id] = reply.name
                    break
                except grpc.RpcError:
                    time.sleep(0.05)

    try:
        threads = [threading.Thread(target=client, args=(w,)) for w in range(16)]
        for t in threads:
            t.start()
        while len(acknowledged) < 80 and time.monotonic() < stop_at:  # kill it mid-load
            time.sleep(0.01)
        assert 0 < len(acknowledged) < 16 * 25
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc = _spawn(port, env)
        for t in threads:
            t.join()
        assert len(acknowledged) == 16 * 25, "clients with retries should all finish"
        names = list(acknowledged.values())
        assert len(set(names)) == len(names), "one request_id gave two experts"
        engine = create_engine(pg_url, connect_args={"options": f"-csearch_path={schema}"})
        with engine.connect() as conn:
            experts = conn.execute(text("SELECT count(*) FROM experts")).scalar_one()
            partial = conn.execute(
                text(
                    "SELECT count(*) FROM experts e WHERE "
                    "(SELECT count(*) FROM expert_specialties s WHERE s.expert_id = e.id) <> 5"
                )
            ).scalar_one()
            keys = conn.execute(text("SELECT count(*) FROM idempotency_keys")).scalar_one()
        engine.dispose()
        assert experts == len(names), "an expert was lost or written twice"
        assert partial == 0, "an expert was stored without all of its specialties"
        assert keys == len(names)
    finally:
        channel.close()
        proc.kill()
        proc.wait()
