"""What every page and API call shares: the caller's session, CSRF tokens, language, upstream calls.

CSRF: a token is an HMAC, under a key derived from the signing secret, of the
thing that identifies the browser: the session token once logged in, else a
random ``dgcp_pre`` cookie. Forms carry it in ``csrf_token``; cookie-authenticated
API calls in ``X-CSRF-Token``. SameSite=Lax cookies are the second layer.
"""

from __future__ import annotations

import hashlib
import hmac
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
from gateway.errors import reason_of, status_of_rpc_error, violations_of
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
    login_throttle: accounts.Throttle
    address_throttle: accounts.Throttle

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
        self, code: grpc.StatusCode, reason: str, message: str, violations: list[tuple[str, str]]
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.violations = violations


def method_exists(full_name: str) -> bool:
    try:
        descriptor_pool.Default().FindMethodByName(full_name)
    except KeyError:
        return False
    return True


async def invoke(request: Request, full_name: str, body: dict[str, Any]) -> dict[str, Any]:
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
    service_key = method.containing_service.file.package.split(".")[1]
    req = message_factory.GetMessageClass(method.input_type)()
    json_format.ParseDict(body, req)
    token = caller_token(st, await identity_of(request))
    try:
        resp = await st.upstreams.call(
            service_key,
            f"/{method.containing_service.full_name}/{method.name}",
            req,
            message_factory.GetMessageClass(method.output_type),
            token=token,
        )
    except grpc.aio.AioRpcError as err:
        status = status_of_rpc_error(err)
        raise RpcFailed(err.code(), reason_of(status), status.message, violations_of(status)) from None
    return json_format.MessageToDict(resp, preserving_proto_field_name=True)
