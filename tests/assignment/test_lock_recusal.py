"""Scoring's lock and assignment's recusal across the two real services (SQLite and PostgreSQL):
after the lock a recusal is PANEL_LOCKED; racing, exactly one wins and both services agree."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import grpc
import pytest

from dgcp.assignment.v1 import assignment_pb2 as apb
from dgcp.assignment.v1 import assignment_pb2_grpc as apb_grpc
from dgcp.scoring.v1 import scoring_pb2 as spb
from dgcp.scoring.v1 import scoring_pb2_grpc as spb_grpc
from services.assignment.app import APP as ASSIGNMENT
from services.scoring.app import APP as SCORING
from tests.assignment.test_draw_service import AUTH, world
from tests.scoring.test_service import items
from tests.support import error_of, md, running


@dataclass
class Pair:
    assignment: apb_grpc.AssignmentServiceStub
    scoring: spb_grpc.ScoringServiceStub


@pytest.fixture
def pair(db_url_factory) -> Iterator[Pair]:  # type: ignore[no-untyped-def]
    a_url, a_schema = db_url_factory("assignment")
    s_url, s_schema = db_url_factory("scoring")
    with running(ASSIGNMENT, database_url=a_url, schema=a_schema) as a:  # noqa: SIM117 (s needs a's address)
        with running(SCORING, database_url=s_url, schema=s_schema, peers={"assignment": a.address}) as s:
            yield Pair(apb_grpc.AssignmentServiceStub(a.channel()), spb_grpc.ScoringServiceStub(s.channel()))


def drawn_case(p: Pair) -> tuple[str, list[str]]:
    w = world(p.assignment, n_cases=4, n_experts=16, n_employers=8)
    p.assignment.DrawPanels(apb.DrawPanelsRequest(lot=w.lot.name, seed="7"), metadata=AUTH)
    case = next(c for c in w.cases if c.track == apb.CASE_TRACK_STANDARD)
    seats = p.assignment.ListPanelSeats(apb.ListPanelSeatsRequest(case=case.name), metadata=AUTH).seats
    return case.name, [s.expert for s in seats]


def score_all(p: Pair, case: str, panel: list[str]) -> None:
    for expert in panel:
        p.scoring.SubmitScore(
            spb.SubmitScoreRequest(case=case, items=items()), metadata=md("reviewer", subject=expert)
        )


def recuse(p: Pair, case: str, expert: str) -> apb.Amendment:
    return p.assignment.RecuseExpert(
        apb.RecuseExpertRequest(case=case, expert=expert, reason="申报回避：曾为该企业提供咨询"),
        metadata=AUTH,
    )


def test_recusal_after_the_lock_is_refused(pair: Pair) -> None:
    case, panel = drawn_case(pair)
    score_all(pair, case, panel)
    pair.scoring.LockPanel(spb.LockPanelRequest(case=case), metadata=AUTH)
    err = error_of(recuse, pair, case, panel[0])
    assert (err.code, err.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "PANEL_LOCKED")
    seats = pair.assignment.ListPanelSeats(apb.ListPanelSeatsRequest(case=case), metadata=AUTH).seats
    assert sorted(s.expert for s in seats) == sorted(panel)  # nothing redrawn
    answer = pair.assignment.CheckPanelMembership(apb.CheckPanelMembershipRequest(case=case), metadata=AUTH)
    assert answer.panel_frozen
    # locking again is a no-op on both sides
    pair.scoring.LockPanel(spb.LockPanelRequest(case=case), metadata=AUTH)


def test_an_incomplete_panel_is_not_frozen_so_recusal_still_works(pair: Pair) -> None:
    case, panel = drawn_case(pair)
    score_all(pair, case, panel[:2])
    err = error_of(pair.scoring.LockPanel, spb.LockPanelRequest(case=case), metadata=AUTH)
    assert err.reason == "PANEL_INCOMPLETE"
    amendment = recuse(pair, case, panel[2])
    assert amendment.removed_expert == panel[2]


def test_freeze_refuses_a_panel_that_changed(pair: Pair) -> None:
    case, panel = drawn_case(pair)
    recuse(pair, case, panel[0])
    err = error_of(
        pair.assignment.FreezePanel,
        apb.FreezePanelRequest(case=case, expected_panel=panel),
        metadata=AUTH,
    )
    assert (err.code, err.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "PANEL_CHANGED")


def test_lock_and_recusal_racing_one_wins_and_both_services_agree(pair: Pair) -> None:
    for _ in range(3):
        case, panel = drawn_case(pair)
        score_all(pair, case, panel)

        with ThreadPoolExecutor(2) as pool:
            outcomes = {
                f.result()
                for f in [pool.submit(_lock, pair, case), pool.submit(_leave, pair, case, panel[0])]
            }
        seats = pair.assignment.ListPanelSeats(apb.ListPanelSeatsRequest(case=case), metadata=AUTH).seats
        now = sorted(s.expert for s in seats)
        result = pair.scoring.GetCaseResult(spb.GetCaseResultRequest(case=case), metadata=AUTH)
        if "locked" in outcomes:
            assert outcomes == {"locked", "recuse:FAILED_PRECONDITION"}
            assert now == sorted(panel)
            assert result.locked
        else:
            assert outcomes == {"recused", "lock:FAILED_PRECONDITION"}
            assert panel[0] not in now and len(now) == 3
            assert not result.locked


def _lock(p: Pair, case: str) -> str:
    try:
        p.scoring.LockPanel(spb.LockPanelRequest(case=case), metadata=AUTH)
        return "locked"
    except grpc.RpcError as err:
        return f"lock:{err.code().name}"  # type: ignore[attr-defined]


def _leave(p: Pair, case: str, expert: str) -> str:
    try:
        recuse(p, case, expert)
        return "recused"
    except grpc.RpcError as err:
        return f"recuse:{err.code().name}"  # type: ignore[attr-defined]
