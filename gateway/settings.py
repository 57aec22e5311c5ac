"""Gateway configuration: every policy number is a field with a default, read once from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from runtime import config

ENV_DOCS: dict[str, str] = {
    "DGCP_GATEWAY_PORT": "HTTP port of the gateway (default 8080).",
    "DGCP_LOCAL_MODE": "`1` on a developer machine: session cookies without `Secure` (plain HTTP).",
    "DGCP_GATEWAY_TRUSTED_PROXIES": (
        "Comma-separated addresses of the ingress/load balancer whose X-Forwarded-For is believed "
        "(default none). Needed behind an ingress, or the login throttle sees one address for everyone."
    ),
    "DGCP_GATEWAY_LOOP": "uvicorn event loop: `uvloop` (default) or `asyncio`.",
    "DGCP_GATEWAY_HTTP": "uvicorn HTTP/1.1 parser: `httptools` (default) or `h11`.",
    "DGCP_GATEWAY_MAX_BODY_BYTES": (
        "Largest request body the gateway reads (default 1048576); larger ones get 413 while they stream."
    ),
    "DGCP_LOGIN_FAILURES_PER_PAIR": (
        "Failed logins one client address may make against one account per window before that pair "
        "waits out the window (default 5). There is no per-account lock."
    ),
    "DGCP_LOGIN_FAILURES_PER_ADDRESS": (
        "Failed logins one client address may make against any accounts per window (default 50)."
    ),
    "DGCP_LOGIN_WINDOW_SECONDS": "The login back-off window (default 300).",
    "DGCP_PASSWORD_HASH_CONCURRENCY": (
        "argon2id checks run at once per gateway process (default 1); further logins wait without "
        "holding a thread."
    ),
}


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


@dataclass(frozen=True)
class GatewaySettings:
    """What the gateway process needs; tests build one directly."""

    host: str = "127.0.0.1"
    port: int = 8080
    database_url: str = ""
    schema: str = "gateway"
    local_mode: bool = False
    upstreams: dict[str, str] = field(default_factory=dict)
    deadline_seconds: float = 5.0
    # Sessions and tokens.
    session_ttl_seconds: int = 8 * 3600
    caller_token_ttl_seconds: int = 300
    activation_ttl_seconds: int = 72 * 3600
    min_password_length: int = 12
    # argon2id cost (RFC 9106 second recommended option: t=3, 64 MiB, p=4).
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 64 * 1024
    argon2_parallelism: int = 4
    # Login back-off (gateway/throttle.py), in the gateway's database so replicas share it: failed
    # logins per (client address, user name) and per client address in a window; past either,
    # that pair or address waits out the window. No per-account lock: others cannot lock you out.
    login_attempts_per_window: int = 5
    login_attempts_per_address_per_window: int = 50  # many accounts tried from one address
    login_window_seconds: int = 300
    # argon2id checks running at once per gateway process; the rest wait without holding a thread.
    password_hash_concurrency: int = 1
    max_body_bytes: int = 1024 * 1024
    # Server stack; bench/gateway.py measures both choices in one run (uvloop+httptools spent
    # about a fifth less gateway CPU per request than asyncio+h11 here).
    trusted_proxies: str = ""
    loop: str = "uvloop"
    http: str = "httptools"

    @property
    def cookie_secure(self) -> bool:
        return not self.local_mode

    def upstream(self, service: str) -> str:
        return self.upstreams.get(service) or config.service_addr(service)

    def db_settings(self) -> config.Settings:
        """The runtime's database settings for the gateway's own tables."""
        return config.Settings(service="gateway", schema=self.schema, database_url=self.database_url)

    @classmethod
    def from_env(cls) -> GatewaySettings:
        url = _env("DATABASE_URL", f"sqlite:///{config.data_dir()}/{{service}}.db")
        return cls(
            host=_env("DGCP_HOST", "127.0.0.1"),
            port=int(_env("DGCP_GATEWAY_PORT", "8080")),
            database_url=url.replace("{service}", "gateway"),
            local_mode=_env("DGCP_LOCAL_MODE", "0").lower() in ("1", "true", "yes"),
            deadline_seconds=float(_env("DGCP_DEADLINE_SECONDS", "5")),
            trusted_proxies=_env("DGCP_GATEWAY_TRUSTED_PROXIES", ""),
            loop=_env("DGCP_GATEWAY_LOOP", "uvloop"),
            http=_env("DGCP_GATEWAY_HTTP", "httptools"),
            max_body_bytes=_count("DGCP_GATEWAY_MAX_BODY_BYTES", 1024 * 1024, "bytes"),
            login_attempts_per_window=_count("DGCP_LOGIN_FAILURES_PER_PAIR", 5, "failed logins"),
            login_attempts_per_address_per_window=_count(
                "DGCP_LOGIN_FAILURES_PER_ADDRESS", 50, "failed logins"
            ),
            login_window_seconds=_count("DGCP_LOGIN_WINDOW_SECONDS", 300, "seconds"),
            password_hash_concurrency=_count("DGCP_PASSWORD_HASH_CONCURRENCY", 1, "hashes"),
        )


def _count(name: str, default: int, unit: str) -> int:
    """A whole number of at least 1 (``config.env_number`` names the variable when it is not)."""
    value = int(config.env_number(name, default, unit=unit, integer=True))
    if value < 1:
        raise config.ConfigError(f"{name} must be at least 1, not {value}")
    return value
