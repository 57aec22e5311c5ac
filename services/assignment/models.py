"""Tables of the assignment service (its own metadata, schema and migrations)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, DateTime, Index, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from runtime.idempotency import idempotency_table
from runtime.ids import new_id
from runtime.resources import utcnow


class Base(SQLModel, registry=registry()):
    """Every assignment table hangs off this metadata, never SQLModel's global one."""


metadata = Base.metadata
idempotency_keys = idempotency_table(metadata)


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
    create_time: datetime = Field(default_factory=utcnow, sa_column=_ts())
    update_time: datetime = Field(default_factory=utcnow, sa_column=_ts())


class Consultancy(Base, table=True):
    __tablename__ = "consultancies"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    credit_code: str = Field(max_length=18, unique=True)
    display_name: str = Field(max_length=200)
    contact_person: str = Field(default="", max_length=100)
    contact_phone: str = Field(default="", max_length=40)
    contact_email: str = Field(default="", max_length=200)
    create_time: datetime = Field(default_factory=utcnow, sa_column=_ts())
    update_time: datetime = Field(default_factory=utcnow, sa_column=_ts())


class ReviewAgency(Base, table=True):
    __tablename__ = "review_agencies"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    credit_code: str = Field(max_length=18, unique=True)
    display_name: str = Field(max_length=200)
    contact_person: str = Field(default="", max_length=100)
    contact_phone: str = Field(default="", max_length=40)
    contact_email: str = Field(default="", max_length=200)
    create_time: datetime = Field(default_factory=utcnow, sa_column=_ts())
    update_time: datetime = Field(default_factory=utcnow, sa_column=_ts())


class Expert(Base, table=True):
    __tablename__ = "experts"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    display_name: str = Field(max_length=100)
    employer_name: str = Field(max_length=200)
    employer_credit_code: str = Field(max_length=18, index=True)
    active: bool = True
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
