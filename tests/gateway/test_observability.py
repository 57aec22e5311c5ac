"""One request id end to end, metrics that move, traces that join, through the real gateway.

A reviewer's score goes in over HTTP; the gateway's log line, scoring's and assignment's (the
membership check) carry the id the client sent, the response returns it, and scoring's audit
event names it. Errors carry it too (HTTP responses and gRPC trailers).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import grpc
import pytest
import structlog
from sqlalchemy import create_engine, text

from dgcp.assignment.v1 import assignment_pb2 as apb
from dgcp.assignment.v1 import assignment_pb2_grpc as apb_grpc
from dgcp.audit.v1 import audit_pb2 as aupb
from dgcp.audit.v1 import audit_pb2_grpc as aupb_grpc
from runtime import metrics, tracing
from services.scoring.rubrics import EVALUATION_STANDARD
from tests.assignment.test_draw_service import World, world
from tests.gateway.conftest import Stack
from tests.gateway.helpers import logged_in
from tests.support import md, token

AUTH = md("authority")


@pytest.fixture(scope="module")
def lot(stack: Stack) -> World:
    astub = apb_grpc.AssignmentServiceStub(stack.services["assignment"].channel())
    w = world(astub, n_cases=4)
    astub.DrawPanels(apb.DrawPanelsRequest(lot=w.lot.name, seed="3"), metadata=AUTH)
    return w


def _panel(stack: Stack, case: str) -> list[str]:
    astub = apb_grpc.AssignmentServiceStub(stack.services["assignment"].channel())
    return list(astub.GetCase(apb.GetCaseRequest(name=case), metadata=AUTH).panel)


def _submit(stack: Stack, case: str, expert: str, rid: str) -> object:
    body = {
        "case": case,
        "items": [{"criterionId": c.id, "points": c.max_points} for c in EVALUATION_STANDARD.criteria],
    }
    with stack.gateway.client() as client:
        return client.post(
            "/v1/scores:submit",
            json=body,
            headers={"authorization": f"Bearer {token('reviewer', subject=expert)}", "x-request-id": rid},
        )


def _standard_cases(stack: Stack, w: World) -> Iterator[str]:
    for case in w.cases:
        if case.track == w.cases[1].track:
            yield case.name


def test_one_request_id_end_to_end(stack: Stack, lot: World) -> None:
    case = lot.cases[1].name
    expert = _panel(stack, case)[0]
    rid = "e2e-0001.trace:a"
    with structlog.testing.capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        r = _submit(stack, case, expert, rid)
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    assert r.headers["x-request-id"] == rid  # type: ignore[attr-defined]
    mine = [e for e in logs if e.get("request_id") == rid]
    http = [e for e in mine if e["event"] == "http"]
    assert http and http[0]["path"] == "/v1/scores:submit"
    rpcs = {(e.get("service"), e.get("method", "").rsplit("/", 1)[-1]) for e in mine if e["event"] == "rpc"}
    assert ("scoring", "SubmitScore") in rpcs
    assert ("assignment", "CheckPanelMembership") in rpcs  # scoring asked assignment, same id

    audit = aupb_grpc.AuditServiceStub(stack.services["scoring"].channel())
    events = audit.ListAuditEvents(aupb.ListAuditEventsRequest(request_id=rid), metadata=AUTH).audit_events
    assert [(e.method, e.code, e.subject, e.client) for e in events] == [
        ("SubmitScore", "OK", expert, "gateway")
    ]
    assert events[0].forwarded_for == "127.0.0.1" and case in events[0].resources


def test_request_id_made_when_absent_or_malformed_and_on_errors(stack: Stack, lot: World) -> None:
    with stack.gateway.client() as client:
        for header in ({}, {"x-request-id": "not a valid id"}, {"x-request-id": "x" * 129}):
            r = client.get("/v1/nowhere", headers=header)
            assert r.status_code == 404
            assert re.fullmatch(r"[0-9a-f]{32}", r.headers["x-request-id"])
        r = client.get("/healthz", headers={"x-request-id": "kept-1"})
        assert r.headers["x-request-id"] == "kept-1"
    # A refused score: the error response and the refusal's audit event carry the id.
    case = lot.cases[1].name
    outsider = next(e.name for e in lot.experts if e.name not in _panel(stack, case))
    r = _submit(stack, case, outsider, "refused-1")
    assert r.status_code == 403 and r.headers["x-request-id"] == "refused-1"  # type: ignore[attr-defined]
    audit = aupb_grpc.AuditServiceStub(stack.services["scoring"].channel())
    events = audit.ListAuditEvents(aupb.ListAuditEventsRequest(request_id="refused-1"), metadata=AUTH)
    assert [(e.code, e.reason) for e in events.audit_events] == [("PERMISSION_DENIED", "NOT_ON_PANEL")]
    # gRPC errors echo the id in their trailers.
    stub = apb_grpc.AssignmentServiceStub(stack.services["assignment"].channel())
    with pytest.raises(grpc.RpcError) as caught:
        stub.GetCase(apb.GetCaseRequest(name="cases/nope"), metadata=[*AUTH, ("x-request-id", "grpc-err-1")])
    trailers = dict(caught.value.trailing_metadata())  # type: ignore[attr-defined]
    assert trailers["x-request-id"] == "grpc-err-1"


def test_gateway_audits_its_own_writes(stack: Stack, lot: World) -> None:
    client = logged_in(stack.gateway.url, stack.gateway.settings, "reviewer", lot.experts[0].name)
    client.close()
    # The authority's account command is audited too.
    env = {**os.environ, "DATABASE_URL": stack.gateway.settings.database_url, "USER": "officer1"}
    made = subprocess.run(
        [sys.executable, "-m", "gateway", "account", "create", "--username", "cli-made", "--role", "reviewer",
         "--subject", lot.experts[1].name],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    engine = create_engine(stack.gateway.settings.database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT method, code, service, subject, resources FROM audit_events ORDER BY id")
            ).all()
    finally:
        engine.dispose()
    assert ("POST /login", "OK", "gateway") in {tuple(r[:3]) for r in rows}
    cli = [r for r in rows if r.method == "account create"]
    assert [(r.subject, r.resources.split()) for r in cli] == [("cli:officer1", ["accounts/cli-made"])]


def _scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        return r.read().decode()


def _value(page: str, name: str, **labels: str) -> float:
    for line in page.splitlines():
        if line.startswith((name + "{", name + " ")) and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_move(stack: Stack, lot: World) -> None:
    server, port = metrics.serve(0)
    try:
        before = _scrape(port)
        case = lot.cases[3].name if lot.cases[3].track == lot.cases[1].track else lot.cases[1].name
        for i, expert in enumerate(_panel(stack, case)[:2]):
            assert _submit(stack, case, expert, f"metrics-{i}").status_code == 200  # type: ignore[attr-defined]
        http = {"route": "api", "method": "POST", "status": "200"}
        target = _value(before, "dgcp_http_requests_total", **http) + 2
        deadline = time.monotonic() + 5  # the gateway counts a request once its response went out
        after = _scrape(port)
        while _value(after, "dgcp_http_requests_total", **http) < target and time.monotonic() < deadline:
            time.sleep(0.02)
            after = _scrape(port)
    finally:
        server.shutdown()
        server.server_close()
    calls = {"service": "scoring", "method": "SubmitScore", "code": "OK"}
    assert (
        _value(after, "dgcp_rpc_calls_total", **calls) >= _value(before, "dgcp_rpc_calls_total", **calls) + 2
    )
    count = {"service": "scoring", "method": "SubmitScore"}
    assert _value(after, "dgcp_rpc_duration_seconds_count", **count) > _value(
        before, "dgcp_rpc_duration_seconds_count", **count
    )
    http = {"route": "api", "method": "POST", "status": "200"}
    assert (
        _value(after, "dgcp_http_requests_total", **http)
        >= _value(before, "dgcp_http_requests_total", **http) + 2
    )
    assert _value(after, "dgcp_db_pool_connections", service="scoring", state="size") >= 1
    assert "dgcp_rpc_in_flight" in after
    assert _value(after, "dgcp_draw_duration_seconds_count") >= 1  # the module's lot was drawn


def test_trace_context_crosses_http_and_grpc(stack: Stack, lot: World) -> None:
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    case = lot.cases[1].name
    expert = _panel(stack, case)[2]  # not yet in scoring's membership cache
    exporter = InMemorySpanExporter()
    tracing.setup("test", exporter=exporter)
    try:
        parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        with stack.gateway.client() as client:
            body = {
                "case": case,
                "items": [
                    {"criterionId": c.id, "points": c.max_points} for c in EVALUATION_STANDARD.criteria
                ],
            }
            r = client.post(
                "/v1/scores:submit",
                json=body,
                headers={
                    "authorization": f"Bearer {token('reviewer', subject=expert)}",
                    "traceparent": parent,
                },
            )
        assert r.status_code == 200
        # The gateway's span ends once the response has gone out: wait for it a little.
        deadline = time.monotonic() + 5
        while len(exporter.get_finished_spans()) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        tracing.shutdown()
    spans = exporter.get_finished_spans()
    traces = {format(s.context.trace_id, "032x") for s in spans}
    assert traces == {"0af7651916cd43dd8448eb211c80319c"}
    by_name = {s.name: s for s in spans}
    http = by_name["POST /api"]
    submit = by_name["dgcp.scoring.v1.ScoringService/SubmitScore"]
    check = by_name["dgcp.assignment.v1.AssignmentService/CheckPanelMembership"]
    assert http.parent is not None and format(http.parent.span_id, "016x") == "b7ad6b7169203331"
    assert submit.parent is not None and submit.parent.span_id == http.context.span_id
    assert check.parent is not None and check.parent.span_id == submit.context.span_id
