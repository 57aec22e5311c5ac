"""A real SMTP server process for the notification tests (aiosmtpd on loopback).

``python -m tests.notify.smtp_sink DIR [--port N] [--mode none|starttls|tls] [--cert C --key K]``
binds 127.0.0.1 (port 0: the OS chooses), prints ``PORT <n>`` once it listens, and writes each
message it accepts to ``DIR/<n>.eml`` with its envelope in ``DIR/<n>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import ssl
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session


def _over_tls(server: SMTP, session: Session) -> bool:
    """STARTTLS (aiosmtpd records it on the session) or implicit TLS (the transport's own)."""
    transport = server.transport
    return session.ssl is not None or (
        transport is not None and transport.get_extra_info("ssl_object") is not None
    )


class Sink:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = len(list(folder.glob("*.eml")))

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.startswith("refused"):
            return "550 5.1.1 mailbox unavailable"
        if address.startswith("busy"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.count += 1
        stem = self.folder / f"{self.count:04d}"
        content = envelope.original_content or b""
        stem.with_suffix(".eml").write_bytes(content)
        stem.with_suffix(".json").write_text(
            json.dumps(
                {"from": envelope.mail_from, "to": envelope.rcpt_tos, "tls": _over_tls(server, session)}
            )
        )
        return "250 OK"


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--mode", choices=["none", "starttls", "tls"], default="none")
    parser.add_argument("--cert", default="")
    parser.add_argument("--key", default="")
    args = parser.parse_args()
    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    context = None
    if args.mode != "none":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
    handler = Sink(folder)

    def factory() -> SMTP:
        kwargs: dict[str, Any] = {"hostname": "sink.test"}
        if args.mode == "starttls":
            kwargs |= {"tls_context": context, "require_starttls": True}
        return SMTP(handler, **kwargs)

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        factory, "127.0.0.1", args.port, ssl=context if args.mode == "tls" else None
    )
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
