"""Server and client interceptors: request id, authentication, errors, one log line.

The server interceptor wraps every unary handler: it takes ``x-request-id``
from metadata (or makes one), authenticates and authorises the caller against
the service's access table, maps :class:`DomainError` and infrastructure
failures to canonical statuses with reasons, hides unexpected exceptions
behind INTERNAL (the traceback goes to the log, never to the caller), and
writes one canonical log line per call. The client interceptor passes the
request id on, signs calls between services and sets a default deadline.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any, NamedTuple

import grpc
import sqlalchemy.exc
import structlog
from grpc_status import rpc_status

from runtime import auth
from runtime.errors import DomainError, InvalidArgument, build_status, details_of
from runtime.limits import Checker, Limits, malformed, too_large
from runtime.logging import enabled as logging_enabled
from runtime.observe import Observer
from runtime.text import clean_message
from runtime.tracing import inject as inject_trace

log = structlog.stdlib.get_logger("dgcp.rpc")

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

_UNGUARDED = ("/grpc.health.v1.Health/", "/grpc.reflection.")
# 1-128 visible ASCII characters: the gateway's rule too (gateway/guard.py), so an id a client
# gave the gateway reaches every service unchanged.
_REQUEST_ID = re.compile(r"^[\x21-\x7e]{1,128}$")


def _classify(exc: BaseException) -> DomainError | None:
    """Map infrastructure failures to statuses a client can retry on."""
    if isinstance(exc, DomainError):
        return exc
    if isinstance(exc, sqlalchemy.exc.OperationalError) and _INPUT_TOO_COMPLEX.search(str(exc.orig)):
        return InvalidArgument(
            "REQUEST_TOO_COMPLEX", "a value in the request is too long or complex for the database"
        )
    if isinstance(exc, sqlalchemy.exc.DataError):
        return InvalidArgument("INVALID_VALUE", "a value in the request cannot be stored as given")
    if isinstance(exc, sqlalchemy.exc.IntegrityError):
        from runtime.errors import Aborted

        return Aborted("CONFLICT", "the write conflicted with another; retry")
    if isinstance(exc, sqlalchemy.exc.OperationalError | sqlalchemy.exc.InterfaceError) or (
        isinstance(exc, sqlalchemy.exc.DBAPIError) and exc.connection_invalidated
    ):
        from runtime.errors import Unavailable

        return Unavailable("DATABASE_UNAVAILABLE", "the database is unavailable; retry")
    if isinstance(exc, sqlalchemy.exc.TimeoutError):
        from runtime.errors import Unavailable

        return Unavailable("DATABASE_BUSY", "no database connection was free in time; retry")
    if isinstance(exc, grpc.RpcError) and isinstance(exc, grpc.Call):
        from runtime.errors import DeadlineExceeded, Unavailable

        code = exc.code()
        if code == grpc.StatusCode.DEADLINE_EXCEEDED:
            return DeadlineExceeded("DEPENDENCY_TIMEOUT", "a service this call needs timed out")
        if code == grpc.StatusCode.UNAVAILABLE:
            return Unavailable("DEPENDENCY_UNAVAILABLE", "a service this call needs is unavailable")
        if code in _PASSED_ON:
            # The request carried something the service downstream refused: the caller's fault,
            # so the caller gets the same code, reason and (bounded) field violations.
            got = details_of(exc)
            passed = DomainError(
                got.reason or code.name,
                got.message or code.name.lower(),
                violations=got.violations,
                metadata=got.metadata,
            )
            passed.code = code
            return passed
    return None


#: Downstream codes that describe the request, not the dependency's health.
_PASSED_ON = frozenset(
    {
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.NOT_FOUND,
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.OUT_OF_RANGE,
        grpc.StatusCode.ALREADY_EXISTS,
    }
)
#: SQLite errors caused by an input, not by the database's health (never UNAVAILABLE).
_INPUT_TOO_COMPLEX = re.compile(
    r"pattern too complex|string or blob too big|too many SQL variables|expression tree is too large"
    r"|Expression tree is too large|too many terms"
)


class Refused:
    """What the request deserializer hands on instead of a message it refused to decode.

    gRPC turns a deserializer's exception into an untyped INTERNAL ("Exception deserializing
    request!"), so the deserializer never raises: the guard raises the carried error after
    authentication, and the caller gets a typed status with a reason.
    """

    __slots__ = ("error",)

    def __init__(self, error: DomainError) -> None:
        self.error = error


def safe_deserializer(
    parse: Callable[[bytes], Any], *, max_bytes: int, checker: Checker | None = None
) -> Callable[[bytes], Any]:
    """``parse`` behind the byte limit, a decode guard and the limits walk; never raises."""

    def deserialize(data: bytes) -> Any:
        size = len(data)
        if size > max_bytes:
            return Refused(too_large(size, max_bytes))
        try:
            message = parse(data)
        except Exception:  # noqa: BLE001 (DecodeError, invalid UTF-8, recursion: the bytes are at fault)
            return Refused(malformed(size))
        if checker is not None:
            found = checker.violations(message, size)
            if found:
                return Refused(InvalidArgument.fields(found, reason="LIMIT_EXCEEDED"))
            found = clean_message(message)  # NFC in place; invisible characters refused
            if found:
                return Refused(InvalidArgument.fields(found, reason="INVALID_CHARACTERS"))
        return message

    return deserialize


class ServerInterceptor(grpc.ServerInterceptor):
    def __init__(
        self,
        service: str,
        access: auth.AccessTable,
        secret: str,
        observer: Observer | None = None,
        limits: Limits | None = None,
    ) -> None:
        self._service = service
        self._access = access
        self._secret = secret
        self._limits = limits or Limits()
        self._checker = Checker(self._limits)
        self._observer = observer  # metrics, trace span and audit scope of each call
        self._wrapped: dict[str, grpc.RpcMethodHandler] = {}

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        full = handler_call_details.method
        wrapped = self._wrapped.get(full)
        if wrapped is not None:
            return wrapped
        handler = continuation(handler_call_details)
        if handler is None or handler.unary_unary is None or full.startswith(_UNGUARDED):
            return handler
        short = full.rsplit("/", 1)[-1]
        parse = handler.request_deserializer
        wrapped = grpc.unary_unary_rpc_method_handler(
            self._guard(full, handler.unary_unary),
            request_deserializer=safe_deserializer(
                parse if parse is not None else (lambda b: b),
                max_bytes=self._limits.request_bytes_for(short),
                checker=self._checker if parse is not None else None,
            ),
            response_serializer=handler.response_serializer,
        )
        self._wrapped[full] = wrapped  # one per method, built on its first call
        return wrapped

    def _guard(self, full: str, inner: Callable[[Any, grpc.ServicerContext], Any]) -> Callable[..., Any]:
        short = full.rsplit("/", 1)[-1]

        def guarded(request: Any, context: grpc.ServicerContext) -> Any:
            metadata = {k: v for k, v in context.invocation_metadata() if isinstance(v, str)}
            rid = metadata.get("x-request-id", "")
            if not _REQUEST_ID.fullmatch(rid):
                rid = uuid.uuid4().hex
            started = time.perf_counter()
            rid_token = request_id_var.set(rid)
            caller: auth.Caller | None = None
            code, reason = grpc.StatusCode.OK, ""
            status = None
            # bind/reset rather than bound_contextvars(): the same, at a third of the cost
            bound = structlog.contextvars.bind_contextvars(request_id=rid, method=full)
            observed = (
                self._observer.begin(
                    full, short, rid, metadata, None if isinstance(request, Refused) else request, context
                )
                if self._observer is not None
                else None
            )
            try:
                claimed = auth.caller_from_metadata(self._secret, metadata)
                if observed is not None and claimed is not None:
                    Observer.identify(observed, claimed)  # a refused caller is audited too
                caller = auth.authorize(self._access, short, claimed)
                if observed is not None and claimed is None:
                    Observer.identify(observed, caller)
                if isinstance(request, Refused):
                    raise request.error
                caller_token = auth.set_caller(caller)
                try:
                    return inner(request, context)
                finally:
                    auth.reset_caller(caller_token)
            except Exception as exc:  # every failure becomes a status
                mapped = _classify(exc)
                if mapped is None:
                    log.exception("unhandled error", exc_info=exc)
                    status = build_status(
                        grpc.StatusCode.INTERNAL,
                        f"internal error (request id {rid})",
                        "INTERNAL",
                        metadata={"request_id": rid},
                    )
                    code, reason = grpc.StatusCode.INTERNAL, "INTERNAL"
                else:
                    status = mapped.to_status()
                    code, reason = mapped.code, mapped.reason
            finally:
                request_id_var.reset(rid_token)
                try:
                    context.set_trailing_metadata((("x-request-id", rid),))
                    if logging_enabled(logging.INFO):  # a line below the level costs nothing
                        log.info(
                            "rpc",
                            service=self._service,
                            code=code.name,
                            reason=reason or None,
                            duration_ms=round((time.perf_counter() - started) * 1000, 2),
                            caller_role=str(caller.role) if caller else None,
                            caller=caller.subject if caller else None,
                        )
                finally:
                    structlog.contextvars.reset_contextvars(**bound)
                    if observed is not None:
                        self._observer.end(observed, code, reason)  # type: ignore[union-attr]
            context.abort_with_status(with_request_id(rpc_status.to_status(status), rid))
            raise AssertionError("unreachable")  # abort_with_status raises

        return guarded


class _Status(NamedTuple):
    code: grpc.StatusCode
    details: str
    trailing_metadata: tuple[tuple[str, str | bytes], ...]


def with_request_id(status: grpc.Status, rid: str) -> grpc.Status:
    """The status with ``x-request-id`` among its trailers: abort_with_status replaces whatever
    trailing metadata was set before, and an error must carry the id as a success does."""
    trailers = tuple(status.trailing_metadata or ())
    return _Status(status.code, status.details, (*trailers, ("x-request-id", rid)))  # type: ignore[return-value]


class _CallDetails(NamedTuple):
    method: str
    timeout: float | None
    metadata: Any
    credentials: Any
    wait_for_ready: bool | None
    compression: Any


class ClientInterceptor(grpc.UnaryUnaryClientInterceptor):
    """Adds the request id, a signed token and a default deadline to outgoing calls."""

    def __init__(self, token: Callable[[], str], deadline_seconds: float) -> None:
        self._token = token
        self._deadline = deadline_seconds

    def intercept_unary_unary(
        self,
        continuation: Callable[[grpc.ClientCallDetails, Any], Any],
        client_call_details: grpc.ClientCallDetails,
        request: Any,
    ) -> Any:
        metadata = list(client_call_details.metadata or [])
        keys = {k for k, _ in metadata}
        rid = request_id_var.get()
        if rid and "x-request-id" not in keys:
            metadata.append(("x-request-id", rid))
        if "authorization" not in keys:
            metadata.append(("authorization", f"Bearer {self._token()}"))
        inject_trace(metadata)  # the current span as the callee's parent (nothing when off)
        details = _CallDetails(
            client_call_details.method,
            client_call_details.timeout if client_call_details.timeout is not None else self._deadline,
            metadata,
            client_call_details.credentials,
            getattr(client_call_details, "wait_for_ready", None),
            getattr(client_call_details, "compression", None),
        )
        return continuation(details, request)
