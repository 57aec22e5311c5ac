"""A real gateway (uvicorn on an OS-chosen port, in a thread) in front of real services."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import httpx
import pytest
import uvicorn

from gateway.app import create_app
from gateway.settings import GatewaySettings
from runtime.server import ServiceApp
from tests.gateway.helpers import FAST_HASH, FakeAssignment, fake_assignment, logged_in
from tests.support import Running, running


@dataclass
class Gateway:
    url: str
    settings: GatewaySettings

    def client(self, **kw: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, follow_redirects=False, timeout=10, **kw)  # type: ignore[arg-type]


@contextmanager
def serve_gateway(settings: GatewaySettings) -> Iterator[Gateway]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), log_config=None, access_log=False, lifespan="on")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("gateway did not start")
        time.sleep(0.02)
    try:
        yield Gateway(url=f"http://127.0.0.1:{port}", settings=settings)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def _apps() -> dict[str, ServiceApp]:
    """Every service, in the order each one's peers are already running."""
    import importlib

    return {name: importlib.import_module(f"services.{name}.app").APP for name in SERVICES}


SERVICES = ("assignment", "scoring", "surveys")


@dataclass
class Stack:
    gateway: Gateway
    services: dict[str, Running]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Services on SQLite plus the gateway, shared by one test module (start-up is the slow part)."""
    tmp = tmp_path_factory.mktemp("gw")
    with ExitStack() as es:
        started: dict[str, Running] = {}
        for name, app in _apps().items():
            peers = {n: s.address for n, s in started.items()}
            started[name] = es.enter_context(
                running(app, database_url=f"sqlite:///{tmp}/{name}.db", peers=peers, workers=4)
            )
        settings = GatewaySettings(
            database_url=f"sqlite:///{tmp}/gateway.db",
            local_mode=True,
            **FAST_HASH,  # type: ignore[arg-type]
            upstreams={n: s.address for n, s in started.items()},
            login_attempts_per_window=50,
        )
        gw = es.enter_context(serve_gateway(settings))
        yield Stack(gateway=gw, services=started)


@dataclass
class PageStack:
    """Scoring and surveys for real, behind the gateway; assignment stood in (panels by hand)."""

    gateway: Gateway
    fake: FakeAssignment
    surveys: Running
    scoring: Running

    def client(self) -> httpx.Client:
        return self.gateway.client()

    @contextmanager
    def reviewer(self, expert: str) -> Iterator[httpx.Client]:
        client = logged_in(self.gateway.url, self.gateway.settings, "reviewer", expert)
        try:
            yield client
        finally:
            client.close()


@pytest.fixture(scope="module")
def ps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PageStack]:
    from services.scoring.app import APP as SCORING
    from services.surveys.app import APP as SURVEYS

    tmp = tmp_path_factory.mktemp("pages")
    with ExitStack() as es:
        fake, fake_addr = es.enter_context(fake_assignment())
        surveys = es.enter_context(running(SURVEYS, database_url=f"sqlite:///{tmp}/surveys.db"))
        scoring = es.enter_context(
            running(
                SCORING,
                database_url=f"sqlite:///{tmp}/scoring.db",
                peers={"assignment": fake_addr, "surveys": surveys.address},
            )
        )
        settings = GatewaySettings(
            database_url=f"sqlite:///{tmp}/gateway.db",
            local_mode=True,
            upstreams={"assignment": fake_addr, "scoring": scoring.address, "surveys": surveys.address},
            login_attempts_per_window=100,
            **FAST_HASH,  # type: ignore[arg-type]
        )
        gw = es.enter_context(serve_gateway(settings))
        yield PageStack(gateway=gw, fake=fake, surveys=surveys, scoring=scoring)
