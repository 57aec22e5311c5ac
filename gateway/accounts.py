"""Accounts, activation links, passwords and sessions (blocking; run off the event loop).

The authority creates accounts (``python -m gateway account create``); each
new account gets a single-use activation link through which its holder sets
the first password. Passwords are hashed with argon2id (argon2-cffi's
defaults, RFC 9106's second recommended profile). Failed logins count per
account; past a threshold the account is locked for a while, and a
per-address throttle (:class:`Throttle`) slows guessing across accounts.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete
from sqlmodel import select

from gateway import notices
from gateway.models import Account, Activation, Session
from gateway.settings import GatewaySettings
from runtime.db import read_transaction, transaction
from runtime.notify.addresses import email_problem
from runtime.resources import aware, utcnow

ROLES_WITH_ACCOUNTS = ("reviewer", "consultancy", "authority")

_hashers: dict[tuple[int, int, int], tuple[PasswordHasher, str]] = {}
_hashers_lock = threading.Lock()


def _hasher(settings: GatewaySettings) -> tuple[PasswordHasher, str]:
    """The argon2id hasher for the configured cost, and a dummy hash of that cost."""
    key = (settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism)
    with _hashers_lock:
        if key not in _hashers:
            hasher = PasswordHasher(time_cost=key[0], memory_cost=key[1], parallelism=key[2])
            _hashers[key] = (hasher, hasher.hash(secrets.token_urlsafe(16)))
        return _hashers[key]


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Identity:
    """What a session knows about its holder (no secrets)."""

    account_id: uuid.UUID
    username: str
    role: str
    subject: str
    org: str
    display_name: str


def _identity(a: Account) -> Identity:
    return Identity(a.id, a.username, a.role, a.subject, a.org, a.display_name)


class AccountError(Exception):
    """A failure shown to the user by reason code (never which of user/password was wrong)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def create_account(
    engine: Engine,
    settings: GatewaySettings,
    *,
    username: str,
    role: str,
    subject: str,
    org: str = "",
    display_name: str = "",
    email: str = "",
) -> tuple[Identity, str]:
    """Create an account and its first activation token (returned once, stored hashed); the link
    is also queued to ``email`` when one is given."""
    if role not in ROLES_WITH_ACCOUNTS:
        raise AccountError("ROLE_HAS_NO_ACCOUNTS")
    username = username.strip().lower()
    if not username:
        raise AccountError("USERNAME_REQUIRED")
    email = email.strip()
    if email_problem(email) is not None:
        raise AccountError("INVALID_EMAIL")
    with transaction(engine) as s:
        if s.exec(select(Account).where(Account.username == username)).first() is not None:
            raise AccountError("USERNAME_TAKEN")
        account = Account(
            username=username,
            role=role,
            subject=subject,
            org=org or (subject if role == "consultancy" else ""),
            display_name=display_name,
            email=email,
        )
        s.add(account)
        s.flush()
        token = _add_activation(s, account.id, settings)
        notices.queue_activation(s, account, token, _expiry(settings), reissue=False)
        return _identity(account), token


def _expiry(settings: GatewaySettings) -> datetime:
    return utcnow() + timedelta(seconds=settings.activation_ttl_seconds)


def _add_activation(s: object, account_id: uuid.UUID, settings: GatewaySettings) -> str:
    token = secrets.token_urlsafe(32)
    s.add(  # type: ignore[attr-defined]
        Activation(
            token_sha256=_sha256(token),
            account_id=account_id,
            expire_time=utcnow() + timedelta(seconds=settings.activation_ttl_seconds),
        )
    )
    return token


def reissue_activation(engine: Engine, settings: GatewaySettings, *, username: str) -> str:
    """A fresh single-use link (forgotten password, expired link); older links stay single-use."""
    with transaction(engine) as s:
        account = s.exec(select(Account).where(Account.username == username.strip().lower())).first()
        if account is None:
            raise AccountError("NO_SUCH_ACCOUNT")
        token = _add_activation(s, account.id, settings)
        notices.queue_activation(s, account, token, _expiry(settings), reissue=True)
        return token


def activation_account(engine: Engine, token: str) -> Identity | None:
    """The account a still-valid activation link belongs to."""
    with read_transaction(engine) as s:
        act = s.get(Activation, _sha256(token))
        if act is None or act.used_time is not None or aware(act.expire_time) <= utcnow():  # type: ignore[operator]
            return None
        account = s.get(Account, act.account_id)
        return _identity(account) if account is not None and account.active else None


def activate(engine: Engine, settings: GatewaySettings, *, token: str, password: str) -> Identity:
    """Consume the link and set the password; a second use fails."""
    if len(password) < settings.min_password_length:
        raise AccountError("PASSWORD_TOO_SHORT")
    digest = _hasher(settings)[0].hash(password)
    with transaction(engine) as s:
        act = s.get(Activation, _sha256(token))
        if act is None or act.used_time is not None or aware(act.expire_time) <= utcnow():  # type: ignore[operator]
            raise AccountError("LINK_INVALID")
        account = s.get(Account, act.account_id)
        if account is None or not account.active:
            raise AccountError("LINK_INVALID")
        act.used_time = utcnow()
        account.password_hash = digest
        account.failed_logins = 0
        account.locked_until = None
        s.add_all([act, account])
        return _identity(account)


def login(engine: Engine, settings: GatewaySettings, *, username: str, password: str) -> Identity:
    """Check a password, counting failures and locking the account past the threshold."""
    failure = ""
    hasher, dummy = _hasher(settings)
    with transaction(engine) as s:
        account = s.exec(select(Account).where(Account.username == username.strip().lower())).first()
        locked = aware(account.locked_until) if account is not None else None
        if account is None or not account.password_hash or not account.active:
            _verify(hasher, dummy, password)  # same work either way: no user enumeration by timing
            failure = "LOGIN_FAILED"
        elif locked is not None and locked > utcnow():
            failure = "ACCOUNT_LOCKED"
        elif not _verify(hasher, account.password_hash, password):
            # The count is committed with this transaction; the error is raised after it.
            account.failed_logins += 1
            if account.failed_logins >= settings.lockout_after_failures:
                account.locked_until = utcnow() + timedelta(seconds=settings.lockout_seconds)
                account.failed_logins = 0
            s.add(account)
            failure = "LOGIN_FAILED"
        else:
            account.failed_logins = 0
            account.locked_until = None
            if hasher.check_needs_rehash(account.password_hash):
                account.password_hash = hasher.hash(password)
            s.add(account)
            ident = _identity(account)
    if failure:
        raise AccountError(failure)
    return ident


def _verify(hasher: PasswordHasher, digest: str, password: str) -> bool:
    try:
        return hasher.verify(digest, password)
    except (VerificationError, InvalidHashError):
        return False


def create_session(engine: Engine, settings: GatewaySettings, account_id: uuid.UUID) -> str:
    token = secrets.token_urlsafe(32)
    with transaction(engine) as s:
        s.add(
            Session(
                token_sha256=_sha256(token),
                account_id=account_id,
                expire_time=utcnow() + timedelta(seconds=settings.session_ttl_seconds),
            )
        )
    return token


def session_identity(engine: Engine, token: str) -> Identity | None:
    with read_transaction(engine) as s:
        row = s.get(Session, _sha256(token))
        if row is None or aware(row.expire_time) <= utcnow():  # type: ignore[operator]
            return None
        account = s.get(Account, row.account_id)
        return _identity(account) if account is not None and account.active else None


def end_session(engine: Engine, token: str) -> None:
    with transaction(engine) as s:
        s.execute(delete(Session).where(Session.token_sha256 == _sha256(token)))  # type: ignore[arg-type]


class Throttle:
    """At most ``limit`` attempts per key in a sliding window (per process)."""

    def __init__(self, limit: int, window_seconds: float) -> None:
        self._limit = limit
        self._window = window_seconds
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self._window:
                hits.popleft()
            if len(hits) >= self._limit:
                return False
            hits.append(now)
            return True

    def reset(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)


# --- the authority's console ---------------------------------------------------------------------


def list_accounts(engine: Engine) -> list[dict[str, object]]:
    """Every account, newest first, as the console shows it (no secrets)."""
    with read_transaction(engine) as s:
        rows = s.exec(select(Account).order_by(Account.create_time.desc())).all()  # type: ignore[attr-defined]
        return [
            {
                "username": a.username,
                "role": a.role,
                "subject": a.subject,
                "org": a.org,
                "display_name": a.display_name,
                "email": a.email,
                "active": a.active,
                "activated": bool(a.password_hash),
                "locked": a.locked_until is not None and aware(a.locked_until) > utcnow(),
            }
            for a in rows
        ]


def email_of(engine: Engine, username: str) -> str:
    with read_transaction(engine) as s:
        account = s.exec(select(Account).where(Account.username == username.strip().lower())).first()
        return account.email if account is not None else ""


def disable_account(engine: Engine, *, username: str) -> None:
    """No more logins, sessions ended, unused activation links void (the account itself is kept)."""
    with transaction(engine) as s:
        account = s.exec(select(Account).where(Account.username == username.strip().lower())).first()
        if account is None:
            raise AccountError("NO_SUCH_ACCOUNT")
        account.active = False
        s.add(account)
        s.execute(delete(Session).where(Session.account_id == account.id))  # type: ignore[arg-type]
