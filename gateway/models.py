"""The gateway's own tables: accounts, single-use activation links, sessions.

Only hashes of secrets are stored: argon2id for passwords, SHA-256 for the
activation and session tokens (high-entropy random values, so a fast hash is
enough and lookups stay indexable).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, DateTime
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from runtime.audit import audit_tables
from runtime.ids import new_id
from runtime.notify.outbox import outbox_table
from runtime.resources import utcnow


class Base(SQLModel, registry=registry()):
    """Every gateway table hangs off this metadata."""


metadata = Base.metadata
audit_events, audit_seals = audit_tables(metadata)  # the gateway's own audit trail
outbox = outbox_table(metadata)  # activation links, written with the account change


def _ts(nullable: bool = False) -> Column[datetime]:
    return Column(DateTime(timezone=True), nullable=nullable)


class Account(Base, table=True):
    """A person (reviewer) or organisation (consultancy) login, created by the authority."""

    __tablename__ = "accounts"
    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    username: str = Field(max_length=100, unique=True)
    role: str = Field(max_length=20)
    subject: str = Field(max_length=200)  # experts/{id} or consultancies/{id}
    org: str = Field(default="", max_length=200)
    display_name: str = Field(default="", max_length=200)
    password_hash: str = Field(default="", max_length=300)
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    active: bool = True
    email: str = Field(default="", max_length=200)  # where activation links are sent
    create_time: datetime = Field(default_factory=utcnow, sa_column=_ts())


class Activation(Base, table=True):
    """A single-use link that sets an account's first (or a reset) password."""

    __tablename__ = "activations"
    token_sha256: str = Field(primary_key=True, max_length=64)
    account_id: uuid.UUID = Field(foreign_key="accounts.id", index=True)
    expire_time: datetime = Field(sa_column=_ts())
    used_time: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class Session(Base, table=True):
    """A logged-in browser; the cookie holds the token, the table its hash."""

    __tablename__ = "sessions"
    token_sha256: str = Field(primary_key=True, max_length=64)
    account_id: uuid.UUID = Field(foreign_key="accounts.id", index=True)
    create_time: datetime = Field(default_factory=utcnow, sa_column=_ts())
    expire_time: datetime = Field(sa_column=_ts())
