"""The outbox: messages a service must send, written in the same transaction as their cause.

Each service that sends anything keeps a ``notification_outbox`` table in its own schema
(:func:`outbox_table`). A handler calls :func:`enqueue` with the session of the transaction
that makes the change, so a message exists exactly when its cause committed. The delivery
worker (:mod:`runtime.notify.worker`) sends them later.

Rows move ``pending`` → ``sending`` → ``sent``; a failure puts the row back to ``pending`` with
a later ``next_attempt_time`` (exponential backoff) until ``failed``. A row left in ``sending``
by a worker that died (its lease ran out) becomes ``interrupted`` and is never sent again: one
outbox row is sent at most once.

A message may carry one secret link (a survey or activation link). The link is sealed
(:mod:`runtime.notify.sealing`) and the stored body holds only the :data:`LINK` placeholder;
the worker opens it when it sends and erases it once the row is sent or has failed, so a copy
of the table holds no usable link.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from runtime.db import read_transaction
from runtime.ids import new_id
from runtime.notify.sealing import seal
from runtime.resources import utcnow

TABLE_NAME = "notification_outbox"
LINK = "{{link}}"
"""Where the body shows its link; replaced when the message is sent."""

PENDING, SENDING, SENT, FAILED, INTERRUPTED = "pending", "sending", "sent", "failed", "interrupted"
STATES = (PENDING, SENDING, SENT, FAILED, INTERRUPTED)
EMAIL, SMS = "email", "sms"


def outbox_table(metadata: MetaData) -> Table:
    """The outbox table in a service's own metadata (its migration creates it)."""
    return Table(
        TABLE_NAME,
        metadata,
        Column("id", Uuid, primary_key=True),
        # What caused the message, unique: the same cause never queues two messages.
        Column("dedupe_key", String(200), nullable=False, unique=True),
        Column("kind", String(40), nullable=False),
        Column("channel", String(10), nullable=False),
        Column("recipient", String(320), nullable=False),
        Column("recipient_name", String(200), nullable=False),
        Column("subject", String(300), nullable=False),
        Column("body", Text, nullable=False),
        Column("sealed_link", LargeBinary, nullable=True),
        Column("status", String(12), nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("next_attempt_time", DateTime(timezone=True), nullable=False),
        Column("lease_until", DateTime(timezone=True), nullable=True),
        Column("last_error", String(500), nullable=False),
        Column("create_time", DateTime(timezone=True), nullable=False),
        Column("sent_time", DateTime(timezone=True), nullable=True),
        Index("ix_notification_outbox_due", "status", "next_attempt_time"),
    )


@dataclass(frozen=True)
class Outgoing:
    """One message to queue. ``body`` shows :data:`LINK` where ``link`` goes, if it has one."""

    dedupe_key: str
    kind: str
    recipient: str
    recipient_name: str
    subject: str
    body: str
    link: str = ""
    channel: str = EMAIL

    def __post_init__(self) -> None:
        if self.channel not in (EMAIL, SMS):
            raise ValueError(f"unknown channel {self.channel!r}")
        if bool(self.link) != (LINK in self.body):
            raise ValueError("a link needs exactly its placeholder in the body, and the reverse")


def enqueue(session: Session, table: Table, message: Outgoing) -> bool:
    """Queue ``message`` in the caller's transaction; False when its cause had queued one already."""
    now = utcnow()
    values = {
        "id": new_id(),
        "dedupe_key": message.dedupe_key[:200],
        "kind": message.kind,
        "channel": message.channel,
        "recipient": message.recipient,
        "recipient_name": message.recipient_name[:200],
        "subject": message.subject[:300],
        "body": message.body,
        "sealed_link": seal(message.link) if message.link else None,
        "status": PENDING,
        "attempts": 0,
        "next_attempt_time": now,
        "lease_until": None,
        "last_error": "",
        "create_time": now,
        "sent_time": None,
    }
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table).values(**values)
    stmt = insert.on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(table.c.id)
    return session.execute(stmt).first() is not None


def pending_count(engine: Engine, table: Table) -> int:
    """Messages still to send (pending or being sent): the outbox depth metrics report."""
    with read_transaction(engine) as s:
        stmt = select(func.count()).select_from(table).where(table.c.status.in_((PENDING, SENDING)))
        return int(s.execute(stmt).scalar_one())


def depth_source(engine: Engine, table: Table) -> Callable[[], float]:
    """:func:`pending_count` for a metrics gauge read at each scrape: NaN when the database cannot
    be read (a scrape never fails because of it)."""

    def read() -> float:
        try:
            return float(pending_count(engine, table))
        except Exception:  # noqa: BLE001 - the gauge says "unknown", the scrape goes on
            return float("nan")

    return read


def counts(engine: Engine, table: Table) -> dict[str, int]:
    """Rows per status (every status present, zero when none)."""
    with read_transaction(engine) as s:
        rows = s.execute(select(table.c.status, func.count()).group_by(table.c.status)).all()
    found = {str(status): int(n) for status, n in rows}
    return {state: found.get(state, 0) for state in STATES}


@dataclass(frozen=True)
class Row:
    """An outbox row as the worker and the console see it (never the sealed link)."""

    id: uuid.UUID
    dedupe_key: str
    kind: str
    channel: str
    recipient: str
    recipient_name: str
    subject: str
    status: str
    attempts: int
    last_error: str
    create_time: datetime
    sent_time: datetime | None


def recent(engine: Engine, table: Table, *, limit: int = 50) -> list[Row]:
    """The newest rows, newest first."""
    with read_transaction(engine) as s:
        rows = s.execute(select(table).order_by(table.c.create_time.desc()).limit(limit)).mappings().all()
    return [
        Row(
            id=r["id"],
            dedupe_key=r["dedupe_key"],
            kind=r["kind"],
            channel=r["channel"],
            recipient=r["recipient"],
            recipient_name=r["recipient_name"],
            subject=r["subject"],
            status=r["status"],
            attempts=r["attempts"],
            last_error=r["last_error"],
            create_time=r["create_time"],
            sent_time=r["sent_time"],
        )
        for r in rows
    ]
