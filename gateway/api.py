"""The HTTP/JSON API: every ``google.api.http`` binding, transcoded to a gRPC call.

Who calls: an API client with its own ``Authorization: Bearer`` token (passed
on untouched; the service verifies it), a logged-in browser (the gateway mints
a short-lived token for the session's account; unsafe methods need the
``X-CSRF-Token`` header), or nobody (no token: only public methods answer).
The gateway never decides what a caller may do; the services do.
"""

from __future__ import annotations

import http
import json
import re
from collections.abc import Mapping

import grpc
from google.rpc import status_pb2
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gateway import web
from gateway.errors import http_status, status_json, status_of_rpc_error
from gateway.transcode import Router, build_request, render_response
from runtime.errors import (
    DomainError,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    build_status,
)

_SAFE = ("GET", "HEAD", "OPTIONS")
# A bearer token is a JWT: base64url parts and dots. Anything else (a control or non-ASCII byte)
# is refused here rather than failing when it is put into gRPC metadata.
_TOKEN = re.compile(r"[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*")
_MAX_TOKEN = 8192


def _error(status: status_pb2.Status) -> JSONResponse:
    return JSONResponse(status_json(status), status_code=http_status(status))


def _domain(err: DomainError) -> JSONResponse:
    return _error(err.to_status())


async def _token_for(request: Request) -> tuple[str | None, JSONResponse | None]:
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or len(token) > _MAX_TOKEN or not _TOKEN.fullmatch(token):
            return None, _domain(Unauthenticated("TOKEN_INVALID", "authorization must be 'Bearer <token>'"))
        return token, None
    ident = await web.identity_of(request)
    if ident is None:
        return None, None
    if request.method not in _SAFE and not web.csrf_ok(request, request.headers.get("x-csrf-token", "")):
        return None, _domain(PermissionDenied("CSRF_TOKEN_INVALID", "missing or wrong X-CSRF-Token header"))
    return web.caller_token(web.state_of(request), ident), None


def _no_route(request: Request, path_exists: bool, headers: Mapping[str, str] | None = None) -> JSONResponse:
    if path_exists:
        status = build_status(
            grpc.StatusCode.UNIMPLEMENTED, "method not allowed on this path", "METHOD_NOT_ALLOWED"
        )
        return JSONResponse(status_json(status), status_code=405, headers=headers)
    return _domain(NotFound("NO_SUCH_ROUTE", f"no API route {request.method} {request.url.path}"))


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals in the API's error shape, never a bare text body.

    Starlette answers by itself when no route takes the request at all: a
    method the catch-all route does not list (TRACE), or a path its pattern
    cannot match (a percent-encoded newline).
    """
    assert isinstance(exc, HTTPException)
    if exc.status_code in (404, 405):
        return _no_route(request, exc.status_code == 405, exc.headers)
    reason = http.HTTPStatus(exc.status_code).name  # e.g. a malformed form body: BAD_REQUEST
    return JSONResponse(
        status_json(build_status(grpc.StatusCode.INVALID_ARGUMENT, str(exc.detail), reason)),
        status_code=exc.status_code,
        headers=exc.headers,
    )


async def transcode(request: Request) -> Response:
    router: Router = request.app.state.router
    route, values, path_exists = router.match(request.method, request.url.path)
    if route is None:
        return _no_route(request, path_exists)
    st = web.state_of(request)
    body = await request.body()  # the guard has bounded it while it streamed in
    if route.body and body and not _is_json(request.headers.get("content-type", "")):
        status = build_status(
            grpc.StatusCode.INVALID_ARGUMENT,
            "the body must be JSON (Content-Type: application/json)",
            "UNSUPPORTED_MEDIA_TYPE",
        )
        return JSONResponse(status_json(status), status_code=415)
    token, refusal = await _token_for(request)
    if refusal is not None:
        return refusal
    try:
        message = build_request(route, values, request.query_params.multi_items(), body)
    except DomainError as err:
        return _domain(err)
    rid = web.request_id(request)
    try:
        response = await st.upstreams.call(
            route.service, route.full_method, message, route.output_class, token=token, request_id=rid
        )
    except grpc.aio.AioRpcError as err:
        return _error(status_of_rpc_error(err))
    payload = render_response(route, response)
    return Response(
        json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
        media_type="application/json",
        headers={"x-request-id": rid},
    )


def _is_json(content_type: str) -> bool:
    """No Content-Type (curl without -H) or a JSON one; form, multipart, text and XML are refused."""
    media = content_type.partition(";")[0].strip().lower()
    return media in ("", "application/json") or (media.startswith("application/") and media.endswith("+json"))


async def openapi(request: Request) -> Response:
    return JSONResponse(request.app.state.openapi)
