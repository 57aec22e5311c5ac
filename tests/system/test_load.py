"""Load on PostgreSQL: 64 concurrent clients, every call retried with its request_id.

A small city goes through the public APIs (parties, a lot, a seeded draw,
survey links), then 64 client threads submit scores and survey responses for
a bounded time; each accepted call is sent again with the same request_id, as
a client that lost the answer would. Afterwards the databases hold exactly the
accepted writes: every accepted score revision once, no revision that was not
accepted, every answered invitation used once and the others untouched.
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from dgcp.scoring.v1 import scoring_pb2 as spb
from dgcp.surveys.v1 import surveys_pb2 as vpb
from runtime import auth
from runtime.errors import details_of
from scripts import month
from scripts.synthetic import make_city
from tests.support import Running
from tests.system.stack import stack

CLIENTS = 64
SECONDS = 8.0


@pytest.fixture(scope="module")
def city_on_pg(
    pg_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[dict[str, Running], month.Month]]:
    run = f"{os.getpid()}_{uuid.uuid4().hex[:6]}"

    def factory(service: str) -> tuple[str, str]:
        return pg_url, f"{service}_load_{run}"

    with stack(factory, workers=8) as services:
        addresses = {name: svc.address for name, svc in services.items()}
        clients, channels = month.connect(16, addresses)
        city = make_city(11, consultancies=8, agencies=1, experts=90, enterprises=30)
        m = month.Month(city=city, seed=11, period="2026-11", out=Path(tmp_path_factory.mktemp("load")))
        try:
            for step in (month.register, month.create_lots, month.draw_panels, month.send_surveys):
                step(clients, m)
            m.clients = clients  # type: ignore[attr-defined]
            yield services, m
        finally:
            clients.pool.shutdown()
            for ch in channels:
                ch.close()


def _items(rubric: spb.RubricVersion, rng: random.Random) -> list[spb.CriterionScore]:
    out = []
    for crit in rubric.criteria:
        step = crit.step or 0.5
        points = min(crit.max_points, round(crit.max_points * rng.uniform(0.5, 1.0) / step) * step)
        comment = "" if points >= crit.max_points else "扣分：论证不足（模拟）"
        out.append(spb.CriterionScore(criterion_id=crit.id, points=points, comment=comment))
    return out


def test_concurrent_clients_leave_exactly_the_accepted_writes(
    city_on_pg: tuple[dict[str, Running], month.Month],
) -> None:
    _, m = city_on_pg
    c: month.Clients = m.clients  # type: ignore[attr-defined]
    cases = {case.name: case for case, _ in m.cases}
    seats = [(case, expert) for case, experts in m.panels.items() for expert in experts]
    rubrics: dict[tuple[int, int], spb.RubricVersion] = {}
    for case in cases.values():
        month._rubric(c, case.stage, case.track, rubrics)
    tokens = [token for token, _ in m.open_forms]
    assert seats and tokens
    accepted_scores: dict[tuple[str, str], list[str]] = defaultdict(list)
    accepted_tokens: set[str] = set()
    refused: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    stop_at = time.monotonic() + SECONDS
    public = c.md(auth.Role.PUBLIC, subject="anonymous")

    def client(n: int) -> None:
        rng = random.Random(n)
        while time.monotonic() < stop_at:
            if rng.random() < 0.7:
                case_name, expert = rng.choice(seats)
                case = cases[case_name]
                request = spb.SubmitScoreRequest(
                    case=case_name,
                    items=_items(rubrics[(case.stage, case.track)], rng),
                    request_id=uuid.uuid4().hex,
                )
                md = c.md(auth.Role.REVIEWER, subject=expert)
                try:
                    first = c.scoring.SubmitScore(request, metadata=md, timeout=30)
                except grpc.RpcError as err:
                    with lock:
                        refused[details_of(err).reason or details_of(err).code.name] += 1
                    continue
                again = c.scoring.SubmitScore(request, metadata=md, timeout=30)  # the client's retry
                assert (again.name, again.revision) == (first.name, first.revision)
                with lock:
                    accepted_scores[(case_name, expert)].append(request.request_id)
            else:
                token = rng.choice(tokens[: len(tokens) // 2])  # the other half stays unanswered
                request = vpb.SubmitSurveyResponseRequest(token=token, answers=_answers(m, token, rng))
                try:
                    c.surveys.SubmitSurveyResponse(request, metadata=public, timeout=30)
                except grpc.RpcError as err:
                    got = details_of(err)
                    assert got.reason in ("INVITATION_USED",), got
                    continue
                with lock:
                    assert token not in accepted_tokens, "a link was used twice"
                    accepted_tokens.add(token)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    accepted = sum(len(v) for v in accepted_scores.values())
    print(
        f"accepted {accepted} score revisions, {len(accepted_tokens)} survey answers; refused {dict(refused)}"
    )
    assert accepted > 50, f"too little got through under load: {accepted} scores, refused {dict(refused)}"
    authority = c.authority
    stored = 0
    for case_name in cases:
        for score in c.scoring.ListScores(
            spb.ListScoresRequest(case=case_name, page_size=100), metadata=authority
        ).scores:
            revisions = c.scoring.ListScoreRevisions(
                spb.ListScoreRevisionsRequest(parent=score.name, page_size=1000), metadata=authority
            ).revisions
            want = len(accepted_scores.get((case_name, score.expert), []))
            assert len(revisions) == want, f"{score.name}: {len(revisions)} revisions, {want} accepted"
            stored += 1
    assert stored == len(accepted_scores), "a score exists that no accepted call wrote, or one is missing"
    for token in tokens:
        if token in accepted_tokens:
            with pytest.raises(grpc.RpcError) as info:
                c.surveys.OpenSurvey(vpb.OpenSurveyRequest(token=token), metadata=public)
            assert details_of(info.value).reason == "INVITATION_USED"
        else:
            c.surveys.OpenSurvey(vpb.OpenSurveyRequest(token=token), metadata=public)  # still open


def _answers(m: month.Month, token: str, rng: random.Random) -> dict[str, vpb.Answer]:
    form = dict(m.open_forms)[token]
    out: dict[str, vpb.Answer] = {}
    for it in form.survey_template.items:
        if it.purpose in (vpb.ITEM_PURPOSE_DIMENSION, vpb.ITEM_PURPOSE_OVERALL_SATISFACTION):
            out[it.key] = vpb.Answer(scale=rng.randint(it.scale_min, it.scale_max))
        elif it.purpose == vpb.ITEM_PURPOSE_SERVICE_QUALITY_SCORE:
            out[it.key] = vpb.Answer(scale=rng.randint(0, 100))
        elif it.purpose == vpb.ITEM_PURPOSE_WOULD_HIRE_AGAIN:
            out[it.key] = vpb.Answer(yes=rng.random() < 0.7)
    return out


def test_downstream_down_is_unavailable_not_a_hang(
    city_on_pg: tuple[dict[str, Running], month.Month], tmp_path: Path
) -> None:
    """scoring → assignment down: SubmitScore answers UNAVAILABLE within its deadline."""
    from services.scoring.app import APP as SCORING
    from tests.support import running

    services, m = city_on_pg
    scoring = services["scoring"]
    dead = "127.0.0.1:9"  # discard port: nothing listens
    with running(
        SCORING,
        database_url=str(scoring.ctx.engine.url.render_as_string(hide_password=False)),
        schema=scoring.ctx.settings.db_schema,
        peers={"assignment": dead, "surveys": dead},
    ) as isolated:
        from dgcp.scoring.v1 import scoring_pb2_grpc

        stub = scoring_pb2_grpc.ScoringServiceStub(isolated.channel())
        case, expert = next((k, v[0]) for k, v in m.panels.items() if v)
        started = time.monotonic()
        with pytest.raises(grpc.RpcError) as info:
            stub.SubmitScore(
                spb.SubmitScoreRequest(case=case, items=[spb.CriterionScore(criterion_id="x", points=1)]),
                metadata=m.clients.md(auth.Role.REVIEWER, subject=expert),  # type: ignore[attr-defined]
                timeout=30,
            )
        got = details_of(info.value)
        assert got.code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED), got
        assert got.reason.startswith("DEPENDENCY_") or got.reason == "ASSIGNMENT_UNAVAILABLE", got
        assert time.monotonic() - started < 15, "a dead dependency must not hang the caller"


def test_scoring_killed_mid_load_keeps_every_score_whole(
    city_on_pg: tuple[dict[str, Running], month.Month],
) -> None:
    """kill -9 the scoring service while 16 clients submit; restart it; retries finish.

    Afterwards every score has exactly the revisions that were acknowledged and every
    revision carries all of its rubric's criteria: nothing half-written, lost or doubled.
    """
    import signal
    import socket
    import subprocess
    import sys

    services, m = city_on_pg
    c: month.Clients = m.clients  # type: ignore[attr-defined]
    scoring = services["scoring"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(
        os.environ,
        DATABASE_URL=scoring.ctx.engine.url.render_as_string(hide_password=False),
        DGCP_DB_SCHEMA=scoring.ctx.settings.db_schema,
        DGCP_ASSIGNMENT_ADDR=services["assignment"].address,
        DGCP_SURVEYS_ADDR=services["surveys"].address,
        DGCP_GRPC_WORKERS="8",
    )
    root = Path(__file__).resolve().parents[2]

    def spawn() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "services.scoring", "--port", str(port)],
            cwd=root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    from dgcp.scoring.v1 import scoring_pb2_grpc

    proc = spawn()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    stub = scoring_pb2_grpc.ScoringServiceStub(channel)
    cases = {case.name: case for case, _ in m.cases}
    rubrics: dict[tuple[int, int], spb.RubricVersion] = {}
    for case in cases.values():
        month._rubric(c, case.stage, case.track, rubrics)
    seats = sorted((case, expert) for case, experts in m.panels.items() for expert in experts)
    acked: dict[str, tuple[str, str]] = {}  # request_id -> (case, expert)
    lock = threading.Lock()
    stop_at = time.monotonic() + 90

    def client(n: int) -> None:
        rng = random.Random(1000 + n)
        for i in range(30):
            case_name, expert = rng.choice(seats)
            case = cases[case_name]
            request = spb.SubmitScoreRequest(
                case=case_name, items=_items(rubrics[(case.stage, case.track)], rng), request_id=f"k{n}-{i}"
            )
            md = c.md(auth.Role.REVIEWER, subject=expert)
            while time.monotonic() < stop_at:  # a client retries with the same request_id
                try:
                    stub.SubmitScore(request, metadata=md, timeout=10, wait_for_ready=True)
                    with lock:
                        acked[request.request_id] = (case_name, expert)
                    break
                except grpc.RpcError:
                    time.sleep(0.05)

    try:
        before = {
            s.name: s.revision
            for name in cases
            for s in c.scoring.ListScores(
                spb.ListScoresRequest(case=name, page_size=100), metadata=c.authority
            ).scores
        }
        threads = [threading.Thread(target=client, args=(n,)) for n in range(16)]
        for t in threads:
            t.start()
        while len(acked) < 60 and time.monotonic() < stop_at:
            time.sleep(0.01)
        assert 0 < len(acked) < 16 * 30, "the kill should land mid-load"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc = spawn()
        for t in threads:
            t.join()
        assert len(acked) == 16 * 30, "every client should finish by retrying"
        per_pair: dict[tuple[str, str], int] = defaultdict(int)
        for pair in acked.values():
            per_pair[pair] += 1
        for case_name, case in cases.items():
            want = len(rubrics[(case.stage, case.track)].criteria)
            for score in c.scoring.ListScores(
                spb.ListScoresRequest(case=case_name, page_size=100), metadata=c.authority
            ).scores:
                revisions = c.scoring.ListScoreRevisions(
                    spb.ListScoreRevisionsRequest(parent=score.name, page_size=1000), metadata=c.authority
                ).revisions
                new = len(revisions) - before.get(score.name, 0)
                assert new == per_pair.get((case_name, score.expert), 0), f"{score.name}: {new} new revisions"
                assert all(len(r.items) == want for r in revisions), (
                    f"{score.name}: a revision lacks criteria"
                )
                assert len(score.items) == want
    finally:
        channel.close()
        proc.kill()
        proc.wait()
