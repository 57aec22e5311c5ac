"""What every page and API call shares: the caller's session, CSRF tokens, language, upstream calls.

CSRF: a token is an HMAC, under a key derived from the signing secret, of the
thing that identifies the browser: the session token once logged in, else a
random ``dgcp_pre`` cookie. Forms carry it in ``csrf_token``; cookie-authenticated
API calls in ``X-CSRF-Token``. SameSite=Lax cookies are the second layer.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import descriptor_pool, json_format, message_factory
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from gateway import accounts
from gateway.errors import reason_of, status_of_rpc_error, violation_reasons, violations_of
from gateway.settings import GatewaySettings
from gateway.upstream import Upstreams
from runtime import audit, auth

SESSION_COOKIE = "dgcp_session"
PRE_COOKIE = "dgcp_pre"
LANG_COOKIE = "dgcp_lang"
LANGS = ("zh", "en")
_UNSET = object()


@dataclass
class State:
    """The gateway process's shared parts (set up in the lifespan)."""

    settings: GatewaySettings
    engine: Engine
    upstreams: Upstreams
    secret: str
    # Password hashes checked at once (argon2id takes a core and 64 MiB for ~0.1 s): logins past
    # this wait here, on the event loop, holding no thread, so other requests keep being served.
    hash_slots: asyncio.Semaphore

    def csrf_key(self) -> bytes:
        return hmac.new(self.secret.encode(), b"dgcp-gateway-csrf", hashlib.sha256).digest()


def state_of(request: Request) -> State:
    return request.app.state.gw  # type: ignore[no-any-return]


async def identity_of(request: Request) -> accounts.Identity | None:
    """The logged-in account of this request (cached on the request)."""
    cached = getattr(request.state, "identity", _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[return-value]
    token = request.cookies.get(SESSION_COOKIE, "")
    ident = (
        await run_in_threadpool(accounts.session_identity, state_of(request).engine, token) if token else None
    )
    request.state.identity = ident
    scope = audit.current()
    if scope is not None and ident is not None:
        scope.identify(ident.subject, ident.role, ident.org)  # the audit event names the person
    return ident


def caller_token(st: State, ident: accounts.Identity | None) -> str | None:
    """The signed token the services see for this person (none for anonymous visitors)."""
    if ident is None:
        return None
    return auth.issue_token(
        st.secret,
        subject=ident.subject,
        role=ident.role,
        org=ident.org,
        ttl_seconds=st.settings.caller_token_ttl_seconds,
    )


def _binding(request: Request) -> str:
    return (
        request.cookies.get(SESSION_COOKIE)
        or request.cookies.get(PRE_COOKIE)
        or request.state.__dict__.get("pre_cookie", "")
    )


def csrf_token(request: Request) -> str:
    """The token forms of this browser must send back."""
    binding = _binding(request)
    if not binding:
        binding = secrets.token_urlsafe(24)
        request.state.pre_cookie = binding
    return hmac.new(state_of(request).csrf_key(), binding.encode(), hashlib.sha256).hexdigest()


def csrf_ok(request: Request, sent: str) -> bool:
    binding = _binding(request)
    if not binding or not sent:
        return False
    want = hmac.new(state_of(request).csrf_key(), binding.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(want, sent)


def set_cookie(
    request: Request, response: Response, name: str, value: str, max_age: int | None = None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=state_of(request).settings.cookie_secure,
        path="/",
    )


def finish(request: Request, response: Response) -> Response:
    """Set the pre-session cookie if a CSRF token was bound to a new one."""
    pre = getattr(request.state, "pre_cookie", "")
    if pre and not request.cookies.get(SESSION_COOKIE):
        set_cookie(request, response, PRE_COOKIE, pre)
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault(
        "Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
    )
    return response


def lang_of(request: Request) -> str:
    wanted = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE, "")
    return wanted if wanted in LANGS else "zh"


class RpcFailed(Exception):
    """A service said no; pages show the reason, the API maps the status."""

    def __init__(
        self,
        code: grpc.StatusCode,
        reason: str,
        message: str,
        violations: list[tuple[str, str]],
        violation_reasons: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        # The reason of each violation (same order), for pages that show it in the reader's language.
        self.violation_reasons = violation_reasons or [""] * len(violations)
        self.code = code
        self.reason = reason
        self.message = message
        self.violations = violations


def request_id(request: Request) -> str:
    """This request's id (checked or made by the guard)."""
    return str(request.scope.get("state", {}).get("request_id", "")) or request.headers.get(
        "x-request-id", ""
    )


_INT = re.compile(r"[+-]?[0-9]{1,10}")
INT32 = (-(2**31), 2**31 - 1)


def form_int(raw: str, lo: int = INT32[0], hi: int = INT32[1]) -> int | None:
    """A whole number as a person types it in a form: ASCII digits only (``²`` and ``١`` are not
    numbers here, though ``str.isdigit`` says so and ``int`` reads the second), within
    ``[lo, hi]``; anything else is ``None`` for the caller to refuse with a field violation."""
    raw = raw.strip()
    if not _INT.fullmatch(raw):
        return None
    value = int(raw)
    return value if lo <= value <= hi else None


def bad_field(field: str, value: str) -> RpcFailed:
    """A form value the gateway cannot pass on (shown like the service's own BadRequest)."""
    return RpcFailed(
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_FIELD",
        f"{field}: not a valid number",
        [(field, "not a valid number")],
    )


def method_exists(full_name: str) -> bool:
    try:
        descriptor_pool.Default().FindMethodByName(full_name)
    except KeyError:
        return False
    return True


async def invoke(
    request: Request, full_name: str, body: dict[str, Any], *, service: str = ""
) -> dict[str, Any]:
    """Call ``dgcp.<svc>.v1.Service.Method`` with a JSON-shaped request, as the logged-in caller.

    Pages use this rather than generated classes so that a page is written
    against the contract (field names) and the descriptors pick the types.
    """
    st = state_of(request)
    try:
        method = descriptor_pool.Default().FindMethodByName(full_name)
    except KeyError:
        raise RpcFailed(
            grpc.StatusCode.UNIMPLEMENTED, "NOT_IN_CONTRACT", f"{full_name} is not in the contracts", []
        ) from None
    # A contract every service serves (dgcp.audit.v1) names the service to ask in ``service``.
    service_key = service or method.containing_service.file.package.split(".")[1]
    req = message_factory.GetMessageClass(method.input_type)()
    try:
        json_format.ParseDict(body, req)
    except (json_format.ParseError, ValueError, TypeError, RecursionError) as exc:
        # A form value the contract cannot hold (an int32 overflow, a word for a number).
        field = _field_of(str(exc))
        raise RpcFailed(
            grpc.StatusCode.INVALID_ARGUMENT,
            "INVALID_FIELD",
            "a value is not valid",
            [(field, str(exc)[:200])],
        ) from None
    token = caller_token(st, await identity_of(request))
    try:
        resp = await st.upstreams.call(
            service_key,
            f"/{method.containing_service.full_name}/{method.name}",
            req,
            message_factory.GetMessageClass(method.output_type),
            token=token,
            request_id=request_id(request),
        )
    except grpc.aio.AioRpcError as err:
        status = status_of_rpc_error(err)
        raise RpcFailed(
            err.code(), reason_of(status), status.message, violations_of(status), violation_reasons(status)
        ) from None
    return json_format.MessageToDict(resp, preserving_proto_field_name=True)


_FIELD_IN = re.compile(r'[Ff]ield "?([A-Za-z0-9_.\[\]]+)"?|at ([A-Za-z0-9_.\[\]]+)')


def _field_of(text: str) -> str:
    """The field a protobuf JSON parse error names (``... at items[0].points``), else ``body``."""
    m = _FIELD_IN.search(text)
    return (m.group(1) or m.group(2)) if m else "body"
