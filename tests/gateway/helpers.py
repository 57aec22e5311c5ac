"""Helpers for the gateway tests: a stand-in assignment server, logins, CSRF tokens."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import grpc
import httpx
import pyotp
from google.protobuf import timestamp_pb2
from sqlalchemy import Engine

from dgcp.assignment.v1 import assignment_pb2 as apb
from dgcp.assignment.v1 import assignment_pb2_grpc as apb_grpc
from dgcp.surveys.v1 import surveys_pb2 as spb
from dgcp.surveys.v1 import surveys_pb2_grpc as spb_grpc
from gateway import accounts
from gateway.settings import GatewaySettings
from runtime import db
from runtime.resources import utcnow
from tests.support import md

AGENCY = "reviewAgencies/00000000-0000-7000-8000-000000000001"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class FakeCase:
    name: str
    panel: list[str]
    consultancy: str
    lot: str = "lots/00000000-0000-7000-8000-00000000000a"
    review_deadline: datetime | None = None
    enterprise_name: str = "东莞市示例五金制品有限公司（模拟）"
    consultancy_name: str = "东莞市示例环保科技有限公司（模拟）"
    seated_time: datetime | None = None

    def summary(self) -> apb.CaseSummary:
        return apb.CaseSummary(
            enterprise_display_name=self.enterprise_name,
            consultancy_display_name=self.consultancy_name,
            town="长安镇",
            industry_code="3360",
            lot_year=2026,
            lot_batch=1,
            lot_number=3,
        )


@dataclass
class FakeAssignment(apb_grpc.AssignmentServiceServicer):
    """Stands in for assignment: panels set by hand, so page tests need no draw.

    It answers what scoring asks (CheckPanelMembership) and what the reviewer
    pages ask (ListPanelSeats, GetCase, RecuseExpert, ListCases); it enforces no
    access rules: those are the real service's, tested in test_access_matrix.
    """

    cases: dict[str, FakeCase] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def FreezePanel(
        self, request: apb.FreezePanelRequest, context: grpc.ServicerContext
    ) -> apb.PanelMembership:
        # the real service freezes the panel against recusals; this stand-in has none to refuse
        answer = self.CheckPanelMembership(apb.CheckPanelMembershipRequest(case=request.case), context)
        answer.panel_frozen = True
        return answer

    def CheckPanelMembership(
        self, request: apb.CheckPanelMembershipRequest, context: grpc.ServicerContext
    ) -> apb.PanelMembership:
        case = self.cases.get(request.case)
        if case is None:
            context.abort(grpc.StatusCode.NOT_FOUND, "no such case")
            raise AssertionError("abort raises")
        return apb.PanelMembership(
            case=case.name,
            expert=request.expert,
            member=request.expert in case.panel,
            stage=apb.CASE_STAGE_EVALUATION,
            track=apb.CASE_TRACK_STANDARD,
            consultancy=case.consultancy,
            review_agency=AGENCY,
            panel=case.panel,
        )

    def ListPanelSeats(
        self, request: apb.ListPanelSeatsRequest, context: grpc.ServicerContext
    ) -> apb.ListPanelSeatsResponse:
        with self.lock:
            mine = [c for c in self.cases.values() if request.expert in c.panel]
        return apb.ListPanelSeatsResponse(
            seats=[
                apb.PanelSeat(
                    case=c.name,
                    expert=request.expert,
                    lot=c.lot,
                    active=True,
                    review_deadline=_timestamp(c.review_deadline),
                    summary=c.summary(),
                    seated_time=_timestamp(c.seated_time),
                    stage=apb.CASE_STAGE_EVALUATION,
                    track=apb.CASE_TRACK_STANDARD,
                )
                for c in mine
            ]
        )

    def ListCases(
        self, request: apb.ListCasesRequest, context: grpc.ServicerContext
    ) -> apb.ListCasesResponse:
        """One page of ``page_size`` in name order; the token is the last name shown."""
        with self.lock:
            found = sorted(
                (
                    c
                    for c in self.cases.values()
                    if request.parent in ("lots/-", c.lot)
                    and request.consultancy in ("", c.consultancy)
                    and c.name > request.page_token
                ),
                key=lambda c: c.name,
            )
        page = found[: request.page_size or 50]
        more = len(found) > len(page)
        return apb.ListCasesResponse(
            cases=[
                apb.Case(
                    name=c.name,
                    lot=c.lot,
                    consultancy=c.consultancy,
                    stage=apb.CASE_STAGE_EVALUATION,
                    track=apb.CASE_TRACK_FAST,
                    summary=c.summary(),
                )
                for c in page
            ],
            next_page_token=page[-1].name if more else "",
        )

    def GetCase(self, request: apb.GetCaseRequest, context: grpc.ServicerContext) -> apb.Case:
        case = self.cases.get(request.name)
        if case is None:
            context.abort(grpc.StatusCode.NOT_FOUND, "no such case")
            raise AssertionError("abort raises")
        return apb.Case(
            name=case.name,
            lot=case.lot,
            consultancy=case.consultancy,
            stage=apb.CASE_STAGE_EVALUATION,
            track=apb.CASE_TRACK_STANDARD,
            panel=case.panel,
            summary=case.summary(),
        )

    def ListConsultancies(
        self, request: apb.ListConsultanciesRequest, context: grpc.ServicerContext
    ) -> apb.ListConsultanciesResponse:
        """Every consultancy of a case, by name (what the bulletin names firms with)."""
        with self.lock:
            firms = {c.consultancy: c.consultancy_name for c in self.cases.values()}
        return apb.ListConsultanciesResponse(
            consultancies=[
                apb.Consultancy(name=n, display_name=d, credit_code="91441900MA4X000000")
                for n, d in sorted(firms.items())
            ]
        )

    def ListReviewAgencies(
        self, request: apb.ListReviewAgenciesRequest, context: grpc.ServicerContext
    ) -> apb.ListReviewAgenciesResponse:
        return apb.ListReviewAgenciesResponse(
            review_agencies=[
                apb.ReviewAgency(
                    name=AGENCY,
                    display_name="东莞市示例评审技术服务中心（模拟）",
                    credit_code="12441900MB0000000X",
                )
            ]
        )

    def ListEnterprises(
        self, request: apb.ListEnterprisesRequest, context: grpc.ServicerContext
    ) -> apb.ListEnterprisesResponse:
        return apb.ListEnterprisesResponse()

    def RecuseExpert(self, request: apb.RecuseExpertRequest, context: grpc.ServicerContext) -> apb.Amendment:
        with self.lock:
            case = self.cases[request.case]
            case.panel = [e for e in case.panel if e != request.expert]
        return apb.Amendment()

    def add(
        self,
        panel: list[str],
        *,
        consultancy: str = "",
        lot: str = FakeCase.lot,
        review_deadline: datetime | None = None,
        enterprise_name: str = FakeCase.enterprise_name,
        seated_time: datetime | None = None,
    ) -> FakeCase:
        case = FakeCase(
            f"cases/{uuid.uuid4()}",
            panel,
            consultancy or f"consultancies/{uuid.uuid4()}",
            lot,
            review_deadline,
            enterprise_name=enterprise_name,
            seated_time=seated_time,
        )
        with self.lock:
            self.cases[case.name] = case
        return case


def _timestamp(value: datetime | None) -> timestamp_pb2.Timestamp | None:
    if value is None:
        return None
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(value)
    return ts


@contextmanager
def fake_assignment() -> Iterator[tuple[FakeAssignment, str]]:
    fake = FakeAssignment()
    server = grpc.server(futures.ThreadPoolExecutor(4))
    apb_grpc.add_AssignmentServiceServicer_to_server(fake, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield fake, f"127.0.0.1:{port}"
    finally:
        server.stop(0)


def csrf_of(html: str) -> str:
    m = _CSRF.search(html)
    assert m, "page has no CSRF token"
    return m.group(1)


def gateway_engine(settings: GatewaySettings) -> Engine:
    return db.create_engine_for(settings.db_settings())


def new_account(settings: GatewaySettings, role: str, subject: str) -> tuple[str, str]:
    """(username, activation path) — what the authority's CLI prints."""
    engine = gateway_engine(settings)
    try:
        username = f"{role}-{uuid.uuid4().hex[:8]}"
        _, token = accounts.create_account(
            engine, settings, username=username, role=role, subject=subject, display_name=username
        )
    finally:
        engine.dispose()
    return username, f"/activate/{token}"


PASSWORD = "correct horse battery staple"
# Cheap argon2id parameters for tests only (the defaults cost ~0.1 s per hash on purpose).
FAST_HASH: dict[str, int] = {"argon2_time_cost": 1, "argon2_memory_kib": 8 * 1024, "argon2_parallelism": 1}


def activate(client: httpx.Client, path: str, password: str = PASSWORD) -> httpx.Response:
    page = client.get(path)
    assert page.status_code == 200, page.text
    return client.post(
        path, data={"csrf_token": csrf_of(page.text), "password": password, "password2": password}
    )


def login(client: httpx.Client, username: str, password: str = PASSWORD) -> httpx.Response:
    page = client.get("/login")
    return client.post(
        "/login", data={"csrf_token": csrf_of(page.text), "username": username, "password": password}
    )


def logged_in(base_url: str, settings: GatewaySettings, role: str, subject: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, follow_redirects=False, timeout=10)
    username, path = new_account(settings, role, subject)
    assert activate(client, path).status_code == 200
    r = login(client, username)
    assert r.status_code == 303, r.text
    if r.headers["location"] == "/login/second-factor":  # authority: enrol the second factor
        complete_second_factor(client)
    return client


_TOTP_SECRET = re.compile(r'id="totp-secret">([A-Z2-7 ]+)<')


def complete_second_factor(client: httpx.Client) -> list[str]:
    """Enrol a pending authority session's TOTP as a holder would; returns the recovery codes."""
    page = client.get("/login/second-factor")
    m = _TOTP_SECRET.search(page.text)
    assert m, page.text
    code = pyotp.TOTP(m.group(1).replace(" ", "")).now()
    r = client.post("/login/second-factor", data={"csrf_token": csrf_of(page.text), "code": code})
    assert r.status_code == 200, r.text
    return re.findall(r"<code>([a-z2-7-]{19})</code>", r.text)


def issue_link(channel: grpc.Channel) -> str:
    """A fresh single-use survey link, issued by the authority over gRPC; returns its path."""
    stub = spb_grpc.SurveysServiceStub(channel)
    deadline = timestamp_pb2.Timestamp()
    deadline.FromDatetime(utcnow() + timedelta(days=7))
    case = f"lots/{uuid.uuid4()}/cases/{uuid.uuid4()}"
    resp = stub.IssueInvitations(
        spb.IssueInvitationsRequest(
            cases=[
                spb.CaseFacts(
                    case=case,
                    case_display_name="评估 · 示例",
                    enterprise=f"enterprises/{uuid.uuid4()}",
                    enterprise_display_name="东莞市示例五金制品有限公司",
                    consultancy=f"consultancies/{uuid.uuid4()}",
                    consultancy_display_name="示例环保科技有限公司",
                )
            ],
            deadline=deadline,
            rated_party_kinds=[spb.RATED_PARTY_KIND_CONSULTANCY],
        ),
        metadata=md("authority"),
    )
    return "/s/" + resp.links[0].url.rsplit("/s/", 1)[1]
