"""The scoring service end to end through real gRPC servers, on SQLite and PostgreSQL.

Panel membership comes from a stand-in assignment server (a real gRPC server on a loopback port
that implements only ``CheckPanelMembership``), so these tests pin scoring's own rules.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pytest
from google.protobuf import timestamp_pb2
from sqlalchemy import select, update

from dgcp.assignment.v1 import assignment_pb2 as apb
from dgcp.assignment.v1 import assignment_pb2_grpc as apb_grpc
from dgcp.scoring.v1 import scoring_pb2 as pb
from dgcp.scoring.v1 import scoring_pb2_grpc as pb_grpc
from runtime.db import transaction
from runtime.errors import details_of
from runtime.resources import utcnow
from services.scoring.app import APP
from services.scoring.models import cases, score_revisions, scores
from services.scoring.rubrics import EVALUATION_STANDARD
from tests.support import Running, error_of, md, running

AUTH = md("authority")
AGENCY = "reviewAgencies/00000000-0000-7000-8000-000000000001"


@dataclass
class Case:
    name: str
    panel: list[str]
    consultancy: str
    stage: int = apb.CASE_STAGE_EVALUATION
    track: int = apb.CASE_TRACK_STANDARD


@dataclass
class FakeAssignment(apb_grpc.AssignmentServiceServicer):
    """Answers CheckPanelMembership from a dict and counts the calls."""

    cases: dict[str, Case] = field(default_factory=dict)
    calls: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    frozen: set[str] = field(default_factory=set)

    def CheckPanelMembership(
        self, request: apb.CheckPanelMembershipRequest, context: grpc.ServicerContext
    ) -> apb.PanelMembership:
        with self.lock:
            self.calls += 1
        case = self.cases.get(request.case)
        if case is None:
            context.abort(grpc.StatusCode.NOT_FOUND, "no such case")
            raise AssertionError("abort raises")
        return apb.PanelMembership(
            case=case.name,
            expert=request.expert,
            member=request.expert in case.panel,
            stage=case.stage,  # type: ignore[arg-type]
            track=case.track,  # type: ignore[arg-type]
            consultancy=case.consultancy,
            review_agency=AGENCY,
            panel=case.panel,
        )

    def FreezePanel(
        self, request: apb.FreezePanelRequest, context: grpc.ServicerContext
    ) -> apb.PanelMembership:
        """As the real service: refused when the panel is not the one scoring checked."""
        case = self.cases.get(request.case)
        if case is None:
            context.abort(grpc.StatusCode.NOT_FOUND, "no such case")
            raise AssertionError("abort raises")
        with self.lock:
            if request.case not in self.frozen and set(request.expected_panel) != set(case.panel):
                context.abort(grpc.StatusCode.FAILED_PRECONDITION, "PANEL_CHANGED")
            self.frozen.add(request.case)
        return apb.PanelMembership(case=case.name, panel=case.panel, panel_frozen=True)

    def add(self, n_experts: int = 3, **over: object) -> Case:
        case = Case(
            name=f"cases/{uuid.uuid4()}",
            panel=[f"experts/{uuid.uuid4()}" for _ in range(n_experts)],
            consultancy=f"consultancies/{uuid.uuid4()}",
        )
        for key, value in over.items():
            setattr(case, key, value)
        self.cases[case.name] = case
        return case


@pytest.fixture
def assignment() -> Iterator[tuple[FakeAssignment, str]]:
    fake = FakeAssignment()
    server = grpc.server(futures.ThreadPoolExecutor(4))
    apb_grpc.add_AssignmentServiceServicer_to_server(fake, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield fake, f"127.0.0.1:{port}"
    server.stop(0)


@pytest.fixture
def svc(db_url_factory, assignment) -> Iterator[Running]:  # type: ignore[no-untyped-def]
    url, schema = db_url_factory("scoring")
    with running(APP, database_url=url, schema=schema, peers={"assignment": assignment[1]}) as s:
        yield s


@pytest.fixture
def stub(svc: Running) -> pb_grpc.ScoringServiceStub:
    return pb_grpc.ScoringServiceStub(svc.channel())


@pytest.fixture
def fake(assignment: tuple[FakeAssignment, str]) -> FakeAssignment:
    return assignment[0]


def as_expert(expert: str) -> list[tuple[str, str]]:
    return md("reviewer", subject=expert)


def items(deduct: dict[str, float] | None = None) -> list[pb.CriterionScore]:
    """Full marks minus ``deduct`` per criterion (with a comment where points are deducted)."""
    deduct = deduct or {}
    out = []
    for c in EVALUATION_STANDARD.criteria:
        minus = deduct.get(c.id, 0.0)
        out.append(
            pb.CriterionScore(
                criterion_id=c.id, points=c.max_points - minus, comment="gap found" if minus else ""
            )
        )
    return out


def submit(stub: pb_grpc.ScoringServiceStub, case: Case, expert: str, **kw: object) -> pb.Score:
    kw.setdefault("items", items())
    return stub.SubmitScore(pb.SubmitScoreRequest(case=case.name, **kw), metadata=as_expert(expert))  # type: ignore[arg-type]


def test_default_rubrics_installed_and_versioned(stub: pb_grpc.ScoringServiceStub) -> None:
    listed = stub.ListRubricVersions(pb.ListRubricVersionsRequest(parent="rubrics/-"), metadata=AUTH)
    assert sorted(r.name for r in listed.rubric_versions) == [
        "rubrics/acceptance-fast/versions/1",
        "rubrics/acceptance-standard/versions/1",
        "rubrics/evaluation-fast/versions/1",
        "rubrics/evaluation-standard/versions/1",
    ]
    latest = stub.GetRubricVersion(
        pb.GetRubricVersionRequest(name="rubrics/evaluation-standard/versions/latest"), metadata=AUTH
    )
    assert [c.max_points for c in latest.criteria] == [5, 15, 15, 20, 10, 15, 10, 10]
    assert {v.id for v in latest.veto_items} >= {"falsified_data", "consultancy_unqualified"}
    assert len(latest.sha256) == 64
    page = stub.ListRubricVersions(
        pb.ListRubricVersionsRequest(parent="rubrics/-", page_size=3), metadata=AUTH
    )
    rest = stub.ListRubricVersions(
        pb.ListRubricVersionsRequest(parent="rubrics/-", page_size=3, page_token=page.next_page_token),
        metadata=AUTH,
    )
    assert len(page.rubric_versions) == 3 and len(rest.rubric_versions) == 1
    assert not rest.next_page_token


def test_submit_revise_and_history(stub: pb_grpc.ScoringServiceStub, fake: FakeAssignment) -> None:
    case = fake.add()
    expert = case.panel[0]
    first = submit(stub, case, expert, items=items({"balances": 5}))
    assert (first.revision, first.total, first.grade, first.state) == (1, 95, "good", pb.SCORE_STATE_OPEN)
    assert first.rubric_version == "rubrics/evaluation-standard/versions/1"
    second = submit(stub, case, expert, items=items({"balances": 10, "report": 2.5}))
    assert (second.name, second.revision, second.total) == (first.name, 2, 87.5)
    history = stub.ListScoreRevisions(pb.ListScoreRevisionsRequest(parent=first.name), metadata=AUTH)
    assert [(r.revision, r.kind, r.total) for r in history.revisions] == [
        (1, pb.REVISION_KIND_SUBMITTED, 95),
        (2, pb.REVISION_KIND_REVISED, 87.5),
    ]
    assert history.revisions[0].items[3].comment == "gap found"
    got = stub.GetScore(pb.GetScoreRequest(name=first.name), metadata=as_expert(expert))
    assert got == second
    err = error_of(stub.GetScore, pb.GetScoreRequest(name=first.name), metadata=as_expert(case.panel[1]))
    assert (err.code, err.reason) == (grpc.StatusCode.PERMISSION_DENIED, "NOT_OWN_SCORE")


def test_only_panel_members_score(stub: pb_grpc.ScoringServiceStub, fake: FakeAssignment) -> None:
    case = fake.add()
    outsider = f"experts/{uuid.uuid4()}"
    err = error_of(submit, stub, case, outsider)
    assert (err.code, err.reason) == (grpc.StatusCode.PERMISSION_DENIED, "NOT_ON_PANEL")
    unknown = Case(name=f"cases/{uuid.uuid4()}", panel=[], consultancy="")
    err = error_of(submit, stub, unknown, case.panel[0])
    assert (err.code, err.reason) == (grpc.StatusCode.NOT_FOUND, "CASE_NOT_FOUND")
    err = error_of(
        stub.SubmitScore,
        pb.SubmitScoreRequest(case=case.name, items=items()),
        metadata=md("authority"),
    )
    assert (err.code, err.reason) == (grpc.StatusCode.PERMISSION_DENIED, "ROLE_NOT_ALLOWED")


def test_bad_criteria_get_one_violation_each(stub: pb_grpc.ScoringServiceStub, fake: FakeAssignment) -> None:
    case = fake.add()
    bad = items()
    bad[0].points = 7  # planning max 5
    bad[1].points = 10  # deducted, no comment
    del bad[7]  # report missing
    err = error_of(
        submit, stub, case, case.panel[0], items=bad, vetoes=[pb.VetoFinding(veto_id="falsified_data")]
    )
    assert (err.code, err.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_SCORE")
    assert {(v.field, v.reason) for v in err.violations} == {
        ("items[0].points", "POINTS_OUT_OF_RANGE"),
        ("items[1].comment", "COMMENT_REQUIRED"),
        ("items", "MISSING_CRITERION"),
        ("vetoes[0].reason", "REASON_REQUIRED"),
    }
    listed = stub.ListScores(pb.ListScoresRequest(case=case.name), metadata=AUTH)
    assert list(listed.scores) == []


def test_lock_then_amend_with_reason(stub: pb_grpc.ScoringServiceStub, fake: FakeAssignment) -> None:
    case = fake.add()
    scores = [
        submit(stub, case, e, items=items({"balances": d}))
        for e, d in zip(case.panel[:2], (0, 4), strict=True)
    ]
    err = error_of(stub.LockPanel, pb.LockPanelRequest(case=case.name), metadata=AUTH)
    assert (err.code, err.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "PANEL_INCOMPLETE")
    assert err.metadata["missing"] == case.panel[2]
    scores.append(submit(stub, case, case.panel[2], items=items({"balances": 8})))
    result = stub.LockPanel(pb.LockPanelRequest(case=case.name), metadata=AUTH)
    assert result.locked and result.score_count == 3 and result.raw_mean == 96
    assert not result.HasField("calibrated")  # calibration is read, not refitted per lock
    read = stub.GetCaseResult(pb.GetCaseResultRequest(case=case.name), metadata=AUTH)
    assert read.HasField("calibrated") and read.locked
    for _ in range(2):  # a refused submit leaves no idempotency key behind: the retry is refused too
        err = error_of(submit, stub, case, case.panel[0], items=items({"report": 1}), request_id="late")
        assert (err.code, err.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "PANEL_LOCKED")
    amend = pb.AmendScoreRequest(name=scores[0].name, items=items({"report": 1}))
    err = error_of(stub.AmendScore, amend, metadata=as_expert(case.panel[0]))
    assert (err.code, err.violations[0].field) == (grpc.StatusCode.INVALID_ARGUMENT, "reason")
    amend.reason = "arithmetic slip in the energy balance found after the meeting"
    amended = stub.AmendScore(amend, metadata=as_expert(case.panel[0]))
    assert (amended.revision, amended.total, amended.state) == (2, 99, pb.SCORE_STATE_LOCKED)
    err = error_of(stub.AmendScore, amend, metadata=as_expert(case.panel[1]))
    assert (err.code, err.reason) == (grpc.StatusCode.PERMISSION_DENIED, "NOT_OWN_SCORE")
    history = stub.ListScoreRevisions(pb.ListScoreRevisionsRequest(parent=scores[0].name), metadata=AUTH)
    assert [(r.kind, r.reason) for r in history.revisions] == [
        (pb.REVISION_KIND_SUBMITTED, ""),
        (pb.REVISION_KIND_AMENDED, amend.reason),
    ]
    # A newcomer to the panel cannot add a score after the lock either.
    case.panel.append(f"experts/{uuid.uuid4()}")
    err = error_of(submit, stub, case, case.panel[-1])
    assert (err.code, err.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "PANEL_LOCKED")


def test_a_score_from_an_expert_who_left_the_panel_is_set_aside(
    stub: pb_grpc.ScoringServiceStub, fake: FakeAssignment
) -> None:
    case = fake.add()
    for expert, deduct in zip(case.panel, (0, 4, 20), strict=True):
        submit(stub, case, expert, items=items({"balances": deduct, "report": 10}))
    leaving = case.panel.pop()  # recused after scoring: a conflict of interest came to light
    case.panel.append(f"experts/{uuid.uuid4()}")
    err = error_of(stub.LockPanel, pb.LockPanelRequest(case=case.name), metadata=AUTH)
    assert (err.code, err.metadata["missing"]) == (grpc.StatusCode.FAILED_PRECONDITION, case.panel[2])
    submit(stub, case, case.panel[2], items=items({"balances": 8, "report": 10}))
    result = stub.LockPanel(pb.LockPanelRequest(case=case.name), metadata=AUTH)
    assert (result.score_count, result.raw_mean, result.spread) == (3, 86, 8)  # the 70 counts nowhere
    read = stub.GetCaseResult(pb.GetCaseResultRequest(case=case.name), metadata=AUTH)
    assert read.score_count == 3 and read.raw_mean == 86
    listed = stub.ListScores(pb.ListScoresRequest(case=case.name), metadata=AUTH).scores
    states = {s.expert: s.state for s in listed}
    assert states.pop(leaving) == pb.SCORE_STATE_SET_ASIDE
    assert set(states.values()) == {pb.SCORE_STATE_LOCKED}
    mine = next(s for s in listed if s.expert == leaving)
    own = stub.GetScore(pb.GetScoreRequest(name=mine.name), metadata=as_expert(leaving))
    assert own.state == pb.SCORE_STATE_SET_ASIDE and own.total == 70
    calibration = stub.GetCalibration(pb.GetCalibrationRequest(), metadata=AUTH)
    assert leaving not in {o.expert for o in calibration.offsets}


def test_case_result_spread_veto_and_grade(stub: pb_grpc.ScoringServiceStub, fake: FakeAssignment) -> None:
    case = fake.add()
    submit(stub, case, case.panel[0], items=items({"balances": 20}))  # 80
    submit(stub, case, case.panel[1])  # 100
    submit(
        stub,
        case,
        case.panel[2],
        vetoes=[pb.VetoFinding(veto_id="falsified_data", reason="meter data copied from 2021")],
    )
    open_result = stub.GetCaseResult(pb.GetCaseResultRequest(case=case.name), metadata=AUTH)
    assert not open_result.locked and not open_result.HasField("calibrated")
    assert open_result.spread == 20 and open_result.spread_flag
    assert open_result.vetoed and list(open_result.veto_ids) == ["falsified_data"]
    assert open_result.grade == "fail" and not open_result.recommended
    assert open_result.rubric_version == "rubrics/evaluation-standard/versions/1"
    calm = fake.add()
    for expert, d in zip(calm.panel, (5, 10, 15), strict=True):
        submit(stub, calm, expert, items=items({"balances": d}))
    locked = stub.LockPanel(pb.LockPanelRequest(case=calm.name, request_id="lock-1"), metadata=AUTH)
    assert not locked.spread_flag and locked.spread == 10 and locked.raw_mean == 90
    assert locked.grade == "good"  # by the raw mean until calibration is read
    read = stub.GetCaseResult(pb.GetCaseResultRequest(case=calm.name), metadata=AUTH)
    assert read.grade == ("good" if read.calibrated >= 90 else "pass")
    assert read.recommended and not locked.recommended  # recommendation rests on the calibrated score
    again = stub.LockPanel(pb.LockPanelRequest(case=calm.name, request_id="lock-1"), metadata=AUTH)
    assert again.lock_time == locked.lock_time


def test_new_rubric_version_leaves_cited_version_alone(
    stub: pb_grpc.ScoringServiceStub, fake: FakeAssignment
) -> None:
    case = fake.add()
    before = submit(stub, case, case.panel[0])
    v1 = stub.GetRubricVersion(
        pb.GetRubricVersionRequest(name="rubrics/evaluation-standard/versions/1"), metadata=AUTH
    )
    content = pb.RubricVersion()
    content.CopyFrom(v1)
    content.ClearField("name")
    content.title = "Evaluation, 2026 provincial table"
    del content.criteria[-1]
    content.criteria[0].max_points = 15  # planning 15, report criterion dropped: still 100
    v2 = stub.CreateRubricVersion(
        pb.CreateRubricVersionRequest(parent="rubrics/evaluation-standard", rubric_version=content),
        metadata=AUTH,
    )
    assert v2.name == "rubrics/evaluation-standard/versions/2" and v2.sha256 != v1.sha256
    again = stub.GetRubricVersion(pb.GetRubricVersionRequest(name=v1.name), metadata=AUTH)
    assert again == v1
    # The open score keeps citing v1 and is still checked against v1.
    revised = submit(stub, case, case.panel[0], items=items({"report": 1}))
    assert (revised.rubric_version, revised.revision, revised.total) == (v1.name, 2, 99)
    # The rest of that panel scores on v1 too, with or without a request_id (both write paths).
    second = submit(stub, case, case.panel[1], request_id="v1-panel")
    third = submit(stub, case, case.panel[2])
    assert second.rubric_version == third.rubric_version == v1.name
    assert submit(stub, case, case.panel[1], request_id="v1-panel") == second  # stored in full
    err = error_of(
        submit,
        stub,
        case,
        case.panel[2],
        items=[pb.CriterionScore(criterion_id=c.id, points=c.max_points) for c in v2.criteria],
        request_id="v2-items",
    )
    assert (err.code, err.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_SCORE")
    result = stub.LockPanel(pb.LockPanelRequest(case=case.name), metadata=AUTH)
    assert result.rubric_version == v1.name
    other = fake.add()
    new_items = [pb.CriterionScore(criterion_id=c.id, points=c.max_points) for c in v2.criteria]
    fresh = submit(stub, other, other.panel[0], items=new_items)
    assert fresh.rubric_version == v2.name and fresh.total == 100
    broken = pb.RubricVersion()
    broken.CopyFrom(content)
    broken.criteria[0].max_points = 16
    err = error_of(
        stub.CreateRubricVersion,
        pb.CreateRubricVersionRequest(parent="rubrics/evaluation-standard", rubric_version=broken),
        metadata=AUTH,
    )
    assert (err.code, err.violations[0].reason) == (grpc.StatusCode.INVALID_ARGUMENT, "BAD_TOTAL")
    assert before.rubric_version == v1.name


def test_concurrent_duplicate_submits_store_one_score(
    stub: pb_grpc.ScoringServiceStub, fake: FakeAssignment
) -> None:
    case = fake.add()
    request = pb.SubmitScoreRequest(case=case.name, items=items({"balances": 3}), request_id="dup-1")
    meta = as_expert(case.panel[0])
    with futures.ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(lambda _: stub.SubmitScore(request, metadata=meta), range(12)))
    assert len({a.SerializeToString(deterministic=True) for a in answers}) == 1
    assert answers[0].revision == 1
    history = stub.ListScoreRevisions(pb.ListScoreRevisionsRequest(parent=answers[0].name), metadata=AUTH)
    assert len(history.revisions) == 1
    assert len(stub.ListScores(pb.ListScoresRequest(case=case.name), metadata=AUTH).scores) == 1
    assert fake.calls < 12  # membership answers are cached
    # A later retry gets the first answer; the same id for another request is refused. On
    # PostgreSQL the first answer came from the one-statement path and the retry is answered
    # by runtime.idempotency, so this also pins that both derive the same key.
    assert stub.SubmitScore(request, metadata=meta) == answers[0]
    other = pb.SubmitScoreRequest(case=case.name, items=items({"balances": 4}), request_id="dup-1")
    err = error_of(stub.SubmitScore, other, metadata=meta)
    assert (err.code, err.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "REQUEST_ID_REUSED")
    fresh = stub.SubmitScore(
        pb.SubmitScoreRequest(case=case.name, items=items({"balances": 4}), request_id="dup-2"), metadata=meta
    )
    assert (fresh.name, fresh.revision, fresh.total) == (answers[0].name, 2, 96)


def _rating(
    stub: pb_grpc.ScoringServiceStub, case: Case, meta: list[tuple[str, str]], **values: int
) -> pb.Rating:
    return stub.SubmitRating(pb.SubmitRatingRequest(case=case.name, items=values), metadata=meta)


def test_ratings_are_sealed_until_both_sides_rated(
    stub: pb_grpc.ScoringServiceStub, fake: FakeAssignment
) -> None:
    case = fake.add(n_experts=2)
    firm = md("consultancy", org=case.consultancy)
    e2c = pb.RATING_DIRECTION_EXPERT_TO_CONSULTANCY
    c2r = pb.RATING_DIRECTION_CONSULTANCY_TO_REVIEW
    given = _rating(stub, case, as_expert(case.panel[0]), technical_capability=4, service_quality=5)
    assert (given.rater, given.ratee, given.mean) == (case.panel[0], case.consultancy, 4.5)

    def read(meta: list[tuple[str, str]], direction: int) -> pb.ListRatingsResponse:
        return stub.ListRatings(pb.ListRatingsRequest(case=case.name, direction=direction), metadata=meta)  # type: ignore[arg-type]

    err = error_of(read, firm, e2c)
    assert (err.code, err.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "RATING_SEALED")
    assert len(read(as_expert(case.panel[1]), e2c).ratings) == 1  # own side
    assert len(read(AUTH, e2c).ratings) == 1  # the authority always reads
    _rating(stub, case, firm, professionalism=2, fairness=2, timeliness=3, communication=2)
    err = error_of(read, as_expert(case.panel[0]), c2r)
    assert err.reason == "RATING_SEALED"  # one panel member has not rated yet
    err = error_of(read, firm, e2c)
    assert err.reason == "RATING_SEALED"
    _rating(stub, case, as_expert(case.panel[1]), technical_capability=3, service_quality=3)
    seen = read(as_expert(case.panel[0]), c2r)
    assert seen.revealed and seen.ratings[0].ratee == AGENCY and seen.ratings[0].rater == case.consultancy
    revealed = read(firm, e2c).ratings
    assert len(revealed) == 2 and {r.mean for r in revealed} == {4.5, 3}
    assert not any(r.rater or r.name for r in revealed), "the rated firm must not learn which expert rated"
    err = error_of(_rating, stub, case, as_expert(case.panel[0]), technical_capability=1, service_quality=1)
    assert (err.code, err.reason) == (grpc.StatusCode.ALREADY_EXISTS, "RATING_EXISTS")


def test_rating_rules_and_window(
    stub: pb_grpc.ScoringServiceStub, fake: FakeAssignment, svc: Running
) -> None:
    case = fake.add(n_experts=2)
    stranger = md("consultancy", org=f"consultancies/{uuid.uuid4()}")
    err = error_of(
        _rating, stub, case, stranger, professionalism=5, fairness=5, timeliness=5, communication=5
    )
    assert (err.code, err.reason) == (grpc.StatusCode.PERMISSION_DENIED, "NOT_CASE_CONSULTANCY")
    err = error_of(_rating, stub, case, as_expert(f"experts/{uuid.uuid4()}"), technical_capability=5)
    assert err.reason == "NOT_ON_PANEL"
    err = error_of(_rating, stub, case, as_expert(case.panel[0]), technical_capability=9)
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert {(v.field, v.reason) for v in err.violations} == {
        ("items[technical_capability]", "VALUE_OUT_OF_RANGE"),
        ("items[service_quality]", "MISSING_ITEM"),
    }
    _rating(stub, case, as_expert(case.panel[0]), technical_capability=5, service_quality=5)
    firm = md("consultancy", org=case.consultancy)
    request = pb.ListRatingsRequest(case=case.name, direction=pb.RATING_DIRECTION_EXPERT_TO_CONSULTANCY)
    assert error_of(stub.ListRatings, request, metadata=firm).reason == "RATING_SEALED"
    with transaction(svc.ctx.engine) as session:  # let the 14-day window run out
        session.execute(
            update(cases)
            .where(cases.c.name == case.name)
            .values(rating_window_open=utcnow() - timedelta(days=15))
        )
    opened = stub.ListRatings(request, metadata=firm)
    assert opened.revealed and len(opened.ratings) == 1
    err = error_of(_rating, stub, case, firm, professionalism=1, fairness=1, timeliness=1, communication=1)
    assert (err.code, err.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "RATING_WINDOW_CLOSED")


def test_calibration_and_reports(stub: pb_grpc.ScoringServiceStub, fake: FakeAssignment) -> None:
    experts = [f"experts/{uuid.uuid4()}" for _ in range(6)]
    firm = f"consultancies/{uuid.uuid4()}"
    lenient = experts[0]
    for i in range(12):
        panel = [experts[(i + k) % 6] for k in range(3)]
        case = fake.add(panel=panel, consultancy=firm)
        for e in panel:
            submit(stub, case, e, items=items({"balances": 0 if e == lenient else 6}))
            _rating(stub, case, as_expert(e), technical_capability=5, service_quality=5)
        _rating(
            stub,
            case,
            md("consultancy", org=firm),
            professionalism=5,
            fairness=5,
            timeliness=5,
            communication=5,
        )
        stub.LockPanel(pb.LockPanelRequest(case=case.name), metadata=AUTH)
    fit = stub.GetCalibration(pb.GetCalibrationRequest(), metadata=AUTH)
    assert fit.score_count == 36 and fit.connected and len(fit.components) == 1
    offsets = {o.expert: o.offset for o in fit.offsets}
    assert offsets[lenient] == max(offsets.values()) and offsets[lenient] > 0
    start = timestamp_pb2.Timestamp()
    start.FromDatetime(utcnow() - timedelta(days=1))
    end = timestamp_pb2.Timestamp()
    end.FromDatetime(utcnow() + timedelta(days=1))
    report = stub.GetCollusionReport(
        pb.GetCollusionReportRequest(start_time=start, end_time=end), metadata=AUTH
    )
    assert "Benjamini-Hochberg" in report.method
    assert {p.kind for p in report.pairs} == {"expert"}  # one agency: no agency comparison possible
    assert all(p.case_count >= 3 for p in report.pairs)
    view = stub.GetRetaliationView(
        pb.GetRetaliationViewRequest(start_time=start, end_time=end), metadata=AUTH
    )
    assert view.case_count == 12 and view.passed_count == 12
    err = error_of(stub.GetCollusionReport, pb.GetCollusionReportRequest(), metadata=AUTH)
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    err = error_of(
        stub.GetCollusionReport,
        pb.GetCollusionReportRequest(start_time=start, end_time=end),
        metadata=as_expert(lenient),
    )
    assert err.reason == "ROLE_NOT_ALLOWED"


def test_assignment_outage_is_unavailable_not_a_verdict(db_url_factory) -> None:  # type: ignore[no-untyped-def]
    """With the assignment service down, a submit fails UNAVAILABLE (retryable), never NOT_ON_PANEL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"127.0.0.1:{probe.getsockname()[1]}"
    url, schema = db_url_factory("scoring")
    with running(APP, database_url=url, schema=schema, peers={"assignment": dead}) as svc:
        stub = pb_grpc.ScoringServiceStub(svc.channel())
        case = Case(name=f"cases/{uuid.uuid4()}", panel=[f"experts/{uuid.uuid4()}"], consultancy="")
        err = error_of(submit, stub, case, case.panel[0])
        assert (err.code, err.reason) == (grpc.StatusCode.UNAVAILABLE, "DEPENDENCY_UNAVAILABLE")


def test_lock_racing_with_revisions_leaves_no_open_change_behind(
    stub: pb_grpc.ScoringServiceStub, fake: FakeAssignment, svc: Running
) -> None:
    """Revisions racing a lock either land before it (and are locked with it) or are refused."""
    case = fake.add()
    for expert in case.panel:
        submit(stub, case, expert)

    def revise(i: int) -> str:
        expert = case.panel[i % 3]
        try:
            submit(stub, case, expert, items=items({"balances": 1 + i % 10}), request_id=f"race-{i}")
        except grpc.RpcError as err:
            return details_of(err).reason
        return "OK"

    with futures.ThreadPoolExecutor(8) as pool:
        pending = [pool.submit(revise, i) for i in range(40)]
        lock = pool.submit(stub.LockPanel, pb.LockPanelRequest(case=case.name), metadata=AUTH)
        outcomes = {f.result() for f in pending}
        locked = lock.result()
    assert outcomes <= {"OK", "PANEL_LOCKED"}
    with transaction(svc.ctx.engine) as session:
        rows = session.execute(
            select(scores.c.locked, score_revisions.c.kind, score_revisions.c.create_time)
            .join(score_revisions, score_revisions.c.score_id == scores.c.id)
            .where(scores.c.case_name == case.name)
        ).all()
    assert all(r.locked for r in rows)
    lock_time = locked.lock_time.ToDatetime(tzinfo=UTC)
    assert all(_utc(r.create_time) <= lock_time for r in rows)  # nothing open was written after the lock


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def test_black_box_with_grpcurl(svc: Running, fake: FakeAssignment) -> None:
    """A client nobody here wrote (grpcurl, by reflection): an error carries its reason and field."""
    grpcurl = shutil.which("grpcurl") or str(Path(sys.executable).parent / "grpcurl")
    case = fake.add()
    token = md("reviewer", subject=case.panel[0])[0][1]
    body = {"case": case.name, "items": [{"criterion_id": "planning", "points": 9}]}
    out = subprocess.run(
        [
            grpcurl,
            "-plaintext",
            "-format-error",
            "-H",
            f"authorization: {token}",
            "-d",
            json.dumps(body),
            svc.address,
            "dgcp.scoring.v1.ScoringService/SubmitScore",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode != 0
    error = json.loads(out.stdout or out.stderr)
    assert error["code"] == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    details = {d["@type"].rsplit("/", 1)[-1]: d for d in error["details"]}
    assert details["google.rpc.ErrorInfo"]["reason"] == "INVALID_SCORE"
    violations = details["google.rpc.BadRequest"]["field_violations"]
    assert {(v["field"], v["reason"]) for v in violations} == {
        ("items[0].points", "POINTS_OUT_OF_RANGE"),
        ("items", "MISSING_CRITERION"),
    }
    assert len(violations) == 8  # one per bad criterion: planning out of range, seven missing


def test_hot_path_connections_outlive_their_backends_and_close_on_dispose(
    pg_url: str, assignment: tuple[FakeAssignment, str]
) -> None:
    """SubmitScore's one-statement path keeps a connection per server thread. When the database
    drops them all, no call fails: each thread's next submit falls back to the pooled path, and
    the one after it is back on the hot path with a new connection. Dispose closes them."""
    import time

    from sqlalchemy import create_engine, text

    from runtime import db
    from services.scoring.models import idempotency_keys

    fake, address = assignment
    schema = f"scoring_hot_{uuid.uuid4().hex[:8]}"
    with running(APP, database_url=pg_url, schema=schema, peers={"assignment": address}) as svc:
        stub = pb_grpc.ScoringServiceStub(svc.channel())
        case = fake.add()

        def burst(tag: str) -> list[pb.Score]:
            with futures.ThreadPoolExecutor(8) as pool:
                return list(
                    pool.map(
                        lambda i: submit(
                            stub, case, case.panel[i % 3], items=items({"report": 1}), request_id=f"{tag}-{i}"
                        ),
                        range(24),
                    )
                )

        burst("warm")
        hot = db._statement_connections[svc.ctx.engine]
        before = set(hot._open)
        assert before and all(not c.closed for c in before)
        killer = create_engine(pg_url, isolation_level="AUTOCOMMIT")
        with killer.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        killer.dispose()
        time.sleep(0.6)  # past the pool's idle window, so its own connections are pinged
        burst("after")  # every call answers
        burst("again")
        assert not before & hot._open  # the dead ones were let go
        with db.transaction(svc.ctx.engine) as session:
            by_reference = session.execute(
                select(idempotency_keys.c.key).where(idempotency_keys.c.response.is_(None))
            ).all()
            revisions = session.execute(select(score_revisions.c.id)).all()
        assert len(revisions) == 72
        assert len(by_reference) >= 24 + 12  # the hot path answered most calls, before and after
        still_open = set(hot._open)
    assert still_open and all(c.closed for c in still_open)


def test_a_restarted_service_revises_on_the_version_a_panel_cited(db_url_factory, assignment) -> None:  # type: ignore[no-untyped-def]
    """After a restart the rubric cache is empty: revising a score on an older version reads that
    version inside the submit's own write transaction. On SQLite that read must not wait for the
    write lock its own call holds (it used to, for the 30 s busy timeout, then failed)."""
    fake, address = assignment
    url, schema = db_url_factory("scoring")
    case = fake.add()
    with running(APP, database_url=url, schema=schema, peers={"assignment": address}) as svc:
        stub = pb_grpc.ScoringServiceStub(svc.channel())
        first = submit(stub, case, case.panel[0])
        content = stub.GetRubricVersion(pb.GetRubricVersionRequest(name=first.rubric_version), metadata=AUTH)
        content.ClearField("name")
        content.title = "Evaluation, next table"
        stub.CreateRubricVersion(
            pb.CreateRubricVersionRequest(parent="rubrics/evaluation-standard", rubric_version=content),
            metadata=AUTH,
        )
    with running(APP, database_url=url, schema=schema, peers={"assignment": address}) as svc:
        stub = pb_grpc.ScoringServiceStub(svc.channel())
        meta = as_expert(case.panel[0])
        for request_id in ("", "after-restart"):
            revised = stub.SubmitScore(
                pb.SubmitScoreRequest(case=case.name, items=items({"report": 1}), request_id=request_id),
                metadata=meta,
                timeout=10,
            )
            assert revised.rubric_version == first.rubric_version
        assert revised.revision == 3
