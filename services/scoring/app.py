"""The scoring service as the runtime sees it."""

from pathlib import Path

from runtime.limits import Limits
from runtime.server import ServiceApp
from services.scoring import api, notices
from services.scoring.models import metadata, outbox
from services.scoring.standings import servicer as standings

_SCORE_ITEMS = 200  # a rubric has a few dozen criteria; 200 leaves room for any published one

#: Request limits beyond the runtime's defaults (see README, "Request limits").
LIMITS = Limits(
    fields={
        f"dgcp.scoring.v1.{message}.{field}": _SCORE_ITEMS
        for message in ("SubmitScoreRequest", "AmendScoreRequest")
        for field in ("items", "vetoes")
    },
    # bulletin files (PDF) are returned whole by GetBulletinFile
    max_send_message_bytes=32 * 1024 * 1024,
)

APP = ServiceApp(
    name="scoring",
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations",
    access={**api.ACCESS, **standings.ACCESS},
    register=lambda server, ctx: [*api.register(server, ctx), *standings.register(server, ctx)],
    outbox=outbox,
    notify_tick=notices.reminder_round,
    on_start=api.install_defaults,
    limits=LIMITS,
)
