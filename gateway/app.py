"""The gateway as an ASGI application (Starlette), and its start-up.

Stack: Starlette on uvicorn (uvloop, httptools) with one ``grpc.aio`` channel
per service. An HTTP→gRPC proxy spends its time waiting on the network, which an
event loop does in one thread without a pool; blocking work (the gateway's SQL,
argon2) goes to Starlette's thread pool. ``bench/gateway.py`` measures the
gateway against direct gRPC and the uvloop/httptools stack against asyncio/h11
in one run.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway import api, console, pages, second_factor, web
from gateway.guard import Guard
from gateway.models import outbox
from gateway.observability import Observability
from gateway.openapi import document
from gateway.settings import GatewaySettings
from gateway.transcode import Router, discover
from gateway.upstream import Upstreams
from runtime import audit, config, db, metrics
from runtime.logging import get_logger
from runtime.notify.outbox import depth_source
from runtime.notify.settings import NotifySettings
from runtime.notify.worker import DeliveryWorker

log = get_logger("dgcp.gateway")

MIGRATIONS = Path(__file__).parent / "migrations"
STATIC = Path(__file__).parent / "static"
_ALL = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def migrate(settings: GatewaySettings) -> None:
    from gateway.models import metadata

    engine = db.create_engine_for(settings.db_settings())
    try:
        db.migrate(engine, settings.schema, MIGRATIONS, metadata)
    finally:
        engine.dispose()


_SECRET_PATHS = re.compile(r"^/(activate|s)/[^/]+")


def redact_path(path: str) -> str:
    """Paths of single-use links carry their token: logs keep only the kind of link."""
    return _SECRET_PATHS.sub(lambda m: f"/{m.group(1)}/…", path)


class AccessLog:
    """One log line per HTTP request (method, redacted path, status, time); never query strings,
    cookies or bodies, which may hold tokens or passwords."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            log.info(
                "http",
                method=scope["method"],
                path=redact_path(scope["path"]),
                status=status[0],
                request_id=scope.get("state", {}).get("request_id", ""),
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )


async def healthz(_: Request) -> Response:
    # `make run` checks that the gateway answering is the one it started (its per-run nonce).
    nonce = os.environ.get("DGCP_RUN_NONCE", "").strip()
    return PlainTextResponse("ok", headers={"x-dgcp-run": nonce} if nonce else None)


def create_app(settings: GatewaySettings, *, run_migrations: bool = True) -> Starlette:
    routes = discover()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if run_migrations:
            migrate(settings)
        engine = db.create_engine_for(settings.db_settings())
        from gateway.models import metadata

        audit.install(engine, metadata, "gateway")  # the gateway's own writes: accounts, sessions
        metrics.watch_pool("gateway", engine)
        metrics.outbox_depth("gateway", depth_source(engine, outbox))
        upstreams = Upstreams(settings)
        notify = NotifySettings.from_env()
        worker = (
            DeliveryWorker(engine, outbox, notify, service="gateway") if notify.worker == "thread" else None
        )
        if worker is not None:
            worker.start()  # only when a transport is configured
        app.state.gw = web.State(
            settings=settings,
            engine=engine,
            upstreams=upstreams,
            secret=config.jwt_secret(),
            hash_slots=asyncio.Semaphore(settings.password_hash_concurrency),
        )
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            await upstreams.close()
            engine.dispose()

    http_routes: list[BaseRoute] = [
        Route("/healthz", healthz),
        Route("/openapi.json", api.openapi),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
        *second_factor.routes(),
        *pages.routes(),
        *console.routes(),
        Route("/{path:path}", api.transcode, methods=_ALL),
    ]
    app = Starlette(
        routes=http_routes,
        lifespan=lifespan,
        # Observability outermost (request id bound for every line below, metrics of every answer);
        # the access log outside the guard, so that it logs the guard's own answers (413, 500).
        middleware=[
            Middleware(Observability),
            Middleware(AccessLog),
            Middleware(Guard, max_body_bytes=settings.max_body_bytes),
        ],
        exception_handlers={HTTPException: api.http_error},
    )
    app.state.router = Router(routes)
    app.state.openapi = document(routes)
    return app
