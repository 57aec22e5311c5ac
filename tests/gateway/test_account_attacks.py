"""Accounts under attack: nobody can lock the owner out, user names cannot be told apart, a burst of
logins does not stall other users, a reissue ends old sessions, replicas share one throttle, short
secrets stop the process, and authority accounts need a second factor."""

from __future__ import annotations

import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, closing
from pathlib import Path

import httpx
import pyotp
import pytest

from gateway import accounts
from gateway.settings import GatewaySettings
from runtime import config
from tests.gateway.conftest import Gateway, Stack, serve_gateway
from tests.gateway.helpers import (
    FAST_HASH,
    PASSWORD,
    activate,
    csrf_of,
    gateway_engine,
    logged_in,
    login,
    new_account,
)

EXPERT = "experts/0190d3c2-0000-7000-8000-0000000000e1"


def _from(gw: Gateway, address: str) -> httpx.Client:
    """A client whose connections come from ``address`` (any 127.x.y.z is loopback)."""
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=gw.url, transport=transport, follow_redirects=False, timeout=30)


@pytest.fixture
def gw(stack: Stack, tmp_path: Path) -> Iterator[Gateway]:
    settings = GatewaySettings(
        database_url=f"sqlite:///{tmp_path}/gateway.db",
        local_mode=True,
        upstreams=dict(stack.gateway.settings.upstreams),
        login_attempts_per_window=3,
        login_attempts_per_address_per_window=10,
        **FAST_HASH,  # type: ignore[arg-type]
    )
    with serve_gateway(settings) as g:
        yield g


def _owner(g: Gateway, role: str = "reviewer", subject: str = EXPERT) -> str:
    username, path = new_account(g.settings, role, subject)
    with g.client() as c:
        assert activate(c, path).status_code == 200
    return username


def test_distributed_lockout_still_lets_the_owner_in(gw: Gateway) -> None:
    username = _owner(gw)
    for n in range(2, 8):  # 127.0.0.2 … 127.0.0.7, each past its limit for this account
        with _from(gw, f"127.0.0.{n}") as attacker:
            codes = [login(attacker, username, f"guess-{n}-{i}-xxxxxx").status_code for i in range(5)]
            assert codes == [401, 401, 401, 429, 429], codes
            # The attacker's address is now refused even the right password for this account …
            assert login(attacker, username).status_code == 429
    # … but the owner, from another address, gets in with the right password.
    with _from(gw, "127.0.0.20") as owner:
        r = login(owner, username)
        assert r.status_code == 303 and r.headers["location"] == "/reviewer"
    # And the owner's own address is never refused the right password because of a typo or two.
    with _from(gw, "127.0.0.21") as owner:
        assert login(owner, username, "typo-typo-typo").status_code == 401
        assert login(owner, username).status_code == 303


def test_spraying_from_one_address_meets_the_address_limit(gw: Gateway) -> None:
    username = _owner(gw)
    with _from(gw, "127.0.0.30") as sprayer:
        codes = [login(sprayer, f"nobody-{i}", "x" * 12).status_code for i in range(12)]
        assert codes == [401] * 10 + [429] * 2, codes
        assert login(sprayer, username).status_code == 429
    with _from(gw, "127.0.0.31") as other:
        assert login(other, username).status_code == 303


def _answer(r: httpx.Response) -> tuple[int, str]:
    """Status and page with the per-request parts (CSRF token, echoed name) taken out."""
    text = re.sub(r'name="csrf_token" value="[^"]+"', "", r.text)
    text = re.sub(r'name="username"[^>]*>', "", text)
    return r.status_code, text


def test_unknown_and_known_names_same_answer_and_time(stack: Stack, tmp_path: Path) -> None:
    # A hash that costs like a real one (the test default is cheap), so a skipped hash would show.
    settings = GatewaySettings(
        database_url=f"sqlite:///{tmp_path}/gateway.db",
        local_mode=True,
        upstreams=dict(stack.gateway.settings.upstreams),
        argon2_time_cost=2,
        argon2_memory_kib=16 * 1024,
        argon2_parallelism=1,
        login_attempts_per_window=1000,
        login_attempts_per_address_per_window=1000,
    )
    with serve_gateway(settings) as g:
        known = _owner(g)
        inactive, _ = new_account(g.settings, "reviewer", EXPERT)  # never activated: no password
        times: dict[str, list[float]] = {"known": [], "unknown": [], "inactive": []}
        answers: dict[str, set[tuple[int, str]]] = {k: set() for k in times}
        with g.client() as c:
            csrf = csrf_of(c.get("/login").text)
            for i in range(12):
                for kind, name in (("known", known), ("unknown", f"nobody-{i}"), ("inactive", inactive)):
                    started = time.perf_counter()
                    r = c.post(
                        "/login", data={"csrf_token": csrf, "username": name, "password": "wrong-pw-xx"}
                    )
                    times[kind].append(time.perf_counter() - started)
                    answers[kind].add(_answer(r))
    assert len(answers["known"] | answers["unknown"] | answers["inactive"]) == 1
    medians = {k: statistics.median(v) for k, v in times.items()}
    print("login medians (ms):", {k: round(v * 1000, 1) for k, v in medians.items()})
    # Within noise: the hash dominates every path; a skipped hash would be 10x faster.
    assert 0.6 < medians["unknown"] / medians["known"] < 1.6, medians
    assert 0.6 < medians["inactive"] / medians["known"] < 1.6, medians


def test_login_burst_does_not_stall_another_user(stack: Stack, tmp_path: Path) -> None:
    settings = GatewaySettings(
        database_url=f"sqlite:///{tmp_path}/gateway.db",
        local_mode=True,
        upstreams=dict(stack.gateway.settings.upstreams),
        # heavy enough that 50 hashes in a row outlast the calls measured during them
        argon2_time_cost=2,
        argon2_memory_kib=64 * 1024,
        argon2_parallelism=1,
        login_attempts_per_window=1000,
        login_attempts_per_address_per_window=1000,
    )
    with serve_gateway(settings) as g:
        # The other user: an authority with a full session (second factor enrolled), calling the
        # API through its cookie.
        user = logged_in(g.url, g.settings, "authority", "authorities/dongguan")

        def call() -> float:
            started = time.perf_counter()
            r = user.get("/v1/enterprises", params={"pageSize": "1"})
            assert r.status_code == 200, r.text
            return time.perf_counter() - started

        quiet = statistics.median(call() for _ in range(5))
        bogus = [httpx.Client(base_url=g.url, timeout=60) for _ in range(50)]
        tokens = [csrf_of(c.get("/login").text) for c in bogus]
        go = threading.Event()
        done: list[int] = []
        finished: list[float] = []

        def attempt(c: httpx.Client, csrf: str, i: int) -> None:
            go.wait()
            r = c.post("/login", data={"csrf_token": csrf, "username": f"nobody-{i}", "password": "x" * 12})
            done.append(r.status_code)
            finished.append(time.perf_counter())

        threads = [
            threading.Thread(target=attempt, args=(c, t, i))
            for i, (c, t) in enumerate(zip(bogus, tokens, strict=True))
        ]
        for t in threads:
            t.start()
        started = time.perf_counter()
        go.set()
        time.sleep(0.3)  # the burst is queued on the hash
        during = [call() for _ in range(5)]
        measured = time.perf_counter()
        for t in threads:
            t.join(60)
        burst = time.perf_counter() - started
        for c in bogus:
            c.close()
        user.close()
    assert done == [401] * 50, done
    delay = max(during) - quiet
    print(
        f"50 bogus logins took {burst:.2f} s; API call {quiet * 1000:.0f} ms quiet, "
        f"worst {max(during) * 1000:.0f} ms during"
    )
    assert max(finished) > measured, "the burst must outlast the calls measured during it"
    assert delay < 1.0, (quiet, during)


def _pending_secret(c: httpx.Client) -> str:
    page = c.get("/login/second-factor")
    assert page.status_code == 200, page.text
    m = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page.text)
    assert m, page.text
    return m.group(1).replace(" ", "")


def _code(secret: str, offset: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + offset)


def test_reissue_and_new_password_end_old_sessions(gw: Gateway) -> None:
    username = _owner(gw)
    with gw.client() as c:
        assert login(c, username).status_code == 303
        assert c.get("/reviewer").status_code == 200
        engine = gateway_engine(gw.settings)
        try:
            path = "/activate/" + accounts.reissue_activation(engine, gw.settings, username=username)
        finally:
            engine.dispose()
        r = c.get("/reviewer")  # the cookie is still sent, but its session is gone
        assert r.status_code == 303 and r.headers["location"] == "/login"
    with gw.client() as c, gw.client() as other:
        assert login(other, username).status_code == 303  # reissue does not change the password yet
        assert other.get("/reviewer").status_code == 200
        assert activate(c, path, "a brand new passphrase").status_code == 200
        assert other.get("/reviewer").status_code == 303  # the new password ended it
        assert login(other, username).status_code == 401
        assert login(other, username, "a brand new passphrase").status_code == 303


def _free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_two_gateway_processes_share_one_throttle(tmp_path: Path) -> None:
    """Two gateway processes on one database: failures on one count on the other (default limit 5)."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path}/{{service}}.db",
        "DGCP_DATA_DIR": str(tmp_path),
        "DGCP_LOCAL_MODE": "1",
        "DGCP_GATEWAY_LOOP": "asyncio",
        "DGCP_METRICS_PORT": "off",
    }
    subprocess.run([sys.executable, "-m", "gateway", "migrate"], env=env, check=True, timeout=60)
    ports = [_free_port(), _free_port()]
    with ExitStack() as es:
        procs = []
        for port in ports:
            p = subprocess.Popen(
                [sys.executable, "-m", "gateway", "serve", "--port", str(port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            es.callback(p.wait, 10)
            es.callback(p.terminate)
            procs.append(p)
        clients = [
            es.enter_context(httpx.Client(base_url=f"http://127.0.0.1:{p}", timeout=30)) for p in ports
        ]
        for c in clients:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if c.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "gateway did not start"
                time.sleep(0.1)
        codes = [login(clients[i % 2], "someone", "wrong-password").status_code for i in range(6)]
    # Five failures in all, alternating between the processes, then both refuse this pair.
    assert codes == [401, 401, 401, 401, 401, 429], codes


def test_short_secrets_stop_the_process(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DGCP_JWT_SECRET", "a")
    with pytest.raises(config.ConfigError, match=r"DGCP_JWT_SECRET.*32 bytes"):
        config.jwt_secret()
    env = {
        **os.environ,
        "DGCP_JWT_SECRET": "short-secret",
        "DGCP_DATA_DIR": str(tmp_path),
        "DGCP_METRICS_PORT": "off",
    }
    for cmd in (
        ["-m", "gateway", "serve", "--port", "0"],
        ["-m", "services.surveys", "serve", "--port", "0"],
    ):
        done = subprocess.run([sys.executable, *cmd], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode != 0
        assert "DGCP_JWT_SECRET" in done.stderr and "32 bytes" in done.stderr, done.stderr[-500:]
        assert "Traceback" not in done.stderr
    monkeypatch.setenv("DGCP_JWT_SECRET", "x" * 32)
    assert config.jwt_secret() == "x" * 32


def _second_factor(c: httpx.Client, code: str) -> httpx.Response:
    csrf = csrf_of(c.get("/login/second-factor").text)
    return c.post("/login/second-factor", data={"csrf_token": csrf, "code": code})


def test_authority_needs_totp_and_recovery_codes_work_once(gw: Gateway) -> None:
    username = _owner(gw, "authority", "authorities/dongguan")
    api = "/v1/enterprises"
    with gw.client() as c:
        r = login(c, username)
        assert r.status_code == 303 and r.headers["location"] == "/login/second-factor"
        # Password alone opens nothing: the API sees an anonymous caller.
        assert c.get(api).status_code == 401
        secret = _pending_secret(c)
        assert _pending_secret(c) == secret  # the seed stays until confirmed
        assert _second_factor(c, "000000" if _code(secret) != "000000" else "111111").status_code == 401
        done = _second_factor(c, _code(secret))
        assert done.status_code == 200
        codes = re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code>", done.text)
        assert len(codes) == 10 and len(set(codes)) == 10
        assert "恢复码" in done.text
        assert c.get(api, params={"pageSize": "1"}).status_code == 200  # now a full session
        used_code = _code(secret)
    with gw.client() as c:
        assert login(c, username).status_code == 303
        assert "totp-secret" not in c.get("/login/second-factor").text  # enrolled: no seed shown again
        assert _second_factor(c, used_code).status_code == 401  # a code is accepted once only
        r = _second_factor(c, codes[0])  # the phone is lost: a recovery code
        assert r.status_code == 303 and r.headers["location"] == "/console"
        assert c.get(api, params={"pageSize": "1"}).status_code == 200
    with gw.client() as c:
        assert login(c, username).status_code == 303
        assert _second_factor(c, codes[0]).status_code == 401  # single use
        assert _second_factor(c, codes[1].replace("-", "").upper()).status_code == 303
    with gw.client() as c:  # five wrong codes end the pending session: the password again
        assert login(c, username).status_code == 303
        for _ in range(4):
            assert _second_factor(c, "12345").status_code == 401
        r = _second_factor(c, "12345")
        assert r.status_code == 303 and r.headers["location"] == "/login"
        assert c.get("/login/second-factor").headers["location"] == "/login"
    engine = gateway_engine(gw.settings)
    try:  # the authority resets a lost second factor: enrol again, old codes gone
        accounts.reset_second_factor(engine, username=username)
    finally:
        engine.dispose()
    with gw.client() as c:
        assert login(c, username).status_code == 303
        fresh = _pending_secret(c)
        assert fresh != secret
        assert _second_factor(c, codes[2]).status_code == 401
        assert _second_factor(c, _code(fresh)).status_code == 200


def test_no_full_session_for_an_authority_without_second_factor(gw: Gateway) -> None:
    username = _owner(gw, "authority", "authorities/dongguan")
    engine = gateway_engine(gw.settings)
    try:
        ident = accounts.login(engine, gw.settings, username=username, password=PASSWORD)
        token = accounts.create_session(engine, gw.settings, ident.account_id)  # as a careless caller might
        assert accounts.session_identity(engine, token) is None
    finally:
        engine.dispose()


def test_backoff_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DGCP_LOGIN_FAILURES_PER_PAIR", "7")
    monkeypatch.setenv("DGCP_PASSWORD_HASH_CONCURRENCY", "2")
    s = GatewaySettings.from_env()
    assert (s.login_attempts_per_window, s.password_hash_concurrency, s.login_window_seconds) == (7, 2, 300)
    for bad in ("0", "²", "-1", "1.5"):
        monkeypatch.setenv("DGCP_LOGIN_FAILURES_PER_PAIR", bad)
        with pytest.raises(ValueError, match="DGCP_LOGIN_FAILURES_PER_PAIR"):
            GatewaySettings.from_env()
