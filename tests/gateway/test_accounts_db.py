"""The gateway's own tables on SQLite and PostgreSQL: migrations match the models, accounts work."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from gateway import accounts
from gateway.app import MIGRATIONS
from gateway.models import metadata
from gateway.settings import GatewaySettings
from runtime import db
from tests.gateway.helpers import FAST_HASH, PASSWORD


@pytest.fixture
def store(db_url_factory) -> Iterator[tuple[Engine, GatewaySettings]]:  # type: ignore[no-untyped-def]
    url, schema = db_url_factory("gateway")
    settings = GatewaySettings(database_url=url, schema=schema, **FAST_HASH)  # type: ignore[arg-type]
    engine = db.create_engine_for(settings.db_settings())
    db.migrate(engine, schema, MIGRATIONS, metadata)
    yield engine, settings
    engine.dispose()


def test_migrations_match_models(store: tuple[Engine, GatewaySettings]) -> None:
    engine, _ = store
    assert db.drift(engine, metadata) == []


def test_account_life_cycle(store: tuple[Engine, GatewaySettings]) -> None:
    engine, settings = store
    ident, link = accounts.create_account(
        engine, settings, username="Firm-A", role="consultancy", subject="consultancies/a"
    )
    assert ident.org == "consultancies/a"  # an organisation login acts for its organisation
    with pytest.raises(accounts.AccountError):
        accounts.login(engine, settings, username="firm-a", password=PASSWORD)  # no password yet
    accounts.activate(engine, settings, token=link, password=PASSWORD)
    with pytest.raises(accounts.AccountError, match="LINK_INVALID"):
        accounts.activate(engine, settings, token=link, password=PASSWORD)
    assert accounts.login(engine, settings, username="FIRM-A", password=PASSWORD) == ident
    session = accounts.create_session(engine, settings, ident.account_id)
    assert accounts.session_identity(engine, session) == ident
    accounts.end_session(engine, session)
    assert accounts.session_identity(engine, session) is None
    with pytest.raises(accounts.AccountError, match="ROLE_HAS_NO_ACCOUNTS"):
        accounts.create_account(engine, settings, username="x", role="enterprise", subject="x")
    with pytest.raises(accounts.AccountError, match="INVALID_EMAIL"):
        accounts.create_account(
            engine, settings, username="x", role="authority", subject="x", email="a@b\r\nBcc: c@d.cn"
        )


def test_upgrade_keeps_accounts_and_sessions(db_url_factory) -> None:  # type: ignore[no-untyped-def]
    """The back-off and second-factor revision upgrades a store with accounts and sessions in it
    (on SQLite foreign keys are enforced, so ``accounts`` must not be copied and dropped)."""
    from alembic import command
    from sqlalchemy import text

    from runtime.db import _alembic_config

    url, schema = db_url_factory("gateway")
    settings = GatewaySettings(database_url=url, schema=schema, **FAST_HASH)  # type: ignore[arg-type]
    engine = db.create_engine_for(settings.db_settings())
    try:
        cfg = _alembic_config(MIGRATIONS)
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            cfg.attributes.update(connection=conn, metadata=metadata, schema=schema)
            command.upgrade(cfg, "1a9211aa50f6")
            account = uuid.uuid4()
            key = account.hex if engine.dialect.name == "sqlite" else account
            conn.execute(
                text(
                    "INSERT INTO accounts (id, username, role, subject, org, display_name, password_hash,"
                    " failed_logins, active, create_time) VALUES (:id, 'old', 'reviewer', 'experts/1', '',"
                    " '', 'h', 2, true, CURRENT_TIMESTAMP)"
                ),
                {"id": key},
            )
            conn.execute(
                text(
                    "INSERT INTO sessions (token_sha256, account_id, create_time, expire_time)"
                    " VALUES ('t', :id, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"id": key},
            )
            conn.commit()
        db.migrate(engine, schema, MIGRATIONS, metadata)
        assert db.drift(engine, metadata) == []
        with engine.connect() as conn:
            assert conn.execute(text("SELECT username, totp_secret, totp_last_step FROM accounts")).all() == [
                ("old", "", 0)
            ]
            assert conn.execute(text("SELECT count(*) FROM sessions")).scalar() == 1
    finally:
        engine.dispose()
