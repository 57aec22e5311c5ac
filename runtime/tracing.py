"""OpenTelemetry tracing, off unless configured, carried across gRPC and HTTP (W3C traceparent).

On when ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) is set and
``OTEL_SDK_DISABLED`` is not ``true``: spans go to that collector over OTLP/gRPC, batched. Off, no
OpenTelemetry module is imported and every function here is a test of one global.

A server span per gRPC call (child of the caller's ``traceparent`` metadata) and per gateway
HTTP request (child of the browser's or ingress's ``traceparent`` header); calls a service or
the gateway makes to other services carry the current span in their metadata.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableSequence
from typing import Any

_tracer: Any = None


def enabled() -> bool:
    return _tracer is not None


def configured() -> bool:
    if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return bool(
        os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").strip()
        or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").strip()
    )


def setup(service: str, *, exporter: Any = None) -> bool:
    """Start tracing for this process if configured (or with ``exporter``, as tests do)."""
    global _tracer
    if exporter is None and not configured():
        return False
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": f"dgcp-{service}"}))
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    _tracer = provider.get_tracer("dgcp")
    return True


def shutdown() -> None:
    """Stop tracing (flushes nothing further; tests turn it off again with this)."""
    global _tracer
    _tracer = None


def start_server_span(name: str, carrier: Mapping[str, str], attributes: Mapping[str, Any]) -> Any:
    """A server span, child of the trace context in ``carrier``, made current; None when off."""
    if _tracer is None:
        return None
    from opentelemetry import context, propagate, trace

    parent = propagate.extract(dict(carrier))
    span = _tracer.start_span(name, context=parent, kind=trace.SpanKind.SERVER, attributes=dict(attributes))
    token = context.attach(trace.set_span_in_context(span))
    return span, token


def end_span(handle: Any, code: str, reason: str = "") -> None:
    if handle is None:
        return
    from opentelemetry import context, trace

    span, token = handle
    span.set_attribute("rpc.status", code)
    if reason:
        span.set_attribute("dgcp.reason", reason)
    if code not in ("OK", "200") and not code.startswith(("2", "3")):
        span.set_status(trace.Status(trace.StatusCode.ERROR, reason or code))
    span.end()
    context.detach(token)


def inject(metadata: MutableSequence[tuple[str, str]]) -> None:
    """Add the current span's ``traceparent`` to outgoing call metadata (nothing when off)."""
    if _tracer is None:
        return
    from opentelemetry import propagate

    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    metadata.extend(carrier.items())
