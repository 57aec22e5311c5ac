"""Every exposed route × every role, allowed and denied.

API routes: the expected answer comes from each service's own access table,
so the test checks that the gateway forwards identity faithfully and decides
nothing itself (a denied role gets the service's ROLE_NOT_ALLOWED, an
anonymous caller the service's TOKEN_MISSING). Page routes: a role's pages
are reachable by that role only; others are sent to log in or refused.
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Iterator

import httpx
import pytest

from gateway import pages
from gateway.transcode import Route, Segment, discover
from runtime.auth import Role
from tests.gateway.conftest import Stack
from tests.gateway.helpers import logged_in
from tests.support import token

ROLES = ["authority", "reviewer", "consultancy", "enterprise", "public"]
ROUTES = discover()


def _access(service: str) -> dict[str, frozenset[Role]]:
    """The table the service's server enforces (``ServiceApp.access``)."""
    return dict(importlib.import_module(f"services.{service}.app").APP.access)


def _sample_path(route: Route) -> str:
    parts = []
    for part in route.template.parts:
        if isinstance(part, Segment):
            parts.append(part.text)
        else:
            parts.append(
                "/".join(str(uuid.uuid4()) if s.text in ("*", "**") else s.text for s in part.segments)
            )
    return "/" + "/".join(parts) + (f":{route.template.verb}" if route.template.verb else "")


@pytest.fixture(scope="module")
def api_clients(stack: Stack) -> Iterator[dict[str, httpx.Client]]:
    """One client per role (a client per request would spend the time on TLS set-up)."""
    made = {
        role: stack.gateway.client(
            headers={} if role == "public" else {"authorization": f"Bearer {token(role)}"}
        )
        for role in ROLES
    }
    yield made
    for c in made.values():
        c.close()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.http_method} {r.template.openapi_path()[0]}")
def test_api_route_by_role(
    stack: Stack, api_clients: dict[str, httpx.Client], route: Route, role: str
) -> None:
    allowed = _access(route.service).get(route.name, frozenset())
    r = api_clients[role].request(route.http_method, _sample_path(route), json={} if route.body else None)
    reason = r.json().get("details", [{}])[0].get("reason", "") if r.status_code >= 400 else ""
    assert reason != "UNIMPLEMENTED", f"{route.full_method} is in the contract but not served"
    if Role(role) in allowed:
        assert reason not in ("ROLE_NOT_ALLOWED", "TOKEN_MISSING"), (r.status_code, r.text)
        assert r.status_code not in (401, 405), r.text
    elif role == "public":
        assert (r.status_code, reason) == (401, "TOKEN_MISSING"), r.text
    else:
        assert (r.status_code, reason) == (403, "ROLE_NOT_ALLOWED"), r.text


# --- pages ----------------------------------------------------------------------------------------

PAGE_PATHS = {
    "/reviewer": "reviewer",
    "/reviewer/score/cases/{id}?series=evaluation-standard": "reviewer",
    "/reviewer/rate/cases/{id}": "reviewer",
    "/reviewer/recuse/cases/{id}": "reviewer",
    "/consultancy": "consultancy",
    "/consultancy/rate/cases/{id}": "consultancy",
    "/consultancy/case/cases/{id}": "consultancy",
    "/consultancy/statement/flags/{id}": "consultancy",
    "/": "",
    "/login": "",
    "/bulletins": "",
    "/bulletins/{id}": "",
    "/bulletins/{id}/files/bulletin.json": "",
}
POSTS = {"/consultancy/statement/flags/{id}"}


def test_page_table_covers_every_page_route() -> None:
    templates = {r.path for r in pages.routes()}  # type: ignore[attr-defined]
    covered = {
        p.split("?")[0]
        .replace("cases/{id}", "{case:path}")
        .replace("flags/{id}", "{flag:path}")
        .replace("bulletin.json", "{file}")
        for p in PAGE_PATHS
    }
    public_by_token = {"/activate/{token}", "/s/{token}", "/logout"}  # tested in test_pages
    assert templates - public_by_token <= covered


def _csrf(c: httpx.Client) -> str:
    from tests.gateway.helpers import csrf_of

    return csrf_of(c.get("/login").text)


@pytest.fixture(scope="module")
def clients(stack: Stack) -> Iterator[dict[str, httpx.Client]]:
    gw = stack.gateway
    made = {
        "anonymous": gw.client(),
        "reviewer": logged_in(gw.url, gw.settings, "reviewer", f"experts/{uuid.uuid4()}"),
        "consultancy": logged_in(gw.url, gw.settings, "consultancy", f"consultancies/{uuid.uuid4()}"),
    }
    yield made
    for c in made.values():
        c.close()


@pytest.mark.parametrize("who", ["anonymous", "reviewer", "consultancy"])
@pytest.mark.parametrize("path", list(PAGE_PATHS))
def test_page_by_role(clients: dict[str, httpx.Client], path: str, who: str) -> None:
    owner = PAGE_PATHS[path]
    url = path.replace("{id}", str(uuid.uuid4()))
    c = clients[who]
    # Form posts carry a valid CSRF token here: what is tested is the role, not the token.
    r = c.post(url, data={"csrf_token": _csrf(c)}) if path in POSTS else c.get(url)
    if not owner or owner == who:
        assert r.status_code not in (401, 403), r.text
        assert r.headers.get("location") != "/login"
    elif who == "anonymous":
        assert r.status_code == 303 and r.headers["location"] == "/login"
    else:
        assert r.status_code == 403
