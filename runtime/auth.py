"""Callers, signed tokens and the per-service access table.

Every call carries ``authorization: Bearer <JWT>`` (HS256, signed with
``DGCP_JWT_SECRET``). The token says who calls (``sub``), in which role, and
for organisation logins which organisation (``org``). The gateway mints one per
logged-in user; services mint ``service`` tokens for calls between them. Each
service declares in one table which roles may call which method; a method
missing from the table is denied, so a new RPC is closed until someone opens it.
Object-level rules (a reviewer scores only her own cases) live in handlers.
"""

from __future__ import annotations

import contextvars
import functools
import time
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

import jwt

from runtime.errors import PermissionDenied, Unauthenticated

ISSUER = "dgcp"
ALGORITHM = "HS256"


class Role(StrEnum):
    AUTHORITY = "authority"
    REVIEWER = "reviewer"
    CONSULTANCY = "consultancy"
    ENTERPRISE = "enterprise"
    PUBLIC = "public"
    SERVICE = "service"


@dataclass(frozen=True)
class Caller:
    """Who is calling: ``subject`` is a resource name (``experts/…``) or a login id."""

    subject: str
    role: Role
    org: str = ""


ANONYMOUS = Caller(subject="anonymous", role=Role.PUBLIC)

AccessTable = Mapping[str, frozenset[Role]]
"""Method name (``CreateEnterprise``) → roles allowed to call it."""

_current: contextvars.ContextVar[Caller] = contextvars.ContextVar("caller", default=ANONYMOUS)


def current_caller() -> Caller:
    return _current.get()


def set_caller(caller: Caller) -> contextvars.Token[Caller]:
    return _current.set(caller)


def reset_caller(token: contextvars.Token[Caller]) -> None:
    _current.reset(token)


def issue_token(
    secret: str, *, subject: str, role: Role | str, org: str = "", ttl_seconds: int = 3600
) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": subject, "role": str(Role(role)), "iat": now}
    claims["exp"] = now + ttl_seconds
    if org:
        claims["org"] = org
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_token(secret: str, token: str) -> Caller:
    caller, expires = _verified(secret, token)
    if expires <= time.time():  # the same test PyJWT makes, for a token verified earlier
        raise Unauthenticated("TOKEN_EXPIRED", "the token has expired")
    return caller


@functools.lru_cache(maxsize=4096)
def _verified(secret: str, token: str) -> tuple[Caller, float]:
    """Signature and claims checked once per token: a client sends the same token on every call
    until it expires, and HMAC plus JSON decoding was a tenth of a short call's CPU. Failures
    raise and are not cached; expiry is checked on every use by :func:`verify_token`."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iss", "sub"]},
        )
        role = Role(claims.get("role", ""))
    except jwt.ExpiredSignatureError as exc:
        raise Unauthenticated("TOKEN_EXPIRED", "the token has expired") from exc
    except (jwt.InvalidTokenError, ValueError) as exc:
        raise Unauthenticated("TOKEN_INVALID", "the token is not valid") from exc
    caller = Caller(subject=str(claims["sub"]), role=role, org=str(claims.get("org", "")))
    return caller, float(claims["exp"])


def caller_from_metadata(secret: str, metadata: Mapping[str, str]) -> Caller | None:
    header = metadata.get("authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("TOKEN_INVALID", "authorization must be 'Bearer <token>'")
    return verify_token(secret, token.strip())


def authorize(access: AccessTable, method: str, caller: Caller | None) -> Caller:
    """Check the table for ``method`` (short name); return the effective caller."""
    allowed = access.get(method, frozenset())
    if caller is None:
        if Role.PUBLIC in allowed:
            return ANONYMOUS
        raise Unauthenticated("TOKEN_MISSING", "this method needs a signed token")
    if caller.role not in allowed:
        raise PermissionDenied(
            "ROLE_NOT_ALLOWED",
            f"role {caller.role} may not call {method}",
            metadata={"role": str(caller.role), "method": method},
        )
    return caller


def require_role(*roles: Role) -> Caller:
    """For handlers whose rule depends on the request: fail unless the caller has a role."""
    caller = current_caller()
    if caller.role not in roles:
        raise PermissionDenied("ROLE_NOT_ALLOWED", f"role {caller.role} may not do this")
    return caller
