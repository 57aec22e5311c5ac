"""Idempotent mutations (AIP-155): a retry with the same ``request_id`` returns the first answer.

Each service keeps an ``idempotency_keys`` table in its own schema. The key row
is inserted *before* the work, in the same transaction: on PostgreSQL a
concurrent duplicate blocks on the unique key until the first commits, then
fails and reads the stored answer; on SQLite ``BEGIN IMMEDIATE`` serialises
writers. Either way exactly one effect is stored, and the same key reused for
a different request is refused.

A hot path may store its answer *by reference*: it writes the key row with no response, in the
same statement as rows of its own that carry the key, and passes ``rebuild`` so that a retry
rebuilds the first answer from those rows (SubmitScore does this to save a write per call).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from google.protobuf.message import Message
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    LargeBinary,
    MetaData,
    String,
    Table,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from runtime.audit import note_message
from runtime.auth import current_caller
from runtime.db import read_transaction, transaction
from runtime.errors import FieldViolation, InvalidArgument

M = TypeVar("M", bound=Message)

MAX_REQUEST_ID = 128


def idempotency_table(metadata: MetaData) -> Table:
    return Table(
        "idempotency_keys",
        metadata,
        Column("key", String(64), primary_key=True),
        Column("method", String(200), nullable=False),
        Column("request_hash", String(64), nullable=False),
        Column("response", LargeBinary, nullable=True),
        Column("created_at", DateTime(timezone=True), nullable=False),
    )


def key_for(subject: str, method: str, request_id: str) -> str:
    """The stored key: one caller's request_id for one method (callers never collide)."""
    return hashlib.sha256(f"{subject}\0{method}\0{request_id}".encode()).hexdigest()


def request_hash(request: Message) -> str:
    """What a retry must match: the request without its request_id."""
    copy = type(request)()
    copy.CopyFrom(request)
    if "request_id" in copy.DESCRIPTOR.fields_by_name:
        copy.ClearField("request_id")  # type: ignore[arg-type]
    return hashlib.sha256(copy.SerializeToString(deterministic=True)).hexdigest()


class Idempotency:
    def __init__(self, table: Table) -> None:
        self._t = table

    def run(
        self,
        engine: Engine,
        *,
        method: str,
        request: Message,
        response_type: type[M],
        work: Callable[[Session], M],
        rebuild: Callable[[Session, str], M | None] | None = None,
        scope: str = "",
    ) -> M:
        """``work`` once per (caller, method, request_id); ``scope`` replaces the caller's subject
        when the caller is anonymous and something in the request identifies them (a link token)."""
        request_id: str = getattr(request, "request_id", "")
        if not request_id:
            with transaction(engine) as session:
                response = work(session)
                note_message(response)  # the audit event names what the call made
                return response
        if len(request_id) > MAX_REQUEST_ID:
            raise InvalidArgument.fields(
                [FieldViolation("request_id", f"at most {MAX_REQUEST_ID} characters")]
            )
        key = key_for(scope or current_caller().subject, method, request_id)
        digest = request_hash(request)
        for _ in range(3):
            stored = self._stored(engine, key, digest, response_type, rebuild)
            if stored is not None:
                return stored
            try:
                with transaction(engine) as session:
                    session.execute(
                        insert(self._t).values(
                            key=key,
                            method=method,
                            request_hash=digest,
                            created_at=datetime.now(UTC),
                        )
                    )
                    response = work(session)
                    note_message(response)
                    session.execute(
                        update(self._t)
                        .where(self._t.c.key == key)
                        .values(response=response.SerializeToString(deterministic=True))
                    )
                return response
            except IntegrityError:
                # Either a concurrent twin committed first (read its answer on the
                # next turn) or the work itself violated a constraint (re-raise).
                if self._stored(engine, key, digest, response_type, rebuild) is None:
                    raise
        raise RuntimeError("idempotency key neither stored nor insertable")

    def _stored(
        self,
        engine: Engine,
        key: str,
        digest: str,
        response_type: type[M],
        rebuild: Callable[[Session, str], M | None] | None = None,
    ) -> M | None:
        with read_transaction(engine) as session:
            row = session.execute(
                select(self._t.c.request_hash, self._t.c.response).where(self._t.c.key == key)
            ).first()
            if row is None:
                return None
            if row.request_hash != digest:
                raise InvalidArgument(
                    "REQUEST_ID_REUSED",
                    "this request_id was used for a different request",
                    violations=[FieldViolation("request_id", "already used for a different request")],
                )
            if row.response is not None:
                return response_type.FromString(row.response)
            return rebuild(session, key) if rebuild is not None else None
