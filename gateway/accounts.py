"""Accounts, activation links, passwords, sessions and the second factor (blocking; run off the
event loop).

The authority creates accounts (``python -m gateway account create``); each
new account gets a single-use activation link through which its holder sets
the first password. Passwords are hashed with argon2id (argon2-cffi's
defaults, RFC 9106's second recommended profile). The hash is checked outside
any database transaction; callers bound how many run at once (``web.State.hash_slots``).
An unknown user name is checked against a dummy hash of the same cost, so both
answers take the same time. Failed logins back off per (address, account) and per
address (:mod:`gateway.throttle`), never per account alone: nobody can lock the owner out.

Setting a password (activation) or reissuing a link ends every session of the account.
Authority accounts need a second factor (RFC 6238 TOTP with pyotp, plus ten single-use
recovery codes stored as SHA-256): after the password the session stays *pending*, and
opens only once a code was given (the first time, the holder enrols).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, update
from sqlmodel import Session as DbSession
from sqlmodel import select

from gateway import notices
from gateway.models import Account, Activation, RecoveryCode, Session
from gateway.settings import GatewaySettings
from runtime.db import read_transaction, transaction
from runtime.notify.addresses import email_problem
from runtime.resources import aware, utcnow

ROLES_WITH_ACCOUNTS = ("reviewer", "consultancy", "authority")
SECOND_FACTOR_ROLES = frozenset({"authority"})
PENDING_SESSION_SECONDS = 300
SECOND_FACTOR_ATTEMPTS = 5
RECOVERY_CODES = 10
TOTP_ISSUER = "DGCP 东莞清洁生产审核评估"

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
        _end_all_sessions(s, account.id)  # a reissue is a reset: whoever holds a session is out
        token = _add_activation(s, account.id, settings)
        notices.queue_activation(s, account, token, _expiry(settings), reissue=True)
        return token


def _end_all_sessions(s: DbSession, account_id: uuid.UUID) -> None:
    s.execute(delete(Session).where(Session.account_id == account_id))  # type: ignore[arg-type]


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
        s.add_all([act, account])
        _end_all_sessions(s, account.id)  # a new password ends every session made with the old one
        return _identity(account)


def login(engine: Engine, settings: GatewaySettings, *, username: str, password: str) -> Identity:
    """Check a password (no database transaction open while argon2 runs).

    Unknown names, accounts without a password yet and disabled accounts are checked against a
    dummy hash of the same cost and fail the same way, so neither the answer nor its time tells
    whether a name exists. Throttling is the caller's (:mod:`gateway.throttle`).
    """
    hasher, dummy = _hasher(settings)
    with read_transaction(engine) as s:
        account = s.exec(select(Account).where(Account.username == username.strip().lower())).first()
    usable = account is not None and bool(account.password_hash) and account.active
    digest = account.password_hash if usable and account is not None else dummy
    if not _verify(hasher, digest, password) or not usable or account is None:
        raise AccountError("LOGIN_FAILED")
    if hasher.check_needs_rehash(digest):
        new_digest = hasher.hash(password)
        with transaction(engine) as s:
            s.execute(
                update(Account)
                .where(Account.id == account.id, Account.password_hash == digest)  # type: ignore[arg-type]
                .values(password_hash=new_digest)
            )
    return _identity(account)


def _verify(hasher: PasswordHasher, digest: str, password: str) -> bool:
    try:
        return hasher.verify(digest, password)
    except (VerificationError, InvalidHashError):
        return False


def create_session(
    engine: Engine, settings: GatewaySettings, account_id: uuid.UUID, *, pending: bool = False
) -> str:
    """A new session token; ``pending`` sessions wait for the second factor (five minutes)."""
    token = secrets.token_urlsafe(32)
    ttl = PENDING_SESSION_SECONDS if pending else settings.session_ttl_seconds
    with transaction(engine) as s:
        s.add(
            Session(
                token_sha256=_sha256(token),
                account_id=account_id,
                expire_time=utcnow() + timedelta(seconds=ttl),
                second_factor_pending=pending,
            )
        )
    return token


def session_identity(engine: Engine, token: str) -> Identity | None:
    """The account of a full session (pending ones open nothing here)."""
    with read_transaction(engine) as s:
        row = s.get(Session, _sha256(token))
        if row is None or row.second_factor_pending or aware(row.expire_time) <= utcnow():  # type: ignore[operator]
            return None
        account = s.get(Account, row.account_id)
        if account is None or not account.active:
            return None
        if account.role in SECOND_FACTOR_ROLES and account.totp_confirm_time is None:
            return None  # never a full session without the second factor, whatever made it
        return _identity(account)


def end_session(engine: Engine, token: str) -> None:
    with transaction(engine) as s:
        s.execute(delete(Session).where(Session.token_sha256 == _sha256(token)))  # type: ignore[arg-type]


def needs_second_factor(ident: Identity) -> bool:
    return ident.role in SECOND_FACTOR_ROLES


# --- second factor ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    """A session between password and second factor."""

    identity: Identity
    enrolled: bool
    secret: str  # the seed to show while enrolling; empty once enrolled


def pending_of(engine: Engine, token: str) -> Pending | None:
    with read_transaction(engine) as s:
        row = s.get(Session, _sha256(token))
        if row is None or not row.second_factor_pending or aware(row.expire_time) <= utcnow():  # type: ignore[operator]
            return None
        account = s.get(Account, row.account_id)
        if account is None or not account.active:
            return None
        enrolled = account.totp_confirm_time is not None
        return Pending(_identity(account), enrolled, "" if enrolled else account.totp_secret)


def start_enrolment(engine: Engine, account_id: uuid.UUID) -> str:
    """A fresh TOTP seed for an account not yet enrolled (kept until confirmed)."""
    secret = pyotp.random_base32(32)  # 160 bits, as RFC 4226 recommends
    with transaction(engine) as s:
        account = s.get(Account, account_id)
        if account is None or account.totp_confirm_time is not None:
            raise AccountError("ALREADY_ENROLLED")
        if account.totp_secret:
            return account.totp_secret
        account.totp_secret = secret
        s.add(account)
    return secret


def provisioning_uri(secret: str, username: str) -> str:
    """The ``otpauth://`` URI an authenticator app takes (typed in or pasted)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=TOTP_ISSUER)


_CODE = re.compile(r"[0-9]{6}")
_RECOVERY = re.compile(r"[a-z2-7]{4}-?[a-z2-7]{4}-?[a-z2-7]{4}-?[a-z2-7]{4}")


def _totp_step(secret: str, code: str, last_step: int) -> int | None:
    """The time step ``code`` is valid for (now, or one step either side), if after ``last_step``."""
    totp = pyotp.TOTP(secret)
    now = utcnow()
    step = int(now.timestamp()) // totp.interval
    for candidate in (step, step - 1, step + 1):
        if candidate > last_step and secrets.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def check_second_factor(engine: Engine, token: str, code: str) -> tuple[Identity, list[str]] | None:
    """Check a TOTP code (or a recovery code) for a pending session.

    Success: the pending session is ended and the caller makes a full one; when this was the
    enrolment, the ten recovery codes come back (shown once). A code is accepted once only.
    Failure: counted on the session; the fifth ends it (the password must be given again).
    """
    code = code.strip().lower().replace(" ", "")
    with transaction(engine) as s:
        row = s.exec(select(Session).where(Session.token_sha256 == _sha256(token)).with_for_update()).first()
        if row is None or not row.second_factor_pending or aware(row.expire_time) <= utcnow():  # type: ignore[operator]
            return None
        account = s.exec(select(Account).where(Account.id == row.account_id).with_for_update()).one()
        enrolling = account.totp_confirm_time is None
        ok = False
        if account.totp_secret and _CODE.fullmatch(code):
            step = _totp_step(account.totp_secret, code, account.totp_last_step)
            if step is not None:
                account.totp_last_step = step
                ok = True
        elif not enrolling and _RECOVERY.fullmatch(code):
            found = s.get(RecoveryCode, _sha256(code.replace("-", "")))
            if found is not None and found.account_id == account.id and found.used_time is None:
                found.used_time = utcnow()
                s.add(found)
                ok = True
        if not ok:
            row.second_factor_failures += 1
            if row.second_factor_failures >= SECOND_FACTOR_ATTEMPTS:
                s.delete(row)
            else:
                s.add(row)
            ok_result: tuple[Identity, list[str]] | None = None
        else:
            codes: list[str] = []
            if enrolling:
                account.totp_confirm_time = utcnow()
                codes = _new_recovery_codes(s, account.id)
            s.add(account)
            s.delete(row)
            ok_result = (_identity(account), codes)
    if ok_result is None:
        raise AccountError("SECOND_FACTOR_FAILED")
    return ok_result


def _new_recovery_codes(s: DbSession, account_id: uuid.UUID) -> list[str]:
    s.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account_id))  # type: ignore[arg-type]
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = base64.b32encode(secrets.token_bytes(10)).decode().lower()  # 80 bits, 16 characters
        s.add(RecoveryCode(code_sha256=_sha256(raw), account_id=account_id))
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    return codes


def reset_second_factor(engine: Engine, *, username: str) -> None:
    """The authority's reset for a holder who lost the phone and the codes: enrol again at next login."""
    with transaction(engine) as s:
        account = s.exec(select(Account).where(Account.username == username.strip().lower())).first()
        if account is None:
            raise AccountError("NO_SUCH_ACCOUNT")
        account.totp_secret, account.totp_confirm_time, account.totp_last_step = "", None, 0
        s.add(account)
        s.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account.id))  # type: ignore[arg-type]
        _end_all_sessions(s, account.id)


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
                "second_factor": a.totp_confirm_time is not None,
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
        _end_all_sessions(s, account.id)
