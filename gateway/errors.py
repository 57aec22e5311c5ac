"""gRPC status → HTTP status and ``google.rpc.Status`` JSON, as grpc-gateway does it.

The service's rich status (``grpc-status-details-bin`` trailer: ErrorInfo with
the reason, BadRequest with the field violations) is passed through intact, so
an HTTP client acts on the same reason a gRPC client would.
"""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf import json_format
from google.rpc import error_details_pb2, status_pb2

from runtime.errors import build_status
from runtime.logging import get_logger

log = get_logger("dgcp.gateway")

_ = error_details_pb2  # registers ErrorInfo/BadRequest in the pool so Any details render

# grpc-gateway runtime.HTTPStatusFromCode
HTTP_STATUS: dict[grpc.StatusCode, int] = {
    grpc.StatusCode.OK: 200,
    grpc.StatusCode.CANCELLED: 499,
    grpc.StatusCode.UNKNOWN: 500,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.FAILED_PRECONDITION: 400,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.INTERNAL: 500,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DATA_LOSS: 500,
}

_DETAILS_KEY = "grpc-status-details-bin"


def status_of_rpc_error(err: grpc.RpcError) -> status_pb2.Status:
    """The full status of a failed call (rich details when the server sent them)."""
    code = err.code() if hasattr(err, "code") else grpc.StatusCode.UNKNOWN
    message = err.details() if hasattr(err, "details") else str(err)
    trailers = err.trailing_metadata() if hasattr(err, "trailing_metadata") else None
    for key, value in trailers or ():
        if key == _DETAILS_KEY and isinstance(value, bytes):
            status = status_pb2.Status.FromString(value)
            if status.code == code.value[0]:
                return status
    # No rich status: the error came from gRPC itself (a service down, a deadline, a message over
    # a size limit), and its text names internal addresses. Callers get a fixed message by code.
    if message:
        log.warning("upstream failed", code=code.name, detail=message[:500])
    reason, text = _BARE.get(code, ("UPSTREAM_FAILED", "the service could not answer"))
    return build_status(code, text, reason)


# What a failure without the service's own status says (never gRPC's text: it names addresses).
_BARE: dict[grpc.StatusCode, tuple[str, str]] = {
    grpc.StatusCode.UNAVAILABLE: ("UPSTREAM_UNAVAILABLE", "service temporarily unavailable"),
    grpc.StatusCode.DEADLINE_EXCEEDED: ("UPSTREAM_TIMEOUT", "the service did not answer in time"),
    grpc.StatusCode.CANCELLED: ("CANCELLED", "the call was cancelled"),
    grpc.StatusCode.RESOURCE_EXHAUSTED: ("MESSAGE_TOO_LARGE", "the request or its answer is too large"),
    grpc.StatusCode.UNIMPLEMENTED: ("NOT_IMPLEMENTED", "the service does not offer this method"),
}

# RESOURCE_EXHAUSTED is 429 only when it says "slow down"; a message over a size limit is 413.
RATE_LIMIT_REASONS = frozenset({"RATE_LIMITED", "TOO_MANY_REQUESTS", "LOGIN_THROTTLED"})


def http_status(status: status_pb2.Status) -> int:
    if status.code == grpc.StatusCode.RESOURCE_EXHAUSTED.value[0]:
        return 429 if reason_of(status) in RATE_LIMIT_REASONS else 413
    for code, http in HTTP_STATUS.items():
        if code.value[0] == status.code:
            return http
    return 500


def status_json(status: status_pb2.Status) -> dict[str, Any]:
    return json_format.MessageToDict(status)


def reason_of(status: status_pb2.Status) -> str:
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return info.reason
    return ""


def violations_of(status: status_pb2.Status) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            out += [(v.field, v.description) for v in bad.field_violations]
    return out


def violation_reasons(status: status_pb2.Status) -> list[str]:
    """The reason of each field violation, in the order of ``violations_of`` ('' where none)."""
    out: list[str] = []
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            out += [v.reason for v in bad.field_violations]
    return out
