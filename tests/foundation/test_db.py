"""runtime.db: read-only units of work (``read_transaction``) on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, event, make_url, text
from sqlalchemy.exc import InternalError, OperationalError

from runtime import db
from runtime.config import Settings
from tests.support import database_url_for


def _engine(url: str, schema: str, *, pool_size: int = 2) -> Engine:
    """An engine as a service gets it, with a table ``items`` holding one committed row."""
    engine = db.create_engine_for(
        Settings(service="dbtest", schema=schema, database_url=url, db_pool_size=pool_size)
    )
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            conn.commit()
    with db.transaction(engine) as s:
        s.execute(text("CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT NOT NULL)"))
        s.execute(text("INSERT INTO items VALUES (1, 'committed')"))
    return engine


@pytest.fixture
def engine(db_url_factory) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    url, schema = db_url_factory("dbtest")
    engine = _engine(url, schema)
    yield engine
    engine.dispose()


def _labels(session: object) -> list[str]:
    return list(session.execute(text("SELECT label FROM items ORDER BY id")).scalars())  # type: ignore[attr-defined]


def test_read_transaction_sees_committed_data(engine: Engine) -> None:
    with db.read_transaction(engine) as s:
        assert _labels(s) == ["committed"]
    with db.transaction(engine) as s:
        s.execute(text("INSERT INTO items VALUES (2, 'later')"))
    with db.read_transaction(engine) as s:
        assert _labels(s) == ["committed", "later"]
    with pytest.raises(RuntimeError), db.read_transaction(engine) as s:  # an error leaves nothing behind
        assert _labels(s) == ["committed", "later"]
        raise RuntimeError("handler failed")
    with db.transaction(engine) as s:
        s.execute(text("INSERT INTO items VALUES (3, 'last')"))
        assert _labels(s) == ["committed", "later", "last"]


def test_sqlite_read_transaction_reads_beside_an_open_writer(tmp_path: Path) -> None:
    """A reader neither waits for a writer's lock nor takes it (deferred BEGIN in WAL mode),
    where a ``transaction`` (BEGIN IMMEDIATE) has to wait for the writer."""
    url, schema = database_url_for("sqlite", "dbtest", str(tmp_path), None)
    engine = _engine(url, schema)

    # Fail within a fifth of a second instead of the service's 30 s busy timeout.
    @event.listens_for(engine, "connect")
    def _short_busy_timeout(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        dbapi_conn.execute("PRAGMA busy_timeout=200")

    engine.dispose()  # pooled connections are reopened with the short timeout
    writer = sqlite3.connect(make_url(url).database or "", isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO items VALUES (2, 'uncommitted')")

        started = time.monotonic()
        with db.read_transaction(engine) as s:
            assert _labels(s) == ["committed"]  # the committed snapshot, not the open write
        assert time.monotonic() - started < 0.2

        with pytest.raises(OperationalError, match="database is locked"), db.transaction(engine) as s:
            _labels(s)

        writer.execute("COMMIT")
        with db.read_transaction(engine) as s:
            assert _labels(s) == ["committed", "uncommitted"]
    finally:
        writer.close()
        engine.dispose()


def test_postgresql_read_transaction_refuses_writes_and_leaves_the_connection_writable(
    pg_url: str, tmp_path: Path
) -> None:
    """READ ONLY holds for the unit of work only: the pooled connection goes back read-write."""
    url, schema = database_url_for("postgresql", "dbtest", str(tmp_path), pg_url)
    engine = _engine(url, schema, pool_size=1)  # one pooled connection: the next user gets the same
    try:
        for label, write in (("after-read", False), ("after-refused-write", True)):
            pids = []
            with (
                pytest.raises(InternalError) if write else nullcontext() as refused,
                db.read_transaction(engine) as s,
            ):
                pids.append(s.execute(text("SELECT pg_backend_pid()")).scalar())
                assert s.execute(text("SHOW transaction_read_only")).scalar() == "on"
                if write:
                    s.execute(text("INSERT INTO items VALUES (99, 'by mistake')"))
            if refused is not None:
                assert isinstance(refused.value.orig, psycopg.errors.ReadOnlySqlTransaction)
            (pid,) = pids
            with db.transaction(engine) as s:
                assert s.execute(text("SELECT pg_backend_pid()")).scalar() == pid
                assert s.execute(text("SHOW transaction_read_only")).scalar() == "off"
                s.execute(text("INSERT INTO items SELECT max(id) + 1, :label FROM items"), {"label": label})
        with db.read_transaction(engine) as s:
            assert _labels(s) == ["committed", "after-read", "after-refused-write"]
    finally:
        engine.dispose()
