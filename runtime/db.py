"""Database engines, transactions and per-service Alembic migrations.

SQLite is the embedded default (one file per service, WAL, foreign keys,
``BEGIN IMMEDIATE`` so concurrent writers queue instead of failing on lock
upgrade). PostgreSQL is what production and the database tests use; there each
service owns a schema named after it (``search_path`` set per connection) and
migrations run under an advisory lock so replicas starting together do not race.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, MetaData, create_engine, event, make_url, pool, text
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
        pool_pre_ping=True,  # recover by itself after the database restarts
        pool_timeout=10,
        connect_args={"connect_timeout": 10},
    )
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
        conn.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: commits on success, rolls back on any exception."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


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
