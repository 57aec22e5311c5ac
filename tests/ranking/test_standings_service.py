"""Standings, flags, due process and bulletins through real gRPC servers.

The scoring service runs for real (SQLite and PostgreSQL); panel membership and survey aggregates
come from stand-in assignment and surveys servers on loopback ports. Scores, locks and ratings go
through scoring's public API; only the lock time is moved back into the simulated month (the test
cannot wait a year).
"""

from __future__ import annotations

import io
import json
import threading
import uuid
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import grpc
import jsonschema
import numpy as np
import pypdf
import pytest
from google.protobuf import timestamp_pb2
from scipy.stats import spearmanr
from sqlalchemy import update

from dgcp.assignment.v1 import assignment_pb2 as apb
from dgcp.assignment.v1 import assignment_pb2_grpc as apb_grpc
from dgcp.scoring.v1 import scoring_pb2 as spb
from dgcp.scoring.v1 import scoring_pb2_grpc as spb_grpc
from dgcp.scoring.v1 import standings_pb2 as pb
from dgcp.scoring.v1 import standings_pb2_grpc as pb_grpc
from dgcp.surveys.v1 import surveys_pb2 as vpb
from dgcp.surveys.v1 import surveys_pb2_grpc as vpb_grpc
from runtime.db import transaction
from runtime.errors import details_of
from runtime.resources import encode_page_token
from services.scoring.app import APP
from services.scoring.bulletin.render import bulletin_schema
from services.scoring.models import cases
from services.scoring.rubrics import ACCEPTANCE_STANDARD, EVALUATION_STANDARD, Rubric
from services.scoring.standings.models import bulletin_files
from tests.support import Running, error_of, md, running

AUTH = md("authority")
AGENCY = "reviewAgencies/00000000-0000-7000-8000-0000000000a1"


def credit_code(name: str) -> str:
    """A stable 18-character code per resource (shape only; the registry checks real ones)."""
    digits = "".join(c for c in uuid.uuid5(uuid.NAMESPACE_URL, name).hex if c.isdigit())
    return ("91441900" + digits + "0" * 10)[:18]


@dataclass
class FakeAssignment(apb_grpc.AssignmentServiceServicer):
    panels: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # case -> (consultancy, panel)
    names: dict[str, str] = field(default_factory=dict)
    enterprises: dict[str, tuple[str, int]] = field(default_factory=dict)  # case -> (enterprise, stage)
    lock: threading.Lock = field(default_factory=threading.Lock)
    registry_down: bool = False
    places: dict[str, tuple[str, str]] = field(default_factory=dict)  # enterprise -> (town, industry)

    def ListConsultancies(
        self, request: apb.ListConsultanciesRequest, context: grpc.ServicerContext
    ) -> apb.ListConsultanciesResponse:
        if self.registry_down:
            context.abort(grpc.StatusCode.UNAVAILABLE, "registry down")
        known = dict(self.names)
        for consultancy, _ in self.panels.values():  # every firm that has a case is registered
            known.setdefault(consultancy, f"东莞市测试{len(known):03d}环保科技有限公司")
        return apb.ListConsultanciesResponse(
            consultancies=[
                apb.Consultancy(name=k, display_name=v, credit_code=credit_code(k)) for k, v in known.items()
            ]
        )

    def ListReviewAgencies(
        self, request: apb.ListReviewAgenciesRequest, context: grpc.ServicerContext
    ) -> apb.ListReviewAgenciesResponse:
        return apb.ListReviewAgenciesResponse(
            review_agencies=[
                apb.ReviewAgency(
                    name=AGENCY, display_name="广东某某评估咨询有限公司", credit_code=credit_code(AGENCY)
                )
            ]
        )

    def ListEnterprises(
        self, request: apb.ListEnterprisesRequest, context: grpc.ServicerContext
    ) -> apb.ListEnterprisesResponse:
        return apb.ListEnterprisesResponse(
            enterprises=[
                apb.Enterprise(name=k, display_name=k, town=town, industry_code=code)
                for k, (town, code) in self.places.items()
            ]
        )

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
        consultancy, panel = self.panels[request.case]
        enterprise, stage = self.enterprises.get(request.case, ("", apb.CASE_STAGE_EVALUATION))
        return apb.PanelMembership(
            case=request.case,
            expert=request.expert,
            member=request.expert in panel,
            enterprise=enterprise,
            stage=stage,  # type: ignore[arg-type]
            track=apb.CASE_TRACK_STANDARD,
            consultancy=consultancy,
            review_agency=AGENCY,
            panel=panel,
        )


@dataclass
class FakeSurveys(vpb_grpc.SurveysServiceServicer):
    """Monthly service-quality aggregates per consultancy (0-100), as the surveys service publishes."""

    by_month: dict[str, list[vpb.PartyAggregate]] = field(default_factory=dict)

    def ListPartyAggregates(
        self, request: vpb.ListPartyAggregatesRequest, context: grpc.ServicerContext
    ) -> vpb.ListPartyAggregatesResponse:
        rows = [
            a for a in self.by_month.get(request.period, []) if a.rated_party_kind == request.rated_party_kind
        ]
        return vpb.ListPartyAggregatesResponse(party_aggregates=rows)

    def add(self, party: str, period: str, mean: float, n: int = 4, half_width: float = 8.0) -> None:
        self.by_month.setdefault(period, []).append(
            vpb.PartyAggregate(
                rated_party=party,
                rated_party_kind=vpb.RATED_PARTY_KIND_CONSULTANCY,
                period=period,
                n=n,
                service_quality_score=vpb.Estimate(
                    mean=mean, lower=mean - half_width, upper=mean + half_width, n=n
                ),
            )
        )


def _serve(add: object, servicer: object) -> tuple[grpc.Server, str]:
    server = grpc.server(futures.ThreadPoolExecutor(4))
    add(servicer, server)  # type: ignore[operator]
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, f"127.0.0.1:{port}"


@dataclass
class Stack:
    svc: Running
    assignment: FakeAssignment
    surveys: FakeSurveys
    standings: pb_grpc.StandingsServiceStub
    scoring: spb_grpc.ScoringServiceStub
    public: pb_grpc.StandingsServiceStub


@pytest.fixture
def stack(db_url_factory) -> Iterator[Stack]:  # type: ignore[no-untyped-def]
    fake_a, fake_s = FakeAssignment(), FakeSurveys()
    a_server, a_addr = _serve(apb_grpc.add_AssignmentServiceServicer_to_server, fake_a)
    s_server, s_addr = _serve(vpb_grpc.add_SurveysServiceServicer_to_server, fake_s)
    url, schema = db_url_factory("scoring")
    try:
        with running(
            APP, database_url=url, schema=schema, peers={"assignment": a_addr, "surveys": s_addr}
        ) as svc:
            ch = svc.channel()
            yield Stack(
                svc,
                fake_a,
                fake_s,
                pb_grpc.StandingsServiceStub(ch),
                spb_grpc.ScoringServiceStub(ch),
                pb_grpc.StandingsServiceStub(svc.channel()),
            )
    finally:
        a_server.stop(0)
        s_server.stop(0)


def score_items(total: float, rubric: Rubric = EVALUATION_STANDARD) -> list[spb.CriterionScore]:
    """Criterion points adding up to ``total`` (half points), deductions commented."""
    deduct = round((100.0 - total) * 2) / 2
    out = []
    for c in rubric.criteria:
        minus = min(deduct, c.max_points)
        deduct -= minus
        out.append(
            spb.CriterionScore(
                criterion_id=c.id, points=c.max_points - minus, comment="不足" if minus else ""
            )
        )
    return out


def run_case(
    st: Stack,
    consultancy: str,
    totals: list[float],
    lock_time: datetime,
    rating: int,
    panel: list[str] | None = None,
    review_rating: int = 0,
    enterprise: str = "",
    stage: int = apb.CASE_STAGE_EVALUATION,
) -> str:
    """A case scored by its panel, locked, the consultancy rated by one expert; lock time backdated."""
    case = f"cases/{uuid.uuid4()}"
    panel = panel or [f"experts/{uuid.uuid4()}" for _ in totals]
    st.assignment.panels[case] = (consultancy, panel)
    if enterprise:
        st.assignment.enterprises[case] = (enterprise, stage)
    rubric = ACCEPTANCE_STANDARD if stage == apb.CASE_STAGE_ACCEPTANCE else EVALUATION_STANDARD
    for expert, total in zip(panel, totals, strict=True):
        st.scoring.SubmitScore(
            spb.SubmitScoreRequest(case=case, items=score_items(total, rubric)),
            metadata=md("reviewer", subject=expert),
        )
    st.scoring.LockPanel(spb.LockPanelRequest(case=case), metadata=AUTH)
    st.scoring.SubmitRating(
        spb.SubmitRatingRequest(case=case, items={"technical_capability": rating, "service_quality": rating}),
        metadata=md("reviewer", subject=panel[0]),
    )
    if review_rating:
        items = dict.fromkeys(("professionalism", "fairness", "timeliness", "communication"), review_rating)
        st.scoring.SubmitRating(
            spb.SubmitRatingRequest(case=case, items=items), metadata=md("consultancy", org=consultancy)
        )
    with transaction(st.svc.ctx.engine) as session:
        session.execute(update(cases).where(cases.c.name == case).values(lock_time=lock_time))
    return case


def _ts(value: datetime) -> timestamp_pb2.Timestamp:
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(value)
    return ts


def test_month_flags_due_process_and_bulletin(stack: Stack) -> None:
    st = stack
    when = datetime(2026, 10, 15, 4, tzinfo=UTC)
    good = [f"consultancies/{uuid.uuid4()}" for _ in range(6)]
    bad, thin = f"consultancies/{uuid.uuid4()}", f"consultancies/{uuid.uuid4()}"
    st.assignment.names[bad] = "东莞市某某环保科技有限公司"
    rng = np.random.default_rng(3)
    for i, firm in enumerate(good):
        for _ in range(4):
            base = 80 + 2 * i + rng.normal(0, 2)
            run_case(st, firm, [base + 1, base - 1], when, rating=4, review_rating=4)
        st.surveys.add(firm, "2026-10", 85.0)
    for _ in range(10):  # a notice needs 10 reports
        run_case(st, bad, [56 + rng.normal(0, 2), 58 + rng.normal(0, 2)], when, rating=2, review_rating=1)
    st.surveys.add(bad, "2026-10", 60.0)
    for _ in range(2):
        run_case(st, thin, [50.0, 52.0], when, rating=2)

    computed = st.standings.ComputeStandings(pb.ComputeStandingsRequest(period="2026-10"), metadata=AUTH)
    assert (computed.consultancies, computed.review_agencies, computed.window_months) == (8, 1, 12)
    agencies = st.standings.ListStandings(
        pb.ListStandingsRequest(period="2026-10", entity_kind=pb.ENTITY_KIND_REVIEW_AGENCY), metadata=AUTH
    )
    assert [a.entity for a in agencies.standings] == [AGENCY]
    assert {c.component for c in agencies.standings[0].components} == {"consultancy_rating"}
    assert "satisfaction" in computed.components and "report_quality" in computed.components
    listed = st.standings.ListStandings(pb.ListStandingsRequest(period="2026-10", page_size=5), metadata=AUTH)
    rest = st.standings.ListStandings(
        pb.ListStandingsRequest(period="2026-10", page_size=5, page_token=listed.next_page_token),
        metadata=AUTH,
    )
    ranked = list(listed.standings) + list(rest.standings)
    assert [s.rank for s in ranked] == sorted(s.rank for s in ranked)
    assert ranked[-1].entity in (bad, thin)
    assert all(s.lower <= s.composite <= s.upper for s in ranked)

    scored = st.standings.ScoreFlags(pb.ScoreFlagsRequest(period="2026-10"), metadata=AUTH)
    assert scored.proposed == 1 and scored.flag_model == ""  # no model yet: the statistical rule decides
    flags = {
        f.consultancy: f
        for f in st.standings.ListFlags(pb.ListFlagsRequest(period="2026-10"), metadata=AUTH).flags
    }
    assert (
        flags[bad].level == pb.FLAG_LEVEL_PROPOSE_NOTICE
        and flags[bad].notice_state == pb.NOTICE_STATE_PROPOSED
    )
    assert flags[thin].level == pb.FLAG_LEVEL_WATCH  # two reports: never a notice
    assert "合格线" in flags[bad].reasons[0].zh and "pass line" in flags[bad].reasons[0].en
    own = st.standings.ListFlags(pb.ListFlagsRequest(period="2026-10"), metadata=md("consultancy", org=bad))
    assert [f.consultancy for f in own.flags] == [bad]
    err = error_of(
        st.standings.ListFlags,
        pb.ListFlagsRequest(period="2026-10", consultancy=bad),
        metadata=md("consultancy", org=good[0]),
    )
    assert err.reason == "NOT_YOUR_FLAG"

    name = flags[bad].name
    err = error_of(
        st.standings.ApproveNotice, pb.ApproveNoticeRequest(name=name, reason="核查属实"), metadata=AUTH
    )
    assert (err.code, err.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "STATEMENT_WINDOW_OPEN")
    err = error_of(
        st.standings.FileStatement,
        pb.FileStatementRequest(name=name, statement="不是我们"),
        metadata=md("consultancy", org=good[0]),
    )
    assert err.reason == "NOT_YOUR_FLAG"
    answered = st.standings.FileStatement(
        pb.FileStatementRequest(name=name, statement="我司已整改相关报告。"),
        metadata=md("consultancy", org=bad),
    )
    assert answered.statement and answered.HasField("statement_deadline")
    approved = st.standings.ApproveNotice(
        pb.ApproveNoticeRequest(name=name, reason="经抽查核实，报告质量低于合格线。"), metadata=AUTH
    )
    assert approved.notice_state == pb.NOTICE_STATE_APPROVED and approved.decided_by

    v1 = st.standings.PublishBulletin(pb.PublishBulletinRequest(period="2026-10"), metadata=AUTH)
    assert (v1.version, v1.notices, len(v1.sha256)) == (1, 1, 64)
    assert {f.file for f in v1.files} >= {
        "bulletin.zh-CN.pdf",
        "bulletin.en.html",
        "consultancies.zh-CN.csv",
        "bulletin.en.pdf",
        "bulletin.json",
    }

    def file(bulletin: str, name: str) -> bytes:
        got = st.public.GetBulletinFile(pb.GetBulletinFileRequest(bulletin=bulletin, file=name))  # anonymous
        return got.content

    pdf = pypdf.PdfReader(io.BytesIO(file(v1.name, "bulletin.zh-CN.pdf")))
    text = "".join(p.extract_text() for p in pdf.pages)
    flat = "".join(text.split())
    assert "关于2026年10月清洁生产审核技术服务质量情况的通报" in flat
    assert "东莞市发展和改革局" in flat and "行政复议" in flat and "期中" not in flat
    assert (
        "东莞市某某环保科技有限公司" in text and "广东某某评估咨询有限公司" in text
    )  # names from the registry
    assert credit_code(bad) in text.replace("\n", "")  # the credit code, not an internal id
    assert bad not in text.replace("\n", "")
    assert file(v1.name, "consultancies.zh-CN.csv").startswith(b"\xef\xbb\xbf")
    jsonschema.validate(json.loads(file(v1.name, "bulletin.json")), bulletin_schema())
    assert st.public.VerifyBulletin(pb.VerifyBulletinRequest(name=v1.name)).ok

    err = error_of(st.standings.PublishBulletin, pb.PublishBulletinRequest(period="2026-10"), metadata=AUTH)
    assert err.reason == "BULLETIN_ALREADY_PUBLISHED"
    v2 = st.standings.PublishBulletin(
        pb.PublishBulletinRequest(period="2026-10", replaces=v1.name, correction_note="补充单位陈述"),
        metadata=AUTH,
    )
    assert (v2.version, v2.replaces) == (2, v1.name) and v2.sha256 != v1.sha256
    listed_b = st.public.ListBulletins(pb.ListBulletinsRequest(period="2026-10"))
    assert [b.version for b in listed_b.bulletins] == [2, 1]

    bulletin_id = uuid.UUID(v1.name.split("/")[1])
    with transaction(st.svc.ctx.engine) as session:
        session.execute(
            update(bulletin_files)
            .where(
                bulletin_files.c.bulletin_id == bulletin_id, bulletin_files.c.file == "consultancies.en.csv"
            )
            .values(content=b"\xef\xbb\xbfforged")
        )
    verdict = st.public.VerifyBulletin(pb.VerifyBulletinRequest(name=v1.name))
    assert not verdict.ok and any("consultancies.en.csv" in p for p in verdict.problems)


def test_rework_counts_against_the_consultancy_whose_report_came_back(stack: Stack) -> None:
    """A later case of the same enterprise at the same stage is another round of review: the
    no-rework rate of the firm whose report it is drops; a first round in an earlier month still
    makes the later one a rework; another stage, or an unknown enterprise, is not rework."""
    st = stack
    reworked, clean, unknown = (f"consultancies/{uuid.uuid4()}" for _ in range(3))
    first_round = f"enterprises/{uuid.uuid4()}"
    st.assignment.names.update({reworked: "返工公司", clean: "一次公司", unknown: "未知公司"})
    run_case(st, reworked, [55, 57], datetime(2026, 3, 10, tzinfo=UTC), 3, enterprise=first_round)
    run_case(st, reworked, [82, 84], datetime(2026, 10, 10, tzinfo=UTC), 4, enterprise=first_round)
    for month in (9, 10):
        for firm in (reworked, clean, unknown):  # first rounds; the last firm's enterprise unknown
            enterprise = "" if firm == unknown else f"enterprises/{uuid.uuid4()}"
            run_case(st, firm, [80, 82], datetime(2026, month, 12, tzinfo=UTC), 4, enterprise=enterprise)
    # The same enterprise's acceptance report after its evaluation is a new report, not rework.
    both_stages = f"enterprises/{uuid.uuid4()}"
    run_case(st, clean, [85, 85], datetime(2026, 8, 1, tzinfo=UTC), 4, enterprise=both_stages)
    run_case(
        st,
        clean,
        [86, 86],
        datetime(2026, 9, 1, tzinfo=UTC),
        4,
        enterprise=both_stages,
        stage=apb.CASE_STAGE_ACCEPTANCE,
    )

    def no_rework(period: str, window: int) -> dict[str, tuple[int, float | None]]:
        st.standings.ComputeStandings(
            pb.ComputeStandingsRequest(period=period, window_months=window), metadata=AUTH
        )
        listed = st.standings.ListStandings(pb.ListStandingsRequest(period=period), metadata=AUTH)
        out = {}
        for standing in listed.standings:
            comp = next(c for c in standing.components if c.component == "no_rework")
            out[standing.entity] = (comp.n, comp.raw_mean if comp.HasField("raw_mean") else None)
        return out

    year = no_rework("2026-10", 12)
    assert year[reworked] == (4, 75.0)  # 4 reports, one of them a second round
    assert year[clean] == (4, 100.0)
    assert year[unknown] == (0, None)
    october = no_rework("2026-10", 1)  # only October's locks; the first round was in March
    assert october[reworked] == (2, 50.0)


def test_inputs_are_checked(stack: Stack) -> None:
    st = stack
    err = error_of(st.standings.ComputeStandings, pb.ComputeStandingsRequest(period="2026-13"), metadata=AUTH)
    assert (err.code, err.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_PERIOD")
    err = error_of(st.standings.ScoreFlags, pb.ScoreFlagsRequest(period="2026-09"), metadata=AUTH)
    assert err.reason == "STANDINGS_NOT_COMPUTED"
    err = error_of(st.standings.TrainFlagModel, pb.TrainFlagModelRequest(), metadata=AUTH)
    assert err.reason == "INSUFFICIENT_LABELS"
    err = error_of(st.standings.ComputeStandings, pb.ComputeStandingsRequest(period="2026-10"))
    assert err.code == grpc.StatusCode.UNAUTHENTICATED
    err = error_of(
        st.standings.RecordDetermination,
        pb.RecordDeterminationRequest(determination=pb.Determination(consultancy="x")),
        metadata=AUTH,
    )
    assert {v.field for v in err.violations} >= {"determination.consultancy", "determination.kind"}
    forged = encode_page_token("not-a-cursor", {"period": "2026-10", "kind": "CONSULTANCY"})
    err = error_of(
        st.standings.ListStandings,
        pb.ListStandingsRequest(period="2026-10", page_token=forged),
        metadata=AUTH,
    )
    assert err.reason == "INVALID_PAGE_TOKEN"
    err = error_of(
        st.public.ListBulletins, pb.ListBulletinsRequest(page_token=encode_page_token("x", {"period": ""}))
    )
    assert err.reason == "INVALID_PAGE_TOKEN"


@pytest.mark.parametrize("backend", ["sqlite"])
def test_twelve_months_through_the_api(stack: Stack, tmp_path: Path) -> None:
    """Seeded: known true quality, skewed volumes, lenient/severe experts, some truly substandard.
    Every proposed notice gets a statement and is approved (the worst case for false notices)."""
    from services.scoring.bulletin.__main__ import main as bulletin_job

    st = stack
    rng = np.random.default_rng(2026)
    n_firms = 30
    firms = [f"consultancies/{uuid.uuid4()}" for _ in range(n_firms)]
    st.assignment.names.update({f: f"东莞市年度{i:03d}环保科技有限公司" for i, f in enumerate(firms)})
    weak = np.arange(n_firms) < 5
    truth = np.where(weak, rng.normal(60, 4, n_firms), rng.normal(81, 5, n_firms))
    volume = rng.lognormal(0, 0.9, n_firms)
    volume = np.where(weak, 8 * volume, volume)  # enough reports over the year for a notice (10)
    volume = volume / volume.sum() * 18  # cases per month
    experts = [f"experts/{uuid.uuid4()}" for _ in range(24)]
    bias = rng.normal(0, 4, len(experts))
    periods = [f"{y:04d}-{m:02d}" for y, m in [(2025, 11), (2025, 12), *((2026, k) for k in range(1, 11))]]
    approved: list[pb.Flag] = []
    trained: list[str] = []
    for month, period in enumerate(periods):
        y, m = (int(x) for x in period.split("-"))
        when = datetime(y, m, 15, 4, tzinfo=UTC)
        month_cases = []  # drawn in order (seeded), then sent concurrently like real panels
        for f, firm in enumerate(firms):
            for _ in range(int(rng.poisson(volume[f]))):
                case_q = truth[f] + rng.normal(0, 5)
                chosen = rng.choice(len(experts), size=2, replace=False)
                totals = [float(np.clip(case_q + bias[e] + rng.normal(0, 2), 0, 100)) for e in chosen]
                rating = int(np.clip(round(1 + (truth[f] - 50) / 12 + rng.normal(0, 0.5)), 1, 5))
                month_cases.append((firm, totals, rating, [experts[e] for e in chosen]))
            st.surveys.add(firm, period, float(np.clip(60 + 0.4 * truth[f] + rng.normal(0, 4), 0, 100)), n=2)
        with futures.ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda c, at=when: run_case(st, c[0], c[1], at, c[2], c[3]), month_cases))
        st.standings.ComputeStandings(pb.ComputeStandingsRequest(period=period), metadata=AUTH)
        for f in np.flatnonzero(rng.random(n_firms) < 0.35):
            st.standings.RecordDetermination(
                pb.RecordDeterminationRequest(
                    determination=pb.Determination(
                        consultancy=firms[f],
                        period=period,
                        kind=pb.DETERMINATION_KIND_SPOT_CHECK,
                        substandard=bool(truth[f] < 70),
                        evidence=[f"spot-check/{period}/{f}"],
                        decide_time=_ts(when),
                    )
                ),
                metadata=AUTH,
            )
        if month in (8, 11):
            try:
                model = st.standings.TrainFlagModel(pb.TrainFlagModelRequest(), metadata=AUTH)
                trained.append(model.name)
                assert model.log and "holdout_periods" in model.metrics
            except grpc.RpcError as err:
                assert details_of(err).reason == "INSUFFICIENT_LABELS"
        st.standings.ScoreFlags(pb.ScoreFlagsRequest(period=period), metadata=AUTH)
        proposed = st.standings.ListFlags(
            pb.ListFlagsRequest(period=period, level=pb.FLAG_LEVEL_PROPOSE_NOTICE), metadata=AUTH
        ).flags
        for flag in proposed:
            st.standings.FileStatement(
                pb.FileStatementRequest(name=flag.name, statement="我司对结果有异议。"),
                metadata=md("consultancy", org=flag.consultancy),
            )
            approved.append(
                st.standings.ApproveNotice(
                    pb.ApproveNoticeRequest(name=flag.name, reason="按规则批准"), metadata=AUTH
                )
            )
    index = {firm: i for i, firm in enumerate(firms)}
    bad = {firms[i] for i in np.flatnonzero(truth < 70)}
    noticed = {f.consultancy for f in approved}
    false_notices = [f for f in approved if f.consultancy not in bad]
    final = st.standings.ListStandings(
        pb.ListStandingsRequest(period=periods[-1], page_size=100), metadata=AUTH
    )
    rho = float(
        spearmanr(
            [s.composite for s in final.standings], [truth[index[s.entity]] for s in final.standings]
        ).statistic
    )
    precision = len(noticed & bad) / max(len(noticed), 1)
    recall = len(noticed & bad) / max(len(bad), 1)
    print(
        f"\nthrough the API, 12 months: {len(approved)} approved notices on {len(noticed)} firms; "
        f"precision {precision:.3f} recall {recall:.3f} Spearman(composite, truth) {rho:.3f}; "
        f"false notices {len(false_notices)}; models {trained}"
    )
    assert approved, "some truly substandard firm must be caught"
    assert len(false_notices) <= 0.01 * len(approved)
    assert all(f.n_reports >= 3 for f in approved)
    assert rho > 0.6

    out = tmp_path / "bulletin"
    code = bulletin_job(
        ["--period", periods[-1], "--target", st.svc.address, "--out", str(out), "--no-train"]
    )
    assert code == 0
    assert (out / "bulletin.zh-CN.pdf").exists() and (out / "manifest.json").exists()
    again = bulletin_job(["--period", periods[-1], "--target", st.svc.address, "--no-train"])
    assert again == 0  # a rerun leaves the published version alone and verifies it
    listed = st.public.ListBulletins(pb.ListBulletinsRequest(period=periods[-1]))
    assert [b.version for b in listed.bulletins] == [1]
    assert listed.bulletins[0].notices == sum(1 for f in approved if f.period == periods[-1])


def test_one_calibration_behind_case_results_and_standings(stack: Stack) -> None:
    """A month's standing and GetCaseResult read the same stored fit: the same number per case."""
    st = stack
    when = datetime(2026, 10, 15, 4, tzinfo=UTC)
    lenient, severe = "experts/lenient", "experts/severe"
    others = [f"experts/{uuid.uuid4()}" for _ in range(4)]
    firms = [f"consultancies/{uuid.uuid4()}" for _ in range(4)]
    single: dict[str, str] = {}
    for i, firm in enumerate(firms):
        # each firm's only case in the window; the two shared experts link every panel
        panel = [lenient if i % 2 else severe, others[i]]
        single[firm] = run_case(st, firm, [78.0 + 3 * i + (4 if i % 2 else -4), 78.0 + 3 * i], when, 4, panel)
    for j in range(3):  # more links so the offsets are estimable
        run_case(st, firms[0], [80.0 + j, 74.0 + j], datetime(2026, 9, 3, tzinfo=UTC), 4, [lenient, severe])
    computed = st.standings.ComputeStandings(
        pb.ComputeStandingsRequest(period="2026-10", window_months=1), metadata=AUTH
    )
    assert computed.calibration.startswith("calibrations/")
    listed = st.standings.ListStandings(pb.ListStandingsRequest(period="2026-10"), metadata=AUTH).standings
    quality = {
        s.entity: next(c.raw_mean for c in s.components if c.component == "report_quality") for s in listed
    }
    for firm, case in single.items():
        named = st.scoring.GetCaseResult(
            spb.GetCaseResultRequest(case=case, calibration=computed.calibration), metadata=AUTH
        )
        default = st.scoring.GetCaseResult(spb.GetCaseResultRequest(case=case), metadata=AUTH)
        assert named.calibration == default.calibration == computed.calibration  # the month's fit
        assert named.calibrated == default.calibrated == quality[firm]  # the same number, exactly
        assert named.calibrated != named.raw_mean  # the fit did move it
    # the fit is stored once: asking again, or for the whole calibration, names the same one
    again = st.standings.ComputeStandings(
        pb.ComputeStandingsRequest(period="2026-10", window_months=1, request_id="again"), metadata=AUTH
    )
    assert again.calibration == computed.calibration
    err = error_of(
        st.scoring.GetCaseResult,
        spb.GetCaseResultRequest(case=single[firms[0]], calibration=f"calibrations/{uuid.uuid4()}"),
        metadata=AUTH,
    )
    assert (err.code, err.reason) == (grpc.StatusCode.NOT_FOUND, "CALIBRATION_NOT_FOUND")
