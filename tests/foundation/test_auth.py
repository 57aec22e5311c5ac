"""Signed tokens: verification, the per-token cache, expiry on every use (pure)."""

from __future__ import annotations

import time

import jwt
import pytest

from runtime import auth
from runtime.errors import Unauthenticated

SECRET = "test-secret-" + "x" * 32


def reason_of(secret: str, token: str) -> str:
    with pytest.raises(Unauthenticated) as info:
        auth.verify_token(secret, token)
    return info.value.reason


def test_a_token_says_who_calls() -> None:
    token = auth.issue_token(SECRET, subject="experts/1", role="reviewer", org="o")
    assert auth.verify_token(SECRET, token) == auth.Caller("experts/1", auth.Role.REVIEWER, "o")
    assert auth.verify_token(SECRET, token) == auth.Caller("experts/1", auth.Role.REVIEWER, "o")


def test_a_cached_token_still_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    token = auth.issue_token(SECRET, subject="experts/2", role="reviewer", ttl_seconds=60)
    auth.verify_token(SECRET, token)  # verified and cached
    later = time.time() + 61
    monkeypatch.setattr(auth.time, "time", lambda: later)
    assert reason_of(SECRET, token) == "TOKEN_EXPIRED"


def test_expired_tampered_and_foreign_tokens_are_refused() -> None:
    assert reason_of(SECRET, auth.issue_token(SECRET, subject="s", role="authority", ttl_seconds=-5)) == (
        "TOKEN_EXPIRED"
    )
    good = auth.issue_token(SECRET, subject="s", role="authority")
    auth.verify_token(SECRET, good)
    head, _, sig = good.split(".")
    forged_body = auth.issue_token(SECRET, subject="s", role="service").split(".")[1]
    assert reason_of(SECRET, f"{head}.{forged_body}.{sig}") == "TOKEN_INVALID"
    assert reason_of("another-secret-" + "y" * 32, good) == "TOKEN_INVALID"  # cache is per secret
    claims = {"iss": auth.ISSUER, "sub": "s", "role": "nobody", "exp": int(time.time()) + 60}
    assert reason_of(SECRET, jwt.encode(claims, SECRET, algorithm=auth.ALGORITHM)) == "TOKEN_INVALID"


def test_lines_logged_in_a_call_carry_its_request_id_and_none_leak_into_the_next() -> None:
    """The interceptor binds request id and method for the call's own lines, and unbinds them
    when it ends, success or failure (server threads are reused)."""
    import structlog
    from structlog.testing import capture_logs

    from runtime import config
    from runtime.errors import NotFound
    from runtime.interceptors import ServerInterceptor

    class Context:
        def __init__(self, rid: str) -> None:
            self.md = (("x-request-id", rid), ("authorization", "Bearer " + token()))

        def invocation_metadata(self) -> tuple[tuple[str, str], ...]:
            return self.md

        def set_trailing_metadata(self, _md: object) -> None:
            pass

        def abort_with_status(self, _status: object) -> None:
            raise RuntimeError("aborted")

    def token() -> str:
        return auth.issue_token(config.jwt_secret(), subject="experts/x", role="reviewer")

    def handler(request: object, context: object) -> str:
        structlog.get_logger("svc").warning("inside", n=request)
        if request == 2:
            raise NotFound("GONE", "gone")
        return "ok"

    guard = ServerInterceptor("svc", {"Do": frozenset({auth.Role.REVIEWER})}, config.jwt_secret())._guard(
        "/pkg.Svc/Do", handler
    )
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        assert guard(1, Context("rid-1")) == "ok"
        with pytest.raises(RuntimeError):
            guard(2, Context("rid-2"))
    inside = [e for e in logs if e["event"] == "inside"]
    assert [(e["request_id"], e["method"]) for e in inside] == [
        ("rid-1", "/pkg.Svc/Do"),
        ("rid-2", "/pkg.Svc/Do"),
    ]
    assert structlog.contextvars.get_contextvars() == {}
