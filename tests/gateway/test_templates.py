"""Path templates and request building, without servers (the http.proto grammar)."""

from __future__ import annotations

import pytest

from dgcp.assignment.v1 import assignment_pb2 as apb
from gateway.transcode import Router, build_request, discover, parse_template
from runtime.errors import InvalidArgument

ROUTES = discover()


def _route(method: str, name: str):  # type: ignore[no-untyped-def]
    return next(r for r in ROUTES if r.http_method == method and r.name == name)


@pytest.mark.parametrize(
    ("template", "path", "values"),
    [
        ("/v1/{name=experts/*}", "/v1/experts/42", {"name": "experts/42"}),
        (
            "/v1/{name=rubrics/*/versions/*}",
            "/v1/rubrics/a-b/versions/latest",
            {"name": "rubrics/a-b/versions/latest"},
        ),
        ("/v1/{name=scores/*}:amend", "/v1/scores/7:amend", {"name": "scores/7"}),
        ("/v1/{path=files/**}", "/v1/files/a/b/c", {"path": "files/a/b/c"}),
        ("/v1/{expert.name=experts/*}", "/v1/experts/9", {"expert.name": "experts/9"}),
    ],
)
def test_templates_match_and_bind(template: str, path: str, values: dict[str, str]) -> None:
    t = parse_template(template)
    m = t.regex().match(path)
    assert m is not None
    assert {v.field_path: m.group(v.field_path.replace(".", "_")) for v in t.variables} == values


@pytest.mark.parametrize(
    ("template", "path"),
    [
        ("/v1/{name=experts/*}", "/v1/experts/1/2"),
        ("/v1/{name=experts/*}", "/v1/enterprises/1"),
        ("/v1/{name=scores/*}:amend", "/v1/scores/7"),
        ("/v1/scores:submit", "/v1/scores"),
    ],
)
def test_templates_reject(template: str, path: str) -> None:
    assert parse_template(template).regex().match(path) is None


def test_router_prefers_the_verb_route_and_reports_wrong_method() -> None:
    router = Router(ROUTES)
    route, values, _ = router.match("POST", "/v1/scores:submit")
    assert route is not None and route.name == "SubmitScore" and values == {}
    route, _, exists = router.match("DELETE", "/v1/enterprises")
    assert route is None and exists


def test_query_parameters_by_type() -> None:
    route = _route("GET", "ListEnterprises")
    msg = build_request(
        route,
        {},
        [("pageSize", "7"), ("audit_category", "2"), ("town", "虎门镇")],
        b"",
    )
    assert isinstance(msg, apb.ListEnterprisesRequest)
    assert (msg.page_size, msg.audit_category, msg.town) == (7, apb.AUDIT_CATEGORY_DOUBLE_HAZARD, "虎门镇")
    experts = build_request(_route("GET", "ListExperts"), {}, [("activeOnly", "true")], b"")
    assert experts.active_only is True  # type: ignore[attr-defined]


def test_body_field_path_variable_and_mask() -> None:
    route = _route("PATCH", "UpdateExpert")
    msg = build_request(
        route,
        {"expert.name": "experts/1"},
        [("updateMask", "displayName,active")],
        '{"displayName": "王工"}'.encode(),
    )
    assert msg.expert.name == "experts/1" and msg.expert.display_name == "王工"  # type: ignore[attr-defined]
    assert list(msg.update_mask.paths) == ["display_name", "active"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("query", "body"),
    [([("noSuchField", "1")], b""), ([("pageSize", "many")], b""), ([("activeOnly", "perhaps")], b"")],
)
def test_bad_parameters_are_invalid_argument(query: list[tuple[str, str]], body: bytes) -> None:
    route = _route("GET", "ListExperts")
    with pytest.raises(InvalidArgument):
        build_request(route, {}, query, body)


def test_body_star_rejects_unknown_fields() -> None:
    with pytest.raises(InvalidArgument):
        build_request(_route("POST", "SubmitScore"), {}, [], b'{"case": "cases/1", "bogus": 1}')


@pytest.mark.parametrize(
    ("method", "name", "body"),
    [
        ("PATCH", "UpdateExpert", b"\xff\xfe\xfd"),  # not UTF-8: was a 500 (UnicodeDecodeError)
        ("PATCH", "UpdateExpert", b"<\xb9"),
        ("PATCH", "UpdateExpert", b'"\\udae6"'),  # lone surrogates
        ("POST", "SubmitScore", b'{"\\udae6": 1}'),
        ("POST", "SubmitScore", b"[" * 10_000),  # deeper than the parser goes
        ("POST", "SubmitScore", b"[]"),  # not an object: was taken as an empty request
        ("POST", "SubmitScore", b"7"),
        ("PATCH", "UpdateExpert", b'{}, "updateMask": "active"'),  # was spliced in: set update_mask
    ],
)
def test_undecodable_bodies_are_invalid_json(method: str, name: str, body: bytes) -> None:
    """Non-UTF-8 bodies were 500s (found by tests/gateway/test_schemathesis.py); the body of a
    one-field rule was spliced into a JSON text, so it could set other fields of the request."""
    path = {"expert.name": "experts/1"} if name == "UpdateExpert" else {}
    with pytest.raises(InvalidArgument) as err:
        build_request(_route(method, name), path, [], body)
    assert err.value.reason == "INVALID_JSON"
