"""The scoring service as the runtime sees it."""

from pathlib import Path

from runtime.server import ServiceApp
from services.scoring import api
from services.scoring.models import metadata

APP = ServiceApp(
    name="scoring",
    metadata=metadata,
    migrations=Path(__file__).parent / "migrations",
    access=api.ACCESS,
    register=api.register,
    on_start=api.install_defaults,
)
