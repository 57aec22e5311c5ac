"""structlog set-up: JSON lines off a terminal, stdlib loggers routed through it.

Follows structlog's own guide: ``merge_contextvars`` first so that the request
id and method bound by the interceptor land on every line, and the standard
library's loggers (grpc, SQLAlchemy, Alembic) rendered by the same processors.
"""

from __future__ import annotations

import logging
import sys

import structlog

_configured = False
_threshold = logging.NOTSET  # the level configure() set; below it a line is dropped unbuilt


def enabled(level: int) -> bool:
    """Whether a line at ``level`` would be written: lets a hot path skip building one. True
    until :func:`configure` ran, so tests that capture structlog's output see every line."""
    return level >= _threshold


def configure(fmt: str = "", level: str = "INFO") -> None:
    global _configured, _threshold
    if _configured:
        return
    _configured = True
    json_out = fmt == "json" or (fmt != "console" and not sys.stderr.isatty())
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False) if json_out else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        # filter_by_level first: a line below the level costs a level check, not the processors.
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info if json_out else _identity,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    _threshold = root.level
    for noisy in ("sqlalchemy.engine", "alembic.runtime.migration"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def _identity(_: object, __: str, event: structlog.types.EventDict) -> structlog.types.EventDict:
    return event


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    return structlog.stdlib.get_logger(name)
