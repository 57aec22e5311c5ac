"""A lost reply retried with the same request_id, and the survey-link export opened in Excel."""

from __future__ import annotations

import csv
import io

import grpc
import pytest

from dgcp.surveys.v1 import surveys_pb2 as pb
from dgcp.surveys.v1 import surveys_pb2_grpc as pb_grpc
from services.surveys.app import APP
from services.surveys.models import ResponseRow
from tests.support import error_of, running
from tests.surveys.test_surveys_service import PUBLIC, answers, case, count, issue, token_of


@pytest.fixture(autouse=True)
def _public_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DGCP_PUBLIC_BASE_URL", "https://survey.example.gov.cn/")


def test_a_retry_after_a_crash_between_commit_and_reply_gets_the_first_answer(db_url_factory) -> None:  # type: ignore[no-untyped-def]
    url, schema = db_url_factory("surveys")
    with running(APP, database_url=url, schema=schema) as svc:
        stub = pb_grpc.SurveysServiceStub(svc.channel())
        token = token_of(issue(stub, case(1)).links[0].url)
        request = pb.SubmitSurveyResponseRequest(token=token, answers=answers(), request_id="phone-7f3a")
        first = stub.SubmitSurveyResponse(request, metadata=PUBLIC)  # committed; say the reply is lost
    with running(APP, database_url=url, schema=schema) as svc:  # the process died and came back
        stub = pb_grpc.SurveysServiceStub(svc.channel())
        again = stub.SubmitSurveyResponse(request, metadata=PUBLIC)
        assert again == first
        assert count(svc, ResponseRow) == 1
        other = pb.SubmitSurveyResponseRequest(token=token, answers=answers(rest=2), request_id="phone-7f3a")
        err = error_of(stub.SubmitSurveyResponse, other, metadata=PUBLIC)
        assert (err.code, err.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "REQUEST_ID_REUSED")
        fresh = pb.SubmitSurveyResponseRequest(token=token, answers=answers(), request_id="another-id")
        err = error_of(stub.SubmitSurveyResponse, fresh, metadata=PUBLIC)
        assert (err.code, err.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "INVITATION_USED")
        assert count(svc, ResponseRow) == 1


def test_the_link_export_neutralises_formulas(db_url_factory) -> None:  # type: ignore[no-untyped-def]
    url, schema = db_url_factory("surveys")
    with running(APP, database_url=url, schema=schema) as svc:
        stub = pb_grpc.SurveysServiceStub(svc.channel())
        facts = case(1)
        facts.enterprise_display_name = "=1+1"
        facts.consultancy_display_name = "+cmd|' /C calc'!A0"
        facts.case_display_name = "@SUM(A1)"
        issued = issue(stub, facts)
    raw = issued.links_csv.decode("utf-8")
    assert raw.startswith("\ufeff") and "\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.removeprefix("\ufeff"))))
    assert {r["enterprise_display_name"] for r in rows} == {"'=1+1"}
    assert {r["case_display_name"] for r in rows} == {"'@SUM(A1)"}
    consultancy = next(r for r in rows if r["rated_party_kind"] == "consultancy")
    assert consultancy["rated_party_display_name"] == "'+cmd|' /C calc'!A0"
    for row in rows:
        assert not any(cell.lstrip(" ").startswith(("=", "+", "-", "@")) for cell in row.values())


def test_a_retried_close_returns_the_first_count(db_url_factory) -> None:  # type: ignore[no-untyped-def]
    from tests.surveys.test_surveys_service import AUTH

    url, schema = db_url_factory("surveys")
    with running(APP, database_url=url, schema=schema) as svc:
        stub = pb_grpc.SurveysServiceStub(svc.channel())
        issue(stub, case(1), case(2))
        request = pb.CloseSurveyWindowRequest(lot="lots/L1", request_id="close-L1")
        first = stub.CloseSurveyWindow(request, metadata=AUTH)
        assert first.closed_count == 4
        assert stub.CloseSurveyWindow(request, metadata=AUTH) == first  # not 0
        again = pb.CloseSurveyWindowRequest(lot="lots/L1")
        assert stub.CloseSurveyWindow(again, metadata=AUTH).closed_count == 0  # no key: nothing left
