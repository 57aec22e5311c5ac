"""The scoring service as the runtime sees it."""

from pathlib import Path

from runtime.server import ServiceApp
from services.scoring import api, notices
from services.scoring.models import metadata, outbox
from services.scoring.standings import servicer as standings

APP = ServiceApp(
    name="scoring",
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations",
    access={**api.ACCESS, **standings.ACCESS},
    register=lambda server, ctx: [*api.register(server, ctx), *standings.register(server, ctx)],
    outbox=outbox,
    notify_tick=notices.reminder_round,
    on_start=api.install_defaults,
)
