"""Tables of the surveys service (its own metadata, schema and migrations).

Link tokens are never stored: ``invitation_links`` keeps only their SHA-256,
so a copy of the database cannot answer anyone's survey. A response is one row
per invitation (unique), and the invitation's ``respond_time`` is set by a
conditional update, so two racing submits store exactly one answer.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from runtime.audit import audit_tables
from runtime.idempotency import idempotency_table
from runtime.ids import new_id
from runtime.notify.outbox import outbox_table
from runtime.resources import utcnow


class Base(SQLModel, registry=registry()):
    """Every surveys table hangs off this metadata, never SQLModel's global one."""


metadata = Base.metadata
idempotency_keys = idempotency_table(metadata)
audit_events, audit_seals = audit_tables(metadata)
outbox = outbox_table(metadata)  # notifications, written with their cause


def _ts(nullable: bool = False) -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable))


class SurveyTemplateRow(Base, table=True):
    """One version of a template; its content (dimensions, items) is one JSON document."""

    __tablename__ = "survey_templates"
    __table_args__ = (UniqueConstraint("template_id", "version"),)
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    template_id: str = Field(max_length=63, index=True)
    version: int
    rated_party_kind: int
    title_zh: str = Field(max_length=200)
    title_en: str = Field(default="", max_length=200)
    content: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    create_time: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    update_time: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class InvitationRow(Base, table=True):
    __tablename__ = "invitations"
    __table_args__ = (
        UniqueConstraint("case_name", "rated_party_kind"),
        Index("ix_invitations_lot", "lot_name"),
        Index("ix_invitations_party_issued", "rated_party", "create_time"),
        Index("ix_invitations_kind_issued", "rated_party_kind", "create_time"),
    )
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    case_name: str = Field(max_length=200)
    case_display_name: str = Field(default="", max_length=200)
    lot_name: str = Field(default="", max_length=200)
    enterprise: str = Field(max_length=200)
    enterprise_display_name: str = Field(max_length=200)
    enterprise_email: str = Field(default="", max_length=200)  # where its links are sent
    rated_party_kind: int
    rated_party: str = Field(max_length=200)
    rated_party_display_name: str = Field(default="", max_length=200)
    template_pk: uuid.UUID = Field(foreign_key="survey_templates.id", index=True)
    deadline: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    reminder_count: int = 0
    last_remind_time: datetime | None = _ts(nullable=True)
    open_time: datetime | None = _ts(nullable=True)
    respond_time: datetime | None = _ts(nullable=True)
    close_time: datetime | None = _ts(nullable=True)
    create_time: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class InvitationLinkRow(Base, table=True):
    """A link sent for an invitation: the SHA-256 of its token, never the token."""

    __tablename__ = "invitation_links"
    token_sha256: str = Field(max_length=64, primary_key=True)
    invitation_id: uuid.UUID = Field(foreign_key="invitations.id", index=True, ondelete="CASCADE")
    create_time: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class ResponseRow(Base, table=True):
    """The enterprise's answers, with the quality signals found when they arrived."""

    __tablename__ = "responses"
    __table_args__ = (Index("ix_responses_party_pattern", "rated_party", "pattern_sha256"),)
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    invitation_id: uuid.UUID = Field(foreign_key="invitations.id", unique=True)
    template_pk: uuid.UUID = Field(foreign_key="survey_templates.id")
    rated_party: str = Field(max_length=200)
    enterprise: str = Field(max_length=200)
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    pattern_sha256: str = Field(max_length=64)
    completion_seconds: float | None = None
    straight_lining: bool = False
    too_fast: bool = False
    duplicate_pattern: bool = False
    submit_time: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
