"""Scoring against the real assignment service: the membership contract end to end.

Both services run on the test's backend (SQLite or PostgreSQL, one schema each); the lot's
panels come from a real draw, and scoring learns them only over gRPC with a service token.
"""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest

from dgcp.assignment.v1 import assignment_pb2 as apb
from dgcp.assignment.v1 import assignment_pb2_grpc as apb_grpc
from dgcp.scoring.v1 import scoring_pb2 as pb
from dgcp.scoring.v1 import scoring_pb2_grpc as pb_grpc
from services.assignment.app import APP as ASSIGNMENT
from services.scoring.app import APP as SCORING
from services.scoring.rubrics import EVALUATION_FAST, EVALUATION_STANDARD, Rubric
from tests.assignment.test_draw_service import world
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


def full_marks(rubric: Rubric) -> list[pb.CriterionScore]:
    return [pb.CriterionScore(criterion_id=c.id, points=c.max_points) for c in rubric.criteria]


def test_membership_comes_from_the_draw(both: tuple[Running, Running]) -> None:
    assignment, scoring = both
    astub = apb_grpc.AssignmentServiceStub(assignment.channel())
    stub = pb_grpc.ScoringServiceStub(scoring.channel())
    w = world(astub, n_cases=3)
    astub.DrawPanels(apb.DrawPanelsRequest(lot=w.lot.name, seed="4"), metadata=AUTH)
    fast, standard = w.cases[0], w.cases[1]
    panel = list(astub.GetCase(apb.GetCaseRequest(name=standard.name), metadata=AUTH).panel)
    outsider = next(e.name for e in w.experts if e.name not in panel)

    def submit(case: apb.Case, expert: str, rubric: Rubric) -> pb.Score:
        request = pb.SubmitScoreRequest(case=case.name, items=full_marks(rubric))
        return stub.SubmitScore(request, metadata=md("reviewer", subject=expert))

    score = submit(standard, panel[0], EVALUATION_STANDARD)
    assert score.rubric_version == "rubrics/evaluation-standard/versions/1" and score.total == 100
    err = error_of(submit, standard, outsider, EVALUATION_STANDARD)
    assert (err.code, err.reason) == (grpc.StatusCode.PERMISSION_DENIED, "NOT_ON_PANEL")
    fast_panel = astub.GetCase(apb.GetCaseRequest(name=fast.name), metadata=AUTH).panel
    assert submit(fast, fast_panel[0], EVALUATION_FAST).rubric_version == "rubrics/evaluation-fast/versions/1"

    # A recused expert (not cached as a member) is refused; the replacement may score.
    leaving = panel[1]
    amend = astub.RecuseExpert(
        apb.RecuseExpertRequest(case=standard.name, expert=leaving, reason="former colleague"),
        metadata=md("reviewer", subject=leaving),
    )
    err = error_of(submit, standard, leaving, EVALUATION_STANDARD)
    assert err.reason == "NOT_ON_PANEL"
    assert submit(standard, amend.added_expert, EVALUATION_STANDARD).total == 100

    # The consultancy of the case rates the review side, which is the lot's agency.
    rating = stub.SubmitRating(
        pb.SubmitRatingRequest(
            case=standard.name,
            items={"professionalism": 5, "fairness": 4, "timeliness": 4, "communication": 5},
        ),
        metadata=md("consultancy", org=standard.consultancy),
    )
    assert (rating.rater, rating.ratee) == (standard.consultancy, w.lot.review_agency)
    other_firm = next(c for c in w.consultancies if c != standard.consultancy)
    err = error_of(
        stub.SubmitRating,
        pb.SubmitRatingRequest(case=standard.name, items={"professionalism": 1}),
        metadata=md("consultancy", org=other_firm),
    )
    assert err.reason == "NOT_CASE_CONSULTANCY"
