"""Tables of standings, determinations, flag models, flags and bulletins (scoring's metadata).

They hang off the scoring service's own metadata, so its Alembic chain migrates them and its drift
test sees them. Bulletins and their files are insert-only: a correction is a new version row.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Integer, LargeBinary, UniqueConstraint, Uuid
from sqlmodel import Field

from runtime.ids import new_id
from runtime.resources import utcnow
from services.scoring.models import NAME, Base


def _ts(nullable: bool = False) -> Any:
    return Column(DateTime(timezone=True), nullable=nullable)


def _json() -> Any:
    return Column(JSON, nullable=False)


class StandingRunRow(Base, table=True):
    """One computation of a period's standings for one kind of entity (newest wins)."""

    __tablename__ = "standing_runs"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    period: str = Field(max_length=7, index=True)
    kind: str = Field(max_length=20)
    window_months: int
    data_cutoff: datetime = Field(sa_column=_ts())
    rows: list[dict[str, Any]] = Field(sa_column=_json())
    summary: dict[str, Any] = Field(sa_column=_json())
    create_time: datetime = Field(default_factory=utcnow, sa_column=_ts())


class DeterminationRow(Base, table=True):
    __tablename__ = "determinations"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    consultancy: str = Field(max_length=NAME, index=True)
    period: str = Field(max_length=7)
    kind: str = Field(max_length=30)
    substandard: bool
    evidence: list[str] = Field(sa_column=_json())
    decide_time: datetime = Field(sa_column=_ts())
    note: str = Field(default="", max_length=2000)
    recorded_by: str = Field(max_length=NAME)
    create_time: datetime = Field(default_factory=utcnow, sa_column=_ts())


class FlagModelRow(Base, table=True):
    __tablename__ = "flag_models"
    version: str = Field(primary_key=True, max_length=40)
    artefact: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    artefact_sha256: str = Field(max_length=64)
    training_sha256: str = Field(max_length=64)
    features: list[str] = Field(sa_column=_json())
    params: dict[str, Any] = Field(sa_column=_json())
    metrics: dict[str, Any] = Field(sa_column=_json())
    log: list[str] = Field(sa_column=_json())
    create_time: datetime = Field(default_factory=utcnow, sa_column=_ts())


class FlagRow(Base, table=True):
    """A consultancy's flag in a period, and the due process of its proposed notice."""

    __tablename__ = "flags"
    __table_args__ = (UniqueConstraint("period", "consultancy"),)
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    period: str = Field(max_length=7)
    consultancy: str = Field(max_length=NAME, index=True)
    level: str = Field(max_length=20)
    reasons: list[dict[str, str]] = Field(sa_column=_json())
    n_reports: int
    quality_estimate: float
    p_below_pass: float
    model_risk: float | None = None
    flag_model: str = Field(default="", max_length=60)
    notice_state: str = Field(default="", max_length=20)
    statement: str = Field(default="", max_length=5000)
    statement_time: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    proposed_time: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    decision_reason: str = Field(default="", max_length=2000)
    decided_by: str = Field(default="", max_length=NAME)
    decide_time: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    create_time: datetime = Field(default_factory=utcnow, sa_column=_ts())


class BulletinRow(Base, table=True):
    __tablename__ = "bulletins"
    __table_args__ = (
        UniqueConstraint("period", "version"),
        UniqueConstraint("sequence", name="uq_bulletins_sequence"),
    )
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    period: str = Field(max_length=7)
    version: int
    replaces: uuid.UUID | None = Field(
        default=None, sa_column=Column(ForeignKey("bulletins.id"), nullable=True)
    )
    correction_note: str = Field(default="", max_length=2000)
    sha256: str = Field(max_length=64)
    synthetic: bool = False
    notices: int = 0
    data_cutoff: datetime = Field(sa_column=_ts())
    publish_time: datetime = Field(default_factory=utcnow, sa_column=_ts())
    # monthly | interim | annual (bulletin.publication)
    kind: str = Field(default="monthly", max_length=20, sa_column_kwargs={"server_default": "monthly"})
    # position in the deployment's hash chain of manifests (1, 2, ...) and its predecessor's SHA-256
    sequence: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    previous_sha256: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})
    signature: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    key_fingerprint: str = Field(default="", max_length=80, sa_column_kwargs={"server_default": ""})
    document_number: str = Field(default="", max_length=80, sa_column_kwargs={"server_default": ""})
    # the standings runs this version published: frozen, later runs of the period are drafts
    consultancy_run: uuid.UUID | None = Field(default=None, sa_column=Column(Uuid, nullable=True))
    agency_run: uuid.UUID | None = Field(default=None, sa_column=Column(Uuid, nullable=True))


class DeploymentFactRow(Base, table=True):
    """Facts fixed at a deployment's first start (e.g. whether it holds synthetic data); never updated."""

    __tablename__ = "deployment_facts"
    key: str = Field(primary_key=True, max_length=60)
    value: Any = Field(sa_column=_json())
    create_time: datetime = Field(default_factory=utcnow, sa_column=_ts())


class BulletinFileRow(Base, table=True):
    __tablename__ = "bulletin_files"
    bulletin_id: uuid.UUID = Field(sa_column=Column(ForeignKey("bulletins.id"), primary_key=True))
    file: str = Field(primary_key=True, max_length=80)
    media_type: str = Field(max_length=80)
    sha256: str = Field(max_length=64)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


standing_runs = StandingRunRow.__table__  # type: ignore[attr-defined]
determinations = DeterminationRow.__table__  # type: ignore[attr-defined]
flag_models = FlagModelRow.__table__  # type: ignore[attr-defined]
flags = FlagRow.__table__  # type: ignore[attr-defined]
bulletins = BulletinRow.__table__  # type: ignore[attr-defined]
bulletin_files = BulletinFileRow.__table__  # type: ignore[attr-defined]
deployment_facts = DeploymentFactRow.__table__  # type: ignore[attr-defined]
