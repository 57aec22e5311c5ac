"""Delivery settings, read once from the environment (documented in ``ENV_DOCS``)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from runtime import config

ENV_DOCS: dict[str, str] = {
    "DGCP_SMTP_HOST": "SMTP server for notifications; e-mail is not sent while unset (messages wait).",
    "DGCP_SMTP_PORT": "SMTP port (default 587 with `starttls`, 465 with `tls`, 25 with `none`).",
    "DGCP_SMTP_SECURITY": "`starttls` (default), `tls` (implicit TLS) or `none` (loopback relays only).",
    "DGCP_SMTP_USERNAME": "SMTP login (optional; only over STARTTLS or TLS).",
    "DGCP_SMTP_PASSWORD": "SMTP password (a Secret, never a ConfigMap).",
    "DGCP_SMTP_FROM": "Sender address, e.g. `东莞市清洁生产审核评估 <noreply@example.gov.cn>`.",
    "DGCP_SMTP_CA_FILE": "Extra CA bundle to verify the SMTP server with (default the system's).",
    "DGCP_SMTP_TIMEOUT_SECONDS": "Connect and command timeout (default 20).",
    "DGCP_SMS_ADAPTER": (
        "`module:factory` returning an SMS sender bound to the deployment's provider "
        "(see runtime/notify/README.md); SMS messages wait while unset."
    ),
    "DGCP_NOTIFY_WORKER": "`thread` (default: a delivery thread in each service process) or `off`.",
    "DGCP_NOTIFY_POLL_SECONDS": "How often the worker looks for due messages (default 5).",
    "DGCP_NOTIFY_MAX_ATTEMPTS": "Attempts before a message is marked failed (default 8).",
    "DGCP_NOTIFY_BACKOFF_SECONDS": "Wait after the first failure, doubled after each (default 30).",
    "DGCP_NOTIFY_BACKOFF_MAX_SECONDS": "Longest wait between attempts (default 3600).",
    "DGCP_REVIEW_REMINDER_DAYS": (
        "Assignment: days before a lot's review deadline when experts with unlocked cases are "
        "reminded (default 2)."
    ),
    "DGCP_STATEMENT_REMINDER_DAYS": (
        "Scoring: days before a statement deadline when the consultancy is reminded (default 3)."
    ),
    "DGCP_OUTBOX_KEY": "Key material sealing links in the outbox (default: derived from DGCP_JWT_SECRET).",
}

_DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


def _env(name: str) -> str:
    return os.environ.get(name, "").strip()


@dataclass(frozen=True)
class NotifySettings:
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: str = "starttls"
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_from: str = "noreply@localhost"
    smtp_ca_file: str = ""
    smtp_timeout_seconds: float = 20.0
    sms_adapter: str = ""
    worker: str = "thread"
    poll_seconds: float = 5.0
    max_attempts: int = 8
    backoff_seconds: float = 30.0
    backoff_max_seconds: float = 3600.0
    batch_size: int = 20

    def __post_init__(self) -> None:
        if self.smtp_security not in _DEFAULT_PORTS:
            raise ValueError(f"DGCP_SMTP_SECURITY must be starttls, tls or none, not {self.smtp_security!r}")
        if self.worker not in ("thread", "off"):
            raise ValueError(f"DGCP_NOTIFY_WORKER must be thread or off, not {self.worker!r}")
        if self.max_attempts < 1:
            raise ValueError("DGCP_NOTIFY_MAX_ATTEMPTS must be 1 or more")

    @property
    def lease_seconds(self) -> float:
        """How long a claimed row may stay ``sending`` before it counts as interrupted."""
        return 4 * self.smtp_timeout_seconds * self.batch_size + 60

    def backoff(self, attempts: int) -> float:
        """Wait before the next attempt after ``attempts`` failed ones: 30 s, 60 s, 120 s, … capped."""
        return min(self.backoff_max_seconds, self.backoff_seconds * 2 ** max(0, attempts - 1))

    @classmethod
    def from_env(cls) -> NotifySettings:
        security = (_env("DGCP_SMTP_SECURITY") or "starttls").lower()
        port = _env("DGCP_SMTP_PORT")
        return cls(
            smtp_host=_env("DGCP_SMTP_HOST"),
            smtp_port=int(port) if port else _DEFAULT_PORTS.get(security, 587),
            smtp_security=security,
            smtp_username=_env("DGCP_SMTP_USERNAME"),
            smtp_password=os.environ.get("DGCP_SMTP_PASSWORD", ""),
            smtp_from=_env("DGCP_SMTP_FROM") or cls.smtp_from,
            smtp_ca_file=_env("DGCP_SMTP_CA_FILE"),
            smtp_timeout_seconds=config.env_seconds("DGCP_SMTP_TIMEOUT_SECONDS", cls.smtp_timeout_seconds),
            sms_adapter=_env("DGCP_SMS_ADAPTER"),
            worker=(_env("DGCP_NOTIFY_WORKER") or "thread").lower(),
            poll_seconds=config.env_seconds("DGCP_NOTIFY_POLL_SECONDS", cls.poll_seconds),
            max_attempts=int(
                config.env_number("DGCP_NOTIFY_MAX_ATTEMPTS", cls.max_attempts, unit="attempts", integer=True)
            ),
            backoff_seconds=config.env_seconds("DGCP_NOTIFY_BACKOFF_SECONDS", cls.backoff_seconds),
            backoff_max_seconds=config.env_seconds(
                "DGCP_NOTIFY_BACKOFF_MAX_SECONDS", cls.backoff_max_seconds
            ),
        )
