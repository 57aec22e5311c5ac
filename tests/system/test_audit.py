"""The audit trail: every mutation appends its event, in its own transaction, hash-chained.

On SQLite and PostgreSQL: real assignment and scoring services, a drawn lot, scores (the
PostgreSQL SubmitScore hot path writes its event in its one statement), a refused score; the
authority reads the events over gRPC with filters and pages; VerifyAuditLog finds an edited
event by name; on PostgreSQL the chain stays one chain under concurrent writers and two sealers.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import grpc
import pytest
from sqlalchemy import insert, select, text, update

from dgcp.assignment.v1 import assignment_pb2 as apb
from dgcp.assignment.v1 import assignment_pb2_grpc as apb_grpc
from dgcp.audit.v1 import audit_pb2 as aupb
from dgcp.audit.v1 import audit_pb2_grpc as aupb_grpc
from dgcp.scoring.v1 import scoring_pb2 as pb
from dgcp.scoring.v1 import scoring_pb2_grpc as pb_grpc
from runtime import audit, db
from services.assignment.app import APP as ASSIGNMENT
from services.scoring.app import APP as SCORING
from services.scoring.rubrics import EVALUATION_STANDARD
from tests.assignment.test_draw_service import world
from tests.scoring.test_with_assignment import full_marks
from tests.support import Running, error_of, md, running

AUTH = md("authority")


@pytest.fixture
def both(db_url_factory) -> Iterator[tuple[Running, Running]]:  # type: ignore[no-untyped-def]
    a_url, a_schema = db_url_factory("assignment")
    s_url, s_schema = db_url_factory("scoring")
    with (
        running(ASSIGNMENT, database_url=a_url, schema=a_schema) as assignment,
        running(
            SCORING, database_url=s_url, schema=s_schema, peers={"assignment": assignment.address}
        ) as scoring,
    ):
        yield assignment, scoring


def _events(svc: Running, **filters: object) -> list[aupb.AuditEvent]:
    stub = aupb_grpc.AuditServiceStub(svc.channel())
    out: list[aupb.AuditEvent] = []
    token = ""
    while True:
        page = stub.ListAuditEvents(
            aupb.ListAuditEventsRequest(page_size=2, page_token=token, **filters),  # type: ignore[arg-type]
            metadata=AUTH,
        )
        out += page.audit_events
        token = page.next_page_token
        if not token:
            return out


def test_audit_trail(both: tuple[Running, Running]) -> None:
    assignment, scoring = both
    astub = apb_grpc.AssignmentServiceStub(assignment.channel())
    stub = pb_grpc.ScoringServiceStub(scoring.channel())
    w = world(astub, n_cases=2)
    astub.DrawPanels(
        apb.DrawPanelsRequest(lot=w.lot.name, seed="7"), metadata=[*AUTH, ("x-request-id", "draw-1")]
    )
    case = w.cases[1]  # the standard-track case
    panel = list(astub.GetCase(apb.GetCaseRequest(name=case.name), metadata=AUTH).panel)
    outsider = next(e.name for e in w.experts if e.name not in panel)
    request = pb.SubmitScoreRequest(case=case.name, items=full_marks(EVALUATION_STANDARD), request_id="k1")
    score = stub.SubmitScore(
        request, metadata=[*md("reviewer", subject=panel[0]), ("x-request-id", "submit-1")]
    )
    # A retry with the same request_id changes nothing, so it appends nothing.
    stub.SubmitScore(request, metadata=[*md("reviewer", subject=panel[0]), ("x-request-id", "submit-1b")])
    refused = error_of(
        stub.SubmitScore,
        pb.SubmitScoreRequest(case=case.name, items=full_marks(EVALUATION_STANDARD)),
        metadata=[*md("reviewer", subject=outsider), ("x-request-id", "submit-2")],
    )
    assert refused.reason == "NOT_ON_PANEL"

    # Who, what, when, from where; the refused call is recorded with its outcome, nothing else.
    submits = _events(scoring, method="SubmitScore")
    assert [(e.request_id, e.code) for e in submits] == [
        ("submit-2", "PERMISSION_DENIED"),
        ("submit-1", "OK"),
    ]
    failed, ok = submits
    assert (failed.subject, failed.role, failed.reason) == (outsider, "reviewer", "NOT_ON_PANEL")
    assert (ok.subject, ok.role, ok.service) == (panel[0], "reviewer", "scoring")
    assert list(ok.resources) == [case.name, score.name]
    assert ok.peer and ok.time.seconds > 0
    assert _events(scoring, request_id="submit-1b") == []

    # Filters: actor, resource (with everything below it), time; authority only.
    draws = _events(assignment, request_id="draw-1")
    assert [(e.method, e.resources[0]) for e in draws] == [("DrawPanels", w.lot.name)]
    assert draws[0].resources[1].startswith("draws/")  # the draw record it made
    under_lot = _events(assignment, resource=w.lot.name)
    assert {"CreateLot", "CreateCase", "DrawPanels"} <= {e.method for e in under_lot}
    assert all(any(r.startswith(w.lot.name) for r in e.resources) for e in under_lot)
    assert {e.subject for e in _events(scoring, subject=outsider)} == {outsider}
    later = aupb.ListAuditEventsRequest(start_time=ok.time)
    assert ok.name in {
        e.name
        for e in aupb_grpc.AuditServiceStub(scoring.channel())
        .ListAuditEvents(later, metadata=AUTH)
        .audit_events
    }
    denied = error_of(
        aupb_grpc.AuditServiceStub(scoring.channel()).ListAuditEvents,
        aupb.ListAuditEventsRequest(),
        metadata=md("reviewer", subject=panel[0]),
    )
    assert denied.code == grpc.StatusCode.PERMISSION_DENIED

    # The chain holds; an event edited in the database is named.
    verify = aupb_grpc.AuditServiceStub(assignment.channel()).VerifyAuditLog
    verdict = verify(aupb.VerifyAuditLogRequest(), metadata=AUTH)
    assert verdict.valid and verdict.checked_events == len(_events(assignment))
    chained = _events(assignment)
    assert all(e.sequence > 0 and len(e.hash) == 64 for e in chained)
    assert chained[0].previous_hash == chained[1].hash
    victim = draws[0]
    events = audit.log_of(assignment.ctx.engine).events  # type: ignore[union-attr]
    with db.transaction(assignment.ctx.engine) as session:
        session.execute(
            update(events)
            .where(events.c.id == int(victim.name.split("/")[1]))
            .values(subject="experts/nobody")
        )
    verdict = verify(aupb.VerifyAuditLogRequest(), metadata=AUTH)
    assert (verdict.valid, verdict.first_bad_event, verdict.problem) == (
        False,
        victim.name,
        "CONTENT_CHANGED",
    )


def test_no_event_without_its_change(both: tuple[Running, Running]) -> None:
    """A transaction that rolls back takes its event with it; one that commits a change carries it;
    one that changed nothing (a replay, a no-op) has none."""
    assignment, _ = both
    engine = assignment.ctx.engine
    log = audit.log_of(engine)
    assert log is not None
    scope = audit.Scope(service="assignment", method="Test", request_id="rolled-back", subject="t", role="x")
    token = audit.enter(scope)
    try:
        change = text("UPDATE audit_seals SET hash = hash WHERE 1 = 0")
        with pytest.raises(RuntimeError), db.transaction(engine) as session:
            session.execute(change)
            raise RuntimeError("the change fails")
        with db.transaction(engine) as session:
            session.execute(change)
        with db.transaction(engine) as session:
            session.execute(text("SELECT 1"))  # a unit of work that wrote nothing records nothing
    finally:
        audit.leave(token)
    with db.read_transaction(engine) as session:
        rows = session.execute(select(log.events.c.request_id).where(log.events.c.method == "Test")).all()
    assert [r.request_id for r in rows] == ["rolled-back"]  # one event: the committed one


def test_chain_under_concurrent_writers(db_url_factory, backend: str) -> None:  # type: ignore[no-untyped-def]
    """Eight writers and two sealers (two replicas) on one log: one chain, every event in it."""
    if backend != "postgresql":
        pytest.skip("SQLite serialises every writer of a file already")
    url, schema = db_url_factory("assignment")
    with running(ASSIGNMENT, database_url=url, schema=schema) as svc:
        replica = db.create_engine_for(svc.ctx.settings)
        other = audit.install(replica, ASSIGNMENT.metadata, "assignment")
        assert other is not None
        log = audit.log_of(svc.ctx.engine)
        assert log is not None
        writers, each = 8, 40

        def write(n: int) -> None:
            engine = replica if n % 2 else svc.ctx.engine
            for i in range(each):
                scope = audit.Scope(service="assignment", method="Concurrent", request_id=f"{n}-{i}")
                token = audit.enter(scope)
                try:
                    with db.transaction(engine) as session:
                        session.execute(insert(log.events).values(**scope.values("OK", "")))
                finally:
                    audit.leave(token)
                (other if n % 2 else log).wake()

        threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        verdict = log.verify()
        with db.read_transaction(svc.ctx.engine) as session:
            total = session.execute(text("SELECT count(*) FROM audit_events")).scalar_one()
            seqs = [r[0] for r in session.execute(text("SELECT seq FROM audit_seals ORDER BY seq"))]
        replica.dispose()
    assert total == writers * each * 2  # each transaction: the inserted row and its own event
    assert verdict.valid and verdict.checked == total
    assert seqs == list(range(1, total + 1))
