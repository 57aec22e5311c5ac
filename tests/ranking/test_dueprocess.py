"""Due process: statements within the window; approval needs a reason and a heard firm."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.scoring.ranking.dueprocess import (
    DueProcessConfig,
    DueProcessError,
    NoticeState,
    check_statement,
    decide,
)

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CFG = DueProcessConfig(statement_window_days=10)


def test_statement_within_window_only() -> None:
    check_statement(
        state=NoticeState.PROPOSED, proposed_at=T0, now=T0 + timedelta(days=9), text="我们不同意", config=CFG
    )
    with pytest.raises(DueProcessError) as err:
        check_statement(
            state=NoticeState.PROPOSED, proposed_at=T0, now=T0 + timedelta(days=11), text="迟到", config=CFG
        )
    assert err.value.reason == "STATEMENT_WINDOW_CLOSED"
    with pytest.raises(DueProcessError) as err:
        check_statement(state=NoticeState.APPROVED, proposed_at=T0, now=T0, text="x", config=CFG)
    assert err.value.reason == "NOTICE_ALREADY_DECIDED"


def test_approval_waits_for_statement_or_window_and_needs_reason() -> None:
    common = {"state": NoticeState.PROPOSED, "proposed_at": T0, "config": CFG}
    with pytest.raises(DueProcessError) as err:
        decide(approve=True, reason="核查属实", now=T0 + timedelta(days=1), statement_filed=False, **common)
    assert err.value.reason == "STATEMENT_WINDOW_OPEN"
    assert (
        decide(approve=True, reason="核查属实", now=T0 + timedelta(days=1), statement_filed=True, **common)
        is NoticeState.APPROVED
    )
    assert (
        decide(approve=True, reason="核查属实", now=T0 + timedelta(days=11), statement_filed=False, **common)
        is NoticeState.APPROVED
    )
    assert (
        decide(approve=False, reason="证据不足", now=T0, statement_filed=False, **common)
        is NoticeState.REJECTED
    )
    with pytest.raises(DueProcessError) as err:
        decide(approve=False, reason=" ", now=T0, statement_filed=False, **common)
    assert err.value.reason == "DECISION_REASON_REQUIRED"
