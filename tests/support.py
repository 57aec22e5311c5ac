"""Helpers for tests: real servers on OS-chosen loopback ports, tokens, errors."""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import grpc

from runtime import auth, config
from runtime.errors import ErrorDetails, details_of
from runtime.server import ServiceApp, ServiceContext, drain, start

_schema_counter = itertools.count()


@dataclass
class Running:
    """A service started for a test: where it listens and what it runs on."""

    app: ServiceApp
    port: int
    ctx: ServiceContext
    server: grpc.Server
    channels: list[grpc.Channel] = field(default_factory=list)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def channel(self) -> grpc.Channel:
        ch = grpc.insecure_channel(self.address)
        self.channels.append(ch)
        return ch


def database_url_for(backend: str, service: str, tmp_dir: str, pg_url: str | None) -> tuple[str, str]:
    """(url, schema) for a fresh, isolated store of ``service`` on ``backend``."""
    schema = f"{service}_{os.getpid()}_{next(_schema_counter)}"
    if backend == "sqlite":
        return f"sqlite:///{tmp_dir}/{schema}.db", schema
    assert pg_url, "PostgreSQL URL missing"
    return pg_url, schema


@contextmanager
def running(
    app: ServiceApp,
    *,
    database_url: str,
    schema: str = "",
    peers: dict[str, str] | None = None,
    workers: int = 4,
) -> Iterator[Running]:
    settings = config.Settings(
        service=app.name,
        schema=schema,
        port=0,
        database_url=database_url,
        workers=workers,
        db_pool_size=workers,
        grace_seconds=1.0,
        deadline_seconds=5.0,
        peers=dict(peers or {}),
    )
    server, port, health_servicer, ctx = start(app, settings, port=0)
    svc = Running(app=app, port=port, ctx=ctx, server=server)
    try:
        yield svc
    finally:
        for ch in svc.channels:
            ch.close()
        drain(server, health_servicer, 1.0).wait()
        ctx.engine.dispose()


def token(role: auth.Role | str, subject: str = "", org: str = "") -> str:
    role = auth.Role(role)
    return auth.issue_token(
        config.jwt_secret(), subject=subject or f"test/{role}/{uuid.uuid4().hex[:8]}", role=role, org=org
    )


def md(role: auth.Role | str, subject: str = "", org: str = "", **extra: str) -> list[tuple[str, str]]:
    """Call metadata carrying a signed token for ``role``."""
    return [("authorization", f"Bearer {token(role, subject, org)}"), *extra.items()]


def error_of(call: object, *args: object, **kwargs: object) -> ErrorDetails:
    """Run a call expected to fail and return its decoded status."""
    try:
        call(*args, **kwargs)  # type: ignore[operator]
    except grpc.RpcError as err:
        return details_of(err)
    raise AssertionError("the call succeeded but an error was expected")
