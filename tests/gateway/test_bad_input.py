"""The gateway against bad input: every answer is a typed 4xx (google.rpc.Status or an error page),
never a 500 or a text/plain error, and a huge body never grows the process.

The gateway here runs in this process (uvicorn in a thread), so the RSS measured is the gateway's.
"""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from contextlib import closing

import httpx
import pytest

from gateway.settings import GatewaySettings
from tests.gateway.conftest import Gateway, Stack, serve_gateway
from tests.gateway.helpers import FAST_HASH, csrf_of, logged_in
from tests.support import token

_RID = re.compile(r"[\x21-\x7e]{1,128}")


def _auth(role: str = "authority") -> dict[str, str]:
    return {"authorization": f"Bearer {token(role)}"}


def _rss_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def _raw(gw: Gateway, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """One request written byte for byte (headers httpx would refuse to send); the parsed answer."""
    host, port = gw.url.removeprefix("http://").split(":")
    with closing(socket.create_connection((host, int(port)), timeout=10)) as s:
        s.sendall(request)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            if b"\r\n\r\n" in data:
                head, _, body = data.partition(b"\r\n\r\n")
                m = re.search(rb"(?i)content-length: *(\d+)", head)
                if m and len(body) >= int(m.group(1)):
                    break
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return status, headers, body


def _typed(r: httpx.Response) -> dict:  # type: ignore[type-arg]
    """The answer is a google.rpc.Status with an ErrorInfo reason; returns it."""
    assert r.status_code != 500, (r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/json"), r.headers["content-type"]
    status = r.json()
    assert status["code"] > 0 and status["details"][0]["reason"], status
    return status  # type: ignore[no-any-return]


def _violated(status: dict, field: str) -> None:  # type: ignore[type-arg]
    fields = [v["field"] for d in status["details"] if "fieldViolations" in d for v in d["fieldViolations"]]
    assert any(field in f for f in fields), (field, status)


@pytest.fixture(scope="module")
def client(stack: Stack) -> Iterator[httpx.Client]:
    with stack.gateway.client(headers=_auth()) as c:
        yield c


def test_request_id_headers(stack: Stack) -> None:
    gw = stack.gateway
    cases = {
        b"tab\there": False,
        "café".encode(): False,  # non-ASCII, as UTF-8 bytes
        b"caf\xe9": False,  # non-ASCII, as Latin-1
        b"x" * 129: False,
        b"ok-id.1_2~3": True,
    }
    for path in ("/v1/bulletins", "/bulletins", "/v1/enterprises", "/healthz"):
        for value, kept in cases.items():
            status, headers, _ = _raw(
                gw,
                b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                b"x-request-id: " + value + b"\r\n\r\n",
            )
            assert status < 500, (path, value, status)
            rid = headers["x-request-id"]
            assert _RID.fullmatch(rid), rid
            assert (rid == value.decode("latin-1")) is kept, (value, rid)


def test_authorization_with_odd_bytes(stack: Stack) -> None:
    for value in (b"Bearer caf\xe9", b"Bearer a.b\tc.d", b"Basic abc", b"Bearer " + b"a" * 9000):
        status, headers, body = _raw(
            stack.gateway,
            b"GET /v1/enterprises HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: "
            + value
            + b"\r\n\r\n",
        )
        assert status == 401, (value, status, body[:200])
        assert headers["content-type"].startswith("application/json")


def test_numbers_in_query_are_ascii_and_in_range(client: httpx.Client) -> None:
    for raw in ("²", "١٢", "１２", "99999999999999999999", "2147483648", "-2147483649", "1e3", "", "0x10"):
        r = client.get("/v1/enterprises", params={"pageSize": raw})
        _violated(_typed(r), "pageSize")
        assert r.status_code == 400, (raw, r.status_code)
    assert client.get("/v1/enterprises", params={"pageSize": "3"}).status_code == 200
    # An enum by a number in another script is a name that does not exist, not a number.
    r = client.get("/v1/enterprises", params={"auditCategory": "²"})
    assert r.status_code == 400 and _typed(r)


def test_numbers_in_json_bodies(client: httpx.Client) -> None:
    for points in ("²", "１２", "NaN-ish", [1], {"a": 1}, True):
        r = client.post(
            "/v1/scores:submit",
            json={"case": "lots/x/cases/y", "items": [{"criterionId": "c", "points": points}]},
        )
        assert r.status_code == 400, (points, r.status_code, r.text[:200])
        _typed(r)
    for page_size in ("²", "١٢", 99999999999999999999, 2**31, 1.5, "1e400"):
        r = client.get("/v1/enterprises", params={"pageSize": str(page_size)})
        assert r.status_code == 400, (page_size, r.status_code)
    big = b'{"case": ' + b"9" * 5000 + b"}"
    r = client.post("/v1/scores:submit", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 400 and _typed(r)


def test_deep_json_and_wrong_content_types(client: httpx.Client) -> None:
    for body in (b"[" * 100_000, b'{"case":' * 50_000, b"\xff\xfe", b'"\\ud800"', b"null", b"[]"):
        r = client.post("/v1/scores:submit", content=body, headers={"content-type": "application/json"})
        assert r.status_code == 400, (body[:10], r.status_code)
        _typed(r)
        assert "recursion" not in r.text and "Traceback" not in r.text, r.text[:300]
    for media in (
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
        "multipart/form-data",
    ):
        r = client.post("/v1/scores:submit", content=b'{"case":"x"}', headers={"content-type": media})
        assert r.status_code == 415, (media, r.status_code)
        assert _typed(r)["details"][0]["reason"] == "UNSUPPORTED_MEDIA_TYPE"


def test_page_forms_with_bad_numbers_and_types(stack: Stack) -> None:
    gw = stack.gateway
    c = logged_in(gw.url, gw.settings, "reviewer", "experts/0190d3c2-0000-7000-8000-00000000000e")
    with closing(c):
        case = "lots/0190d3c2-0000-7000-8000-00000000000a/cases/0190d3c2-0000-7000-8000-00000000000b"
        csrf = csrf_of(c.get(f"/reviewer/rate/{case}").text)
        for raw in ("²", "99999999999999999999", "١"):
            r = c.post(
                f"/reviewer/rate/{case}",
                data={"csrf_token": csrf, "item.technical_capability": raw, "item.service_quality": "4"},
            )
            assert r.status_code == 400, (raw, r.status_code)
            assert r.headers["content-type"].startswith("text/html")
        # A form sent as JSON or as broken multipart is refused, not crashed on.
        r = c.post(f"/reviewer/rate/{case}", content=b"{}", headers={"content-type": "application/json"})
        assert 400 <= r.status_code < 500
        r = c.post(
            "/login", content=b"--x\r\ngarbage", headers={"content-type": "multipart/form-data; boundary=x"}
        )
        assert 400 <= r.status_code < 500


def test_odd_methods_and_paths(stack: Stack) -> None:
    gw = stack.gateway
    for request in (
        b"TRACE /v1/enterprises HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET /v1/enterprises/%0a%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET /v1/%ff%fe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"POST /v1/enterprises HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 1x\r\n\r\n",
        b"GET /bulletins/%ff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET /s/%00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    ):
        status, _, _ = _raw(gw, request)
        assert 400 <= status < 500, (request, status)


def _send_huge(gw: Gateway, head: bytes, total: int, chunked: bool) -> tuple[int | None, float]:
    """Write up to ``total`` body bytes until the gateway answers and closes; (status, seconds)."""
    host, port = gw.url.removeprefix("http://").split(":")
    started = time.monotonic()
    block = b"x" * (1 << 20)
    with closing(socket.create_connection((host, int(port)), timeout=10)) as s:
        s.sendall(head)
        sent = 0
        try:
            while sent < total:
                if chunked:
                    s.sendall(b"%x\r\n" % len(block) + block + b"\r\n")
                else:
                    s.sendall(block)
                sent += len(block)
        except OSError:
            pass  # the gateway answered and closed: what we want
        s.settimeout(5)
        data = b""
        try:
            while chunk := s.recv(65536):
                data += chunk
        except OSError:
            pass
    m = re.match(rb"HTTP/1.1 (\d+)", data)
    return (int(m.group(1)) if m else None), time.monotonic() - started


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_huge_body_is_refused_while_streaming(stack: Stack, chunked: bool) -> None:
    gw = stack.gateway
    total = 400 * (1 << 20)
    framing = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: %d" % total
    before = _rss_bytes()
    for path, media in (
        (b"/v1/scores:submit", b"application/json"),
        (b"/login", b"application/x-www-form-urlencoded"),
    ):
        head = (
            b"POST "
            + path
            + b" HTTP/1.1\r\nHost: x\r\nContent-Type: "
            + media
            + b"\r\n"
            + framing
            + b"\r\n\r\n"
        )
        status, seconds = _send_huge(gw, head, total, chunked)
        grown = _rss_bytes() - before
        print(
            f"400 MB {'chunked' if chunked else 'sized'} POST {path.decode()}: RSS +{grown / 2**20:.1f} MiB"
        )
        assert grown < 50 * (1 << 20), f"RSS grew by {grown / 2**20:.0f} MiB"
        assert status in (413, None), status  # None: the client saw the reset before the answer
        assert seconds < 30
    # The connection-level answer, read properly: 413 with a Status body before any body byte.
    status, headers, body = _raw(
        gw, b"POST /v1/scores:submit HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % total
    )
    assert status == 413 and b"BODY_TOO_LARGE" in body and headers["content-type"] == "application/json"


def test_rate_limit_only_for_rate_limiting(client: httpx.Client) -> None:
    over = b'{"case":"' + b"x" * (2 << 20) + b'"}'
    r = client.post("/v1/scores:submit", content=over, headers={"content-type": "application/json"})
    assert r.status_code == 413 and _typed(r)["details"][0]["reason"] == "BODY_TOO_LARGE"


def test_upstream_outage_is_localized_and_shows_no_address(tmp_path) -> None:  # type: ignore[no-untyped-def]
    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))
    addr = f"127.0.0.1:{dead.getsockname()[1]}"  # bound, never listening: connection refused
    settings = GatewaySettings(
        database_url=f"sqlite:///{tmp_path}/gateway.db",
        local_mode=True,
        upstreams={"assignment": addr, "scoring": addr, "surveys": addr},
        deadline_seconds=2,
        **FAST_HASH,  # type: ignore[arg-type]
    )
    with serve_gateway(settings) as gw, gw.client() as c:
        for lang, text in (("zh", "服务暂不可用"), ("en", "service is unavailable")):
            page = c.get("/bulletins", params={"lang": lang})
            assert page.status_code == 503, page.status_code
            assert text in page.text
            assert "127.0.0.1" not in page.text and "ipv4" not in page.text and addr not in page.text
        api = c.get("/v1/bulletins")
        assert api.status_code == 503
        assert _typed(api)["details"][0]["reason"] == "UPSTREAM_UNAVAILABLE"
        assert "127.0.0.1" not in api.text and "ipv4" not in api.text
    dead.close()
