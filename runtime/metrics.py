"""Prometheus metrics of one process, served on a port of their own.

Every process (each service, the gateway) exposes ``/metrics`` on its metrics port
(``DGCP_<SERVICE>_METRICS_PORT``, ``DGCP_GATEWAY_METRICS_PORT``; ``DGCP_METRICS_PORT`` for all at
once, as in Kubernetes where each pod has its own address). What is there:

- ``dgcp_rpc_calls_total{service,method,code}``, ``dgcp_rpc_duration_seconds{service,method}``
  (histogram), ``dgcp_rpc_in_flight{service}``: every gRPC call a service serves;
- ``dgcp_http_requests_total{route,method,status}``, ``dgcp_http_duration_seconds{route}``,
  ``dgcp_http_in_flight``: the gateway's HTTP requests (route = the kind of page or API, never a
  path with ids or tokens in it);
- ``dgcp_db_pool_connections{service,state}``: connections checked out and the pool's size;
- ``dgcp_draw_duration_seconds``, ``dgcp_bulletin_duration_seconds``: the two long jobs;
- ``dgcp_outbox_depth{service}``: messages waiting to be sent (set by the notification outbox
  through :func:`outbox_depth` or :func:`set_outbox_depth`).

Children of labelled metrics are cached per method, so a call costs a few dictionary lookups
and the metric updates themselves (about a microsecond each).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine

REGISTRY = CollectorRegistry(auto_describe=True)

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
_JOB_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300)

RPC_CALLS = Counter(
    "dgcp_rpc_calls",
    "gRPC calls served, by method and status code",
    ["service", "method", "code"],
    registry=REGISTRY,
)
RPC_DURATION = Histogram(
    "dgcp_rpc_duration_seconds",
    "Time to serve a gRPC call",
    ["service", "method"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
RPC_IN_FLIGHT = Gauge("dgcp_rpc_in_flight", "gRPC calls being served", ["service"], registry=REGISTRY)
HTTP_REQUESTS = Counter(
    "dgcp_http_requests",
    "HTTP requests served by the gateway",
    ["route", "method", "status"],
    registry=REGISTRY,
)
HTTP_DURATION = Histogram(
    "dgcp_http_duration_seconds",
    "Time to serve an HTTP request",
    ["route"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
HTTP_IN_FLIGHT = Gauge("dgcp_http_in_flight", "HTTP requests being served", registry=REGISTRY)
DRAW_DURATION = Histogram(
    "dgcp_draw_duration_seconds", "Time to draw the panels of a lot", buckets=_JOB_BUCKETS, registry=REGISTRY
)
BULLETIN_DURATION = Histogram(
    "dgcp_bulletin_duration_seconds",
    "Time to build and publish a bulletin",
    buckets=_JOB_BUCKETS,
    registry=REGISTRY,
)
OUTBOX_DEPTH = Gauge(
    "dgcp_outbox_depth", "Notifications waiting in the outbox", ["service"], registry=REGISTRY
)


class _Pools(Collector):
    """Connections in use per service, read from the engines' pools at scrape time."""

    def __init__(self) -> None:
        self._engines: dict[str, Engine] = {}
        self._lock = threading.Lock()

    def add(self, service: str, engine: Engine) -> None:
        with self._lock:
            self._engines[service] = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "dgcp_db_pool_connections", "Database pool connections", labels=["service", "state"]
        )
        with self._lock:
            engines = list(self._engines.items())
        for service, engine in engines:
            pool: Any = engine.pool
            if hasattr(pool, "checkedout"):
                family.add_metric([service, "checked_out"], pool.checkedout())
            if hasattr(pool, "size"):
                family.add_metric([service, "size"], pool.size())
        yield family


_POOLS = _Pools()
REGISTRY.register(_POOLS)


def watch_pool(service: str, engine: Engine) -> None:
    _POOLS.add(service, engine)


def set_outbox_depth(service: str, depth: int) -> None:
    OUTBOX_DEPTH.labels(service).set(depth)


def outbox_depth(service: str, source: Callable[[], float]) -> None:
    """Read the outbox depth from ``source`` at every scrape (e.g. a COUNT of pending rows)."""
    OUTBOX_DEPTH.labels(service).set_function(source)


@contextmanager
def timed(histogram: Histogram) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        histogram.observe(time.perf_counter() - started)


JOBS = {"DrawPanels": DRAW_DURATION, "PublishBulletin": BULLETIN_DURATION}
"""The long calls with a histogram of their own (successful calls only)."""


class RpcMetrics:
    """The per-call metric children of one service, cached per method and code."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.in_flight = RPC_IN_FLIGHT.labels(service)
        self._durations: dict[str, Any] = {}
        self._calls: dict[tuple[str, str], Any] = {}

    def done(self, method: str, code: str, seconds: float) -> None:
        calls = self._calls.get((method, code))
        if calls is None:
            calls = self._calls[(method, code)] = RPC_CALLS.labels(self.service, method, code)
        duration = self._durations.get(method)
        if duration is None:
            duration = self._durations[method] = RPC_DURATION.labels(self.service, method)
        calls.inc()
        duration.observe(seconds)
        self.in_flight.dec()
        job = JOBS.get(method)
        if job is not None and code == "OK":
            job.observe(seconds)


def serve(port: int, host: str = "127.0.0.1") -> tuple[Any, int]:
    """Start the ``/metrics`` endpoint on ``port`` (0: any free port); returns (server, port)."""
    server, _thread = start_http_server(port, addr=host, registry=REGISTRY)
    return server, int(server.server_port)
