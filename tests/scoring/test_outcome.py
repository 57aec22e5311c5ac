"""GetCaseOutcome: what a panel expert and the case's consultancy may see of a case."""

from __future__ import annotations

import grpc
import pytest

from dgcp.scoring.v1 import scoring_pb2 as pb
from dgcp.scoring.v1 import scoring_pb2_grpc as pb_grpc
from tests.scoring.test_service import (  # noqa: F401  (fixtures)
    AUTH,
    FakeAssignment,
    as_expert,
    assignment,
    fake,
    items,
    stub,
    submit,
    svc,
)
from tests.support import error_of, md


def test_expert_sees_her_score_then_the_result_and_the_consultancy_sees_no_expert_id(
    stub: pb_grpc.ScoringServiceStub,  # noqa: F811
    fake: FakeAssignment,  # noqa: F811
) -> None:
    case = fake.add()
    firm = md("consultancy", subject=case.consultancy, org=case.consultancy)
    ask = pb.GetCaseOutcomeRequest(case=case.name)
    # Nothing scored yet: an empty outcome, not an error.
    empty = stub.GetCaseOutcome(ask, metadata=as_expert(case.panel[0]))
    assert not empty.my_score and not empty.locked and empty.panel_size == 3
    saved = submit(stub, case, case.panel[0], items=items({"balances": 4}))
    mine = stub.GetCaseOutcome(ask, metadata=as_expert(case.panel[0]))
    assert mine.my_score == saved.name and mine.my_revision == 1 and mine.my_state == pb.SCORE_STATE_OPEN
    assert not mine.HasField("result") and not mine.items  # nothing of the others before the lock
    other = stub.GetCaseOutcome(ask, metadata=as_expert(case.panel[1]))
    assert not other.my_score
    before = stub.GetCaseOutcome(ask, metadata=firm)
    assert not before.locked and not before.items and not before.HasField("result")
    for expert in case.panel[1:]:
        submit(stub, case, expert)
    stub.LockPanel(pb.LockPanelRequest(case=case.name), metadata=AUTH)
    after = stub.GetCaseOutcome(ask, metadata=firm)
    assert after.locked and after.result.locked and after.result.HasField("calibrated")
    assert {i.expert_label for i in after.items} == {"A", "B", "C"}
    deducted = [i for i in after.items if i.criterion_id == "balances" and i.points == 16]
    assert len(deducted) == 1 and deducted[0].comment == "gap found"
    assert not any(e in str(after) for e in case.panel), "an expert id reached the consultancy"
    locked = stub.GetCaseOutcome(ask, metadata=as_expert(case.panel[0]))
    assert locked.my_state == pb.SCORE_STATE_LOCKED and locked.result.grade


@pytest.mark.parametrize("who", ["stranger-expert", "other-firm"])
def test_outsiders_are_refused(
    stub: pb_grpc.ScoringServiceStub,  # noqa: F811
    fake: FakeAssignment,  # noqa: F811
    who: str,
) -> None:
    case = fake.add()
    other = fake.add()
    if who == "stranger-expert":
        meta = as_expert(other.panel[0])
        reason = "NOT_ON_PANEL"
    else:
        meta = md("consultancy", subject=other.consultancy, org=other.consultancy)
        reason = "NOT_CASE_CONSULTANCY"
    err = error_of(stub.GetCaseOutcome, pb.GetCaseOutcomeRequest(case=case.name), metadata=meta)
    assert err.code == grpc.StatusCode.PERMISSION_DENIED and err.reason == reason
