"""Domain errors and their mapping to canonical gRPC statuses (AIP-193).

Handlers raise a :class:`DomainError`; the server interceptor turns it into a
``google.rpc.Status`` with an ``ErrorInfo`` (UPPER_SNAKE reason, domain
``dgcp.gov``) and, for bad input, a ``BadRequest`` listing every offending
field, so a caller can act without parsing the message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2

ERROR_DOMAIN = "dgcp.gov"


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str
    reason: str = ""


class DomainError(Exception):
    """An error the caller can act on: a canonical code plus a stable reason."""

    code: grpc.StatusCode = grpc.StatusCode.FAILED_PRECONDITION

    def __init__(
        self,
        reason: str,
        message: str,
        *,
        violations: Iterable[FieldViolation] = (),
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.violations = list(violations)
        self.metadata = dict(metadata or {})

    def to_status(self) -> status_pb2.Status:
        return build_status(self.code, self.message, self.reason, self.violations, self.metadata)


class InvalidArgument(DomainError):
    code = grpc.StatusCode.INVALID_ARGUMENT

    @classmethod
    def fields(cls, violations: Iterable[FieldViolation], reason: str = "INVALID_FIELD") -> InvalidArgument:
        items = list(violations)
        summary = "; ".join(f"{v.field}: {v.description}" for v in items[:5])
        return cls(reason, summary or "invalid request", violations=items)


class NotFound(DomainError):
    code = grpc.StatusCode.NOT_FOUND


class AlreadyExists(DomainError):
    code = grpc.StatusCode.ALREADY_EXISTS


class FailedPrecondition(DomainError):
    code = grpc.StatusCode.FAILED_PRECONDITION


class PermissionDenied(DomainError):
    code = grpc.StatusCode.PERMISSION_DENIED


class Unauthenticated(DomainError):
    code = grpc.StatusCode.UNAUTHENTICATED


class Aborted(DomainError):
    code = grpc.StatusCode.ABORTED


class Unavailable(DomainError):
    code = grpc.StatusCode.UNAVAILABLE


class DeadlineExceeded(DomainError):
    code = grpc.StatusCode.DEADLINE_EXCEEDED


#: Bounds on what an error carries back, so its trailers stay far below gRPC's 8 KiB default and
#: never echo a large input: at most ``MAX_VIOLATIONS`` field violations (the count of the rest
#: goes to ``ErrorInfo.metadata["violations_omitted"]``), every text cut to a few hundred bytes,
#: and the encoded ``google.rpc.Status`` at most ``MAX_STATUS_BYTES`` (4 KiB in base64): beyond
#: it, violations and then metadata entries are left off, counted. With the message (at most
#: ``MAX_MESSAGE_BYTES``, at most three times that percent-encoded) the trailers stay under 5 KiB.
MAX_VIOLATIONS = 10
MAX_MESSAGE_BYTES = 300
MAX_FIELD_BYTES = 160
MAX_DESCRIPTION_BYTES = 240
MAX_METADATA_ENTRIES = 16
MAX_METADATA_KEY_BYTES = 64
MAX_METADATA_VALUE_BYTES = 480
MAX_STATUS_BYTES = 3072


def bounded(text: str, max_bytes: int) -> str:
    """``text`` cut to at most ``max_bytes`` of UTF-8 (on a character boundary), marked with …."""
    if len(text) * 4 <= max_bytes:
        return text
    raw = text.encode("utf-8", "replace")
    if len(raw) <= max_bytes:
        return text
    return raw[: max_bytes - 3].decode("utf-8", "ignore") + "…"


def build_status(
    code: grpc.StatusCode,
    message: str,
    reason: str,
    violations: Iterable[FieldViolation] = (),
    metadata: Mapping[str, str] | None = None,
) -> status_pb2.Status:
    items = list(violations)
    entries = list((metadata or {}).items())
    meta = {
        bounded(str(k), MAX_METADATA_KEY_BYTES): bounded(str(v), MAX_METADATA_VALUE_BYTES)
        for k, v in entries[:MAX_METADATA_ENTRIES]
    }
    bad = [
        error_details_pb2.BadRequest.FieldViolation(
            field=bounded(v.field, MAX_FIELD_BYTES),
            description=bounded(v.description, MAX_DESCRIPTION_BYTES),
            reason=bounded(v.reason, MAX_METADATA_KEY_BYTES),
        )
        for v in items[:MAX_VIOLATIONS]
    ]
    text = bounded(message, MAX_MESSAGE_BYTES - 24)
    meta_omitted = len(entries) - len(meta)
    while True:
        status = _status(code, text, reason, bad, meta, len(items) - len(bad), meta_omitted)
        if status.ByteSize() <= MAX_STATUS_BYTES or not (bad or meta):
            return status
        if len(bad) > 1 or (bad and not meta):
            bad.pop()
        else:
            meta.pop(next(reversed(meta)))
            meta_omitted += 1


def _status(
    code: grpc.StatusCode,
    message: str,
    reason: str,
    bad: list[error_details_pb2.BadRequest.FieldViolation],
    meta: dict[str, str],
    omitted: int,
    meta_omitted: int,
) -> status_pb2.Status:
    info_meta = dict(meta)
    if omitted:
        info_meta["violations_omitted"] = str(omitted)
        message = f"{message} (+{omitted} more)"
    if meta_omitted:
        info_meta["metadata_omitted"] = str(meta_omitted)
    status = status_pb2.Status(code=code.value[0], message=message)
    info = any_pb2.Any()
    short_reason = bounded(reason, MAX_METADATA_KEY_BYTES)
    info.Pack(error_details_pb2.ErrorInfo(reason=short_reason, domain=ERROR_DOMAIN, metadata=info_meta))
    status.details.append(info)
    if bad:
        packed = any_pb2.Any()
        packed.Pack(error_details_pb2.BadRequest(field_violations=bad))
        status.details.append(packed)
    return status


@dataclass(frozen=True)
class ErrorDetails:
    """What a client reads back from a failed call."""

    code: grpc.StatusCode
    message: str
    reason: str
    violations: list[FieldViolation]
    metadata: dict[str, str]


def details_of(err: grpc.RpcError) -> ErrorDetails:
    """Decode the rich status a server sent (for clients and tests)."""
    from grpc_status import rpc_status

    code = err.code() if isinstance(err, grpc.Call) else grpc.StatusCode.UNKNOWN
    status = rpc_status.from_call(err) if isinstance(err, grpc.Call) else None
    reason, violations, metadata = "", [], {}
    if status is not None:
        for detail in status.details:
            if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                info = error_details_pb2.ErrorInfo()
                detail.Unpack(info)
                reason, metadata = info.reason, dict(info.metadata)
            elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                detail.Unpack(bad)
                violations = [FieldViolation(v.field, v.description, v.reason) for v in bad.field_violations]
    message = err.details() if isinstance(err, grpc.Call) else str(err)
    return ErrorDetails(code, message or "", reason, violations, metadata)
