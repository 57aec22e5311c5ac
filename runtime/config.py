"""Configuration from environment variables, with documented defaults.

Every knob a deployment may turn is here, read once at start-up. The README's
configuration table is written from ``ENV_DOCS``; keep the two together.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

ENV_DOCS: dict[str, str] = {
    "DGCP_DATA_DIR": "Folder for SQLite files, secrets and outputs (default `./data`).",
    "DATABASE_URL": (
        "SQLAlchemy URL. Default: one SQLite file per service, "
        "`sqlite:///$DGCP_DATA_DIR/{service}.db`. With PostgreSQL "
        "(`postgresql+psycopg://host/db`) each service uses its own schema named after it."
    ),
    "DGCP_DB_SCHEMA": "PostgreSQL schema for this process (default: the service name).",
    "DGCP_JWT_SECRET": (
        "HS256 key of the internal tokens (the gateway's per-user tokens, service-to-service calls); "
        "at least 32 bytes, or the process stops at start. Default: generated once into "
        "`$DGCP_DATA_DIR/jwt.secret` (local runs only; set it in production). No client holds it."
    ),
    "DGCP_JWKS_FILE": (
        "Key set (JWKS) of the API clients' public keys (Ed25519), managed with "
        "`python -m scripts.credentials`; re-read within a second of a change. Default: "
        "`$DGCP_DATA_DIR/jwks.json` when it exists, else no client keys."
    ),
    "DGCP_LOG_FORMAT": "`json` or `console` (default: console on a terminal, json otherwise).",
    "DGCP_LOG_LEVEL": "Log level (default `INFO`).",
    "DGCP_HOST": "Address to bind (default `127.0.0.1`; `0.0.0.0` in containers).",
    "DGCP_<SERVICE>_PORT": "Port per service: ASSIGNMENT 50051, SCORING 50052, SURVEYS 50053.",
    "DGCP_<SERVICE>_ADDR": "Where other services reach it (default `127.0.0.1:<port>`).",
    "DGCP_GRPC_WORKERS": "Handler threads per process (default 4); scale by processes.",
    "DGCP_DB_POOL_SIZE": (
        "Database connections per process (default = workers); "
        "scoring keeps one more per server thread for SubmitScore on PostgreSQL."
    ),
    "DGCP_GRACE_SECONDS": "Drain time after SIGTERM (default 10).",
    "DGCP_DEADLINE_SECONDS": "Deadline for calls to other services (default 5).",
    "DGCP_SYNTHETIC_DATA": (
        "`1`: this deployment runs on synthetic data; bulletins say so (`make run` sets it)."
    ),
    "DGCP_<SERVICE>_METRICS_PORT": (
        "Port of the Prometheus `/metrics` endpoint per process: ASSIGNMENT 9151, SCORING 9152, "
        "SURVEYS 9153, GATEWAY 9150; `off` for none."
    ),
    "DGCP_METRICS_PORT": "One metrics port for every process (Kubernetes: 9090); overrides the above.",
    "OTEL_EXPORTER_OTLP_ENDPOINT": (
        "OpenTelemetry collector (OTLP/gRPC) that receives traces; tracing is off when unset."
    ),
}

DEFAULT_PORTS = {"assignment": 50051, "scoring": 50052, "surveys": 50053}
DEFAULT_METRICS_PORTS = {"gateway": 9150, "assignment": 9151, "scoring": 9152, "surveys": 9153}


def metrics_port(process: str) -> int | None:
    """The metrics port of ``process`` (a service or ``gateway``); None when set to ``off``."""
    raw = _env("DGCP_METRICS_PORT", "") or _env(
        f"DGCP_{process.upper()}_METRICS_PORT", str(DEFAULT_METRICS_PORTS.get(process, 0))
    )
    if raw.lower() in ("off", "none", "-"):
        return None
    if not raw.isdigit() or int(raw) > 65535:
        raise ValueError(f"DGCP_{process.upper()}_METRICS_PORT must be a port number or 'off', not {raw!r}")
    return int(raw)


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def env_number(name: str, default: float, *, unit: str, integer: bool = False) -> float:
    """A non-negative number setting (an int where ``integer``); anything else stops the process at
    start with a message that names the variable, not a traceback from deep in a service."""
    raw = _env(name, str(default))
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf") or (integer and not value.is_integer()):
        kind = "a whole number" if integer else "a number"
        raise ValueError(f"{name} must be {kind} of {unit}, 0 or more, not {raw!r}")
    return value


def env_flag(name: str, default: bool = False) -> bool:
    """A yes/no setting: ``1``/``true``/``yes`` or ``0``/``false``/``no`` (any case); anything else
    stops the process at start with a message that names the variable."""
    raw = _env(name, "1" if default else "0").lower()
    if raw in ("1", "true", "yes"):
        return True
    if raw in ("0", "false", "no"):
        return False
    raise ValueError(f"{name} must be 1/true/yes or 0/false/no, not {raw!r}")


def env_seconds(name: str, default: float) -> float:
    """A duration setting in seconds (see :func:`env_number`)."""
    return env_number(name, default, unit="seconds")


def data_dir() -> Path:
    path = Path(_env("DGCP_DATA_DIR", "data")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


MIN_SECRET_BYTES = 32


class ConfigError(ValueError):
    """A setting that stops the process at start; the message names the variable and the fix."""


def jwt_secret() -> str:
    """The token signing key; local runs get one generated and kept on disk. A key shorter than
    32 bytes (RFC 7518 asks HS256 keys to be at least as long as the hash) stops the process."""
    value = os.environ.get("DGCP_JWT_SECRET", "").strip()
    where = "DGCP_JWT_SECRET"
    if not value:
        path = data_dir() / "jwt.secret"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        value, where = path.read_text().strip(), f"DGCP_JWT_SECRET (read from {path})"
    if len(value.encode()) < MIN_SECRET_BYTES:
        raise ConfigError(
            f"{where} is {len(value.encode())} bytes; it must be at least {MIN_SECRET_BYTES} bytes "
            "of random data, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
        )
    return value


def service_addr(service: str) -> str:
    port = _env(f"DGCP_{service.upper()}_PORT", str(DEFAULT_PORTS[service]))
    return _env(f"DGCP_{service.upper()}_ADDR", f"127.0.0.1:{port}")


@dataclass(frozen=True)
class Settings:
    """Settings of one service process."""

    service: str
    schema: str = ""  # PostgreSQL schema; defaults to the service name
    host: str = "127.0.0.1"
    port: int = 0
    database_url: str = ""
    workers: int = 4
    db_pool_size: int = 4
    grace_seconds: float = 10.0
    deadline_seconds: float = 5.0
    log_format: str = ""
    log_level: str = "INFO"
    peers: dict[str, str] = field(default_factory=dict)
    metrics_port: int | None = None  # None: no /metrics endpoint (tests); 0: any free port

    @property
    def db_schema(self) -> str:
        return self.schema or self.service

    @classmethod
    def from_env(cls, service: str) -> Settings:
        workers = int(_env("DGCP_GRPC_WORKERS", "4"))
        url = _env("DATABASE_URL", f"sqlite:///{data_dir()}/{{service}}.db")
        return cls(
            service=service,
            schema=os.environ.get("DGCP_DB_SCHEMA", "").strip(),
            host=_env("DGCP_HOST", "127.0.0.1"),
            port=int(_env(f"DGCP_{service.upper()}_PORT", str(DEFAULT_PORTS.get(service, 0)))),
            database_url=url.replace("{service}", service),
            workers=workers,
            db_pool_size=int(_env("DGCP_DB_POOL_SIZE", str(workers))),
            grace_seconds=float(_env("DGCP_GRACE_SECONDS", "10")),
            deadline_seconds=float(_env("DGCP_DEADLINE_SECONDS", "5")),
            log_format=os.environ.get("DGCP_LOG_FORMAT", ""),
            log_level=_env("DGCP_LOG_LEVEL", "INFO"),
            peers={name: service_addr(name) for name in DEFAULT_PORTS if name != service},
            metrics_port=metrics_port(service),
        )


ENV_DOCS["DGCP_PUBLIC_BASE_URL"] = (
    "Base of every link sent to people (survey, activation, console pages). Default "
    "`http://127.0.0.1:$DGCP_GATEWAY_PORT` (the gateway's port, 8080 when unset)."
)


def public_base_url() -> str:
    """The one base of public links, without a trailing slash.

    Set ``DGCP_PUBLIC_BASE_URL`` in any deployment behind an ingress; on one machine the default
    follows the gateway's port, so a gateway moved to another port still gets working links.
    """
    explicit = os.environ.get("DGCP_PUBLIC_BASE_URL", "").strip()
    if explicit:
        return explicit.rstrip("/")
    return f"http://127.0.0.1:{_env('DGCP_GATEWAY_PORT', '8080')}"
