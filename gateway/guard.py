"""What every HTTP request passes through first: its request id, its body limit, and a last net.

- ``x-request-id``: kept when it is 1–128 visible ASCII characters (0x21–0x7E), otherwise
  replaced by a fresh one; the id is then the only one the app sees, passed to the services and
  returned on every response.
- The body limit holds while the body streams in: a ``Content-Length`` above it is refused
  before a byte is read, and a chunked body is counted as it arrives and refused (413) the
  moment it passes the limit. Nothing further is read; the server closes the connection.
- Nothing escapes as a bare 500 text page: an error the code did not expect is logged with its
  stack and answered with a ``google.rpc.Status`` (API) or a short error page (pages), which
  show neither the stack nor any internal address.
"""

from __future__ import annotations

import html
import json
import re
import uuid

import grpc
from google.protobuf import json_format

from runtime.errors import build_status
from runtime.logging import get_logger

log = get_logger("dgcp.gateway")

_REQUEST_ID = re.compile(rb"[\x21-\x7e]{1,128}")
_DIGITS = re.compile(rb"[0-9]{1,19}")
_JSON_PATHS = ("/v1/", "/openapi.json", "/healthz")


class BodyTooLarge(Exception):
    """The request body passed the limit while it was being read."""


def request_id_of(raw: bytes | None) -> str:
    """The caller's request id when it is acceptable, else a new one."""
    if raw is not None and _REQUEST_ID.fullmatch(raw):
        return raw.decode("ascii")
    return uuid.uuid4().hex


def wants_json(path: str) -> bool:
    return path.startswith(_JSON_PATHS)


def _status_body(code: grpc.StatusCode, message: str, reason: str) -> bytes:
    status = build_status(code, message, reason)
    return json.dumps(json_format.MessageToDict(status), ensure_ascii=False).encode()


def _page_body(heading_zh: str, heading_en: str) -> bytes:
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(heading_zh)}</title></head><body><main>"
        f'<h1>{html.escape(heading_zh)}</h1><p lang="en">{html.escape(heading_en)}</p>'
        '<p><a href="/">返回首页 / Home</a></p></main></body></html>'
    ).encode()


_ANSWERS = {
    413: (
        grpc.StatusCode.INVALID_ARGUMENT,
        "the request body is too large",
        "BODY_TOO_LARGE",
        "提交的内容过大。",
        "The request is too large.",
    ),
    400: (
        grpc.StatusCode.INVALID_ARGUMENT,
        "the Content-Length header is not a number",
        "INVALID_CONTENT_LENGTH",
        "请求无效。",
        "The request is not valid.",
    ),
    500: (
        grpc.StatusCode.INTERNAL,
        "the gateway could not handle this request",
        "INTERNAL",
        "出现内部错误，请稍后再试。",
        "Something went wrong; try again later.",
    ),
}


class Guard:
    """ASGI middleware: request id, streaming body limit, and the last net for errors."""

    def __init__(self, app, max_body_bytes: int) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_id = None
        length = None
        headers = []
        for key, value in scope["headers"]:
            if key == b"x-request-id":
                raw_id = value
                continue
            if key == b"content-length":
                length = value
            headers.append((key, value))
        rid = request_id_of(raw_id)
        headers.append((b"x-request-id", rid.encode()))
        scope["headers"] = headers
        scope.setdefault("state", {})["request_id"] = rid
        started = False

        async def answer(status: int) -> None:
            code, message, reason, zh, en = _ANSWERS[status]
            if wants_json(scope["path"]):
                body, media = _status_body(code, message, reason), b"application/json"
            else:
                body, media = _page_body(zh, en), b"text/html; charset=utf-8"
            await send(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [
                        (b"content-type", media),
                        (b"content-length", str(len(body)).encode()),
                        (b"x-request-id", rid.encode()),
                        (b"cache-control", b"no-store"),
                        (b"x-content-type-options", b"nosniff"),
                        (b"connection", b"close"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})

        if length is not None:
            if not _DIGITS.fullmatch(length.strip()):
                await answer(400)
                return
            if int(length) > self.max_body_bytes:
                await answer(413)
                return
        seen = 0
        limit = self.max_body_bytes

        async def limited() -> dict:  # type: ignore[type-arg]
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge
            return message  # type: ignore[no-any-return]

        async def tracked(message: dict) -> None:  # type: ignore[type-arg]
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                hdrs = list(message.get("headers", []))
                if not any(k.lower() == b"x-request-id" for k, _ in hdrs):
                    hdrs.append((b"x-request-id", rid.encode()))
                message = {**message, "headers": hdrs}
            await send(message)

        try:
            await self.app(scope, limited, tracked)
        except BodyTooLarge:
            if not started:
                await answer(413)
        except Exception:
            log.exception("unhandled error", path=scope["path"], method=scope["method"], request_id=rid)
            if not started:
                await answer(500)
