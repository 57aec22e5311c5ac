"""The gateway's own tables: accounts, single-use activation links, sessions, login throttling,
second-factor recovery codes, and the credentials the authority issues to API clients.

Only hashes of secrets are stored: argon2id for passwords, SHA-256 for the
activation and session tokens and the recovery codes (high-entropy random values, so a fast hash
is enough and lookups stay indexable). The TOTP seed is the one secret kept as it is: the server
needs it to compute codes (RFC 6238); it is never shown again after enrolment.
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
    active: bool = True
    email: str = Field(default="", max_length=200)  # where activation links are sent
    # Second factor (RFC 6238 TOTP), required of authority accounts: the base32 seed, when the
    # holder proved they had it, and the last time step accepted (a code is accepted only once).
    totp_secret: str = Field(default="", max_length=64)
    totp_confirm_time: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    totp_last_step: int = 0
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
    # Password checked, second factor not yet: the session opens only the second-factor pages.
    second_factor_pending: bool = False
    second_factor_failures: int = 0


class RecoveryCode(Base, table=True):
    """A single-use code that stands in for the TOTP code once (the phone was lost)."""

    __tablename__ = "recovery_codes"
    code_sha256: str = Field(primary_key=True, max_length=64)
    account_id: uuid.UUID = Field(foreign_key="accounts.id", index=True)
    used_time: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class LoginThrottle(Base, table=True):
    """Failed logins per key (``pair:<address>|<user>`` or ``addr:<address>``) in the current window,
    shared by every gateway replica through the gateway's database."""

    __tablename__ = "login_throttle"
    key: str = Field(primary_key=True, max_length=120)
    window_start: datetime = Field(sa_column=_ts())
    failures: int = 0
    blocked_until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
