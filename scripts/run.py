"""The README's run command: every service on the embedded SQLite default.

Refuses to start when one of its ports is taken (naming it); starts each service
(and the gateway) as its own process on its own port; waits until each answers
its health check as the process this run started (a per-run nonce: another
deployment on the port is named, never trusted); prints where each listens;
runs the month of synthetic data end to end when ``scripts/month.py`` provides
it, and keeps serving until Ctrl-C, which stops everything cleanly.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from runtime import config

ROOT = Path(__file__).resolve().parent.parent


def _services() -> list[str]:
    return sorted(p.parent.name for p in (ROOT / "services").glob("*/app.py"))


def _wait_healthy(
    name: str, addr: str, proc: subprocess.Popen[bytes], nonce: str, timeout: float = 180
) -> None:
    """Wait until the service this run started answers health: the per-run health name
    ``dgcp.run.<nonce>`` is known to that process only, so another deployment answering on the
    same port is told apart (it answers NOT_FOUND) and named instead of trusted."""
    deadline = time.monotonic() + timeout
    # Reconnect at least every second: gRPC's default backoff grows to minutes while a loaded
    # machine is still importing the service.
    options = [("grpc.initial_reconnect_backoff_ms", 200), ("grpc.max_reconnect_backoff_ms", 1000)]
    with grpc.insecure_channel(addr, options=options) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"{name} exited with code {proc.returncode}; see its log above")
            try:
                reply = stub.Check(health_pb2.HealthCheckRequest(service=f"dgcp.run.{nonce}"), timeout=1)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError as err:
                if err.code() == grpc.StatusCode.NOT_FOUND:  # type: ignore[attr-defined]
                    raise SystemExit(
                        f"{addr} answers as a gRPC service but not as the {name} this run started: "
                        "another deployment holds the port"
                    ) from None
            time.sleep(0.2)
    raise SystemExit(f"{name} did not become healthy at {addr} within {timeout:.0f} s")


def _wait_gateway(port: int, proc: subprocess.Popen[bytes], nonce: str, timeout: float = 180) -> None:
    """The same for the gateway: its /healthz returns this run's nonce in ``x-dgcp-run``."""
    url = f"http://127.0.0.1:{port}/healthz"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gateway exited with code {proc.returncode}; see its log above")
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.headers.get("x-dgcp-run") == nonce:
                    return
                raise SystemExit(f"port {port} answers HTTP but not as the gateway this run started")
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"gateway did not answer at {url} within {timeout:.0f} s")


def _ports(services: list[str]) -> dict[str, int]:
    """Every port this run will listen on, by what listens there."""
    ports = {name: int(config.service_addr(name).rsplit(":", 1)[1]) for name in services}
    ports["gateway"] = int(os.environ.get("DGCP_GATEWAY_PORT", "").strip() or 8080)
    for name in [*services, "gateway"]:
        metrics_port = config.metrics_port(name)
        if metrics_port:
            ports[f"{name} metrics"] = metrics_port
    return ports


def _refuse_taken_ports(ports: dict[str, int], host: str) -> None:
    """Stop before starting anything when a port is already held, naming it."""
    taken = []
    for what, port in ports.items():
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, port))
            except OSError:
                taken.append(f"port {port} ({what})")
    if taken:
        raise SystemExit(
            "not starting: " + ", ".join(taken) + " already in use on " + host + ". Stop what holds it, "
            "or choose other ports (DGCP_<SERVICE>_PORT, DGCP_GATEWAY_PORT, DGCP_<SERVICE>_METRICS_PORT)."
        )


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
    nonce = secrets.token_hex(8)
    os.environ["DGCP_RUN_NONCE"] = env["DGCP_RUN_NONCE"] = nonce
    _refuse_taken_ports(_ports(_services()), os.environ.get("DGCP_HOST", "127.0.0.1"))
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
            _wait_healthy(name, addr, procs[name], nonce)
            print(f"  {name:<11} grpc://{addr}  SERVING   (log: {logs / (name + '.log')})", flush=True)
        if "gateway" in procs:
            gateway_port = int(os.environ.get("DGCP_GATEWAY_PORT", "").strip() or 8080)
            _wait_gateway(gateway_port, procs["gateway"], nonce)
            print(f"  {'gateway':<11} http://127.0.0.1:{gateway_port}/  SERVING", flush=True)
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
