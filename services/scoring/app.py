"""The scoring service as the runtime sees it."""

from pathlib import Path

from runtime.server import ServiceApp
from services.scoring import api, standings_api
from services.scoring.models import metadata

APP = ServiceApp(
    name="scoring",
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations",
    access={**api.ACCESS, **standings_api.ACCESS},
    register=lambda server, ctx: [*api.register(server, ctx), *standings_api.register(server, ctx)],
    on_start=api.install_defaults,
)
