"""``python -m gateway`` serves HTTP; ``python -m gateway migrate`` only migrates;
``python -m gateway account create|reissue`` is the authority's way to make logins.

The account commands print the single-use activation path once; it is never logged.
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from collections.abc import Sequence

from gateway import accounts
from gateway.app import create_app, migrate
from gateway.models import metadata as gateway_metadata
from gateway.settings import GatewaySettings
from runtime import audit, config, db, metrics, tracing
from runtime.logging import configure as configure_logging
from runtime.logging import get_logger

log = get_logger("dgcp.gateway")


def _account(args: argparse.Namespace, settings: GatewaySettings) -> int:
    migrate(settings)
    engine = db.create_engine_for(settings.db_settings())
    # The command's writes are audited like the pages' (the running gateway chains them).
    audit.install(engine, gateway_metadata, "gateway", seal=False)
    operator = os.environ.get("SUDO_USER") or os.environ.get("USER") or "unknown"
    token_scope = audit.enter(
        audit.Scope(
            service="gateway",
            method=f"account {args.action}",
            request_id=uuid.uuid4().hex,
            subject=f"cli:{operator}",
            role="operator",
            client="python -m gateway account",
            peer="local",
            noted=[f"accounts/{args.username}"],
        )
    )
    try:
        if args.action == "create":
            ident, token = accounts.create_account(
                engine,
                settings,
                username=args.username,
                role=args.role,
                subject=args.subject,
                org=args.org,
                display_name=args.display_name,
                email=args.email,
            )
            log.info("account created", username=ident.username, role=ident.role)
        elif args.action == "reset-second-factor":
            accounts.reset_second_factor(engine, username=args.username)
            print("second factor reset: the holder enrols again at the next login; sessions ended")
            return 0
        else:
            token = accounts.reissue_activation(engine, settings, username=args.username)
    except accounts.AccountError as err:
        print(f"error: {err.reason}", file=sys.stderr)
        return 2
    finally:
        audit.leave(token_scope)
        engine.dispose()
    print(f"/activate/{token}")
    return 0


def _deliver(settings: GatewaySettings) -> int:
    import signal
    import threading

    from gateway.models import outbox
    from runtime.notify.settings import NotifySettings
    from runtime.notify.worker import DeliveryWorker

    migrate(settings)
    engine = db.create_engine_for(settings.db_settings())
    worker = DeliveryWorker(engine, outbox, NotifySettings.from_env(), service="gateway")
    if not worker.transports:
        print("gateway: no transport configured (DGCP_SMTP_HOST, DGCP_SMS_ADAPTER)", file=sys.stderr)
        return 2
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    worker.start()
    stopping.wait()
    worker.stop()
    engine.dispose()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway")
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="serve HTTP (default)")
    serve.add_argument("--port", type=int, default=None)
    sub.add_parser("migrate", help="migrate the gateway's tables")
    acc = sub.add_parser("account", help="create an account or reissue its activation link")
    acc.add_argument("action", choices=["create", "reissue", "reset-second-factor"])
    acc.add_argument("--username", required=True)
    acc.add_argument("--role", choices=list(accounts.ROLES_WITH_ACCOUNTS), default="reviewer")
    acc.add_argument("--subject", default="", help="experts/{id} or consultancies/{id}")
    acc.add_argument("--org", default="")
    acc.add_argument("--display-name", default="")
    acc.add_argument("--email", default="", help="the activation link is also e-mailed here")
    sub.add_parser("deliver", help="only run the notification worker (activation e-mails)")
    args = parser.parse_args(argv)
    try:
        settings = GatewaySettings.from_env()
        if args.command not in ("migrate", "account"):
            config.jwt_secret()
    except ValueError as err:  # config.ConfigError and every malformed setting
        print(f"gateway: {err}", file=sys.stderr)
        return 2
    configure_logging()
    if args.command == "migrate":
        migrate(settings)
        return 0
    if args.command == "account":
        return _account(args, settings)
    if args.command == "deliver":
        return _deliver(settings)
    import uvicorn

    port = getattr(args, "port", None) or settings.port
    tracing.setup("gateway")
    metrics_port = config.metrics_port("gateway")
    if metrics_port is not None:
        _server, bound = metrics.serve(metrics_port, settings.host)
        log.info("metrics", service="gateway", address=f"{settings.host}:{bound}")
    print(f"gateway listening on {settings.host}:{port}", flush=True)
    # No access log: paths of single-use links carry their token.
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=port,
        access_log=False,
        log_config=None,
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=settings.trusted_proxies or None,
        loop=settings.loop,
        http=settings.http,
        timeout_graceful_shutdown=int(settings.deadline_seconds) + 5,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
