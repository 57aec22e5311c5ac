"""What the server interceptor reports about each call: metrics, a trace span, the audit scope.

:class:`Observer` is handed to :class:`runtime.interceptors.ServerInterceptor`, which calls
:meth:`Observer.begin` once it knows the request id, :meth:`Observer.identify` once the caller is
authenticated, and :meth:`Observer.end` with the outcome. Between begin and end the call's audit
scope is current, so every write transaction the handler runs appends the call's audit event
(runtime/audit.py); a mutation that fails gets its event, with the outcome, in a transaction of
its own.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import grpc

from runtime import audit, tracing
from runtime.auth import Caller
from runtime.metrics import RpcMetrics

_UNRECORDABLE = frozenset({"DATABASE_UNAVAILABLE", "DATABASE_BUSY"})
"""Failures that say the database cannot be written: their event could not be written either
(and trying would hold the caller up); the log line of the call remains."""


class Call:
    __slots__ = ("method", "scope", "span", "started", "token")

    def __init__(self, method: str, scope: audit.Scope, token: Any, span: Any) -> None:
        self.method = method
        self.scope = scope
        self.token = token
        self.span = span
        self.started = time.perf_counter()


class Observer:
    def __init__(self, service: str, audit_log: audit.AuditLog | None) -> None:
        self.service = service
        self.audit_log = audit_log
        self.metrics = RpcMetrics(service)

    def begin(
        self,
        full_method: str,
        method: str,
        request_id: str,
        metadata: Mapping[str, str],
        request: Any,
        context: grpc.ServicerContext,
    ) -> Call:
        self.metrics.in_flight.inc()
        scope = audit.Scope(
            service=self.service,
            method=method,
            request_id=request_id,
            peer=context.peer() or "",
            client=metadata.get("x-dgcp-client") or metadata.get("user-agent", ""),
            forwarded_for=metadata.get("x-forwarded-for", ""),
            request=request,
        )
        span = (
            tracing.start_server_span(
                full_method.lstrip("/"),
                metadata,
                {"rpc.system": "grpc", "rpc.method": method, "dgcp.request_id": request_id},
            )
            if tracing.enabled()
            else None
        )
        return Call(method, scope, audit.enter(scope), span)

    @staticmethod
    def identify(call: Call, caller: Caller) -> None:
        call.scope.identify(caller.subject, str(caller.role), caller.org)

    def end(self, call: Call, code: grpc.StatusCode, reason: str) -> None:
        audit.leave(call.token)
        name = code.name
        # The sealer chains new events on its own beat (every second, in batches): waking it
        # after every call made it seal a few events at a time, which cost more CPU than the call.
        if (
            code != grpc.StatusCode.OK
            and self.audit_log is not None
            and reason not in _UNRECORDABLE
            and audit.is_mutation(call.method)
            # an unauthenticated caller's refusals are in the call log, not the audit trail: else
            # anyone could fill the trail with junk calls
            and call.scope.subject
        ):
            self.audit_log.record_failure(call.scope, name, reason)
        if call.span is not None:
            tracing.end_span(call.span, name, reason)
        self.metrics.done(call.method, name, time.perf_counter() - call.started)
