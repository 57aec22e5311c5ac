"""The gateway's own tables on SQLite and PostgreSQL: migrations match the models, accounts work."""

from __future__ import annotations

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
