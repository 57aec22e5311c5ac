"""Database engines, transactions and per-service Alembic migrations.

SQLite is the embedded default (one file per service, WAL, foreign keys,
``BEGIN IMMEDIATE`` so concurrent writers queue instead of failing on lock
upgrade). PostgreSQL is what production and the database tests use; there each
service owns a schema named after it (``search_path`` set per connection) and
migrations run under an advisory lock so replicas starting together do not race.

A unit of work that only reads uses :func:`read_transaction`: on SQLite it begins with a plain
deferred ``BEGIN`` (a snapshot beside any writer, no write lock), on PostgreSQL it is
``READ ONLY`` (a write in it fails).
"""

from __future__ import annotations

import hashlib
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, MetaData, create_engine, event, make_url, pool, text
from sqlalchemy.exc import DisconnectionError
from sqlmodel import Session

from runtime.config import Settings


def redacted(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def create_engine_for(settings: Settings) -> Engine:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            poolclass=pool.QueuePool,
            pool_size=settings.db_pool_size,
            max_overflow=2,
        )
        _sqlite_pragmas(engine)
        return engine
    if url.get_backend_name() == "postgresql" and url.get_driver_name() in ("", "psycopg2"):
        url = url.set(drivername="postgresql+psycopg")
    engine = create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=2,
        pool_timeout=10,
        connect_args={"connect_timeout": 10},
    )
    _ping_when_idle(engine)
    schema = settings.db_schema

    # SET on connect rather than a startup option: PgBouncer drops startup options.
    @event.listens_for(engine, "connect")
    def _search_path(dbapi_conn: Any, _record: Any) -> None:
        autocommit = dbapi_conn.autocommit
        dbapi_conn.autocommit = True
        with dbapi_conn.cursor() as cur:
            cur.execute(f'SET search_path TO "{schema}"')
        dbapi_conn.autocommit = autocommit

    return engine


PING_AFTER_IDLE_SECONDS = 0.5


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before use only if it sat idle for a while.

    SQLAlchemy's ``pool_pre_ping`` costs one round trip on every checkout. A connection handed
    back less than half a second ago is as good as the last statement it ran (HikariCP's
    "alive bypass window" makes the same bet), so under load nothing is pinged, while one that
    waited in the pool across a database restart is found dead, discarded and replaced before
    a request sees it. A connection that dies within the window fails its statement: the
    dialect recognises the disconnect, the pool drops every connection of that generation and
    the caller gets a retryable UNAVAILABLE.
    """

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError("pooled connection failed its ping") from exc


READ_ONLY = "dgcp_read_only"
"""Execution option marking a connection's transaction as read-only (see :func:`read_transaction`)."""

# Set on a read_transaction's connection before its BEGIN (constant dicts: nothing is built per
# call, no OptionEngine per engine). SQLite: the begin listener in _sqlite_pragmas issues a
# deferred BEGIN. PostgreSQL: SQLAlchemy's postgresql_readonly sets psycopg's read_only, so the
# BEGIN it sends is BEGIN READ ONLY (no extra round trip), and resets it when the connection
# returns to the pool (the next user of the connection gets a read-write transaction).
_READ_ONLY_OPTIONS: dict[str, dict[str, Any]] = {"postgresql": {READ_ONLY: True, "postgresql_readonly": True}}
_READ_ONLY_DEFAULT: dict[str, Any] = {READ_ONLY: True}


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A reader's deferred BEGIN takes no lock: in WAL mode it reads a snapshot beside a writer.
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")


before_commit_hooks: list[Callable[[Engine, Session], None]] = []
"""Run at the end of every successful :func:`transaction`, inside it (the audit trail appends
the current call's event here: see runtime/audit.py)."""


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: commits on success, rolls back on any exception."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session
        for hook in before_commit_hooks:
            hook(engine, session)


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Session]:
    """A unit of work that only reads: a consistent snapshot that never blocks a writer.

    On SQLite it begins deferred, so it takes no write lock: it neither waits for a writer nor
    holds one up (WAL). On PostgreSQL the transaction is ``READ ONLY``: a write raises
    (``ReadOnlySqlTransaction``) instead of committing by mistake. Commits at the end (nothing to
    commit) and rolls back on any exception, like :func:`transaction`.
    """
    options = _READ_ONLY_OPTIONS.get(engine.dialect.name, _READ_ONLY_DEFAULT)
    with Session(engine, expire_on_commit=False) as session, session.begin():
        # The first connection of the session, so the options are applied before its BEGIN.
        session.connection(execution_options=options)
        yield session


class _StatementConnections:
    """An engine's autocommit connections for one-statement hot paths: one per thread, kept.

    Each is taken from the engine's pool once (so it carries the engine's connect-time setup,
    ``search_path`` included), detached from it and switched to autocommit for good. A pooled
    checkout per call cost as much CPU as the statement's own driver work: the checkout and
    checkin events, two autocommit switches and the reset on return. ``Engine.dispose`` closes
    them all; one that failed is closed and replaced on its thread's next call.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = weakref.ref(engine)  # the engine keys the registry: no strong reference
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: set[psycopg.Connection[Any]] = set()
        event.listen(engine, "engine_disposed", lambda _engine: self.close())

    def cursor(self) -> psycopg.Cursor[Any]:
        cursor: psycopg.Cursor[Any] | None = getattr(self._local, "cursor", None)
        if cursor is not None and not cursor.connection.closed:
            return cursor
        engine = self._engine()
        assert engine is not None  # a caller holds it
        raw = engine.raw_connection()
        conn: psycopg.Connection[Any] = raw.driver_connection  # type: ignore[assignment]
        raw.detach()
        conn.autocommit = True
        with self._lock:
            self._open.add(conn)
        self._local.cursor = cursor = conn.cursor()
        return cursor

    def discard(self, cursor: psycopg.Cursor[Any]) -> None:
        self._local.cursor = None
        with self._lock:
            self._open.discard(cursor.connection)
        cursor.connection.close()

    def close(self) -> None:
        with self._lock:
            conns, self._open = self._open, set()
        for conn in conns:
            conn.close()


_statement_connections: weakref.WeakKeyDictionary[Engine, _StatementConnections] = weakref.WeakKeyDictionary()
_statement_connections_lock = threading.Lock()


@contextmanager
def single_statement(engine: Engine) -> Iterator[psycopg.Cursor[Any]]:
    """A bare psycopg cursor in autocommit mode, for a PostgreSQL hot path that is one statement.

    The statement is its own transaction: all of it or none of it, durable when it returns, one
    round trip. A pooled session costs BEGIN, the statement and COMMIT, and SQLAlchemy's
    per-statement work on top. The cursor's connection is the calling thread's own (see
    :class:`_StatementConnections`). Driver errors are psycopg's own (the caller decides,
    typically by retrying through its general path); a connection that failed on the way is
    closed, and the thread's next call opens another.
    """
    conns = _statement_connections.get(engine)
    if conns is None:
        with _statement_connections_lock:
            conns = _statement_connections.get(engine)
            if conns is None:
                conns = _statement_connections[engine] = _StatementConnections(engine)
    cursor = conns.cursor()
    try:
        yield cursor
    except psycopg.Error:
        if cursor.connection.closed:  # a broken connection is closed too
            conns.discard(cursor)
        raise


def _alembic_config(migrations: Path) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations))
    return cfg


def migrate(engine: Engine, schema: str, migrations: Path, metadata: MetaData) -> None:
    """Bring the service's schema to the newest revision."""
    cfg = _alembic_config(migrations)
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            key = int.from_bytes(hashlib.sha256(schema.encode()).digest()[:8], "big", signed=True)
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            conn.commit()
        try:
            cfg.attributes.update(connection=conn, metadata=metadata, schema=schema)
            command.upgrade(cfg, "head")
            conn.commit()
        finally:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()


def run_env(context: Any) -> None:
    """The body of every service's ``migrations/env.py`` (``context`` is ``alembic.context``,
    a module that proxies an :class:`EnvironmentContext`)."""
    cfg = context.config
    conn = cfg.attributes["connection"]
    metadata = cfg.attributes["metadata"]
    context.configure(
        connection=conn,
        target_metadata=metadata,
        compare_type=True,
        render_as_batch=conn.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def drift(engine: Engine, metadata: MetaData) -> list[Any]:
    """Differences autogenerate would find between the database and the models."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, metadata))
