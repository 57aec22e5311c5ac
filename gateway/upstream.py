"""Calls to the services over ``grpc.aio``, carrying the caller's identity as a signed token.

One channel per service, opened lazily on the event loop that serves HTTP.
Calls are made generically by full method name with the message classes from
the descriptors, so the gateway needs no generated stub per service.
"""

from __future__ import annotations

import uuid

import grpc
from google.protobuf.message import Message

from gateway.observability import client_address_var
from gateway.settings import GatewaySettings
from runtime.interceptors import request_id_var
from runtime.tracing import inject as inject_trace


class Upstreams:
    def __init__(self, settings: GatewaySettings) -> None:
        self._settings = settings
        self._channels: dict[str, grpc.aio.Channel] = {}
        self._methods: dict[tuple[str, str], grpc.aio.UnaryUnaryMultiCallable] = {}

    def channel(self, service: str) -> grpc.aio.Channel:
        ch = self._channels.get(service)
        if ch is None:
            ch = grpc.aio.insecure_channel(
                self._settings.upstream(service),
                options=[("grpc.keepalive_time_ms", 30_000), ("grpc.enable_retries", 1)],
            )
            self._channels[service] = ch
        return ch

    async def call(
        self,
        service: str,
        full_method: str,
        request: Message,
        response_class: type[Message],
        *,
        token: str | None,
        request_id: str = "",
    ) -> Message:
        """Unary call; raises ``grpc.aio.AioRpcError`` with the service's status on failure."""
        method = self._methods.get((service, full_method))
        if method is None:
            method = self.channel(service).unary_unary(
                full_method,
                request_serializer=_serialize,
                response_deserializer=response_class.FromString,
            )
            self._methods[(service, full_method)] = method
        metadata = [
            ("x-request-id", request_id or request_id_var.get() or uuid.uuid4().hex),
            ("x-dgcp-client", "gateway"),
        ]
        address = client_address_var.get()
        if address:
            metadata.append(("x-forwarded-for", address))
        if token:
            metadata.append(("authorization", f"Bearer {token}"))
        inject_trace(metadata)
        return await method(request, metadata=metadata, timeout=self._settings.deadline_seconds)

    async def close(self) -> None:
        for ch in self._channels.values():
            await ch.close()
        self._channels.clear()
        self._methods.clear()


def _serialize(message: Message) -> bytes:
    return message.SerializeToString()
