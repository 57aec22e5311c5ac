"""Callers, signed tokens and the per-service access table.

Every call carries ``authorization: Bearer <JWT>``. Two kinds of token are accepted:

- **Internal** tokens, HS256 under ``DGCP_JWT_SECRET``: the gateway mints one per logged-in user,
  services mint ``service`` tokens for calls between them. Only the gateway and the services hold
  this key; no client ever does.
- **Client** tokens, EdDSA (Ed25519), minted by an API client such as the procurement system with
  its own private key. The services verify them with the public keys of the key set
  (``DGCP_JWKS_FILE``, a JWKS), which the authority manages with ``python -m scripts.credentials``:
  issue, rotate, revoke. Each key is bound to one subject and the roles it may claim
  (``dgcp_sub``, ``dgcp_roles`` members of the JWK), so a client's key can never speak for a
  reviewer or another client. A client token lives at most :data:`CLIENT_TOKEN_MAX_SECONDS`. The
  key set file is re-read when it changes (checked at most once a second), so a revoked key stops
  working within seconds, without a restart and without touching the services' own key.

The token says who calls (``sub``), in which role, and for organisation logins which
organisation (``org``). Each service declares in one table which roles may call which method;
a method missing from the table is denied, so a new RPC is closed until someone opens it.
Object-level rules (a reviewer scores only her own cases) live in handlers.
"""

from __future__ import annotations

import contextvars
import functools
import json
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import jwt
from jwt.algorithms import OKPAlgorithm

from runtime.errors import PermissionDenied, Unauthenticated

ISSUER = "dgcp"
ALGORITHM = "HS256"
CLIENT_ALGORITHM = "EdDSA"
CLIENT_TOKEN_MAX_SECONDS = 3600


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
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as exc:
        raise Unauthenticated("TOKEN_INVALID", "the token is not valid") from exc
    if header.get("alg") == CLIENT_ALGORITHM:
        keys = client_keys()
        caller, expires = _verified_client(keys.version, str(header.get("kid", "")), token)
    else:
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


# --- client credentials (EdDSA, public keys in a JWKS) -------------------------------------------


@dataclass(frozen=True)
class ClientKey:
    """One client's public key and what tokens signed with it may say."""

    kid: str
    subject: str
    roles: frozenset[Role]
    org: str
    key: Any  # cryptography's Ed25519PublicKey


@dataclass(frozen=True)
class KeySet:
    version: tuple[str, float, int]  # (path, mtime, size): a new version on every change
    keys: Mapping[str, ClientKey]


def jwks_path() -> Path | None:
    """``DGCP_JWKS_FILE``; else ``$DGCP_DATA_DIR/jwks.json`` when that file exists (local runs)."""
    raw = os.environ.get("DGCP_JWKS_FILE", "").strip()
    if raw:
        return Path(raw)
    local = Path(os.environ.get("DGCP_DATA_DIR", "").strip() or "data") / "jwks.json"
    return local if local.exists() else None


def parse_jwks(data: Mapping[str, Any]) -> dict[str, ClientKey]:
    """The usable keys of a JWKS (Ed25519 ``OKP`` keys with a kid, a subject and roles)."""
    out: dict[str, ClientKey] = {}
    for jwk in data.get("keys", []):
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not jwk.get("kid"):
            continue
        roles = frozenset(Role(r) for r in jwk.get("dgcp_roles", []) if r in set(Role))
        subject = str(jwk.get("dgcp_sub", ""))
        if not roles or not subject or Role.SERVICE in roles:
            continue  # a client key that names nobody, or claims to be a service, opens nothing
        key = OKPAlgorithm.from_jwk(json.dumps({k: jwk[k] for k in ("kty", "crv", "x")}))
        out[str(jwk["kid"])] = ClientKey(str(jwk["kid"]), subject, roles, str(jwk.get("dgcp_org", "")), key)
    return out


_EMPTY = KeySet(("", 0.0, 0), {})
_keyset = _EMPTY
_keyset_checked = 0.0
_keyset_lock = threading.Lock()
RELOAD_SECONDS = 1.0


def client_keys() -> KeySet:
    """The current key set, re-read when its file changed (a stat at most once a second)."""
    global _keyset, _keyset_checked
    now = time.monotonic()
    if now - _keyset_checked < RELOAD_SECONDS:
        return _keyset
    with _keyset_lock:
        if now - _keyset_checked < RELOAD_SECONDS:
            return _keyset
        path = jwks_path()
        try:
            st = path.stat() if path is not None else None
        except OSError:
            st = None
        if path is None or st is None:
            _keyset = _EMPTY
        else:
            version = (str(path), st.st_mtime, st.st_size)
            if version != _keyset.version:
                try:
                    _keyset = KeySet(version, parse_jwks(json.loads(path.read_text())))
                except (OSError, ValueError, KeyError, TypeError):
                    _keyset = KeySet(version, {})  # a broken key set trusts nobody
        _keyset_checked = now
        return _keyset


def reload_client_keys() -> KeySet:
    """Re-read the key set now (tests, and a process told its file changed)."""
    global _keyset_checked
    _keyset_checked = 0.0
    return client_keys()


@functools.lru_cache(maxsize=4096)
def _verified_client(version: tuple[str, float, int], kid: str, token: str) -> tuple[Caller, float]:
    """A client token checked against the key set of ``version``: a new key set (a key revoked)
    is a new cache key, so nothing verified under the old one is trusted after it."""
    key = client_keys().keys.get(kid) if client_keys().version == version else None
    if key is None:
        raise Unauthenticated("TOKEN_INVALID", "the token's key is unknown or revoked")
    try:
        claims = jwt.decode(
            token,
            key.key,
            algorithms=[CLIENT_ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "iss", "sub"]},
        )
        role = Role(claims.get("role", ""))
    except jwt.ExpiredSignatureError as exc:
        raise Unauthenticated("TOKEN_EXPIRED", "the token has expired") from exc
    except (jwt.InvalidTokenError, ValueError) as exc:
        raise Unauthenticated("TOKEN_INVALID", "the token is not valid") from exc
    if claims["sub"] != key.subject or role not in key.roles or str(claims.get("org", "")) != key.org:
        raise Unauthenticated("TOKEN_INVALID", "the token claims more than its key allows")
    if float(claims["exp"]) - float(claims["iat"]) > CLIENT_TOKEN_MAX_SECONDS:
        raise Unauthenticated(
            "TOKEN_INVALID", f"a client token may live at most {CLIENT_TOKEN_MAX_SECONDS} s"
        )
    return Caller(subject=key.subject, role=role, org=key.org), float(claims["exp"])


def issue_client_token(
    private_key: Any, *, kid: str, subject: str, role: Role | str, org: str = "", ttl_seconds: int = 600
) -> str:
    """What a client does with its credential: a short EdDSA token naming its key."""
    now = int(time.time())
    claims: dict[str, Any] = {"iss": ISSUER, "sub": subject, "role": str(Role(role)), "iat": now}
    claims["exp"] = now + min(ttl_seconds, CLIENT_TOKEN_MAX_SECONDS)
    if org:
        claims["org"] = org
    return jwt.encode(claims, private_key, algorithm=CLIENT_ALGORITHM, headers={"kid": kid})


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
