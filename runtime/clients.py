"""Channels to other services: request id passed on, service token, deadlines."""

from __future__ import annotations

import threading
import time

import grpc

from runtime import auth, config
from runtime.interceptors import ClientInterceptor

_TOKEN_TTL = 600


class _ServiceToken:
    """A service credential, re-minted before it expires."""

    def __init__(self, service: str) -> None:
        self._service = service
        self._lock = threading.Lock()
        self._token = ""
        self._expires = 0.0

    def __call__(self) -> str:
        with self._lock:
            if time.monotonic() > self._expires:
                self._token = auth.issue_token(
                    config.jwt_secret(),
                    subject=f"services/{self._service}",
                    role=auth.Role.SERVICE,
                    ttl_seconds=_TOKEN_TTL,
                )
                self._expires = time.monotonic() + _TOKEN_TTL / 2
            return self._token


def service_channel(target: str, *, caller_service: str, deadline_seconds: float = 5.0) -> grpc.Channel:
    """A channel to ``target`` whose calls carry a service token and a deadline."""
    channel = grpc.insecure_channel(
        target,
        options=[
            ("grpc.keepalive_time_ms", 30_000),
            ("grpc.enable_retries", 1),
            ("grpc.initial_reconnect_backoff_ms", 200),
            ("grpc.max_reconnect_backoff_ms", 2_000),
        ],
    )
    return grpc.intercept_channel(channel, ClientInterceptor(_ServiceToken(caller_service), deadline_seconds))
