"""Authorization matrix: every RPC of every service × every role.

Generated from the access tables the services themselves enforce
(``APP.access``), checked against the service descriptors, so a new RPC
without an entry fails here, and a role outside the table is denied before
any handler runs. An empty request from an allowed role must not be denied by
role and must never come back INTERNAL or UNKNOWN.
"""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from google.protobuf import descriptor_pool, message_factory

from runtime.auth import Role
from runtime.errors import details_of
from tests.support import Running, md
from tests.system.stack import stack

ROLES = [r for r in Role]


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Running]]:
    tmp = tmp_path_factory.mktemp("matrix")

    def factory(service: str) -> tuple[str, str]:
        return f"sqlite:///{tmp}/{service}.db", service

    with stack(factory) as started:
        yield started


def _methods(svc: Running) -> list[tuple[str, str, object, object]]:
    """(service full name, method, request class, response class) for the app's own services."""
    pool = descriptor_pool.Default()
    out = []
    for full in svc.server._dgcp_service_names:  # type: ignore[attr-defined]
        if not full:
            continue
        service = pool.FindServiceByName(full)
        for m in service.methods:
            if m.client_streaming or m.server_streaming:
                continue
            out.append(
                (
                    full,
                    m.name,
                    message_factory.GetMessageClass(m.input_type),
                    message_factory.GetMessageClass(m.output_type),
                )
            )
    return out


def test_every_rpc_has_an_access_entry(services: dict[str, Running]) -> None:
    for name, svc in services.items():
        methods = {m for _, m, _, _ in _methods(svc)}
        missing = methods - set(svc.app.access)
        stale = set(svc.app.access) - methods
        assert not missing, f"{name}: RPCs without an access entry: {sorted(missing)}"
        assert not stale, f"{name}: access entries for no RPC: {sorted(stale)}"


def test_matrix(services: dict[str, Running]) -> None:
    checked = 0
    for svc in services.values():
        channel = svc.channel()
        for full, method, req_cls, resp_cls in _methods(svc):
            call = channel.unary_unary(
                f"/{full}/{method}",
                request_serializer=lambda m: m.SerializeToString(),
                response_deserializer=resp_cls.FromString,  # type: ignore[attr-defined]
            )
            allowed = svc.app.access.get(method, frozenset())
            for role in ROLES:
                try:
                    call(req_cls(), metadata=md(role), timeout=10)  # type: ignore[operator]
                    outcome = None
                except grpc.RpcError as err:
                    outcome = details_of(err)
                where = f"{full}/{method} as {role}"
                if role in allowed:
                    assert outcome is None or outcome.reason != "ROLE_NOT_ALLOWED", where
                    assert outcome is None or outcome.code not in (
                        grpc.StatusCode.INTERNAL,
                        grpc.StatusCode.UNKNOWN,
                    ), f"{where}: {outcome}"
                else:
                    assert outcome is not None, f"{where} should be denied"
                    assert (outcome.code, outcome.reason) == (
                        grpc.StatusCode.PERMISSION_DENIED,
                        "ROLE_NOT_ALLOWED",
                    ), f"{where}: {outcome}"
                checked += 1
    assert checked >= len(ROLES) * 16
