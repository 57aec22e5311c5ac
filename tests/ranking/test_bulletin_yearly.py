"""Yearly statistics (measure 30) against values computed by hand on a small seeded year."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import grpc
import pytest
from sqlalchemy import update

from dgcp.scoring.v1 import scoring_pb2 as spb
from dgcp.scoring.v1 import standings_pb2 as pb
from runtime.db import transaction
from services.scoring.bulletin.yearly import industry_division, industry_section
from services.scoring.models import cases
from tests.ranking.test_standings_service import AUTH, Stack, run_case, score_items
from tests.ranking.test_standings_service import stack as stack  # the fixture
from tests.support import error_of, md

EXPERTS = ["experts/00000000-0000-7000-8000-00000000e001", "experts/00000000-0000-7000-8000-00000000e002"]


def test_gb_t_4754_sections_and_divisions() -> None:
    assert (industry_section("3130"), industry_division("3130")) == ("C", "31")
    assert (industry_section("4411"), industry_section("C"), industry_section("x")) == ("D", "C", "")


def _case(st: Stack, firm: str, total: float, day: datetime, enterprise: str, veto: str = "") -> None:
    if not veto:
        run_case(st, firm, [total + 1, total - 1], day, rating=4, panel=EXPERTS, enterprise=enterprise)
        return
    case = f"cases/{uuid.uuid4()}"
    st.assignment.panels[case] = (firm, EXPERTS)
    st.assignment.enterprises[case] = (enterprise, 1)
    for expert, points in zip(EXPERTS, (total + 1, total - 1), strict=True):
        st.scoring.SubmitScore(
            spb.SubmitScoreRequest(
                case=case,
                items=score_items(points),
                vetoes=[spb.VetoFinding(veto_id=veto, reason="审核重点确定错误")]
                if expert == EXPERTS[0]
                else [],
            ),
            metadata=md("reviewer", subject=expert),
        )
    st.scoring.LockPanel(spb.LockPanelRequest(case=case), metadata=AUTH)
    with transaction(st.svc.ctx.engine) as session:
        session.execute(update(cases).where(cases.c.name == case).values(lock_time=day))


def test_a_small_year_by_hand(stack: Stack) -> None:
    st = stack
    a, b = (
        "consultancies/00000000-0000-7000-8000-0000000000aa",
        "consultancies/00000000-0000-7000-8000-0000000000bb",
    )
    st.assignment.names.update({a: "甲咨询有限公司", b: "乙咨询有限公司"})
    e1, e2, e3 = (f"enterprises/{uuid.uuid4()}" for _ in range(3))
    st.assignment.places.update({e1: ("长安镇", "3130"), e2: ("长安镇", "2614"), e3: ("虎门镇", "4411")})
    _case(st, a, 80, datetime(2026, 3, 10, 2, tzinfo=UTC), e1)
    _case(st, a, 60, datetime(2026, 5, 10, 2, tzinfo=UTC), e2)
    _case(st, a, 76, datetime(2026, 6, 10, 2, tzinfo=UTC), e2)  # the same report again: rework
    _case(st, b, 90, datetime(2026, 3, 12, 2, tzinfo=UTC), e3)
    _case(st, b, 84, datetime(2026, 7, 1, 2, tzinfo=UTC), e3, veto="wrong_focus_or_targets")
    _case(st, b, 88, datetime(2025, 12, 31, 15, 59, tzinfo=UTC), e3)  # 2025-12-31 23:59 in Beijing: not 2026

    def stats(dimension: int, **kw: str) -> dict[str, pb.YearlyStatistics]:
        got = st.standings.ListYearlyStatistics(
            pb.ListYearlyStatisticsRequest(year="2026", dimension=dimension, **kw),  # type: ignore[arg-type]
            metadata=AUTH,
        )
        return {s.key: s for s in got.statistics}

    firms = stats(pb.STATISTICS_DIMENSION_CONSULTANCY)
    sa, sb = firms[a], firms[b]
    assert sa.label == "甲咨询有限公司"
    assert (sa.cases, sa.passed, sa.first_rounds, sa.first_rounds_passed, sa.rework, sa.vetoed) == (
        3,
        2,
        2,
        1,
        1,
        0,
    )
    assert sa.pass_rate == pytest.approx(2 / 3) and sa.first_pass_rate == pytest.approx(0.5)
    assert sa.quality_mean == pytest.approx(72.0, abs=0.01)  # (80 + 60 + 76) / 3
    half = 1.6448536 * (112**0.5) / 3**0.5  # sd of (80, 60, 76) is sqrt(112)
    assert (sa.quality_lower, sa.quality_upper) == (
        pytest.approx(72 - half, abs=0.01),
        pytest.approx(72 + half, abs=0.01),
    )
    assert dict(sa.cases_by_stage_track) == {"evaluation/standard": 3}
    assert sa.ratings == 3 and sa.rating_mean == pytest.approx(4.0)
    assert [(m.month, m.cases, m.passed) for m in sa.monthly if m.cases] == [
        ("2026-03", 1, 1),
        ("2026-05", 1, 0),
        ("2026-06", 1, 1),
    ]
    assert len(sa.monthly) == 12
    # the veto fails an 84; both 2026 cases of e3 follow its first round of 31 December: rework
    assert (sb.cases, sb.passed, sb.vetoed, sb.rework, sb.first_rounds) == (2, 1, 1, 2, 0)
    assert sb.quality_mean == pytest.approx(87.0, abs=0.01)

    towns = stats(pb.STATISTICS_DIMENSION_TOWN)
    assert {k: (v.cases, v.passed) for k, v in towns.items()} == {"长安镇": (3, 2), "虎门镇": (2, 1)}
    sections = stats(pb.STATISTICS_DIMENSION_INDUSTRY_SECTION)
    assert {k: (v.cases, v.passed) for k, v in sections.items()} == {"C": (3, 2), "D": (2, 1)}
    divisions = stats(pb.STATISTICS_DIMENSION_INDUSTRY_DIVISION)
    assert {k: (v.cases, v.passed) for k, v in divisions.items()} == {
        "26": (2, 1),
        "31": (1, 1),
        "44": (2, 1),
    }
    agency = stats(pb.STATISTICS_DIMENSION_REVIEW_AGENCY)
    assert sum(v.cases for v in agency.values()) == 5

    page = st.standings.ListYearlyStatistics(
        pb.ListYearlyStatisticsRequest(year="2026", dimension=pb.STATISTICS_DIMENSION_TOWN, page_size=1),
        metadata=AUTH,
    )
    rest = st.standings.ListYearlyStatistics(
        pb.ListYearlyStatisticsRequest(
            year="2026", dimension=pb.STATISTICS_DIMENSION_TOWN, page_size=1, page_token=page.next_page_token
        ),
        metadata=AUTH,
    )
    assert [s.key for s in page.statistics] + [s.key for s in rest.statistics] == sorted(towns)
    assert set(stats(pb.STATISTICS_DIMENSION_CONSULTANCY, key=b)) == {b}

    err = error_of(
        st.standings.ListYearlyStatistics, pb.ListYearlyStatisticsRequest(year="2026-01"), metadata=AUTH
    )
    assert (err.code, err.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_PERIOD")
    err = error_of(
        st.standings.ListYearlyStatistics, pb.ListYearlyStatisticsRequest(year="2999"), metadata=AUTH
    )
    assert err.reason == "PERIOD_NOT_BEGUN"
    err = error_of(
        st.standings.ListYearlyStatistics,
        pb.ListYearlyStatisticsRequest(year="2026"),
        metadata=md("consultancy"),
    )
    assert err.code == grpc.StatusCode.PERMISSION_DENIED
