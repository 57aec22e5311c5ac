"""Abusive inputs against the whole system: bounded work, bounded answers, honest codes.

Each case here once came back untyped, as UNAVAILABLE, or as a trailer too large for the
client; the assertions are on what the caller sees (code, reason, size of the details).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import grpc
import pytest

from dgcp.assignment.v1 import assignment_pb2 as apb
from dgcp.assignment.v1 import assignment_pb2_grpc as apb_grpc
from dgcp.scoring.v1 import scoring_pb2 as pb
from dgcp.scoring.v1 import scoring_pb2_grpc as pb_grpc
from runtime.errors import MAX_VIOLATIONS, details_of
from tests.support import Running, error_of, md
from tests.system.stack import stack


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Running]]:
    tmp = tmp_path_factory.mktemp("bad_input")
    with stack(lambda service: (f"sqlite:///{tmp}/{service}.db", service)) as started:
        yield started


def _trailer_bytes(call: object, *args: object, **kwargs: object) -> tuple[grpc.RpcError, int]:
    try:
        call(*args, **kwargs)  # type: ignore[operator]
    except grpc.RpcError as err:
        assert isinstance(err, grpc.Call)
        size = sum(len(k) + len(v) for k, v in err.trailing_metadata() or ())
        return err, size + len((err.details() or "").encode())
    raise AssertionError("the call succeeded")


def test_a_thousand_bad_criteria_get_a_bounded_answer(services: dict[str, Running]) -> None:
    stub = pb_grpc.ScoringServiceStub(services["scoring"].channel())
    rubric = pb.RubricVersion(
        stage=pb.STAGE_EVALUATION,
        track=pb.TRACK_STANDARD,
        title="评审细则",
        criteria=[pb.Criterion(id="", chapter="", title="", max_points=-1) for _ in range(1000)],
    )
    request = pb.CreateRubricVersionRequest(parent="rubrics/evaluation-standard", rubric_version=rubric)
    err, size = _trailer_bytes(stub.CreateRubricVersion, request, metadata=md("authority"))
    got = details_of(err)
    assert got.code == grpc.StatusCode.INVALID_ARGUMENT and got.reason
    assert len(got.violations) <= MAX_VIOLATIONS
    assert size < 8 * 1024, size


def test_a_long_case_name_through_scoring_to_assignment_is_not_internal(
    services: dict[str, Running],
) -> None:
    stub = pb_grpc.ScoringServiceStub(services["scoring"].channel())
    for case in ("cases/" + "x" * 9000, "cases/" + "界" * 3000):
        request = pb.SubmitScoreRequest(case=case, items=[pb.CriterionScore(criterion_id="a", points=1)])
        err, size = _trailer_bytes(stub.SubmitScore, request, metadata=md("reviewer", subject="experts/x"))
        got = details_of(err)
        assert got.code not in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN), got
        assert got.code != grpc.StatusCode.RESOURCE_EXHAUSTED and got.reason, got
        assert size < 4 * 1024, size


def test_a_long_filter_is_invalid_not_unavailable(services: dict[str, Running]) -> None:
    stub = apb_grpc.AssignmentServiceStub(services["assignment"].channel())
    request = apb.ListExpertsRequest(specialty="%_" * 50_000)
    got = error_of(stub.ListExperts, request, metadata=md("authority"))
    assert (got.code, got.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "LIMIT_EXCEEDED")
    assert [v.field for v in got.violations] == ["specialty"]


def test_a_million_score_items_are_refused_before_decoding(services: dict[str, Running]) -> None:
    stub = pb_grpc.ScoringServiceStub(services["scoring"].channel())
    request = pb.SubmitScoreRequest(case="cases/x")
    request.items.extend([pb.CriterionScore(criterion_id="c", points=1.5)] * 1_000_000)
    assert 10_000_000 < request.ByteSize() < 16 * 1024 * 1024
    started = time.perf_counter()
    got = error_of(stub.SubmitScore, request, metadata=md("reviewer", subject="experts/x"), timeout=30)
    assert (got.code, got.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "REQUEST_TOO_LARGE")
    assert time.perf_counter() - started < 10  # generous: the figure is in bench/request_limits.py
    small = pb.SubmitScoreRequest(case="cases/x", items=[pb.CriterionScore(criterion_id="c")] * 201)
    got = error_of(stub.SubmitScore, small, metadata=md("reviewer", subject="experts/x"))
    assert (got.code, got.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "LIMIT_EXCEEDED")
    assert [(v.field, v.reason) for v in got.violations] == [("items", "TOO_MANY_ITEMS")]


def test_names_hiding_text_are_refused_in_every_service_and_stored_nfc(services: dict[str, Running]) -> None:
    import random

    from dgcp.surveys.v1 import surveys_pb2 as spb
    from dgcp.surveys.v1 import surveys_pb2_grpc as spb_grpc
    from services.assignment import creditcode

    assignment = apb_grpc.AssignmentServiceStub(services["assignment"].channel())
    scoring = pb_grpc.ScoringServiceStub(services["scoring"].channel())
    surveys = spb_grpc.SurveysServiceStub(services["surveys"].channel())
    auth = md("authority")

    def enterprise(display_name: str) -> apb.CreateEnterpriseRequest:
        return apb.CreateEnterpriseRequest(
            enterprise=apb.Enterprise(
                credit_code=creditcode.synthesize(random.Random(display_name)),
                display_name=display_name,
                town="长安镇",
                industry_code="3360",
                audit_category=apb.AUDIT_CATEGORY_DOUBLE_HAZARD,
            )
        )

    tricks = ["东莞\u202e司公限有", "东莞\u200b示例", "东莞\x00示例", "东莞\u2066示例\u2069"]
    for name in tricks:
        got = error_of(assignment.CreateEnterprise, enterprise(name), metadata=auth)
        assert (got.code, got.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_CHARACTERS"), name
        assert [v.field for v in got.violations] == ["enterprise.display_name"]
        rubric = pb.CreateRubricVersionRequest(
            parent="rubrics/evaluation-standard", rubric_version=pb.RubricVersion(title=name)
        )
        got = error_of(scoring.CreateRubricVersion, rubric, metadata=auth)
        assert got.reason == "INVALID_CHARACTERS" and got.violations[0].field == "rubric_version.title"
        facts = spb.CaseFacts(case="cases/1", enterprise_display_name=name)
        got = error_of(surveys.IssueInvitations, spb.IssueInvitationsRequest(cases=[facts]), metadata=auth)
        assert (
            got.reason == "INVALID_CHARACTERS"
            and got.violations[0].field == "cases[0].enterprise_display_name"
        )
    decomposed = "Cafe\u0301 东莞示例"  # e + combining acute: NFC makes it one character
    made = assignment.CreateEnterprise(enterprise(decomposed), metadata=auth)
    assert made.display_name == "Café 东莞示例" and len(made.display_name) == len(decomposed) - 1
