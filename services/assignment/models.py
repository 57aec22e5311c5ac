"""Tables of the assignment service (its own metadata, schema and migrations)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Column, DateTime, Index, Text, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from runtime.audit import audit_tables
from runtime.idempotency import idempotency_table
from runtime.ids import new_id
from runtime.notify.outbox import outbox_table
from runtime.resources import utcnow


class Base(SQLModel, registry=registry()):
    """Every assignment table hangs off this metadata, never SQLModel's global one."""


metadata = Base.metadata
idempotency_keys = idempotency_table(metadata)
audit_events, audit_seals = audit_tables(metadata)
outbox = outbox_table(metadata)  # notifications, written with their cause


def _ts() -> Column[datetime]:
    return Column(DateTime(timezone=True), nullable=False)


class Enterprise(Base, table=True):
    __tablename__ = "enterprises"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    credit_code: str = Field(max_length=18, unique=True)
    display_name: str = Field(max_length=200)
    town: str = Field(max_length=40, index=True)
    industry_code: str = Field(max_length=5, index=True)
    audit_category: int
    contact_person: str = Field(default="", max_length=100)
    contact_phone: str = Field(default="", max_length=40)
    contact_email: str = Field(default="", max_length=200)
    create_time: datetime = Field(default_factory=utcnow, sa_column=_ts())
    update_time: datetime = Field(default_factory=utcnow, sa_column=_ts())


class _Organisation(Base):
    """Columns a consultancy and a review agency share (not a table itself)."""

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    credit_code: str = Field(max_length=18, unique=True)
    display_name: str = Field(max_length=200)
    contact_person: str = Field(default="", max_length=100)
    contact_phone: str = Field(default="", max_length=40)
    contact_email: str = Field(default="", max_length=200)
    create_time: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    update_time: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class Consultancy(_Organisation, table=True):
    __tablename__ = "consultancies"


class ReviewAgency(_Organisation, table=True):
    __tablename__ = "review_agencies"


class Expert(Base, table=True):
    __tablename__ = "experts"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    display_name: str = Field(max_length=100)
    employer_name: str = Field(max_length=200)
    employer_credit_code: str = Field(max_length=18, index=True)
    active: bool = True
    contact_phone: str = Field(default="", max_length=40)
    contact_email: str = Field(default="", max_length=200)
    create_time: datetime = Field(default_factory=utcnow, sa_column=_ts())
    update_time: datetime = Field(default_factory=utcnow, sa_column=_ts())


class ExpertSpecialty(Base, table=True):
    """One row per (expert, industry code), so specialty filters use an index."""

    __tablename__ = "expert_specialties"
    __table_args__ = (
        UniqueConstraint("expert_id", "code"),
        Index("ix_expert_specialties_code", "code"),
    )
    id: int | None = Field(default=None, primary_key=True)
    expert_id: uuid.UUID = Field(foreign_key="experts.id", ondelete="CASCADE")
    code: str = Field(max_length=5)


# --- lots, cases, avoidance facts and draws (panel draw, issue 3) -----------------------


class Lot(Base, table=True):
    """A tender lot; ``rules_json`` holds the per-track panel rules (canonical JSON)."""

    __tablename__ = "lots"
    __table_args__ = (UniqueConstraint("year", "batch", "lot_number"),)
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    year: int
    batch: int
    lot_number: int
    review_agency_id: uuid.UUID = Field(foreign_key="review_agencies.id")
    status: int = Field(default=1)
    rules_json: str = Field(sa_column=Column(Text, nullable=False))
    create_time: datetime = Field(default_factory=utcnow, sa_column=_ts())
    review_deadline: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class Case(Base, table=True):
    __tablename__ = "cases"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    lot_id: uuid.UUID = Field(foreign_key="lots.id", index=True)
    enterprise_id: uuid.UUID = Field(foreign_key="enterprises.id")
    consultancy_id: uuid.UUID = Field(foreign_key="consultancies.id", index=True)
    stage: int
    track: int
    industry_code: str = Field(max_length=5)
    create_time: datetime = Field(default_factory=utcnow, sa_column=_ts())
    #: Set when scoring locked the panel (``FreezePanel``): no recusal after it.
    frozen_time: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class ExpertRelation(Base, table=True):
    """A declared relation with an enterprise or consultancy (``org_kind`` says which)."""

    __tablename__ = "expert_relations"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    expert_id: uuid.UUID = Field(foreign_key="experts.id", index=True)
    kind: int
    org_kind: str = Field(max_length=20)
    org_id: uuid.UUID = Field(index=True)
    end_date: date | None = None
    create_time: datetime = Field(default_factory=utcnow, sa_column=_ts())


class Unavailability(Base, table=True):
    __tablename__ = "expert_unavailabilities"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    expert_id: uuid.UUID = Field(foreign_key="experts.id", index=True)
    start_date: date
    end_date: date
    reason: str = Field(default="", max_length=500)


class DrawRecord(Base, table=True):
    """One draw per lot (the unique lot_id is what makes concurrent draws produce one)."""

    __tablename__ = "draws"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    lot_id: uuid.UUID = Field(foreign_key="lots.id", unique=True)
    seed: str = Field(max_length=50)
    seed_supplied: bool
    inputs_sha256: str = Field(max_length=64)
    result_sha256: str = Field(max_length=64)
    rules_json: str = Field(sa_column=Column(Text, nullable=False))
    versions_json: str = Field(sa_column=Column(Text, nullable=False))
    inputs_json: str = Field(sa_column=Column(Text, nullable=False))
    outcome_json: str = Field(sa_column=Column(Text, nullable=False))
    expected_objective: float
    realised_objective: float
    weakest_panel_fit: float
    create_time: datetime = Field(default_factory=utcnow, sa_column=_ts())


class PanelSeat(Base, table=True):
    __tablename__ = "panel_seats"
    __table_args__ = (UniqueConstraint("case_id", "expert_id"), Index("ix_panel_seats_expert", "expert_id"))
    id: int | None = Field(default=None, primary_key=True)
    draw_id: uuid.UUID = Field(foreign_key="draws.id", index=True)
    lot_id: uuid.UUID = Field(foreign_key="lots.id", index=True)
    case_id: uuid.UUID = Field(foreign_key="cases.id", index=True)
    expert_id: uuid.UUID = Field(foreign_key="experts.id")
    consultancy_id: uuid.UUID
    fit: float
    active: bool = True
    amendment_number: int | None = None
    seated_time: datetime = Field(default_factory=utcnow, sa_column=_ts())


class AmendmentRecord(Base, table=True):
    __tablename__ = "draw_amendments"
    __table_args__ = (UniqueConstraint("draw_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    draw_id: uuid.UUID = Field(foreign_key="draws.id", index=True)
    number: int
    case_id: uuid.UUID = Field(foreign_key="cases.id")
    removed_expert_id: uuid.UUID
    added_expert_id: uuid.UUID
    reason: str = Field(max_length=500)
    seed: str = Field(max_length=50)
    inputs_sha256: str = Field(max_length=64)
    result_sha256: str = Field(max_length=64)
    inputs_json: str = Field(sa_column=Column(Text, nullable=False))
    create_time: datetime = Field(default_factory=utcnow, sa_column=_ts())
