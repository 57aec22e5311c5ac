"""Each service's messages end to end: the real service writes its outbox, the worker sends to a real
SMTP server process, and the test reads what arrived (recipient, subject, body, the link) and
checks that no message carries a secret beyond the one link meant for its recipient."""

from __future__ import annotations

import os
import random
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import grpc
import numpy as np
import pytest
from google.protobuf import timestamp_pb2
from sqlalchemy import select

from dgcp.assignment.v1 import assignment_pb2 as apb
from dgcp.assignment.v1 import assignment_pb2_grpc as apb_grpc
from dgcp.scoring.v1 import standings_pb2 as spb
from dgcp.surveys.v1 import surveys_pb2 as vpb
from dgcp.surveys.v1 import surveys_pb2_grpc as vpb_grpc
from runtime import config, db, metrics
from runtime.notify import pending_count
from runtime.notify.settings import NotifySettings
from runtime.notify.worker import DeliveryWorker
from services.assignment import creditcode
from services.assignment import notices as assignment_notices
from services.assignment.app import APP as ASSIGNMENT
from services.assignment.models import outbox as assignment_outbox
from services.scoring import notices as scoring_notices
from services.scoring.models import outbox as scoring_outbox
from services.scoring.standings.models import flags
from services.surveys.app import APP as SURVEYS
from services.surveys.models import outbox as surveys_outbox
from tests.notify.conftest import SmtpSink
from tests.support import Running, error_of, md, running

AUTH = md("authority")
_rng = random.Random(11)
TOKEN_IN_LINK = re.compile(r"/(?:s|activate)/([A-Za-z0-9_-]{20,})")


def _deliver(engine, table, port: int) -> int:  # type: ignore[no-untyped-def]
    settings = NotifySettings(smtp_host="127.0.0.1", smtp_port=port, smtp_security="none",
                              smtp_from="noreply@dgcp.example.gov.cn", backoff_seconds=0)  # fmt: skip
    return DeliveryWorker(engine, table, settings, service="test").run_once()["sent"]


def _by_recipient(arrived: list[tuple[dict[str, object], EmailMessage]]) -> dict[str, list[EmailMessage]]:
    out: dict[str, list[EmailMessage]] = {}
    for envelope, msg in arrived:
        [to] = envelope["to"]  # type: ignore[misc]
        out.setdefault(str(to), []).append(msg)
    return out


def _no_secrets(msg: EmailMessage, allowed_token: str | None) -> None:
    text = f"{msg.as_string()}\n{msg.get_content()}"
    assert os.environ["DGCP_JWT_SECRET"] not in text
    tokens = set(TOKEN_IN_LINK.findall(msg.get_content()))
    assert tokens == ({allowed_token} if allowed_token else set()), tokens


# --- assignment: panel seats ----------------------------------------------------------------------


@pytest.fixture
def assignment(db_url_factory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Running]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DGCP_PUBLIC_BASE_URL", "https://dgcp.example.gov.cn")
    url, schema = db_url_factory("assignment")
    with running(ASSIGNMENT, database_url=url, schema=schema) as s:
        yield s


def test_each_drawn_expert_is_told_their_seats_once(assignment: Running, smtp_sink: SmtpSink) -> None:
    stub = apb_grpc.AssignmentServiceStub(assignment.channel())
    agency = stub.CreateReviewAgency(
        apb.CreateReviewAgencyRequest(
            review_agency=apb.ReviewAgency(credit_code=creditcode.synthesize(_rng), display_name="评审中心")
        ),
        metadata=AUTH,
    ).name
    firm = stub.CreateConsultancy(
        apb.CreateConsultancyRequest(
            consultancy=apb.Consultancy(credit_code=creditcode.synthesize(_rng), display_name="绿源咨询")
        ),
        metadata=AUTH,
    ).name
    err = error_of(
        stub.CreateExpert,
        apb.CreateExpertRequest(
            expert=apb.Expert(
                display_name="王五",
                employer_name="甲",
                employer_credit_code=creditcode.synthesize(_rng),
                specialties=["3360"],
                contact=apb.Contact(email="wang wu@example.cn"),
            )
        ),
        metadata=AUTH,
    )
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT and "expert.contact.email" in {
        v.field for v in err.violations
    }
    experts = {}
    for i in range(7):
        email = f"expert{i}@example.cn" if i else ""  # the first has no address: not written to
        e = stub.CreateExpert(
            apb.CreateExpertRequest(
                expert=apb.Expert(
                    display_name=f"专家{i}",
                    employer_name=f"单位{i}",
                    employer_credit_code=creditcode.synthesize(_rng),
                    specialties=["3360"],
                    contact=apb.Contact(email=email, phone="0769-2283 0000"),
                )
            ),
            metadata=AUTH,
        )
        assert e.contact.email == email
        experts[e.name] = e
    due = timestamp_pb2.Timestamp()
    due.FromDatetime(datetime(2026, 12, 31, 9, 30, tzinfo=UTC))
    lot = stub.CreateLot(
        apb.CreateLotRequest(
            lot=apb.Lot(
                year=2026, batch=3, lot_number=2, review_agency=agency, review_deadline=due,
                standard_rules=apb.PanelRules(panel_size=3, probability_cap=1),
            )
        ),
        metadata=AUTH,
    )  # fmt: skip
    names = ["东莞市长安五金制品有限公司", "东莞市塘厦电子有限公司"]
    for name in names:
        ent = stub.CreateEnterprise(
            apb.CreateEnterpriseRequest(
                enterprise=apb.Enterprise(
                    credit_code=creditcode.synthesize(_rng), display_name=name, town="长安镇",
                    industry_code="3360", audit_category=apb.AUDIT_CATEGORY_DOUBLE_HAZARD,
                    contact=apb.Contact(person="李华", email="li.hua@example.cn"),
                )
            ),
            metadata=AUTH,
        )  # fmt: skip
        assert ent.contact.email == "li.hua@example.cn"
        stub.CreateCase(
            apb.CreateCaseRequest(
                parent=lot.name,
                case=apb.Case(enterprise=ent.name, consultancy=firm, stage=apb.CASE_STAGE_EVALUATION,
                              track=apb.CASE_TRACK_STANDARD),
            ),
            metadata=AUTH,
        )  # fmt: skip
    port = smtp_sink.start()
    draw = stub.DrawPanels(apb.DrawPanelsRequest(lot=lot.name, seed="42"), metadata=AUTH)
    seats = stub.ListPanelSeats(apb.ListPanelSeatsRequest(lot=lot.name), metadata=AUTH).seats
    seated = {s.expert for s in seats}
    with_email = {e for e in seated if experts[e].contact.email}
    engine = assignment.ctx.engine
    assert pending_count(engine, assignment_outbox) == len(with_email)
    assert _deliver(engine, assignment_outbox, port) == len(with_email)
    got = _by_recipient(smtp_sink.messages(len(with_email)))
    assert set(got) == {experts[e].contact.email for e in with_email}
    for expert in with_email:
        [msg] = got[experts[expert].contact.email]
        body = msg.get_content()
        assert msg["Subject"] == "评审任务通知：2026年第3批第2标段 / Review assignment: 2026 batch 3, lot 2"
        own = sum(1 for s in seats if s.expert == expert)
        assert f"{experts[expert].display_name}专家" in body and f"以下 {own} 个案件" in body
        assert sum(name in body for name in names) == own
        assert "2026年12月31日 17:30（北京时间）" in body and "31 December 2026 17:30 (Beijing time)" in body
        assert "https://dgcp.example.gov.cn/reviewer" in body
        _no_secrets(msg, None)

    # A recusal tells the one expert drawn into the seat, once, even when the call is retried.
    leaving = next(iter(with_email))
    case = next(s.case for s in seats if s.expert == leaving)
    request = apb.RecuseExpertRequest(case=case, expert=leaving, reason="曾为该企业提供咨询", request_id="r1")
    amend = stub.RecuseExpert(request, metadata=AUTH)
    stub.RecuseExpert(request, metadata=AUTH)
    amended = 1 if experts[amend.added_expert].contact.email else 0
    assert _deliver(engine, assignment_outbox, port) == amended
    assert draw.name and pending_count(engine, assignment_outbox) == 0

    # Two days before the deadline, each expert with a seat on a case whose panel has not locked
    # is reminded once, naming those cases; the experts of a locked (frozen) case are not.
    seats = stub.ListPanelSeats(apb.ListPanelSeatsRequest(lot=lot.name), metadata=AUTH).seats
    panels: dict[str, list[str]] = {}
    for s in seats:
        panels.setdefault(s.case, []).append(s.expert)
    locked_case, open_case = sorted(panels)
    stub.FreezePanel(
        apb.FreezePanelRequest(case=locked_case, expected_panel=sorted(panels[locked_case])), metadata=AUTH
    )
    early, late = datetime(2026, 12, 20, tzinfo=UTC), datetime(2026, 12, 30, 12, tzinfo=UTC)
    lead = timedelta(days=2)
    assert assignment_notices.remind_reviewers(engine, lead=lead, now=early) == 0  # not yet due
    reminded = {e for e in panels[open_case] if experts[e].contact.email}
    assert assignment_notices.remind_reviewers(engine, lead=lead, now=late) == len(reminded)
    assert assignment_notices.remind_reviewers(engine, lead=lead, now=late) == 0  # once per lot
    assert _deliver(engine, assignment_outbox, port) == len(reminded)
    got = _by_recipient(smtp_sink.messages(len(with_email) + 1 + len(reminded))[-len(reminded) :])
    assert set(got) == {experts[e].contact.email for e in reminded}
    for msg in (m for ms in got.values() for m in ms):
        assert (
            msg["Subject"]
            == "评审截止提醒：2026年第3批第2标段 / Review deadline reminder: 2026 batch 3, lot 2"
        )
        assert (
            "2026年12月31日 17:30（北京时间）" in msg.get_content() and "以下 1 个案件" in msg.get_content()
        )
        _no_secrets(msg, None)
    after = datetime(2027, 1, 1, tzinfo=UTC)
    assert assignment_notices.remind_reviewers(engine, lead=lead, now=after) == 0  # past the deadline


# --- surveys: links to enterprises ----------------------------------------------------------------


@pytest.fixture
def surveys(db_url_factory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Running]:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("DGCP_PUBLIC_BASE_URL", raising=False)
    monkeypatch.setenv("DGCP_GATEWAY_PORT", "18443")  # the default base follows the gateway's port
    url, schema = db_url_factory("surveys")
    with running(SURVEYS, database_url=url, schema=schema) as s:
        yield s


def _facts(n: int, email: str) -> vpb.CaseFacts:
    return vpb.CaseFacts(
        case=f"cases/{n}", case_display_name=f"2026年第三批第{n}号", lot="lots/L1",
        enterprise=f"enterprises/e{n}", enterprise_display_name=f"东莞市示例{n}号五金制品有限公司",
        enterprise_email=email, consultancy="consultancies/c1", consultancy_display_name="绿源清洁生产咨询",
        review_agency="reviewAgencies/a1", review_agency_display_name="广东某评审技术服务中心",
    )  # fmt: skip


def test_each_enterprise_gets_its_own_links_and_no_other(surveys: Running, smtp_sink: SmtpSink) -> None:
    assert config.public_base_url() == "http://127.0.0.1:18443"
    stub = vpb_grpc.SurveysServiceStub(surveys.channel())
    deadline = timestamp_pb2.Timestamp()
    deadline.FromDatetime(datetime.now(UTC) + timedelta(days=14))
    err = error_of(
        stub.IssueInvitations,
        vpb.IssueInvitationsRequest(cases=[_facts(9, "not-an-address")], deadline=deadline),
        metadata=AUTH,
    )
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT and "cases[0].enterprise_email" in {
        v.field for v in err.violations
    }
    issued = stub.IssueInvitations(
        vpb.IssueInvitationsRequest(
            cases=[_facts(1, "one@example.cn"), _facts(2, "two@example.cn"), _facts(3, "")], deadline=deadline
        ),
        metadata=AUTH,
    )
    link_of = {link.invitation: link.url for link in issued.links}
    assert all(u.startswith("http://127.0.0.1:18443/s/") for u in link_of.values())
    engine = surveys.ctx.engine
    with db.read_transaction(engine) as s:
        stored = " ".join(str(v) for row in s.execute(select(surveys_outbox)).all() for v in row)
    assert not any(u.rsplit("/", 1)[1] in stored for u in link_of.values())  # sealed, never in clear

    assert metrics.REGISTRY.get_sample_value("dgcp_outbox_depth", {"service": "surveys"}) == 4
    port = smtp_sink.start()
    assert _deliver(engine, surveys_outbox, port) == 4
    assert metrics.REGISTRY.get_sample_value("dgcp_outbox_depth", {"service": "surveys"}) == 0
    got = _by_recipient(smtp_sink.messages(4))
    assert sorted(got) == ["one@example.cn", "two@example.cn"]
    for inv in issued.invitations:
        if inv.enterprise == "enterprises/e3":
            continue
        address = {"enterprises/e1": "one@example.cn", "enterprises/e2": "two@example.cn"}[inv.enterprise]
        url = link_of[inv.name]
        [msg] = [m for m in got[address] if url in m.get_content()]
        assert inv.rated_party_display_name in msg["Subject"] and "满意度评价邀请" in msg["Subject"]
        assert inv.enterprise_display_name in msg.get_content() and "请勿转发" in msg.get_content()
        _no_secrets(msg, url.rsplit("/s/", 1)[1])

    # A reminder gives a fresh link, mailed once.
    reminded = stub.RemindInvitations(vpb.RemindInvitationsRequest(lot="lots/L1"), metadata=AUTH)
    assert len(reminded.links) == 6
    assert _deliver(engine, surveys_outbox, port) == 4
    fresh = smtp_sink.messages(8)[4:]
    fresh_urls = {link.url for link in reminded.links}
    for _, msg in fresh:
        assert msg["Subject"].startswith("（提醒）")
        [token] = set(TOKEN_IN_LINK.findall(msg.get_content()))
        assert any(u.endswith(token) for u in fresh_urls)
        _no_secrets(msg, token)


# --- scoring: notices to the consultancy ----------------------------------------------------------


def test_consultancy_hears_of_a_proposed_notice_a_reminder_and_the_decision(
    db_url_factory, smtp_sink: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from tests.ranking import test_standings_service as world

    monkeypatch.setenv("DGCP_PUBLIC_BASE_URL", "https://dgcp.example.gov.cn")

    class Registry(world.FakeAssignment):
        def GetConsultancy(
            self, request: apb.GetConsultancyRequest, context: grpc.ServicerContext
        ) -> apb.Consultancy:
            return apb.Consultancy(
                name=request.name,
                display_name=self.names.get(request.name, ""),
                contact=apb.Contact(email="quality@lvyuan.example.cn"),
            )

    fake = Registry()
    a_server, a_addr = world._serve(apb_grpc.add_AssignmentServiceServicer_to_server, fake)
    s_server, s_addr = world._serve(vpb_grpc.add_SurveysServiceServicer_to_server, world.FakeSurveys())
    url, schema = db_url_factory("scoring")
    try:
        with running(world.APP, database_url=url, schema=schema,
                     peers={"assignment": a_addr, "surveys": s_addr}) as svc:  # fmt: skip
            ch = svc.channel()
            standings = world.pb_grpc.StandingsServiceStub(ch)
            scoring = world.spb_grpc.ScoringServiceStub(ch)
            st = world.Stack(svc, fake, world.FakeSurveys(), standings, scoring, standings)
            when = datetime(2026, 10, 15, 4, tzinfo=UTC)
            rng = np.random.default_rng(3)
            good = [f"consultancies/{uuid.uuid4()}" for _ in range(6)]
            bad = f"consultancies/{uuid.uuid4()}"
            fake.names[bad] = "东莞市绿源环保科技有限公司"
            for i, firm in enumerate(good):
                for _ in range(4):
                    base = 80 + 2 * i + rng.normal(0, 2)
                    world.run_case(st, firm, [base + 1, base - 1], when, rating=4)
            for _ in range(10):  # a notice needs at least 10 reports (ranking README)
                world.run_case(st, bad, [56 + rng.normal(0, 2), 58 + rng.normal(0, 2)], when, rating=2)
            st.standings.ComputeStandings(spb.ComputeStandingsRequest(period="2026-10"), metadata=AUTH)
            st.standings.ScoreFlags(spb.ScoreFlagsRequest(period="2026-10"), metadata=AUTH)
            st.standings.ScoreFlags(spb.ScoreFlagsRequest(period="2026-10"), metadata=AUTH)  # again: no twin
            engine = svc.ctx.engine
            port = smtp_sink.start()
            assert _deliver(engine, scoring_outbox, port) == 1
            [(envelope, msg)] = smtp_sink.messages(1)
            assert envelope["to"] == ["quality@lvyuan.example.cn"]
            assert (
                msg["Subject"]
                == "拟通报告知：2026年10月技术服务质量 / Proposed notice: service quality, October 2026"
            )
            body = msg.get_content()
            assert "东莞市绿源环保科技有限公司：" in body and "合格线" in body and "pass line" in body
            assert "https://dgcp.example.gov.cn/consultancy?period=2026-10" in body
            _no_secrets(msg, None)

            flag = st.standings.ListFlags(
                spb.ListFlagsRequest(period="2026-10", consultancy=bad), metadata=AUTH
            ).flags[0]
            deadline = flag.statement_deadline.ToDatetime(tzinfo=UTC)
            lead = timedelta(days=3)
            contacts = scoring_notices.contacts_fetch(svc.ctx)
            due = scoring_notices.DueProcessConfig()
            early = deadline - timedelta(days=5)
            assert (
                scoring_notices.remind_statements(engine, due=due, contacts=contacts, lead=lead, now=early)
                == 0
            )
            late = deadline - timedelta(days=1)
            assert (
                scoring_notices.remind_statements(engine, due=due, contacts=contacts, lead=lead, now=late)
                == 1
            )
            assert (
                scoring_notices.remind_statements(engine, due=due, contacts=contacts, lead=lead, now=late)
                == 0
            )
            assert _deliver(engine, scoring_outbox, port) == 1
            reminder = smtp_sink.messages(2)[1][1]
            assert reminder["Subject"].startswith("提醒：陈述意见截止时间")

            with db.transaction(engine) as s:  # the statement window has closed
                s.execute(
                    world.update(flags)
                    .where(flags.c.consultancy == bad)
                    .values(proposed_time=datetime.now(UTC) - timedelta(days=30))
                )
            st.standings.RejectNotice(
                spb.RejectNoticeRequest(name=flag.name, reason="抽查后确认报告质量已达标。"), metadata=AUTH
            )
            assert _deliver(engine, scoring_outbox, port) == 1
            decision = smtp_sink.messages(3)[2][1]
            assert (
                decision["Subject"] == "通报决定：2026年10月 / Decision on the proposed notice: October 2026"
            )
            assert "决定不予通报" in decision.get_content()
            assert "抽查后确认报告质量已达标。" in decision.get_content()
    finally:
        a_server.stop(0)
        s_server.stop(0)


# --- gateway: activation links --------------------------------------------------------------------


def test_activation_link_reaches_the_account_holder_and_works(
    tmp_path, smtp_sink: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from gateway import accounts
    from gateway.app import MIGRATIONS
    from gateway.models import metadata
    from gateway.models import outbox as gateway_outbox
    from gateway.settings import GatewaySettings
    from tests.gateway.helpers import FAST_HASH

    monkeypatch.delenv("DGCP_PUBLIC_BASE_URL", raising=False)
    monkeypatch.setenv("DGCP_GATEWAY_PORT", "18080")
    settings = GatewaySettings(database_url=f"sqlite:///{tmp_path}/gw.db", **FAST_HASH)  # type: ignore[arg-type]
    engine = db.create_engine_for(settings.db_settings())
    db.migrate(engine, settings.schema, MIGRATIONS, metadata)
    ident, token = accounts.create_account(
        engine, settings, username="zhang.san", role="authority", subject="authority/users/zhang",
        display_name="张三", email="zhang.san@dgcp.example.gov.cn",
    )  # fmt: skip
    accounts.create_account(engine, settings, username="no.mail", role="reviewer", subject="experts/x")
    port = smtp_sink.start()
    assert _deliver(engine, gateway_outbox, port) == 1
    [(envelope, msg)] = smtp_sink.messages(1)
    assert envelope["to"] == ["zhang.san@dgcp.example.gov.cn"]
    assert msg["Subject"] == "设置平台登录密码 / Set your password"
    body = msg.get_content()
    assert f"http://127.0.0.1:18080/activate/{token}" in body and "zhang.san" in body and "张三" in body
    _no_secrets(msg, token)
    assert accounts.activation_account(engine, token) == ident  # the mailed link is the live one

    again = accounts.reissue_activation(engine, settings, username="zhang.san")
    assert _deliver(engine, gateway_outbox, port) == 1
    second = smtp_sink.messages(2)[1][1]
    assert "重新签发" in second.get_content()
    _no_secrets(second, again)
    engine.dispose()
