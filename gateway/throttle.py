"""Login back-off that cannot lock the owner out, shared by every gateway replica.

Failures are counted per key in the gateway's database, so three replicas enforce one limit:

- ``pair:<address>|<user>``: guessing one account from one address. Past
  ``login_attempts_per_window`` failures in ``login_window_seconds``, that address may not try
  that account until the window has passed.
- ``addr:<address>``: spraying many accounts from one address. Past
  ``login_attempts_per_address_per_window`` failures, that address may not try any account.

There is deliberately no per-account lock: failures from other addresses never refuse the right
password from this one, so an attacker with many addresses cannot lock a person out. What such an
attacker gets is ``login_attempts_per_window`` guesses per address per window against a password
of at least 12 characters hashed with argon2id. Only failures count; a success clears its pair.
A blocked key is answered before any password is hashed, the same way for every user name.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import Engine, delete, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import select

from gateway.models import LoginThrottle
from gateway.settings import GatewaySettings
from runtime.db import read_transaction, transaction
from runtime.resources import aware, utcnow


def keys(address: str, username: str) -> tuple[str, str]:
    """(pair key, address key); the user name is hashed (keys stay short, names stay out)."""
    user = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    addr = address[:64]
    return f"pair:{addr}|{user}", f"addr:{addr}"


def blocked(engine: Engine, *names: str) -> bool:
    """Whether any of these keys is in its back-off now."""
    now = utcnow()
    with read_transaction(engine) as s:
        rows = s.exec(select(LoginThrottle).where(LoginThrottle.key.in_(names))).all()  # type: ignore[attr-defined]
    return any(r.blocked_until is not None and aware(r.blocked_until) > now for r in rows)


def record_failure(engine: Engine, settings: GatewaySettings, address: str, username: str) -> None:
    """Count one failed login against its pair and its address (one short transaction)."""
    pair, addr = keys(address, username)
    limits = {pair: settings.login_attempts_per_window, addr: settings.login_attempts_per_address_per_window}
    window = timedelta(seconds=settings.login_window_seconds)
    now = utcnow()
    with transaction(engine) as s:
        dialect = s.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        for key in sorted(limits):  # one order for every writer: no deadlock between two replicas
            s.execute(
                insert(LoginThrottle)
                .values(key=key, window_start=now, failures=0)
                .on_conflict_do_nothing(index_elements=["key"])
            )
            row = s.exec(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()).one()
            if aware(row.window_start) <= now - window:  # type: ignore[operator]
                row.window_start, row.failures = now, 0
            row.failures += 1
            if row.failures >= limits[key]:
                row.blocked_until = now + window
                row.window_start, row.failures = now, 0
            s.add(row)
        # Forget what is over: windows long past and back-offs that have ended.
        s.execute(
            delete(LoginThrottle).where(
                LoginThrottle.window_start < now - 2 * window,  # type: ignore[arg-type, operator]
                or_(
                    LoginThrottle.blocked_until.is_(None),  # type: ignore[union-attr]
                    LoginThrottle.blocked_until < now,  # type: ignore[arg-type, operator]
                ),
            ),
            execution_options={"synchronize_session": False},
        )


def clear(engine: Engine, address: str, username: str) -> None:
    """A success from this address for this account: its pair starts again."""
    pair, _ = keys(address, username)
    with transaction(engine) as s:
        s.execute(delete(LoginThrottle).where(LoginThrottle.key == pair))  # type: ignore[arg-type]
