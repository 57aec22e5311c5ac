"""Shared fixtures: an isolated PostgreSQL database per test run, and backends.

PostgreSQL is not optional: if it cannot be reached the database tests fail
loudly (CI starts it in .ci/run). Each run creates its own database and drops
it at the end; each service started in a test gets its own schema or SQLite file.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import settings
from sqlalchemy import create_engine, text

# CI replays one fixed set of examples (a landing never hinges on a lucky draw);
# elsewhere hypothesis explores and keeps what it finds in .hypothesis/.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

PG_ADMIN_URL = os.environ.get(
    "DGCP_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


# Set before any test module is imported, so that module-level tokens are signed
# with the key the servers verify.
os.environ["DGCP_DATA_DIR"] = tempfile.mkdtemp(prefix="dgcp-test-data-")
os.environ["DGCP_JWT_SECRET"] = "test-secret-" + uuid.uuid4().hex
os.environ.setdefault("DGCP_LOG_FORMAT", "json")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, dropped afterwards."""
    name = f"dgcp_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"PostgreSQL is required for the database tests and is not reachable: {exc}")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as conn:
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name}
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url_factory(backend: str, tmp_path: object, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """``factory(service) -> (url, schema)`` for a fresh store on this test's backend."""
    from tests.support import database_url_for

    pg = request.getfixturevalue("pg_url") if backend == "postgresql" else None

    def factory(service: str) -> tuple[str, str]:
        return database_url_for(backend, service, str(tmp_path), pg)

    return factory
