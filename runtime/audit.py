"""The audit trail: who did what, when and from where, for every mutation of every service.

Each service keeps two append-only tables in its own schema (declared by :func:`audit_tables`
beside its other tables, created by its migrations):

- ``audit_events``: one row per mutation, written by :func:`db.transaction` itself just before
  it commits (so in the same transaction as the change: no change without its event, no event
  for a change that rolled back), and one row per failed mutation, written in its own
  transaction when the call fails. The row says who (subject, role, organisation, client
  program), what (method, resource names, request id, outcome code and reason), when and from
  where (network peer, forwarded address). No handler writes it and none can forget it: the
  server interceptor opens an :class:`Scope` for every call, and every write transaction run
  inside that call appends the event.
- ``audit_seals``: the hash chain. Position ``seq`` of the chain holds one event, the hash of
  the previous position and its own hash, SHA-256 over (previous hash, seq, digest of the
  event's content). A sealer appends positions in event-id order under one lock per service
  (a transaction-scoped advisory lock on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), so the
  chain stays one chain under any number of writers and replicas. It runs every second, in
  batches (woken after each call, it sealed a few events at a time and cost more CPU than the
  calls themselves); :meth:`AuditLog.verify` seals first.

Why the chain is appended after the commit rather than inside the change's transaction: a link
needs the previous event's hash, so chaining inside the transaction holds one lock per service
from the append until the commit's WAL flush. Measured here, one flushed commit takes 1.6 ms,
which caps every write of a service at about 600/s (SubmitScore runs at 1,700/s). The event
itself is in the change's transaction; its chain position follows within a second.

The application never updates or deletes either table. :meth:`AuditLog.verify` recomputes the
chain and names the first event whose content, link or position does not match.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import re
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    event,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.sql.elements import TextClause
from sqlmodel import Session

from runtime import db
from runtime.logging import get_logger

log = get_logger("dgcp.audit")

GENESIS = "0" * 64
SEAL_BATCH = 2000
SEAL_WINDOW = 100_000
"""The sealer looks for unsealed events among the last ``SEAL_WINDOW`` ids after the newest
sealed one (a transaction that stays open across more events than that is sealed by the next
full pass: at start-up and before every verification)."""
SEAL_INTERVAL_SECONDS = 1.0
MAX_RESOURCES = 20
MAX_TEXT = 300

# Methods that only read: a failure of one of these is not an audit event.
READ_PREFIXES = ("Get", "List", "Check", "Replay", "Verify", "Batch", "Export")

_BigId = BigInteger().with_variant(Integer(), "sqlite")  # SQLite: INTEGER PRIMARY KEY is the rowid


def audit_tables(metadata: MetaData) -> tuple[Table, Table]:
    """The service's ``audit_events`` and ``audit_seals`` tables (see the module doc)."""
    events = Table(
        "audit_events",
        metadata,
        Column("id", _BigId, primary_key=True, autoincrement=True),
        Column("at", DateTime(timezone=True), nullable=False),
        Column("service", String(40), nullable=False),
        Column("method", String(200), nullable=False),
        Column("request_id", String(128), nullable=False),
        Column("subject", String(300), nullable=False),
        Column("role", String(40), nullable=False),
        Column("org", String(300), nullable=False),
        Column("client", String(300), nullable=False),
        Column("peer", String(300), nullable=False),
        Column("forwarded_for", String(300), nullable=False),
        Column("resources", Text, nullable=False),
        Column("code", String(40), nullable=False),
        Column("reason", String(200), nullable=False),
        Index("ix_audit_events_at", "at"),
        Index("ix_audit_events_subject", "subject"),
        Index("ix_audit_events_method", "method"),
        Index("ix_audit_events_request_id", "request_id"),
    )
    seals = Table(
        "audit_seals",
        metadata,
        Column("seq", _BigId, primary_key=True, autoincrement=False),
        Column("event_id", _BigId, ForeignKey("audit_events.id"), nullable=False, unique=True),
        Column("prev_hash", String(64), nullable=False),
        Column("hash", String(64), nullable=False),
    )
    return events, seals


def is_mutation(method: str) -> bool:
    return not method.startswith(READ_PREFIXES)


# ---- what a call is: set by the server interceptor, read by db.transaction -------------------


@dataclass(slots=True)
class Scope:
    """The call being served, as the audit trail records it."""

    service: str
    method: str
    request_id: str
    peer: str = ""
    client: str = ""
    forwarded_for: str = ""
    subject: str = ""
    role: str = ""
    org: str = ""
    request: Message | None = None
    noted: list[str] = field(default_factory=list)
    wrote: bool = False

    def identify(self, subject: str, role: str, org: str = "") -> None:
        self.subject, self.role, self.org = subject, role, org

    def note(self, *names: str) -> None:
        """Resource names the call created or touched beyond those in its request."""
        for name in names:
            if name and name not in self.noted:
                self.noted.append(name)

    def resources(self) -> list[str]:
        names = names_in(self.request) if self.request is not None else []
        for name in self.noted:
            if name not in names:
                names.append(name)
        return [n[:MAX_TEXT] for n in names[:MAX_RESOURCES]]

    def values(self, code: str, reason: str, *, at: datetime | None = None) -> dict[str, Any]:
        return {
            "at": at or datetime.now(UTC),
            "service": self.service,
            "method": self.method[:200],
            "request_id": self.request_id[:128],
            "subject": (self.subject or "anonymous")[:MAX_TEXT],
            "role": self.role[:40],
            "org": self.org[:MAX_TEXT],
            "client": self.client[:MAX_TEXT],
            "peer": self.peer[:MAX_TEXT],
            "forwarded_for": self.forwarded_for[:MAX_TEXT],
            "resources": encode_resources(self.resources()),
            "code": code[:40],
            "reason": reason[:200],
        }


_scope: contextvars.ContextVar[Scope | None] = contextvars.ContextVar("audit_scope", default=None)


def current() -> Scope | None:
    return _scope.get()


def enter(scope: Scope | None) -> contextvars.Token[Scope | None]:
    return _scope.set(scope)


def leave(token: contextvars.Token[Scope | None]) -> None:
    _scope.reset(token)


def note(*names: str) -> None:
    """Add resource names to the current call's event (a no-op outside a call)."""
    scope = _scope.get()
    if scope is not None:
        scope.note(*names)


def note_message(message: Message) -> None:
    """Add the resource a response is (its ``name``) to the current call's event."""
    scope = _scope.get()
    if scope is not None and "name" in message.DESCRIPTOR.fields_by_name:
        name = getattr(message, "name", "")
        if isinstance(name, str) and _NAME.match(name):
            scope.note(name)


# ---- resource names in messages --------------------------------------------------------------

_NAME = re.compile(r"^[a-z][A-Za-z]*/[^/\s]+(?:/[a-z][A-Za-z]*/[^/\s]+)*$")
_plans: dict[str, tuple[tuple[str, bool], ...]] = {}


def _plan(descriptor: Any) -> tuple[tuple[str, bool], ...]:
    """Top-level string fields (name, repeated) and message fields' ``name`` to look at."""
    plan = _plans.get(descriptor.full_name)
    if plan is None:
        out: list[tuple[str, bool]] = []
        for f in descriptor.fields:
            repeated = f.is_repeated
            if f.type == FieldDescriptor.TYPE_STRING and f.name != "request_id":
                out.append((f.name, repeated))
            elif f.type == FieldDescriptor.TYPE_MESSAGE and not repeated and _has_name(f.message_type):
                out.append((f.name + ".name", False))
        plan = _plans[descriptor.full_name] = tuple(out)
    return plan


def _has_name(descriptor: Any) -> bool:
    name = descriptor.fields_by_name.get("name") if descriptor is not None else None
    return name is not None and name.type == FieldDescriptor.TYPE_STRING


def names_in(message: Message) -> list[str]:
    """Resource names (``collection/id[/collection/id...]``) among a message's own fields."""
    found: list[str] = []
    for path, repeated in _plan(message.DESCRIPTOR):
        if "." in path:
            outer, _ = path.split(".", 1)
            if not message.HasField(outer):
                continue
            values: Sequence[str] = [getattr(message, outer).name]
        else:
            value = getattr(message, path)
            values = list(value)[:MAX_RESOURCES] if repeated else [value]
        for v in values:
            if v and len(v) <= MAX_TEXT and _NAME.match(v) and v not in found:
                found.append(v)
    return found


def encode_resources(names: Sequence[str]) -> str:
    """Stored with a newline on either side of each name, so that a filter matches whole names."""
    return "\n" + "\n".join(names) + "\n" if names else ""


def decode_resources(stored: str) -> list[str]:
    return [n for n in stored.split("\n") if n]


# ---- the log of one service ------------------------------------------------------------------


def _iso(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_CONTENT = (
    "service",
    "method",
    "request_id",
    "subject",
    "role",
    "org",
    "client",
    "peer",
    "forwarded_for",
    "resources",
    "code",
    "reason",
)


def content_digest(row: Any) -> str:
    """SHA-256 of an event's content as stored (id, time and every field)."""
    fields = [int(row.id), _iso(row.at), *(getattr(row, name) for name in _CONTENT)]
    blob = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def link(prev_hash: str, seq: int, digest: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{seq}\n{digest}".encode()).hexdigest()


@dataclass(frozen=True)
class Verdict:
    valid: bool
    checked: int
    first_bad_event: int | None = None
    problem: str = ""
    bad_sequence: int = 0


@dataclass(frozen=True)
class Filter:
    subject: str = ""
    resource: str = ""
    method: str = ""
    request_id: str = ""
    start: datetime | None = None
    end: datetime | None = None


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class AuditLog:
    """One service's audit tables on one engine, and the thread that chains them."""

    def __init__(self, engine: Engine, events: Table, seals: Table, service: str) -> None:
        self.engine = engine
        self.events = events
        self.seals = seals
        self.service = service
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock_key = int.from_bytes(
            hashlib.sha256(f"dgcp-audit-{service}".encode()).digest()[:8], "big", signed=True
        )

    # -- writing

    def append(self, session: Session, scope: Scope, code: str = "OK", reason: str = "") -> None:
        session.execute(insert(self.events).values(**scope.values(code, reason)))
        scope.wrote = True

    def record_failure(self, scope: Scope, code: str, reason: str) -> None:
        """A failed mutation, in its own transaction (the change itself rolled back)."""
        token = _scope.set(None)  # this transaction is the event, not a change to audit
        try:
            with db.transaction(self.engine) as session:
                session.execute(insert(self.events).values(**scope.values(code, reason)))
        except Exception as exc:  # noqa: BLE001 -- the caller's own error matters more than its audit line
            log.warning("audit event not written", method=scope.method, error=type(exc).__name__)
        finally:
            _scope.reset(token)

    # -- chaining

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name=f"audit-sealer-{self.service}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def _run(self) -> None:
        full = True
        while not self._stop.is_set():
            try:
                self.seal(full=full)
                full = False
            except Exception as exc:  # noqa: BLE001 -- a database outage: try again on the next turn
                log.warning("audit sealing failed", service=self.service, error=type(exc).__name__)
            self._wake.wait(SEAL_INTERVAL_SECONDS)
            self._wake.clear()

    def seal(self, *, full: bool = False) -> int:
        """Chain every committed, unchained event; returns how many were chained."""
        total = 0
        while True:
            count = self._seal_batch(full)
            total += count
            if count < SEAL_BATCH:
                return total

    def _seal_batch(self, full: bool) -> int:
        e, s = self.events, self.seals
        token = _scope.set(None)
        try:
            with db.transaction(self.engine) as session:
                if self.engine.dialect.name == "postgresql":
                    session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": self._lock_key})
                last = session.execute(
                    select(s.c.seq, s.c.hash, s.c.event_id).order_by(s.c.seq.desc()).limit(1)
                ).first()
                seq, prev = (int(last.seq), last.hash) if last is not None else (0, GENESIS)
                floor = 0 if full or last is None else int(last.event_id) - SEAL_WINDOW
                rows = session.execute(
                    select(e)
                    .outerjoin(s, s.c.event_id == e.c.id)
                    .where(e.c.id > floor, s.c.event_id.is_(None))
                    .order_by(e.c.id)
                    .limit(SEAL_BATCH)
                ).all()
                if not rows:
                    return 0
                chained = []
                for row in rows:
                    seq += 1
                    digest = link(prev, seq, content_digest(row))
                    chained.append({"seq": seq, "event_id": row.id, "prev_hash": prev, "hash": digest})
                    prev = digest
                session.execute(insert(s), chained)
                return len(rows)
        finally:
            _scope.reset(token)

    # -- reading

    def list(self, filt: Filter, *, limit: int, before_id: int | None = None) -> list[Any]:
        """Events (with their chain position, if chained yet) newest first."""
        e, s = self.events, self.seals
        cond = []
        if filt.subject:
            cond.append(e.c.subject == filt.subject)
        if filt.method:
            cond.append(e.c.method == filt.method)
        if filt.request_id:
            cond.append(e.c.request_id == filt.request_id)
        if filt.start is not None:
            cond.append(e.c.at >= filt.start)
        if filt.end is not None:
            cond.append(e.c.at < filt.end)
        if filt.resource:
            name = _like_escape(filt.resource.rstrip("/"))
            cond.append(
                e.c.resources.like(f"%\n{name}\n%", escape="\\")
                | e.c.resources.like(f"%\n{name}/%", escape="\\")
            )
        if before_id is not None:
            cond.append(e.c.id < before_id)
        query = (
            select(e, s.c.seq, s.c.prev_hash, s.c.hash)
            .outerjoin(s, s.c.event_id == e.c.id)
            .where(and_(True, *cond))
            .order_by(e.c.id.desc())
            .limit(limit)
        )
        with db.read_transaction(self.engine) as session:
            return list(session.execute(query).all())

    def verify(self) -> Verdict:
        """Chain what is unchained, then recompute the whole chain in order."""
        self.seal(full=True)
        e, s = self.events, self.seals
        query = select(e, s.c.seq, s.c.prev_hash, s.c.hash).join(s, s.c.event_id == e.c.id).order_by(s.c.seq)
        checked, prev, expected = 0, GENESIS, 1
        with db.read_transaction(self.engine) as session:
            for row in session.execute(query.execution_options(yield_per=1000)):
                bad = self._problem(row, prev, expected)
                if bad:
                    return Verdict(False, checked, int(row.id), bad, int(row.seq))
                checked += 1
                prev, expected = row.hash, expected + 1
        return Verdict(True, checked)

    @staticmethod
    def _problem(row: Any, prev: str, expected: int) -> str:
        if int(row.seq) != expected:
            return "SEQUENCE_GAP"
        if row.prev_hash != prev:
            return "PREVIOUS_HASH_MISMATCH"
        if link(row.prev_hash, int(row.seq), content_digest(row)) != row.hash:
            return "CONTENT_CHANGED"
        return ""


_logs: weakref.WeakKeyDictionary[Engine, AuditLog] = weakref.WeakKeyDictionary()


def install(engine: Engine, metadata: MetaData, service: str, *, seal: bool = True) -> AuditLog | None:
    """Attach the service's audit log to its engine (every write transaction on it is audited
    while a call is in scope) and start its sealer. None when the metadata has no audit tables."""
    events = metadata.tables.get("audit_events")
    seals = metadata.tables.get("audit_seals")
    if events is None or seals is None:
        return None
    audit_log = AuditLog(engine, events, seals, service)
    _logs[engine] = audit_log
    if seal:
        audit_log.start()
        event.listen(engine, "engine_disposed", lambda _engine: audit_log.stop())
    return audit_log


def log_of(engine: Engine) -> AuditLog | None:
    return _logs.get(engine)


_WROTE = "dgcp.audit.wrote"


@event.listens_for(OrmSession, "after_flush")
def _wrote_by_flush(session: OrmSession, _context: Any) -> None:
    session.info[_WROTE] = True  # a flush with nothing pending fires no event


@event.listens_for(OrmSession, "do_orm_execute")
def _wrote_by_statement(state: Any) -> None:
    stmt = state.statement
    if (
        state.is_insert
        or state.is_update
        or state.is_delete
        or (isinstance(stmt, TextClause) and stmt.text.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"))
    ):
        state.session.info[_WROTE] = True


def _wrote(session: Session) -> bool:
    """Whether this unit of work changed anything: a replayed or no-op call (an idempotent retry,
    freezing a panel that is frozen already) is no change, and records no event."""
    return bool(session.info.pop(_WROTE, False) or session.new or session.dirty or session.deleted)


def _before_commit(engine: Engine, session: Session) -> None:
    """db.transaction's hook: the event of the current call goes into the change's transaction."""
    scope = _scope.get()
    if scope is None or not _wrote(session):
        return
    audit_log = _logs.get(engine)
    if audit_log is not None:
        audit_log.append(session, scope)


db.before_commit_hooks.append(_before_commit)


def statement_values() -> dict[str, Any] | None:
    """The current call's event as statement parameters (``audit_<column>``), for a hot path that
    writes its change in one hand-written statement and must append the event in it too; None
    outside a call. The statement appends its own resource names to ``audit_resources``."""
    scope = _scope.get()
    if scope is None:
        return None
    scope.wrote = True
    return {
        "audit_at": datetime.now(UTC),
        "audit_service": scope.service,
        "audit_method": scope.method[:200],
        "audit_request_id": scope.request_id[:128],
        "audit_subject": (scope.subject or "anonymous")[:MAX_TEXT],
        "audit_role": scope.role[:40],
        "audit_org": scope.org[:MAX_TEXT],
        "audit_client": scope.client[:MAX_TEXT],
        "audit_peer": scope.peer[:MAX_TEXT],
        "audit_forwarded_for": scope.forwarded_for[:MAX_TEXT],
        "audit_resources": encode_resources(scope.resources()) or "\n",  # the statement appends "name\n"
        "audit_code": "OK",
        "audit_reason": "",
    }
