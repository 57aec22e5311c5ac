"""Schemathesis against the gateway's own OpenAPI document, real services behind it.

Every operation of ``/openapi.json`` gets schemathesis' deterministic coverage
cases (boundary values, missing and mistyped fields, methods the path does not
take) and ``DGCP_SCHEMATHESIS_EXAMPLES`` fuzzed requests, valid and invalid
(derandomized when ``CI`` is set, so CI replays one fixed set). Fuzzed requests
are sent twice: anonymously, which must be refused cleanly, and with an
authority's signed token, which gets past authentication into the handlers.
The property is the issue's "only typed errors": no 5xx, no
``google.rpc.Status`` with INTERNAL or UNKNOWN, and every 4xx is a Status JSON
body whose ErrorInfo names an UPPER_SNAKE reason a client can act on.

The document is built at collection time by the same factory the running
gateway uses, so each operation is its own test item; ``test_served_document``
checks that it is the one the gateway serves.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case, CheckContext, Response

from gateway.app import create_app
from gateway.settings import GatewaySettings
from tests.gateway.conftest import Stack
from tests.support import token

DOCUMENT: dict[str, Any] = create_app(GatewaySettings()).state.openapi
SCHEMA = schemathesis.openapi.from_dict(DOCUMENT)
# Fuzzed examples per operation, each sent twice (anonymous, authority); the coverage phase adds
# its own deterministic cases (about 50 an operation), sent once.
EXAMPLES = int(os.environ.get("DGCP_SCHEMATHESIS_EXAMPLES", "8"))
_REASON = re.compile(r"^[A-Z][A-Z0-9_]*$")
_UNTYPED = {2: "UNKNOWN", 13: "INTERNAL"}
_ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo"


def only_typed_errors(ctx: CheckContext, response: Response, case: Case) -> None:
    """No 5xx; an error is a google.rpc.Status that is neither INTERNAL nor UNKNOWN and has a reason."""
    status = response.status_code
    assert status < 500, f"server error {status}: {response.text[:500]}"
    if status < 400 or case.method.upper() == "HEAD":
        return  # a HEAD answer has no body to check
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(f"{status} without a JSON body: {response.text[:200]!r}") from None
    assert isinstance(body, dict), f"{status} body is not a google.rpc.Status: {body!r}"
    code = body.get("code")
    assert isinstance(code, int) and code > 0, f"{status} body has no status code: {body}"
    assert code not in _UNTYPED, f"{status} carries {_UNTYPED[code]}: {body}"
    reasons = [d.get("reason", "") for d in body.get("details", []) if d.get("@type") == _ERROR_INFO]
    assert reasons and all(_REASON.match(r) for r in reasons), f"{status} without a reason: {body}"


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        yield s


def test_served_document(stack: Stack) -> None:
    with stack.gateway.client() as client:
        r = client.get("/openapi.json")
    assert r.status_code == 200
    assert r.json() == DOCUMENT


@SCHEMA.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=bool(os.environ.get("CI")),  # CI replays one fixed set; runs elsewhere explore
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_only_typed_errors(case: Case, stack: Stack, session: requests.Session) -> None:
    authority = {"authorization": f"Bearer {token('authority')}"}
    for headers in _callers(case, authority):
        response = case.call(base_url=stack.gateway.url, session=session, headers=headers, timeout=15)
        case.validate_response(response, checks=[only_typed_errors], headers=headers)


def _callers(case: Case, authority: dict[str, str]) -> list[dict[str, str]]:
    """Who sends ``case``: fuzzed requests go anonymously and as the authority; the coverage
    phase's boundary cases (thousands, deterministic) only as the authority, which reaches the
    handlers and is parsed by the gateway just the same, so the run stays inside its time."""
    if case.meta is not None and case.meta.phase.name == "coverage":
        return [authority]
    return [{}, authority]
