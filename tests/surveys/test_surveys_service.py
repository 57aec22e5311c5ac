"""The surveys service end to end through real gRPC servers, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.protobuf import field_mask_pb2, timestamp_pb2
from sqlalchemy import func, select, update
from sqlmodel import Session, col
from structlog.testing import capture_logs

from dgcp.surveys.v1 import surveys_pb2 as pb
from dgcp.surveys.v1 import surveys_pb2_grpc as pb_grpc
from runtime.errors import details_of
from services.surveys.app import APP
from services.surveys.models import InvitationLinkRow, InvitationRow, ResponseRow
from tests.support import Running, error_of, md, running

AUTH = md("authority")
PUBLIC = md("public")
ALPHA_DATA = [[4, 5, 4], [3, 3, 2], [5, 4, 5], [2, 3, 3]]  # alpha = 36/41, see test_survey_stats


@pytest.fixture
def svc(db_url_factory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Running]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DGCP_PUBLIC_BASE_URL", "https://survey.example.gov.cn/")
    url, schema = db_url_factory("surveys")
    with running(APP, database_url=url, schema=schema, workers=8) as s:
        yield s


@pytest.fixture
def stub(svc: Running) -> pb_grpc.SurveysServiceStub:
    return pb_grpc.SurveysServiceStub(svc.channel())


def deadline(days: float = 14) -> timestamp_pb2.Timestamp:
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(datetime.now(UTC) + timedelta(days=days))
    return ts


def case(n: int, consultancy: str = "consultancies/c1", agency: str = "reviewAgencies/a1") -> pb.CaseFacts:
    return pb.CaseFacts(
        case=f"lots/L1/cases/{n}",
        case_display_name=f"2026年第一批 第{n}号",
        lot="lots/L1",
        enterprise=f"enterprises/e{n}",
        enterprise_display_name=f"东莞市示例{n}号五金制品有限公司",
        consultancy=consultancy,
        consultancy_display_name="东莞市绿源清洁生产咨询有限公司",
        review_agency=agency,
        review_agency_display_name="广东某评审技术服务中心",
    )


def issue(stub: pb_grpc.SurveysServiceStub, *cases: pb.CaseFacts, kinds=()) -> pb.IssueInvitationsResponse:  # type: ignore[no-untyped-def]
    return stub.IssueInvitations(
        pb.IssueInvitationsRequest(cases=cases, deadline=deadline(), rated_party_kinds=kinds), metadata=AUTH
    )


def token_of(url: str) -> str:
    return url.rsplit("/s/", 1)[1]


def answers(tangibles=(4, 4, 4), rest: int = 4, **over: pb.Answer) -> dict[str, pb.Answer]:  # type: ignore[no-untyped-def]
    out = {
        key: pb.Answer(scale=rest)
        for key in (
            "rel_1", "rel_2", "rel_3", "rel_4", "res_1", "res_2", "res_3",
            "ass_1", "ass_2", "ass_3", "ass_4", "emp_1", "emp_2", "emp_3",
        )
    }  # fmt: skip
    out.update({f"tan_{i + 1}": pb.Answer(scale=v) for i, v in enumerate(tangibles)})
    out.update(
        overall=pb.Answer(scale=8),
        quality_score=pb.Answer(scale=85),
        hire_again=pb.Answer(yes=True),
        comment=pb.Answer(text="报告编写认真，沟通及时。"),
    )
    out.update(over)
    return out


def submit(stub: pb_grpc.SurveysServiceStub, token: str, **kw: object) -> pb.SubmitSurveyResponseResponse:
    return stub.SubmitSurveyResponse(
        pb.SubmitSurveyResponseRequest(token=token, answers=answers(**kw)),  # type: ignore[arg-type]
        metadata=PUBLIC,
    )


def count(svc: Running, table: type) -> int:
    with Session(svc.ctx.engine) as s:
        return int(s.execute(select(func.count()).select_from(table)).scalar_one())


def test_default_templates_installed_once(svc: Running, stub: pb_grpc.SurveysServiceStub) -> None:
    listed = stub.ListSurveyTemplates(pb.ListSurveyTemplatesRequest(), metadata=AUTH).survey_templates
    assert sorted(t.name for t in listed) == [
        "surveyTemplates/servqual-consultancy/versions/1",
        "surveyTemplates/servqual-review-agency/versions/1",
    ]
    APP.on_start(svc.ctx)  # type: ignore[misc]  # a second start (another replica) adds nothing
    assert len(stub.ListSurveyTemplates(pb.ListSurveyTemplatesRequest(), metadata=AUTH).survey_templates) == 2
    latest = stub.GetSurveyTemplate(
        pb.GetSurveyTemplateRequest(name="surveyTemplates/servqual-review-agency/versions/latest"),
        metadata=md("service"),
    )
    assert latest.rated_party_kind == pb.RATED_PARTY_KIND_REVIEW_AGENCY
    assert [d.key for d in latest.dimensions] == [
        "tangibles", "reliability", "responsiveness", "assurance", "empathy",
    ]  # fmt: skip
    assert "评审机构" in latest.title_zh and latest.items[0].text_en


def test_issue_open_submit_once(svc: Running, stub: pb_grpc.SurveysServiceStub) -> None:
    issued = issue(stub, case(1), case(2))
    assert len(issued.invitations) == len(issued.links) == 4
    assert all(link.url.startswith("https://survey.example.gov.cn/s/") for link in issued.links)
    rows = list(csv.DictReader(io.StringIO(issued.links_csv.decode("utf-8-sig"))))
    assert [r["link"] for r in rows] == [link.url for link in issued.links]
    assert {r["rated_party_kind"] for r in rows} == {"consultancy", "review_agency"}
    assert rows[0]["enterprise_display_name"] == "东莞市示例1号五金制品有限公司"
    # Only hashes are stored: no token appears anywhere in the links table.
    tokens = {token_of(link.url) for link in issued.links}
    with Session(svc.ctx.engine) as s:
        stored = set(s.execute(select(col(InvitationLinkRow.token_sha256))).scalars())
    assert len(stored) == 4 and not stored & tokens
    # Issuing again for the same lot skips what exists.
    again = issue(stub, case(1), case(2), case(3))
    assert len(again.invitations) == 2 and len(again.skipped) == 4

    consultancy = next(
        link for inv, link in zip(issued.invitations, issued.links, strict=True)
        if inv.rated_party_kind == pb.RATED_PARTY_KIND_CONSULTANCY and inv.case == "lots/L1/cases/1"
    )  # fmt: skip
    token = token_of(consultancy.url)
    form = stub.OpenSurvey(pb.OpenSurveyRequest(token=token), metadata=md("enterprise"))
    assert "东莞市绿源清洁生产咨询有限公司" in form.intro_zh and "咨询服务" in form.intro_zh
    assert form.survey_template.name == "surveyTemplates/servqual-consultancy/versions/1"
    assert form.rated_party_kind == pb.RATED_PARTY_KIND_CONSULTANCY

    done = submit(stub, token)
    assert done.survey_template == "surveyTemplates/servqual-consultancy/versions/1"
    assert done.response == f"{consultancy.invitation}/response"
    err = error_of(
        stub.SubmitSurveyResponse,
        pb.SubmitSurveyResponseRequest(token=token, answers=answers()),
        metadata=PUBLIC,
    )
    assert (err.code, err.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "INVITATION_USED")
    err = error_of(stub.OpenSurvey, pb.OpenSurveyRequest(token=token), metadata=PUBLIC)
    assert err.reason == "INVITATION_USED"
    err = error_of(stub.OpenSurvey, pb.OpenSurveyRequest(token="not-a-real-token"), metadata=PUBLIC)
    assert (err.code, err.reason) == (grpc.StatusCode.NOT_FOUND, "INVITATION_NOT_FOUND")
    assert count(svc, ResponseRow) == 1
    got = stub.GetInvitation(pb.GetInvitationRequest(name=consultancy.invitation), metadata=AUTH)
    assert got.state == pb.INVITATION_STATE_RESPONDED and got.open_time.seconds > 0
    pending = stub.ListInvitations(
        pb.ListInvitationsRequest(lot="lots/L1", state=pb.INVITATION_STATE_PENDING), metadata=AUTH
    )
    assert len(pending.invitations) == 5


def test_expired_closed_and_unknown_store_nothing(svc: Running, stub: pb_grpc.SurveysServiceStub) -> None:
    issued = issue(stub, case(1), case(2), kinds=[pb.RATED_PARTY_KIND_CONSULTANCY])
    late, closed = (token_of(link.url) for link in issued.links)
    with Session(svc.ctx.engine) as s, s.begin():
        s.execute(
            update(InvitationRow)
            .where(InvitationRow.case_name == "lots/L1/cases/1")  # type: ignore[arg-type]
            .values(deadline=datetime.now(UTC) - timedelta(minutes=1))
        )
    err = error_of(
        stub.SubmitSurveyResponse,
        pb.SubmitSurveyResponseRequest(token=late, answers=answers()),
        metadata=PUBLIC,
    )
    assert (err.code, err.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "INVITATION_EXPIRED")
    closing = stub.CloseSurveyWindow(pb.CloseSurveyWindowRequest(lot="lots/L1"), metadata=AUTH)
    assert closing.closed_count == 2
    err = error_of(
        stub.SubmitSurveyResponse,
        pb.SubmitSurveyResponseRequest(token=closed, answers=answers()),
        metadata=PUBLIC,
    )
    assert (err.code, err.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "INVITATION_CLOSED")
    err = error_of(
        stub.SubmitSurveyResponse,
        pb.SubmitSurveyResponseRequest(token="x" * 43, answers=answers()),
        metadata=PUBLIC,
    )
    assert (err.code, err.reason) == (grpc.StatusCode.NOT_FOUND, "INVITATION_NOT_FOUND")
    err = error_of(
        stub.SubmitSurveyResponse, pb.SubmitSurveyResponseRequest(answers=answers()), metadata=PUBLIC
    )
    assert (err.code, err.violations[0].field) == (grpc.StatusCode.INVALID_ARGUMENT, "token")
    assert count(svc, ResponseRow) == 0


def test_every_item_validated_against_its_version(svc: Running, stub: pb_grpc.SurveysServiceStub) -> None:
    issued = issue(stub, case(1), kinds=[pb.RATED_PARTY_KIND_CONSULTANCY])
    token = token_of(issued.links[0].url)
    bad = answers(
        tan_1=pb.Answer(scale=6),
        overall=pb.Answer(text="满意"),
        hire_again=pb.Answer(scale=1),
        unknown_item=pb.Answer(scale=3),
    )
    del bad["quality_score"]
    err = error_of(
        stub.SubmitSurveyResponse, pb.SubmitSurveyResponseRequest(token=token, answers=bad), metadata=PUBLIC
    )
    assert (err.code, err.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ANSWERS")
    assert sorted((v.field, v.reason) for v in err.violations) == [
        ("answers.hire_again", "WRONG_TYPE"),
        ("answers.overall", "WRONG_TYPE"),
        ("answers.quality_score", "REQUIRED"),
        ("answers.tan_1", "OUT_OF_RANGE"),
        ("answers.unknown_item", "UNKNOWN_ITEM"),
    ]
    assert token not in err.message
    assert count(svc, ResponseRow) == 0
    assert submit(stub, token).survey_template.endswith("/versions/1")  # the invitation is still usable


def test_concurrent_submits_store_exactly_one(svc: Running, stub: pb_grpc.SurveysServiceStub) -> None:
    issued = issue(stub, case(1), kinds=[pb.RATED_PARTY_KIND_REVIEW_AGENCY])
    token = token_of(issued.links[0].url)
    request = pb.SubmitSurveyResponseRequest(token=token, answers=answers())
    barrier = threading.Barrier(8)

    def attempt(_: int) -> tuple[str, str]:
        barrier.wait()
        try:
            stub.SubmitSurveyResponse(request, metadata=PUBLIC)
            return ("OK", "")
        except grpc.RpcError as e:
            d = details_of(e)
            return (d.code.name, d.reason)

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(attempt, range(8)))
    assert outcomes.count(("OK", "")) == 1, outcomes
    assert all(o in {("OK", ""), ("FAILED_PRECONDITION", "INVITATION_USED")} for o in outcomes), outcomes
    assert count(svc, ResponseRow) == 1


def test_template_in_use_is_never_edited_in_place(svc: Running, stub: pb_grpc.SurveysServiceStub) -> None:
    base = stub.GetSurveyTemplate(
        pb.GetSurveyTemplateRequest(name="surveyTemplates/servqual-consultancy/versions/1"), metadata=AUTH
    )
    draft = pb.SurveyTemplate()
    draft.CopyFrom(base)
    created = stub.CreateSurveyTemplate(
        pb.CreateSurveyTemplateRequest(template_id="short-consultancy", survey_template=draft), metadata=AUTH
    )
    assert (created.name, created.in_use) == ("surveyTemplates/short-consultancy/versions/1", False)
    mask = field_mask_pb2.FieldMask(paths=["title_zh"])
    edited = stub.UpdateSurveyTemplate(
        pb.UpdateSurveyTemplateRequest(
            survey_template=pb.SurveyTemplate(name=created.name, title_zh="简版满意度调查"), update_mask=mask
        ),
        metadata=AUTH,
    )
    assert edited.title_zh == "简版满意度调查"  # unused: editable
    issued = stub.IssueInvitations(
        pb.IssueInvitationsRequest(
            cases=[case(1)],
            deadline=deadline(),
            rated_party_kinds=[pb.RATED_PARTY_KIND_CONSULTANCY],
            consultancy_template="surveyTemplates/short-consultancy",
        ),
        metadata=AUTH,
    )
    assert issued.invitations[0].survey_template == created.name
    err = error_of(
        stub.UpdateSurveyTemplate,
        pb.UpdateSurveyTemplateRequest(
            survey_template=pb.SurveyTemplate(name=created.name, title_zh="再改"), update_mask=mask
        ),
        metadata=AUTH,
    )
    assert (err.code, err.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "TEMPLATE_IN_USE")
    # A change is a new version; the invitation keeps citing version 1.
    draft.title_zh = "简版满意度调查（第二版）"
    del draft.items[-1]  # no free-text question any more
    v2 = stub.CreateSurveyTemplateVersion(
        pb.CreateSurveyTemplateVersionRequest(
            parent="surveyTemplates/short-consultancy", survey_template=draft
        ),
        metadata=AUTH,
    )
    assert (v2.version, v2.in_use) == (2, False)
    v1 = stub.GetSurveyTemplate(pb.GetSurveyTemplateRequest(name=created.name), metadata=AUTH)
    assert (v1.title_zh, v1.in_use, len(v1.items)) == ("简版满意度调查", True, len(base.items))
    done = submit(stub, token_of(issued.links[0].url))
    assert done.survey_template == created.name
    err = error_of(
        stub.CreateSurveyTemplate,
        pb.CreateSurveyTemplateRequest(template_id="short-consultancy", survey_template=draft),
        metadata=AUTH,
    )
    assert (err.code, err.reason) == (grpc.StatusCode.ALREADY_EXISTS, "TEMPLATE_EXISTS")


def test_aggregates_alpha_suppression_signals(svc: Running, stub: pb_grpc.SurveysServiceStub) -> None:
    cases = [case(i) for i in range(1, 6)] + [case(i, consultancy="consultancies/c2") for i in range(6, 8)]
    issued = issue(stub, *cases, kinds=[pb.RATED_PARTY_KIND_CONSULTANCY])
    tokens = {
        inv.case: token_of(link.url) for inv, link in zip(issued.invitations, issued.links, strict=True)
    }
    for i, tangibles in enumerate(ALPHA_DATA, start=1):
        stub.OpenSurvey(pb.OpenSurveyRequest(token=tokens[f"lots/L1/cases/{i}"]), metadata=PUBLIC)
        submit(stub, tokens[f"lots/L1/cases/{i}"], tangibles=tangibles, rest=i % 5 + 1)
    submit(stub, tokens["lots/L1/cases/6"], tangibles=(3, 3, 3), rest=3)  # straight-lined
    submit(stub, tokens["lots/L1/cases/7"], tangibles=(3, 3, 3), rest=3)  # …and the same pattern
    period = datetime.now(UTC).strftime("%Y")

    c1 = stub.GetPartyAggregate(
        pb.GetPartyAggregateRequest(rated_party="consultancies/c1", period=period), metadata=AUTH
    )
    assert (c1.invitations, c1.n, c1.suppressed) == (5, 4, False)
    assert c1.response_rate == pytest.approx(4 / 5)
    tan = next(d for d in c1.dimensions if d.dimension == "tangibles")
    assert tan.HasField("cronbach_alpha")
    assert tan.cronbach_alpha == pytest.approx(36 / 41)
    assert (tan.alpha_items, tan.alpha_n) == (3, 4)
    assert c1.service_quality_score.mean == 85 and c1.overall_satisfaction.n == 4
    assert c1.would_hire_again.mean == 1.0
    assert c1.signals.too_fast == 4  # opened and answered within seconds
    assert c1.survey_templates == ["surveyTemplates/servqual-consultancy/versions/1"]

    c2 = stub.GetPartyAggregate(
        pb.GetPartyAggregateRequest(rated_party="consultancies/c2", period=period), metadata=AUTH
    )
    assert (c2.n, c2.suppressed, c2.min_responses) == (2, True, 3)
    assert not c2.dimensions and not c2.HasField("service_quality_score")
    assert (c2.signals.straight_lining, c2.signals.duplicate_pattern, c2.signals.any) == (2, 2, 2)
    excluded = stub.GetPartyAggregate(
        pb.GetPartyAggregateRequest(rated_party="consultancies/c2", period=period, exclude_flagged=True),
        metadata=AUTH,
    )
    assert (excluded.n, excluded.excluded) == (0, 2)

    listed = stub.ListPartyAggregates(
        pb.ListPartyAggregatesRequest(
            rated_party_kind=pb.RATED_PARTY_KIND_CONSULTANCY, period=period, page_size=1
        ),
        metadata=md("service"),
    )
    assert [a.rated_party for a in listed.party_aggregates] == ["consultancies/c1"]
    assert listed.party_aggregates[0].service_quality_score.mean == 85
    rest = stub.ListPartyAggregates(
        pb.ListPartyAggregatesRequest(
            rated_party_kind=pb.RATED_PARTY_KIND_CONSULTANCY, period=period, page_token=listed.next_page_token
        ),
        metadata=md("service"),
    )
    assert [a.rated_party for a in rest.party_aggregates] == ["consultancies/c2"] and not rest.next_page_token
    # The rated party itself never reads answers or aggregates through this service.
    err = error_of(
        stub.GetPartyAggregate,
        pb.GetPartyAggregateRequest(rated_party="consultancies/c1", period=period),
        metadata=md("consultancy", org="consultancies/c1"),
    )
    assert (err.code, err.reason) == (grpc.StatusCode.PERMISSION_DENIED, "ROLE_NOT_ALLOWED")


def test_reminders_count_and_give_fresh_links(svc: Running, stub: pb_grpc.SurveysServiceStub) -> None:
    issued = issue(stub, case(1), case(2), kinds=[pb.RATED_PARTY_KIND_CONSULTANCY])
    submit(stub, token_of(issued.links[0].url))
    reminded = stub.RemindInvitations(pb.RemindInvitationsRequest(lot="lots/L1"), metadata=AUTH)
    assert [i.case for i in reminded.invitations] == ["lots/L1/cases/2"]
    assert reminded.invitations[0].reminder_count == 1
    fresh = token_of(reminded.links[0].url)
    assert fresh != token_of(issued.links[1].url)
    again = stub.RemindInvitations(
        pb.RemindInvitationsRequest(names=[reminded.invitations[0].name]), metadata=AUTH
    )
    assert again.invitations[0].reminder_count == 2
    submit(stub, fresh)
    err = error_of(
        stub.OpenSurvey, pb.OpenSurveyRequest(token=token_of(issued.links[1].url)), metadata=PUBLIC
    )
    assert err.reason == "INVITATION_USED"  # any link of an answered invitation is spent


def test_token_never_logged(
    svc: Running, stub: pb_grpc.SurveysServiceStub, capsys: pytest.CaptureFixture[str]
) -> None:
    issued = issue(stub, case(1), kinds=[pb.RATED_PARTY_KIND_CONSULTANCY])
    token = token_of(issued.links[0].url)
    with capture_logs() as logs:
        stub.OpenSurvey(pb.OpenSurveyRequest(token=token), metadata=PUBLIC)
        submit(stub, token)
        used = error_of(
            stub.SubmitSurveyResponse,
            pb.SubmitSurveyResponseRequest(token=token, answers=answers()),
            metadata=PUBLIC,
        )
        unknown = error_of(stub.OpenSurvey, pb.OpenSurveyRequest(token=token + "x"), metadata=PUBLIC)
    assert all(token not in repr(e) for e in (used, unknown))  # nor in what the caller is told
    rpc_lines = [e for e in logs if e.get("event") == "rpc"]
    assert len(rpc_lines) == 4  # the interceptor's canonical line was captured for every call
    assert {e["reason"] for e in rpc_lines} == {None, "INVITATION_USED", "INVITATION_NOT_FOUND"}
    assert token not in repr(logs)
    out = capsys.readouterr()
    assert token not in out.out and token not in out.err


def test_filters_that_no_name_can_match_are_refused(stub: pb_grpc.SurveysServiceStub) -> None:
    """NUL cannot reach PostgreSQL (it would fail there and not on SQLite): refused on both."""
    for call, request in (
        (stub.ListInvitations, pb.ListInvitationsRequest(lot="lots/\x00")),
        (stub.CloseSurveyWindow, pb.CloseSurveyWindowRequest(case="c\x00")),
        (stub.RemindInvitations, pb.RemindInvitationsRequest(lot="l\x00")),
        (stub.ListSurveyTemplates, pb.ListSurveyTemplatesRequest(template_id="\x00")),
        (stub.GetSurveyTemplate, pb.GetSurveyTemplateRequest(name="surveyTemplates/a\x00b/versions/1")),
        (stub.GetPartyAggregate, pb.GetPartyAggregateRequest(rated_party="c\x00", period="2026")),
    ):
        err = error_of(call, request, metadata=AUTH)
        assert err.code == grpc.StatusCode.INVALID_ARGUMENT, (call, err)
