"""Tables of the scoring service (own metadata, schema and migrations).

History is append-only by construction: ``score_revisions`` rows are only ever inserted, the
``scores`` row is the newest version for fast reads, and ``rubric_versions`` rows never change.
Cases, experts and consultancies are the assignment service's; here they are resource names, and
``cases`` keeps only what scoring needs (facts copied at first use, lock, rating window).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from runtime.audit import audit_tables
from runtime.idempotency import idempotency_table
from runtime.ids import new_id
from runtime.notify.outbox import outbox_table
from runtime.resources import utcnow

NAME = 200  # room for nested resource names such as lots/{uuid}/cases/{uuid}


class Base(SQLModel, registry=registry()):
    """Every scoring table hangs off this metadata, never SQLModel's global one."""


metadata = Base.metadata
idempotency_keys = idempotency_table(metadata)
audit_events, audit_seals = audit_tables(metadata)
outbox = outbox_table(metadata)  # notifications, written with their cause


def _ts(nullable: bool = False) -> Any:
    return Column(DateTime(timezone=True), nullable=nullable)


def _json() -> Any:
    return Column(JSON, nullable=False)


class RubricVersionRow(Base, table=True):
    __tablename__ = "rubric_versions"
    __table_args__ = (UniqueConstraint("series", "version"),)
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    series: str = Field(max_length=40)
    version: int
    stage: str = Field(max_length=20)
    track: str = Field(max_length=20)
    body: dict[str, Any] = Field(sa_column=_json())
    sha256: str = Field(max_length=64)
    create_time: datetime = Field(default_factory=utcnow, sa_column=_ts())


class CaseRow(Base, table=True):
    """A case as scoring sees it; created on the first score or rating."""

    __tablename__ = "cases"
    name: str = Field(primary_key=True, max_length=NAME)
    stage: str = Field(max_length=20)
    track: str = Field(max_length=20)
    consultancy: str = Field(max_length=NAME, index=True)
    agency: str = Field(max_length=NAME)
    panel: list[str] = Field(sa_column=_json())
    # `enterprises/{uuid}` whose report it is ('' where unknown): a later case of the same
    # enterprise at the same stage is another round of review (rework).
    enterprise: str = Field(default="", max_length=NAME, sa_column_kwargs={"server_default": ""})
    lock_time: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    locked_by: str = Field(default="", max_length=NAME)
    rating_window_open: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    create_time: datetime = Field(default_factory=utcnow, sa_column=_ts())


Index("ix_cases_lock_time", CaseRow.__table__.c.lock_time)  # type: ignore[attr-defined]
Index(
    "ix_cases_enterprise_stage",
    CaseRow.__table__.c.enterprise,  # type: ignore[attr-defined]
    CaseRow.__table__.c.stage,  # type: ignore[attr-defined]
)


class ScoreRow(Base, table=True):
    """The newest version of one expert's score of one case."""

    __tablename__ = "scores"
    __table_args__ = (UniqueConstraint("case_name", "expert"),)
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    case_name: str = Field(max_length=NAME, foreign_key="cases.name")
    expert: str = Field(max_length=NAME, index=True)
    rubric_version: str = Field(max_length=80)
    items: list[dict[str, Any]] = Field(sa_column=_json())
    vetoes: list[dict[str, Any]] = Field(sa_column=_json())
    total: float
    vetoed: bool
    grade: str = Field(max_length=20)
    revision: int
    locked: bool = False
    create_time: datetime = Field(default_factory=utcnow, sa_column=_ts())
    update_time: datetime = Field(default_factory=utcnow, sa_column=_ts())


class ScoreRevisionRow(Base, table=True):
    """Append-only history: every submission, revision and amendment."""

    __tablename__ = "score_revisions"
    __table_args__ = (UniqueConstraint("score_id", "revision"),)
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    score_id: uuid.UUID = Field(
        sa_column=Column(ForeignKey("scores.id"), nullable=False),
    )
    revision: int
    kind: str = Field(max_length=20)
    items: list[dict[str, Any]] = Field(sa_column=_json())
    vetoes: list[dict[str, Any]] = Field(sa_column=_json())
    total: float
    vetoed: bool
    reason: str = Field(default="", max_length=2000)
    actor: str = Field(max_length=NAME)
    create_time: datetime = Field(default_factory=utcnow, sa_column=_ts())
    # The idempotency key of the SubmitScore call that wrote this revision, where the call stored
    # its answer by reference: a retry rebuilds the answer from this row (see store.submitted).
    request_key: str | None = Field(default=None, max_length=64, unique=True, index=True)


class RatingRow(Base, table=True):
    """A mutual rating; one per rater, case and direction, never changed."""

    __tablename__ = "ratings"
    __table_args__ = (UniqueConstraint("case_name", "direction", "rater"),)
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    case_name: str = Field(max_length=NAME, foreign_key="cases.name")
    direction: str = Field(max_length=40)
    rater: str = Field(max_length=NAME, index=True)
    ratee: str = Field(max_length=NAME, index=True)
    items: dict[str, int] = Field(sa_column=_json())
    comment: str = Field(default="", max_length=2000)
    mean: float
    create_time: datetime = Field(default_factory=utcnow, sa_column=_ts())


cases = CaseRow.__table__  # type: ignore[attr-defined]
scores = ScoreRow.__table__  # type: ignore[attr-defined]
score_revisions = ScoreRevisionRow.__table__  # type: ignore[attr-defined]
ratings = RatingRow.__table__  # type: ignore[attr-defined]
rubric_versions = RubricVersionRow.__table__  # type: ignore[attr-defined]

__all__ = [
    "CaseRow",
    "RatingRow",
    "RubricVersionRow",
    "ScoreRevisionRow",
    "ScoreRow",
    "cases",
    "idempotency_keys",
    "metadata",
    "ratings",
    "rubric_versions",
    "score_revisions",
    "scores",
]
