"""Due process for proposed notices: the firm may answer, the authority decides with a reason.

Pure rules so that the servicer, the store and the tests agree on one definition: a statement is
accepted only while the window is open and the notice undecided; the authority may reject at any
time but may approve only once the firm has answered or its window has closed, so nobody is
published without having had the chance to contest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol


class NoticeState(StrEnum):
    PROPOSED = "PROPOSED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"


class DueProcessError(ValueError):
    """A refused transition; ``reason`` is an UPPER_SNAKE code for the API's ErrorInfo."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class DueProcessConfig:
    statement_window_days: int = 10
    max_statement_chars: int = 5000
    min_decision_reason_chars: int = 4


def statement_deadline(proposed_at: datetime, config: DueProcessConfig) -> datetime:
    return proposed_at + timedelta(days=config.statement_window_days)


def check_statement(
    *, state: NoticeState, proposed_at: datetime, now: datetime, text: str, config: DueProcessConfig
) -> None:
    """Raise unless the consultancy may file ``text`` against its proposed notice now."""
    if state is not NoticeState.PROPOSED:
        raise DueProcessError("NOTICE_ALREADY_DECIDED", f"notice is {state.value}")
    if now > statement_deadline(proposed_at, config):
        raise DueProcessError("STATEMENT_WINDOW_CLOSED", "the statement window has closed")
    if not text.strip() or len(text) > config.max_statement_chars:
        raise DueProcessError(
            "STATEMENT_INVALID", f"statement must have 1-{config.max_statement_chars} characters"
        )


def decide(
    *,
    state: NoticeState,
    approve: bool,
    reason: str,
    proposed_at: datetime,
    now: datetime,
    statement_filed: bool,
    config: DueProcessConfig,
) -> NoticeState:
    """The authority's decision on a proposed notice; returns the new state or raises."""
    if state is not NoticeState.PROPOSED:
        raise DueProcessError("NOTICE_ALREADY_DECIDED", f"notice is {state.value}")
    if len(reason.strip()) < config.min_decision_reason_chars:
        raise DueProcessError("DECISION_REASON_REQUIRED", "a decision needs a reason")
    if approve and not statement_filed and now <= statement_deadline(proposed_at, config):
        raise DueProcessError(
            "STATEMENT_WINDOW_OPEN", "approve after the firm's statement or once its window closes"
        )
    return NoticeState.APPROVED if approve else NoticeState.REJECTED


class PriorFlag(Protocol):
    """What the merge rule reads of a flag already stored for the firm and period."""

    @property
    def notice_state(self) -> str: ...
    @property
    def statement(self) -> str: ...
    @property
    def proposed_time(self) -> datetime | None: ...


@dataclass(frozen=True)
class NoticeWrite:
    """The due-process columns to write for a re-scored flag."""

    notice_state: str
    proposed_time: datetime | None


def merge_notice(prior: PriorFlag | None, *, proposed: bool, now: datetime) -> NoticeWrite | None:
    """Re-scoring a period: what becomes of the stored flag's notice (``None``: leave it alone).

    A decided (approved or rejected) or answered flag is never re-scored under the firm's feet; an
    undecided proposal keeps the time it was first proposed, so its statement window does not
    restart; a proposal that no longer holds is withdrawn."""
    if prior is not None and (
        prior.notice_state in (NoticeState.APPROVED, NoticeState.REJECTED) or prior.statement
    ):
        return None
    if not proposed:
        return NoticeWrite("", None)
    first = prior.proposed_time if prior is not None and prior.proposed_time is not None else now
    return NoticeWrite(NoticeState.PROPOSED.value, first)
