"""The README's run command: every service on the embedded SQLite default.

Starts each service (and the gateway, when present) as its own process on its
own port, waits until each answers its health check, prints where each
listens, runs the month of synthetic data end to end when ``scripts/month.py``
provides it, and keeps serving until Ctrl-C, which stops everything cleanly.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from runtime import config

ROOT = Path(__file__).resolve().parent.parent


def _services() -> list[str]:
    return sorted(p.parent.name for p in (ROOT / "services").glob("*/app.py"))


def _wait_healthy(name: str, addr: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    with grpc.insecure_channel(addr) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"{name} exited with code {proc.returncode}; see its log above")
            try:
                reply = stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.2)
    raise SystemExit(f"{name} did not become healthy at {addr} within {timeout:.0f} s")


def _ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in ``url`` when it does not exist yet."""
    from sqlalchemy import create_engine, make_url, text

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database})
        if exists.first() is None:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", default=os.environ.get("DGCP_DATA_DIR", "data"))
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument(
        "--postgres",
        nargs="?",
        const="postgresql+psycopg://postgres@127.0.0.1:5432/dgcp",
        default="",
        help="run on PostgreSQL instead of SQLite (default %(const)s; created if missing)",
    )
    parser.add_argument("--serve-only", action="store_true", help="skip the month of synthetic data")
    parser.add_argument("--exit-after", action="store_true", help="stop after the month instead of serving")
    args, month_args = parser.parse_known_args()
    env = dict(os.environ, DGCP_DATA_DIR=str(Path(args.data_dir).resolve()))
    if args.postgres:
        args.database_url = args.postgres
        _ensure_database(args.postgres)
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    env.setdefault("DGCP_LOG_FORMAT", "json")
    env.setdefault("DGCP_LOCAL_MODE", "1")  # plain HTTP on this machine: cookies without Secure
    # This is the demo deployment (its data are synthetic, with or without the month): the scoring
    # service stores that at its first start, and every bulletin it publishes says so.
    env["DGCP_SYNTHETIC_DATA"] = "1"
    os.environ.update(env)
    config.jwt_secret()  # create the shared signing key once, before the services race for it
    logs = Path(env["DGCP_DATA_DIR"]) / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    procs: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name in _services():
            log = (logs / f"{name}.log").open("ab")
            procs[name] = subprocess.Popen(
                [sys.executable, "-m", f"services.{name}"], cwd=ROOT, env=env, stdout=log, stderr=log
            )
        if (ROOT / "gateway" / "__main__.py").exists():
            log = (logs / "gateway.log").open("ab")
            procs["gateway"] = subprocess.Popen(
                [sys.executable, "-m", "gateway"], cwd=ROOT, env=env, stdout=log, stderr=log
            )
        for name in _services():
            addr = config.service_addr(name)
            _wait_healthy(name, addr, procs[name])
            print(f"  {name:<11} grpc://{addr}  SERVING   (log: {logs / (name + '.log')})", flush=True)
        if "gateway" in procs:
            print(
                f"  {'gateway':<11} http://127.0.0.1:{os.environ.get('DGCP_GATEWAY_PORT', '8080')}/",
                flush=True,
            )
        if not args.serve_only and importlib.util.find_spec("scripts.month"):
            importlib.import_module("scripts.month").main(month_args)
        if args.exit_after:
            return 0
        print("Serving. Ctrl-C stops every service.", flush=True)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for name, proc in procs.items():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
            rc = proc.returncode
            how = f"exit {rc}" if rc >= 0 else f"after signal {-rc}"  # uvicorn re-raises SIGTERM
            print(f"  {name} stopped ({how})", flush=True)


if __name__ == "__main__":
    sys.exit(main())
