"""Transcoding against the real assignment registry: path, query, body, errors, OpenAPI."""

from __future__ import annotations

import random

import pytest

from services.assignment import creditcode
from tests.gateway.conftest import Stack
from tests.support import token

_rng = random.Random()


def _auth(role: str = "authority", **kw: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token(role, **kw)}"}


def _enterprise(**over: object) -> dict[str, object]:
    body: dict[str, object] = {
        "creditCode": creditcode.synthesize(_rng),
        "displayName": "东莞市示例五金制品有限公司",
        "town": "长安镇",
        "industryCode": "C3360",
        "auditCategory": "AUDIT_CATEGORY_DOUBLE_HAZARD",
    }
    body.update(over)
    return body


def test_body_field_path_and_query(stack: Stack) -> None:
    with stack.gateway.client(headers=_auth()) as c:
        body = _enterprise()
        r = c.post("/v1/enterprises", json=body, params={"requestId": "req-1"})
        assert r.status_code == 200, r.text
        created = r.json()
        assert created["name"].startswith("enterprises/")
        assert created["industryCode"] == "3360"
        # The same request id returns the first answer (query parameter reached the request).
        again = c.post("/v1/enterprises", json=body, params={"requestId": "req-1"})
        assert again.json()["name"] == created["name"]
        got = c.get(f"/v1/{created['name']}")
        assert got.status_code == 200 and got.json() == created
        # PATCH: the path variable binds a nested field (enterprise.name), the body the rest.
        patched = c.patch(f"/v1/{created['name']}", json={"town": "虎门镇"}, params={"updateMask": "town"})
        assert patched.status_code == 200, patched.text
        assert patched.json()["town"] == "虎门镇" and patched.json()["name"] == created["name"]
        # GET query parameters, including an enum by name, filter the list.
        listed = c.get("/v1/enterprises", params={"town": "虎门镇", "pageSize": "5"}).json()
        assert [e["name"] for e in listed["enterprises"]] == [created["name"]]
        listed = c.get(
            "/v1/enterprises", params={"audit_category": "AUDIT_CATEGORY_VOLUNTARY", "town": "虎门镇"}
        ).json()
        assert listed.get("enterprises", []) == []


def test_errors_keep_reason_and_field_violations(stack: Stack) -> None:
    with stack.gateway.client(headers=_auth()) as c:
        bad = c.post("/v1/enterprises", json=_enterprise(creditCode="123"))
        assert bad.status_code == 400
        status = bad.json()
        assert status["code"] == 3
        kinds = {d["@type"].rsplit("/", 1)[-1]: d for d in status["details"]}
        assert kinds["google.rpc.ErrorInfo"]["domain"] == "dgcp.gov"
        assert kinds["google.rpc.ErrorInfo"]["reason"]
        fields = [v["field"] for v in kinds["google.rpc.BadRequest"]["fieldViolations"]]
        assert any("credit_code" in f for f in fields)
        missing = c.get("/v1/enterprises/0190d3c2-0000-7000-8000-000000000000")
        assert missing.status_code == 404 and missing.json()["code"] == 5
        dup_code = creditcode.synthesize(_rng)
        assert c.post("/v1/enterprises", json=_enterprise(creditCode=dup_code)).status_code == 200
        assert c.post("/v1/enterprises", json=_enterprise(creditCode=dup_code)).status_code == 409
        # Malformed JSON is the gateway's own INVALID_ARGUMENT, in the same shape.
        junk = c.post("/v1/enterprises", content=b"{not json", headers={"content-type": "application/json"})
        assert junk.status_code == 400 and junk.json()["details"][0]["reason"] == "INVALID_JSON"
    with stack.gateway.client() as anon:
        r = anon.post("/v1/enterprises", json=_enterprise())
        assert r.status_code == 401 and r.json()["details"][0]["reason"] == "TOKEN_MISSING"
    with stack.gateway.client(headers=_auth("reviewer")) as rev:
        r = rev.get("/v1/enterprises")
        assert r.status_code == 403 and r.json()["details"][0]["reason"] == "ROLE_NOT_ALLOWED"
    with stack.gateway.client(headers={"authorization": "Bearer forged"}) as forged:
        r = forged.get("/v1/enterprises")
        assert r.status_code == 401 and r.json()["details"][0]["reason"] == "TOKEN_INVALID"


@pytest.mark.parametrize(
    ("method", "path", "status", "reason"),
    [
        ("GET", "/v1/nothing-here", 404, "NO_SUCH_ROUTE"),
        ("DELETE", "/v1/enterprises", 405, "METHOD_NOT_ALLOWED"),
        # Starlette answered these itself in plain text (found by test_schemathesis.py): a method
        # the catch-all route does not list, a path its pattern cannot match.
        ("TRACE", "/v1/enterprises", 405, "METHOD_NOT_ALLOWED"),
        ("GET", "/v1/enterprises/a%0Ab", 404, "NO_SUCH_ROUTE"),
    ],
)
def test_unknown_routes(stack: Stack, method: str, path: str, status: int, reason: str) -> None:
    with stack.gateway.client(headers=_auth()) as c:
        r = c.request(method, path)
    assert r.status_code == status
    assert r.json()["details"][0]["reason"] == reason, r.text


def test_openapi_lists_every_annotated_method(stack: Stack) -> None:
    from gateway.transcode import discover

    with stack.gateway.client() as c:
        doc = c.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    ops = {op["operationId"] for methods in doc["paths"].values() for op in methods.values()}
    want = {f"{r.method.containing_service.name}_{r.method.name}" for r in discover()}
    assert want <= ops
    create = doc["paths"]["/v1/enterprises"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "dgcp.assignment.v1.Enterprise"
    )
    patch = doc["paths"]["/v1/enterprises/{enterprises}"]["patch"]
    assert {p["name"] for p in patch["parameters"] if p["in"] == "query"} >= {"updateMask", "requestId"}
    assert "google.rpc.Status" in doc["components"]["schemas"]
    # Unknown fields are refused (INVALID_JSON), and the document says so: schemathesis' valid
    # requests carried extra properties the gateway then refused.
    assert doc["components"]["schemas"]["dgcp.assignment.v1.Enterprise"]["additionalProperties"] is False


def test_healthz(stack: Stack) -> None:
    with stack.gateway.client() as c:
        assert c.get("/healthz").text == "ok"
