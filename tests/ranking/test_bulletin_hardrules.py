"""Hard rules: a falsified-data veto of a locked panel proposes a notice (with due process); a firm
with vetoed or failed reports is never a plain OK."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import update

from dgcp.scoring.v1 import scoring_pb2 as spb
from dgcp.scoring.v1 import standings_pb2 as pb
from runtime.db import transaction
from services.scoring.models import cases
from services.scoring.ranking.flags import Flag, FlagLevel, Reason
from services.scoring.ranking.hardrules import Outcomes, apply_hard_rules
from tests.ranking.test_standings_service import AUTH, Stack, run_case, score_items
from tests.ranking.test_standings_service import stack as stack  # the fixture
from tests.support import error_of, md


def _flag(firm: str, level: FlagLevel = FlagLevel.OK) -> Flag:
    return Flag(firm, level, (Reason("STATISTICAL_RULE", "统计", "stats"),), 5, 80.0, 0.01, None, False)


def test_hard_rules_on_flags() -> None:
    flags = [_flag("a"), _flag("b"), _flag("c"), _flag("d"), _flag("e", FlagLevel.PROPOSE_NOTICE)]
    out = apply_hard_rules(
        flags,
        {"a": ["cases/2", "cases/1"]},
        {"b": Outcomes(5, 2, 1), "c": Outcomes(5, 1, 0), "d": Outcomes(5, 0, 0), "e": Outcomes(5, 5, 5)},
    )
    by = {f.firm_id: f for f in out}
    assert by["a"].level is FlagLevel.PROPOSE_NOTICE and by["a"].hard_rule
    assert by["a"].reasons[0].code == "FALSIFIED_DATA_VETO" and "2 份报告" in by["a"].reasons[0].zh
    # a published reason names no internal identifier
    assert "cases/" not in by["a"].reasons[0].zh + by["a"].reasons[0].en
    assert by["b"].level is FlagLevel.WATCH and by["b"].reasons[0].code == "VETOED_REPORTS"
    assert by["c"].level is FlagLevel.OK and by["c"].reasons[0].code == "FAILED_REPORTS"  # OK, with a reason
    assert by["d"].reasons == flags[3].reasons  # nothing to say
    assert by["e"].reasons == flags[4].reasons  # already proposed on the evidence


def _vetoed_case(st: Stack, firm: str, veto: str, when: datetime) -> str:
    case = f"cases/{uuid.uuid4()}"
    panel = [f"experts/{uuid.uuid4()}" for _ in range(2)]
    st.assignment.panels[case] = (firm, panel)
    for i, expert in enumerate(panel):
        vetoes = [spb.VetoFinding(veto_id=veto, reason="附表数据与监测报告不一致")] if i == 0 else []
        st.scoring.SubmitScore(
            spb.SubmitScoreRequest(case=case, items=score_items(84.0), vetoes=vetoes),
            metadata=md("reviewer", subject=expert),
        )
    st.scoring.LockPanel(spb.LockPanelRequest(case=case), metadata=AUTH)
    with transaction(st.svc.ctx.engine) as session:
        session.execute(update(cases).where(cases.c.name == case).values(lock_time=when))
    return case


def test_a_falsified_data_veto_proposes_a_notice_through_due_process(stack: Stack) -> None:
    st = stack
    when = datetime(2026, 10, 12, 3, tzinfo=UTC)
    falsifier, vetoed, failed, clean = (f"consultancies/{uuid.uuid4()}" for _ in range(4))
    for firm in (falsifier, vetoed, failed, clean):
        for _ in range(4):
            run_case(st, firm, [86.0, 88.0], when, rating=4)
    case = _vetoed_case(st, falsifier, "falsified_data", when)
    _vetoed_case(st, vetoed, "wrong_focus_or_targets", when)
    run_case(st, failed, [55.0, 57.0], when, rating=3)
    st.standings.ComputeStandings(pb.ComputeStandingsRequest(period="2026-10"), metadata=AUTH)
    st.standings.ScoreFlags(pb.ScoreFlagsRequest(period="2026-10"), metadata=AUTH)
    flags = {
        f.consultancy: f
        for f in st.standings.ListFlags(pb.ListFlagsRequest(period="2026-10"), metadata=AUTH).flags
    }
    hard = flags[falsifier]
    assert hard.level == pb.FLAG_LEVEL_PROPOSE_NOTICE and hard.notice_state == pb.NOTICE_STATE_PROPOSED
    assert hard.reasons[0].code == "FALSIFIED_DATA_VETO" and "1 份报告" in hard.reasons[0].zh
    assert case not in hard.reasons[0].zh and "cases/" not in hard.reasons[0].en
    assert flags[vetoed].level == pb.FLAG_LEVEL_WATCH and flags[vetoed].reasons[0].code == "VETOED_REPORTS"
    assert flags[failed].reasons[0].code == "FAILED_REPORTS"
    assert flags[clean].level == pb.FLAG_LEVEL_OK
    # still due process: no approval while the statement window is open and nothing was filed
    err = error_of(
        st.standings.ApproveNotice,
        pb.ApproveNoticeRequest(name=hard.name, reason="经核查，附表数据与监测报告不一致，情况属实。"),
        metadata=AUTH,
    )
    assert err.reason == "STATEMENT_WINDOW_OPEN"
