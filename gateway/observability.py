"""Request id, metrics, trace span and audit scope of every HTTP request the gateway serves.

One ASGI middleware, outermost, so that everything below it sees them:

- **Request id.** ``X-Request-Id`` from the client when it is acceptable (gateway/guard.py's
  rule: 1-128 visible ASCII characters, the services' too), else a new one, decided here once
  and written back into the request's headers so that the guard below keeps it. It is bound
  into every log line of the request (the ``http`` access line included), passed to the
  services in ``x-request-id`` metadata (which echo it and write it into their audit events),
  and returned on every response, errors and pages included.
- **Metrics**: requests by route kind, method and status; latency; in flight (runtime/metrics.py).
  The route label is ``api`` for the transcoded API, else the first path segment when the
  application has such a route, else ``other``: no ids, tokens or arbitrary paths become label values.
- **Tracing** (when configured): a server span per request, child of an incoming
  ``traceparent``; calls to the services carry it on (gateway/upstream.py).
- **Audit**: a request that may change something (not GET/HEAD/OPTIONS) gets an audit scope,
  so the gateway's own write transactions (accounts, sessions) append their event; one that
  fails (4xx/5xx) outside the transcoded API (whose services audit it) is recorded with its
  status. The person is named once the session is known (gateway/web.py ``identity_of``).
"""

from __future__ import annotations

import contextvars
import time

import structlog
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.guard import request_id_of
from runtime import audit, metrics, tracing
from runtime.interceptors import request_id_var

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_HTTP_CODES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    413: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    503: "UNAVAILABLE",
}

client_address_var: contextvars.ContextVar[str] = contextvars.ContextVar("client_address", default="")
"""The end user's address as the gateway sees it (after trusted proxies), passed to the services."""


def _outcome(status: int) -> str:
    if status < 400:
        return "OK"
    return _HTTP_CODES.get(status, "INTERNAL" if status >= 500 else "FAILED_PRECONDITION")


class Observability:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._segments: frozenset[str] | None = None

    def _route(self, scope: Scope) -> str:
        if self._segments is None:
            known = set()
            for route in getattr(scope.get("app"), "routes", []):
                path = getattr(route, "path", "")
                head = path.strip("/").split("/", 1)[0]
                if head and "{" not in head:
                    known.add(head)
            self._segments = frozenset(known)
        head = scope["path"].strip("/").split("/", 1)[0]
        if not head:
            return "/"
        if head == "v1":
            return "api"  # the transcoded API
        return head if head in self._segments else "other"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        raw = headers.get("x-request-id")
        rid = request_id_of(raw.encode("latin-1") if raw is not None else None)
        rid_header = (b"x-request-id", rid.encode())
        scope["headers"] = [*(h for h in scope["headers"] if h[0].lower() != b"x-request-id"), rid_header]
        client = scope.get("client") or ("", 0)
        rid_token = request_id_var.set(rid)
        addr_token = client_address_var.set(str(client[0]))
        bound = structlog.contextvars.bind_contextvars(request_id=rid)
        method = scope["method"]
        route = self._route(scope)
        audit_scope = None
        audit_token = None
        if method not in _SAFE_METHODS:
            from gateway.app import redact_path

            audit_scope = audit.Scope(
                service="gateway",
                method=f"{method} {redact_path(scope['path'])}",
                request_id=rid,
                peer=f"{client[0]}:{client[1]}" if client[0] else "",
                client=headers.get("user-agent", ""),
                forwarded_for=headers.get("x-forwarded-for", ""),
            )
            audit_token = audit.enter(audit_scope)
        span = (
            tracing.start_server_span(
                f"{method} /{route}", headers, {"http.method": method, "dgcp.request_id": rid}
            )
            if tracing.enabled()
            else None
        )
        status = [500]

        async def respond(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message["headers"] = [
                    *(h for h in message.get("headers", []) if h[0].lower() != b"x-request-id"),
                    rid_header,
                ]
            await send(message)

        metrics.HTTP_IN_FLIGHT.inc()
        started = time.perf_counter()
        try:
            await self.app(scope, receive, respond)
        finally:
            elapsed = time.perf_counter() - started
            metrics.HTTP_IN_FLIGHT.dec()
            metrics.HTTP_REQUESTS.labels(route, method, str(status[0])).inc()
            metrics.HTTP_DURATION.labels(route).observe(elapsed)
            if span is not None:
                tracing.end_span(span, str(status[0]))
            if audit_scope is not None and audit_token is not None:
                audit.leave(audit_token)
                await self._audit_failure(scope, audit_scope, status[0])
            structlog.contextvars.reset_contextvars(**bound)
            client_address_var.reset(addr_token)
            request_id_var.reset(rid_token)

    @staticmethod
    async def _audit_failure(scope: Scope, audit_scope: audit.Scope, status: int) -> None:
        if status < 400 or scope["path"].startswith("/v1/"):
            return
        # An anonymous caller's refusals stay in the log lines, except a refused sign-in (401),
        # which the login throttle bounds: else anyone could fill the trail with junk requests.
        if not audit_scope.subject and status != 401:
            return
        state = getattr(scope.get("app"), "state", None)
        gw = getattr(state, "gw", None)
        audit_log = audit.log_of(gw.engine) if gw is not None else None
        if audit_log is None:
            return
        await run_in_threadpool(audit_log.record_failure, audit_scope, _outcome(status), f"HTTP_{status}")
        audit_log.wake()
